/*
 * test_economics — SPEC §2's cost formulas on a tiny hand-made dataset,
 * every figure worked out by hand beside its assertion: cost components,
 * pro-rating, fixed-cost sharing among segments, contribution, accounts,
 * the whale curve, reconciliation of the matrix with the channel rows, and
 * the same figures for 1 and 2 threads.
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
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/retention.h"


static void add(struct dataset *ds, const char *order, const char *cust, const char *chan, const char *acct,
                int32_t day, double q, double price, double unit_cost)
{
    tu_add(ds, order, cust, "P", chan, "", acct, day, q, q * price, q * price, q * unit_cost);
}

/* Channel ids: web 0, agents 1. Customer ids: C1 0, C2 1, C3 2. */
static struct dataset *make(void)
{
    struct dataset *ds = dataset_create();
    add(ds, "O1", "C1", "web", "", 100, 2, 10, 6);       /* net 20, cogs 12 */
    add(ds, "O3", "C2", "agents", "AG1", 101, 4, 5, 2);  /* net 20, cogs 8 */
    add(ds, "X1", "", "web", "", 103, 1, 8, 4);          /* anonymous: net 8, cogs 4 */
    add(ds, "O2", "C1", "web", "", 105, 1, 30, 20);      /* net 30, cogs 20 */
    add(ds, "R1", "C1", "web", "", 106, -1, 10, 6);      /* return: net -10, cogs -6 */
    add(ds, "O4", "C3", "agents", "AG2", 109, 10, 5, 2); /* net 50, cogs 20 */
    return ds;
}

static void model(struct costmodel *m)
{
    memset(m, 0, sizeof *m);
    m->n = 2;
    struct cm_channel web = { "web", CM_DIRECT, 0, 5, 1, 2, 365, 730, 1 };
    struct cm_channel agents = { "agents", CM_INDIRECT, 0.1, 2, 0.5, 1, 0, 0, 1 };
    m->ch[0] = web;
    m->ch[1] = agents;
}

