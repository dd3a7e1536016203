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

#include "reports/lang.h"

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

/* ---- Words ------------------------------------------------------------ */

/* The page's own words come in English and French side by side: a label
   as tx(h, "English", "français"), a table's header as an array of both,
   a sentence with figures as h->fr ? "..." : "..." where it is written.
   Numbers inside sentences go through reports/lang.h, as the
   recommendation texts do; numbers in table cells and chart labels
   through fmt_num above. */
#define NBSP "\xC2\xA0"      /* U+00A0: before a French colon, inside guillemets */

static const char *tx(const struct html *h, const char *en, const char *fr)
{
    return h->fr ? fr : en;
}

static enum lang lang_of(const struct html *h)
{
    return h->fr ? LANG_FR : LANG_EN;
}

/* A number, a percentage and a sum of money inside a sentence, into b
   (64 bytes). */
static const char *s_num(const struct html *h, char *b, double v, int decimals)
{
    return lang_num(b, 64, lang_of(h), v, decimals);
}

static const char *s_pct(const struct html *h, char *b, double fraction, int decimals)
{
    return lang_pct(b, 64, lang_of(h), fraction, decimals);
}

static const char *s_money(const struct html *h, char *b, double v)
{
    return lang_money(b, 64, lang_of(h), v);
}

/* A column of a table's header, in both languages. */
struct col {
    const char *en, *fr;   /* the header's text (HTML: fixed words and entities only) */
    int num;               /* 1: a number column, right-aligned */
};

static void thead(struct html *h, const struct col *c, size_t n)
{
    put(h, "<thead><tr>");
    for (size_t i = 0; i < n; i++) {
        put(h, c[i].num ? "<th class=\"n\">" : "<th>");
        put(h, tx(h, c[i].en, c[i].fr));
        put(h, "</th>");
    }
    put(h, "</tr></thead>\n<tbody>\n");
}
#define THEAD(h, cols) thead(h, cols, sizeof cols / sizeof *cols)

/* The sections, in the page's order: the anchor, the navigation label and
   the heading. */
enum { S_FINDINGS, S_SEGMENTS, S_CHANNELS, S_MATRIX, S_WHALE, S_RETENTION, S_SEASONALITY, S_PRICES,
       S_QUALITY, S_N };
static const struct {
    const char *id;
    const char *nav_en, *nav_fr;
    const char *head_en, *head_fr;
} SECTIONS[S_N] = {
    [S_FINDINGS] = { "findings", "Findings", "Constats", "Findings", "Constats" },
    [S_SEGMENTS] = { "segments", "Segments", "Segments de clients", "Segments", "Segments de clients" },
    [S_CHANNELS] = { "channels", "Channels", "Canaux", "Channels", "Canaux" },
    [S_MATRIX] = { "matrix", "Segment \xC3\x97 channel", "Segment \xC3\x97 canal",
                   "Segment \xC3\x97 channel: contribution per customer",
                   "Segment \xC3\x97 canal" NBSP ": contribution par client" },
    [S_WHALE] = { "whale", "Whale curve", "Courbe de la baleine", "Whale curve", "Courbe de la baleine" },
    [S_RETENTION] = { "retention", "Acquisition and retention", "Acquisition et fidélisation",
                      "Acquisition and retention", "Acquisition et fidélisation" },
    [S_SEASONALITY] = { "seasonality", "Seasonality", "Saisonnalité", "Seasonality", "Saisonnalité" },
    [S_PRICES] = { "prices", "Price consistency", "Cohérence des prix", "Price consistency",
                   "Cohérence des prix" },
    [S_QUALITY] = { "quality", "Data quality", "Qualité des données", "Data quality", "Qualité des données" },
};

/* recommendations.csv's kind and confidence, as a reader says them. */
static const char *const KINDS[][3] = {
    { "channel_fit", "channel fit", "adéquation des canaux" },
    { "volume_shift", "volume shift", "transfert de volume" },
    { "objective", "objective", "objectif" },
    { "policy", "policy", "politique" },
    { "product", "product", "produit" },
    { "program", "program", "programme" },
    { "price", "price", "prix" },
};
static const char *const CONFIDENCE[][3] = {
    { "high", "high", "élevée" },
    { "medium", "medium", "moyenne" },
    { "low", "low", "faible" },
};

/* "n/a" where a figure cannot be had (no acquisition spend known). */
#define NA_EN "n/a"
#define NA_FR "n.d."

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
    int fr;                     /* French CSV files, numbers and words */
    struct table t[T_N];        /* the run's tables, by T_ index */
    struct reasons rj;          /* rejects.csv, counted by reason */
    const struct html_meta *meta; /* the run, or NULL */
    unsigned char *unk;         /* per channels.csv row: 1 when the cost model lacks the channel */
    size_t nunk;                /* such channels */
    char *unk_sentence;         /* html_unmodelled_sentence of them, or NULL when none */
    int nomem;                  /* an allocation failed */
};

static const char CSS[] =
    ":root{--ink:#1d2733;--muted:#5d6877;--line:#d8dde4;--head:#eef1f5;--bar:#3b6ea8;"
    "--pos:#2b8a57;--neg:#c0392b;--warn:#8a5a00}\n"
    "*{box-sizing:border-box}\n"
    "body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
    "sans-serif;color:var(--ink);max-width:1120px;margin:0 auto;padding:24px 32px 48px}\n"
    "h1{font-size:26px;margin:0 0 8px}\n"
    "h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}\n"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;"
    "font-size:14px}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}\n"
    ".warn{color:var(--warn)}dl.meta .warn{font-size:13px;margin-top:2px;max-width:760px}\n"
    "ul.warn{margin:6px 0 12px;padding-left:22px;font-size:14px}ul.warn li{margin:3px 0}\n"
    "nav{margin:16px 0 0;font-size:13.5px;color:var(--muted)}\n"
    "nav a{color:var(--bar);text-decoration:none;margin-right:12px;white-space:nowrap}\n"
    "table{border-collapse:collapse;width:100%;font-size:13.5px;margin:8px 0}\n"
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n"
    "th{background:var(--head);font-weight:600;vertical-align:bottom}\n"
    ".n{text-align:right;font-variant-numeric:tabular-nums}td.n{white-space:nowrap}\n"
    ".neg{color:var(--neg)}\n"
    ".unk{color:var(--muted);font-style:italic}\n"
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
    "svg .b{fill:var(--bar)}svg .bp{fill:var(--pos)}svg .bn{fill:var(--neg)}svg .bu{fill:#a3abb5}\n"
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

static void section(struct html *h, int s)
{
    putf(h, "<section id=\"%s\">\n<h2>%s</h2>\n", SECTIONS[s].id,
         tx(h, SECTIONS[s].head_en, SECTIONS[s].head_fr));
}

