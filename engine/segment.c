/*
 * segment — see segment.h.
 *
 * Order of work in segment_fit: the scaler is fitted on all present
 * customers; the matrix of standardised features is built once; each k of
 * the range is fitted on the fitting sample (restarts there), assigned on
 * all customers for inertia and Calinski–Harabasz, and scored by silhouette
 * on the silhouette sample; the chosen k is refined on all customers; the
 * segments are put in a canonical order (largest first), matched to a
 * previous model when one is given, profiled, named, and the RFM scores
 * are added.
 */
#include "engine/segment.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/assign.h"
#include "engine/kmeans.h"
#include "engine/naming.h"
#include "engine/stats.h"

void seg_defaults(struct seg_options *o)
{
    memset(o, 0, sizeof *o);
    o->kmin = 2;
    o->kmax = 8;
    o->n_init = 20;
    o->max_iter = 300;
    o->tol = 1e-4;
    o->seed = 1;
    o->sample = 20000;
    o->sil_sample = 3000;
    o->clip = 4;
    for (int f = 0; f < F_N; f++)
        o->use[f] = 1;
    /* Days between orders is reported, not clustered on: it equals tenure
       for customers with fewer than two orders and is close to tenure /
       frequency otherwise, so it would weigh those twice (docs/segmentation.md). */
    o->use[F_INTERPURCHASE] = 0;
    o->transform[F_FREQUENCY] = SEG_T_LOG;
    o->transform[F_MONETARY] = SEG_T_LOG;
    o->transform[F_AOV] = SEG_T_LOG;
    o->transform[F_RECENCY] = SEG_T_LOG;
    o->transform[F_TENURE] = SEG_T_LOG;
    o->transform[F_INTERPURCHASE] = SEG_T_LOG;
    o->transform[F_RETURN_RATE] = SEG_T_RATE;
    o->transform[F_DISCOUNT_RATE] = SEG_T_RATE;
}

const char *seg_transform_name(int t)
{
    return t == SEG_T_LOG ? "log" : t == SEG_T_RATE ? "rate" : "none";
}

void segment_free(struct segmentation *s)
{
    free(s->segment);
    free(s->r);
    free(s->f);
    free(s->m);
    memset(s, 0, sizeof *s);
}

static double fwd(int t, double x, double s)
{
    if (t == SEG_T_LOG)
        return x < 0 ? -log1p(-x) : log1p(x);
    if (t == SEG_T_RATE)
        return log1p((x > 0 ? x : 0) / s);
    return x;
}

static double inv(int t, double y, double s)
{
    if (t == SEG_T_LOG)
        return y < 0 ? -expm1(-y) : expm1(y);
    if (t == SEG_T_RATE)
        return s * expm1(y);
    return y;
}

/* Standardised value of feature column j of model m for raw value x. */
static double standardise(const struct seg_model *m, int j, double x)
{
    double z = (fwd(m->transform[j], x, m->rate_scale[j]) - m->center[j]) / m->scale[j];
    return z > m->clip ? m->clip : z < -m->clip ? -m->clip : z;
}

/* Threads of the per-feature loops below, each with its own buffer of n
   doubles: a few, so that the buffers stay small beside the matrix. */
#define SEG_FEATURE_THREADS 4
static int feature_threads(void)
{
    int t = omp_get_max_threads();
    return t < 1 ? 1 : t > SEG_FEATURE_THREADS ? SEG_FEATURE_THREADS : t;
}

/* Fits the scaler of the model on the present customers rows[0..n). The
   features are independent: one thread a feature, each the same sums. */
