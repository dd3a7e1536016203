/*
 * kmeans — see kmeans.h.
 *
 * Parallel sums run through reduce_chunks(): chunk b (points b x
 * KMEANS_CHUNK onwards) returns its partial and writes any vector partials
 * into its own slot of the workspace; partials are added in chunk order
 * afterwards. Reductions that have no workspace (kmeans_assign, the
 * scores) keep their scalar partials on the stack, ROUND chunks at a time,
 * which adds them in the same order. A single chunk runs without starting
 * a thread team, which would cost more than the work.
 *
 * Distances to all k centres of a point come from dist_all(): centres are
 * stored transposed in blocks of 8 (ct[block][feature][8]) and summed in 8
 * named accumulators, which the compiler turns into vector operations over
 * centres (twice as fast as a loop it leaves in memory), while each
 * centre's sum still adds its features in order — the same value as
 * dist2() bit for bit, since each lane does the same IEEE operations in the
 * same order (the build is ISO C, so no fused multiply-add contraction).
 *
 * Hamerly's bounds are kept in Euclidean distance and rounded outward: a
 * value built from a computed squared distance D2 is sqrt(D2) x (1 +- 2
 * rel) with rel = (d + 4) x DBL_EPSILON, which covers the rounding of D2
 * (at most about (d + 3) x DBL_EPSILON / 2 relative, as all its terms are
 * non-negative) and of the square root; bound updates are scaled by
 * 1 +- 4 DBL_EPSILON after each addition. A point keeps its label when
 * upper x (1 + 2 rel) < max(lower, half distance to the nearest other
 * centre): then its computed D2 to its centre is strictly below the
 * computed D2 to any other, which is what Lloyd's argmin would see.
 *
 * With d ~ 9 and k ~ 8 a Lloyd step costs little more than reading the
 * points, so Hamerly's steps pay only when most points pass their test:
 * kmeans_run makes Lloyd steps while many labels change and switches to
 * Hamerly's in the tail (kmeans_ws_set_hamerly). A Hamerly step tests all
 * points of a chunk without branches first, then reads the chunk's points
 * in order only if one failed; a chunk where none failed keeps its sums.
 */
#include "engine/kmeans.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK KMEANS_CHUNK
_Static_assert(KMEANS_CHUNK <= 65536, "ham_chunk lists points of a chunk in 16 bits");
#define ROUND 1024          /* chunks per round of a reduction held on the stack */
#define BLK 8               /* centres per block of the distance kernel */
#define CT_STACK 4096       /* doubles of transposed centres kmeans_assign keeps on its stack */
#define SIL_CHUNK 16        /* sampled points per chunk of the silhouette's sum */
/* Defaults of kmeans_ws_set_hamerly (measured on 2 cores, 600k x 9). */
#define HAM_CHANGE_MAX 0.04
#define HAM_PASS_MIN 0.6
#define UP (1 + 4 * DBL_EPSILON)   /* outward rounding of an upper bound after an addition */
#define DN (1 - 4 * DBL_EPSILON)   /* of a lower bound */

struct kmeans_ws {
    size_t n;           /* points at most */
    size_t d;           /* features at most */
    int kmax;           /* clusters at most */
    size_t nchunks;     /* chunks of CHUNK points in n */
    uint32_t *lab;      /* labels of the restart in progress, n */
    double *bnd;        /* Hamerly: per point, an upper bound on its distance to its centre
                           and a lower bound on its distance to every other, 2n;
                           k-means++: the first n hold each point's D^2 weight */
    uint32_t *pass;     /* per chunk: points whose bounds kept their label (Hamerly step),
                           or labels changed (Lloyd step), nchunks */
    double *psum;       /* per-chunk sums of each cluster's points, nchunks x kmax x d */
    uint32_t *pcnt;     /* per-chunk point counts of each cluster, nchunks x kmax */
    double *pval;       /* per-chunk scalar: D^2 total, or farthest squared distance */
    size_t *pidx;       /* per-chunk index of the farthest point */
    double *ct;         /* centres transposed for dist_all, blocks(kmax) x d x BLK */
    double *sum;        /* cluster sums of one step, kmax x d */
    size_t *cnt;        /* cluster sizes of one step, kmax */
    size_t *moved;      /* points handed to empty clusters in one step, kmax */
    double *ca, *cb;    /* centroids before and after a step of kmeans_run, kmax x d */
    double *best;       /* kmeans_run_par: centroids of this thread's best restart, kmax x d */
    double *half;       /* Hamerly: lower bound on half the distance from each centre to
                           the nearest other, kmax */
    double *drift;      /* Hamerly: upper bound on how far each centre moved in the last
                           step, kmax */
    gsl_rng *rng;       /* mt19937, reseeded for each restart of kmeans_run */
    uint64_t ndist;     /* distances computed by the last kmeans_run */
    double change_max;  /* Lloyd steps until fewer labels than this share change */
    double pass_min;    /* bounded steps while at least this share of points pass */
};

static size_t nchunks_of(size_t n)
{
    return (n + CHUNK - 1) / CHUNK;
}

static size_t nblocks(int k)
{
    return ((size_t)k + BLK - 1) / BLK;
}

/* The squared distance of two d-vectors: the one definition every routine
   matches. */
