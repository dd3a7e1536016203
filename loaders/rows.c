/*
 * rows — see rows.h for the design.
 *
 * rows_take reads the mapped fields of one record into a small array of
 * (pointer, length) pairs, checks the required ones and the text, parses
 * the numbers and the date, derives the amounts and adds the row. The
 * checks come in a fixed order (field count, required fields, text, date,
 * numbers, amounts), so that a row with several faults is always rejected
 * for the same one.
 */
#include "loaders/rows.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/strtab.h"
#include "loaders/catalog.h"
#include "loaders/customers.h"
#include "loaders/reader.h"

static const char *const rf_names[RF_NFIELDS] = {
    "order_id", "date", "customer_id", "channel", "product_id", "category", "quantity",
    "unit_price", "revenue", "unit_cost", "cost", "margin", "discount", "region", "account_id"
};

static const char *const rj_names[RJ_NREASONS] = {
    "wrong number of fields", "missing value", "bad number", "bad date", "out of range",
    "unterminated quote", "invalid UTF-8"
};

const char *rows_field_name(enum rf_field f)
{
    return rf_names[f];
}

const char *rows_reason_name(enum rj_reason r)
{
    return rj_names[r];
}

/* ---------------------------------------------------------------------- */
/* Text.                                                                   */

static inline struct rows_field trim(struct rows_field f)
{
    while (f.n && (f.p[0] == ' ' || f.p[0] == '\t')) {
        f.p++;
        f.n--;
    }
    while (f.n && (f.p[f.n - 1] == ' ' || f.p[f.n - 1] == '\t'))
        f.n--;
    return f;
}

int rows_utf8_ok(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (n - i <= k)
            return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return 0;
        i += k + 1;
    }
    return 1;
}

/* 1 when s[0..n) has a byte above 0x7F: eight bytes at a time, since
   this runs on every text field of every row and nearly all are ASCII. */
static inline int has_high(const char *s, size_t n)
{
    uint64_t acc = 0, w;
    uint32_t h;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            acc |= w;
        }
        memcpy(&w, s + n - 8, 8);    /* the tail, overlapping */
        acc |= w;
    } else if (n >= 4) {
        memcpy(&h, s, 4);
        acc = h;
        memcpy(&h, s + n - 4, 4);
        acc |= h;
    } else {
        for (size_t i = 0; i < n; i++)
            acc |= (unsigned char)s[i];
    }
    return (acc & UINT64_C(0x8080808080808080)) != 0;
}

/* The length of a value shown in a message: at most 40 bytes, cut at a
   character boundary so the message stays valid UTF-8. */
static int show_len(struct rows_field f)
{
    if (f.n <= 40)
        return (int)f.n;
    size_t n = 40;
    while (n > 0 && ((unsigned char)f.p[n] & 0xc0) == 0x80)
        n--;
    return (int)n;
}
#define SHOW(f) show_len(f), (f).p

void rows_reject_set(struct rows_reject *r, int reason, int field, const char *fmt, ...)
{
    r->reason = reason;
    r->field = field;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------- */
/* Null tokens.                                                            */

int rows_nulls_set(struct rows_nulls *z, const char *list)
{
    memset(z, 0, sizeof *z);
    z->minlen = 255;
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ',')
            q++;
        const char *end = q;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t n = (size_t)(end - p);
        if (n) {
            if (n >= ROWS_NULL_LEN || z->n == ROWS_MAX_NULLS)
                return -1;
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)p[i];
                z->tok[z->n][i] = (char)((unsigned)(c - 'A') < 26u ? c | 0x20 : c);
            }
            z->tok[z->n][n] = '\0';
            z->len[z->n] = (unsigned char)n;
            if (n < z->minlen)
                z->minlen = (unsigned char)n;
            if (n > z->maxlen)
                z->maxlen = (unsigned char)n;
            unsigned char c = (unsigned char)p[0];
            unsigned char lo = (unsigned)(c - 'A') < 26u ? c | 0x20 : c;
            unsigned char up = (unsigned)(c - 'a') < 26u ? c & 0xDF : c;
            z->first[lo >> 3] |= (unsigned char)(1u << (lo & 7));
            z->first[up >> 3] |= (unsigned char)(1u << (up & 7));
            z->n++;
        }
        p = *q ? q + 1 : q;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The header.                                                             */

