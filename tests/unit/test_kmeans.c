/*
 * test_kmeans — k-means steps checked by hand on a few points (one Lloyd
 * step, empty clusters, k-means++, a known optimum, the scores), then the
 * properties on a few thousand generated points: the same bits for 1 and 2
 * threads, restarts never worse, Hamerly's steps equal to plain Lloyd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "engine/kmeans.h"

/* |got - want| <= rel x max(|want|, tiny): the comparison every float
   check below uses, naming what is compared. */
static void near(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1e-300 ? fabs(want) : 1e-300);
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (relative tolerance %g)", got, want, rel);
}

/* A fixed generator for the test data (xorshift64*), not rand(). */
static uint64_t rng_state;
static double unif(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

/* n points of d features around `blobs` centres spread on a 10-wide cube,
   each feature a centre coordinate plus a sum of 3 uniforms (-1.5..1.5). */
static double *blobs_data(size_t n, size_t d, int blobs, uint64_t seed)
{
    double *x = malloc(n * d * sizeof *x), ctr[16][16];
    assert_non_null(x);
    rng_state = seed;
    for (int c = 0; c < blobs; c++)
        for (size_t j = 0; j < d; j++)
            ctr[c][j] = 10 * unif();
    for (size_t i = 0; i < n; i++) {
        int c = (int)(unif() * blobs);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = ctr[c][j] + unif() + unif() + unif() - 1.5;
    }
    return x;
}

/* Two obvious groups of 3 in 2-D; its optimum for k = 2 by hand:
   A = (0,0) (2,0) (1,3): mean (1,1); squared distances 2, 2, 4: 8.
   B = A + (10,10): mean (11,11), 8 again. Inertia 16, exact in doubles. */
static const double six[] = { 0, 0, 2, 0, 1, 3, 10, 10, 12, 10, 11, 13 };

static void test_known_optimum(void **state)
{
    (void)state;
    struct kmeans_ws *w = kmeans_ws_alloc(6, 2, 2);
    assert_non_null(w);
    struct kmeans_params p;
    kmeans_defaults(&p);
    assert_int_equal(p.n_init, 10);
    assert_int_equal(p.max_iter, 300);
    near(p.tol, 1e-4, 0);
    assert_int_equal(p.seed, 1);
    p.k = 2;
    p.n_init = 3;
    double cent[4];
    uint32_t lab[6];
    struct kmeans_result r = { cent, lab, 0, 0, 0, 0 };
    struct cx_err e = { 0, "" };
    assert_int_equal(kmeans_run(six, 6, 2, &p, &r, w, &e), CX_OK);
    /* Compared: the inertia and the four centroid coordinates (in the
       order of the first coordinate), relative 1e-12; labels exactly. */
    near(r.inertia, 16, 1e-12);
    int a = cent[0] < cent[2] ? 0 : 1;
    near(cent[2 * a], 1, 1e-12);
    near(cent[2 * a + 1], 1, 1e-12);
    near(cent[2 * (1 - a)], 11, 1e-12);
    near(cent[2 * (1 - a) + 1], 11, 1e-12);
    for (int i = 0; i < 6; i++)
        assert_int_equal(lab[i], i < 3 ? (uint32_t)a : (uint32_t)(1 - a));
    assert_true(r.converged);
    assert_true(r.best_init >= 0 && r.best_init < 3);
    /* Calinski-Harabasz of this optimum: overall mean (6,6);
       B = 3 x |(1,1)-(6,6)|^2 + 3 x |(11,11)-(6,6)|^2 = 150 + 150 = 300,
       W = 16; CH = (300 / (2-1)) / (16 / (6-2)) = 75. */
    near(kmeans_calinski_harabasz(six, 6, 2, cent, 2, lab), 75, 1e-12);
    /* Undefined cases: one cluster, or every point its own cluster. */
    uint32_t one[6] = { 0 };
    assert_true(kmeans_calinski_harabasz(six, 6, 2, cent, 2, one) == 0);
    kmeans_ws_free(w);
}

static void test_one_step_by_hand(void **state)
{
    (void)state;
    /* Centres (0,0), (6,0). Squared distances to each:
         (0,0)   0 | 36  -> 0
         (1,0)   1 | 25  -> 0
         (3,0)   9 |  9  -> 0 (tie: lowest index)
         (4,1)  17 |  5  -> 1
         (5,-1) 26 |  2  -> 1
         (9,0)  81 |  9  -> 1
       Inertia 0+1+9+5+2+9 = 26. New centroids: (0+1+3)/3 = 4/3, 0 and
       ((4+5+9)/3, (1-1+0)/3) = (6, 0). */
    const double x[] = { 0, 0, 1, 0, 3, 0, 4, 1, 5, -1, 9, 0 };
    const double cent[] = { 0, 0, 6, 0 };
    const uint32_t want[] = { 0, 0, 0, 1, 1, 1 };
    double out[4], dist[6];
    uint32_t lab[6], lab2[6];
    struct kmeans_ws *w = kmeans_ws_alloc(6, 2, 2);
    assert_non_null(w);
    /* Compared: inertia exactly (small integers), centroids relative 1e-15. */
    assert_true(kmeans_iterate(x, 6, 2, 2, cent, out, lab, w) == 26);
    assert_memory_equal(lab, want, sizeof want);
    near(out[0], 4.0 / 3, 1e-15);
    assert_true(out[1] == 0);
    near(out[2], 6, 1e-15);
    assert_true(out[3] == 0);
    /* kmeans_assign makes the same assignment and gives the distances. */
    assert_true(kmeans_assign(x, 6, 2, cent, 2, lab2, dist) == 26);
    assert_memory_equal(lab2, want, sizeof want);
    const double wantd[] = { 0, 1, 9, 5, 2, 9 };
    assert_memory_equal(dist, wantd, sizeof wantd);
    /* Out-of-range arguments give NAN, not a crash. */
    assert_true(isnan(kmeans_iterate(x, 6, 2, 3, cent, out, lab, w)));
    assert_true(isnan(kmeans_assign(x, 6, 2, cent, 0, lab, NULL)));
    kmeans_ws_free(w);
}

static void test_empty_cluster(void **state)
{
    (void)state;
    /* Points (0,0) (1,0) (2,0) (10,0); centres (1,0) (100,0) (10,0).
       Assignment: 0,0,0,2 with squared distances 1,0,1,0: inertia 2.
       Cluster 1 is empty: the farthest point among clusters of >= 2 points
       is a tie between points 0 and 2 (distance 1): point 0 goes, so
       centroid 1 = (0,0), centroid 0 = mean of (1,0),(2,0) = (1.5,0),
       centroid 2 = (10,0). Labels still show the assignment made. */
    const double x[] = { 0, 0, 1, 0, 2, 0, 10, 0 };
    const double c3[] = { 1, 0, 100, 0, 10, 0 };
    double out[8];
    uint32_t lab[4];
    struct kmeans_ws *w = kmeans_ws_alloc(4, 2, 4);
    assert_non_null(w);
    assert_true(kmeans_iterate(x, 4, 2, 3, c3, out, lab, w) == 2);
    const uint32_t want3[] = { 0, 0, 0, 2 };
    assert_memory_equal(lab, want3, sizeof want3);
    const double cw3[] = { 1.5, 0, 0, 0, 10, 0 };
    assert_memory_equal(out, cw3, sizeof cw3);
    /* The next step puts point 0 in cluster 1 (0 < 2.25): no empty one. */
    double out2[6];
    assert_true(kmeans_iterate(x, 4, 2, 3, out, out2, lab, w) == 0.5);
    const uint32_t want3b[] = { 1, 0, 0, 2 };
    assert_memory_equal(lab, want3b, sizeof want3b);
    /* Two empty clusters, centres (1,0) (100,0) (200,0) (10,0): cluster 1
       takes point 0 as above; cluster 0 then holds points 1 and 2 at
       distances 0 and 1, so cluster 2 takes point 2; cluster 3's single
       point may not be taken. Centroids (1,0) (0,0) (2,0) (10,0). */
    const double c4[] = { 1, 0, 100, 0, 200, 0, 10, 0 };
    assert_true(kmeans_iterate(x, 4, 2, 4, c4, out, lab, w) == 2);
    const double cw4[] = { 1, 0, 0, 0, 2, 0, 10, 0 };
    assert_memory_equal(out, cw4, sizeof cw4);
    kmeans_ws_free(w);
}

static void test_pp(void **state)
{
    (void)state;
    size_t n = 3000, d = 3;
    int k = 6;
    double *x = blobs_data(n, d, 4, 7);
    struct kmeans_ws *w = kmeans_ws_alloc(n, d, k);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(w);
    assert_non_null(r);
    double c1[18], c2[18];
    struct cx_err e = { 0, "" };
    gsl_rng_set(r, 42);
    assert_int_equal(kmeans_init_pp(x, n, d, k, r, c1, w, &e), CX_OK);
    gsl_rng_set(r, 42);
    assert_int_equal(kmeans_init_pp(x, n, d, k, r, c2, w, &e), CX_OK);
    /* The same seed gives the same bits. */
    assert_memory_equal(c1, c2, sizeof c1);
    /* The first centre is x[gsl_rng_uniform_int(r, n)], as documented;
       every centre is a point, and no point is taken twice. */
    gsl_rng_set(r, 42);
    size_t i0 = gsl_rng_uniform_int(r, n);
    assert_memory_equal(c1, x + i0 * d, d * sizeof *x);
    size_t picked[6];
    for (int c = 0; c < k; c++) {
        size_t i = 0;
        while (i < n && memcmp(c1 + c * d, x + i * d, d * sizeof *x) != 0)
            i++;
        assert_true(i < n);
        for (int o = 0; o < c; o++)
            assert_true(picked[o] != i);
        picked[c] = i;
    }
    /* k = n: D^2 sampling must take every point once, whatever the draws. */
    const double three[] = { 0, 0, 5, 0, 0, 5 };
    double c3[6];
    assert_int_equal(kmeans_init_pp(three, 3, 2, 3, r, c3, w, &e), CX_OK);
    int seen[3] = { 0, 0, 0 };
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 3; i++)
            seen[i] += memcmp(c3 + 2 * c, three + 2 * i, 2 * sizeof *c3) == 0;
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    /* k > n is a usage error. */
    assert_int_equal(kmeans_init_pp(three, 3, 2, 4, r, c3, w, &e), CX_EUSAGE);
    gsl_rng_free(r);
    kmeans_ws_free(w);
    free(x);
}

