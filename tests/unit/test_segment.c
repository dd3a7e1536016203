/*
 * test_segment — segmentation on synthetic customers in well separated
 * groups: every group one segment, canonical order, unique names, the
 * model file round trip, scoring with a saved model, stable ids when the
 * same customers come in another order, and model file errors.
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
#include <unistd.h>

#include "engine/features.h"
#include "engine/segment.h"
#include "loaders/model_reader.h"
#include "reports/model_writer.h"

/* Three habits: 300 recent frequent big spenders, 200 lapsed one-timers,
   100 discount-driven buyers; group g of customer c is given by perm. */
static const double habit[3][F_N] = {
    /* recency freq monetary aov tenure inter return disc breadth */
    { 10, 20, 5000, 250, 600, 30, 0.01, 0.02, 6 },
    { 500, 1, 80, 80, 520, 520, 0.0, 0.0, 1 },
    { 120, 5, 400, 80, 300, 60, 0.02, 0.35, 3 },
};

static int group_of(uint32_t i)
{
    return i < 300 ? 0 : i < 500 ? 1 : 2;
}

/* Customer c of the features is customer perm[c] of the groups. */
static void make(struct features *f, const uint32_t *perm)
{
    memset(f, 0, sizeof *f);
    f->n = f->n_present = 600;
    f->present = malloc(600);
    f->main_channel = calloc(600, 1);
    memset(f->present, 1, 600);
    uint32_t x = 7;
    for (int k = 0; k < F_N; k++)
        f->v[k] = malloc(600 * sizeof(double));
    for (uint32_t c = 0; c < 600; c++) {
        uint32_t i = perm ? perm[c] : c;
        for (int k = 0; k < F_N; k++) {
            x = x * 1664525u + 1013904223u;
            double noise = 1 + 0.1 * ((double)(x >> 8) / 16777216.0 - 0.5);   /* +-5% */
            f->v[k][c] = habit[group_of(i)][k] * noise;
        }
    }
}

static void test_groups(void **state)
{
    (void)state;
    struct features f;
    make(&f, NULL);
    struct seg_options o;
    seg_defaults(&o);
    o.kmin = 2;
    o.kmax = 5;
    struct segmentation s;
    struct cx_err e = { 0 };
    assert_int_equal(segment_fit(&f, &o, NULL, &s, &e), CX_OK);
    /* Three groups: k = 3 has the best silhouette by far. */
    assert_int_equal(s.chosen_k, 3);
    assert_int_equal(s.nscores, 4);
    /* Largest first: the 300, the 200, the 100, each group whole. */
    assert_int_equal(s.prof[0].customers, 300);
    assert_int_equal(s.prof[1].customers, 200);
    assert_int_equal(s.prof[2].customers, 100);
    for (uint32_t c = 0; c < 600; c++)
        assert_int_equal(s.segment[c], group_of(c));
    for (int a = 0; a < 3; a++)
        for (int b = a + 1; b < 3; b++)
            assert_string_not_equal(s.model.name[a], s.model.name[b]);
    assert_string_equal(s.model.name[1], "Lapsed");
    assert_string_equal(s.model.name[2], "Bargain hunters");
    /* Profile medians are in original units: near the habit values. */
    assert_true(fabs(s.prof[1].median[F_RECENCY] - 500) < 25);
    assert_true(fabs(s.prof[0].share - 0.5) < 1e-12);
    /* Interpurchase days is reported, not clustered on by default. */
    assert_int_equal(s.model.d, F_N - 1);
    /* RFM recency in quintiles of 120 customers (no ties): the 200 lapsed
       (the longest recencies) fill score 1 and 80 of score 2; the 300
       recent ones fill scores 5 and 4 and 60 of score 3. */
    for (int q = 0; q < 5; q++)
        assert_int_equal(s.bins[0].count[q], 120);
    for (uint32_t c = 0; c < 600; c++) {
        if (group_of(c) == 1)
            assert_true(s.r[c] <= 2);
        if (group_of(c) == 0)
            assert_true(s.r[c] >= 3);
    }

    /* Same result with 1 and 2 threads. */
    struct segmentation s1;
    omp_set_num_threads(1);
    assert_int_equal(segment_fit(&f, &o, NULL, &s1, &e), CX_OK);
    omp_set_num_threads(2);
    assert_memory_equal(s1.model.cent, s.model.cent, sizeof s.model.cent);
    assert_memory_equal(s1.segment, s.segment, 600 * sizeof *s.segment);
    segment_free(&s1);

    /* The model file round trip: the same model, the same scores. */
    char path[] = "/tmp/canaux_model_XXXXXX";
    close(mkstemp(path));
    assert_int_equal(model_write(&s.model, path, &e), CX_OK);
    struct seg_model m;
    assert_int_equal(model_read(&m, path, &e), CX_OK);
    unlink(path);
    assert_int_equal(m.k, 3);
    assert_int_equal(m.d, s.model.d);
    assert_memory_equal(m.cent, s.model.cent, (size_t)m.k * m.d * sizeof(double));
    assert_memory_equal(m.center, s.model.center, (size_t)m.d * sizeof(double));
    assert_memory_equal(m.scale, s.model.scale, (size_t)m.d * sizeof(double));
    for (int j = 0; j < 3; j++) {
        assert_string_equal(m.name[j], s.model.name[j]);
        assert_int_equal(m.id[j], s.model.id[j]);
    }
    struct segmentation sc;
    assert_int_equal(segment_score(&f, &m, &sc, &e), CX_OK);
    assert_memory_equal(sc.segment, s.segment, 600 * sizeof *s.segment);
    segment_free(&sc);

    /* The same customers in another order, another seed, matched to the
       saved model: each customer keeps its segment id and name. */
    uint32_t perm[600];
    for (uint32_t c = 0; c < 600; c++)
        perm[c] = (c * 7 + 13) % 600;   /* 7 is prime to 600: a permutation */
    struct features g;
    make(&g, perm);
    o.seed = 99;
    struct segmentation t;
    assert_int_equal(segment_fit(&g, &o, &m, &t, &e), CX_OK);
    assert_int_equal(t.matched, 1);
    for (uint32_t c = 0; c < 600; c++) {
        int ts = t.segment[c], ss = s.segment[perm[c]];
        assert_int_equal(t.model.id[ts], s.model.id[ss]);
        assert_string_equal(t.model.name[ts], s.model.name[ss]);
    }
    segment_free(&t);
    features_free(&g);
    segment_free(&s);
    features_free(&f);
}

