/*
 * test_dataset — string interning, order heads, and appending parts: the
 * ids after dataset_append are those of adding every line in order.
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
#include "engine/profile.h"
#include "engine/strtab.h"

static void test_strtab(void **state)
{
    (void)state;
    struct strtab *t = strtab_create();
    char buf[32];
    /* 100000 strings: ids in insertion order, found again after growth. */
    for (int i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "C%07d", i * 7);
        assert_int_equal(strtab_intern(t, buf, (size_t)n, strtab_hash(buf, (size_t)n)), (uint32_t)i);
    }
    assert_int_equal(strtab_count(t), 100000);
    for (int i = 0; i < 100000; i += 997) {
        int n = snprintf(buf, sizeof buf, "C%07d", i * 7);
        assert_int_equal(strtab_find(t, buf, (size_t)n, strtab_hash(buf, (size_t)n)), (uint32_t)i);
        assert_int_equal(strtab_intern(t, buf, (size_t)n, strtab_hash(buf, (size_t)n)), (uint32_t)i);
        size_t len;
        assert_string_equal(strtab_str(t, (uint32_t)i, &len), buf);
        assert_int_equal(len, (size_t)n);
    }
    assert_int_equal(strtab_find(t, "C0000001", 8, strtab_hash("C0000001", 8)), STRTAB_NONE);
    /* Without its index a table still finds (by a scan) and interns (the
       index is rebuilt, large enough for every string). */
    strtab_drop_index(t);
    assert_int_equal(strtab_find(t, "C0006979", 8, strtab_hash("C0006979", 8)), 997);
    assert_int_equal(strtab_find(t, "C0000001", 8, strtab_hash("C0000001", 8)), STRTAB_NONE);
    assert_int_equal(strtab_intern(t, "C0000014", 8, strtab_hash("C0000014", 8)), 2);
    assert_int_equal(strtab_intern(t, "new", 3, strtab_hash("new", 3)), 100000);
    assert_int_equal(strtab_find(t, "C0699993", 8, strtab_hash("C0699993", 8)), 99999);
    /* The empty string and strings that differ only in length. */
    uint32_t e = strtab_intern(t, "", 0, strtab_hash("", 0));
    uint32_t a = strtab_intern(t, "ab", 2, strtab_hash("ab", 2));
    uint32_t b = strtab_intern(t, "ab\0", 3, strtab_hash("ab\0", 3));
    assert_true(e != a && a != b && e != b);
    strtab_clear(t);
    assert_int_equal(strtab_count(t), 0);
    assert_int_equal(strtab_intern(t, "x", 1, strtab_hash("x", 1)), 0);
    strtab_free(t);
    strtab_free(NULL);
}

static struct ds_row row(const char *order, const char *cust, const char *prod, const char *chan,
                         int32_t day, double q, double price)
{
    struct ds_row r;
    memset(&r, 0, sizeof r);
    const char *t[DS_NTEXT] = { order, cust, prod, chan, "cat", "", "" };
    for (int f = 0; f < DS_NTEXT; f++) {
        r.text[f] = t[f];
        r.len[f] = strlen(t[f]);
    }
    r.day = day;
    r.quantity = q;
    r.gross = r.net = q * price;
    r.cogs = r.net / 2;
    return r;
}