static void test_convergence_rule(void **state)
{
    (void)state;
    /* Features (0,2) and (0,4): population variances 1 and 4, mean 2.5. */
    const double x[] = { 0, 0, 2, 4 };
    near(kmeans_tol_abs(x, 2, 2, 1e-4), 2.5e-4, 1e-15);
    /* Centre 1 moves by (0, 0.5): largest squared shift 0.25. */
    const double old[] = { 0, 0, 1, 1 }, cur[] = { 0, 0, 1, 1.5 };
    assert_int_equal(kmeans_converged(old, cur, 2, 2, 0.25), 1);
    assert_int_equal(kmeans_converged(old, cur, 2, 2, 0.2499), 0);
    assert_int_equal(kmeans_converged(old, old, 2, 2, 0), 1);
    const double bad[] = { 0, 0, INFINITY, 1 };
    assert_false(isfinite(kmeans_tol_abs(bad, 2, 2, 1e-4)));
}

/* Runs kmeans_run with nthreads threads. */
static void run_threads(int nthreads, const double *x, size_t n, size_t d,
                        const struct kmeans_params *p, double *cent, uint32_t *lab,
                        struct kmeans_result *r)
{
    omp_set_num_threads(nthreads);
    assert_int_equal(omp_get_max_threads(), nthreads);
    struct kmeans_ws *w = kmeans_ws_alloc(n, d, p->k);
    assert_non_null(w);
    struct kmeans_result z = { cent, lab, 0, 0, 0, 0 };
    struct cx_err e = { 0, "" };
    assert_int_equal(kmeans_run(x, n, d, p, &z, w, &e), CX_OK);
    *r = z;
    kmeans_ws_free(w);
}

