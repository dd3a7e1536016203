/*
 * workbook — see workbook.h.
 *
 * Two passes over the sheet when the date format is to be detected (the
 * first reads the text dates of up to DETECT_ROWS rows, as the CSV reader
 * reads its first block; dates in date cells need no format), one
 * otherwise. Each pass opens the sheet and finds its header the same way.
 */
#include "loaders/workbook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "loaders/rows.h"
#include "loaders/source.h"
#include "loaders/xlsx.h"

#define DETECT_ROWS 100000   /* rows read to detect the format of text dates */
#define HEADER_ROWS 1000     /* rows searched for the header */

int workbook_is_path(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcasecmp(path + n - 5, ".xlsx") == 0) || (n > 8 && strcasecmp(path + n - 8, ".xlsx.gz") == 0);
}

/* The fields of one row, padded or cut to the header's width. */
struct wrow {
    uint32_t ncols;
    struct rows_field *f;
    struct rows_cell *c;
    char *txt;                 /* ncols x XLSX_TEXT_BUF for numbers and dates */
};

static int wrow_alloc(struct wrow *w, uint32_t ncols)
{
    w->ncols = ncols;
    w->f = calloc((size_t)ncols + 1, sizeof *w->f);
    w->c = calloc((size_t)ncols + 1, sizeof *w->c);
    w->txt = malloc(((size_t)ncols + 1) * XLSX_TEXT_BUF);
    return w->f && w->c && w->txt ? 0 : -1;
}

static void wrow_free(struct wrow *w)
{
    free(w->f);
    free(w->c);
    free(w->txt);
    memset(w, 0, sizeof *w);
}

/* Texts of the row's cells, and what their types already tell. */
static void wrow_fill(struct wrow *w, const struct xlsx_row *row)
{
    for (uint32_t k = 0; k < w->ncols; k++) {
        size_t len = 0;
        const char *t = xlsx_text(row, k, w->txt + (size_t)k * XLSX_TEXT_BUF, &len);
        w->f[k].p = t;
        w->f[k].n = len;
        w->c[k].kind = ROWS_TEXT;
        if (k >= row->ncells)
            continue;
        const struct xlsx_cell *x = &row->cells[k];
        if (x->type == XLSX_NUMBER) {
            w->c[k].kind = ROWS_NUMBER;
            w->c[k].num = x->num;
        } else if (x->type == XLSX_DATE) {
            int32_t day;
            if (xlsx_serial_to_day(x->num, row->date1904, &day, NULL) == 0) {
                w->c[k].kind = ROWS_DAY;
                w->c[k].day = day;
            }
        }
    }
}

struct wb {
    const char *path;
    const struct reader_options *o;
    const char *channel;
    struct xlsx_book *book;
    void *mem;                 /* the inflated .xlsx.gz, or NULL */
    size_t sheet;              /* index of the sheet read */
    char label[4200];          /* "path[sheet]" for messages and rejects */
};

/* A .xlsx.gz into memory: the zip needs to seek, which a gzip stream
   cannot. */
