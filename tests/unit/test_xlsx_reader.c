/*
 * test_xlsx_reader — the workbook reader (loaders/xlsx.h).
 *
 * Workbooks are written here two ways: with libxlsxwriter (an independent
 * writer: shared strings, number formats, formulas with cached results,
 * constant_memory mode with inline strings), and part by part with libzip
 * for what libxlsxwriter never writes (a prefixed namespace, rich text and
 * phonetic runs, _xHHHH_ escapes, xml:space, t="d" cells, the 1904 date
 * system, a chart sheet first, rows and cells without r, broken XML). Every
 * expected value is worked out by hand in the comment beside it. The
 * Adidas workbook of ../shared/data/real is checked against the totals of
 * that folder's README when it is present. A 200,000-row sheet is read in a
 * child process (this program run again) to measure its peak RSS and rows/s.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>
#include <zlib.h>

#include "loaders/xlsx.h"

static char dir[] = "/tmp/canaux_xlsxr_XXXXXX";

static const char *in_dir(const char *name)
{
    static char buf[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

#define NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define RNS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define PNS "http://schemas.openxmlformats.org/package/2006/relationships"

/* Writes a zip of stored (uncompressed) entries: parts[2k] is a name,
   parts[2k + 1] its text; NULL ends the list. */
static void write_zip(const char *path, const char *const *parts)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(z);
    for (size_t i = 0; parts[i]; i += 2) {
        zip_source_t *src = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);
        assert_non_null(src);
        zip_int64_t idx = zip_file_add(z, parts[i], src, ZIP_FL_OVERWRITE);
        assert_true(idx >= 0);
        assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
    }
    assert_int_equal(zip_close(z), 0);
}

static const char wb_rels_one[] =
    "<Relationships xmlns=\"" PNS "\">"
    "<Relationship Id=\"rId1\" Type=\"" RNS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RNS "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";
static const char wb_one[] = "<workbook xmlns=\"" NS "\" xmlns:r=\"" RNS "\"><sheets>"
                             "<sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char sst_two[] = "<sst xmlns=\"" NS "\"><si><t>a</t></si><si><t>b</t></si></sst>";

/* A one-sheet workbook (sheet "S") whose sheet XML is given; its shared
   strings are "a" and "b". */
static const char *one_sheet(const char *name, const char *sheet_xml)
{
    const char *path = in_dir(name);
    const char *parts[] = { "xl/workbook.xml", wb_one, "xl/_rels/workbook.xml.rels", wb_rels_one,
                            "xl/sharedStrings.xml", sst_two, "xl/worksheets/sheet1.xml", sheet_xml, NULL };
    write_zip(path, parts);
    return path;
}

static struct xlsx_book *open_ok(const char *path)
{
    struct xlsx_book *b = NULL;
    struct cx_err e = { 0 };
    int rc = xlsx_open(&b, path, &e);
    if (rc != CX_OK)
        print_error("xlsx_open(%s): %s\n", path, e.msg);
    assert_int_equal(rc, CX_OK);
    return b;
}

static struct xlsx_sheet *sheet_ok(struct xlsx_book *b, const char *spec)
{
    size_t i;
    struct cx_err e = { 0 };
    int rc = xlsx_sheet_find(b, spec, &i, &e);
    if (rc != CX_OK)
        print_error("%s\n", e.msg);
    assert_int_equal(rc, CX_OK);
    struct xlsx_sheet *s;
    assert_int_equal(xlsx_sheet_open(b, i, &s, &e), CX_OK);
    return s;
}

static const struct xlsx_row *next_ok(struct xlsx_sheet *s)
{
    const struct xlsx_row *r;
    struct cx_err e = { 0 };
    int rc = xlsx_sheet_next(s, &r, &e);
    if (rc != CX_OK)
        print_error("%s\n", e.msg);
    assert_int_equal(rc, CX_OK);
    return r;
}

/* Cell col of r has this type and this text. */
static void expect_cell(const struct xlsx_row *r, uint32_t col, enum xlsx_type type, const char *text)
{
    char buf[XLSX_TEXT_BUF];
    size_t n;
    const char *t = xlsx_text(r, col, buf, &n);
    enum xlsx_type got = col < r->ncells ? r->cells[col].type : XLSX_EMPTY;
    if (got != type || n != strlen(text) || memcmp(t, text, n) != 0) {
        print_error("row %u col %u: type %d text '%s', expected type %d text '%s'\n", r->number, col, (int)got, t,
                    (int)type, text);
        fail();
    }
}

/* The next row fails with CX_EIO and a message holding want; so does the
   call after. */
static void expect_row_error(struct xlsx_sheet *s, const char *want)
{
    const struct xlsx_row *r;
    for (int k = 0; k < 2; k++) {
        struct cx_err e = { 0 };
        int rc = xlsx_sheet_next(s, &r, &e);
        if (rc != CX_EIO || strstr(e.msg, want) == NULL) {
            print_error("status %d, message '%s'; expected CX_EIO with '%s'\n", rc, e.msg, want);
            fail();
        }
        assert_null(r);
    }
}

static void expect_open_error(const char *path, const char *want)
{
    struct xlsx_book *b = (struct xlsx_book *)1;
    struct cx_err e = { 0 };
    int rc = xlsx_open(&b, path, &e);
    if (rc != CX_EIO || strstr(e.msg, want) == NULL) {
        print_error("status %d, message '%s'; expected CX_EIO with '%s'\n", rc, e.msg, want);
        fail();
    }
    assert_null(b);
}

