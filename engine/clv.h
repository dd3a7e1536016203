/*
 * clv — customer lifetime value: the BG/NBD model of repeat purchases
 * (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way") and
 * the Gamma-Gamma model of order value (Fader, Hardie & Lee 2005, "RFM and
 * CLV"), fitted by maximum likelihood, with the per-customer predictions
 * built from them: P(alive), expected purchases over a horizon, expected
 * order value and discounted expected value. docs/clv.md has the formulas
 * and names the function behind each.
 *
 * A customer is summarised by x = repeat purchase days (purchase days - 1;
 * purchases on the same day count as one), t_x = time from the first to the
 * last purchase day, T = time from the first purchase day to the as-of date
 * (one time unit throughout: days in canaux; weeks in the published CDNOW
 * figures: alpha scales with the unit, r, a, b do not) and, for
 * Gamma-Gamma, m = the mean net of the x repeat purchase days.
 * clv_from_days() builds these from purchase rows.
 *
 * Design: the BG/NBD likelihood depends on a customer through (x, t_x, T)
 * only, and customers with the same triple in whole days are common, so
 * clv_bg_data_create() compresses them to distinct triples with counts, and
 * further to distinct x values and distinct times, so that an evaluation
 * costs one exp and one log per distinct triple with x > 0 (lgamma,
 * digamma and trigamma once per distinct x, a log per distinct time).
 * Triples are summed in fixed chunks of CLV_CHUNK, each chunk in order,
 * and the chunks' partial sums are added in chunk order: the
 * log-likelihood, the fit and every prediction are identical to the last
 * bit for any OpenMP thread count. Fits work on the log of the parameters
 * from a deterministic starting point: GSL's vector_bfgs2 with the
 * analytic gradient until near the optimum, then Newton steps with the
 * analytic Hessian; the standard errors come from that Hessian at the
 * optimum and the delta method. Predictions compress customers to
 * distinct (x, T), on which the Gauss hypergeometric function depends,
 * before evaluating it. Measured on 670,000 simulated customers (374,831
 * distinct triples in whole days, one core): compression 0.04 s, BG/NBD
 * fit 0.10 s, Gamma-Gamma 0.06 s, predictions over 12 months 0.08 s
 * (docs/clv.md).
 *
 * Nothing here prints. Every function that can fail returns a cx_status
 * and records a message in e: CX_EUSAGE for bad input (naming the customer
 * index and the field), CX_EINTERNAL for out of memory or a numerical
 * failure (a fit that does not converge, a 2F1 that GSL cannot evaluate).
 * GSL's error handler must be off (cli/ turns it off at start).
 */
#ifndef CANAUX_CLV_H
#define CANAUX_CLV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"

#define CLV_CHUNK 8192   /* distinct triples (BG/NBD) or customers (Gamma-Gamma) per chunk */

/* ---- customer summaries from purchase rows ---- */

/* What clv_from_days() read: rows = rows_used + rows_after. */
struct clv_days_info {
    size_t rows;          /* rows given */
    size_t rows_used;     /* rows dated on or before the as-of day */
    size_t rows_after;    /* rows dated after the as-of day: not in x, t_x, T, m */
    size_t rows_holdout;  /* of those, rows dated up to hold_end (the holdout window) */
    size_t days;          /* purchase days (customer, day) on or before the as-of day */
    uint32_t customers;   /* customers with a purchase day on or before the as-of day */
    uint32_t absent;      /* customers without one: x = 0, t_x = T = m = NaN */
};

/* Builds the summaries of customers 0 .. ncust-1 from nrows purchase rows
   (cust[i], day[i], net[i]), in any order; day in days since 1970-01-01.
   Rows of one customer on one day are one purchase day whose net is the
   sum of theirs (added in row order). Only rows with day <= asof count;
   later rows are counted in info->rows_after, and, when hold != NULL, the
   distinct days in (asof, hold_end] of each customer are written to
   hold[c] (the holdout's actual repeat purchase days; hold_end <= asof
   gives 0 everywhere). Times are divided by `unit` (days per time unit: 1
   for days, 7 for weeks). Writes, for each customer c: x[c] (purchase days
   - 1), tx[c] (last - first purchase day), T[c] (asof - first purchase
   day) and, when net and m are not NULL, m[c] (mean net of the purchase
   days after the first; 0 when x = 0). A customer with no row on or
   before asof gets x = 0 and NaN t_x, T and m, which every function below
   rejects: pass only customers present at asof.
   The arrays are caller-owned (cust, day, net of nrows; x, tx, T, m, hold
   of ncust); temporary memory of 8 bytes a row and 4 a customer is freed
   before returning. Returns CX_OK; CX_EUSAGE when a customer index is >=
   ncust, a net is not finite, unit is not positive and finite, or nrows
   >= 2^32; CX_EINTERNAL when out of memory. Outputs are unspecified on
   failure. */
