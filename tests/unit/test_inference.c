/*
 * test_inference — summaries, Welch, Mann–Whitney, Holm and the bootstraps
 * against values worked out by hand or published, in the comments beside
 * the assertions; the bootstrap streams against GSL's mt19937, the
 * bootstraps against a plain reference written with gsl_rng, and their
 * results across thread counts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <gsl/gsl_cdf.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "engine/inference.h"

/* got within a relative tolerance tol of want (absolute when want is 0). */
static void near(double got, double want, double tol, const char *what)
{
    double err = fabs(got - want), scale = want != 0 ? fabs(want) : 1;
    if (!(err <= tol * scale))
        fail_msg("%s: got %.12g, want %.12g (relative tolerance %g)", what, got, want, tol);
}

/* Bit-for-bit equality of two doubles (NaN equal to NaN of the same bits). */
static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A fixed LCG (Numerical Recipes' constants): data that do not depend on
   the library under test. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* ---- inf_summarize ---- */

static void test_summarize_by_hand(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct inf_summary s;
    double x[] = { 12, 7, 3, 9, 15, 6, 10, 8, 11, 4 };
    assert_int_equal(inf_summarize(x, 10, 0.95, &s, &e), CX_OK);
    /* sum 85, mean 8.5. Deviations 3.5 -1.5 -5.5 0.5 6.5 -2.5 1.5 -0.5 2.5
       -4.5, squares summing to 122.5: s^2 = 122.5 / 9 = 13.6111,
       sd = 3.689324; s^2 / n = 122.5 / 90 = 49/36, so se = 7/6 exactly.
       t_{0.975,9} = 2.262157 (tables: 2.262): half-width 2.262157 x 7/6 =
       2.639183, CI (5.860817, 11.139183). */
    assert_int_equal(s.n, 10);
    near(s.mean, 8.5, 1e-15, "mean");
    near(s.sd, 3.689324, 1e-6, "sd");
    near(s.ci_low, 5.860817, 1e-6, "ci_low");
    near(s.ci_high, 11.139183, 1e-6, "ci_high");
    /* Sorted: 3 4 6 7 8 9 10 11 12 15. GSL's rule, position (n - 1) q:
       q 0.5 at 4.5: (8 + 9) / 2 = 8.5; q 0.1 at 0.9: 3 + 0.9 x 1 = 3.9;
       q 0.25 at 2.25: 6 + 0.25 x 1 = 6.25; q 0.75 at 6.75: 10 + 0.75 x 1 =
       10.75; q 0.9 at 8.1: 12 + 0.1 x 3 = 12.3. */
    near(s.median, 8.5, 1e-15, "median");
    near(s.p10, 3.9, 1e-15, "p10");
    near(s.p25, 6.25, 1e-15, "p25");
    near(s.p75, 10.75, 1e-15, "p75");
    near(s.p90, 12.3, 1e-15, "p90");

    /* 90%: t_{0.95,9} = 1.833113 (tables: 1.833): 8.5 -+ 1.833113 x 7/6 =
       8.5 -+ 2.138632. */
    double y[] = { 12, 7, 3, 9, 15, 6, 10, 8, 11, 4 };
    assert_int_equal(inf_summarize(y, 10, 0.90, &s, &e), CX_OK);
    near(s.ci_low, 6.361368, 1e-6, "90% ci_low");
    near(s.ci_high, 10.638632, 1e-6, "90% ci_high");

    /* n = 2, {1, 3}: mean 2, sd sqrt(2), se = sqrt(2) / sqrt(2) = 1,
       t_{0.975,1} = 12.706205 (tables: 12.706): CI (-10.706205, 14.706205). */
    double two[] = { 3, 1 };
    assert_int_equal(inf_summarize(two, 2, 0.95, &s, &e), CX_OK);
    near(s.sd, sqrt(2), 1e-15, "n=2 sd");
    near(s.ci_low, -10.706205, 1e-6, "n=2 ci_low");
    near(s.ci_high, 14.706205, 1e-6, "n=2 ci_high");
    near(s.median, 2, 1e-15, "n=2 median");
    near(s.p10, 1.2, 1e-15, "n=2 p10");   /* 1 + 0.1 x 2 */
}

static void test_summarize_degenerate(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct inf_summary s;
    /* n = 1: the value is the mean and every quantile; sd and CI need 2. */
    double one[] = { 5 };
    assert_int_equal(inf_summarize(one, 1, 0.95, &s, &e), CX_OK);
    assert_int_equal(s.n, 1);
    assert_true(s.mean == 5 && s.median == 5 && s.p10 == 5 && s.p90 == 5);
    assert_true(isnan(s.sd) && isnan(s.ci_low) && isnan(s.ci_high));
    /* n = 0: everything NaN. */
    assert_int_equal(inf_summarize(NULL, 0, 0.95, &s, &e), CX_OK);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.median) && isnan(s.p25) && isnan(s.ci_high));
    /* All equal: sd 0, a CI of zero width. */
    double eq[] = { 2.5, 2.5, 2.5, 2.5 };
    assert_int_equal(inf_summarize(eq, 4, 0.95, &s, &e), CX_OK);
    assert_true(s.sd == 0 && s.ci_low == 2.5 && s.ci_high == 2.5 && s.p90 == 2.5);
    assert_int_equal(e.status, CX_OK);

    /* Bad input is an error with a message, not an assert. */
    assert_int_equal(inf_summarize(eq, 4, 1.0, &s, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "level"));
    e = (struct cx_err){ 0 };
    assert_int_equal(inf_summarize(eq, 4, NAN, &s, &e), CX_EUSAGE);
    e = (struct cx_err){ 0 };
    double bad[] = { 1, NAN, 3 };
    assert_int_equal(inf_summarize(bad, 3, 0.95, &s, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "value 1"));
}