static int same_name(const struct rows_field *h, const char *name, size_t n)
{
    return h->n == n && strncasecmp(h->p, name, n) == 0;
}

/* The column whose header is name[0..n), -1 when none, -2 when two. */
static long find_column(const struct rows_field *hdr, long nf, const char *name, size_t n,
                        long *second)
{
    long at = -1;
    for (long k = 0; k < nf; k++) {
        struct rows_field h = trim(hdr[k]);
        if (!same_name(&h, name, n))
            continue;
        if (at >= 0) {
            *second = k;
            return -2 - at;
        }
        at = k;
    }
    return at;
}

int rows_map_columns(const struct rows_field *hdr, long nf, const char *const *want, int nwant,
                     int *col, const char *file, struct cx_err *e)
{
    for (int k = 0; k < nwant; k++) {
        col[k] = -1;
        if (want[k] == NULL)
            continue;
        long second = 0, at = find_column(hdr, nf, want[k], strlen(want[k]), &second);
        if (at <= -2)
            return cx_fail(e, CX_EIO, "%s: header names '%s' twice (columns %ld and %ld)", file,
                           want[k], -2 - at + 1, second + 1);
        col[k] = (int)at;
    }
    return CX_OK;
}

/* Splits a mapping "A + B + C" into the columns of its parts. Returns 1
   when it is composed and every part is a header, 0 when it has no '+',
   or -1 with the message in e (a part that is no header, too many). */
static int compose_plan(struct rows_plan *pl, int f, const char *map, const struct rows_field *hdr,
                        long nf, struct cx_err *e)
{
    if (strchr(map, '+') == NULL)
        return 0;
    int n = 0;
    const char *p = map;
    for (;;) {
        const char *q = strchr(p, '+');
        const char *end = q ? q : p + strlen(p);
        while (*p == ' ' || *p == '\t')
            p++;
        while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end == p || n == ROWS_MAX_PARTS) {
            cx_fail(e, CX_EIO, "%s: [columns] %s = %s: %s", pl->file, rf_names[f], map,
                    end == p ? "an empty part (write A + B + C, each a header)" : "more than 8 parts");
            return -1;
        }
        long second = 0, at = find_column(hdr, nf, p, (size_t)(end - p), &second);
        if (at == -1) {
            cx_fail(e, CX_EIO, "%s: no column for '%.*s', a part of %s = %s (and no header is "
                    "'%s' as a whole)", pl->file, (int)(end - p), p, rf_names[f], map, map);
            return -1;
        }
        if (at <= -2) {
            cx_fail(e, CX_EIO, "%s: header names '%.*s' twice (columns %ld and %ld)", pl->file,
                    (int)(end - p), p, -2 - at + 1, second + 1);
            return -1;
        }
        pl->part[f][n++] = (int)at;
        if (q == NULL)
            break;
        p = q + 1;
    }
    pl->nparts[f] = n;
    pl->composed = 1;
    return 1;
}

int rows_plan_has(const struct rows_plan *pl, enum rf_field f)
{
    if (pl->col[f] >= 0 || pl->nparts[f] > 0)
        return 1;
    if (f == RF_CHANNEL)
        return pl->chan != NULL ||
               (pl->customers != NULL && customers_has(pl->customers, CU_CHANNEL));
    if (f == RF_REGION)
        return pl->customers != NULL && customers_has(pl->customers, CU_REGION);
    if (f == RF_ACCOUNT)
        return pl->customers != NULL && customers_has(pl->customers, CU_ACCOUNT);
    return 0;
}

