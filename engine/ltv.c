/*
 * ltv — see ltv.h. The passes, each a function: head_nets() sums each
 * order, purchase_rows() turns the positive ones into clv_from_days' rows,
 * by_channel() indexes the model's customers by acquisition channel,
 * fit_pair() fits both models to one group, predict() and holdout() call
 * clv_predict per channel, channel_stats() sums and bootstraps in
 * customer id order.
 */
#include "engine/ltv.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inference.h"

static const char *const status_names[] = { "fitted", "few_customers", "few_repeat_customers", "failed",
                                            "infinite_mean" };

const char *ltv_status_name(int status)
{
    return status >= 0 && status <= LTV_INFINITE_MEAN ? status_names[status] : "";
}

void ltv_defaults(struct ltv_options *o)
{
    o->horizon_days = 365;
    o->discount_rate = 0.10;
    o->min_customers = 200;
    o->min_repeat = 30;
    o->holdout_days = 0;
    o->bootstrap = 200;
    o->seed = 1;
}

void ltv_free(struct ltv *l)
{
    free(l->ch);
    free(l->p_alive);
    free(l->purchases);
    free(l->value);
    free(l->clv);
    free(l->channel);
    memset(l, 0, sizeof *l);
}

const struct clv_bg_fit *ltv_channel_bg(const struct ltv *l, uint32_t c)
{
    if (c < l->nch && l->ch[c].bg_status == LTV_FITTED)
        return &l->ch[c].bg;
    return l->bg_status == LTV_FITTED ? &l->bg : NULL;
}

const struct clv_gg_fit *ltv_channel_gg(const struct ltv *l, uint32_t c)
{
    if (c < l->nch && l->ch[c].gg_status == LTV_FITTED)
        return &l->ch[c].gg;
    return l->gg_status == LTV_FITTED ? &l->gg : NULL;
}

/* The first n - 1 bytes of src into dst, NUL-ended. */
static void copy_msg(char *dst, size_t n, const char *src)
{
    size_t k = strnlen(src, n - 1);
    memcpy(dst, src, k);
    dst[k] = 0;
}

/* engine/clv reports out of memory and a numerical failure alike as
   CX_EINTERNAL; only the first must stop the run (a fit that cannot be
   made is a status), and cx_nomem's message is how they differ. */
static int out_of_memory(const struct cx_err *t)
{
    return t->status == CX_EINTERNAL && strncmp(t->msg, "out of memory", 13) == 0;
}

/* Each head's net in ten-thousandths, over every line of the dataset (the
   holdout's window lies after the period), and in sold[h] whether it
   sells a unit. Returns 0, or -1 when out of memory. */
static int head_nets(const struct dataset *ds, int64_t **hn_out, uint8_t **sold_out)
{
    int64_t *hn = calloc(ds->n_heads + 1, sizeof *hn);
    uint8_t *sold = calloc(ds->n_heads + 1, 1);
    if (hn == NULL || sold == NULL) {
        free(hn);
        free(sold);
        return -1;
    }
    for (size_t i = 0; i < ds->n_lines; i++) {
        int32_t v = ds->l_net[i];
        uint32_t h = ds->l_head[i];
        hn[h] += v != DS_MONEY_BIG ? v : llround(dataset_big(ds, i, DS_NET) * DS_MONEY_SCALE);
        sold[h] |= ds->l_qty[i] > 0;
    }
    *hn_out = hn;
    *sold_out = sold;
    return 0;
}

/* A purchase: an order of a named customer that sells a unit and whose
   net is not negative (a free order is one; a return is not). */
static int purchase(const struct dataset *ds, const int64_t *hn, const uint8_t *sold, size_t h, int32_t from,
                    int32_t end)
{
    return ds->h_customer[h] != DS_NONE && sold[h] && hn[h] >= 0 && ds->h_day[h] >= from && ds->h_day[h] <= end;
}

/* The rows of clv_from_days: the purchases dated in [from, end] (end: the
   holdout's last day, or the calibration's). Returns the count, or
   SIZE_MAX when out of memory; the caller frees the three arrays. */