static void check(const struct economics *ec, uint32_t head_o4)
{
    assert_int_equal(ec->days, 10);                      /* days 100..109 */
    /* web: O1, O2, R1, X1. Positive orders O1, O2, X1; units sold 2 + 1 + 1,
       returned 1; net 20 + 30 - 10 + 8 = 48, cogs 12 + 20 - 6 + 4 = 30. */
    const struct eco_totals *w = &ec->ch[0].t;
    assert_int_equal(w->lines, 4);
    assert_int_equal(w->orders, 3);
    assert_int_equal(w->customers, 1);
    assert_near(w->units, 4);
    assert_near(w->units_returned, 1);
    assert_near(w->net, 48);
    assert_near(w->cogs, 30);
    assert_near(w->margin, 18);
    assert_near(w->commission, 0);
    assert_near(w->order_cost, 15);                      /* 5 x 3 orders */
    assert_near(w->unit_cost, 4);                        /* 1 x 4 units */
    assert_near(w->return_cost, 2);                      /* 2 x 1 unit */
    assert_near(w->fixed_cost, 10);                      /* 365 a year x 10 / 365 days */
    assert_near(w->channel_cost, 31);
    assert_near(w->contribution, -13);                   /* 18 - 31 */
    /* agents: O3, O4: net 70, cogs 28, commission 10% = 7, orders 2 x 2,
       units 14 x 0.5 = 7: cost 18, contribution 42 - 18 = 24. */
    const struct eco_totals *a = &ec->ch[1].t;
    assert_int_equal(a->customers, 2);
    assert_near(a->net, 70);
    assert_near(a->commission, 7);
    assert_near(a->order_cost, 4);
    assert_near(a->unit_cost, 7);
    assert_near(a->channel_cost, 18);
    assert_near(a->contribution, 24);
    assert_near(ec->all.net, 118);
    assert_near(ec->all.contribution, 11);               /* -13 + 24 */
    assert_int_equal(ec->all.customers, 3);
    /* Order value of web's positive orders 20, 30, 8. */
    assert_near(ec->ch[0].aov.mean, 58.0 / 3);
    assert_near(ec->ch[0].aov.median, 20);
    /* Contribution per order (variable costs): web O1 8 - (5 + 2) = 1,
       O2 10 - (5 + 1) = 4, X1 4 - (5 + 1) = -2: mean 1; agents O3
       12 - (2 + 2 + 2) = 6, O4 30 - (5 + 2 + 5) = 18: mean 12: the best. */
    assert_near(ec->ch[0].cpo.mean, 1);
    assert_near(ec->ch[1].cpo.mean, 12);
    assert_int_equal(ec->best, 1);
    assert_true(isfinite(ec->ch[0].welch.stat) && ec->ch[0].welch.stat < 0);
    assert_true(isnan(ec->ch[1].welch.stat));            /* the best is not compared with itself */

    /* Cells: segment 0 = C1, segment 1 = C2 and C3, then anonymous. */
    assert_int_equal(ec->ncells, 3 * 2);
    const struct eco_cell *c0w = &ec->cells[0 * 2 + 0], *c1a = &ec->cells[1 * 2 + 1];
    const struct eco_cell *anw = &ec->cells[2 * 2 + 0];
    /* C1 on web: net 40, margin 14, orders 2, cost 10 + 3 + 2 and the
       fixed cost shared by net: 10 x 40 / 48 = 8.333: contribution -9.333. */
    assert_int_equal(c0w->segment, 0);
    assert_near(c0w->t.net, 40);
    assert_near(c0w->t.fixed_cost, 10.0 * 40 / 48);
    assert_near(c0w->t.contribution, 14 - 15 - 10.0 * 40 / 48);
    assert_near(c0w->cpc, c0w->t.contribution);          /* one customer */
    assert_int_equal(c0w->low_support, 1);
    /* Anonymous on web: X1 net 8, margin 4, cost 5 + 1 + 10 x 8 / 48. */
    assert_int_equal(anw->segment, -1);
    assert_near(anw->t.contribution, 4 - 6 - 10.0 * 8 / 48);
    assert_int_equal(anw->t.customers, 0);
    /* C2 and C3 on agents: contribution 24 for 2 customers. */
    assert_near(c1a->cpc, 12);
    /* Reconciliation: the cells of a channel add up to the channel row. */
    for (uint32_t ch = 0; ch < 2; ch++) {
        double net = 0, contrib = 0, cost = 0;
        uint64_t lines = 0, orders = 0;
        for (int r = 0; r < 3; r++) {
            net += ec->cells[r * 2 + ch].t.net;
            contrib += ec->cells[r * 2 + ch].t.contribution;
            cost += ec->cells[r * 2 + ch].t.channel_cost;
            lines += ec->cells[r * 2 + ch].t.lines;
            orders += ec->cells[r * 2 + ch].t.orders;
        }
        assert_near(net, ec->ch[ch].t.net);
        assert_near(contrib, ec->ch[ch].t.contribution);
        assert_near(cost, ec->ch[ch].t.channel_cost);
        assert_int_equal(lines, ec->ch[ch].t.lines);
        assert_int_equal(orders, ec->ch[ch].t.orders);
    }
    /* Accounts: AG2 (O4) contribution 18 ranks above AG1 (O3) 6. */
    assert_int_equal(ec->naccounts, 2);
    for (size_t i = 0; i < 2; i++) {
        const struct eco_account *x = &ec->accounts[i];
        assert_int_equal(x->channel, 1);
        assert_int_equal(x->t.customers, 1);
        assert_near(x->t.contribution, x->rank == 1 ? 18 : 6);
        assert_near(x->repeat_rate, 0);
    }
    assert_true(ec->accounts[0].rank != ec->accounts[1].rank);
    /* Whale curve of web: its one customer destroys value (-9.333). */
    assert_near(ec->ch[0].negative_customers_share, 1);
    assert_near(ec->ch[1].negative_customers_share, 0);
    /* agents: C3 (18) then C2 (6): the top half holds 18/24 = 0.75. */
    int seen = 0;
    for (size_t i = 0; i < ec->nwhale; i++) {
        const struct eco_whale *wp = &ec->whale[i];
        if (wp->channel == 1 && fabs(wp->customer_share - 0.5) < 1e-9) {
            assert_near(wp->contribution_share, 0.75);
            assert_near(wp->cumulative_contribution, 18);
            seen |= 1;
        }
        /* web's total is negative: no share, the money curve ends there. */
        if (wp->channel == 0) {
            assert_true(isnan(wp->contribution_share));
            if (fabs(wp->customer_share - 1) < 1e-9) {
                assert_near(wp->cumulative_contribution, -1.0 - 10.0 * 40 / 48);
                seen |= 2;
            }
        }
    }
    assert_int_equal(seen, 3);
    /* Per-order contribution kept for retention. */
    assert_near(ec->head_contribution[head_o4], 18);
}