int rows_plan_init(struct rows_plan *pl, const struct reader_options *o, const char *file,
                   const struct rows_field *hdr, long nf, const char *channel, struct cx_err *e)
{
    memset(pl, 0, sizeof *pl);
    pl->o = o;
    pl->file = file;
    pl->ncols = (int)nf;
    pl->customers = o->customers;
    const char *want[RF_NFIELDS];
    for (int f = 0; f < RF_NFIELDS; f++)
        want[f] = o->columns[f] ? o->columns[f] : rf_names[f];
    int rc = rows_map_columns(hdr, nf, want, RF_NFIELDS, pl->col, file, e);
    if (rc != CX_OK)
        return rc;
    static const int keys[] = { RF_ORDER, RF_CUSTOMER, RF_PRODUCT };
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        int f = keys[k];
        if (pl->col[f] < 0 && o->columns[f] && compose_plan(pl, f, o->columns[f], hdr, nf, e) < 0)
            return e->status;
    }
    pl->chan = channel ? channel : o->channel;
    if (pl->chan)
        pl->chan_len = strlen(pl->chan);
    int missing = -1;
    if (!rows_plan_has(pl, RF_ORDER))
        missing = RF_ORDER;
    else if (pl->col[RF_DATE] < 0)
        missing = RF_DATE;
    else if (!rows_plan_has(pl, RF_CUSTOMER))
        missing = RF_CUSTOMER;
    else if (!rows_plan_has(pl, RF_CHANNEL))
        missing = RF_CHANNEL;
    else if (!rows_plan_has(pl, RF_PRODUCT))
        missing = RF_PRODUCT;
    else if (pl->col[RF_QUANTITY] < 0)
        missing = RF_QUANTITY;
    else if (pl->col[RF_UNIT_PRICE] < 0 && pl->col[RF_REVENUE] < 0)
        missing = RF_UNIT_PRICE;
    if (missing < 0)
        return CX_OK;

    /* The headers as found, for a terminal: control bytes, and the bytes
       of a header that is not valid UTF-8 (a binary file), shown as '?'. */
    char found[512] = "", mapping[512] = "";
    size_t fl = 0, ml = 0;
    for (long k = 0; k < nf && fl + 3 < sizeof found; k++) {
        struct rows_field h = trim(hdr[k]);
        int bad_utf8 = has_high(h.p, h.n) && !rows_utf8_ok(h.p, h.n);
        if (k) {
            memcpy(found + fl, ", ", 2);
            fl += 2;
        }
        for (size_t j = 0; j < h.n && fl + 1 < sizeof found; j++) {
            unsigned char ch = (unsigned char)h.p[j];
            found[fl++] = ch < 0x20 || ch == 0x7f || (ch >= 0x80 && bad_utf8) ? '?' : (char)ch;
        }
        found[fl] = 0;
    }
    for (int f = 0; f < RF_NFIELDS && ml < sizeof mapping; f++)
        if (o->columns[f])
            ml += (size_t)snprintf(mapping + ml, sizeof mapping - ml, "%s%s = %s", ml ? ", " : "",
                                   rf_names[f], o->columns[f]);
    const char *hint = missing == RF_UNIT_PRICE ? " (or 'revenue')"
                       : missing == RF_CHANNEL  ? " (or NAME=FILE, or channel = NAME in [input], "
                                                  "or --customers with a channel column)"
                                                : "";
    return cx_fail(e, CX_EIO,
                   "%s: no column for required field '%s'%s: looked for header '%s'; "
                   "headers found: %s; mapping used: %s",
                   file, rf_names[missing], hint, want[missing], found,
                   ml ? mapping : "none (canonical names; map others in [columns] of -c FILE)");
}

void rows_plan_free(struct rows_plan *pl)
{
    (void)pl;
}

int rows_date_formats(const struct rows_plan *pl, const struct rows_field *f, long nf,
                      struct rows_field *date)
{
    if (nf != pl->ncols)
        return -1;
    struct rows_field d = trim(f[pl->col[RF_DATE]]);
    if (d.n == 0 || rows_is_null(&pl->o->nulls, d.p, d.n))
        return -1;
    *date = d;
    return (int)field_date_formats(d.p, d.n);
}

/* ---------------------------------------------------------------------- */
/* A record into a row.                                                    */

/* Number field f of the record: the source's typed number, else the text
   as field_number reads it, else (a currency, thousands separators,
   parentheses) as field_amount does. Plain numbers pay for field_number
   only. Returns 0 and *out, or 1 with the reject in rej. */
