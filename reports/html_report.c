/*
 * html_report — see html_report.h.
 *
 * The summary tables are loaded whole (a few thousand rows at most); only
 * rejects.csv, which has a row per rejected input row, is counted by
 * reason as it streams past. Sections read their columns by name, so a
 * column added to a CSV file changes nothing here, and a missing column
 * shows as "—".
 *
 * Safety: text from the CSV files (names, products, recommendation texts)
 * reaches the page only through cell_text() and its kin, which drop the
 * formula guard of csvout and pass the rest to esc(), the one escape
 * function. Attribute values and class names are built from numbers and
 * fixed lists, never from file text. Write errors are sticky: each write
 * records the first failure, and the close reports it naming the file.
 */
#include "reports/html_report.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ABSENT (-1)          /* parse_file: the file does not exist */
#define NNBSP "\xE2\x80\xAF" /* U+202F, the French thousands separator */
#define DASH "\xE2\x80\x94"  /* U+2014, shown for a missing value */
#define TOP_FINDINGS 10
#define TOP_PRICES 20
#define TOP_REASONS 10
#define MAX_REASONS 256      /* distinct reasons kept; the rest are "other" */
#define MAX_INPUTS_SHOWN 20

/* ---- Tables ---------------------------------------------------------- */

/* One CSV file: the header and the data rows, every cell a string. */
struct table {
    int present;        /* the file exists */
    char *text;         /* every cell, NUL-terminated; text[0] is the empty cell */
    size_t len, cap;    /* bytes used and allocated in text */
    size_t *cell;       /* offset in text of each cell, row-major, header first */
    size_t ncell, cellcap; /* entries used and allocated in cell */
    size_t ncols;       /* fields in the header */
    size_t nrows;       /* data rows */
    size_t col;         /* fields seen so far in the current record */
    int header_done;    /* the header has been read */
    int nomem;          /* an allocation failed */
};

/* Reject counts by reason, the reason cut at its first ':'. */
struct reason {
    char *name;              /* the reason's prefix */
    unsigned long long n;    /* rows */
};

struct reasons {
    int present;             /* rejects.csv exists */
    long col;                /* column of "reason"; -1 if none */
    size_t field;            /* fields seen so far in the current record */
    int header_done;         /* the header has been read */
    struct reason *r;        /* distinct reasons, in order of appearance */
    size_t nr, cap;          /* entries used and allocated in r */
    unsigned long long other; /* rows beyond MAX_REASONS distinct reasons */
    unsigned long long total; /* data rows */
    int nomem;               /* an allocation failed */
};

enum { T_SEG, T_CH, T_SC, T_WHALE, T_ACQ, T_SEAS, T_PRICE, T_REC, T_N };
static const char *const table_file[T_N] = {
    "segments.csv", "channels.csv", "segment_channels.csv", "whale_curve.csv",
    "acquisition_retention.csv", "seasonality.csv", "prices.csv", "recommendations.csv"
};

/* Grows an array to hold need elements of size bytes; returns the new
   array, or NULL (the old one intact) when out of memory. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * size);
    if (q != NULL)
        *cap = n;
    return q;
}

static void table_add(struct table *t, const char *s, size_t n)
{
    if (t->nomem)
        return;
    size_t off = 0;
    if (n > 0) {
        char *q = grow(t->text, &t->cap, t->len + n + 1, 1);
        if (q == NULL) {
            t->nomem = 1;
            return;
        }
        t->text = q;
        memcpy(t->text + t->len, s, n);
        t->text[t->len + n] = '\0';
        off = t->len;
        t->len += n + 1;
    }
    size_t *c = grow(t->cell, &t->cellcap, t->ncell + 1, sizeof *c);
    if (c == NULL) {
        t->nomem = 1;
        return;
    }
    t->cell = c;
    t->cell[t->ncell++] = off;
}

static void table_field(void *s, size_t n, void *ctx)
{
    struct table *t = ctx;
    if (!t->header_done) {
        table_add(t, s, n);
        t->ncols++;
    } else if (t->col < t->ncols) {
        table_add(t, s, n);
    }
    t->col++;
}

static void table_row(int c, void *ctx)
{
    (void)c;
    struct table *t = ctx;
    if (!t->header_done) {
        t->header_done = 1;
    } else {
        for (; t->col < t->ncols; t->col++)
            table_add(t, "", 0);
        t->nrows++;
    }
    t->col = 0;
}

static void table_free(struct table *t)
{
    free(t->text);
    free(t->cell);
    memset(t, 0, sizeof *t);
}

/* Column index of name in the header, or -1. */
static int tcol(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols; c++)
        if (strcmp(t->text + t->cell[c], name) == 0)
            return (int)c;
    return -1;
}

/* Cell of data row r in column c ("" when c < 0). */
static const char *tcell(const struct table *t, size_t r, int c)
{
    if (c < 0)
        return "";
    return t->text + t->cell[(r + 1) * t->ncols + (size_t)c];
}

/* A number cell: "." or, in French, "," as decimal point; NaN when the
   cell is empty or not a number. */
static double to_num(const char *s, int fr)
{
    char b[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof b)
        return NAN;
    memcpy(b, s, n + 1);
    if (fr)
        for (size_t i = 0; i < n; i++)
            if (b[i] == ',')
                b[i] = '.';
    char *end;
    double v = strtod(b, &end);
    if (end == b || *end != '\0')
        return NAN;
    return v;
}

static int reason_cmp_n(const void *a, const void *b)
{
    const struct reason *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : 0;
}

