/*
 * test_basket — lift, association rules and upsell per segment on
 * hand-made orders whose supports, confidences and lifts are worked out by
 * hand beside the assertions; a planted pair found as the top rule; and
 * the same results for 1 and 2 threads and for pair counts done in many
 * bands.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testutil.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/basket.h"
#include "engine/dataset.h"
#include "engine/features.h"


static void add(struct dataset *ds, const char *order, const char *cust, const char *prod,
                const char *cat, int32_t day, double q, double price)
{
    tu_add(ds, order, cust, prod, "web", cat, "", day, q, q * price, q * price, q * price / 2);
}

static void opts(struct bsk_options *o, double min_support, double min_confidence,
                 uint32_t min_count, size_t max_basket)
{
    bsk_defaults(o);
    o->min_support = min_support;
    o->min_confidence = min_confidence;
    o->min_count = min_count;
    o->max_basket = max_basket;
}

static void check_rule(const struct bsk_rule *r, int seg, uint32_t a, uint32_t b, uint64_t count,
                       double support, double confidence, double lift)
{
    assert_int_equal(r->segment, seg);
    assert_int_equal(r->a, a);
    assert_int_equal(r->b, b);
    assert_int_equal(r->count, count);
    assert_near(r->support, support);
    assert_near(r->confidence, confidence);
    assert_near(r->lift, lift);
}

/* Customers A (id 0) and B (id 1) in segment 0, C (id 2) in none; every
   line costs 10. Products P1 (id 0), P2 (1), P3 (2). The period is days
   0 .. 200.
     O1 (A): P1 P2 P3 — its lines are not together: O2's line comes
             between, so the lines are copied run by run
     O2 (A): P1 P2
     O3 (B): P1 P3 P1   (P1 twice: one product of the basket)
     O4 (B): P2
     O5 (B): P1 P2, and a return of P3 (not sold: not in the basket)
     X1 (C): P2 P3      (no segment)
     Y1 (anonymous): P2 P3
     R1 (A): a return of P3 alone (not an order)
     O6 (A): P2 P3 on day 300 (out of the period)
   Segment 0 has N = 5 orders. P1 is in O1 O2 O3 O5 = 4, P2 in O1 O2 O4
   O5 = 4, P3 in O1 O3 = 2. Pairs: P1 P2 in O1 O2 O5 = 3, P1 P3 in O1 O3
   = 2, P2 P3 in O1 = 1. */
static struct dataset *make_small(void)
{
    struct dataset *ds = dataset_create();
    add(ds, "O1", "A", "P1", "Garden", 100, 1, 10);
    add(ds, "O1", "A", "P2", "Kitchen", 100, 1, 10);
    add(ds, "O2", "A", "P1", "Garden", 101, 1, 10);
    add(ds, "O1", "A", "P3", "Toys", 100, 1, 10);
    add(ds, "O2", "A", "P2", "Kitchen", 101, 1, 10);
    add(ds, "O3", "B", "P1", "Garden", 102, 1, 10);
    add(ds, "O3", "B", "P3", "Toys", 102, 1, 10);
    add(ds, "O3", "B", "P1", "Garden", 102, 1, 10);
    add(ds, "O4", "B", "P2", "Kitchen", 103, 1, 10);
    add(ds, "O5", "B", "P1", "Garden", 104, 1, 10);
    add(ds, "O5", "B", "P2", "Kitchen", 104, 1, 10);
    add(ds, "O5", "B", "P3", "Toys", 104, -1, 10);
    add(ds, "X1", "C", "P2", "Kitchen", 105, 1, 10);
    add(ds, "X1", "C", "P3", "Toys", 105, 1, 10);
    add(ds, "Y1", "", "P2", "Kitchen", 105, 1, 10);
    add(ds, "Y1", "", "P3", "Toys", 105, 1, 10);
    add(ds, "R1", "A", "P3", "Toys", 106, -1, 10);
    add(ds, "O6", "A", "P2", "Kitchen", 300, 1, 10);
    add(ds, "O6", "A", "P3", "Toys", 300, 1, 10);
    return ds;
}

