/*
 * test_reader — the CSV loader on small hand-made files: derived amounts,
 * mapping, rejects and their line numbers, formats, errors, and the
 * parallel parse against a one-thread parse with tiny blocks and ranges.
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
#include <zlib.h>

#include "engine/dataset.h"
#include "loaders/catalog.h"
#include "loaders/config.h"
#include "loaders/customers.h"
#include "loaders/reader.h"
#include "loaders/source.h"

#define HEAD "order_id,date,customer_id,channel,product_id,category,quantity,unit_price,unit_cost,discount,region,account_id\n"

/* Relative comparison of money, with what was compared in the message. */
#define assert_money(got, want)                                                           \
    do {                                                                                  \
        double g_ = (got), w_ = (want);                                                   \
        if (fabs(g_ - w_) > 1e-9 * (fabs(w_) + 1)) {                                      \
            print_error("%s = %.10g, expected %.10g\n", #got, g_, w_);                    \
            fail();                                                                       \
        }                                                                                 \
    } while (0)

struct rejects {
    int n;
    uint64_t line[64];
    char reason[64][256];
    char raw[64][200];
};

static int collect(void *ctx, const char *file, uint64_t line, const char *reason, const char *raw,
                   size_t rawlen)
{
    (void)file;
    struct rejects *r = ctx;
    if (r->n < 64) {
        r->line[r->n] = line;
        snprintf(r->reason[r->n], sizeof r->reason[0], "%s", reason);
        snprintf(r->raw[r->n], sizeof r->raw[0], "%.*s", (int)rawlen, raw);
    }
    r->n++;
    return 0;
}

static char *write_tmp(const char *content, size_t n)
{
    char *path = strdup("/tmp/canaux_test_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

static char *write_str(const char *content)
{
    return write_tmp(content, strlen(content));
}

struct loaded {
    struct dataset *ds;
    struct reader_stats st;
    struct rejects rej;
    struct cx_err err;
    int rc;
};

static void load_opts(struct loaded *L, const char *content, const char *channel,
                      const struct reader_options *o)
{
    memset(L, 0, sizeof *L);
    char *path = write_tmp(content, strlen(content));
    L->ds = dataset_create();
    assert_non_null(L->ds);
    L->rc = reader_load(L->ds, path, channel, o, collect, &L->rej, &L->st, &L->err);
    unlink(path);
    free(path);
}

static void load(struct loaded *L, const char *content)
{
    struct reader_options o;
    reader_defaults(&o);
    load_opts(L, content, NULL, &o);
}

static void unload(struct loaded *L)
{
    dataset_free(L->ds);
    reader_stats_free(&L->st);
}

static void test_amounts(void **state)
{
    (void)state;
    struct loaded L;
    load(&L, HEAD
         "O1,2024-01-05,C1,web,P1,Garden,2,10.00,6.00,0,North,\n"
         "O1,2024-01-05,C1,web,P2,Garden,1,5.00,2.00,10%,North,\n"
         "O2,2024-02-05,,retail,P1,Garden,-1,10.00,6.00,,North,ST1\n");
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.rows_read, 3);
    assert_int_equal(L.st.accepted, 3);
    assert_int_equal(L.ds->n_lines, 3);
    /* line 1: 2 x 10 = 20, cogs 12; line 2: 5 x 0.9 = 4.5, cogs 2;
       line 3: a return of 1 x 10: net -10, cogs -6 */
    assert_money(dataset_net(L.ds, 0), 20.0);
    assert_money(dataset_cogs(L.ds, 0), 12.0);
    assert_money(dataset_net(L.ds, 1), 4.5);
    assert_money(dataset_disc(L.ds, 1), 0.5);
    assert_money(dataset_cogs(L.ds, 1), 2.0);
    assert_money(dataset_net(L.ds, 2), -10.0);
    assert_money(dataset_cogs(L.ds, 2), -6.0);
    assert_true(L.ds->l_qty[2] == -1.0f);
    /* Lines 1 and 2 share an order head; line 3 is anonymous. */
    assert_int_equal(L.ds->n_heads, 2);
    assert_int_equal(L.ds->l_head[0], L.ds->l_head[1]);
    assert_int_equal(L.ds->h_customer[L.ds->l_head[2]], DS_NONE);
    assert_int_equal(dataset_count(L.ds, DS_CHANNEL), 2);
    assert_string_equal(dataset_text(L.ds, DS_ACCOUNT, L.ds->h_account[L.ds->l_head[2]]), "ST1");
    assert_int_equal(L.ds->h_account[L.ds->l_head[0]], DS_NONE);
    /* 2024-01-05 is day 19727 since 1970-01-01 (54 years, 13 leap days + 4) */
    assert_int_equal(L.ds->h_day[0], 19727);
    unload(&L);
}

static void test_cost_sources(void **state)
{
    (void)state;
    struct loaded L;
    struct reader_options o;
    /* revenue is the net; gross = net / (1 - d); cost is a line total;
       margin gives cogs = net - margin; else the default margin 0.35. */
    reader_defaults(&o);
    load_opts(&L,
              "order_id;date;customer_id;channel;product_id;quantity;revenue;discount;cost;margin\r\n"
              "A;2024-03-01;C;web;P;4;80;0.2;50;\r\n"
              "B;2024-03-01;C;web;P;1;30;;;12\r\n"
              "C;2024-03-01;C;web;P;1;100;;;\r\n",
              NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.delimiter, ';');
    assert_int_equal(L.st.accepted, 3);
    assert_money(dataset_net(L.ds, 0), 80);
    assert_money(dataset_disc(L.ds, 0), 20);   /* gross 100 */
    assert_money(dataset_cogs(L.ds, 0), 50);
    assert_money(dataset_cogs(L.ds, 1), 18);   /* 30 - 12 */
    assert_money(dataset_cogs(L.ds, 2), 65);   /* 100 x (1 - 0.35) */
    unload(&L);

    /* A catalogue fills cost and category where the file has none. */
    char *cat = write_str("product_id,unit_cost,category\nP,2.5,Tools\n");
    struct catalog *c;
    struct cx_err e = { 0 };
    reader_defaults(&o);
    assert_int_equal(catalog_load(&c, cat, &o, &e), CX_OK);
    unlink(cat);
    free(cat);
    reader_defaults(&o);
    o.catalog = c;
    load_opts(&L,
              "order_id,date,customer_id,channel,product_id,quantity,unit_price\n"
              "A,2024-03-01,C,web,P,4,10\n"
              "B,2024-03-01,C,web,Q,1,10\n",
              NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_money(dataset_cogs(L.ds, 0), 10);   /* 4 x 2.5 */
    assert_money(dataset_cogs(L.ds, 1), 6.5);  /* Q not in catalogue: 10 x 0.65 */
    assert_string_equal(dataset_text(L.ds, DS_CATEGORY, dataset_category(L.ds, 0)), "Tools");
    assert_int_equal(dataset_category(L.ds, 1), DS_NONE16);
    unload(&L);
    catalog_free(c);
}

static void test_rejects_and_lines(void **state)
{
    (void)state;
    struct loaded L;
    struct reader_options o;
    /* Read as UTF-8 (detection would take the lone FF byte, never UTF-8,
       for Windows-1252 "ÿ"): line 11 is then invalid text. */
    reader_defaults(&o);
    o.encoding = SRC_UTF8;
    load_opts(&L, HEAD
         "O1,2024-01-05,C1,web,P1,Garden,2,10.00,6.00,0,North,\n"          /* line 2 */
         "O3,2024-02-06,C2,agents,\"P,3\",\"Kitchen \"\"big\"\"\nrange\",3,4.5,2,0.2,South,AG1\n" /* 3-4 */
         "O4,2024-02-07,C2,agents,P1,Garden,x,4.5,2,0.2,South,AG1\n"       /* 5: bad quantity */
         "\n"                                                              /* 6: blank */
         "O5,2024-02-07,C2,agents,P1,Garden,1,4.5,2,1.2,South,AG1\n"       /* 7: discount */
         "O6,2024-02-30,C2,agents,P1,Garden,1,4.5,2,0.2,South,AG1\n"       /* 8: date */
         ",2024-02-07,C2,agents,P1,Garden,1,4.5,2,0,South,AG1\n"           /* 9: no order */
         "O8,2024-02-07,C2,agents,P1,Garden,1,-4.5,2,0,South,AG1\n"        /* 10: price */
         "O9,2024-02-07,C\xff,agents,P1,Garden,1,4.5,2,0,South,AG1\n"      /* 11: UTF-8 */
         "O7,2024-02-07,C2\n"                                              /* 12: fields */
         "O10,2024-02-07,C2,agents,\"P1,Garden,1,4.5,2,0,South,AG1\n",     /* 13: quote */
         NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.rows_read, 10);
    assert_int_equal(L.st.accepted, 2);
    assert_int_equal(L.st.rejected, 8);
    assert_int_equal(L.st.blank_lines, 1);
    assert_int_equal(L.st.accepted + L.st.rejected, L.st.rows_read);
    assert_int_equal(L.rej.n, 8);
    static const uint64_t lines[] = { 5, 7, 8, 9, 10, 11, 12, 13 };
    static const char *const why[] = { "bad number in quantity: \"x\"", "discount out of range",
                                       "bad date in date: \"2024-02-30\"", "missing order_id",
                                       "negative unit_price", "invalid UTF-8 in customer_id",
                                       "expected 12 fields, found 3", "unterminated quoted field" };
    for (int k = 0; k < 8; k++) {
        assert_int_equal(L.rej.line[k], lines[k]);
        if (strstr(L.rej.reason[k], why[k]) == NULL)
            fail_msg("reject %d: \"%s\", expected \"%s\"", k, L.rej.reason[k], why[k]);
    }
    assert_string_equal(L.rej.raw[0], "O4,2024-02-07,C2,agents,P1,Garden,x,4.5,2,0.2,South,AG1");
    assert_int_equal(L.st.by_reason[RJ_NUMBER][RF_QUANTITY], 1);
    assert_int_equal(L.st.by_reason[RJ_FIELDS][RF_NFIELDS], 1);
    /* The quoted product and the category with a quote and a newline. */
    assert_string_equal(dataset_text(L.ds, DS_PRODUCT, L.ds->l_product[1]), "P,3");
    assert_string_equal(dataset_text(L.ds, DS_CATEGORY, dataset_category(L.ds, 1)), "Kitchen \"big\"\nrange");
    unload(&L);
}

static void test_people_forms(void **state)
{
    (void)state;
    struct loaded L;
    /* As US Regional Sales writes them: D/M/YY and DD/MM/YYYY in one
       column (31/5/18 rules out MDY, so DMY is detected), money with a
       currency sign and thousands commas, quoted. */
    load(&L, "order_id,date,customer_id,channel,product_id,quantity,discount,unit_cost,unit_price\n"
             "S1,31/5/18,C1,In-Store,P1,5,0.08,\"$1,001.18\",\"$1,963.10\"\n"   /* line 2 */
             "S2,14/06/2018,C2,Online,P2,3,0.05,$781.22,\"$1,775.50\"\n"          /* line 3 */
             "S3,2/7/2018,C2,Online,P2,1,,(10.00),$20\n"                          /* line 4 */
             "S4,2/7/2018,C2,Online,P2,1,,1,\"1,5\"\n");                          /* line 5 */
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.date_format, FIELD_DATE_DMY);
    assert_int_equal(L.st.accepted, 3);
    /* 5 x 1963.10 x 0.92 = 9030.26; cogs 5 x 1001.18 = 5005.90 */
    assert_money(dataset_net(L.ds, 0), 9030.26);
    assert_money(dataset_cogs(L.ds, 0), 5005.9);
    /* 3 x 1775.50 x 0.95 = 5060.175 (kept to 1e-4) */
    assert_money(dataset_net(L.ds, 1), 5060.175);
    /* an accounting negative unit cost: cogs 1 x -10 */
    assert_money(dataset_cogs(L.ds, 2), -10.0);
    /* 2018-05-31 is day 17682, 2018-06-14 day 17696, 2018-07-02 day 17714 */
    assert_int_equal(L.ds->h_day[L.ds->l_head[0]], 17682);
    assert_int_equal(L.ds->h_day[L.ds->l_head[1]], 17696);
    assert_int_equal(L.ds->h_day[L.ds->l_head[2]], 17714);
    /* "1,5" in locale en is refused, saying why */
    assert_int_equal(L.rej.n, 1);
    assert_int_equal(L.rej.line[0], 5);
    if (strstr(L.rej.reason[0], "bad number in unit_price: \"1,5\"") == NULL ||
        strstr(L.rej.reason[0], "set locale = fr") == NULL)
        fail_msg("reject: \"%s\"", L.rej.reason[0]);
    unload(&L);
}

static void test_master_data(void **state)
{
    (void)state;
    struct reader_options o;
    struct cx_err e = { 0 };
    reader_defaults(&o);
    /* A catalogue with its own headers, ';' and money as people write it;
       a NULL cost is no cost. */
    o.products_columns[RP_PRODUCT] = strdup("ProductKey");
    o.products_columns[RP_UNIT_COST] = strdup("StandardCost");
    o.products_columns[RP_CATEGORY] = strdup("Cat");
    char *cat = write_str("Name;ProductKey;Cat;StandardCost\n"
                          "Road;349;Bikes;\"$1,898.09\"\n"
                          "Cap;350;Clothing;NULL\n");
    struct catalog *c;
    assert_int_equal(catalog_load(&c, cat, &o, &e), CX_OK);
    assert_int_equal(catalog_size(c), 2);
    /* Customers: the channel of a reseller (AdventureWorks' BusinessType);
       listed twice with the same values is fine. */
    o.customers_columns[RC_CUSTOMER] = strdup("ResellerKey");
    o.customers_columns[RC_CHANNEL] = strdup("BusinessType");
    o.customers_columns[RC_REGION] = strdup("Country");
    char *cus = write_str("ResellerKey,BusinessType,Country\n"
                          "1,Warehouse,France\n"
                          "2,Specialty Bike Shop,\n"
                          "2,Specialty Bike Shop,N/A\n");
    struct customers *cu;
    assert_int_equal(customers_load(&cu, cus, &o, &e), CX_OK);
    assert_int_equal(customers_size(cu), 2);
    assert_true(customers_has(cu, CU_CHANNEL));
    assert_true(customers_has(cu, CU_REGION));
    assert_false(customers_has(cu, CU_ACCOUNT));
    o.catalog = c;
    o.customers = cu;
    struct loaded L;
    /* No channel column: it comes from the customers. */
    load_opts(&L,
              "order_id,date,customer_id,product_id,quantity,revenue,cost,region\n"
              "O1,2020-01-01,1,349,2,5000,NULL,\n"         /* line 2: Warehouse, France */
              "O2,2020-01-01,2,350,1,10,4,\n"              /* line 3: no region */
              "O3,2020-01-01,2,349,1,3000,,Spain\n"        /* line 4: its own region wins */
              "O4,2020-01-01,3,349,1,3000,,\n",            /* line 5: customer 3 is unknown */
              NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_true(L.st.has_field[RF_CHANNEL]);
    assert_int_equal(L.st.accepted, 3);
    assert_int_equal(L.rej.n, 1);
    assert_int_equal(L.rej.line[0], 5);
    if (strstr(L.rej.reason[0], "missing channel: customer \"3\" is not in") == NULL)
        fail_msg("reject: %s", L.rej.reason[0]);
    const struct dataset *ds = L.ds;
    assert_string_equal(dataset_text(ds, DS_CHANNEL, ds->h_channel[ds->l_head[0]]), "Warehouse");
    assert_string_equal(dataset_text(ds, DS_REGION, ds->h_region[ds->l_head[0]]), "France");
    assert_string_equal(dataset_text(ds, DS_CHANNEL, ds->h_channel[ds->l_head[1]]), "Specialty Bike Shop");
    assert_int_equal(ds->h_region[ds->l_head[1]], DS_NONE16);
    assert_string_equal(dataset_text(ds, DS_REGION, ds->h_region[ds->l_head[2]]), "Spain");
    /* The NULL cost falls back to the catalogue: 2 x 1898.09 = 3796.18;
       category from the catalogue */
    assert_money(dataset_cogs(ds, 0), 3796.18);
    assert_string_equal(dataset_text(ds, DS_CATEGORY, dataset_category(ds, 0)), "Bikes");
    assert_money(dataset_cogs(ds, 1), 4.0);
    unload(&L);
    o.catalog = NULL;
    o.customers = NULL;
    customers_free(cu);
    catalog_free(c);
    unlink(cat);
    free(cat);
    unlink(cus);
    free(cus);

    /* A customer listed twice with other values is bad input, named. */
    cus = write_str("ResellerKey,BusinessType\n1,Warehouse\n2,Warehouse\n1,Ware House\n");
    assert_int_equal(customers_load(&cu, cus, &o, &e), CX_EIO);
    if (strstr(e.msg, ":4: customer 1 listed twice with different values: channel 'Warehouse' on "
                      "line 2, 'Ware House' here") == NULL)
        fail_msg("message: %s", e.msg);
    unlink(cus);
    free(cus);
    /* A header without the mapped columns */
    memset(&e, 0, sizeof e);
    cus = write_str("id,type\n1,Warehouse\n");
    assert_int_equal(customers_load(&cu, cus, &o, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "customers file header has no column 'ResellerKey'"));
    unlink(cus);
    free(cus);
    memset(&e, 0, sizeof e);
    cat = write_str("ProductKey,StandardCost\n1,-3\n");
    assert_int_equal(catalog_load(&c, cat, &o, &e), CX_EIO);
    assert_non_null(strstr(e.msg, ":2: bad unit_cost \"-3\""));
    unlink(cat);
    free(cat);
    memset(&e, 0, sizeof e);
    cat = write_str("ProductKey,StandardCost\n1,3\n2\n");
    assert_int_equal(catalog_load(&c, cat, &o, &e), CX_EIO);
    assert_non_null(strstr(e.msg, ":3: expected 2 fields, found 1"));
    unlink(cat);
    free(cat);
    reader_options_free(&o);
}

static void test_formats(void **state)
{
    (void)state;
    struct loaded L;
    struct reader_options o;
    /* BOM, tab delimiter, French numbers with a no-break space, DD/MM/YYYY
       detected from 25/12, CRLF and no newline at the end. */
    reader_defaults(&o);
    o.locale = FIELD_FR;
    load_opts(&L,
              "\xEF\xBB\xBFOrder_ID\tDate\tCustomer_ID\tChannel\tProduct_ID\tQuantity\tUnit_Price\tDiscount\r\n"
              "A\t25/12/2024\tC\tweb\tP\t2\t1\xC2\xA0" "234,50\t15%\r\n"
              "B\t03/01/2025 10:30\tC\tweb\tP\t1\t0,5\t0\r\n"
              "C\t04/01/2025\tC\tweb\tP\t1\t1\xE2\x80\xAF" "000\t0",
              NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.delimiter, '\t');
    assert_int_equal(L.st.date_format, FIELD_DATE_DMY);
    assert_int_equal(L.st.accepted, 3);
    assert_money(dataset_net(L.ds, 0), 2 * 1234.5 * 0.85);
    assert_money(dataset_net(L.ds, 1), 0.5);
    assert_money(dataset_net(L.ds, 2), 1000);
    /* 03/01/2025 is 3 January: 2025-01-03 = day 20091 */
    assert_int_equal(L.ds->h_day[L.ds->l_head[1]], 20091);
    unload(&L);

    /* M/D/YYYY detected when a day above 12 is in the second place. */
    load(&L, "order_id|date|customer_id|channel|product_id|quantity|unit_price\n"
             "A|11/8/2016|C|web|P|1|1\nB|11/13/2016|C|web|P|1|1\n");
    assert_int_equal(L.rc, CX_OK);
    assert_int_equal(L.st.delimiter, '|');
    assert_int_equal(L.st.date_format, FIELD_DATE_MDY);
    unload(&L);

    /* Every date reads both ways: an error that says what to configure. */
    load(&L, "order_id,date,customer_id,channel,product_id,quantity,unit_price\n"
             "A,11/8/2016,C,web,P,1,1\nB,03/04/2016,C,web,P,1,1\n");
    assert_int_equal(L.rc, CX_EIO);
    assert_non_null(strstr(L.err.msg, "ambiguous"));
    assert_non_null(strstr(L.err.msg, "date_format"));
    unload(&L);
}

static void test_mapping_and_channels(void **state)
{
    (void)state;
    char *ini = write_str("[input]\nchannel = agents\ndefault_margin = 0.5\n"
                          "[columns]\norder_id = Invoice\ndate = InvoiceDate\n"
                          "customer_id = Customer ID\nproduct_id = StockCode\nunit_price = Price\n");
    struct config c = { 0 };
    struct cx_err e = { 0 };
    assert_int_equal(config_load(&c, ini, &e), CX_OK);
    struct reader_options o;
    reader_defaults(&o);
    assert_int_equal(reader_configure(&o, &c, &e), CX_OK);
    struct loaded L;
    load_opts(&L, "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID,Country\n"
                  "536365,85123A,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n",
              NULL, &o);
    assert_int_equal(L.rc, CX_OK);
    assert_string_equal(dataset_text(L.ds, DS_CHANNEL, 0), "agents");
    assert_string_equal(dataset_text(L.ds, DS_CUSTOMER, 0), "17850.0");
    assert_money(dataset_cogs(L.ds, 0), 6 * 2.55 * 0.5);
    unload(&L);

    /* NAME=FILE wins over the configured constant. */
    load_opts(&L, "Invoice,StockCode,Quantity,InvoiceDate,Price,Customer ID\n"
                  "1,P,1,2010-12-01,2,C\n", "retail", &o);
    assert_int_equal(L.rc, CX_OK);
    assert_string_equal(dataset_text(L.ds, DS_CHANNEL, 0), "retail");
    unload(&L);

    /* A missing column names the field, the headers and the mapping. */
    load_opts(&L, "Invoice,StockCode,Quantity,InvoiceDate,Customer ID\n1,P,1,2010-12-01,C\n", NULL, &o);
    assert_int_equal(L.rc, CX_EIO);
    assert_non_null(strstr(L.err.msg, "'unit_price'"));
    assert_non_null(strstr(L.err.msg, "headers found: Invoice, StockCode"));
    assert_non_null(strstr(L.err.msg, "unit_price = Price"));
    unload(&L);
    reader_options_free(&o);
    config_free(&c);

    /* An unknown key is an error naming file and line. */
    char *bad = write_str("[input]\ndelimiter = ;\nlocal = fr\n");
    struct config c2 = { 0 };
    struct cx_err e2 = { 0 };
    assert_int_equal(config_load(&c2, bad, &e2), CX_OK);
    reader_defaults(&o);
    assert_int_equal(reader_configure(&o, &c2, &e2), CX_EUSAGE);
    if (strstr(e2.msg, ":3: unknown key 'local' in [input]") == NULL)
        fail_msg("message: %s", e2.msg);
    assert_int_equal(o.delimiter, ';');
    reader_options_free(&o);
    config_free(&c2);
    unlink(ini);
    unlink(bad);
    free(ini);
    free(bad);
}

static void test_errors(void **state)
{
    (void)state;
    struct loaded L;
    load(&L, "");
    assert_int_equal(L.rc, CX_EIO);
    assert_non_null(strstr(L.err.msg, "empty file"));
    unload(&L);

    struct reader_options o;
    reader_defaults(&o);
    struct dataset *ds = dataset_create();
    struct reader_stats st = { 0 };
    struct cx_err e = { 0 };
    assert_int_equal(reader_load(ds, "/nonexistent/x.csv", NULL, &o, NULL, NULL, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "/nonexistent/x.csv"));
    reader_stats_free(&st);
    memset(&st, 0, sizeof st);
    memset(&e, 0, sizeof e);
    assert_int_equal(reader_load(ds, "/tmp", NULL, &o, NULL, NULL, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "directory"));
    reader_stats_free(&st);

    /* --strict stops at the first reject with its line. */
    o.strict = 1;
    load_opts(&L, HEAD "O1,2024-01-05,C1,web,P1,G,2,10,6,0,N,\nO2,2024-01-05,C1,web,P1,G,z,10,6,0,N,\n",
              NULL, &o);
    assert_int_equal(L.rc, CX_EREJECT);
    assert_non_null(strstr(L.err.msg, ":3: bad number in quantity"));
    unload(&L);
    dataset_free(ds);
}

static void test_gzip(void **state)
{
    (void)state;
    const char *text = HEAD "O1,2024-01-05,C1,web,P1,Garden,2,10.00,6.00,0,North,\n";
    char path[] = "/tmp/canaux_gz_XXXXXX";
    int fd = mkstemp(path);
    gzFile gz = gzdopen(fd, "wb");
    gzwrite(gz, text, (unsigned)strlen(text));
    gzclose(gz);
    struct reader_options o;
    reader_defaults(&o);
    struct dataset *ds = dataset_create();
    struct reader_stats st = { 0 };
    struct cx_err e = { 0 };
    assert_int_equal(reader_load(ds, path, NULL, &o, NULL, NULL, &st, &e), CX_OK);
    assert_int_equal(st.accepted, 1);
    assert_money(dataset_net(ds, 0), 20);
    reader_stats_free(&st);

    /* The same file cut short: a read error, not a quiet success. */
    FILE *f = fopen(path, "rb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(path, "wb");
    fwrite(buf, 1, n - 12, f);
    fclose(f);
    memset(&st, 0, sizeof st);
    assert_int_equal(reader_load(ds, path, NULL, &o, NULL, NULL, &st, &e), CX_EIO);
    assert_non_null(strstr(e.msg, path));
    reader_stats_free(&st);
    dataset_free(ds);
    unlink(path);
}

/* A deterministic file of n rows where some fields are quoted, some hold
   newlines, some rows are bad, with blank lines here and there. */
static char *make_messy(int n, size_t *len)
{
    size_t cap = (size_t)n * 160 + 200, l = 0;
    char *s = malloc(cap);
    l += (size_t)sprintf(s + l, HEAD);
    uint32_t x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        unsigned r = (x >> 16) % 100;
        const char *cat = r < 10 ? "\"multi\nline, \"\"q\"\"\"" : r < 15 ? "\"a,b\"" : "Garden";
        const char *qty = r == 50 ? "bad" : "3";
        l += (size_t)sprintf(s + l, "O%d,2024-%02d-%02d,C%u,%s,P%u,%s,%s,%u.25,1.5,0,R%u,%s\n", i / 3,
                             1 + (i / 3) % 12, 1 + (i / 3) % 28, (x >> 8) % 500,
                             (x & 1) ? "web" : "agents", (x >> 4) % 90, cat, qty, (x >> 12) % 40,
                             (x >> 20) % 5, (x & 1) ? "" : "AG1");
        if (r == 77)
            l += (size_t)sprintf(s + l, "\n");
    }
    *len = l;
    return s;
}

static void assert_same_dataset(const struct dataset *a, const struct dataset *b)
{
    assert_int_equal(a->n_lines, b->n_lines);
    assert_int_equal(a->n_heads, b->n_heads);
    assert_int_equal(dataset_count(a, DS_ORDER), dataset_count(b, DS_ORDER));
    assert_memory_equal(a->h_order, b->h_order, a->n_heads * sizeof *a->h_order);
    for (int f = DS_ORDER + 1; f < DS_NTEXT; f++) {
        assert_int_equal(dataset_count(a, f), dataset_count(b, f));
        for (uint32_t i = 0; i < dataset_count(a, f); i++)
            assert_string_equal(dataset_text(a, f, i), dataset_text(b, f, i));
    }
    assert_memory_equal(a->l_head, b->l_head, a->n_lines * sizeof *a->l_head);
    assert_memory_equal(a->l_product, b->l_product, a->n_lines * sizeof *a->l_product);
    for (size_t i = 0; i < a->n_lines; i++)
        assert_int_equal(dataset_category(a, i), dataset_category(b, i));
    assert_int_equal(a->n_xcat, b->n_xcat);
    assert_memory_equal(a->l_net, b->l_net, a->n_lines * sizeof *a->l_net);
    assert_memory_equal(a->l_cogs, b->l_cogs, a->n_lines * sizeof *a->l_cogs);
    assert_memory_equal(a->l_disc, b->l_disc, a->n_lines * sizeof *a->l_disc);
    assert_int_equal(a->n_big, b->n_big);
    assert_memory_equal(a->big_line, b->big_line, a->n_big * sizeof *a->big_line);
    assert_memory_equal(a->big_val, b->big_val, 3 * a->n_big * sizeof *a->big_val);
    assert_memory_equal(a->h_customer, b->h_customer, a->n_heads * sizeof *a->h_customer);
    assert_memory_equal(a->h_day, b->h_day, a->n_heads * sizeof *a->h_day);
}

static void test_parallel_equals_serial(void **state)
{
    (void)state;
    size_t len;
    char *text = make_messy(20000, &len);
    char *path = write_tmp(text, len);
    free(text);

    /* Reference: one thread, one block the size of the file, one range. */
    struct reader_options o;
    reader_defaults(&o);
    o.block_size = o.chunk_size = len + 1;
    omp_set_num_threads(1);
    struct dataset *ref = dataset_create();
    struct reader_stats rst = { 0 };
    struct rejects rrej = { 0 };
    struct cx_err e = { 0 };
    assert_int_equal(reader_load(ref, path, NULL, &o, collect, &rrej, &rst, &e), CX_OK);
    assert_true(rst.rejected > 0);
    assert_true(rst.blank_lines > 0);
    assert_int_equal(rst.rows_read, 20000);
    assert_int_equal(rst.accepted + rst.rejected, rst.rows_read);

    /* Tiny blocks (records carried over, buffers grown) and tiny ranges
       (guesses inside quoted newlines), with 1 and 2 threads. */
    static const size_t sizes[][2] = { { 4096, 97 }, { 65536, 1000 }, { 300, 300 }, { 1 << 20, 1 << 16 } };
    for (int t = 1; t <= 2; t++) {
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            omp_set_num_threads(t);
            o.block_size = sizes[k][0];
            o.chunk_size = sizes[k][1];
            struct dataset *ds = dataset_create();
            struct reader_stats st = { 0 };
            struct rejects rej = { 0 };
            assert_int_equal(reader_load(ds, path, NULL, &o, collect, &rej, &st, &e), CX_OK);
            assert_int_equal(st.rows_read, rst.rows_read);
            assert_int_equal(st.rejected, rst.rejected);
            assert_int_equal(st.blank_lines, rst.blank_lines);
            assert_int_equal(rej.n, rrej.n);
            for (int i = 0; i < rej.n && i < 64; i++)
                assert_int_equal(rej.line[i], rrej.line[i]);
            assert_same_dataset(ref, ds);
            dataset_free(ds);
            reader_stats_free(&st);
        }
    }
    omp_set_num_threads(2);
    reader_stats_free(&rst);
    dataset_free(ref);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_cost_sources),
        cmocka_unit_test(test_rejects_and_lines),
        cmocka_unit_test(test_people_forms),
        cmocka_unit_test(test_master_data),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_mapping_and_channels),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_parallel_equals_serial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
