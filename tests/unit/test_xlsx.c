/*
 * test_xlsx — the workbook writer, checked with an independent reader:
 * openpyxl (Debian python3-openpyxl, run as /usr/bin/python3) loads the
 * workbook and dumps every cell with its type and number format; the tests
 * compare that dump with the CSVs written here. Skipped with a message
 * when openpyxl is missing.
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

#include "reports/xlsx_writer.h"

/* Loads argv[1], writes to argv[2] one line per sheet and per non-empty cell:
   sheets NAME|NAME...
   sheet NAME FREEZE FILTER
   cell SHEET COORD DATA_TYPE PYTHON_TYPE VALUE NUMBER_FORMAT (tab-separated) */
static const char dump_py[] =
    "import sys, openpyxl\n"
    "wb = openpyxl.load_workbook(sys.argv[1])\n"
    "out = open(sys.argv[2], 'w', encoding='utf-8')\n"
    "print('sheets', '|'.join(wb.sheetnames), sep='\\t', file=out)\n"
    "for ws in wb.worksheets:\n"
    "    print('sheet', ws.title, ws.freeze_panes, ws.auto_filter.ref, sep='\\t', file=out)\n"
    "    for row in ws.iter_rows():\n"
    "        for c in row:\n"
    "            if c.value is not None:\n"
    "                print('cell', ws.title, c.coordinate, c.data_type, type(c.value).__name__,\n"
    "                      c.value, c.number_format, sep='\\t', file=out)\n";

static char dir[] = "/tmp/canaux_xlsx_XXXXXX";
static char dump[1 << 16];

static int have_openpyxl(void)
{
    return system("/usr/bin/python3 -c 'import openpyxl' >/dev/null 2>&1") == 0;
}

static const char *in_dir(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(in_dir(name), "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Reads the workbook back through openpyxl into dump. */
static void read_back(const char *xlsx)
{
    FILE *f = fopen(in_dir("dump.py"), "wb");
    assert_non_null(f);
    fputs(dump_py, f);
    fclose(f);
    char cmd[1024];
    /* python3 -c runs the script; its text comes from a file to keep the
       shell out of its quotes. */
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"exec(open('%s').read())\" '%s' '%s'", in_dir("dump.py"),
             xlsx, in_dir("dump.txt"));
    assert_int_equal(system(cmd), 0);
    f = fopen(in_dir("dump.txt"), "rb");
    assert_non_null(f);
    size_t n = fread(dump, 1, sizeof dump - 1, f);
    dump[n] = '\0';
    fclose(f);
}

/* The line of dump that starts with prefix (up to its end, without '\n'). */
static const char *line(const char *prefix)
{
    static char buf[1024];
    size_t k = strlen(prefix);
    for (const char *p = dump; *p; p = strchr(p, '\n') + 1) {
        const char *end = strchr(p, '\n');
        assert_non_null(end);
        if (strncmp(p, prefix, k) == 0) {
            size_t n = (size_t)(end - p);
            assert_true(n < sizeof buf);
            memcpy(buf, p, n);
            buf[n] = '\0';
            return buf;
        }
    }
    fail_msg("no line starting with %s in the dump:\n%s", prefix, dump);
    return NULL;
}

struct cell {
    char type[4];          /* openpyxl data_type: n, s, f, ... */
    char py[16];           /* Python type: int, float, str */
    char value[512];
    char format[64];
};

static struct cell get(const char *sheet, const char *coord)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "cell\t%s\t%s\t", sheet, coord);
    const char *l = line(prefix) + strlen(prefix);
    struct cell c;
    int n = sscanf(l, "%3[^\t]\t%15[^\t]\t%511[^\t]\t%63[^\n]", c.type, c.py, c.value, c.format);
    assert_int_equal(n, 4);
    return c;
}

static int absent(const char *sheet, const char *coord)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "\ncell\t%s\t%s\t", sheet, coord);
    return strstr(dump, prefix) == NULL;
}