static void test_rules_by_hand(void **state)
{
    (void)state;
    struct dataset *ds = make_small();
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, 0, 200, INT32_MIN, &f, &e), CX_OK);
    const int16_t seg[3] = { 0, 0, -1 };
    struct bsk_options o;
    struct basket b;

    /* Supports 4/5, 4/5, 2/5 all pass 0.3. Rules with count >= 2 and
       confidence >= 0.5:
         P3 -> P1: 2 / 2 = 1,    lift 1 / (4/5)    = 1.25
         P1 -> P3: 2 / 4 = 0.5,  lift 0.5 / (2/5)  = 1.25
         P1 -> P2: 3 / 4 = 0.75, lift 0.75 / (4/5) = 0.9375
         P2 -> P1: 3 / 4 = 0.75, lift 0.9375
       Equal lifts go by confidence; P1 -> P2 and P2 -> P1 tie on all three
       figures and go by a. P2 P3 (count 1) is left out. */
    opts(&o, 0.3, 0.5, 2, 50);
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_OK);
    assert_int_equal(b.nrule, 4);
    check_rule(&b.rule[0], 0, 2, 0, 2, 0.4, 1.0, 1.25);
    check_rule(&b.rule[1], 0, 0, 2, 2, 0.4, 0.5, 1.25);
    check_rule(&b.rule[2], 0, 0, 1, 3, 0.6, 0.75, 0.9375);
    check_rule(&b.rule[3], 0, 1, 0, 3, 0.6, 0.75, 0.9375);
    /* One segment: every lift is 1, nothing over-represented. */
    assert_int_equal(b.nlift, 0);
    /* Best customer (ceil(2 / 5) = 1): B, 30 + 10 + 20 - 10 = 50 against
       A's 30 + 20 - 10 = 40. Both bought every product: no upsell. */
    assert_int_equal(b.nup, 0);
    bsk_free(&b);

    /* top 1 keeps the first only. */
    o.top = 1;
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_OK);
    assert_int_equal(b.nrule, 1);
    check_rule(&b.rule[0], 0, 2, 0, 2, 0.4, 1.0, 1.25);
    bsk_free(&b);

    /* Baskets capped at 2 products, the most frequent: ranks P1 (4), P2
       (4, after P1 by id), P3 (2), so O1 counts as P1 P2 only. Pairs: P1
       P2 = 3, P1 P3 = 1 (O3), P2 P3 = 0. With count >= 1 and confidence
       >= 0.5: P1 -> P2 and P2 -> P1 (0.9375), P3 -> P1: 1 / 2 = 0.5, lift
       0.5 / (4/5) = 0.625; P1 -> P3 (1 / 4) is below 0.5. Item counts come
       from whole baskets: P3 -> P1 still divides by 2. */
    opts(&o, 0, 0.5, 1, 2);
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_OK);
    assert_int_equal(b.nrule, 3);
    check_rule(&b.rule[0], 0, 0, 1, 3, 0.6, 0.75, 0.9375);
    check_rule(&b.rule[1], 0, 1, 0, 3, 0.6, 0.75, 0.9375);
    check_rule(&b.rule[2], 0, 2, 0, 1, 0.2, 0.5, 0.625);
    bsk_free(&b);

    /* min_support 0.5: P3 (2/5) is not frequent, and P1 P2 (3/5) stays. */
    opts(&o, 0.5, 0, 1, 50);
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_OK);
    assert_int_equal(b.nrule, 2);
    check_rule(&b.rule[0], 0, 0, 1, 3, 0.6, 0.75, 0.9375);
    bsk_free(&b);

    features_free(&f);
    dataset_free(ds);
}

/* A small deterministic generator for the larger examples. */
static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

