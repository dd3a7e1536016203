/*
 * test_rfm — quintile scores worked out by hand (thresholds and counts too),
 * ties, the low-variance rule, small n, the label table, and a million
 * customers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/rfm.h"

static void check_bins(const struct rfm_bins *b, const double thr[4], const size_t count[5])
{
    for (int q = 0; q < 4; q++)
        assert_true(b->thr[q] == thr[q]);   /* thresholds are input values: exact */
    for (int s = 0; s < 5; s++)
        assert_int_equal(b->count[s], count[s]);
}

static void check_scores(const uint8_t *got, const uint8_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

/* Ten customers. With n = 10 the thresholds sit at sorted positions
   ceil(q·10/5) − 1 = 1, 3, 5, 7 (0-based): the 2nd, 4th, 6th, 8th value. */
static void test_ten_by_hand(void **state)
{
    (void)state;
    const double rec[10] = { 5, 40, 30, 200, 90, 3, 60, 150, 30, 12 };
    const double frq[10] = { 10, 2, 6, 1, 3, 12, 2, 1, 4, 5 };
    const double mon[10] = { 900, 120, 400, 35, 1000, 1500, 80, 60, 300, 350 };
    uint8_t r[10], f[10], m[10];
    struct rfm_bins b[3];
    struct cx_err e = { 0 };
    assert_int_equal(rfm_score(rec, frq, mon, 10, r, f, m, b, &e), CX_OK);

    /* Recency, most days first: 200 150 90 60 40 30 30 12 5 3; thresholds
       150, 60, 30, 12; R = 1 + number of thresholds the days are below.
       5 -> 5, 40 -> 3 (<150, <60), 30 -> 3 (not < 30), 200 -> 1,
       90 -> 2, 3 -> 5, 60 -> 2 (not < 60), 150 -> 1, 30 -> 3, 12 -> 4.
       The two 30s straddle the 60 % rank and still share score 3, so score
       3 has three customers and score 4 one. */
    const uint8_t wr[10] = { 5, 3, 3, 1, 2, 5, 2, 1, 3, 4 };
    const double tr[4] = { 150, 60, 30, 12 };
    const size_t cr[5] = { 2, 2, 3, 1, 2 };
    check_scores(r, wr, 10);
    check_bins(&b[0], tr, cr);

    /* Frequency sorted: 1 1 2 2 3 4 5 6 10 12; thresholds 1, 2, 4, 6;
       F = 1 + thresholds strictly below the value: 10 -> 5, 2 -> 2,
       6 -> 4 (not > 6), 1 -> 1, 3 -> 3, 12 -> 5, 2 -> 2, 1 -> 1, 4 -> 3,
       5 -> 4. */
    const uint8_t wf[10] = { 5, 2, 4, 1, 3, 5, 2, 1, 3, 4 };
    const double tf[4] = { 1, 2, 4, 6 };
    const size_t cf[5] = { 2, 2, 2, 2, 2 };
    check_scores(f, wf, 10);
    check_bins(&b[1], tf, cf);

    /* Monetary sorted: 35 60 80 120 300 350 400 900 1000 1500; thresholds
       60, 120, 350, 900: 900 -> 4 (not > 900), 120 -> 2, 400 -> 4,
       35 -> 1, 1000 -> 5, 1500 -> 5, 80 -> 2, 60 -> 1, 300 -> 3,
       350 -> 3. */
    const uint8_t wm[10] = { 4, 2, 4, 1, 5, 5, 2, 1, 3, 3 };
    const double tm[4] = { 60, 120, 350, 900 };
    const size_t cm[5] = { 2, 2, 2, 2, 2 };
    check_scores(m, wm, 10);
    check_bins(&b[2], tm, cm);

    /* Labels of three of them, from the (R, FM) grid of rfm.h:
       customer 0: R 5, FM round(9/2) = 5 -> Champions;
       customer 3: R 1, FM 1 -> Lost;
       customer 4: R 2, FM round(8/2) = 4 -> Loyal Customers. */
    assert_string_equal(rfm_label(r[0], f[0], m[0]), "Champions");
    assert_string_equal(rfm_label(r[3], f[3], m[3]), "Lost");
    assert_string_equal(rfm_label(r[4], f[4], m[4]), "Loyal Customers");
    /* bins may be NULL; the scores are the same. */
    uint8_t r2[10], f2[10], m2[10];
    assert_int_equal(rfm_score(rec, frq, mon, 10, r2, f2, m2, NULL, &e), CX_OK);
    check_scores(r2, wr, 10);
    check_scores(f2, wf, 10);
    check_scores(m2, wm, 10);
}

/* Equal values get equal scores wherever the quintile cuts fall, and the
   scores follow the customers when the input is reordered. */
static void test_ties(void **state)
{
    (void)state;
    /* Five 5s and five 9s: thresholds 5, 5, 9, 9 (positions 1, 3, 5, 7 of
       5 5 5 5 5 9 9 9 9 9); 5 -> 1, 9 -> 3 (> 5 twice). */
    const double v[10] = { 9, 5, 5, 9, 5, 9, 9, 5, 5, 9 };
    uint8_t r[10], f[10], m[10];
    struct rfm_bins b[3];
    struct cx_err e = { 0 };
    assert_int_equal(rfm_score(v, v, v, 10, r, f, m, b, &e), CX_OK);
    const double tv[4] = { 5, 5, 9, 9 };
    const size_t cv[5] = { 5, 0, 5, 0, 0 };
    for (int i = 0; i < 10; i++)
        assert_int_equal(f[i], v[i] == 5 ? 1 : 3);
    check_bins(&b[1], tv, cv);
    check_bins(&b[2], tv, cv);
    /* Recency, same column: most days first 9 9 9 9 9 5 5 5 5 5, thresholds
       9, 9, 5, 5; 9 days -> 1, 5 days -> 3 (< 9 twice). */
    const double tr[4] = { 9, 9, 5, 5 };
    for (int i = 0; i < 10; i++)
        assert_int_equal(r[i], v[i] == 9 ? 1 : 3);
    check_bins(&b[0], tr, cv);

    /* 1000 customers, values 0..99 ten times each, shuffled: each value's
       ten customers share one score; the same scores in reverse order. */
    enum { N = 1000 };
    static double x[N], y[N];
    static uint8_t s1[N], s2[N], s3[N], t1[N], t2[N], t3[N];
    uint64_t st = 99;
    for (int i = 0; i < N; i++)
        x[i] = i % 100;
    for (int i = N - 1; i > 0; i--) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        int j = (int)((st >> 33) % (uint64_t)(i + 1));
        double t = x[i];
        x[i] = x[j];
        x[j] = t;
    }
    for (int i = 0; i < N; i++)
        y[i] = x[N - 1 - i];
    assert_int_equal(rfm_score(x, x, x, N, s1, s2, s3, b, &e), CX_OK);
    assert_int_equal(rfm_score(y, y, y, N, t1, t2, t3, NULL, &e), CX_OK);
    int byval[100];
    for (int i = 0; i < 100; i++)
        byval[i] = -1;
    for (int i = 0; i < N; i++) {
        int k = (int)x[i];
        if (byval[k] < 0)
            byval[k] = s2[i];
        assert_int_equal(s2[i], byval[k]);
        assert_int_equal(t2[N - 1 - i], s2[i]);
        assert_int_equal(t1[N - 1 - i], s1[i]);
        assert_int_equal(s3[i], s2[i]);
    }
    /* Thresholds at positions 199, 399, 599, 799 of the sorted values are
       19, 39, 59, 79: each score holds 20 values x 10 = 200 customers. */
    const double t100[4] = { 19, 39, 59, 79 };
    const size_t c100[5] = { 200, 200, 200, 200, 200 };
    check_bins(&b[1], t100, c100);
}

