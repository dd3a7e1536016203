/* fuzz_xlsx -- the workbook reader (loaders/xlsx.h) on whole workbooks.
 *
 * Two input forms:
 *   "PK..."   a zip, opened from memory (xlsx_open_buffer);
 *   anything else: the parts of a workbook, separated by lines "%%":
 *             sheet XML, then optionally shared strings, styles and
 *             workbook XML. They are stored (not deflated) in a zip made
 *             here with libzip, so that mutations reach the XML instead of
 *             breaking a deflate stream or a CRC.
 * Every worksheet is read to its end with the text of every cell, then
 * read again through the header helper. Besides ASan and UBSan, the
 * target aborts when what the reader returns breaks its own contract
 * (rows not increasing, a cell past ncells or XFD, a string whose length
 * is not its strlen, a text longer than its buffer).
 *
 * Seeds (tests/fuzz/seeds/xlsx/): lxw.xlsx, a 3-sheet workbook written by
 * libxlsxwriter (numbers, a date, strings, a boolean, a formula); hand.xlsx,
 * a stored zip with a chart sheet, rich and phonetic strings, escapes, a
 * 1904 workbook and a prefixed namespace; parts-*, inputs of the second
 * form. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "loaders/xlsx.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char default_sst[] = "<sst xmlns=\"x\"><si><t>a</t></si><si><t>b</t></si></sst>";
static const char default_wb[] =
    "<workbook xmlns:r=\"r\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"T\" sheetId=\"2\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels[] =
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>";

/* A stored zip of the parts; returns a malloc'd buffer and its size, or
   NULL (libzip failing here is not a finding). */
static void *make_zip(const char *const *names, const uint8_t *const *parts, const size_t *lens, size_t n,
                      size_t *out_size)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_error_fini(&ze);
    if (out == NULL)
        return NULL;
    zip_source_keep(out);
    zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, NULL);
    if (z == NULL) {
        zip_source_free(out);
        zip_source_free(out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        zip_source_t *s = zip_source_buffer(z, parts[i], lens[i], 0);
        zip_int64_t idx = s ? zip_file_add(z, names[i], s, ZIP_FL_OVERWRITE) : -1;
        if (idx < 0) {
            zip_source_free(s);
            continue;
        }
        zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
    }
    void *buf = NULL;
    if (zip_close(z) != 0) {
        zip_discard(z);
    } else if (zip_source_open(out) == 0) {
        zip_source_seek(out, 0, SEEK_END);
        zip_int64_t len = zip_source_tell(out);
        zip_source_seek(out, 0, SEEK_SET);
        if (len > 0 && (buf = malloc((size_t)len)) != NULL) {
            if (zip_source_read(out, buf, (zip_uint64_t)len) != len) {
                free(buf);
                buf = NULL;
            } else {
                *out_size = (size_t)len;
            }
        }
        zip_source_close(out);
    }
    zip_source_free(out);
    return buf;
}

static size_t touch;

/* Reads one sheet to its end; aborts on a broken contract. */
static void read_sheet(struct xlsx_book *b, size_t i)
{
    struct xlsx_sheet *s;
    struct cx_err e = { 0 };
    if (xlsx_sheet_open(b, i, &s, &e) != CX_OK)
        return;
    const struct xlsx_row *r;
    uint32_t prev = 0;
    while (xlsx_sheet_next(s, &r, &e) == CX_OK && r) {
        if (r->number <= prev || r->number > XLSX_MAX_ROWS || r->ncells > XLSX_MAX_COLS || r->nonempty > r->ncells)
            abort();
        prev = r->number;
        uint32_t nonempty = 0;
        for (uint32_t c = 0; c <= r->ncells; c++) {
            char buf[XLSX_TEXT_BUF];
            size_t n;
            const char *t = xlsx_text(r, c, buf, &n);
            if (strlen(t) != n)
                abort();
            if (c == r->ncells) {
                if (n != 0)
                    abort();
                break;
            }
            const struct xlsx_cell *x = &r->cells[c];
            nonempty += x->type != XLSX_EMPTY;
            if ((x->type == XLSX_STRING || x->type == XLSX_ERROR) && (x->str == NULL || strlen(x->str) != x->len))
                abort();
            if ((x->type == XLSX_NUMBER || x->type == XLSX_DATE) && n >= XLSX_TEXT_BUF)
                abort();
            for (size_t k = 0; k < n; k++)
                touch += (unsigned char)t[k];
        }
        if (nonempty != r->nonempty)
            abort();
    }
    xlsx_sheet_close(s);

    /* Again, through the header helper, which leaves the data rows. */
    if (xlsx_sheet_open(b, i, &s, &e) != CX_OK)
        return;
    static const char *const want[] = { "a", "order_id" };
    struct xlsx_header h;
    if (xlsx_header_find(s, want, 1, 0, &h, &e) == CX_OK) {
        long col = xlsx_header_column(&h, "a");
        if (h.ncols == 0 || h.first + h.ncols > XLSX_MAX_COLS || (col != -2 && col < (long)h.first))
            abort();
        xlsx_header_free(&h);
        while (xlsx_sheet_next(s, &r, &e) == CX_OK && r)
            touch += r->ncells;
    }
    xlsx_sheet_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *zipped = NULL;
    const void *book = data;
    size_t booklen = size;
    if (size < 2 || data[0] != 'P' || data[1] != 'K') {
        /* sheet %% shared strings %% styles %% workbook */
        const uint8_t *part[4] = { 0 };
        size_t len[4] = { 0 }, np = 0, off = 0;
        while (np < 4) {
            size_t rest;
            size_t cut = fuzz_split(data + off, size - off, &rest);
            part[np] = data + off;
            len[np++] = cut;
            if (cut == size - off)
                break;
            off += rest;
        }
        static const char *const names[6] = { "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml",
                                               "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "" };
        const uint8_t *p[5] = { part[0], np > 1 ? part[1] : (const uint8_t *)default_sst, np > 2 ? part[2] : NULL,
                                np > 3 ? part[3] : (const uint8_t *)default_wb, (const uint8_t *)rels };
        size_t l[5] = { len[0], np > 1 ? len[1] : strlen(default_sst), np > 2 ? len[2] : 0,
                        np > 3 ? len[3] : strlen(default_wb), strlen(rels) };
        const char *nm[5];
        const uint8_t *pp[5];
        size_t ll[5], k = 0;
        for (size_t i = 0; i < 5; i++)
            if (p[i]) {
                nm[k] = names[i];
                pp[k] = p[i];
                ll[k++] = l[i];
            }
        zipped = make_zip(nm, pp, ll, k, &booklen);
        if (zipped == NULL)
            return 0;
        book = zipped;
    }
    struct xlsx_book *b;
    struct cx_err e = { 0 };
    if (xlsx_open_buffer(&b, book, booklen, "fuzz.xlsx", &e) == CX_OK) {
        size_t idx;
        struct cx_err e2 = { 0 };
        if (xlsx_sheet_find(b, NULL, &idx, &e2) == CX_OK && !xlsx_sheet_is_worksheet(b, idx))
            abort();
        for (size_t i = 0; i < xlsx_sheet_count(b); i++) {
            if (xlsx_sheet_name(b, i) == NULL)
                abort();
            read_sheet(b, i);
        }
        xlsx_close(b);
    } else if (e.status == CX_OK || e.msg[0] == 0) {
        abort(); /* a failure must say why */
    }
    free(zipped);
    return 0;
}