/* 2000 orders of 40 customers over 30 products: each order 3 distinct
   products of P02 .. P29; A (P00) in 30% of orders; B (P01) in 80% of the
   orders with A and 20% of the others. counts: orders with A, with B,
   with both. Products get ids in order of first appearance, so the ids of
   A and B are looked up. */
static struct dataset *make_planted(uint64_t counts[3])
{
    struct dataset *ds = dataset_create();
    uint64_t s = 42;
    counts[0] = counts[1] = counts[2] = 0;
    for (int k = 0; k < 2000; k++) {
        char order[16], cust[16], prod[8];
        snprintf(order, sizeof order, "O%d", k);
        snprintf(cust, sizeof cust, "C%02u", rnd(&s) % 40);
        int day = 100 + k % 300;
        int pick[3];
        for (int j = 0; j < 3; j++) {
            int p;
            int again;
            do {
                p = 2 + (int)(rnd(&s) % 28);
                again = 0;
                for (int i = 0; i < j; i++)
                    again |= pick[i] == p;
            } while (again);
            pick[j] = p;
            snprintf(prod, sizeof prod, "P%02d", p);
            add(ds, order, cust, prod, p % 2 ? "Odd" : "Even", day, 1 + rnd(&s) % 3, 2.5);
        }
        int a = rnd(&s) % 100 < 30;
        int bb = rnd(&s) % 100 < (a ? 80 : 20);
        if (a)
            add(ds, order, cust, "P00", "Even", day, 1, 4);
        if (bb)
            add(ds, order, cust, "P01", "Odd", day, 1, 4);
        counts[0] += a;
        counts[1] += bb;
        counts[2] += a && bb;
    }
    return ds;
}

static uint32_t product_id(const struct dataset *ds, const char *name)
{
    uint32_t n = dataset_count(ds, DS_PRODUCT);
    for (uint32_t p = 0; p < n; p++)
        if (strcmp(dataset_text(ds, DS_PRODUCT, p), name) == 0)
            return p;
    fail_msg("no product %s", name);
    return DS_NONE;
}

static void test_planted_pair(void **state)
{
    (void)state;
    uint64_t cnt[3];
    struct dataset *ds = make_planted(cnt);
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t seg[40];
    assert_int_equal(f.n, 40);
    for (int c = 0; c < 40; c++)
        seg[c] = 0;
    struct basket b;
    /* Defaults: min_count 20, min_support 0.005, min_confidence 0.2. A ->
       B has confidence about 0.8 and lift about 0.8 / 0.38; B -> A the same
       lift (lift is symmetric) and confidence about 0.24 / 0.38 = 0.63, so
       it comes second. Pairs of the 28 others are in about 2000 * 6 / 756
       = 16 orders, under min_count, or have a lift near 1. */
    assert_int_equal(bsk_compute(ds, &f, seg, 1, NULL, &b, &e), CX_OK);
    uint32_t a = product_id(ds, "P00"), pb = product_id(ds, "P01");
    assert_true(b.nrule >= 2);
    double n = 2000;
    check_rule(&b.rule[0], 0, a, pb, cnt[2], cnt[2] / n, (double)cnt[2] / cnt[0],
               ((double)cnt[2] / cnt[0]) / (cnt[1] / n));
    check_rule(&b.rule[1], 0, pb, a, cnt[2], cnt[2] / n, (double)cnt[2] / cnt[1],
               ((double)cnt[2] / cnt[1]) / (cnt[0] / n));
    assert_true(fabs(b.rule[0].confidence - 0.8) < 0.05);
    bsk_free(&b);
    features_free(&f);
    dataset_free(ds);
}

