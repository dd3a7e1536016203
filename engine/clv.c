/*
 * clv — BG/NBD and Gamma-Gamma: compression of customers, likelihoods,
 * fits and predictions (see clv.h; formulas in docs/clv.md).
 *
 * The likelihoods are sums over customers of terms that depend on a few
 * integers and times, so the work is arranged around distinct values:
 * customers are interned into distinct (x, t_x, T) triples (by a radix
 * sort of packed keys for whole days, else by a hash table; either order
 * is a function of the input only), the lgamma, digamma and trigamma
 * terms are computed once per distinct x and the logs once per distinct
 * time, and the per-triple work is one exp and one log. The parallel loops
 * go over fixed chunks whose partial sums are kept in the workspace and
 * added in chunk order afterwards.
 *
 * The optimiser works on the log of the parameters (they are positive)
 * and minimises the mean negative log-likelihood per customer, so that its
 * gradient tolerance means the same for 2,000 customers as for 2 million.
 * The gradient and the Hessian are analytic: BFGS gets near the optimum,
 * Newton finishes, and the Hessian at the end gives the standard errors.
 */
#include "engine/clv.h"
#include "engine/radix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_hyperg.h>
#include <gsl/gsl_sf_psi.h>

#define EMPTY UINT32_MAX
#define MAXN ((size_t)1 << 30)   /* customers or rows per call: keeps hash tables in 32-bit ids */

/* ---- hashing ---- */