static void not_in_run(struct report *r, int t)
{
    if (r->t[t].present)
        putf(&r->h, tx(&r->h, "<p class=\"note\">Nothing to show: %s has no rows.</p>\n",
                       "<p class=\"note\">Rien à montrer" NBSP ": %s n'a aucune ligne.</p>\n"),
             table_file[t]);
    else
        putf(&r->h, tx(&r->h, "<p class=\"note\">Not produced by this run (no %s in the output folder).</p>\n",
                       "<p class=\"note\">Non produit par cette exécution (pas de %s dans le dossier de "
                       "sortie).</p>\n"),
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

/* ---- Channels the cost model lacks ------------------------------------ */

/* Appends s to the string at *b (length *len, capacity *cap); 0, or -1
   when out of memory (*b then freed and NULL). */
static int str_cat(char **b, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    char *q = grow(*b, cap, *len + n + 1, 1);
    if (q == NULL) {
        free(*b);
        *b = NULL;
        return -1;
    }
    *b = q;
    memcpy(q + *len, s, n + 1);
    *len += n;
    return 0;
}

char *html_unmodelled_sentence(int fr, const char *const *channels, size_t n)
{
    if (n == 0 || channels == NULL)
        return NULL;
    char count[64];
    lang_num(count, sizeof count, fr ? LANG_FR : LANG_EN, (double)n, 0);
    int one = n == 1;
    char *b = NULL;
    size_t len = 0, cap = 0;
    int bad = str_cat(&b, &len, &cap, count);
    if (fr)
        bad |= str_cat(&b, &len, &cap, one ? " canal des données est absent du modèle de coûts" NBSP ": "
                                           : " canaux des données sont absents du modèle de coûts" NBSP ": ");
    else
        bad |= str_cat(&b, &len, &cap, one ? " channel of the data is missing from the cost model: "
                                           : " channels of the data are missing from the cost model: ");
    for (size_t i = 0; i < n && !bad; i++) {
        bad |= str_cat(&b, &len, &cap, i == 0 ? "" : ", ");
        bad |= str_cat(&b, &len, &cap, fr ? "\xC2\xAB" NBSP : "\xE2\x80\x9C");
        bad |= str_cat(&b, &len, &cap, channels[i] != NULL ? channels[i] : "");
        bad |= str_cat(&b, &len, &cap, fr ? NBSP "\xC2\xBB" : "\xE2\x80\x9D");
    }
    if (fr)
        bad |= str_cat(&b, &len, &cap, one ? ". Ses coûts sont inconnus (comptés à zéro), et aucune recommandation "
                                             "qui dépend des coûts (adéquation des canaux, transfert de volume, "
                                             "CAC, délai de récupération) ne le nomme."
                                           : ". Leurs coûts sont inconnus (comptés à zéro), et aucune recommandation "
                                             "qui dépend des coûts (adéquation des canaux, transfert de volume, "
                                             "CAC, délai de récupération) ne les nomme.");
    else
        bad |= str_cat(&b, &len, &cap, one ? ". Its costs are unknown (counted at zero), and no recommendation that "
                                             "depends on cost (channel fit, volume shift, CAC, payback) names it."
                                           : ". Their costs are unknown (counted at zero), and no recommendation "
                                             "that depends on cost (channel fit, volume shift, CAC, payback) names "
                                             "them.");
    if (bad) {
        free(b);
        return NULL;
    }
    return b;
}

/* Marks the rows of channels.csv whose in_cost_model is 0 and writes the
   sentence that names them. */
static void find_unmodelled(struct report *r)
{
    const struct table *t = &r->t[T_CH];
    int cin = tcol(t, "in_cost_model"), cch = tcol(t, "channel");
    if (!t->present || t->nrows == 0 || cin < 0)
        return;
    const char **names = malloc(t->nrows * sizeof *names);
    r->unk = calloc(t->nrows, 1);
    if (names == NULL || r->unk == NULL) {
        r->nomem = 1;
        free(names);
        return;
    }
    for (size_t i = 0; i < t->nrows; i++)
        if (to_num(tcell(t, i, cin), r->fr) == 0) {
            r->unk[i] = 1;
            names[r->nunk++] = unguard(tcell(t, i, cch));
        }
    if (r->nunk > 0 && (r->unk_sentence = html_unmodelled_sentence(r->fr, names, r->nunk)) == NULL)
        r->nomem = 1;
    free(names);
}

/* 1 when the channel named by a cell of any table is one the cost model lacks. */
static int unknown_channel(const struct report *r, const char *cell)
{
    const struct table *t = &r->t[T_CH];
    int cch = tcol(t, "channel");
    for (size_t i = 0; r->nunk > 0 && i < t->nrows; i++)
        if (r->unk[i] && strcmp(unguard(tcell(t, i, cch)), unguard(cell)) == 0)
            return 1;
    return 0;
}

/* ---- Header ------------------------------------------------------------ */

/* "2024-03-01" as "1er mars 2024" (French) into b (64 bytes); the text as
   it is when it is no such date. */
static const char *day_text(const struct html *h, char *b, const char *iso)
{
    int y, m, d;
    char end;
    if (!h->fr || sscanf(iso, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        snprintf(b, 64, "%s", iso);
    else
        snprintf(b, 64, "%d%s %s %d", d, d == 1 ? "er" : "", lang_month(LANG_FR, m), y);
    return b;
}

/* A count and its French participle, which agrees in number: "1 rejetée",
   "2 rejetées" (French counts 0 as singular). */
static void count_fr(struct html *h, unsigned long long n, const char *word)
{
    char b[64];
    putf(h, "%s %s%s", s_num(h, b, (double)n, 0), word, n >= 2 ? "es" : "e");
}

static void write_header(struct report *r)
{
    struct html *h = &r->h;
    const struct html_meta *m = r->meta;
    const char *title = m != NULL && m->title != NULL ? m->title : tx(h, "canaux report", "Rapport canaux");
    char b[64], c[64];
    putf(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
         r->fr ? "fr" : "en");
    esc(h, title);
    put(h, "</title>\n<style>\n");
    put(h, CSS);
    put(h, "</style>\n</head>\n<body>\n<header>\n<h1>");
    esc(h, title);
    put(h, "</h1>\n<dl class=\"meta\">\n");
    if (m != NULL && m->from != NULL && m->to != NULL) {
        put(h, tx(h, "<dt>Period</dt><dd>", "<dt>Période</dt><dd>"));
        put(h, tx(h, "", "du "));
        esc(h, day_text(h, b, m->from));
        put(h, tx(h, " to ", " au "));
        esc(h, day_text(h, b, m->to));
        if (m->days > 0)
            putf(h, " (%s %s)", s_num(h, c, m->days, 0),
                 m->days == 1 ? tx(h, "day", "jour") : tx(h, "days", "jours"));
        put(h, "</dd>\n");
    } else if (m != NULL && m->period != NULL) {
        put(h, tx(h, "<dt>Period</dt><dd>", "<dt>Période</dt><dd>"));
        esc(h, m->period);
        put(h, "</dd>\n");
    }
    if ((m != NULL && m->cost_model != NULL) || r->unk_sentence != NULL) {
        put(h, tx(h, "<dt>Cost model</dt><dd>", "<dt>Modèle de coûts</dt><dd>"));
        if (m != NULL && m->cost_model != NULL)
            esc(h, strcmp(m->cost_model, "built-in") == 0 ? tx(h, "built-in", "intégré") : m->cost_model);
        if (r->unk_sentence != NULL) {
            put(h, "<div class=\"warn\">");
            esc(h, r->unk_sentence);
            put(h, "</div>");
        }
        put(h, "</dd>\n");
    }
    if (m != NULL && m->ninputs > 0 && m->inputs != NULL) {
        put(h, m->ninputs > 1 ? tx(h, "<dt>Inputs</dt><dd>", "<dt>Fichiers d'entrée</dt><dd>")
                              : tx(h, "<dt>Input</dt><dd>", "<dt>Fichier d'entrée</dt><dd>"));
        for (size_t i = 0; i < m->ninputs && i < MAX_INPUTS_SHOWN; i++) {
            if (i > 0)
                put(h, "<br>");
            esc(h, m->inputs[i] != NULL ? m->inputs[i] : "");
        }
        if (m->ninputs > MAX_INPUTS_SHOWN)
            putf(h, tx(h, "<br>and %s more", "<br>et %s autres"),
                 s_num(h, b, (double)(m->ninputs - MAX_INPUTS_SHOWN), 0));
        put(h, "</dd>\n");
    }
    if (m != NULL) {
        if (h->fr) {
            put(h, "<dt>Lignes</dt><dd>");
            count_fr(h, m->rows_read, "lu");
            put(h, ", ");
            count_fr(h, m->accepted, "accepté");
            put(h, ", ");
            count_fr(h, m->rejected, "rejeté");
            put(h, "</dd>\n");
        } else {
            char a[64];
            putf(h, "<dt>Rows</dt><dd>%s read, %s accepted, %s rejected</dd>\n", s_num(h, a, (double)m->rows_read, 0),
                 s_num(h, b, (double)m->accepted, 0), s_num(h, c, (double)m->rejected, 0));
        }
    }
    put(h, tx(h, "<dt>Produced by</dt><dd>canaux", "<dt>Produit par</dt><dd>canaux"));
    if (m != NULL && m->version != NULL) {
        put(h, " ");
        esc(h, m->version);
    }
    put(h, "</dd>\n</dl>\n<nav>");
    for (int s = 0; s < S_N; s++)
        putf(h, "<a href=\"#%s\">%s</a>", SECTIONS[s].id, tx(h, SECTIONS[s].nav_en, SECTIONS[s].nav_fr));
    put(h, "</nav>\n</header>\n");
}

/* ---- Findings ---------------------------------------------------------- */

/* 1 unless the row says that no channel stands out for a segment: such a
   row is a result of the channel-fit test, shown with the segment × channel
   matrix, not something to act on. */
static int is_finding(const struct table *t, size_t i)
{
    const char *action = unguard(tcell(t, i, tcol(t, "action")));
    return strcmp(action, "fit_untestable") != 0 && strcmp(action, "fit_no_difference") != 0;
}

/* A kind or confidence word of recommendations.csv in the reader's
   language; one not in the list as it is, "volume_shift" read as
   "volume shift". */
static void word_of(struct html *h, const char *const (*list)[3], size_t n, const char *cell)
{
    const char *p = unguard(cell);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p, list[i][0]) == 0) {
            put(h, list[i][h->fr ? 2 : 1]);
            return;
        }
    for (;;) {
        size_t run = strcspn(p, "_");
        esc_n(h, p, run);
        if (p[run] == '\0')
            break;
        put(h, " ");
        p += run + 1;
    }
}

static void confidence_badge(struct html *h, const char *cell)
{
    const char *conf = unguard(cell);
    const char *cls = strcmp(conf, "high") == 0     ? "conf conf-high"
                      : strcmp(conf, "medium") == 0 ? "conf conf-medium"
                      : strcmp(conf, "low") == 0    ? "conf conf-low"
                                                    : "conf";
    putf(h, "<span class=\"%s\">", cls);
    word_of(h, CONFIDENCE, sizeof CONFIDENCE / sizeof *CONFIDENCE, cell);
    put(h, "</span>");
}

/* The recommendation's sentence with its evidence below it. */
static void rec_cell(struct html *h, const struct table *t, size_t i)
{
    cell_text(h, tcell(t, i, tcol(t, "text")));
    const char *ev = tcell(t, i, tcol(t, "evidence"));
    if (ev[0] != '\0') {
        put(h, "<div class=\"ev\">");
        cell_text(h, ev);
        put(h, "</div>");
    }
}

static void write_findings(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_REC];
    section(h, S_FINDINGS);
    if (!t->present) {
        not_in_run(r, T_REC);
        put(h, "</section>\n");
        return;
    }
    int crank = tcol(t, "rank"), ckind = tcol(t, "kind"), cseg = tcol(t, "segment");
    int cname = tcol(t, "segment_name"), cch = tcol(t, "channel"), ctarget = tcol(t, "target_channel");
    int cimp = tcol(t, "impact"), clo = tcol(t, "impact_ci_low");
    int chi = tcol(t, "impact_ci_high"), cconf = tcol(t, "confidence");
    struct order *o = malloc((t->nrows ? t->nrows : 1) * sizeof *o);
    if (o == NULL) {
        r->nomem = 1;
        return;
    }
    size_t nf = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        if (!is_finding(t, i))
            continue;
        o[nf].key = to_num(tcell(t, i, crank), r->fr);
        o[nf++].row = i;
    }
    if (nf == 0) {
        put(h, tx(h, "<p>Nothing in this data stands out from its noise.</p>\n",
                  "<p>Rien dans ces données ne se distingue de leur bruit.</p>\n"));
        if (t->nrows > 0)
            put(h, tx(h, "<p class=\"note\">Each segment's channel fit is with the segment \xC3\x97 channel "
                         "matrix.</p>\n",
                      "<p class=\"note\">L'adéquation des canaux de chaque segment figure avec la matrice "
                      "segment \xC3\x97 canal.</p>\n"));
        put(h, "</section>\n");
        free(o);
        return;
    }
    qsort(o, nf, sizeof *o, order_cmp);
    size_t n = nf < TOP_FINDINGS ? nf : TOP_FINDINGS;
    char a[64], b[64];
    if (n == nf && n == 1)
        put(h, tx(h, "<p>The run's one recommendation.</p>\n", "<p>La seule recommandation de l'exécution.</p>\n"));
    else if (n == nf)
        putf(h, tx(h, "<p>The run's %s recommendations, by estimated impact.</p>\n",
                   "<p>Les %s recommandations de l'exécution, par impact estimé.</p>\n"),
             s_num(h, a, (double)n, 0));
    else
        putf(h, tx(h, "<p>The %s most valuable of %s recommendations.</p>\n",
                   "<p>Les %s recommandations les plus importantes sur %s.</p>\n"),
             s_num(h, a, (double)n, 0), s_num(h, b, (double)nf, 0));
    static const struct col cols[] = {
        { "#", "#", 1 }, { "Kind", "Type", 0 }, { "Segment", "Segment", 0 }, { "Channel", "Canal", 0 },
        { "Recommendation", "Recommandation", 0 }, { "Impact per year", "Impact par an", 1 },
        { "Confidence", "Confiance", 0 },
    };
    put(h, "<table class=\"findings\">\n");
    THEAD(h, cols);
    for (size_t k = 0; k < n; k++) {
        size_t i = o[k].row;
        put(h, "<tr><td class=\"n\">");
        double rank = o[k].key;
        if (isfinite(rank))
            num(h, rank, 0);
        else
            cell_text(h, tcell(t, i, crank));
        put(h, "</td><td>");
        word_of(h, KINDS, sizeof KINDS / sizeof *KINDS, tcell(t, i, ckind));
        put(h, "</td><td>");
        if (tcell(t, i, cname)[0] != '\0' || tcell(t, i, cseg)[0] != '\0')
            segment_label(h, t, i, cname, cseg);
        else
            put(h, tx(h, "all", "tous"));
        put(h, "</td><td>");
        const char *ch = tcell(t, i, cch), *target = tcell(t, i, ctarget);
        if (ch[0] != '\0')
            cell_text(h, ch);
        else if (target[0] == '\0')
            put(h, tx(h, "all", "tous"));
        if (target[0] != '\0') {
            put(h, " \xE2\x86\x92 ");
            cell_text(h, target);
        }
        put(h, "</td><td class=\"rec\">");
        rec_cell(h, t, i);
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
        put(h, "</td><td>");
        confidence_badge(h, tcell(t, i, cconf));
        put(h, "</td></tr>\n");
    }
    put(h, "</tbody>\n</table>\n");
    put(h, tx(h, "<p class=\"how\"><strong>How to read:</strong> the impact is the estimated change in "
                 "contribution per year, in the currency of the input, with its 95% interval below it; "
                 "the confidence says how strong the statistical evidence is (high, medium, low), and "
                 "the grey line under each recommendation gives the figures behind it. Every "
                 "recommendation, with its evidence, is in recommendations.csv.</p>\n",
              "<p class=\"how\"><strong>Comment lire" NBSP ":</strong> l'impact est la variation estimée de "
              "la contribution par an, dans la monnaie des données, avec son intervalle à 95" NBSP "% "
              "en dessous" NBSP "; la confiance dit la force de la preuve statistique (élevée, moyenne, "
              "faible), et la ligne grise sous chaque recommandation donne les chiffres sur lesquels elle "
              "repose. Toutes les recommandations, avec leur justification, sont dans "
              "recommendations.csv.</p>\n"));
    put(h, "</section>\n");
    free(o);
}

