/*
 * test_radix — radix_sort_f64 against qsort with the comparators it
 * replaces (economics' cmp_asc / cmp_desc): the same array bit for bit,
 * -0 and +0 in input order, NaN handed to qsort, sizes around the qsort
 * cut-off (256), both parities of the number of radix passes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/radix.h"

static int cmp_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

static int same_bits(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/* The hand-made values, then `pad` copies of `fill` to reach the radix
   path (n >= 256); the padding sorts after the hand-made values. */
enum { NPAD = 300 };
static const double hand[] = {
    3, -1, +0.0, -2.5, -0.0, 4.9e-324 /* smallest denormal */, -4.9e-324, +0.0,
    DBL_MAX, -DBL_MAX, 1e-300, 3, -0.0, 2.2250738585072009e-308 /* largest denormal */,
};
#define NHAND (sizeof hand / sizeof hand[0])

static void test_by_hand(void **state)
{
    (void)state;
    static double a[NHAND + NPAD];
    /* increasing: -DBL_MAX, -2.5, -1, -denorm, then the zeros as they came
       (+0 at 2, -0 at 4, +0 at 7, -0 at 12), the denormals, 1e-300, the
       two 3s, DBL_MAX, then the padding (+inf) */
    memcpy(a, hand, sizeof hand);
    for (size_t i = NHAND; i < NHAND + NPAD; i++)
        a[i] = INFINITY;
    assert_int_equal(radix_sort_f64(a, NHAND + NPAD, 0), 0);
    const double up[NHAND] = { -DBL_MAX, -2.5, -1, -4.9e-324, +0.0, -0.0, +0.0, -0.0,
                               4.9e-324, 2.2250738585072009e-308, 1e-300, 3, 3, DBL_MAX };
    for (size_t i = 0; i < NHAND; i++)
        assert_true(same_bits(a[i], up[i]));
    for (size_t i = NHAND; i < NHAND + NPAD; i++)
        assert_true(a[i] == INFINITY);

    /* decreasing: the same values backwards, but the zeros still in input
       order (+0, -0, +0, -0), as a stable sort with cmp_desc leaves them */
    memcpy(a, hand, sizeof hand);
    for (size_t i = NHAND; i < NHAND + NPAD; i++)
        a[i] = -INFINITY;
    assert_int_equal(radix_sort_f64(a, NHAND + NPAD, 1), 0);
    const double down[NHAND] = { DBL_MAX, 3, 3, 1e-300, 2.2250738585072009e-308, 4.9e-324,
                                 +0.0, -0.0, +0.0, -0.0, -4.9e-324, -1, -2.5, -DBL_MAX };
    for (size_t i = 0; i < NHAND; i++)
        assert_true(same_bits(a[i], down[i]));
    for (size_t i = NHAND; i < NHAND + NPAD; i++)
        assert_true(a[i] == -INFINITY);
}

/* Only zeros: every key is the same, nothing moves, -0 stays where it was. */
static void test_all_zeros(void **state)
{
    (void)state;
    static double a[1000], b[1000];
    for (size_t i = 0; i < 1000; i++)
        a[i] = b[i] = i % 3 == 1 ? -0.0 : 0.0;
    assert_int_equal(radix_sort_f64(a, 1000, 0), 0);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(radix_sort_f64(a, 1000, 1), 0);
    assert_memory_equal(a, b, sizeof a);
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Value i of kind k: 0 any bits (but NaN), so all six digits vary; 1 small
   multiples of 1/8 with many repeats and signed zeros (two passes: the low
   mantissa bits are all 0); 2 uniform in [1, 2) (five passes: the top
   digit is shared); 3 a mix of the three with infinities. */
static double value(int k, uint64_t *s)
{
    uint64_t r = xorshift(s);
    double x;
    switch (k) {
    case 0:
        memcpy(&x, &r, sizeof x);
        return isnan(x) ? 1.5 : x;
    case 1:
        x = (double)(int)(r % 33 - 16) / 8;
        return x == 0 && (r >> 40) & 1 ? -0.0 : x;
    case 2:
        return 1 + (double)(r >> 11) / 9007199254740992.0;
    default:
        switch (r % 5) {
        case 0:
            return INFINITY;
        case 1:
            return -INFINITY;
        default:
            return value((int)(r % 3), s);
        }
    }
}

static void test_against_qsort(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 2, 255, 256, 257, 1000, 4099, 100000 };
    size_t nmax = 100000;
    double *a = malloc(nmax * sizeof *a), *b = malloc(nmax * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int k = 0; k < 4; k++)
            for (int desc = 0; desc < 2; desc++) {
                size_t n = sizes[z];
                for (size_t i = 0; i < n; i++)
                    a[i] = b[i] = value(k, &s);
                qsort(b, n, sizeof *b, desc ? cmp_desc : cmp_asc);
                assert_int_equal(radix_sort_f64(a, n, desc), 0);
                if (n)
                    assert_memory_equal(a, b, n * sizeof *a);
            }
    free(a);
    free(b);
}

/* A NaN compares equal to everything under the comparators: no key can
   reproduce where qsort leaves it, so such arrays are qsort's. */
static void test_nan(void **state)
{
    (void)state;
    enum { N = 600 };
    static double a[N], b[N];
    uint64_t s = 12345;
    for (int desc = 0; desc < 2; desc++) {
        for (size_t i = 0; i < N; i++)
            a[i] = b[i] = i % 97 == 50 ? NAN : value(1, &s);
        qsort(b, N, sizeof *b, desc ? cmp_desc : cmp_asc);
        assert_int_equal(radix_sort_f64(a, N, desc), 0);
        assert_memory_equal(a, b, sizeof a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_all_zeros),
        cmocka_unit_test(test_against_qsort),
        cmocka_unit_test(test_nan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
