/*
 * test_workbook — an Excel workbook as a source of transactions: a sheet
 * written with libxlsxwriter (title rows, an empty column A, numbers,
 * dates in date cells, strings, a text date, a bad number) loads to the
 * same dataset totals as the same rows written as CSV; rejects name the
 * sheet and its row; the sheet is chosen by name or number; header_row;
 * composed keys from typed cells; errors.
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
#include <unistd.h>
#include <xlsxwriter.h>

#include "engine/dataset.h"
#include "engine/profile.h"
#include "loaders/reader.h"
#include "loaders/workbook.h"

struct rejects {
    int n;
    uint64_t line[16];
    char file[16][256];
    char reason[16][256];
    char raw[16][256];
};

static int collect(void *ctx, const char *file, uint64_t line, const char *reason, const char *raw,
                   size_t rawlen)
{
    struct rejects *r = ctx;
    if (r->n < 16) {
        r->line[r->n] = line;
        snprintf(r->file[r->n], sizeof r->file[0], "%s", file);
        snprintf(r->reason[r->n], sizeof r->reason[0], "%s", reason);
        snprintf(r->raw[r->n], sizeof r->raw[0], "%.*s", (int)rawlen, raw);
    }
    r->n++;
    return 0;
}

/* The rows of both files: order, day, customer, channel, product,
   quantity, unit price. Net by hand: 2 x 10 = 20, 1 x 8.5 = 8.5,
   3 x 4 = 12, 5 x 2.25 = 11.25: 51.75 (the fifth row is rejected: its
   quantity is "two"). */
static const struct { const char *o; int y, m, d; const char *c, *ch, *p; double q, price; } R[] = {
    { "O1", 2024, 3, 1, "C1", "web", "P1", 2, 10 },
    { "O1", 2024, 3, 1, "C1", "web", "P2", 1, 8.5 },
    { "O2", 2024, 3, 5, "C2", "store", "P1", 3, 4 },
    { "O3", 2024, 3, 9, "C1", "store", "P3", 5, 2.25 },
};

static char *tmpname(const char *suffix)
{
    char *p = malloc(64);
    snprintf(p, 64, "/tmp/canaux_wb_%d_%s", (int)getpid(), suffix);
    return p;
}

/* Sheet 1 "Notes" (a note only), sheet 2 "Sales": two title rows, an
   empty row, the header at row 4 from column B, the rows, one bad row. */