static void test_append_equals_add(void **state)
{
    (void)state;
    /* 3000 lines added one by one, against the same lines in 7 parts. */
    struct dataset *whole = dataset_create(), *joined = dataset_create();
    struct dataset *parts[7];
    struct cx_err e = { 0 };
    for (int p = 0; p < 7; p++)
        parts[p] = dataset_create();
    char o[16], c[16], pr[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(o, sizeof o, "O%d", i / 4);
        snprintf(c, sizeof c, "C%d", ((i / 4) * 37) % 101);
        snprintf(pr, sizeof pr, "P%d", (i * 13) % 50);
        struct ds_row r = row(o, (i % 11) ? c : "", pr, (i % 3) ? "web" : "agents", 19000 + i / 40,
                              1 + i % 5, 2.5);
        r.price_unsure = i % 97 == 5;   /* 31 lines, renumbered across the parts */
        assert_int_equal(dataset_add(whole, &r, &e), CX_OK);
        assert_int_equal(dataset_add(parts[(i * 7) / 3000], &r, &e), CX_OK);
    }
    assert_int_equal(dataset_append(joined, parts, 7, &e), CX_OK);
    assert_int_equal(whole->n_lines, 3000);
    assert_int_equal(joined->n_lines, 3000);
    assert_int_equal(whole->n_heads, joined->n_heads);
    /* 3000 lines, 4 per order: 750 orders */
    assert_int_equal(dataset_count(whole, DS_ORDER), 750);
    assert_int_equal(dataset_count(joined, DS_ORDER), 750);
    assert_memory_equal(whole->h_order, joined->h_order, whole->n_heads * sizeof *whole->h_order);
    for (int f = DS_ORDER + 1; f < DS_NTEXT; f++) {
        assert_int_equal(dataset_count(whole, f), dataset_count(joined, f));
        for (uint32_t i = 0; i < dataset_count(whole, f); i++)
            assert_string_equal(dataset_text(whole, f, i), dataset_text(joined, f, i));
    }
    assert_memory_equal(whole->l_head, joined->l_head, 3000 * sizeof(uint32_t));
    assert_memory_equal(whole->l_product, joined->l_product, 3000 * sizeof(uint32_t));
    assert_memory_equal(whole->l_net, joined->l_net, 3000 * sizeof *whole->l_net);
    assert_int_equal(whole->n_big, joined->n_big);
    assert_memory_equal(whole->big_line, joined->big_line, whole->n_big * sizeof *whole->big_line);
    assert_int_equal(whole->n_unsure, 31);
    assert_int_equal(joined->n_unsure, 31);
    assert_memory_equal(whole->unsure_line, joined->unsure_line, 31 * sizeof *whole->unsure_line);
    assert_int_equal(joined->unsure_line[30], 2915);
    assert_memory_equal(whole->h_customer, joined->h_customer, whole->n_heads * sizeof(uint32_t));
    assert_memory_equal(whole->h_channel, joined->h_channel, whole->n_heads);
    /* Anonymous lines (every 11th) have no customer; orders split by
       customer: O0 has lines 0..3, line 0 anonymous, so 2 heads. */
    assert_int_equal(whole->h_customer[whole->l_head[0]], DS_NONE);
    assert_true(whole->l_head[0] != whole->l_head[1]);
    assert_int_equal(whole->l_head[1], whole->l_head[2]);

    /* Appending the whole again keeps ids and adds lines, also after the
       head index was freed. */
    dataset_seal(joined);
    assert_int_equal(dataset_append(joined, &whole, 1, &e), CX_OK);
    assert_int_equal(joined->n_lines, 6000);
    assert_int_equal(dataset_count(joined, DS_CUSTOMER), dataset_count(whole, DS_CUSTOMER));
    assert_int_equal(joined->n_heads, whole->n_heads);

    struct profile pf;
    assert_int_equal(profile_compute(whole, 0, whole->n_lines, &pf, &e), CX_OK);
    /* net = 2.5 x sum of (1 + i mod 5) = 2.5 x 600 x 15 = 22500 */
    assert_true(pf.net == 22500.0);
    assert_int_equal(pf.lines, 3000);
    assert_int_equal(pf.anon_lines, 273);   /* i = 0, 11, ..., 2992: 273 values */
    assert_int_equal(pf.day_min, 19000);
    assert_int_equal(pf.day_max, 19000 + 2999 / 40);
    assert_int_equal(pf.ch_lines[0] + pf.ch_lines[1], 3000);
    assert_int_equal(pf.ch_lines[0], 1000);  /* "agents" first seen at i = 0: i mod 3 = 0 */
    profile_free(&pf);

    for (int p = 0; p < 7; p++)
        dataset_free(parts[p]);
    dataset_free(whole);
    dataset_free(joined);
}

/* dataset_finish frees the order fingerprints and packs product ids: every
   id, category and count reads the same after it, and adding fails. */