/* splitmix64's finaliser: spreads every input bit over the output. */
static uint64_t mix64(uint64_t z)
{
    z ^= z >> 30;
    z *= 0xbf58476d1ce4e5b9u;
    z ^= z >> 27;
    z *= 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The bits of v, with -0 taken as +0 (they are the same time). */
static uint64_t dbits(double v)
{
    v += 0.0;
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* The smallest power of two >= 2 n (at least 16): a load factor <= 1/2. */
static size_t table_size(size_t n)
{
    size_t s = 16;
    while (s < 2 * n)
        s <<= 1;
    return s;
}

/* A set of 64-bit keys handing out dense ids in order of first insertion,
   growing as keys come: the distinct values it holds (x, times) are
   usually few, and a small table stays in cache. */
struct idset {
    uint32_t *slot;   /* mask + 1 slots: an id or EMPTY */
    uint64_t *key;    /* cap: key of each id */
    size_t mask;      /* slots - 1 */
    size_t n;         /* ids handed out */
    size_t cap;       /* room in key: (mask + 1) / 2 */
};

static void idset_free(struct idset *s)
{
    free(s->slot);
    free(s->key);
    memset(s, 0, sizeof *s);
}

/* Makes the table 2^k >= 16 slots with room for (slots / 2) keys, rehashing
   the keys held. Returns 0, or -1 when out of memory (s unchanged). */
static int idset_grow(struct idset *s, size_t slots)
{
    uint32_t *sl = malloc(slots * sizeof *sl);
    uint64_t *ky = realloc(s->key, slots / 2 * sizeof *ky);
    if (!sl || !ky) {
        free(sl);
        if (ky)
            s->key = ky;
        return -1;
    }
    memset(sl, 0xff, slots * sizeof *sl);
    size_t mask = slots - 1;
    for (size_t i = 0; i < s->n; i++) {
        size_t h = (size_t)mix64(ky[i]) & mask;
        while (sl[h] != EMPTY)
            h = (h + 1) & mask;
        sl[h] = (uint32_t)i;
    }
    free(s->slot);
    s->slot = sl;
    s->key = ky;
    s->mask = mask;
    s->cap = slots / 2;
    return 0;
}

/* The id of k in *id, new or not. Returns 0, or -1 when out of memory. */
static int idset_put(struct idset *s, uint64_t k, uint32_t *id)
{
    if (s->n == s->cap && idset_grow(s, s->cap ? 4 * s->cap : 16) != 0)
        return -1;
    size_t h = (size_t)mix64(k) & s->mask;
    for (;;) {
        uint32_t i = s->slot[h];
        if (i == EMPTY) {
            s->slot[h] = (uint32_t)s->n;
            s->key[s->n] = k;
            *id = (uint32_t)s->n++;
            return 0;
        }
        if (s->key[i] == k) {
            *id = i;
            return 0;
        }
        h = (h + 1) & s->mask;
    }
}

/* ---- validation ---- */

static int bad_params_bg(const struct clv_bg *p)
{
    const double v[4] = { p->r, p->alpha, p->a, p->b };
    for (int i = 0; i < 4; i++)
        if (!(v[i] > 0) || !isfinite(v[i]))
            return 1;
    return 0;
}

static int bad_params_gg(const struct clv_gg *p)
{
    return !(p->p > 0) || !isfinite(p->p) || !(p->q > 0) || !isfinite(p->q) || !(p->v > 0) ||
           !isfinite(p->v);
}

/* Checks one customer's (x, t_x, T): finite, 0 <= t_x <= T, t_x = 0 when x
   = 0. c is the customer's index for the message, NOCUST for none. */
#define NOCUST SIZE_MAX
static int check_cust(size_t c, uint32_t x, double tx, double T, struct cx_err *e)
{
    if (isfinite(tx) && isfinite(T) && tx >= 0 && tx <= T && (x > 0 || tx == 0))
        return CX_OK;
    char who[48] = "BG/NBD";
    if (c != NOCUST)
        snprintf(who, sizeof who, "customer %zu", c);
    if (!isfinite(tx) || !isfinite(T))
        return cx_fail(e, CX_EUSAGE, "%s: %s is not finite", who, isfinite(tx) ? "T" : "t_x");
    if (tx < 0 || tx > T)
        return cx_fail(e, CX_EUSAGE, "%s: t_x = %g is not in [0, T = %g]", who, tx, T);
    return cx_fail(e, CX_EUSAGE, "%s: t_x = %g but x = 0 (no repeat purchase)", who, tx);
}

/* ---- customer summaries from purchase rows ---- */

/* A row's sort key: day (order-preserving as unsigned) above, row below. */
static uint64_t day_key(int32_t day, uint32_t row)
{
    return ((uint64_t)((uint32_t)day ^ 0x80000000u) << 32) | row;
}

static int32_t key_day(uint64_t k)
{
    return (int32_t)((uint32_t)(k >> 32) ^ 0x80000000u);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts a customer's keys: most customers have a handful of rows. */
static void sort_keys(uint64_t *k, size_t n)
{
    if (n > 32) {
        qsort(k, n, sizeof *k, cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t v = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > v; j--)
            k[j] = k[j - 1];
        k[j] = v;
    }
}

int clv_from_days(const uint32_t *cust, const int32_t *day, const double *net, size_t nrows,
                  uint32_t ncust, int32_t asof, int32_t hold_end, double unit, uint32_t *x,
                  double *tx, double *T, double *m, uint32_t *hold, struct clv_days_info *info,
                  struct cx_err *e)
{
    memset(info, 0, sizeof *info);
    info->rows = nrows;
    if (!(unit > 0) || !isfinite(unit))
        return cx_fail(e, CX_EUSAGE, "CLV summaries: the time unit (%g days) must be positive",
                       unit);
    if (nrows >= UINT32_MAX)
        return cx_fail(e, CX_EUSAGE, "CLV summaries: %zu rows, at most %u", nrows,
                       UINT32_MAX - 1);
    if (m && !net)
        return cx_fail(e, CX_EUSAGE, "CLV summaries: m asked for without nets");
    for (size_t i = 0; i < nrows; i++) {
        if (cust[i] >= ncust)
            return cx_fail(e, CX_EUSAGE, "CLV summaries: row %zu: customer index %u, not below %u",
                           i, cust[i], ncust);
        if (net && !isfinite(net[i]))
            return cx_fail(e, CX_EUSAGE, "CLV summaries: row %zu: net is not finite", i);
    }
    /* Counting sort by customer: off[c + 1] .. off[c + 2] while filling,
       off[c] .. off[c + 1] afterwards. */
    uint32_t *off = calloc((size_t)ncust + 2, sizeof *off);
    uint64_t *key = malloc((nrows ? nrows : 1) * sizeof *key);
    if (!off || !key) {
        free(off);
        free(key);
        return cx_nomem(e, "CLV summaries");
    }
    for (size_t i = 0; i < nrows; i++)
        off[cust[i] + 2]++;
    for (size_t c = 2; c < (size_t)ncust + 2; c++)
        off[c] += off[c - 1];
    for (size_t i = 0; i < nrows; i++)
        key[off[cust[i] + 1]++] = day_key(day[i], (uint32_t)i);

    size_t used = 0, after = 0, inhold = 0, days = 0, present = 0, absent = 0;
    #pragma omp parallel for schedule(dynamic, 1024) \
        reduction(+ : used, after, inhold, days, present, absent)
    for (size_t c = 0; c < ncust; c++) {
        uint64_t *k = key + off[c];
        size_t nk = off[c + 1] - off[c];
        sort_keys(k, nk);
        size_t nd = 0, nh = 0;
        int32_t first = 0, last = 0, prev = 0;
        double rep = 0;   /* net of the purchase days after the first */
        for (size_t i = 0; i < nk; i++) {
            int32_t d = key_day(k[i]);
            uint32_t row = (uint32_t)k[i];
            if (d > asof) {
                after++;
                if (d <= hold_end) {
                    inhold++;
                    nh += (i == 0 || d != prev);
                }
            } else {
                used++;
                if (nd == 0)
                    first = d;
                if (nd == 0 || d != last)
                    nd++;
                last = d;
                if (net && nd > 1)
                    rep += net[row];
            }
            prev = d;
        }
        if (hold)
            hold[c] = (uint32_t)nh;
        days += nd;
        if (nd == 0) {
            absent++;
            x[c] = 0;
            tx[c] = T[c] = NAN;
            if (m)
                m[c] = NAN;
            continue;
        }
        present++;
        x[c] = (uint32_t)(nd - 1);
        tx[c] = (double)((int64_t)last - first) / unit;
        T[c] = (double)((int64_t)asof - first) / unit;
        if (m)
            m[c] = nd > 1 ? rep / (double)(nd - 1) : 0;
    }
    free(off);
    free(key);
    info->rows_used = used;
    info->rows_after = after;
    info->rows_holdout = inhold;
    info->days = days;
    info->customers = (uint32_t)present;
    info->absent = (uint32_t)absent;
    return CX_OK;
}

/* ---- BG/NBD: data ---- */

/* The per-chunk sums of bg_chunk(), over triples of weight w (customers),
   with LT = log(alpha + T), Lt = log(alpha + t_x), IT = 1 / (alpha + T),
   It = 1 / (alpha + t_x), rx = r + x, ib = 1 / (b + x - 1), w3 and w4 the
   shares e^A3 / (e^A3 + e^A4) and e^A4 / (e^A3 + e^A4) (w4 = 0 for x = 0),
   v = w3 w4 and the differences d1 = Lt - LT, d2 = rx (It - IT) of the
   gradients of A3 and A4 in r and alpha. */
enum {
    S_LSE,   /* sum w log(e^A3 + e^A4) */
    S_L,     /* sum w (w3 LT + w4 Lt) */
    S_I,     /* sum w rx (w3 IT + w4 It) */
    S_W4,    /* sum w w4 */
    S_W4B,   /* sum w w4 ib */
    S_NG,    /* sums needed for the gradient; those below for the Hessian */
    S_I1 = S_NG, /* sum w (w3 IT + w4 It) */
    S_I2,    /* sum w rx (w3 IT^2 + w4 It^2) */
    S_W4BB,  /* sum w w4 ib^2 */
    U_11,    /* sum w v d1^2 */
    U_12,    /* sum w v d1 d2 */
    U_22,    /* sum w v d2^2 */
    U_1,     /* sum w v d1 */
    U_1B,    /* sum w v d1 ib */
    U_2,     /* sum w v d2 */
    U_2B,    /* sum w v d2 ib */
    U_0,     /* sum w v */
    U_B,     /* sum w v ib */
    U_BB,    /* sum w v ib^2 */
    S_N      /* number of sums */
};

struct clv_bg_data {
    size_t n;          /* customers */
    size_t nd;         /* distinct triples */
    size_t nx;         /* distinct x */
    size_t nt;         /* distinct times (t_x and T together) */
    size_t nchunk;     /* chunks of CLV_CHUNK triples */
    uint32_t *ix;      /* nd: index of the triple's x in xv */
    uint32_t *itx;     /* nd: index of its t_x in tv */
    uint32_t *iT;      /* nd: index of its T in tv */
    double *w;         /* nd: customers with the triple */
    double *xv;        /* nx: x values */
    double *xn;        /* nx: customers with that x */
    double *tv;        /* nt: time values */
    double sum_x;      /* sum of x over customers: the starting point */
    double sum_T;      /* sum of T over customers */
    /* Workspace of bg_eval. */
    double *lt;        /* nt: log(alpha + t) */
    double *it;        /* nt: 1 / (alpha + t) */
    double *xr;        /* nx: r + x */
    double *xla;       /* nx: log a - log(b + x - 1) (x > 0) */
    double *xib;       /* nx: 1 / (b + x - 1) (x > 0) */
    double *part;      /* nchunk x S_N: per-chunk partial sums */
};

void clv_bg_data_free(struct clv_bg_data *d)
{
    if (!d)
        return;
    free(d->ix);
    free(d->itx);
    free(d->iT);
    free(d->w);
    free(d->xv);
    free(d->xn);
    free(d->tv);
    free(d->lt);
    free(d->it);
    free(d->xr);
    free(d->xla);
    free(d->xib);
    free(d->part);
    free(d);
}

size_t clv_bg_data_n(const struct clv_bg_data *d)
{
    return d->n;
}

size_t clv_bg_data_distinct(const struct clv_bg_data *d)
{
    return d->nd;
}

/* Bits needed for v: 0 for 0. */
static int bit_width(uint64_t v)
{
    int b = 0;
    while (v) {
        b++;
        v >>= 1;
    }
    return b;
}

/* Interns the customers into distinct triples: d->nd, d->w (n allocated),
   the triple values in (x3, tx3, T3), each of n, and d->sum_x, d->sum_T.
   Validates every customer first. When every t_x and T is a whole number
   (days) and x, t_x, T fit in 64 bits together, the triples are found by
   a radix sort of those packed keys, in increasing (x, t_x, T) order: a
   few passes over the data, where a hash table of 2n slots misses the
   cache on every customer. Otherwise a hash table interns them in order
   of first appearance. Both orders depend on the input only. */
static int bg_intern(struct clv_bg_data *d, const uint32_t *x, const double *tx, const double *T,
                     const uint32_t *idx, size_t n, double *tx3, double *T3, uint32_t *x3,
                     struct cx_err *e)
{
    double sx = 0, sT = 0, tmax = 0;
    uint32_t xmax = 0;
    int whole = 1;
    for (size_t j = 0; j < n; j++) {
        size_t c = idx ? idx[j] : j;
        if (check_cust(c, x[c], tx[c], T[c], e) != CX_OK)
            return CX_EUSAGE;
        sx += x[c];
        sT += T[c];
        xmax = x[c] > xmax ? x[c] : xmax;
        tmax = T[c] > tmax ? T[c] : tmax;
        whole = whole && tx[c] == floor(tx[c]) && T[c] == floor(T[c]);
    }
    d->sum_x = sx;
    d->sum_T = sT;
    int bx = bit_width(xmax), bt = whole && tmax < 0x1p40 ? bit_width((uint64_t)tmax) : 64;
    size_t nd = 0;
    if (whole && bx + 2 * bt <= 64) {
        uint64_t *key = malloc(n * sizeof *key);
        if (!key)
            return cx_nomem(e, "BG/NBD customers");
        for (size_t j = 0; j < n; j++) {
            size_t c = idx ? idx[j] : j;
            key[j] = ((((uint64_t)x[c] << bt) | (uint64_t)tx[c]) << bt) | (uint64_t)T[c];
        }
        if (radix_sort(key, n, bx + 2 * bt) != 0) {
            free(key);
            return cx_nomem(e, "BG/NBD customers");
        }
        const uint64_t tm = bt ? (((uint64_t)1 << bt) - 1) : 0;
        for (size_t j = 0; j < n; j++) {
            if (j > 0 && key[j] == key[j - 1]) {
                d->w[nd - 1] += 1;
                continue;
            }
            T3[nd] = (double)(key[j] & tm);
            tx3[nd] = (double)((key[j] >> bt) & tm);
            x3[nd] = (uint32_t)(bt ? key[j] >> (2 * bt) : key[j]);
            d->w[nd++] = 1;
        }
        free(key);
        d->nd = nd;
        return CX_OK;
    }
    size_t sz = table_size(n), mask = sz - 1;
    uint32_t *slot = malloc(sz * sizeof *slot);
    if (!slot)
        return cx_nomem(e, "BG/NBD customers");
    memset(slot, 0xff, sz * sizeof *slot);
    for (size_t j = 0; j < n; j++) {
        size_t c = idx ? idx[j] : j;
        uint64_t btx = dbits(tx[c]), bT = dbits(T[c]);
        size_t h = (size_t)mix64(mix64(x[c] ^ 0x9e3779b97f4a7c15u) ^ btx ^ mix64(bT)) & mask;
        for (;;) {
            uint32_t id = slot[h];
            if (id == EMPTY) {
                slot[h] = (uint32_t)nd;
                x3[nd] = x[c];
                tx3[nd] = tx[c] + 0.0;
                T3[nd] = T[c] + 0.0;
                d->w[nd] = 1;
                nd++;
                break;
            }
            if (x3[id] == x[c] && dbits(tx3[id]) == btx && dbits(T3[id]) == bT) {
                d->w[id] += 1;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    free(slot);
    d->nd = nd;
    return CX_OK;
}

int clv_bg_data_create(const uint32_t *x, const double *tx, const double *T, const uint32_t *idx,
                       size_t n, struct clv_bg_data **out, struct cx_err *e)
{
    *out = NULL;
    if (n == 0)
        return cx_fail(e, CX_EUSAGE, "BG/NBD: no customer");
    if (n > MAXN)
        return cx_fail(e, CX_EUSAGE, "BG/NBD: %zu customers, at most %zu", n, MAXN);
    int rc = CX_OK;
    struct idset sx = { 0 }, st = { 0 };
    double *tx3 = malloc(n * sizeof *tx3), *T3 = malloc(n * sizeof *T3);
    uint32_t *x3 = malloc(n * sizeof *x3);
    struct clv_bg_data *d = calloc(1, sizeof *d);
    if (!tx3 || !T3 || !x3 || !d || !(d->w = malloc(n * sizeof *d->w))) {
        rc = cx_nomem(e, "BG/NBD customers");
        goto done;
    }
    d->n = n;
    if ((rc = bg_intern(d, x, tx, T, idx, n, tx3, T3, x3, e)) != CX_OK)
        goto done;
    size_t nd = d->nd;
    double *w = realloc(d->w, nd * sizeof *w);
    if (w)
        d->w = w;
    d->ix = malloc(nd * sizeof *d->ix);
    d->itx = malloc(nd * sizeof *d->itx);
    d->iT = malloc(nd * sizeof *d->iT);
    if (!d->ix || !d->itx || !d->iT) {
        rc = cx_nomem(e, "BG/NBD triples");
        goto done;
    }
    for (size_t i = 0; i < nd; i++)
        if (idset_put(&sx, x3[i], &d->ix[i]) || idset_put(&st, dbits(tx3[i]), &d->itx[i]) ||
            idset_put(&st, dbits(T3[i]), &d->iT[i])) {
            rc = cx_nomem(e, "BG/NBD triples");
            goto done;
        }
    d->nx = sx.n;
    d->nt = st.n;
    d->nchunk = (nd + CLV_CHUNK - 1) / CLV_CHUNK;
    d->xv = malloc(d->nx * sizeof *d->xv);
    d->xn = calloc(d->nx, sizeof *d->xn);
    d->xr = malloc(d->nx * sizeof *d->xr);
    d->xla = malloc(d->nx * sizeof *d->xla);
    d->xib = malloc(d->nx * sizeof *d->xib);
    d->tv = malloc(d->nt * sizeof *d->tv);
    d->lt = malloc(d->nt * sizeof *d->lt);
    d->it = malloc(d->nt * sizeof *d->it);
    d->part = malloc(d->nchunk * S_N * sizeof *d->part);
    if (!d->xv || !d->xn || !d->xr || !d->xla || !d->xib || !d->tv || !d->lt || !d->it ||
        !d->part) {
        rc = cx_nomem(e, "BG/NBD workspace");
        goto done;
    }
    for (size_t k = 0; k < d->nx; k++)
        d->xv[k] = (double)sx.key[k];
    for (size_t k = 0; k < d->nt; k++)
        memcpy(&d->tv[k], &st.key[k], sizeof d->tv[k]);
    for (size_t i = 0; i < nd; i++)
        d->xn[d->ix[i]] += d->w[i];
done:
    idset_free(&sx);
    idset_free(&st);
    free(tx3);
    free(T3);
    free(x3);
    if (rc != CX_OK) {
        clv_bg_data_free(d);
        return rc;
    }
    *out = d;
    return CX_OK;
}

/* ---- BG/NBD: likelihood ---- */

/* The sums of one chunk of triples [lo, hi) in s[0..S_N) (s[0..S_NG)
   when hess is 0). A triple's log-likelihood beyond its x's terms is
   log(e^A3 + e^A4), A3 = -rx LT, A4 = log a - log(b + x - 1) - rx Lt: the
   larger term is taken out and the smaller enters as ee = exp(<= 0).
   log(1 + ee) rather than log1p(ee): ee <= 1, so the one rounding of
   1 + ee costs 1e-16 absolute against terms of order 1 or more, and
   glibc's log is several times faster than its log1p. */
static void bg_chunk(const struct clv_bg_data *d, size_t lo, size_t hi, int hess, double *s)
{
    double t[S_N] = { 0 };
    for (size_t i = lo; i < hi; i++) {
        uint32_t k = d->ix[i], jT = d->iT[i];
        double wi = d->w[i], rx = d->xr[k], LT = d->lt[jT], IT = d->it[jT];
        double A3 = -rx * LT;
        if (d->xv[k] == 0) {
            t[S_LSE] += wi * A3;
            t[S_L] += wi * LT;
            t[S_I] += wi * rx * IT;
            if (hess) {
                t[S_I1] += wi * IT;
                t[S_I2] += wi * rx * IT * IT;
            }
            continue;
        }
        uint32_t jt = d->itx[i];
        double Lt = d->lt[jt], It = d->it[jt], ib = d->xib[k], A4 = d->xla[k] - rx * Lt;
        double dd = A4 - A3, ee, lse, w3, w4;
        if (dd > 0) {
            ee = exp(-dd);
            lse = A4 + log(1 + ee);
            w4 = 1 / (1 + ee);
            w3 = ee * w4;
        } else {
            ee = exp(dd);
            lse = A3 + log(1 + ee);
            w3 = 1 / (1 + ee);
            w4 = ee * w3;
        }
        double ww4 = wi * w4;
        t[S_LSE] += wi * lse;
        t[S_L] += wi * (w3 * LT + w4 * Lt);
        t[S_I] += wi * rx * (w3 * IT + w4 * It);
        t[S_W4] += ww4;
        t[S_W4B] += ww4 * ib;
        if (hess) {
            double wv = wi * w3 * w4, d1 = Lt - LT, d2 = rx * (It - IT);
            t[S_I1] += wi * (w3 * IT + w4 * It);
            t[S_I2] += wi * rx * (w3 * IT * IT + w4 * It * It);
            t[S_W4BB] += ww4 * ib * ib;
            t[U_11] += wv * d1 * d1;
            t[U_12] += wv * d1 * d2;
            t[U_22] += wv * d2 * d2;
            t[U_1] += wv * d1;
            t[U_1B] += wv * d1 * ib;
            t[U_2] += wv * d2;
            t[U_2B] += wv * d2 * ib;
            t[U_0] += wv;
            t[U_B] += wv * ib;
            t[U_BB] += wv * ib * ib;
        }
    }
    memcpy(s, t, (hess ? S_N : S_NG) * sizeof *t);
}

/* From the gradient g and Hessian h (k x k row-major) of a function in the
   natural parameters p, those in their logs: g_i p_i and
   h_ij p_i p_j + [i = j] g_i p_i. */
static void to_log(size_t k, const double *p, double *g, double *h)
{
    if (h)
        for (size_t i = 0; i < k; i++) {
            for (size_t j = 0; j < k; j++)
                h[i * k + j] *= p[i] * p[j];
            h[i * k + i] += g[i] * p[i];
        }
    for (size_t i = 0; i < k; i++)
        g[i] *= p[i];
}

/* LL at par (valid), its gradient g and, when h is not NULL, its Hessian h
   (4 x 4) w.r.t. (log r, log alpha, log a, log b). */
static void bg_eval(struct clv_bg_data *d, const struct clv_bg *par, double *ll, double *g,
                    double *h)
{
    const double r = par->r, al = par->alpha, a = par->a, b = par->b, n = (double)d->n;
    const int hess = h != NULL;
    #pragma omp parallel for schedule(static) if (d->nt > 65536)
    for (size_t k = 0; k < d->nt; k++) {
        double u = al + d->tv[k];
        d->lt[k] = log(u);
        d->it[k] = 1 / u;
    }
    /* The terms that depend on x only: log Gamma(r + x) - log Gamma(r) +
       r log alpha + log B(a, b + x) - log B(a, b), their derivatives
       (digamma) and second derivatives (trigamma), once per distinct x. */
    const double la = log(a), lal = log(al), lgr = gsl_sf_lngamma(r), lgb = gsl_sf_lngamma(b),
                 lgab = gsl_sf_lngamma(a + b), pr = gsl_sf_psi(r), pb = gsl_sf_psi(b),
                 pab = gsl_sf_psi(a + b);
    const double tr = hess ? gsl_sf_psi_1(r) : 0, tb = hess ? gsl_sf_psi_1(b) : 0,
                 tab = hess ? gsl_sf_psi_1(a + b) : 0;
    double cst = 0, gr = 0, ga = 0, gb = 0, hrr = 0, hab = 0, hbb = 0;
    for (size_t k = 0; k < d->nx; k++) {
        double xk = d->xv[k], nk = d->xn[k];
        d->xr[k] = r + xk;
        cst += nk * r * lal;
        gr += nk * lal;
        if (xk == 0) {
            d->xla[k] = d->xib[k] = 0;
            continue;
        }
        d->xla[k] = la - log(b + xk - 1);
        d->xib[k] = 1 / (b + xk - 1);
        cst += nk * (gsl_sf_lngamma(r + xk) - lgr + lgab + gsl_sf_lngamma(b + xk) - lgb -
                     gsl_sf_lngamma(a + b + xk));
        gr += nk * (gsl_sf_psi(r + xk) - pr);
        double pabx = gsl_sf_psi(a + b + xk);
        ga += nk * (pab - pabx);
        gb += nk * (pab + gsl_sf_psi(b + xk) - pb - pabx);
        if (hess) {
            double tabx = gsl_sf_psi_1(a + b + xk);
            hrr += nk * (gsl_sf_psi_1(r + xk) - tr);
            hab += nk * (tab - tabx);
            hbb += nk * (tab + gsl_sf_psi_1(b + xk) - tb - tabx);
        }
    }
    const size_t nd = d->nd, ns = hess ? S_N : S_NG;
    #pragma omp parallel for schedule(dynamic, 1) if (d->nchunk > 1)
    for (size_t c = 0; c < d->nchunk; c++) {
        size_t lo = c * CLV_CHUNK, hi = lo + CLV_CHUNK < nd ? lo + CLV_CHUNK : nd;
        bg_chunk(d, lo, hi, hess, d->part + S_N * c);
    }
    double S[S_N] = { 0 };
    for (size_t c = 0; c < d->nchunk; c++)
        for (size_t i = 0; i < ns; i++)
            S[i] += d->part[S_N * c + i];
    *ll = cst + S[S_LSE];
    /* Natural parameters first. */
    g[0] = gr - S[S_L];
    g[1] = n * r / al - S[S_I];
    g[2] = ga + S[S_W4] / a;
    g[3] = gb - S[S_W4B];
    if (hess) {
        double H[16] = {
            hrr + S[U_11],
            n / al - S[S_I1] + S[U_12],
            -S[U_1] / a,
            S[U_1B],
            0,
            -n * r / (al * al) + S[S_I2] + S[U_22],
            -S[U_2] / a,
            S[U_2B],
            0, 0,
            hab - S[S_W4] / (a * a) + S[U_0] / (a * a),
            hab - S[U_B] / a,
            0, 0, 0,
            hbb + S[S_W4BB] + S[U_BB],
        };
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < i; j++)
                H[i * 4 + j] = H[j * 4 + i];
        memcpy(h, H, sizeof H);
    }
    const double pv[4] = { r, al, a, b };
    to_log(4, pv, g, h);
}

int clv_bg_loglik(struct clv_bg_data *d, const struct clv_bg *par, double *ll, double grad[4],
                  double hess[16], struct cx_err *e)
{
    if (bad_params_bg(par))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: parameters r = %g, alpha = %g, a = %g, b = %g "
                       "must be positive and finite", par->r, par->alpha, par->a, par->b);
    double g[4], h[16];
    bg_eval(d, par, ll, g, hess ? h : NULL);
    int ok = isfinite(*ll);
    for (int i = 0; i < 4; i++)
        ok = ok && isfinite(g[i]);
    for (int i = 0; i < 16 && hess; i++)
        ok = ok && isfinite(h[i]);
    if (!ok)
        return cx_fail(e, CX_EINTERNAL, "BG/NBD: the log-likelihood is not finite at r = %g, "
                       "alpha = %g, a = %g, b = %g", par->r, par->alpha, par->a, par->b);
    if (grad)
        memcpy(grad, g, sizeof g);
    if (hess)
        memcpy(hess, h, sizeof h);
    return CX_OK;
}

/* ---- the optimiser ---- */

/* An objective on the log-parameters th[0..k): f = -LL / n, its gradient g
   and, when H is not NULL, its Hessian H (k x k). Returns 0, or -1 when
   the value is not finite there. */
typedef int (*objective)(void *ctx, const double *th, double *f, double *g, double *H);

/* GSL's callbacks share one evaluation per point: the line search asks for
   f, then for the gradient at the same point. */
struct obj {
    objective fn;
    void *ctx;
    size_t k;         /* parameters: 3 or 4 */
    double th[4];     /* last point evaluated */
    double f, g[4];   /* its value and gradient */
    int have;         /* th, f, g hold an evaluation */
    unsigned evals;   /* evaluations of fn */
};

/* fn at th, counted. */
static int eval(struct obj *o, const double *th, double *f, double *g, double *H)
{
    o->evals++;
    return o->fn(o->ctx, th, f, g, H);
}

static void obj_at(struct obj *o, const gsl_vector *v)
{
    double th[4] = { 0, 0, 0, 0 };
    for (size_t i = 0; i < o->k; i++)
        th[i] = gsl_vector_get(v, i);
    if (o->have && memcmp(th, o->th, sizeof th) == 0)
        return;
    memcpy(o->th, th, sizeof th);
    o->have = 1;
    if (eval(o, th, &o->f, o->g, NULL) != 0) {
        /* Outside the region where the likelihood is finite (exp of a
           log-parameter overflowing): a wall the line search backs off. */
        o->f = GSL_POSINF;
        for (size_t i = 0; i < o->k; i++)
            o->g[i] = 0;
    }
}

static double obj_f(const gsl_vector *v, void *p)
{
    struct obj *o = p;
    obj_at(o, v);
    return o->f;
}

static void obj_df(const gsl_vector *v, void *p, gsl_vector *g)
{
    struct obj *o = p;
    obj_at(o, v);
    for (size_t i = 0; i < o->k; i++)
        gsl_vector_set(g, i, o->g[i]);
}

static void obj_fdf(const gsl_vector *v, void *p, double *f, gsl_vector *g)
{
    obj_df(v, p, g);
    *f = ((struct obj *)p)->f;
}

/* The result of optimise(). */
struct opt_out {
    double th[4];        /* log-parameters where it stopped */
    double H[16];        /* Hessian of f there, when have_h */
    int have_h;          /* H is set */
    double gnorm;        /* norm of the mean gradient there */
    unsigned iter;       /* BFGS iterations */
    unsigned newton;     /* Newton steps of the polish */
};

static double norm(const double *g, size_t k)
{
    double s = 0;
    for (size_t i = 0; i < k; i++)
        s += g[i] * g[i];
    return sqrt(s);
}

/* Newton steps from th (value f, gradient g) with the analytic Hessian,
   each halved until it lowers f (or, where f is flat to rounding, keeps f
   and lowers the gradient's norm), at most 30 halvings, until the
   gradient's norm is below tol, no step helps or the Hessian is not
   positive definite; at most 20 steps. Trial points are evaluated with
   their Hessian, so that an accepted step costs one evaluation. Updates
   th, f, g; leaves the Hessian at th in H and returns the steps taken, or
   returns -1 when f could not be evaluated at th (H unset). */
static int polish(struct obj *o, double *th, double *f, double *g, double tol, double *H)
{
    size_t k = o->k;
    int steps = 0;
    double fh, gh[4];
    if (eval(o, th, &fh, gh, H) != 0)
        return -1;
    while (steps < 20 && norm(g, k) >= tol) {
        double L[16], d[4], t[4], ft = 0, gt[4] = { 0, 0, 0, 0 }, Ht[16];
        memcpy(L, H, k * k * sizeof *L);
        gsl_matrix_view m = gsl_matrix_view_array(L, k, k);
        gsl_vector_view gv = gsl_vector_view_array(g, k), dv = gsl_vector_view_array(d, k);
        if (gsl_linalg_cholesky_decomp1(&m.matrix) != GSL_SUCCESS ||
            gsl_linalg_cholesky_solve(&m.matrix, &gv.vector, &dv.vector) != GSL_SUCCESS)
            break;
        int taken = 0;
        double lam = 1;
        for (int tries = 0; tries < 30 && !taken; tries++, lam /= 2) {
            for (size_t i = 0; i < k; i++)
                t[i] = th[i] - lam * d[i];
            if (eval(o, t, &ft, gt, Ht) != 0)
                continue;
            taken = ft < *f || (ft <= *f + 1e-14 * fabs(*f) && norm(gt, k) < norm(g, k));
        }
        if (!taken)
            break;
        memcpy(th, t, k * sizeof *t);
        memcpy(g, gt, k * sizeof *gt);
        memcpy(H, Ht, k * k * sizeof *Ht);
        *f = ft;
        steps++;
    }
    o->have = 0;
    return steps;
}

/* Where BFGS first hands over to Newton: the norm of the mean gradient. */
#define NEWTON_FROM 0.1

/* BFGS iterations of s until the gradient's norm is below `until`, or the
   line search can make no progress twice in a row (GSL_ENOPROG; BFGS is
   restarted from steepest descent after the first), or *it reaches
   max_iter. Returns GSL_SUCCESS (whichever of these ended it) or GSL's
   failure. */
static int bfgs(gsl_multimin_fdfminimizer *s, double until, unsigned max_iter, unsigned *it)
{
    int stalled = 0;
    while (gsl_blas_dnrm2(s->gradient) >= until && *it < max_iter) {
        int st = gsl_multimin_fdfminimizer_iterate(s);
        if (st == GSL_ENOPROG) {
            if (stalled++)
                break;
            gsl_multimin_fdfminimizer_restart(s);
            continue;
        }
        if (st != GSL_SUCCESS)
            return st;
        stalled = 0;
        ++*it;
    }
    return GSL_SUCCESS;
}

/* Minimises o from th0. The stopping rule: vector_bfgs2 (first step 0.1 on
   the log scale, line-search tolerance 0.1 as GSL recommends; bfgs())
   runs until the gradient's norm is below NEWTON_FROM, then damped Newton
   steps with the analytic Hessian (polish()) converge quadratically to a
   norm below opt->grad_tol. Should Newton stop short (a Hessian that is
   not positive definite, a step that does not help), BFGS goes on from
   there down to grad_tol, or until its line search gives up (near the
   optimum f is flat to a few units of rounding: CDNOW's BG/NBD stalls at
   a norm of 1e-7), and Newton polishes again. BFGS alone would also zigzag
   for a hundred iterations down the narrow valley of Gamma-Gamma's p and
   v. At most opt->max_iter BFGS iterations in all. The fit has converged
   when the gradient norm is below grad_tol at the end. Returns CX_OK, or
   CX_EINTERNAL with the last point in *out. */
static int optimise(struct obj *o, const double *th0, const struct clv_fit_opts *opt,
                    const char *what, struct opt_out *out, struct cx_err *e)
{
    int rc = CX_OK;
    size_t k = o->k;
    gsl_multimin_function_fdf F = { obj_f, obj_df, obj_fdf, k, o };
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(
        gsl_multimin_fdfminimizer_vector_bfgs2, k);
    gsl_vector *x0 = gsl_vector_alloc(k);
    memset(out, 0, sizeof *out);
    memcpy(out->th, th0, k * sizeof *th0);
    if (!s || !x0) {
        rc = cx_nomem(e, what);
        goto done;
    }
    double f = 0, g[4] = { 0, 0, 0, 0 };
    unsigned it = 0;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < k; i++)
            gsl_vector_set(x0, i, out->th[i]);
        int st = gsl_multimin_fdfminimizer_set(s, &F, x0, 0.1, 0.1);
        if (st != GSL_SUCCESS || !isfinite(s->f)) {
            rc = cx_fail(e, CX_EINTERNAL, "%s: the log-likelihood is not finite at %s", what,
                         round ? "the point Newton stopped at" : "the starting point");
            goto done;
        }
        double until = round ? opt->grad_tol : NEWTON_FROM;
        st = bfgs(s, until > opt->grad_tol ? until : opt->grad_tol, opt->max_iter, &it);
        if (st != GSL_SUCCESS) {
            rc = cx_fail(e, CX_EINTERNAL, "%s: the minimiser failed after %u iterations: %s",
                         what, it, gsl_strerror(st));
            goto done;
        }
        f = s->f;
        for (size_t i = 0; i < k; i++) {
            out->th[i] = gsl_vector_get(s->x, i);
            g[i] = gsl_vector_get(s->gradient, i);
        }
        if (it >= opt->max_iter && norm(g, k) >= opt->grad_tol)
            break;
        int ns = polish(o, out->th, &f, g, opt->grad_tol, out->H);
        out->have_h = ns >= 0;
        out->newton += ns > 0 ? (unsigned)ns : 0;
        if (norm(g, k) < opt->grad_tol)
            break;
    }
    out->gnorm = norm(g, k);
    out->iter = it;
    if (!(out->gnorm < opt->grad_tol))
        rc = cx_fail(e, CX_EINTERNAL, "%s: no convergence after %u iterations and %u Newton "
                     "steps (gradient norm %.3g, tolerance %.3g)", what, it, out->newton,
                     out->gnorm, opt->grad_tol);
done:
    gsl_multimin_fdfminimizer_free(s);
    gsl_vector_free(x0);
    return rc;
}

/* The covariance of the log-parameters: the inverse of the Hessian of -LL
   = n f, from H (f's Hessian, k x k). Returns 1 when that Hessian is
   positive definite (cov filled, k x k row-major), 0 otherwise (cov all
   NaN). */
static int hessian_cov(size_t k, const double *Hf, double n, double *cov)
{
    double H[16];
    for (size_t i = 0; i < k * k; i++)
        H[i] = n * Hf[i];
    gsl_matrix_view m = gsl_matrix_view_array(H, k, k);
    int ok = gsl_linalg_cholesky_decomp1(&m.matrix) == GSL_SUCCESS &&
             gsl_linalg_cholesky_invert(&m.matrix) == GSL_SUCCESS;
    for (size_t i = 0; i < k * k && ok; i++)
        ok = isfinite(H[i]);
    for (size_t i = 0; i < k * k; i++)
        cov[i] = ok ? H[i] : NAN;
    return ok;
}

void clv_fit_defaults(struct clv_fit_opts *o)
{
    o->max_iter = 500;
    o->grad_tol = 1e-9;
}

static int check_opts(const struct clv_fit_opts *o, struct cx_err *e)
{
    if (o->max_iter == 0 || !(o->grad_tol > 0) || !isfinite(o->grad_tol))
        return cx_fail(e, CX_EUSAGE, "CLV fit: bad options (max_iter %u, grad_tol %g)",
                       o->max_iter, o->grad_tol);
    return CX_OK;
}

/* Whether every exp(th[i]) is a positive finite double. */
static int th_ok(const double *th, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (!(fabs(th[i]) < 700))
            return 0;
    return 1;
}

/* f = -LL / n and its derivatives from LL's, all finite. */
static int to_mean(size_t k, double n, double ll, const double *gr, const double *hr, double *f,
                   double *g, double *H)
{
    int ok = isfinite(ll);
    *f = -ll / n;
    for (size_t i = 0; i < k; i++) {
        g[i] = -gr[i] / n;
        ok = ok && isfinite(g[i]);
    }
    for (size_t i = 0; H && i < k * k; i++) {
        H[i] = -hr[i] / n;
        ok = ok && isfinite(H[i]);
    }
    return ok ? 0 : -1;
}

/* ---- BG/NBD: fit ---- */

static int bg_obj(void *ctx, const double *th, double *f, double *g, double *H)
{
    struct clv_bg_data *d = ctx;
    if (!th_ok(th, 4))
        return -1;
    struct clv_bg p = { exp(th[0]), exp(th[1]), exp(th[2]), exp(th[3]) };
    double ll, gr[4], hr[16];
    bg_eval(d, &p, &ll, gr, H ? hr : NULL);
    return to_mean(4, (double)d->n, ll, gr, hr, f, g, H);
}

int clv_bg_fit(struct clv_bg_data *d, const struct clv_bg *start, const struct clv_fit_opts *o,
               struct clv_bg_fit *f, struct cx_err *e)
{
    struct clv_fit_opts def;
    if (!o) {
        clv_fit_defaults(&def);
        o = &def;
    }
    memset(f, 0, sizeof *f);
    f->n = d->n;
    f->n_distinct = d->nd;
    if (check_opts(o, e) != CX_OK)
        return CX_EUSAGE;
    if (!(d->sum_x > 0) || !(d->sum_T > 0))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: no repeat purchase among %zu customers: the "
                       "model cannot be fitted", d->n);
    if (start && bad_params_bg(start))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: starting point r = %g, alpha = %g, a = %g, b = %g "
                       "must be positive and finite", start->r, start->alpha, start->a, start->b);
    double th0[4] = { 0, log(d->sum_T / d->sum_x), 0, 0 };
    if (start) {
        th0[0] = log(start->r);
        th0[1] = log(start->alpha);
        th0[2] = log(start->a);
        th0[3] = log(start->b);
    }
    struct obj ob = { bg_obj, d, 4, { 0 }, 0, { 0 }, 0, 0 };
    struct opt_out res;
    int rc = optimise(&ob, th0, o, "BG/NBD fit", &res, e);
    f->par = (struct clv_bg){ exp(res.th[0]), exp(res.th[1]), exp(res.th[2]), exp(res.th[3]) };
    f->grad_norm = res.gnorm;
    f->iterations = res.iter;
    f->newton = res.newton;
    double g[4];
    bg_eval(d, &f->par, &f->ll, g, NULL);
    if (rc == CX_OK && res.have_h)
        f->se_ok = hessian_cov(4, res.H, (double)d->n, &f->cov_log[0][0]);
    else
        for (int i = 0; i < 16; i++)
            (&f->cov_log[0][0])[i] = NAN;
    f->evals = ob.evals;
    const double *pv = &f->par.r;
    double *sv = &f->se.r;
    for (int i = 0; i < 4; i++)
        sv[i] = f->se_ok ? pv[i] * sqrt(f->cov_log[i][i]) : NAN;
    return rc;
}

