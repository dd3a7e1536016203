/*
 * test_rows — the row rules of loaders/rows.h fed directly, as any source
 * feeds them: null tokens, composed keys, revenue beside unit_price, the
 * tally behind the plausibility warnings, typed cells, header mapping.
 * Every expected amount is worked out by hand in the comment beside it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "loaders/reader.h"
#include "loaders/rows.h"

#define assert_money(got, want)                                                           \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        if (fabs(g_ - w_) > 1e-9 * (fabs(w_) + 1)) {                                      \
            print_error("%s = %.10g, expected %.10g\n", #got, g_, w_);                    \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

/* Splits s on ',' into f (no quotes: these tests need none). */
static long split(char *s, struct rows_field *f, long cap)
{
    long n = 0;
    for (char *p = s;; ) {
        char *c = strchr(p, ',');
        assert_true(n < cap);
        f[n].p = p;
        f[n].n = c ? (size_t)(c - p) : strlen(p);
        n++;
        if (c == NULL)
            break;
        p = c + 1;
    }
    return n;
}

struct fixture {
    struct reader_options o;
    struct rows_plan pl;
    struct rows_part part;
    char head[512];
    struct rows_reject rej;
    struct cx_err e;
    uint64_t line;
};

/* Maps header (with o as set up by the caller). */
static int plan(struct fixture *x, const char *header)
{
    struct rows_field h[32];
    snprintf(x->head, sizeof x->head, "%s", header);
    long nf = split(x->head, h, 32);
    memset(&x->e, 0, sizeof x->e);
    int rc = rows_plan_init(&x->pl, &x->o, "t.csv", h, nf, NULL, &x->e);
    x->pl.datefmt = FIELD_DATE_ISO;
    if (x->part.ds == NULL) {
        x->part.ds = dataset_create();
        assert_non_null(x->part.ds);
    }
    x->line = 1;
    return rc;
}

/* Feeds one record; returns what rows_take returned. */
static int take(struct fixture *x, const char *record)
{
    char buf[512];
    struct rows_field f[32];
    snprintf(buf, sizeof buf, "%s", record);
    long nf = split(buf, f, 32);
    x->line++;
    return rows_take(&x->pl, &x->part, f, NULL, nf, NULL, x->line, &x->rej, &x->e);
}

static void done(struct fixture *x)
{
    rows_plan_free(&x->pl);
    rows_part_free(&x->part);
    dataset_free(x->part.ds);
    reader_options_free(&x->o);
}

static void expect_reject(struct fixture *x, const char *record, const char *why)
{
    int rc = take(x, record);
    if (rc != 1)
        fail_msg("\"%s\" gave %d, expected a reject with \"%s\"", record, rc, why);
    if (strstr(x->rej.msg, why) == NULL)
        fail_msg("\"%s\" rejected with \"%s\", expected \"%s\"", record, x->rej.msg, why);
}

