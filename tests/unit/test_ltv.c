/*
 * test_ltv — engine/ltv wired to a dataset: customers simulated from
 * BG/NBD and Gamma-Gamma in two channels, written as order lines, and a few
 * hand-made customers (a free order, a return, two orders on one day, a
 * customer who first buys after the as-of date). The summaries x, t_x, T
 * and m are recounted here from the simulated purchases (a set of days per
 * customer), independently of clv_from_days, and every customer's P(alive),
 * expected purchases, order value and CLV are checked against engine/clv's
 * formulas at ltv's own estimates; the contribution ratios by hand from the
 * cost model; the channel fits and fallbacks; the holdout's actual counts
 * against the simulation and its predictions against clv_bg_expected; the
 * same bits for 1 and 2 threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/retention.h"

#define BASE 10000           /* day 0 of the simulation, days since 1970-01-01 */
#define ASOF (BASE + 400)    /* calibration end */
#define HOLD 100             /* holdout days: (ASOF, ASOF + 100] */
#define NWEB 1500
#define NAG 300
#define MAXD 64              /* purchase days kept per simulated customer */

/* got within a relative tolerance tol of want (absolute when want is 0). */
static void near(double got, double want, double tol, const char *what)
{
    double err = fabs(got - want), scale = want != 0 ? fabs(want) : 1;
    if (!(err <= tol * scale))
        fail_msg("%s: got %.12g, want %.12g (relative tolerance %g)", what, got, want, tol);
}

/* What the test knows of a customer: its distinct purchase days up to
   the holdout's end and the net of each. */
struct sim {
    char id[32];
    int nd;
    int32_t day[MAXD];
    double net[MAXD];
};

static void add_purchase(struct sim *c, int32_t d, double net)
{
    for (int i = 0; i < c->nd; i++)
        if (c->day[i] == d) {
            c->net[i] += net;
            return;
        }
    if (c->nd < MAXD) {
        c->day[c->nd] = d;
        c->net[c->nd++] = net;
    }
}

/* x, t_x, T, m at ASOF and the holdout days, from the sets of days. */
static void summary(const struct sim *c, uint32_t *x, double *tx, double *T, double *m, uint32_t *hold)
{
    int32_t first = INT32_MAX, last = INT32_MIN;
    int n = 0;
    double sum = 0;
    *hold = 0;
    for (int i = 0; i < c->nd; i++) {
        if (c->day[i] > ASOF) {
            *hold += c->day[i] <= ASOF + HOLD;
            continue;
        }
        n++;
        first = c->day[i] < first ? c->day[i] : first;
        last = c->day[i] > last ? c->day[i] : last;
    }
    for (int i = 0; i < c->nd; i++)
        if (c->day[i] <= ASOF && c->day[i] != first)
            sum += c->net[i];
    *x = n ? (uint32_t)(n - 1) : 0;
    *tx = last - first;
    *T = ASOF - first;
    *m = n > 1 ? sum / (n - 1) : 0;
}

struct world {
    struct dataset *ds;
    struct features f;
    struct economics ec;
    struct retention rt;
    struct costmodel cm;
    struct sim *sim;
    size_t nsim;
    uint32_t *cid;           /* dataset customer id of each simulated customer */
};

/* A line of one unit: net at cost 40% of it (contribution ratio 1 - 0.4 -
   commission). */
static void line(struct dataset *ds, const char *order, const char *cust, const char *chan, int32_t day, double q,
                 double net)
{
    tu_add(ds, order, cust, "P", chan, "", "", day, q, net, net, 0.4 * net);
}

/* Simulates NWEB customers of web (r 0.5, alpha 20, a 0.8, b 2.5) and NAG
   of agents (r 1, alpha 30: more frequent), first purchases uniform in
   days 0 .. 299, observed to ASOF + HOLD; Gamma-Gamma spends (p 4, q 3,
   v 50) rounded to cents. Then the hand-made customers. */