static void test_model_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
    } bad[] = {
        { "", "empty model" },
        { "canaux-model 2\n", ":1: not a canaux model" },
        { "canaux-model 1\nk 0\n", ":2: k must be" },
        { "canaux-model 1\nk 2\nclip 4\ncolumn frequency log 1 0 1\ncolumn frequency log 1 0 1\n",
          ":5: feature 'frequency' listed twice" },
        { "canaux-model 1\nk 1\nclip 4\ncolumn nothing log 1 0 1\n", ":4: unknown feature 'nothing'" },
        { "canaux-model 1\nk 1\nclip 4\ncolumn frequency cube 1 0 1\n", ":4: unknown transform 'cube'" },
        { "canaux-model 1\nk 1\nclip 4\ncolumn frequency log 1 0 0\n", ":4: column needs" },
        { "canaux-model 1\nk 1\nclip 4\ncolumn frequency log 1 0 1\nsegment 0 nan Lapsed\n",
          ":5: segment needs 1 centroid values" },
        { "canaux-model 1\nk 2\nclip 4\ncolumn frequency log 1 0 1\nsegment 0 0.5 A\n", "1 segments for k = 2" },
        { "canaux-model 1\nk 1\nclip 4\ncolumn frequency log 1 0 1\nsegment 0 0.5\n", ":5: segment needs a name" },
        { "canaux-model 1\nwhat 3\n", ":2: unknown line 'what'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct seg_model m;
        struct cx_err e = { 0 };
        assert_int_equal(model_parse(&m, bad[i].text, strlen(bad[i].text), "m.txt", &e), CX_EIO);
        if (strstr(e.msg, bad[i].want) == NULL)
            fail_msg("model %zu: \"%s\" lacks \"%s\"", i, e.msg, bad[i].want);
    }
    const char *good = "canaux-model 1\n# a comment\nk 1\nclip 4\ncolumn frequency log 1 0.5 2\n"
                       "segment 7 0.25 Big spenders\n";
    struct seg_model m;
    struct cx_err e = { 0 };
    assert_int_equal(model_parse(&m, good, strlen(good), "m.txt", &e), CX_OK);
    assert_int_equal(m.id[0], 7);
    assert_string_equal(m.name[0], "Big spenders");
    assert_true(m.cent[0] == 0.25 && m.center[0] == 0.5 && m.scale[0] == 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_model_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
