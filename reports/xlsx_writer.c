/*
 * xlsx_writer — see xlsx_writer.h. The CSVs are streamed into libxlsxwriter
 * in constant_memory mode: every cell is written from libcsv's field
 * callback as it is parsed, rows in order, so a 600k-row customers.csv costs
 * a parse buffer and a per-column table, not the table itself. Column widths
 * and the autofilter's extent are set after the last row, which that mode
 * allows since they are written when the sheet is assembled at close.
 *
 * libcsv does not tell a callback whether its field was quoted, and the
 * formula guard is only meaningful in a quoted field ("'=...", as csvout
 * writes it; an unquoted '=x is the text '=x). So each chunk is first run
 * through a small tokenizer that mirrors libcsv's states and queues, per
 * field in order, whether it opened with a quote; the field callback takes
 * its flag from that queue. The mirror is exact because libcsv runs in
 * strict mode without space trimming: any input where the two could
 * disagree (a quote inside an unquoted field, text after a closing quote)
 * is a parse error.
 */
#include "reports/xlsx_writer.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <xlsxwriter.h>

enum {
    CHUNK = 1 << 18,       /* bytes read and parsed at a time */
    WIDTH_ROWS = 1000,     /* rows looked at for column widths */
    WIDTH_MIN = 8,         /* column width bounds, in characters */
    WIDTH_MAX = 60,
    STR_MAX = 32767,       /* longest string a cell holds (Excel), bytes here */
    NAME_CAP = LXW_MAX_SHEETNAME_LENGTH
};

/* What a column's name says about its numbers. */
enum col_kind {
    K_PLAIN,               /* General, or #,##0 for integer cells */
    K_ID,                  /* identifiers: General even when integer */
    K_PCT,                 /* fractions shown as 0.0% */
    K_MONEY                /* amounts shown as #,##0.00 */
};

struct fmts {
    lxw_format *head;      /* header row: bold */
    lxw_format *title;     /* Findings title: bold, larger */
    lxw_format *wrap;      /* findings: wrapped text */
    lxw_format *pct;       /* 0.0% */
    lxw_format *money;     /* #,##0.00 */
    lxw_format *count;     /* #,##0 */
};

/* States of the quote-tracking mirror of libcsv (its names in comments). */
enum { S_ROW, S_FIELD, S_UNQ, S_Q, S_QEND };

/* One CSV being turned into one sheet. */
struct sheet {
    lxw_worksheet *ws;
    const struct fmts *f;
    int fr;                /* French: ';' and decimal comma */
    uint32_t row;          /* row of the next cell, 0 = header */
    uint32_t col;          /* column of the next cell */
    uint32_t ncols;        /* widest row so far */
    uint32_t cap;          /* entries in kind and width */
    unsigned char *kind;   /* per column: enum col_kind */
    unsigned short *width; /* per column: widest cell shown, characters */
    unsigned char *q;      /* per pending field: 1 when it opened with a quote */
    size_t qhead, qlen, qcap;
    int state;             /* mirror state, S_* */
    char *tmp;             /* STR_MAX + 1 bytes for cleaned text */
    int full;              /* more rows or columns than a sheet holds */
    int nomem;             /* an allocation failed */
    lxw_error lerr;        /* first libxlsxwriter error */
};

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Length of the valid UTF-8 character at s (n > 0 bytes left), 0 when the
   bytes are not one (NUL counts as invalid: a cell string cannot hold it). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
    unsigned c = s[0], cp, min;
    size_t len;
    if (c < 0x80)
        return c ? 1 : 0;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* s (n bytes, s[n] == '\0') as a string a cell accepts: invalid UTF-8 and
   NUL bytes become U+FFFD and the text is cut at STR_MAX bytes on a
   character boundary. Returns s when it already is one, else tmp (STR_MAX
   + 1 bytes). *chars gets its length in characters. */