static void build(struct world *w)
{
    memset(w, 0, sizeof *w);
    w->ds = dataset_create();
    w->nsim = NWEB + NAG;
    w->sim = calloc(w->nsim, sizeof *w->sim);
    w->cid = calloc(w->nsim, sizeof *w->cid);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 13);
    char order[32];
    size_t no = 0;
    for (size_t i = 0; i < w->nsim; i++) {
        struct sim *c = &w->sim[i];
        int web = i < NWEB;
        snprintf(c->id, sizeof c->id, "S%05zu", i);
        double lambda = gsl_ran_gamma(rng, web ? 0.5 : 1.0, web ? 1 / 20.0 : 1 / 30.0);
        double drop = gsl_ran_beta(rng, 0.8, 2.5);
        double nu = gsl_ran_gamma(rng, 3, 1 / 50.0);
        double t = (double)gsl_rng_uniform_int(rng, 300);
        for (int k = 0;; k++) {
            double net = round(gsl_ran_gamma(rng, 4, 1 / nu) * 100) / 100 + 0.01;
            int32_t d = BASE + (int32_t)floor(t);
            snprintf(order, sizeof order, "O%zu", no++);
            line(w->ds, order, c->id, web ? "web" : "agents", d, 1, net);
            add_purchase(c, d, net);
            if (k > 0 && gsl_rng_uniform(rng) < drop)
                break;
            t += gsl_ran_exponential(rng, 1 / lambda);
            if (t >= ASOF + HOLD - BASE + 1)
                break;
        }
    }
    gsl_rng_free(rng);
    /* H1 (web): day 10 twice (net 10 + 5: one purchase day of 15), day 40
       (20), day 70 a return (-8: not a purchase), day 90 a free order (0: a
       purchase day of 0); day 420 twice and day 450 in the holdout.
       x = 2 (days 40, 90), t_x = 80, T = 390, m = (20 + 0) / 2 = 10;
       holdout 2 days. */
    line(w->ds, "H1a", "H1", "web", BASE + 10, 1, 10);
    line(w->ds, "H1b", "H1", "web", BASE + 10, 1, 5);
    line(w->ds, "H1c", "H1", "web", BASE + 40, 1, 20);
    line(w->ds, "H1d", "H1", "web", BASE + 70, -1, -8);
    line(w->ds, "H1e", "H1", "web", BASE + 90, 1, 0);
    line(w->ds, "H1f", "H1", "web", BASE + 420, 1, 3);
    line(w->ds, "H1g", "H1", "web", BASE + 420, 1, 4);
    line(w->ds, "H1h", "H1", "web", BASE + 450, 1, 6);
    /* H2 (agents): only a free order, day 100: in the model (x = 0, T =
       300), counted in its main channel, agents (no positive order). */
    line(w->ds, "H2a", "H2", "agents", BASE + 100, 1, 0);
    /* H3: only a return: outside the model. H4: first buys after ASOF. */
    line(w->ds, "H3a", "H3", "web", BASE + 100, -1, -9);
    line(w->ds, "H4a", "H4", "web", BASE + 410, 1, 12);
    struct cx_err e = { 0 };
    assert_int_equal(dataset_finish(w->ds, &e), CX_OK);
    assert_int_equal(features_compute(w->ds, INT32_MIN, INT32_MAX, ASOF, &w->f, &e), CX_OK);
    int16_t *seg = calloc(w->f.n + 1, sizeof *seg);
    memset(&w->cm, 0, sizeof w->cm);
    snprintf(w->cm.source, sizeof w->cm.source, "test");
    w->cm.n = 2;
    snprintf(w->cm.ch[0].name, CM_NAME, "web");
    w->cm.ch[0].commission_rate = 0.1;
    w->cm.ch[0].acquisition_spend = 1000;
    w->cm.ch[0].in_model = 1;
    snprintf(w->cm.ch[1].name, CM_NAME, "agents");
    w->cm.ch[1].kind = CM_INDIRECT;
    w->cm.ch[1].commission_rate = 0.2;
    w->cm.ch[1].in_model = 1;
    struct eco_options eo;
    eco_defaults(&eo);
    assert_int_equal(eco_compute(w->ds, &w->f, seg, 1, &w->cm, &eo, &w->ec, &e), CX_OK);
    assert_int_equal(ret_compute(w->ds, &w->f, seg, 1, w->ec.head_contribution, &w->rt, &e), CX_OK);
    free(seg);
    for (size_t i = 0; i < w->nsim; i++) {
        uint32_t c = 0;
        while (c < w->f.n && strcmp(dataset_text(w->ds, DS_CUSTOMER, c), w->sim[i].id) != 0)
            c++;
        w->cid[i] = c;
    }
}

