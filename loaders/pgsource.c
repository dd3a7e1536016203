/*
 * pgsource — see pgsource.h for the design.
 *
 * The password spans of a URI are found the way libpq reads a URI
 * (fe-connect.c, conninfo_uri_parse_options): the user information runs to
 * the first '@' met before any '/', its password after its first ':'; the
 * query string after the next '?' is split on '&', and a key is compared
 * once percent-decoded. So what libpq takes for a password is what is
 * masked, even in an odd URI. Every message of this module goes through
 * pg_fail, which collapses libpq's multi-line text onto one line and
 * replaces each password (as written and percent-decoded) with ***.
 *
 * The rows are received on a thread of their own, into NSLOT slots of
 * SLOT_BYTES that pgsrc_read empties in order: the server formats the next
 * rows while the reader parses a block, instead of waiting for the reader's
 * next read (the server's formatting is the slower side: about 1 s per
 * million generated lines here, against 0.4 s for canaux to load them from
 * a file). At most NSLOT x SLOT_BYTES are held ahead. The connection
 * belongs to that thread from the start of the COPY until it is joined;
 * pgsrc_close stops it early with a cancel request and a shutdown of the
 * socket, which are both safe from another thread.
 */
#include "loaders/pgsource.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* What the query is wrapped in. The newline before ')' ends a trailing
   "-- comment" of the query, which would otherwise swallow the ')'. */
#define COPY_HEAD "COPY (\n"
#define COPY_TAIL "\n) TO STDOUT (FORMAT csv, HEADER)"

#define NSLOT 8
#define SLOT_BYTES ((size_t)1 << 20)

struct slot {
    char *p;               /* SLOT_BYTES bytes */
    size_t len;            /* bytes held */
};

struct pgsrc {
    PGconn *conn;          /* the connection, or NULL */
    PGcancel *cancel;      /* for stopping the query from pgsrc_close */
    int sock;              /* the connection's socket */
    char *shown;           /* the URI with its passwords masked, for messages */
    char **secret;         /* the passwords, as written and decoded, to scrub */
    size_t nsecret;
    unsigned long long rows; /* rows received, the header included (receiver only) */

    pthread_t th;          /* the receiver */
    int started;           /* it runs (until joined) */
    pthread_mutex_t mu;    /* guards what follows */
    pthread_cond_t cv;     /* a slot filled, a slot freed, the end, a stop */
    struct slot slot[NSLOT];
    unsigned long long w;  /* slots filled so far (slot w % NSLOT is being filled) */
    unsigned long long r;  /* slots emptied so far (slot r % NSLOT is being emptied) */
    size_t rpos;           /* bytes of slot r handed over (reader only) */
    int done;              /* the receiver has finished: the end, or err */
    int stop;              /* pgsrc_close asks the receiver to stop */
    struct cx_err err;     /* the receiver's failure */
};

/* ---------------------------------------------------------------------- */
/* URIs and their passwords.                                               */

static size_t uri_prefix(const char *s)
{
    if (strncmp(s, "postgresql://", 13) == 0)
        return 13;
    if (strncmp(s, "postgres://", 11) == 0)
        return 11;
    return 0;
}

int pgsrc_is_uri(const char *s)
{
    return uri_prefix(s) != 0;
}

struct span {
    size_t off, len;       /* bytes [off, off + len) of the string */
};

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes s[0..n) into out (n + 1 bytes at least); a '%' not
   followed by two hex digits is kept as it is. Returns the length. */
static size_t decode(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return k;
}

/* 1 when the query-string key s[0..n) names a password (once decoded). */
static int secret_key(const char *s, size_t n)
{
    char k[32];
    if (n >= sizeof k)
        return 0;
    decode(s, n, k);
    return strcasecmp(k, "password") == 0 || strcasecmp(k, "sslpassword") == 0;
}

/* The non-empty password spans of the URIs in s: the first max go to sp.
   Returns how many there are (possibly more than max). A URI runs to the
   end of s, as libpq reads it (a password may hold a space), and every
   occurrence of a prefix starts one, so that a URI inside another's
   parameter is masked too; spans may then overlap or come out of order
   (secrets_of sorts and merges them). */