/* ---- BG/NBD: predictions ---- */

/* G = ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; c; z), with
   c = a + b + x - 1 and z = t / (alpha + T + t), at a given a. Evaluated
   first in Euler's form (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; c; z),
   whose first two arguments do not grow with x and whose series converges
   like k^(a - r - x - 2) z^k, fast for large x where the direct series
   grows for a long while before it converges (and can overflow);
   otherwise directly. 1 - z is computed as (alpha + T) / (alpha + T + t),
   not by a subtraction. */
static int bg_g(double r, double al, double a, double b, double x, double T, double t, double *g,
                struct cx_err *e)
{
    double u = al + T, z = t / (u + t), lz = log(u / (u + t)), c = a + b + x - 1;
    gsl_sf_result res;
    int st = gsl_sf_hyperg_2F1_e(a + b - 1 - r, a - 1, c, z, &res);
    if (st == GSL_SUCCESS && isfinite(res.val)) {
        *g = exp((a - 1) * lz) * res.val;
        if (isfinite(*g))
            return CX_OK;
    }
    int st2 = gsl_sf_hyperg_2F1_e(r + x, b + x, c, z, &res);
    if (st2 == GSL_SUCCESS && res.val > 0 && isfinite(res.val)) {
        *g = exp((r + x) * lz + log(res.val));
        if (isfinite(*g))
            return CX_OK;
    }
    return cx_fail(e, CX_EINTERNAL, "BG/NBD: GSL cannot evaluate 2F1(%.17g, %.17g; %.17g; %.17g) "
                   "(%s) nor 2F1(%.17g, %.17g; %.17g; %.17g) (%s)", a + b - 1 - r, a - 1, c, z,
                   gsl_strerror(st), r + x, b + x, c, z, gsl_strerror(st2));
}

