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

#include "loaders/catalog.h"
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

static inline int has_high(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
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
/* The header.                                                             */

static int same_name(const struct rows_field *h, const char *name)
{
    size_t n = strlen(name);
    return h->n == n && strncasecmp(h->p, name, n) == 0;
}

int rows_plan_init(struct rows_plan *pl, const struct reader_options *o, const char *file,
                   const struct rows_field *hdr, long nf, const char *channel, struct cx_err *e)
{
    memset(pl, 0, sizeof *pl);
    pl->o = o;
    pl->file = file;
    pl->ncols = (int)nf;
    for (int f = 0; f < RF_NFIELDS; f++) {
        pl->col[f] = -1;
        const char *want = o->columns[f] ? o->columns[f] : rf_names[f];
        for (long k = 0; k < nf; k++) {
            struct rows_field h = trim(hdr[k]);
            if (!same_name(&h, want))
                continue;
            if (pl->col[f] >= 0)
                return cx_fail(e, CX_EIO, "%s: header names '%s' twice (columns %d and %ld)",
                               file, want, pl->col[f] + 1, k + 1);
            pl->col[f] = (int)k;
        }
    }
    pl->chan = channel ? channel : o->channel;
    if (pl->chan)
        pl->chan_len = strlen(pl->chan);
    int missing = -1;
    if (pl->col[RF_ORDER] < 0)
        missing = RF_ORDER;
    else if (pl->col[RF_DATE] < 0)
        missing = RF_DATE;
    else if (pl->col[RF_CUSTOMER] < 0)
        missing = RF_CUSTOMER;
    else if (pl->col[RF_CHANNEL] < 0 && !pl->chan)
        missing = RF_CHANNEL;
    else if (pl->col[RF_PRODUCT] < 0)
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
    const char *want = o->columns[missing] ? o->columns[missing] : rf_names[missing];
    const char *hint = missing == RF_UNIT_PRICE ? " (or 'revenue')"
                       : missing == RF_CHANNEL  ? " (or NAME=FILE, or channel = NAME in [input])"
                                                : "";
    return cx_fail(e, CX_EIO,
                   "%s: no column for required field '%s'%s: looked for header '%s'; "
                   "headers found: %s; mapping used: %s",
                   file, rf_names[missing], hint, want, found,
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
    if (d.n == 0)
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

int rows_take(const struct rows_plan *pl, struct rows_part *part, const struct rows_field *fv,
              const struct rows_cell *cells, long nf, uint64_t line, struct rows_reject *rej,
              struct cx_err *e)
{
    const struct reader_options *o = pl->o;
    struct rows_field v[RF_NFIELDS];
    (void)line;
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
        } else {
            v[f].p = "";
            v[f].n = 0;
        }
    }
    if (pl->chan) {   /* NAME=FILE, else [input] channel: every row, column or not */
        v[RF_CHANNEL].p = pl->chan;
        v[RF_CHANNEL].n = pl->chan_len;
    }
    static const int required[] = { RF_ORDER, RF_DATE, RF_PRODUCT, RF_QUANTITY, RF_CHANNEL };
    for (size_t k = 0; k < sizeof required / sizeof *required; k++)
        if (v[required[k]].n == 0)
            REJECT(RJ_MISSING, required[k], "missing %s", rf_names[required[k]]);
    static const int texts[] = { RF_ORDER, RF_CUSTOMER, RF_CHANNEL, RF_PRODUCT, RF_CATEGORY,
                                 RF_REGION, RF_ACCOUNT };
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        const struct rows_field *t = &v[texts[k]];
        if (has_high(t->p, t->n) && !rows_utf8_ok(t->p, t->n))
            REJECT(RJ_UTF8, texts[k], "invalid UTF-8 in %s", rf_names[texts[k]]);
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
    if (v[RF_UNIT_PRICE].n) {
        if (number_of(pl, v, cells, RF_UNIT_PRICE, FIELD_AMOUNT_MONEY, &price, rej))
            return 1;
        if (price < 0)
            REJECT(RJ_RANGE, RF_UNIT_PRICE, "negative unit_price: \"%.*s\"", SHOW(v[RF_UNIT_PRICE]));
        row.gross = q * price;
        row.net = row.gross * (1 - d);
    } else if (v[RF_REVENUE].n) {
        if (number_of(pl, v, cells, RF_REVENUE, FIELD_AMOUNT_MONEY, &x, rej))
            return 1;
        row.net = x;
        row.gross = d < 1 ? x / (1 - d) : x;
    } else {
        int f = pl->col[RF_UNIT_PRICE] >= 0 ? RF_UNIT_PRICE : RF_REVENUE;
        REJECT(RJ_MISSING, f, "missing %s", rf_names[f]);
    }
    /* A line's amounts stay below 1e15 in absolute value, so that sums
       over any realistic number of lines stay finite (1e300 x 1e300 is a
       valid product of two valid numbers, and inf in every total). */
    if (!(fabs(row.gross) < READER_MAX_AMOUNT && fabs(row.net) < READER_MAX_AMOUNT))
        REJECT(RJ_RANGE, v[RF_UNIT_PRICE].n ? RF_UNIT_PRICE : RF_REVENUE,
               "amount out of range: net %g is not below 1e15 in absolute value", row.net);
    row.quantity = q;

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
    } else if (!isnan(cc)) {
        row.cogs = q * cc;
    } else {
        row.cogs = row.net * (1 - o->default_margin);
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
    if (dataset_add(part->ds, &row, e) != CX_OK)
        return -1;
    return 0;
#undef REJECT
}