static void reasons_field(void *s, size_t n, void *ctx)
{
    struct reasons *r = ctx;
    const char *p = s;
    if (!r->header_done) {
        if (n == 6 && memcmp(p, "reason", 6) == 0 && r->col < 0)
            r->col = (long)r->field;
    } else if ((long)r->field == r->col && !r->nomem) {
        /* "bad number in quantity: "x"" counts as "bad number in quantity". */
        if (n >= 2 && p[0] == '\'' && strchr("=+-@\t\r", p[1]) != NULL) {
            p++;
            n--;
        }
        const char *colon = memchr(p, ':', n);
        if (colon != NULL)
            n = (size_t)(colon - p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        size_t i;
        for (i = 0; i < r->nr; i++)
            if (strlen(r->r[i].name) == n && memcmp(r->r[i].name, p, n) == 0)
                break;
        if (i == r->nr) {
            if (r->nr == MAX_REASONS) {
                r->other++;
                goto next;
            }
            struct reason *q = grow(r->r, &r->cap, r->nr + 1, sizeof *q);
            char *name = malloc(n + 1);
            if (q == NULL || name == NULL) {
                if (q != NULL)
                    r->r = q;
                free(name);
                r->nomem = 1;
                goto next;
            }
            r->r = q;
            memcpy(name, p, n);
            name[n] = '\0';
            r->r[r->nr].name = name;
            r->r[r->nr].n = 0;
            r->nr++;
        }
        r->r[i].n++;
    }
next:
    r->field++;
}

static void reasons_row(int c, void *ctx)
{
    (void)c;
    struct reasons *r = ctx;
    if (r->header_done)
        r->total++;
    r->header_done = 1;
    r->field = 0;
}

static void reasons_free(struct reasons *r)
{
    for (size_t i = 0; i < r->nr; i++)
        free(r->r[i].name);
    free(r->r);
    memset(r, 0, sizeof *r);
}

/* Keeps spaces at the edges of unquoted fields: names are shown as typed. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Parses the CSV file dir/name with the run's separators (and its French
   byte-order mark), calling field and row for every field and record.
   Returns CX_OK, ABSENT when there is no such file, or an error status. */
static int parse_file(const char *dir, const char *name, int fr, void (*field)(void *, size_t, void *),
                      void (*row)(int, void *), void *ctx, struct cx_err *e)
{
    size_t plen = strlen(dir) + strlen(name) + 2;
    char *path = malloc(plen);
    if (path == NULL)
        return cx_nomem(e, "report");
    snprintf(path, plen, "%s/%s", dir, name);
    int rc = CX_OK;
    char *buf = NULL;
    struct csv_parser p;
    int parser = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        rc = errno == ENOENT ? ABSENT : cx_fail(e, CX_EIO, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    enum { BLOCK = 1 << 16 };
    buf = malloc(BLOCK);
    if (buf == NULL || csv_init(&p, 0) != 0) {
        rc = cx_nomem(e, path);
        goto out;
    }
    parser = 1;
    csv_set_delim(&p, fr ? ';' : ',');
    csv_set_space_func(&p, no_space);
    size_t n;
    int first = 1;
    while ((n = fread(buf, 1, BLOCK, f)) > 0) {
        size_t skip = first && n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
        first = 0;
        if (csv_parse(&p, buf + skip, n - skip, field, row, ctx) != n - skip) {
            int ce = csv_error(&p);
            rc = ce == CSV_ENOMEM ? cx_nomem(e, path)
                                  : cx_fail(e, CX_EIO, "%s: %s", path, csv_strerror(ce));
            goto out;
        }
    }
    if (ferror(f)) {
        rc = cx_fail(e, CX_EIO, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    csv_fini(&p, field, row, ctx);
out:
    if (parser)
        csv_free(&p);
    if (f != NULL)
        fclose(f);
    free(buf);
    free(path);
    return rc;
}

/* ---- Output ---------------------------------------------------------- */

struct html {
    FILE *f;            /* the page */
    int fr;             /* French number format */
    int failed;         /* a write failed */
    int err;            /* errno of the first failure */
};

static void put_n(struct html *h, const char *s, size_t n)
{
    if (n > 0 && fwrite(s, 1, n, h->f) != n && !h->failed) {
        h->failed = 1;
        h->err = errno;
    }
}

static void put(struct html *h, const char *s)
{
    put_n(h, s, strlen(s));
}

static void putf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(h->f, fmt, ap);
    va_end(ap);
    if (n < 0 && !h->failed) {
        h->failed = 1;
        h->err = errno;
    }
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3;
        lo = p[0] == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = p[0] == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4;
        lo = p[0] == 0xF0 ? 0x90 : 0x80;
        hi = p[0] == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Writes n bytes of s as HTML text, safe in element content and in quoted
   attribute values alike: & < > " ' as entities, control characters as
   spaces, bytes that are not UTF-8 as U+FFFD. The one way file text gets
   into the page. */
static void esc_n(struct html *h, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t from = 0, i = 0;
    while (i < n) {
        const char *rep = NULL;
        size_t len = 1;
        switch (u[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if (u[i] >= 0x80) {
                len = utf8_len(u + i, n - i);
                if (len == 0) {
                    rep = "\xEF\xBF\xBD";
                    len = 1;
                }
            } else if ((u[i] < 0x20 && u[i] != '\n' && u[i] != '\t') || u[i] == 0x7F) {
                rep = " ";
            }
        }
        if (rep != NULL) {
            put_n(h, s + from, i - from);
            put(h, rep);
            from = i + len;
        }
        i += len;
    }
    put_n(h, s + from, n - from);
}

static void esc(struct html *h, const char *s)
{
    if (s != NULL)
        esc_n(h, s, strlen(s));
}

/* The text of a cell as the user typed it: csvout puts a ' before text a
   spreadsheet would run as a formula (=, +, -, @, tab, CR first). */
static const char *unguard(const char *s)
{
    if (s[0] == '\'' && s[1] != '\0' && strchr("=+-@\t\r", s[1]) != NULL)
        return s + 1;
    return s;
}

static void cell_text(struct html *h, const char *s)
{
    esc(h, unguard(s));
}

/* A cell's text cut to max characters, with an ellipsis when cut (for
   chart labels, which do not wrap). */
static void cell_text_max(struct html *h, const char *s, size_t max)
{
    s = unguard(s);
    size_t n = strlen(s), i, chars = 0;
    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
    esc_n(h, s, i);
    if (i < n)
        put(h, "\xE2\x80\xA6");
}

/* Formats v with prec decimals and grouped thousands into b (64 bytes):
   "-1,234.5" in English, "-1 234,5" with narrow no-break spaces in French;
   "—" when v is not finite. Returns b. */
static char *fmt_num(char *b, double v, int prec, int fr)
{
    if (!isfinite(v)) {
        strcpy(b, DASH);
        return b;
    }
    if (fabs(v) >= 1e15) {
        snprintf(b, 64, "%.3e", v);
        return b;
    }
    /* Half away from zero on the decimal value, as csvout rounds: 1234.5
       shows as 1235 (printf would give the even 1234). */
    static const long long p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
    prec = prec < 0 ? 0 : prec > 6 ? 6 : prec;
    char t[48];
    int n;
    if (fabs(v) < 1e12) {
        long long q = llround(fabs(v) * (double)p10[prec]);
        n = prec > 0 ? snprintf(t, sizeof t, "%lld.%0*lld", q / p10[prec], prec, q % p10[prec])
                     : snprintf(t, sizeof t, "%lld", q);
    } else {
        n = snprintf(t, sizeof t, "%.*f", prec, fabs(v));
    }
    if (n <= 0 || (size_t)n >= sizeof t) {
        snprintf(b, 64, "%g", v);
        return b;
    }
    /* -0.004 with two decimals is 0.00, not -0.00. */
    int neg = v < 0 && strspn(t, "0.") != (size_t)n;
    const char *dot = strchr(t, '.');
    size_t ip = dot != NULL ? (size_t)(dot - t) : (size_t)n, k = 0;
    if (neg)
        b[k++] = '-';
    for (size_t i = 0; i < ip; i++) {
        b[k++] = t[i];
        size_t left = ip - i - 1;
        if (left > 0 && left % 3 == 0) {
            if (fr) {
                memcpy(b + k, NNBSP, 3);
                k += 3;
            } else {
                b[k++] = ',';
            }
        }
    }
    if (dot != NULL) {
        b[k++] = fr ? ',' : '.';
        size_t rest = (size_t)n - ip - 1;
        memcpy(b + k, dot + 1, rest);
        k += rest;
    }
    b[k] = '\0';
    return b;
}

/* A ratio as a percentage: "35.2%", French "35,2 %". */
static char *fmt_pct(char *b, double v, int prec, int fr)
{
    fmt_num(b, v * 100, prec, fr);
    if (isfinite(v))
        strcat(b, fr ? NNBSP "%" : "%");
    return b;
}

static void num(struct html *h, double v, int prec)
{
    char b[64];
    put(h, fmt_num(b, v, prec, h->fr));
}

static void pct(struct html *h, double v, int prec)
{
    char b[64];
    put(h, fmt_pct(b, v, prec, h->fr));
}

/* A right-aligned number cell; negative numbers in red. */
static void td_num(struct html *h, double v, int prec)
{
    put(h, v < 0 ? "<td class=\"n neg\">" : "<td class=\"n\">");
    num(h, v, prec);
    put(h, "</td>");
}

static void td_pct(struct html *h, double v, int prec)
{
    put(h, v < 0 ? "<td class=\"n neg\">" : "<td class=\"n\">");
    pct(h, v, prec);
    put(h, "</td>");
}

static void td_text(struct html *h, const char *s)
{
    put(h, "<td>");
    cell_text(h, s);
    put(h, "</td>");
}

/* ---- Sorting ----------------------------------------------------------- */

/* A row and the key it is sorted on; ties keep the file's order. */
struct order {
    double key;         /* ascending; NaN last */
    size_t row;         /* data row */
};

static int order_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    int xn = isnan(x->key), yn = isnan(y->key);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* ---- Report ---------------------------------------------------------- */

struct report {
    struct html h;              /* the page */
    int fr;                     /* French CSV files and numbers */
    struct table t[T_N];        /* the run's tables, by T_ index */
    struct reasons rj;          /* rejects.csv, counted by reason */
    const struct html_meta *meta; /* the run, or NULL */
    int nomem;                  /* an allocation failed */
};

static const char CSS[] =
    ":root{--ink:#1d2733;--muted:#5d6877;--line:#d8dde4;--head:#eef1f5;--bar:#3b6ea8;"
    "--pos:#2b8a57;--neg:#c0392b}\n"
    "*{box-sizing:border-box}\n"
    "body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
    "sans-serif;color:var(--ink);max-width:1120px;margin:0 auto;padding:24px 32px 48px}\n"
    "h1{font-size:26px;margin:0 0 8px}\n"
    "h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}\n"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;"
    "font-size:14px}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}\n"
    "nav{margin:16px 0 0;font-size:13.5px;color:var(--muted)}\n"
    "nav a{color:var(--bar);text-decoration:none;margin-right:12px;white-space:nowrap}\n"
    "table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "th{background:var(--head);font-weight:600;vertical-align:bottom}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}\n"
    ".neg{color:var(--neg)}\n"
    "table.dq{width:auto;min-width:420px}\n"
    "tr.total td{font-weight:600;border-top:2px solid var(--line)}\n"
    ".note,.how{color:var(--muted);font-size:13px;margin:6px 0}\n"
    ".how{color:var(--ink)}\n"
    ".ev{color:var(--muted);font-size:12px;margin-top:2px}\n"
    "table.findings td.rec{width:46%}\n"
    ".ci{color:var(--muted);font-size:11.5px;display:block}\n"
    ".conf{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;"
    "border:1px solid var(--line)}\n"
    ".conf-high{background:#d8efe1;border-color:#9ccfb1}\n"
    ".conf-medium{background:#fbeccb;border-color:#e8cf8f}\n"
    ".conf-low{background:#eceff3}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(330px,1fr));gap:8px 24px}\n"
    ".charts.wide{grid-template-columns:repeat(auto-fit,minmax(470px,1fr))}\n"
    "figure{margin:10px 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figcaption{font-weight:600;font-size:14px;margin-bottom:4px}\n"
    "svg{display:block;max-width:100%;height:auto}\n"
    "svg text{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
    "font-size:12px;fill:var(--ink)}\n"
    "svg .axis{stroke:#6b7684;stroke-width:1}svg .grid{stroke:#e3e7ec;stroke-width:1}\n"
    "svg .ref{stroke:#8a5a00;stroke-width:1.2;stroke-dasharray:5 4}\n"
    "svg .small{font-size:10.5px;fill:var(--muted)}\n"
    "svg .b{fill:var(--bar)}svg .bp{fill:var(--pos)}svg .bn{fill:var(--neg)}\n"
    "svg .wl{fill:none;stroke:var(--bar);stroke-width:2;stroke-linejoin:round}\n"
    "table.heat td.v{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "table.heat td.low{background:repeating-linear-gradient(45deg,#f1f2f4 0 4px,#dfe2e6 4px 6px);"
    "color:var(--muted);font-style:italic}\n"
    ".sub{display:block;font-size:11px;opacity:.8;font-style:normal}\n"
    "table.seas td.v{text-align:center;font-variant-numeric:tabular-nums}\n"
    "table.seas td.peak{font-weight:700;outline:2px solid #8a3b00;outline-offset:-2px}\n"
    "footer{margin-top:40px;color:var(--muted);font-size:12px}\n"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "@page{margin:14mm 12mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}nav{display:none}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "tr,figure,svg,.charts>figure{break-inside:avoid;page-break-inside:avoid}"
    "thead{display:table-header-group}table{font-size:9pt}th,td{padding:3px 5px}"
    "td.n{white-space:normal}.ev{font-size:8pt}}\n";

static void section(struct html *h, const char *id, const char *title)
{
    putf(h, "<section id=\"%s\">\n<h2>%s</h2>\n", id, title);
}

static void not_in_run(struct report *r, int t)
{
    if (r->t[t].present)
        putf(&r->h, "<p class=\"note\">Nothing to show: %s has no rows.</p>\n", table_file[t]);
    else
        putf(&r->h, "<p class=\"note\">Not produced by this run (no %s in the output folder).</p>\n",
             table_file[t]);
}

/* The segment's name, or "Segment <id>" when it has none. */
static void segment_label(struct html *h, const struct table *t, size_t row, int cname, int cid)
{
    const char *name = tcell(t, row, cname);
    if (name[0] != '\0') {
        cell_text(h, name);
    } else if (tcell(t, row, cid)[0] != '\0') {
        put(h, "Segment ");
        cell_text(h, tcell(t, row, cid));
    } else {
        put(h, DASH);
    }
}

static void write_header(struct report *r)
{
    struct html *h = &r->h;
    const struct html_meta *m = r->meta;
    const char *title = m != NULL && m->title != NULL ? m->title : "canaux report";
    putf(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
         r->fr ? "fr" : "en");
    esc(h, title);
    put(h, "</title>\n<style>\n");
    put(h, CSS);
    put(h, "</style>\n</head>\n<body>\n<header>\n<h1>");
    esc(h, title);
    put(h, "</h1>\n<dl class=\"meta\">\n");
    if (m != NULL && m->period != NULL) {
        put(h, "<dt>Period</dt><dd>");
        esc(h, m->period);
        put(h, "</dd>\n");
    }
    if (m != NULL && m->cost_model != NULL) {
        put(h, "<dt>Cost model</dt><dd>");
        esc(h, m->cost_model);
        put(h, "</dd>\n");
    }
    if (m != NULL && m->ninputs > 0 && m->inputs != NULL) {
        put(h, m->ninputs > 1 ? "<dt>Inputs</dt><dd>" : "<dt>Input</dt><dd>");
        for (size_t i = 0; i < m->ninputs && i < MAX_INPUTS_SHOWN; i++) {
            if (i > 0)
                put(h, "<br>");
            esc(h, m->inputs[i] != NULL ? m->inputs[i] : "");
        }
        if (m->ninputs > MAX_INPUTS_SHOWN) {
            put(h, "<br>and ");
            num(h, (double)(m->ninputs - MAX_INPUTS_SHOWN), 0);
            put(h, " more");
        }
        put(h, "</dd>\n");
    }
    if (m != NULL) {
        put(h, "<dt>Rows</dt><dd>");
        num(h, (double)m->rows_read, 0);
        put(h, " read, ");
        num(h, (double)m->accepted, 0);
        put(h, " accepted, ");
        num(h, (double)m->rejected, 0);
        put(h, " rejected</dd>\n");
    }
    put(h, "<dt>Produced by</dt><dd>canaux");
    if (m != NULL && m->version != NULL) {
        put(h, " ");
        esc(h, m->version);
    }
    put(h, "</dd>\n</dl>\n");
    put(h, "<nav><a href=\"#findings\">Findings</a><a href=\"#segments\">Segments</a>"
           "<a href=\"#channels\">Channels</a><a href=\"#matrix\">Segment \xC3\x97 channel</a>"
           "<a href=\"#whale\">Whale curve</a><a href=\"#retention\">Acquisition and retention</a>"
           "<a href=\"#seasonality\">Seasonality</a><a href=\"#prices\">Price consistency</a>"
           "<a href=\"#quality\">Data quality</a></nav>\n</header>\n");
}

static void write_findings(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_REC];
    section(h, "findings", "Findings");
    if (!t->present) {
        not_in_run(r, T_REC);
        put(h, "</section>\n");
        return;
    }
    if (t->nrows == 0) {
        put(h, "<p>No recommendation: no segment or channel stood out on the thresholds of this run.</p>\n"
               "</section>\n");
        return;
    }
    int crank = tcol(t, "rank"), ckind = tcol(t, "kind"), cseg = tcol(t, "segment");
    int cname = tcol(t, "segment_name"), cch = tcol(t, "channel"), ctarget = tcol(t, "target_channel");
    int ctext = tcol(t, "text"), cimp = tcol(t, "impact"), clo = tcol(t, "impact_ci_low");
    int chi = tcol(t, "impact_ci_high"), cconf = tcol(t, "confidence"), cev = tcol(t, "evidence");
    struct order *o = malloc(t->nrows * sizeof *o);
    if (o == NULL) {
        r->nomem = 1;
        return;
    }
    for (size_t i = 0; i < t->nrows; i++) {
        o[i].key = to_num(tcell(t, i, crank), r->fr);
        o[i].row = i;
    }
    qsort(o, t->nrows, sizeof *o, order_cmp);
    size_t n = t->nrows < TOP_FINDINGS ? t->nrows : TOP_FINDINGS;
    if (n == t->nrows)
        putf(h, "<p>The run's %zu recommendation%s, by estimated impact.</p>\n", n, n > 1 ? "s" : "");
    else
        putf(h, "<p>The %zu most valuable of %zu recommendations.</p>\n", n, t->nrows);
    put(h, "<table class=\"findings\">\n<thead><tr><th class=\"n\">#</th><th>Kind</th><th>Segment</th>"
           "<th>Channel</th><th>Recommendation</th><th class=\"n\">Impact per year</th>"
           "<th>Confidence</th></tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < n; k++) {
        size_t i = o[k].row;
        put(h, "<tr><td class=\"n\">");
        double rank = o[k].key;
        if (isfinite(rank))
            num(h, rank, 0);
        else
            cell_text(h, tcell(t, i, crank));
        put(h, "</td><td>");
        /* volume_shift reads as "volume shift". */
        for (const char *p = unguard(tcell(t, i, ckind));;) {
            size_t run = strcspn(p, "_");
            esc_n(h, p, run);
            if (p[run] == '\0')
                break;
            put(h, " ");
            p += run + 1;
        }
        put(h, "</td><td>");
        if (tcell(t, i, cname)[0] != '\0' || tcell(t, i, cseg)[0] != '\0')
            segment_label(h, t, i, cname, cseg);
        else
            put(h, "all");
        put(h, "</td><td>");
        const char *ch = tcell(t, i, cch), *target = tcell(t, i, ctarget);
        if (ch[0] != '\0')
            cell_text(h, ch);
        else if (target[0] == '\0')
            put(h, "all");
        if (target[0] != '\0') {
            put(h, " \xE2\x86\x92 ");
            cell_text(h, target);
        }
        put(h, "</td><td class=\"rec\">");
        cell_text(h, tcell(t, i, ctext));
        if (tcell(t, i, cev)[0] != '\0') {
            put(h, "<div class=\"ev\">");
            cell_text(h, tcell(t, i, cev));
            put(h, "</div>");
        }
        double imp = to_num(tcell(t, i, cimp), r->fr);
        put(h, imp < 0 ? "</td><td class=\"n neg\">" : "</td><td class=\"n\">");
        num(h, imp, 0);
        double lo = to_num(tcell(t, i, clo), r->fr), hi = to_num(tcell(t, i, chi), r->fr);
        if (isfinite(lo) && isfinite(hi)) {
            put(h, "<span class=\"ci\">");
            num(h, lo, 0);
            put(h, " \xE2\x80\x93 ");
            num(h, hi, 0);
            put(h, "</span>");
        }
        const char *conf = unguard(tcell(t, i, cconf));
        const char *cls = strcmp(conf, "high") == 0     ? "conf conf-high"
                          : strcmp(conf, "medium") == 0 ? "conf conf-medium"
                          : strcmp(conf, "low") == 0    ? "conf conf-low"
                                                        : "conf";
        putf(h, "</td><td><span class=\"%s\">", cls);
        esc(h, conf);
        put(h, "</span></td></tr>\n");
    }
    put(h, "</tbody>\n</table>\n");
    put(h, "<p class=\"how\"><strong>How to read:</strong> the impact is the estimated change in "
           "contribution per year, in the currency of the input, with its 95% interval below it; "
           "the confidence says how strong the statistical evidence is (high, medium, low), and "
           "the grey line under each recommendation gives the figures behind it. Every "
           "recommendation, with its evidence, is in recommendations.csv.</p>\n");
    put(h, "</section>\n");
    free(o);
}

/* ---- Charts ---------------------------------------------------------- */

/* One bar of a horizontal bar chart. */
struct bar {
    const char *label;  /* a CSV cell (shown unguarded, escaped) */
    double v;           /* the value; NaN: no bar */
    char vt[160];       /* the value as shown beside the bar */
};

/* A horizontal bar chart W pixels wide; negative values go left of the
   zero axis. With signed_colors, positive bars are green, negative red. */
static void bar_chart(struct html *h, const char *caption, const struct bar *b, size_t n,
                      double W, int signed_colors)
{
    const double LW = 160, ROW = 24, TOP = 6;
    double lo = 0, hi = 0, PAD = 0;
    for (size_t i = 0; i < n; i++) {
        /* Room for the longest value text, at about 7 pixels a character. */
        double chars = 0;
        for (const char *p = b[i].vt; *p != '\0'; p++)
            chars += ((unsigned char)*p & 0xC0) != 0x80;
        PAD = fmax(PAD, 7 * chars + 8);
        if (!isfinite(b[i].v))
            continue;
        lo = b[i].v < lo ? b[i].v : lo;
        hi = b[i].v > hi ? b[i].v : hi;
    }
    if (hi == lo)
        hi = lo + 1;
    double x0 = LW + 8 + (lo < 0 ? PAD : 0), x1 = W - 4 - (hi > 0 ? PAD : 0);
    double scale = (x1 - x0) / (hi - lo), zero = x0 - lo * scale;
    double H = 2 * TOP + (double)n * ROW;
    putf(h, "<figure>\n<figcaption>%s</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
            "height=\"%.0f\" role=\"img\" aria-label=\"%s\">\n",
         caption, W, H, W, H, caption);
    for (size_t i = 0; i < n; i++) {
        double y = TOP + (double)i * ROW;
        put(h, "<g><title>");
        cell_text(h, b[i].label);
        put(h, ": ");
        esc(h, b[i].vt);
        putf(h, "</title><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", LW, y + ROW / 2 + 4);
        cell_text_max(h, b[i].label, 20);
        put(h, "</text>");
        double v = b[i].v;
        if (isfinite(v)) {
            double xv = zero + v * scale;
            const char *cls = !signed_colors ? "b" : v < 0 ? "bn" : "bp";
            putf(h, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>", cls,
                 v < 0 ? xv : zero, y + 4, fabs(xv - zero), ROW - 8);
            putf(h, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", v < 0 ? xv - 4 : xv + 4,
                 y + ROW / 2 + 4, v < 0 ? "end" : "start");
        } else {
            putf(h, "<text x=\"%.1f\" y=\"%.1f\">", zero + 4, y + ROW / 2 + 4);
        }
        esc(h, b[i].vt);
        put(h, "</text></g>\n");
    }
    putf(h, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", zero, TOP - 2,
         zero, H - TOP + 2);
    put(h, "</svg>\n</figure>\n");
}

/* A round step for about four intervals over range: 1, 2, 2.5 or 5 × 10^k. */
static double nice_step(double range)
{
    double raw = range / 4, p = pow(10, floor(log10(raw))), f = raw / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

/* ---- Sections -------------------------------------------------------- */

static void write_segments(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_SEG];
    section(h, "segments", "Segments");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_SEG);
        put(h, "</section>\n");
        return;
    }
    int cid = tcol(t, "segment"), cname = tcol(t, "segment_name"), ccust = tcol(t, "customers");
    int cshare = tcol(t, "share"), cnet = tcol(t, "net_share");
    int crec = tcol(t, "median_recency_days"), cfreq = tcol(t, "median_frequency");
    int cmon = tcol(t, "median_monetary"), caov = tcol(t, "median_avg_order_value");
    int cret = tcol(t, "median_return_rate"), cdis = tcol(t, "median_discount_rate");
    struct bar *b = calloc(t->nrows, sizeof *b);
    if (b == NULL) {
        r->nomem = 1;
        return;
    }
    double total = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        b[i].label = tcell(t, i, cname)[0] != '\0' ? tcell(t, i, cname) : tcell(t, i, cid);
        b[i].v = to_num(tcell(t, i, ccust), r->fr);
        if (isfinite(b[i].v))
            total += b[i].v;
        char x[64], y[64];
        snprintf(b[i].vt, sizeof b[i].vt, "%s \xC2\xB7 %s", fmt_num(x, b[i].v, 0, r->fr),
                 fmt_pct(y, to_num(tcell(t, i, cshare), r->fr), 1, r->fr));
    }
    put(h, "<p>");
    num(h, total, 0);
    putf(h, " customers in %zu segments of similar buying habits.</p>\n", t->nrows);
    bar_chart(h, "Customers per segment", b, t->nrows, 640, 0);
    free(b);
    put(h, "<h3>Profiles</h3>\n<table>\n<thead><tr><th>Segment</th><th class=\"n\">Customers</th>"
           "<th class=\"n\">Share</th><th class=\"n\">Share of net sales</th>"
           "<th class=\"n\">Median recency (days)</th><th class=\"n\">Median orders</th>"
           "<th class=\"n\">Median spend</th><th class=\"n\">Median order value</th>"
           "<th class=\"n\">Median return rate</th><th class=\"n\">Median discount rate</th>"
           "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < t->nrows; i++) {
        put(h, "<tr><td>");
        segment_label(h, t, i, cname, cid);
        put(h, "</td>");
        td_num(h, to_num(tcell(t, i, ccust), r->fr), 0);
        td_pct(h, to_num(tcell(t, i, cshare), r->fr), 1);
        td_pct(h, to_num(tcell(t, i, cnet), r->fr), 1);
        td_num(h, to_num(tcell(t, i, crec), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cfreq), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cmon), r->fr), 2);
        td_num(h, to_num(tcell(t, i, caov), r->fr), 2);
        td_pct(h, to_num(tcell(t, i, cret), r->fr), 1);
        td_pct(h, to_num(tcell(t, i, cdis), r->fr), 1);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Recency: days since the last order at the end of "
           "the data. Orders: orders with a positive net. Spend: net sales over the period, returns "
           "deducted. Return rate: units returned \xC3\xB7 units sold; discount rate: discount "
           "\xC3\xB7 gross.</p>\n</section>\n");
}