static void number_is(const char *sheet, const char *coord, double want, const char *format)
{
    struct cell c = get(sheet, coord);
    assert_string_equal(c.type, "n");
    assert_true(strcmp(c.py, "int") == 0 || strcmp(c.py, "float") == 0);
    double got = strtod(c.value, NULL);
    if (fabs(got - want) > 1e-12 * fabs(want)) /* relative: the values round-trip */
        fail_msg("%s!%s: %.17g, want %.17g", sheet, coord, got, want);
    assert_string_equal(c.format, format);
}

static void text_is(const char *sheet, const char *coord, const char *want)
{
    struct cell c = get(sheet, coord);
    assert_string_equal(c.type, "s"); /* a string, never 'f' (formula) */
    assert_string_equal(c.py, "str");
    assert_string_equal(c.value, want);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) != 0;
}

/* The same table in both conventions. Columns: a text, integers (orders,
   #,##0), money (net, #,##0.00), a share (0.0%), plain decimals (lift,
   General), a code with a leading zero (text), a note. Row 3 leaves
   orders and lift empty. */
static const char en_csv[] =
    "segment_name,orders,net,share,lift,code,note\n"
    "Fidèles,1200,1234.5,0.25,1.75,007,\"a, \"\"quoted\"\" text\"\n"
    "Nouveaux,-3,-0.75,0.125,2,12,\"'=HYPERLINK(\"\"x\"\")\"\n"
    "Élodie,,12.34,1,,0,'=1+1\n";
static const char fr_csv[] =
    "\xEF\xBB\xBFsegment_name;orders;net;share;lift;code;note\r\n"
    "Fidèles;1200;1234,5;0,25;1,75;007;\"a; \"\"quoted\"\" text\"\r\n"
    "Nouveaux;-3;-0,75;0,125;2;12;\"'=HYPERLINK(\"\"x\"\")\"\r\n"
    "Élodie;;12,34;1;;0;'=1+1\r\n";

static void check_table(const char *s, const char *first_note)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "sheet\t%s\t", s);
    /* Header frozen below row 1; the filter covers 7 columns x 4 rows. */
    char want[96];
    snprintf(want, sizeof want, "sheet\t%s\tA2\tA1:G4", s);
    assert_string_equal(line(prefix), want);
    text_is(s, "A1", "segment_name");
    text_is(s, "G1", "note");
    text_is(s, "A2", "Fidèles");
    number_is(s, "B2", 1200, "#,##0");
    number_is(s, "C2", 1234.5, "#,##0.00");
    number_is(s, "D2", 0.25, "0.0%");
    number_is(s, "E2", 1.75, "General");
    text_is(s, "F2", "007");                 /* a code, not 7 */
    text_is(s, "G2", first_note);
    number_is(s, "B3", -3, "#,##0");
    number_is(s, "C3", -0.75, "#,##0.00");
    number_is(s, "D3", 0.125, "0.0%");
    number_is(s, "E3", 2, "#,##0");          /* an integer cell of a plain column */
    number_is(s, "F3", 12, "#,##0");
    text_is(s, "G3", "=HYPERLINK(\"x\")");   /* guard removed, kept a string */
    text_is(s, "A4", "Élodie");
    assert_true(absent(s, "B4"));            /* empty cells stay empty */
    assert_true(absent(s, "E4"));
    number_is(s, "C4", 12.34, "#,##0.00");
    number_is(s, "D4", 1, "0.0%");
    number_is(s, "F4", 0, "#,##0");
    text_is(s, "G4", "'=1+1");               /* unquoted: no guard, text as is */
}

static void convert(int fr)
{
    if (!have_openpyxl()) {
        print_message("skipped: /usr/bin/python3 cannot import openpyxl (apt-get install python3-openpyxl)\n");
        skip();
    }
    put("en.csv", en_csv);
    put("fr.csv", fr_csv);
    const char *csvs[] = { in_dir(fr ? "fr.csv" : "en.csv") };
    const char *names[] = { fr ? "canaux_fr" : "canaux_en" };
    const char *findings[] = { "Web brings 60% of the contribution.", "=1+1 stays text", NULL,
                               "Café: marge négative" };
    struct cx_err e = { 0 };
    const char *out = in_dir("w.xlsx");
    int rc = xlsx_write_from_csv(out, csvs, names, 1, fr, "Key findings", findings, 4, 0, &e);
    if (rc != CX_OK)
        fail_msg("%s", e.msg);
    assert_int_equal(access(in_dir(".w.xlsx.tmp"), F_OK), -1); /* renamed into place */
    read_back(out);
    char want[64];
    snprintf(want, sizeof want, "sheets\tFindings|%s", names[0]);
    assert_string_equal(line("sheets\t"), want);
    text_is("Findings", "A1", "Key findings");
    text_is("Findings", "A2", "Web brings 60% of the contribution.");
    text_is("Findings", "A3", "=1+1 stays text");
    assert_true(absent("Findings", "A4"));
    text_is("Findings", "A5", "Café: marge négative");
    check_table(names[0], fr ? "a; \"quoted\" text" : "a, \"quoted\" text");
}