static size_t find_secrets(const char *s, struct span *sp, size_t max)
{
    size_t n = 0, i = 0;
#define ADD(o, l)                                                            \
    do {                                                                     \
        if ((l) > 0) {                                                       \
            if (n < max)                                                     \
                sp[n] = (struct span){ (o), (l) };                           \
            n++;                                                             \
        }                                                                    \
    } while (0)
    while (s[i]) {
        size_t pl = uri_prefix(s + i);
        if (pl == 0) {
            i++;
            continue;
        }
        size_t a = i + pl, end = a + strlen(s + a);
        size_t k = a;
        while (k < end && s[k] != '@' && s[k] != '/')
            k++;
        size_t rest = a;
        if (k < end && s[k] == '@') {
            const char *colon = memchr(s + a, ':', k - a);
            if (colon) {
                size_t o = (size_t)(colon - s) + 1;
                ADD(o, k - o);
            }
            rest = k + 1;
        }
        const char *q = memchr(s + rest, '?', end - rest);
        if (q) {
            size_t j = (size_t)(q - s) + 1;
            while (j < end) {
                size_t pe = j;
                while (pe < end && s[pe] != '&')
                    pe++;
                const char *eq = memchr(s + j, '=', pe - j);
                if (eq && secret_key(s + j, (size_t)(eq - (s + j)))) {
                    size_t o = (size_t)(eq - s) + 1;
                    ADD(o, pe - o);
                }
                j = pe + 1;
            }
        }
        i = a;
    }
    return n;
#undef ADD
}

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* The spans of s, sorted and merged where they overlap, in a malloc'd
   array (*out; NULL when there are none). Returns the count, or
   (size_t)-1 when out of memory. */
static size_t secrets_of(const char *s, struct span **out)
{
    *out = NULL;
    size_t n = find_secrets(s, NULL, 0);
    if (n == 0)
        return 0;
    struct span *sp = malloc(n * sizeof *sp);
    if (sp == NULL)
        return (size_t)-1;
    find_secrets(s, sp, n);
    qsort(sp, n, sizeof *sp, span_cmp);
    size_t k = 0;
    for (size_t j = 1; j < n; j++) {
        if (sp[j].off <= sp[k].off + sp[k].len) {
            size_t end = sp[j].off + sp[j].len;
            if (end > sp[k].off + sp[k].len)
                sp[k].len = end - sp[k].off;
        } else {
            sp[++k] = sp[j];
        }
    }
    *out = sp;
    return k + 1;
}

char *pgsrc_mask_uri(const char *s)
{
    struct span *sp;
    size_t n = secrets_of(s, &sp);
    if (n == (size_t)-1)
        return NULL;
    size_t len = strlen(s);
    char *d = malloc(len + 3 * n + 1);
    if (d != NULL) {
        size_t from = 0, k = 0;
        for (size_t j = 0; j < n; j++) {
            memcpy(d + k, s + from, sp[j].off - from);
            k += sp[j].off - from;
            memcpy(d + k, "***", 3);
            k += 3;
            from = sp[j].off + sp[j].len;
        }
        memcpy(d + k, s + from, len - from + 1);
    }
    free(sp);
    return d;
}

/* ---------------------------------------------------------------------- */
/* Messages.                                                               */

/* Replaces every occurrence of needle[0..nl) in buf (cap bytes) with ***,
   cutting the result to cap - 1 bytes. */
static void scrub(char *buf, size_t cap, const char *needle, size_t nl)
{
    if (nl == 0 || strstr(buf, needle) == NULL)
        return;
    char *tmp = malloc(cap);
    if (tmp == NULL) {   /* no room to rewrite: drop the whole text */
        snprintf(buf, cap, "(message withheld: it quoted a password)");
        return;
    }
    size_t k = 0;
    for (const char *p = buf; *p && k + 1 < cap;) {
        if (strncmp(p, needle, nl) == 0) {
            for (int j = 0; j < 3 && k + 1 < cap; j++)
                tmp[k++] = '*';
            p += nl;
        } else {
            tmp[k++] = *p++;
        }
    }
    tmp[k] = '\0';
    memcpy(buf, tmp, k + 1);
    free(tmp);
}

