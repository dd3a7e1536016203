/*
 * cx_err — see cx_err.h. The first failure recorded wins, because the first
 * cause is the one worth printing; later ones are usually its consequences.
 */
#include "engine/cx_err.h"

#include <stdarg.h>
#include <stdio.h>

int cx_fail(struct cx_err *e, int status, const char *fmt, ...)
{
    if (e == NULL || e->status != CX_OK)
        return status;
    e->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return status;
}

int cx_nomem(struct cx_err *e, const char *what)
{
    return cx_fail(e, CX_EINTERNAL, "out of memory (%s)", what);
}
