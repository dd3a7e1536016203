/*
 * test_clv — BG/NBD and Gamma-Gamma: likelihoods worked out by hand, the
 * published CDNOW figures (Fader, Hardie & Lee 2005; lifetimes; CLVTools)
 * from the raw transactions, the conditional expectation against a direct
 * numerical integral over the dropout probability, P(alive), the pmf, the
 * CLV discretisation, recovery of simulated parameters, identical results
 * for 1 and 2 threads, and the error paths.
 *
 * CANAUX_CLV_BENCH=N (N customers, e.g. 670000) also times the whole chain
 * on simulated whole-day data and prints the times; run it with
 * OMP_NUM_THREADS=1 and 2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

#include "engine/clv.h"

/* got within a relative tolerance tol of want (absolute when want is 0). */
static void near(double got, double want, double tol, const char *what)
{
    double err = fabs(got - want), scale = want != 0 ? fabs(want) : 1;
    if (!(err <= tol * scale))
        fail_msg("%s: got %.12g, want %.12g (relative tolerance %g)", what, got, want, tol);
}

/* got within an absolute tolerance tol of want (published figures rounded
   to a number of decimals: tol is half their last unit). */
static void near_abs(double got, double want, double tol, const char *what)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("%s: got %.12g, want %.12g (absolute tolerance %g)", what, got, want, tol);
}

/* expr returns CX_OK; otherwise fails with the message recorded in e (a
   struct cx_err in scope). */
#define assert_ok(expr)                                                                  \
    do {                                                                                 \
        int rc_ = (expr);                                                                \
        if (rc_ != CX_OK)                                                                \
            fail_msg("%s: status %d: %s", #expr, rc_, e.msg);                            \
    } while (0)

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
   days_from_civil). */
static int32_t civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* ---- CDNOW ---- */

/* The CDNOW sample as purchase rows: customer (id in sample - 1), day, net. */
struct cdnow {
    size_t n;          /* rows */
    uint32_t ncust;    /* customers: 2,357 */
    uint32_t *cust;
    int32_t *day;
    int32_t *ymd;      /* the date as YYYYMMDD, for the independent count */
    double *net;
};

static struct cdnow cd;
static int cd_state;   /* 0 not tried, 1 loaded, -1 absent */

static int cdnow(void)
{
    if (cd_state)
        return cd_state > 0;
    cd_state = -1;
    const char *src = getenv("CANAUX_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/../shared/data/cdnow/CDNOW_sample.txt.gz", src ? src : ".");
    gzFile f = gzopen(path, "rb");
    if (!f) {
        printf("CDNOW sample not found at %s: its tests are skipped\n", path);
        return 0;
    }
    size_t cap = 8192;
    cd.cust = malloc(cap * sizeof *cd.cust);
    cd.day = malloc(cap * sizeof *cd.day);
    cd.ymd = malloc(cap * sizeof *cd.ymd);
    cd.net = malloc(cap * sizeof *cd.net);
    char line[256];
    while (gzgets(f, line, sizeof line)) {
        unsigned long id, sid, ymd;
        int ncd;
        double amt;
        if (sscanf(line, "%lu %lu %lu %d %lf", &id, &sid, &ymd, &ncd, &amt) != 5)
            continue;
        assert_true(cd.n < cap);
        cd.cust[cd.n] = (uint32_t)(sid - 1);
        cd.ymd[cd.n] = (int32_t)ymd;
        cd.day[cd.n] = civil((int)(ymd / 10000), (int)(ymd / 100 % 100), (int)(ymd % 100));
        cd.net[cd.n] = amt;
        if (sid > cd.ncust)
            cd.ncust = (uint32_t)sid;
        cd.n++;
    }
    gzclose(f);
    assert_int_equal(cd.n, 6919);     /* the README: 6,919 purchases */
    assert_int_equal(cd.ncust, 2357); /* of 2,357 customers */
    cd_state = 1;
    return 1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Repeat purchase days in the calibration period counted without the
   module: distinct (customer, YYYYMMDD) pairs up to 19970930 minus the
   customers. */
static size_t cdnow_repeat_days(void)
{
    int64_t *k = malloc(cd.n * sizeof *k);
    size_t nk = 0;
    for (size_t i = 0; i < cd.n; i++)
        if (cd.ymd[i] <= 19970930)
            k[nk++] = (int64_t)cd.cust[i] * 100000000 + cd.ymd[i];
    qsort(k, nk, sizeof *k, cmp_i64);
    size_t distinct = 0;
    for (size_t i = 0; i < nk; i++)
        distinct += i == 0 || k[i] != k[i - 1];
    free(k);
    return distinct - cd.ncust;   /* every customer's first purchase is in Q1 1997 */
}

/* The customer summaries of CDNOW at 1997-09-30 in `unit` days. */
struct summ {
    uint32_t n;
    uint32_t *x;
    double *tx, *T, *m;
    struct clv_days_info info;
};

static void summarize(struct summ *s, const uint32_t *cust, const int32_t *day, const double *net,
                      size_t nrows, uint32_t ncust, int32_t asof, double unit)
{
    s->n = ncust;
    s->x = malloc(ncust * sizeof *s->x);
    s->tx = malloc(ncust * sizeof *s->tx);
    s->T = malloc(ncust * sizeof *s->T);
    s->m = malloc(ncust * sizeof *s->m);
    struct cx_err e = { 0 };
    assert_ok(clv_from_days(cust, day, net, nrows, ncust, asof, asof, unit, s->x, s->tx,
                                   s->T, s->m, NULL, &s->info, &e));
}

static void summ_free(struct summ *s)
{
    free(s->x);
    free(s->tx);
    free(s->T);
    free(s->m);
}

/* Published BG/NBD estimates on CDNOW in weeks, to 7 decimals (lifetimes
   tests/test_estimation.py and CLVTools test_correctness_bgnbd.R). */
static const struct clv_bg cdnow_bg = { 0.2425945, 4.4136019, 0.7929199, 2.4258881 };

/* ---- clv_from_days ---- */

static void test_from_days_by_hand(void **state)
{
    (void)state;
    /* Customer 0: days 10 (nets 5 and 3: one purchase day), 12 (7), 20 (1),
       then 25 and 25 and 31 after the as-of day 22; customer 1: only day
       25; customer 2: day 22, the as-of day itself. Rows out of order. */
    const uint32_t cust[] = { 0, 2, 0, 1, 0, 0, 0, 0, 0 };
    const int32_t day[] = { 20, 22, 10, 25, 12, 25, 10, 25, 31 };
    const double net[] = { 1, 9, 5, 4, 7, 2, 3, 2, 8 };
    uint32_t x[3], hold[3];
    double tx[3], T[3], m[3];
    struct clv_days_info info;
    struct cx_err e = { 0 };
    assert_ok(clv_from_days(cust, day, net, 9, 3, 22, 30, 1, x, tx, T, m, hold, &info, &e));
    /* Customer 0: purchase days 10, 12, 20: x = 2, t_x = 20 - 10 = 10,
       T = 22 - 10 = 12, m = (7 + 1) / 2 = 4 (the first day's 5 + 3 is not a
       repeat purchase); holdout (22, 30]: day 25 (three rows, one day). */
    assert_int_equal(x[0], 2);
    near(tx[0], 10, 0, "t_x of customer 0");
    near(T[0], 12, 0, "T of customer 0");
    near(m[0], 4, 0, "m of customer 0");
    assert_int_equal(hold[0], 1);
    /* Customer 1: nothing on or before 22: absent, one holdout day. */
    assert_int_equal(x[1], 0);
    assert_true(isnan(tx[1]) && isnan(T[1]) && isnan(m[1]));
    assert_int_equal(hold[1], 1);
    /* Customer 2: one purchase day on the as-of day: x = 0, t_x = T = 0. */
    assert_int_equal(x[2], 0);
    near(tx[2], 0, 0, "t_x of customer 2");
    near(T[2], 0, 0, "T of customer 2");
    near(m[2], 0, 0, "m of customer 2");
    assert_int_equal(hold[2], 0);
    /* Rows: 9 = 5 used (20, 22, 10, 12, 10) + 4 after (25, 25, 25, 31), of
       which 3 up to 30; purchase days 3 + 1; 2 customers present, 1 absent. */
    assert_int_equal(info.rows, 9);
    assert_int_equal(info.rows_used, 5);
    assert_int_equal(info.rows_after, 4);
    assert_int_equal(info.rows_holdout, 3);
    assert_int_equal(info.days, 4);
    assert_int_equal(info.customers, 2);
    assert_int_equal(info.absent, 1);

    /* In weeks: 10 / 7 and 12 / 7. Without nets, no m. */
    assert_ok(clv_from_days(cust, day, NULL, 9, 3, 22, 22, 7, x, tx, T, NULL, NULL, &info,
                                   &e));
    near(tx[0], 10.0 / 7, 1e-15, "t_x in weeks");
    near(T[0], 12.0 / 7, 1e-15, "T in weeks");
    assert_int_equal(info.rows_holdout, 0);

    /* Errors: a customer index out of range, a non-finite net, m without
       nets, a bad unit. */
    const uint32_t bad[] = { 0, 3 };
    assert_int_equal(clv_from_days(bad, day, net, 2, 3, 22, 22, 1, x, tx, T, m, NULL, &info, &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "row 1: customer index 3"));
    e = (struct cx_err){ 0 };
    const double nan_net[] = { 1, NAN };
    assert_int_equal(clv_from_days(cust, day, nan_net, 2, 3, 22, 22, 1, x, tx, T, m, NULL, &info,
                                   &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "row 1: net is not finite"));
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_from_days(cust, day, NULL, 2, 3, 22, 22, 1, x, tx, T, m, NULL, &info,
                                   &e),
                     CX_EUSAGE);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_from_days(cust, day, net, 2, 3, 22, 22, 0, x, tx, T, m, NULL, &info, &e),
                     CX_EUSAGE);
}