/* Records a failure with the printf-style message, on one line (runs of
   spaces, tabs and newlines become one space; none at the end) and with
   every password of the URI replaced with ***. Returns status. */
static int pg_fail(const struct pgsrc *s, struct cx_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int pg_fail(const struct pgsrc *s, struct cx_err *e, int status, const char *fmt, ...)
{
    char buf[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Before and after the spaces are collapsed: a password may hold
       spaces, and collapsing may join one. */
    for (size_t j = 0; j < s->nsecret; j++)
        scrub(buf, sizeof buf, s->secret[j], strlen(s->secret[j]));
    size_t k = 0;
    for (size_t i = 0; buf[i]; i++) {
        int sp = buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r';
        if (sp && (k == 0 || buf[k - 1] == ' '))
            continue;
        buf[k++] = sp ? ' ' : buf[i];
    }
    while (k && buf[k - 1] == ' ')
        k--;
    buf[k] = '\0';
    for (size_t j = 0; j < s->nsecret; j++)
        scrub(buf, sizeof buf, s->secret[j], strlen(s->secret[j]));
    return cx_fail(e, status, "%s", buf);
}

/* The server's error of result r (or of the connection, when r is NULL or
   says nothing), into out: "ERROR: message", then DETAIL and HINT when
   given, and where in the query when the server says so. */
static void server_error(const struct pgsrc *s, const PGresult *r, size_t lead, size_t qlen,
                         char *out, size_t cap)
{
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (msg == NULL) {
        const char *t = r ? PQresultErrorMessage(r) : "";
        if (t[0] == '\0')
            t = PQerrorMessage(s->conn);
        snprintf(out, cap, "%s", t[0] ? t : "no message from the server");
        return;
    }
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY);
    const char *det = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    const char *pos = PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION);
    char where[64] = "";
    /* The position counts characters of the COPY statement sent; the
       query as given starts lead characters before its first one. */
    long p = pos ? strtol(pos, NULL, 10) - (long)(sizeof COPY_HEAD - 1) + (long)lead : 0;
    if (p >= 1 && (size_t)p <= qlen + lead)
        snprintf(where, sizeof where, " (at character %ld of the query)", p);
    snprintf(out, cap, "%s: %s%s%s%s%s%s", sev ? sev : "ERROR", msg, where, det ? "; DETAIL: " : "",
             det ? det : "", hint ? "; HINT: " : "", hint ? hint : "");
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* ---------------------------------------------------------------------- */
/* The connection and the rows.                                            */

/* Keeps the passwords of uri, as written and decoded, in s->secret. */
static int keep_secrets(struct pgsrc *s, const char *uri)
{
    struct span *sp;
    size_t n = secrets_of(uri, &sp);
    if (n == (size_t)-1)
        return -1;
    int rc = 0;
    if (n && (s->secret = calloc(2 * n, sizeof *s->secret)) == NULL)
        rc = -1;
    for (size_t j = 0; j < n && rc == 0; j++) {
        char *raw = strndup(uri + sp[j].off, sp[j].len);
        char *dec = malloc(sp[j].len + 1);
        if (raw == NULL || dec == NULL) {
            free(raw);
            free(dec);
            rc = -1;
            break;
        }
        s->secret[s->nsecret++] = raw;
        if (decode(raw, sp[j].len, dec) && strcmp(dec, raw) != 0)
            s->secret[s->nsecret++] = dec;
        else
            free(dec);
    }
    free(sp);
    return rc;
}

/* The end of the COPY: the final result says whether the query ran to
   its end (an error in the middle of it, division by zero, arrives here). */
static int finish_copy(struct pgsrc *s, struct cx_err *e)
{
    int rc = CX_OK;
    PGresult *r;
    while ((r = PQgetResult(s->conn)) != NULL) {
        if (rc == CX_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
            char msg[sizeof e->msg];
            server_error(s, r, 0, 0, msg, sizeof msg);
            rc = pg_fail(s, e, CX_EIO, "%s: query failed after %llu rows: %s", s->shown,
                         s->rows ? s->rows - 1 : 0, msg);
        }
        PQclear(r);
    }
    return rc;
}

/* The receiver: rows from libpq into the slots, in order, until the end of
   the COPY, a failure, or a stop. */
static void *receive(void *arg)
{
    struct pgsrc *s = arg;
    struct slot *c = NULL;   /* the slot being filled, or none */
    struct cx_err e = { 0 };
    for (;;) {
        char *row = NULL;
        int n = PQgetCopyData(s->conn, &row, 0);
        if (n == -1) {
            finish_copy(s, &e);
            break;
        }
        if (n < 0) {
            pg_fail(s, &e, CX_EIO, "%s: reading the result failed after %llu rows: %s", s->shown,
                    s->rows ? s->rows - 1 : 0, PQerrorMessage(s->conn));
            break;
        }
        s->rows++;
        int stopped = 0;
        for (size_t off = 0; off < (size_t)n && !stopped;) {
            if (c == NULL) {
                pthread_mutex_lock(&s->mu);
                while (s->w - s->r >= NSLOT && !s->stop)
                    pthread_cond_wait(&s->cv, &s->mu);
                stopped = s->stop;
                c = &s->slot[s->w % NSLOT];
                pthread_mutex_unlock(&s->mu);
                c->len = 0;
                if (stopped)
                    break;
            }
            size_t k = (size_t)n - off < SLOT_BYTES - c->len ? (size_t)n - off : SLOT_BYTES - c->len;
            memcpy(c->p + c->len, row + off, k);
            c->len += k;
            off += k;
            if (c->len == SLOT_BYTES) {
                pthread_mutex_lock(&s->mu);
                s->w++;
                pthread_cond_broadcast(&s->cv);
                pthread_mutex_unlock(&s->mu);
                c = NULL;
            }
        }
        PQfreemem(row);
        if (stopped)
            break;
    }
    pthread_mutex_lock(&s->mu);
    if (c && c->len && !s->stop)
        s->w++;
    s->done = 1;
    s->err = e;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Starts the receiver once the COPY has begun. Returns CX_OK, or
   CX_EINTERNAL when out of memory. */
static int start_receiver(struct pgsrc *s, struct cx_err *e)
{
    for (int k = 0; k < NSLOT; k++)
        if ((s->slot[k].p = malloc(SLOT_BYTES)) == NULL)
            return cx_nomem(e, "PostgreSQL rows");
    s->sock = PQsocket(s->conn);
    if ((s->cancel = PQgetCancel(s->conn)) == NULL)
        return cx_nomem(e, "PostgreSQL cancel");
    if (pthread_create(&s->th, NULL, receive, s) != 0)
        return cx_fail(e, CX_EINTERNAL, "%s: cannot start the thread that receives the rows", s->shown);
    s->started = 1;
    return CX_OK;
}

int pgsrc_open(struct pgsrc **out, const char *uri, const char *query, struct cx_err *e)
{
    *out = NULL;
    struct pgsrc *s = calloc(1, sizeof *s);
    if (s == NULL)
        return cx_nomem(e, "PostgreSQL source");
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if ((s->shown = pgsrc_mask_uri(uri)) == NULL || keep_secrets(s, uri)) {
        pgsrc_close(s);
        return cx_nomem(e, "PostgreSQL source");
    }
    /* The query without leading spaces, trailing spaces and one trailing ';'. */
    size_t lead = 0, qlen = query ? strlen(query) : 0;
    while (lead < qlen && strchr(" \t\r\n", query[lead]))
        lead++;
    while (qlen > lead && strchr(" \t\r\n", query[qlen - 1]))
        qlen--;
    if (qlen > lead && query[qlen - 1] == ';')
        qlen--;
    while (qlen > lead && strchr(" \t\r\n", query[qlen - 1]))
        qlen--;
    qlen -= lead;
    if (qlen == 0) {
        int rc = pg_fail(s, e, CX_EUSAGE, "%s: a PostgreSQL input needs a query: --query SQL or "
                         "query = SQL in [input] of the configuration", s->shown);
        pgsrc_close(s);
        return rc;
    }
    size_t n = sizeof COPY_HEAD - 1 + qlen + sizeof COPY_TAIL;
    char *sql = malloc(n);
    if (sql == NULL) {
        pgsrc_close(s);
        return cx_nomem(e, "PostgreSQL query");
    }
    snprintf(sql, n, "%s%.*s%s", COPY_HEAD, (int)qlen, query + lead, COPY_TAIL);

    int rc = CX_OK;
    PGresult *r = NULL;
    char msg[sizeof e->msg];
    s->conn = PQconnectdb(uri);
    if (s->conn == NULL) {
        rc = cx_nomem(e, "PostgreSQL connection");
        goto done;
    }
    if (PQstatus(s->conn) != CONNECTION_OK) {
        rc = pg_fail(s, e, CX_EIO, "%s: cannot connect: %s", s->shown, PQerrorMessage(s->conn));
        goto done;
    }
    PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
    if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
        rc = pg_fail(s, e, CX_EIO, "%s: cannot set client_encoding UTF8: %s", s->shown,
                     PQerrorMessage(s->conn));
        goto done;
    }
    r = PQexec(s->conn, "SET DateStyle TO ISO");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        server_error(s, r, 0, 0, msg, sizeof msg);
        rc = pg_fail(s, e, CX_EIO, "%s: cannot set DateStyle ISO: %s", s->shown, msg);
        goto done;
    }
    PQclear(r);
    /* PQexecParams: the extended protocol runs exactly one statement. */
    r = PQexecParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        server_error(s, r, lead, qlen, msg, sizeof msg);
        rc = pg_fail(s, e, CX_EIO, "%s: query failed: %s", s->shown, msg);
        goto done;
    }
    rc = start_receiver(s, e);