static void test_threads_identical(void **state)
{
    (void)state;
    /* 5500 points: 6 chunks of 1024, split unevenly between 2 threads. */
    size_t n = 5500, d = 5;
    double *x = blobs_data(n, d, 7, 11);
    struct kmeans_params p;
    kmeans_defaults(&p);
    p.k = 6;
    p.n_init = 4;
    p.seed = 2024;
    double c1[30], c2[30];
    uint32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    double *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(d1);
    assert_non_null(d2);
    struct kmeans_result r1, r2;
    int saved = omp_get_max_threads();
    run_threads(1, x, n, d, &p, c1, l1, &r1);
    double a1 = kmeans_assign(x, n, d, c1, p.k, l1, d1);
    double ch1 = kmeans_calinski_harabasz(x, n, d, c1, p.k, l1);
    run_threads(2, x, n, d, &p, c2, l2, &r2);
    double a2 = kmeans_assign(x, n, d, c2, p.k, l2, d2);
    double ch2 = kmeans_calinski_harabasz(x, n, d, c2, p.k, l2);
    omp_set_num_threads(saved);
    /* Byte-identical: centroids, labels, inertia, the distances, CH. */
    assert_memory_equal(c1, c2, sizeof c1);
    assert_memory_equal(l1, l2, n * sizeof *l1);
    assert_memory_equal(d1, d2, n * sizeof *d1);
    assert_memory_equal(&r1.inertia, &r2.inertia, sizeof r1.inertia);
    assert_memory_equal(&a1, &a2, sizeof a1);
    assert_memory_equal(&ch1, &ch2, sizeof ch1);
    assert_int_equal(r1.iterations, r2.iterations);
    assert_int_equal(r1.best_init, r2.best_init);
    /* The run's inertia is that of assigning every point to its result. */
    assert_memory_equal(&r1.inertia, &a1, sizeof a1);
    free(l1);
    free(l2);
    free(d1);
    free(d2);
    free(x);
}