static inline int number_of(const struct rows_plan *pl, const struct rows_field *v,
                            const struct rows_cell *cells, int f, unsigned flags, double *out,
                            struct rows_reject *rej)
{
    if (cells && pl->col[f] >= 0 && cells[pl->col[f]].kind == ROWS_NUMBER) {
        *out = cells[pl->col[f]].num;
        if (isfinite(*out))
            return 0;
    } else if (field_number(v[f].p, v[f].n, pl->o->locale, out) == 0) {
        return 0;
    }
    const char *why = NULL;
    if (field_amount(v[f].p, v[f].n, pl->o->locale, flags, out, &why) == 0)
        return 0;
    if (why)
        rows_reject_set(rej, RJ_NUMBER, f, "bad number in %s: \"%.*s\": %s", rf_names[f],
                        SHOW(v[f]), why);
    else
        rows_reject_set(rej, RJ_NUMBER, f, "bad number in %s: \"%.*s\"", rf_names[f], SHOW(v[f]));
    return 1;
}

/* Joins the parts of each composed key into part->buf ('|' between
   them; a null part is empty) and points v at them. A key whose parts are
   all empty is missing. Returns 0, or -1 when out of memory. */
static int compose(const struct rows_plan *pl, struct rows_part *part, const struct rows_field *fv,
                   struct rows_field *v, struct cx_err *e)
{
    static const int keys[] = { RF_ORDER, RF_CUSTOMER, RF_PRODUCT };
    const struct rows_nulls *z = &pl->o->nulls;
    size_t need = 0;
    for (size_t k = 0; k < 3; k++)
        for (int j = 0; j < pl->nparts[keys[k]]; j++)
            need += fv[pl->part[keys[k]][j]].n + 1;
    if (need > part->cap) {
        size_t cap = part->cap ? part->cap : 256;
        while (cap < need)
            cap *= 2;
        char *b = realloc(part->buf, cap);
        if (b == NULL) {
            cx_nomem(e, "composed keys");
            return -1;
        }
        part->buf = b;
        part->cap = cap;
    }
    size_t off = 0;
    for (size_t k = 0; k < 3; k++) {
        int f = keys[k];
        if (pl->nparts[f] == 0)
            continue;
        size_t start = off;
        int any = 0;
        for (int j = 0; j < pl->nparts[f]; j++) {
            struct rows_field t = trim(fv[pl->part[f][j]]);
            if (rows_is_null(z, t.p, t.n))
                t.n = 0;
            if (j)
                part->buf[off++] = '|';
            if (t.n)
                memcpy(part->buf + off, t.p, t.n);
            off += t.n;
            any |= t.n != 0;
        }
        v[f].p = part->buf + start;
        v[f].n = any ? off - start : 0;
    }
    return 0;
}

void rows_tally_merge(struct rows_tally *dst, const struct rows_tally *src, uint64_t line_offset)
{
    dst->revenue_mismatch += src->revenue_mismatch;
    dst->margin_above_net += src->margin_above_net;
    dst->negative_cogs += src->negative_cogs;
    for (int k = 0; k < src->nex && dst->nex < ROWS_EXAMPLES; k++) {
        dst->ex[dst->nex] = src->ex[k];
        dst->ex[dst->nex].line += line_offset;
        dst->nex++;
    }
}

void rows_part_reset(struct rows_part *part)
{
    memset(&part->tally, 0, sizeof part->tally);
    part->nhash = 0;
}

void rows_part_free(struct rows_part *part)
{
    free(part->buf);
    free(part->hash);
    part->buf = NULL;
    part->hash = NULL;
    part->cap = part->nhash = part->caphash = 0;
}