static void test_finish(void **state)
{
    (void)state;
    struct cx_err e = { 0 };
    for (int big = 0; big < 2; big++) {
        /* 70,000 products do not fit in 16 bits: those ids stay 32-bit. */
        int nlines = big ? 70000 : 5000, nprod = big ? 70000 : 300;
        struct dataset *ds = dataset_create(), *other = dataset_create();
        char o[16], c[16], pr[16];
        for (int i = 0; i < nlines; i++) {
            snprintf(o, sizeof o, "O%d", i / 3);
            snprintf(c, sizeof c, "C%d", (i / 3) % 77);
            snprintf(pr, sizeof pr, "P%d", (i * 7919) % nprod);
            struct ds_row r = row(o, c, pr, "web", 19000 + i / 100, 1, 2);
            if (i % 5 == 0) {
                r.text[DS_CATEGORY] = "other";   /* a line whose category is not its product's */
                r.len[DS_CATEGORY] = 5;
            }
            assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
        }
        uint32_t orders = dataset_count(ds, DS_ORDER);
        assert_int_equal(orders, (uint32_t)(nlines + 2) / 3);
        uint32_t *prod = malloc((size_t)nlines * sizeof *prod);
        uint16_t *cat = malloc((size_t)nlines * sizeof *cat);
        assert_non_null(prod);
        assert_non_null(cat);
        for (int i = 0; i < nlines; i++) {
            prod[i] = dataset_product(ds, (size_t)i);
            cat[i] = dataset_category(ds, (size_t)i);
        }
        assert_int_equal(dataset_finish(ds, &e), CX_OK);
        assert_int_equal(dataset_finish(ds, &e), CX_OK);   /* twice is harmless */
        assert_null(ds->h_order);
        assert_true(big ? ds->l_product16 == NULL : ds->l_product == NULL);
        assert_int_equal(dataset_count(ds, DS_ORDER), orders);
        assert_int_equal(dataset_count(ds, DS_PRODUCT), (uint32_t)nprod);
        for (int i = 0; i < nlines; i++) {
            assert_int_equal(dataset_product(ds, (size_t)i), prod[i]);
            assert_int_equal(dataset_category(ds, (size_t)i), cat[i]);
        }
        /* line 10: product 79190 mod 70000 = 9190, or mod 300 = 290 */
        assert_string_equal(dataset_text(ds, DS_PRODUCT, dataset_product(ds, 10)), big ? "P9190" : "P290");
        struct ds_row r = row("O1", "C1", "P1", "web", 19000, 1, 2);
        assert_int_equal(dataset_add(ds, &r, &e), CX_EINTERNAL);
        assert_int_equal(dataset_append(other, &ds, 1, &e), CX_EINTERNAL);
        assert_int_equal(ds->n_lines, (size_t)nlines);
        free(prod);
        free(cat);
        dataset_free(ds);
        dataset_free(other);
    }
}

static void test_money(void **state)
{
    (void)state;
    /* Amounts with up to four decimals below 214,748.3647 are held as whole
       ten-thousandths; others (a 1,000,000 line, a price of 1/3) on the
       side, exactly. */
    struct dataset *ds = dataset_create();
    struct cx_err e = { 0 };
    struct ds_row r = row("O1", "C", "P", "web", 1, 3, 19.99);   /* net 59.97 */
    r.gross = 70.55;                                             /* discount 10.58 */
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
    r = row("O1", "C", "P", "web", 1, 1000, 1000);               /* net 1e6: too big */
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
    r = row("O1", "C", "P", "web", 1, 1, 1.0 / 3);               /* five decimals and more */
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
    r = row("O1", "C", "P", "web", 1, -2, 0.0125);               /* a return: -0.025 */
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
    assert_int_equal(ds->l_net[0], 599700);
    assert_int_equal(ds->l_disc[0], 105800);
    assert_int_equal(ds->l_cogs[0], 299850);
    assert_int_equal(ds->n_big, 2);
    assert_int_equal(ds->l_net[1], DS_MONEY_BIG);
    assert_true(dataset_net(ds, 1) == 1e6);
    assert_true(dataset_cogs(ds, 1) == 5e5);
    assert_true(dataset_net(ds, 2) == 1.0 / 3);
    assert_true(dataset_net(ds, 3) == -0.025);
    assert_int_equal(ds->l_net[3], -250);
    struct profile pf;
    assert_int_equal(profile_compute(ds, 0, ds->n_lines, &pf, &e), CX_OK);
    /* 59.97 + 1,000,000 - 0.025 + 1/3, the first three exact */
    assert_true(fabs(pf.net - (1000059.945 + 1.0 / 3)) < 1e-9);
    profile_free(&pf);
    dataset_free(ds);
}

static void test_channel_limit(void **state)
{
    (void)state;
    struct dataset *ds = dataset_create();
    struct cx_err e = { 0 };
    char ch[16];
    int rc = CX_OK, i;
    for (i = 0; i < 300 && rc == CX_OK; i++) {
        snprintf(ch, sizeof ch, "ch%d", i);
        struct ds_row r = row("O", "C", "P", ch, 1, 1, 1);
        rc = dataset_add(ds, &r, &e);
    }
    /* Ids 0..254 are channels; the 256th distinct name fails. */
    assert_int_equal(rc, CX_EIO);
    assert_int_equal(i, 256);
    assert_non_null(strstr(e.msg, "distinct channels"));
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strtab),
        cmocka_unit_test(test_append_equals_add),
        cmocka_unit_test(test_finish),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_channel_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
