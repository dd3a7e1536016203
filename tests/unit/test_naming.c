/*
 * test_naming — scores worked out by hand, obvious profiles getting the
 * obvious names, uniqueness for k = 2..12 and beyond the vocabulary, and
 * determinism.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/naming.h"

/* Population: median and interquartile range, original units. */
static const struct naming_profile med = { 60, 3, 300, 100, 365, 0.05, 0.05, 3 };
static const struct naming_profile iqr = { 90, 4, 600, 80, 400, 0.10, 0.10, 3 };

static int index_of(const char *name)
{
    for (int j = 0; j < NAMING_NVOCAB; j++)
        if (strcmp(naming_vocab(j), name) == 0)
            return j;
    return -1;
}

static void test_scores_by_hand(void **state)
{
    (void)state;
    double s[NAMING_NVOCAB];
    struct cx_err e = { 0 };
    /* At the median except recency 240 days and discount 0.25:
       r = (240 − 60)/90 = 2, d = (0.25 − 0.05)/0.10 = 2, the rest 0.
       Champions (−2)/3, Loyal (0 + 0 − 2)/2 = −1, New (−2)/3,
       Promising (−2)/3, At risk 4/4 = 1, Lapsed 4/4 = 1,
       Occasional (−2)/3, Bargain hunters 2, Light buyers (−2)/3,
       Mainstream 1/2 − 4/8 = 0. */
    struct naming_profile p = med;
    p.recency = 240;
    p.discount_rate = 0.25;
    assert_int_equal(naming_scores(&p, &med, &iqr, s, &e), CX_OK);
    const double want[NAMING_NVOCAB] = { -2.0 / 3, -1, 0, -2.0 / 3, -2.0 / 3, 1, 1, -2.0 / 3,
                                         2, 0, 0, -2.0 / 3, 0 };
    for (int j = 0; j < NAMING_NVOCAB; j++)
        assert_true(fabs(s[j] - want[j]) < 1e-12);   /* absolute: values of order 1 */

    /* A log feature: frequency 15 against median 3, IQR 4. The spread on
       the log scale is 4/(1 + 3) = 1 and the deviation log(16) − log(4) =
       log 4, so f = log 4 = 1.386 and Champions = f/3. */
    p = med;
    p.frequency = 15;
    assert_int_equal(naming_scores(&p, &med, &iqr, s, &e), CX_OK);
    assert_true(fabs(s[index_of("Champions")] - log(4.0) / 3) < 1e-12);
    assert_true(fabs(s[index_of("Explorers")] + log(4.0) / 2) < 1e-12);

    /* The clip: return rate 0.5 is 4.5 spreads out, held at 3. */
    p = med;
    p.return_rate = 0.5;
    assert_int_equal(naming_scores(&p, &med, &iqr, s, &e), CX_OK);
    assert_true(s[index_of("Returners")] == 3.0);

    /* No scale: |median| for linear features (return rate 0.05), log 2 for
       log ones; floors below that. Return rate 0.15: q = 0.10/0.05 = 2.
       Frequency 7: (log 8 − log 4)/log 2 = 1, Champions 1/3. */
    p = med;
    p.return_rate = 0.15;
    p.frequency = 7;
    assert_int_equal(naming_scores(&p, &med, NULL, s, &e), CX_OK);
    assert_true(fabs(s[index_of("Returners")] - 2) < 1e-12);
    assert_true(fabs(s[index_of("Champions")] - 1.0 / 3) < 1e-12);

    /* Floor: a zero IQR of the return rate with median 0 is floored at
       0.02, so a segment with 1 % returns is half a spread above. */
    struct naming_profile m0 = med, s0 = iqr;
    m0.return_rate = 0;
    s0.return_rate = 0;
    p = m0;
    p.return_rate = 0.01;
    assert_int_equal(naming_scores(&p, &m0, &s0, s, &e), CX_OK);
    assert_true(fabs(s[index_of("Returners")] - 0.5) < 1e-12);
    assert_int_equal(e.status, CX_OK);
}

