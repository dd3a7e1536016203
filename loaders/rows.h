/*
 * rows — the row rules every source of transactions shares (SPEC §1):
 * which header names which field, which fields are required, how net,
 * gross and cost of goods are derived, the catalogue lookup, and why a
 * row is rejected.
 *
 * A source (the CSV reader today; a workbook or a database result later)
 * only cuts its input into records of fields. It maps its header once with
 * rows_plan_init, then hands every record to rows_take, which adds the row
 * to a dataset part or says why it is rejected. So every source maps
 * headers, derives amounts and words its rejects the same way, and a rule
 * changes in one place.
 *
 * The design choice is the one of the CSV reader: rows_take is called from
 * many threads at once, each with its own part, on the hot path of loading
 * (one call per input line). So the plan is built once and then only read,
 * rows_take keeps no state but the part it is given, allocates nothing on
 * its own but a buffer for composed keys that it reuses (the part's
 * dataset allocates), and fields arrive as (pointer, length) pairs into
 * the source's buffer, never copied.
 */
#ifndef CANAUX_ROWS_H
#define CANAUX_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "loaders/fields.h"

struct reader_options;
struct customers;

/* The largest absolute net or cost of one line that is accepted. */
#define READER_MAX_AMOUNT 1e15

/* Input fields: the canonical names of SPEC §1. */
enum rf_field {
    RF_ORDER, RF_DATE, RF_CUSTOMER, RF_CHANNEL, RF_PRODUCT, RF_CATEGORY,
    RF_QUANTITY, RF_UNIT_PRICE, RF_REVENUE, RF_UNIT_COST, RF_COST, RF_MARGIN,
    RF_DISCOUNT, RF_REGION, RF_ACCOUNT, RF_NFIELDS
};

/* Why a row was rejected. */
enum rj_reason {
    RJ_FIELDS,      /* wrong number of fields */
    RJ_MISSING,     /* a required value is empty */
    RJ_NUMBER,      /* a number does not parse */
    RJ_DATE,        /* a date does not parse in the file's format */
    RJ_RANGE,       /* a value out of its range (discount, negative price, a line's
                       net or cost not below READER_MAX_AMOUNT in absolute value) */
    RJ_QUOTE,       /* a quoted field is not terminated */
    RJ_UTF8,        /* text that is not valid UTF-8 */
    RJ_NREASONS
};

/* Names for messages and reports ("order_id", "bad number"). */
const char *rows_field_name(enum rf_field f);
const char *rows_reason_name(enum rj_reason r);

/* One field of a record as the source found it: text that need not be
   NUL-terminated, nor trimmed (rows_take trims ASCII spaces and tabs). */
struct rows_field {
    const char *p;
    size_t n;
};

/* What a typed source (a workbook cell) already knows of a field besides
   its text. rows_take uses num for the number fields and day for the date
   when kind says so, and the text otherwise; text fields always use the
   text. The text decides whether the field is there at all, so the source
   gives a text for every non-empty cell, typed or not (a number's digits,
   a day as YYYY-MM-DD: what a message or a composed key shows). */
enum rows_kind {
    ROWS_TEXT = 0,   /* nothing known: parse the text */
    ROWS_NUMBER,     /* num holds the value */
    ROWS_DAY         /* day holds days since 1970-01-01 */
};
struct rows_cell {
    int kind;        /* enum rows_kind */
    double num;      /* the number, when kind is ROWS_NUMBER */
    int32_t day;     /* the day, when kind is ROWS_DAY */
};

/* Texts that mean "no value" ([input] null; "NULL, N/A, #N/A" by
   default), matched case-insensitively against a whole trimmed field. A
   fixed-size table, so that options holding it copy without allocation;
   minlen, maxlen and the first-byte bitmap let most fields (numbers, ids)
   be ruled out by two compares. */
#define ROWS_MAX_NULLS 16
#define ROWS_NULL_LEN 24
struct rows_nulls {
    int n;                                   /* tokens */
    char tok[ROWS_MAX_NULLS][ROWS_NULL_LEN]; /* each NUL-terminated */
    unsigned char len[ROWS_MAX_NULLS];       /* their lengths */
    unsigned char minlen, maxlen;            /* shortest and longest (255, 0 when none) */
    unsigned char first[32];                 /* bitmap of first bytes, both cases */
};

/* Sets z from a comma-separated list ("NULL, N/A, #N/A"; "" for none).
   Returns 0, or -1 when a token is longer than ROWS_NULL_LEN - 1 bytes or
   there are more than ROWS_MAX_NULLS. */
int rows_nulls_set(struct rows_nulls *z, const char *list);
/* 1 when the trimmed p[0..n) is one of the tokens (stored lower-case). */
static inline int rows_is_null(const struct rows_nulls *z, const char *p, size_t n)
{
    if (n < z->minlen || n > z->maxlen)
        return 0;
    unsigned char c = (unsigned char)p[0];
    if (!(z->first[c >> 3] & (1u << (c & 7))))
        return 0;
    for (int k = 0; k < z->n; k++) {
        if (z->len[k] != n)
            continue;
        size_t i = 0;
        for (; i < n; i++) {
            unsigned char a = (unsigned char)p[i];
            if (((unsigned)(a - 'A') < 26u ? a | 0x20 : a) != (unsigned char)z->tok[k][i])
                break;
        }
        if (i == n)
            return 1;
    }
    return 0;
}

/* Maps names to columns of a header, for every source and the master
   data alike: want[k] (a header name, NULL for none) is matched against
   hdr[0..nf) case-insensitively, surrounding spaces aside, and col[k] set
   to its column or -1. Returns CX_OK, or CX_EIO when a header holds a name
   twice (naming file and both columns). */
