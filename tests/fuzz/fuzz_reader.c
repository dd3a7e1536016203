/* fuzz_reader -- the CSV loader (loaders/reader.h) on whole files.
 *
 * Input layout:
 *   byte 0       option flags (see below)
 *   INI text     optional: an [input]/[columns] configuration, ended by a
 *                line "%%"; without that line everything after byte 0 is CSV
 *   CSV text     the file given to reader_load
 * Flags: bits 0-1 delimiter (auto , ; tab), bit 2 locale fr, bits 3-4 date
 * format (auto iso dmy mdy), bit 5 strict, bits 6-7 chunk size (64, 512,
 * 4096 bytes, default) with a 4 KiB read block, so that records are cut
 * across parallel ranges and blocks. The configuration, when present and
 * valid, overrides the flags as it does in canaux; through it the fuzzer
 * reaches the encodings (encoding = cp1252, utf-16, latin1: iconv under
 * the parser, sequences cut at the 4 KiB blocks), null tokens and composed
 * keys; without one, auto-detection sees the bytes as they come (BOMs,
 * Windows-1252, UTF-16 without a BOM, binary formats). */
#include <omp.h>
#include <stdint.h>
#include <string.h>

#include "engine/dataset.h"
#include "loaders/config.h"
#include "loaders/reader.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_reject(void *ctx, const char *file, uint64_t line, const char *reason, const char *raw,
                     size_t rawlen)
{
    (void)file;
    (void)line;
    /* Touch every byte of what the reader hands back, so that ASan checks it. */
    size_t *sum = ctx;
    *sum += strlen(reason);
    for (size_t i = 0; i < rawlen; i++)
        *sum += (unsigned char)raw[i];
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[4] = { 0, ',', ';', '\t' };
    static const unsigned datefmts[4] = { 0, FIELD_DATE_ISO, FIELD_DATE_DMY, FIELD_DATE_MDY };
    static const size_t chunks[4] = { 64, 512, 4096, 0 };
    static int threads_set;
    if (!threads_set) {
        omp_set_num_threads(2);
        threads_set = 1;
    }
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    data++;
    size--;

    struct reader_options o;
    reader_defaults(&o);
    o.delimiter = delims[flags & 3];
    o.locale = (flags & 4) ? FIELD_FR : FIELD_EN;
    o.date_format = datefmts[(flags >> 3) & 3];
    o.strict = (flags >> 5) & 1;
    o.block_size = 4096;
    o.chunk_size = chunks[(flags >> 6) & 3];

    size_t rest;
    size_t inilen = fuzz_split(data, size, &rest);
    if (inilen < size) {
        struct fuzz_file ini;
        struct config c;
        struct cx_err e = { 0 };
        memset(&c, 0, sizeof c);
        fuzz_file_open(&ini, "fuzz.ini", data, inilen);
        int rc = config_load(&c, ini.path, &e);
        fuzz_file_close(&ini);
        if (rc == CX_OK)
            rc = reader_configure(&o, &c, &e);
        config_free(&c);
        if (rc != CX_OK) {
            reader_options_free(&o);
            return 0;
        }
    } else {
        rest = 0; /* no configuration: all of it is CSV */
    }

    struct fuzz_file csv;
    fuzz_file_open(&csv, "fuzz.csv", data + rest, size - rest);
    struct dataset *ds = dataset_create();
    if (ds == NULL)
        abort();
    struct reader_stats st;
    struct cx_err e = { 0 };
    size_t sum = 0;
    memset(&st, 0, sizeof st);
    int rc = reader_load(ds, csv.path, NULL, &o, on_reject,
                         &sum, &st, &e);
    if (rc == CX_OK) {
        /* What the stats say must agree with themselves. */
        if (st.accepted + st.rejected != st.rows_read && !o.strict)
            abort();
        struct cx_err e2 = { 0 };
        uint32_t nprod = dataset_count(ds, DS_PRODUCT), norders = dataset_count(ds, DS_ORDER);
        uint32_t p0 = ds->n_lines ? dataset_product(ds, 0) : 0;
        if (dataset_finish(ds, &e2) == CX_OK &&
            (dataset_count(ds, DS_PRODUCT) != nprod || dataset_count(ds, DS_ORDER) != norders ||
             (ds->n_lines && dataset_product(ds, 0) != p0)))
            abort();
    }
    reader_stats_free(&st);
    dataset_free(ds);
    fuzz_file_close(&csv);
    reader_options_free(&o);
    return 0;
}