/* ---- BG/NBD likelihood ---- */

static void test_bg_ll_by_hand(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct clv_bg_data *d;
    double ll;
    /* One customer, x = 0, T = 1 at r = 1, alpha = 1, a = b = 1: the
       likelihood is B(a, b) / B(a, b) x Gamma(r) alpha^r / (Gamma(r)
       (alpha + T)^r) = (alpha / (alpha + T))^r = 1/2: LL = -ln 2, whatever
       a and b are. */
    const uint32_t x0[] = { 0 };
    const double tx0[] = { 0 }, T0[] = { 1 };
    assert_ok(clv_bg_data_create(x0, tx0, T0, NULL, 1, &d, &e));
    assert_ok(clv_bg_loglik(d, &(struct clv_bg){ 1, 1, 1, 1 }, &ll, NULL, NULL, &e));
    near(ll, -log(2), 1e-15, "LL of x = 0, T = 1");
    assert_ok(clv_bg_loglik(d, &(struct clv_bg){ 1, 1, 3, 0.5 }, &ll, NULL, NULL, &e));
    near(ll, -log(2), 1e-15, "LL of x = 0 does not depend on a, b");
    /* r = 2, alpha = 3, T = 1: (3/4)^2: LL = 2 ln(3/4). */
    assert_ok(clv_bg_loglik(d, &(struct clv_bg){ 2, 3, 1, 1 }, &ll, NULL, NULL, &e));
    near(ll, 2 * log(0.75), 1e-15, "LL of x = 0, r = 2, alpha = 3");
    clv_bg_data_free(d);

    /* One customer, x = 1, t_x = 1/2, T = 1, at r = alpha = a = b = 1:
       B(1, 2) / B(1, 1) = 1/2 and B(2, 1) / B(1, 1) = 1/2, Gamma(2) /
       Gamma(1) = 1, so L = 1/2 x 1 / (1 + 1)^2 + 1/2 x 1 / (1 + 1/2)^2 =
       1/8 + 2/9 = 25/72. Three such customers and the x = 0 one above:
       LL = 3 ln(25/72) - ln 2, from 2 distinct triples. */
    const uint32_t x1[] = { 1, 0, 1, 1 };
    const double tx1[] = { 0.5, 0, 0.5, 0.5 }, T1[] = { 1, 1, 1, 1 };
    assert_ok(clv_bg_data_create(x1, tx1, T1, NULL, 4, &d, &e));
    assert_int_equal(clv_bg_data_n(d), 4);
    assert_int_equal(clv_bg_data_distinct(d), 2);
    assert_ok(clv_bg_loglik(d, &(struct clv_bg){ 1, 1, 1, 1 }, &ll, NULL, NULL, &e));
    near(ll, 3 * log(25.0 / 72) - log(2), 1e-14, "LL of 3 x (x = 1) + 1 x (x = 0)");
    clv_bg_data_free(d);

    /* The same with idx picking customers 0 and 1 only: ln(25/72) - ln 2. */
    const uint32_t idx[] = { 1, 0 };
    assert_ok(clv_bg_data_create(x1, tx1, T1, idx, 2, &d, &e));
    assert_ok(clv_bg_loglik(d, &(struct clv_bg){ 1, 1, 1, 1 }, &ll, NULL, NULL, &e));
    near(ll, log(25.0 / 72) - log(2), 1e-14, "LL of customers 1 and 0");
    clv_bg_data_free(d);
}

/* Whole-day triples are found by a radix sort, others by a hash table:
   both give the same log-likelihood. 400 customers in whole days (radix),
   the same plus one with T = 10.5 (hash): the difference is that one
   customer's LL. */
static void test_bg_compression_paths(void **state)
{
    (void)state;
    enum { N = 401 };
    uint32_t x[N];
    double tx[N], T[N];
    for (int i = 0; i < N - 1; i++) {
        x[i] = (uint32_t)(i % 7);
        T[i] = 30 + i % 53;
        tx[i] = x[i] ? (double)(i % 29 < T[i] ? i % 29 : 0) : 0;
    }
    x[N - 1] = 2;
    tx[N - 1] = 4;
    T[N - 1] = 10.5;
    struct cx_err e = { 0 };
    struct clv_bg_data *whole, *mixed, *one;
    assert_ok(clv_bg_data_create(x, tx, T, NULL, N - 1, &whole, &e));
    assert_ok(clv_bg_data_create(x, tx, T, NULL, N, &mixed, &e));
    const uint32_t last[] = { N - 1 };
    assert_ok(clv_bg_data_create(x, tx, T, last, 1, &one, &e));
    /* Triples (i mod 7, i mod 29, 30 + i mod 53) for x > 0 repeat with
       period 7 x 29 x 53 = 10,759: all distinct; for x = 0 (i mod 7 = 0)
       they are (0, 0, 30 + i mod 53), with period 371: i = 0, 7, 14, 21, 28
       come back at i + 371 <= 399. 400 - 5 = 395 distinct. */
    assert_int_equal(clv_bg_data_distinct(whole), 395);
    assert_int_equal(clv_bg_data_distinct(mixed), clv_bg_data_distinct(whole) + 1);
    const struct clv_bg p = { 0.6, 9, 0.9, 3.1 };
    double lw, lm, l1, gw[4], gm[4], g1[4];
    assert_ok(clv_bg_loglik(whole, &p, &lw, gw, NULL, &e));
    assert_ok(clv_bg_loglik(mixed, &p, &lm, gm, NULL, &e));
    assert_ok(clv_bg_loglik(one, &p, &l1, g1, NULL, &e));
    near(lm, lw + l1, 1e-13, "LL, hash path = radix path + the extra customer");
    for (int i = 0; i < 4; i++)
        near(gm[i], gw[i] + g1[i], 1e-12, "gradient, hash path = radix path + extra");
    clv_bg_data_free(whole);
    clv_bg_data_free(mixed);
    clv_bg_data_free(one);
}

/* The analytic gradient against central differences of the LL. */
static void test_bg_gradient(void **state)
{
    (void)state;
    const uint32_t x[] = { 0, 1, 2, 5, 0, 3, 12, 1 };
    const double tx[] = { 0, 3.5, 10, 20, 0, 2, 30.25, 0.5 }, T[] = { 5, 8, 10, 40, 0, 30, 31, 50 };
    struct cx_err e = { 0 };
    struct clv_bg_data *d;
    assert_ok(clv_bg_data_create(x, tx, T, NULL, 8, &d, &e));
    struct clv_bg p = { 0.7, 4.2, 0.8, 2.6 };
    double ll, g[4];
    assert_ok(clv_bg_loglik(d, &p, &ll, g, NULL, &e));
    const char *name[4] = { "dLL/dlog r", "dLL/dlog alpha", "dLL/dlog a", "dLL/dlog b" };
    for (int i = 0; i < 4; i++) {
        const double h = 1e-5;
        struct clv_bg pp = p, pm = p;
        (&pp.r)[i] *= exp(h);
        (&pm.r)[i] *= exp(-h);
        double lp, lm;
        assert_ok(clv_bg_loglik(d, &pp, &lp, NULL, NULL, &e));
        assert_ok(clv_bg_loglik(d, &pm, &lm, NULL, NULL, &e));
        /* Central differences: error O(h^2) ~ 1e-10, rounding ~ 1e-16 / h. */
        near(g[i], (lp - lm) / (2 * h), 1e-8, name[i]);
    }
    /* The analytic Hessian against central differences of the analytic
       gradient (error O(h^2) ~ 1e-8 at h = 1e-4), to 1e-6 of the scale of
       the row's diagonal. */
    double H[16];
    assert_ok(clv_bg_loglik(d, &p, &ll, g, H, &e));
    for (int i = 0; i < 4; i++) {
        const double h = 1e-4;
        struct clv_bg pp = p, pm = p;
        (&pp.r)[i] *= exp(h);
        (&pm.r)[i] *= exp(-h);
        double lp, lm, gp[4], gm[4];
        assert_ok(clv_bg_loglik(d, &pp, &lp, gp, NULL, &e));
        assert_ok(clv_bg_loglik(d, &pm, &lm, gm, NULL, &e));
        for (int j = 0; j < 4; j++) {
            char what[64];
            snprintf(what, sizeof what, "d2LL/dlog p%d dlog p%d", i, j);
            double fd = (gp[j] - gm[j]) / (2 * h);
            near_abs(H[i * 4 + j], fd, 1e-6 * (1 + fabs(H[i * 4 + i])), what);
        }
    }
    clv_bg_data_free(d);
}