/* N(x, T, t) = (a + b + x - 1) / (a - 1) (1 - G): the expected purchases in
   (T, T + t] of a customer alive at T (the unconditional expectation with
   r + x, alpha + T, a, b + x). At a = 1 the factor is 0 / 0; within 1e-5
   of 1 it is interpolated linearly between a = 1 -+ 1e-5, where the
   relative error of 1 - G is still about 1e-11 (N is analytic in a, so
   the interpolation is off by O(1e-10)). */
static int bg_n_at(const struct clv_bg *p, double a, double x, double T, double t, double *out,
                   struct cx_err *e)
{
    double g = 0;
    if (t == 0) {
        *out = 0;
        return CX_OK;
    }
    if (bg_g(p->r, p->alpha, a, p->b, x, T, t, &g, e) != CX_OK)
        return CX_EINTERNAL;
    *out = (a + p->b + x - 1) / (a - 1) * (1 - g);
    return CX_OK;
}

static int bg_n(const struct clv_bg *p, double x, double T, double t, double *out,
                struct cx_err *e)
{
    const double da = 1e-5;
    if (fabs(p->a - 1) < da) {
        double n1, n2;
        if (bg_n_at(p, 1 - da, x, T, t, &n1, e) != CX_OK ||
            bg_n_at(p, 1 + da, x, T, t, &n2, e) != CX_OK)
            return CX_EINTERNAL;
        *out = n1 + (p->a - (1 - da)) / (2 * da) * (n2 - n1);
        return CX_OK;
    }
    return bg_n_at(p, p->a, x, T, t, out, e);
}