static int fit_scaler(const struct features *f, const struct seg_options *o, const uint32_t *rows,
                      size_t n, struct seg_model *m, struct cx_err *e)
{
    int nt = feature_threads();
    double *tmps = malloc((size_t)nt * (n + 1) * sizeof *tmps);
    if (tmps == NULL)
        return cx_nomem(e, "scaler");
    m->d = 0;
    m->clip = o->clip;
    for (int k = 0; k < F_N; k++) {
        if (!o->use[k])
            continue;
        int j = m->d++;
        m->feat[j] = k;
        m->transform[j] = o->transform[k];
        m->rate_scale[j] = 1;
    }
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int j = 0; j < m->d; j++) {
        double *tmp = tmps + (size_t)omp_get_thread_num() * (n + 1);
        int k = m->feat[j];
        if (m->transform[j] == SEG_T_RATE) {
            size_t np = 0;
            for (size_t i = 0; i < n; i++)
                if (f->v[k][rows[i]] > 0)
                    tmp[np++] = f->v[k][rows[i]];
            if (np)
                m->rate_scale[j] = stats_quantile(tmp, np, 0.5);
            if (!(m->rate_scale[j] > 0))
                m->rate_scale[j] = 1;
        }
        for (size_t i = 0; i < n; i++)
            tmp[i] = fwd(m->transform[j], f->v[k][rows[i]], m->rate_scale[j]);
        m->center[j] = gsl_stats_mean(tmp, 1, n);
        m->scale[j] = n > 1 ? gsl_stats_sd_m(tmp, 1, n, m->center[j]) : 0;
        if (!(m->scale[j] > 1e-12))
            m->scale[j] = 1;
    }
    free(tmps);
    if (m->d == 0)
        return cx_fail(e, CX_EUSAGE, "no feature selected for segmentation");
    return CX_OK;
}

void segment_standardise(const struct seg_model *m, const struct features *f, uint32_t c, double *z)
{
    for (int j = 0; j < m->d; j++)
        z[j] = standardise(m, j, f->v[m->feat[j]][c]);
}

/* The standardised matrix of rows[0..n) under model m (n x m->d). */
static void build_matrix(const struct features *f, const struct seg_model *m, const uint32_t *rows,
                         size_t n, double *x)
{
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < m->d; j++)
            x[i * (size_t)m->d + j] = standardise(m, j, f->v[m->feat[j]][rows[i]]);
}

struct keyed {
    uint64_t key;
    uint32_t c;
};

static int by_key(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->c < y->c ? -1 : x->c > y->c;
}

/* Rows of the present customers, ordered by the hash of their id's text:
   the matrix, the samples and so the segments do not depend on the order
   of the input rows (customer ids do: they follow first appearance). */
static uint32_t *present_rows(const struct features *f, size_t *n)
{
    uint32_t *rows = malloc(((size_t)f->n_present + 1) * sizeof *rows);
    struct keyed *kv = malloc(((size_t)f->n_present + 1) * sizeof *kv);
    if (rows == NULL || kv == NULL) {
        free(rows);
        free(kv);
        return NULL;
    }
    size_t k = 0;
    for (uint32_t c = 0; c < f->n; c++)
        if (f->present[c]) {
            kv[k].key = f->key ? f->key[c] : c;
            kv[k++].c = c;
        }
    qsort(kv, k, sizeof *kv, by_key);
    for (size_t i = 0; i < k; i++)
        rows[i] = kv[i].c;
    free(kv);
    *n = k;
    return rows;
}

/* Every (n/m)-th position of 0..n-1: a deterministic sample of m. */
static void stride_sample(size_t n, size_t m, size_t *idx)
{
    for (size_t i = 0; i < m; i++)
        idx[i] = (size_t)((unsigned __int128)i * n / m);
}