/* ---- CDNOW ---- */

static void test_cdnow_summaries(void **state)
{
    (void)state;
    if (!cdnow())
        skip();
    struct summ s;
    summarize(&s, cd.cust, cd.day, cd.net, cd.n, cd.ncust, civil(1997, 9, 30), 7);
    /* Every customer bought first in 1997 Q1; 6,919 rows of which 1,959
       after 1997-09-30 (counted by awk on the file). */
    assert_int_equal(s.info.customers, 2357);
    assert_int_equal(s.info.absent, 0);
    assert_int_equal(s.info.rows_after, 1959);
    assert_int_equal(s.info.rows_used, 6919 - 1959);
    size_t sx = 0, rep = 0;
    for (uint32_t c = 0; c < s.n; c++) {
        sx += s.x[c];
        rep += s.x[c] > 0;
    }
    assert_int_equal(sx, cdnow_repeat_days());
    assert_int_equal(rep, 946);   /* the README: 946 customers with repeat purchases */
    /* Customer 1 (id 00004, sample id 1): 19970101, 19970118, 19970802 up to
       the end of September: x = 2, t_x = 213 days, T = 272 days;
       m = (29.73 + 14.96) / 2 = 22.345. */
    assert_int_equal(s.x[0], 2);
    near(s.tx[0], 213.0 / 7, 1e-15, "t_x of customer 1 (weeks)");
    near(s.T[0], 272.0 / 7, 1e-15, "T of customer 1 (weeks)");
    near(s.m[0], 22.345, 1e-15, "m of customer 1");
    summ_free(&s);
}

static void test_cdnow_bgnbd(void **state)
{
    (void)state;
    if (!cdnow())
        skip();
    struct cx_err e = { 0 };
    struct summ w, dy;
    summarize(&w, cd.cust, cd.day, cd.net, cd.n, cd.ncust, civil(1997, 9, 30), 7);
    summarize(&dy, cd.cust, cd.day, cd.net, cd.n, cd.ncust, civil(1997, 9, 30), 1);
    struct clv_bg_data *dw, *dd;
    assert_ok(clv_bg_data_create(w.x, w.tx, w.T, NULL, w.n, &dw, &e));
    assert_ok(clv_bg_data_create(dy.x, dy.tx, dy.T, NULL, dy.n, &dd, &e));

    /* The log-likelihood at the published point in weeks: -9,582.43
       (CLVTools: -9582.429 at its estimates). */
    double ll;
    assert_ok(clv_bg_loglik(dw, &cdnow_bg, &ll, NULL, NULL, &e));
    near_abs(ll, -9582.43, 0.005, "BG/NBD LL at the published estimates (weeks)");

    /* In days, alpha is 7 times larger and the LL differs by the Jacobian:
       the likelihood of a customer with x > 0 is a density of its x repeat
       purchase times (alpha^r / (alpha + T)^(r + x) and
       alpha^r / (alpha + t_x)^(r + x) scale by 7^-x when alpha, t_x and T
       are 7 times larger), while P(no repeat purchase) for x = 0 does not
       change. So LL_days = LL_weeks - (sum of x) ln 7, with sum of x =
       2,457 repeat purchase days (counted independently):
       -9582.43 - 2457 x 1.945910 = -14363.53. */
    double sx = (double)cdnow_repeat_days();
    struct clv_bg pd = cdnow_bg;
    pd.alpha *= 7;
    double lld;
    assert_ok(clv_bg_loglik(dd, &pd, &lld, NULL, NULL, &e));
    near(lld, ll - sx * log(7), 1e-12, "BG/NBD LL in days = LL in weeks - sum(x) ln 7");
    near_abs(lld, -14363.53, 0.005, "BG/NBD LL at the published estimates (days)");

    /* The fit in weeks: the published r = 0.243, alpha = 4.414, a = 0.793,
       b = 2.426 to their 3 decimals (half a unit of the last one), and
       lifetimes' / CLVTools' 7 decimals to a relative 1e-5: their
       optimisers stop earlier than ours (gradient norm 1e-9 per customer
       here): the LL is flat to 1e-8 between the two points, and ours is
       the higher (printed), LL -9582.4. */
    struct clv_bg_fit fw, fd;
    assert_ok(clv_bg_fit(dw, NULL, NULL, &fw, &e));
    printf("CDNOW BG/NBD (weeks): r = %.7f alpha = %.7f a = %.7f b = %.7f LL = %.6f "
           "(%.3g above lifetimes' point), SE %.4f %.4f %.4f %.4f, %u iterations + %u Newton, "
           "|g| = %.2g, %zu distinct of %zu\n",
           fw.par.r, fw.par.alpha, fw.par.a, fw.par.b, fw.ll, fw.ll - ll, fw.se.r, fw.se.alpha, fw.se.a,
           fw.se.b, fw.iterations, fw.newton, fw.grad_norm, fw.n_distinct, fw.n);
    near_abs(fw.par.r, 0.243, 0.0005, "r (weeks)");
    near_abs(fw.par.alpha, 4.414, 0.0005, "alpha (weeks)");
    near_abs(fw.par.a, 0.793, 0.0005, "a (weeks)");
    near_abs(fw.par.b, 2.426, 0.0005, "b (weeks)");
    near(fw.par.r, cdnow_bg.r, 1e-5, "r vs lifetimes/CLVTools");
    near(fw.par.alpha, cdnow_bg.alpha, 1e-5, "alpha vs lifetimes/CLVTools");
    near(fw.par.a, cdnow_bg.a, 1e-5, "a vs lifetimes/CLVTools");
    near(fw.par.b, cdnow_bg.b, 1e-5, "b vs lifetimes/CLVTools");
    assert_true(fw.ll >= ll && fw.ll - ll < 1e-6);
    near_abs(fw.ll, -9582.4, 0.05, "LL at the fit (weeks)");
    assert_true(fw.se_ok);
    assert_int_equal(fw.n, 2357);

    /* The same optimum from other starting points: the published one (BFGS
       has nothing to do: the gradient norm is already below its hand-over
       to Newton) and one far away. */
    const struct clv_bg starts[2] = { { 0.243, 4.414, 0.793, 2.426 }, { 5, 50, 3, 0.5 } };
    for (int i = 0; i < 2; i++) {
        struct clv_bg_fit fs;
        assert_ok(clv_bg_fit(dw, &starts[i], NULL, &fs, &e));
        near(fs.par.r, fw.par.r, 1e-7, "r from another start");
        near(fs.par.alpha, fw.par.alpha, 1e-7, "alpha from another start");
        near(fs.par.a, fw.par.a, 1e-7, "a from another start");
        near(fs.par.b, fw.par.b, 1e-7, "b from another start");
        if (i == 0)
            assert_int_equal(fs.iterations, 0);
    }

    /* In days: alpha = 7 x 4.414 = 30.90, r, a, b and their SEs the same,
       alpha's SE 7 times the weeks' one (the fits follow the same path on
       the log scale up to rounding: a relative 1e-6). */
    assert_ok(clv_bg_fit(dd, NULL, NULL, &fd, &e));
    printf("CDNOW BG/NBD (days): r = %.7f alpha = %.7f a = %.7f b = %.7f LL = %.4f, "
           "SE %.4f %.4f %.4f %.4f\n",
           fd.par.r, fd.par.alpha, fd.par.a, fd.par.b, fd.ll, fd.se.r, fd.se.alpha, fd.se.a,
           fd.se.b);
    near_abs(fd.par.alpha, 30.90, 0.005, "alpha (days)");
    near(fd.par.alpha, 7 * fw.par.alpha, 1e-6, "alpha days = 7 alpha weeks");
    near(fd.par.r, fw.par.r, 1e-6, "r days = r weeks");
    near(fd.par.a, fw.par.a, 1e-6, "a days = a weeks");
    near(fd.par.b, fw.par.b, 1e-6, "b days = b weeks");
    near(fd.se.alpha, 7 * fw.se.alpha, 1e-4, "SE alpha days = 7 SE alpha weeks");
    near(fd.se.r, fw.se.r, 1e-4, "SE r");
    near(fd.se.a, fw.se.a, 1e-4, "SE a");
    near(fd.se.b, fw.se.b, 1e-4, "SE b");
    near(fd.ll, fw.ll - sx * log(7), 1e-10, "LL at the fit, days vs weeks");
    /* The delta method: se(alpha) = alpha x se(log alpha). */
    near(fw.se.alpha, fw.par.alpha * sqrt(fw.cov_log[1][1]), 1e-15, "delta method");

    /* The Hessian behind the SEs against second differences of the LL
       itself (not of the gradient): the curvature in log alpha. */
    {
        const double h = 1e-3;
        struct clv_bg pp = fw.par, pm = fw.par;
        pp.alpha *= exp(h);
        pm.alpha *= exp(-h);
        double lp, lm;
        assert_ok(clv_bg_loglik(dw, &pp, &lp, NULL, NULL, &e));
        assert_ok(clv_bg_loglik(dw, &pm, &lm, NULL, NULL, &e));
        double h11 = -(lp - 2 * fw.ll + lm) / (h * h);
        /* cov_log is the inverse Hessian: its [1][1] is not 1 / H_11 (the
           parameters are correlated), so compare the Hessian rebuilt from
           cov_log: invert the 4 x 4 by Gauss-Jordan. */
        double A[4][8];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 8; j++)
                A[i][j] = j < 4 ? fw.cov_log[i][j] : (j - 4 == i);
        for (int c = 0; c < 4; c++) {
            double piv = A[c][c];
            for (int j = 0; j < 8; j++)
                A[c][j] /= piv;
            for (int i = 0; i < 4; i++)
                if (i != c) {
                    double f = A[i][c];
                    for (int j = 0; j < 8; j++)
                        A[i][j] -= f * A[c][j];
                }
        }
        near(A[1][5], h11, 1e-4, "Hessian of -LL in log alpha vs second differences of LL");
    }

    /* The conditional expectation of lifetimes' example: x = 2, t_x = 30.43,
       T = 38.86 weeks, over the next 39 weeks: 1.226. */
    double ey;
    assert_ok(clv_bg_expected(&cdnow_bg, 2, 30.43, 38.86, 39, &ey, &e));
    printf("CDNOW E[Y(39) | 2, 30.43, 38.86] = %.6f\n", ey);
    near_abs(ey, 1.226, 0.0005, "conditional expected purchases (weeks)");
    /* The same customer in days, with alpha in days: the same number. */
    double eyd;
    assert_ok(clv_bg_expected(&pd, 2, 30.43 * 7, 38.86 * 7, 39 * 7, &eyd, &e));
    near(eyd, ey, 1e-12, "conditional expected purchases (days)");

    clv_bg_data_free(dw);
    clv_bg_data_free(dd);
    summ_free(&w);
    summ_free(&dy);
}