static inline double dist2(const double *a, const double *b, size_t d)
{
    double s = 0;
    for (size_t j = 0; j < d; j++) {
        double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

/* Relative slack of Hamerly's bounds for d features (see the top). */
static double rel_slack(size_t d)
{
    return ((double)d + 4) * DBL_EPSILON;
}

/* Writes the k centres of cent transposed into ct, blocks of BLK centres,
   padding with zeros. */
static void transpose(const double *cent, int k, size_t d, double *ct)
{
    size_t nb = nblocks(k);
    for (size_t b = 0; b < nb; b++)
        for (size_t j = 0; j < d; j++)
            for (size_t l = 0; l < BLK; l++) {
                size_t c = b * BLK + l;
                ct[(b * d + j) * BLK + l] = c < (size_t)k ? cent[c * d + j] : 0;
            }
}

/* Squared distances from xi to the k centres into out[0..k) (and padding
   beyond): from ct when given, else from cent row by row. */
static inline void dist_all(const double *xi, size_t d, int k, const double *ct,
                            const double *cent, double *out)
{
    if (ct == NULL) {
        for (int c = 0; c < k; c++)
            out[c] = dist2(xi, cent + (size_t)c * d, d);
        return;
    }
    size_t nb = nblocks(k);
    for (size_t b = 0; b < nb; b++) {
        const double *cb = ct + b * d * BLK;
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (size_t j = 0; j < d; j++, cb += BLK) {
            double xj = xi[j];
            double t0 = xj - cb[0], t1 = xj - cb[1], t2 = xj - cb[2], t3 = xj - cb[3];
            double t4 = xj - cb[4], t5 = xj - cb[5], t6 = xj - cb[6], t7 = xj - cb[7];
            a0 += t0 * t0;
            a1 += t1 * t1;
            a2 += t2 * t2;
            a3 += t3 * t3;
            a4 += t4 * t4;
            a5 += t5 * t5;
            a6 += t6 * t6;
            a7 += t7 * t7;
        }
        double *o = out + b * BLK;
        o[0] = a0;
        o[1] = a1;
        o[2] = a2;
        o[3] = a3;
        o[4] = a4;
        o[5] = a5;
        o[6] = a6;
        o[7] = a7;
    }
}

/* The nearest of k squared distances (lowest index on ties) into *b1, and
   the smallest of the others into *b2 (INFINITY when k = 1). Squared
   distances are never negative, and non-negative doubles order as their
   bit patterns do, so the comparisons run on integers, which compilers
   turn into conditional moves: which centre wins is unpredictable, and
   mispredicted branches cost more than the distances. */
static inline int nearest2(const double *out, int k, double *b1, double *b2)
{
    uint64_t m1, m2, inf;
    double dinf = INFINITY;
    memcpy(&m1, out, sizeof m1);
    memcpy(&inf, &dinf, sizeof inf);
    m2 = inf;
    int a = 0;
    for (int c = 1; c < k; c++) {
        uint64_t v;
        memcpy(&v, out + c, sizeof v);
        int lt = v < m1;
        uint64_t hi = lt ? m1 : v;
        m2 = hi < m2 ? hi : m2;
        a = lt ? c : a;
        m1 = lt ? v : m1;
    }
    memcpy(b1, &m1, sizeof m1);
    memcpy(b2, &m2, sizeof m2);
    return a;
}

/* The chunked reduction: fn(b, ctx) for every chunk b in parallel, results
   added in chunk order. */
typedef double chunk_fn(size_t b, const void *ctx);

static double reduce_chunks(size_t nchunks, chunk_fn *fn, const void *ctx)
{
    double total = 0;
    /* One chunk, or already inside a parallel region (restarts run side by
       side): the chunks in order on this thread, with no team to start. */
    if (nchunks <= 1 || omp_in_parallel()) {
        for (size_t b = 0; b < nchunks; b++)
            total += fn(b, ctx);
        return total;
    }
    double part[ROUND];
    for (size_t r0 = 0; r0 < nchunks; r0 += ROUND) {
        size_t r1 = nchunks - r0 < ROUND ? nchunks : r0 + ROUND;
        #pragma omp parallel for schedule(static) if (r1 - r0 > 1)
        for (size_t b = r0; b < r1; b++)
            part[b - r0] = fn(b, ctx);
        for (size_t b = r0; b < r1; b++)
            total += part[b - r0];
    }
    return total;
}

struct kmeans_ws *kmeans_ws_alloc(size_t n, size_t d, int kmax)
{
    if (n == 0 || d == 0 || kmax < 1 || kmax > KMEANS_KMAX || n >= UINT32_MAX
        || d > SIZE_MAX / 8 / KMEANS_KMAX / ((n + CHUNK - 1) / CHUNK))
        return NULL;
    struct kmeans_ws *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    size_t k = (size_t)kmax, nc = nchunks_of(n);
    w->n = n;
    w->d = d;
    w->kmax = kmax;
    w->nchunks = nc;
    w->change_max = HAM_CHANGE_MAX;
    w->pass_min = HAM_PASS_MIN;
    w->lab = malloc(n * sizeof *w->lab);
    w->bnd = malloc(2 * n * sizeof *w->bnd);
    w->pass = malloc(nc * sizeof *w->pass);
    w->psum = malloc(nc * k * d * sizeof *w->psum);
    w->pcnt = malloc(nc * k * sizeof *w->pcnt);
    w->pval = malloc(nc * sizeof *w->pval);
    w->pidx = malloc(nc * sizeof *w->pidx);
    w->ct = malloc(nblocks(kmax) * BLK * d * sizeof *w->ct);
    w->sum = malloc(k * d * sizeof *w->sum);
    w->cnt = malloc(k * sizeof *w->cnt);
    w->moved = malloc(k * sizeof *w->moved);
    w->ca = malloc(k * d * sizeof *w->ca);
    w->cb = malloc(k * d * sizeof *w->cb);
    w->best = malloc(k * d * sizeof *w->best);
    w->half = malloc(k * sizeof *w->half);
    w->drift = malloc(k * sizeof *w->drift);
    w->rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!w->lab || !w->bnd || !w->pass || !w->psum || !w->pcnt || !w->pval || !w->pidx || !w->ct
        || !w->sum || !w->cnt || !w->moved || !w->ca || !w->cb || !w->best || !w->half || !w->drift
        || !w->rng) {
        kmeans_ws_free(w);
        return NULL;
    }
    return w;
}

void kmeans_ws_free(struct kmeans_ws *w)
{
    if (w == NULL)
        return;
    free(w->lab);
    free(w->bnd);
    free(w->pass);
    free(w->psum);
    free(w->pcnt);
    free(w->pval);
    free(w->pidx);
    free(w->ct);
    free(w->sum);
    free(w->cnt);
    free(w->moved);
    free(w->ca);
    free(w->cb);
    free(w->best);
    free(w->half);
    free(w->drift);
    if (w->rng)
        gsl_rng_free(w->rng);
    free(w);
}

uint64_t kmeans_ws_ndist(const struct kmeans_ws *w)
{
    return w->ndist;
}

void kmeans_ws_set_hamerly(struct kmeans_ws *w, double change_max, double pass_min)
{
    w->change_max = change_max;
    w->pass_min = pass_min;
}

void kmeans_defaults(struct kmeans_params *p)
{
    p->k = 8;
    p->n_init = 10;
    p->max_iter = 300;
    p->tol = 1e-4;
    p->seed = 1;
}

unsigned long kmeans_restart_seed(uint64_t seed, int restart)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * ((uint64_t)(unsigned)restart + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z >> 32);
}

/* ---- k-means++ ---- */

struct pp_ctx {
    const double *x;    /* points */
    size_t n, d;        /* their count and features */
    const double *c;    /* the centre just chosen */
    double *w2;         /* D^2 weights, updated */
    double *tot;        /* per-chunk totals of the weights */
    int first;          /* 1: set the weights to the distances to c */
};