static void test_english(void **state)
{
    (void)state;
    convert(0);
}

static void test_french(void **state)
{
    (void)state;
    convert(1);
}

/* Sheet names: from the CSV's name when none is given, invalid characters
   replaced, cut at 31 characters, made unique without regard to case. */
static void test_sheet_names(void **state)
{
    (void)state;
    if (!have_openpyxl()) {
        print_message("skipped: /usr/bin/python3 cannot import openpyxl\n");
        skip();
    }
    put("segments.csv", "segment,share\n1,0.5\n");
    put("t.csv", "a\n1\n");
    const char *csvs[] = { in_dir("segments.csv"), in_dir("t.csv"), in_dir("t.csv"), in_dir("t.csv"),
                           in_dir("t.csv") };
    const char *names[] = { NULL, "findings", "a/b:c", "abcdefghijklmnopqrstuvwxyz0123456789",
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" };
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_write_from_csv(in_dir("n.xlsx"), csvs, names, 5, 0, NULL, NULL, 0, 0, &e), CX_OK);
    read_back(in_dir("n.xlsx"));
    assert_string_equal(line("sheets\t"), "sheets\tFindings|segments|findings~2|a_b_c|"
                                          "abcdefghijklmnopqrstuvwxyz01234|ABCDEFGHIJKLMNOPQRSTUVWXYZ012~2");
    number_is("segments", "B2", 0.5, "0.0%");
}

/* Write errors name the file; a bad input leaves nothing behind. */
static void test_errors(void **state)
{
    (void)state;
    put("ok.csv", "a,b\n1,2\n");
    const char *csvs[] = { in_dir("ok.csv") };
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_write_from_csv("/nonexistent-canaux-dir/w.xlsx", csvs, NULL, 1, 0, "t", NULL, 0, 0, &e),
                     CX_EIO);
    assert_non_null(strstr(e.msg, "/nonexistent-canaux-dir/w.xlsx"));

    if (access("/dev/full", W_OK) == 0) {
        struct cx_err e2 = { 0 };
        assert_int_equal(xlsx_write_from_csv("/dev/full", csvs, NULL, 1, 0, "t", NULL, 0, 0, &e2), CX_EIO);
        assert_non_null(strstr(e2.msg, "/dev/full"));
    }

    /* A missing CSV, then a malformed one (a quote inside an unquoted
       field): CX_EIO naming the CSV, and no workbook or temporary file. */
    const char *missing[] = { in_dir("ok.csv"), in_dir("missing.csv") };
    struct cx_err e3 = { 0 };
    assert_int_equal(xlsx_write_from_csv(in_dir("bad.xlsx"), missing, NULL, 2, 0, NULL, NULL, 0, 0, &e3), CX_EIO);
    assert_non_null(strstr(e3.msg, "missing.csv"));
    put("bad.csv", "a,b\n1,x\"y\n");
    const char *bad[] = { in_dir("bad.csv") };
    struct cx_err e4 = { 0 };
    assert_int_equal(xlsx_write_from_csv(in_dir("bad.xlsx"), bad, NULL, 1, 0, NULL, NULL, 0, 0, &e4), CX_EIO);
    assert_non_null(strstr(e4.msg, "bad.csv: record 2"));
    assert_int_equal(access(in_dir("bad.xlsx"), F_OK), -1);
    assert_int_equal(access(in_dir(".bad.xlsx.tmp"), F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english),
        cmocka_unit_test(test_french),
        cmocka_unit_test(test_sheet_names),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