static void test_cdnow_gamma_gamma(void **state)
{
    (void)state;
    if (!cdnow())
        skip();
    struct cx_err e = { 0 };
    struct summ s;
    summarize(&s, cd.cust, cd.day, cd.net, cd.n, cd.ncust, civil(1997, 9, 30), 7);
    struct clv_gg_data *d;
    assert_ok(clv_gg_data_create(s.x, s.m, NULL, s.n, &d, &e));
    /* 946 customers with repeat purchases, all with m > 0. */
    assert_int_equal(clv_gg_data_n(d), 946);
    assert_int_equal(clv_gg_data_zero(d), 2357 - 946);
    assert_int_equal(clv_gg_data_nonpos(d), 0);
    /* At the published p = 6.25, q = 3.74, v = 15.44: -4,055.92 (CLVTools'
       -4055.9177 is the LL at its own estimates, below). */
    double ll;
    assert_ok(clv_gg_loglik(d, &(struct clv_gg){ 6.25, 3.74, 15.44 }, &ll, NULL, NULL, &e));
    near_abs(ll, -4055.92, 0.005, "Gamma-Gamma LL at the published estimates");
    struct clv_gg_fit f;
    assert_ok(clv_gg_fit(d, NULL, NULL, &f, &e));
    printf("CDNOW Gamma-Gamma: p = %.5f q = %.5f v = %.5f LL = %.4f, SE %.4f %.4f %.4f, "
           "%u iterations\n",
           f.par.p, f.par.q, f.par.v, f.ll, f.se.p, f.se.q, f.se.v, f.iterations);
    near_abs(f.par.p, 6.25, 0.005, "p");
    near_abs(f.par.q, 3.74, 0.005, "q");
    near_abs(f.par.v, 15.44, 0.005, "v");
    near_abs(f.ll, -4055.9177, 0.00005, "Gamma-Gamma LL at the fit (CLVTools)");
    struct clv_gg_fit fs;
    assert_ok(clv_gg_fit(d, &(struct clv_gg){ 0.5, 20, 1 }, NULL, &fs, &e));
    near(fs.par.p, f.par.p, 1e-7, "p from another start");
    near(fs.par.q, f.par.q, 1e-7, "q from another start");
    near(fs.par.v, f.par.v, 1e-7, "v from another start");
    assert_true(f.se_ok);
    assert_int_equal(f.n, 946);
    clv_gg_data_free(d);
    summ_free(&s);
}

/* ---- conditional expectation, P(alive), pmf ---- */

/* The integrand of E[X(t)] over the dropout probability p for a customer
   alive at the start with Gamma(r, alpha) rate and Beta(a, b) dropout:
   given lambda and p, E[X(t)] = (1 - e^(-lambda p t)) / p; over lambda
   that is (1 - (alpha / (alpha + p t))^r) / p; QAWS carries the weight
   p^(a-1) (1-p)^(b-1). */
struct integ {
    double r, alpha, t;
};

static double integrand(double p, void *v)
{
    const struct integ *q = v;
    if (p <= 0)
        return q->r * q->t / q->alpha;   /* the limit at p -> 0 */
    return -expm1(-q->r * log1p(p * q->t / q->alpha)) / p;
}

/* E[X(t)] of such a customer by numerical integration, independent of
   2F1: int_0^1 integrand(p) p^(a-1) (1-p)^(b-1) dp / B(a, b). */
static double expected_by_integral(double r, double alpha, double a, double b, double t)
{
    struct integ q = { r, alpha, t };
    gsl_function F = { integrand, &q };
    gsl_integration_qaws_table *tab = gsl_integration_qaws_table_alloc(a - 1, b - 1, 0, 0);
    gsl_integration_workspace *w = gsl_integration_workspace_alloc(1000);
    double res, err;
    int st = gsl_integration_qaws(&F, 0, 1, tab, 0, 1e-13, 1000, w, &res, &err);
    gsl_integration_workspace_free(w);
    gsl_integration_qaws_table_free(tab);
    assert_int_equal(st, GSL_SUCCESS);
    return res / exp(gsl_sf_lnbeta(a, b));
}

static void test_expected_vs_integral(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    /* Given (x, t_x, T), a customer alive at T has rate ~ Gamma(r + x,
       alpha + T) and dropout ~ Beta(a, b + x): E[Y(t) | x, t_x, T] =
       P(alive) x E[X(t)] with those parameters. The grid covers z =
       t / (alpha + T + t) from 0.01 to 0.99, large x, a below and above 1,
       and CDNOW's estimates in days. */
    const struct clv_bg ps[] = {
        { 0.2425945, 4.4136019 * 7, 0.7929199, 2.4258881 },
        { 1.5, 2.0, 3.0, 0.6 },
        { 0.3, 0.5, 0.4, 8.0 },
        { 4.0, 100.0, 1.7, 25.0 },
    };
    const uint32_t xs[] = { 0, 1, 2, 7, 40 };
    const double Ts[] = { 0, 1, 30, 400 }, ts[] = { 0.5, 7, 39, 365, 3000 };
    int n = 0;
    for (size_t ip = 0; ip < sizeof ps / sizeof *ps; ip++)
        for (size_t ix = 0; ix < 5; ix++)
            for (size_t iT = 0; iT < 4; iT++)
                for (size_t it = 0; it < 5; it++) {
                    const struct clv_bg *p = &ps[ip];
                    uint32_t x = xs[ix];
                    double T = Ts[iT], tx = x ? T / 2 : 0, t = ts[it];
                    double got, want = clv_bg_p_alive(p, x, tx, T) *
                                       expected_by_integral(p->r + x, p->alpha + T, p->a,
                                                            p->b + x, t);
                    int rc = clv_bg_expected(p, x, tx, T, t, &got, &e);
                    if (rc != CX_OK)
                        fail_msg("%s", e.msg);
                    char what[160];
                    snprintf(what, sizeof what,
                             "E[Y(%g) | x %u, t_x %g, T %g] at r %g alpha %g a %g b %g", t, x, tx,
                             T, p->r, p->alpha, p->a, p->b);
                    near(got, want, 1e-9, what);
                    n++;
                }
    assert_int_equal(n, 400);

    /* a = 1 exactly, where (a + b + x - 1) / (a - 1) is 0 / 0, and just
       beside it: interpolated, against the integral. */
    const double as[] = { 1.0, 1 + 3e-6, 1 - 2e-5 };
    for (int i = 0; i < 3; i++) {
        struct clv_bg p = { 0.5, 10, as[i], 2 };
        double got;
        assert_ok(clv_bg_expected(&p, 3, 20, 50, 100, &got, &e));
        near(got, clv_bg_p_alive(&p, 3, 20, 50) * expected_by_integral(3.5, 60, as[i], 5, 100),
             1e-8, "E[Y] at a = 1");
    }

    /* E[X(t)] of a new customer: the same function at x = 0, T = 0. */
    double ex;
    assert_ok(clv_bg_expected_new(&cdnow_bg, 39, &ex, &e));
    near(ex, expected_by_integral(cdnow_bg.r, cdnow_bg.alpha, cdnow_bg.a, cdnow_bg.b, 39), 1e-9,
         "E[X(39)]");
    assert_ok(clv_bg_expected_new(&cdnow_bg, 0, &ex, &e));
    near(ex, 0, 0, "E[X(0)]");
}