static double pp_chunk(size_t b, const void *arg)
{
    const struct pp_ctx *p = arg;
    size_t lo = b * CHUNK, hi = lo + CHUNK < p->n ? lo + CHUNK : p->n;
    double t = 0;
    for (size_t i = lo; i < hi; i++) {
        double v = dist2(p->x + i * p->d, p->c, p->d);
        if (p->first || v < p->w2[i])
            p->w2[i] = v;
        t += p->w2[i];
    }
    p->tot[b] = t;
    return 0;
}

int kmeans_init_pp(const double *x, size_t n, size_t d, int k, gsl_rng *r, double *cent,
                   struct kmeans_ws *w, struct cx_err *e)
{
    if (w == NULL || n > w->n || d > w->d || d == 0 || k > w->kmax)
        return cx_fail(e, CX_EINTERNAL, "k-means++: %zu points, %zu features or k = %d "
                       "beyond the workspace", n, d, k);
    if (k < 1 || (size_t)k > n)
        return cx_fail(e, CX_EUSAGE, "k-means++: k = %d with %zu points (need 1 <= k <= n)",
                       k, n);
    size_t nc = nchunks_of(n);
    size_t i0 = (size_t)gsl_rng_uniform_int(r, (unsigned long)n);
    memcpy(cent, x + i0 * d, d * sizeof *cent);
    double *wt = w->bnd;
    struct pp_ctx p = { x, n, d, cent, wt, w->pval, 1 };
    for (int c = 1; c < k; c++) {
        p.c = cent + (size_t)(c - 1) * d;
        reduce_chunks(nc, pp_chunk, &p);
        p.first = 0;
        double total = 0;
        for (size_t b = 0; b < nc; b++)
            total += w->pval[b];
        size_t pick = SIZE_MAX;
        if (total > 0) {
            double t = gsl_rng_uniform(r) * total, cum = 0;
            for (size_t b = 0; b < nc && pick == SIZE_MAX; b++) {
                if (cum + w->pval[b] > t) {
                    /* This chunk holds the draw (and a positive weight). */
                    size_t lo = b * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;
                    double rem = t - cum, acc = 0;
                    for (size_t i = lo; i < hi && pick == SIZE_MAX; i++) {
                        acc += wt[i];
                        if (acc > rem)
                            pick = i;
                    }
                    for (size_t i = hi; i-- > lo && pick == SIZE_MAX;)
                        if (wt[i] > 0)
                            pick = i;  /* rounding walked past the end */
                }
                cum += w->pval[b];
            }
            for (size_t i = n; i-- > 0 && pick == SIZE_MAX;)
                if (wt[i] > 0)
                    pick = i;
        }
        if (pick == SIZE_MAX)
            pick = (size_t)gsl_rng_uniform_int(r, (unsigned long)n);
        memcpy(cent + (size_t)c * d, x + pick * d, d * sizeof *cent);
    }
    return CX_OK;
}

/* ---- Lloyd steps ---- */

struct asg_ctx {
    const double *x;     /* points */
    size_t n, d;         /* their count and features */
    int k;               /* centres */
    const double *cent;  /* centres, k x d */
    const double *ct;    /* the same transposed, or NULL */
    uint32_t *labels;    /* out: nearest centre of each point */
    double *dist2;       /* out: its squared distance, or NULL */
    double *psum;        /* out: per-chunk cluster sums (k x d a chunk), or NULL */
    uint32_t *pcnt;      /* out: per-chunk cluster counts (k a chunk) */
    uint32_t *pchg;      /* out: per-chunk count of labels changed, or NULL (labels
                            must then hold the last step's) */
    double *bnd;         /* out: Hamerly's bounds of each point (2 a point), or NULL */
    double g_up, g_dn;   /* with bnd: 1 + 2 rel, 1 - 2 rel */
};

static double assign_chunk(size_t b, const void *arg)
{
    const struct asg_ctx *a = arg;
    size_t d = a->d, lo = b * CHUNK, hi = lo + CHUNK < a->n ? lo + CHUNK : a->n;
    int k = a->k;
    double *ps = NULL;
    uint32_t *pc = NULL;
    if (a->psum) {
        ps = a->psum + b * (size_t)k * d;
        pc = a->pcnt + b * (size_t)k;
        memset(ps, 0, (size_t)k * d * sizeof *ps);
        memset(pc, 0, (size_t)k * sizeof *pc);
    }
    double out[KMEANS_KMAX], t = 0;
    uint32_t chg = 0;
    for (size_t i = lo; i < hi; i++) {
        const double *xi = a->x + i * d;
        dist_all(xi, d, k, a->ct, a->cent, out);
        double best = out[0], second;
        int c = 0;
        if (a->bnd) {
            c = nearest2(out, k, &best, &second);
            a->bnd[2 * i] = sqrt(best) * a->g_up;
            a->bnd[2 * i + 1] = sqrt(second) * a->g_dn;
        } else {
            /* The same choice; compilers make this loop fast when the
               second smallest is not wanted. */
            for (int cc = 1; cc < k; cc++)
                if (out[cc] < best) {
                    best = out[cc];
                    c = cc;
                }
        }
        if (a->pchg)
            chg += a->labels[i] != (uint32_t)c;
        a->labels[i] = (uint32_t)c;
        if (a->dist2)
            a->dist2[i] = best;
        t += best;
        if (ps) {
            double *s = ps + (size_t)c * d;
            for (size_t j = 0; j < d; j++)
                s[j] += xi[j];
            pc[c]++;
        }
    }
    if (a->pchg)
        a->pchg[b] = chg;
    return t;
}

static int was_moved(const size_t *moved, size_t nm, size_t i)
{
    for (size_t m = 0; m < nm; m++)
        if (moved[m] == i)
            return 1;
    return 0;
}

struct far_ctx {
    const double *x;         /* points */
    size_t n, d;             /* their count and features */
    const double *cent;      /* centres of the step */
    const uint32_t *labels;  /* labels of the step */
    const size_t *cnt;       /* cluster sizes so far */
    const size_t *moved;     /* points already handed to an empty cluster */
    size_t nm;               /* their count */
    double *pval;            /* out: per chunk, the largest squared distance, or -1 */
    size_t *pidx;            /* out: per chunk, its point, or SIZE_MAX */
};

/* The farthest point of chunk b from its centre among those that may be
   handed to an empty cluster (lowest index on ties). Returns 0. */
static double far_chunk(size_t b, const void *arg)
{
    const struct far_ctx *f = arg;
    size_t d = f->d, lo = b * CHUNK, hi = lo + CHUNK < f->n ? lo + CHUNK : f->n, bi = SIZE_MAX;
    double bv = -1;
    for (size_t i = lo; i < hi; i++) {
        uint32_t a = f->labels[i];
        if (f->cnt[a] < 2 || was_moved(f->moved, f->nm, i))
            continue;
        double v = dist2(f->x + i * d, f->cent + (size_t)a * d, d);
        if (v > bv) {
            bv = v;
            bi = i;
        }
    }
    f->pval[b] = bv;
    f->pidx[b] = bi;
    return 0;
}