/* Profiles (original units) of the segments of rows[0..n) labelled lab. */
static int profile(const struct features *f, const uint32_t *rows, size_t n, const uint32_t *lab, int k,
                   struct seg_profile *prof, struct cx_err *e)
{
    int nt = feature_threads();
    double *buf = malloc((size_t)nt * (n + 1) * sizeof *buf);
    size_t *start = calloc((size_t)k + 1, sizeof *start);
    size_t *pos = calloc((size_t)nt * ((size_t)k + 1), sizeof *pos);
    if (buf == NULL || start == NULL || pos == NULL) {
        free(buf);
        free(start);
        free(pos);
        return cx_nomem(e, "segment profiles");
    }
    double total_net = 0, *seg_net = calloc((size_t)k, sizeof *seg_net);
    if (seg_net == NULL) {
        free(buf);
        free(start);
        free(pos);
        return cx_nomem(e, "segment profiles");
    }
    for (size_t i = 0; i < n; i++)
        start[lab[i] + 1]++;
    for (int s = 0; s < k; s++)
        start[s + 1] += start[s];
    for (size_t i = 0; i < n; i++) {
        total_net += f->v[F_MONETARY][rows[i]];
        seg_net[lab[i]] += f->v[F_MONETARY][rows[i]];
    }
    for (int s = 0; s < k; s++) {
        prof[s].customers = start[s + 1] - start[s];
        prof[s].share = n ? (double)prof[s].customers / (double)n : 0;
        prof[s].monetary_share = total_net != 0 ? seg_net[s] / total_net : 0;
    }
    /* The features are independent: one thread a feature, with its own
       buffer and write positions. */
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int ft = 0; ft < F_N; ft++) {
        int t = omp_get_thread_num();
        double *tb = buf + (size_t)t * (n + 1);
        size_t *tp = pos + (size_t)t * ((size_t)k + 1);
        memcpy(tp, start, ((size_t)k + 1) * sizeof *tp);
        for (size_t i = 0; i < n; i++)
            tb[tp[lab[i]]++] = f->v[ft][rows[i]];
        for (int s = 0; s < k; s++) {
            size_t m = prof[s].customers;
            double *b = tb + start[s];
            if (m == 0) {
                prof[s].median[ft] = prof[s].mean[ft] = 0;
                continue;
            }
            prof[s].mean[ft] = gsl_stats_mean(b, 1, m);
            prof[s].median[ft] = stats_quantile(b, m, 0.5);
        }
    }
    free(seg_net);
    free(buf);
    free(start);
    free(pos);
    return CX_OK;
}

static void to_naming(const double *v, struct naming_profile *p)
{
    p->recency = v[F_RECENCY];
    p->frequency = v[F_FREQUENCY];
    p->monetary = v[F_MONETARY];
    p->aov = v[F_AOV];
    p->tenure = v[F_TENURE];
    p->return_rate = v[F_RETURN_RATE];
    p->discount_rate = v[F_DISCOUNT_RATE];
    p->breadth = v[F_BREADTH];
}

/* Population median and scale (interquartile range) of each feature, for
   naming. */
static int population(const struct features *f, const uint32_t *rows, size_t n,
                      struct naming_profile *med, struct naming_profile *scale, struct cx_err *e)
{
    int nt = feature_threads();
    double *bufs = malloc((size_t)nt * (n + 1) * sizeof *bufs), md[F_N], sc[F_N];
    if (bufs == NULL)
        return cx_nomem(e, "segment names");
    #pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (int ft = 0; ft < F_N; ft++) {
        double *b = bufs + (size_t)omp_get_thread_num() * (n + 1);
        for (size_t i = 0; i < n; i++)
            b[i] = f->v[ft][rows[i]];
        md[ft] = stats_quantile(b, n, 0.5);
        /* The raw interquartile range, zero included: naming has floors. */
        sc[ft] = stats_quantile(b, n, 0.75) - stats_quantile(b, n, 0.25);
    }
    free(bufs);
    to_naming(md, med);
    to_naming(sc, scale);
    return CX_OK;
}

/* Centroid j of model a, in the standardised space of model b. */
static void map_centroid(const struct seg_model *a, int j, const struct seg_model *b, double *out)
{
    for (int c = 0; c < b->d; c++) {
        int ca = -1;
        for (int t = 0; t < a->d; t++)
            if (a->feat[t] == b->feat[c])
                ca = t;
        double z = a->cent[j * a->d + ca];
        double raw = inv(a->transform[ca], z * a->scale[ca] + a->center[ca], a->rate_scale[ca]);
        out[c] = standardise(b, c, raw);
    }
}

static int same_features(const struct seg_model *a, const struct seg_model *b)
{
    if (a->d != b->d)
        return 0;
    for (int c = 0; c < a->d; c++) {
        int found = 0;
        for (int t = 0; t < b->d; t++)
            found |= a->feat[c] == b->feat[t];
        if (!found)
            return 0;
    }
    return 1;
}

/* Names, ids and order of the k new segments (model m, profiles prof):
   with prev, matched segments take the previous id and name. */