static void test_p_alive(void **state)
{
    (void)state;
    /* x = 0: P(alive) = 1 / (1 + [x > 0] ...) = 1 exactly, for any T: in
       BG/NBD a customer drops out only right after a repeat purchase. */
    assert_true(clv_bg_p_alive(&cdnow_bg, 0, 0, 38.86) == 1);
    assert_true(clv_bg_p_alive(&cdnow_bg, 0, 0, 1e6) == 1);
    /* r = 1, alpha = 1, a = 1, b = 2, x = 1, t_x = 1, T = 3:
       a / (b + x - 1) = 1/2, ((1 + 3) / (1 + 1))^(1 + 1) = 4:
       1 / (1 + 1/2 x 4) = 1/3. */
    const struct clv_bg p = { 1, 1, 1, 2 };
    near(clv_bg_p_alive(&p, 1, 1, 3), 1.0 / 3, 1e-15, "P(alive) by hand");
    /* Bought last at T: ((alpha + T) / (alpha + t_x))^(r + x) = 1, so
       P = 1 / (1 + a / (b + x - 1)) = (b + x - 1) / (a + b + x - 1):
       x = 3: 4 / 5. */
    near(clv_bg_p_alive(&p, 3, 9, 9), 0.8, 1e-15, "P(alive) of a customer who just bought");
    /* Monotone: falls as T grows (longer silence), rises with t_x (a more
       recent last purchase), falls with x at a fixed old t_x (a frequent
       buyer silent for long). Very long silences underflow to 0, not NaN. */
    double prev = 2;
    for (double T = 10; T <= 1e4; T *= 1.5) {
        double pa = clv_bg_p_alive(&cdnow_bg, 5, 10, T);
        assert_true(pa < prev && pa >= 0);
        prev = pa;
    }
    prev = -1;
    for (double tx = 0; tx <= 50; tx += 5) {
        double pa = clv_bg_p_alive(&cdnow_bg, 5, tx, 50);
        assert_true(pa > prev);
        prev = pa;
    }
    prev = 2;
    for (uint32_t x = 1; x < 30; x++) {
        double pa = clv_bg_p_alive(&cdnow_bg, x, 5, 50);
        assert_true(pa < prev);
        prev = pa;
    }
    assert_true(clv_bg_p_alive(&cdnow_bg, 1000, 1, 1e8) == 0);
}

static void test_expected_monotone(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    double prev = -1, v;
    /* Increasing in the period t. */
    for (double t = 0; t <= 520; t += 13) {
        assert_ok(clv_bg_expected(&cdnow_bg, 2, 30.43, 38.86, t, &v, &e));
        assert_true(v > prev);
        prev = v;
    }
    /* x = 0: decreasing in T (a longer time without a repeat purchase
       means a lower rate). */
    prev = 1e9;
    for (double T = 0; T <= 100; T += 5) {
        assert_ok(clv_bg_expected(&cdnow_bg, 0, 0, T, 39, &v, &e));
        assert_true(v < prev);
        prev = v;
    }
    /* Bought last at T: increasing in x. */
    prev = -1;
    for (uint32_t x = 0; x < 40; x++) {
        assert_ok(clv_bg_expected(&cdnow_bg, x, x ? 30 : 0, 30, 39, &v, &e));
        assert_true(v > prev);
        prev = v;
    }
}

static void test_pmf(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    /* P(X(t) = 0) = B(a, b) / B(a, b) (alpha / (alpha + t))^r: r = 1,
       alpha = 1, t = 1: 1/2, whatever a and b. */
    double p0;
    assert_ok(clv_bg_pmf(&(struct clv_bg){ 1, 1, 2, 3 }, 1, 0, &p0, &e));
    near(p0, 0.5, 1e-15, "P(X(1) = 0)");
    /* The probabilities sum to 1 and their mean is E[X(t)] (two formulas
       that share nothing but the model). */
    const double ts[] = { 1, 39, 78 * 7 };
    for (int i = 0; i < 3; i++) {
        struct clv_bg p = cdnow_bg;
        double s = 0, mean = 0, ex, q;
        for (uint32_t x = 0; x < 20000; x++) {
            assert_ok(clv_bg_pmf(&p, ts[i], x, &q, &e));
            s += q;
            mean += x * q;
        }
        assert_ok(clv_bg_expected_new(&p, ts[i], &ex, &e));
        near(s, 1, 1e-10, "sum of P(X(t) = x)");
        near(mean, ex, 1e-8, "mean of P(X(t) = x) = E[X(t)]");
    }
}

/* ---- Gamma-Gamma ---- */

static void test_gg_by_hand(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    /* One customer, x = 1, m = 1 at p = q = v = 1: the density of a mean
       of one spend, Gamma(p + q) / (Gamma(p) Gamma(q)) v^q m^(p-1) /
       (v + m)^(p + q) = 1 / (1 + 1)^2 = 1/4: LL = -2 ln 2. A customer with
       x = 0 and one with m <= 0 are left out. */
    const uint32_t x[] = { 1, 0, 2 };
    const double m[] = { 1, NAN, -3 };
    struct clv_gg_data *d;
    assert_ok(clv_gg_data_create(x, m, NULL, 3, &d, &e));
    assert_int_equal(clv_gg_data_n(d), 1);
    assert_int_equal(clv_gg_data_zero(d), 1);
    assert_int_equal(clv_gg_data_nonpos(d), 1);
    double ll;
    assert_ok(clv_gg_loglik(d, &(struct clv_gg){ 1, 1, 1 }, &ll, NULL, NULL, &e));
    near(ll, -2 * log(2), 1e-15, "GG LL by hand");
    clv_gg_data_free(d);

    /* x = 2, m = 3 at p = 2, q = 1, v = 4: the mean of 2 spends has density
       Gamma(px + q) / (Gamma(px) Gamma(q)) v^q m^(px-1) x^(px) /
       (v + x m)^(px + q) = Gamma(5) / Gamma(4) x 4 x 3^3 x 2^4 / 10^5 =
       4 x 4 x 27 x 16 / 100000 = 0.06912. */
    const uint32_t x2[] = { 2 };
    const double m2[] = { 3 };
    assert_ok(clv_gg_data_create(x2, m2, NULL, 1, &d, &e));
    assert_ok(clv_gg_loglik(d, &(struct clv_gg){ 2, 1, 4 }, &ll, NULL, NULL, &e));
    near(ll, log(0.06912), 1e-14, "GG LL of x = 2 by hand");
    clv_gg_data_free(d);

    /* E[M | x, m] = p (v + x m) / (p x + q - 1): p = 2, q = 3, v = 10,
       x = 2, m = 20: 2 x 50 / 6 = 16.6667; x = 0: p v / (q - 1) = 10;
       m <= 0 as m = 0: 2 x 10 / 6. */
    const struct clv_gg g = { 2, 3, 10 };
    double ev;
    assert_ok(clv_gg_expected_value(&g, 2, 20, &ev, &e));
    near(ev, 100.0 / 6, 1e-15, "E[M | 2, 20]");
    assert_ok(clv_gg_expected_value(&g, 0, NAN, &ev, &e));
    near(ev, 10, 1e-15, "E[M] of a customer without repeat purchase");
    assert_ok(clv_gg_expected_value(&g, 2, -5, &ev, &e));
    near(ev, 20.0 / 6, 1e-15, "E[M | 2, m <= 0]");
    /* Shrinkage: between the population mean and m, closer to m as x grows. */
    double prev = 10;
    for (uint32_t k = 1; k < 50; k++) {
        assert_ok(clv_gg_expected_value(&g, k, 20, &ev, &e));
        assert_true(ev > prev && ev < 20);
        prev = ev;
    }
    /* q <= 1: the population mean is infinite. */
    assert_int_equal(clv_gg_expected_value(&(struct clv_gg){ 2, 0.9, 10 }, 0, 0, &ev, &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "infinite"));
}

static void test_gg_gradient(void **state)
{
    (void)state;
    const uint32_t x[] = { 1, 2, 5, 3, 9, 1 };
    const double m[] = { 12.5, 30, 7.25, 18, 22, 3 };
    struct cx_err e = { 0 };
    struct clv_gg_data *d;
    assert_ok(clv_gg_data_create(x, m, NULL, 6, &d, &e));
    struct clv_gg p = { 3.1, 2.4, 11.0 };
    double ll, g[3];
    assert_ok(clv_gg_loglik(d, &p, &ll, g, NULL, &e));
    for (int i = 0; i < 3; i++) {
        const double h = 1e-5;
        struct clv_gg pp = p, pm = p;
        (&pp.p)[i] *= exp(h);
        (&pm.p)[i] *= exp(-h);
        double lp, lm;
        assert_ok(clv_gg_loglik(d, &pp, &lp, NULL, NULL, &e));
        assert_ok(clv_gg_loglik(d, &pm, &lm, NULL, NULL, &e));
        near(g[i], (lp - lm) / (2 * h), 1e-8, "GG gradient");
    }
    double H[9];
    assert_ok(clv_gg_loglik(d, &p, &ll, g, H, &e));
    for (int i = 0; i < 3; i++) {
        const double h = 1e-4;
        struct clv_gg pp = p, pm = p;
        (&pp.p)[i] *= exp(h);
        (&pm.p)[i] *= exp(-h);
        double lp, lm, gp[3], gm[3];
        assert_ok(clv_gg_loglik(d, &pp, &lp, gp, NULL, &e));
        assert_ok(clv_gg_loglik(d, &pm, &lm, gm, NULL, &e));
        for (int j = 0; j < 3; j++) {
            double fd = (gp[j] - gm[j]) / (2 * h);
            near_abs(H[i * 3 + j], fd, 1e-6 * (1 + fabs(H[i * 3 + i])), "GG Hessian");
        }
    }
    clv_gg_data_free(d);
}