/* ---- Charts ---------------------------------------------------------- */

/* One bar of a horizontal bar chart. */
struct bar {
    const char *label;  /* a CSV cell (shown unguarded, escaped) */
    double v;           /* the value; NaN: no bar */
    char vt[160];       /* the value as shown beside the bar */
    int muted;          /* 1: grey, a figure that leaves costs out */
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
            const char *cls = b[i].muted ? "bu" : !signed_colors ? "b" : v < 0 ? "bn" : "bp";
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
    section(h, S_SEGMENTS);
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
    char x[64], y[64];
    putf(h, tx(h, "<p>%s customers in %s segments of similar buying habits.</p>\n",
               "<p>%s clients en %s segments aux habitudes d'achat semblables.</p>\n"),
         s_num(h, x, total, 0), s_num(h, y, (double)t->nrows, 0));
    bar_chart(h, tx(h, "Customers per segment", "Clients par segment"), b, t->nrows, 640, 0);
    free(b);
    static const struct col cols[] = {
        { "Segment", "Segment", 0 }, { "Customers", "Clients", 1 }, { "Share", "Part", 1 },
        { "Share of net sales", "Part des ventes nettes", 1 },
        { "Median recency (days)", "Récence médiane (jours)", 1 }, { "Median orders", "Commandes médianes", 1 },
        { "Median spend", "Dépense médiane", 1 }, { "Median order value", "Panier médian", 1 },
        { "Median return rate", "Taux de retour médian", 1 }, { "Median discount rate", "Taux de remise médian", 1 },
    };
    put(h, tx(h, "<h3>Profiles</h3>\n<table>\n", "<h3>Profils</h3>\n<table>\n"));
    THEAD(h, cols);
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
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Recency: days since the last order at the end of "
                 "the data. Orders: orders with a positive net. Spend: net sales over the period, returns "
                 "deducted. Return rate: units returned \xC3\xB7 units sold; discount rate: discount "
                 "\xC3\xB7 gross.</p>\n</section>\n",
              "</tbody>\n</table>\n<p class=\"note\">Récence" NBSP ": jours depuis la dernière commande à la "
              "fin des données. Commandes" NBSP ": commandes au montant net positif. Dépense" NBSP ": ventes "
              "nettes sur la période, retours déduits. Taux de retour" NBSP ": unités retournées \xC3\xB7 "
              "unités vendues" NBSP "; taux de remise" NBSP ": remise \xC3\xB7 montant brut.</p>\n"
              "</section>\n"));
}