static size_t purchase_rows(const struct dataset *ds, const int64_t *hn, const uint8_t *sold, int32_t from,
                            int32_t end, uint32_t **cust, int32_t **day, double **net)
{
    size_t n = 0;
    for (size_t h = 0; h < ds->n_heads; h++)
        n += (size_t)purchase(ds, hn, sold, h, from, end);
    *cust = malloc((n + 1) * sizeof **cust);
    *day = malloc((n + 1) * sizeof **day);
    *net = malloc((n + 1) * sizeof **net);
    if (!*cust || !*day || !*net)
        return SIZE_MAX;
    n = 0;
    for (size_t h = 0; h < ds->n_heads; h++)
        if (purchase(ds, hn, sold, h, from, end)) {
            (*cust)[n] = ds->h_customer[h];
            (*day)[n] = ds->h_day[h];
            (*net)[n] = (double)hn[h] / DS_MONEY_SCALE;
            n++;
        }
    return n;
}

/* The customer summaries of engine/clv, per customer id. */
struct sums {
    uint32_t *x, *hold;
    double *tx, *T, *m;
    uint32_t *idx;           /* the model's customers by channel: idx[off[c]] .. idx[off[c + 1]] */
    uint32_t *off;           /* nch + 1 */
    double *hold_pred;       /* predicted holdout purchase days (holdout only) */
};

static void sums_free(struct sums *s)
{
    free(s->x);
    free(s->hold);
    free(s->tx);
    free(s->T);
    free(s->m);
    free(s->idx);
    free(s->off);
    free(s->hold_pred);
}

/* The channel a customer of the model is counted in: its acquisition
   channel, or its main channel when all its purchases were free (no
   positive order, so retention acquired it nowhere). */
static uint8_t channel_of(const struct features *f, const struct retention *rt, uint32_t c)
{
    return rt->acq_channel[c] != RET_NONE ? rt->acq_channel[c] : f->main_channel[c];
}

/* Indexes the model's customers (a purchase day in the calibration) by
   channel, in customer id order within each. */
static int by_channel(const struct features *f, const struct retention *rt, uint32_t nch, struct sums *s,
                      struct ltv *l)
{
    uint32_t n = f->n;
    s->off = calloc((size_t)nch + 2, sizeof *s->off);
    if (s->off == NULL)
        return -1;
    for (uint32_t c = 0; c < n; c++)
        if (isfinite(s->T[c]) && channel_of(f, rt, c) < nch)
            s->off[channel_of(f, rt, c) + 1]++;
    for (uint32_t k = 0; k < nch; k++)
        s->off[k + 1] += s->off[k];
    s->idx = malloc(((size_t)s->off[nch] + 1) * sizeof *s->idx);
    uint32_t *pos = malloc(((size_t)nch + 1) * sizeof *pos);
    if (s->idx == NULL || pos == NULL) {
        free(pos);
        return -1;
    }
    memcpy(pos, s->off, (size_t)nch * sizeof *pos);
    for (uint32_t c = 0; c < n; c++)
        if (isfinite(s->T[c]) && channel_of(f, rt, c) < nch) {
            uint8_t a = channel_of(f, rt, c);
            s->idx[pos[a]++] = c;
            l->channel[c] = a;
            l->ch[a].customers++;
            l->ch[a].repeat += s->x[c] > 0;
        }
    free(pos);
    l->customers = s->off[nch];
    for (uint32_t k = 0; k < nch; k++)
        l->repeat += l->ch[k].repeat;
    return 0;
}

/* The fits stop at this mean gradient norm (per customer, log scale),
   not clv's 1e-9: on CDNOW the estimates then differ from the 1e-9 ones
   by a relative 1e-6, below any decimal a report shows, and where the
   likelihood keeps rising towards a boundary (BG/NBD's a and b growing
   together: one dropout probability for every customer, as generated
   data have) Newton would stall on rounding short of 1e-9 after dozens
   of evaluations (a second a fit on 670,000 customers). Such a fit ends
   with a badly conditioned or singular Hessian; pseudo_cov serves then. */
#define LTV_LOOSE_TOL 1e-6