static void put(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------------ */
/* Dates and numbers                                                   */

static void test_serial_to_day(void **state)
{
    (void)state;
    int32_t day, secs;
    /* 1900 system. 1970-01-01 is serial 25569: 25,567 days from 1900-01-01
       (70 years, 17 leap days 1904..1968) plus serial 1 for 1900-01-01 plus
       Excel's 1900-02-29. */
    assert_int_equal(xlsx_serial_to_day(25569, 0, &day, &secs), 0);
    assert_int_equal(day, 0);
    assert_int_equal(secs, 0);
    /* 2020-01-01: 50 years with 12 leap days (1972..2016) = 18,262 days;
       the first invoice of the Adidas workbook, serial 43831. */
    assert_int_equal(xlsx_serial_to_day(43831, 0, &day, NULL), 0);
    assert_int_equal(day, 18262);
    /* 2021-12-31 = 18262 + 366 + 364 = 18992, serial 18992 + 25569. */
    assert_int_equal(xlsx_serial_to_day(44561, 0, &day, NULL), 0);
    assert_int_equal(day, 18992);
    /* Serial 61 is 1900-03-01: 25,567 - 59 days before 1970 = -25508. */
    assert_int_equal(xlsx_serial_to_day(61, 0, &day, NULL), 0);
    assert_int_equal(day, -25508);
    /* Serial 59 is 1900-02-28, the day before (no leap day in between). */
    assert_int_equal(xlsx_serial_to_day(59, 0, &day, NULL), 0);
    assert_int_equal(day, -25509);
    /* Serial 1 is 1900-01-01 = -25567. */
    assert_int_equal(xlsx_serial_to_day(1, 0, &day, NULL), 0);
    assert_int_equal(day, -25567);
    /* Serial 60 is Excel's 1900-02-29, which never was. */
    day = 12345;
    assert_int_equal(xlsx_serial_to_day(60, 0, &day, NULL), -1);
    assert_int_equal(day, 12345);
    /* Noon: .5 of a day is 43,200 s. */
    assert_int_equal(xlsx_serial_to_day(43831.5, 0, &day, &secs), 0);
    assert_int_equal(day, 18262);
    assert_int_equal(secs, 43200);
    /* 0.99999999 of a day is 86399.9991 s, which rounds to the next midnight. */
    assert_int_equal(xlsx_serial_to_day(43831.99999999, 0, &day, &secs), 0);
    assert_int_equal(day, 18263);
    assert_int_equal(secs, 0);
    /* 1904 system: serial 0 is 1904-01-01, 66 years and 17 leap days
       (1904..1968) before 1970: -24107; 2020-01-01 is 18262 + 24107. */
    assert_int_equal(xlsx_serial_to_day(0, 1, &day, NULL), 0);
    assert_int_equal(day, -24107);
    assert_int_equal(xlsx_serial_to_day(42369, 1, &day, NULL), 0);
    assert_int_equal(day, 18262);
    /* 9999-12-31 is day 2,932,896 (proleptic Gregorian), serial 2958465;
       the day after is refused, as are negative serials and NaN. */
    assert_int_equal(xlsx_serial_to_day(2958465, 0, &day, NULL), 0);
    assert_int_equal(day, 2932896);
    assert_int_equal(xlsx_serial_to_day(2958466, 0, &day, NULL), -1);
    assert_int_equal(xlsx_serial_to_day(-1, 0, &day, NULL), -1);
    assert_int_equal(xlsx_serial_to_day(NAN, 0, &day, NULL), -1);
}

static void expect_text(enum xlsx_type type, double num, int date1904, const char *want)
{
    struct xlsx_cell c = { type, 0, num, NULL };
    struct xlsx_row r = { 1, 1, 1, date1904, &c };
    char buf[XLSX_TEXT_BUF];
    size_t n;
    const char *t = xlsx_text(&r, 0, buf, &n);
    if (strcmp(t, want) != 0 || n != strlen(want)) {
        print_error("%.17g (type %d): '%s', expected '%s'\n", num, (int)type, t, want);
        fail();
    }
}

static void test_text_forms(void **state)
{
    (void)state;
    /* Shortest of %.15g/%.16g/%.17g that reads back: 0.1 needs 15 digits
       (%.17g would say 0.10000000000000001). */
    expect_text(XLSX_NUMBER, 0.1, 0, "0.1");
    /* 0.1 + 0.2 is the double above 0.3: 17 digits. */
    expect_text(XLSX_NUMBER, 0.1 + 0.2, 0, "0.30000000000000004");
    /* 1/3: %.15g gives 0.333333333333333, a different double; 16 digits do. */
    expect_text(XLSX_NUMBER, 1.0 / 3, 0, "0.3333333333333333");
    /* A value of the Adidas workbook: 1234.8000000000002 is not 1234.8. */
    expect_text(XLSX_NUMBER, 1234.8000000000002, 0, "1234.8000000000002");
    expect_text(XLSX_NUMBER, 600000, 0, "600000");
    expect_text(XLSX_NUMBER, -2.5, 0, "-2.5");
    expect_text(XLSX_NUMBER, -0.0, 0, "0");
    /* 2^53 is an integer but not below 2^53: %.16g is the first exact form. */
    expect_text(XLSX_NUMBER, 9007199254740992.0, 0, "9007199254740992");
    expect_text(XLSX_NUMBER, 1e20, 0, "1e+20");
    expect_text(XLSX_NUMBER, 1.5e-7, 0, "1.5e-07");
    /* Dates: serial 43831 is 2020-01-01 (test_serial_to_day); .75 is 18:00. */
    expect_text(XLSX_DATE, 43831, 0, "2020-01-01");
    expect_text(XLSX_DATE, 43831.75, 0, "2020-01-01 18:00:00");
    /* 13:45:30 is 49,530 s = 0.5732638888... of a day. */
    expect_text(XLSX_DATE, 43831 + 49530.0 / 86400, 0, "2020-01-01 13:45:30");
    /* A time alone (serial below 1 in the 1900 system). */
    expect_text(XLSX_DATE, 0.5, 0, "12:00:00");
    /* The same serial in the 1904 system is noon of 1904-01-01. */
    expect_text(XLSX_DATE, 0.5, 1, "1904-01-01 12:00:00");
    /* Serial 60 is no day: written as the number. */
    expect_text(XLSX_DATE, 60, 0, "60");
    expect_text(XLSX_BOOL, 1, 0, "TRUE");
    expect_text(XLSX_BOOL, 0, 0, "FALSE");
    /* Past the last cell: empty. */
    struct xlsx_row r = { 1, 0, 0, 0, NULL };
    char buf[XLSX_TEXT_BUF];
    size_t n = 99;
    assert_string_equal(xlsx_text(&r, 5, buf, &n), "");
    assert_int_equal(n, 0);
}

/* ------------------------------------------------------------------ */
/* A workbook written by libxlsxwriter                                 */

static const char *write_lxw_book(void)
{
    const char *path = in_dir("lxw.xlsx");
    lxw_workbook *wb = workbook_new(path);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Titles");
    lxw_worksheet *ws2 = workbook_add_worksheet(wb, "Second");
    workbook_add_worksheet(wb, "Third");
    lxw_format *day = workbook_add_format(wb), *stamp = workbook_add_format(wb), *pct = workbook_add_format(wb),
               *days = workbook_add_format(wb), *red = workbook_add_format(wb), *mon = workbook_add_format(wb),
               *two = workbook_add_format(wb);
    format_set_num_format(day, "yyyy-mm-dd");
    format_set_num_format(stamp, "dd/mm/yyyy hh:mm:ss");
    format_set_num_format(pct, "0%");
    format_set_num_format(days, "0.0 \"days\"");
    format_set_num_format(red, "[Red]0.00");
    format_set_num_format(mon, "mmm-yy");
    format_set_num_format(two, "0.00");
    /* Title rows 1 and 3, an empty column A; header at row 5 in B..G. */
    worksheet_write_string(ws, 0, 1, "Quarterly sales", NULL);
    worksheet_write_string(ws, 2, 1, "Report for 2024", NULL);
    const char *head[] = { "Order", "Date", "Amount", "Paid", "Note", "Formula" };
    for (int c = 0; c < 6; c++)
        worksheet_write_string(ws, 4, (lxw_col_t)(c + 1), head[c], NULL);
    lxw_datetime d1 = { 2024, 2, 29, 0, 0, 0 }, d2 = { 2024, 3, 1, 13, 45, 30 };
    worksheet_write_string(ws, 5, 1, "O1", NULL);
    worksheet_write_datetime(ws, 5, 2, &d1, day);
    worksheet_write_number(ws, 5, 3, 12.5, NULL);
    worksheet_write_boolean(ws, 5, 4, 1, NULL);
    worksheet_write_string(ws, 5, 5, "  padded  ", NULL);
    worksheet_write_formula_num(ws, 5, 6, "=D6*2", NULL, 25);
    worksheet_write_string(ws, 6, 1, "O2", NULL);
    worksheet_write_datetime(ws, 6, 2, &d2, stamp);
    worksheet_write_number(ws, 6, 3, 0.1, NULL);
    worksheet_write_boolean(ws, 6, 4, 0, NULL);
    worksheet_write_formula_str(ws, 6, 6, "=B7&\"x\"", NULL, "O2x");
    /* Row 8 is skipped; row 9 has a cell far right (J). */
    worksheet_write_string(ws, 8, 1, "O3", NULL);
    worksheet_write_number(ws, 8, 3, -3, two);
    worksheet_write_string(ws, 8, 5, "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x82\xac", NULL);
    worksheet_write_number(ws, 8, 9, 7, NULL);
    /* Formats that are not dates although their text has d, m or s. */
    worksheet_write_number(ws, 9, 1, 0.15, pct);
    worksheet_write_number(ws, 9, 2, 2.5, days);
    worksheet_write_number(ws, 9, 3, 4, red);
    worksheet_write_number(ws, 9, 4, 45351, mon);
    worksheet_write_string(ws2, 0, 0, "x", NULL);
    worksheet_write_number(ws2, 1, 0, 1, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

static void test_libxlsxwriter_book(void **state)
{
    (void)state;
    const char *path = write_lxw_book();
    struct xlsx_book *b = open_ok(path);
    assert_int_equal(xlsx_sheet_count(b), 3);
    assert_string_equal(xlsx_sheet_name(b, 0), "Titles");
    assert_string_equal(xlsx_sheet_name(b, 2), "Third");
    assert_int_equal(xlsx_date1904(b), 0);

    /* Sheets by name (case ignored), by number, by default. */
    size_t i = 99;
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_sheet_find(b, "second", &i, &e), CX_OK);
    assert_int_equal(i, 1);
    assert_int_equal(xlsx_sheet_find(b, "3", &i, &e), CX_OK);
    assert_int_equal(i, 2);
    assert_int_equal(xlsx_sheet_find(b, NULL, &i, &e), CX_OK);
    assert_int_equal(i, 0);
    assert_int_equal(xlsx_sheet_find(b, "", &i, &e), CX_OK);
    assert_int_equal(i, 0);
    assert_int_equal(xlsx_sheet_find(b, "Nope", &i, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "lxw.xlsx: no sheet 'Nope'; the sheets are 'Titles' (1), 'Second' (2), 'Third' (3)"));
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_sheet_find(b, "4", &i, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "no sheet '4'"));

    /* The header: the first row holding "amount" and "order" (trimmed, case
       ignored) is row 5; rows 1 and 3 came before it (rows 2 and 4 are not
       in the file); it starts at column B (index 1) and has 6 columns. */
    struct xlsx_sheet *s = sheet_ok(b, "Titles");
    assert_string_equal(xlsx_sheet_title(s), "Titles");
    const char *want[] = { "amount", " ORDER " };
    struct xlsx_header h;
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_header_find(s, want, 2, 0, &h, &e), CX_OK);
    assert_int_equal(h.row, 5);
    assert_int_equal(h.first, 1);
    assert_int_equal(h.ncols, 6);
    assert_int_equal(h.rows_before, 2);
    assert_string_equal(h.names[0], "Order");
    assert_string_equal(h.names[5], "Formula");
    assert_int_equal(xlsx_header_column(&h, "date"), 2);
    assert_int_equal(xlsx_header_column(&h, "Formula"), 6);
    assert_int_equal(xlsx_header_column(&h, "missing"), -1);
    xlsx_header_free(&h);

    /* Row 6: 2024-02-29 is day 19782 (19723 for 2024-01-01, 54 years with
       13 leap days, + 31 + 28), serial 19782 + 25569 = 45351. */
    const struct xlsx_row *r = next_ok(s);
    assert_int_equal(r->number, 6);
    assert_int_equal(r->ncells, 7);
    assert_int_equal(r->nonempty, 6);
    expect_cell(r, 0, XLSX_EMPTY, "");
    expect_cell(r, 1, XLSX_STRING, "O1");
    expect_cell(r, 2, XLSX_DATE, "2024-02-29");
    assert_true(r->cells[2].num == 45351);
    expect_cell(r, 3, XLSX_NUMBER, "12.5");
    expect_cell(r, 4, XLSX_BOOL, "TRUE");
    expect_cell(r, 5, XLSX_STRING, "  padded  ");
    /* The formula's cached result, 12.5 * 2. */
    expect_cell(r, 6, XLSX_NUMBER, "25");
    /* Row 7: 2024-03-01 13:45:30 = serial 45352 + 49530/86400. */
    r = next_ok(s);
    assert_int_equal(r->number, 7);
    expect_cell(r, 2, XLSX_DATE, "2024-03-01 13:45:30");
    assert_true(fabs(r->cells[2].num - (45352 + 49530.0 / 86400)) < 1e-9);
    expect_cell(r, 3, XLSX_NUMBER, "0.1");
    expect_cell(r, 4, XLSX_BOOL, "FALSE");
    expect_cell(r, 5, XLSX_EMPTY, "");
    expect_cell(r, 6, XLSX_STRING, "O2x");
    /* Row 8 was never written: the next row is 9, with J9 = 7 (index 9). */
    r = next_ok(s);
    assert_int_equal(r->number, 9);
    assert_int_equal(r->ncells, 10);
    assert_int_equal(r->nonempty, 4);
    expect_cell(r, 3, XLSX_NUMBER, "-3");
    expect_cell(r, 5, XLSX_STRING, "\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x82\xac");
    expect_cell(r, 8, XLSX_EMPTY, "");
    expect_cell(r, 9, XLSX_NUMBER, "7");
    /* Row 10: "0%", "0.0 \"days\"" (d, y, s quoted) and "[Red]0.00" (d in
       brackets) are numbers; "mmm-yy" is a date. */
    r = next_ok(s);
    assert_int_equal(r->number, 10);
    expect_cell(r, 1, XLSX_NUMBER, "0.15");
    expect_cell(r, 2, XLSX_NUMBER, "2.5");
    expect_cell(r, 3, XLSX_NUMBER, "4");
    expect_cell(r, 4, XLSX_DATE, "2024-02-29");
    assert_null(next_ok(s));
    assert_null(next_ok(s)); /* the end stays the end */
    assert_true(xlsx_sheet_bytes(s) > 0);
    xlsx_sheet_close(s);

    /* The second sheet, by number, read from its start. */
    s = sheet_ok(b, "2");
    r = next_ok(s);
    assert_int_equal(r->number, 1);
    expect_cell(r, 0, XLSX_STRING, "x");
    r = next_ok(s);
    assert_int_equal(r->number, 2);
    expect_cell(r, 0, XLSX_NUMBER, "1");
    assert_null(next_ok(s));
    xlsx_sheet_close(s);

    /* The third sheet is empty: no row, and no header. */
    s = sheet_ok(b, "Third");
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_header_find(s, NULL, 0, 0, &h, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "sheet 'Third' has no non-empty row"));
    assert_null(h.names);
    xlsx_sheet_close(s);

    /* header_row = 9 takes row 9 whatever it holds: B9 "O3" is first. */
    s = sheet_ok(b, "Titles");
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_header_find(s, NULL, 0, 9, &h, &e), CX_OK);
    assert_int_equal(h.row, 9);
    assert_int_equal(h.first, 1);
    assert_int_equal(h.ncols, 9); /* B..J */
    assert_string_equal(h.names[0], "O3");
    assert_string_equal(h.names[1], "");
    assert_string_equal(h.names[2], "-3");
    xlsx_header_free(&h);
    r = next_ok(s);
    assert_int_equal(r->number, 10);
    xlsx_sheet_close(s);

    /* header_row = 8 is absent; names nowhere in the sheet. */
    s = sheet_ok(b, "Titles");
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_header_find(s, NULL, 0, 8, &h, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "sheet 'Titles': header row 8 is empty or absent"));
    xlsx_sheet_close(s);
    s = sheet_ok(b, "Titles");
    const char *none[] = { "Order", "Revenue" };
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_header_find(s, none, 2, 0, &h, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "no row holds all the headers 'Order', 'Revenue'"));
    assert_non_null(strstr(e.msg, "the first non-empty row, 1, holds: Quarterly sales"));
    xlsx_sheet_close(s);
    xlsx_close(b);
}