static void teardown(struct world *w)
{
    ret_free(&w->rt);
    eco_free(&w->ec);
    features_free(&w->f);
    dataset_free(w->ds);
    free(w->sim);
    free(w->cid);
}

static uint32_t cust(const struct world *w, const char *id)
{
    for (uint32_t c = 0; c < w->f.n; c++)
        if (strcmp(dataset_text(w->ds, DS_CUSTOMER, c), id) == 0)
            return c;
    fail_msg("no customer %s", id);
    return 0;
}

/* Every model customer's figures against engine/clv at ltv's estimates,
   with the test's own summaries. */
static void check_customer(const struct ltv *l, const struct world *w, uint32_t c, uint32_t x, double tx, double T,
                           double m, double ratio)
{
    const struct clv_bg_fit *bg = ltv_channel_bg(l, l->channel[c]);
    const struct clv_gg_fit *gg = ltv_channel_gg(l, l->channel[c]);
    assert_non_null(bg);
    assert_non_null(gg);
    char what[64];
    snprintf(what, sizeof what, "P(alive) of %s", dataset_text(w->ds, DS_CUSTOMER, c));
    near(l->p_alive[c], clv_bg_p_alive(&bg->par, x, tx, T), 1e-12, what);
    double ey, ev;
    struct cx_err e = { 0 };
    assert_int_equal(clv_bg_expected(&bg->par, x, tx, T, 365, &ey, &e), CX_OK);
    assert_int_equal(clv_gg_expected_value(&gg->par, x, m, &ev, &e), CX_OK);
    snprintf(what, sizeof what, "E[Y(365)] of %s", dataset_text(w->ds, DS_CUSTOMER, c));
    near(l->purchases[c], ey, 1e-9, what);
    snprintf(what, sizeof what, "E[M] of %s", dataset_text(w->ds, DS_CUSTOMER, c));
    near(l->value[c], ev, 1e-12, what);
    /* discount_rate 0: the steps telescope, clv = E[Y(H)] E[M] x ratio. */
    snprintf(what, sizeof what, "clv of %s", dataset_text(w->ds, DS_CUSTOMER, c));
    near(l->clv[c], ey * ev * ratio, 1e-9, what);
}

static void options(struct ltv_options *o)
{
    ltv_defaults(o);
    o->discount_rate = 0;
    o->min_customers = 500;   /* agents (301) falls back to the pooled fit */
    o->holdout_days = HOLD;
}