/* Low variance: seven of ten customers bought once. */
static void test_low_variance(void **state)
{
    (void)state;
    const double frq[10] = { 1, 3, 1, 1, 5, 1, 2, 1, 1, 1 };
    const double rec[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    uint8_t r[10], f[10], m[10];
    struct rfm_bins b[3];
    struct cx_err e = { 0 };
    assert_int_equal(rfm_score(rec, frq, rec, 10, r, f, m, b, &e), CX_OK);
    /* Sorted 1 1 1 1 1 1 1 2 3 5: thresholds 1, 1, 1, 2. The seven 1s fill
       the first three quintiles and all get the lowest merged score, 1;
       2 is above three thresholds -> 4; 3 and 5 -> 5. Scores 2 and 3 are
       unused, as rfm.h documents. */
    const uint8_t wf[10] = { 1, 5, 1, 1, 5, 1, 4, 1, 1, 1 };
    const double tf[4] = { 1, 1, 1, 2 };
    const size_t cf[5] = { 7, 0, 0, 1, 2 };
    check_scores(f, wf, 10);
    check_bins(&b[1], tf, cf);
    /* A constant column: everyone 1, thresholds all equal. */
    const double one[10] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    assert_int_equal(rfm_score(one, one, one, 10, r, f, m, b, &e), CX_OK);
    const double t1[4] = { 1, 1, 1, 1 };
    const size_t c1[5] = { 10, 0, 0, 0, 0 };
    for (int d = 0; d < 3; d++)
        check_bins(&b[d], t1, c1);
    for (int i = 0; i < 10; i++)
        assert_true(r[i] == 1 && f[i] == 1 && m[i] == 1);
}

/* n not a multiple of 5, n < 5, n = 0, and refused input. */
static void test_small_and_errors(void **state)
{
    (void)state;
    uint8_t r[7], f[7], m[7];
    struct rfm_bins b[3];
    struct cx_err e = { 0 };
    /* n = 7: positions ceil(7q/5) − 1 = 1, 2, 4, 5 of 10 20 30 40 50 60 70,
       thresholds 20, 30, 50, 60: scores 1 1 2 3 3 4 5. */
    const double v[7] = { 10, 20, 30, 40, 50, 60, 70 };
    assert_int_equal(rfm_score(v, v, v, 7, r, f, m, b, &e), CX_OK);
    const uint8_t w7[7] = { 1, 1, 2, 3, 3, 4, 5 };
    const double t7[4] = { 20, 30, 50, 60 };
    const size_t c7[5] = { 2, 1, 2, 1, 1 };
    check_scores(f, w7, 7);
    check_bins(&b[1], t7, c7);
    /* n = 1: every threshold is the one value: score 1. */
    assert_int_equal(rfm_score(v, v, v, 1, r, f, m, b, &e), CX_OK);
    assert_true(r[0] == 1 && f[0] == 1 && m[0] == 1);
    /* n = 2: positions 0, 0, 1, 1: thresholds 10, 10, 20, 20; 10 -> 1,
       20 -> 3. Recency: 20 days -> 1, 10 days -> 3. */
    assert_int_equal(rfm_score(v, v, v, 2, r, f, m, b, &e), CX_OK);
    assert_true(f[0] == 1 && f[1] == 3 && r[0] == 3 && r[1] == 1);
    /* n = 0: nothing to score, thresholds NaN, counts 0. */
    assert_int_equal(rfm_score(NULL, NULL, NULL, 0, NULL, NULL, NULL, b, &e), CX_OK);
    for (int d = 0; d < 3; d++) {
        assert_true(isnan(b[d].thr[0]) && isnan(b[d].thr[3]));
        assert_int_equal(b[d].count[0] + b[d].count[4], 0);
    }
    assert_int_equal(e.status, CX_OK);
    /* NaN and infinity are refused, naming the customer. */
    const double bad[3] = { 1, NAN, 3 };
    assert_int_equal(rfm_score(v, bad, v, 3, r, f, m, b, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "frequency of customer 1"));
    memset(&e, 0, sizeof e);
    const double inf[3] = { 1, 2, -INFINITY };
    assert_int_equal(rfm_score(v, v, inf, 3, r, f, m, b, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "monetary of customer 2"));
    memset(&e, 0, sizeof e);
    assert_int_equal(rfm_score(v, v, v, 3, r, NULL, m, b, &e), CX_EINTERNAL);
}

/* The whole (R, FM) grid of rfm.h, every (r, f, m), and reachability. */
static void test_labels(void **state)
{
    (void)state;
    /* grid[R-1][FM-1], copied from the header's table. */
    static const char *const grid[5][5] = {
        { "Lost", "At Risk", "At Risk", "Can't Lose Them", "Can't Lose Them" },
        { "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers",
          "Loyal Customers" },
        { "Promising", "Potential Loyalist", "Loyal Customers", "Loyal Customers",
          "Loyal Customers" },
        { "New Customers", "Potential Loyalist", "Loyal Customers", "Champions", "Champions" },
        { "New Customers", "Potential Loyalist", "Loyal Customers", "Champions", "Champions" },
    };
    int hits[RFM_NLABELS] = { 0 };
    for (int r = 1; r <= 5; r++)
        for (int f = 1; f <= 5; f++)
            for (int m = 1; m <= 5; m++) {
                int fm = (f + m + 1) / 2;   /* round((f+m)/2), halves up */
                const char *l = rfm_label(r, f, m);
                assert_string_equal(l, grid[r - 1][fm - 1]);
                int id = rfm_label_id(r, f, m);
                assert_ptr_equal(l, rfm_label_name(id));
                hits[id]++;
            }
    /* Each of the ten labels is reachable; "Others" only off the grid. */
    for (int id = 0; id < RFM_NLABELS - 1; id++)
        assert_true(hits[id] > 0);
    assert_int_equal(hits[RFM_NLABELS - 1], 0);
    /* A witness per label, and halves rounding up: f 1, m 2 -> FM 2. */
    assert_string_equal(rfm_label(5, 5, 5), "Champions");
    assert_string_equal(rfm_label(2, 3, 3), "Loyal Customers");
    assert_string_equal(rfm_label(5, 1, 1), "New Customers");
    assert_string_equal(rfm_label(3, 1, 1), "Promising");
    assert_string_equal(rfm_label(4, 1, 2), "Potential Loyalist");
    assert_string_equal(rfm_label(2, 2, 2), "Need Attention");
    assert_string_equal(rfm_label(2, 1, 1), "About To Sleep");
    assert_string_equal(rfm_label(1, 4, 5), "Can't Lose Them");
    assert_string_equal(rfm_label(1, 3, 2), "At Risk");
    assert_string_equal(rfm_label(1, 1, 1), "Lost");
    assert_string_equal(rfm_label(0, 3, 3), "Others");
    assert_string_equal(rfm_label(3, 6, 3), "Others");
    assert_string_equal(rfm_label_name(-1), "Others");
    assert_string_equal(rfm_label_name(RFM_NLABELS), "Others");
    assert_ptr_equal(rfm_label(5, 5, 5), rfm_label(4, 4, 3));   /* both Champions: one constant */
}

/* A million customers with distinct values: 200,000 a score, thresholds at
   positions 199999, 399999, 599999, 799999. */
static void test_million(void **state)
{
    (void)state;
    size_t n = 1000000;
    double *x = malloc(n * sizeof *x);
    uint8_t *r = malloc(n), *f = malloc(n), *m = malloc(n);
    assert_non_null(x);
    assert_non_null(r);
    assert_non_null(f);
    assert_non_null(m);
    /* i·7919 mod 10^6 runs over 0..999999 once (7919 is prime to 10^6). */
    for (size_t i = 0; i < n; i++)
        x[i] = (double)((i * 7919) % n);
    struct rfm_bins b[3];
    struct cx_err e = { 0 };
    assert_int_equal(rfm_score(x, x, x, n, r, f, m, b, &e), CX_OK);
    const double tf[4] = { 199999, 399999, 599999, 799999 };
    const double tr[4] = { 800000, 600000, 400000, 200000 };
    const size_t c[5] = { 200000, 200000, 200000, 200000, 200000 };
    check_bins(&b[1], tf, c);
    check_bins(&b[2], tf, c);
    check_bins(&b[0], tr, c);
    /* F: 0..199999 -> 1, 200000..399999 -> 2, ...; recency the other way
       round: 0..199999 days -> 5, ..., 800000..999999 days -> 1. */
    for (size_t i = 0; i < n; i += 997) {
        int q = (int)(x[i] / 200000);
        assert_int_equal(f[i], 1 + q);
        assert_int_equal(m[i], 1 + q);
        assert_int_equal(r[i], 5 - q);
    }
    free(x);
    free(r);
    free(f);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_by_hand),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_low_variance),
        cmocka_unit_test(test_small_and_errors),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_million),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