/* ------------------------------------------------------------------ */
/* A workbook written part by part                                     */

static const char hand_root_rels[] =
    "<Relationships xmlns=\"" PNS "\">"
    "<Relationship Id=\"rId1\" Type=\"" RNS "/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
/* date1904, and a chart sheet before the worksheet. */
static const char hand_wb[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<workbook xmlns=\"" NS "\" xmlns:r=\"" RNS "\"><workbookPr date1904=\"1\"/><sheets>"
    "<sheet name=\"Chart\" sheetId=\"2\" r:id=\"rId2\"/>"
    "<sheet name=\"Donn\xc3\xa9" "es\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
/* An absolute target, a "./" one, and shared strings under another name. */
static const char hand_wb_rels[] =
    "<Relationships xmlns=\"" PNS "\">"
    "<Relationship Id=\"rId1\" Type=\"" RNS "/worksheet\" Target=\"/xl/worksheets/data.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RNS "/chartsheet\" Target=\"chartsheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" RNS "/sharedStrings\" Target=\"strings.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" RNS "/styles\" Target=\"./styles.xml\"/>"
    "</Relationships>";
/* 0 plain; 1 rich runs; 2 trimmed (no xml:space); 3 preserved; 4 escapes;
   5 with a phonetic run; 6 empty. */
static const char hand_sst[] =
    "<sst xmlns=\"" NS "\" count=\"7\" uniqueCount=\"7\">"
    "<si><t>plain</t></si>"
    "<si><r><t>Hel</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">lo </t></r><r><t>World</t></r></si>"
    "<si><t>  trimmed  </t></si>"
    "<si><t xml:space=\"preserve\">  kept  </t></si>"
    "<si><t>a_x000D_b_x005F_x0041_c_xD83D__xDE00_</t></si>"
    "<si><t>\xe6\xbc\xa2\xe5\xad\x97</t><rPh sb=\"0\" eb=\"2\"><t>\xe3\x81\x8b\xe3\x82\x93\xe3\x81\x98</t></rPh></si>"
    "<si><t/></si></sst>";
/* cellXfs: 0 General, 1 yyyy-mm-dd (custom 164, '-' escaped), 2 a number
   with "m" quoted (165), 3 built-in 14 (a date), 4 built-in 45 (mm:ss). The
   xf of cellStyleXfs and the numFmt of a dxf must not count. */
static const char hand_styles[] =
    "<styleSheet xmlns=\"" NS "\"><numFmts count=\"2\">"
    "<numFmt numFmtId=\"164\" formatCode=\"yyyy\\-mm\\-dd\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"#,##0.00 &quot;m&quot;\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/>"
    "<xf numFmtId=\"14\"/><xf numFmtId=\"45\"/></cellXfs>"
    "<dxfs count=\"1\"><dxf><numFmt numFmtId=\"0\" formatCode=\"yyyy\"/></dxf></dxfs></styleSheet>";
/* The main namespace under a prefix; a row and cells without r. */
static const char hand_sheet[] =
    "<x:worksheet xmlns:x=\"" NS "\"><x:sheetData>\n"
    "<x:row r=\"2\"><x:c r=\"A2\" t=\"inlineStr\"><x:is><x:t>inline</x:t></x:is></x:c>"
    "<x:c r=\"B2\" t=\"inlineStr\"><x:is><x:r><x:t>in</x:t></x:r><x:r><x:t xml:space=\"preserve\"> line </x:t></x:r>"
    "</x:is></x:c><x:c r=\"C2\" t=\"s\"><x:v>1</x:v></x:c>"
    "<x:c r=\"D2\" t=\"str\"><x:f>A2&amp;\"!\"</x:f><x:v>inline!</x:v></x:c>"
    "<x:c r=\"E2\" t=\"e\"><x:v>#N/A</x:v></x:c><x:c r=\"F2\" t=\"b\"><x:v>0</x:v></x:c></x:row>\n"
    "<x:row><x:c><x:v>1</x:v></x:c><x:c t=\"s\"><x:v>4</x:v></x:c></x:row>\n"
    "<x:row r=\"7\"><x:c r=\"C7\" s=\"1\"><x:v>0</x:v></x:c><x:c r=\"D7\" s=\"3\"><x:v>42369</x:v></x:c>"
    "<x:c r=\"E7\" s=\"2\"><x:v>1.5</x:v></x:c><x:c r=\"F7\" t=\"d\"><x:v>2020-01-01T06:00:00</x:v></x:c>"
    "<x:c r=\"G7\" t=\"s\"><x:v>6</x:v></x:c><x:c r=\"H7\" t=\"s\"><x:v>2</x:v></x:c>"
    "<x:c r=\"I7\" t=\"s\"><x:v>3</x:v></x:c></x:row>\n"
    "<x:row r=\"8\"><x:c r=\"A8\" s=\"4\"><x:v>0.5</x:v></x:c>"
    "<x:c r=\"B8\" t=\"inlineStr\"><x:is><x:t>  lead</x:t></x:is></x:c>"
    "<x:c r=\"C8\" t=\"s\"><x:v>5</x:v></x:c><x:c r=\"XFD8\"><x:v>3</x:v></x:c></x:row>\n"
    "</x:sheetData></x:worksheet>";

static void test_handmade_book(void **state)
{
    (void)state;
    const char *path = in_dir("hand.xlsx");
    const char *parts[] = { "_rels/.rels", hand_root_rels, "xl/workbook.xml", hand_wb,
                            "xl/_rels/workbook.xml.rels", hand_wb_rels, "xl/strings.xml", hand_sst,
                            "xl/styles.xml", hand_styles, "xl/worksheets/data.xml", hand_sheet, NULL };
    write_zip(path, parts);
    struct xlsx_book *b = open_ok(path);
    assert_int_equal(xlsx_date1904(b), 1);
    assert_int_equal(xlsx_sheet_count(b), 2);
    assert_int_equal(xlsx_sheet_is_worksheet(b, 0), 0);
    assert_int_equal(xlsx_sheet_is_worksheet(b, 1), 1);

    /* The default is the first worksheet, not the chart sheet before it. */
    size_t i = 99;
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_sheet_find(b, NULL, &i, &e), CX_OK);
    assert_int_equal(i, 1);
    assert_int_equal(xlsx_sheet_find(b, "1", &i, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "sheet 'Chart' is not a worksheet"));
    struct xlsx_sheet *s = NULL;
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_sheet_open(b, 0, &s, &e), CX_EIO);
    assert_null(s);

    s = sheet_ok(b, "Donn\xc3\xa9" "es");
    const struct xlsx_row *r = next_ok(s);
    assert_int_equal(r->number, 2);
    assert_int_equal(r->ncells, 6);
    assert_int_equal(r->nonempty, 6);
    expect_cell(r, 0, XLSX_STRING, "inline");
    /* Rich runs are concatenated and never trimmed. */
    expect_cell(r, 1, XLSX_STRING, "in line ");
    expect_cell(r, 2, XLSX_STRING, "Hello World");
    expect_cell(r, 3, XLSX_STRING, "inline!");
    expect_cell(r, 4, XLSX_ERROR, "#N/A");
    expect_cell(r, 5, XLSX_BOOL, "FALSE");
    /* A row without r follows row 2; cells without r take A, B. String 4:
       _x000D_ is CR, _x005F_ a literal '_' (so "x0041_" stays text), and
       the pair D83D DE00 is U+1F600 (F0 9F 98 80). */
    r = next_ok(s);
    assert_int_equal(r->number, 3);
    expect_cell(r, 0, XLSX_NUMBER, "1");
    expect_cell(r, 1, XLSX_STRING, "a\rb_x0041_c\xf0\x9f\x98\x80");
    /* Row 7, 1904 system: serial 0 is 1904-01-01; 42369 - 24107 = 18262 is
       2020-01-01; format 165 quotes its m, so 1.5 is a number; the t="d" cell
       is 2020-01-01 06:00, serial 42369.25; shared string 6 is empty. */
    r = next_ok(s);
    assert_int_equal(r->number, 7);
    assert_int_equal(r->ncells, 9);
    assert_int_equal(r->nonempty, 6);
    expect_cell(r, 2, XLSX_DATE, "1904-01-01");
    expect_cell(r, 3, XLSX_DATE, "2020-01-01");
    expect_cell(r, 4, XLSX_NUMBER, "1.5");
    expect_cell(r, 5, XLSX_DATE, "2020-01-01 06:00:00");
    assert_true(r->cells[5].num == 42369.25);
    expect_cell(r, 6, XLSX_EMPTY, "");
    expect_cell(r, 7, XLSX_STRING, "trimmed");
    expect_cell(r, 8, XLSX_STRING, "  kept  ");
    /* Row 8: built-in 45 (mm:ss) is a time format; in the 1904 system 0.5
       is noon of 1904-01-01. An inline <t> without xml:space is trimmed.
       The phonetic run of string 5 is not text. XFD is column 16,384. */
    r = next_ok(s);
    assert_int_equal(r->number, 8);
    assert_int_equal(r->ncells, XLSX_MAX_COLS);
    expect_cell(r, 0, XLSX_DATE, "1904-01-01 12:00:00");
    expect_cell(r, 1, XLSX_STRING, "lead");
    expect_cell(r, 2, XLSX_STRING, "\xe6\xbc\xa2\xe5\xad\x97");
    expect_cell(r, XLSX_MAX_COLS - 1, XLSX_NUMBER, "3");
    assert_null(next_ok(s));
    xlsx_sheet_close(s);
    xlsx_close(b);

    /* The same bytes opened from memory give the same rows. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char mem[1 << 16];
    size_t n = fread(mem, 1, sizeof mem, f);
    fclose(f);
    memset(&e, 0, sizeof e);
    assert_int_equal(xlsx_open_buffer(&b, mem, n, "memory.xlsx", &e), CX_OK);
    s = sheet_ok(b, NULL);
    r = next_ok(s);
    expect_cell(r, 2, XLSX_STRING, "Hello World");
    xlsx_sheet_close(s);
    xlsx_close(b);
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void test_not_a_workbook(void **state)
{
    (void)state;
    struct xlsx_book *b = NULL;
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_open(&b, in_dir("absent.xlsx"), &e), CX_EIO);
    assert_non_null(strstr(e.msg, "absent.xlsx: cannot open: No such file or directory"));

    const char csv[] = "order_id,date\nO1,2024-01-01\n";
    put(in_dir("csv.xlsx"), csv, sizeof csv - 1);
    expect_open_error(in_dir("csv.xlsx"), "csv.xlsx: not an Excel workbook (.xlsx): not a zip archive");
    const unsigned char gz[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3 };
    put(in_dir("gz.xlsx"), gz, sizeof gz);
    expect_open_error(in_dir("gz.xlsx"), "not an Excel workbook (.xlsx): a gzip file; decompress it first");
    const unsigned char ole[] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0 };
    put(in_dir("old.xlsx"), ole, sizeof ole);
    expect_open_error(in_dir("old.xlsx"), "an Excel 97-2003 workbook (.xls)");
    put(in_dir("empty.xlsx"), "", 0);
    expect_open_error(in_dir("empty.xlsx"), "not an Excel workbook (.xlsx): an empty file");

    /* A zip, but no workbook in it. */
    const char *notes[] = { "notes.txt", "hello", NULL };
    write_zip(in_dir("notes.zip"), notes);
    expect_open_error(in_dir("notes.zip"), "notes.zip: not an Excel workbook (.xlsx): a zip archive without xl/workbook.xml");
    /* A binary workbook: the package points at xl/workbook.bin. */
    const char *xlsb[] = { "_rels/.rels",
                           "<Relationships xmlns=\"" PNS "\"><Relationship Id=\"rId1\" Type=\"" RNS
                           "/officeDocument\" Target=\"xl/workbook.bin\"/></Relationships>",
                           "xl/workbook.bin", "\x83\x01", NULL };
    write_zip(in_dir("b.xlsb"), xlsb);
    expect_open_error(in_dir("b.xlsb"), "a binary workbook (.xlsb)");

    /* The first half of a real workbook: the zip's directory is at its end. */
    const char *full = write_lxw_book();
    FILE *f = fopen(full, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    put(in_dir("half.xlsx"), buf, n / 2);
    expect_open_error(in_dir("half.xlsx"), "not an Excel workbook (.xlsx)");

    /* A workbook part that is not XML names the part and the position: the
       name of </workbook>, after 18 characters and "</", is column 21. */
    const char *badwb[] = { "xl/workbook.xml", "<workbook><sheets></workbook>", NULL };
    write_zip(in_dir("badwb.xlsx"), badwb);
    expect_open_error(in_dir("badwb.xlsx"), "badwb.xlsx: xl/workbook.xml: XML error at line 1, column 21: mismatched tag");
}