/* Segment 0 (customers S0, S1) and segment 1 (T0, T1), 20 orders each;
   every order has B1 (Books); 15 orders of segment 0 and 5 of segment 1
   have T1 (Toys), 2 x 3.5 = 7 each — save one of segment 0's, 1 x
   300,000, kept as a double on the side — and segment 0 also returns a T1
   (not counted). N = 40; Toys in 20 orders, support 0.5 overall.
     segment 0: Toys 15 / 20 = 0.75, lift 0.75 / 0.5 = 1.5; T1 the same
     segment 1: Toys 5 / 20 = 0.25, lift 0.5 (and under min_count 10)
     Books: lift 1 everywhere, not over-represented.
   Net of T1 and of Toys in segment 0: 14 x 7 + 300,000 = 300,098. */
static void test_category_lift(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    for (int k = 0; k < 40; k++) {
        char order[16];
        snprintf(order, sizeof order, "O%d", k);
        int s1 = k >= 20;
        const char *cust = s1 ? (k % 2 ? "T1c" : "T0c") : (k % 2 ? "S1c" : "S0c");
        add(ds, order, cust, "B1", "Books", 100 + k, 1, 12);
        int toys = s1 ? k - 20 < 5 : k < 15;
        if (toys) {
            if (k == 3)
                add(ds, order, cust, "T1", "Toys", 100 + k, 1, 300000);
            else
                add(ds, order, cust, "T1", "Toys", 100 + k, 2, 3.5);
        }
    }
    add(ds, "R", "S0c", "T1", "Toys", 150, -1, 3.5);
    assert_int_equal(ds->n_big, 1);
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    /* Customer ids by first appearance: S0c 0, S1c 1, T0c 2, T1c 3. */
    const int16_t seg[4] = { 0, 0, 1, 1 };
    struct bsk_options o;
    opts(&o, 0.005, 0.2, 10, 50);
    struct basket b;
    assert_int_equal(bsk_compute(ds, &f, seg, 2, &o, &b, &e), CX_OK);
    assert_int_equal(b.nlift, 2);
    const struct bsk_lift *l = &b.lift[0];   /* products first */
    assert_int_equal(l->segment, 0);
    assert_int_equal(l->is_category, 0);
    assert_int_equal(l->item, product_id(ds, "T1"));
    assert_int_equal(l->orders, 15);
    assert_near(l->support, 0.75);
    assert_near(l->lift, 1.5);
    assert_near(l->net, 300098);
    l = &b.lift[1];
    assert_int_equal(l->segment, 0);
    assert_int_equal(l->is_category, 1);
    assert_string_equal(dataset_text(ds, DS_CATEGORY, l->item), "Toys");
    assert_int_equal(l->orders, 15);
    assert_near(l->support, 0.75);
    assert_near(l->lift, 1.5);
    assert_near(l->net, 300098);
    bsk_free(&b);
    features_free(&f);
    dataset_free(ds);
}

/* Ten customers of segment 0, one order each. Basic (10 a unit) sets the
   monetary: C0 and C1 buy 50 units, C2 .. C9 buy 1 .. 8. Premium (1 a unit):
   C0, C1, C5. Mid: C0, C5, C6. Rare: C7.
   Best: ceil(10 / 5) = 2 customers, C0 and C1 (502 and 501); the rest: 8.
     Premium: best 2 / 2 = 1,   rest 1 / 8 = 0.125 (1 >= 0.25), gap 0.875
     Mid:     best 1 / 2 = 0.5, rest 2 / 8 = 0.25 (0.5 >= 0.5),  gap 0.25
     Basic:   1 against 1; Rare: no best customer. */