/* ---- CLV ---- */

static void test_clv_discretisation(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct clv_bg bg = cdnow_bg;
    bg.alpha *= 7;   /* days */
    const struct clv_gg gg = { 6.25, 3.74, 15.44 };
    const uint32_t x[] = { 0, 2, 2, 7, 1, 0 };
    const double tx[] = { 0, 213, 213, 250, 3, 0 }, T[] = { 272, 272, 272, 260, 200, 0 },
                 m[] = { 0, 22.345, 22.345, 40, 9.99, 0 };
    const size_t n = 6;
    struct clv_pred_ws *w = clv_pred_ws_alloc(n);
    assert_non_null(w);
    double pa[6], pu[6], va[6], cl[6];
    struct clv_horizon h;
    clv_horizon_defaults(&h);

    /* d = 0: the steps' increments telescope: clv = E[Y(H)] x E[M]. */
    h.rate = 0;
    assert_ok(clv_predict(&bg, &gg, &h, x, tx, T, m, NULL, n, w, pa, pu, va, cl, &e));
    for (size_t i = 0; i < n; i++) {
        double ey, ev;
        assert_ok(clv_bg_expected(&bg, x[i], tx[i], T[i], 365, &ey, &e));
        assert_ok(clv_gg_expected_value(&gg, x[i], m[i], &ev, &e));
        assert_true(same_bits(pa[i], clv_bg_p_alive(&bg, x[i], tx[i], T[i])));
        near(pu[i], ey, 1e-15, "purchases = E[Y(365)]");
        assert_true(same_bits(va[i], ev));
        near(cl[i], pu[i] * va[i], 1e-12, "CLV at d = 0 = purchases x value");
    }

    /* d = 10%, 12 monthly steps (the default): the sum over k of
       (E[Y(k H / 12)] - E[Y((k-1) H / 12)]) x 1.1^(-(k - 1/2) / 12) x E[M],
       rebuilt here from clv_bg_expected. */
    h.rate = 0.10;
    assert_ok(clv_predict(&bg, &gg, &h, x, tx, T, m, NULL, n, w, pa, pu, va, cl, &e));
    for (size_t i = 0; i < n; i++) {
        double s = 0, prev = 0, ek;
        for (int k = 1; k <= 12; k++) {
            assert_ok(clv_bg_expected(&bg, x[i], tx[i], T[i], 365.0 * k / 12, &ek, &e));
            s += (ek - prev) * pow(1.1, -(k - 0.5) / 12);
            prev = ek;
        }
        near(cl[i], s * va[i], 1e-12, "CLV, 12 monthly steps at 10%");
        assert_true(cl[i] < pu[i] * va[i]);   /* discounting lowers it */
    }
    /* One step: everything discounted at mid-horizon, 1.1^(-1/2). */
    h.steps = 1;
    assert_ok(clv_predict(&bg, &gg, &h, x, tx, T, m, NULL, n, w, pa, pu, va, cl, &e));
    for (size_t i = 0; i < n; i++)
        near(cl[i], pu[i] * pow(1.1, -0.5) * va[i], 1e-12, "CLV in one step");
    /* Weekly steps over 2 years: between no discount and the one-step one?
       No: compare with the rebuilt sum again, at 104 steps. */
    h.steps = 104;
    h.length = 730;
    assert_ok(clv_predict(&bg, &gg, &h, x, tx, T, m, NULL, n, w, pa, pu, va, cl, &e));
    {
        double s = 0, prev = 0, ek;
        for (int k = 1; k <= 104; k++) {
            assert_ok(clv_bg_expected(&bg, x[1], tx[1], T[1], 730.0 * k / 104, &ek, &e));
            s += (ek - prev) * pow(1.1, -(k - 0.5) * 7.0192307692307692 / 365);
            prev = ek;
        }
        near(cl[1], s * va[1], 1e-12, "CLV, 104 weekly steps over 730 days");
    }

    /* idx: only the customers listed are written; without gg, only P(alive)
       and purchases. */
    const uint32_t idx[] = { 3, 1 };
    for (size_t i = 0; i < n; i++)
        pa[i] = pu[i] = -1;
    clv_horizon_defaults(&h);
    assert_ok(clv_predict(&bg, NULL, &h, x, tx, T, NULL, idx, 2, w, pa, pu, NULL, NULL, &e));
    assert_true(pa[0] == -1 && pa[2] == -1 && pa[4] == -1 && pa[5] == -1);
    assert_true(pa[3] > 0 && pa[1] > 0 && pu[3] > 0);
    clv_pred_ws_free(w);
}

/* ---- simulation ---- */

/* n customers simulated from BG/NBD in continuous time with T uniform in
   [Tlo, Thi], and a Gamma-Gamma mean spend of their repeat purchases. */
static void simulate(gsl_rng *rng, const struct clv_bg *p, const struct clv_gg *g, size_t n,
                     double Tlo, double Thi, uint32_t *x, double *tx, double *T, double *m)
{
    for (size_t i = 0; i < n; i++) {
        double lambda = gsl_ran_gamma(rng, p->r, 1 / p->alpha);
        double drop = gsl_ran_beta(rng, p->a, p->b);
        double nu = gsl_ran_gamma(rng, g->q, 1 / g->v);
        T[i] = Tlo + (Thi - Tlo) * gsl_rng_uniform(rng);
        double t = 0, last = 0, spend = 0;
        uint32_t k = 0;
        for (;;) {
            t += gsl_ran_exponential(rng, 1 / lambda);
            if (t > T[i])
                break;
            k++;
            last = t;
            spend += gsl_ran_gamma(rng, g->p, 1 / nu);
            if (gsl_rng_uniform(rng) < drop)
                break;
        }
        x[i] = k;
        tx[i] = last;
        m[i] = k ? spend / k : 0;
    }
}

static void test_simulation_recovery(void **state)
{
    (void)state;
    const size_t n = 20000;
    uint32_t *x = malloc(n * sizeof *x);
    double *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T), *m = malloc(n * sizeof *m);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20050101);
    const struct clv_bg truth = { 0.5, 20, 0.8, 2.5 };   /* days */
    const struct clv_gg gtruth = { 4, 3, 50 };
    simulate(rng, &truth, &gtruth, n, 30, 730, x, tx, T, m);
    gsl_rng_free(rng);

    struct cx_err e = { 0 };
    struct clv_bg_data *d;
    assert_ok(clv_bg_data_create(x, tx, T, NULL, n, &d, &e));
    struct clv_bg_fit f;
    assert_ok(clv_bg_fit(d, NULL, NULL, &f, &e));
    {
        /* Continuous times: the hash path, 20,000 triples in 3 chunks; its
           LL and gradient with 1 and 2 threads, bit for bit. */
        double l1, l2, g1[4], g2[4];
        int saved = omp_get_max_threads();
        omp_set_num_threads(1);
        assert_ok(clv_bg_loglik(d, &truth, &l1, g1, NULL, &e));
        omp_set_num_threads(2);
        assert_ok(clv_bg_loglik(d, &truth, &l2, g2, NULL, &e));
        omp_set_num_threads(saved);
        assert_true(clv_bg_data_distinct(d) > 2 * CLV_CHUNK);
        assert_true(same_bits(l1, l2));
        for (int i = 0; i < 4; i++)
            assert_true(same_bits(g1[i], g2[i]));
    }
    printf("simulated BG/NBD (%zu customers): r %.4f (%.4f) alpha %.3f (%.3f) a %.4f (%.4f) "
           "b %.4f (%.4f), truth 0.5 20 0.8 2.5\n",
           n, f.par.r, f.se.r, f.par.alpha, f.se.alpha, f.par.a, f.se.a, f.par.b, f.se.b);
    assert_true(f.se_ok);
    const double *est = &f.par.r, *se = &f.se.r, *tr = &truth.r;
    for (int i = 0; i < 4; i++) {
        if (!(fabs(est[i] - tr[i]) < 4 * se[i]))
            fail_msg("BG/NBD parameter %d: %g, truth %g, SE %g", i, est[i], tr[i], se[i]);
        /* SEs of a sensible size: 20,000 customers pin the parameters to a
           few percent. */
        assert_true(se[i] > 0.001 * tr[i] && se[i] < 0.2 * tr[i]);
    }
    clv_bg_data_free(d);

    struct clv_gg_data *gd;
    assert_ok(clv_gg_data_create(x, m, NULL, n, &gd, &e));
    struct clv_gg_fit gf;
    assert_ok(clv_gg_fit(gd, NULL, NULL, &gf, &e));
    printf("simulated Gamma-Gamma (%zu repeat customers): p %.4f (%.4f) q %.4f (%.4f) "
           "v %.3f (%.3f), truth 4 3 50\n",
           gf.n, gf.par.p, gf.se.p, gf.par.q, gf.se.q, gf.par.v, gf.se.v);
    const double *gest = &gf.par.p, *gse = &gf.se.p, *gtr = &gtruth.p;
    for (int i = 0; i < 3; i++)
        if (!(fabs(gest[i] - gtr[i]) < 4 * gse[i]))
            fail_msg("Gamma-Gamma parameter %d: %g, truth %g, SE %g", i, gest[i], gtr[i], gse[i]);
    clv_gg_data_free(gd);
    free(x);
    free(tx);
    free(T);
    free(m);
}