static char *write_book(void)
{
    char *path = tmpname("sales.xlsx");
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *notes = workbook_add_worksheet(wb, "Notes");
    worksheet_write_string(notes, 0, 0, "not the data", NULL);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Sales");
    lxw_format *day = workbook_add_format(wb);
    format_set_num_format(day, "dd/mm/yyyy");
    worksheet_write_string(ws, 0, 1, "Sales of March", NULL);
    worksheet_write_string(ws, 1, 1, "(all channels)", NULL);
    static const char *const head[] = { "Order", "Date", "Customer", "Channel", "Product", "Qty", "Price" };
    for (int c = 0; c < 7; c++)
        worksheet_write_string(ws, 3, (lxw_col_t)(c + 1), head[c], NULL);
    for (int i = 0; i < 4; i++) {
        lxw_row_t r = (lxw_row_t)(4 + i);
        lxw_datetime dt = { R[i].y, R[i].m, R[i].d, 0, 0, 0 };
        worksheet_write_string(ws, r, 1, R[i].o, NULL);
        worksheet_write_datetime(ws, r, 2, &dt, day);
        worksheet_write_string(ws, r, 3, R[i].c, NULL);
        worksheet_write_string(ws, r, 4, R[i].ch, NULL);
        worksheet_write_string(ws, r, 5, R[i].p, NULL);
        worksheet_write_number(ws, r, 6, R[i].q, NULL);
        worksheet_write_number(ws, r, 7, R[i].price, NULL);
    }
    /* Row 9: a text date (ISO) and a quantity written as a word. */
    worksheet_write_string(ws, 8, 1, "O4", NULL);
    worksheet_write_string(ws, 8, 2, "2024-03-10", NULL);
    worksheet_write_string(ws, 8, 3, "C3", NULL);
    worksheet_write_string(ws, 8, 4, "web", NULL);
    worksheet_write_string(ws, 8, 5, "P1", NULL);
    worksheet_write_string(ws, 8, 6, "two", NULL);
    worksheet_write_number(ws, 8, 7, 1, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

static char *write_csv(void)
{
    char *path = tmpname("sales.csv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "Order,Date,Customer,Channel,Product,Qty,Price\n");
    for (int i = 0; i < 4; i++)
        fprintf(f, "%s,%04d-%02d-%02d,%s,%s,%s,%g,%g\n", R[i].o, R[i].y, R[i].m, R[i].d, R[i].c, R[i].ch, R[i].p,
                R[i].q, R[i].price);
    fprintf(f, "O4,2024-03-10,C3,web,P1,two,1\n");
    fclose(f);
    return path;
}

static void options(struct reader_options *o, const char *sheet)
{
    reader_defaults(o);
    static const char *const map[][2] = { { "order_id", "Order" }, { "date", "Date" }, { "customer_id", "Customer" },
                                          { "channel", "Channel" }, { "product_id", "Product" },
                                          { "quantity", "Qty" }, { "unit_price", "Price" } };
    static const int field[] = { RF_ORDER, RF_DATE, RF_CUSTOMER, RF_CHANNEL, RF_PRODUCT, RF_QUANTITY, RF_UNIT_PRICE };
    for (int i = 0; i < 7; i++) {
        (void)map[i][0];
        o->columns[field[i]] = strdup(map[i][1]);
    }
    o->sheet = sheet ? strdup(sheet) : NULL;
}

static void profile_of(const char *path, const char *sheet, struct profile *pf, struct reader_stats *st,
                       struct rejects *rj, struct dataset **dsp)
{
    struct reader_options o;
    options(&o, sheet);
    struct dataset *ds = dataset_create();
    struct cx_err e = { 0 };
    memset(st, 0, sizeof *st);
    assert_int_equal(reader_load(ds, path, NULL, &o, collect, rj, st, &e), CX_OK);
    assert_int_equal(dataset_finish(ds, &e), CX_OK);
    assert_int_equal(profile_compute(ds, 0, ds->n_lines, pf, &e), CX_OK);
    reader_options_free(&o);
    *dsp = ds;
}

static void test_same_as_csv(void **state)
{
    (void)state;
    char *xlsx = write_book(), *csv = write_csv();
    assert_true(workbook_is_path(xlsx));
    assert_false(workbook_is_path(csv));
    struct profile a, b;
    struct reader_stats sa, sb;
    struct rejects ra = { 0 }, rb = { 0 };
    struct dataset *da, *db;
    profile_of(xlsx, "Sales", &a, &sa, &ra, &da);
    profile_of(csv, NULL, &b, &sb, &rb, &db);
    /* The same rows, the same totals: 4 accepted lines, net 51.75. */
    assert_int_equal(sa.rows_read, 5);
    assert_int_equal(sa.accepted, 4);
    assert_int_equal(sa.rejected, 1);
    assert_int_equal(sa.accepted, sb.accepted);
    assert_true(fabs(a.net - 51.75) < 1e-9);
    assert_true(fabs(a.net - b.net) < 1e-9);
    assert_true(fabs(a.cogs - b.cogs) < 1e-9);
    assert_int_equal(a.day_min, b.day_min);
    assert_int_equal(a.day_max, b.day_max);
    assert_int_equal(dataset_count(da, DS_CUSTOMER), dataset_count(db, DS_CUSTOMER));
    assert_int_equal(dataset_count(da, DS_CHANNEL), 2);
    /* The reject: sheet row 9, named by the sheet. */
    assert_int_equal(ra.n, 1);
    assert_int_equal(ra.line[0], 9);
    assert_non_null(strstr(ra.file[0], "[Sales]"));
    assert_non_null(strstr(ra.reason[0], "quantity"));
    assert_non_null(strstr(ra.raw[0], "O4,2024-03-10,C3,web,P1,two,1"));
    profile_free(&a);
    profile_free(&b);
    reader_stats_free(&sa);
    reader_stats_free(&sb);
    dataset_free(da);
    dataset_free(db);
    /* The sheet by number; the default (the first worksheet, "Notes")
       holds no header; an unknown sheet lists the sheets. */
    struct reader_options o;
    struct cx_err e = { 0 };
    struct reader_stats st;
    struct rejects rj = { 0 };
    options(&o, "2");
    struct dataset *ds = dataset_create();
    memset(&st, 0, sizeof st);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_OK);
    assert_int_equal(st.accepted, 4);
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    options(&o, NULL);
    ds = dataset_create();
    memset(&st, 0, sizeof st);
    memset(&e, 0, sizeof e);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "[Notes]"));
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    options(&o, "Totals");
    ds = dataset_create();
    memset(&st, 0, sizeof st);
    memset(&e, 0, sizeof e);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "Sales"));
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    /* header_row = 4 names it; header_row = 2 is a title row. */
    options(&o, "Sales");
    o.header_row = 4;
    ds = dataset_create();
    memset(&st, 0, sizeof st);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_OK);
    assert_int_equal(st.accepted, 4);
    reader_stats_free(&st);
    dataset_free(ds);
    o.header_row = 2;
    ds = dataset_create();
    memset(&st, 0, sizeof st);
    memset(&e, 0, sizeof e);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "order_id"));
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    unlink(xlsx);
    unlink(csv);
    free(xlsx);
    free(csv);
}

/* A composed order key from a date cell: Customer + Date, joined with
   '|': O1's two lines and O3 (C1 on 1 and 9 March) make two orders, O2 a
   third. */
static void test_composed_key(void **state)
{
    (void)state;
    char *xlsx = write_book();
    struct reader_options o;
    options(&o, "Sales");
    free(o.columns[RF_ORDER]);
    o.columns[RF_ORDER] = strdup("Customer + Date");
    struct dataset *ds = dataset_create();
    struct cx_err e = { 0 };
    struct reader_stats st;
    struct rejects rj = { 0 };
    memset(&st, 0, sizeof st);
    assert_int_equal(reader_load(ds, xlsx, NULL, &o, collect, &rj, &st, &e), CX_OK);
    assert_int_equal(dataset_finish(ds, &e), CX_OK);
    assert_int_equal(dataset_count(ds, DS_ORDER), 3);
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    unlink(xlsx);
    free(xlsx);
}

static void test_not_a_workbook(void **state)
{
    (void)state;
    char *p = tmpname("fake.xlsx");
    FILE *f = fopen(p, "w");
    fputs("order_id,date\n", f);
    fclose(f);
    struct reader_options o;
    options(&o, NULL);
    struct dataset *ds = dataset_create();
    struct cx_err e = { 0 };
    struct reader_stats st;
    memset(&st, 0, sizeof st);
    assert_int_equal(reader_load(ds, p, NULL, &o, NULL, NULL, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "not an Excel workbook"));
    reader_stats_free(&st);
    dataset_free(ds);
    reader_options_free(&o);
    unlink(p);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_csv),
        cmocka_unit_test(test_composed_key),
        cmocka_unit_test(test_not_a_workbook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