static void test_restarts_never_worse(void **state)
{
    (void)state;
    size_t n = 4000, d = 4;
    double *x = blobs_data(n, d, 9, 5);
    double cent[40];
    uint32_t *lab = malloc(n * sizeof *lab);
    assert_non_null(lab);
    struct kmeans_ws *w = kmeans_ws_alloc(n, d, 10);
    assert_non_null(w);
    struct cx_err e = { 0, "" };
    for (uint64_t seed = 1; seed <= 4; seed++) {
        struct kmeans_params p;
        kmeans_defaults(&p);
        p.k = 10;
        p.seed = seed;
        p.n_init = 1;
        struct kmeans_result r1 = { cent, lab, 0, 0, 0, 0 }, r8 = r1;
        assert_int_equal(kmeans_run(x, n, d, &p, &r1, w, &e), CX_OK);
        p.n_init = 8;
        assert_int_equal(kmeans_run(x, n, d, &p, &r8, w, &e), CX_OK);
        /* Restart 0 is the same in both runs, so the best of 8 is at most
           the n_init = 1 inertia. */
        assert_true(r8.inertia <= r1.inertia);
        assert_int_equal(r1.best_init, 0);
        assert_true(r8.best_init >= 0 && r8.best_init < 8);
    }
    kmeans_ws_free(w);
    free(lab);
    free(x);
}

/* kmeans_run with n_init = 1 against the same restart done by hand with
   kmeans_iterate: identical labels, centroids, inertia and step count.
   mode: 0 the default choice of steps, 1 plain Hamerly (bounds from the
   first step on), 2 plain Lloyd, 3 back and forth between Lloyd and
   Hamerly steps (bounds set up early, dropped unless 95% of points pass). */