/* Four obvious segments and one at the median. */
static const struct naming_profile lapsed = { 300, 1, 60, 60, 500, 0.05, 0.05, 1 };
static const struct naming_profile bargain = { 50, 3, 250, 80, 350, 0.04, 0.45, 3 };
static const struct naming_profile newc = { 10, 1, 90, 90, 15, 0.03, 0.06, 1 };
static const struct naming_profile champ = { 5, 25, 4000, 160, 700, 0.03, 0.04, 8 };

static void test_obvious_profiles(void **state)
{
    (void)state;
    /* Their best-scoring names (scores from the header's table):
       lapsed:  r = 2.67, f = −0.69, m = −0.80 -> Lapsed 1.71 (At risk 0.96)
       bargain: d = 3 (clipped)                 -> Bargain hunters 3
       new:     t = −0.88, r = −0.56            -> New 0.77
       champ:   r = −0.61, f = 1.87, m = 1.30   -> Champions 1.26 (Loyal 1.05)
       No two want the same name, so each gets its best. */
    struct naming_profile seg[5] = { lapsed, bargain, newc, champ, med };
    const char *names[5];
    char buf[5 * NAMING_BUF];
    struct cx_err e = { 0 };
    assert_int_equal(naming_assign(seg, 4, &med, &iqr, names, buf, &e), CX_OK);
    assert_string_equal(names[0], "Lapsed");
    assert_string_equal(names[1], "Bargain hunters");
    assert_string_equal(names[2], "New");
    assert_string_equal(names[3], "Champions");
    /* Adding a segment at the median: every z is 0, Mainstream scores 1/2
       and every other name 0. */
    assert_int_equal(naming_assign(seg, 5, &med, &iqr, names, buf, &e), CX_OK);
    assert_string_equal(names[4], "Mainstream");
    assert_string_equal(names[0], "Lapsed");
    assert_string_equal(names[3], "Champions");
    /* Reordered, the names follow the segments. */
    struct naming_profile rev[4] = { champ, newc, bargain, lapsed };
    assert_int_equal(naming_assign(rev, 4, &med, &iqr, names, buf, &e), CX_OK);
    assert_string_equal(names[0], "Champions");
    assert_string_equal(names[1], "New");
    assert_string_equal(names[2], "Bargain hunters");
    assert_string_equal(names[3], "Lapsed");
    /* Two lapsed segments: one of them has to take another name, and the
       total is best when the weaker-lapsed one (lower recency) takes it.
       At risk is not open to it: it bought little (f = -0.69, m = -0.80),
       so it was never at risk of much. Light buyers (m <= -0.5, a =
       (log 61 - log 101) / (80 / 101) = -0.64, r = 1 <= 1) scores (0.64 +
       0.80 - 1) / 3 = 0.15, above Occasional's (1.38 - 1) / 3 = 0.13. */
    struct naming_profile two[2] = { lapsed, lapsed };
    two[0].recency = 150;
    assert_int_equal(naming_assign(two, 2, &med, &iqr, names, buf, &e), CX_OK);
    assert_string_equal(names[1], "Lapsed");
    assert_string_equal(names[0], "Light buyers");
    /* Two identical segments (r = 2.67: no longer light buyers, who still
       buy): Lapsed and Occasional fit both, two optimal
       assignments. The tie rule gives segment 0 the earlier name of the
       table (Lapsed is #6, Occasional #7), segment 1 the other. */
    two[0] = two[1] = lapsed;
    assert_int_equal(naming_assign(two, 2, &med, &iqr, names, buf, &e), CX_OK);
    assert_string_equal(names[0], "Lapsed");
    assert_string_equal(names[1], "Occasional");
}

/* Names must hold against the population: in a population that all bought
   within days, a segment whose last order is a week old is not lapsed nor
   at risk, and one whose tenure is the population's is not new (US
   Regional Sales: "Lapsed" had bought 7 days ago, "New" had 926 days of
   tenure). Such segments get a descriptive name. */
