/*
 * objectives — targets for each channel and for each account inside a
 * channel (agents, stores, resellers): new customers won a year, 180-day
 * retention of the customers won and their lifetime value, each set
 * against the unit's peers and given only where the gap is beyond noise
 * (docs/clv.md, "Objectives").
 *
 * The rule, per metric of a unit (an account with min_customers customers
 * or more in accounts.csv; a channel that won min_customers customers):
 *  - Benchmark: the upper quartile (GSL's quantile rule) of the metric
 *    over the unit's peers — the accounts of the same channel, or the
 *    channels — that can be measured on it, itself included; none with
 *    fewer than min_peers of them (4 accounts, 3 channels).
 *  - Test, when the unit is below its benchmark, of H0 "the unit is at the
 *    benchmark": a one-sided z of the difference, whose variance is the
 *    unit's figure's plus the benchmark's (the benchmark is made of the
 *    peers' figures around the quartile, each with its sampling
 *    variance: Poisson for the customers won, binomial for retention
 *    over the customers eligible for 180 days, sd^2 / n for the mean
 *    CLV, plus a channel's model variance, clv_model_se^2). Retention and CLV need min_customers customers to be measured.
 *    Holm over every test of the level (accounts, channels).
 *  - Objective: the corrected p below alpha and a gap that matters (a
 *    relative min_effect for new customers and CLV, retention_gap points
 *    of retention); target = the benchmark, else the current figure.
 *  - Impact, money a year: new customers, gap x first-year contribution
 *    of a customer won in the channel; retention, gap x customers won a
 *    year x what a retained customer adds in its first year; CLV, gap x
 *    the unit's customers with a CLV. Empty where that value is unknown
 *    (a channel the cost model lacks, too few customers observed a year);
 *    no objective where it is zero or less (winning or keeping customers
 *    who lose money is no target).
 *  - Channels get no new-customers target: how many customers a channel
 *    wins follows from what is spent on it, not from the other channels.
 *    A channel the cost model lacks gets no CLV target and is no peer for
 *    one (its CLV holds no channel cost).
 *
 * Design: obj_targets() works on figures only (struct obj_unit), so the
 * rules are tested by hand; obj_compute() gathers the figures from the
 * dataset, the economics, retention and lifetime value in one pass over
 * the customers, in customer id order: the same results for any thread
 * count.
 */
#ifndef CANAUX_OBJECTIVES_H
#define CANAUX_OBJECTIVES_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/ltv.h"
#include "engine/retention.h"

enum obj_level { OBJ_CHANNEL, OBJ_ACCOUNT };
enum obj_metric { OBJ_NEW_CUSTOMERS, OBJ_RETENTION, OBJ_CLV, OBJ_NMETRICS };

/* "channel" / "account"; "new_customers_per_year", "retention_180",
   "clv_per_customer". */
const char *obj_level_name(int level);
const char *obj_metric_name(int metric);

struct obj_options {
    uint32_t min_customers;  /* customers a unit needs, and a test's sample (30) */
    uint32_t min_peers;      /* accounts needed for a benchmark (4) */
    uint32_t min_channel_peers; /* channels needed for one (3) */
    double alpha;            /* level after Holm (0.01) */
    double min_effect;       /* relative gap of new customers and CLV that matters (0.15) */
    double retention_gap;    /* gap of retention, points, that matters (0.05) */
};

/* The defaults above (alpha, min_effect and retention_gap are those of
   [recommendations]). */
void obj_defaults(struct obj_options *o);

/* What a unit's targets are set from. */
struct obj_unit {
    int level;               /* enum obj_level */
    uint32_t channel;        /* channel id */
    uint32_t account;        /* account id, DS_NONE for a channel */
    uint64_t customers;      /* its customers (accounts.csv's, or customers won for a channel) */
    double days;             /* days of the period */
    uint32_t won;            /* customers acquired through it in the period */
    uint32_t eligible;       /* of them, observed 180 days */
    uint32_t retained;       /* of those, with a positive order 1 .. 180 days later */
    uint32_t n_clv;          /* of the customers won, those with a CLV */
    double clv_mean, clv_sd; /* their mean CLV and its standard deviation, money */
    double clv_model_se;     /* a channel's: the standard error of clv_mean from its models'
                                estimates (0 for accounts: a channel's accounts share its model) */
    double value_new;        /* first-year contribution of a customer won in the channel, NaN unknown */
    double value_retained;   /* what a retained customer adds in its first year, NaN unknown */
    int costed;              /* its channel is in the cost model */
};

/* One row of objectives.csv. */
struct obj_row {
    int level, metric;
    uint32_t channel, account;
    double current;          /* the unit's figure (NaN when it cannot be measured) */
    double benchmark;        /* the peers' upper quartile (NaN without enough peers) */
    double target;           /* the benchmark when objective, else current */
    double gap;              /* target - current */
    double impact;           /* money a year (NaN: none or unknown) */
    uint32_t peers;          /* units the benchmark was taken over */
    double sample;           /* the test's sample: customers won (count), eligible, with a CLV */
    double stat, p, p_adj;   /* z of the unit against the benchmark; NaN when not tested */
    int objective;           /* 1 when a target is set */
};

struct objectives {
    struct obj_options opt;
    size_t n;
    struct obj_row *r;       /* channel rows (by channel, metric), then account rows (in the
                                order of the units, by metric) */
};

/* The rows of units u[0..n) (a metric per row, every unit with
   min_customers customers; channels without the new-customers metric).
   Returns CX_OK, or CX_EINTERNAL when out of memory. Free with obj_free. */
int obj_targets(const struct obj_unit *u, size_t n, const struct obj_options *o, struct objectives *out,
                struct cx_err *e);

/* The units of the run: every channel, and every account of ec->accounts
   (accounts.csv) with its customers won (retention's acquiring order's
   account), their retention and their CLV (lv, NULL: none), then
   obj_targets. Returns as obj_targets. */
int obj_compute(const struct dataset *ds, const struct economics *ec, const struct retention *rt,
                const struct ltv *lv, const struct obj_options *o, struct objectives *out, struct cx_err *e);

void obj_free(struct objectives *ob);

#endif