static const char *clean_text(char *tmp, const char *s, size_t n, size_t *chars)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, nc = 0;
    while (i < n) {
        size_t k = u[i] < 0x80 && u[i] ? 1 : utf8_char(u + i, n - i);
        if (k == 0)
            break;
        i += k;
        nc++;
    }
    if (i == n && n <= STR_MAX) {
        *chars = nc;
        return s;
    }
    size_t o = 0;
    nc = 0;
    for (i = 0; i < n;) {
        size_t k = utf8_char(u + i, n - i);
        size_t w = k ? k : 3;
        if (o + w > STR_MAX)
            break;
        if (k)
            memcpy(tmp + o, s + i, k);
        else
            memcpy(tmp + o, "\xEF\xBF\xBD", 3);
        o += w;
        i += k ? k : 1;
        nc++;
    }
    tmp[o] = '\0';
    *chars = nc;
    return tmp;
}

/* 1 when s (n bytes) is a number as csvout writes them:
   -?digits[.digits][e[+-]digits], ',' for '.' when fr. Digits with a
   leading zero ("0123", a code) and integers of more than 15 digits (an
   identifier a double would round) stay text, as do inf and nan. *v gets
   the value, *integer whether it had no fraction and no exponent. */
static int parse_number(const char *s, size_t n, int fr, double *v, int *integer)
{
    char b[64];
    size_t i = 0, k = 0;
    if (n == 0 || n >= sizeof b)
        return 0;
    if (s[i] == '-')
        b[k++] = s[i++];
    size_t d0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        b[k++] = s[i++];
    size_t nd = i - d0;
    if (nd == 0 || (nd > 1 && s[d0] == '0'))
        return 0;
    *integer = 1;
    if (i < n && s[i] == (fr ? ',' : '.')) {
        b[k++] = '.';
        size_t f0 = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            b[k++] = s[i++];
        if (i == f0)
            return 0;
        *integer = 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        b[k++] = 'e';
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            b[k++] = s[i++];
        size_t e0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            b[k++] = s[i++];
        if (i == e0)
            return 0;
        *integer = 0;
    }
    if (i != n || (*integer && nd > 15))
        return 0;
    b[k] = '\0';
    *v = strtod(b, NULL) + 0.0; /* + 0.0: -0 is written as 0 */
    return isfinite(*v);
}

/* 1 when t is one of the '_'-separated words of name. */
static int has_word(const char *name, const char *t)
{
    size_t k = strlen(t);
    for (const char *p = name; (p = strstr(p, t)) != NULL; p++)
        if ((p == name || p[-1] == '_') && (p[k] == '\0' || p[k] == '_'))
            return 1;
    return 0;
}

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends(const char *s, const char *x)
{
    size_t a = strlen(s), b = strlen(x);
    return a >= b && strcmp(s + a - b, x) == 0;
}

/* The kind of a column from its (lower-case) name; the names are those of
   SPEC §4 and the report writers. Shares win over money, so that
   net_share and contribution_ratio are percentages. median_ and mean_ of a
   money measure are money. */
static int column_kind(const char *name)
{
    static const char *const pct[] = { "share", "rate", "ratio", "departure" };
    static const char *const money[] = { "net", "cogs", "margin", "cac", "monetary", "commission",
                                         "avg_order_value", "revenue_at_stake", "median_across_channels" };
    static const char *const money_start[] = { "aov_", "cpo_", "cpc_" };
    static const char *const money_end[] = { "_cost", "_price" };
    static const char *const money_word[] = { "contribution", "impact" };
    if (strcmp(name, "id") == 0 || ends(name, "_id"))
        return K_ID;
    for (size_t i = 0; i < sizeof pct / sizeof *pct; i++)
        if (has_word(name, pct[i]))
            return K_PCT;
    const char *base = starts(name, "median_") ? name + 7 : starts(name, "mean_") ? name + 5 : name;
    for (size_t i = 0; i < sizeof money / sizeof *money; i++)
        if (strcmp(name, money[i]) == 0 || strcmp(base, money[i]) == 0)
            return K_MONEY;
    for (size_t i = 0; i < sizeof money_start / sizeof *money_start; i++)
        if (starts(base, money_start[i]))
            return K_MONEY;
    for (size_t i = 0; i < sizeof money_end / sizeof *money_end; i++)
        if (ends(name, money_end[i]))
            return K_MONEY;
    for (size_t i = 0; i < sizeof money_word / sizeof *money_word; i++)
        if (has_word(name, money_word[i]))
            return K_MONEY;
    return K_PLAIN;
}