static void write_channels(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_CH];
    section(h, "channels", "Channels");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_CH);
        put(h, "</section>\n");
        return;
    }
    int cch = tcol(t, "channel"), ckind = tcol(t, "kind"), ccust = tcol(t, "customers");
    int cord = tcol(t, "orders"), cnet = tcol(t, "net"), ccost = tcol(t, "channel_cost");
    int ccon = tcol(t, "contribution"), ccos = tcol(t, "cost_of_sales_ratio");
    int caov = tcol(t, "aov_mean"), clo = tcol(t, "aov_ci_low"), chi = tcol(t, "aov_ci_high");
    struct bar *b = calloc(t->nrows, sizeof *b);
    if (b == NULL) {
        r->nomem = 1;
        return;
    }
    put(h, "<div class=\"charts wide\">\n");
    for (size_t i = 0; i < t->nrows; i++) {
        b[i].label = tcell(t, i, cch);
        b[i].v = to_num(tcell(t, i, ccos), r->fr);
        fmt_pct(b[i].vt, b[i].v, 1, r->fr);
    }
    bar_chart(h, "Cost of sales (channel cost \xC3\xB7 net sales)", b, t->nrows, 480, 0);
    for (size_t i = 0; i < t->nrows; i++) {
        b[i].v = to_num(tcell(t, i, ccon), r->fr);
        fmt_num(b[i].vt, b[i].v, 0, r->fr);
    }
    bar_chart(h, "Contribution (margin \xE2\x88\x92 channel cost)", b, t->nrows, 480, 1);
    free(b);
    put(h, "</div>\n<table>\n<thead><tr><th>Channel</th><th>Kind</th><th class=\"n\">Customers</th>"
           "<th class=\"n\">Orders</th><th class=\"n\">Net sales</th><th class=\"n\">Channel cost</th>"
           "<th class=\"n\">Contribution</th><th class=\"n\">Cost of sales</th>"
           "<th class=\"n\">Average order value</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < t->nrows; i++) {
        put(h, "<tr>");
        td_text(h, tcell(t, i, cch));
        td_text(h, tcell(t, i, ckind));
        td_num(h, to_num(tcell(t, i, ccust), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cord), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cnet), r->fr), 0);
        td_num(h, to_num(tcell(t, i, ccost), r->fr), 0);
        td_num(h, to_num(tcell(t, i, ccon), r->fr), 0);
        td_pct(h, to_num(tcell(t, i, ccos), r->fr), 1);
        put(h, "<td class=\"n\">");
        num(h, to_num(tcell(t, i, caov), r->fr), 2);
        double lo = to_num(tcell(t, i, clo), r->fr), hi = to_num(tcell(t, i, chi), r->fr);
        if (isfinite(lo) && isfinite(hi)) {
            put(h, "<span class=\"ci\">");
            num(h, lo, 2);
            put(h, " \xE2\x80\x93 ");
            num(h, hi, 2);
            put(h, "</span>");
        }
        put(h, "</td></tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Contribution = margin \xE2\x88\x92 channel cost "
           "(commissions, order, unit, return and fixed costs of the cost model). Cost of sales = "
           "channel cost \xC3\xB7 net sales. Average order value over orders with a positive net, "
           "with its 95% confidence interval below.</p>\n</section>\n");
}

