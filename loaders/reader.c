/*
 * reader — see reader.h for the design.
 *
 * One file is read in blocks of o->block_size bytes of UTF-8 from its
 * source (loaders/source.h: zlib, then iconv for another encoding). The
 * block is cut into ranges of o->chunk_size bytes — a number that does not
 * depend on the thread count —
 * and each range is turned into a private dataset part plus its rejects.
 * A record belongs to the range in which it starts. Ranges are then checked
 * in order: a range whose guessed start is not where the previous one ended
 * is parsed again from there. Parts are appended to the dataset in order,
 * rejects are handed to the caller in order, and the bytes after the last
 * complete record are carried to the front of the next block.
 *
 * A postgresql:// input is the same parse over the bytes pgsrc_read hands
 * over (through loaders/source.h), with two differences: the delimiter is
 * the ',' COPY writes, and records are counted instead of lines
 * (fp->by_row), so that rejects name the row of the result even when a
 * value holds a newline.
 */
#include "loaders/reader.h"

#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loaders/config.h"
#include "loaders/pgsource.h"
#include "loaders/source.h"
#include "loaders/workbook.h"

#define NOT_COMPLETE SIZE_MAX
/* A quoted field longer than this is taken as a quote that never closes. */
#define READER_MAX_RECORD ((size_t)64 << 20)

const char *reader_field_name(enum rf_field f)
{
    return rows_field_name(f);
}

const char *reader_reason_name(enum rj_reason r)
{
    return rows_reason_name(r);
}

/* The null tokens when [input] null is not given. */
#define READER_NULLS "NULL, N/A, #N/A"

void reader_defaults(struct reader_options *o)
{
    memset(o, 0, sizeof *o);
    o->default_margin = 0.35;
    rows_nulls_set(&o->nulls, READER_NULLS);
}

void reader_options_free(struct reader_options *o)
{
    free(o->channel);
    free(o->query);
    free(o->sheet);
    o->query = o->sheet = NULL;
    for (int f = 0; f < RF_NFIELDS; f++)
        free(o->columns[f]);
    for (int f = 0; f < RP_NFIELDS; f++)
        free(o->products_columns[f]);
    for (int f = 0; f < RC_NFIELDS; f++)
        free(o->customers_columns[f]);
    o->channel = NULL;
    memset(o->columns, 0, sizeof o->columns);
    memset(o->products_columns, 0, sizeof o->products_columns);
    memset(o->customers_columns, 0, sizeof o->customers_columns);
}

/* Reads the header names of section's keys into cols (replacing). */
static int read_columns(struct config *c, const char *section, const char *const *keys, int nkeys,
                        char **cols, struct cx_err *e);

static int bad_value(struct cx_err *e, const struct config *c, const struct config_entry *x,
                     const char *expect)
{
    return cx_fail(e, CX_EUSAGE, "%s:%d: [%s] %s = '%s': expected %s", c->path, x->line,
                   x->section, x->key, x->value, expect);
}