static void check_hamerly(const double *x, size_t n, size_t d, int k, double tol,
                          uint64_t seed, int max_iter, int mode, int check_saving)
{
    struct kmeans_params p;
    kmeans_defaults(&p);
    p.k = k;
    p.n_init = 1;
    p.tol = tol;
    p.seed = seed;
    p.max_iter = max_iter;
    size_t kd = (size_t)k * d;
    double *cent = malloc(kd * sizeof *cent), *a = malloc(kd * sizeof *a);
    double *b = malloc(kd * sizeof *b);
    uint32_t *lab = malloc(n * sizeof *lab), *lab2 = malloc(n * sizeof *lab2);
    struct kmeans_ws *w = kmeans_ws_alloc(n, d, k);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    assert_true(cent && a && b && lab && lab2 && w && r);
    struct kmeans_result res = { cent, lab, 0, 0, 0, 0 };
    struct cx_err e = { 0, "" };
    if (mode == 1)
        kmeans_ws_set_hamerly(w, 2, 0);
    if (mode == 2)
        kmeans_ws_set_hamerly(w, 0, 2);
    if (mode == 3)
        kmeans_ws_set_hamerly(w, 0.5, 0.95);
    assert_int_equal(kmeans_run(x, n, d, &p, &res, w, &e), CX_OK);
    uint64_t ndist = kmeans_ws_ndist(w);

    gsl_rng_set(r, kmeans_restart_seed(seed, 0));
    assert_int_equal(kmeans_init_pp(x, n, d, k, r, a, w, &e), CX_OK);
    double tol_abs = kmeans_tol_abs(x, n, d, tol);
    int it = 0, conv = 0;
    while (it < max_iter && !conv) {
        kmeans_iterate(x, n, d, k, a, b, lab2, w);
        conv = kmeans_converged(a, b, d, k, tol_abs);
        double *t = a;
        a = b;
        b = t;
        it++;
    }
    double inertia = kmeans_assign(x, n, d, a, k, lab2, NULL);
    assert_int_equal(res.iterations, it);
    assert_int_equal(res.converged, conv);
    assert_memory_equal(cent, a, kd * sizeof *a);
    assert_memory_equal(lab, lab2, n * sizeof *lab);
    assert_memory_equal(&res.inertia, &inertia, sizeof inertia);
    /* Plain Hamerly skipped distances: Lloyd computes n x k a step, plus
       the final assignment. */
    if (check_saving && ndist >= (uint64_t)n * (uint64_t)k * (uint64_t)(it + 1))
        fail_msg("k = %d, seed %llu: %llu distances in %d steps, no fewer than Lloyd's",
                 k, (unsigned long long)seed, (unsigned long long)ndist, it);
    free(cent);
    free(a);
    free(b);
    free(lab);
    free(lab2);
    kmeans_ws_free(w);
    gsl_rng_free(r);
}

static void test_hamerly_equals_lloyd(void **state)
{
    (void)state;
    /* Overlapping blobs, run to exact convergence (tol 0), with the default
       choice of steps (0), plain Hamerly (1) and plain Lloyd (2). */
    size_t n = 4000, d = 4;
    double *x = blobs_data(n, d, 6, 3);
    check_hamerly(x, n, d, 5, 0, 9, 300, 0, 0);
    check_hamerly(x, n, d, 5, 0, 9, 300, 1, 1);
    check_hamerly(x, n, d, 5, 0, 9, 300, 2, 0);
    check_hamerly(x, n, d, 12, 1e-4, 10, 300, 0, 0);
    check_hamerly(x, n, d, 12, 1e-4, 10, 300, 1, 1);
    check_hamerly(x, n, d, 12, 0, 10, 300, 3, 0);
    check_hamerly(x, n, d, 7, 0, 11, 3, 1, 0);  /* stopped by max_iter */
    free(x);
    /* Points on a small integer grid, with duplicates: many exact ties of
       distance, which Hamerly must leave to the full comparison. */
    n = 3000;
    d = 2;
    x = malloc(n * d * sizeof *x);
    assert_non_null(x);
    rng_state = 99;
    for (size_t i = 0; i < n * d; i++)
        x[i] = floor(unif() * 6);
    check_hamerly(x, n, d, 4, 0, 1, 300, 1, 0);
    check_hamerly(x, n, d, 9, 0, 2, 300, 1, 0);
    check_hamerly(x, n, d, 9, 0, 2, 300, 0, 0);
    check_hamerly(x, n, d, 9, 0, 2, 300, 3, 0);
    free(x);
    /* Many small 1-D sets of integers, plain Hamerly: centres move so that
       a point's label, kept by its bounds, meets a lower-index centre at
       exactly the same distance; bounds without a strict margin would keep
       the wrong label there (checked: such a filter fails here within a
       few dozen sets). */
    double v[32];
    for (uint64_t ds = 1; ds <= 300; ds++) {
        n = 12 + ds % 19;
        rng_state = ds * 7919 + 1;
        for (size_t i = 0; i < n; i++)
            v[i] = floor(unif() * (double)(4 + ds % 17));
        for (int k = 2; k <= 4; k++)
            for (uint64_t seed = 1; seed <= 3; seed++)
                check_hamerly(v, n, 1, k, 0, seed, 300, 1, 0);
    }
}