static int name_segments(struct segmentation *s, const struct seg_model *prev,
                         const struct naming_profile *pm, const struct naming_profile *ps, struct cx_err *e)
{
    struct seg_model *m = &s->model;
    int k = m->k, rc;
    struct naming_profile np[SEG_MAX_K];
    const char *names[SEG_MAX_K];
    char buf[SEG_MAX_K * NAMING_BUF];
    for (int j = 0; j < k; j++)
        to_naming(s->prof[j].median, &np[j]);
    if ((rc = naming_assign(np, k, pm, ps, names, buf, e)) != CX_OK)
        return rc;
    for (int j = 0; j < k; j++) {
        snprintf(m->name[j], SEG_NAME, "%s", names[j]);
        m->id[j] = j;
    }
    if (prev == NULL)
        return CX_OK;
    if (!same_features(prev, m))
        return cx_fail(e, CX_EUSAGE, "the saved model clusters on other features than this run");
    /* Cost of giving new segment i the id of saved segment j: the squared
       distance of their centroids, both in the saved model's space. */
    double cost[SEG_MAX_K * SEG_MAX_K], z[F_N];
    int kp = prev->k;
    for (int i = 0; i < k; i++) {
        map_centroid(m, i, prev, z);
        for (int j = 0; j < kp; j++) {
            double d2 = 0;
            for (int c = 0; c < prev->d; c++) {
                double t = z[c] - prev->cent[j * prev->d + c];
                d2 += t * t;
            }
            cost[i * kp + j] = d2;
        }
    }
    int match[SEG_MAX_K];   /* new segment -> saved segment, or -1 */
    for (int i = 0; i < k; i++)
        match[i] = -1;
    if (k <= kp) {
        if ((rc = assign_min_cost(cost, k, kp, match, e)) != CX_OK)
            return rc;
    } else {
        double tc[SEG_MAX_K * SEG_MAX_K];
        int back[SEG_MAX_K];
        for (int j = 0; j < kp; j++)
            for (int i = 0; i < k; i++)
                tc[j * k + i] = cost[i * kp + j];
        if ((rc = assign_min_cost(tc, kp, k, back, e)) != CX_OK)
            return rc;
        for (int j = 0; j < kp; j++)
            match[back[j]] = j;
    }
    int next_id = 0;
    for (int j = 0; j < kp; j++)
        next_id = prev->id[j] + 1 > next_id ? prev->id[j] + 1 : next_id;
    for (int i = 0; i < k; i++) {
        if (match[i] >= 0) {
            m->id[i] = prev->id[match[i]];
            snprintf(m->name[i], SEG_NAME, "%s", prev->name[match[i]]);
        } else {
            m->id[i] = next_id++;
        }
    }
    /* A new segment's name must not repeat a kept one. */
    for (int i = 0; i < k; i++) {
        if (match[i] >= 0)
            continue;
        char base[SEG_NAME];
        snprintf(base, sizeof base, "%s", m->name[i]);
        for (int suffix = 2;; suffix++) {
            int clash = 0;
            for (int j = 0; j < k; j++)
                clash |= j != i && strcmp(m->name[j], m->name[i]) == 0;
            if (!clash)
                break;
            snprintf(m->name[i], SEG_NAME, "%.24s %d", base, suffix % 1000);
        }
    }
    s->matched = 1;
    return CX_OK;
}

/* Orders segments largest first (ties: lexicographic centroid), so that
   ids do not depend on the arbitrary labels of k-means. perm[new] = old. */
static void canonical_order(const double *cent, int k, int d, const size_t *sizes, int *perm)
{
    for (int i = 0; i < k; i++)
        perm[i] = i;
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0; j--) {
            int a = perm[j - 1], b = perm[j];
            int swap = sizes[b] > sizes[a];
            if (sizes[b] == sizes[a])
                for (int c = 0; c < d; c++)
                    if (cent[b * d + c] != cent[a * d + c]) {
                        swap = cent[b * d + c] < cent[a * d + c];
                        break;
                    }
            if (!swap)
                break;
            perm[j - 1] = b;
            perm[j] = a;
        }
}