int reader_configure(struct reader_options *o, struct config *c, struct cx_err *e)
{
    struct config_entry *x;
    if ((x = config_get(c, "input", "delimiter"))) {
        const char *v = x->value;
        if (strcasecmp(v, "auto") == 0)
            o->delimiter = 0;
        else if (strcasecmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
            o->delimiter = '\t';
        else if (strlen(v) == 1 && strchr(",;|", v[0]))
            o->delimiter = v[0];
        else
            return bad_value(e, c, x, "auto, ',', ';', tab or '|'");
    }
    if ((x = config_get(c, "input", "locale"))) {
        if (strcasecmp(x->value, "en") == 0)
            o->locale = FIELD_EN;
        else if (strcasecmp(x->value, "fr") == 0)
            o->locale = FIELD_FR;
        else
            return bad_value(e, c, x, "en or fr");
    }
    if ((x = config_get(c, "input", "date_format"))) {
        if (strcasecmp(x->value, "auto") == 0)
            o->date_format = 0;
        else if (strcasecmp(x->value, "iso") == 0)
            o->date_format = FIELD_DATE_ISO;
        else if (strcasecmp(x->value, "dmy") == 0)
            o->date_format = FIELD_DATE_DMY;
        else if (strcasecmp(x->value, "mdy") == 0)
            o->date_format = FIELD_DATE_MDY;
        else
            return bad_value(e, c, x, "auto, iso, dmy or mdy");
    }
    if ((x = config_get(c, "input", "channel"))) {
        if (x->value[0] == '\0')
            return bad_value(e, c, x, "a channel name");
        free(o->channel);
        if ((o->channel = strdup(x->value)) == NULL)
            return cx_nomem(e, "configuration");
    }
    if ((x = config_get(c, "input", "default_margin"))) {
        double m;
        if (field_number(x->value, strlen(x->value), FIELD_EN, &m) || m < 0 || m >= 1)
            return bad_value(e, c, x, "a margin ratio from 0 to below 1");
        o->default_margin = m;
    }
    /* A query written over several lines arrives from inih as one entry
       per line, in order: they are joined again. */
    size_t qlen = 0;
    for (size_t k = 0; k < c->n; k++) {
        x = &c->e[k];
        if (strcasecmp(x->section, "input") || strcmp(x->key, "query"))
            continue;
        x->used = 1;
        size_t n = strlen(x->value);
        char *q = realloc(o->query, qlen + n + 2);
        if (q == NULL)
            return cx_nomem(e, "configuration");
        o->query = q;
        if (qlen)
            q[qlen++] = '\n';
        memcpy(q + qlen, x->value, n + 1);
        qlen += n;
    }
    if ((x = config_get(c, "input", "sheet"))) {
        if (x->value[0] == '\0')
            return bad_value(e, c, x, "a sheet name or number");
        free(o->sheet);
        if ((o->sheet = strdup(x->value)) == NULL)
            return cx_nomem(e, "configuration");
    }
    if ((x = config_get(c, "input", "header_row"))) {
        char *end;
        unsigned long v = strtoul(x->value, &end, 10);
        if (end == x->value || *end || v < 1 || v > 1048576)
            return bad_value(e, c, x, "a row number from 1 to 1048576");
        o->header_row = (unsigned)v;
    }
    if ((x = config_get(c, "input", "encoding"))) {
        if (source_encoding_parse(x->value, &o->encoding))
            return bad_value(e, c, x, "auto, utf-8, utf-16, cp1252 or latin1");
    }
    if ((x = config_get(c, "input", "null"))) {
        if (rows_nulls_set(&o->nulls, x->value))
            return bad_value(e, c, x, "a comma-separated list of at most 16 texts of at most "
                                      "23 bytes each (NULL, N/A, #N/A)");
    }
    const char *keys[RF_NFIELDS];
    for (int f = 0; f < RF_NFIELDS; f++)
        keys[f] = rows_field_name((enum rf_field)f);
    static const char *const pkeys[RP_NFIELDS] = { "product_id", "unit_cost", "category" };
    static const char *const ckeys[RC_NFIELDS] = { "customer_id", "channel", "region", "account_id" };
    int rc;
    if ((rc = read_columns(c, "columns", keys, RF_NFIELDS, o->columns, e)) != CX_OK ||
        (rc = read_columns(c, "products", pkeys, RP_NFIELDS, o->products_columns, e)) != CX_OK ||
        (rc = read_columns(c, "customers", ckeys, RC_NFIELDS, o->customers_columns, e)) != CX_OK)
        return rc;
    static const char *const sections[] = { "input", "columns", "products", "customers" };
    for (size_t k = 0; k < sizeof sections / sizeof *sections; k++)
        if ((rc = config_check_unused(c, sections[k], e)) != CX_OK)
            return rc;
    return CX_OK;
}

static int read_columns(struct config *c, const char *section, const char *const *keys, int nkeys,
                        char **cols, struct cx_err *e)
{
    for (int f = 0; f < nkeys; f++) {
        struct config_entry *x = config_get(c, section, keys[f]);
        if (x == NULL)
            continue;
        if (x->value[0] == '\0')
            return bad_value(e, c, x, "a header name");
        free(cols[f]);
        if ((cols[f] = strdup(x->value)) == NULL)
            return cx_nomem(e, "configuration");
    }
    return CX_OK;
}

void reader_stats_free(struct reader_stats *st)
{
    free(st->name);
    free(st->channel);
    free(st->line_hash);
    st->name = st->channel = NULL;
    st->line_hash = NULL;
    st->n_hash = st->cap_hash = 0;
}

/* ---------------------------------------------------------------------- */
/* Per-file parse settings, shared read-only by the threads.               */

struct fileplan {
    struct rows_plan rp;           /* header mapping and row rules */
    char delim;                    /* field delimiter */
    int by_row;                    /* number records, not lines (a PostgreSQL result) */
};

struct rej {
    uint64_t line;        /* line of the record, counted from the chunk's start */
    struct rows_reject r; /* why */
    const char *raw;      /* the record's text, in the block */
    size_t rawlen;
};

/* One range of a block and what parsing it gave. */
struct chunk {
    size_t start;         /* first record start (guessed, then checked) */
    size_t nominal_end;   /* records starting before this belong here */
    size_t end;           /* where the next record starts */
    uint64_t newlines;    /* newline characters in [start, end) */
    uint64_t rows;        /* records (blank lines aside) */
    uint64_t blank;       /* blank lines */
    struct dataset *part; /* accepted lines */
    struct rows_part rp;  /* where rows_take puts them (rp.ds = part) */
    struct rej *rej;      /* rejected records, in order */
    size_t nrej, caprej;
    struct cx_err err;    /* a failure that stops the load (out of memory) */
    struct csv_parser csv;/* for records with quotes */
    int csv_ready;
    char *buf;            /* libcsv field copies */
    size_t buflen, bufcap;
    size_t *off;          /* field offsets in buf, then lengths */
    size_t nf, capf;
    int csv_overflow;     /* out of memory while copying a field */
    struct rows_field *fv; /* fields of the current record */
    size_t capfv;
};

/* ---------------------------------------------------------------------- */
/* Records.                                                                */

/* Finds the record that starts at i in p[0..n). Returns the start of the
   next record, or NOT_COMPLETE when the record does not end before n and
   more data may come (!eof). *rec_end is the end of its text (line end and
   a CR before it excluded), *quoted whether it holds a quote character,
   *nl the newline characters it spans. */
static size_t scan_record(const char *p, size_t i, size_t n, int eof, char delim,
                          size_t *rec_end, int *quoted, uint64_t *nl)
{
    const char *q = memchr(p + i, '\n', n - i);
    size_t j = q ? (size_t)(q - p) : n;
    if (memchr(p + i, '"', j - i) == NULL) {
        if (q == NULL && !eof)
            return NOT_COMPLETE;
        *rec_end = (j > i && p[j - 1] == '\r') ? j - 1 : j;
        *quoted = 0;
        *nl = q != NULL;
        return q ? j + 1 : n;
    }
    /* A quote opens a quoted field only at the start of a field; inside,
       "" is a quote and a lone " closes the field (RFC 4180). */
    int field_start = 1, inq = 0;
    uint64_t lines = 0;
    size_t k = i;
    for (; k < n; k++) {
        char c = p[k];
        if (inq) {
            if (c == '"') {
                if (k + 1 == n && !eof)
                    return NOT_COMPLETE;
                if (k + 1 < n && p[k + 1] == '"')
                    k++;
                else
                    inq = 0;
            } else if (c == '\n') {
                lines++;
                if (k - i > READER_MAX_RECORD)
                    break;
            }
            continue;
        }
        if (c == '\n')
            break;
        if (c == delim) {
            field_start = 1;
        } else if (c == '"' && field_start) {
            inq = 1;
            field_start = 0;
        } else {
            field_start = 0;
        }
    }
    if (inq && (eof || k < n)) {
        /* A quote that never closes (at the end of the input, or after
           READER_MAX_RECORD bytes): only its first line is rejected, and
           reading goes on at the next line, so one stray quote does not
           swallow the rest of the file. */
        const char *lf = memchr(p + i, '\n', n - i);
        size_t le = lf ? (size_t)(lf - p) : n;
        *rec_end = (le > i && p[le - 1] == '\r') ? le - 1 : le;
        *quoted = 2;
        *nl = lf != NULL;
        return lf ? le + 1 : n;
    }
    if (k == n && !eof)
        return NOT_COMPLETE;
    *quoted = 1;
    *nl = lines + (k < n);
    *rec_end = (k > i && p[k - 1] == '\r') ? k - 1 : k;
    return k < n ? k + 1 : n;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int lf_only(unsigned char c)
{
    return c == '\n';
}

static void csv_field_cb(void *s, size_t len, void *data)
{
    struct chunk *c = data;
    if (c->nf == c->capf) {
        size_t cap = c->capf ? c->capf * 2 : 64;
        size_t *o = realloc(c->off, cap * 2 * sizeof *o);
        if (o == NULL) {
            c->csv_overflow = 1;
            return;
        }
        c->off = o;
        c->capf = cap;
    }
    if (c->buflen + len > c->bufcap) {
        size_t cap = c->bufcap ? c->bufcap : 4096;
        while (cap < c->buflen + len)
            cap *= 2;
        char *b = realloc(c->buf, cap);
        if (b == NULL) {
            c->csv_overflow = 1;
            return;
        }
        c->buf = b;
        c->bufcap = cap;
    }
    if (len)
        memcpy(c->buf + c->buflen, s, len);
    c->off[2 * c->nf] = c->buflen;
    c->off[2 * c->nf + 1] = len;
    c->buflen += len;
    c->nf++;
}

static void csv_row_cb(int term, void *data)
{
    (void)term;
    (void)data;
}

static int ensure_fv(struct chunk *c, size_t n)
{
    if (n <= c->capfv)
        return 0;
    size_t cap = c->capfv ? c->capfv : 32;
    while (cap < n)
        cap *= 2;
    struct rows_field *f = realloc(c->fv, cap * sizeof *f);
    if (f == NULL)
        return -1;
    c->fv = f;
    c->capfv = cap;
    return 0;
}

/* Splits the record p[i..end) into c->fv. Returns the field count, or -1
   on an unterminated quote, -2 when out of memory. */
static long split_record(struct chunk *c, const char *p, size_t i, size_t end, int quoted, char delim)
{
    if (quoted == 2)
        return -1;
    if (!quoted) {
        size_t nf = 0;
        const char *s = p + i, *e = p + end;
        for (;;) {
            const char *d = memchr(s, delim, (size_t)(e - s));
            if (nf == c->capfv && ensure_fv(c, nf + 1))
                return -2;
            c->fv[nf].p = s;
            c->fv[nf].n = (size_t)((d ? d : e) - s);
            nf++;
            if (d == NULL)
                break;
            s = d + 1;
        }
        return (long)nf;
    }
    if (!c->csv_ready) {
        if (csv_init(&c->csv, 0) != 0)
            return -2;
        csv_set_space_func(&c->csv, no_space);
        csv_set_term_func(&c->csv, lf_only);
        c->csv_ready = 1;
    }
    csv_set_delim(&c->csv, (unsigned char)delim);
    c->nf = 0;
    c->buflen = 0;
    c->csv_overflow = 0;
    size_t len = end - i;
    if (csv_parse(&c->csv, p + i, len, csv_field_cb, csv_row_cb, c) != len) {
        int err = csv_error(&c->csv);
        csv_fini(&c->csv, csv_field_cb, csv_row_cb, c);
        return err == CSV_ENOMEM ? -2 : -1;
    }
    if (csv_fini(&c->csv, csv_field_cb, csv_row_cb, c) != 0)
        return -1;
    if (c->csv_overflow)
        return -2;
    if (ensure_fv(c, c->nf))
        return -2;
    for (size_t k = 0; k < c->nf; k++) {
        c->fv[k].p = c->buf + c->off[2 * k];
        c->fv[k].n = c->off[2 * k + 1];
    }
    return (long)c->nf;
}

/* ---------------------------------------------------------------------- */
/* Records into rows.                                                      */

/* Hands the fields in c->fv to rows_take; a rejected record is kept with
   its text. Returns 0, or -1 on a failure that stops the load (recorded in
   c->err). */
static int take_record(struct chunk *c, const struct fileplan *fp, long nf, uint64_t line,
                       const char *raw, size_t rawlen)
{
    if (c->nrej == c->caprej) {
        size_t cap = c->caprej ? c->caprej * 2 : 16;
        struct rej *r = realloc(c->rej, cap * sizeof *r);
        if (r == NULL) {
            cx_nomem(&c->err, "rejects");
            return -1;
        }
        c->rej = r;
        c->caprej = cap;
    }
    struct rej *x = &c->rej[c->nrej];
    int rc;
    if (nf == -1) {
        rows_reject_set(&x->r, RJ_QUOTE, RF_NFIELDS, "unterminated quoted field");
        rc = 1;
    } else {
        struct rows_field rec = { raw, rawlen };
        rc = rows_take(&fp->rp, &c->rp, c->fv, NULL, nf, &rec, line, &x->r, &c->err);
    }
    if (rc == 1) {
        x->line = line;
        x->raw = raw;
        x->rawlen = rawlen;
        c->nrej++;
    }
    return rc < 0 ? -1 : 0;
}

/* Parses the records of p that start in [c->start, c->nominal_end) into c.
   Stops early at a record that is not complete before n (when !eof). */
static void parse_chunk(struct chunk *c, const struct fileplan *fp, const char *p, size_t n, int eof)
{
    dataset_clear(c->part);
    rows_part_reset(&c->rp);
    c->nrej = 0;
    c->rows = c->blank = c->newlines = 0;
    size_t i = c->start;
    while (i < c->nominal_end && i < n) {
        size_t rec_end;
        int quoted;
        uint64_t nl;
        size_t next = scan_record(p, i, n, eof, fp->delim, &rec_end, &quoted, &nl);
        if (next == NOT_COMPLETE)
            break;
        uint64_t line = fp->by_row ? c->rows + c->blank : c->newlines;
        c->newlines += nl;
        if (rec_end == i) {
            c->blank++;
        } else {
            c->rows++;
            long nf = split_record(c, p, i, rec_end, quoted, fp->delim);
            if (nf == -2) {
                cx_nomem(&c->err, "CSV fields");
                break;
            }
            if (take_record(c, fp, nf, line, p + i, rec_end - i))
                break;
        }
        i = next;
    }
    c->end = i;
}

/* The first record start at or after pos: the byte after a newline. */
static size_t guess_start(const char *p, size_t pos, size_t n)
{
    if (pos == 0)
        return 0;
    const char *q = memchr(p + pos - 1, '\n', n - (pos - 1));
    return q ? (size_t)(q - p) + 1 : n;
}

/* ---------------------------------------------------------------------- */
/* The header, the delimiter and the date format.                          */

static char detect_delim(const char *p, size_t n)
{
    static const char cand[] = { ',', ';', '\t', '|' };
    size_t cnt[4] = { 0 };
    int inq = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            inq = !inq;
        else if (!inq)
            for (int k = 0; k < 4; k++)
                cnt[k] += p[i] == cand[k];
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (cnt[k] > cnt[best])
            best = k;
    return cand[best];
}

/* Chooses the date format from the date column of the records in
   p[i..n): the one format that parses every date seen. */
static int detect_dates(struct fileplan *fp, struct chunk *c, const char *p, size_t i, size_t n,
                        int eof, struct cx_err *e)
{
    uint64_t total = 0, fit[3] = { 0 };
    char example[64] = "";
    while (i < n) {
        size_t rec_end;
        int quoted;
        uint64_t nl;
        size_t next = scan_record(p, i, n, eof, fp->delim, &rec_end, &quoted, &nl);
        if (next == NOT_COMPLETE)
            break;
        if (rec_end > i) {
            long nf = split_record(c, p, i, rec_end, quoted, fp->delim);
            struct rows_field d;
            int mk = rows_date_formats(&fp->rp, c->fv, nf, &d);
            if (mk >= 0) {
                unsigned m = (unsigned)mk;
                total++;
                fit[0] += !!(m & FIELD_DATE_ISO);
                fit[1] += !!(m & FIELD_DATE_DMY);
                fit[2] += !!(m & FIELD_DATE_MDY);
                if (example[0] == '\0' && (m & FIELD_DATE_DMY) && (m & FIELD_DATE_MDY))
                    snprintf(example, sizeof example, "%.*s", (int)(d.n > 40 ? 40 : d.n), d.p);
            }
        }
        i = next;
    }
    static const unsigned fmt[3] = { FIELD_DATE_ISO, FIELD_DATE_DMY, FIELD_DATE_MDY };
    int all = 0, best = 0;
    for (int k = 0; k < 3; k++) {
        all += total > 0 && fit[k] == total;
        if (fit[k] > fit[best])
            best = k;
    }
    if (total == 0) {
        fp->rp.datefmt = FIELD_DATE_ISO;
        return CX_OK;
    }
    if (all > 1)
        return cx_fail(e, CX_EIO,
                       "%s: dates are ambiguous: every date seen reads both as DD/MM/YYYY and "
                       "MM/DD/YYYY (for example \"%s\"); set date_format = dmy or mdy in [input] "
                       "of the configuration", fp->rp.file, example);
    /* One format fits all, or none does: the one that fits most rows is
       used and the others are rejected as bad dates. */
    fp->rp.datefmt = fmt[best];
    return CX_OK;
}

/* ---------------------------------------------------------------------- */
/* The file.                                                               */

static void chunk_free(struct chunk *c)
{
    dataset_free(c->part);
    rows_part_free(&c->rp);
    free(c->rej);
    if (c->csv_ready)
        csv_free(&c->csv);
    free(c->buf);
    free(c->off);
    free(c->fv);
}

/* One block in flight: its bytes and the ranges parsed from it. */
struct block {
    char *buf;            /* the bytes: a carried record, then what was read */
    size_t cap;           /* allocated bytes */
    size_t len;           /* bytes held */
    size_t pos;           /* where its first record starts */
    int eof;              /* the input ends with this block */
    uint64_t line;        /* line number of its first record */
    struct chunk *ch;     /* its ranges */
    struct dataset **parts; /* their parts, for dataset_append */
};

struct loadctx {
    struct dataset *ds;
    const char *path;
    const struct reader_options *o;
    const struct fileplan *fp;
    reader_reject_fn on_reject;
    void *ctx;
    struct reader_stats *st;
    size_t nchunks, csize;
    struct cx_err err;    /* first failure of a stage */
};

/* Parses a block: every range in parallel (as tasks, so that they can run
   beside an append), then each guessed start is checked against where the
   range before it really ended. */
static void parse_block(struct loadctx *L, struct block *b)
{
    size_t n = b->len;
    for (size_t k = 0; k < L->nchunks; k++) {
        size_t lo = b->pos + k * L->csize, hi = b->pos + (k + 1) * L->csize;
        struct chunk *c = &b->ch[k];
        c->nominal_end = k + 1 == L->nchunks || hi > n ? n : hi;
        c->start = k == 0 ? b->pos : lo >= n ? n : guess_start(b->buf, lo, n);
        c->err.status = CX_OK;
        c->err.msg[0] = '\0';
    }
    for (size_t k = 0; k < L->nchunks; k++) {
        #pragma omp task firstprivate(k) shared(L, b)
        parse_chunk(&b->ch[k], L->fp, b->buf, n, b->eof);
    }
    #pragma omp taskwait
    for (size_t k = 1; k < L->nchunks; k++) {
        struct chunk *c = &b->ch[k];
        if (b->ch[k - 1].err.status)
            break;
        if (c->start != b->ch[k - 1].end) {
            c->start = b->ch[k - 1].end;
            if (c->nominal_end < c->start)
                c->nominal_end = c->start;
            parse_chunk(c, L->fp, b->buf, n, b->eof);
        }
    }
}

/* Appends a parsed block to the dataset and hands its rejects over, in
   input order. Returns a cx_status (also kept in L->err). */
static int append_block(struct loadctx *L, struct block *b)
{
    struct cx_err *e = &L->err;
    struct reader_stats *st = L->st;
    for (size_t k = 0; k < L->nchunks; k++) {
        if (b->ch[k].err.status) {
            *e = b->ch[k].err;
            return e->status;
        }
        b->parts[k] = b->ch[k].part;
    }
    int rc = dataset_append(L->ds, b->parts, L->nchunks, e);
    if (rc != CX_OK)
        return rc;
    uint64_t line = b->line;
    for (size_t k = 0; k < L->nchunks; k++) {
        struct chunk *c = &b->ch[k];
        st->rows_read += c->rows;
        st->blank_lines += c->blank;
        st->rejected += c->nrej;
        st->accepted += c->rows - c->nrej;
        for (size_t j = 0; j < c->nrej; j++) {
            struct rej *x = &c->rej[j];
            st->by_reason[x->r.reason][x->r.field]++;
            if (L->on_reject && (rc = L->on_reject(L->ctx, L->path, line + x->line, x->r.msg, x->raw, x->rawlen)))
                return cx_fail(e, rc, "%s: cannot write the rejected rows", L->path);
            if (L->o->strict)
                return cx_fail(e, CX_EREJECT, L->fp->by_row ? "%s: row %llu: %s (--strict stops at the first rejected row)"
                                                            : "%s:%llu: %s (--strict stops at the first rejected row)",
                               L->path, (unsigned long long)(line + x->line), x->r.msg);
        }
        rows_tally_merge(&st->tally, &c->rp.tally, line);
        if (c->rp.nhash) {
            if (st->n_hash + c->rp.nhash > st->cap_hash) {
                size_t cap = st->cap_hash ? st->cap_hash : 4096;
                while (cap < st->n_hash + c->rp.nhash)
                    cap *= 2;
                uint64_t *h = realloc(st->line_hash, cap * sizeof *h);
                if (h == NULL)
                    return cx_nomem(e, "line fingerprints");
                st->line_hash = h;
                st->cap_hash = cap;
            }
            memcpy(st->line_hash + st->n_hash, c->rp.hash, c->rp.nhash * sizeof *st->line_hash);
            st->n_hash += c->rp.nhash;
        }
        line += L->fp->by_row ? c->rows + c->blank : c->newlines;
    }
    return CX_OK;
}

/* Starts block `next` after block `prev`: the record prev could not finish
   is carried to the front, and the rest is read from the source. */
static int next_block(struct loadctx *L, struct source *src, const struct block *prev,
                      struct block *next)
{
    size_t end = prev->ch[L->nchunks - 1].end;
    size_t carry = prev->len - end;
    if (carry + (next->cap / 2) > next->cap) {
        /* A record longer than half a block: give it room. */
        size_t cap = next->cap;
        while (carry + cap / 2 > cap)
            cap *= 2;
        char *nb = realloc(next->buf, cap);
        if (nb == NULL)
            return cx_nomem(&L->err, "read buffer");
        next->buf = nb;
        next->cap = cap;
    }
    memcpy(next->buf, prev->buf + end, carry);
    long long r = source_read(src, next->buf + carry, next->cap - carry, &L->err);
    if (r < 0)
        return CX_EIO;
    L->st->bytes += (uint64_t)r;
    next->len = carry + (size_t)r;
    next->pos = 0;
    next->eof = source_eof(src);
    uint64_t line = prev->line;
    for (size_t k = 0; k < L->nchunks; k++)
        line += L->fp->by_row ? prev->ch[k].rows + prev->ch[k].blank : prev->ch[k].newlines;
    next->line = line;
    return CX_OK;
}

static int block_alloc(struct block *b, size_t cap, size_t nchunks)
{
    b->cap = cap;
    b->buf = malloc(cap);
    b->ch = calloc(nchunks, sizeof *b->ch);
    b->parts = calloc(nchunks, sizeof *b->parts);
    if (b->buf == NULL || b->ch == NULL || b->parts == NULL)
        return -1;
    for (size_t k = 0; k < nchunks; k++) {
        if ((b->ch[k].part = dataset_create()) == NULL)
            return -1;
        b->ch[k].rp.ds = b->ch[k].part;
    }
    return 0;
}

static void block_free(struct block *b, size_t nchunks)
{
    if (b->ch)
        for (size_t k = 0; k < nchunks; k++)
            chunk_free(&b->ch[k]);
    free(b->ch);
    free(b->parts);
    free(b->buf);
}

/* The blocks of the file after its header: block k is appended while block
   k+1 is read and parsed, so the append — mostly one thread's work on the
   large global tables — overlaps with parsing on the other cores. */
static int load_blocks(struct loadctx *L, struct source *src, struct block blk[2])
{
    int rc = CX_OK;
    #pragma omp parallel
    #pragma omp single
    {
        struct block *cur = &blk[0], *nxt = &blk[1];
        parse_block(L, cur);
        for (;;) {
            int last = cur->eof && cur->ch[L->nchunks - 1].end >= cur->len;
            int arc = CX_OK, nrc = CX_OK;
            if (!last && cur->eof) {   /* at EOF every record completes */
                rc = cx_fail(&L->err, CX_EINTERNAL, "%s: reader stopped inside the last block", L->path);
                break;
            }
            #pragma omp task shared(arc, L, cur)
            arc = append_block(L, cur);
            if (!last) {
                struct cx_err re = { 0 };
                struct loadctx Lr = *L;
                Lr.err = re;
                nrc = next_block(&Lr, src, cur, nxt);
                if (nrc == CX_OK)
                    parse_block(L, nxt);
                else
                    re = Lr.err;
                #pragma omp taskwait
                if (arc == CX_OK && nrc != CX_OK)
                    cx_fail(&L->err, re.status, "%s", re.msg);
            } else {
                #pragma omp taskwait
            }
            if (arc != CX_OK || nrc != CX_OK) {
                rc = arc != CX_OK ? arc : nrc;
                break;
            }
            if (last)
                break;
            struct block *t = cur;
            cur = nxt;
            nxt = t;
        }
    }
    return rc;
}

int reader_load(struct dataset *ds, const char *input, const char *channel,
                const struct reader_options *o, reader_reject_fn on_reject, void *ctx,
                struct reader_stats *st, struct cx_err *e)
{
    if (workbook_is_path(input))
        return workbook_load(ds, input, channel, o, on_reject, ctx, st, e);
    /* path names the input everywhere it is shown: a URI's password masked. */
    char *masked = pgsrc_is_uri(input) ? pgsrc_mask_uri(input) : NULL;
    if (masked == NULL && pgsrc_is_uri(input))
        return cx_nomem(e, "input name");
    const char *path = masked ? masked : input;
    size_t bsize = o->block_size ? o->block_size : (4u << 20);
    size_t csize = o->chunk_size ? o->chunk_size : (256u << 10);
    size_t nchunks = (bsize + csize - 1) / csize;
    struct fileplan fp;
    struct source *src = NULL;
    struct block blk[2];
    struct loadctx L = { .ds = ds, .path = path, .o = o, .fp = &fp, .on_reject = on_reject,
                         .ctx = ctx, .st = st, .nchunks = nchunks, .csize = csize };
    int rc = CX_OK;
    memset(blk, 0, sizeof blk);
    memset(&fp, 0, sizeof fp);

    st->name = strdup(path);
    st->channel = channel ? strdup(channel) : NULL;
    st->first_line = st->end_line = ds->n_lines;
    if (st->name == NULL || (channel && st->channel == NULL) || block_alloc(&blk[0], bsize, nchunks) ||
        block_alloc(&blk[1], bsize, nchunks)) {
        rc = cx_nomem(e, "read buffers");
        goto done;
    }
    /* The encoding is decided on the first MiB (or block, when smaller). */
    if (pgsrc_is_uri(input))
        rc = source_open_pg(&src, input, o->query, e);
    else
        rc = source_open(&src, path, o->encoding, bsize < (1u << 20) ? bsize : (1u << 20), e);
    if (rc != CX_OK)
        goto done;
    fp.by_row = source_is_pg(src);
    st->encoding = source_encoding(src);
    st->encoding_guessed = source_guessed(src);

    struct block *b = &blk[0];
    struct chunk *c0 = &b->ch[0];
    long long r = source_read(src, b->buf, b->cap, e);
    if (r < 0) {
        rc = CX_EIO;
        goto done;
    }
    b->len = (size_t)r;
    b->eof = source_eof(src);
    st->bytes = b->len;

    /* Byte-order mark, blank lines, then the header record. */
    size_t pos = 0;
    uint64_t line = 1;
    if (b->len >= 3 && memcmp(b->buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < b->len && (b->buf[pos] == '\n' || b->buf[pos] == '\r')) {
        line += b->buf[pos] == '\n';
        pos++;
    }
    if (pos >= b->len) {
        rc = cx_fail(e, CX_EIO, "%s: empty file (no header line)", path);
        goto done;
    }
    {
        const char *nlp = memchr(b->buf + pos, '\n', b->len - pos);
        size_t hl = nlp ? (size_t)(nlp - (b->buf + pos)) : b->len - pos;
        fp.delim = fp.by_row ? ',' : o->delimiter ? o->delimiter : detect_delim(b->buf + pos, hl);
        size_t rec_end;
        int quoted;
        uint64_t nl;
        size_t next = scan_record(b->buf, pos, b->len, b->eof, fp.delim, &rec_end, &quoted, &nl);
        if (next == NOT_COMPLETE) {
            rc = cx_fail(e, CX_EIO, "%s: header line longer than %zu bytes", path, b->cap);
            goto done;
        }
        long nf = split_record(c0, b->buf, pos, rec_end, quoted, fp.delim);
        if (nf < 0) {
            rc = nf == -2 ? cx_nomem(e, "header") : cx_fail(e, CX_EIO, "%s:%llu: unterminated quote in header",
                                                            path, (unsigned long long)line);
            goto done;
        }
        if ((rc = rows_plan_init(&fp.rp, o, path, c0->fv, nf, channel, e)) != CX_OK)
            goto done;
        fp.rp.utf8_detected = o->encoding == SRC_AUTO && st->encoding == SRC_UTF8;
        line += nl;
        pos = next;
    }
    st->delimiter = fp.delim;
    for (int f = 0; f < RF_NFIELDS; f++)
        st->has_field[f] = rows_plan_has(&fp.rp, (enum rf_field)f);
    fp.rp.datefmt = o->date_format;
    if (fp.rp.datefmt == 0 && (rc = detect_dates(&fp, c0, b->buf, pos, b->len, b->eof, e)) != CX_OK)
        goto done;
    st->date_format = fp.rp.datefmt;

    b->pos = pos;
    b->line = fp.by_row ? 1 : line;
    rc = load_blocks(&L, src, blk);
    if (rc != CX_OK)
        cx_fail(e, rc, "%s", L.err.msg);

done:
    st->end_line = ds->n_lines;
    rows_plan_free(&fp.rp);
    source_close(src);
    block_free(&blk[0], nchunks);
    block_free(&blk[1], nchunks);
    free(masked);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Small tables (master data).                                             */

int reader_table(const char *path, const char *what, const struct reader_options *o,
                 const char *const *want, int nwant, int nrequired, reader_table_fn fn,
                 void *ctx, struct cx_err *e)
{
    struct source *src = NULL;
    struct chunk c;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int col[16];
    struct rows_field out[16];
    int rc;
    memset(&c, 0, sizeof c);
    if (nwant > 16)
        return cx_fail(e, CX_EINTERNAL, "reader_table: %d columns", nwant);
    if ((rc = source_open(&src, path, o->encoding, 1u << 20, e)) != CX_OK)
        return rc;
    while (!source_eof(src)) {
        if (cap - len < (1u << 16)) {
            size_t ncap = cap ? cap * 2 : (1u << 20);
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                rc = cx_nomem(e, what);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        long long r = source_read(src, buf + len, cap - len, e);
        if (r < 0) {
            rc = CX_EIO;
            goto done;
        }
        len += (size_t)r;
    }
    size_t pos = 0;
    uint64_t line = 1;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len && (buf[pos] == '\n' || buf[pos] == '\r')) {
        line += buf[pos] == '\n';
        pos++;
    }
    if (pos >= len) {
        rc = cx_fail(e, CX_EIO, "%s: empty %s (no header line)", path, what);
        goto done;
    }
    const char *nlp = memchr(buf + pos, '\n', len - pos);
    char delim = o->delimiter ? o->delimiter
                              : detect_delim(buf + pos, nlp ? (size_t)(nlp - (buf + pos)) : len - pos);
    long ncols = 0;
    while (pos < len) {
        size_t rec_end;
        int quoted;
        uint64_t nl;
        size_t next = scan_record(buf, pos, len, 1, delim, &rec_end, &quoted, &nl);
        if (rec_end > pos) {
            long nf = split_record(&c, buf, pos, rec_end, quoted, delim);
            if (nf == -2) {
                rc = cx_nomem(e, what);
                goto done;
            }
            if (nf == -1) {
                rc = cx_fail(e, CX_EIO, "%s:%llu: unterminated quoted field", path,
                             (unsigned long long)line);
                goto done;
            }
            if (ncols == 0) {
                if ((rc = rows_map_columns(c.fv, nf, want, nwant, col, path, e)) != CX_OK)
                    goto done;
                for (int k = 0; k < nrequired; k++)
                    if (col[k] < 0) {
                        rc = cx_fail(e, CX_EIO, "%s: %s header has no column '%s' (map it in the "
                                     "configuration)", path, what, want[k]);
                        goto done;
                    }
                ncols = nf;
            } else {
                if (nf != ncols) {
                    rc = cx_fail(e, CX_EIO, "%s:%llu: expected %ld fields, found %ld", path,
                                 (unsigned long long)line, ncols, nf);
                    goto done;
                }
                for (int k = 0; k < nwant; k++) {
                    if (col[k] < 0) {
                        out[k].p = "";
                        out[k].n = 0;
                        continue;
                    }
                    struct rows_field f = c.fv[col[k]];
                    while (f.n && (f.p[0] == ' ' || f.p[0] == '\t')) {
                        f.p++;
                        f.n--;
                    }
                    while (f.n && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t'))
                        f.n--;
                    if (rows_is_null(&o->nulls, f.p, f.n))
                        f.n = 0;
                    out[k] = f;
                }
                if ((rc = fn(ctx, line, out, e)) != CX_OK)
                    goto done;
            }
        }
        line += nl;
        pos = next;
    }
    if (ncols == 0)
        rc = cx_fail(e, CX_EIO, "%s: empty %s (no header line)", path, what);
done:
    source_close(src);
    chunk_free(&c);
    free(buf);
    return rc;
}