static void test_by_hand(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t seg[3] = { 0, 1, 1 };
    struct costmodel m;
    model(&m);
    struct eco_options o;
    eco_defaults(&o);
    struct economics ec[2];
    for (int t = 1; t <= 2; t++) {
        omp_set_num_threads(t);
        assert_int_equal(eco_compute(ds, &f, seg, 2, &m, &o, &ec[t - 1], &e), CX_OK);
        check(&ec[t - 1], ds->l_head[5]);
    }
    assert_memory_equal(ec[0].ch, ec[1].ch, 2 * sizeof *ec[0].ch);
    assert_memory_equal(ec[0].cells, ec[1].cells, ec[0].ncells * sizeof *ec[0].cells);
    eco_free(&ec[0]);
    eco_free(&ec[1]);
    features_free(&f);
    dataset_free(ds);
}

/* CAC and payback: web's acquisition spend 730 a year over 10 days is 20,
   for its one acquired customer C1 (acquired by O1 on day 100): CAC 20.
   Agents spend nothing: no spend is known, so no CAC (not a CAC of 0). Nobody is observed a full year in a
   10-day period, so first-year contribution and payback are unknown. */
static void test_acquisition(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    struct costmodel m;
    model(&m);
    struct eco_options o;
    eco_defaults(&o);
    struct economics ec;
    assert_int_equal(eco_compute(ds, &f, NULL, 0, &m, &o, &ec, &e), CX_OK);
    struct retention r;
    assert_int_equal(ret_compute(ds, &f, NULL, 0, ec.head_contribution, &r, &e), CX_OK);
    struct eco_acq acq[2];
    eco_acquisition(&ec, &r, acq);
    assert_near(acq[0].spend, 20);
    assert_near(acq[0].cac, 20);
    assert_true(isnan(acq[1].spend) && isnan(acq[1].cac));   /* no spend known: no CAC */
    assert_true(isnan(acq[1].payback_months));
    assert_true(isnan(acq[0].fy_mean) && isnan(acq[0].payback_months));
    assert_int_equal(acq[0].cac_exceeds, -1);
    ret_free(&r);
    eco_free(&ec);
    features_free(&f);
    dataset_free(ds);

    /* A year of data: C1 buys on day 0 (net 100, cogs 40) and day 200
       (net 50, cogs 20), all on web at 5 an order, 1 a unit, no fixed cost,
       spend 365 a year. Order contributions 60 - 5 - 1 = 54 and
       30 - 5 - 1 = 24: first-year contribution 78 (both within 364 days).
       Period days 0..400 (401 days): spend 401, CAC 401 (one customer);
       observed a full year (400 >= 364): payback 401 / (78 / 12) = 61.69
       months, and CAC exceeds the first-year contribution. */
    ds = dataset_create();
    add(ds, "A", "C1", "web", "", 0, 1, 100, 40);
    add(ds, "B", "C1", "web", "", 200, 1, 50, 20);
    add(ds, "Z", "C9", "web", "", 400, 1, 1, 0);    /* ends the period on day 400 */
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    memset(&m, 0, sizeof m);
    m.n = 1;
    struct cm_channel web = { "web", CM_DIRECT, 0, 5, 1, 0, 0, 365, 1 };
    m.ch[0] = web;
    assert_int_equal(eco_compute(ds, &f, NULL, 0, &m, &o, &ec, &e), CX_OK);
    assert_int_equal(ret_compute(ds, &f, NULL, 0, ec.head_contribution, &r, &e), CX_OK);
    eco_acquisition(&ec, &r, acq);
    assert_int_equal(ec.days, 401);
    assert_near(acq[0].spend, 401);
    assert_near(acq[0].cac, 401.0 / 2);               /* C1 and C9 acquired */
    assert_near(acq[0].fy_mean, 78);                  /* only C1 observed a full year */
    assert_near(acq[0].payback_months, 401.0 / 2 / (78.0 / 12));
    assert_int_equal(acq[0].cac_exceeds, 1);
    ret_free(&r);
    eco_free(&ec);
    features_free(&f);
    dataset_free(ds);
}

static void test_missing_channel(void **state)
{
    (void)state;
    struct dataset *ds = make();
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    /* A model without agents: agents is costed at zero and flagged. */
    struct costmodel m;
    model(&m);
    m.n = 1;
    struct eco_options o;
    eco_defaults(&o);
    struct economics ec;
    assert_int_equal(eco_compute(ds, &f, NULL, 0, &m, &o, &ec, &e), CX_OK);
    const struct cm_channel *c = &ec.model.ch[ec.ch[1].cm];
    assert_int_equal(c->in_model, 0);
    assert_near(ec.ch[1].t.channel_cost, 0);
    assert_near(ec.ch[1].t.contribution, 42);
    assert_int_equal(ec.unmodelled_lines, 2);
    eco_free(&ec);
    features_free(&f);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_missing_channel),
        cmocka_unit_test(test_acquisition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