/* Characters Excel shows for v in format fmt (an estimate for widths). */
static size_t number_width(const struct fmts *f, const lxw_format *fmt, double v, size_t n)
{
    char b[400];
    int len;
    if (fmt == f->pct)
        return (size_t)snprintf(b, sizeof b, "%.1f%%", v * 100);
    if (fmt != f->money && fmt != f->count)
        return n < 11 ? n : 11; /* General shows at most 11 characters */
    len = snprintf(b, sizeof b, fmt == f->money ? "%.2f" : "%.0f", fabs(v));
    size_t digits = (size_t)(fmt == f->money ? len - 3 : len);
    return (size_t)len + (digits - 1) / 3 + (v < 0);
}

/* Makes room for column c; returns 0, or 1 out of memory. */
static int add_column(struct sheet *x, uint32_t c)
{
    if (c >= x->cap) {
        uint32_t cap = x->cap ? x->cap * 2 : 32;
        while (cap <= c)
            cap *= 2;
        unsigned char *k = realloc(x->kind, cap);
        if (k == NULL)
            return x->nomem = 1;
        x->kind = k;
        unsigned short *w = realloc(x->width, cap * sizeof *w);
        if (w == NULL)
            return x->nomem = 1;
        x->width = w;
        x->cap = cap;
    }
    for (uint32_t i = x->ncols; i <= c; i++) {
        x->kind[i] = K_PLAIN;
        x->width[i] = 0;
    }
    x->ncols = c + 1;
    return 0;
}

static void widen(struct sheet *x, uint32_t c, size_t w)
{
    if (w > x->width[c])
        x->width[c] = (unsigned short)(w < WIDTH_MAX ? w : WIDTH_MAX);
}

static void on_field(void *data, size_t n, void *arg)
{
    struct sheet *x = arg;
    const char *s = data;
    int quoted = x->qhead < x->qlen ? x->q[x->qhead++] : 0;
    uint32_t c = x->col++;
    if (x->full || x->nomem || x->lerr)
        return;
    if (x->row >= LXW_ROW_MAX || c >= LXW_COL_MAX) {
        x->full = 1;
        return;
    }
    if (c >= x->ncols && add_column(x, c))
        return;
    lxw_error rc;
    size_t chars = 0;
    if (x->row == 0) {
        const char *t = clean_text(x->tmp, s, n, &chars);
        char low[64];
        size_t i;
        for (i = 0; i + 1 < sizeof low && t[i]; i++)
            low[i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] - 'A' + 'a' : t[i]);
        low[i] = '\0';
        x->kind[c] = (unsigned char)column_kind(low);
        widen(x, c, chars + 3); /* + the autofilter's button */
        rc = worksheet_write_string(x->ws, 0, (lxw_col_t)c, t, x->f->head);
    } else if (n == 0) {
        return;
    } else if (quoted && n >= 2 && s[0] == '\'' && s[1] && memchr("=+-@\t\r", s[1], 6)) {
        /* csvout's guard: the text is what follows the quote, kept text. */
        const char *t = clean_text(x->tmp, s + 1, n - 1, &chars);
        rc = worksheet_write_string(x->ws, x->row, (lxw_col_t)c, t, NULL);
    } else {
        double v;
        int integer;
        if (parse_number(s, n, x->fr, &v, &integer)) {
            const struct fmts *f = x->f;
            int k = x->kind[c];
            lxw_format *fmt = k == K_PCT ? f->pct : k == K_MONEY ? f->money
                            : k == K_PLAIN && integer ? f->count : NULL;
            chars = x->row < WIDTH_ROWS ? number_width(f, fmt, v, n) : 0;
            rc = worksheet_write_number(x->ws, x->row, (lxw_col_t)c, v, fmt);
        } else {
            const char *t = clean_text(x->tmp, s, n, &chars);
            rc = worksheet_write_string(x->ws, x->row, (lxw_col_t)c, t, NULL);
        }
    }
    if (x->row < WIDTH_ROWS)
        widen(x, c, chars);
    if (rc != LXW_NO_ERROR)
        x->lerr = rc;
}

