/*
 * test_source — the input stream of loaders/source.h: encodings decided
 * and converted, sequences cut across blocks and reads, bytes that are not
 * of the encoding, and formats that are not text.
 *
 * Expected bytes are written out by hand: "é" is C3 A9 in UTF-8, E9 in
 * Windows-1252 and Latin-1, E9 00 in UTF-16LE; "€" is E2 82 AC in UTF-8,
 * 80 in Windows-1252, AC 20 in UTF-16LE; U+1F600 is F0 9F 98 80 in UTF-8
 * and the surrogate pair 3D D8 00 DE in UTF-16LE.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "loaders/source.h"

static char *write_tmp(const void *content, size_t n)
{
    char *path = strdup("/tmp/canaux_src_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    close(fd);
    return path;
}

struct got {
    int rc;
    char buf[8192];
    size_t len;
    unsigned enc;
    int guessed;
    struct cx_err e;
};

/* Opens content with encoding enc, a first block of sniff bytes, and reads
   it all `step` bytes at a time. */
static void read_all(struct got *g, const void *content, size_t n, unsigned enc, size_t sniff,
                     size_t step)
{
    memset(g, 0, sizeof *g);
    char *path = write_tmp(content, n);
    struct source *s;
    g->rc = source_open(&s, path, enc, sniff, &g->e);
    unlink(path);
    free(path);
    if (g->rc != CX_OK)
        return;
    g->enc = source_encoding(s);
    g->guessed = source_guessed(s);
    while (!source_eof(s)) {
        size_t want = step < sizeof g->buf - g->len ? step : sizeof g->buf - g->len;
        assert_true(want > 0);
        long long r = source_read(s, g->buf + g->len, want, &g->e);
        assert_true(r >= 0);
        /* fewer than asked only at the end */
        assert_true(source_eof(s) || (size_t)r == want);
        g->len += (size_t)r;
    }
    source_close(s);
}

static void expect_bytes(const struct got *g, const char *want, size_t n)
{
    if (g->len != n || memcmp(g->buf, want, n) != 0) {
        print_error("got %zu bytes:", g->len);
        for (size_t i = 0; i < g->len && i < 80; i++)
            print_error(" %02x", (unsigned char)g->buf[i]);
        print_error("\nexpected %zu bytes\n", n);
        fail();
    }
}

static void test_names(void **state)
{
    (void)state;
    unsigned e;
    assert_int_equal(source_encoding_parse("UTF-8", &e), 0);
    assert_int_equal(e, SRC_UTF8);
    assert_int_equal(source_encoding_parse("windows-1252", &e), 0);
    assert_int_equal(e, SRC_CP1252);
    assert_int_equal(source_encoding_parse("Latin1", &e), 0);
    assert_int_equal(e, SRC_LATIN1);
    assert_int_equal(source_encoding_parse("utf-16", &e), 0);
    assert_int_equal(e, SRC_UTF16);
    assert_int_equal(source_encoding_parse("ebcdic", &e), -1);
    assert_string_equal(source_encoding_name(SRC_CP1252), "cp1252");
}