#define UNKNOWN_EN "unknown"
#define UNKNOWN_FR "inconnu"

static void write_channels(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_CH];
    section(h, S_CHANNELS);
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
    /* A channel the cost model lacks has no cost of sales to draw, and its
       contribution is its margin alone: grey, with an asterisk. */
    put(h, "<div class=\"charts wide\">\n");
    for (size_t i = 0; i < t->nrows; i++) {
        int unk = r->nunk > 0 && r->unk[i];
        b[i].label = tcell(t, i, cch);
        b[i].v = unk ? NAN : to_num(tcell(t, i, ccos), r->fr);
        if (unk)
            snprintf(b[i].vt, sizeof b[i].vt, "%s", tx(h, UNKNOWN_EN, UNKNOWN_FR));
        else
            fmt_pct(b[i].vt, b[i].v, 1, r->fr);
    }
    bar_chart(h, tx(h, "Cost of sales (channel cost \xC3\xB7 net sales)",
                    "Coût de vente (coût du canal \xC3\xB7 ventes nettes)"), b, t->nrows, 480, 0);
    for (size_t i = 0; i < t->nrows; i++) {
        b[i].muted = r->nunk > 0 && r->unk[i];
        b[i].v = to_num(tcell(t, i, ccon), r->fr);
        fmt_num(b[i].vt, b[i].v, 0, r->fr);
        if (b[i].muted && isfinite(b[i].v))
            strcat(b[i].vt, "*");
    }
    bar_chart(h, tx(h, "Contribution (margin \xE2\x88\x92 channel cost)",
                    "Contribution (marge \xE2\x88\x92 coût du canal)"), b, t->nrows, 480, 1);
    free(b);
    static const struct col cols[] = {
        { "Channel", "Canal", 0 }, { "Kind", "Type", 0 }, { "Customers", "Clients", 1 },
        { "Orders", "Commandes", 1 }, { "Net sales", "Ventes nettes", 1 }, { "Channel cost", "Coût du canal", 1 },
        { "Contribution", "Contribution", 1 }, { "Cost of sales", "Coût de vente", 1 },
        { "Average order value", "Panier moyen", 1 },
    };
    put(h, "</div>\n<table>\n");
    THEAD(h, cols);
    for (size_t i = 0; i < t->nrows; i++) {
        int unk = r->nunk > 0 && r->unk[i];
        put(h, "<tr>");
        td_text(h, tcell(t, i, cch));
        if (unk)
            put(h, tx(h, "<td class=\"unk\">not in the cost model</td>", "<td class=\"unk\">hors modèle de coûts</td>"));
        else
            td_text(h, tcell(t, i, ckind));
        td_num(h, to_num(tcell(t, i, ccust), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cord), r->fr), 0);
        td_num(h, to_num(tcell(t, i, cnet), r->fr), 0);
        if (unk) {
            double con = to_num(tcell(t, i, ccon), r->fr);
            putf(h, "<td class=\"n unk\">%s</td>", tx(h, UNKNOWN_EN, UNKNOWN_FR));
            put(h, con < 0 ? "<td class=\"n neg\">" : "<td class=\"n\">");
            num(h, con, 0);
            putf(h, "*</td><td class=\"n unk\">%s</td>", tx(h, UNKNOWN_EN, UNKNOWN_FR));
        } else {
            td_num(h, to_num(tcell(t, i, ccost), r->fr), 0);
            td_num(h, to_num(tcell(t, i, ccon), r->fr), 0);
            td_pct(h, to_num(tcell(t, i, ccos), r->fr), 1);
        }
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
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Contribution = margin \xE2\x88\x92 channel cost "
                 "(commissions, order, unit, return and fixed costs of the cost model). Cost of sales = "
                 "channel cost \xC3\xB7 net sales. Average order value over orders with a positive net, "
                 "with its 95% confidence interval below.",
              "</tbody>\n</table>\n<p class=\"note\">Contribution = marge \xE2\x88\x92 coût du canal "
              "(commissions, coûts par commande, par unité, par retour et coûts fixes du modèle de coûts). "
              "Coût de vente = coût du canal \xC3\xB7 ventes nettes. Panier moyen sur les commandes au "
              "montant net positif, avec son intervalle de confiance à 95" NBSP "% en dessous."));
    if (r->nunk > 0)
        put(h, tx(h, " * The cost model lacks this channel: its channel cost is unknown (counted at zero), so "
                     "its contribution is its margin alone and its cost of sales is not shown.",
                  " * Le modèle de coûts n'a pas ce canal" NBSP ": son coût est inconnu (compté à zéro), sa "
                  "contribution n'est donc que sa marge et son coût de vente n'est pas montré."));
    put(h, "</p>\n</section>\n");
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