/* Whole-day purchase rows of n simulated customers acquired over the
   `span` days before asof: one row per purchase (several on a day are
   merged by clv_from_days). Returns the number of rows; *rows_out owns
   the arrays. */
struct rows {
    size_t n, cap;
    uint32_t *cust;
    int32_t *day;
    double *net;
};

static void rows_add(struct rows *r, uint32_t c, int32_t d, double v)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 1024;
        r->cust = realloc(r->cust, r->cap * sizeof *r->cust);
        r->day = realloc(r->day, r->cap * sizeof *r->day);
        r->net = realloc(r->net, r->cap * sizeof *r->net);
        assert_true(r->cust && r->day && r->net);
    }
    r->cust[r->n] = c;
    r->day[r->n] = d;
    r->net[r->n] = v;
    r->n++;
}

static void simulate_days(gsl_rng *rng, const struct clv_bg *p, const struct clv_gg *g, uint32_t n,
                          int32_t asof, int span, struct rows *r)
{
    for (uint32_t i = 0; i < n; i++) {
        double lambda = gsl_ran_gamma(rng, p->r, 1 / p->alpha);
        double drop = gsl_ran_beta(rng, p->a, p->b);
        double nu = gsl_ran_gamma(rng, g->q, 1 / g->v);
        int32_t first = asof - (int32_t)gsl_rng_uniform_int(rng, (unsigned long)span);
        double T = asof - first, t = 0;
        rows_add(r, i, first, gsl_ran_gamma(rng, g->p, 1 / nu));
        for (;;) {
            t += gsl_ran_exponential(rng, 1 / lambda);
            if (t > T + 0.999)
                break;
            rows_add(r, i, first + (int32_t)floor(t), gsl_ran_gamma(rng, g->p, 1 / nu));
            if (gsl_rng_uniform(rng) < drop)
                break;
        }
    }
}

/* The whole chain at 1 and at 2 threads: bit-for-bit the same. */
static void test_threads(void **state)
{
    (void)state;
    const uint32_t n = 30000;
    struct rows r = { 0 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    const struct clv_bg truth = { 0.5, 20, 0.8, 2.5 };
    const struct clv_gg gtruth = { 4, 3, 50 };
    simulate_days(rng, &truth, &gtruth, n, 10000, 730, &r);
    gsl_rng_free(rng);

    struct res {
        struct summ s;
        struct clv_bg_fit bf;
        struct clv_gg_fit gf;
        double *pa, *pu, *va, *cl;
        size_t distinct;
    } res[2];
    int saved = omp_get_max_threads();
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k + 1);
        struct res *q = &res[k];
        struct cx_err e = { 0 };
        summarize(&q->s, r.cust, r.day, r.net, r.n, n, 10000, 1);
        struct clv_bg_data *d;
        assert_ok(clv_bg_data_create(q->s.x, q->s.tx, q->s.T, NULL, n, &d, &e));
        q->distinct = clv_bg_data_distinct(d);
        assert_true(q->distinct > 2 * CLV_CHUNK);   /* several chunks */
        assert_ok(clv_bg_fit(d, NULL, NULL, &q->bf, &e));
        clv_bg_data_free(d);
        struct clv_gg_data *gd;
        assert_ok(clv_gg_data_create(q->s.x, q->s.m, NULL, n, &gd, &e));
        assert_ok(clv_gg_fit(gd, NULL, NULL, &q->gf, &e));
        clv_gg_data_free(gd);
        q->pa = malloc(n * sizeof *q->pa);
        q->pu = malloc(n * sizeof *q->pu);
        q->va = malloc(n * sizeof *q->va);
        q->cl = malloc(n * sizeof *q->cl);
        struct clv_pred_ws *w = clv_pred_ws_alloc(n);
        struct clv_horizon h;
        clv_horizon_defaults(&h);
        assert_ok(clv_predict(&q->bf.par, &q->gf.par, &h, q->s.x, q->s.tx, q->s.T, q->s.m,
                                     NULL, n, w, q->pa, q->pu, q->va, q->cl, &e));
        clv_pred_ws_free(w);
    }
    omp_set_num_threads(saved);
    printf("threads: %zu distinct triples of %u customers; fit r %.5f alpha %.4f a %.5f b %.5f\n",
           res[0].distinct, n, res[0].bf.par.r, res[0].bf.par.alpha, res[0].bf.par.a,
           res[0].bf.par.b);
    for (uint32_t c = 0; c < n; c++) {
        assert_int_equal(res[0].s.x[c], res[1].s.x[c]);
        assert_true(same_bits(res[0].s.tx[c], res[1].s.tx[c]));
        assert_true(same_bits(res[0].s.m[c], res[1].s.m[c]));
        assert_true(same_bits(res[0].pa[c], res[1].pa[c]));
        assert_true(same_bits(res[0].pu[c], res[1].pu[c]));
        assert_true(same_bits(res[0].va[c], res[1].va[c]));
        assert_true(same_bits(res[0].cl[c], res[1].cl[c]));
    }
    assert_int_equal(memcmp(&res[0].bf, &res[1].bf, sizeof res[0].bf), 0);
    assert_int_equal(memcmp(&res[0].gf, &res[1].gf, sizeof res[0].gf), 0);
    for (int k = 0; k < 2; k++) {
        summ_free(&res[k].s);
        free(res[k].pa);
        free(res[k].pu);
        free(res[k].va);
        free(res[k].cl);
    }
    free(r.cust);
    free(r.day);
    free(r.net);
}

/* ---- errors ---- */

static void test_errors(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct clv_bg_data *d = (struct clv_bg_data *)&e;   /* not NULL, to see it reset */
    const uint32_t x[] = { 0, 0, 0 };
    const double tx[] = { 0, 0, 0 }, T[] = { 5, 6, 7 }, m[] = { 1, 2, 3 };

    /* No customer. */
    assert_int_equal(clv_bg_data_create(x, tx, T, NULL, 0, &d, &e), CX_EUSAGE);
    assert_null(d);
    assert_non_null(strstr(e.msg, "no customer"));
    e = (struct cx_err){ 0 };
    struct clv_gg_data *gd;
    assert_int_equal(clv_gg_data_create(x, m, NULL, 0, &gd, &e), CX_EUSAGE);
    assert_null(gd);

    /* All x = 0: BG/NBD has no estimate (LL grows with alpha), GG no data. */
    e = (struct cx_err){ 0 };
    assert_ok(clv_bg_data_create(x, tx, T, NULL, 3, &d, &e));
    struct clv_bg_fit f;
    assert_int_equal(clv_bg_fit(d, NULL, NULL, &f, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "no repeat purchase"));
    clv_bg_data_free(d);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_gg_data_create(x, m, NULL, 3, &gd, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "3 with x = 0"));
    assert_null(gd);

    /* Non-finite and inconsistent inputs, named by customer index. */
    const uint32_t x1[] = { 1, 2, 0 };
    const double tnan[] = { 1, NAN, 0 }, tbig[] = { 1, 9, 0 }, tx0[] = { 1, 2, 3 };
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_data_create(x1, tnan, T, NULL, 3, &d, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 1: t_x is not finite"));
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_data_create(x1, tbig, T, NULL, 3, &d, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 1: t_x = 9 is not in [0, T = 6]"));
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_data_create(x1, tx0, T, NULL, 3, &d, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 2: t_x = 3 but x = 0"));
    e = (struct cx_err){ 0 };
    const double Tinf[] = { 5, 6, INFINITY };
    assert_int_equal(clv_bg_data_create(x, tx, Tinf, NULL, 3, &d, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 2: T is not finite"));
    e = (struct cx_err){ 0 };
    const double mnan[] = { 1, NAN, 1 };
    assert_int_equal(clv_gg_data_create(x1, mnan, NULL, 3, &gd, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 1: m is not finite"));

    /* Bad parameters. */
    e = (struct cx_err){ 0 };
    assert_ok(clv_bg_data_create(x1, tx, T, NULL, 2, &d, &e));
    double ll, v;
    assert_int_equal(clv_bg_loglik(d, &(struct clv_bg){ 1, 0, 1, 1 }, &ll, NULL, NULL, &e), CX_EUSAGE);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_loglik(d, &(struct clv_bg){ 1, NAN, 1, 1 }, &ll, NULL, NULL, &e),
                     CX_EUSAGE);
    clv_bg_data_free(d);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_expected(&cdnow_bg, 1, 1, 2, -1, &v, &e), CX_EUSAGE);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_expected(&cdnow_bg, 1, 3, 2, 1, &v, &e), CX_EUSAGE);
    e = (struct cx_err){ 0 };
    struct clv_fit_opts o;
    clv_fit_defaults(&o);
    o.grad_tol = 0;
    assert_ok(clv_bg_data_create(x1, tx0, T, NULL, 2, &d, &e));
    assert_int_equal(clv_bg_fit(d, NULL, &o, &f, &e), CX_EUSAGE);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_bg_fit(d, &(struct clv_bg){ 1, -1, 1, 1 }, NULL, &f, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "starting point"));
    /* Too few iterations: no convergence, an internal error, the last point
       kept. */
    e = (struct cx_err){ 0 };
    clv_fit_defaults(&o);
    o.max_iter = 1;
    assert_int_equal(clv_bg_fit(d, NULL, &o, &f, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "no convergence after 1 iterations"));
    assert_false(f.se_ok);
    assert_true(f.par.r > 0 && isnan(f.se.r));
    clv_bg_data_free(d);

    /* Predictions: value without gg, a workspace too small, q <= 1 with
       x = 0, a bad horizon, a bad customer. */
    struct clv_pred_ws *w = clv_pred_ws_alloc(2);
    struct clv_horizon h;
    clv_horizon_defaults(&h);
    double out[3];
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_predict(&cdnow_bg, NULL, &h, x, tx, T, m, NULL, 2, w, NULL, NULL, out,
                                 NULL, &e),
                     CX_EUSAGE);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_predict(&cdnow_bg, NULL, &h, x, tx, T, m, NULL, 3, w, out, NULL, NULL,
                                 NULL, &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "workspace for 2"));
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_predict(&cdnow_bg, &(struct clv_gg){ 2, 1, 3 }, &h, x, tx, T, m, NULL, 2,
                                 w, NULL, NULL, out, NULL, &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "infinite"));
    e = (struct cx_err){ 0 };
    h.year = 0;
    assert_int_equal(clv_predict(&cdnow_bg, NULL, &h, x, tx, T, m, NULL, 2, w, out, NULL, NULL,
                                 NULL, &e),
                     CX_EUSAGE);
    clv_horizon_defaults(&h);
    e = (struct cx_err){ 0 };
    assert_int_equal(clv_predict(&cdnow_bg, NULL, &h, x1, tbig, T, m, NULL, 2, w, out, NULL, NULL,
                                 NULL, &e),
                     CX_EUSAGE);
    assert_non_null(strstr(e.msg, "customer 1"));
    clv_pred_ws_free(w);
}