/* The covariance of the log-parameters where the Hessian is not positive
   definite (se_ok 0: a direction along which the likelihood is flat,
   such as a and b growing together): the pseudo-inverse of -H, keeping
   the directions whose curvature is above 1e-9 of the largest. Along a
   flat direction the predictions do not move either, so what the
   estimates leave unknown adds no variance to them; the delta method of
   ltv_compute can then still run. hess is LL's Hessian (k x k); cov gets
   the result, or NaN when GSL fails. */
static void pseudo_cov(const double *hess, size_t k, double *cov)
{
    double A[16], V[16], ev[4];
    for (size_t i = 0; i < k * k; i++)
        A[i] = -hess[i];
    gsl_matrix_view a = gsl_matrix_view_array(A, k, k), v = gsl_matrix_view_array(V, k, k);
    gsl_vector_view l = gsl_vector_view_array(ev, k);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(k);
    int ok = w && gsl_eigen_symmv(&a.matrix, &l.vector, &v.matrix, w) == GSL_SUCCESS;
    gsl_eigen_symmv_free(w);
    double top = 0;
    for (size_t i = 0; i < k && ok; i++)
        top = ev[i] > top ? ev[i] : top;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double c = 0;
            for (size_t q = 0; q < k && ok; q++)
                if (ev[q] > 1e-9 * top)
                    c += V[i * k + q] * V[j * k + q] / ev[q];
            cov[i * k + j] = ok && top > 0 ? c : NAN;
        }
}

/* A BG/NBD fit of bd from start (NULL: clv's start) to LTV_LOOSE_TOL,
   from clv's start again when a warm start leads nowhere; the covariance
   by pseudo_cov where the Hessian is not positive definite. Returns clv's
   status, t its message. */
static int fit_bg(struct clv_bg_data *bd, const struct clv_bg *start, struct clv_bg_fit *bg, struct cx_err *t)
{
    struct clv_fit_opts loose;
    clv_fit_defaults(&loose);
    loose.grad_tol = LTV_LOOSE_TOL;
    int rc = clv_bg_fit(bd, start, &loose, bg, t);
    if (rc == CX_EINTERNAL && !out_of_memory(t) && start) {
        memset(t, 0, sizeof *t);
        rc = clv_bg_fit(bd, NULL, &loose, bg, t);
    }
    if (rc != CX_OK)
        return rc;
    if (!bg->se_ok) {
        double ll, g[4], H[16];
        struct cx_err t2 = { 0 };
        if (clv_bg_loglik(bd, &bg->par, &ll, g, H, &t2) == CX_OK)
            pseudo_cov(H, 4, &bg->cov_log[0][0]);
    }
    return CX_OK;
}

/* The same for Gamma-Gamma. */
static int fit_gg(struct clv_gg_data *gd, const struct clv_gg *start, struct clv_gg_fit *gg, struct cx_err *t)
{
    struct clv_fit_opts loose;
    clv_fit_defaults(&loose);
    loose.grad_tol = LTV_LOOSE_TOL;
    int rc = clv_gg_fit(gd, start, &loose, gg, t);
    if (rc == CX_EINTERNAL && !out_of_memory(t) && start) {
        memset(t, 0, sizeof *t);
        rc = clv_gg_fit(gd, NULL, &loose, gg, t);
    }
    if (rc != CX_OK)
        return rc;
    if (!gg->se_ok) {
        double ll, g[3], H[9];
        struct cx_err t2 = { 0 };
        if (clv_gg_loglik(gd, &gg->par, &ll, g, H, &t2) == CX_OK)
            pseudo_cov(H, 3, &gg->cov_log[0][0]);
    }
    return CX_OK;
}

/* Fits BG/NBD and Gamma-Gamma to customers idx[0..n) from the starts
   given (NULL: clv's defaults), into bg/gg with their statuses; msg gets
   the reason of a failure. Returns CX_OK, or CX_EINTERNAL when out of
   memory (the only failure that stops the run). */