static void test_assign_wide(void **state)
{
    (void)state;
    /* d x 8 > 4096 doubles: kmeans_assign computes row by row instead of
       from transposed centres; same values as a plain loop here. */
    size_t n = 40, d = 600;
    int k = 7;
    double *x = malloc(n * d * sizeof *x);
    double *c = malloc((size_t)k * d * sizeof *c);
    assert_non_null(x);
    assert_non_null(c);
    rng_state = 5;
    for (size_t i = 0; i < n * d; i++)
        x[i] = unif();
    for (size_t i = 0; i < (size_t)k * d; i++)
        c[i] = unif();
    uint32_t lab[40];
    double dist[40], tot = 0;
    double got = kmeans_assign(x, n, d, c, k, lab, dist);
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY;
        uint32_t bl = 0;
        for (int cc = 0; cc < k; cc++) {
            double s = 0;
            for (size_t j = 0; j < d; j++) {
                double t = x[i * d + j] - c[(size_t)cc * d + j];
                s += t * t;
            }
            if (s < best) {
                best = s;
                bl = (uint32_t)cc;
            }
        }
        assert_int_equal(lab[i], bl);
        assert_memory_equal(&dist[i], &best, sizeof best);
        tot += best;  /* one chunk: the same order as kmeans_assign */
    }
    assert_memory_equal(&got, &tot, sizeof tot);
    free(x);
    free(c);
}

static void test_silhouette(void **state)
{
    (void)state;
    /* 1-D points (second feature 0): 0, 1 in cluster 0; 5, 7 in cluster 1;
       20 alone in cluster 2.
         x=0: a = 1, b = min((5+7)/2, 20) = 6     s = 5/6
         x=1: a = 1, b = (4+6)/2 = 5              s = 4/5
         x=5: a = 2, b = (5+4)/2 = 4.5            s = 2.5/4.5 = 5/9
         x=7: a = 2, b = (7+6)/2 = 6.5            s = 4.5/6.5 = 9/13
         x=20: alone in its cluster               s = 0
       Mean (5/6 + 4/5 + 5/9 + 9/13) / 5 = 0.57623... */
    const double x[] = { 0, 0, 1, 0, 5, 0, 7, 0, 20, 0 };
    const uint32_t lab[] = { 0, 0, 1, 1, 2 };
    const size_t all[] = { 0, 1, 2, 3, 4 };
    double want = (5.0 / 6 + 4.0 / 5 + 5.0 / 9 + 9.0 / 13) / 5;
    near(kmeans_silhouette(x, 5, 2, lab, 3, all, 5), want, 1e-14);
    /* Sample {0, 5, 7}: x=0 is alone in cluster 0 there (0);
       x=5: a = 2, b = 5, s = 3/5; x=7: a = 2, b = 7, s = 5/7. */
    const size_t some[] = { 0, 2, 3 };
    near(kmeans_silhouette(x, 5, 2, lab, 3, some, 3), (0 + 3.0 / 5 + 5.0 / 7) / 3, 1e-14);
    /* One cluster only in the sample: 0. A bad index: NAN. */
    const size_t one[] = { 2, 3 };
    assert_true(kmeans_silhouette(x, 5, 2, lab, 3, one, 2) == 0);
    const size_t bad[] = { 5 };
    assert_true(isnan(kmeans_silhouette(x, 5, 2, lab, 3, bad, 1)));
}

/* kmeans_run_par against kmeans_run: restarts side by side on 1, 2 and 3
   workspaces give kmeans_run's centroids, labels, inertia, steps and kept
   restart, bit for bit. Ties between restarts: the same points twice over
   make many restarts end equal, so the lowest index must win. */