/* Index k of the row first[k] whose cells in columns a, b and c equal
   those of row i (a column < 0 is "" in every row, so it always matches),
   or n when there is none. */
static size_t find_key(const struct table *t, const size_t *first, size_t n, size_t i, int a, int b,
                       int c)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(tcell(t, first[k], a), tcell(t, i, a)) == 0 &&
            strcmp(tcell(t, first[k], b), tcell(t, i, b)) == 0 &&
            strcmp(tcell(t, first[k], c), tcell(t, i, c)) == 0)
            return k;
    return n;
}

static void write_matrix(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_SC];
    section(h, "matrix", "Segment \xC3\x97 channel: contribution per customer");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_SC);
        put(h, "</section>\n");
        return;
    }
    int cid = tcol(t, "segment"), cname = tcol(t, "segment_name"), cch = tcol(t, "channel");
    int ccust = tcol(t, "customers"), ccpc = tcol(t, "contribution_per_customer");
    int clow = tcol(t, "low_support");
    size_t n = t->nrows, nseg = 0, nch = 0;
    size_t *seg = malloc(n * sizeof *seg), *ch = malloc(n * sizeof *ch);
    size_t *grid = NULL;
    if (seg == NULL || ch == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (find_key(t, seg, nseg, i, cid, cname, -1) == nseg)
            seg[nseg++] = i;
        if (find_key(t, ch, nch, i, cch, -1, -1) == nch)
            ch[nch++] = i;
    }
    grid = malloc(nseg * nch * sizeof *grid);
    if (grid == NULL)
        goto nomem;
    for (size_t k = 0; k < nseg * nch; k++)
        grid[k] = SIZE_MAX;
    double maxabs = 0;
    int any_low = 0;
    for (size_t i = 0; i < n; i++) {
        size_t s = find_key(t, seg, nseg, i, cid, cname, -1), c = find_key(t, ch, nch, i, cch, -1, -1);
        grid[s * nch + c] = i;
        double v = to_num(tcell(t, i, ccpc), r->fr);
        if (to_num(tcell(t, i, clow), r->fr) == 1)
            any_low = 1;
        else if (isfinite(v) && fabs(v) > maxabs)
            maxabs = fabs(v);
    }
    put(h, "<table class=\"heat\">\n<thead><tr><th>Segment</th>");
    for (size_t c = 0; c < nch; c++) {
        put(h, "<th class=\"n\">");
        cell_text(h, tcell(t, ch[c], cch));
        put(h, "</th>");
    }
    put(h, "</tr></thead>\n<tbody>\n");
    for (size_t s = 0; s < nseg; s++) {
        put(h, "<tr><td>");
        segment_label(h, t, seg[s], cname, cid);
        put(h, "</td>");
        for (size_t c = 0; c < nch; c++) {
            size_t i = grid[s * nch + c];
            if (i == SIZE_MAX) {
                put(h, "<td class=\"v\">" DASH "</td>");
                continue;
            }
            double v = to_num(tcell(t, i, ccpc), r->fr);
            if (to_num(tcell(t, i, clow), r->fr) == 1) {
                put(h, "<td class=\"v low\">");
            } else if (isfinite(v) && maxabs > 0) {
                /* White to green (profit) or red (loss), deeper for larger amounts;
                   the square root keeps mid-sized amounts visible beside a whale. */
                double a = sqrt(fabs(v) / maxabs) * 0.9;
                int base[3] = { 43, 138, 87 }, neg[3] = { 192, 57, 43 }, rgb[3];
                for (int k = 0; k < 3; k++)
                    rgb[k] = (int)lround(255 + ((v < 0 ? neg[k] : base[k]) - 255) * a);
                putf(h, "<td class=\"v\" style=\"background:#%02x%02x%02x;color:%s\">", rgb[0], rgb[1],
                     rgb[2], a > 0.55 ? "#fff" : "#1d2733");
            } else {
                put(h, "<td class=\"v\">");
            }
            num(h, v, 2);
            put(h, "<span class=\"sub\">n = ");
            num(h, to_num(tcell(t, i, ccust), r->fr), 0);
            put(h, "</span></td>");
        }
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Contribution per customer of each segment in each "
           "channel: green is profit, red is loss, deeper for larger amounts; n is the number of "
           "customers.");
    if (any_low)
        put(h, " Hatched grey cells have low support: too few customers for a reliable figure.");
    put(h, "</p>\n</section>\n");
    goto out;
