/*
 * test_objectives — the targets of engine/objectives on figures given by
 * hand (obj_targets), every benchmark, test, correction, gap and impact
 * worked out in the comments; then obj_compute on a small dataset, where
 * each account's figures are counted by hand from its orders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/objectives.h"
#include "engine/retention.h"

static struct obj_unit account(uint32_t ch, uint32_t acct, uint64_t customers, uint32_t won, uint32_t retained,
                               double clv_mean)
{
    struct obj_unit u;
    memset(&u, 0, sizeof u);
    u.level = OBJ_ACCOUNT;
    u.channel = ch;
    u.account = acct;
    u.customers = customers;
    u.days = 365;
    u.won = won;
    u.eligible = 100;
    u.retained = retained;
    u.n_clv = 40;
    u.clv_mean = clv_mean;
    u.clv_sd = 20;
    u.value_new = 20;
    u.value_retained = 30;
    u.costed = 1;
    return u;
}

static const struct obj_row *row(const struct objectives *ob, int level, uint32_t ch, uint32_t acct, int metric)
{
    for (size_t i = 0; i < ob->n; i++) {
        const struct obj_row *r = &ob->r[i];
        if (r->level == level && r->channel == ch && r->account == acct && r->metric == metric)
            return r;
    }
    return NULL;
}

/* Channel 0 has accounts 1 .. 4 (A B C D), channel 1 accounts 5 .. 7,
   and account 8 of channel 1 has 20 customers only. A year (365 days).
   The benchmark is the upper quartile of the four: h = (4 - 1) 0.75 =
   2.25, b = .75 C + .25 D; a unit's z = (figure - b) / sqrt(var), var
   its own variance plus .75^2 var(C) + .25^2 var(D) (for C itself, whose
   coefficient is 1 - .75: .25^2 (var C + var D)).

   New customers a year (Poisson: var = count): A 100, B 160, C 200, D 240;
   b = 150 + 60 = 210.
     A: var 100 + 112.5 + 15 = 227.5, z = -110 / 15.083 = -7.293
     B: var 287.5, z = -50 / 16.956 = -2.949 (p .00159)
     C: var .0625 (200 + 240) = 27.5, z = -10 / 5.244 = -1.907 (p .0283)
   Retention (100 eligible: var p (1 - p) / 100): .2, .5, .6, .7; b = .625.
     A: var .0016 + .5625 x .0024 + .0625 x .0021 = .00308125, z = -7.656
     B: var .00398125, z = -.125 / .063097 = -1.981 (p .0238)
     C: var .0625 (.0024 + .0021) = .00028125, z = -1.491 (p .068)
   CLV (40 customers, sd 20: var 10): 30, 60, 70, 80; b = 72.5.
     A: var 10 + 5.625 + .625 = 16.25, z = -42.5 / 4.0311 = -10.54
     B: z = -12.5 / 4.0311 = -3.101 (p .000965)
     C: var 1.25, z = -2.5 / 1.118 = -2.236 (p .0127)
   Holm over the 9 account tests: A's three first, then B's CLV (x 6 =
   .0058), B's new customers (x 5 = .0080), C's CLV (x 4 = .051), B's
   retention (x 3 = .071): only the first five pass .01.
   Objectives: A all three; B new customers (gap 50, 24% of 210: more
   than 15%) and CLV (gap 12.5, 17% of 72.5); none for C and D.
   Impacts: new customers gap x 20 (A 2200, B 1000); retention .425 x 100
   won a year x 30 = 1275 (A); CLV gap x 40 customers (A 1700, B 500).
   Channel 1's accounts: 3 measured, fewer than 4: no benchmark. */