/* Adds the chunks' cluster sums in chunk order, hands the farthest points
   to empty clusters (see kmeans_iterate) and writes the means to cent_out. */
static void update_centroids(const double *x, size_t n, size_t d, int k, const double *cent,
                             double *cent_out, const uint32_t *labels, struct kmeans_ws *w)
{
    size_t nc = nchunks_of(n), kd = (size_t)k * d, nm = 0;
    double *sum = w->sum;
    size_t *cnt = w->cnt;
    memset(sum, 0, kd * sizeof *sum);
    memset(cnt, 0, (size_t)k * sizeof *cnt);
    for (size_t b = 0; b < nc; b++) {
        const double *ps = w->psum + b * kd;
        const uint32_t *pc = w->pcnt + b * (size_t)k;
        for (size_t j = 0; j < kd; j++)
            sum[j] += ps[j];
        for (int c = 0; c < k; c++)
            cnt[c] += pc[c];
    }
    for (int c = 0; c < k; c++) {
        if (cnt[c] > 0)
            continue;
        struct far_ctx fc = { x, n, d, cent, labels, cnt, w->moved, nm, w->pval, w->pidx };
        reduce_chunks(nc, far_chunk, &fc);
        size_t far = SIZE_MAX;
        double fv = -1;
        for (size_t b = 0; b < nc; b++)
            if (w->pval[b] > fv) {
                fv = w->pval[b];
                far = w->pidx[b];
            }
        if (far == SIZE_MAX)
            continue;  /* n < k: no point to spare */
        const double *xf = x + far * d;
        uint32_t a = labels[far];
        for (size_t j = 0; j < d; j++) {
            sum[a * d + j] -= xf[j];
            sum[(size_t)c * d + j] = xf[j];
        }
        cnt[a]--;
        cnt[c] = 1;
        w->moved[nm++] = far;
    }
    for (int c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++) {
            size_t o = (size_t)c * d + j;
            cent_out[o] = cnt[c] > 0 ? sum[o] / (double)cnt[c] : cent[o];
        }
}

static int ws_fits(const struct kmeans_ws *w, size_t n, size_t d, int k)
{
    return w != NULL && n >= 1 && n <= w->n && d >= 1 && d <= w->d && k >= 1 && k <= w->kmax;
}

double kmeans_iterate(const double *x, size_t n, size_t d, int k, const double *cent,
                      double *cent_out, uint32_t *labels, struct kmeans_ws *w)
{
    if (!ws_fits(w, n, d, k))
        return NAN;
    transpose(cent, k, d, w->ct);
    struct asg_ctx a = { x, n, d, k, cent, w->ct, labels, NULL, w->psum, w->pcnt, NULL, NULL,
                         0, 0 };
    double inertia = reduce_chunks(nchunks_of(n), assign_chunk, &a);
    update_centroids(x, n, d, k, cent, cent_out, labels, w);
    return inertia;
}

double kmeans_assign(const double *x, size_t n, size_t d, const double *cent, int k,
                     uint32_t *labels, double *dist2)
{
    if (k < 1 || k > KMEANS_KMAX)
        return NAN;
    double ct[CT_STACK];
    int fits = nblocks(k) * BLK * d <= CT_STACK;
    if (fits)
        transpose(cent, k, d, ct);
    struct asg_ctx a = { x, n, d, k, cent, fits ? ct : NULL, labels, dist2, NULL, NULL, NULL,
                         NULL, 0, 0 };
    return reduce_chunks(nchunks_of(n), assign_chunk, &a);
}

/* ---- convergence ---- */

/* Means (and population variances, when var is not NULL) of features
   [j0, j1) of x, at most FGROUP of them: each a sequential sum over the
   points in order, all the group's features in one pass over the rows
   (one thread: memory-bound, and no partials to keep). */
#define FGROUP 64
static void feature_stats(const double *x, size_t n, size_t d, size_t j0, size_t j1,
                          double *mean, double *var)
{
    size_t g = j1 - j0;
    for (size_t j = 0; j < g; j++)
        mean[j] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < g; j++)
            mean[j] += x[i * d + j0 + j];
    for (size_t j = 0; j < g; j++)
        mean[j] /= (double)n;
    if (var == NULL)
        return;
    for (size_t j = 0; j < g; j++)
        var[j] = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < g; j++) {
            double t = x[i * d + j0 + j] - mean[j];
            var[j] += t * t;
        }
    for (size_t j = 0; j < g; j++)
        var[j] /= (double)n;
}

/* The mean over features of their population variance. */
static double mean_variance(const double *x, size_t n, size_t d)
{
    if (n == 0 || d == 0)
        return 0;
    double mean[FGROUP], var[FGROUP], tot = 0;
    for (size_t j0 = 0; j0 < d; j0 += FGROUP) {
        size_t j1 = d - j0 < FGROUP ? d : j0 + FGROUP;
        feature_stats(x, n, d, j0, j1, mean, var);
        for (size_t j = j0; j < j1; j++)
            tot += var[j - j0];
    }
    return tot / (double)d;
}

double kmeans_tol_abs(const double *x, size_t n, size_t d, double tol)
{
    return tol * mean_variance(x, n, d);
}

int kmeans_converged(const double *old, const double *cent, size_t d, int k, double tol_abs)
{
    double worst = 0;
    for (int c = 0; c < k; c++) {
        double s = dist2(old + (size_t)c * d, cent + (size_t)c * d, d);
        if (s > worst)
            worst = s;
    }
    return worst <= tol_abs;
}

/* ---- Hamerly ---- */

struct ham_ctx {
    const double *x;     /* points */
    size_t n, d;         /* their count and features */
    int k;               /* centres */
    const double *cent;  /* centres of this step, k x d */
    const double *ct;    /* the same transposed */
    uint32_t *labels;    /* in: labels of the last step; out: of this one */
    struct kmeans_ws *w; /* bounds, half distances, drifts, chunk partials */
    double g_up, g_dn;   /* 1 + 2 rel, 1 - 2 rel */
    double q1, q2;       /* largest drift of a centre; largest of the others */
    int q1c;             /* the centre with drift q1 */
};

/* One chunk of a Hamerly step: labels, bounds, the chunk's cluster sums
   and its count of points that passed the bound test. A first pass
   updates every point's bounds and tests them without branches, listing
   the points that fail; only those get distances. When none fails the
   chunk's sums from the step before are kept (the same labels give the
   same sums, bit for bit); otherwise they are made again in point order.
   Returns the distances computed (an integer, exact in a double at these
   sizes). */