static void test_wiring(void **state)
{
    (void)state;
    struct world w;
    build(&w);
    struct ltv_options o;
    options(&o);
    struct ltv l;
    struct cx_err e = { 0 };
    assert_int_equal(ltv_compute(w.ds, &w.f, &w.rt, &w.ec, &o, &l, &e), CX_OK);
    uint32_t WEB = 0, AG = 1;
    assert_string_equal(dataset_text(w.ds, DS_CHANNEL, WEB), "web");
    /* Contribution ratios: 1 - cogs 0.4 - commission (0.1 web, 0.2 agents). */
    near(l.ch[WEB].contribution_ratio, 0.5, 1e-9, "web ratio");
    near(l.ch[AG].contribution_ratio, 0.4, 1e-9, "agents ratio");
    /* The model's customers: the simulated ones, H1 and H2. */
    assert_int_equal(l.customers, NWEB + NAG + 2);
    assert_int_equal(l.ch[WEB].customers, NWEB + 1);
    assert_int_equal(l.ch[AG].customers, NAG + 1);
    assert_int_equal(l.cal_end, ASOF);
    assert_int_equal(l.bg_status, LTV_FITTED);
    assert_int_equal(l.gg_status, LTV_FITTED);
    assert_int_equal(l.ch[WEB].bg_status, LTV_FITTED);
    assert_int_equal(l.ch[WEB].gg_status, LTV_FITTED);
    assert_int_equal(l.ch[AG].bg_status, LTV_FEW_CUSTOMERS);
    assert_int_equal(l.ch[AG].gg_status, LTV_FEW_CUSTOMERS);
    assert_ptr_equal(ltv_channel_bg(&l, AG), &l.bg);
    assert_ptr_equal(ltv_channel_bg(&l, WEB), &l.ch[WEB].bg);
    /* web's own fit starts from the pooled one and lands elsewhere. */
    assert_true(l.ch[WEB].bg.par.r != l.bg.par.r);

    /* Every simulated customer, and the hand-made ones. */
    double act = 0, pred = 0, abs_err = 0;
    uint32_t repeat = 0, cal_n[LTV_NCAL] = { 0 };
    double cal_act[LTV_NCAL] = { 0 };
    for (size_t i = 0; i < w.nsim; i++) {
        uint32_t x, hold;
        double tx, T, m;
        summary(&w.sim[i], &x, &tx, &T, &m, &hold);
        uint32_t c = w.cid[i];
        assert_int_equal(l.channel[c], i < NWEB ? WEB : AG);
        check_customer(&l, &w, c, x, tx, T, m, i < NWEB ? 0.5 : 0.4);
        double ey;
        assert_int_equal(clv_bg_expected(&ltv_channel_bg(&l, l.channel[c])->par, x, tx, T, HOLD, &ey, &e), CX_OK);
        act += hold;
        pred += ey;
        abs_err += fabs(hold - ey);
        repeat += x > 0;
        cal_n[x < 7 ? x : 7]++;
        cal_act[x < 7 ? x : 7] += hold;
    }
    uint32_t h1 = cust(&w, "H1"), h2 = cust(&w, "H2");
    check_customer(&l, &w, h1, 2, 80, 390, 10, 0.5);
    check_customer(&l, &w, h2, 0, 0, 300, 0, 0.4);
    assert_int_equal(l.channel[h2], AG);
    assert_true(isnan(l.p_alive[cust(&w, "H3")]) && isnan(l.clv[cust(&w, "H3")]));
    assert_true(isnan(l.p_alive[cust(&w, "H4")]));           /* not a customer of the period */
    assert_int_equal(l.channel[cust(&w, "H3")], LTV_NO_CHANNEL);
    double ey1, ey2;
    assert_int_equal(clv_bg_expected(&l.ch[WEB].bg.par, 2, 80, 390, HOLD, &ey1, &e), CX_OK);
    assert_int_equal(clv_bg_expected(&l.bg.par, 0, 0, 300, HOLD, &ey2, &e), CX_OK);
    act += 2;                                                /* H1: days 420 and 450 */
    pred += ey1 + ey2;
    abs_err += fabs(2 - ey1) + ey2;
    cal_n[2]++;
    cal_act[2] += 2;
    cal_n[0]++;
    assert_int_equal(l.repeat, repeat + 1);
    /* The holdout: actual days counted from the simulation, predictions
       by clv_bg_expected (summed in another order: a relative 1e-9). */
    near(l.hold_actual, act, 0, "holdout actual");
    near(l.hold_predicted, pred, 1e-9, "holdout predicted");
    near(l.hold_abs_err, abs_err, 1e-9, "holdout absolute error");
    for (int k = 0; k < LTV_NCAL; k++) {
        assert_int_equal(l.cal[k].customers, cal_n[k]);
        near(l.cal[k].actual, cal_act[k], 0, "calibration actual");
    }
    /* The model predicts the simulation's holdout within 5% overall. */
    near(l.hold_predicted, l.hold_actual, 0.05, "prediction against the simulated holdout");
    /* CLV per channel: the mean over its customers, an interval around
       it; CAC = spend x days / 365 / customers won. */
    double sum = 0;
    for (uint32_t c = 0; c < l.n; c++)
        if (l.channel[c] == WEB)
            sum += l.clv[c];
    near(l.ch[WEB].clv_mean, sum / (NWEB + 1), 1e-12, "web mean clv");
    assert_true(l.ch[WEB].clv_lo < l.ch[WEB].clv_mean && l.ch[WEB].clv_mean < l.ch[WEB].clv_hi);
    near(l.ch[WEB].cac, 1000.0 * w.ec.days / 365 / w.rt.by_ch[WEB].acquired, 1e-12, "web CAC");
    near(l.ch[WEB].ltv_cac, l.ch[WEB].clv_mean / l.ch[WEB].cac, 1e-12, "web LTV:CAC");
    /* The model's part of the uncertainty, by another route: central
       differences of the mean over web's customers of E[Y(365)] E[M] x 0.5
       (clv_bg_expected and clv_gg_expected_value, not clv_predict), along
       each log-parameter, and g' Sigma g with the fits' covariances. */
    {
        const struct clv_bg_fit *bg = &l.ch[WEB].bg;
        const struct clv_gg_fit *gg = &l.ch[WEB].gg;
        double g[7];
        for (int k = 0; k < 7; k++) {
            double mean[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                struct clv_bg b = bg->par;
                struct clv_gg q = gg->par;
                double *pp[7] = { &b.r, &b.alpha, &b.a, &b.b, &q.p, &q.q, &q.v };
                *pp[k] *= exp(sgn ? 1e-4 : -1e-4);
                double tot = 0;
                size_t cnt = 0;
                for (size_t i = 0; i <= NWEB; i++) {
                    uint32_t x, hold;
                    double tx, T, m, ey, ev;
                    if (i < NWEB)
                        summary(&w.sim[i], &x, &tx, &T, &m, &hold);
                    else
                        x = 2, tx = 80, T = 390, m = 10;   /* H1 */
                    assert_int_equal(clv_bg_expected(&b, x, tx, T, 365, &ey, &e), CX_OK);
                    assert_int_equal(clv_gg_expected_value(&q, x, m, &ev, &e), CX_OK);
                    tot += ey * ev * 0.5;
                    cnt++;
                }
                mean[sgn] = tot / cnt;
            }
            g[k] = (mean[1] - mean[0]) / 2e-4;
        }
        double var = 0;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                var += g[i] * bg->cov_log[i][j] * g[j];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                var += g[4 + i] * gg->cov_log[i][j] * g[4 + j];
        assert_true(bg->se_ok && gg->se_ok);
        near(l.ch[WEB].clv_model_se, sqrt(var), 1e-3, "web model standard error");
        double mz = 1.96 * l.ch[WEB].clv_model_se, mean = l.ch[WEB].clv_mean;
        near(l.ch[WEB].ltv_cac_lo, (mean - sqrt(pow(mean - l.ch[WEB].clv_lo, 2) + mz * mz)) / l.ch[WEB].cac, 1e-12,
             "web LTV:CAC low");
        near(l.ch[WEB].ltv_cac_hi, (mean + sqrt(pow(l.ch[WEB].clv_hi - mean, 2) + mz * mz)) / l.ch[WEB].cac, 1e-12,
             "web LTV:CAC high");
    }
    assert_true(isnan(l.ch[AG].cac) && isnan(l.ch[AG].ltv_cac));   /* no spend known */
    ltv_free(&l);

    /* The same bits with 1 and 2 threads. */
    struct ltv a, b;
    omp_set_num_threads(1);
    assert_int_equal(ltv_compute(w.ds, &w.f, &w.rt, &w.ec, &o, &a, &e), CX_OK);
    omp_set_num_threads(2);
    assert_int_equal(ltv_compute(w.ds, &w.f, &w.rt, &w.ec, &o, &b, &e), CX_OK);
    assert_memory_equal(a.clv, b.clv, a.n * sizeof *a.clv);
    assert_memory_equal(a.p_alive, b.p_alive, a.n * sizeof *a.p_alive);
    assert_memory_equal(a.ch, b.ch, a.nch * sizeof *a.ch);
    assert_memory_equal(a.cal, b.cal, sizeof a.cal);
    assert_memory_equal(&a.bg, &b.bg, sizeof a.bg);
    ltv_free(&a);
    ltv_free(&b);
    teardown(&w);
}