static void test_accounts_by_hand(void **state)
{
    (void)state;
    struct obj_unit u[8];
    u[0] = account(0, 1, 50, 100, 20, 30);
    u[1] = account(0, 2, 50, 160, 50, 60);
    u[2] = account(0, 3, 50, 200, 60, 70);
    u[3] = account(0, 4, 50, 240, 70, 80);
    u[4] = account(1, 5, 50, 10, 20, 30);
    u[5] = account(1, 6, 50, 90, 80, 90);
    u[6] = account(1, 7, 50, 50, 50, 50);
    u[7] = account(1, 8, 20, 900, 90, 900);
    struct obj_options o;
    obj_defaults(&o);
    struct objectives ob;
    struct cx_err e = { 0 };
    assert_int_equal(obj_targets(u, 8, &o, &ob, &e), CX_OK);
    assert_int_equal(ob.n, 7 * 3);                   /* account 8 has too few customers */
    const struct obj_row *an = row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_NEW_CUSTOMERS);
    const struct obj_row *ar = row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_RETENTION);
    const struct obj_row *ac = row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_CLV);
    const struct obj_row *bn = row(&ob, OBJ_ACCOUNT, 0, 2, OBJ_NEW_CUSTOMERS);
    const struct obj_row *br = row(&ob, OBJ_ACCOUNT, 0, 2, OBJ_RETENTION);
    const struct obj_row *bc = row(&ob, OBJ_ACCOUNT, 0, 2, OBJ_CLV);
    assert_non_null(an);
    assert_near(an->current, 100);
    assert_near(an->benchmark, 210);
    assert_int_equal(an->peers, 4);
    assert_near(an->stat, -110 / sqrt(227.5));
    assert_near(an->p, gsl_cdf_ugaussian_P(-110 / sqrt(227.5)));
    assert_near(ar->benchmark, 0.625);
    assert_near(ar->stat, (0.2 - 0.625) / sqrt(0.0016 + 0.5625 * 0.0024 + 0.0625 * 0.0021));
    assert_near(ac->benchmark, 72.5);
    assert_near(ac->stat, -42.5 / sqrt(16.25));
    /* The p-values of B and C, and the Holm ranks the comment assumes. */
    double p_bn = gsl_cdf_ugaussian_P(-50 / sqrt(287.5));
    double p_br = gsl_cdf_ugaussian_P(-0.125 / sqrt(0.0025 + 0.5625 * 0.0024 + 0.0625 * 0.0021));
    double p_bc = gsl_cdf_ugaussian_P(-12.5 / sqrt(16.25)), p_cc = gsl_cdf_ugaussian_P(-2.5 / sqrt(1.25));
    const struct obj_row *cn = row(&ob, OBJ_ACCOUNT, 0, 3, OBJ_NEW_CUSTOMERS);
    assert_near(cn->stat, -10 / sqrt(27.5));
    assert_near(bn->p, p_bn);
    assert_near(br->p, p_br);
    assert_near(bc->p, p_bc);
    assert_near(row(&ob, OBJ_ACCOUNT, 0, 3, OBJ_CLV)->p, p_cc);
    assert_true(an->p < p_bc && ar->p < p_bc && ac->p < p_bc && p_bc < p_bn && p_bn < p_cc && p_cc < p_br);
    assert_near(bc->p_adj, 6 * p_bc);
    assert_near(bn->p_adj, fmax(5 * p_bn, 6 * p_bc));
    assert_near(br->p_adj, fmax(3 * p_br, fmax(4 * p_cc, bn->p_adj)));
    assert_true(bn->p_adj < 0.01 && br->p_adj > 0.01);
    /* The objectives, targets, gaps and impacts. */
    assert_int_equal(an->objective, 1);
    assert_near(an->target, 210);
    assert_near(an->gap, 110);
    assert_near(an->impact, 2200);
    assert_int_equal(ar->objective, 1);
    assert_near(ar->gap, 0.425);
    assert_near(ar->impact, 0.425 * 100 * 30);
    assert_int_equal(ac->objective, 1);
    assert_near(ac->impact, 42.5 * 40);
    assert_int_equal(bn->objective, 1);
    assert_near(bn->impact, 50 * 20);
    assert_int_equal(bc->objective, 1);
    assert_near(bc->impact, 12.5 * 40);
    assert_int_equal(br->objective, 0);
    assert_near(br->target, 0.5);                    /* no target: the current figure */
    assert_near(br->gap, 0);
    assert_true(isnan(br->impact));
    for (int m = 0; m < OBJ_NMETRICS; m++) {
        assert_int_equal(row(&ob, OBJ_ACCOUNT, 0, 3, m)->objective, 0);
        const struct obj_row *d = row(&ob, OBJ_ACCOUNT, 0, 4, m);
        assert_int_equal(d->objective, 0);
        assert_true(isnan(d->p));                    /* above the benchmark: not tested */
        const struct obj_row *x = row(&ob, OBJ_ACCOUNT, 1, 5, m);
        assert_true(isnan(x->benchmark) && x->objective == 0 && x->peers == 3);
    }
    assert_null(row(&ob, OBJ_ACCOUNT, 1, 8, OBJ_CLV));
    obj_free(&ob);

    /* A new customer who loses money is no target: value_new -5. */
    for (int i = 0; i < 4; i++)
        u[i].value_new = -5;
    assert_int_equal(obj_targets(u, 8, &o, &ob, &e), CX_OK);
    assert_int_equal(row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_NEW_CUSTOMERS)->objective, 0);
    assert_int_equal(row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_CLV)->objective, 1);
    obj_free(&ob);
    /* A channel the cost model lacks: targets without money. */
    for (int i = 0; i < 4; i++)
        u[i].costed = 0;
    assert_int_equal(obj_targets(u, 8, &o, &ob, &e), CX_OK);
    const struct obj_row *x = row(&ob, OBJ_ACCOUNT, 0, 1, OBJ_NEW_CUSTOMERS);
    assert_int_equal(x->objective, 1);
    assert_true(isnan(x->impact));
    obj_free(&ob);
}