static int fit_pair(const struct sums *s, const uint32_t *idx, size_t n, const struct clv_bg *bg_start,
                    const struct clv_gg *gg_start, struct clv_bg_fit *bg, int *bg_status, struct clv_gg_fit *gg,
                    int *gg_status, char *msg, size_t msgn, struct cx_err *e)
{
    struct cx_err t = { 0 };
    struct clv_bg_data *bd = NULL;
    struct clv_gg_data *gd = NULL;
    int rc = clv_bg_data_create(s->x, s->tx, s->T, idx, n, &bd, &t);
    if (rc == CX_OK)
        rc = fit_bg(bd, bg_start, bg, &t);
    clv_bg_data_free(bd);
    if (out_of_memory(&t))
        return cx_fail(e, CX_EINTERNAL, "%s", t.msg);
    *bg_status = rc == CX_OK ? LTV_FITTED : LTV_FAILED;
    if (rc != CX_OK)
        copy_msg(msg, msgn, t.msg);
    memset(&t, 0, sizeof t);
    rc = clv_gg_data_create(s->x, s->m, idx, n, &gd, &t);
    if (rc == CX_OK)
        rc = fit_gg(gd, gg_start, gg, &t);
    clv_gg_data_free(gd);
    if (out_of_memory(&t))
        return cx_fail(e, CX_EINTERNAL, "%s", t.msg);
    *gg_status = rc != CX_OK ? LTV_FAILED : gg->par.q > 1 ? LTV_FITTED : LTV_INFINITE_MEAN;
    if (rc != CX_OK && !msg[0])
        copy_msg(msg, msgn, t.msg);
    return CX_OK;
}

/* The pooled fits, then each channel's own where it has enough customers
   (from the pooled estimates when there are some). */
static int fits(const struct sums *s, struct ltv *l, struct cx_err *e)
{
    const struct ltv_options *o = &l->opt;
    int rc = CX_OK;
    if (l->repeat == 0) {
        l->bg_status = LTV_FEW_REPEAT;
        l->gg_status = LTV_FEW_REPEAT;
    } else {
        rc = fit_pair(s, s->idx, l->customers, NULL, NULL, &l->bg, &l->bg_status, &l->gg, &l->gg_status, l->msg,
                      sizeof l->msg, e);
    }
    for (uint32_t c = 0; c < l->nch && rc == CX_OK; c++) {
        struct ltv_channel *x = &l->ch[c];
        if (x->customers < o->min_customers || x->repeat < o->min_repeat) {
            x->bg_status = x->gg_status = x->customers < o->min_customers ? LTV_FEW_CUSTOMERS : LTV_FEW_REPEAT;
            continue;
        }
        /* From the pooled estimates when they are an optimum inside: a
           pooled fit at a boundary is a poor start for a channel. */
        rc = fit_pair(s, s->idx + s->off[c], x->customers,
                      l->bg_status == LTV_FITTED && l->bg.se_ok ? &l->bg.par : NULL,
                      l->gg_status == LTV_FITTED && l->gg.se_ok ? &l->gg.par : NULL, &x->bg, &x->bg_status, &x->gg,
                      &x->gg_status, x->msg, sizeof x->msg, e);
        /* Gamma-Gamma counts its own customers: x > 0 and m > 0. */
        if (rc == CX_OK && x->gg_status == LTV_FITTED && x->gg.n < o->min_repeat)
            x->gg_status = LTV_FEW_REPEAT;
    }
    return rc;
}

/* clv_predict for customers idx[0..n) with the given models, into the
   customer arrays (hold: the holdout's purchases instead, into
   s->hold_pred). A numerical failure leaves them NaN and is recorded in
   msg; out of memory fails. */