static void test_sheet_errors(void **state)
{
    (void)state;
    struct xlsx_book *b;
    struct xlsx_sheet *s;
    const struct xlsx_row *r;

    /* Cut in the middle of row 2 (line 3): row 1 comes, then the error. */
    b = open_ok(one_sheet("cut.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData>\n"
                                      "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>\n"
                                      "<row r=\"2\"><c r=\"A2\"><v>2"));
    s = sheet_ok(b, NULL);
    r = next_ok(s);
    expect_cell(r, 0, XLSX_NUMBER, "1");
    expect_row_error(s, "cut.xlsx: sheet 'S' (xl/worksheets/sheet1.xml): XML error at line 3, column");
    xlsx_sheet_close(s);
    xlsx_close(b);

    /* </c> closes <v>: "mismatched tag", which expat places at the name of
       the end tag: <row r="1"> is 11 characters, <c r="A1"> 10, <v> 3, "1"
       1, "</" 2, so "c" is the 28th character of line 2. */
    b = open_ok(one_sheet("mismatch.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData>\n"
                                           "<row r=\"1\"><c r=\"A1\"><v>1</c></row></sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "XML error at line 2, column 28: mismatched tag");
    xlsx_sheet_close(s);
    xlsx_close(b);

    /* Shared string 2 of 2 (0-based): out of range, naming row and cell. */
    b = open_ok(one_sheet("sst.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"4\">"
                                      "<c r=\"A4\" t=\"s\"><v>1</v></c><c r=\"B4\" t=\"s\"><v>2</v></c>"
                                      "</row></sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "sheet 'S' (xl/worksheets/sheet1.xml): row 4, cell B4: shared string '2' out of range (the workbook has 2)");
    xlsx_sheet_close(s);
    xlsx_close(b);

    /* Rows out of order, a cell given twice, a column past XFD, a bad
       number, a DTD. */
    b = open_ok(one_sheet("order.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"3\"/><row r=\"2\"/>"
                                        "</sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    assert_int_equal(next_ok(s)->number, 3);
    expect_row_error(s, "row 2 comes after row 3");
    xlsx_sheet_close(s);
    xlsx_close(b);
    b = open_ok(one_sheet("twice.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"B1\"/>"
                                        "<c r=\"B1\"/></row></sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "row 1, cell B1: cell given twice");
    xlsx_sheet_close(s);
    xlsx_close(b);
    b = open_ok(one_sheet("xfe.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"XFE1\">"
                                      "<v>1</v></c></row></sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "reference 'XFE1' is past Excel's last column (XFD, 16384)");
    xlsx_sheet_close(s);
    xlsx_close(b);
    b = open_ok(one_sheet("nan.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"C1\">"
                                      "<v>12abc</v></c></row></sheetData></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "row 1, cell C1: '12abc' is not a number");
    xlsx_sheet_close(s);
    xlsx_close(b);
    b = open_ok(one_sheet("dtd.xlsx", "<!DOCTYPE worksheet [<!ENTITY a \"aaaa\">]><worksheet xmlns=\"" NS
                                      "\"><sheetData/></worksheet>"));
    s = sheet_ok(b, NULL);
    expect_row_error(s, "a document type declaration (DTD)");
    xlsx_sheet_close(s);
    xlsx_close(b);

    /* A sheet whose part is not in the zip. */
    const char *parts[] = { "xl/workbook.xml", wb_one, "xl/_rels/workbook.xml.rels", wb_rels_one, NULL };
    write_zip(in_dir("nopart.xlsx"), parts);
    b = open_ok(in_dir("nopart.xlsx"));
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_sheet_open(b, 0, &s, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "sheet 'S': its part xl/worksheets/sheet1.xml is missing from the zip"));
    xlsx_close(b);
}

/* A one-cell inline string of n copies of unit. */
static char *long_cell(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    const char *pre = "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>";
    const char *post = "</t></is></c></row></sheetData></worksheet>";
    char *x = malloc(strlen(pre) + n * u + strlen(post) + 1);
    assert_non_null(x);
    char *p = x + strlen(strcpy(x, pre));
    for (size_t i = 0; i < n; i++, p += u)
        memcpy(p, unit, u);
    strcpy(p, post);
    return x;
}

static void test_cell_text_limit(void **state)
{
    (void)state;
    /* 32,767 characters is Excel's limit: accepted, one more is not. */
    char *x = long_cell("a", XLSX_MAX_CELL_CHARS);
    struct xlsx_book *b = open_ok(one_sheet("max.xlsx", x));
    free(x);
    struct xlsx_sheet *s = sheet_ok(b, NULL);
    const struct xlsx_row *r = next_ok(s);
    assert_int_equal(r->cells[0].len, XLSX_MAX_CELL_CHARS);
    xlsx_sheet_close(s);
    xlsx_close(b);
    x = long_cell("a", XLSX_MAX_CELL_CHARS + 1);
    b = open_ok(one_sheet("over.xlsx", x));
    free(x);
    s = sheet_ok(b, NULL);
    expect_row_error(s, "row 1, cell A1: text longer than 32767 characters");
    xlsx_sheet_close(s);
    xlsx_close(b);
    /* Characters, not bytes: 32,767 euro signs are 98,301 bytes. */
    x = long_cell("\xe2\x82\xac", XLSX_MAX_CELL_CHARS);
    b = open_ok(one_sheet("euro.xlsx", x));
    free(x);
    s = sheet_ok(b, NULL);
    r = next_ok(s);
    assert_int_equal(r->cells[0].len, 3 * XLSX_MAX_CELL_CHARS);
    xlsx_sheet_close(s);
    xlsx_close(b);
}

/* A tag of 33 MiB (one attribute) is refused before expat holds more than
   32 MiB of it; 300 nested elements are refused at the 257th. The parts
   are deflated here, so the workbook itself is small, as an attack's is. */
static void test_xml_limits(void **state)
{
    (void)state;
    size_t big = (size_t)33 << 20;
    const char *pre = "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"A1\" x=\"";
    const char *post = "\"/></row></sheetData></worksheet>";
    char *x = malloc(strlen(pre) + big + strlen(post) + 1);
    assert_non_null(x);
    strcpy(x, pre);
    memset(x + strlen(pre), 'A', big);
    strcpy(x + strlen(pre) + big, post);
    char deep[300 * 7 + 200];
    size_t k = (size_t)sprintf(deep, "<worksheet xmlns=\"" NS "\">");
    for (int i = 0; i < 300; i++)
        k += (size_t)sprintf(deep + k, "<a>");
    strcpy(deep + k, "</worksheet>");
    const char *sheets[2] = { x, deep }, *want[2] = { "an XML token longer than 32 MiB", "XML nested deeper than 256 elements" };
    for (int t = 0; t < 2; t++) {
        const char *path = in_dir(t ? "deep.xlsx" : "token.xlsx");
        int err = 0;
        zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
        assert_non_null(z);
        const char *names[4] = { "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
                                 "xl/worksheets/sheet1.xml" };
        const char *texts[4] = { wb_one, wb_rels_one, sst_two, sheets[t] };
        for (int i = 0; i < 4; i++)
            assert_true(zip_file_add(z, names[i], zip_source_buffer(z, texts[i], strlen(texts[i]), 0), 0) >= 0);
        assert_int_equal(zip_close(z), 0);
        struct xlsx_book *b = open_ok(path);
        struct xlsx_sheet *s = sheet_ok(b, NULL);
        expect_row_error(s, want[t]);
        xlsx_sheet_close(s);
        xlsx_close(b);
        unlink(path);
    }
    free(x);
}

static void test_damaged_zip(void **state)
{
    (void)state;
    /* A stored entry whose bytes change after the zip was written: the
       CRC no longer matches when the sheet is read to its end. */
    const char *path = one_sheet("crc.xlsx", "<worksheet xmlns=\"" NS "\"><sheetData><row r=\"1\"><c r=\"A1\">"
                                             "<v>111</v></c></row></sheetData></worksheet>");
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    static char buf[1 << 14];
    size_t n = fread(buf, 1, sizeof buf, f);
    char *v = memmem(buf, n, "<v>111</v>", 10);
    assert_non_null(v);
    v[3] = '2';
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    struct xlsx_book *b = open_ok(path);
    struct xlsx_sheet *s = sheet_ok(b, NULL);
    const struct xlsx_row *r;
    struct cx_err e = { 0 };
    int rc;
    while ((rc = xlsx_sheet_next(s, &r, &e)) == CX_OK && r)
        ;
    assert_int_equal(rc, CX_EIO);
    assert_non_null(strstr(e.msg, "crc.xlsx: sheet 'S' (xl/worksheets/sheet1.xml): damaged zip data"));
    assert_non_null(strstr(e.msg, "CRC error"));
    xlsx_sheet_close(s);
    xlsx_close(b);
}

/* ------------------------------------------------------------------ */
/* The Adidas workbook                                                 */

/* Unpacks src (.gz) to dst; returns 0, or -1 when src cannot be read. */
static int gunzip(const char *src, const char *dst)
{
    gzFile g = gzopen(src, "rb");
    if (g == NULL)
        return -1;
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    static char buf[1 << 16];
    int n;
    while ((n = gzread(g, buf, sizeof buf)) > 0)
        assert_int_equal(fwrite(buf, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(n, 0);
    gzclose(g);
    assert_int_equal(fclose(f), 0);
    return 0;
}

static void test_adidas(void **state)
{
    (void)state;
    const char *src = getenv("CANAUX_SRC");
    char gz[1024];
    snprintf(gz, sizeof gz, "%s/../shared/data/real/adidas_us_sales/adidas_us_sales.xlsx.gz", src ? src : ".");
    struct stat st;
    if (stat(gz, &st) != 0) {
        print_message("skipped: %s is absent\n", gz);
        skip();
    }
    const char *path = in_dir("adidas.xlsx");
    assert_int_equal(gunzip(gz, path), 0);
    struct xlsx_book *b = open_ok(path);
    assert_int_equal(xlsx_sheet_count(b), 1);
    assert_string_equal(xlsx_sheet_name(b, 0), "Data Sales Adidas");
    struct xlsx_sheet *s = sheet_ok(b, NULL);
    /* Four title rows and an empty column A (README of the data folder). */
    const char *want[] = { "Retailer", "Invoice Date", "Total Sales", "Operating Profit" };
    struct xlsx_header h;
    struct cx_err e = { 0 };
    assert_int_equal(xlsx_header_find(s, want, 4, 0, &h, &e), CX_OK);
    assert_int_equal(h.row, 5);
    assert_int_equal(h.first, 1);
    assert_int_equal(h.ncols, 13);
    assert_string_equal(h.names[0], "Retailer");
    assert_string_equal(h.names[12], "Sales Method");
    long date = xlsx_header_column(&h, "Invoice Date"), sales = xlsx_header_column(&h, "Total Sales"),
         profit = xlsx_header_column(&h, "Operating Profit");
    assert_int_equal(date, 3);  /* D */
    assert_int_equal(sales, 10); /* K */
    assert_int_equal(profit, 11); /* L */
    xlsx_header_free(&h);

    /* Sums in cents, each amount rounded to the cent as a loader keeps it. */
    int64_t sales_c = 0, profit_c = 0;
    uint64_t rows = 0, dates = 0;
    double dmin = INFINITY, dmax = -INFINITY;
    const struct xlsx_row *r;
    int rc;
    while ((rc = xlsx_sheet_next(s, &r, &e)) == CX_OK && r) {
        if (r->nonempty == 0)
            continue;
        rows++;
        if (rows == 1) {
            /* Row 6 as in the sheet XML: Foot Locker, 2020-01-01, 600000. */
            assert_int_equal(r->number, 6);
            expect_cell(r, 1, XLSX_STRING, "Foot Locker");
            expect_cell(r, 3, XLSX_DATE, "2020-01-01");
            expect_cell(r, 10, XLSX_NUMBER, "600000");
        }
        assert_int_equal(r->cells[sales].type, XLSX_NUMBER);
        assert_int_equal(r->cells[profit].type, XLSX_NUMBER);
        sales_c += llround(r->cells[sales].num * 100);
        profit_c += llround(r->cells[profit].num * 100);
        if (r->cells[date].type == XLSX_DATE) {
            dates++;
            dmin = fmin(dmin, r->cells[date].num);
            dmax = fmax(dmax, r->cells[date].num);
        }
    }
    assert_int_equal(rc, CX_OK);
    /* 9,648 rows; Total Sales 899,902,125.00; Operating Profit 332,134,761.45. */
    assert_int_equal(rows, 9648);
    assert_int_equal(sales_c, INT64_C(89990212500));
    assert_int_equal(profit_c, INT64_C(33213476145));
    /* Every invoice date is a date, from 2020-01-01 (serial 43831) to
       2021-12-31 (44561; test_serial_to_day). */
    assert_int_equal(dates, 9648);
    assert_true(dmin == 43831);
    assert_true(dmax == 44561);
    xlsx_sheet_close(s);
    xlsx_close(b);
}

/* ------------------------------------------------------------------ */
/* Memory and speed on 200,000 rows                                    */

static const char *write_big(const char *name, int rows)
{
    const char *path = in_dir(name);
    lxw_workbook_options o = { .constant_memory = LXW_TRUE, .tmpdir = dir, .use_zip64 = LXW_FALSE };
    lxw_workbook *wb = workbook_new_opt(path, &o);
    assert_non_null(wb);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "lines");
    lxw_format *day = workbook_add_format(wb);
    format_set_num_format(day, "yyyy-mm-dd");
    const char *head[] = { "order_id", "date", "customer_id", "channel", "product_id", "quantity", "unit_price" };
    for (int c = 0; c < 7; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], NULL);
    static const char *chan[] = { "web", "store", "partner" };
    char id[32];
    for (int i = 1; i <= rows; i++) {
        lxw_row_t r = (lxw_row_t)i;
        snprintf(id, sizeof id, "O%07d", i);
        worksheet_write_string(ws, r, 0, id, NULL);
        worksheet_write_number(ws, r, 1, 45292 + i % 366, day);
        snprintf(id, sizeof id, "C%05d", i % 5000);
        worksheet_write_string(ws, r, 2, id, NULL);
        worksheet_write_string(ws, r, 3, chan[i % 3], NULL);
        snprintf(id, sizeof id, "P%03d", i % 300);
        worksheet_write_string(ws, r, 4, id, NULL);
        worksheet_write_number(ws, r, 5, 1 + i % 7, NULL);
        worksheet_write_number(ws, r, 6, 0.25 * (i % 400), NULL);
    }
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    return path;
}

/* The child: reads every row of argv's workbook, prints rows, peak RSS
   (KiB) and seconds, and exits. */
static int measure_child(const char *path)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct xlsx_book *b;
    struct cx_err e = { 0 };
    if (xlsx_open(&b, path, &e) != CX_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    struct xlsx_sheet *s;
    if (xlsx_sheet_open(b, 0, &s, &e) != CX_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    const struct xlsx_row *r;
    unsigned long rows = 0;
    size_t bytes = 0;
    int rc;
    while ((rc = xlsx_sheet_next(s, &r, &e)) == CX_OK && r) {
        rows++;
        /* Every cell's text, as a loader asks for it. */
        for (uint32_t c = 0; c < r->ncells; c++) {
            char buf[XLSX_TEXT_BUF];
            size_t n;
            xlsx_text(r, c, buf, &n);
            bytes += n;
        }
    }
    xlsx_sheet_close(s);
    xlsx_close(b);
    if (rc != CX_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%lu %ld %.6f %zu\n", rows, ru.ru_maxrss,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, bytes);
    return 0;
}

static void measure(const char *path, unsigned long *rows, long *rss, double *secs)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CANAUX_XLSX_MEASURE='%s' /proc/%ld/exe", path, (long)getpid());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t bytes;
    assert_int_equal(fscanf(p, "%lu %ld %lf %zu", rows, rss, secs, &bytes), 4);
    assert_int_equal(pclose(p), 0);
}

static void test_memory_200k(void **state)
{
    (void)state;
    /* 20,000 and 200,000 rows of 7 columns, read by a fresh process each. */
    unsigned long r1, r2;
    long rss1, rss2;
    double s1, s2;
    measure(write_big("small.xlsx", 20000), &r1, &rss1, &s1);
    measure(write_big("big.xlsx", 200000), &r2, &rss2, &s2);
    /* The header row and the data rows. */
    assert_int_equal(r1, 20001);
    assert_int_equal(r2, 200001);
    print_message("xlsx reader: 20,000 rows: peak RSS %ld KiB, %.0f rows/s; 200,000 rows: peak RSS %ld KiB, "
                  "%.0f rows/s\n",
                  rss1, (double)r1 / s1, rss2, (double)r2 / s2);
    /* Ten times the rows, and no more memory than 2 MiB above the small
       sheet's peak: only the current row is held (constant_memory writes
       inline strings, so there is no shared strings table). */
    if (rss2 > rss1 + 2048) {
        print_error("peak RSS grows with the rows: %ld KiB for 200k rows, %ld KiB for 20k\n", rss2, rss1);
        fail();
    }
    unlink(in_dir("small.xlsx"));
    unlink(in_dir("big.xlsx"));
}

/* ------------------------------------------------------------------ */

static int cleanup(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const char *m = getenv("CANAUX_XLSX_MEASURE");
    if (m)
        return measure_child(m);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_to_day),   cmocka_unit_test(test_text_forms),
        cmocka_unit_test(test_libxlsxwriter_book), cmocka_unit_test(test_handmade_book),
        cmocka_unit_test(test_not_a_workbook),  cmocka_unit_test(test_sheet_errors),
        cmocka_unit_test(test_cell_text_limit), cmocka_unit_test(test_xml_limits),
        cmocka_unit_test(test_damaged_zip),
        cmocka_unit_test(test_adidas),          cmocka_unit_test(test_memory_200k),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