/* ---- inf_welch ---- */

static void test_welch_published(void **state)
{
    (void)state;
    /* Wikipedia, "Welch's t-test", worked example 1 (equal sizes, unequal
       variances): reported t = -2.46, nu ~ 25.0, p = 0.021.
       By hand: sum A1 = 312.3, mean 20.82; sum A2 = 344.8, mean 22.98667;
       s1^2 = 7.867429, s2^2 = 3.812667; s1^2/15 = 0.524495,
       s2^2/15 = 0.254178, sum 0.778673, sqrt 0.882425;
       t = -2.166667 / 0.882425 = -2.455356;
       nu = 0.778673^2 / (0.524495^2/14 + 0.254178^2/14)
          = 0.606332 / 0.024264 = 24.98853;
       p = 2 P(T_24.99 > 2.455356) = 0.021378. */
    static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1,
                                 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4 };
    static const double a2[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0,
                                 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4 };
    struct inf_test t;
    assert_int_equal(inf_welch(a1, 15, a2, 15, &t), CX_OK);
    near(t.stat, -2.455356, 1e-6, "Welch t");
    near(t.df, 24.98853, 1e-6, "Welch df");
    near(t.p, 0.021378, 1e-4, "Welch p");
    near(t.stat, -2.46, 5e-3, "Welch t, as published (3 digits)");
    near(t.df, 25.0, 5e-3, "Welch df, as published");
    near(t.p, 0.021, 3e-2, "Welch p, as published (2 digits)");
    /* Swapping the samples negates t only. */
    struct inf_test u;
    assert_int_equal(inf_welch(a2, 15, a1, 15, &u), CX_OK);
    assert_true(u.stat == -t.stat && u.df == t.df && u.p == t.p);
}

static void test_welch_by_hand(void **state)
{
    (void)state;
    struct inf_test t;
    /* a = {1, 2, 3}: mean 2, s^2 1, va = 1/3; b = {4, .., 8}: mean 6,
       s^2 2.5, vb = 1/2. t = -4 / sqrt(5/6) = -4.381780;
       df = (5/6)^2 / ((1/3)^2/2 + (1/2)^2/4) = (25/36) / (17/144) = 100/17. */
    const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6, 7, 8 };
    assert_int_equal(inf_welch(a, 3, b, 5, &t), CX_OK);
    near(t.stat, -4.381780, 1e-6, "t");
    near(t.df, 100.0 / 17, 1e-12, "df");
    assert_true(t.p > 0.004 && t.p < 0.006);   /* 2 P(T_5.88 > 4.38): between 2P(T_5 >) and 2P(T_6 >) */
    /* One sample constant: a = {2, 2, 2}, b = {1, 2, 3}: va = 0, vb = 1/3;
       t = 0; df = (1/3)^2 / ((1/3)^2 / 2) = 2; p = 1. */
    const double c[] = { 2, 2, 2 };
    assert_int_equal(inf_welch(c, 3, a, 3, &t), CX_OK);
    assert_true(t.stat == 0);
    near(t.df, 2, 1e-12, "df, one variance 0");
    near(t.p, 1, 1e-12, "p at t = 0");
    /* Undefined: a sample of 1, or both variances 0. */
    assert_int_equal(inf_welch(a, 1, b, 5, &t), CX_OK);
    assert_true(isnan(t.stat) && isnan(t.df) && isnan(t.p));
    const double d[] = { 5, 5 };
    assert_int_equal(inf_welch(c, 3, d, 2, &t), CX_OK);
    assert_true(isnan(t.stat) && isnan(t.df) && isnan(t.p));
    const double bad[] = { 1, INFINITY };
    assert_int_equal(inf_welch(a, 3, bad, 2, &t), CX_EUSAGE);
    assert_true(isnan(t.p));
}