/* Fallbacks by repeat customers, and the usage errors. */
static void test_fallback_and_errors(void **state)
{
    (void)state;
    struct world w;
    build(&w);
    struct ltv_options o;
    options(&o);
    o.min_customers = 2;
    o.min_repeat = 100000;
    struct ltv l;
    struct cx_err e = { 0 };
    assert_int_equal(ltv_compute(w.ds, &w.f, &w.rt, &w.ec, &o, &l, &e), CX_OK);
    assert_int_equal(l.ch[0].bg_status, LTV_FEW_REPEAT);
    assert_int_equal(l.ch[1].gg_status, LTV_FEW_REPEAT);
    assert_ptr_equal(ltv_channel_gg(&l, 0), &l.gg);
    ltv_free(&l);
    /* The holdout needs the calibration to end on the as-of date. */
    struct features f2;
    assert_int_equal(features_compute(w.ds, INT32_MIN, BASE + 300, INT32_MIN, &f2, &e), CX_OK);
    struct retention r2;
    assert_int_equal(ret_compute(w.ds, &f2, NULL, 0, NULL, &r2, &e), CX_OK);
    f2.asof = ASOF;
    memset(&e, 0, sizeof e);
    assert_int_equal(ltv_compute(w.ds, &f2, &r2, &w.ec, &o, &l, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "as-of"));
    ret_free(&r2);
    features_free(&f2);
    o.horizon_days = 0;
    assert_int_equal(ltv_compute(w.ds, &w.f, &w.rt, &w.ec, &o, &l, &e), CX_EUSAGE);
    teardown(&w);
}