static int predict_group(struct ltv *l, const struct sums *s, struct clv_pred_ws *ws, const uint32_t *idx, size_t n,
                         const struct clv_bg_fit *bg, const struct clv_gg_fit *gg, int hold, char *msg, size_t msgn,
                         struct cx_err *e)
{
    if (n == 0 || bg == NULL)
        return CX_OK;
    struct clv_horizon h = { l->opt.horizon_days, l->opt.discount_rate, 365, 0 };
    if (hold)
        h = (struct clv_horizon){ (double)l->opt.holdout_days, 0, 365, 1 };
    struct cx_err t = { 0 };
    int rc = hold ? clv_predict(&bg->par, NULL, &h, s->x, s->tx, s->T, NULL, idx, n, ws, NULL, s->hold_pred, NULL,
                                NULL, &t)
                  : clv_predict(&bg->par, gg ? &gg->par : NULL, &h, s->x, s->tx, s->T, s->m, idx, n, ws, l->p_alive,
                                l->purchases, gg ? l->value : NULL, gg ? l->clv : NULL, &t);
    if (rc == CX_OK)
        return CX_OK;
    if (out_of_memory(&t))
        return cx_fail(e, CX_EINTERNAL, "%s", t.msg);
    for (size_t j = 0; j < n; j++) {
        uint32_t c = idx[j];
        if (hold) {
            s->hold_pred[c] = NAN;
        } else {
            l->p_alive[c] = l->purchases[c] = l->value[c] = l->clv[c] = NAN;
        }
    }
    if (!msg[0])
        copy_msg(msg, msgn, t.msg);
    return CX_OK;
}

/* Predictions: each channel with its own BG/NBD fit on its own, the rest
   together with the pooled one (per model: a channel may have its own
   BG/NBD and the pooled Gamma-Gamma). Then clv x contribution ratio. */
static int predict(struct ltv *l, const struct sums *s, struct clv_pred_ws *ws, int hold, struct cx_err *e)
{
    int rc = CX_OK;
    uint32_t *rest = malloc(((size_t)l->customers + 1) * sizeof *rest);
    if (rest == NULL)
        return cx_nomem(e, "lifetime value");
    size_t nrest = 0;
    for (uint32_t c = 0; c < l->nch && rc == CX_OK; c++) {
        struct ltv_channel *x = &l->ch[c];
        const uint32_t *ic = s->idx + s->off[c];
        if (x->bg_status == LTV_FITTED || x->gg_status == LTV_FITTED)
            rc = predict_group(l, s, ws, ic, x->customers, ltv_channel_bg(l, c), ltv_channel_gg(l, c), hold, x->msg,
                               sizeof x->msg, e);
        else
            for (uint32_t j = 0; j < x->customers; j++)
                rest[nrest++] = ic[j];
    }
    if (rc == CX_OK)
        rc = predict_group(l, s, ws, rest, nrest, l->bg_status == LTV_FITTED ? &l->bg : NULL,
                           l->gg_status == LTV_FITTED ? &l->gg : NULL, hold, l->msg, sizeof l->msg, e);
    free(rest);
    if (rc != CX_OK || hold)
        return rc;
    for (uint32_t c = 0; c < l->nch; c++) {
        const uint32_t *ic = s->idx + s->off[c];
        double ratio = l->ch[c].contribution_ratio;
        for (uint32_t j = 0; j < l->ch[c].customers; j++)
            l->clv[ic[j]] = isfinite(ratio) ? l->clv[ic[j]] * ratio : NAN;
    }
    return CX_OK;
}

/* Customers a channel's model variance is estimated on, at most. */
#define LTV_GRAD_SAMPLE 2000

/* The standard error of channel c's mean clv that comes from its
   models' estimates (the delta method: g' Sigma g, Sigma the fits'
   covariance of the log-parameters, g the gradient of the mean clv along
   them). BG/NBD's four directions by forward differences of clv_predict
   (a step of 1e-5 in the log), over every k-th of the channel's customers
   in id order (k such that at most LTV_GRAD_SAMPLE are used: a gradient
   of a mean needs no more); Gamma-Gamma's analytically, since clv is
   proportional to E[M] = p (v + x m) / (p x + q - 1): d ln E[M] / d ln p
   = (q - 1) / (p x + q - 1), / d ln q = -q / (p x + q - 1), / d ln v =
   v / (v + x m). The bootstrap over customers holds the parameters fixed;
   this is what it leaves out. NaN when a covariance is unknown. */