static double ham_chunk(size_t b, const void *arg)
{
    const struct ham_ctx *h = arg;
    struct kmeans_ws *w = h->w;
    size_t d = h->d, lo = b * CHUNK, hi = lo + CHUNK < h->n ? lo + CHUNK : h->n;
    int k = h->k;
    double *ps = w->psum + b * (size_t)k * d;
    uint32_t *pc = w->pcnt + b * (size_t)k;
    double out[KMEANS_KMAX], nd = 0;
    uint16_t todo[CHUNK];   /* points of the chunk that failed the test, less lo */
    size_t ntodo = 0;
    for (size_t i = lo; i < hi; i++) {
        double *bd = w->bnd + 2 * i;
        uint32_t a = h->labels[i];
        double u = (bd[0] + w->drift[a]) * UP;
        double l = (bd[1] - ((int)a == h->q1c ? h->q2 : h->q1)) * DN;
        l = l > 0 ? l : 0;
        double z = w->half[a] > l ? w->half[a] : l;
        /* z stays a lower bound on every other distance whenever the point
           keeps its label (u < z): with z = half, d(x, c) >= d(a, c) -
           d(x, a) > 2 half - half. Otherwise the point gets new bounds. */
        bd[0] = u;
        bd[1] = z;
        todo[ntodo] = (uint16_t)(i - lo);
        ntodo += !(u * h->g_up < z);
    }
    w->pass[b] = (uint32_t)(hi - lo - ntodo);
    /* No point failed: no label can change, the sums stand. Otherwise one
       pass in point order, as the hardware prefetches it, gives the failed
       points their distances and makes the sums again. */
    if (ntodo == 0)
        return 0;
    memset(ps, 0, (size_t)k * d * sizeof *ps);
    memset(pc, 0, (size_t)k * sizeof *pc);
    size_t t = 0, next = lo + todo[0];
    for (size_t i = lo; i < hi; i++) {
        const double *xi = h->x + i * d;
        uint32_t a = h->labels[i];
        if (i == next) {
            double *bd = w->bnd + 2 * i;
            double u = sqrt(dist2(xi, h->cent + (size_t)a * d, d)) * h->g_up;
            nd += 1;
            if (u * h->g_up < bd[1]) {
                bd[0] = u;
            } else {
                double b1, b2;
                dist_all(xi, d, k, h->ct, h->cent, out);
                a = (uint32_t)nearest2(out, k, &b1, &b2);
                bd[0] = sqrt(b1) * h->g_up;
                bd[1] = sqrt(b2) * h->g_dn;
                nd += k;
                h->labels[i] = a;
            }
            next = ++t < ntodo ? lo + todo[t] : SIZE_MAX;
        }
        double *s = ps + (size_t)a * d;
        for (size_t j = 0; j < d; j++)
            s[j] += xi[j];
        pc[a]++;
    }
    return nd;
}

/* The kinds of step of kmeans_run; all give what kmeans_iterate gives. */
enum step { LLOYD, LLOYD_BOUNDS, HAMERLY };

/* One step of kmeans_run from cent to cent_out: LLOYD computes every
   distance, LLOYD_BOUNDS also sets Hamerly's bounds, HAMERLY uses the
   bounds, drifts and chunk sums that the step before left in w. Leaves the
   drifts for the next step. Returns the distances computed; *count gets
   the labels changed (LLOYD, LLOYD_BOUNDS; all n in the first step) or the
   points that passed the bound test (HAMERLY). */
static double run_step(const double *x, size_t n, size_t d, int k, const double *cent,
                       double *cent_out, uint32_t *labels, struct kmeans_ws *w, enum step kind,
                       int first, size_t *count)
{
    double rel = rel_slack(d), g_up = 1 + 2 * rel, g_dn = 1 - 2 * rel, nd;
    size_t nc = nchunks_of(n);
    transpose(cent, k, d, w->ct);
    if (kind == HAMERLY) {
        struct ham_ctx h = { x, n, d, k, cent, w->ct, labels, w, g_up, g_dn, 0, 0, -1 };
        for (int c = 0; c < k; c++) {
            double m = INFINITY;
            for (int o = 0; o < k; o++)
                if (o != c) {
                    double v = dist2(cent + (size_t)c * d, cent + (size_t)o * d, d);
                    m = v < m ? v : m;
                }
            w->half[c] = 0.5 * sqrt(m) * g_dn;
            if (w->drift[c] > h.q1) {
                h.q2 = h.q1;
                h.q1 = w->drift[c];
                h.q1c = c;
            } else if (w->drift[c] > h.q2) {
                h.q2 = w->drift[c];
            }
        }
        nd = reduce_chunks(nc, ham_chunk, &h);
    } else {
        struct asg_ctx a = { x, n, d, k, cent, w->ct, labels, NULL, w->psum, w->pcnt,
                             first ? NULL : w->pass, kind == LLOYD_BOUNDS ? w->bnd : NULL,
                             g_up, g_dn };
        reduce_chunks(nc, assign_chunk, &a);
        nd = (double)n * k;
    }
    *count = first ? n : 0;  /* no labels before the first step: all changed */
    for (size_t b = 0; b < nc && !first; b++)
        *count += w->pass[b];
    update_centroids(x, n, d, k, cent, cent_out, labels, w);
    for (int c = 0; c < k; c++)
        w->drift[c] = sqrt(dist2(cent + (size_t)c * d, cent_out + (size_t)c * d, d)) * g_up;
    return nd;
}

/* Checks kmeans_run's parameters and sizes; sets *tol_abs. */
static int run_check(const double *x, size_t n, size_t d, const struct kmeans_params *p,
                     struct kmeans_ws *const *ws, int nws, double *tol_abs, struct cx_err *e)
{
    if (p->k < 1 || p->k > KMEANS_KMAX || (size_t)p->k > n)
        return cx_fail(e, CX_EUSAGE, "k-means: k = %d with %zu points (need 1 <= k <= %d "
                       "and k <= points)", p->k, n, KMEANS_KMAX);
    if (p->n_init < 1 || p->max_iter < 1 || !(p->tol >= 0) || !isfinite(p->tol))
        return cx_fail(e, CX_EUSAGE, "k-means: n_init = %d, max_iter = %d, tol = %g "
                       "(need n_init >= 1, max_iter >= 1, finite tol >= 0)",
                       p->n_init, p->max_iter, p->tol);
    if (nws < 1)
        return cx_fail(e, CX_EINTERNAL, "k-means: no workspace");
    for (int t = 0; t < nws; t++)
        if (!ws_fits(ws[t], n, d, p->k))
            return cx_fail(e, CX_EINTERNAL, "k-means: %zu points, %zu features or k = %d "
                           "beyond the workspace", n, d, p->k);
    double mv = mean_variance(x, n, d);
    if (!isfinite(mv))
        return cx_fail(e, CX_EINTERNAL, "k-means: a feature value is not finite");
    *tol_abs = p->tol * mv;
    return CX_OK;
}