static void test_null_tokens(void **state)
{
    (void)state;
    struct rows_nulls z;
    /* the default list, any case, whole values only */
    assert_int_equal(rows_nulls_set(&z, "NULL, N/A, #N/A"), 0);
    assert_int_equal(z.n, 3);
    assert_true(rows_is_null(&z, "NULL", 4));
    assert_true(rows_is_null(&z, "null", 4));
    assert_true(rows_is_null(&z, "n/A", 3));
    assert_true(rows_is_null(&z, "#n/a", 4));
    assert_false(rows_is_null(&z, "NULLS", 5));
    assert_false(rows_is_null(&z, "NUL", 3));
    assert_false(rows_is_null(&z, "N/B", 3));
    assert_false(rows_is_null(&z, "", 0));
    assert_int_equal(rows_nulls_set(&z, ""), 0);
    assert_false(rows_is_null(&z, "NULL", 4));
    assert_int_equal(rows_nulls_set(&z, " - ,none,,"), 0);
    assert_int_equal(z.n, 2);
    assert_true(rows_is_null(&z, "-", 1));
    assert_true(rows_is_null(&z, "NONE", 4));
    assert_int_equal(rows_nulls_set(&z, "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q"), -1); /* 17 */
    assert_int_equal(rows_nulls_set(&z, "abcdefghijklmnopqrstuvwxyz"), -1);        /* 26 bytes */

    struct fixture x = { 0 };
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,unit_price,cost"), CX_OK);
    /* a null customer is an anonymous sale; a null cost falls back to the
       default margin: cogs = 2 x 10 x (1 - 0.35) = 13 */
    assert_int_equal(take(&x, "O1,2024-01-01,NULL,web,P1,2,10,NULL"), 0);
    assert_money(dataset_cogs(x.part.ds, 0), 13.0);
    assert_int_equal(x.part.ds->h_customer[x.part.ds->l_head[0]], DS_NONE);
    /* a null required field is missing */
    expect_reject(&x, "N/A,2024-01-01,C,web,P1,1,10,", "missing order_id");
    expect_reject(&x, "O2,#n/a,C,web,P1,1,10,", "missing date");
    expect_reject(&x, "O2,2024-01-01,C,web,P1,1,null,", "missing unit_price");
    done(&x);

    /* with no tokens, "NULL" is text: a bad number in cost */
    memset(&x, 0, sizeof x);
    reader_defaults(&x.o);
    rows_nulls_set(&x.o.nulls, "");
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,unit_price,cost"), CX_OK);
    expect_reject(&x, "O1,2024-01-01,C,web,P1,2,10,NULL", "bad number in cost: \"NULL\"");
    assert_int_equal(take(&x, "O1,2024-01-01,NULL,web,P1,2,10,3"), 0);
    assert_string_equal(dataset_text(x.part.ds, DS_CUSTOMER, 0), "NULL");
    done(&x);
}

static void test_composed_keys(void **state)
{
    (void)state;
    struct fixture x = { 0 };
    reader_defaults(&x.o);
    /* Adidas: an invoice is retailer + city + day + sales method */
    x.o.columns[RF_ORDER] = strdup("Retailer + City + Invoice Date + Sales Method");
    x.o.columns[RF_CUSTOMER] = strdup("Retailer+City");
    x.o.columns[RF_DATE] = strdup("Invoice Date");
    x.o.columns[RF_CHANNEL] = strdup("Sales Method");
    x.o.columns[RF_PRODUCT] = strdup("Product");
    x.o.columns[RF_QUANTITY] = strdup("Units");
    x.o.columns[RF_REVENUE] = strdup("Total Sales");
    assert_int_equal(plan(&x, "Retailer,Retailer ID,Invoice Date,Region,City,Product,Units,Total Sales,Sales Method"),
                     CX_OK);
    assert_int_equal(x.pl.nparts[RF_ORDER], 4);
    assert_int_equal(x.pl.part[RF_ORDER][0], 0);  /* Retailer */
    assert_int_equal(x.pl.part[RF_ORDER][1], 4);  /* City */
    assert_int_equal(x.pl.part[RF_ORDER][2], 2);  /* Invoice Date */
    assert_int_equal(x.pl.part[RF_ORDER][3], 8);  /* Sales Method */
    assert_int_equal(x.pl.nparts[RF_CUSTOMER], 2);
    assert_true(rows_plan_has(&x.pl, RF_ORDER));
    assert_int_equal(take(&x, "Foot Locker,1185732,2020-01-01,Northeast,New York,Shoes,120,60000,In-store"), 0);
    assert_int_equal(take(&x, "Foot Locker,1185732,2020-01-01,Northeast,New York,Shirts,10,500,In-store"), 0);
    assert_int_equal(take(&x, "Foot Locker,1185732,2020-01-01,Northeast,Boston,Shoes,5,250,In-store"), 0);
    /* a null part is empty; the key is still there */
    assert_int_equal(take(&x, "Walmart,1128299,2020-01-02,South,NULL,Shoes,1,50,Online"), 0);
    /* every part empty: the key is missing */
    expect_reject(&x, "NULL,1,NULL,South,,Shoes,1,50,N/A", "missing order_id");
    struct cx_err e = { 0 };
    assert_int_equal(dataset_finish(x.part.ds, &e), CX_OK);
    /* lines 1 and 2 share the invoice; Boston and Walmart are two more */
    assert_int_equal(dataset_count(x.part.ds, DS_ORDER), 3);
    assert_int_equal(dataset_count(x.part.ds, DS_CUSTOMER), 3);
    assert_string_equal(dataset_text(x.part.ds, DS_CUSTOMER, 0), "Foot Locker|New York");
    assert_string_equal(dataset_text(x.part.ds, DS_CUSTOMER, 1), "Foot Locker|Boston");
    assert_string_equal(dataset_text(x.part.ds, DS_CUSTOMER, 2), "Walmart|");
    done(&x);

    /* a header that holds " + " itself maps as a whole */
    memset(&x, 0, sizeof x);
    reader_defaults(&x.o);
    x.o.columns[RF_ORDER] = strdup("A + B");
    assert_int_equal(plan(&x, "A + B,A,B,date,customer_id,channel,product_id,quantity,revenue"), CX_OK);
    assert_int_equal(x.pl.nparts[RF_ORDER], 0);
    assert_int_equal(x.pl.col[RF_ORDER], 0);
    done(&x);

    /* a part that is no header: an error naming it */
    memset(&x, 0, sizeof x);
    reader_defaults(&x.o);
    x.o.columns[RF_ORDER] = strdup("A + Z");
    assert_int_equal(plan(&x, "A,B,date,customer_id,channel,product_id,quantity,revenue"), CX_EIO);
    if (strstr(x.e.msg, "no column for 'Z', a part of order_id = A + Z") == NULL)
        fail_msg("message: %s", x.e.msg);
    done(&x);
}