static int add_rfm(const struct features *f, const uint32_t *rows, size_t n, struct segmentation *s,
                   struct cx_err *e)
{
    double *r = calloc(n + 1, sizeof *r), *fq = calloc(n + 1, sizeof *fq), *mo = calloc(n + 1, sizeof *mo);
    uint8_t *rs = malloc(n + 1), *fs = malloc(n + 1), *ms = malloc(n + 1);
    s->r = calloc((size_t)f->n + 1, 1);
    s->f = calloc((size_t)f->n + 1, 1);
    s->m = calloc((size_t)f->n + 1, 1);
    int rc = CX_OK;
    if (!r || !fq || !mo || !rs || !fs || !ms || !s->r || !s->f || !s->m) {
        rc = cx_nomem(e, "RFM scores");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        r[i] = f->v[F_RECENCY][rows[i]];
        fq[i] = f->v[F_FREQUENCY][rows[i]];
        mo[i] = f->v[F_MONETARY][rows[i]];
    }
    if ((rc = rfm_score(r, fq, mo, n, rs, fs, ms, s->bins, e)) != CX_OK)
        goto done;
    for (size_t i = 0; i < n; i++) {
        s->r[rows[i]] = rs[i];
        s->f[rows[i]] = fs[i];
        s->m[rows[i]] = ms[i];
    }
done:
    free(r);
    free(fq);
    free(mo);
    free(rs);
    free(fs);
    free(ms);
    return rc;
}

/* Picks k from the scores: the largest k whose silhouette is within
   SEG_SIL_MARGIN of the best one. Silhouettes on a 3,000-customer sample
   move by about 0.005 from sample to sample, so k values within the margin
   fit about as well, and the larger one gives more actionable segments. */
#define SEG_SIL_MARGIN 0.01
static int choose_k(const struct seg_kscore *sc, int ns)
{
    double best = sc[0].silhouette;
    for (int i = 1; i < ns; i++)
        best = sc[i].silhouette > best ? sc[i].silhouette : best;
    int k = sc[0].k;
    for (int i = 0; i < ns; i++)
        if (sc[i].silhouette >= best - SEG_SIL_MARGIN)
            k = sc[i].k;
    return k;
}

int segment_fit(const struct features *f, const struct seg_options *o, const struct seg_model *prev,
                struct segmentation *s, struct cx_err *e)
{
    memset(s, 0, sizeof *s);
    int rc = CX_OK;
    size_t n = 0;
    uint32_t *rows = present_rows(f, &n);
    double *x = NULL, *xs = NULL, *xsil = NULL;
    uint32_t *lab = NULL, *labs = NULL, *silab = NULL;
    size_t *sidx = NULL, *silidx = NULL;
    struct kmeans_ws *ws = NULL, *wss[KMEANS_NWS_MAX] = { NULL };
    int nws = 1;
    int kmin = o->k ? o->k : o->kmin, kmax = o->k ? o->k : o->kmax;
    if (rows == NULL)
        return cx_nomem(e, "segmentation");
    if (kmin < 1 || kmax > SEG_MAX_K || kmin > kmax) {
        free(rows);
        return cx_fail(e, CX_EUSAGE, "k must be from 1 to %d", SEG_MAX_K);
    }
    if (o->k && n < (size_t)kmax) {
        free(rows);
        return cx_fail(e, CX_EUSAGE, "%zu customers cannot make %d segments (-k %zu at most)", n, kmax, n);
    }
    /* The automatic choice is bounded by the customers: SEG_MIN_PER_K of
       them a segment on average, one segment when there are too few. */
    if (!o->k && (size_t)kmax * SEG_MIN_PER_K > n) {
        int cap = (int)(n / SEG_MIN_PER_K);
        s->k_capped_from = kmax;
        kmax = cap < 1 ? 1 : cap;
        if (kmin > kmax)
            kmin = kmax;
        if (n == 0) {
            free(rows);
            return cx_fail(e, CX_EUSAGE, "no customer to segment (every line is an anonymous sale)");
        }
    }
    struct seg_model *m = &s->model;
    if ((rc = fit_scaler(f, o, rows, n, m, e)) != CX_OK)
        goto done;
    size_t d = (size_t)m->d;
    size_t ns = o->sample && o->sample < n ? o->sample : n;
    size_t nsil = o->sil_sample && o->sil_sample < n ? o->sil_sample : n;
    x = malloc(n * d * sizeof *x);
    xs = malloc(ns * d * sizeof *xs);
    lab = malloc(n * sizeof *lab);
    labs = malloc(ns * sizeof *labs);
    sidx = malloc(ns * sizeof *sidx);
    silidx = malloc(nsil * sizeof *silidx);
    int nk = kmax - kmin + 1;
    xsil = malloc(nsil * d * sizeof *xsil);
    silab = malloc(nsil * (size_t)nk * sizeof *silab);
    ws = kmeans_ws_alloc(n, d, kmax);
    /* One workspace of the sample per thread: the restarts run side by
       side (kmeans_run_par); each is small (~20 bytes a point). */
    nws = omp_get_max_threads();
    nws = nws < o->n_init ? nws : o->n_init;
    nws = nws < KMEANS_NWS_MAX ? nws : KMEANS_NWS_MAX;
    nws = nws > 1 ? nws : 1;
    int wok = 1;
    for (int t = 0; t < nws; t++)
        wok &= (wss[t] = kmeans_ws_alloc(ns, d, kmax)) != NULL;
    s->n = f->n;
    s->segment = malloc(((size_t)f->n + 1) * sizeof *s->segment);
    if (!x || !xs || !xsil || !lab || !labs || !silab || !sidx || !silidx || !ws || !wok
        || !s->segment) {
        rc = cx_nomem(e, "segmentation");
        goto done;
    }
    build_matrix(f, m, rows, n, x);
    stride_sample(n, ns, sidx);
    stride_sample(n, nsil, silidx);
    for (size_t i = 0; i < ns; i++)
        memcpy(xs + i * d, x + sidx[i] * d, d * sizeof *x);
    for (size_t i = 0; i < nsil; i++)
        memcpy(xsil + i * d, x + silidx[i] * d, d * sizeof *x);
    /* The feature means, the same for every k (Calinski–Harabasz). */
    double mean[F_N];
    kmeans_means(x, n, d, mean);

