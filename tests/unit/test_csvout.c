/*
 * test_csvout — quoting, formula neutralisation, French separators and
 * write errors of the CSV writer.
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

#include "reports/csvout.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_quoting_and_injection(void **state)
{
    (void)state;
    char path[] = "/tmp/canaux_csv_XXXXXX";
    close(mkstemp(path));
    struct csvout w;
    struct cx_err e = { 0 };
    assert_int_equal(csvout_open(&w, path, 0, &e), CX_OK);
    csvout_str(&w, "plain");
    csvout_str(&w, "a,b");
    csvout_str(&w, "say \"hi\"");
    csvout_str(&w, "two\nlines");
    csvout_str(&w, "=HYPERLINK(\"x\")");
    csvout_str(&w, "-2+3");
    csvout_str(&w, "@SUM(A1)");
    csvout_num(&w, -3.5, 2);
    csvout_num(&w, -0.001, 2);
    csvout_num(&w, NAN, 2);
    csvout_int(&w, -7);
    csvout_end(&w);
    assert_int_equal(csvout_close(&w, &e), CX_OK);
    /* Formulas get a leading ' inside quotes; numbers stay numbers. */
    assert_string_equal(slurp(path), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\","
                                     "\"'=HYPERLINK(\"\"x\"\")\",\"'-2+3\",\"'@SUM(A1)\",-3.50,0.00,,-7\n");
    unlink(path);
}

static void test_numbers(void **state)
{
    (void)state;
    char path[] = "/tmp/canaux_csv_XXXXXX";
    close(mkstemp(path));
    struct csvout w;
    struct cx_err e = { 0 };
    assert_int_equal(csvout_open(&w, path, 0, &e), CX_OK);
    /* Decimal rounding, half away from zero: 13.005 (13.00499999... as a
       double, but 1300.5 once scaled by 100) gives 13.01 as on paper, where
       printf would give 13.00; 2.675 gives 2.68; 0.125 gives 0.13. */
    csvout_num(&w, 13.005, 2);
    csvout_num(&w, 2.675, 2);
    csvout_num(&w, 0.125, 2);
    csvout_num(&w, -0.125, 2);
    csvout_num(&w, 1234567.891, 0);
    csvout_num(&w, 0.00004, 4);
    csvout_num(&w, -7, 3);
    csvout_num(&w, 3e13, 2);
    csvout_num(&w, 0.5, 6);
    csvout_end(&w);
    assert_int_equal(csvout_close(&w, &e), CX_OK);
    assert_string_equal(slurp(path), "13.01,2.68,0.13,-0.13,1234568,0.0000,-7.000,30000000000000.00,0.500000\n");
    unlink(path);
}

static void test_french(void **state)
{
    (void)state;
    char path[] = "/tmp/canaux_csv_XXXXXX";
    close(mkstemp(path));
    struct csvout w;
    struct cx_err e = { 0 };
    assert_int_equal(csvout_open(&w, path, 1, &e), CX_OK);
    csvout_str(&w, "Café; crème");
    csvout_num(&w, 1234.5, 2);
    csvout_end(&w);
    assert_int_equal(csvout_close(&w, &e), CX_OK);
    assert_string_equal(slurp(path), "\xEF\xBB\xBF\"Café; crème\";1234,50\n");
    unlink(path);
}

static void test_full_disk(void **state)
{
    (void)state;
    struct csvout w;
    struct cx_err e = { 0 };
    assert_int_equal(csvout_open(&w, "/dev/full", 0, &e), CX_OK);
    for (int i = 0; i < 10000; i++) {
        csvout_str(&w, "some text that fills the buffer");
        csvout_end(&w);
    }
    assert_int_equal(csvout_close(&w, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "/dev/full: write error"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quoting_and_injection),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_french),
        cmocka_unit_test(test_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
