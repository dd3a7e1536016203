/*
 * cx_err — the error record that carries a failure up to cli/.
 *
 * Errors are values (STYLE.md): a function that can fail returns a status and
 * fills a struct cx_err with a message naming the file, line and field where
 * it applies. Only cli/ prints the message and turns the status into the
 * process exit status, whose numbers are those of SPEC §4.
 */
#ifndef CANAUX_CX_ERR_H
#define CANAUX_CX_ERR_H

#include <stddef.h>

enum cx_status {
    CX_OK = 0,        /* success */
    CX_EUSAGE = 1,    /* bad usage: options, configuration values */
    CX_EIO = 2,       /* input or output error: file, header, write */
    CX_EREJECT = 3,   /* too many rejected rows (or --strict) */
    CX_EINTERNAL = 4  /* internal error: out of memory, broken invariant */
};

struct cx_err {
    int status;       /* one of enum cx_status; CX_OK when nothing failed */
    char msg[1024];   /* human-readable message, NUL-terminated */
};

/* Records status and a printf-style message in e (when e is not NULL) and
   returns status, so that callers can write `return cx_fail(e, ...)`. A
   message already recorded is kept: the first failure is the one reported. */
int cx_fail(struct cx_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Out of memory, as an internal error naming what was being allocated. */
int cx_nomem(struct cx_err *e, const char *what);

/* Warnings: doubtful data that does not stop a run (SPEC §4, the
   `warnings` of check --json), each a sentence for people and a kind for
   programs. Loading adds them (loaders/plausible.h); cli/ prints them and
   reports show them. A plain array of strings, so that any stage can add
   one and any report read them without knowing who wrote them. */
enum cx_warn_kind {
    CX_WARN_ENCODING,       /* a file read in an encoding detected without a byte-order mark */
    CX_WARN_REVENUE,        /* revenue disagrees with quantity x unit_price x (1 - discount) */
    CX_WARN_MARGIN,         /* a margin above the net */
    CX_WARN_NEGATIVE_COST,  /* a negative cost of goods on sold lines */
    CX_WARN_CHANNEL_NAMES,  /* channel names that differ only by case, spaces or punctuation */
    CX_WARN_DUPLICATES,     /* exact duplicate lines */
    CX_WARN_AFTER_AS_OF,    /* lines dated after the as-of date (added by later stages) */
    CX_WARN_COST_MODEL,     /* channels of the data the cost model does not know */
    CX_WARN_OTHER,          /* anything else a later stage finds doubtful */
    CX_WARN_NKINDS
};

struct cx_warning {
    int kind;               /* enum cx_warn_kind */
    char *text;             /* the sentence, UTF-8, NUL-terminated (owned) */
};

struct cx_warnings {
    struct cx_warning *v;   /* in the order they were added */
    size_t n, cap;
};

/* Adds a warning of kind with a printf-style sentence to w (zeroed by the
   caller, or filled by earlier calls). Returns CX_OK, or CX_EINTERNAL when
   out of memory (w is then unchanged). */
int cx_warn(struct cx_warnings *w, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Frees what w holds and empties it; accepts an empty list. */
void cx_warnings_free(struct cx_warnings *w);
/* A short name of kind for machines ("encoding", "revenue", ...). */
const char *cx_warn_kind_name(int kind);

#endif