static int model_se(struct ltv *l, const struct sums *s, struct clv_pred_ws *ws, double *scratch, uint32_t c,
                    uint32_t *sub, double *out, struct cx_err *e)
{
    *out = NAN;
    const struct clv_bg_fit *bg = ltv_channel_bg(l, c);
    const struct clv_gg_fit *gg = ltv_channel_gg(l, c);
    const struct ltv_channel *x = &l->ch[c];
    double ratio = x->contribution_ratio;
    if (!bg || !gg || !isfinite(ratio) || x->customers == 0)
        return CX_OK;
    const uint32_t *ic = s->idx + s->off[c];
    uint32_t step = (x->customers + LTV_GRAD_SAMPLE - 1) / LTV_GRAD_SAMPLE, ns = 0;
    for (uint32_t j = 0; j < x->customers; j += step)
        if (isfinite(l->clv[ic[j]]))
            sub[ns++] = ic[j];
    if (ns == 0)
        return CX_OK;
    double base = 0, ggrad[3] = { 0, 0, 0 };
    const struct clv_gg *G = &gg->par;
    for (uint32_t j = 0; j < ns; j++) {
        uint32_t cu = sub[j];
        double v = l->clv[cu], mm = s->x[cu] > 0 && s->m[cu] > 0 ? s->m[cu] : 0, den = G->p * s->x[cu] + G->q - 1;
        base += v;
        ggrad[0] += v * (G->q - 1) / den;
        ggrad[1] += v * -G->q / den;
        ggrad[2] += v * G->v / (G->v + s->x[cu] * mm);
    }
    base /= ns;
    struct clv_horizon h = { l->opt.horizon_days, l->opt.discount_rate, 365, 0 };
    const double eps = 1e-5;
    double bgrad[4];
    for (int i = 0; i < 4; i++) {
        struct clv_bg q = bg->par;
        double *pp = i == 0 ? &q.r : i == 1 ? &q.alpha : i == 2 ? &q.a : &q.b;
        *pp *= exp(eps);
        struct cx_err t = { 0 };
        if (clv_predict(&q, G, &h, s->x, s->tx, s->T, s->m, sub, ns, ws, NULL, NULL, NULL, scratch, &t) != CX_OK) {
            if (out_of_memory(&t))
                return cx_fail(e, CX_EINTERNAL, "%s", t.msg);
            return CX_OK;
        }
        double sum = 0;
        for (uint32_t j = 0; j < ns; j++)
            sum += scratch[sub[j]] * ratio;
        bgrad[i] = (sum / ns - base) / eps;
    }
    double var = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            var += bgrad[i] * bg->cov_log[i][j] * bgrad[j];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            var += ggrad[i] / ns * gg->cov_log[i][j] * ggrad[j] / ns;
    *out = var >= 0 ? sqrt(var) : NAN;
    return CX_OK;
}

/* Means, sd and the bootstrap interval of each channel's clv, in customer
   id order; CAC and LTV:CAC; the holdout's sums. */