double clv_bg_p_alive(const struct clv_bg *par, uint32_t x, double tx, double T)
{
    if (x == 0)
        return 1;   /* dropout happens only right after a repeat purchase */
    double xd = x;
    /* 1 / (1 + e^L), L = log(a / (b + x - 1)) + (r + x) log((alpha + T) / (alpha + t_x)),
       written so that neither exp overflows. */
    double L = log(par->a / (par->b + xd - 1)) +
               (par->r + xd) * log((par->alpha + T) / (par->alpha + tx));
    if (L > 0) {
        double el = exp(-L);
        return el / (1 + el);
    }
    return 1 / (1 + exp(L));
}

int clv_bg_expected(const struct clv_bg *par, uint32_t x, double tx, double T, double t,
                    double *out, struct cx_err *e)
{
    if (bad_params_bg(par))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: parameters r = %g, alpha = %g, a = %g, b = %g "
                       "must be positive and finite", par->r, par->alpha, par->a, par->b);
    if (check_cust(NOCUST, x, tx, T, e) != CX_OK)
        return CX_EUSAGE;
    if (!(t >= 0) || !isfinite(t))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: the prediction period t = %g is not >= 0", t);
    double n;
    if (bg_n(par, x, T, t, &n, e) != CX_OK)
        return CX_EINTERNAL;
    *out = clv_bg_p_alive(par, x, tx, T) * n;
    return CX_OK;
}