static void test_revenue_and_price(void **state)
{
    (void)state;
    struct fixture x = { 0 };
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,unit_price,discount,revenue"),
                     CX_OK);
    /* line 2: 2 x 10 x 0.9 = 18 = revenue: net 18, gross 18 / 0.9 = 20 */
    assert_int_equal(take(&x, "O1,2024-01-01,C,web,P,2,10,0.1,18"), 0);
    /* line 3: 3 x 10 = 30, revenue 300: revenue wins (net 300), counted */
    assert_int_equal(take(&x, "O2,2024-01-01,C,web,P,3,10,,300"), 0);
    /* line 4: 9.99 against 9.994: 0.004 is within half a cent */
    assert_int_equal(take(&x, "O3,2024-01-01,C,web,P,1,9.99,,9.994"), 0);
    /* line 5: 10 against 10.006: 0.006 > 0.005 + 1e-6 x 10.006, counted */
    assert_int_equal(take(&x, "O4,2024-01-01,C,web,P,1,10,,10.006"), 0);
    /* line 6: no revenue: the price gives the net, 2 x 5 = 10 */
    assert_int_equal(take(&x, "O5,2024-01-01,C,web,P,2,5,,"), 0);
    /* line 7: rejected rows do not count, even when they disagree */
    expect_reject(&x, "O6,2024-01-01,C,web,,2,5,,99", "missing product_id");
    /* line 8: a bad price beside a revenue is still a bad number */
    expect_reject(&x, "O7,2024-01-01,C,web,P,2,x,,99", "bad number in unit_price");
    assert_money(dataset_net(x.part.ds, 0), 18.0);
    assert_money(dataset_disc(x.part.ds, 0), 2.0);
    assert_money(dataset_net(x.part.ds, 1), 300.0);
    assert_money(dataset_disc(x.part.ds, 1), 0.0);
    assert_money(dataset_net(x.part.ds, 3), 10.006);
    assert_money(dataset_net(x.part.ds, 4), 10.0);
    /* The two that disagree have no unit price as invoiced: listed, so
       that prices are not compared on them (lines 3 and 5: 1 and 3 here). */
    assert_int_equal(x.part.ds->n_unsure, 2);
    assert_int_equal(x.part.ds->unsure_line[0], 1);
    assert_int_equal(x.part.ds->unsure_line[1], 3);
    const struct rows_tally *t = &x.part.tally;
    assert_int_equal(t->revenue_mismatch, 2);
    assert_int_equal(t->nex, 2);
    assert_int_equal(t->ex[0].line, 3);
    assert_money(t->ex[0].revenue, 300.0);
    assert_money(t->ex[0].computed, 30.0);
    assert_int_equal(t->ex[1].line, 5);
    assert_money(t->ex[1].computed, 10.0);

    /* merged in order: counts add, examples keep the first three, their
       lines shifted by where the part starts */
    struct rows_tally all = { 0 };
    rows_tally_merge(&all, t, 0);
    rows_tally_merge(&all, t, 100);
    assert_int_equal(all.revenue_mismatch, 4);
    assert_int_equal(all.nex, 3);
    assert_int_equal(all.ex[2].line, 103);
    rows_part_reset(&x.part);
    assert_int_equal(x.part.tally.revenue_mismatch, 0);
    done(&x);
}