/* Each segment's channel-fit result from recommendations.csv: the channel
   that serves it best, or why none stands out. */
static void write_fit(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_REC];
    int ckind = tcol(t, "kind"), cseg = tcol(t, "segment"), cname = tcol(t, "segment_name");
    int cch = tcol(t, "channel"), cconf = tcol(t, "confidence");
    size_t n = 0;
    for (size_t i = 0; t->present && i < t->nrows; i++)
        n += strcmp(unguard(tcell(t, i, ckind)), "channel_fit") == 0;
    if (n == 0)
        return;
    static const struct col cols[] = {
        { "Segment", "Segment", 0 }, { "Channel", "Canal", 0 }, { "Channel fit", "Adéquation des canaux", 0 },
        { "Confidence", "Confiance", 0 },
    };
    put(h, tx(h, "<h3>Channel fit by segment</h3>\n<p class=\"note\">Each segment's channels compared on "
                 "contribution, every pair corrected together; where no channel stands out, the row says "
                 "whether nothing could be tested or the test found no difference.</p>\n<table>\n",
              "<h3>Adéquation des canaux par segment</h3>\n<p class=\"note\">Les canaux de chaque segment "
              "comparés sur la contribution, toutes les paires corrigées ensemble" NBSP "; quand aucun canal "
              "ne se distingue, la ligne dit si rien n'a pu être testé ou si le test n'a trouvé aucun "
              "écart.</p>\n<table>\n"));
    THEAD(h, cols);
    for (size_t i = 0; i < t->nrows; i++) {
        if (strcmp(unguard(tcell(t, i, ckind)), "channel_fit") != 0)
            continue;
        put(h, "<tr><td>");
        segment_label(h, t, i, cname, cseg);
        put(h, "</td>");
        td_text(h, tcell(t, i, cch));
        put(h, "<td class=\"rec\">");
        rec_cell(h, t, i);
        put(h, "</td><td>");
        confidence_badge(h, tcell(t, i, cconf));
        put(h, "</td></tr>\n");
    }
    put(h, "</tbody>\n</table>\n");
}

static void write_matrix(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_SC];
    section(h, S_MATRIX);
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_SC);
        write_fit(r);
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
    int any_low = 0, any_unk = 0;
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
        if (unknown_channel(r, tcell(t, ch[c], cch))) {
            put(h, "*");
            any_unk = 1;
        }
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
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Contribution per customer of each segment in each "
                 "channel: green is profit, red is loss, deeper for larger amounts; n is the number of "
                 "customers.",
              "</tbody>\n</table>\n<p class=\"note\">Contribution par client de chaque segment dans chaque "
              "canal" NBSP ": vert pour un profit, rouge pour une perte, plus foncé pour les plus gros "
              "montants" NBSP "; n est le nombre de clients."));
    if (any_low)
        put(h, tx(h, " Hatched grey cells have low support: too few customers for a reliable figure.",
                  " Les cases grises hachurées ont peu de clients" NBSP ": trop peu pour un chiffre fiable."));
    if (any_unk)
        put(h, tx(h, " * A channel the cost model lacks: its costs are unknown, so the figure is margin alone.",
                  " * Un canal absent du modèle de coûts" NBSP ": ses coûts sont inconnus, le chiffre n'est "
                  "que la marge."));
    put(h, "</p>\n");
    write_fit(r);
    put(h, "</section>\n");
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
    int unk = unknown_channel(r, channel);
    put(h, "<figure>\n<figcaption>");
    cell_text(h, channel);
    if (unk)
        put(h, "*");
    put(h, "</figcaption>\n");
    putf(h, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
            "aria-label=\"%s",
         W, H, W, H, tx(h, "Whale curve: ", "Courbe de la baleine" NBSP ": "));
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
    putf(h, "<text class=\"small\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", ML + pw / 2, H - 4,
         tx(h, "share of customers, most profitable first", "part des clients, les plus rentables d'abord"));
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
    char a[64], b[64], c[64];
    if (n > 0 && !money && peak > 1.005 && isfinite(peak)) {
        putf(h, tx(h, "<p class=\"note\">The top %s of customers make %s of the contribution.</p>\n",
                   "<p class=\"note\">Les %s de clients les plus rentables font %s de la contribution.</p>\n"),
             s_pct(h, a, peak_x, 0), s_pct(h, b, peak, 0));
    } else if (n > 0 && money) {
        putf(h, tx(h, "<p class=\"note\">Cumulative contribution in money: its customers' total contribution (%s) "
                      "is not positive, so no share of it is drawn.",
                   "<p class=\"note\">Contribution cumulée en monnaie" NBSP ": la contribution totale de ses "
                   "clients (%s) n'est pas positive, aucune part n'en est donc tracée."),
             s_num(h, c, y[n - 1], 0));
        if (peak > 0 && isfinite(peak))
            putf(h, tx(h, " The top %s of customers make %s before the rest lose it.",
                       " Les %s de clients les plus rentables font %s avant que les autres ne le perdent."),
                 s_pct(h, a, peak_x, 0), s_num(h, b, peak, 0));
        put(h, "</p>\n");
    }
    put(h, "</figure>\n");
}

static void write_whale(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_WHALE];
    section(h, S_WHALE);
    if (!t->present || t->nrows == 0) {
        not_in_run(r, T_WHALE);
        put(h, "</section>\n");
        return;
    }
    int cch = tcol(t, "channel"), cx = tcol(t, "customer_share"), cy = tcol(t, "contribution_share"),
        cz = tcol(t, "cumulative_contribution");
    size_t n = t->nrows, nch = 0;
    int any_unk = 0;
    size_t *ch = malloc(n * sizeof *ch);
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (ch == NULL || x == NULL || y == NULL) {
        r->nomem = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (find_key(t, ch, nch, i, cch, -1, -1) == nch)
            ch[nch++] = i;
    put(h, tx(h, "<p>Customers ranked from the most to the least profitable: the curve gives the share "
                 "of the channel's total contribution made by the top share of customers. A peak above "
                 "the dashed 100% line means the best customers earn more than the channel as a whole, "
                 "and the rest lose part of it.</p>\n<div class=\"charts\">\n",
              "<p>Les clients classés du plus au moins rentable" NBSP ": la courbe donne la part de la "
              "contribution totale du canal faite par les meilleurs clients. Un pic au-dessus de la ligne "
              "pointillée des 100" NBSP "% signifie que les meilleurs clients rapportent plus que le canal "
              "dans son ensemble, et que les autres en perdent une partie.</p>\n<div class=\"charts\">\n"));
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
        any_unk |= unknown_channel(r, tcell(t, ch[c], cch));
    }
    put(h, "</div>\n");
    if (any_unk)
        put(h, tx(h, "<p class=\"note\">* A channel the cost model lacks: its costs are unknown, so its curve "
                     "is drawn on margin alone.</p>\n",
                  "<p class=\"note\">* Un canal absent du modèle de coûts" NBSP ": ses coûts sont inconnus, sa "
                  "courbe ne porte que sur la marge.</p>\n"));
    put(h, tx(h, "<p class=\"note\">When a channel's total contribution is close to zero, the "
                 "shares are taken of that small total and the curve is very tall: its shape, not its "
                 "scale, is what to read.</p>\n</section>\n",
              "<p class=\"note\">Quand la contribution totale d'un canal est proche de zéro, les "
              "parts sont prises de ce petit total et la courbe est très haute" NBSP ": c'est sa forme, "
              "non son échelle, qu'il faut lire.</p>\n</section>\n"));
out:
    free(ch);
    free(x);
    free(y);
}