int clv_from_days(const uint32_t *cust, const int32_t *day, const double *net, size_t nrows,
                  uint32_t ncust, int32_t asof, int32_t hold_end, double unit, uint32_t *x,
                  double *tx, double *T, double *m, uint32_t *hold, struct clv_days_info *info,
                  struct cx_err *e);

/* ---- parameters and fits ---- */

/* BG/NBD: purchase rate lambda ~ Gamma(shape r, rate alpha); after each
   repeat purchase the customer drops out with probability p ~ Beta(a, b). */
struct clv_bg {
    double r;        /* shape of the purchase-rate distribution */
    double alpha;    /* its rate, in the time unit of t_x and T */
    double a, b;     /* Beta parameters of the dropout probability */
};

/* Gamma-Gamma: each purchase day's net ~ Gamma(shape p, rate nu), nu ~
   Gamma(shape q, rate v) across customers; mean spend p nu^-1. */
struct clv_gg {
    double p;        /* shape of a purchase day's net */
    double q;        /* shape of the customers' rate nu */
    double v;        /* rate of nu, in money */
};

/* How a fit runs. */
struct clv_fit_opts {
    unsigned max_iter;    /* BFGS iterations at most */
    double grad_tol;      /* stop when the gradient of the mean negative log-likelihood per
                             customer, w.r.t. the log-parameters, has Euclidean norm below this */
};

/* The defaults: max_iter 500, grad_tol 1e-9. */
void clv_fit_defaults(struct clv_fit_opts *o);

/* A BG/NBD fit. */
struct clv_bg_fit {
    struct clv_bg par;      /* maximum-likelihood estimates */
    struct clv_bg se;       /* their standard errors (delta method); NaN when se_ok is 0 */
    double cov_log[4][4];   /* covariance of (log r, log alpha, log a, log b): the inverse
                               Hessian of -LL; NaN when se_ok is 0 */
    int se_ok;              /* 1 when the Hessian was positive definite */
    double ll;              /* log-likelihood at par (depends on the time unit: docs/clv.md) */
    double grad_norm;       /* norm of the mean gradient (log scale) where the fit stopped */
    unsigned iterations;    /* BFGS iterations taken */
    unsigned newton;        /* Newton steps of the final polish (docs/clv.md) */
    unsigned evals;         /* evaluations of the log-likelihood and its gradient */
    size_t n;               /* customers */
    size_t n_distinct;      /* distinct (x, t_x, T) */
};

/* A Gamma-Gamma fit. */
struct clv_gg_fit {
    struct clv_gg par;      /* maximum-likelihood estimates */
    struct clv_gg se;       /* standard errors (delta method); NaN when se_ok is 0 */
    double cov_log[3][3];   /* covariance of (log p, log q, log v); NaN when se_ok is 0 */
    int se_ok;              /* 1 when the Hessian was positive definite */
    double ll;              /* log-likelihood at par (density of the mean m: docs/clv.md) */
    double grad_norm;       /* norm of the mean gradient (log scale) where the fit stopped */
    unsigned iterations;    /* BFGS iterations taken */
    unsigned newton;        /* Newton steps of the final polish */
    unsigned evals;         /* evaluations of the log-likelihood and its gradient */
    size_t n;               /* customers in the fit: x > 0 and m > 0 */
    size_t n_zero;          /* customers left out because x = 0 */
    size_t n_nonpos;        /* customers left out because x > 0 but m <= 0 */
};

/* ---- BG/NBD ---- */

/* The customers of a BG/NBD fit, compressed (opaque), and the workspace of
   its likelihood. */
struct clv_bg_data;

/* Compresses customers idx[0..n) (all of 0..n-1 when idx is NULL) of the
   caller-owned arrays x, tx, T to distinct triples with counts, in order
   of first appearance, and allocates the likelihood's workspace. The
   arrays are not kept. Returns CX_OK with *out set (free it with
   clv_bg_data_free); CX_EUSAGE when n is 0, or a customer has a t_x or T
   that is not finite, t_x < 0, t_x > T, or x = 0 with t_x != 0 (the
   message names the customer index); CX_EINTERNAL when out of memory. *out
   is NULL on failure. */
