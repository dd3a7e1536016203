/*
 * test_assign — the Hungarian method on matrices solved by hand, against
 * brute force over every permutation, and the tie rule (lexicographically
 * smallest optimal row_to_col).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "engine/assign.h"

/* A fixed, simple PRNG (64-bit LCG, Knuth's MMIX constants): the same
   matrices on every machine. */
static uint64_t lcg_state;
static uint32_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(lcg_state >> 33);
}

static double total(const double *c, int n, int m, const int *col)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += c[i * m + col[i]];
    return s;
}

/* Brute force: every injective map of n rows into m columns, visited in
   lexicographic order (depth first, columns ascending), keeping the first
   strict minimum, i.e. the lexicographically smallest optimal one. */
static void brute_rec(const double *c, int n, int m, int i, int *cur, int *used, double sum,
                      double *best, int *bestcol)
{
    if (i == n) {
        if (sum < *best) {
            *best = sum;
            memcpy(bestcol, cur, (size_t)n * sizeof *cur);
        }
        return;
    }
    for (int j = 0; j < m; j++) {
        if (used[j])
            continue;
        used[j] = 1;
        cur[i] = j;
        brute_rec(c, n, m, i + 1, cur, used, sum + c[i * m + j], best, bestcol);
        used[j] = 0;
    }
}

static double brute(const double *c, int n, int m, int *bestcol)
{
    int cur[8], used[8] = { 0 };
    double best = INFINITY;
    brute_rec(c, n, m, 0, cur, used, 0, &best, bestcol);
    return best;
}

static void test_3x3_by_hand(void **state)
{
    (void)state;
    const double c[9] = {
        4, 1, 3,
        2, 0, 5,
        3, 2, 2,
    };
    /* The six permutations cost: (0,1,2) 4+0+2=6, (0,2,1) 4+5+2=11,
       (1,0,2) 1+2+2=5, (1,2,0) 1+5+3=9, (2,0,1) 3+2+2=7, (2,1,0) 3+0+3=6.
       Unique optimum 5: row 0 -> 1, row 1 -> 0, row 2 -> 2 (row 1 gives up
       its 0 because row 0's next best costs 2 more, row 1's only 2). */
    int col[3];
    struct cx_err e = { 0 };
    assert_int_equal(assign_min_cost(c, 3, 3, col, &e), CX_OK);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 0);
    assert_int_equal(col[2], 2);
}

static void test_3x4_by_hand(void **state)
{
    (void)state;
    const double c[12] = {
        5, 1, 9, 3,
        6, 2, 8, 7,
        4, 3, 2, 9,
    };
    /* Rows 0 and 1 both want column 1 (1 and 2). Row 2's best is column 2
       (2), which nobody else wants much. Either row 0 keeps column 1 and row
       1 falls back to column 0 (+4: 1+6+2 = 9), or row 1 keeps it and row 0
       falls back to column 3 (+2: 3+2+2 = 7). Nothing beats 7: it is row
       1's and row 2's minimum plus row 0's second best. Column 0 unused. */
    int col[3];
    struct cx_err e = { 0 };
    assert_int_equal(assign_min_cost(c, 3, 4, col, &e), CX_OK);
    assert_int_equal(col[0], 3);
    assert_int_equal(col[1], 1);
    assert_int_equal(col[2], 2);
    assert_true(total(c, 3, 4, col) == 7.0);
}

static void test_ties_lowest_indices(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    int col[4];
    /* All equal: every assignment is optimal, the smallest is 0,1,2,3. */
    double z[16];
    for (int i = 0; i < 16; i++)
        z[i] = 7.5;
    assert_int_equal(assign_min_cost(z, 4, 4, col, &e), CX_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(col[i], i);
    /* 2 rows, 4 equal columns: 0, 1. */
    assert_int_equal(assign_min_cost(z, 2, 4, col, &e), CX_OK);
    assert_int_equal(col[0], 0);
    assert_int_equal(col[1], 1);
    /* Row 1 has one zero (column 1); rows 0 and 2 have zeros in columns 0
       and 2. Two optima of cost 0, (0,1,2) and (2,1,0): the smaller is
       (0,1,2). */
    const double t[9] = {
        0, 1, 0,
        1, 0, 1,
        0, 1, 0,
    };
    assert_int_equal(assign_min_cost(t, 3, 3, col, &e), CX_OK);
    assert_int_equal(col[0], 0);
    assert_int_equal(col[1], 1);
    assert_int_equal(col[2], 2);
    /* Row 0 is indifferent between columns 1 and 2, row 1 wants only 2:
       (1, 2) is the only optimum (cost 0); a tie rule must not break it. */
    const double u[6] = {
        5, 0, 0,
        5, 5, 0,
    };
    assert_int_equal(assign_min_cost(u, 2, 3, col, &e), CX_OK);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 2);
    assert_int_equal(e.status, CX_OK);
}

/* 300 random 6x6 matrices of doubles in [0, 1): the optimum cost equals the
   brute-force minimum over all 720 permutations. */