static void test_rules_against_population(void **state)
{
    (void)state;
    const struct naming_profile pm = { 3, 160, 1.4e6, 9000, 930, 0, 0.11, 1 };
    const struct naming_profile ps = { 3, 15, 3e5, 900, 5, 0, 0.01, 0 };
    /* recency 7: r = (7 - 3) / 7 (the floor) = 0.57, R = 2.3: not Lapsed
       (r < 1), not At risk (r < 0.75). */
    struct naming_profile seg = pm;
    seg.recency = 7;
    int fits[NAMING_NVOCAB];
    struct cx_err e = { 0 };
    assert_int_equal(naming_fits(&seg, &pm, &ps, fits, &e), CX_OK);
    assert_false(fits[index_of("Lapsed")]);
    assert_false(fits[index_of("At risk")]);
    assert_true(fits[index_of("Mainstream")]);
    /* tenure 926 against 930: t = -4 / 14 (the floor), T = 0.996: not New. */
    seg = pm;
    seg.tenure = 926;
    assert_int_equal(naming_fits(&seg, &pm, &ps, fits, &e), CX_OK);
    assert_false(fits[index_of("New")]);
    /* Recency 30 days is 9 floors out (clipped at 3) and 10 times the
       population's: Lapsed. */
    seg = pm;
    seg.recency = 30;
    assert_int_equal(naming_fits(&seg, &pm, &ps, fits, &e), CX_OK);
    assert_true(fits[index_of("Lapsed")]);
    /* A descriptive name: discount 0.13 is 2 spreads up (0.02 / 0.01),
       frequency 200 against 160 is log(201/161) / (15/161) = 2.38 up:
       "frequent" first, then "heavy discounts". */
    seg = pm;
    seg.frequency = 200;
    seg.discount_rate = 0.13;
    char name[NAMING_BUF];
    assert_int_equal(naming_describe(&seg, &pm, &ps, name, sizeof name, &e), CX_OK);
    assert_string_equal(name, "Profile: frequent, heavy discounts");
    assert_int_equal(naming_describe(&pm, &pm, &ps, name, sizeof name, &e), CX_OK);
    assert_string_equal(name, "Profile: average");
    /* Five segments that are all nearly the population: one is Mainstream,
       the others fit nothing else and get descriptive names, made unique. */
    struct naming_profile five[5] = { pm, pm, pm, pm, pm };
    const char *names[5];
    char buf[5 * NAMING_BUF];
    assert_int_equal(naming_assign(five, 5, &pm, &ps, names, buf, &e), CX_OK);
    assert_string_equal(names[0], "Mainstream");
    assert_string_equal(names[1], "Profile: average");
    assert_string_equal(names[2], "Profile: average 2");
    assert_string_equal(names[4], "Profile: average 4");
}

/* Random profiles from a fixed LCG: a spread of plausible segments. */
static uint64_t lcg_state;
static double unif(void)
{
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(lcg_state >> 11) / 9007199254740992.0;
}

static void random_profiles(struct naming_profile *p, int k)
{
    for (int i = 0; i < k; i++) {
        p[i].recency = 400 * unif();
        p[i].frequency = 1 + 30 * unif() * unif();
        p[i].monetary = 20 + 5000 * unif() * unif();
        p[i].aov = 20 + 300 * unif();
        p[i].tenure = p[i].recency + 700 * unif();
        p[i].return_rate = 0.2 * unif() * unif();
        p[i].discount_rate = 0.4 * unif() * unif();
        p[i].breadth = 1 + 9 * unif();
    }
}

static void assert_unique(const char *const *names, int k)
{
    for (int i = 0; i < k; i++) {
        assert_non_null(names[i]);
        assert_true(strlen(names[i]) > 0 && strlen(names[i]) < NAMING_BUF);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(names[i], names[j]);
    }
}

static void test_unique_and_deterministic(void **state)
{
    (void)state;
    struct naming_profile seg[12];
    const char *a[12], *b[12];
    char bufa[12 * NAMING_BUF], bufb[12 * NAMING_BUF];
    struct cx_err e = { 0 };
    lcg_state = 42;
    for (int trial = 0; trial < 20; trial++) {
        for (int k = 2; k <= 12; k++) {
            random_profiles(seg, k);
            assert_int_equal(naming_assign(seg, k, &med, &iqr, a, bufa, &e), CX_OK);
            assert_unique(a, k);
            /* A vocabulary word only where its rule holds; otherwise a
               descriptive name. */
            for (int i = 0; i < k; i++) {
                int j = index_of(a[i]), fits[NAMING_NVOCAB];
                assert_int_equal(naming_fits(&seg[i], &med, &iqr, fits, &e), CX_OK);
                if (j >= 0)
                    assert_true(fits[j]);
                else
                    assert_true(strncmp(a[i], "Profile: ", 9) == 0);
            }
            /* Same profiles, same names. */
            assert_int_equal(naming_assign(seg, k, &med, &iqr, b, bufb, &e), CX_OK);
            for (int i = 0; i < k; i++)
                assert_string_equal(a[i], b[i]);
            /* Unique without a population scale too. */
            assert_int_equal(naming_assign(seg, k, &med, NULL, a, bufa, &e), CX_OK);
            assert_unique(a, k);
        }
    }
    assert_int_equal(e.status, CX_OK);
}