/* ---- timing (CANAUX_CLV_BENCH=N) ---- */

static void test_bench(void **state)
{
    (void)state;
    const char *env = getenv("CANAUX_CLV_BENCH");
    if (!env || atol(env) <= 0)
        skip();
    uint32_t n = (uint32_t)atol(env);
    struct rows r = { 0 };
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 670000);
    /* Days: a mean rate r / alpha = 0.5 / 60 a day (3 a year), acquisition
       over 3 years. */
    const struct clv_bg truth = { 0.5, 60, 0.7, 3.0 };
    const struct clv_gg gtruth = { 4, 3, 50 };
    const int32_t asof = civil(2024, 12, 31);
    simulate_days(rng, &truth, &gtruth, n, asof, 3 * 365, &r);
    gsl_rng_free(rng);

    struct cx_err e = { 0 };
    uint32_t *x = malloc(n * sizeof *x);
    double *tx = malloc(n * sizeof *tx), *T = malloc(n * sizeof *T), *m = malloc(n * sizeof *m);
    double *pa = malloc(n * sizeof *pa), *pu = malloc(n * sizeof *pu), *va = malloc(n * sizeof *va),
           *cl = malloc(n * sizeof *cl);
    struct clv_days_info info;
    double t0 = omp_get_wtime();
    assert_ok(clv_from_days(r.cust, r.day, r.net, r.n, n, asof, asof, 1, x, tx, T, m, NULL,
                                   &info, &e));
    double t1 = omp_get_wtime();
    struct clv_bg_data *d;
    assert_ok(clv_bg_data_create(x, tx, T, NULL, n, &d, &e));
    double t2 = omp_get_wtime();
    struct clv_bg_fit f;
    assert_ok(clv_bg_fit(d, NULL, NULL, &f, &e));
    double t3 = omp_get_wtime();
    struct clv_gg_data *gd;
    assert_ok(clv_gg_data_create(x, m, NULL, n, &gd, &e));
    struct clv_gg_fit gf;
    assert_ok(clv_gg_fit(gd, NULL, NULL, &gf, &e));
    double t4 = omp_get_wtime();
    struct clv_pred_ws *w = clv_pred_ws_alloc(n);
    struct clv_horizon h;
    clv_horizon_defaults(&h);
    assert_ok(clv_predict(&f.par, &gf.par, &h, x, tx, T, m, NULL, n, w, pa, pu, va, cl, &e));
    double t5 = omp_get_wtime();
    /* Per channel: 5 channels of a fifth of the customers each (c mod 5),
       compressed and fitted from the pooled estimates. */
    uint32_t *idx = malloc(n * sizeof *idx);
    size_t nc = 0;
    unsigned chan_newton = 0, chan_iter = 0;
    double t6 = omp_get_wtime();
    for (uint32_t ch = 0; ch < 5; ch++) {
        nc = 0;
        for (uint32_t c = ch; c < n; c += 5)
            idx[nc++] = c;
        struct clv_bg_data *cd1;
        assert_ok(clv_bg_data_create(x, tx, T, idx, nc, &cd1, &e));
        struct clv_bg_fit cf;
        assert_ok(clv_bg_fit(cd1, &f.par, NULL, &cf, &e));
        chan_newton += cf.newton;
        chan_iter += cf.iterations;
        clv_bg_data_free(cd1);
        struct clv_gg_data *cg1;
        assert_ok(clv_gg_data_create(x, m, idx, nc, &cg1, &e));
        struct clv_gg_fit cgf;
        assert_ok(clv_gg_fit(cg1, &gf.par, NULL, &cgf, &e));
        clv_gg_data_free(cg1);
    }
    double t7 = omp_get_wtime();
    free(idx);
    printf("  5 channel fits (BG/NBD and Gamma-Gamma from the pooled estimates): %.3f s "
           "(BG/NBD: %u BFGS iterations, %u Newton steps in all)\n",
           t7 - t6, chan_iter, chan_newton);
    size_t np = clv_pred_ws_pairs(w);
    printf("bench: %u customers, %zu rows, %zu distinct triples, %d threads\n"
           "  summaries %.3f s, compression %.3f s, BG/NBD fit %.3f s (%u iterations, %u Newton, "
           "%u evaluations), "
           "Gamma-Gamma data + fit %.3f s (%zu customers, %u iterations), predict %.3f s "
           "(%zu distinct (x, T)); "
           "total %.3f s\n"
           "  BG/NBD r %.4f (%.4f) alpha %.3f (%.3f) a %.4f (%.4f) b %.4f (%.4f), truth 0.5 60 0.7 3\n"
           "  Gamma-Gamma p %.4f (%.4f) q %.4f (%.4f) v %.3f (%.3f), truth 4 3 50\n",
           n, r.n, f.n_distinct, omp_get_max_threads(), t1 - t0, t2 - t1, t3 - t2, f.iterations, f.newton, f.evals,
           t4 - t3, gf.n, gf.iterations, t5 - t4, np, t5 - t0, f.par.r, f.se.r, f.par.alpha,
           f.se.alpha, f.par.a, f.se.a, f.par.b, f.se.b, gf.par.p, gf.se.p, gf.par.q, gf.se.q,
           gf.par.v, gf.se.v);
    clv_pred_ws_free(w);
    clv_gg_data_free(gd);
    clv_bg_data_free(d);
    free(x);
    free(tx);
    free(T);
    free(m);
    free(pa);
    free(pu);
    free(va);
    free(cl);
    free(r.cust);
    free(r.day);
    free(r.net);
}

static int teardown(void **state)
{
    (void)state;
    free(cd.cust);
    free(cd.day);
    free(cd.ymd);
    free(cd.net);
    return 0;
}

int main(void)
{
    gsl_set_error_handler_off();   /* as cli/ does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_days_by_hand),
        cmocka_unit_test(test_bg_ll_by_hand),
        cmocka_unit_test(test_bg_compression_paths),
        cmocka_unit_test(test_bg_gradient),
        cmocka_unit_test(test_cdnow_summaries),
        cmocka_unit_test(test_cdnow_bgnbd),
        cmocka_unit_test(test_cdnow_gamma_gamma),
        cmocka_unit_test(test_expected_vs_integral),
        cmocka_unit_test(test_p_alive),
        cmocka_unit_test(test_expected_monotone),
        cmocka_unit_test(test_pmf),
        cmocka_unit_test(test_gg_by_hand),
        cmocka_unit_test(test_gg_gradient),
        cmocka_unit_test(test_clv_discretisation),
        cmocka_unit_test(test_simulation_recovery),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