static inline uint64_t rd64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t mum(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A 64-bit hash of a whole line, built as wyhash is (the mixing
   strtab_hash uses): each 128-bit multiply folds 16 bytes, three lanes of
   them overlap on long lines, and the last 16 bytes are read at once, so
   a line of 86 bytes costs about six multiplications. strtab_hash, 8 bytes
   a multiply in one chain, took twice as long on such lines. */
static uint64_t line_hash(const char *p, size_t len)
{
    const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                   k2 = 0x8ebc6af09c88c6e3ull, k3 = 0x589965cc75374cc3ull;
    uint64_t seed = k0 ^ (len * k1), a, b;
    size_t n = len;
    if (n <= 16) {
        unsigned char t[16] = { 0 };
        memcpy(t, p, n);
        memcpy(&a, t, 8);
        memcpy(&b, t + 8, 8);
    } else {
        if (n > 48) {
            uint64_t s1 = seed, s2 = seed;
            do {
                seed = mum(rd64(p) ^ k1, rd64(p + 8) ^ seed);
                s1 = mum(rd64(p + 16) ^ k2, rd64(p + 24) ^ s1);
                s2 = mum(rd64(p + 32) ^ k3, rd64(p + 40) ^ s2);
                p += 48;
                n -= 48;
            } while (n > 48);
            seed ^= s1 ^ s2;
        }
        while (n > 16) {
            seed = mum(rd64(p) ^ k1, rd64(p + 8) ^ seed);
            p += 16;
            n -= 16;
        }
        a = rd64(p + n - 16);    /* the last 16 bytes, overlapping what was read */
        b = rd64(p + n - 8);
    }
    return mum(k1 ^ len, mum(a ^ k1, b ^ seed));
}

/* The fingerprint of a record: of its text when the source has it, else
   of its fields, each hash folded into the next (so that "a","bc" and
   "ab","c" differ). */
static uint64_t fingerprint(const struct rows_field *f, long nf, const struct rows_field *raw)
{
    if (raw)
        return line_hash(raw->p, raw->n);
    uint64_t h = (uint64_t)nf;
    for (long k = 0; k < nf; k++)
        h = (h * 0x9E3779B97F4A7C15ull) ^ strtab_hash(f[k].p, f[k].n);
    return h;
}

int rows_take(const struct rows_plan *pl, struct rows_part *part, const struct rows_field *fv,
              const struct rows_cell *cells, long nf, const struct rows_field *raw,
              uint64_t line, struct rows_reject *rej, struct cx_err *e)
{
    const struct reader_options *o = pl->o;
    const struct rows_nulls *z = &o->nulls;
    struct rows_field v[RF_NFIELDS];
#define REJECT(reason, field, ...)                                                      \
    do {                                                                                \
        rows_reject_set(rej, reason, field, __VA_ARGS__);                               \
        return 1;                                                                       \
    } while (0)

    if (nf != pl->ncols)
        REJECT(RJ_FIELDS, RF_NFIELDS, "expected %d fields, found %ld", pl->ncols, nf);
    for (int f = 0; f < RF_NFIELDS; f++) {
        if (pl->col[f] >= 0) {
            v[f] = trim(fv[pl->col[f]]);
            if (rows_is_null(z, v[f].p, v[f].n))
                v[f].n = 0;
        } else {
            v[f].p = "";
            v[f].n = 0;
        }
    }
    if (pl->composed && compose(pl, part, fv, v, e))
        return -1;
    if (pl->chan) {   /* NAME=FILE, else [input] channel: every row, column or not */
        v[RF_CHANNEL].p = pl->chan;
        v[RF_CHANNEL].n = pl->chan_len;
    }
    int unknown_customer = 0;
    if (pl->customers && v[RF_CUSTOMER].n &&
        (!v[RF_CHANNEL].n || !v[RF_REGION].n || !v[RF_ACCOUNT].n)) {
        /* The customer's record fills what the line leaves empty. */
        struct rows_field cu[CU_NFIELDS];
        if (customers_lookup(pl->customers, v[RF_CUSTOMER].p, v[RF_CUSTOMER].n, cu)) {
            if (!v[RF_CHANNEL].n)
                v[RF_CHANNEL] = cu[CU_CHANNEL];
            if (!v[RF_REGION].n)
                v[RF_REGION] = cu[CU_REGION];
            if (!v[RF_ACCOUNT].n)
                v[RF_ACCOUNT] = cu[CU_ACCOUNT];
        } else {
            unknown_customer = 1;
        }
    }
    static const int required[] = { RF_ORDER, RF_DATE, RF_PRODUCT, RF_QUANTITY, RF_CHANNEL };
    for (size_t k = 0; k < sizeof required / sizeof *required; k++) {
        int f = required[k];
        if (v[f].n)
            continue;
        if (f == RF_CHANNEL && unknown_customer)
            REJECT(RJ_MISSING, f, "missing channel: customer \"%.*s\" is not in %s",
                   SHOW(v[RF_CUSTOMER]), customers_path(pl->customers));
        REJECT(RJ_MISSING, f, "missing %s", rf_names[f]);
    }
    static const int texts[] = { RF_ORDER, RF_CUSTOMER, RF_CHANNEL, RF_PRODUCT, RF_CATEGORY,
                                 RF_REGION, RF_ACCOUNT };
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        const struct rows_field *t = &v[texts[k]];
        if (has_high(t->p, t->n) && !rows_utf8_ok(t->p, t->n))
            REJECT(RJ_UTF8, texts[k], "invalid UTF-8 in %s%s", rf_names[texts[k]],
                   pl->utf8_detected ? " (the file was read as UTF-8; if it is Windows-1252, "
                                       "set encoding = cp1252)" : "");
    }

    struct ds_row row;
    if (cells && pl->col[RF_DATE] >= 0 && cells[pl->col[RF_DATE]].kind == ROWS_DAY)
        row.day = cells[pl->col[RF_DATE]].day;
    else if (field_date(v[RF_DATE].p, v[RF_DATE].n, (enum field_datefmt)pl->datefmt, &row.day))
        REJECT(RJ_DATE, RF_DATE, "bad date in date: \"%.*s\"", SHOW(v[RF_DATE]));
    double q, price = 0, d = 0, x;
    if (number_of(pl, v, cells, RF_QUANTITY, 0, &q, rej))
        return 1;
    if (v[RF_DISCOUNT].n) {
        if (cells && pl->col[RF_DISCOUNT] >= 0 && cells[pl->col[RF_DISCOUNT]].kind == ROWS_NUMBER)
            d = cells[pl->col[RF_DISCOUNT]].num;
        else if (field_fraction(v[RF_DISCOUNT].p, v[RF_DISCOUNT].n, o->locale, &d))
            REJECT(RJ_NUMBER, RF_DISCOUNT, "bad number in discount: \"%.*s\"", SHOW(v[RF_DISCOUNT]));
        if (!(d >= 0 && d <= 1))
            REJECT(RJ_RANGE, RF_DISCOUNT, "discount out of range 0..1: \"%.*s\"", SHOW(v[RF_DISCOUNT]));
    }
    int has_price = v[RF_UNIT_PRICE].n != 0, has_rev = v[RF_REVENUE].n != 0, mismatch = 0;
    if (has_price) {
        if (number_of(pl, v, cells, RF_UNIT_PRICE, FIELD_AMOUNT_MONEY, &price, rej))
            return 1;
        if (price < 0)
            REJECT(RJ_RANGE, RF_UNIT_PRICE, "negative unit_price: \"%.*s\"", SHOW(v[RF_UNIT_PRICE]));
    }
    double computed = q * price * (1 - d);
    if (has_rev) {
        /* Revenue is what was invoiced: the net, whatever the price says.
           A price beside it is only checked against it, to half a cent
           and a relative 1e-6 (rounding of the line total). */
        if (number_of(pl, v, cells, RF_REVENUE, FIELD_AMOUNT_MONEY, &x, rej))
            return 1;
        row.net = x;
        row.gross = d < 1 ? x / (1 - d) : x;
        mismatch = has_price && !(fabs(computed - x) <= 0.005 + 1e-6 * fabs(x));
    } else if (has_price) {
        row.gross = q * price;
        row.net = row.gross * (1 - d);
    } else {
        int f = pl->col[RF_UNIT_PRICE] >= 0 ? RF_UNIT_PRICE : RF_REVENUE;
        REJECT(RJ_MISSING, f, "missing %s", rf_names[f]);
    }
    /* A line's amounts stay below 1e15 in absolute value, so that sums
       over any realistic number of lines stay finite (1e300 x 1e300 is a
       valid product of two valid numbers, and inf in every total). */
    if (!(fabs(row.gross) < READER_MAX_AMOUNT && fabs(row.net) < READER_MAX_AMOUNT))
        REJECT(RJ_RANGE, has_rev ? RF_REVENUE : RF_UNIT_PRICE,
               "amount out of range: net %g is not below 1e15 in absolute value", row.net);
    row.quantity = q;
    row.price_unsure = mismatch;

    const char *cat = v[RF_CATEGORY].p;
    size_t catlen = v[RF_CATEGORY].n;
    double cc = NAN;
    if (o->catalog) {
        const char *cc_cat;
        size_t cc_len;
        if (catalog_lookup(o->catalog, v[RF_PRODUCT].p, v[RF_PRODUCT].n, &cc, &cc_cat, &cc_len) &&
            catlen == 0) {
            cat = cc_cat;
            catlen = cc_len;
        }
    }
    int from_margin = 0, from_column = 1;
    if (v[RF_UNIT_COST].n) {
        if (number_of(pl, v, cells, RF_UNIT_COST, FIELD_AMOUNT_MONEY, &x, rej))
            return 1;
        row.cogs = q * x;
    } else if (v[RF_COST].n) {
        if (number_of(pl, v, cells, RF_COST, FIELD_AMOUNT_MONEY, &x, rej))
            return 1;
        row.cogs = x;
    } else if (v[RF_MARGIN].n) {
        if (number_of(pl, v, cells, RF_MARGIN, FIELD_AMOUNT_MONEY, &x, rej))
            return 1;
        row.cogs = row.net - x;
        from_margin = 1;
    } else if (!isnan(cc)) {
        row.cogs = q * cc;
        from_column = 0;
    } else {
        row.cogs = row.net * (1 - o->default_margin);
        from_column = 0;
    }
    if (!(fabs(row.cogs) < READER_MAX_AMOUNT))
        REJECT(RJ_RANGE, v[RF_UNIT_COST].n ? RF_UNIT_COST : v[RF_COST].n ? RF_COST : RF_MARGIN,
               "amount out of range: cost %g is not below 1e15 in absolute value", row.cogs);

    static const struct { int rf, ds; } tmap[] = {
        { RF_ORDER, DS_ORDER }, { RF_CUSTOMER, DS_CUSTOMER }, { RF_PRODUCT, DS_PRODUCT },
        { RF_CHANNEL, DS_CHANNEL }, { RF_REGION, DS_REGION }, { RF_ACCOUNT, DS_ACCOUNT }
    };
    for (size_t k = 0; k < sizeof tmap / sizeof *tmap; k++) {
        row.text[tmap[k].ds] = v[tmap[k].rf].p;
        row.len[tmap[k].ds] = v[tmap[k].rf].n;
    }
    row.text[DS_CATEGORY] = cat;
    row.len[DS_CATEGORY] = catlen;
    if (part->nhash == part->caphash) {
        size_t cap = part->caphash ? part->caphash * 2 : 1024;
        uint64_t *h = realloc(part->hash, cap * sizeof *h);
        if (h == NULL) {
            cx_nomem(e, "line fingerprints");
            return -1;
        }
        part->hash = h;
        part->caphash = cap;
    }
    if (dataset_add(part->ds, &row, e) != CX_OK)
        return -1;
    part->hash[part->nhash++] = fingerprint(fv, nf, raw);

    /* Only accepted rows count in the tally. */
    struct rows_tally *t = &part->tally;
    if (mismatch) {
        if (t->nex < ROWS_EXAMPLES)
            t->ex[t->nex++] = (struct rows_example){ line, row.net, computed };
        t->revenue_mismatch++;
    }
    if (q > 0 && row.cogs < 0 && from_column) {
        if (from_margin)
            t->margin_above_net++;
        else
            t->negative_cogs++;
    }
    return 0;
#undef REJECT
}