/* Restart r of kmeans_run on w: seeding, steps, and a last assignment.
   Leaves the centroids in *cent (w->ca or w->cb) and the labels in
   w->lab; *inertia, *iter and *conv get the restart's. Adds its
   distances to w->ndist. */
static int run_restart(const double *x, size_t n, size_t d, const struct kmeans_params *p,
                       double tol_abs, int r, struct kmeans_ws *w, double **cent,
                       double *inertia, int *iter, int *conv, struct cx_err *e)
{
    int k = p->k;
    double *cur = w->ca, *nxt = w->cb;
    gsl_rng_set(w->rng, kmeans_restart_seed(p->seed, r));
    int rc = kmeans_init_pp(x, n, d, k, w->rng, cur, w, e);
    if (rc != CX_OK)
        return rc;
    /* Lloyd steps until few labels change, then one that sets the
       bounds, then Hamerly's while enough points pass. */
    int it = 0, cv = 0;
    enum step kind = w->change_max > 1 ? LLOYD_BOUNDS : LLOYD;
    while (it < p->max_iter && !cv) {
        size_t count;
        w->ndist += (uint64_t)run_step(x, n, d, k, cur, nxt, w->lab, w, kind, it == 0, &count);
        if (kind == LLOYD)
            kind = (double)count < w->change_max * (double)n ? LLOYD_BOUNDS : LLOYD;
        else
            kind = kind == LLOYD_BOUNDS || (double)count >= w->pass_min * (double)n
                   ? HAMERLY : LLOYD;
        cv = kmeans_converged(cur, nxt, d, k, tol_abs);
        double *t = cur;
        cur = nxt;
        nxt = t;
        it++;
    }
    transpose(cur, k, d, w->ct);
    struct asg_ctx a = { x, n, d, k, cur, w->ct, w->lab, NULL, NULL, NULL, NULL, NULL, 0, 0 };
    *inertia = reduce_chunks(nchunks_of(n), assign_chunk, &a);
    w->ndist += (uint64_t)n * (uint64_t)k;
    *cent = cur;
    *iter = it;
    *conv = cv;
    return CX_OK;
}

int kmeans_run(const double *x, size_t n, size_t d, const struct kmeans_params *p,
               struct kmeans_result *res, struct kmeans_ws *w, struct cx_err *e)
{
    double tol_abs = 0;
    int rc = run_check(x, n, d, p, &w, 1, &tol_abs, e);
    if (rc != CX_OK)
        return rc;
    size_t kd = (size_t)p->k * d;
    w->ndist = 0;
    for (int r = 0; r < p->n_init; r++) {
        double *cur, inertia;
        int it, conv;
        if ((rc = run_restart(x, n, d, p, tol_abs, r, w, &cur, &inertia, &it, &conv, e)) != CX_OK)
            return rc;
        if (r == 0 || inertia < res->inertia) {
            memcpy(res->cent, cur, kd * sizeof *cur);
            memcpy(res->labels, w->lab, n * sizeof *w->lab);
            res->inertia = inertia;
            res->iterations = it;
            res->converged = conv;
            res->best_init = r;
        }
    }
    return CX_OK;
}

/* The best restart a thread has seen. */
struct best {
    double inertia;  /* its inertia */
    int r;           /* its index, -1 for none yet */
    int it, conv;    /* its steps and convergence */
};

/* 1 when restart (inertia, r) is to be kept over b: kmeans_run's choice
   (lowest inertia, lowest index on ties) made in any order. */
static int better(double inertia, int r, const struct best *b)
{
    return b->r < 0 || inertia < b->inertia || (inertia == b->inertia && r < b->r);
}

int kmeans_run_par(const double *x, size_t n, size_t d, const struct kmeans_params *p,
                   struct kmeans_result *res, struct kmeans_ws *const *ws, int nws,
                   struct cx_err *e)
{
    if (nws == 1 || p->n_init == 1)
        return kmeans_run(x, n, d, p, res, ws[0], e);
    double tol_abs = 0;
    int rc = run_check(x, n, d, p, ws, nws, &tol_abs, e);
    if (rc != CX_OK)
        return rc;
    int k = p->k, nt = nws < p->n_init ? nws : p->n_init, fail = 0;
    size_t kd = (size_t)k * d;
    struct best best[KMEANS_NWS_MAX];
    struct cx_err terr[KMEANS_NWS_MAX];
    nt = nt < KMEANS_NWS_MAX ? nt : KMEANS_NWS_MAX;
    for (int t = 0; t < nt; t++) {
        best[t].r = -1;
        ws[t]->ndist = 0;
        terr[t].status = CX_OK;
        terr[t].msg[0] = '\0';
    }
    /* Each restart whole on one thread: over a sample of ~20k points a
       step is too little work to share, and the barriers of a team per
       step would cost more than the step. Inside the region the chunked
       sums run in chunk order on the calling thread: the same bits. */
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int r = 0; r < p->n_init; r++) {
        int t = omp_get_thread_num();
        struct kmeans_ws *w = ws[t];
        double *cur, inertia;
        int it, conv;
        if (terr[t].status != CX_OK)
            continue;
        if (run_restart(x, n, d, p, tol_abs, r, w, &cur, &inertia, &it, &conv, &terr[t])
            != CX_OK)
            continue;
        if (better(inertia, r, &best[t])) {
            memcpy(w->best, cur, kd * sizeof *cur);
            best[t] = (struct best){ inertia, r, it, conv };
        }
    }
    int bt = -1;
    for (int t = 0; t < nt; t++) {
        if (terr[t].status != CX_OK && !fail) {
            fail = 1;
            rc = cx_fail(e, terr[t].status, "%s", terr[t].msg);
        }
        if (best[t].r >= 0 && (bt < 0 || better(best[t].inertia, best[t].r, &best[bt])))
            bt = t;
        if (t > 0)
            ws[0]->ndist += ws[t]->ndist;
    }
    if (fail)
        return rc;
    /* The kept restart's labels: the same last assignment again. */
    const double *c = ws[bt]->best;
    memcpy(res->cent, c, kd * sizeof *c);
    transpose(c, k, d, ws[0]->ct);
    struct asg_ctx a = { x, n, d, k, c, ws[0]->ct, res->labels, NULL, NULL, NULL, NULL, NULL,
                         0, 0 };
    reduce_chunks(nchunks_of(n), assign_chunk, &a);
    res->inertia = best[bt].inertia;
    res->iterations = best[bt].it;
    res->converged = best[bt].conv;
    res->best_init = best[bt].r;
    return CX_OK;
}