nomem:
    r->nomem = 1;
out:
    free(seg);
    free(ch);
    free(grid);
}

/* One channel's whale curve: points (x[k], y[k]), shares of 1 of the
   channel's total contribution, or (money) cumulative contribution when that
   total is zero or negative and a share of it would be inverted. */
static void whale_chart(struct report *r, const char *channel, const double *x, const double *y,
                        size_t n, int money)
{
    struct html *h = &r->h;
    const double W = 340, H = 220, ML = 62, MR = 20, MT = 10, MB = 34;
    double lo = 0, hi = money ? 0 : 1, peak = -INFINITY, peak_x = 0;
    for (size_t k = 0; k < n; k++) {
        lo = y[k] < lo ? y[k] : lo;
        hi = y[k] > hi ? y[k] : hi;
        if (y[k] > peak) {
            peak = y[k];
            peak_x = x[k];
        }
    }
    double step = nice_step(hi > lo ? hi - lo : 1);
    lo = floor(lo / step) * step;
    hi = ceil(hi / step) * step;
    double pw = W - ML - MR, ph = H - MT - MB;
#define WX(v) (ML + (v) * pw)
#define WY(v) (MT + (hi - (v)) / (hi - lo) * ph)
    put(h, "<figure>\n<figcaption>");
    cell_text(h, channel);
    put(h, "</figcaption>\n");
    putf(h, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
            "aria-label=\"Whale curve: ",
         W, H, W, H);
    cell_text(h, channel);
    put(h, "\">\n");
    long nt = lround((hi - lo) / step);
    for (long k = 0; k <= nt && k <= 40; k++) {
        double v = lo + (double)k * step;
        char b[64];
        putf(h, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                "<text class=\"small\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
             ML, WY(v), W - MR, WY(v), ML - 4, WY(v) + 3.5,
             money ? fmt_num(b, v, 0, r->fr) : fmt_pct(b, v, step < 0.01 ? 1 : 0, r->fr));
    }
    for (int k = 0; k <= 4; k++) {
        char b[64];
        putf(h, "<text class=\"small\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
             WX(k / 4.0), H - MB + 14, fmt_pct(b, k / 4.0, 0, r->fr));
    }
    putf(h, "<text class=\"small\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">share of customers, "
            "most profitable first</text>\n",
         ML + pw / 2, H - 4);
    putf(h, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML, WY(0), W - MR,
         WY(0));
    putf(h, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML, MT, ML, H - MB);
    if (!money)
        putf(h, "<line class=\"ref\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML, WY(1), W - MR,
             WY(1));
    put(h, "<polyline class=\"wl\" points=\"");
    for (size_t k = 0; k < n; k++)
        putf(h, "%s%.1f,%.1f", k ? " " : "", WX(x[k]), WY(y[k]));
    put(h, "\"/>\n</svg>\n");
#undef WX
#undef WY
    if (n > 0 && !money && peak > 1.005 && isfinite(peak)) {
        char a[64], b[64];
        putf(h, "<p class=\"note\">The top %s of customers make %s of the contribution.</p>\n",
             fmt_pct(a, peak_x, 0, r->fr), fmt_pct(b, peak, 0, r->fr));
    } else if (n > 0 && money) {
        char a[64], b[64], c[64];
        putf(h, "<p class=\"note\">Cumulative contribution in money: its customers' total contribution (%s) is not "
                "positive, so no share of it is drawn.",
             fmt_num(c, y[n - 1], 0, r->fr));
        if (peak > 0 && isfinite(peak))
            putf(h, " The top %s of customers make %s before the rest lose it.", fmt_pct(a, peak_x, 0, r->fr),
                 fmt_num(b, peak, 0, r->fr));
        put(h, "</p>\n");
    }
    put(h, "</figure>\n");
}

