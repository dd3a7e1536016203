/*
 * dataset — the accepted order lines in memory, columnar and compact.
 *
 * Every text field is interned once into a dense integer id (strtab), so a
 * line is a handful of integers and numbers. The fields that describe an
 * order rather than a line (order id, customer, day, channel, region,
 * account) are stored once per distinct combination, a "head", and lines
 * point at their head: real exports repeat those fields on every line of an
 * order, and storing them once keeps a line at 24 bytes (22 once
 * dataset_finish packs product ids). Heads also give the
 * later stages their orders directly (a positive-net order is a head whose
 * lines sum to a positive net).
 *
 * Order ids are the one text field with a value per order — millions of
 * them — and no output shows them, so they are kept as 64-bit fingerprints
 * (strtab_hash) rather than interned text: 8 bytes an order instead of
 * about 35. Two different order ids of one customer, day, channel, region
 * and account would have to share a fingerprint to be merged (about 2^-64);
 * the distinct-order count is off by one only if two of n order ids share
 * one (about n^2 / 2^65: 2e-7 at 2.6 million orders).
 *
 * A dataset can be appended to another exactly (dataset_append): string ids
 * are re-interned in the order the parts are given, so loading a file in
 * parallel parts and appending them in input order gives the same ids as a
 * one-thread load; it is also how datasets loaded on separate machines would
 * be combined.
 */
#ifndef CANAUX_DATASET_H
#define CANAUX_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/strtab.h"

/* The text fields that are interned. */
enum ds_text {
    DS_ORDER, DS_CUSTOMER, DS_PRODUCT, DS_CHANNEL, DS_CATEGORY, DS_REGION,
    DS_ACCOUNT, DS_NTEXT
};

#define DS_NONE   UINT32_MAX   /* absent 32-bit id (anonymous customer, no account) */
#define DS_NONE16 UINT16_MAX   /* absent 16-bit id (no category, no region) */
#define DS_MAX_CHANNELS 255    /* channel ids are 8-bit */
#define DS_MAX_SMALL    65535  /* distinct categories or regions: 16-bit ids */

/* Money is held as a whole number of ten-thousandths in 32 bits — exact for
   amounts with up to four decimals below 214,748.3647, which is nearly
   every order line — and sums of it are exact. A line with an amount that
   does not fit is marked DS_MONEY_BIG and its three amounts are kept as
   doubles in a short list on the side. */
#define DS_MONEY_SCALE 10000.0
#define DS_MONEY_BIG INT32_MIN
enum ds_money { DS_NET, DS_COGS, DS_DISC };

/* One accepted line as the loader hands it over. Text is not NUL-terminated;
   a length of 0 means absent (an empty customer is an anonymous sale). */
struct ds_row {
    const char *text[DS_NTEXT];  /* text of each field */
    size_t len[DS_NTEXT];        /* its length in bytes */
    int32_t day;                 /* order date, days since 1970-01-01 */
    double quantity;             /* units; negative = returned */
    double gross;                /* quantity x unit price, money */
    double net;                  /* gross x (1 - discount): the line's revenue */
    double cogs;                 /* cost of goods of the line, money */
    int price_unsure;            /* 1 when the revenue disagrees with quantity x unit_price:
                                    its unit price as invoiced is not known */
};

struct dataset {
    struct strtab *text[DS_NTEXT];  /* interned text of each field */

    size_t n_heads;        /* distinct (order, customer, day, channel, region, account) */
    size_t cap_heads;      /* allocated heads */
    uint64_t *h_order;     /* 64-bit fingerprint of the order id (its text is not kept) */
    uint32_t *h_customer;  /* customer id, DS_NONE for an anonymous sale */
    uint32_t *h_account;   /* account id, DS_NONE when none */
    int32_t *h_day;        /* days since 1970-01-01 */
    uint16_t *h_region;    /* region id, DS_NONE16 when none */
    uint8_t *h_channel;    /* channel id */
    uint64_t *h_slots;     /* hash index of heads: hash << 32 | head id; all ones when empty */
    size_t h_nslots;       /* a power of two */

    size_t n_lines;        /* accepted lines */
    size_t cap_lines;      /* allocated lines */
    uint32_t *l_head;      /* head id of each line */
    uint32_t *l_product;   /* product id; NULL after dataset_finish packed them in l_product16 */
    uint16_t *l_product16; /* product id, when dataset_finish packed them (at most 65,536 products) */
    float *l_qty;          /* quantity, units (negative = returned) */
    int32_t *l_net;        /* net revenue, ten-thousandths of money, or DS_MONEY_BIG */
    int32_t *l_cogs;       /* cost of goods, likewise */
    int32_t *l_disc;       /* discount amount = gross - net, likewise */

    /* A line's category is its product's (that of the product's first
       line), save for the lines listed here: 2 bytes a line saved, since a
       category is nearly always an attribute of the product. */
    uint16_t *p_category;  /* category id of each product id, DS_NONE16 when none */
    uint8_t *p_mixed;      /* 1 when some line of the product has another category */
    size_t n_pcat;         /* products with p_category set (= distinct products) */
    size_t cap_pcat;       /* allocated products */
    size_t n_xcat;         /* lines whose category differs from their product's */
    size_t cap_xcat;       /* allocated entries */
    uint64_t *xcat_line;   /* those lines, increasing */
    uint16_t *xcat_val;    /* their category id */

    size_t n_big;          /* lines whose amounts are kept as doubles */
    size_t cap_big;        /* allocated entries */
    uint64_t *big_line;    /* their line numbers, increasing */
    double *big_val;       /* net, cogs, discount amount of each, money */