/* Channels: 0 won 600 (400 eligible, 200 retained: .5, var .5 x .5 / 400
   = .000625), 1 won 300 (200, 120: .6, var .0012), 2 won 100 (100, 70:
   .7, var .0021) and lacks a cost. Retention's upper quartile of three:
   h = (3 - 1) .75 = 1.5, b = .5 x .6 + .5 x .7 = .65.
     0: var .000625 + .25 x .0012 + .25 x .0021 = .00145, z = -.15 /
        .038079 = -3.939;
     1 (half of b): var .25 (.0012 + .0021) = .000825, z = -.05 / .028723 =
        -1.741 (p .041).
   Holm over 2: 0 gets a target, gap .15, impact .15 x 600 won a year x
   30 = 2700.
   CLV: channel 2 has no cost, so no figure and no peer; two channels are
   fewer than 3: no benchmark. No new-customers rows for channels. */
static void test_channels_by_hand(void **state)
{
    (void)state;
    struct obj_unit u[3];
    memset(u, 0, sizeof u);
    uint32_t won[3] = { 600, 300, 100 }, elig[3] = { 400, 200, 100 }, ret[3] = { 200, 120, 70 };
    for (int i = 0; i < 3; i++) {
        u[i].level = OBJ_CHANNEL;
        u[i].channel = (uint32_t)i;
        u[i].account = DS_NONE;
        u[i].customers = won[i];
        u[i].won = won[i];
        u[i].eligible = elig[i];
        u[i].retained = ret[i];
        u[i].days = 365;
        u[i].n_clv = won[i];
        u[i].clv_mean = 50 + 10 * i;
        u[i].clv_sd = 10;
        u[i].value_retained = 30;
        u[i].costed = i < 2;
    }
    struct obj_options o;
    obj_defaults(&o);
    struct objectives ob;
    struct cx_err e = { 0 };
    assert_int_equal(obj_targets(u, 3, &o, &ob, &e), CX_OK);
    assert_int_equal(ob.n, 3 * 2);
    assert_null(row(&ob, OBJ_CHANNEL, 0, DS_NONE, OBJ_NEW_CUSTOMERS));
    const struct obj_row *r0 = row(&ob, OBJ_CHANNEL, 0, DS_NONE, OBJ_RETENTION);
    const struct obj_row *r1 = row(&ob, OBJ_CHANNEL, 1, DS_NONE, OBJ_RETENTION);
    assert_near(r0->benchmark, 0.65);
    assert_near(r0->stat, -0.15 / sqrt(0.00145));
    assert_near(r1->stat, -0.05 / sqrt(0.000825));
    assert_near(r0->p_adj, 2 * r0->p);
    assert_near(r1->p_adj, r1->p);
    assert_int_equal(r0->objective, 1);
    assert_near(r0->impact, 0.15 * 600 * 30);
    assert_int_equal(r1->objective, 0);
    const struct obj_row *c2 = row(&ob, OBJ_CHANNEL, 2, DS_NONE, OBJ_CLV);
    assert_true(isnan(c2->current));
    const struct obj_row *c0 = row(&ob, OBJ_CHANNEL, 0, DS_NONE, OBJ_CLV);
    assert_true(isnan(c0->benchmark) && c0->peers == 2 && c0->objective == 0);
    obj_free(&ob);
}

