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

#endif