done:
    PQclear(r);
    free(sql);
    if (rc != CX_OK)
        pgsrc_close(s);
    else
        *out = s;
    return rc;
}

long long pgsrc_read(struct pgsrc *s, char *p, size_t want, struct cx_err *e)
{
    size_t got = 0;
    pthread_mutex_lock(&s->mu);
    while (got < want) {
        if (s->err.status) {
            cx_fail(e, s->err.status, "%s", s->err.msg);
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        if (s->r == s->w) {
            if (s->done)
                break;
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        /* Slots r .. w-1 are the reader's: copied without the lock. */
        struct slot *c = &s->slot[s->r % NSLOT];
        pthread_mutex_unlock(&s->mu);
        size_t k = c->len - s->rpos < want - got ? c->len - s->rpos : want - got;
        memcpy(p + got, c->p + s->rpos, k);
        s->rpos += k;
        got += k;
        pthread_mutex_lock(&s->mu);
        if (s->rpos == c->len) {
            s->rpos = 0;
            s->r++;
            pthread_cond_broadcast(&s->cv);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return (long long)got;
}

void pgsrc_close(struct pgsrc *s)
{
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        int running = !s->done;
        s->stop = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (running) {
            /* Stopped early (--strict, an error): the server is asked to
               stop the query now, and the receiver, perhaps waiting for a
               row inside libpq, sees its socket shut. */
            char buf[256];
            PQcancel(s->cancel, buf, sizeof buf);
            shutdown(s->sock, SHUT_RDWR);
        }
        pthread_join(s->th, NULL);
    }
    if (s->cancel)
        PQfreeCancel(s->cancel);
    if (s->conn)
        PQfinish(s->conn);
    for (int k = 0; k < NSLOT; k++)
        free(s->slot[k].p);
    for (size_t j = 0; j < s->nsecret; j++)
        free(s->secret[j]);
    free(s->secret);
    free(s->shown);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