/* k beyond the vocabulary: names unique, a word only where its rule
   holds, no word used more than ceil(k/13) times, and a word used c times
   appears as "w", "w 2", ..., "w c". */
static void test_beyond_vocabulary(void **state)
{
    (void)state;
    enum { K = 30 };
    struct naming_profile seg[K];
    const char *names[K];
    char buf[K * NAMING_BUF];
    struct cx_err e = { 0 };
    lcg_state = 7;
    for (int k = NAMING_NVOCAB + 1; k <= K; k += 4) {
        random_profiles(seg, k);
        assert_int_equal(naming_assign(seg, k, &med, &iqr, names, buf, &e), CX_OK);
        assert_unique(names, k);
        int uses[NAMING_NVOCAB] = { 0 };
        for (int i = 0; i < k; i++) {
            if (strncmp(names[i], "Profile: ", 9) == 0)
                continue;
            char base[NAMING_BUF];
            snprintf(base, sizeof base, "%s", names[i]);
            char *sp = strrchr(base, ' ');
            if (index_of(base) < 0 && sp != NULL)   /* "Lapsed 2" */
                *sp = '\0';
            int j = index_of(base), fits[NAMING_NVOCAB];
            assert_true(j >= 0);
            assert_int_equal(naming_fits(&seg[i], &med, &iqr, fits, &e), CX_OK);
            assert_true(fits[j]);
            uses[j]++;
        }
        for (int j = 0; j < NAMING_NVOCAB; j++) {
            assert_true(uses[j] <= (k + NAMING_NVOCAB - 1) / NAMING_NVOCAB);
            for (int c = 1; c <= uses[j]; c++) {
                char want[NAMING_BUF];
                if (c == 1)
                    snprintf(want, sizeof want, "%s", naming_vocab(j));
                else
                    snprintf(want, sizeof want, "%s %d", naming_vocab(j), c);
                int found = 0;
                for (int i = 0; i < k; i++)
                    found += strcmp(names[i], want) == 0;
                assert_int_equal(found, 1);
            }
        }
    }
}

static void test_errors(void **state)
{
    (void)state;
    struct naming_profile seg[14];
    const char *names[14];
    char buf[14 * NAMING_BUF];
    struct cx_err e = { 0 };
    lcg_state = 1;
    random_profiles(seg, 14);
    assert_int_equal(naming_assign(seg, 0, &med, &iqr, names, NULL, &e), CX_OK);
    assert_int_equal(naming_assign(seg, -1, &med, &iqr, names, NULL, &e), CX_EINTERNAL);
    memset(&e, 0, sizeof e);
    /* The buffer is needed (for suffixes and descriptive names). */
    assert_int_equal(naming_assign(seg, 14, &med, &iqr, names, NULL, &e), CX_EINTERNAL);
    memset(&e, 0, sizeof e);
    seg[1].monetary = NAN;
    assert_int_equal(naming_assign(seg, 3, &med, &iqr, names, buf, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "segment monetary"));
    memset(&e, 0, sizeof e);
    struct naming_profile bad = med;
    bad.tenure = INFINITY;
    assert_int_equal(naming_assign(seg, 1, &bad, &iqr, names, buf, &e), CX_EINTERNAL);
    assert_non_null(strstr(e.msg, "population tenure"));
    assert_null(naming_vocab(-1));
    assert_null(naming_vocab(NAMING_NVOCAB));
    assert_string_equal(naming_vocab(0), "Champions");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scores_by_hand),
        cmocka_unit_test(test_obvious_profiles),
        cmocka_unit_test(test_rules_against_population),
        cmocka_unit_test(test_unique_and_deterministic),
        cmocka_unit_test(test_beyond_vocabulary),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