static void on_row(int term, void *arg)
{
    struct sheet *x = arg;
    (void)term;
    x->row++;
    x->col = 0;
}

/* Queues, for each field that starts in b (n bytes), whether it opens with
   a quote, following libcsv's states (ROW_NOT_BEGUN, FIELD_NOT_BEGUN,
   FIELD_BEGUN unquoted and quoted, FIELD_MIGHT_HAVE_ENDED) with its
   defaults: '"' quotes, CR and LF end rows, empty lines are skipped, and
   a delimiter or row end in FIELD_NOT_BEGUN submits an empty field.
   Returns 0, or 1 out of memory. */
static int mirror(struct sheet *x, const unsigned char *b, size_t n)
{
    size_t left = x->qlen - x->qhead;
    if (left)
        memmove(x->q, x->q + x->qhead, left);
    x->qhead = 0;
    x->qlen = left;
    if (left + n > x->qcap) {
        unsigned char *q = realloc(x->q, left + n);
        if (q == NULL)
            return x->nomem = 1;
        x->q = q;
        x->qcap = left + n;
    }
    unsigned char d = x->fr ? ';' : ',';
    unsigned char *q = x->q;
    size_t k = x->qlen;
    int st = x->state;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        int term = c == '\n' || c == '\r';
        switch (st) {
        case S_ROW:
            if (term)
                break;
            /* fall through */
        case S_FIELD:
            if (term)
                q[k++] = 0, st = S_ROW;
            else if (c == d)
                q[k++] = 0, st = S_FIELD;
            else if (c == '"')
                q[k++] = 1, st = S_Q;
            else
                q[k++] = 0, st = S_UNQ;
            break;
        case S_UNQ:
            st = c == d ? S_FIELD : term ? S_ROW : S_UNQ;
            break;
        case S_Q:
            st = c == '"' ? S_QEND : S_Q;
            break;
        default: /* S_QEND: "" is a quote; anything else than d or a row end is a strict error */
            st = c == '"' ? S_Q : c == d ? S_FIELD : term ? S_ROW : S_Q;
            break;
        }
    }
    x->qlen = k;
    x->state = st;
    return 0;
}