int clv_bg_expected_new(const struct clv_bg *par, double t, double *out, struct cx_err *e)
{
    return clv_bg_expected(par, 0, 0, 0, t, out, e);
}

int clv_bg_pmf(const struct clv_bg *par, double t, uint32_t x, double *out, struct cx_err *e)
{
    if (bad_params_bg(par))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: parameters r = %g, alpha = %g, a = %g, b = %g "
                       "must be positive and finite", par->r, par->alpha, par->a, par->b);
    if (!(t >= 0) || !isfinite(t))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: the period t = %g is not >= 0", t);
    if (t == 0) {
        *out = x == 0;
        return CX_OK;
    }
    const double r = par->r, al = par->alpha, a = par->a, b = par->b, xd = x;
    double pn = al / (al + t);   /* the negative binomial's p: X(t) of an immortal customer */
    double lb = gsl_sf_lnbeta(a, b);
    double alive = exp(gsl_sf_lnbeta(a, b + xd) - lb + gsl_sf_lngamma(r + xd) - gsl_sf_lngamma(r) -
                       gsl_sf_lngamma(xd + 1) + r * log(pn) + xd * log(t / (al + t)));
    double dead = 0;
    if (x > 0) {
        double q = gsl_cdf_negative_binomial_Q(x - 1, pn, r);   /* P(K >= x) */
        if (!isfinite(q))
            return cx_fail(e, CX_EINTERNAL, "BG/NBD: GSL cannot evaluate the negative binomial "
                           "tail P(K >= %u; p = %g, n = %g)", x, pn, r);
        dead = exp(gsl_sf_lnbeta(a + 1, b + xd - 1) - lb) * q;
    }
    *out = alive + dead;
    if (!isfinite(*out))
        return cx_fail(e, CX_EINTERNAL, "BG/NBD: P(X(%g) = %u) is not finite", t, x);
    return CX_OK;
}

/* ---- Gamma-Gamma ---- */

struct clv_gg_data {
    size_t n;          /* customers kept: x > 0, m > 0 */
    size_t n_zero;     /* left out: x = 0 */
    size_t n_nonpos;   /* left out: x > 0, m <= 0 */
    size_t nx;         /* distinct x */
    size_t nchunk;     /* chunks of CLV_CHUNK customers */
    double *xd;        /* n: x */
    double *xm;        /* n: x m, the customer's total repeat net */
    double *xv;        /* nx: x values */
    double *xn;        /* nx: customers with that x */
    double s_logm;     /* sum of log m */
    double s_xlog;     /* sum of x log m + x log x */
    double s_m;        /* sum of m: the starting point */
    double *part;      /* nchunk x 6: per-chunk partial sums */
};

void clv_gg_data_free(struct clv_gg_data *d)
{
    if (!d)
        return;
    free(d->xd);
    free(d->xm);
    free(d->xv);
    free(d->xn);
    free(d->part);
    free(d);
}

size_t clv_gg_data_n(const struct clv_gg_data *d)
{
    return d->n;
}

size_t clv_gg_data_zero(const struct clv_gg_data *d)
{
    return d->n_zero;
}

size_t clv_gg_data_nonpos(const struct clv_gg_data *d)
{
    return d->n_nonpos;
}