static void test_upsell(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    for (int c = 0; c < 10; c++) {
        char order[8], cust[8];
        snprintf(order, sizeof order, "O%d", c);
        snprintf(cust, sizeof cust, "C%d", c);
        add(ds, order, cust, "Basic", "Home", 100 + c, c < 2 ? 50 : c - 1, 10);
        if (c == 0 || c == 1 || c == 5)
            add(ds, order, cust, "Premium", "Home", 100 + c, 1, 1);
        if (c == 0 || c == 5 || c == 6)
            add(ds, order, cust, "Mid", "Home", 100 + c, 1, 1);
        if (c == 7)
            add(ds, order, cust, "Rare", "Home", 100 + c, 1, 1);
    }
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t seg[10];
    for (int c = 0; c < 10; c++)
        seg[c] = 0;
    struct basket b;
    assert_int_equal(bsk_compute(ds, &f, seg, 1, NULL, &b, &e), CX_OK);
    assert_int_equal(b.nup, 2);
    assert_int_equal(b.up[0].segment, 0);
    assert_int_equal(b.up[0].product, product_id(ds, "Premium"));
    assert_near(b.up[0].best_share, 1.0);
    assert_near(b.up[0].rest_share, 0.125);
    assert_int_equal(b.up[0].rest_customers_without, 7);
    assert_int_equal(b.up[1].product, product_id(ds, "Mid"));
    assert_near(b.up[1].best_share, 0.5);
    assert_near(b.up[1].rest_share, 0.25);
    assert_int_equal(b.up[1].rest_customers_without, 6);
    bsk_free(&b);
    features_free(&f);
    dataset_free(ds);
}

static void same_basket(const struct basket *x, const struct basket *y)
{
    assert_int_equal(x->nlift, y->nlift);
    assert_int_equal(x->nrule, y->nrule);
    assert_int_equal(x->nup, y->nup);
    for (size_t i = 0; i < x->nlift; i++) {
        const struct bsk_lift *a = &x->lift[i], *b = &y->lift[i];
        assert_true(a->segment == b->segment && a->is_category == b->is_category &&
                    a->item == b->item && a->orders == b->orders && a->support == b->support &&
                    a->lift == b->lift && a->net == b->net);
    }
    for (size_t i = 0; i < x->nrule; i++) {
        const struct bsk_rule *a = &x->rule[i], *b = &y->rule[i];
        assert_true(a->segment == b->segment && a->a == b->a && a->b == b->b &&
                    a->count == b->count && a->support == b->support &&
                    a->confidence == b->confidence && a->lift == b->lift);
    }
    for (size_t i = 0; i < x->nup; i++) {
        const struct bsk_upsell *a = &x->up[i], *b = &y->up[i];
        assert_true(a->segment == b->segment && a->product == b->product &&
                    a->best_share == b->best_share && a->rest_share == b->rest_share &&
                    a->rest_customers_without == b->rest_customers_without);
    }
}

/* 4000 orders of 300 customers in 3 segments (customer number % 3) over
   80 products, 1 to 12 lines each and 80 in every 50th (baskets above
   max_basket), with duplicate lines and returns: customers numbered below 60 buy many units
   and also from P60 .. P79; segment 1 leans to P00 .. P09. Loose
   thresholds, so that every list is full: 1 thread, 2 threads, and pair
   counts in bands of one row of the triangle each, all the same. */
static void test_threads(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    uint64_t s = 7;
    for (int k = 0; k < 4000; k++) {
        char order[16], cust[16], prod[8];
        uint32_t c = rnd(&s) % 300;
        snprintf(order, sizeof order, "O%d", k);
        snprintf(cust, sizeof cust, "C%03u", c);
        int n = k % 50 == 0 ? 80 : 1 + (int)(rnd(&s) % 12);
        for (int j = 0; j < n; j++) {
            uint32_t p = rnd(&s) % 60;
            if (c % 3 == 1 && rnd(&s) % 2)
                p = rnd(&s) % 10;
            if (c < 60 && rnd(&s) % 3 == 0)
                p = 60 + rnd(&s) % 20;
            snprintf(prod, sizeof prod, "P%02u", p);
            double q = c < 60 ? 5 : 1;
            if (rnd(&s) % 20 == 0)
                q = -1;
            add(ds, order, cust, prod, p % 3 ? "X" : "Y", 100 + k % 200, q, 1 + p % 7);
        }
    }
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, INT32_MIN, INT32_MAX, INT32_MIN, &f, &e), CX_OK);
    int16_t seg[300];
    assert_int_equal(f.n, 300);
    for (uint32_t c = 0; c < f.n; c++) {
        unsigned num;
        assert_int_equal(sscanf(dataset_text(ds, DS_CUSTOMER, c), "C%u", &num), 1);
        seg[c] = (int16_t)(num % 3);
    }
    struct bsk_options o;
    opts(&o, 0.001, 0.05, 3, 6);
    o.top = 15;
    struct basket b1, b2, b3;
    omp_set_num_threads(1);
    assert_int_equal(bsk_compute(ds, &f, seg, 3, &o, &b1, &e), CX_OK);
    omp_set_num_threads(2);
    assert_int_equal(bsk_compute(ds, &f, seg, 3, &o, &b2, &e), CX_OK);
    o.pair_bytes = 1;
    assert_int_equal(bsk_compute(ds, &f, seg, 3, &o, &b3, &e), CX_OK);
    assert_int_equal(b1.nrule, 45);
    assert_int_equal(b1.nup, 45);
    assert_true(b1.nlift >= 30);
    same_basket(&b1, &b2);
    same_basket(&b1, &b3);
    bsk_free(&b1);
    bsk_free(&b2);
    bsk_free(&b3);
    features_free(&f);
    dataset_free(ds);
}

