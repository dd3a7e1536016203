/*
 * ltv — the lifetime value of the analysed customers: engine/clv's BG/NBD
 * and Gamma-Gamma fitted to the dataset's orders, over all customers and
 * per channel of acquisition, the value of each customer over a horizon
 * in contribution, the holdout check of the model against the orders
 * after the as-of date, and LTV:CAC per channel (docs/clv.md).
 *
 * Definitions (days throughout; the period and the acquisition channel
 * are those of struct features and struct retention):
 *  - A purchase is an order (head) of a named customer that sells a unit
 *    and whose net is not negative: a free order is one (CDNOW has a few,
 *    and the published fits count them), a return is not. A purchase
 *    day is a day with a purchase; its value is their net. The model's
 *    customers are those with a purchase day in the period, each counted
 *    in its acquisition channel (retention's: its first positive order),
 *    or in its main channel when all its purchases were free.
 *  - The calibration ends on retention's obs_end: x, t_x and T are
 *    counted to it (T from the first purchase day).
 *  - Fits: one over every customer (pooled), then one per acquisition
 *    channel with at least min_customers customers and min_repeat repeat
 *    customers (200 and 30: below that a channel's four parameters are
 *    poorly determined), started from the pooled estimates. A channel
 *    without its own fit (too small, a fit that fails, or a Gamma-Gamma
 *    with q <= 1, whose mean order value is infinite) uses the pooled
 *    fit, and says why in bg_status / gg_status.
 *  - clv = the discounted expected net over the horizon (clv_predict) x
 *    the acquisition channel's contribution ratio before fixed costs,
 *    (contribution + fixed cost) / net of the channel in the period.
 *  - Uncertainty of a channel's mean CLV: over its customers (a bootstrap,
 *    the parameters fixed) and from the fits' estimates (the delta method
 *    with their covariance; where a fit's Hessian is singular, its
 *    pseudo-inverse in cov_log); LTV:CAC's interval takes in both.
 *  - Holdout (holdout_days N > 0): the calibration must end on the as-of
 *    date; each customer's purchase days in (as-of, as-of + N] are its
 *    actual repeat purchases, E[Y(N) | x, t_x, T] the predicted ones.
 *
 * Design: one pass over the lines sums each head's net in ten-thousandths,
 * the positive heads become clv_from_days' rows, and the fits and
 * predictions run on engine/clv's compressed customers. Predictions are
 * made per channel with that channel's parameters (the pooled ones for
 * every channel that falls back, in one call). Means are summed in
 * customer id order and intervals come from inf_bootstrap_mean, so every
 * figure is the same for any thread count. Out of memory fails the call;
 * a fit that cannot be made is a status, not a failure: the run goes on
 * with the customers' values left empty (NaN) where no model applies.
 */
#ifndef CANAUX_LTV_H
#define CANAUX_LTV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/clv.h"
#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/retention.h"

#define LTV_NO_CHANNEL 0xFF  /* channel of a customer outside the model */
#define LTV_NCAL 8           /* calibration table rows: 0 .. 6 repeat purchases, then 7 or more */

struct ltv_options {
    double horizon_days;     /* H of clv_365d and expected_purchases_365d ([clv] horizon_days) */
    double discount_rate;    /* annual ([clv] discount_rate) */
    uint32_t min_customers;  /* customers a channel needs for a fit of its own */
    uint32_t min_repeat;     /* repeat customers (x > 0) it needs too */
    int32_t holdout_days;    /* N of --holdout-days; 0: no holdout */
    int bootstrap;           /* resamples of the interval of a channel's mean clv */
    uint64_t seed;           /* their seed */
};

/* The defaults: 365 days, 10%, 200 customers and 30 repeat customers, no
   holdout, 200 resamples, seed 1. */
void ltv_defaults(struct ltv_options *o);

/* Why a model is or is not fitted (ltv_status_name gives the word). */
enum ltv_status {
    LTV_FITTED,              /* fitted to these customers */
    LTV_FEW_CUSTOMERS,       /* a channel below min_customers: the pooled fit serves */
    LTV_FEW_REPEAT,          /* below min_repeat repeat customers (none at all for the pooled fit) */
    LTV_FAILED,              /* the fit did not converge or could not be made (msg says why) */
    LTV_INFINITE_MEAN        /* Gamma-Gamma with q <= 1: no finite mean order value */
};
const char *ltv_status_name(int status);