static void write_whale(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_WHALE];
    section(h, "whale", "Whale curve");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_WHALE);
        put(h, "</section>\n");
        return;
    }
    int cch = tcol(t, "channel"), cx = tcol(t, "customer_share"), cy = tcol(t, "contribution_share"),
        cz = tcol(t, "cumulative_contribution");
    size_t n = t->nrows, nch = 0;
    size_t *ch = malloc(n * sizeof *ch);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (ch == NULL || x == NULL || y == NULL) {
        r->nomem = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (find_key(t, ch, nch, i, cch, -1, -1) == nch)
            ch[nch++] = i;
    put(h, "<p>Customers ranked from the most to the least profitable: the curve gives the share "
           "of the channel's total contribution made by the top share of customers. A peak above "
           "the dashed 100% line means the best customers earn more than the channel as a whole, "
           "and the rest lose part of it.</p>\n<div class=\"charts\">\n");
    for (size_t c = 0; c < nch; c++) {
        /* No share (a total that is not positive): the money curve. */
        int money = 0;
        for (size_t i = 0; i < n && cz >= 0; i++)
            if (strcmp(tcell(t, i, cch), tcell(t, ch[c], cch)) == 0 && !isfinite(to_num(tcell(t, i, cy), r->fr)))
                money = 1;
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(tcell(t, i, cch), tcell(t, ch[c], cch)) != 0)
                continue;
            double xv = to_num(tcell(t, i, cx), r->fr), yv = to_num(tcell(t, i, money ? cz : cy), r->fr);
            if (isfinite(xv) && isfinite(yv)) {
                x[m] = xv;
                y[m++] = yv;
            }
        }
        whale_chart(r, tcell(t, ch[c], cch), x, y, m, money);
    }
    put(h, "</div>\n<p class=\"note\">When a channel's total contribution is close to zero, the "
           "shares are taken of that small total and the curve is very tall: its shape, not its "
           "scale, is what to read.</p>\n</section>\n");