/* Streams csv into ws. buf: CHUNK bytes; tmp: STR_MAX + 1 bytes. */
static int write_sheet(lxw_worksheet *ws, const struct fmts *f, const char *csv, int fr, unsigned char *buf,
                       char *tmp, struct cx_err *e)
{
    struct sheet x = { .ws = ws, .f = f, .fr = fr, .tmp = tmp, .state = S_ROW };
    FILE *in = fopen(csv, "rb");
    if (in == NULL)
        return cx_fail(e, CX_EIO, "%s: cannot open: %s", csv, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(in);
        return cx_nomem(e, "xlsx: csv parser");
    }
    csv_set_delim(&p, fr ? ';' : ',');
    csv_set_space_func(&p, no_space);
    int rc = CX_OK, first = 1, parse_err = 0;
    size_t got;
    while (rc == CX_OK && (got = fread(buf, 1, CHUNK, in)) > 0) {
        const unsigned char *b = buf;
        if (first && got >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0)
            b += 3, got -= 3;
        first = 0;
        if (mirror(&x, b, got))
            break;
        if (csv_parse(&p, b, got, on_field, on_row, &x) != got)
            parse_err = 1;
        if (parse_err || x.full || x.nomem || x.lerr)
            break;
    }
    if (ferror(in))
        rc = cx_fail(e, CX_EIO, "%s: read error: %s", csv, strerror(errno ? errno : EIO));
    else if (!parse_err && !x.full && !x.nomem && !x.lerr && csv_fini(&p, on_field, on_row, &x) != 0)
        parse_err = 1;
    fclose(in);
    if (rc == CX_OK && parse_err)
        rc = cx_fail(e, CX_EIO, "%s: record %lu: %s", csv, (unsigned long)x.row + 1,
                     csv_strerror(csv_error(&p)));
    else if (rc == CX_OK && x.nomem)
        rc = cx_nomem(e, "xlsx: columns");
    else if (rc == CX_OK && x.full)
        rc = cx_fail(e, CX_EIO, "%s: more than %d rows or %d columns, more than a sheet holds", csv,
                     LXW_ROW_MAX, LXW_COL_MAX);
    else if (rc == CX_OK && x.lerr)
        rc = cx_fail(e, CX_EIO, "%s: cannot write its sheet: %s", csv, lxw_strerror(x.lerr));
    csv_free(&p);
    if (rc == CX_OK && x.ncols > 0) {
        lxw_row_t last = x.row > 0 ? x.row - 1 : 0;
        worksheet_freeze_panes(ws, 1, 0);
        lxw_error lr = worksheet_autofilter(ws, 0, 0, last, (lxw_col_t)(x.ncols - 1));
        for (uint32_t c = 0; c < x.ncols && lr == LXW_NO_ERROR; c++) {
            unsigned w = x.width[c] + 2u;
            lr = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
                                      w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w, NULL);
        }
        if (lr != LXW_NO_ERROR)
            rc = cx_fail(e, CX_EIO, "%s: cannot write its sheet: %s", csv, lxw_strerror(lr));
    }
    free(x.kind);
    free(x.width);
    free(x.q);
    return rc;
}

/* Writes into out (NAME_CAP bytes) a sheet name Excel accepts made from want
   (or csv's base name without ".csv"), unlike the nused names in used. */
static void sheet_name(char *out, const char *want, const char *csv, char (*used)[NAME_CAP], size_t nused,
                       size_t idx)
{
    const char *src = want;
    size_t n;
    if (src == NULL || *src == '\0') {
        const char *slash = strrchr(csv, '/');
        src = slash ? slash + 1 : csv;
        n = strlen(src);
        if (n > 4 && strcasecmp(src + n - 4, ".csv") == 0)
            n -= 4;
    } else {
        n = strlen(src);
    }
    /* At most 31 characters; no []:*?/\, control characters or bad UTF-8. */
    const unsigned char *u = (const unsigned char *)src;
    size_t o = 0, nc = 0, i = 0;
    size_t cut[LXW_SHEETNAME_MAX + 1]; /* byte length after each character */
    while (i < n && nc < LXW_SHEETNAME_MAX) {
        size_t k = utf8_char(u + i, n - i);
        if (k <= 1) {
            char c = (char)(k == 0 || u[i] < 0x20 || strchr("[]:*?/\\", u[i]) ? '_' : u[i]);
            out[o++] = c;
            i++;
        } else {
            memcpy(out + o, src + i, k);
            o += k;
            i += k;
        }
        cut[++nc] = o;
    }
    cut[0] = 0;
    out[o] = '\0';
    if (o == 0) {
        o = (size_t)snprintf(out, NAME_CAP, "Sheet%zu", idx + 1);
        nc = o;
        for (size_t j = 0; j <= nc; j++)
            cut[j] = j;
    }
    /* Excel refuses a leading or trailing apostrophe. */
    if (out[0] == '\'')
        out[0] = '_';
    if (out[o - 1] == '\'')
        out[o - 1] = '_';
    char base[NAME_CAP];
    memcpy(base, out, o + 1);
    for (unsigned k = 2;; k++) {
        int clash = strcasecmp(out, "History") == 0; /* reserved by Excel */
        for (size_t j = 0; j < nused && !clash; j++)
            clash = strcasecmp(out, used[j]) == 0;
        if (!clash)
            return;
        char suf[16];
        int sl = snprintf(suf, sizeof suf, "~%u", k);
        size_t keep = nc + (size_t)sl > LXW_SHEETNAME_MAX ? cut[LXW_SHEETNAME_MAX - (size_t)sl] : o;
        memcpy(out, base, keep);
        memcpy(out + keep, suf, (size_t)sl + 1);
    }
}