static int channel_stats(struct ltv *l, const struct sums *s, struct clv_pred_ws *ws, const struct economics *ec,
                         const struct retention *rt, struct cx_err *e)
{
    struct eco_acq acq[DS_MAX_CHANNELS + 1];
    eco_acquisition(ec, rt, acq);
    size_t maxc = 1;
    for (uint32_t c = 0; c < l->nch; c++)
        maxc = l->ch[c].customers > maxc ? l->ch[c].customers : maxc;
    double *buf = malloc(maxc * sizeof *buf), *scratch = malloc(((size_t)l->n + 1) * sizeof *scratch);
    uint32_t *sub = malloc((maxc + 1) * sizeof *sub);
    if (buf == NULL || scratch == NULL || sub == NULL) {
        free(buf);
        free(scratch);
        free(sub);
        return cx_nomem(e, "lifetime value");
    }
    int rc = CX_OK;
    for (uint32_t c = 0; c < l->nch && rc == CX_OK; c++) {
        struct ltv_channel *x = &l->ch[c];
        const uint32_t *ic = s->idx + s->off[c];
        double pa = 0, pu = 0, va = 0, sum = 0;
        uint32_t npa = 0, nva = 0, m = 0;
        for (uint32_t j = 0; j < x->customers; j++) {
            uint32_t cu = ic[j];
            if (isfinite(l->p_alive[cu])) {
                pa += l->p_alive[cu];
                pu += l->purchases[cu];
                npa++;
            }
            if (isfinite(l->value[cu])) {
                va += l->value[cu];
                nva++;
            }
            if (isfinite(l->clv[cu])) {
                buf[m++] = l->clv[cu];
                sum += l->clv[cu];
            }
            if (l->opt.holdout_days > 0 && isfinite(s->hold_pred[cu])) {
                x->hold_actual += s->hold[cu];
                x->hold_predicted += s->hold_pred[cu];
                x->hold_abs_err += fabs(s->hold[cu] - s->hold_pred[cu]);
            }
        }
        x->p_alive_mean = npa ? pa / npa : NAN;
        x->purchases_mean = npa ? pu / npa : NAN;
        x->value_mean = nva ? va / nva : NAN;
        x->n_value = m;
        x->clv_mean = m ? sum / m : NAN;
        x->clv_sd = x->clv_lo = x->clv_hi = NAN;
        if (m >= 2) {
            double ss = 0;
            for (uint32_t j = 0; j < m; j++)
                ss += (buf[j] - x->clv_mean) * (buf[j] - x->clv_mean);
            x->clv_sd = sqrt(ss / (m - 1));
            rc = inf_bootstrap_mean(buf, m, l->opt.bootstrap, 0.95, l->opt.seed * 1000003u + 7919u * (c + 1),
                                    &x->clv_lo, &x->clv_hi, e);
        }
        x->cac = acq[c].cac;
        x->spend = acq[c].spend;
        if (rc == CX_OK)
            rc = model_se(l, s, ws, scratch, c, sub, &x->clv_model_se, e);
        /* LTV:CAC's interval: the bootstrap's half-widths and 1.96 model
           standard errors added in quadrature. */
        double mz = 1.96 * x->clv_model_se;
        double lo = x->clv_mean - sqrt((x->clv_mean - x->clv_lo) * (x->clv_mean - x->clv_lo) + mz * mz);
        double hi = x->clv_mean + sqrt((x->clv_hi - x->clv_mean) * (x->clv_hi - x->clv_mean) + mz * mz);
        int known = isfinite(x->cac) && x->cac > 0;
        x->ltv_cac = known ? x->clv_mean / x->cac : NAN;
        x->ltv_cac_lo = known ? lo / x->cac : NAN;
        x->ltv_cac_hi = known ? hi / x->cac : NAN;
    }
    free(buf);
    free(scratch);
    free(sub);
    return rc;
}

/* The holdout's totals and calibration table, over the model's customers
   with a prediction, in customer id order. */
static void holdout_sums(struct ltv *l, const struct sums *s)
{
    for (uint32_t cu = 0; cu < l->n; cu++) {
        if (!isfinite(s->T[cu]) || !isfinite(s->hold_pred[cu]))
            continue;
        double a = s->hold[cu], p = s->hold_pred[cu];
        struct ltv_cal *r = &l->cal[s->x[cu] < LTV_NCAL - 1 ? s->x[cu] : LTV_NCAL - 1];
        r->customers++;
        r->actual += a;
        r->predicted += p;
        r->abs_err += fabs(a - p);
        l->hold_actual += a;
        l->hold_predicted += p;
        l->hold_abs_err += fabs(a - p);
    }
}