static void test_random_6x6_vs_brute_force(void **state)
{
    (void)state;
    lcg_state = 12345;
    struct cx_err e = { 0 };
    for (int trial = 0; trial < 300; trial++) {
        double c[36];
        for (int i = 0; i < 36; i++)
            c[i] = lcg() / 4294967296.0;
        int col[6], bcol[6];
        double best = brute(c, 6, 6, bcol);
        assert_int_equal(assign_min_cost(c, 6, 6, col, &e), CX_OK);
        int seen[6] = { 0 };
        for (int i = 0; i < 6; i++) {
            assert_in_range(col[i], 0, 5);
            assert_int_equal(seen[col[i]]++, 0);
        }
        /* Relative 1e-12: the two sums add the same six numbers. */
        assert_true(fabs(total(c, 6, 6, col) - best) <= 1e-12 * (1 + best));
    }
}

/* Small integer costs make many exact ties: the answer must be the
   lexicographically smallest optimal one, square and rectangular. */
static void test_random_ties_vs_brute_force(void **state)
{
    (void)state;
    lcg_state = 2024;
    struct cx_err e = { 0 };
    const int shapes[4][2] = { { 6, 6 }, { 4, 6 }, { 5, 7 }, { 1, 5 } };
    for (int s = 0; s < 4; s++) {
        int n = shapes[s][0], m = shapes[s][1];
        for (int trial = 0; trial < 300; trial++) {
            double c[49];
            for (int i = 0; i < n * m; i++)
                c[i] = (double)(lcg() % 4);   /* 0..3 */
            int col[8], bcol[8];
            double best = brute(c, n, m, bcol);
            assert_int_equal(assign_min_cost(c, n, m, col, &e), CX_OK);
            assert_true(total(c, n, m, col) == best);
            for (int i = 0; i < n; i++)
                assert_int_equal(col[i], bcol[i]);
        }
    }
}

/* A larger problem: a valid permutation that no swap of two rows'
   columns improves (a necessary condition of optimality), and that beats
   the identity and the greedy row-by-row choice. */
static void test_larger(void **state)
{
    (void)state;
    enum { N = 80, M = 100 };
    static double c[N * M];
    lcg_state = 7;
    for (int i = 0; i < N * M; i++)
        c[i] = (double)(lcg() % 1000);
    int col[N];
    struct cx_err e = { 0 };
    assert_int_equal(assign_min_cost(c, N, M, col, &e), CX_OK);
    int used[M] = { 0 };
    for (int i = 0; i < N; i++) {
        assert_in_range(col[i], 0, M - 1);
        assert_int_equal(used[col[i]]++, 0);
    }
    for (int a = 0; a < N; a++) {
        for (int b = a + 1; b < N; b++)
            assert_true(c[a * M + col[a]] + c[b * M + col[b]] <= c[a * M + col[b]] + c[b * M + col[a]]);
        for (int j = 0; j < M; j++)   /* nor moving a row to a free column */
            assert_true(used[j] || c[a * M + col[a]] <= c[a * M + j]);
    }
    int id[N], greedy[N], taken[M] = { 0 };
    for (int i = 0; i < N; i++) {
        id[i] = i;
        int g = -1;
        for (int j = 0; j < M; j++)
            if (!taken[j] && (g < 0 || c[i * M + j] < c[i * M + g]))
                g = j;
        taken[g] = 1;
        greedy[i] = g;
    }
    assert_true(total(c, N, M, col) <= total(c, N, M, id));
    assert_true(total(c, N, M, col) <= total(c, N, M, greedy));
}

static void test_errors(void **state)
{
    (void)state;
    int col[3];
    double c[6] = { 1, 2, 3, 4, 5, 6 };
    struct cx_err e = { 0 };
    /* 3 rows, 2 columns: not every row can get a column. */
    assert_int_equal(assign_min_cost(c, 3, 2, col, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "3 rows for 2 columns"));
    memset(&e, 0, sizeof e);
    c[4] = NAN;
    assert_int_equal(assign_min_cost(c, 2, 3, col, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "row 1, column 1"));
    memset(&e, 0, sizeof e);
    c[4] = INFINITY;
    assert_int_equal(assign_min_cost(c, 2, 3, col, &e), CX_EINTERNAL);
    memset(&e, 0, sizeof e);
    assert_int_equal(assign_min_cost(NULL, 2, 3, col, &e), CX_EINTERNAL);
    /* The empty problem is fine and touches nothing. */
    memset(&e, 0, sizeof e);
    assert_int_equal(assign_min_cost(NULL, 0, 0, NULL, &e), CX_OK);
    assert_int_equal(assign_min_cost(c, 0, 3, col, &e), CX_OK);
    assert_int_equal(e.status, CX_OK);
    /* 1 x 1 and negative costs. */
    double one = -4;
    assert_int_equal(assign_min_cost(&one, 1, 1, col, &e), CX_OK);
    assert_int_equal(col[0], 0);
    const double neg[4] = { -1, -5, -3, -2 };
    /* (0,1): -1-2 = -3; (1,0): -5-3 = -8. */
    assert_int_equal(assign_min_cost(neg, 2, 2, col, &e), CX_OK);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_3x3_by_hand),
        cmocka_unit_test(test_3x4_by_hand),
        cmocka_unit_test(test_ties_lowest_indices),
        cmocka_unit_test(test_random_6x6_vs_brute_force),
        cmocka_unit_test(test_random_ties_vs_brute_force),
        cmocka_unit_test(test_larger),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