/* ---- inf_mann_whitney ---- */

static void test_mann_whitney_by_hand(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct inf_test t;
    double cles;
    /* a = {1, 2, 2, 5}, b = {2, 3, 4}. Pooled, sorted: 1a 2a 2a 2b 3b 4b 5a,
       ranks 1, (2+3+4)/3 = 3 x3, 5, 6, 7. R_a = 1 + 3 + 3 + 7 = 14,
       U_a = 14 - 4 x 5 / 2 = 4. Pairwise: 1 beats none; each 2 ties the
       b's 2 (1/2 each); 5 beats all three: 0 + 0.5 + 0.5 + 3 = 4.
       U_b = 12 - 4 = 8. cles = 4 / 12 = 1/3.
       mu = 6; one tie group of 3: sum (t^3 - t) = 24;
       sigma^2 = 12/12 x (8 - 24 / (7 x 6)) = 7.428571, sigma = 2.725541;
       z = (|4 - 6| - 0.5) / 2.725541 = 0.550350;
       p = 2 Q(0.550350) = 0.582080 (tables: Q(0.55) = 0.2912, p ~ 0.582). */
    const double a[] = { 5, 2, 1, 2 }, b[] = { 4, 2, 3 };
    assert_int_equal(inf_mann_whitney(a, 4, b, 3, &t, &cles, &e), CX_OK);
    assert_true(t.stat == 4);
    assert_true(isnan(t.df));
    near(cles, 1.0 / 3, 1e-15, "cles");
    near(t.p, 0.582080, 1e-5, "p");
    /* The other way round: U_b = 8, U_a + U_b = na nb, same p. */
    struct inf_test u;
    assert_int_equal(inf_mann_whitney(b, 3, a, 4, &u, &cles, &e), CX_OK);
    assert_true(u.stat == 8 && t.stat + u.stat == 12);
    near(cles, 2.0 / 3, 1e-15, "cles of b");
    assert_true(u.p == t.p);

    /* No ties, complete separation: a = {1, 2, 3}, b = {4, 5, 6, 7}:
       U_a = 0, mu = 6, sigma^2 = 12/12 x 8 = 8;
       z = (6 - 0.5) / sqrt(8) = 1.944544; p = 2 Q(1.944544) = 0.051830
       (tables: Q(1.94) = 0.02619, Q(1.95) = 0.02559). */
    const double c[] = { 3, 1, 2 }, d[] = { 7, 4, 6, 5 };
    assert_int_equal(inf_mann_whitney(c, 3, d, 4, &t, NULL, &e), CX_OK);
    assert_true(t.stat == 0);
    near(t.p, 0.051830, 1e-4, "p, separated");
    assert_int_equal(e.status, CX_OK);
}

/* U against the definition, #{a > b} + 1/2 #{a = b} over all pairs, on
   random samples with many ties; U_a + U_b = na nb; the same p both ways. */
static void test_mann_whitney_random(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    uint32_t s = 12345;
    double a[300], b[250];
    for (int round = 0; round < 20; round++) {
        size_t na = 1 + lcg(&s) % 300, nb = 1 + lcg(&s) % 250;
        for (size_t i = 0; i < na; i++)
            a[i] = (double)(lcg(&s) >> 28);   /* 16 values: many ties */
        for (size_t j = 0; j < nb; j++)
            b[j] = (double)(lcg(&s) >> 28) + (round % 3);
        double u2 = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t j = 0; j < nb; j++)
                u2 += a[i] > b[j] ? 2 : a[i] == b[j] ? 1 : 0;
        struct inf_test t, r;
        double ca, cb;
        assert_int_equal(inf_mann_whitney(a, na, b, nb, &t, &ca, &e), CX_OK);
        assert_int_equal(inf_mann_whitney(b, nb, a, na, &r, &cb, &e), CX_OK);
        if (t.stat != u2 / 2)
            fail_msg("round %d: U %g, by pairs %g", round, t.stat, u2 / 2);
        assert_true(t.stat + r.stat == (double)na * (double)nb);
        near(ca + cb, 1, 1e-12, "cles a + cles b");
        near(r.p, t.p, 1e-12, "p both ways");
        assert_true(t.p >= 0 && t.p <= 1);
    }
}