/* Orders like those of test_threads (customers below 40 buy more, and
   from P40 .. P49), with categories that differ from their product's on
   some lines, after 70,000 other products (wide) bought by a
   customer outside every segment, or none. */
static struct dataset *store_data(int wide)
{
    struct dataset *ds = dataset_create();
    char order[16], cust[16], prod[16];
    for (int k = 0; wide && k < 70000; k++) {
        snprintf(order, sizeof order, "W%d", k / 4);
        snprintf(prod, sizeof prod, "Q%05d", k);
        add(ds, order, "OUTSIDE", prod, "W", 100, 1, 1);
    }
    uint64_t s = 11;
    for (int k = 0; k < 3000; k++) {
        uint32_t c = rnd(&s) % 200;
        snprintf(order, sizeof order, "O%d", k);
        snprintf(cust, sizeof cust, "C%03u", c);
        int n = 1 + (int)(rnd(&s) % 8);
        for (int j = 0; j < n; j++) {
            uint32_t p = rnd(&s) % 40;
            if (c % 2 && rnd(&s) % 2)
                p = rnd(&s) % 8;
            if (c < 40 && rnd(&s) % 3 == 0)   /* the best customers also buy P40 .. P49 */
                p = 40 + rnd(&s) % 10;
            snprintf(prod, sizeof prod, "P%02u", p);
            add(ds, order, cust, prod, j == 1 && k % 7 == 0 ? "Z" : p % 3 ? "X" : "Y", 100 + k % 200,
                c < 40 ? 5 : 1, 1 + p % 5);
        }
    }
    return ds;
}

/* Product ids of 16 bits (a packed dataset, at most 65,535 products) or 32
   bits, categories listed per order or not: the same results, item for
   item, compared by name. */