static void write_retention(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_ACQ];
    section(h, S_RETENTION);
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
    static const struct col cols[] = {
        { "Channel", "Canal", 0 }, { "New customers", "Nouveaux clients", 1 }, { "CAC", "CAC", 1 },
        { "Repeat rate", "Taux de réachat", 1 }, { "Retained at 90 days", "Fidélisés à 90 jours", 1 },
        { "at 180 days", "à 180 jours", 1 }, { "at 365 days", "à 365 jours", 1 },
        { "First-year contribution", "Contribution de première année", 1 },
        { "Payback (months)", "Délai de récupération (mois)", 1 },
    };
    put(h, tx(h, "<p>Customers by the channel of their first order.</p>\n<table>\n",
              "<p>Les clients selon le canal de leur première commande.</p>\n<table>\n"));
    THEAD(h, cols);
    /* The channel rows, then the total. An empty CAC is an acquisition
       spend nobody knows (none in the cost model, or a channel it lacks):
       "n/a", never 0. */
    const char *na = tx(h, NA_EN, NA_FR);
    int any_na = 0;
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
                put(h, tx(h, "<td>All channels</td>", "<td>Tous les canaux</td>"));
            td_num(h, to_num(tcell(t, i, cnew), r->fr), 0);
            double cac = to_num(tcell(t, i, ccac), r->fr);
            if (isfinite(cac)) {
                td_num(h, cac, 2);
            } else {
                putf(h, "<td class=\"n unk\">%s</td>", na);
                any_na = 1;
            }
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
            } else if (exceeds) {
                put(h, tx(h, "<td class=\"n neg\">never</td>", "<td class=\"n neg\">jamais</td>"));
            } else {
                putf(h, "<td class=\"n unk\">%s</td>", na);
            }
            put(h, "</tr>\n");
        }
    }
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">CAC: acquisition spend per new customer. Repeat "
                 "rate: share with two or more orders. Retained at d days: share ordering again within d "
                 "days of the first order, among customers observed that long. First-year contribution: "
                 "mean contribution of a customer's orders in the year after acquisition. Payback: months "
                 "of that contribution to recover the CAC; \xE2\x80\x9cnever\xE2\x80\x9d when the first "
                 "year does not cover it.",
              "</tbody>\n</table>\n<p class=\"note\">CAC" NBSP ": dépense d'acquisition par nouveau client. "
              "Taux de réachat" NBSP ": part des clients à deux commandes ou plus. Fidélisés à d jours" NBSP
              ": part qui commande de nouveau dans les d jours suivant la première commande, parmi les "
              "clients observés aussi longtemps. Contribution de première année" NBSP ": contribution "
              "moyenne des commandes d'un client dans l'année qui suit son acquisition. Délai de "
              "récupération" NBSP ": mois de cette contribution qu'il faut pour couvrir le CAC" NBSP "; "
              "\xC2\xAB" NBSP "jamais" NBSP "\xC2\xBB quand la première année ne le couvre pas."));
    if (any_na)
        put(h, tx(h, " n/a: not available; a channel whose acquisition spend is not known (none in the cost "
                     "model, or a channel the cost model lacks) has no CAC and no payback, and all channels "
                     "together have none of their own.",
                  " n.d." NBSP ": non disponible" NBSP "; un canal dont la dépense d'acquisition n'est pas "
                  "connue (aucune dans le modèle de coûts, ou un canal qu'il n'a pas) n'a ni CAC ni délai de "
                  "récupération, et l'ensemble des canaux n'en a pas en propre."));
    put(h, "</p>\n</section>\n");
}

static void write_seasonality(struct report *r)
{
    static const char *const month[12][2] = {
        { "Jan", "janv." }, { "Feb", "févr." }, { "Mar", "mars" }, { "Apr", "avr." },
        { "May", "mai" }, { "Jun", "juin" }, { "Jul", "juil." }, { "Aug", "août" },
        { "Sep", "sept." }, { "Oct", "oct." }, { "Nov", "nov." }, { "Dec", "déc." },
    };
    struct html *h = &r->h;
    const struct table *t = &r->t[T_SEAS];
    section(h, S_SEASONALITY);
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
    char one[64];
    putf(h, tx(h, "<p>Net sales of each calendar month against the segment's average month (%s = an "
                  "average month)%s</p>\n",
               "<p>Les ventes nettes de chaque mois de l'année rapportées au mois moyen du segment (%s = un "
               "mois moyen)%s</p>\n"),
         s_num(h, one, 1, 2), totals ? tx(h, ", all channels together.", ", tous canaux confondus.") : ".");
    put(h, "<table class=\"seas\">\n<thead><tr><th>Segment</th>");
    for (int m = 0; m < 12; m++)
        putf(h, "<th class=\"n\">%s</th>", month[m][h->fr]);
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
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Warmer cells are stronger months, cooler ones "
                 "weaker; each segment's peak month is boxed. Every channel's own index is in "
                 "seasonality.csv.</p>\n</section>\n",
              "</tbody>\n</table>\n<p class=\"note\">Les cases chaudes sont les mois forts, les froides les "
              "mois faibles" NBSP "; le mois de pic de chaque segment est encadré. L'indice propre à chaque "
              "canal est dans seasonality.csv.</p>\n</section>\n"));
out:
    free(first);
    free(idx);
}

/* A p-value in a table cell, as the evidence texts write it. */
static void td_p(struct html *h, double p)
{
    char b[64];
    put(h, "<td class=\"n\">");
    put(h, isfinite(p) ? "" : DASH);
    esc(h, isfinite(p) ? lang_p(b, sizeof b, lang_of(h), p) : "");
    put(h, "</td>");
}

/* Each channel's discounts against what the same products get in the
   other channels (prices.csv's channel columns, the same on every row of
   a channel), and the leakage recommendation that names it, if any. */
static void write_discounts(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_PRICE], *rec = &r->t[T_REC];
    int cch = tcol(t, "channel"), crate = tcol(t, "channel_discount_rate");
    int cexp = tcol(t, "channel_discount_expected"), cp = tcol(t, "channel_discount_p_adjusted");
    if (crate < 0 || cexp < 0 || t->nrows == 0)
        return;
    size_t *first = malloc(t->nrows * sizeof *first), nch = 0;
    if (first == NULL) {
        r->nomem = 1;
        return;
    }
    for (size_t i = 0; i < t->nrows; i++)
        if (find_key(t, first, nch, i, cch, -1, -1) == nch)
            first[nch++] = i;
    static const struct col cols[] = {
        { "Channel", "Canal", 0 }, { "Discount rate", "Taux de remise", 1 },
        { "Same products elsewhere", "Mêmes produits ailleurs", 1 }, { "Adjusted p", "p ajusté", 1 },
        { "Finding", "Constat", 0 }, { "Leakage per year", "Manque à gagner par an", 1 },
    };
    put(h, tx(h, "<h3>Discounts by channel</h3>\n<p>Each channel's discounts as a share of its gross sales, "
                 "against the rate its lines would carry at the other channels' rates for the same products "
                 "(a permutation test within products, Holm-adjusted over the channels).</p>\n<table>\n",
              "<h3>Remises par canal</h3>\n<p>Les remises de chaque canal en part de ses ventes brutes, face au "
              "taux que ses lignes auraient aux taux des autres canaux pour les mêmes produits (un test de "
              "permutation par produit, p ajusté par Holm sur les canaux).</p>\n<table>\n"));
    THEAD(h, cols);
    int rch = tcol(rec, "channel"), raction = tcol(rec, "action"), rimp = tcol(rec, "impact");
    for (size_t k = 0; k < nch; k++) {
        size_t i = first[k];
        size_t leak = SIZE_MAX;
        for (size_t j = 0; rec->present && j < rec->nrows && leak == SIZE_MAX; j++)
            if (strcmp(unguard(tcell(rec, j, raction)), "discount_leakage") == 0 &&
                strcmp(tcell(rec, j, rch), tcell(t, i, cch)) == 0)
                leak = j;
        put(h, "<tr>");
        td_text(h, tcell(t, i, cch));
        td_pct(h, to_num(tcell(t, i, crate), r->fr), 1);
        td_pct(h, to_num(tcell(t, i, cexp), r->fr), 1);
        td_p(h, to_num(tcell(t, i, cp), r->fr));
        if (leak != SIZE_MAX) {
            put(h, tx(h, "<td class=\"neg\">above: discount leakage</td>",
                      "<td class=\"neg\">au-dessus" NBSP ": remises en excès</td>"));
            td_num(h, to_num(tcell(rec, leak, rimp), r->fr), 0);
        } else {
            put(h, "<td></td><td class=\"n\">" DASH "</td>");
        }
        put(h, "</tr>\n");
    }
    put(h, "</tbody>\n</table>\n");
    free(first);
}