static void test_mann_whitney_degenerate(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    struct inf_test t;
    double cles;
    const double a[] = { 1, 2 };
    /* An empty sample: no pairs, U = 0, no p, no effect size. */
    assert_int_equal(inf_mann_whitney(a, 2, NULL, 0, &t, &cles, &e), CX_OK);
    assert_true(t.stat == 0 && isnan(t.p) && isnan(cles));
    /* All equal: sigma = 0, p = 1, cles = 1/2. */
    const double c[] = { 4, 4, 4 }, d[] = { 4, 4 };
    assert_int_equal(inf_mann_whitney(c, 3, d, 2, &t, &cles, &e), CX_OK);
    assert_true(t.stat == 3 && t.p == 1 && cles == 0.5);
    /* One value each, different: sigma^2 = 1/12 x 3 = 1/4, z = (1/2 -
       1/2) / (1/2) = 0, p = 1 by the continuity correction. */
    assert_int_equal(inf_mann_whitney(a, 1, a + 1, 1, &t, &cles, &e), CX_OK);
    assert_true(t.stat == 0 && cles == 0);
    near(t.p, 1, 1e-15, "p of 1 vs 1");
    assert_int_equal(e.status, CX_OK);
    const double bad[] = { 1, NAN };
    assert_int_equal(inf_mann_whitney(a, 2, bad, 2, &t, &cles, &e), CX_EUSAGE);
    assert_true(isnan(t.p) && isnan(cles));
    assert_non_null(strstr(e.msg, "value 1 of b"));
}

/* ---- inf_holm ---- */

static void test_holm(void **state)
{
    (void)state;
    /* p = 0.01, 0.04, 0.03, 0.005 (m = 4). Sorted: 0.005 x 4 = 0.02;
       0.01 x 3 = 0.03; 0.03 x 2 = 0.06; 0.04 x 1 = 0.04, raised to the
       running maximum 0.06. Back in input order: 0.03, 0.06, 0.06, 0.02. */
    const double p[] = { 0.01, 0.04, 0.03, 0.005 };
    double adj[5];
    inf_holm(p, 4, adj);
    near(adj[0], 0.03, 1e-15, "holm 0.01");
    near(adj[1], 0.06, 1e-15, "holm 0.04");
    near(adj[2], 0.06, 1e-15, "holm 0.03");
    near(adj[3], 0.02, 1e-15, "holm 0.005");
    /* A NaN stays NaN and does not count: the same values as above. */
    const double q[] = { 0.01, NAN, 0.04, 0.03, 0.005 };
    inf_holm(q, 5, adj);
    assert_true(isnan(adj[1]));
    near(adj[0], 0.03, 1e-15, "holm with NaN 0.01");
    near(adj[2], 0.06, 1e-15, "holm with NaN 0.04");
    near(adj[3], 0.06, 1e-15, "holm with NaN 0.03");
    near(adj[4], 0.02, 1e-15, "holm with NaN 0.005");
    /* Ties share a value: 0.02 x 3 = 0.06, 0.02 x 2 = 0.04 -> 0.06;
       0.5 x 1 = 0.5. Cap: 0.5 x 2 = 1.0, 0.6 x 1 -> 1. */
    const double r[] = { 0.5, 0.02, 0.02 };
    inf_holm(r, 3, adj);
    near(adj[0], 0.5, 1e-15, "holm tie 0.5");
    near(adj[1], 0.06, 1e-15, "holm tie 0.02");
    assert_true(adj[1] == adj[2]);
    const double c[] = { 0.6, 0.5 };
    inf_holm(c, 2, adj);
    assert_true(adj[0] == 1 && adj[1] == 1);
    const double z[] = { 0.7 };
    inf_holm(z, 1, adj);
    assert_true(adj[0] == 0.7);
    inf_holm(z, 0, adj);   /* nothing to do, nothing touched */
}


/* The sorted Holm gives what the O(m^2) one gives, on a family too large
   for it to take that path (m = 3000), ties and NaN included. */