/* No customer buys on two days: no fit, no values, and no failure. */
static void test_no_repeat(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    line(ds, "A", "A", "web", BASE, 1, 10);
    line(ds, "B", "B", "web", BASE + 5, 1, 20);
    struct cx_err e = { 0 };
    assert_int_equal(dataset_finish(ds, &e), CX_OK);
    struct features f;
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    struct costmodel cm;
    cm_builtin(&cm);
    struct eco_options eo;
    eco_defaults(&eo);
    struct economics ec;
    struct retention rt;
    int16_t seg[2] = { 0, 0 };
    assert_int_equal(eco_compute(ds, &f, seg, 1, &cm, &eo, &ec, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, seg, 1, ec.head_contribution, &rt, &e), CX_OK);
    struct ltv_options o;
    ltv_defaults(&o);
    struct ltv l;
    assert_int_equal(ltv_compute(ds, &f, &rt, &ec, &o, &l, &e), CX_OK);
    assert_int_equal(l.customers, 2);
    assert_int_equal(l.bg_status, LTV_FEW_REPEAT);
    assert_true(isnan(l.p_alive[0]) && isnan(l.clv[1]));
    assert_true(isnan(l.ch[0].clv_mean));
    ltv_free(&l);
    ret_free(&rt);
    eco_free(&ec);
    features_free(&f);
    dataset_free(ds);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wiring),
        cmocka_unit_test(test_fallback_and_errors),
        cmocka_unit_test(test_no_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
