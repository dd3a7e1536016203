/*
 * test_stats — selection and quantiles against GSL's definition on sorted
 * copies, including ties and tiny arrays.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"

static void test_by_hand(void **state)
{
    (void)state;
    double a[] = { 5, 1, 4, 2, 3 };
    assert_true(stats_select(a, 5, 0) == 1);
    assert_true(stats_select(a, 5, 4) == 5);
    assert_true(stats_select(a, 5, 2) == 3);
    double b[] = { 10, 40, 20, 30 };
    /* median of 10, 20, 30, 40: (20 + 30) / 2 = 25; q = 0.25 at 0.75: 10 + 0.75 x 10 = 17.5 */
    assert_true(stats_quantile(b, 4, 0.5) == 25);
    assert_true(stats_quantile(b, 4, 0.25) == 17.5);
    assert_true(stats_quantile(b, 4, 1) == 40);
    double c[] = { 7 };
    assert_true(stats_quantile(c, 1, 0.5) == 7);
    assert_true(stats_quantile(c, 0, 0.5) == 0);
}

static void test_against_gsl(void **state)
{
    (void)state;
    uint32_t x = 99;
    static double a[5001], s[5001];
    static const double qs[] = { 0, 0.1, 0.25, 0.5, 0.75, 0.9, 1 };
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 25);
        for (size_t i = 0; i < n; i++) {
            x = x * 1664525u + 1013904223u;
            /* Few distinct values in half the rounds: many ties. */
            a[i] = round % 2 ? (double)(x >> 28) : (double)(x >> 8) / 1e3;
        }
        memcpy(s, a, n * sizeof *a);
        gsl_sort(s, 1, n);
        for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
            double want = gsl_stats_quantile_from_sorted_data(s, 1, n, qs[k]);
            double got = stats_quantile(a, n, qs[k]);
            if (got != want)
                fail_msg("n %zu q %g: %.17g, GSL %.17g", n, qs[k], got, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_against_gsl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