static void test_holm_large(void **state)
{
    (void)state;
    enum { M = 3000 };
    static double p[M], a[M], b[M];
    for (int i = 0; i < M; i++)
        p[i] = i % 97 == 0 ? NAN : ((i * 7919) % 1000 + 1) / 1e5;   /* many ties */
    struct cx_err e = { 0 };
    assert_int_equal(inf_holm_large(p, M, a, &e), CX_OK);
    inf_holm(p, M, b);
    for (int i = 0; i < M; i++) {
        if (isnan(p[i])) {
            assert_true(isnan(a[i]));
            continue;
        }
        near(a[i], b[i], 1e-15, "holm large vs holm");
    }
}

static void test_bh(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    double adj[5];
    /* p = 0.01, 0.04, 0.03, 0.005 (m = 4). Sorted, (m / rank) p: 0.005 x 4
       = 0.02; 0.01 x 2 = 0.02; 0.03 x 4/3 = 0.04; 0.04 x 1 = 0.04; the
       running minimum from the top leaves them. In input order: 0.02,
       0.04, 0.04, 0.02. */
    const double p[] = { 0.01, 0.04, 0.03, 0.005 };
    assert_int_equal(inf_bh(p, 4, adj, &e), CX_OK);
    near(adj[0], 0.02, 1e-15, "bh 0.01");
    near(adj[1], 0.04, 1e-15, "bh 0.04");
    near(adj[2], 0.04, 1e-15, "bh 0.03");
    near(adj[3], 0.02, 1e-15, "bh 0.005");
    /* Ties: 0.02 and 0.02 of m = 3: 3/2 x 0.02 = 0.03 for both; 0.5 stays.
       A NaN does not count: m = 3. */
    const double q[] = { 0.02, NAN, 0.5, 0.02 };
    assert_int_equal(inf_bh(q, 4, adj, &e), CX_OK);
    near(adj[0], 0.03, 1e-15, "bh tie");
    assert_true(isnan(adj[1]));
    near(adj[2], 0.5, 1e-15, "bh 0.5");
    near(adj[3], 0.03, 1e-15, "bh tie");
    /* BH is never above Holm: 0.01 x 4 x... here Holm gives 0.03 for 0.01. */
    assert_int_equal(inf_bh(p, 0, adj, &e), CX_OK);
}

static void test_tests_from_summaries(void **state)
{
    (void)state;
    /* Paired: d = 1, 2, 3, 4: mean 2.5, var (30 - 4 x 6.25) / 3 = 5/3, se
       = sqrt(5/12) = 0.645497, t = 3.872983 on 3 df. */
    double t, mean, se;
    double p = inf_paired_p(4, 10, 30, &t, &mean, &se);
    near(mean, 2.5, 1e-15, "paired mean");
    near(se, sqrt(5.0 / 12), 1e-15, "paired se");
    near(t, 2.5 / sqrt(5.0 / 12), 1e-14, "paired t");
    near(p, 2 * gsl_cdf_tdist_Q(2.5 / sqrt(5.0 / 12), 3), 1e-15, "paired p");
    /* No variance, or fewer than two: undefined. */
    assert_true(isnan(inf_paired_p(3, 6, 12, &t, NULL, NULL)));
    assert_true(isnan(inf_paired_p(1, 2, 4, NULL, NULL, NULL)));
    /* Two proportions 60/100 and 20/100: pooled 0.4, z = 0.4 /
       sqrt(0.24 x 0.02) = 5.773503. */
    double z;
    p = inf_two_prop_p(60, 100, 20, 100, &z);
    near(z, 0.4 / sqrt(0.0048), 1e-14, "two-proportion z");
    near(p, 2 * gsl_cdf_ugaussian_Q(0.4 / sqrt(0.0048)), 1e-12, "two-proportion p");
    assert_true(isnan(inf_two_prop_p(0, 10, 0, 10, &z)));
    /* Welch from summaries equals Welch from the samples. */
    const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 2, 4, 6, 8, 10, 12 };
    struct inf_test w;
    assert_int_equal(inf_welch(a, 5, b, 6, &w), CX_OK);
    double df;
    p = inf_welch_p(3, sqrt(2.5), 5, 7, sqrt(14), 6, &t, &df);
    near(t, w.stat, 1e-12, "welch from summaries t");
    near(df, w.df, 1e-12, "welch from summaries df");
    near(p, w.p, 1e-12, "welch from summaries p");
}

/* ---- bootstraps ---- */

/* The streams are GSL's mt19937, output for output, across several
   refills of its 624-word state. */