static void test_store_width(void **state)
{
    (void)state;
    struct basket b[2];
    struct dataset *ds[2];
    struct features f[2];
    struct cx_err e = { 0 };
    for (int w = 0; w < 2; w++) {
        ds[w] = store_data(w);
        assert_int_equal(dataset_finish(ds[w], &e), CX_OK);
        assert_true(w ? ds[w]->l_product16 == NULL : ds[w]->l_product16 != NULL);
        assert_int_equal(features_compute(ds[w], INT32_MIN, INT32_MAX, INT32_MIN, &f[w], &e), CX_OK);
        int16_t *seg = malloc(f[w].n * sizeof *seg);
        assert_non_null(seg);
        for (uint32_t c = 0; c < f[w].n; c++) {
            unsigned num;
            seg[c] = sscanf(dataset_text(ds[w], DS_CUSTOMER, c), "C%u", &num) == 1 ? (int16_t)(num % 2) : -1;
        }
        struct bsk_options o;
        opts(&o, 0.001, 0.05, 3, 6);
        o.top = 15;
        assert_int_equal(bsk_compute(ds[w], &f[w], seg, 2, &o, &b[w], &e), CX_OK);
        free(seg);
    }
    assert_true(b[0].nrule > 10 && b[0].nup > 10 && b[0].nlift > 10);
    assert_int_equal(b[0].nlift, b[1].nlift);
    assert_int_equal(b[0].nrule, b[1].nrule);
    assert_int_equal(b[0].nup, b[1].nup);
    for (size_t i = 0; i < b[0].nlift; i++) {
        const struct bsk_lift *x = &b[0].lift[i], *y = &b[1].lift[i];
        enum ds_text t = x->is_category ? DS_CATEGORY : DS_PRODUCT;
        assert_true(x->segment == y->segment && x->is_category == y->is_category && x->orders == y->orders &&
                    x->support == y->support && x->lift == y->lift && x->net == y->net);
        assert_string_equal(dataset_text(ds[0], t, x->item), dataset_text(ds[1], t, y->item));
    }
    for (size_t i = 0; i < b[0].nrule; i++) {
        const struct bsk_rule *x = &b[0].rule[i], *y = &b[1].rule[i];
        assert_true(x->segment == y->segment && x->count == y->count && x->support == y->support &&
                    x->confidence == y->confidence && x->lift == y->lift);
        assert_string_equal(dataset_text(ds[0], DS_PRODUCT, x->a), dataset_text(ds[1], DS_PRODUCT, y->a));
        assert_string_equal(dataset_text(ds[0], DS_PRODUCT, x->b), dataset_text(ds[1], DS_PRODUCT, y->b));
    }
    for (size_t i = 0; i < b[0].nup; i++) {
        const struct bsk_upsell *x = &b[0].up[i], *y = &b[1].up[i];
        assert_true(x->segment == y->segment && x->best_share == y->best_share &&
                    x->rest_share == y->rest_share && x->rest_customers_without == y->rest_customers_without);
        assert_string_equal(dataset_text(ds[0], DS_PRODUCT, x->product), dataset_text(ds[1], DS_PRODUCT, y->product));
    }
    for (int w = 0; w < 2; w++) {
        bsk_free(&b[w]);
        features_free(&f[w]);
        dataset_free(ds[w]);
    }
}

static void test_usage(void **state)
{
    (void)state;
    struct dataset *ds = make_small();
    struct features f;
    struct cx_err e = { 0 };
    assert_int_equal(features_compute(ds, 0, 200, INT32_MIN, &f, &e), CX_OK);
    struct bsk_options o;
    struct basket b;
    const int16_t bad[3] = { 0, 2, -1 };
    assert_int_equal(bsk_compute(ds, &f, bad, 2, NULL, &b, &e), CX_EUSAGE);
    assert_null(b.rule);
    const int16_t seg[3] = { 0, 0, -1 };
    bsk_defaults(&o);
    o.max_basket = 1;
    e.status = CX_OK;
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_EUSAGE);
    bsk_defaults(&o);
    o.min_support = 1.5;
    e.status = CX_OK;
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_EUSAGE);
    bsk_defaults(&o);
    o.min_count = 0;
    e.status = CX_OK;
    assert_int_equal(bsk_compute(ds, &f, seg, 1, &o, &b, &e), CX_EUSAGE);
    /* No segmentation: nothing to do. */
    e.status = CX_OK;
    assert_int_equal(bsk_compute(ds, &f, NULL, 0, NULL, &b, &e), CX_OK);
    assert_int_equal(b.nlift + b.nrule + b.nup, 0);
    bsk_free(&b);
    bsk_free(NULL);
    features_free(&f);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_by_hand),
        cmocka_unit_test(test_planted_pair),
        cmocka_unit_test(test_category_lift),
        cmocka_unit_test(test_upsell),
        cmocka_unit_test(test_store_width),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
