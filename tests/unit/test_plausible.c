/*
 * test_plausible — the plausibility warnings of loading: the sentences
 * made from a file's tally, the duplicate count over several files (and
 * over enough lines for the parallel path), and channel names written two
 * ways. Expected counts are worked out by hand beside each assertion.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "loaders/plausible.h"
#include "loaders/source.h"

static void expect_has(const struct cx_warnings *w, size_t k, int kind, const char *text)
{
    assert_true(k < w->n);
    assert_int_equal(w->v[k].kind, kind);
    if (strstr(w->v[k].text, text) == NULL)
        fail_msg("warning %zu: \"%s\", expected \"%s\" in it", k, w->v[k].text, text);
}

static void test_file_sentences(void **state)
{
    (void)state;
    struct reader_stats st;
    char name1[] = "adidas.csv", name2[] = "ok.csv";
    memset(&st, 0, sizeof st);
    st.name = name1;
    st.accepted = 9648;
    st.encoding = SRC_CP1252;
    st.encoding_guessed = 1;
    st.tally.revenue_mismatch = 3886;
    st.tally.nex = 2;
    st.tally.ex[0] = (struct rows_example){ 6, 600000.0, 60000.0 };
    st.tally.ex[1] = (struct rows_example){ 7, 500000.0, 50000.0 };
    st.tally.margin_above_net = 1;
    st.tally.negative_cogs = 1200;
    struct cx_warnings w = { 0 };
    assert_int_equal(plausible_file(&w, &st), CX_OK);
    assert_int_equal(w.n, 4);
    expect_has(&w, 0, CX_WARN_ENCODING, "adidas.csv is not UTF-8: read as Windows-1252");
    expect_has(&w, 1, CX_WARN_REVENUE, "on 3,886 of 9,648 accepted rows");
    expect_has(&w, 1, CX_WARN_REVENUE, "first: line 6: revenue 600000.00, computed 60000.00; "
                                       "line 7: revenue 500000.00, computed 50000.00");
    expect_has(&w, 2, CX_WARN_MARGIN, "adidas.csv: 1 sold line has a margin above the net");
    expect_has(&w, 3, CX_WARN_NEGATIVE_COST, "adidas.csv: 1,200 sold lines have a negative cost");
    assert_string_equal(cx_warn_kind_name(w.v[1].kind), "revenue");
    cx_warnings_free(&w);
    assert_int_equal(w.n, 0);
    /* nothing doubtful: no warning */
    memset(&st, 0, sizeof st);
    st.name = name2;
    st.encoding = SRC_UTF8;
    assert_int_equal(plausible_file(&w, &st), CX_OK);
    assert_int_equal(w.n, 0);
}

static uint64_t *keys(const uint64_t *v, size_t n)
{
    uint64_t *a = malloc(n * sizeof *a);
    assert_non_null(a);
    memcpy(a, v, n * sizeof *a);
    return a;
}

