/*
 * cx_err — see cx_err.h. The first failure recorded wins, because the first
 * cause is the one worth printing; later ones are usually its consequences.
 */
#include "engine/cx_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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

int cx_warn(struct cx_warnings *w, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return CX_EINTERNAL;
    char *text = malloc((size_t)len + 1);
    if (text == NULL)
        return CX_EINTERNAL;
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct cx_warning *v = realloc(w->v, cap * sizeof *v);
        if (v == NULL) {
            free(text);
            return CX_EINTERNAL;
        }
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n].kind = kind;
    w->v[w->n].text = text;
    w->n++;
    return CX_OK;
}

void cx_warnings_free(struct cx_warnings *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i].text);
    free(w->v);
    w->v = NULL;
    w->n = w->cap = 0;
}

const char *cx_warn_kind_name(int kind)
{
    static const char *const names[CX_WARN_NKINDS] = {
        "encoding", "revenue", "margin", "negative_cost", "channel_names", "duplicates",
        "after_as_of", "cost_model", "other"
    };
    return kind >= 0 && kind < CX_WARN_NKINDS ? names[kind] : "other";
}