int clv_gg_data_create(const uint32_t *x, const double *m, const uint32_t *idx, size_t n,
                       struct clv_gg_data **out, struct cx_err *e)
{
    *out = NULL;
    if (n == 0)
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: no customer");
    if (n > MAXN)
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: %zu customers, at most %zu", n, MAXN);
    int rc = CX_OK;
    struct idset sx = { 0 };
    uint32_t *kx = NULL;
    struct clv_gg_data *d = calloc(1, sizeof *d);
    if (!d || !(d->xd = malloc(n * sizeof *d->xd)) || !(d->xm = malloc(n * sizeof *d->xm)) ||
        !(kx = malloc(n * sizeof *kx))) {
        rc = cx_nomem(e, "Gamma-Gamma customers");
        goto done;
    }
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        size_t c = idx ? idx[j] : j;
        if (x[c] == 0) {
            d->n_zero++;
            continue;
        }
        if (!isfinite(m[c])) {
            rc = cx_fail(e, CX_EUSAGE, "customer %zu: m is not finite", c);
            goto done;
        }
        if (!(m[c] > 0)) {
            d->n_nonpos++;
            continue;
        }
        double xc = x[c], lm = log(m[c]);
        d->xd[k] = xc;
        d->xm[k] = xc * m[c];
        if (idset_put(&sx, x[c], &kx[k]) != 0) {
            rc = cx_nomem(e, "Gamma-Gamma customers");
            goto done;
        }
        d->s_logm += lm;
        d->s_xlog += xc * (lm + log(xc));
        d->s_m += m[c];
        k++;
    }
    d->n = k;
    if (k == 0) {
        rc = cx_fail(e, CX_EUSAGE, "Gamma-Gamma: no customer with a repeat purchase and a "
                     "positive mean value (%zu with x = 0, %zu with m <= 0)", d->n_zero,
                     d->n_nonpos);
        goto done;
    }
    d->nx = sx.n;
    d->nchunk = (k + CLV_CHUNK - 1) / CLV_CHUNK;
    d->xv = malloc(d->nx * sizeof *d->xv);
    d->xn = calloc(d->nx, sizeof *d->xn);
    d->part = malloc(d->nchunk * 6 * sizeof *d->part);
    if (!d->xv || !d->xn || !d->part) {
        rc = cx_nomem(e, "Gamma-Gamma workspace");
        goto done;
    }
    for (size_t i = 0; i < d->nx; i++)
        d->xv[i] = (double)sx.key[i];
    for (size_t i = 0; i < k; i++)
        d->xn[kx[i]] += 1;
done:
    idset_free(&sx);
    free(kx);
    if (rc != CX_OK) {
        clv_gg_data_free(d);
        return rc;
    }
    *out = d;
    return CX_OK;
}

/* LL at par (valid), its gradient g and, when h is not NULL, its Hessian h
   (3 x 3) w.r.t. (log p, log q, log v). */
static void gg_eval(struct clv_gg_data *d, const struct clv_gg *par, double *ll, double *g,
                    double *h)
{
    const double p = par->p, q = par->q, v = par->v, n = (double)d->n;
    const size_t nn = d->n, ns = h ? 6 : 4;
    /* Per customer only -(p x + q) log(u), u = x m + v, does not separate:
       sums of log u, x log u, 1/u, x/u and, for the Hessian, 1/u^2, x/u^2. */
    #pragma omp parallel for schedule(dynamic, 1) if (d->nchunk > 1)
    for (size_t c = 0; c < d->nchunk; c++) {
        size_t lo = c * CLV_CHUNK, hi = lo + CLV_CHUNK < nn ? lo + CLV_CHUNK : nn;
        double sl = 0, sxl = 0, si = 0, sxi = 0, si2 = 0, sxi2 = 0;
        for (size_t i = lo; i < hi; i++) {
            double u = d->xm[i] + v, l = log(u), iu = 1 / u, xi = d->xd[i];
            sl += l;
            sxl += xi * l;
            si += iu;
            sxi += xi * iu;
            if (h) {
                si2 += iu * iu;
                sxi2 += xi * iu * iu;
            }
        }
        double *s = d->part + 6 * c;
        s[0] = sl;
        s[1] = sxl;
        s[2] = si;
        s[3] = sxi;
        s[4] = si2;
        s[5] = sxi2;
    }
    double S[6] = { 0, 0, 0, 0, 0, 0 };
    for (size_t c = 0; c < d->nchunk; c++)
        for (size_t i = 0; i < ns; i++)
            S[i] += d->part[6 * c + i];
    const double lgq = gsl_sf_lngamma(q), pq = gsl_sf_psi(q), tq = h ? gsl_sf_psi_1(q) : 0;
    double cst = 0, gp = 0, gq = 0, hpp = 0, hpq = 0, hqq = 0;
    for (size_t k = 0; k < d->nx; k++) {
        double xk = d->xv[k], px = p * xk, nk = d->xn[k];
        double dpsi = gsl_sf_psi(px + q);
        cst += nk * (gsl_sf_lngamma(px + q) - gsl_sf_lngamma(px) - lgq);
        gp += nk * xk * (dpsi - gsl_sf_psi(px));
        gq += nk * (dpsi - pq);
        if (h) {
            double t = gsl_sf_psi_1(px + q);
            hpp += nk * xk * xk * (t - gsl_sf_psi_1(px));
            hpq += nk * xk * t;
            hqq += nk * (t - tq);
        }
    }
    double lv = log(v);
    *ll = cst + n * q * lv + p * d->s_xlog - d->s_logm - (p * S[1] + q * S[0]);
    g[0] = gp + d->s_xlog - S[1];
    g[1] = gq + n * lv - S[0];
    g[2] = n * q / v - (p * S[3] + q * S[2]);
    if (h) {
        double H[9] = {
            hpp, hpq, -S[3],
            hpq, hqq, n / v - S[2],
            -S[3], n / v - S[2], -n * q / (v * v) + p * S[5] + q * S[4],
        };
        memcpy(h, H, sizeof H);
    }
    const double pv[3] = { p, q, v };
    to_log(3, pv, g, h);
}

int clv_gg_loglik(struct clv_gg_data *d, const struct clv_gg *par, double *ll, double grad[3],
                  double hess[9], struct cx_err *e)
{
    if (bad_params_gg(par))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: parameters p = %g, q = %g, v = %g must be "
                       "positive and finite", par->p, par->q, par->v);
    double g[3], h[9];
    gg_eval(d, par, ll, g, hess ? h : NULL);
    int ok = isfinite(*ll);
    for (int i = 0; i < 3; i++)
        ok = ok && isfinite(g[i]);
    for (int i = 0; i < 9 && hess; i++)
        ok = ok && isfinite(h[i]);
    if (!ok)
        return cx_fail(e, CX_EINTERNAL, "Gamma-Gamma: the log-likelihood is not finite at p = "
                       "%g, q = %g, v = %g", par->p, par->q, par->v);
    if (grad)
        memcpy(grad, g, sizeof g);
    if (hess)
        memcpy(hess, h, sizeof h);
    return CX_OK;
}

static int gg_obj(void *ctx, const double *th, double *f, double *g, double *H)
{
    struct clv_gg_data *d = ctx;
    if (!th_ok(th, 3))
        return -1;
    struct clv_gg p = { exp(th[0]), exp(th[1]), exp(th[2]) };
    double ll, gr[3], hr[9];
    gg_eval(d, &p, &ll, gr, H ? hr : NULL);
    return to_mean(3, (double)d->n, ll, gr, hr, f, g, H);
}

int clv_gg_fit(struct clv_gg_data *d, const struct clv_gg *start, const struct clv_fit_opts *o,
               struct clv_gg_fit *f, struct cx_err *e)
{
    struct clv_fit_opts def;
    if (!o) {
        clv_fit_defaults(&def);
        o = &def;
    }
    memset(f, 0, sizeof *f);
    f->n = d->n;
    f->n_zero = d->n_zero;
    f->n_nonpos = d->n_nonpos;
    if (check_opts(o, e) != CX_OK)
        return CX_EUSAGE;
    /* p = 1, q = 2: the population mean spend p v / (q - 1) is then v,
       started at the customers' mean m. */
    if (start && bad_params_gg(start))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: starting point p = %g, q = %g, v = %g must be "
                       "positive and finite", start->p, start->q, start->v);
    double th0[3] = { 0, log(2.0), log(d->s_m / (double)d->n) };
    if (start) {
        th0[0] = log(start->p);
        th0[1] = log(start->q);
        th0[2] = log(start->v);
    }
    struct obj ob = { gg_obj, d, 3, { 0 }, 0, { 0 }, 0, 0 };
    struct opt_out res;
    int rc = optimise(&ob, th0, o, "Gamma-Gamma fit", &res, e);
    f->par = (struct clv_gg){ exp(res.th[0]), exp(res.th[1]), exp(res.th[2]) };
    f->grad_norm = res.gnorm;
    f->iterations = res.iter;
    f->newton = res.newton;
    double g[3];
    gg_eval(d, &f->par, &f->ll, g, NULL);
    if (rc == CX_OK && res.have_h)
        f->se_ok = hessian_cov(3, res.H, (double)d->n, &f->cov_log[0][0]);
    else
        for (int i = 0; i < 9; i++)
            (&f->cov_log[0][0])[i] = NAN;
    f->evals = ob.evals;
    const double *pv = &f->par.p;
    double *sv = &f->se.p;
    for (int i = 0; i < 3; i++)
        sv[i] = f->se_ok ? pv[i] * sqrt(f->cov_log[i][i]) : NAN;
    return rc;
}

