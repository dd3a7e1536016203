/*
 * test_recommend — recommendations on small hand-made data: a channel that
 * is clearly better for a segment is recommended and the volume shift's
 * impact reconciles with the segment x channel figures it comes from; two
 * channels that are alike give "no channel stands out" and no shift; a
 * product priced 30% lower in one channel is flagged, with the revenue at
 * stake worked out by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/recommend.h"
#include "engine/retention.h"
#include "engine/segment.h"


static void add(struct dataset *ds, const char *order, const char *cust, const char *chan, const char *prod,
                int32_t day, double q, double price, double unit_cost)
{
    tu_add(ds, order, cust, prod, chan, "", "", day, q, q * price, q * price, q * unit_cost);
}

/* 40 customers on web and 40 on agents, one order each, quantity 1 to 3
   (i mod 3 + 1) at 100; goods cost 50 a unit on web and cost_b on agents.
   Product Q sells at 10 on web and q_price on agents (100 units each). */
static struct dataset *make(double cost_b, double q_price)
{
    struct dataset *ds = dataset_create();
    char o[16], c[16];
    for (int i = 0; i < 80; i++) {
        snprintf(o, sizeof o, "O%d", i);
        snprintf(c, sizeof c, "C%d", i);
        int web = i < 40;
        add(ds, o, c, web ? "web" : "agents", "P", i % 10, i % 3 + 1, 100, web ? 50 : cost_b);
        add(ds, o, c, web ? "web" : "agents", "Q", i % 10, 5, web ? 10 : q_price, 1);
    }
    return ds;
}

static struct costmodel zero_costs(void)
{
    struct costmodel m;
    memset(&m, 0, sizeof m);
    m.n = 2;
    struct cm_channel web = { "web", CM_DIRECT, 0, 0, 0, 0, 0, 0, 1 };
    struct cm_channel agents = { "agents", CM_INDIRECT, 0, 0, 0, 0, 0, 0, 1 };
    m.ch[0] = web;
    m.ch[1] = agents;
    return m;
}

struct run {
    struct dataset *ds;
    struct features f;
    struct segmentation s;
    struct economics ec;
    struct retention rt;
    struct recommendations r;
};

static void run_all(struct run *x, double cost_b, double q_price)
{
    struct cx_err e = { 0 };
    memset(x, 0, sizeof *x);
    x->ds = make(cost_b, q_price);
    assert_int_equal(features_compute(x->ds, INT32_MIN, INT32_MAX, INT32_MIN, &x->f, &e), CX_OK);
    /* One segment holding every customer. */
    x->s.n = x->f.n;
    x->s.model.k = 1;
    snprintf(x->s.model.name[0], SEG_NAME, "Everyone");
    static int16_t seg[80];
    x->s.segment = seg;
    struct costmodel m = zero_costs();
    struct eco_options eo;
    eco_defaults(&eo);
    assert_int_equal(eco_compute(x->ds, &x->f, seg, 1, &m, &eo, &x->ec, &e), CX_OK);
    assert_int_equal(ret_compute(x->ds, &x->f, seg, 1, x->ec.head_contribution, &x->rt, &e), CX_OK);
    struct rec_options ro;
    rec_defaults(&ro);
    assert_int_equal(rec_compute(x->ds, &x->f, &x->s, &x->ec, &x->rt, NULL, &ro, &x->r, &e), CX_OK);
}

static void done(struct run *x)
{
    rec_free(&x->r);
    ret_free(&x->rt);
    eco_free(&x->ec);
    features_free(&x->f);
    dataset_free(x->ds);
}

static const struct rec *find(const struct recommendations *r, int kind)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->r[i].kind == kind)
            return &r->r[i];
    return NULL;
}

static void test_channel_fit_and_shift(void **state)
{
    (void)state;
    struct run x;
    /* Goods cost 20 on agents against 50 on web: agents contribute more per
       customer (80 a unit of P against 50, plus 45 from Q on each side). */
    run_all(&x, 20, 10);
    const struct rec *fit = find(&x.r, REC_CHANNEL_FIT);
    assert_non_null(fit);
    assert_int_equal(fit->channel, 1);                  /* agents (channel ids: web 0, agents 1) */
    assert_non_null(strstr(fit->text, "through agents"));
    const struct rec *sh = find(&x.r, REC_VOLUME_SHIFT);
    assert_non_null(sh);
    assert_int_equal(sh->channel, 0);                   /* from web ... */
    assert_int_equal(sh->target_channel, 1);            /* ... to agents */
    /* Reconciliation: 20% of web's 40 customers x (cpc agents - cpc web)
       x 365 / 10 days, from segment_channels' figures. */
    const struct eco_cell *w = &x.ec.cells[0], *a = &x.ec.cells[1];
    assert_int_equal(x.ec.days, 10);
    assert_int_equal(w->t.customers, 40);
    assert_near(sh->impact, 0.2 * 40 * (a->cpc - w->cpc) * 36.5);
    assert_true(sh->impact_lo < sh->impact && sh->impact < sh->impact_hi);
    /* By hand: web customers i = 0..39 buy i mod 3 + 1 units of P at a
       margin of 50: 14 x 1 + 13 x 2 + 13 x 3 = 79 units, 3950; Q adds
       40 x 45: cpc 6 = (3950 + 1800) / 40 = 143.75. Agents i = 40..79: i
       mod 3 = 1, 2, 0, ...: 13 x 1 + 14 x 2 + 13 x 3 = 80 units x 80 =
       6400, + 1800: cpc 205. */
    assert_near(w->cpc, 143.75);
    assert_near(a->cpc, 205);
    /* No price flag: Q sells at 10 on both channels. */
    assert_null(find(&x.r, REC_PRICE));
    /* Ranked by impact, largest first. */
    for (size_t i = 1; i < x.r.n; i++)
        if (!isnan(x.r.r[i].impact))
            assert_true(x.r.r[i - 1].impact >= x.r.r[i].impact);
    done(&x);
}

static void test_alike_and_prices(void **state)
{
    (void)state;
    struct run x;
    /* The same goods cost on both channels: nothing stands out, no shift.
       Q sells at 7 on agents (30% below web's 10): flagged. */
    run_all(&x, 50, 7);
    const struct rec *fit = find(&x.r, REC_CHANNEL_FIT);
    assert_non_null(fit);
    assert_int_equal(fit->channel, -1);
    assert_non_null(strstr(fit->text, "No channel stands out"));
    assert_null(find(&x.r, REC_VOLUME_SHIFT));
    /* Prices of Q: 10 on web, 7 on agents; median of the two 8.5: web
       +17.6%, agents -17.6%, both beyond 15%. At stake: |7 - 8.5| x 200
       units x 36.5 = 10950 for agents (and the same for web). */
    int nflag = 0;
    for (size_t i = 0; i < x.r.nprice; i++) {
        const struct rec_price *p = &x.r.price[i];
        if (strcmp(dataset_text(x.ds, DS_PRODUCT, p->product), "Q") != 0)
            continue;
        assert_near(p->median, 8.5);
        assert_near(p->units, 200);
        assert_near(p->at_stake, 1.5 * 200 * 36.5);
        nflag += p->flagged;
    }
    assert_int_equal(nflag, 2);
    const struct rec *pr = find(&x.r, REC_PRICE);
    assert_non_null(pr);
    assert_near(pr->impact, 10950);
    done(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_channel_fit_and_shift),
        cmocka_unit_test(test_alike_and_prices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