    size_t n_unsure;       /* lines whose unit price is not known (ds_row.price_unsure) */
    size_t cap_unsure;     /* allocated entries */
    uint64_t *unsure_line; /* their line numbers, increasing: left out of price comparisons */

    int finished;          /* dataset_finish was called: no more lines */
    uint32_t n_orders;     /* distinct order fingerprints, counted by dataset_finish */

    uint32_t last_head;    /* head of the previous dataset_add, DS_NONE at first */
    uint32_t last_id[DS_NTEXT]; /* text ids of the previous dataset_add */
    char *last_text;       /* copy of its head fields' text, to compare the next row with */
    size_t last_len[DS_NTEXT]; /* their lengths */
    size_t last_cap;       /* bytes allocated for last_text */
};

/* Returns a new empty dataset, or NULL when out of memory. Free with
   dataset_free. */
struct dataset *dataset_create(void);
/* Frees ds and everything it holds; accepts NULL. */
void dataset_free(struct dataset *ds);
/* Empties ds, keeping its memory for reuse. */
void dataset_clear(struct dataset *ds);

/* Adds one line; copies the text. Returns CX_OK, or an error (out of memory,
   too many channels/categories/regions) recorded in e. */
int dataset_add(struct dataset *ds, const struct ds_row *row, struct cx_err *e);

/* Appends parts[0..n) to dst in that order, re-interning their text, in
   parallel where it can: the result is the same as adding every line of
   parts[0], then parts[1], ... with dataset_add. The parts are not changed.
   Returns CX_OK or an error recorded in e (dst may then hold part of it). */
int dataset_append(struct dataset *dst, struct dataset *const *parts, size_t n,
                   struct cx_err *e);

/* Frees what only loading needs (the index of heads, 8 bytes a head and
   more); a later dataset_add or dataset_append rebuilds it. */
void dataset_seal(struct dataset *ds);

/* Ends loading for good: frees the indexes of heads and of text, the
   order-id fingerprints (8 bytes a head; their distinct count is kept for
   dataset_count) and packs product ids into 16 bits when there are at most
   65,536 products (2 bytes a line). A later dataset_add or dataset_append,
   to or from ds, fails with CX_EINTERNAL. Returns CX_OK, or CX_EINTERNAL
   when out of memory (ds is then unchanged but for its index). */
int dataset_finish(struct dataset *ds, struct cx_err *e);

/* The product id of line i. */
static inline uint32_t dataset_product(const struct dataset *ds, size_t i)
{
    return ds->l_product16 ? ds->l_product16[i] : ds->l_product[i];
}

/* An amount of a line kept on the side (the line's column holds
   DS_MONEY_BIG). */
double dataset_big(const struct dataset *ds, size_t line, enum ds_money which);

/* The net, cogs or discount amount of line i, in money. */
static inline double dataset_money(const struct dataset *ds, const int32_t *col, size_t i,
                                   enum ds_money which)
{
    int32_t v = col[i];
    return v != DS_MONEY_BIG ? v / DS_MONEY_SCALE : dataset_big(ds, i, which);
}
static inline double dataset_net(const struct dataset *ds, size_t i)
{
    return dataset_money(ds, ds->l_net, i, DS_NET);
}
static inline double dataset_cogs(const struct dataset *ds, size_t i)
{
    return dataset_money(ds, ds->l_cogs, i, DS_COGS);
}
static inline double dataset_disc(const struct dataset *ds, size_t i)
{
    return dataset_money(ds, ds->l_disc, i, DS_DISC);
}

/* An exact sum of amounts: whole ten-thousandths plus the amounts kept on
   the side. Adding in a fixed order keeps the side part deterministic. */
struct ds_sum {
    int64_t units;   /* ten-thousandths */
    double big;      /* amounts kept as doubles */
};
static inline void ds_sum_add(struct ds_sum *s, const struct dataset *ds, const int32_t *col,
                              size_t i, enum ds_money which)
{
    int32_t v = col[i];
    if (v != DS_MONEY_BIG)
        s->units += v;
    else
        s->big += dataset_big(ds, i, which);
}
static inline void ds_sum_merge(struct ds_sum *s, const struct ds_sum *t)
{
    s->units += t->units;
    s->big += t->big;
}
static inline double ds_sum_value(const struct ds_sum *s)
{
    return (double)s->units / DS_MONEY_SCALE + s->big;
}

/* The category id of line i (DS_NONE16 when none). */
uint16_t dataset_category_listed(const struct dataset *ds, size_t i);
static inline uint16_t dataset_category(const struct dataset *ds, size_t i)
{
    uint32_t p = dataset_product(ds, i);
    return ds->p_mixed[p] ? dataset_category_listed(ds, i) : ds->p_category[p];
}

/* The text of id in field f ("" for DS_NONE/DS_NONE16, and for DS_ORDER,
   whose text is not kept). */
const char *dataset_text(const struct dataset *ds, enum ds_text f, uint32_t id);
/* Distinct values of field f (for DS_ORDER, distinct order fingerprints,
   counted by sorting a copy: O(heads) time and 8 bytes a head for the
   call; UINT32_MAX when out of memory). */
uint32_t dataset_count(const struct dataset *ds, enum ds_text f);
/* Bytes of memory held. */
size_t dataset_bytes(const struct dataset *ds);
/* Name of field f as in the SPEC ("order_id", "customer_id", ...). */
const char *dataset_field_name(enum ds_text f);

#endif
