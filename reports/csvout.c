/*
 * csvout — see csvout.h. stdio buffers the output; errors are sticky in the
 * FILE and checked once at close, plus at every row end so that a closed
 * pipe stops a long write early. One thread writes a file, so the calls
 * skip stdio's locking (putc_unlocked, fwrite_unlocked): a lock per field
 * was half the time of writing customers.csv.
 */
#include "reports/csvout.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int csvout_open(struct csvout *w, const char *path, int fr, struct cx_err *e)
{
    memset(w, 0, sizeof *w);
    w->fr = fr;
    w->path = strdup(path);
    if (w->path == NULL)
        return cx_nomem(e, "output");
    if (strcmp(path, "-") == 0) {
        w->f = stdout;
    } else {
        w->f = fopen(path, "wb");
        w->own = 1;
    }
    if (w->f == NULL) {
        int rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(w->path);
        w->path = NULL;
        return rc;
    }
    if (fr && fputs("\xEF\xBB\xBF", w->f) == EOF)
        w->failed = 1;
    return CX_OK;
}

static void sep(struct csvout *w)
{
    if (w->col++ && putc_unlocked(w->fr ? ';' : ',', w->f) == EOF)
        w->failed = 1;
}

void csvout_text(struct csvout *w, const char *s, size_t n)
{
    sep(w);
    char d = w->fr ? ';' : ',';
    int formula = n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                            s[0] == '\t' || s[0] == '\r');
    int quote = formula;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == d || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        if (n && fwrite_unlocked(s, 1, n, w->f) != n)
            w->failed = 1;
        return;
    }
    if (putc_unlocked('"', w->f) == EOF || (formula && putc_unlocked('\'', w->f) == EOF))
        w->failed = 1;
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            if (fwrite_unlocked(s + from, 1, i + 1 - from, w->f) != i + 1 - from ||
                putc_unlocked('"', w->f) == EOF)
                w->failed = 1;
            from = i + 1;
        }
    }
    if ((n > from && fwrite_unlocked(s + from, 1, n - from, w->f) != n - from) || putc_unlocked('"', w->f) == EOF)
        w->failed = 1;
}

void csvout_str(struct csvout *w, const char *s)
{
    csvout_text(w, s, strlen(s));
}

/* Writes v with prec decimals into b (at least 48 bytes); returns the
   length. The value is scaled to an integer and rounded half away from
   zero (|v| below 1e12, prec up to 6; printf otherwise): for amounts held
   in ten-thousandths this is decimal rounding as on paper (13.005 ->
   13.01, where printf rounds the binary 13.00499... down), and it is
   several times faster than printf. */
static int format_fixed(double v, int prec, char *b)
{
    static const double p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
    if (prec < 0 || prec > 6 || !(fabs(v) < 1e12))
        return snprintf(b, 48, "%.*f", prec, v);
    long long q = llround(v * p10[prec]);
    int neg = q < 0;
    unsigned long long u = neg ? (unsigned long long)(-q) : (unsigned long long)q;
    char t[32];
    int n = 0;
    do {
        t[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u || n <= prec);
    int k = 0;
    if (neg)
        b[k++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        b[k++] = t[i];
        if (i == prec && prec > 0)
            b[k++] = '.';
    }
    b[k] = '\0';
    return k;
}

void csvout_num(struct csvout *w, double v, int prec)
{
    sep(w);
    if (!isfinite(v))
        return;
    char b[64];
    int n = format_fixed(v, prec, b);
    if (n > 0 && (size_t)n < sizeof b) {
        if (w->fr)
            for (int i = 0; i < n; i++)
                if (b[i] == '.')
                    b[i] = ',';
        /* -0.004 rounds to "-0.00": write it as 0. */
        if (b[0] == '-' && strspn(b + 1, "0.,") == (size_t)(n - 1))
            memmove(b, b + 1, (size_t)n--);
        if (fwrite_unlocked(b, 1, (size_t)n, w->f) != (size_t)n)
            w->failed = 1;
    }
}

void csvout_exact(struct csvout *w, double v)
{
    sep(w);
    if (!isfinite(v))
        return;
    char b[40];
    int n = snprintf(b, sizeof b, "%.17g", v);
    if (w->fr)
        for (int i = 0; i < n; i++)
            if (b[i] == '.')
                b[i] = ',';
    if (n > 0 && fwrite_unlocked(b, 1, (size_t)n, w->f) != (size_t)n)
        w->failed = 1;
}

void csvout_int(struct csvout *w, long long v)
{
    sep(w);
    char t[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        t[sizeof t - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        t[sizeof t - 1 - n++] = '-';
    if (fwrite_unlocked(t + sizeof t - n, 1, (size_t)n, w->f) != (size_t)n)
        w->failed = 1;
}

void csvout_end(struct csvout *w)
{
    if (putc_unlocked('\n', w->f) == EOF || ferror(w->f))
        w->failed = 1;
    w->col = 0;
}

int csvout_close(struct csvout *w, struct cx_err *e)
{
    int rc = CX_OK;
    if (w->f == NULL)
        goto out;
    if (fflush(w->f) != 0 || ferror(w->f))
        w->failed = 1;
    int err = errno;
    if (w->own && fclose(w->f) != 0) {
        w->failed = 1;
        err = errno;
    }
    if (w->failed)
        rc = cx_fail(e, CX_EIO, "%s: write error: %s", w->path, strerror(err ? err : EIO));
    w->f = NULL;
out:
    free(w->path);
    w->path = NULL;
    return rc;
}