/* E[M | x, m] without validation of par (valid) and with p x + q > 1. */
static double gg_value(const struct clv_gg *par, uint32_t x, double m)
{
    double xd = x, mm = x > 0 && m > 0 ? m : 0;
    return par->p * (par->v + xd * mm) / (par->p * xd + par->q - 1);
}

int clv_gg_expected_value(const struct clv_gg *par, uint32_t x, double m, double *out,
                          struct cx_err *e)
{
    if (bad_params_gg(par))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: parameters p = %g, q = %g, v = %g must be "
                       "positive and finite", par->p, par->q, par->v);
    if (x > 0 && !isfinite(m))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: m is not finite");
    if (!(par->p * x + par->q > 1))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: p x + q = %g <= 1 (x = %u): the expected "
                       "order value is infinite", par->p * x + par->q, x);
    *out = gg_value(par, x, m);
    return CX_OK;
}

/* ---- value over a horizon ---- */

void clv_horizon_defaults(struct clv_horizon *h)
{
    h->length = 365;
    h->rate = 0.10;
    h->year = 365;
    h->steps = 0;
}

struct clv_pred_ws {
    size_t cap;        /* customers at most */
    size_t mask;       /* slots - 1 */
    uint32_t *slot;    /* table_size(cap): pair id or EMPTY */
    uint32_t *px;      /* cap: x of each distinct (x, T) */
    double *pT;        /* cap: T of each */
    double *pN;        /* cap: N(x, T, H) */
    double *pD;        /* cap: sum over steps of discount x N increment */
    int *pst;          /* cap: status of each pair's computation */
    uint32_t *cp;      /* cap: pair of the j-th customer */
    size_t np;         /* distinct (x, T) of the last clv_predict */
};

size_t clv_pred_ws_pairs(const struct clv_pred_ws *w)
{
    return w->np;
}

struct clv_pred_ws *clv_pred_ws_alloc(size_t n)
{
    if (n > MAXN)
        return NULL;
    size_t cap = n ? n : 1, sz = table_size(cap);
    struct clv_pred_ws *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cap = n;
    w->mask = sz - 1;
    w->slot = malloc(sz * sizeof *w->slot);
    w->px = malloc(cap * sizeof *w->px);
    w->pT = malloc(cap * sizeof *w->pT);
    w->pN = malloc(cap * sizeof *w->pN);
    w->pD = malloc(cap * sizeof *w->pD);
    w->pst = malloc(cap * sizeof *w->pst);
    w->cp = malloc(cap * sizeof *w->cp);
    if (!w->slot || !w->px || !w->pT || !w->pN || !w->pD || !w->pst || !w->cp) {
        clv_pred_ws_free(w);
        return NULL;
    }
    return w;
}

void clv_pred_ws_free(struct clv_pred_ws *w)
{
    if (!w)
        return;
    free(w->slot);
    free(w->px);
    free(w->pT);
    free(w->pN);
    free(w->pD);
    free(w->pst);
    free(w->cp);
    free(w);
}

/* N at the end of the horizon and the discounted sum of its step
   increments for one (x, T): K evaluations of 2F1. */
static int pred_pair(const struct clv_bg *bg, double x, double T, double H, unsigned K,
                     double lrate, double year, double *nh, double *dsum, struct cx_err *e)
{
    double prev = 0, s = 0, nk = 0;
    for (unsigned k = 1; k <= K; k++) {
        double t = k == K ? H : H * k / K;
        if (bg_n(bg, x, T, t, &nk, e) != CX_OK)
            return CX_EINTERNAL;
        /* (1 + d)^(-t_mid / year), t_mid the step's middle: exactly 1 when d = 0. */
        double disc = exp(-lrate * ((k - 0.5) * H / K) / year);
        s += disc * (nk - prev);
        prev = nk;
    }
    *nh = nk;
    *dsum = s;
    return CX_OK;
}

int clv_predict(const struct clv_bg *bg, const struct clv_gg *gg, const struct clv_horizon *h,
                const uint32_t *x, const double *tx, const double *T, const double *m,
                const uint32_t *idx, size_t n, struct clv_pred_ws *w, double *p_alive,
                double *purchases, double *value, double *clv, struct cx_err *e)
{
    if (n > w->cap)
        return cx_fail(e, CX_EUSAGE, "CLV prediction: %zu customers, workspace for %zu", n,
                       w->cap);
    if (bad_params_bg(bg))
        return cx_fail(e, CX_EUSAGE, "BG/NBD: parameters r = %g, alpha = %g, a = %g, b = %g "
                       "must be positive and finite", bg->r, bg->alpha, bg->a, bg->b);
    if (gg && bad_params_gg(gg))
        return cx_fail(e, CX_EUSAGE, "Gamma-Gamma: parameters p = %g, q = %g, v = %g must be "
                       "positive and finite", gg->p, gg->q, gg->v);
    if (!gg && (value || clv))
        return cx_fail(e, CX_EUSAGE, "CLV prediction: order value and CLV need Gamma-Gamma "
                       "parameters");
    if (gg && !m)
        return cx_fail(e, CX_EUSAGE, "CLV prediction: Gamma-Gamma parameters without m");
    if (!(h->length >= 0) || !isfinite(h->length) || !(h->rate >= 0) || !isfinite(h->rate) ||
        !(h->year > 0) || !isfinite(h->year))
        return cx_fail(e, CX_EUSAGE, "CLV prediction: bad horizon (length %g, rate %g, year %g)",
                       h->length, h->rate, h->year);
    double ks = h->steps ? h->steps : floor(12 * h->length / h->year + 0.5);
    if (ks < 1)
        ks = 1;
    if (ks > 100000)
        return cx_fail(e, CX_EUSAGE, "CLV prediction: %.0f steps, at most 100000", ks);
    const unsigned K = (unsigned)ks;
    const double lrate = log1p(h->rate), H = h->length;

    /* Validate and intern (x, T) serially: pair ids in order of first
       appearance, the first bad customer reported. */
    memset(w->slot, 0xff, (w->mask + 1) * sizeof *w->slot);
    size_t np = 0;
    for (size_t j = 0; j < n; j++) {
        size_t c = idx ? idx[j] : j;
        if (check_cust(c, x[c], tx[c], T[c], e) != CX_OK)
            return CX_EUSAGE;
        if (gg) {
            if (x[c] > 0 && !isfinite(m[c]))
                return cx_fail(e, CX_EUSAGE, "customer %zu: m is not finite", c);
            if (!(gg->p * x[c] + gg->q > 1))
                return cx_fail(e, CX_EUSAGE, "customer %zu: Gamma-Gamma p x + q = %g <= 1: "
                               "the expected order value is infinite", c,
                               gg->p * x[c] + gg->q);
        }
        uint64_t bT = dbits(T[c]);
        size_t s = (size_t)mix64(mix64(x[c] ^ 0x9e3779b97f4a7c15u) ^ bT) & w->mask;
        for (;;) {
            uint32_t id = w->slot[s];
            if (id == EMPTY) {
                w->slot[s] = (uint32_t)np;
                w->px[np] = x[c];
                w->pT[np] = T[c] + 0.0;
                w->cp[j] = (uint32_t)np++;
                break;
            }
            if (w->px[id] == x[c] && dbits(w->pT[id]) == bT) {
                w->cp[j] = id;
                break;
            }
            s = (s + 1) & w->mask;
        }
    }

    w->np = np;
    int fail = 0;
    #pragma omp parallel for schedule(dynamic, 64) reduction(| : fail)
    for (size_t i = 0; i < np; i++) {
        w->pst[i] = pred_pair(bg, w->px[i], w->pT[i], H, K, lrate, h->year, &w->pN[i], &w->pD[i],
                              NULL);
        fail |= w->pst[i] != CX_OK;
    }
    if (fail) {
        /* The first failing pair again, serially, for its message. */
        for (size_t i = 0; i < np; i++)
            if (w->pst[i] != CX_OK)
                return pred_pair(bg, w->px[i], w->pT[i], H, K, lrate, h->year, &w->pN[i],
                                 &w->pD[i], e);
    }

    #pragma omp parallel for schedule(dynamic, 8192)
    for (size_t j = 0; j < n; j++) {
        size_t c = idx ? idx[j] : j;
        uint32_t i = w->cp[j];
        double pa = clv_bg_p_alive(bg, x[c], tx[c], T[c]);
        if (p_alive)
            p_alive[c] = pa;
        if (purchases)
            purchases[c] = pa * w->pN[i];
        if (gg && (value || clv)) {
            double ev = gg_value(gg, x[c], m[c]);
            if (value)
                value[c] = ev;
            if (clv)
                clv[c] = pa * w->pD[i] * ev;
        }
    }
    return CX_OK;
}