static void test_run_par_identical(void **state)
{
    (void)state;
    size_t n = 2500, d = 3;
    double *x = blobs_data(n, d, 5, 21);
    struct kmeans_params p;
    kmeans_defaults(&p);
    p.k = 5;
    p.n_init = 7;
    p.seed = 99;
    double c0[15], c1[15];
    uint32_t *l0 = malloc(n * sizeof *l0), *l1 = malloc(n * sizeof *l1);
    assert_non_null(l0);
    assert_non_null(l1);
    struct kmeans_ws *w[3];
    for (int t = 0; t < 3; t++)
        assert_non_null(w[t] = kmeans_ws_alloc(n, d, p.k));
    struct cx_err e = { 0, "" };
    int saved = omp_get_max_threads();
    omp_set_num_threads(2);
    struct kmeans_result r0 = { c0, l0, 0, 0, 0, 0 };
    assert_int_equal(kmeans_run(x, n, d, &p, &r0, w[0], &e), CX_OK);
    uint64_t nd0 = kmeans_ws_ndist(w[0]);
    for (int nws = 1; nws <= 3; nws++) {
        struct kmeans_result r1 = { c1, l1, 0, 0, 0, 0 };
        assert_int_equal(kmeans_run_par(x, n, d, &p, &r1, w, nws, &e), CX_OK);
        assert_memory_equal(c0, c1, sizeof c0);
        assert_memory_equal(l0, l1, n * sizeof *l0);
        assert_memory_equal(&r0.inertia, &r1.inertia, sizeof r0.inertia);
        assert_int_equal(r0.iterations, r1.iterations);
        assert_int_equal(r0.converged, r1.converged);
        assert_int_equal(r0.best_init, r1.best_init);
        assert_true(kmeans_ws_ndist(w[0]) == nd0);
    }
    /* Duplicated points (two copies of 4 points, k = 4): every restart
       finds the same inertia, and restart 0 is kept. */
    const double dup[] = { 0, 0, 0, 1, 0, 0, 0, 5, 0, 9, 9, 0,
                           0, 0, 0, 1, 0, 0, 0, 5, 0, 9, 9, 0 };
    p.k = 4;
    struct kmeans_result rd = { c1, l1, 0, 0, 0, 0 };
    assert_int_equal(kmeans_run_par(dup, 8, 3, &p, &rd, w, 3, &e), CX_OK);
    assert_int_equal(rd.best_init, 0);
    assert_true(rd.inertia == 0);
    /* A bad k is reported, not run. */
    p.k = 0;
    assert_int_equal(kmeans_run_par(x, n, d, &p, &rd, w, 2, &e), CX_EUSAGE);
    omp_set_num_threads(saved);
    for (int t = 0; t < 3; t++)
        kmeans_ws_free(w[t]);
    free(l0);
    free(l1);
    free(x);
}

/* kmeans_silhouettes and kmeans_calinski_harabasz_w give the values of
   kmeans_silhouette and kmeans_calinski_harabasz, bit for bit, for three
   labelings (k = 2, 3, 6) of a sample of 700 of 3000 points. */
static void test_scores_together(void **state)
{
    (void)state;
    size_t n = 3000, d = 4, m = 700;
    double *x = blobs_data(n, d, 6, 8), *xs = malloc(m * d * sizeof *xs);
    uint32_t *lab = malloc(3 * n * sizeof *lab), *ls = malloc(3 * m * sizeof *ls);
    size_t *idx = malloc(m * sizeof *idx);
    assert_non_null(xs);
    assert_non_null(lab);
    assert_non_null(ls);
    assert_non_null(idx);
    const int k[3] = { 2, 3, 6 };
    double cent[6 * 4], mean[4], got[3];
    for (size_t t = 0; t < m; t++) {
        idx[t] = t * n / m;
        memcpy(xs + t * d, x + idx[t] * d, d * sizeof *x);
    }
    kmeans_means(x, n, d, mean);
    for (int j = 0; j < 3; j++) {
        for (int c = 0; c < k[j]; c++)
            memcpy(cent + (size_t)c * d, x + (size_t)c * 97 * d, d * sizeof *x);
        uint32_t *lj = lab + (size_t)j * n;
        double in = kmeans_assign(x, n, d, cent, k[j], lj, NULL);
        double ch = kmeans_calinski_harabasz(x, n, d, cent, k[j], lj);
        double chw = kmeans_calinski_harabasz_w(n, d, mean, cent, k[j], lj, in);
        assert_memory_equal(&ch, &chw, sizeof ch);
        for (size_t t = 0; t < m; t++)
            ls[t * 3 + (size_t)j] = lj[idx[t]];
    }
    assert_int_equal(kmeans_silhouettes(xs, m, d, ls, k, 3, got), 0);
    for (int j = 0; j < 3; j++) {
        double want = kmeans_silhouette(x, n, d, lab + (size_t)j * n, k[j], idx, m);
        assert_memory_equal(&got[j], &want, sizeof want);
    }
    /* A label beyond its k: -1. */
    ls[0] = 7;
    assert_int_equal(kmeans_silhouettes(xs, m, d, ls, k, 3, got), -1);
    free(x);
    free(xs);
    free(lab);
    free(ls);
    free(idx);
}