static void write_prices(struct report *r)
{
    struct html *h = &r->h;
    const struct table *t = &r->t[T_PRICE];
    section(h, S_PRICES);
    if (!t->present) {
        not_in_run(r, T_PRICE);
        put(h, "</section>\n");
        return;
    }
    int cprod = tcol(t, "product"), cch = tcol(t, "channel"), clines = tcol(t, "lines");
    int cother = tcol(t, "reference_lines"), cprice = tcol(t, "median_unit_price");
    int cref = tcol(t, "reference_channel");
    int cmed = tcol(t, "reference_median"), cdep = tcol(t, "departure"), cpadj = tcol(t, "p_adjusted");
    int cstake = tcol(t, "revenue_at_stake"), cflag = tcol(t, "flagged");
    struct order *o = malloc((t->nrows ? t->nrows : 1) * sizeof *o);
    if (o == NULL) {
        r->nomem = 1;
        return;
    }
    /* Below the other channels first, by revenue at stake; then above
       them, by the size of the departure. */
    size_t nf = 0, nbelow = 0;
    double stake = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->nrows; i++) {
            if (to_num(tcell(t, i, cflag), r->fr) != (pass == 0 ? -1 : 1))
                continue;
            double s = to_num(tcell(t, i, cstake), r->fr);
            if (pass == 0)
                stake += isfinite(s) ? s : 0;
            o[nf].key = pass == 0 ? -s : -fabs(to_num(tcell(t, i, cdep), r->fr));
            o[nf++].row = i;
        }
        if (pass == 0)
            nbelow = nf;
    }
    char a[64], b[64], c[64], d[64];
    if (t->nrows == 0) {
        put(h, tx(h, "<p>No product and channel pair had enough lines to be tested.</p>\n",
                  "<p>Aucun couple produit et canal n'avait assez de lignes pour être testé.</p>\n"));
    } else if (nf == 0) {
        putf(h, tx(h, "<p>No product is priced apart from the other channels: of the %s product and channel "
                      "pairs tested on their unit prices before discount, none passed the test.</p>\n",
                   "<p>Aucun produit n'a un prix à part dans un canal" NBSP ": sur les %s couples produit et "
                   "canal testés sur leurs prix unitaires avant remise, aucun n'a passé le test.</p>\n"),
             s_num(h, a, (double)t->nrows, 0));
    } else {
        qsort(o, nbelow, sizeof *o, order_cmp);
        qsort(o + nbelow, nf - nbelow, sizeof *o, order_cmp);
        putf(h, tx(h, "<p>Unit prices before discount, line by line: a product's prices in each channel against "
                      "the same product in each other channel (Mann-Whitney tests, Benjamini-Hochberg-adjusted "
                      "over every pair), a channel being flagged when it is below, or above, every other channel "
                      "and by a minimum gap to the nearest. Of %s product and channel rows tested, flagged: ",
                   "<p>Prix unitaires avant remise, ligne par ligne" NBSP ": les prix d'un produit dans chaque "
                   "canal face au même produit dans chacun des autres (tests de Mann-Whitney, p ajustés par "
                   "Benjamini-Hochberg sur tous les couples), un canal étant signalé quand il est sous tous les "
                   "autres, ou au-dessus, d'un écart minimal au plus proche. Sur %s lignes produit et canal "
                   "testées, signalées" NBSP ": "),
             s_num(h, a, (double)t->nrows, 0));
        if (nbelow > 0)
            putf(h, tx(h, "%s below the other channels (revenue leakage of %s a year in all)",
                       "%s sous les autres canaux (un manque à gagner de %s par an en tout)"),
                 s_num(h, b, (double)nbelow, 0), s_money(h, c, stake));
        if (nbelow > 0 && nf > nbelow)
            put(h, tx(h, "; ", NBSP "; "));
        if (nf > nbelow)
            putf(h, tx(h, "%s above them (a risk to brand consistency, no gain claimed)",
                       "%s au-dessus (un risque pour la cohérence de la marque, sans gain annoncé)"),
                 s_num(h, d, (double)(nf - nbelow), 0));
        if (nf > TOP_PRICES)
            putf(h, tx(h, "; the first %s:", NBSP "; les %s premiers" NBSP ":"), s_num(h, b, TOP_PRICES, 0));
        else
            put(h, ".");
        static const struct col cols[] = {
            { "Product", "Produit", 0 }, { "Channel", "Canal", 0 }, { "Lines", "Lignes", 1 },
            { "Median unit price", "Prix unitaire médian", 1 },
            { "Nearest channel", "Canal le plus proche", 0 }, { "Its median", "Sa médiane", 1 },
            { "Departure", "Écart", 1 },
            { "Adjusted p", "p ajusté", 1 }, { "Finding", "Constat", 0 },
            { "Revenue at stake per year", "Manque à gagner par an", 1 },
        };
        put(h, "</p>\n<table>\n");
        THEAD(h, cols);
        for (size_t k = 0; k < nf && k < TOP_PRICES; k++) {
            size_t i = o[k].row;
            int below = to_num(tcell(t, i, cflag), r->fr) < 0;
            put(h, "<tr>");
            td_text(h, tcell(t, i, cprod));
            td_text(h, tcell(t, i, cch));
            put(h, "<td class=\"n\">");
            num(h, to_num(tcell(t, i, clines), r->fr), 0);
            put(h, tx(h, "<span class=\"ci\">against ", "<span class=\"ci\">contre "));
            num(h, to_num(tcell(t, i, cother), r->fr), 0);
            put(h, "</span></td>");
            td_num(h, to_num(tcell(t, i, cprice), r->fr), 2);
            td_text(h, tcell(t, i, cref));
            td_num(h, to_num(tcell(t, i, cmed), r->fr), 2);
            /* Signed, not red: the finding column says what the gap means. */
            double dep = to_num(tcell(t, i, cdep), r->fr);
            put(h, dep > 0 ? "<td class=\"n\">+" : "<td class=\"n\">");
            pct(h, dep, 1);
            put(h, "</td>");
            td_p(h, to_num(tcell(t, i, cpadj), r->fr));
            if (below) {
                put(h, tx(h, "<td class=\"neg\">below: revenue leakage</td>",
                          "<td class=\"neg\">en dessous" NBSP ": manque à gagner</td>"));
                td_num(h, to_num(tcell(t, i, cstake), r->fr), 0);
            } else {
                put(h, tx(h, "<td>above: consistency risk</td>", "<td>au-dessus" NBSP ": risque de cohérence</td>"));
                put(h, tx(h, "<td class=\"n unk\">none claimed</td>", "<td class=\"n unk\">aucun annoncé</td>"));
            }
            put(h, "</tr>\n");
        }
        put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Lines: sold lines of the product in the channel, "
                     "against those in the nearest channel. Departure: the channel's median unit price before "
                     "discount against the nearest channel's median (the closest of the channels above it, or "
                     "below it). Adjusted p: the largest of its pairs. Revenue at stake: the gap to the nearest "
                     "times the units sold, per year, for a price below the others only. Lines whose revenue "
                     "disagrees with quantity x unit price are not compared. Every product and channel tested "
                     "is in prices.csv.</p>\n",
                  "</tbody>\n</table>\n<p class=\"note\">Lignes" NBSP ": lignes vendues du produit dans le canal, "
                  "contre celles du canal le plus proche. Écart" NBSP ": le prix unitaire médian avant remise du "
                  "canal face à la médiane du canal le plus proche (le plus proche des canaux au-dessus, ou "
                  "en dessous). p ajusté" NBSP ": le plus grand de ses couples. Manque à gagner" NBSP ": "
                  "l'écart au plus proche fois les unités vendues, par an, pour un prix sous les autres "
                  "seulement. Les lignes dont le chiffre contredit quantité x prix unitaire ne sont pas "
                  "comparées. Chaque produit et canal testé est dans prices.csv.</p>\n"));
    }
    free(o);
    write_discounts(r);
    put(h, "</section>\n");
}

