/*
 * reader — sales-transaction CSV files into the dataset (SPEC §1).
 *
 * The input is streamed in blocks (plain files, .gz and stdin alike, all
 * through zlib, in any encoding of loaders/source.h, as UTF-8), so memory
 * does not grow with the file beyond what the dataset keeps. Each block is cut into fixed byte ranges; each range is
 * parsed by one thread into a private dataset part, then the parts are
 * appended in input order. A thread finds its first record by guessing (the
 * byte after a newline) and the guess is checked against where the range
 * before it really ended; a wrong guess (a quoted field with a newline
 * across the cut) is parsed again from the right place. So the result,
 * reject line numbers included, is the same for any thread count.
 *
 * Records are cut by a quote-aware scan; a record with no quote character is
 * split on the delimiter directly, any other record is split by libcsv.
 * The fields of a record go to rows_take (loaders/rows.h), which holds the
 * row rules every source shares. Every record is accepted or rejected with
 * a reason: nothing is dropped.
 *
 * An input beginning postgresql:// or postgres:// is read from PostgreSQL
 * instead (loaders/pgsource.h): the server's COPY ... (FORMAT csv, HEADER)
 * output goes through the same parse. Its rejects are numbered by row of
 * the query's result (the header aside) rather than by line.
 */
#ifndef CANAUX_READER_H
#define CANAUX_READER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "loaders/fields.h"
#include "loaders/rows.h"

struct config;
struct catalog;
struct customers;

/* Columns of the master data: [products] and [customers]. */
enum { RP_PRODUCT, RP_UNIT_COST, RP_CATEGORY, RP_NFIELDS };
enum { RC_CUSTOMER, RC_CHANNEL, RC_REGION, RC_ACCOUNT, RC_NFIELDS };

struct reader_options {
    char delimiter;              /* ',', ';', '\t', '|', or 0 to detect */
    enum field_locale locale;    /* number format */
    unsigned date_format;        /* an enum field_datefmt value, or 0 to detect */
    char *channel;               /* constant channel from [input], or NULL */
    double default_margin;       /* margin ratio when no cost is known */
    char *columns[RF_NFIELDS];   /* header of each field from [columns], or NULL */
    unsigned encoding;           /* enum src_encoding (loaders/source.h): SRC_AUTO detects */
    struct rows_nulls nulls;     /* texts read as missing values ([input] null) */
    char *products_columns[RP_NFIELDS];  /* [products]: headers of product_id, unit_cost, category */
    char *customers_columns[RC_NFIELDS]; /* [customers]: customer_id, channel, region, account_id */
    const struct catalog *catalog; /* product costs and categories, or NULL */
    const struct customers *customers; /* channel, region, account per customer, or NULL */
    int strict;                  /* stop at the first rejected row */
    size_t block_size;           /* bytes per read block (0: default 4 MiB) */
    size_t chunk_size;           /* bytes per parallel range (0: default 256 KiB) */
    char *query;                 /* SQL of a postgresql:// input ([input] query), or NULL */
    char *sheet;                 /* the sheet of a workbook input ([input] sheet: a name or a
                                    number), NULL for the first worksheet */
    unsigned header_row;         /* the header's row of a workbook ([input] header_row), 0: found */
};

/* What happened to one input file. */
struct reader_stats {
    char *name;                    /* the path as given ("-" for stdin; a URI with its
                                      password masked, pgsrc_mask_uri) */
    char *channel;                 /* the NAME of NAME=FILE, or NULL */
    uint64_t bytes;                /* bytes read (after decompression, as UTF-8) */
    unsigned encoding;             /* the encoding read (enum src_encoding) */
    int encoding_guessed;          /* 1 when auto chose it without a byte-order mark, not UTF-8 */
    uint64_t rows_read;            /* records after the header, blank lines aside */
    uint64_t accepted;             /* rows now in the dataset */
    uint64_t rejected;             /* rows sent to the rejects */
    uint64_t blank_lines;          /* empty lines skipped (not rows) */
    uint64_t by_reason[RJ_NREASONS][RF_NFIELDS + 1]; /* rejects by reason and field (RF_NFIELDS: none) */
    char delimiter;                /* the delimiter used */
    unsigned date_format;          /* the date format used (enum field_datefmt) */
    size_t first_line, end_line;   /* the file's lines in the dataset: [first, end) */
    int has_field[RF_NFIELDS];     /* 1 when the field had a column (or a constant) */
    struct rows_tally tally;       /* doubtful rows, for the warnings (lines of the file) */
    uint64_t *line_hash;           /* fingerprint of each accepted line, in order, for the
                                      duplicate check (plausible_duplicates frees it) */
    size_t n_hash, cap_hash;
};

/* Called for every rejected row, in input order, from the calling thread.
   line is the record's line in the file, or for a postgresql:// input its
   row in the query's result (1 for the first row after the header); file
   is the name as in reader_stats. raw is the record's text without its
   line end (not NUL-terminated).
   Returns 0 to go on, or a cx_status to stop (a write error, say). */
typedef int (*reader_reject_fn)(void *ctx, const char *file, uint64_t line, const char *reason,
                                const char *raw, size_t rawlen);

/* Default options: detect everything, English numbers, margin 0.35,
   null tokens NULL, N/A and #N/A. */
void reader_defaults(struct reader_options *o);
/* Reads [input], [columns], [products] and [customers] of c into o
   ([input] query over several lines is joined with newlines). Returns
   CX_OK or CX_EUSAGE with the file, line and key named. */
int reader_configure(struct reader_options *o, struct config *c, struct cx_err *e);
/* Frees the strings that reader_configure put in o. */
void reader_options_free(struct reader_options *o);

/* Loads input ("-" = stdin; .gz or plain, detected; in o->encoding, see
   loaders/source.h; or a postgresql:// URI, read with o->query) into ds,
   with every row of the file in channel `channel` when not NULL. Fills st
   (zeroed by the caller; free with reader_stats_free). Rejected rows go
   to on_reject.
   Returns CX_OK; CX_EIO when the file cannot be read or lacks a required
   column (the message names the file, the field, the headers found and the
   mapping), or when the connection or the query fails (the server's
   message, passwords masked); CX_EUSAGE for a URI without o->query;
   CX_EREJECT at the first reject under strict; CX_EINTERNAL when out of
   memory. */
int reader_load(struct dataset *ds, const char *input, const char *channel,
                const struct reader_options *o, reader_reject_fn on_reject, void *ctx,
                struct reader_stats *st, struct cx_err *e);
void reader_stats_free(struct reader_stats *st);

/* A small table read whole (master data: a product catalogue, customers),
   with what transactions get: .gz, the encodings, the delimiter detected
   from the header (or o->delimiter), quoted fields, null tokens. want[k]
   names the header of column k (case-insensitive), the first nrequired of
   them required. For every record after the header, fn gets the wanted
   fields, trimmed, an absent column or a null token as length 0, and the
   record's line; it returns CX_OK or a cx_status that stops the reading.
   Returns CX_OK; CX_EIO naming the file (and line) when it cannot be read,
   lacks a required column or a record has the wrong field count; what fn
   returned; CX_EINTERNAL when out of memory. */
typedef int (*reader_table_fn)(void *ctx, uint64_t line, const struct rows_field *f,
                               struct cx_err *e);
int reader_table(const char *path, const char *what, const struct reader_options *o,
                 const char *const *want, int nwant, int nrequired, reader_table_fn fn,
                 void *ctx, struct cx_err *e);

/* Names for messages and reports: rows_field_name and rows_reason_name. */
const char *reader_field_name(enum rf_field f);
const char *reader_reason_name(enum rj_reason r);

#endif