int clv_bg_data_create(const uint32_t *x, const double *tx, const double *T, const uint32_t *idx,
                       size_t n, struct clv_bg_data **out, struct cx_err *e);

/* Frees d; NULL is allowed. */
void clv_bg_data_free(struct clv_bg_data *d);

/* Customers, and distinct (x, t_x, T) triples, in d. */
size_t clv_bg_data_n(const struct clv_bg_data *d);
size_t clv_bg_data_distinct(const struct clv_bg_data *d);

/* The BG/NBD log-likelihood of d's customers at par (all four > 0 and
   finite) in *ll and, when not NULL, its gradient grad and its Hessian
   hess (4 x 4, row-major), analytic, with respect to (log r, log alpha,
   log a, log b). Uses d's workspace: one call at a time per d. Parallel,
   identical for any thread count. Returns CX_OK; CX_EUSAGE when a
   parameter is not positive and finite; CX_EINTERNAL when a result is not
   finite. */
int clv_bg_loglik(struct clv_bg_data *d, const struct clv_bg *par, double *ll, double grad[4],
                  double hess[16], struct cx_err *e);

/* Fits BG/NBD to d's customers (o NULL: clv_fit_defaults) from start, or,
   when start is NULL, from r = 1, alpha = sum of T / sum of x (so that
   r / alpha is the pooled repeat rate), a = b = 1; a fit per channel can
   start from the pooled estimates and then needs a few Newton steps only.
   Runs BFGS then Newton until the stopping rule of o holds (docs/clv.md).
   Returns CX_OK with f filled; CX_EUSAGE when no customer has a repeat
   purchase (the likelihood then grows without bound as alpha grows: there
   is no estimate) or start is not positive and finite; CX_EINTERNAL when
   the fit does not converge in o->max_iter iterations or GSL reports a
   failure (f then holds the last point, with se_ok 0). se_ok 0 with CX_OK
   means the Hessian was not positive definite: the estimates stand, their
   SEs are NaN. */
int clv_bg_fit(struct clv_bg_data *d, const struct clv_bg *start, const struct clv_fit_opts *o,
               struct clv_bg_fit *f, struct cx_err *e);

/* P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) /
   (alpha + t_x))^(r + x)): 1 when x = 0 (a customer can drop out only
   right after a repeat purchase). No validation: the inputs must be valid
   (as clv_bg_data_create checks them). */
double clv_bg_p_alive(const struct clv_bg *par, uint32_t x, double tx, double T);

/* E[Y(t) | x, t_x, T]: the expected purchase days (repeat purchases) in
   (T, T + t] of a customer, in *out. Validates like clv_bg_data_create and
   t >= 0. Returns CX_OK; CX_EUSAGE on bad input; CX_EINTERNAL when GSL
   cannot evaluate the hypergeometric function (the message gives its
   arguments). */
int clv_bg_expected(const struct clv_bg *par, uint32_t x, double tx, double T, double t,
                    double *out, struct cx_err *e);

/* E[X(t)]: the expected repeat purchase days in (0, t] of a customer who
   made a first purchase at 0, in *out. Errors as clv_bg_expected. */
int clv_bg_expected_new(const struct clv_bg *par, double t, double *out, struct cx_err *e);

/* P(X(t) = x) for such a new customer, in *out (the model's frequency
   distribution, for calibration tables). Errors as clv_bg_expected. */
int clv_bg_pmf(const struct clv_bg *par, double t, uint32_t x, double *out, struct cx_err *e);

/* ---- Gamma-Gamma ---- */

/* The customers of a Gamma-Gamma fit (x > 0 and m > 0), opaque. */
struct clv_gg_data;

/* Keeps customers idx[0..n) (0..n-1 when idx is NULL) of the caller-owned
   x and m that have x > 0 and m > 0, counting those with x = 0 and those
   with x > 0 and m <= 0 apart (the model's spends are positive). m of a
   customer with x = 0 is not read. Returns CX_OK with *out set (free with
   clv_gg_data_free); CX_EUSAGE when n is 0, a customer with x > 0 has a
   non-finite m, or no customer is left; CX_EINTERNAL when out of memory.
   *out is NULL on failure. */
int clv_gg_data_create(const uint32_t *x, const double *m, const uint32_t *idx, size_t n,
                       struct clv_gg_data **out, struct cx_err *e);