static void test_auto(void **state)
{
    (void)state;
    struct got g;
    /* valid UTF-8 passes through unchanged, BOM included (the reader skips it) */
    read_all(&g, "\xEF\xBB\xBF" "a;\xC3\xA9\n", 7, SRC_AUTO, 64, 5);
    assert_int_equal(g.rc, CX_OK);
    assert_int_equal(g.enc, SRC_UTF8);
    assert_false(g.guessed);
    expect_bytes(&g, "\xEF\xBB\xBF" "a;\xC3\xA9\n", 7);
    read_all(&g, "a;\xC3\xA9\n", 5, SRC_AUTO, 64, 5);
    assert_int_equal(g.enc, SRC_UTF8);
    assert_false(g.guessed);
    /* not UTF-8: Windows-1252, guessed; E9 is é, 80 is € */
    read_all(&g, "a;\xE9\x80\n", 5, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    assert_int_equal(g.enc, SRC_CP1252);
    assert_true(g.guessed);
    expect_bytes(&g, "a;\xC3\xA9\xE2\x82\xAC\n", 8);
    /* a UTF-8 sequence cut by the end of the first block is still UTF-8:
       the block is 64 bytes, "é" starts at byte 63 */
    char cut[80];
    memset(cut, 'x', 63);
    memcpy(cut + 63, "\xC3\xA9\n", 3);
    read_all(&g, cut, 66, SRC_AUTO, 64, 10);
    assert_int_equal(g.enc, SRC_UTF8);
    expect_bytes(&g, cut, 66);
    /* UTF-16 LE with its byte-order mark: "é€\n" */
    read_all(&g, "\xFF\xFE\xE9\x00\xAC\x20\n\x00", 8, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    assert_int_equal(g.enc, SRC_UTF16LE);
    expect_bytes(&g, "\xEF\xBB\xBF\xC3\xA9\xE2\x82\xAC\n", 9);
    /* and big-endian */
    read_all(&g, "\xFE\xFF\x00\xE9\x00\n", 6, SRC_AUTO, 64, 100);
    assert_int_equal(g.enc, SRC_UTF16BE);
    expect_bytes(&g, "\xEF\xBB\xBF\xC3\xA9\n", 6);
}

static void test_utf16_without_bom(void **state)
{
    (void)state;
    struct got g;
    static const char le[] = "a\0;\0b\0\n\0c\0;\0d\0\n\0";
    read_all(&g, le, sizeof le - 1, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_EIO);
    assert_non_null(strstr(g.e.msg, "looks like UTF-16 (little-endian) text without a byte-order mark"));
    assert_non_null(strstr(g.e.msg, "encoding = utf-16"));
    read_all(&g, le, sizeof le - 1, SRC_CP1252, 64, 100);
    assert_int_equal(g.rc, CX_EIO);
    /* told it is UTF-16, the NUL bytes give the byte order */
    read_all(&g, le, sizeof le - 1, SRC_UTF16, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    assert_int_equal(g.enc, SRC_UTF16LE);
    expect_bytes(&g, "a;b\nc;d\n", 8);
    static const char be[] = "\0a\0;\0b\0\n";
    read_all(&g, be, sizeof be - 1, SRC_UTF16, 64, 100);
    assert_int_equal(g.enc, SRC_UTF16BE);
    expect_bytes(&g, "a;b\n", 4);
}

static void test_cut_sequences(void **state)
{
    (void)state;
    struct got g;
    /* UTF-16LE: a BOM, 30 'x', then U+1F600 at bytes 62..65, across the
       64-byte raw block (a cut sequence); read 1 to 5 bytes at a time, so
       that its 4-byte UTF-8 form is cut between reads. */
    char in[128], want[64];
    size_t n = 0, m = 0;
    in[n++] = (char)0xFF;
    in[n++] = (char)0xFE;
    memcpy(want, "\xEF\xBB\xBF", 3);
    m = 3;
    for (int i = 0; i < 30; i++) {
        in[n++] = 'x';
        in[n++] = 0;
        want[m++] = 'x';
    }
    memcpy(in + n, "\x3D\xD8\x00\xDE" "y\0", 6);
    n += 6;
    memcpy(want + m, "\xF0\x9F\x98\x80y", 5);
    m += 5;
    for (size_t step = 1; step <= 5; step++) {
        read_all(&g, in, n, SRC_AUTO, 64, step);
        assert_int_equal(g.rc, CX_OK);
        expect_bytes(&g, want, m);
    }
    /* Windows-1252 € (1 byte, 3 in UTF-8) read 2 bytes at a time */
    read_all(&g, "\x80\x80\x80", 3, SRC_CP1252, 64, 2);
    assert_int_equal(g.rc, CX_OK);
    expect_bytes(&g, "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 9);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    struct got g;
    /* 81 is no character in Windows-1252: it stays, not valid UTF-8 */
    read_all(&g, "a\x81" "b", 3, SRC_CP1252, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    expect_bytes(&g, "a\x81" "b", 3);
    /* Latin-1 has every byte: 81 is U+0081, C2 81 */
    read_all(&g, "a\x81", 2, SRC_LATIN1, 64, 100);
    expect_bytes(&g, "a\xC2\x81", 3);
    /* a lone low surrogate (00 DC) and an odd last byte in UTF-16 LE:
       each a FF byte */
    read_all(&g, "\xFF\xFE" "a\0\x00\xDC" "b\0c", 9, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    expect_bytes(&g, "\xEF\xBB\xBF" "a\xFF" "b\xFF", 7);
}

static void test_formats(void **state)
{
    (void)state;
    struct got g;
    static const struct { const char *bytes; size_t n; const char *says; } f[] = {
        { "%PDF-1.7\n", 9, "looks like a PDF document" },
        { "PK\x03\x04\x14\0\0\0[Content_Types].xml xl/workbook.xml", 43, "an Excel workbook (.xlsx" },
        { "PK\x03\x04\x14\0\0\0data.csv", 16, "looks like a zip archive" },
        { "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10, "an old Excel workbook (.xls)" },
        { "\x89PNG\r\n\x1A\n", 8, "a PNG image" },
        { "a\0\0\0\0\0\0b\0\0\0c\0\0\0\0\0\0", 19, "a binary file" },
    };
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        read_all(&g, f[i].bytes, f[i].n, SRC_AUTO, 64, 100);
        if (g.rc != CX_EIO || strstr(g.e.msg, f[i].says) == NULL)
            fail_msg("format %zu: rc %d, \"%s\", expected \"%s\"", i, g.rc, g.e.msg, f[i].says);
    }
    /* an empty file is text (the reader says it has no header) */
    read_all(&g, "", 0, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_OK);
    assert_int_equal(g.len, 0);
    read_all(&g, "x", 1, SRC_AUTO, 64, 100);
    assert_int_equal(g.rc, CX_OK);
}

static void test_gzip_cp1252(void **state)
{
    (void)state;
    char path[] = "/tmp/canaux_src_gz_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    gzFile z = gzdopen(fd, "wb");
    assert_non_null(z);
    for (int i = 0; i < 1000; i++)
        gzputs(z, "caf\xE9;12\n");
    gzclose(z);
    struct source *s;
    struct cx_err e = { 0 };
    assert_int_equal(source_open(&s, path, SRC_AUTO, 4096, &e), CX_OK);
    assert_int_equal(source_encoding(s), SRC_CP1252);
    /* 1000 lines of "café;12\n": 9 bytes each in UTF-8 */
    char buf[16384];
    size_t len = 0;
    while (!source_eof(s)) {
        long long r = source_read(s, buf + len, 1000, &e);
        assert_true(r >= 0);
        len += (size_t)r;
    }
    assert_int_equal(len, 9000);
    assert_memory_equal(buf + 8991, "caf\xC3\xA9;12\n", 9);
    source_close(s);
    /* gzip twice: the inner one is named */
    char p2[] = "/tmp/canaux_src_gz2_XXXXXX";
    fd = mkstemp(p2);
    assert_true(fd >= 0);
    FILE *f = fopen(path, "rb");
    z = gzdopen(fd, "wb");
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        gzwrite(z, buf, (unsigned)k);
    fclose(f);
    gzclose(z);
    assert_int_equal(source_open(&s, p2, SRC_AUTO, 4096, &e), CX_EIO);
    assert_non_null(strstr(e.msg, "looks like a gzip file inside a gzip file"));
    unlink(p2);
    unlink(path);
    /* a file that cannot be opened */
    assert_int_equal(source_open(&s, "/nonexistent/x.csv", SRC_AUTO, 4096, &e), CX_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_auto),
        cmocka_unit_test(test_utf16_without_bom),
        cmocka_unit_test(test_cut_sequences),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_formats),
        cmocka_unit_test(test_gzip_cp1252),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