static void test_stream_is_gsl_mt19937(void **state)
{
    (void)state;
    enum { M = 2000 };
    static uint32_t got[M];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(r);
    const uint64_t seeds[] = { 0, 1, 42, UINT64_MAX };
    for (size_t k = 0; k < sizeof seeds / sizeof *seeds; k++)
        for (uint64_t b = 0; b < 3; b++) {
            inf_stream_peek(seeds[k], b, got, M);
            gsl_rng_set(r, inf_stream_seed(seeds[k], b));
            for (size_t i = 0; i < M; i++) {
                unsigned long want = gsl_rng_get(r);
                if (got[i] != want)
                    fail_msg("seed %llu b %llu output %zu: %lu, GSL %lu",
                             (unsigned long long)seeds[k], (unsigned long long)b, i,
                             (unsigned long)got[i], want);
            }
        }
    assert_true(inf_stream_seed(1, 0) != inf_stream_seed(1, 1));
    assert_true(inf_stream_seed(1, 0) != inf_stream_seed(2, 0));
    gsl_rng_free(r);
}

/* The reference: what the documentation says, written plainly with gsl_rng
   and a sort. Sums differ from the library's in rounding only (it centres
   and keeps four partial sums). */
static void reference_bootstrap(const double *x, const double *den, size_t n, int B, double level,
                                uint64_t seed, double *lo, double *hi)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    double *st = malloc((size_t)B * sizeof *st);
    assert_true(r != NULL && st != NULL);
    uint32_t reject = (uint32_t)(((uint64_t)1 << 32) % n);
    for (int b = 0; b < B; b++) {
        gsl_rng_set(r, inf_stream_seed(seed, (uint64_t)b));
        double sn = 0, sd = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t m;
            do
                m = (uint64_t)gsl_rng_get(r) * n;
            while ((uint32_t)m < reject);
            sn += x[m >> 32];
            sd += den ? den[m >> 32] : 1;
        }
        st[b] = den ? sn / sd : sn / (double)n;
    }
    gsl_sort(st, 1, (size_t)B);
    *lo = gsl_stats_quantile_from_sorted_data(st, 1, (size_t)B, (1 - level) / 2);
    *hi = gsl_stats_quantile_from_sorted_data(st, 1, (size_t)B, (1 + level) / 2);
    free(st);
    gsl_rng_free(r);
}

static void test_bootstrap_reference(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    uint32_t s = 777;
    double x[37], d[37];
    for (size_t i = 0; i < 37; i++) {
        x[i] = (double)(lcg(&s) >> 20) / 64;
        d[i] = 1 + (double)(lcg(&s) >> 24);
    }
    /* n = 37 is not a power of 2: 2^32 mod 37 = 33 outputs are rejected. */
    double lo, hi, rlo, rhi;
    assert_int_equal(inf_bootstrap_mean(x, 37, 301, 0.9, 5, &lo, &hi, &e), CX_OK);
    reference_bootstrap(x, NULL, 37, 301, 0.9, 5, &rlo, &rhi);
    near(lo, rlo, 1e-12, "mean lo vs reference");
    near(hi, rhi, 1e-12, "mean hi vs reference");
    assert_true(lo < hi);
    assert_int_equal(inf_bootstrap_ratio(x, d, 37, 301, 0.9, 5, &lo, &hi, &e), CX_OK);
    reference_bootstrap(x, d, 37, 301, 0.9, 5, &rlo, &rhi);
    near(lo, rlo, 1e-12, "ratio lo vs reference");
    near(hi, rhi, 1e-12, "ratio hi vs reference");
    /* n = 10^6: 2^32 mod n = 967296, so about 2.3e-4 of the outputs are
       rejected, some 700 of the 3 x 10^6 draws here: the library must
       redraw exactly as the reference does (one missed redraw shifts
       every index after it, and the means by about 1e-7). */
    enum { BIG = 1000000 };
    static double big[BIG];
    for (size_t i = 0; i < BIG; i++)
        big[i] = (double)(lcg(&s) >> 12);
    assert_int_equal(inf_bootstrap_mean(big, BIG, 3, 0.5, 11, &lo, &hi, &e), CX_OK);
    reference_bootstrap(big, NULL, BIG, 3, 0.5, 11, &rlo, &rhi);
    near(lo, rlo, 1e-12, "n = 10^6 lo vs reference");
    near(hi, rhi, 1e-12, "n = 10^6 hi vs reference");
    /* B = 1: both cuts fall on the one resample. */
    assert_int_equal(inf_bootstrap_mean(x, 37, 1, 0.95, 5, &lo, &hi, &e), CX_OK);
    reference_bootstrap(x, NULL, 37, 1, 0.95, 5, &rlo, &rhi);
    assert_true(lo == hi);
    near(lo, rlo, 1e-12, "B = 1 vs reference");
}

