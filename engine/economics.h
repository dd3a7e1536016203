/*
 * economics — cost to serve and profitability per channel, per segment and
 * channel, and per account (SPEC §2), with the statistics that say where a
 * difference is real: order-value and contribution-per-order distributions
 * with confidence intervals, Welch and Mann–Whitney tests against the best
 * channel (Holm-adjusted), bootstrap intervals of contribution per
 * customer, and the whale curve.
 *
 * Design: one pass over the lines sums each order (head) exactly in
 * ten-thousandths; every figure after that is built from orders: the
 * variable cost of an order is known from its own net, units and returns,
 * so an order's contribution is known before any grouping, and a group's
 * figures are sums of its orders plus its share of fixed costs (by net).
 * Sums over orders are integers or made in fixed chunks added in order, so
 * results are the same for any thread count.
 */
#ifndef CANAUX_ECONOMICS_H
#define CANAUX_ECONOMICS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/costmodel.h"
#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/features.h"
#include "engine/inference.h"
#include "engine/retention.h"

#define ECO_LOW_SUPPORT 30   /* cells with fewer customers are flagged */

/* Money and counts of a group of orders. */
struct eco_totals {
    uint64_t lines;          /* order lines */
    uint64_t orders;         /* orders with a positive net */
    uint64_t customers;      /* distinct customers (anonymous sales aside) */
    double units;            /* units sold */
    double units_returned;   /* units returned */
    double net, cogs, margin;
    double commission;       /* commission_rate x net */
    double order_cost;       /* cost_per_order x orders */
    double unit_cost;        /* cost_per_unit x units sold */
    double return_cost;      /* cost_per_return x units returned */
    double fixed_cost;       /* fixed cost of the period (channel), or its share by net (cell) */
    double channel_cost;     /* the sum of the five */
    double contribution;     /* margin - channel_cost */
    double sold_sq;          /* sum over orders of (units sold)^2: the variance of a ratio by order */
    double returned_sq;      /* sum over orders of (units returned)^2 */
    double sold_returned;    /* sum over orders of units sold x units returned */
};

struct eco_channel {
    struct eco_totals t;
    int cm;                  /* index in the cost model */
    struct inf_summary aov;  /* net of the positive orders */
    struct inf_summary cpo;  /* contribution per positive order (variable costs only) */
    struct inf_test welch;   /* contribution per order vs the best channel */
    struct inf_test mw;      /* Mann–Whitney, same comparison */
    double welch_p_holm, mw_p_holm; /* Holm-adjusted over the channels compared */
    double mw_cles;          /* P(an order of this channel beats one of the best) */
    double negative_customers_share; /* share of its customers with a negative contribution */
};

/* One cell of the segment x channel matrix; segment -1 holds anonymous sales. */
struct eco_cell {
    int segment;             /* segment index (0..k-1), or -1: anonymous sales */
    uint32_t channel;        /* channel id */
    struct eco_totals t;
    double cpc;              /* contribution per customer */
    double cpc_lo, cpc_hi;   /* its 95% bootstrap interval (NaN when fewer than 2 customers) */
    double cpc_sd;           /* standard deviation of contribution per customer (NaN under 2) */
    int low_support;         /* fewer than ECO_LOW_SUPPORT customers */
};

/* The customers of one segment who buy in two channels a < b, each with
   its mean contribution per positive order in a and in b: the comparison
   of the channels within the same customers (d = mean in a - mean in b). */
#define ECO_PAIR_MAX_CH 64   /* pairs are kept for at most this many channels */
struct eco_pair {
    uint64_t customers;      /* customers of the segment with positive orders in both */
    double sum_a, sum_b;     /* sums over them of the mean contribution per order in a, in b */
    double sum_d, sum_d2;    /* sum of d and of d^2 over them */
    double orders_a, orders_b; /* their positive orders in a and in b */
    double net_a, net_b;     /* their net of those orders, money */
};

struct eco_account {
    uint32_t account;        /* account id */
    uint32_t channel;        /* channel id */
    struct eco_totals t;
    double repeat_rate;      /* share of its customers with 2 or more positive orders there */
    int rank;                /* 1 = highest contribution within its channel */
};

/* A whale curve point: the top `customer_share` of a channel's customers
   by contribution make `cumulative_contribution` (money), which is
   `contribution_share` of the channel's total contribution; NAN when that
   total is zero or negative (a share of it would be inverted). */
struct eco_whale {
    uint32_t channel;
    double customer_share;
    double contribution_share;
    double cumulative_contribution;
};

struct economics {
    struct costmodel model;  /* the model used, with missing channels added */
    int32_t days;            /* days in the analysed period */
    uint32_t nch;            /* channels */
    struct eco_channel *ch;  /* per channel id */
    struct eco_totals all;   /* everything */
    int best;                /* channel with the highest mean contribution per order */
    size_t ncells;
    struct eco_cell *cells;  /* segment-major, then channel; anonymous last */
    size_t naccounts;
    struct eco_account *accounts;
    size_t nwhale;
    struct eco_whale *whale;
    double *head_contribution; /* per head: margin - variable channel cost (for retention) */
    uint64_t unmodelled_lines; /* lines of channels missing from the cost model */
    struct eco_pair *pairs;  /* nseg x nch x nch, [(seg * nch + a) * nch + b] for a < b; NULL when
                                there are more than ECO_PAIR_MAX_CH channels or no segments */
    uint64_t multichannel_customers; /* customers with positive orders in two channels or more */
};

/* Acquisition cost and payback of a channel (SPEC §2). */
struct eco_acq {
    double spend;            /* acquisition_spend x days / 365, money; NaN when no spend is known
                                (a channel the cost model lacks, or a spend of 0) */
    double cac;              /* spend / customers acquired in the channel (NaN when none or no spend) */
    double fy_mean;          /* first-year contribution per acquired customer observed a full
                                year (NaN when none) */
    double payback_months;   /* cac / (fy_mean / 12); NaN unless fy_mean > 0 */
    int cac_exceeds;         /* 1 when cac > fy_mean, 0 when not, -1 when unknown */
};

struct eco_options {
    int bootstrap;           /* resamples of the per-customer bootstrap (default 200) */
    uint64_t seed;           /* its seed */
};

void eco_defaults(struct eco_options *o);

/* Computes the economics of the lines in f's period. segment gives each
   customer id's segment (-1: none), nseg segments. model is copied; the
   data's channels it lacks are added at zero cost and flagged. Returns
   CX_OK or CX_EINTERNAL. Free with eco_free. */
int eco_compute(const struct dataset *ds, const struct features *f, const int16_t *segment, int nseg,
                const struct costmodel *model, const struct eco_options *o, struct economics *ec,
                struct cx_err *e);
void eco_free(struct economics *ec);

/* Months for first_year (a first-year contribution per customer) to pay
   back cac: cac / (first_year / 12); NaN unless both are known and
   first_year > 0. */
double eco_payback_months(double cac, double first_year);

/* CAC and payback of every channel from the acquisitions of r (computed
   with ec->head_contribution as head values) into acq[0..ec->nch). */
void eco_acquisition(const struct economics *ec, const struct retention *r, struct eco_acq *acq);

#endif