int ltv_compute(const struct dataset *ds, const struct features *f, const struct retention *rt,
                const struct economics *ec, const struct ltv_options *o, struct ltv *out, struct cx_err *e)
{
    memset(out, 0, sizeof *out);
    if (!(o->horizon_days > 0 && o->horizon_days <= 36500) || !(o->discount_rate >= 0 && o->discount_rate <= 10) ||
        o->holdout_days < 0 || o->bootstrap < 1)
        return cx_fail(e, CX_EUSAGE, "lifetime value: an option is out of range");
    if (rt->n != f->n || ec->nch != f->nch)
        return cx_fail(e, CX_EUSAGE, "lifetime value: retention or economics of another dataset");
    out->opt = *o;
    out->n = f->n;
    out->nch = ec->nch;
    out->cal_end = rt->obs_end;
    out->hold_end = out->cal_end;
    out->last_day = INT32_MIN;
    for (size_t h = 0; h < ds->n_heads; h++)
        out->last_day = ds->h_day[h] > out->last_day ? ds->h_day[h] : out->last_day;
    if (o->holdout_days > 0) {
        if (out->cal_end != f->asof)
            return cx_fail(e, CX_EUSAGE, "--holdout-days: the analysed period must run to the as-of date "
                           "(a --to before it leaves days between them unobserved)");
        out->hold_end = f->asof + o->holdout_days;
    }
    size_t n = f->n;
    struct sums s;
    memset(&s, 0, sizeof s);
    uint32_t *cust = NULL;
    int32_t *day = NULL;
    double *net = NULL;
    struct clv_pred_ws *ws = NULL;
    int rc = CX_OK;
    out->ch = calloc((size_t)out->nch + 1, sizeof *out->ch);
    out->p_alive = malloc((n + 1) * sizeof *out->p_alive);
    out->purchases = malloc((n + 1) * sizeof *out->purchases);
    out->value = malloc((n + 1) * sizeof *out->value);
    out->clv = malloc((n + 1) * sizeof *out->clv);
    out->channel = malloc(n + 1);
    s.x = malloc((n + 1) * sizeof *s.x);
    s.tx = malloc((n + 1) * sizeof *s.tx);
    s.T = malloc((n + 1) * sizeof *s.T);
    s.m = malloc((n + 1) * sizeof *s.m);
    s.hold = o->holdout_days > 0 ? malloc((n + 1) * sizeof *s.hold) : NULL;
    s.hold_pred = o->holdout_days > 0 ? malloc((n + 1) * sizeof *s.hold_pred) : NULL;
    if (!out->ch || !out->p_alive || !out->purchases || !out->value || !out->clv || !out->channel || !s.x || !s.tx || !s.T || !s.m ||
        (o->holdout_days > 0 && (!s.hold || !s.hold_pred))) {
        rc = cx_nomem(e, "lifetime value");
        goto done;
    }
    for (size_t c = 0; c < n; c++) {
        out->p_alive[c] = out->purchases[c] = out->value[c] = out->clv[c] = NAN;
        out->channel[c] = LTV_NO_CHANNEL;
        if (s.hold_pred)
            s.hold_pred[c] = NAN;
    }
    for (uint32_t c = 0; c < out->nch; c++) {
        const struct eco_totals *t = &ec->ch[c].t;
        out->ch[c].contribution_ratio = t->net > 0 ? (t->contribution + t->fixed_cost) / t->net : NAN;
    }

    int64_t *hn;
    uint8_t *sold;
    if (head_nets(ds, &hn, &sold)) {
        rc = cx_nomem(e, "lifetime value");
        goto done;
    }
    size_t nrows = purchase_rows(ds, hn, sold, f->from, out->hold_end, &cust, &day, &net);
    free(hn);
    free(sold);
    if (nrows == SIZE_MAX) {
        rc = cx_nomem(e, "lifetime value");
        goto done;
    }
    struct clv_days_info info;
    rc = clv_from_days(cust, day, net, nrows, f->n, out->cal_end, out->hold_end, 1.0, s.x, s.tx, s.T, s.m, s.hold,
                       &info, e);
    free(cust);
    free(day);
    free(net);
    cust = NULL;
    day = NULL;
    net = NULL;
    if (rc != CX_OK)
        goto done;
    out->purchase_days = info.days;
    out->hold_orders = info.rows_holdout;
    if (by_channel(f, rt, out->nch, &s, out)) {
        rc = cx_nomem(e, "lifetime value");
        goto done;
    }
    if ((rc = fits(&s, out, e)) != CX_OK)
        goto done;
    if ((ws = clv_pred_ws_alloc(out->customers + 1)) == NULL) {
        rc = cx_nomem(e, "lifetime value");
        goto done;
    }
    if ((rc = predict(out, &s, ws, 0, e)) != CX_OK)
        goto done;
    if (o->holdout_days > 0 && (rc = predict(out, &s, ws, 1, e)) != CX_OK)
        goto done;
    if ((rc = channel_stats(out, &s, ws, ec, rt, e)) != CX_OK)
        goto done;
    if (o->holdout_days > 0)
        holdout_sums(out, &s);
done:
    free(cust);
    free(day);
    free(net);
    clv_pred_ws_free(ws);
    sums_free(&s);
    if (rc != CX_OK)
        ltv_free(out);
    return rc;
}
