/*
 * features — buying habits per customer over the analysed period (SPEC §3):
 * recency, frequency, monetary, average order value, tenure, days between
 * orders, return rate, discount rate, category breadth, and the main
 * channel.
 *
 * Computed in parallel in three passes without locks on doubles: line
 * amounts are summed per order and per customer as 64-bit integers of
 * ten-thousandths (integer addition does not care about order, so atomic
 * adds give the same result for any thread count), then each customer's
 * orders are walked through an index of orders by customer. Anonymous lines
 * are left out; a customer whose net is zero or negative is kept.
 */
#ifndef CANAUX_FEATURES_H
#define CANAUX_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/dataset.h"

enum feat_id {
    F_RECENCY,        /* as-of - last positive order (last order of any kind when none), days */
    F_FREQUENCY,      /* orders with a positive net */
    F_MONETARY,       /* total net, returns included, money */
    F_AOV,            /* net of positive orders / their count, money (0 when none) */
    F_TENURE,         /* as-of - first order, days */
    F_INTERPURCHASE,  /* (last - first positive order) / (frequency - 1), days; tenure when frequency < 2 */
    F_RETURN_RATE,    /* units returned / units sold (0 when none sold) */
    F_DISCOUNT_RATE,  /* discount amount / gross of the sold lines (0 when none) */
    F_BREADTH,        /* distinct categories of the customer's lines */
    F_N
};

struct features {
    uint32_t n;             /* customer ids of the dataset: 0 .. n-1 */
    uint32_t n_present;     /* customers with at least one line in the period */
    uint8_t *present;       /* 1 when the customer has a line in the period */
    double *v[F_N];         /* each feature, per customer id */
    uint8_t *main_channel;  /* channel id with the most net of positive orders (any order when none) */
    uint32_t nch;           /* channels of the dataset */
    float *chan_share;      /* n x nch: share of the customer's net of positive orders by
                               channel (all 0 when it has no positive order) */
    uint64_t *key;          /* hash of the customer id's text: an order of customers that does
                               not depend on the order of the input rows */
    int32_t from, to;       /* the analysed period, days since 1970-01-01, both included;
                               to is never after asof */
    int32_t asof;           /* the as-of date */
    size_t lines;           /* lines in the period (anonymous ones included) */
    size_t lines_after_asof;   /* lines dated after a given as-of date: counted, never analysed
                                  (0 when the as-of date is the default, the last date) */
    size_t orders_after_asof;  /* their orders (heads: order id, customer, day, channel, region,
                                  account) */
};

/* Name of a feature as in customers.csv ("recency_days", ...). */
const char *features_name(enum feat_id f);

/* Computes the features of every customer over lines whose order date lies
   in [from, to] (INT32_MIN / INT32_MAX for no bound), as of asof
   (INT32_MIN: the last date in [from, to]). A given as-of date closes the
   period: f->to is then min(to, asof), and lines dated after asof are
   counted (lines_after_asof, orders_after_asof) and used for nothing else,
   here or in any stage that takes its period from f. Otherwise f->to is
   the bound given, or the last date of [from, to] with a line. Returns
   CX_OK; CX_EUSAGE when the period holds no line or asof is before its
   first line; CX_EINTERNAL when out of memory. Free with features_free. */
int features_compute(const struct dataset *ds, int32_t from, int32_t to, int32_t asof,
                     struct features *f, struct cx_err *e);
void features_free(struct features *f);

/* YYYY-MM-DD of a day since 1970-01-01, into out. */
void features_day_text(int32_t day, char out[32]);

/* Lines and orders (heads) of ds dated after asof, into *lines and
   *orders: what the as-of date leaves out of the analysis. */
void features_count_after(const struct dataset *ds, int32_t asof, size_t *lines, size_t *orders);

#endif