static void write_quality(struct report *r)
{
    struct html *h = &r->h;
    const struct html_meta *m = r->meta;
    struct reasons *rj = &r->rj;
    section(h, S_QUALITY);
    /* The warnings first; the cost model's gap once, whether or not the
       caller listed it. */
    size_t nw = m != NULL && m->warnings != NULL ? m->nwarnings : 0;
    int listed = 0;
    for (size_t i = 0; i < nw && r->unk_sentence != NULL; i++)
        listed |= m->warnings[i] != NULL && strcmp(m->warnings[i], r->unk_sentence) == 0;
    if (nw > 0 || r->unk_sentence != NULL) {
        put(h, tx(h, "<h3>Warnings</h3>\n<ul class=\"warn\">\n", "<h3>Avertissements</h3>\n<ul class=\"warn\">\n"));
        for (size_t i = 0; i < nw; i++) {
            if (m->warnings[i] == NULL || m->warnings[i][0] == '\0')
                continue;
            put(h, "<li>");
            esc(h, m->warnings[i]);
            put(h, "</li>\n");
        }
        if (r->unk_sentence != NULL && !listed) {
            put(h, "<li>");
            esc(h, r->unk_sentence);
            put(h, "</li>\n");
        }
        put(h, "</ul>\n");
    }
    if (m != NULL) {
        put(h, tx(h, "<table class=\"dq\">\n<tbody>\n<tr><td>Rows read</td>",
                  "<table class=\"dq\">\n<tbody>\n<tr><td>Lignes lues</td>"));
        td_num(h, (double)m->rows_read, 0);
        put(h, tx(h, "<td></td></tr>\n<tr><td>Rows accepted</td>", "<td></td></tr>\n<tr><td>Lignes acceptées</td>"));
        td_num(h, (double)m->accepted, 0);
        put(h, "<td class=\"n\">");
        if (m->rows_read > 0)
            pct(h, (double)m->accepted / (double)m->rows_read, 2);
        put(h, tx(h, "</td></tr>\n<tr><td>Rows rejected</td>", "</td></tr>\n<tr><td>Lignes rejetées</td>"));
        td_num(h, (double)m->rejected, 0);
        put(h, "<td class=\"n\">");
        if (m->rows_read > 0)
            pct(h, (double)m->rejected / (double)m->rows_read, 2);
        put(h, "</td></tr>\n</tbody>\n</table>\n");
    }
    if (!rj->present) {
        if (m == NULL || m->rejected > 0)
            put(h, tx(h, "<p class=\"note\">No rejects.csv in the output folder: the reasons for "
                         "rejected rows are not listed here.</p>\n",
                      "<p class=\"note\">Pas de rejects.csv dans le dossier de sortie" NBSP ": les raisons des "
                      "lignes rejetées ne sont pas listées ici.</p>\n"));
        else
            put(h, tx(h, "<p>Every row read was accepted.</p>\n", "<p>Toutes les lignes lues ont été acceptées.</p>\n"));
        put(h, "</section>\n");
        return;
    }
    if (rj->total == 0) {
        put(h, tx(h, "<p>rejects.csv lists no rejected row.</p>\n</section>\n",
                  "<p>rejects.csv ne liste aucune ligne rejetée.</p>\n</section>\n"));
        return;
    }
    qsort(rj->r, rj->nr, sizeof *rj->r, reason_cmp_n);
    static const struct col cols[] = {
        { "Reason", "Raison", 0 }, { "Rows", "Lignes", 1 }, { "Share of rejects", "Part des rejets", 1 },
    };
    put(h, tx(h, "<h3>Top reasons for rejected rows</h3>\n<table class=\"dq\">\n",
              "<h3>Principales raisons des rejets</h3>\n<table class=\"dq\">\n"));
    THEAD(h, cols);
    unsigned long long rest = rj->other;
    for (size_t i = 0; i < rj->nr; i++) {
        if (i >= TOP_REASONS) {
            rest += rj->r[i].n;
            continue;
        }
        put(h, "<tr><td>");
        esc(h, rj->r[i].name[0] != '\0' ? rj->r[i].name : tx(h, "(no reason given)", "(sans raison)"));
        put(h, "</td>");
        td_num(h, (double)rj->r[i].n, 0);
        td_pct(h, (double)rj->r[i].n / (double)rj->total, 1);
        put(h, "</tr>\n");
    }
    if (rest > 0) {
        put(h, tx(h, "<tr><td>Other reasons</td>", "<tr><td>Autres raisons</td>"));
        td_num(h, (double)rest, 0);
        td_pct(h, (double)rest / (double)rj->total, 1);
        put(h, "</tr>\n");
    }
    put(h, tx(h, "</tbody>\n</table>\n<p class=\"note\">Every rejected row, with its file, line and "
                 "reason, is in rejects.csv.</p>\n</section>\n",
              "</tbody>\n</table>\n<p class=\"note\">Chaque ligne rejetée, avec son fichier, sa ligne et sa "
              "raison, est dans rejects.csv.</p>\n</section>\n"));
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
    find_unmodelled(&r);
    if (r.nomem) {
        rc = cx_nomem(e, "report");
        goto out;
    }

    f = strcmp(out_path, "-") == 0 ? stdout : fopen(out_path, "wb");
    if (f == NULL) {
        rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", out_path, strerror(errno));
        goto out;
    }
    r.h.f = f;
    write_header(&r);
    put(&r.h, "<main>\n");
    void (*const sections[])(struct report *) = { write_findings, write_segments, write_channels, write_matrix,
                                                  write_whale, write_retention, write_seasonality, write_prices,
                                                  write_quality };
    for (size_t s = 0; s < sizeof sections / sizeof *sections && !r.nomem; s++)
        sections[s](&r);
    put(&r.h, tx(&r.h, "</main>\n<footer>Made by canaux from the CSV files of the run. Amounts are in the "
                       "currency of the input; ratios are shown as percentages.</footer>\n</body>\n</html>\n",
                 "</main>\n<footer>Produit par canaux à partir des fichiers CSV de l'exécution. Les montants "
                 "sont dans la monnaie des données" NBSP "; les ratios sont montrés en pourcentages.</footer>\n"
                 "</body>\n</html>\n"));
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
    free(r.unk);
    free(r.unk_sentence);
    return rc;
}