    /* Each k: fit on the sample, score on everyone. */
    double cent_k[SEG_MAX_K][SEG_MAX_K * F_N];
    struct kmeans_params kp;
    kmeans_defaults(&kp);
    kp.n_init = o->n_init;
    kp.max_iter = o->max_iter;
    kp.tol = o->tol;
    kp.seed = o->seed;
    int ks[SEG_MAX_K];
    for (int k = kmin; k <= kmax; k++) {
        struct kmeans_result r = { cent_k[k - 1], labs, 0, 0, 0, 0 };
        kp.k = k;
        if ((rc = kmeans_run_par(xs, ns, d, &kp, &r, wss, nws, e)) != CX_OK)
            goto done;
        struct seg_kscore *sc = &s->scores[s->nscores++];
        sc->k = k;
        /* One pass over everyone: the inertia is the within-cluster sum
           of Calinski–Harabasz, bit for bit. */
        sc->inertia = kmeans_assign(x, n, d, cent_k[k - 1], k, lab, NULL);
        sc->ch = kmeans_calinski_harabasz_w(n, d, mean, cent_k[k - 1], k, lab, sc->inertia);
        ks[k - kmin] = k;
        for (size_t t = 0; t < nsil; t++)
            silab[t * (size_t)nk + (size_t)(k - kmin)] = lab[silidx[t]];
    }
    /* Silhouettes of every k together: each distance between sampled
       customers computed once, not once per k. */
    {
        double sil[SEG_MAX_K];
        if (kmeans_silhouettes(xsil, nsil, d, silab, ks, nk, sil) != 0)
            for (int j = 0; j < nk; j++)
                sil[j] = NAN;
        for (int j = 0; j < nk; j++)
            s->scores[j].silhouette = sil[j];
    }
    int k = choose_k(s->scores, s->nscores);
    s->chosen_k = k;