/* Same seed, same bits; any thread count, same bits; other seed, other
   numbers. */
static void test_bootstrap_deterministic(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    enum { N = 5000 };
    static double x[N], d[N];
    uint32_t s = 4242;
    for (size_t i = 0; i < N; i++) {
        x[i] = 20 + (double)(lcg(&s) >> 16) / 100;
        d[i] = 50 + (double)(lcg(&s) >> 20);
    }
    int saved = omp_get_max_threads();
    double m[4][2], r[4][2];
    const int threads[4] = { 1, 2, 3, 2 };
    for (int k = 0; k < 4; k++) {
        omp_set_num_threads(threads[k]);
        /* n x B = 2.5e6 draws: above the threshold for a parallel team. */
        assert_int_equal(inf_bootstrap_mean(x, N, 500, 0.95, 99, &m[k][0], &m[k][1], &e), CX_OK);
        assert_int_equal(inf_bootstrap_ratio(x, d, N, 500, 0.95, 99, &r[k][0], &r[k][1], &e), CX_OK);
    }
    for (int k = 1; k < 4; k++)
        for (int j = 0; j < 2; j++)
            if (!same_bits(m[k][j], m[0][j]) || !same_bits(r[k][j], r[0][j]))
                fail_msg("%d threads: mean %.17g ratio %.17g, 1 thread: %.17g %.17g", threads[k],
                         m[k][j], r[k][j], m[0][j], r[0][j]);
    /* With B = 2, 3 or 5 both bounds interpolate between resamples that
       different teams split differently: any resample that changed with
       the thread count would show. n = 40,000 so that even B = 2 gets a
       team (80,000 draws). */
    static double y[40000];
    for (size_t i = 0; i < 40000; i++)
        y[i] = (double)(lcg(&s) >> 16);
    for (int B = 2; B <= 5; B++) {
        double first[2] = { 0, 0 };
        for (int k = 0; k < 4; k++) {
            double b[2];
            omp_set_num_threads(threads[k]);
            assert_int_equal(inf_bootstrap_mean(y, 40000, B, 0.5, 7, &b[0], &b[1], &e), CX_OK);
            if (k == 0)
                memcpy(first, b, sizeof b);
            else if (!same_bits(b[0], first[0]) || !same_bits(b[1], first[1]))
                fail_msg("B %d, %d threads: (%.17g, %.17g), 1 thread (%.17g, %.17g)", B,
                         threads[k], b[0], b[1], first[0], first[1]);
        }
    }
    omp_set_num_threads(saved);
    double lo, hi;
    assert_int_equal(inf_bootstrap_mean(x, N, 500, 0.95, 100, &lo, &hi, &e), CX_OK);
    assert_true(lo != m[0][0] && hi != m[0][1]);
    assert_true(m[0][0] < m[0][1] && r[0][0] < r[0][1]);
}

/* 10,000 approximately normal values (sums of 12 uniforms from the LCG,
   minus 6, x 10 + 50): the percentile interval of the mean should be close
   to the normal one, mean -+ 1.96 sd / sqrt(n). With B = 2000 a 2.5%
   cut has a standard error of about sqrt(0.025 x 0.975 / 2000) / phi(1.96)
   = 0.06 se, 3% of the half-width 1.96 se: a 10% tolerance is 3 of those. */
static void test_bootstrap_normal(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    enum { N = 10000 };
    static double x[N], one[N];
    uint32_t s = 2024;
    for (size_t i = 0; i < N; i++) {
        double u = 0;
        for (int k = 0; k < 12; k++)
            u += (double)(lcg(&s) >> 8) / 16777216.0;
        x[i] = 50 + 10 * (u - 6);
        one[i] = 1;
    }
    double mean = gsl_stats_mean(x, 1, N), sd = gsl_stats_sd_m(x, 1, N, mean);
    double half = 1.96 * sd / sqrt((double)N);
    double lo, hi;
    assert_int_equal(inf_bootstrap_mean(x, N, 2000, 0.95, 3, &lo, &hi, &e), CX_OK);
    if (fabs(lo - (mean - half)) > 0.1 * half || fabs(hi - (mean + half)) > 0.1 * half)
        fail_msg("bootstrap (%g, %g), normal (%g, %g)", lo, hi, mean - half, mean + half);
    /* The ratio with every denominator 1 is the mean of the same resamples,
       up to rounding. */
    double rlo, rhi;
    assert_int_equal(inf_bootstrap_ratio(x, one, N, 2000, 0.95, 3, &rlo, &rhi, &e), CX_OK);
    near(rlo, lo, 1e-12, "ratio over 1s vs mean, lo");
    near(rhi, hi, 1e-12, "ratio over 1s vs mean, hi");
}