int rows_map_columns(const struct rows_field *hdr, long nf, const char *const *want, int nwant,
                     int *col, const char *file, struct cx_err *e);

/* The parts of a composed key at most ("order_id = A + B + C"). */
#define ROWS_MAX_PARTS 8

/* How one source's records map to fields: built from its header by
   rows_plan_init, then only read (by every thread at once). */
struct rows_plan {
    const struct reader_options *o; /* the options it was built with (not owned) */
    const char *file;               /* name for messages (not owned) */
    unsigned datefmt;               /* enum field_datefmt; the source sets it (detected or given) */
    int ncols;                      /* fields per record (from the header) */
    int col[RF_NFIELDS];            /* column of each field, -1 when absent or composed */
    int nparts[RF_NFIELDS];         /* parts of a composed key, 0 when not composed */
    int part[RF_NFIELDS][ROWS_MAX_PARTS]; /* their columns, in the order written */
    int composed;                   /* some key is composed */
    const char *chan;               /* constant channel (NAME=FILE or [input] channel), or NULL */
    size_t chan_len;
    const struct customers *customers; /* --customers, or NULL (from o) */
    int utf8_detected;              /* the source chose UTF-8 by itself: an invalid byte's
                                       reject suggests another encoding (the source sets it) */
};

/* 1 when the plan gives field f a value: a column, a composed key, or a
   constant channel (or the customers' channel). */
int rows_plan_has(const struct rows_plan *pl, enum rf_field f);

/* Maps the header fields hdr[0..nf) to the canonical fields, by the names
   of o->columns (else the canonical names), case-insensitively, ignoring
   surrounding spaces; channel is the NAME of NAME=FILE or NULL (it is not
   copied: it must outlive the plan). A mapped order_id, customer_id or
   product_id that is no header but reads "A + B + C" is composed of
   those columns, joined with '|' (a header holding " + " itself still maps
   as a whole). Returns CX_OK; CX_EIO when a header names a field twice or a
   required field (or a part of a composed key) has no column: the message
   names the file, the field, the headers found and the mapping used. */
int rows_plan_init(struct rows_plan *pl, const struct reader_options *o, const char *file,
                   const struct rows_field *hdr, long nf, const char *channel, struct cx_err *e);
/* Frees what rows_plan_init allocated; accepts a plan that failed. */
void rows_plan_free(struct rows_plan *pl);

/* For date-format detection: the formats that read the date of record
   f[0..nf) (a mask of enum field_datefmt). Returns -1 when the record does
   not count (wrong field count, empty date), else the mask (0: none),
   with the date's text, trimmed, in *date (for a message). */
int rows_date_formats(const struct rows_plan *pl, const struct rows_field *f, long nf,
                      struct rows_field *date);

/* Why rows_take rejected a row. */
#define ROWS_MSG 224
struct rows_reject {
    int reason;              /* enum rj_reason */
    int field;               /* enum rf_field, or RF_NFIELDS when no one field */
    char msg[ROWS_MSG];      /* the reason as written to the rejects, NUL-terminated */
};

/* Fills r (for a source's own rejects, such as an unterminated quote). */
void rows_reject_set(struct rows_reject *r, int reason, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* What loading noticed about the accepted rows, for the plausibility
   warnings: counted per part and summed in input order. */
#define ROWS_EXAMPLES 3
struct rows_example {
    uint64_t line;           /* the row's line (as rows_take got it, then absolute) */
    double revenue;          /* revenue as written */
    double computed;         /* quantity x unit_price x (1 - discount) */
};
struct rows_tally {
    uint64_t revenue_mismatch;  /* rows whose revenue is not q x price x (1 - d), beyond rounding */
    struct rows_example ex[ROWS_EXAMPLES]; /* the first of them */
    int nex;
    uint64_t margin_above_net;  /* sold lines (quantity > 0) whose margin exceeds the net */
    uint64_t negative_cogs;     /* sold lines with a negative cost of goods (from a cost column) */
};
/* Adds src to dst, src's example lines shifted by line_offset. */
void rows_tally_merge(struct rows_tally *dst, const struct rows_tally *src, uint64_t line_offset);

/* Where one thread's accepted rows go: a dataset part, appended to the
   whole in input order by the source, with its tally and a 64-bit
   fingerprint of each accepted row's text (for the duplicate-line
   warning: 8 bytes a line, kept only while loading). */
struct rows_part {
    struct dataset *ds;      /* accepted lines (owned by the source) */
    struct rows_tally tally; /* what was noticed, for warnings */
    uint64_t *hash;          /* fingerprint of each accepted row, in order (owned) */
    size_t nhash, caphash;
    char *buf;               /* composed keys of the current row (owned) */
    size_t cap;              /* bytes allocated */
};
/* Empties the tally and the fingerprints (not ds) before a new range. */
void rows_part_reset(struct rows_part *part);
/* Frees what the part owns (not ds). */
void rows_part_free(struct rows_part *part);

/* Turns record f[0..nf) — with cells[0..nf) when the source knows types,
   else NULL — into a row and adds it to part->ds. raw is the record's text
   as written (a CSV line), fingerprinted for the duplicate check, or NULL
   when the source has none (the fields are fingerprinted). line is the
   record's line or row number, as the source counts them. Returns 0 when
   the row was added, 1 when it is rejected (why in *rej), -1 on a failure
   that stops the load (out of memory, too many channels: recorded in e). */
int rows_take(const struct rows_plan *pl, struct rows_part *part, const struct rows_field *f,
              const struct rows_cell *cells, long nf, const struct rows_field *raw,
              uint64_t line, struct rows_reject *rej, struct cx_err *e);

/* 1 when s[0..n) is valid UTF-8 (no overlong form, no surrogate, nothing
   above U+10FFFF). */
int rows_utf8_ok(const char *s, size_t n);

#endif