/* One channel of acquisition. */
struct ltv_channel {
    uint32_t customers;      /* customers acquired in it (the model's customers) */
    uint32_t repeat;         /* of them, with a repeat purchase day */
    int bg_status, gg_status;/* LTV_FITTED: its own fit; else why the pooled one serves */
    struct clv_bg_fit bg;    /* its own BG/NBD fit (when bg_status is LTV_FITTED) */
    struct clv_gg_fit gg;    /* its own Gamma-Gamma fit (when gg_status is LTV_FITTED) */
    char msg[200];           /* why a fit failed (LTV_FAILED), else "" */
    double contribution_ratio; /* (contribution + fixed cost) / net, NaN unless net > 0 */
    uint32_t n_value;        /* customers with a clv */
    double clv_mean;         /* their mean clv, money */
    double clv_sd;           /* its standard deviation across customers (NaN under 2) */
    double clv_lo, clv_hi;   /* 95% bootstrap interval of clv_mean over customers, the models'
                                parameters held fixed (NaN under 2) */
    double clv_model_se;     /* standard error of clv_mean from the models' estimates (delta
                                method, see ltv.c); NaN when unknown */
    double p_alive_mean;     /* mean P(alive) of its customers */
    double purchases_mean;   /* mean expected purchase days in the horizon */
    double value_mean;       /* mean expected order value (customers with one) */
    double cac;              /* eco_acquisition's CAC, NaN when no spend is known */
    double spend;            /* its acquisition spend in the period, NaN when unknown */
    double ltv_cac;          /* clv_mean / cac; NaN without a cac */
    double ltv_cac_lo, ltv_cac_hi; /* its 95% interval: the bootstrap's half-widths and 1.96
                                clv_model_se added in quadrature, over cac */
    double hold_actual;      /* holdout: actual repeat purchase days of its customers */
    double hold_predicted;   /* predicted ones */
    double hold_abs_err;     /* sum over its customers of |actual - predicted| */
};

/* A row of the calibration table: customers with x repeat purchase days
   in the calibration (7 or more in the last row). */
struct ltv_cal {
    uint32_t customers;
    double actual;           /* their holdout purchase days, summed */
    double predicted;        /* their predicted ones, summed */
    double abs_err;          /* sum of |actual - predicted| */
};

struct ltv {
    struct ltv_options opt;  /* the options it ran with */
    uint32_t n;              /* customer ids (as struct features) */
    uint32_t nch;            /* channels */
    int32_t cal_end;         /* the calibration's last day (retention's obs_end) */
    uint32_t customers;      /* the model's customers */
    uint32_t repeat;         /* of them with a repeat purchase day */
    size_t purchase_days;    /* their purchase days in the calibration */
    int bg_status, gg_status;/* the pooled fits: LTV_FITTED, LTV_FEW_REPEAT or LTV_FAILED (gg also
                                LTV_INFINITE_MEAN) */
    struct clv_bg_fit bg;    /* the pooled BG/NBD fit (days) */
    struct clv_gg_fit gg;    /* the pooled Gamma-Gamma fit */
    char msg[200];           /* why a pooled fit failed, else "" */
    struct ltv_channel *ch;  /* nch: by acquisition channel */

    /* Per customer id; NaN for a customer outside the model, or without a
       model that applies (value and clv need a Gamma-Gamma fit, clv a
       contribution ratio). */
    double *p_alive;         /* P(alive) at the calibration's end */
    double *purchases;       /* expected purchase days in the horizon */
    double *value;           /* expected order value (net), money */
    double *clv;             /* discounted expected contribution in the horizon, money */
    uint8_t *channel;        /* the channel it is counted in (its acquisition channel, or its main
                                channel when all its purchases were free), LTV_NO_CHANNEL outside */

    /* The holdout (holdout_days > 0). */
    int32_t hold_end;        /* as-of + N */
    int32_t last_day;        /* the last date of the data (the window may run past it) */
    size_t hold_orders;      /* positive orders of named customers in the window */
    double hold_actual;      /* actual repeat purchase days, all customers */
    double hold_predicted;   /* predicted ones */
    double hold_abs_err;     /* sum of |actual - predicted| */
    struct ltv_cal cal[LTV_NCAL];
};

/* Fits and predicts for the customers of f (computed on ds), with their
   acquisition from rt and the channels' contribution and CAC from ec (rt
   computed with ec's head contributions, as cli/pipeline.c does).
   Returns CX_OK with out filled (free with ltv_free); CX_EUSAGE when
   holdout_days > 0 and the calibration does not end on the as-of date,
   or an option is out of range; CX_EINTERNAL when out of memory. A model
   that cannot be fitted is not an error (see the statuses). */
int ltv_compute(const struct dataset *ds, const struct features *f, const struct retention *rt,
                const struct economics *ec, const struct ltv_options *o, struct ltv *out,
                struct cx_err *e);

/* Frees what l holds and zeroes it; a zeroed struct is fine. */
void ltv_free(struct ltv *l);

/* The BG/NBD and Gamma-Gamma parameters that apply to channel c (its own
   or the pooled ones), or NULL when none does. */
const struct clv_bg_fit *ltv_channel_bg(const struct ltv *l, uint32_t c);
const struct clv_gg_fit *ltv_channel_gg(const struct ltv *l, uint32_t c);

#endif