static void test_bootstrap_degenerate(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    double lo = 0, hi = 0;
    /* n = 0 and n = 1: NaN bounds, not an error. */
    assert_int_equal(inf_bootstrap_mean(NULL, 0, 100, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(isnan(lo) && isnan(hi));
    const double one[] = { 3 };
    assert_int_equal(inf_bootstrap_mean(one, 1, 100, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(inf_bootstrap_ratio(one, one, 1, 100, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(isnan(lo) && isnan(hi));
    /* All equal: every resample mean is the value, exactly. */
    double eq[50];
    for (int i = 0; i < 50; i++)
        eq[i] = 3.25;
    assert_int_equal(inf_bootstrap_mean(eq, 50, 200, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(lo == 3.25 && hi == 3.25);
    /* num = 2.5 den: every resample ratio is 2.5, up to rounding. */
    double num[20], den[20];
    for (int i = 0; i < 20; i++) {
        den[i] = 1 + i;
        num[i] = 2.5 * den[i];
    }
    assert_int_equal(inf_bootstrap_ratio(num, den, 20, 200, 0.95, 1, &lo, &hi, &e), CX_OK);
    near(lo, 2.5, 1e-15, "proportional lo");
    near(hi, 2.5, 1e-15, "proportional hi");
    /* {0, 1}: resample means 0, 1/2, 1 with probabilities 1/4, 1/2, 1/4;
       of 1000 about 250 are 0 and 250 are 1, so the 2.5% and 97.5% cuts
       fall on 0 and 1. */
    const double zo[] = { 0, 1 };
    assert_int_equal(inf_bootstrap_mean(zo, 2, 1000, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(lo == 0 && hi == 1);
    /* den = {1, -1}, num = {1, 1}: resample ratios 2/2 = 1 (1/4), 2/-2 = -1
       (1/4), 2/0 = +inf (1/2): the interval is (-1, +inf). */
    const double n2[] = { 1, 1 }, d2[] = { 1, -1 };
    assert_int_equal(inf_bootstrap_ratio(n2, d2, 2, 1000, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(lo == -1 && isinf(hi) && hi > 0);
    /* num = den = {1, -1}: a mixed resample is 0/0, undefined: NaN bounds. */
    assert_int_equal(inf_bootstrap_ratio(d2, d2, 2, 200, 0.95, 1, &lo, &hi, &e), CX_OK);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(e.status, CX_OK);

    /* Bad input: an error with a message, NaN bounds. */
    assert_int_equal(inf_bootstrap_mean(eq, 50, 200, 1.0, 1, &lo, &hi, &e), CX_EUSAGE);
    assert_true(isnan(lo) && isnan(hi));
    assert_non_null(strstr(e.msg, "inf_bootstrap_mean"));
    e = (struct cx_err){ 0 };
    assert_int_equal(inf_bootstrap_mean(eq, 50, 0, 0.95, 1, &lo, &hi, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "resamples"));
    e = (struct cx_err){ 0 };
    eq[7] = NAN;
    assert_int_equal(inf_bootstrap_mean(eq, 50, 200, 0.95, 1, &lo, &hi, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "value 7"));
    e = (struct cx_err){ 0 };
    den[3] = INFINITY;
    assert_int_equal(inf_bootstrap_ratio(num, den, 20, 200, 0.95, 1, &lo, &hi, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "denominator 3"));
}

int main(void)
{
    gsl_set_error_handler_off();   /* as cli/ does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summarize_by_hand),
        cmocka_unit_test(test_summarize_degenerate),
        cmocka_unit_test(test_welch_published),
        cmocka_unit_test(test_welch_by_hand),
        cmocka_unit_test(test_mann_whitney_by_hand),
        cmocka_unit_test(test_mann_whitney_random),
        cmocka_unit_test(test_mann_whitney_degenerate),
        cmocka_unit_test(test_holm),
        cmocka_unit_test(test_holm_large),
        cmocka_unit_test(test_bh),
        cmocka_unit_test(test_tests_from_summaries),
        cmocka_unit_test(test_stream_is_gsl_mt19937),
        cmocka_unit_test(test_bootstrap_reference),
        cmocka_unit_test(test_bootstrap_deterministic),
        cmocka_unit_test(test_bootstrap_normal),
        cmocka_unit_test(test_bootstrap_degenerate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