static int write_findings(lxw_worksheet *ws, const struct fmts *f, const char *title,
                          const char *const *findings, size_t nfindings, char *tmp, struct cx_err *e)
{
    lxw_error lr = LXW_NO_ERROR;
    lxw_row_t row = 0;
    size_t chars, widest = 0;
    if (title != NULL) {
        const char *t = clean_text(tmp, title, strlen(title), &chars);
        lr = worksheet_write_string(ws, row++, 0, t, f->title);
    }
    for (size_t i = 0; i < nfindings && lr == LXW_NO_ERROR; i++, row++) {
        if (row >= LXW_ROW_MAX)
            return cx_fail(e, CX_EIO, "xlsx: %zu findings, more than a sheet holds", nfindings);
        if (findings[i] == NULL || findings[i][0] == '\0')
            continue;
        const char *t = clean_text(tmp, findings[i], strlen(findings[i]), &chars);
        if (chars > widest)
            widest = chars;
        lr = worksheet_write_string(ws, row, 0, t, f->wrap);
    }
    if (lr == LXW_NO_ERROR) {
        /* Long findings wrap in a column of at most 100 characters. */
        size_t w = widest + 2 < 30 ? 30 : widest + 2 > 100 ? 100 : widest + 2;
        lr = worksheet_set_column(ws, 0, 0, (double)w, NULL);
    }
    if (lr != LXW_NO_ERROR)
        return cx_fail(e, CX_EIO, "xlsx: cannot write the Findings sheet: %s", lxw_strerror(lr));
    return CX_OK;
}