static int inflate_all(const char *path, void **out, size_t *size, struct cx_err *e)
{
    gzFile g = gzopen(path, "rb");
    if (g == NULL)
        return cx_fail(e, CX_EIO, "%s: cannot open", path);
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    int rc = CX_OK;
    for (;;) {
        if (buf == NULL) {
            rc = cx_nomem(e, "workbook");
            break;
        }
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = cx_nomem(e, "workbook");
                break;
            }
            buf = nb;
            cap *= 2;
        }
        int r = gzread(g, buf + n, (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
        if (r < 0) {
            int zerr;
            rc = cx_fail(e, CX_EIO, "%s: read error: %s", path, gzerror(g, &zerr));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    gzclose(g);
    if (rc != CX_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *size = n;
    return CX_OK;
}

/* Opens the sheet and reads it up to its header: the plan is made (pl,
   free with rows_plan_free) and w sized to the header's width. */
static int open_at_header(struct wb *b, struct xlsx_sheet **sh, struct rows_plan *pl, struct wrow *w,
                          struct cx_err *e)
{
    const struct reader_options *o = b->o;
    int rc = xlsx_sheet_open(b->book, b->sheet, sh, e);
    if (rc != CX_OK)
        return rc;
    struct cx_err best = { 0 };
    uint32_t best_n = 0, tried = 0;
    for (;;) {
        const struct xlsx_row *row;
        if ((rc = xlsx_sheet_next(*sh, &row, e)) != CX_OK)
            return rc;
        if (row == NULL || (o->header_row && row->number > o->header_row) || tried >= HEADER_ROWS) {
            if (o->header_row)
                return cx_fail(e, CX_EIO, "%s: row %u (header_row) is blank or absent", b->label, o->header_row);
            if (best_n == 0)
                return cx_fail(e, CX_EIO, "%s: no header row: the sheet holds no text", b->label);
            return cx_fail(e, CX_EIO, "%s: no row of the first %u holds the mapped headers; on its fullest row: %s",
                           b->label, tried, best.msg);
        }
        if (row->nonempty == 0 || (o->header_row && row->number != o->header_row))
            continue;
        tried++;
        wrow_free(w);
        if (wrow_alloc(w, row->ncells))
            return cx_nomem(e, "workbook");
        wrow_fill(w, row);
        struct cx_err pe = { 0 };
        rc = rows_plan_init(pl, o, b->label, w->f, (long)w->ncols, b->channel, &pe);
        if (rc == CX_OK)
            return CX_OK;
        rows_plan_free(pl);
        memset(pl, 0, sizeof *pl);
        if (rc != CX_EIO || o->header_row) {
            *e = pe;
            return rc;
        }
        if (row->nonempty > best_n) {
            best_n = row->nonempty;
            best = pe;
            /* The message repeats the name: keep what follows it. */
            size_t ln = strlen(b->label);
            if (strncmp(best.msg, b->label, ln) == 0 && best.msg[ln] == ':')
                memmove(best.msg, best.msg + ln + 2, strlen(best.msg + ln + 2) + 1);
        }
    }
}

/* The format of the text dates: the one that reads every date seen (ISO
   when every date is in a date cell). */
static int detect_dates(struct wb *b, unsigned *fmt, struct cx_err *e)
{
    struct xlsx_sheet *sh = NULL;
    struct rows_plan pl;
    struct wrow w = { 0 };
    memset(&pl, 0, sizeof pl);
    uint64_t total = 0, fit[3] = { 0 };
    char example[64] = "";
    int rc = open_at_header(b, &sh, &pl, &w, e);
    for (uint32_t nrow = 0; rc == CX_OK && nrow < DETECT_ROWS; nrow++) {
        const struct xlsx_row *row;
        if ((rc = xlsx_sheet_next(sh, &row, e)) != CX_OK || row == NULL)
            break;
        if (row->nonempty == 0)
            continue;
        wrow_fill(&w, row);
        int dc = pl.col[RF_DATE];
        if (dc < 0 || w.c[dc].kind == ROWS_DAY)
            continue;
        struct rows_field d;
        int m = rows_date_formats(&pl, w.f, (long)w.ncols, &d);
        if (m < 0)
            continue;
        total++;
        fit[0] += !!(m & FIELD_DATE_ISO);
        fit[1] += !!(m & FIELD_DATE_DMY);
        fit[2] += !!(m & FIELD_DATE_MDY);
        if (example[0] == '\0' && (m & FIELD_DATE_DMY) && (m & FIELD_DATE_MDY))
            snprintf(example, sizeof example, "%.*s", (int)(d.n > 40 ? 40 : d.n), d.p);
    }
    if (rc == CX_OK) {
        static const unsigned f3[3] = { FIELD_DATE_ISO, FIELD_DATE_DMY, FIELD_DATE_MDY };
        int all = 0, best = 0;
        for (int k = 0; k < 3; k++) {
            all += total > 0 && fit[k] == total;
            if (fit[k] > fit[best])
                best = k;
        }
        if (total == 0)
            *fmt = FIELD_DATE_ISO;
        else if (all > 1)
            rc = cx_fail(e, CX_EIO, "%s: dates are ambiguous: every text date seen reads both as DD/MM/YYYY and "
                         "MM/DD/YYYY (for example \"%s\"); set date_format = dmy or mdy in [input] of the "
                         "configuration", b->label, example);
        else
            *fmt = f3[best];
    }
    rows_plan_free(&pl);
    wrow_free(&w);
    xlsx_sheet_close(sh);
    return rc;
}

/* The row's texts joined by ',' for rejects.csv's raw column. */
static size_t join(const struct wrow *w, char **buf, size_t *cap)
{
    size_t n = 0;
    for (uint32_t k = 0; k < w->ncols; k++)
        n += w->f[k].n + 1;
    if (n + 1 > *cap) {
        char *nb = realloc(*buf, n + 1);
        if (nb == NULL)
            return (size_t)-1;
        *buf = nb;
        *cap = n + 1;
    }
    size_t o = 0;
    for (uint32_t k = 0; k < w->ncols; k++) {
        if (k)
            (*buf)[o++] = ',';
        memcpy(*buf + o, w->f[k].p, w->f[k].n);
        o += w->f[k].n;
    }
    return o;
}

static int load_rows(struct wb *b, struct dataset *ds, unsigned datefmt, reader_reject_fn on_reject, void *ctx,
                     struct reader_stats *st, struct cx_err *e)
{
    struct xlsx_sheet *sh = NULL;
    struct rows_plan pl;
    struct wrow w = { 0 };
    struct rows_part part;
    memset(&pl, 0, sizeof pl);
    memset(&part, 0, sizeof part);
    part.ds = ds;
    char *raw = NULL;
    size_t rawcap = 0;
    int rc = open_at_header(b, &sh, &pl, &w, e);
    if (rc == CX_OK) {
        pl.datefmt = datefmt;
        for (int f = 0; f < RF_NFIELDS; f++)
            st->has_field[f] = rows_plan_has(&pl, (enum rf_field)f);
    }
    while (rc == CX_OK) {
        const struct xlsx_row *row;
        if ((rc = xlsx_sheet_next(sh, &row, e)) != CX_OK || row == NULL)
            break;
        if (row->nonempty == 0) {
            st->blank_lines++;
            continue;
        }
        wrow_fill(&w, row);
        st->rows_read++;
        struct rows_reject rej;
        int r = rows_take(&pl, &part, w.f, w.c, (long)w.ncols, NULL, row->number, &rej, e);
        if (r < 0) {
            rc = e->status ? e->status : CX_EINTERNAL;
            break;
        }
        if (r == 0) {
            st->accepted++;
            continue;
        }
        st->rejected++;
        st->by_reason[rej.reason][rej.field]++;
        size_t len = join(&w, &raw, &rawcap);
        if (len == (size_t)-1) {
            rc = cx_nomem(e, "rejects");
            break;
        }
        int fr;
        if (on_reject && (fr = on_reject(ctx, b->label, row->number, rej.msg, raw, len))) {
            rc = cx_fail(e, fr, "%s: cannot write the rejected rows", b->label);
            break;
        }
        if (b->o->strict) {
            rc = cx_fail(e, CX_EREJECT, "%s: row %u: %s (--strict stops at the first rejected row)", b->label,
                         row->number, rej.msg);
            break;
        }
    }
    if (sh)
        st->bytes = xlsx_sheet_bytes(sh);
    rows_tally_merge(&st->tally, &part.tally, 0);
    if (rc == CX_OK && part.nhash) {
        uint64_t *h = realloc(st->line_hash, (st->n_hash + part.nhash) * sizeof *h);
        if (h == NULL) {
            rc = cx_nomem(e, "line fingerprints");
        } else {
            st->line_hash = h;
            memcpy(h + st->n_hash, part.hash, part.nhash * sizeof *h);
            st->n_hash += part.nhash;
            st->cap_hash = st->n_hash;
        }
    }
    free(raw);
    rows_part_free(&part);
    rows_plan_free(&pl);
    wrow_free(&w);
    xlsx_sheet_close(sh);
    return rc;
}

int workbook_load(struct dataset *ds, const char *path, const char *channel, const struct reader_options *o,
                  reader_reject_fn on_reject, void *ctx, struct reader_stats *st, struct cx_err *e)
{
    struct wb b;
    memset(&b, 0, sizeof b);
    b.path = path;
    b.o = o;
    b.channel = channel;
    st->name = strdup(path);
    st->channel = channel ? strdup(channel) : NULL;
    st->first_line = st->end_line = ds->n_lines;
    st->encoding = SRC_UTF8;
    st->delimiter = ',';
    if (st->name == NULL || (channel && st->channel == NULL))
        return cx_nomem(e, "workbook");
    int rc;
    size_t n = strlen(path);
    if (n > 3 && strcasecmp(path + n - 3, ".gz") == 0) {
        size_t size = 0;
        rc = inflate_all(path, &b.mem, &size, e);
        if (rc == CX_OK)
            rc = xlsx_open_buffer(&b.book, b.mem, size, path, e);
    } else {
        rc = xlsx_open(&b.book, path, e);
    }
    if (rc == CX_OK)
        rc = xlsx_sheet_find(b.book, o->sheet, &b.sheet, e);
    if (rc == CX_OK) {
        snprintf(b.label, sizeof b.label, "%s[%s]", path, xlsx_sheet_name(b.book, b.sheet));
        unsigned fmt = o->date_format;
        if (fmt == 0)
            rc = detect_dates(&b, &fmt, e);
        st->date_format = fmt;
        if (rc == CX_OK)
            rc = load_rows(&b, ds, fmt, on_reject, ctx, st, e);
    }
    st->end_line = ds->n_lines;
    xlsx_close(b.book);
    free(b.mem);
    return rc;
}