static void test_ari(void **state)
{
    (void)state;
    const uint32_t a[] = { 0, 0, 1, 1, 2 }, perm[] = { 2, 2, 0, 0, 1 };
    near(kmeans_ari(a, a, 5), 1, 1e-15);
    near(kmeans_ari(a, perm, 5), 1, 1e-15);
    /* a = 0 0 1 1, b = 0 0 1 2: joint counts 2,1,1 -> index C(2,2) = 1;
       rows 2,2 -> 2 pairs; columns 2,1,1 -> 1 pair; C(4,2) = 6.
       expected = 2 x 1 / 6 = 1/3, max = (2 + 1) / 2 = 3/2,
       ARI = (1 - 1/3) / (3/2 - 1/3) = 4/7. */
    const uint32_t p[] = { 0, 0, 1, 1 }, q[] = { 0, 0, 1, 2 };
    near(kmeans_ari(p, q, 4), 4.0 / 7, 1e-15);
    /* a = 0 0 1 1, b = 0 1 0 1: no joint pair; expected = 2 x 2 / 6 = 2/3,
       max = 2: ARI = (0 - 2/3) / (2 - 2/3) = -1/2. */
    const uint32_t s[] = { 0, 1, 0, 1 };
    near(kmeans_ari(p, s, 4), -0.5, 1e-15);
    /* Large label values take the sorting path: same answers. */
    const uint32_t big[] = { 7, 7, 4000000000u, 4000000000u };
    near(kmeans_ari(big, q, 4), 4.0 / 7, 1e-15);
    near(kmeans_ari(q, big, 4), 4.0 / 7, 1e-15);
    near(kmeans_ari(big, s, 4), -0.5, 1e-15);
    /* Degenerate: fewer than 2 points, or both all together. */
    assert_true(kmeans_ari(p, q, 1) == 1);
    const uint32_t z[] = { 3, 3, 3, 3 };
    assert_true(kmeans_ari(z, z, 4) == 1);
}

static void test_errors(void **state)
{
    (void)state;
    assert_null(kmeans_ws_alloc(0, 2, 2));
    assert_null(kmeans_ws_alloc(10, 0, 2));
    assert_null(kmeans_ws_alloc(10, 2, 0));
    assert_null(kmeans_ws_alloc(10, 2, KMEANS_KMAX + 1));
    kmeans_ws_free(NULL);
    struct kmeans_ws *w = kmeans_ws_alloc(6, 2, 4);
    assert_non_null(w);
    struct kmeans_params p;
    kmeans_defaults(&p);
    double cent[8];
    uint32_t lab[6];
    struct kmeans_result r = { cent, lab, 0, 0, 0, 0 };
    struct cx_err e = { 0, "" };
    p.k = 7;  /* more clusters than points */
    assert_int_equal(kmeans_run(six, 6, 2, &p, &r, w, &e), CX_EUSAGE);
    assert_non_null(strstr(e.msg, "k = 7"));
    struct cx_err e2 = { 0, "" };
    p.k = 2;
    p.n_init = 0;
    assert_int_equal(kmeans_run(six, 6, 2, &p, &r, w, &e2), CX_EUSAGE);
    struct cx_err e3 = { 0, "" };
    p.n_init = 1;
    assert_int_equal(kmeans_run(six, 6, 3, &p, &r, w, &e3), CX_EINTERNAL);  /* d > ws */
    struct cx_err e4 = { 0, "" };
    double nan6[12];
    memcpy(nan6, six, sizeof nan6);
    nan6[5] = NAN;
    assert_int_equal(kmeans_run(nan6, 6, 2, &p, &r, w, &e4), CX_EINTERNAL);
    assert_non_null(strstr(e4.msg, "not finite"));
    kmeans_ws_free(w);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_optimum),
        cmocka_unit_test(test_one_step_by_hand),
        cmocka_unit_test(test_empty_cluster),
        cmocka_unit_test(test_pp),
        cmocka_unit_test(test_convergence_rule),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_restarts_never_worse),
        cmocka_unit_test(test_hamerly_equals_lloyd),
        cmocka_unit_test(test_assign_wide),
        cmocka_unit_test(test_silhouette),
        cmocka_unit_test(test_run_par_identical),
        cmocka_unit_test(test_scores_together),
        cmocka_unit_test(test_ari),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