out:
    free(ch);
    free(x);
    free(y);
}

static void write_retention(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_ACQ];
    section(h, "retention", "Acquisition and retention");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_ACQ);
        put(h, "</section>\n");
        return;
    }
    int clev = tcol(t, "level"), cch = tcol(t, "channel"), cnew = tcol(t, "new_customers");
    int ccac = tcol(t, "cac"), crep = tcol(t, "repeat_rate"), c90 = tcol(t, "ret90_rate");
    int c180 = tcol(t, "ret180_rate"), c365 = tcol(t, "ret365_rate");
    int cfy = tcol(t, "first_year_contribution_mean"), cpay = tcol(t, "payback_months");
    int cexc = tcol(t, "cac_exceeds_first_year");
    put(h, "<p>Customers by the channel of their first order.</p>\n<table>\n<thead><tr>"
           "<th>Channel</th><th class=\"n\">New customers</th><th class=\"n\">CAC</th>"
           "<th class=\"n\">Repeat rate</th><th class=\"n\">Retained at 90 days</th>"
           "<th class=\"n\">at 180 days</th><th class=\"n\">at 365 days</th>"
           "<th class=\"n\">First-year contribution</th><th class=\"n\">Payback (months)</th>"
           "</tr></thead>\n<tbody>\n");
    /* The channel rows, then the total. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->nrows; i++) {
            const char *lev = tcell(t, i, clev);
            if (clev >= 0 && strcmp(lev, pass == 0 ? "channel" : "all") != 0)
                continue;
            if (clev < 0 && pass == 1)
                break;
            put(h, pass == 0 ? "<tr>" : "<tr class=\"total\">");
            if (pass == 0)
                td_text(h, tcell(t, i, cch));
            else
                put(h, "<td>All channels</td>");
            td_num(h, to_num(tcell(t, i, cnew), r->fr), 0);
            td_num(h, to_num(tcell(t, i, ccac), r->fr), 2);
            td_pct(h, to_num(tcell(t, i, crep), r->fr), 1);
            td_pct(h, to_num(tcell(t, i, c90), r->fr), 1);
            td_pct(h, to_num(tcell(t, i, c180), r->fr), 1);
            td_pct(h, to_num(tcell(t, i, c365), r->fr), 1);
            td_num(h, to_num(tcell(t, i, cfy), r->fr), 2);
            double pay = to_num(tcell(t, i, cpay), r->fr);
            int exceeds = to_num(tcell(t, i, cexc), r->fr) == 1;
            if (isfinite(pay)) {
                put(h, exceeds ? "<td class=\"n neg\">" : "<td class=\"n\">");
                num(h, pay, 1);
                put(h, "</td>");
            } else {
                put(h, exceeds ? "<td class=\"n neg\">never</td>" : "<td class=\"n\">" DASH "</td>");
            }
            put(h, "</tr>\n");
        }
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">CAC: acquisition spend per new customer. Repeat "
           "rate: share with two or more orders. Retained at d days: share ordering again within d "
           "days of the first order, among customers observed that long. First-year contribution: "
           "mean contribution of a customer's orders in the year after acquisition. Payback: months "
           "of that contribution to recover the CAC; \xE2\x80\x9cnever\xE2\x80\x9d when the first "
           "year does not cover it.</p>\n</section>\n");
}

static void write_seasonality(struct report *r)
{
    static const char *const month[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    struct html *h = &r->h;
    const struct table *t = &r->t[T_SEAS];
    section(h, "seasonality", "Seasonality");
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_SEAS);
        put(h, "</section>\n");
        return;
    }
    int cid = tcol(t, "segment"), cname = tcol(t, "segment_name"), cch = tcol(t, "channel");
    int cmon = tcol(t, "month"), cidx = tcol(t, "index");
    size_t n = t->nrows, ns = 0;
    /* A segment's rows over all channels have an empty channel; without
       them, each segment and channel is a series. */
    int totals = 0;
    for (size_t i = 0; i < n && !totals; i++)
        totals = tcell(t, i, cch)[0] == '\0';
    size_t *first = malloc(n * sizeof *first);
    double *idx = malloc(n * 12 * sizeof *idx);
    if (first == NULL || idx == NULL) {
        r->nomem = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (totals && tcell(t, i, cch)[0] != '\0')
            continue;
        size_t s = find_key(t, first, ns, i, cid, cname, totals ? -1 : cch);
        if (s == ns) {
            first[ns] = i;
            for (int m = 0; m < 12; m++)
                idx[ns * 12 + (size_t)m] = NAN;
            ns++;
        }
        double m = to_num(tcell(t, i, cmon), r->fr);
        if (s < ns && m >= 1 && m <= 12 && m == floor(m))
            idx[s * 12 + (size_t)m - 1] = to_num(tcell(t, i, cidx), r->fr);
    }
    put(h, "<p>Net sales of each calendar month against the segment's average month (1.00 = an "
           "average month)");
    put(h, totals ? ", all channels together.</p>\n" : ".</p>\n");
    put(h, "<table class=\"seas\">\n<thead><tr><th>Segment</th>");
    for (int m = 0; m < 12; m++)
        putf(h, "<th class=\"n\">%s</th>", month[m]);
    put(h, "</tr></thead>\n<tbody>\n");
    for (size_t s = 0; s < ns; s++) {
        const double *v = idx + s * 12;
        int peak = -1;
        for (int m = 0; m < 12; m++)
            if (isfinite(v[m]) && (peak < 0 || v[m] > v[peak]))
                peak = m;
        put(h, "<tr><td>");
        segment_label(h, t, first[s], cname, cid);
        if (!totals && tcell(t, first[s], cch)[0] != '\0') {
            put(h, " \xC2\xB7 ");
            cell_text(h, tcell(t, first[s], cch));
        }
        put(h, "</td>");
        for (int m = 0; m < 12; m++) {
            if (!isfinite(v[m])) {
                put(h, "<td class=\"v\">" DASH "</td>");
                continue;
            }
            /* Warm above an average month, cool below. */
            double a = v[m] >= 1 ? fmin(1, (v[m] - 1) / 1.0) : fmin(1, (1 - v[m]) / 0.6);
            int rgb[3], hot[3] = { 230, 120, 30 }, cold[3] = { 70, 120, 190 };
            for (int k = 0; k < 3; k++)
                rgb[k] = (int)lround(255 + ((v[m] >= 1 ? hot[k] : cold[k]) - 255) * a * 0.75);
            putf(h, "<td class=\"v%s\" style=\"background:#%02x%02x%02x\">", m == peak ? " peak" : "",
                 rgb[0], rgb[1], rgb[2]);
            num(h, v[m], 2);
            put(h, "</td>");
        }
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Warmer cells are stronger months, cooler ones "
           "weaker; each segment's peak month is boxed. Every channel's own index is in "
           "seasonality.csv.</p>\n</section>\n");
out:
    free(first);
    free(idx);
}

