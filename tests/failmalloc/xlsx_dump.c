/*
 * xlsx_dump — reads every worksheet of a workbook through loaders/xlsx.h
 * and prints what it read, for the allocation-failure and valgrind runs of
 * the workbook reader (tests/failmalloc/xlsx.sh), which has no command of
 * canaux of its own yet.
 *
 *   xlsx_dump [-v] FILE.xlsx
 *
 * Prints one line per worksheet: its number, name, rows, non-empty cells
 * and an FNV-1a hash of every row number, column, type and text; with -v,
 * also one line per non-empty cell. Also finds the header (the first
 * non-empty row) of each sheet read again. Exits 0, or with the cx_status
 * of the first failure (2 input, 4 out of memory) and its message on
 * stderr. With XLSX_DUMP_LEAKS=1, exits 5 when, after everything is closed,
 * the heap holds more bytes than before the workbook was opened (glibc's
 * mallinfo2): a leak, also on the way out of a failure, which valgrind and
 * ASan cannot see under the LD_PRELOAD shim of the allocation-failure runs.
 * That count is exact only with malloc's per-thread cache off
 * (GLIBC_TUNABLES=glibc.malloc.tcache_count=0, as xlsx.sh runs it).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loaders/xlsx.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211u;
    return h;
}

static int dump_sheet(struct xlsx_book *b, size_t i, int verbose, struct cx_err *e)
{
    struct xlsx_sheet *s;
    int rc = xlsx_sheet_open(b, i, &s, e);
    if (rc != CX_OK)
        return rc;
    uint64_t h = 14695981039346656037u, rows = 0, cells = 0;
    const struct xlsx_row *r;
    while ((rc = xlsx_sheet_next(s, &r, e)) == CX_OK && r) {
        rows++;
        for (uint32_t c = 0; c < r->ncells; c++) {
            if (r->cells[c].type == XLSX_EMPTY)
                continue;
            char buf[XLSX_TEXT_BUF];
            size_t n;
            const char *t = xlsx_text(r, c, buf, &n);
            cells++;
            uint32_t key[3] = { r->number, c, (uint32_t)r->cells[c].type };
            h = fnv(fnv(h, key, sizeof key), t, n);
            if (verbose)
                printf("%lu\t%lu\t%d\t%s\n", (unsigned long)r->number, (unsigned long)c, (int)r->cells[c].type, t);
        }
    }
    xlsx_sheet_close(s);
    if (rc != CX_OK)
        return rc;
    printf("sheet %zu '%s': %llu rows, %llu cells, hash %016llx\n", i + 1, xlsx_sheet_name(b, i),
           (unsigned long long)rows, (unsigned long long)cells, (unsigned long long)h);

    /* The header helper on a fresh pass. */
    if ((rc = xlsx_sheet_open(b, i, &s, e)) != CX_OK)
        return rc;
    struct xlsx_header hd;
    rc = xlsx_header_find(s, NULL, 0, 0, &hd, e);
    if (rc == CX_OK) {
        printf("  header row %lu, %lu columns from %lu\n", (unsigned long)hd.row, (unsigned long)hd.ncols,
               (unsigned long)hd.first);
        xlsx_header_free(&hd);
    } else if (e->status == CX_EIO && rows == 0) {
        rc = CX_OK; /* an empty sheet has no header */
        e->status = CX_OK;
        e->msg[0] = 0;
    }
    xlsx_sheet_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    if (argc != 2 + verbose) {
        fprintf(stderr, "usage: xlsx_dump [-v] FILE.xlsx\n");
        return 1;
    }
    /* stdout's buffer is static, so that printing allocates nothing. */
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    /* The first allocation also makes malloc's per-thread cache, which
       would count as a leak. */
    const char *lk = getenv("XLSX_DUMP_LEAKS");
    int leaks = lk && strcmp(lk, "1") == 0;
    free(malloc(1));
    tzset(); /* libzip converts DOS times with mktime, which keeps the zone */
    size_t before = mallinfo2().uordblks;
    struct cx_err e = { 0 };
    struct xlsx_book *b;
    int rc = xlsx_open(&b, argv[1 + verbose], &e);
    for (size_t i = 0; rc == CX_OK && i < xlsx_sheet_count(b); i++)
        if (xlsx_sheet_is_worksheet(b, i))
            rc = dump_sheet(b, i, verbose, &e);
    if (rc == CX_OK) {
        size_t k;
        rc = xlsx_sheet_find(b, NULL, &k, &e);
    }
    xlsx_close(b);
    size_t after = mallinfo2().uordblks;
    if (leaks && after > before) {
        fprintf(stderr, "xlsx_dump: leak: %zu bytes still allocated after closing the workbook%s%s\n",
                after - before, rc != CX_OK ? "; the failure was: " : "", rc != CX_OK ? e.msg : "");
        return 5;
    }
    if (rc != CX_OK) {
        fprintf(stderr, "xlsx_dump: %s\n", e.msg);
        return rc;
    }
    return 0;
}