/* ---- scores ---- */

struct w_ctx {
    const double *x;         /* points */
    size_t n, d;             /* their count and features */
    const double *cent;      /* centres */
    const uint32_t *labels;  /* labels, checked < k by the caller */
};

static double within_chunk(size_t b, const void *arg)
{
    const struct w_ctx *c = arg;
    size_t lo = b * CHUNK, hi = lo + CHUNK < c->n ? lo + CHUNK : c->n;
    double t = 0;
    for (size_t i = lo; i < hi; i++)
        t += dist2(c->x + i * c->d, c->cent + (size_t)c->labels[i] * c->d, c->d);
    return t;
}

/* Points per label into cnt (k entries); -1 when a label is >= k. */
static int count_labels(const uint32_t *labels, size_t n, int k, size_t *cnt)
{
    memset(cnt, 0, (size_t)k * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] >= (uint32_t)k)
            return -1;
        cnt[labels[i]]++;
    }
    return 0;
}

double kmeans_calinski_harabasz(const double *x, size_t n, size_t d, const double *cent, int k,
                                const uint32_t *labels)
{
    size_t cnt[KMEANS_KMAX];
    if (k < 1 || k > KMEANS_KMAX || count_labels(labels, n, k, cnt))
        return NAN;   /* before within_chunk reads cent[labels[i]] */
    double *mean = malloc((d + 1) * sizeof *mean);
    if (mean == NULL)
        return NAN;
    kmeans_means(x, n, d, mean);
    struct w_ctx wc = { x, n, d, cent, labels };
    double within = reduce_chunks(nchunks_of(n), within_chunk, &wc);
    double ch = kmeans_calinski_harabasz_w(n, d, mean, cent, k, labels, within);
    free(mean);
    return ch;
}

void kmeans_means(const double *x, size_t n, size_t d, double *mean)
{
    for (size_t j0 = 0; j0 < d; j0 += FGROUP) {
        size_t j1 = d - j0 < FGROUP ? d : j0 + FGROUP;
        feature_stats(x, n, d, j0, j1, mean + j0, NULL);
    }
}

double kmeans_calinski_harabasz_w(size_t n, size_t d, const double *mean, const double *cent,
                                  int k, const uint32_t *labels, double within)
{
    size_t cnt[KMEANS_KMAX];
    if (k < 1 || k > KMEANS_KMAX || count_labels(labels, n, k, cnt))
        return NAN;
    size_t m = 0;
    for (int c = 0; c < k; c++)
        m += cnt[c] > 0;
    if (m < 2 || n <= m)
        return 0;
    /* B feature by feature: sum_j sum_c n_c (cent_cj - mean_j)^2. */
    double between = 0;
    for (size_t j = 0; j < d; j++)
        for (int c = 0; c < k; c++) {
            double t = cent[(size_t)c * d + j] - mean[j];
            between += (double)cnt[c] * t * t;
        }
    if (!(within > 0))
        return 0;
    return (between / (double)(m - 1)) / (within / (double)(n - m));
}

struct sil_ctx {
    const double *x;         /* points */
    size_t d;                /* features */
    const uint32_t *labels;  /* labels, checked by the caller */
    int k;                   /* clusters */
    const size_t *idx;       /* the sample */
    size_t m;                /* its size */
};

static double sil_chunk(size_t b, const void *arg)
{
    const struct sil_ctx *c = arg;
    size_t lo = b * SIL_CHUNK, hi = lo + SIL_CHUNK < c->m ? lo + SIL_CHUNK : c->m, d = c->d;
    double tot = 0;
    for (size_t t = lo; t < hi; t++) {
        double sum[KMEANS_KMAX] = { 0 };
        size_t cnt[KMEANS_KMAX] = { 0 };
        const double *xt = c->x + c->idx[t] * d;
        uint32_t own = c->labels[c->idx[t]];
        for (size_t s = 0; s < c->m; s++) {
            if (s == t)
                continue;
            uint32_t l = c->labels[c->idx[s]];
            sum[l] += sqrt(dist2(xt, c->x + c->idx[s] * d, d));
            cnt[l]++;
        }
        if (cnt[own] == 0)
            continue;  /* alone in its cluster within the sample: 0 */
        double a = sum[own] / (double)cnt[own], bmin = INFINITY;
        for (int l = 0; l < c->k; l++)
            if ((uint32_t)l != own && cnt[l] > 0) {
                double v = sum[l] / (double)cnt[l];
                bmin = v < bmin ? v : bmin;
            }
        double mx = a > bmin ? a : bmin;
        if (isfinite(bmin) && mx > 0)
            tot += (bmin - a) / mx;
    }
    return tot;
}

double kmeans_silhouette(const double *x, size_t n, size_t d, const uint32_t *labels, int k,
                         const size_t *idx, size_t m)
{
    if (k < 1 || k > KMEANS_KMAX)
        return NAN;
    for (size_t t = 0; t < m; t++)
        if (idx[t] >= n || labels[idx[t]] >= (uint32_t)k)
            return NAN;
    if (m == 0)
        return 0;
    struct sil_ctx c = { x, d, labels, k, idx, m };
    return reduce_chunks((m + SIL_CHUNK - 1) / SIL_CHUNK, sil_chunk, &c) / (double)m;
}

struct sils_ctx {
    const double *xs;        /* the sampled points, m x d */
    size_t m, d;             /* their count and features */
    const uint32_t *labels;  /* m x nl: labels[t * nl + j], checked by the caller */
    const int *k;            /* clusters of each labeling */
    int nl;                  /* labelings */
    const size_t *cnt;       /* nl x KMEANS_KMAX: points of each cluster in the sample */
    double *part;            /* out: nl partials of each chunk of the round */
    size_t b0;               /* first chunk of the round */
};

/* sil_chunk for nl labelings at once: each distance is computed once and
   added to each labeling's sum of its cluster, in the same order (s
   increasing), so every labeling gets sil_chunk's sums bit for bit. */