static void write_prices(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_PRICE];
    section(h, "prices", "Price consistency");
    if (!t->present) {
        not_in_run(r, T_PRICE);
        put(h, "</section>\n");
        return;
    }
    int cprod = tcol(t, "product"), cch = tcol(t, "channel"), cunits = tcol(t, "units");
    int cprice = tcol(t, "mean_net_unit_price"), cmed = tcol(t, "median_across_channels");
    int cdep = tcol(t, "departure"), cstake = tcol(t, "revenue_at_stake"), cflag = tcol(t, "flagged");
    struct order *o = malloc((t->nrows ? t->nrows : 1) * sizeof *o);
    if (o == NULL) {
        r->nomem = 1;
        return;
    }
    size_t nf = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (to_num(tcell(t, i, cflag), r->fr) != 1)
            continue;
        o[nf].key = -to_num(tcell(t, i, cstake), r->fr);
        o[nf++].row = i;
    }
    if (nf == 0) {
        put(h, "<p>No product is priced far from its median across channels.</p>\n</section>\n");
        free(o);
        return;
    }
    qsort(o, nf, sizeof *o, order_cmp);
    put(h, "<p>");
    num(h, (double)nf, 0);
    put(h, " of ");
    num(h, (double)t->nrows, 0);
    put(h, " product and channel prices depart from the product's median price across channels "
           "by more than the threshold");
    if (nf > TOP_PRICES)
        putf(h, "; the %d with the most revenue at stake:", TOP_PRICES);
    put(h, ".</p>\n<table>\n<thead><tr><th>Product</th><th>Channel</th><th class=\"n\">Units</th>"
           "<th class=\"n\">Mean net unit price</th><th class=\"n\">Median across channels</th>"
           "<th class=\"n\">Departure</th><th class=\"n\">Revenue at stake</th></tr></thead>\n<tbody>\n");
    for (size_t k = 0; k < nf && k < TOP_PRICES; k++) {
        size_t i = o[k].row;
        put(h, "<tr>");
        td_text(h, tcell(t, i, cprod));
        td_text(h, tcell(t, i, cch));
        td_num(h, to_num(tcell(t, i, cunits), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cprice), r->fr), 2);
        td_num(h, to_num(tcell(t, i, cmed), r->fr), 2);
        /* Signed, not red: a price above or below the median is a gap either way. */
        double dep = to_num(tcell(t, i, cdep), r->fr);
        put(h, dep > 0 ? "<td class=\"n\">+" : "<td class=\"n\">");
        pct(h, dep, 1);
        put(h, "</td>");
        td_num(h, to_num(tcell(t, i, cstake), r->fr), 0);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Departure: the channel's mean net unit price against "
           "the product's median across channels. Revenue at stake: the gap times the units sold, "
           "per year.</p>\n</section>\n");
    free(o);
}

static void write_quality(struct report *r)
{
    struct html *h = &r->h;
    const struct html_meta *m = r->meta;
    struct reasons *rj = &r->rj;
    section(h, "quality", "Data quality");
    if (m != NULL) {
        put(h, "<table class=\"dq\">\n<tbody>\n<tr><td>Rows read</td>");
        td_num(h, (double)m->rows_read, 0);
        put(h, "<td></td></tr>\n<tr><td>Rows accepted</td>");
        td_num(h, (double)m->accepted, 0);
        put(h, "<td class=\"n\">");
        if (m->rows_read > 0)
            pct(h, (double)m->accepted / (double)m->rows_read, 2);
        put(h, "</td></tr>\n<tr><td>Rows rejected</td>");
        td_num(h, (double)m->rejected, 0);
        put(h, "<td class=\"n\">");
        if (m->rows_read > 0)
            pct(h, (double)m->rejected / (double)m->rows_read, 2);
        put(h, "</td></tr>\n</tbody>\n</table>\n");
    }
    if (!rj->present) {
        if (m == NULL || m->rejected > 0)
            put(h, "<p class=\"note\">No rejects.csv in the output folder: the reasons for "
                   "rejected rows are not listed here.</p>\n");
        else
            put(h, "<p>Every row read was accepted.</p>\n");
        put(h, "</section>\n");
        return;
    }
    if (rj->total == 0) {
        put(h, "<p>rejects.csv lists no rejected row.</p>\n</section>\n");
        return;
    }
    qsort(rj->r, rj->nr, sizeof *rj->r, reason_cmp_n);
    put(h, "<h3>Top reasons for rejected rows</h3>\n<table class=\"dq\">\n<thead><tr><th>Reason</th>"
           "<th class=\"n\">Rows</th><th class=\"n\">Share of rejects</th></tr></thead>\n<tbody>\n");
    unsigned long long rest = rj->other;
    for (size_t i = 0; i < rj->nr; i++) {
        if (i >= TOP_REASONS) {
            rest += rj->r[i].n;
            continue;
        }
        put(h, "<tr><td>");
        esc(h, rj->r[i].name[0] != '\0' ? rj->r[i].name : "(no reason given)");
        put(h, "</td>");
        td_num(h, (double)rj->r[i].n, 0);
        td_pct(h, (double)rj->r[i].n / (double)rj->total, 1);
        put(h, "</tr>\n");
    }
    if (rest > 0) {
        put(h, "<tr><td>Other reasons</td>");
        td_num(h, (double)rest, 0);
        td_pct(h, (double)rest / (double)rj->total, 1);
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n<p class=\"note\">Every rejected row, with its file, line and "
           "reason, is in rejects.csv.</p>\n</section>\n");
}

int html_report_from_csv(const char *out_path, const char *dir, int fr,
                         const struct html_meta *meta, struct cx_err *e)
{
    struct report r;
    memset(&r, 0, sizeof r);
    r.fr = fr;
    r.h.fr = fr;
    r.meta = meta;
    r.rj.col = -1;
    int rc = CX_OK;
    FILE *f = NULL;
    for (int k = 0; k < T_N; k++) {
        struct table *t = &r.t[k];
        t->text = malloc(4096);
        if (t->text == NULL) {
            rc = cx_nomem(e, table_file[k]);
            goto out;
        }
        t->cap = 4096;
        t->text[0] = '\0';
        t->len = 1;
        rc = parse_file(dir, table_file[k], fr, table_field, table_row, t, e);
        if (rc == ABSENT) {
            rc = CX_OK;
            continue;
        }
        if (rc == CX_OK && t->nomem)
            rc = cx_nomem(e, table_file[k]);
        if (rc != CX_OK)
            goto out;
        t->present = 1;
    }
    rc = parse_file(dir, "rejects.csv", fr, reasons_field, reasons_row, &r.rj, e);
    if (rc == ABSENT)
        rc = CX_OK;
    else if (rc == CX_OK)
        r.rj.present = 1;
    if (rc == CX_OK && r.rj.nomem)
        rc = cx_nomem(e, "rejects.csv");
    if (rc != CX_OK)
        goto out;

    f = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "wb");
    if (f == NULL) {
        rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", out_path, strerror(errno));
        goto out;
    }
    r.h.f = f;
    write_header(&r);
    put(&r.h, "<main>\n");
    if (!r.nomem)
        write_findings(&r);
    if (!r.nomem)
        write_segments(&r);
    if (!r.nomem)
        write_channels(&r);
    if (!r.nomem)
        write_matrix(&r);
    if (!r.nomem)
        write_whale(&r);
    if (!r.nomem)
        write_retention(&r);
    if (!r.nomem)
        write_seasonality(&r);
    if (!r.nomem)
        write_prices(&r);
    if (!r.nomem)
        write_quality(&r);
    put(&r.h, "</main>\n<footer>Made by canaux from the CSV files of the run. Amounts are in the "
              "currency of the input; ratios are shown as percentages.</footer>\n</body>\n</html>\n");
    if ((fflush(f) != 0 || ferror(f)) && !r.h.failed) {
        r.h.failed = 1;
        r.h.err = errno;
    }
    if (f != stdout && fclose(f) != 0 && !r.h.failed) {
        r.h.failed = 1;
        r.h.err = errno;
    }
    if (r.nomem)
        rc = cx_nomem(e, "report");
    else if (r.h.failed)
        rc = cx_fail(e, CX_EIO, "%s: write error: %s", out_path, strerror(r.h.err ? r.h.err : EIO));
out:
    for (int k = 0; k < T_N; k++)
        table_free(&r.t[k]);
    reasons_free(&r.rj);
    return rc;
}