static int add_formats(lxw_workbook *wb, struct fmts *f)
{
    f->head = workbook_add_format(wb);
    f->title = workbook_add_format(wb);
    f->wrap = workbook_add_format(wb);
    f->pct = workbook_add_format(wb);
    f->money = workbook_add_format(wb);
    f->count = workbook_add_format(wb);
    if (!f->head || !f->title || !f->wrap || !f->pct || !f->money || !f->count)
        return 1;
    format_set_bold(f->head);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    format_set_text_wrap(f->wrap);
    format_set_align(f->wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(f->pct, "0.0%");
    format_set_num_format(f->money, "#,##0.00");
    format_set_num_format(f->count, "#,##0");
    return 0;
}

int xlsx_write_from_csv(const char *path, const char *const *csv_paths, const char *const *sheet_names,
                        size_t n, int fr, const char *findings_title, const char *const *findings,
                        size_t nfindings, time_t created, struct cx_err *e)
{
    if (path == NULL || (n && csv_paths == NULL) || (nfindings && findings == NULL))
        return cx_fail(e, CX_EINTERNAL, "xlsx_write_from_csv: missing argument");
    int rc = CX_OK;
    char *dir = NULL, *tmp_path = NULL, *tmp = NULL, (*names)[NAME_CAP] = NULL;
    unsigned char *buf = NULL;
    lxw_workbook *wb = NULL;
    lxw_worksheet **sheets = NULL; /* those added, to close their files on failure */
    size_t nsheets = 0;

    /* A regular file (or a new one) is written beside itself and renamed;
       anything else (/dev/full, a pipe) is written in place. */
    struct stat sb;
    int direct = stat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
    if (direct && S_ISDIR(sb.st_mode))
        return cx_fail(e, CX_EIO, "%s: is a directory", path);
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        if (csv_paths[i] && stat(csv_paths[i], &sb) == 0)
            bytes += (uint64_t)sb.st_size;
    size_t len = strlen(path);
    dir = malloc(len + 2);
    tmp_path = malloc(len + 8);
    tmp = malloc(STR_MAX + 1);
    buf = malloc(CHUNK);
    names = malloc((n + 1) * sizeof *names);
    sheets = malloc((n + 1) * sizeof *sheets);
    if (!dir || !tmp_path || !tmp || !buf || !names || !sheets) {
        rc = cx_nomem(e, "xlsx");
        goto out;
    }
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        strcpy(dir, ".");
    else if (slash == path)
        strcpy(dir, "/");
    else
        memcpy(dir, path, (size_t)(slash - path)), dir[slash - path] = '\0';
    snprintf(tmp_path, len + 8, "%.*s.%s.tmp", slash ? (int)(slash + 1 - path) : 0, path,
             slash ? slash + 1 : path);
    if (!direct) {
        /* Checked here so that a missing folder is reported plainly, not
           by libxlsxwriter at close. */
        FILE *t = fopen(tmp_path, "wb");
        if (t == NULL) {
            rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", path, strerror(errno));
            goto out;
        }
        fclose(t);
    }
    /* ZIP64 only when a sheet's XML might pass 4 GiB (about 5x its CSV):
       some readers dislike it otherwise. */
    lxw_workbook_options opt = { .constant_memory = 1, .tmpdir = direct ? NULL : dir,
                                 .use_zip64 = bytes > ((uint64_t)512 << 20) };
    wb = workbook_new_opt(direct ? path : tmp_path, &opt);
    struct fmts f;
    if (wb != NULL) {
        lxw_doc_properties props;
        memset(&props, 0, sizeof props);
        props.created = created;
        workbook_set_properties(wb, &props);
    }
    if (wb == NULL || add_formats(wb, &f)) {
        rc = cx_nomem(e, "xlsx: workbook");
        goto out;
    }
    strcpy(names[0], "Findings");
    lxw_worksheet *ws = workbook_add_worksheet(wb, names[0]);
    if (ws == NULL) {
        rc = cx_fail(e, CX_EIO, "%s: cannot create a sheet (temporary file in %s)", path,
                     direct ? "the temporary folder" : dir);
        goto out;
    }
    sheets[nsheets++] = ws;
    rc = write_findings(ws, &f, findings_title, findings, nfindings, tmp, e);
    for (size_t i = 0; i < n && rc == CX_OK; i++) {
        if (csv_paths[i] == NULL) {
            rc = cx_fail(e, CX_EINTERNAL, "xlsx_write_from_csv: CSV %zu has no path", i);
            break;
        }
        sheet_name(names[i + 1], sheet_names ? sheet_names[i] : NULL, csv_paths[i], names, i + 1, i + 1);
        ws = workbook_add_worksheet(wb, names[i + 1]);
        if (ws == NULL) {
            rc = cx_fail(e, CX_EIO, "%s: cannot create sheet %s (temporary file in %s)", path, names[i + 1],
                         direct ? "the temporary folder" : dir);
            break;
        }
        sheets[nsheets++] = ws;
        rc = write_sheet(ws, &f, csv_paths[i], fr, buf, tmp, e);
    }
    if (rc == CX_OK) {
        errno = 0;
        lxw_error lr = workbook_close(wb);
        int err = errno;
        wb = NULL;
        if (lr != LXW_NO_ERROR)
            rc = cx_fail(e, CX_EIO, "%s: write error: %s (libxlsxwriter: %s)", path,
                         strerror(err ? err : EIO), lxw_strerror(lr));
        else if (!direct && rename(tmp_path, path) != 0)
            rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
out:
    if (wb != NULL) {
        /* lxw_workbook_free leaves constant_memory's row files open (they
           are closed when a sheet is assembled, at workbook_close). */
        for (size_t i = 0; i < nsheets; i++)
            if (sheets[i]->optimize_tmpfile != NULL) {
                fclose(sheets[i]->optimize_tmpfile);
                sheets[i]->optimize_tmpfile = NULL;
            }
        lxw_workbook_free(wb);
    }
    if (rc != CX_OK && !direct && tmp_path != NULL)
        unlink(tmp_path);
    free(dir);
    free(tmp_path);
    free(tmp);
    free(buf);
    free(names);
    free(sheets);
    return rc;
}