static void sils_chunk(size_t b, const struct sils_ctx *c)
{
    size_t lo = b * SIL_CHUNK, hi = lo + SIL_CHUNK < c->m ? lo + SIL_CHUNK : c->m, d = c->d;
    int nl = c->nl;
    double tot[KMEANS_SIL_MAX] = { 0 };
    double sum[KMEANS_SIL_MAX * KMEANS_KMAX];
    for (size_t t = lo; t < hi; t++) {
        const double *xt = c->xs + t * d;
        const uint32_t *lt = c->labels + t * (size_t)nl;
        for (int j = 0; j < nl; j++)
            memset(sum + (size_t)j * KMEANS_KMAX, 0, (size_t)c->k[j] * sizeof *sum);
        for (size_t s = 0; s < c->m; s++) {
            if (s == t)
                continue;
            double v = sqrt(dist2(xt, c->xs + s * d, d));
            const uint32_t *ls = c->labels + s * (size_t)nl;
            for (int j = 0; j < nl; j++)
                sum[(size_t)j * KMEANS_KMAX + ls[j]] += v;
        }
        for (int j = 0; j < nl; j++) {
            const double *sj = sum + (size_t)j * KMEANS_KMAX;
            const size_t *cj = c->cnt + (size_t)j * KMEANS_KMAX;
            uint32_t own = lt[j];
            size_t nown = cj[own] - 1;  /* the others of its cluster */
            if (nown == 0)
                continue;  /* alone in its cluster within the sample: 0 */
            double a = sj[own] / (double)nown, bmin = INFINITY;
            for (int l = 0; l < c->k[j]; l++)
                if ((uint32_t)l != own && cj[l] > 0) {
                    double v = sj[l] / (double)cj[l];
                    bmin = v < bmin ? v : bmin;
                }
            double mx = a > bmin ? a : bmin;
            if (isfinite(bmin) && mx > 0)
                tot[j] += (bmin - a) / mx;
        }
    }
    for (int j = 0; j < nl; j++)
        c->part[(b - c->b0) * KMEANS_SIL_MAX + (size_t)j] = tot[j];
}

#define SIL_ROUND 64  /* chunks per round of kmeans_silhouettes, partials on the stack */

int kmeans_silhouettes(const double *xs, size_t m, size_t d, const uint32_t *labels,
                       const int *k, int nl, double *out)
{
    size_t cnt[KMEANS_SIL_MAX * KMEANS_KMAX];
    if (nl < 1 || nl > KMEANS_SIL_MAX)
        return -1;
    for (int j = 0; j < nl; j++)
        if (k[j] < 1 || k[j] > KMEANS_KMAX)
            return -1;
    memset(cnt, 0, (size_t)nl * KMEANS_KMAX * sizeof *cnt);
    for (size_t t = 0; t < m; t++)
        for (int j = 0; j < nl; j++) {
            uint32_t l = labels[t * (size_t)nl + (size_t)j];
            if (l >= (uint32_t)k[j])
                return -1;
            cnt[(size_t)j * KMEANS_KMAX + l]++;
        }
    double total[KMEANS_SIL_MAX] = { 0 }, part[SIL_ROUND * KMEANS_SIL_MAX];
    size_t nc = (m + SIL_CHUNK - 1) / SIL_CHUNK;
    struct sils_ctx c = { xs, m, d, labels, k, nl, cnt, part, 0 };
    for (size_t r0 = 0; r0 < nc; r0 += SIL_ROUND) {
        size_t r1 = nc - r0 < SIL_ROUND ? nc : r0 + SIL_ROUND;
        c.b0 = r0;
        if (r1 - r0 > 1 && !omp_in_parallel()) {
            #pragma omp parallel for schedule(dynamic, 1)
            for (size_t b = r0; b < r1; b++)
                sils_chunk(b, &c);
        } else {
            for (size_t b = r0; b < r1; b++)
                sils_chunk(b, &c);
        }
        /* Chunk order, as reduce_chunks adds them. */
        for (size_t b = r0; b < r1; b++)
            for (int j = 0; j < nl; j++)
                total[j] += part[(b - r0) * KMEANS_SIL_MAX + (size_t)j];
    }
    for (int j = 0; j < nl; j++)
        out[j] = m ? total[j] / (double)m : 0;
    return 0;
}

/* ---- adjusted Rand index ---- */

static uint64_t pairs(uint64_t v)
{
    return v * (v - (v > 0)) / 2;
}

static int cmp_u64(const void *p, const void *q)
{
    uint64_t a = *(const uint64_t *)p, b = *(const uint64_t *)q;
    return (a > b) - (a < b);
}

#define ARI_DENSE (1u << 20)  /* largest contingency table kept dense */

double kmeans_ari(const uint32_t *a, const uint32_t *b, size_t n)
{
    if (n < 2)
        return 1.0;
    uint32_t ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma = a[i] > ma ? a[i] : ma;
        mb = b[i] > mb ? b[i] : mb;
    }
    uint64_t joint = 0, sa = 0, sb = 0;  /* sums of C(count, 2) */
    uint64_t ra = (uint64_t)ma + 1, rb = (uint64_t)mb + 1;
    if (ra * rb <= ARI_DENSE) {
        uint64_t *t = calloc(ra * rb + ra + rb, sizeof *t);
        if (t == NULL)
            return NAN;
        uint64_t *ca = t + ra * rb, *cb = ca + ra;
        for (size_t i = 0; i < n; i++) {
            t[a[i] * rb + b[i]]++;
            ca[a[i]]++;
            cb[b[i]]++;
        }
        for (uint64_t c = 0; c < ra * rb; c++)
            joint += pairs(t[c]);
        for (uint64_t c = 0; c < ra; c++)
            sa += pairs(ca[c]);
        for (uint64_t c = 0; c < rb; c++)
            sb += pairs(cb[c]);
        free(t);
    } else {
        /* Large label values: count runs of sorted (a, b) pairs, then of
           sorted (b, a) pairs. */
        uint64_t *key = malloc(n * sizeof *key);
        if (key == NULL)
            return NAN;
        for (int pass = 0; pass < 2; pass++) {
            for (size_t i = 0; i < n; i++)
                key[i] = pass == 0 ? (uint64_t)a[i] << 32 | b[i] : (uint64_t)b[i] << 32 | a[i];
            qsort(key, n, sizeof *key, cmp_u64);
            uint64_t *outer = pass == 0 ? &sa : &sb;
            size_t i0 = 0, j0 = 0;
            for (size_t i = 1; i <= n; i++) {
                if (i == n || key[i] != key[i0]) {
                    if (pass == 0)
                        joint += pairs(i - i0);
                    i0 = i;
                }
                if (i == n || key[i] >> 32 != key[j0] >> 32) {
                    *outer += pairs(i - j0);
                    j0 = i;
                }
            }
        }
        free(key);
    }
    double all = (double)pairs(n);
    double expected = (double)sa * (double)sb / all, max = 0.5 * ((double)sa + (double)sb);
    if (max == expected)
        return 1.0;
    return ((double)joint - expected) / (max - expected);
}