    /* Refine on everyone from the sample's centroids. */
    double cent[SEG_MAX_K * F_N], next[SEG_MAX_K * F_N];
    memcpy(cent, cent_k[k - 1], (size_t)k * d * sizeof *cent);
    /* To a fixed point (tolerance 0: until no label changes): the sample's
       solution is close, so this takes few steps, and it leaves a true
       local minimum rather than one stopped by the tolerance. */
    int it;
    double tol_abs = 0;
    int fixed = 0;  /* the last step left the centroids as they were */
    for (it = 0; it < o->max_iter; it++) {
        s->inertia = kmeans_iterate(x, n, d, k, cent, next, lab, ws);
        int conv = kmeans_converged(cent, next, d, k, tol_abs);
        fixed = memcmp(cent, next, (size_t)k * d * sizeof *cent) == 0;
        memcpy(cent, next, (size_t)k * d * sizeof *cent);
        if (conv)
            break;
    }
    /* Labels and inertia of the final centroids: those of the last step
       when it did not move them (the same assignment, summed the same
       way), else one more pass. */
    if (!fixed)
        s->inertia = kmeans_assign(x, n, d, cent, k, lab, NULL);
    s->iterations = it + 1;

    /* Canonical order, largest segment first. */
    size_t sizes[SEG_MAX_K] = { 0 };
    for (size_t i = 0; i < n; i++)
        sizes[lab[i]]++;
    int perm[SEG_MAX_K], rank[SEG_MAX_K];
    canonical_order(cent, k, (int)d, sizes, perm);
    for (int j = 0; j < k; j++) {
        rank[perm[j]] = j;
        memcpy(m->cent + (size_t)j * d, cent + (size_t)perm[j] * d, d * sizeof *cent);
    }
    for (size_t i = 0; i < n; i++)
        lab[i] = (uint32_t)rank[lab[i]];
    m->k = k;
    /* The matrix and the k-means workspaces are done with: freed before
       the profiles and RFM scores allocate theirs, so the two never add up. */
    free(x);
    free(xs);
    free(xsil);
    kmeans_ws_free(ws);
    for (int t = 0; t < nws; t++) {
        kmeans_ws_free(wss[t]);
        wss[t] = NULL;
    }
    x = xs = xsil = NULL;
    ws = NULL;

    if ((rc = profile(f, rows, n, lab, k, s->prof, e)) != CX_OK)
        goto done;
    struct naming_profile pm, psc;
    if ((rc = population(f, rows, n, &pm, &psc, e)) != CX_OK ||
        (rc = name_segments(s, prev, &pm, &psc, e)) != CX_OK)
        goto done;
    for (uint32_t c = 0; c < f->n; c++)
        s->segment[c] = -1;
    for (size_t i = 0; i < n; i++)
        s->segment[rows[i]] = (int16_t)lab[i];
    rc = add_rfm(f, rows, n, s, e);

done:
    free(rows);
    free(x);
    free(xs);
    free(xsil);
    free(lab);
    free(labs);
    free(silab);
    free(sidx);
    free(silidx);
    kmeans_ws_free(ws);
    for (int t = 0; t < nws; t++)
        kmeans_ws_free(wss[t]);
    if (rc != CX_OK)
        segment_free(s);
    return rc;
}

int segment_score(const struct features *f, const struct seg_model *mod, struct segmentation *s,
                  struct cx_err *e)
{
    memset(s, 0, sizeof *s);
    s->model = *mod;
    size_t n = 0;
    uint32_t *rows = present_rows(f, &n);
    size_t d = (size_t)mod->d;
    double *x = rows ? malloc((n + 1) * d * sizeof *x) : NULL;
    uint32_t *lab = malloc((n + 1) * sizeof *lab);
    s->n = f->n;
    s->segment = malloc(((size_t)f->n + 1) * sizeof *s->segment);
    int rc = CX_OK;
    if (!rows || !x || !lab || !s->segment) {
        rc = cx_nomem(e, "scoring");
        goto done;
    }
    build_matrix(f, mod, rows, n, x);
    s->inertia = kmeans_assign(x, n, d, mod->cent, mod->k, lab, NULL);
    s->chosen_k = mod->k;
    for (uint32_t c = 0; c < f->n; c++)
        s->segment[c] = -1;
    for (size_t i = 0; i < n; i++)
        s->segment[rows[i]] = (int16_t)lab[i];
    if ((rc = profile(f, rows, n, lab, mod->k, s->prof, e)) != CX_OK)
        goto done;
    rc = add_rfm(f, rows, n, s, e);
done:
    free(rows);
    free(x);
    free(lab);
    if (rc != CX_OK)
        segment_free(s);
    return rc;
}