static void test_margin_and_cost_warnings(void **state)
{
    (void)state;
    struct fixture x = { 0 };
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,revenue,cost,margin"), CX_OK);
    /* a sale with a negative cost: counted */
    assert_int_equal(take(&x, "O1,2024-01-01,C,web,P,1,10,-2,"), 0);
    /* margin 12 above the net 10 (cogs -2): counted apart */
    assert_int_equal(take(&x, "O2,2024-01-01,C,web,P,1,10,,12"), 0);
    /* a return: net -10, cost -6 is what a return looks like */
    assert_int_equal(take(&x, "O3,2024-01-01,C,web,P,-1,-10,-6,"), 0);
    /* a margin below the net: nothing */
    assert_int_equal(take(&x, "O4,2024-01-01,C,web,P,1,10,,4"), 0);
    assert_int_equal(x.part.tally.negative_cogs, 1);
    assert_int_equal(x.part.tally.margin_above_net, 1);
    assert_money(dataset_cogs(x.part.ds, 1), -2.0);
    assert_money(dataset_cogs(x.part.ds, 3), 6.0);
    done(&x);
}

static void test_typed_cells(void **state)
{
    (void)state;
    struct fixture x = { 0 };
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,unit_price,discount"), CX_OK);
    char rec[] = "O1,44197,C,web,P,3,x,15%";
    struct rows_field f[8];
    long nf = split(rec, f, 8);
    struct rows_cell c[8];
    memset(c, 0, sizeof c);
    /* 2021-01-01 is day 18628 (51 x 365 + 13); a workbook gives it as a day */
    c[1].kind = ROWS_DAY;
    c[1].day = 18628;
    c[5].kind = ROWS_NUMBER;
    c[5].num = 2;         /* the typed number wins over the text "3" */
    c[6].kind = ROWS_NUMBER;
    c[6].num = 12.5;      /* and over text that would not parse */
    c[7].kind = ROWS_NUMBER;
    c[7].num = 0.2;
    assert_int_equal(rows_take(&x.pl, &x.part, f, c, nf, NULL, 2, &x.rej, &x.e), 0);
    /* net 2 x 12.5 x 0.8 = 20 */
    assert_money(dataset_net(x.part.ds, 0), 20.0);
    assert_int_equal(x.part.ds->h_day[0], 18628);
    /* untyped cells are read from their text */
    memset(c, 0, sizeof c);
    c[6].kind = ROWS_NUMBER;
    c[6].num = NAN;       /* a non-finite typed number falls back to the text: "x" */
    assert_int_equal(rows_take(&x.pl, &x.part, f, c, nf, NULL, 3, &x.rej, &x.e), 1);
    assert_non_null(strstr(x.rej.msg, "bad date in date: \"44197\""));
    done(&x);
}

static void test_header_mapping(void **state)
{
    (void)state;
    struct fixture x = { 0 };
    reader_defaults(&x.o);
    /* case and spaces aside; a field named twice is an error */
    assert_int_equal(plan(&x, " ORDER_ID ,Date,customer_id,channel,product_id,quantity,unit_price"), CX_OK);
    assert_int_equal(x.pl.col[RF_ORDER], 0);
    assert_false(rows_plan_has(&x.pl, RF_REGION));
    done(&x);
    memset(&x, 0, sizeof x);
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,channel,product_id,quantity,unit_price,Date"), CX_EIO);
    assert_non_null(strstr(x.e.msg, "header names 'date' twice (columns 2 and 8)"));
    done(&x);
    memset(&x, 0, sizeof x);
    reader_defaults(&x.o);
    assert_int_equal(plan(&x, "order_id,date,customer_id,product_id,quantity,unit_price"), CX_EIO);
    assert_non_null(strstr(x.e.msg, "no column for required field 'channel'"));
    done(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_tokens),
        cmocka_unit_test(test_composed_keys),
        cmocka_unit_test(test_revenue_and_price),
        cmocka_unit_test(test_margin_and_cost_warnings),
        cmocka_unit_test(test_typed_cells),
        cmocka_unit_test(test_header_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
