/*
 * dataset — the accepted order lines in memory, columnar and compact.
 *
 * Every text field is interned once into a dense integer id (strtab), so a
 * line is a handful of integers and numbers. The fields that describe an
 * order rather than a line (order id, customer, day, channel, region,
 * account) are stored once per distinct combination, a "head", and lines
 * point at their head: real exports repeat those fields on every line of an
 * order, and storing them once keeps a line at 34 bytes. Heads also give the
 * later stages their orders directly (a positive-net order is a head whose
 * lines sum to a positive net).
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
};

struct dataset {
    struct strtab *text[DS_NTEXT];  /* interned text of each field */

    size_t n_heads;        /* distinct (order, customer, day, channel, region, account) */
    size_t cap_heads;      /* allocated heads */
    uint32_t *h_order;     /* order id string id */
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
    uint32_t *l_product;   /* product id */
    uint16_t *l_category;  /* category id, DS_NONE16 when none */
    float *l_qty;          /* quantity, units (negative = returned) */
    float *l_disc;         /* discount amount = gross - net, money */
    double *l_net;         /* net revenue, money */
    double *l_cogs;        /* cost of goods, money */

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

/* The text of id in field f ("" for DS_NONE/DS_NONE16). */
const char *dataset_text(const struct dataset *ds, enum ds_text f, uint32_t id);
/* Distinct values of field f. */
uint32_t dataset_count(const struct dataset *ds, enum ds_text f);
/* Bytes of memory held. */
size_t dataset_bytes(const struct dataset *ds);
/* Name of field f as in the SPEC ("order_id", "customer_id", ...). */
const char *dataset_field_name(enum ds_text f);

#endif