/* obj_compute on orders: channel web with accounts W1 .. W4 and 30
   customers each, one order each on day 0 (a 400-day period, so every
   customer is eligible for 180 days); k customers of Wk order again 10
   days later (retained: 3, 6, 9, 12 of 30). An account's customers, won
   and retention are counted from those orders; CLV from lv. */
static void test_compute(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    char o[32], c[32], a[16];
    int n = 0;
    for (int k = 1; k <= 4; k++)
        for (int i = 0; i < 30; i++, n++) {
            snprintf(o, sizeof o, "O%d", n);
            snprintf(c, sizeof c, "C%d", n);
            snprintf(a, sizeof a, "W%d", k);
            tu_add(ds, o, c, "P", "web", "", a, 1000, 1, 10, 10, 5);
            if (i < 3 * k) {
                snprintf(o, sizeof o, "R%d", n);
                tu_add(ds, o, c, "P", "web", "", a, 1010, 1, 10, 10, 5);
            }
        }
    tu_add(ds, "Z", "", "P", "web", "", "", 1399, 1, 10, 10, 5);
    struct cx_err e = { 0 };
    assert_int_equal(dataset_finish(ds, &e), CX_OK);
    struct features f;
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    struct costmodel cm;
    memset(&cm, 0, sizeof cm);
    cm.n = 1;
    snprintf(cm.ch[0].name, CM_NAME, "web");
    cm.ch[0].in_model = 1;
    struct eco_options eo;
    eco_defaults(&eo);
    struct economics ec;
    struct retention rt;
    int16_t seg[121] = { 0 };
    assert_int_equal(eco_compute(ds, &f, seg, 1, &cm, &eo, &ec, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, seg, 1, ec.head_contribution, &rt, &e), CX_OK);
    /* CLV by hand: customer n is worth n (0 .. 119): account Wk's mean is
       30 (k - 1) + 14.5. */
    struct ltv lv;
    memset(&lv, 0, sizeof lv);
    lv.n = f.n;
    double clv[121];
    for (uint32_t i = 0; i < f.n; i++)
        clv[i] = i;
    lv.clv = clv;
    struct obj_options oo;
    obj_defaults(&oo);
    struct objectives ob;
    assert_int_equal(obj_compute(ds, &ec, &rt, &lv, &oo, &ob, &e), CX_OK);
    /* Every account of accounts.csv with 30 customers: 3 rows each, and
       the channel's 2. */
    assert_int_equal(ec.naccounts, 4);
    assert_int_equal(ob.n, 2 + 4 * 3);
    for (int k = 1; k <= 4; k++) {
        snprintf(a, sizeof a, "W%d", k);
        uint32_t id = 0;
        while (strcmp(dataset_text(ds, DS_ACCOUNT, id), a) != 0)
            id++;
        const struct obj_row *rn = row(&ob, OBJ_ACCOUNT, 0, id, OBJ_NEW_CUSTOMERS);
        const struct obj_row *rr = row(&ob, OBJ_ACCOUNT, 0, id, OBJ_RETENTION);
        const struct obj_row *rc = row(&ob, OBJ_ACCOUNT, 0, id, OBJ_CLV);
        assert_near(rn->current, 30 * 365.0 / 400);  /* 30 won in 400 days */
        assert_near(rr->current, 3.0 * k / 30);
        assert_near(rc->current, 30 * (k - 1) + 14.5);
        assert_int_equal(rc->peers, 4);
    }
    /* Retention .1 .2 .3 .4 (variances .003, .0053, .007, .008): upper
       quartile .75 x .3 + .25 x .4 = .325; W1: var .003 + .5625 x .007 +
       .0625 x .008 = .0074375, z = -.225 / .086241 = -2.609. */
    const struct obj_row *w1 = row(&ob, OBJ_ACCOUNT, 0, 0, OBJ_RETENTION);
    assert_near(w1->benchmark, 0.325);
    assert_near(w1->stat, -0.225 / sqrt(0.003 + 0.5625 * 0.007 + 0.0625 * 0.4 * 0.6 / 30));
    obj_free(&ob);
    ret_free(&rt);
    eco_free(&ec);
    features_free(&f);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts_by_hand),
        cmocka_unit_test(test_channels_by_hand),
        cmocka_unit_test(test_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
