/*
 * test_features — the customer features of SPEC §3 on a handful of
 * hand-made orders, worked out by hand beside each assertion, and the
 * same figures for 1 and 2 threads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <math.h>
#include <omp.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/features.h"


static void add(struct dataset *ds, const char *order, const char *cust, const char *chan,
                const char *prod, const char *cat, int32_t day, double q, double price, double disc)
{
    tu_add(ds, order, cust, prod, chan, cat, "", day, q, q * price, q * price * (1 - disc), q * price * (1 - disc) / 2);
}

/* Customer A (id 0): O1 day 100 web: 2 x 10 + 1 x 5 at 10% off = 24.5,
   Garden and Kitchen; O2 day 130 retail: 3 x 10 = 30; R1 day 140 web: a
   return of 1 x 10 = -10. Customer B (id 1): O3 day 150 agents, 1 x 8.
   Customer C (id 2): R2 day 120 agents, a return of 2 x 5 = -10.
   An anonymous sale on day 110. As of day 150, the last date. */
static struct dataset *make(void)
{
    struct dataset *ds = dataset_create();
    add(ds, "O1", "A", "web", "P1", "Garden", 100, 2, 10, 0);
    add(ds, "O1", "A", "web", "P2", "Kitchen", 100, 1, 5, 0.1);
    add(ds, "X1", "", "web", "P1", "Garden", 110, 1, 10, 0);
    add(ds, "R2", "C", "agents", "P3", "Toys", 120, -2, 5, 0);
    add(ds, "O2", "A", "retail", "P1", "Garden", 130, 3, 10, 0);
    add(ds, "R1", "A", "web", "P1", "Garden", 140, -1, 10, 0);
    add(ds, "O3", "B", "agents", "P2", "Kitchen", 150, 1, 8, 0);
    return ds;
}

static void check_all(const struct features *f)
{
    assert_int_equal(f->n, 3);
    assert_int_equal(f->n_present, 3);
    assert_int_equal(f->asof, 150);
    assert_int_equal(f->from, 100);
    assert_int_equal(f->to, 150);
    assert_int_equal(f->lines, 7);
    /* A: positive orders O1 (24.5) and O2 (30); last positive day 130. */
    assert_near(f->v[F_RECENCY][0], 20);             /* 150 - 130 */
    assert_near(f->v[F_FREQUENCY][0], 2);
    assert_near(f->v[F_MONETARY][0], 44.5);          /* 24.5 + 30 - 10 */
    assert_near(f->v[F_AOV][0], 27.25);              /* (24.5 + 30) / 2 */
    assert_near(f->v[F_TENURE][0], 50);              /* 150 - 100 */
    assert_near(f->v[F_INTERPURCHASE][0], 30);       /* (130 - 100) / (2 - 1) */
    assert_near(f->v[F_RETURN_RATE][0], 1.0 / 6);    /* 1 returned of 2 + 1 + 3 sold */
    assert_near(f->v[F_DISCOUNT_RATE][0], 0.5 / 55); /* 0.5 off a gross of 20 + 5 + 30 */
    assert_near(f->v[F_BREADTH][0], 2);              /* Garden, Kitchen */
    assert_int_equal(f->main_channel[0], 2);         /* retail 30 > web 24.5 (ids: web 0, agents 1, retail 2) */
    assert_int_equal(f->nch, 3);
    /* Shares are floats: compared to 1e-6. */
    assert_true(fabs(f->chan_share[0 * 3 + 0] - 24.5 / 54.5) < 1e-6);   /* web: O1 */
    assert_true(fabs(f->chan_share[0 * 3 + 2] - 30 / 54.5) < 1e-6);     /* retail: O2; the return is not a positive order */
    assert_near(f->chan_share[0 * 3 + 1], 0);
    /* B (id 2: C came first, with R2 on day 120): one order on the as-of day. */
    assert_near(f->v[F_RECENCY][2], 0);
    assert_near(f->v[F_FREQUENCY][2], 1);
    assert_near(f->v[F_AOV][2], 8);
    assert_near(f->v[F_TENURE][2], 0);
    assert_near(f->v[F_INTERPURCHASE][2], 0);        /* frequency < 2: tenure */
    assert_int_equal(f->main_channel[2], 1);
    /* C (id 1): a return only: no positive order, kept with a negative net. */
    assert_near(f->v[F_RECENCY][1], 30);             /* 150 - 120, its last order of any kind */
    assert_near(f->v[F_FREQUENCY][1], 0);
    assert_near(f->v[F_MONETARY][1], -10);
    assert_near(f->v[F_AOV][1], 0);
    assert_near(f->v[F_TENURE][1], 30);
    assert_near(f->v[F_INTERPURCHASE][1], 30);
    assert_near(f->v[F_RETURN_RATE][1], 0);          /* nothing sold */
    assert_near(f->v[F_BREADTH][1], 1);
    assert_int_equal(f->main_channel[1], 1);         /* agents: its only order */
    assert_near(f->chan_share[1 * 3 + 1], 0);        /* no positive order: no share */
}

static void test_features_by_hand(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct cx_err e = { 0 };
    for (int t = 1; t <= 2; t++) {
        omp_set_num_threads(t);
        assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
        check_all(&f);
        features_free(&f);
    }
    dataset_free(ds);
}

static void test_period(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct cx_err e = { 0 };
    /* From day 125 to 145, as of 145: A has O2 (30) and R1 (-10); B and C
       have no line in the period. */
    assert_int_equal(features_compute(ds, 125, 145, INT32_MIN, &f, &e), CX_OK);
    assert_int_equal(f.n_present, 1);
    assert_int_equal(f.asof, 140);                   /* the last date with a line */
    assert_true(f.present[0] && !f.present[1] && !f.present[2]);   /* A, C, B */
    assert_near(f.v[F_FREQUENCY][0], 1);
    assert_near(f.v[F_MONETARY][0], 20);
    assert_near(f.v[F_RECENCY][0], 10);              /* 140 - 130 */
    assert_near(f.v[F_TENURE][0], 10);               /* 140 - 130: its first order in the period */
    assert_near(f.v[F_RETURN_RATE][0], 1.0 / 3);
    features_free(&f);
    /* An explicit as-of date. */
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, 160, &f, &e), CX_OK);
    assert_near(f.v[F_RECENCY][0], 30);
    features_free(&f);
    /* A period with no line is an error, not an empty result. */
    assert_int_equal(features_compute(ds, 200, 300, INT32_MIN, &f, &e), CX_EUSAGE);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_features_by_hand),
        cmocka_unit_test(test_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