/* Frees d; NULL is allowed. */
void clv_gg_data_free(struct clv_gg_data *d);

/* Customers kept, and left out (x = 0; x > 0 and m <= 0), in d. */
size_t clv_gg_data_n(const struct clv_gg_data *d);
size_t clv_gg_data_zero(const struct clv_gg_data *d);
size_t clv_gg_data_nonpos(const struct clv_gg_data *d);

/* The Gamma-Gamma log-likelihood (of the means m given x) of d's customers
   at par in *ll and, when not NULL, its gradient grad and Hessian hess (3
   x 3) w.r.t. (log p, log q, log v). One call at a time per d. Returns
   CX_OK; CX_EUSAGE when a parameter is not positive and finite;
   CX_EINTERNAL when a result is not finite. */
int clv_gg_loglik(struct clv_gg_data *d, const struct clv_gg *par, double *ll, double grad[3],
                  double hess[9], struct cx_err *e);

/* Fits Gamma-Gamma to d's customers (o NULL: defaults) from start, or,
   when start is NULL, from p = 1, q = 2, v = the mean of m. Returns and
   fills f as clv_bg_fit does. */
int clv_gg_fit(struct clv_gg_data *d, const struct clv_gg *start, const struct clv_fit_opts *o,
               struct clv_gg_fit *f, struct cx_err *e);

/* E[M | x, m] = p (v + x m) / (p x + q - 1), the expected net of a future
   purchase day, in *out; the population mean p v / (q - 1) when x = 0; m <=
   0 is taken as 0. Returns CX_OK; CX_EUSAGE when m is not finite with x >
   0, or when p x + q <= 1 (the mean is infinite: with x = 0, when q <= 1). */
int clv_gg_expected_value(const struct clv_gg *par, uint32_t x, double m, double *out,
                          struct cx_err *e);

/* ---- value over a horizon ---- */

/* The horizon of clv_predict. */
struct clv_horizon {
    double length;   /* H, in the model's time unit */
    double rate;     /* annual discount rate d (0.10 for 10%), >= 0 */
    double year;     /* length of a year in the model's time unit */
    unsigned steps;  /* equal steps over H; 0: months, round(12 H / year) (at least 1) */
};

/* The defaults: length 365, rate 0.10, year 365, steps 0 (12 monthly steps
   over 365 days). */
void clv_horizon_defaults(struct clv_horizon *h);

/* Workspace of clv_predict for up to n customers (opaque). */
struct clv_pred_ws;

/* Returns a workspace for up to n customers (about 50 bytes each), or NULL
   when out of memory. Free with clv_pred_ws_free (NULL allowed). */
struct clv_pred_ws *clv_pred_ws_alloc(size_t n);
void clv_pred_ws_free(struct clv_pred_ws *w);

/* Distinct (x, T) of w's last clv_predict call: its hypergeometric
   functions were evaluated steps times for each. */
size_t clv_pred_ws_pairs(const struct clv_pred_ws *w);

/* Predicts, for customers c = idx[j], j < n (c = j when idx is NULL), with
   BG/NBD parameters bg and Gamma-Gamma parameters gg, and writes at index
   c of each output that is not NULL:
     p_alive[c]    P(alive | x, t_x, T)
     purchases[c]  E[Y(H) | x, t_x, T], expected purchase days in the horizon
     value[c]      E[M | x, m] (needs gg)
     clv[c]        sum over the K steps k of E[purchases in step k] x
                   (1 + d)^(-(k - 1/2) H / K / year) x E[M | x, m] (needs gg):
                   the expected net over the horizon, discounted at each
                   step's middle; the caller multiplies by the contribution
                   ratio. With d = 0 it is purchases[c] x value[c].
   m is read only when gg is given (m may then be NULL). w must have been
   allocated for at least n customers. Parallel, identical for any thread
   count. Returns CX_OK; CX_EUSAGE on bad input (as clv_bg_data_create and
   clv_gg_expected_value, n > the workspace, value or clv without gg, a bad
   horizon); CX_EINTERNAL when a hypergeometric function cannot be
   evaluated. Outputs are unspecified on failure. */
int clv_predict(const struct clv_bg *bg, const struct clv_gg *gg, const struct clv_horizon *h,
                const uint32_t *x, const double *tx, const double *T, const double *m,
                const uint32_t *idx, size_t n, struct clv_pred_ws *w, double *p_alive,
                double *purchases, double *value, double *clv, struct cx_err *e);

#endif