static void test_duplicates(void **state)
{
    (void)state;
    struct reader_stats st[3];
    memset(st, 0, sizeof st);
    /* file 1: 1 2 3 2 -> one repeat; file 2: 3 0 0 -> 3 again and 0
       twice: two more; file 3: none. 3 repeats of 7 lines. */
    static const uint64_t a[] = { 1, 2, 3, 2 }, b[] = { 3, 0, 0 };
    st[0].line_hash = keys(a, 4);
    st[0].n_hash = st[0].cap_hash = 4;
    st[1].line_hash = keys(b, 3);
    st[1].n_hash = st[1].cap_hash = 3;
    struct cx_warnings w = { 0 };
    assert_int_equal(plausible_duplicates(&w, st, 3), CX_OK);
    assert_int_equal(w.n, 1);
    expect_has(&w, 0, CX_WARN_DUPLICATES, "3 of 7 accepted lines repeat an earlier line exactly");
    expect_has(&w, 0, CX_WARN_DUPLICATES, "over all input files");
    /* the fingerprints are freed */
    assert_null(st[0].line_hash);
    assert_null(st[1].line_hash);
    cx_warnings_free(&w);

    /* 250,000 distinct keys (i times an odd number is a bijection), then
       the first 1,234 of them again: 1,234 repeats, through the parallel
       path and every bucket of the top byte. */
    size_t n = 250000, m = 1234;
    uint64_t *big = malloc((n + m) * sizeof *big);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
    memcpy(big + n, big, m * sizeof *big);
    memset(st, 0, sizeof st);
    st[0].line_hash = big;
    st[0].n_hash = st[0].cap_hash = n + m;
    assert_int_equal(plausible_duplicates(&w, st, 1), CX_OK);
    assert_int_equal(w.n, 1);
    expect_has(&w, 0, CX_WARN_DUPLICATES, "1,234 of 251,234 accepted lines");
    cx_warnings_free(&w);
    /* all distinct: no warning */
    static const uint64_t c[] = { 5, 6, 7 };
    st[0].line_hash = keys(c, 3);
    st[0].n_hash = st[0].cap_hash = 3;
    assert_int_equal(plausible_duplicates(&w, st, 1), CX_OK);
    assert_int_equal(w.n, 0);
}

static void add(struct dataset *ds, const char *channel, const char *order)
{
    struct ds_row r;
    memset(&r, 0, sizeof r);
    r.text[DS_ORDER] = order;
    r.len[DS_ORDER] = strlen(order);
    r.text[DS_PRODUCT] = "P";
    r.len[DS_PRODUCT] = 1;
    r.text[DS_CHANNEL] = channel;
    r.len[DS_CHANNEL] = strlen(channel);
    r.quantity = 1;
    r.gross = r.net = 10;
    struct cx_err e = { 0 };
    assert_int_equal(dataset_add(ds, &r, &e), CX_OK);
}

static void test_channel_names(void **state)
{
    (void)state;
    char k[64];
    plausible_channel_key("Ware House", k, sizeof k);
    assert_string_equal(k, "warehouse");
    plausible_channel_key("WAREHOUSE", k, sizeof k);
    assert_string_equal(k, "warehouse");
    plausible_channel_key(" E-Commerce.", k, sizeof k);
    assert_string_equal(k, "ecommerce");
    plausible_channel_key("Caf\xC3\xA9 2", k, sizeof k);   /* non-ASCII kept, digits kept */
    assert_string_equal(k, "caf\xC3\xA9" "2");

    struct dataset *ds = dataset_create();
    assert_non_null(ds);
    /* Warehouse 3 lines, Ware House 1, web 2, e-commerce 1, E Commerce 2 */
    add(ds, "Warehouse", "O1");
    add(ds, "Ware House", "O2");
    add(ds, "web", "O3");
    add(ds, "Warehouse", "O4");
    add(ds, "e-commerce", "O5");
    add(ds, "Warehouse", "O6");
    add(ds, "web", "O7");
    add(ds, "E Commerce", "O8");
    add(ds, "E Commerce", "O9");
    struct cx_warnings w = { 0 };
    assert_int_equal(plausible_channels(&w, ds), CX_OK);
    assert_int_equal(w.n, 2);
    expect_has(&w, 0, CX_WARN_CHANNEL_NAMES, "channels \"Warehouse\" (3 lines) and \"Ware House\" (1 line) "
                                             "differ only by case, spaces or punctuation");
    expect_has(&w, 1, CX_WARN_CHANNEL_NAMES, "\"e-commerce\" (1 line) and \"E Commerce\" (2 lines)");
    cx_warnings_free(&w);
    dataset_free(ds);
    /* distinct names: nothing */
    ds = dataset_create();
    add(ds, "web", "O1");
    add(ds, "store", "O2");
    assert_int_equal(plausible_channels(&w, ds), CX_OK);
    assert_int_equal(w.n, 0);
    dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_sentences),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_channel_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
