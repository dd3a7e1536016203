/*
 * inference — see inference.h for the formulas.
 *
 * The bootstraps are where the time goes (B x n draws), so their inner
 * loop is one output of a generator held on the thread's stack, a
 * multiply-shift to an index and one load: no call through a pointer and
 * no division per draw (as gsl_rng_get and gsl_rng_uniform_int would
 * make), no copy of the resample. The generator is GSL's mt19937 written
 * out (same seeding, same outputs: the tests compare them), about five
 * times faster than calling GSL for each draw. A resample is a pure
 * function of (seed, b): its generator is reseeded at its start, so
 * threads can share out the resamples in any way and the B statistics
 * come out the same. Mann–Whitney sorts copies of its samples once; Holm
 * needs no memory at all.
 */
#include "engine/inference.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "engine/radix.h"
#include "engine/stats.h"

/* Below this many draws (n x B) a bootstrap runs on the calling thread:
   waking a team would cost more than it saves. */
#define PAR_MIN_DRAWS 65536.0

static int all_finite(const double *x, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            *bad = i;
            return 0;
        }
    return 1;
}

/* ---- summary ---- */

int inf_summarize(double *x, size_t n, double level, struct inf_summary *s, struct cx_err *e)
{
    if (!(level > 0 && level < 1))
        return cx_fail(e, CX_EUSAGE, "inf_summarize: confidence level %g is not in (0, 1)", level);
    size_t bad;
    if (!all_finite(x, n, &bad))
        return cx_fail(e, CX_EUSAGE, "inf_summarize: value %zu (%g) is not finite", bad, x[bad]);
    s->n = n;
    s->mean = s->sd = s->ci_low = s->ci_high = NAN;
    s->median = s->p10 = s->p25 = s->p75 = s->p90 = NAN;
    if (n == 0)
        return CX_OK;
    /* Moments first: the quantiles reorder x, and sums depend on order. */
    s->mean = gsl_stats_mean(x, 1, n);
    if (n >= 2) {
        s->sd = gsl_stats_sd_m(x, 1, n, s->mean);
        double t = gsl_cdf_tdist_Pinv((1 + level) / 2, (double)(n - 1));
        double h = t * s->sd / sqrt((double)n);
        if (isfinite(h)) {
            s->ci_low = s->mean - h;
            s->ci_high = s->mean + h;
        }
    }
    s->median = stats_quantile(x, n, 0.5);
    s->p10 = stats_quantile(x, n, 0.10);
    s->p25 = stats_quantile(x, n, 0.25);
    s->p75 = stats_quantile(x, n, 0.75);
    s->p90 = stats_quantile(x, n, 0.90);
    return CX_OK;
}

/* ---- Welch ---- */

int inf_welch(const double *a, size_t na, const double *b, size_t nb, struct inf_test *t)
{
    t->stat = t->df = t->p = NAN;
    size_t bad;
    if (!all_finite(a, na, &bad) || !all_finite(b, nb, &bad))
        return CX_EUSAGE;
    if (na < 2 || nb < 2)
        return CX_OK;
    double ma = gsl_stats_mean(a, 1, na), mb = gsl_stats_mean(b, 1, nb);
    double va = gsl_stats_variance_m(a, 1, na, ma) / (double)na;
    double vb = gsl_stats_variance_m(b, 1, nb, mb) / (double)nb;
    double v = va + vb;
    if (!(v > 0))
        return CX_OK;
    t->stat = (ma - mb) / sqrt(v);
    t->df = v * v / (va * va / (double)(na - 1) + vb * vb / (double)(nb - 1));
    double p = 2 * gsl_cdf_tdist_Q(fabs(t->stat), t->df);
    t->p = p > 1 ? 1 : p;
    return CX_OK;
}

/* ---- Mann–Whitney ---- */

static int is_sorted(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] < x[i - 1])
            return 0;
    return 1;
}

int inf_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct inf_test *t,
                     double *cles, struct cx_err *e)
{
    t->stat = t->df = t->p = NAN;
    if (cles)
        *cles = NAN;
    size_t bad;
    if (!all_finite(a, na, &bad))
        return cx_fail(e, CX_EUSAGE, "inf_mann_whitney: value %zu of a (%g) is not finite", bad, a[bad]);
    if (!all_finite(b, nb, &bad))
        return cx_fail(e, CX_EUSAGE, "inf_mann_whitney: value %zu of b (%g) is not finite", bad, b[bad]);
    if (na == 0 || nb == 0) {
        t->stat = 0;
        return CX_OK;
    }
    double *sa = malloc((na + nb) * sizeof *sa);
    if (sa == NULL)
        return cx_nomem(e, "Mann-Whitney sort");
    double *sb = sa + na;
    memcpy(sa, a, na * sizeof *a);
    memcpy(sb, b, nb * sizeof *b);
    /* Callers that compare one sample with several others sort it once. */
    if ((!is_sorted(sa, na) && radix_sort_f64(sa, na, 0) != 0) ||
        (!is_sorted(sb, nb) && radix_sort_f64(sb, nb, 0) != 0)) {
        free(sa);
        return cx_nomem(e, "Mann-Whitney sort");
    }

    /* Walk both sorted samples in groups of equal values. A value v of a
       holding ca values of a and cb of b scores #{b < v} + cb/2 against b
       for each of its ca values: twice U is a sum of integers, exact in a
       double below 2^53. */
    double u2 = 0, ties = 0;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        double v = i == na ? sb[j] : j == nb ? sa[i] : (sa[i] < sb[j] ? sa[i] : sb[j]);
        size_t ca = 0, cb = 0;
        while (i < na && sa[i] == v)
            i++, ca++;
        while (j < nb && sb[j] == v)
            j++, cb++;
        u2 += (double)ca * (double)(2 * (j - cb) + cb);
        double g = (double)(ca + cb);
        ties += g * (g * g - 1);
    }
    free(sa);

    double N = (double)(na + nb), nn = (double)na * (double)nb;
    double u = u2 / 2, mu = nn / 2;
    double var = nn / 12 * ((N + 1) - ties / (N * (N - 1)));
    t->stat = u;
    if (cles)
        *cles = u / nn;
    if (!(var > 0)) {
        t->p = 1;   /* every value equal: no evidence of any difference */
        return CX_OK;
    }
    double z = (fabs(u - mu) - 0.5) / sqrt(var);
    double p = 2 * gsl_cdf_ugaussian_Q(z);
    t->p = p > 1 ? 1 : p;
    return CX_OK;
}

/* ---- Holm ---- */

void inf_holm(const double *p, size_t m, double *adj)
{
    /* The rank of p[j] is the number of valid p-values strictly below it,
       so tied p-values share the lowest rank: in sorted order the largest
       multiplier of a tie group, that of its first member, dominates the
       running maximum over the group whatever the order within it, so
       this gives what a sort would. */
    size_t mm = 0;
    for (size_t i = 0; i < m; i++)
        mm += !isnan(p[i]);
    /* Pass 1: adj[j] = min(1, (mm - rank_j) p_j), the term of p[j]. */
    for (size_t j = 0; j < m; j++) {
        double pj = p[j];
        if (isnan(pj)) {
            adj[j] = NAN;
            continue;
        }
        size_t below = 0;
        for (size_t k = 0; k < m; k++)
            below += p[k] < pj;
        double c = (double)(mm - below) * pj;
        adj[j] = c < 1 ? c : 1;
    }
    /* Pass 2: adj[i] = the largest term of the p[j] <= p[i], in place: a
       term already replaced by its own maximum is the maximum over a
       subset of those p[j], so reading it instead changes nothing. */
    for (size_t i = 0; i < m; i++) {
        if (isnan(p[i]))
            continue;
        double best = adj[i];
        for (size_t j = 0; j < m; j++)
            if (p[j] <= p[i] && adj[j] > best)
                best = adj[j];
        adj[i] = best;
    }
}

/* ---- bootstrap ---- */

/* Keeps the streams of the bootstraps apart from those that other modules
   derive from the same user seed (k-means restarts use the same mix). */
#define STREAM_DOMAIN 0x696E666572656E63ull   /* "inferenc" */

unsigned long inf_stream_seed(uint64_t seed, uint64_t b)
{
    uint64_t z = (seed ^ STREAM_DOMAIN) + 0x9E3779B97F4A7C15ull * (b + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (unsigned long)(z >> 32);
}

/* The generator: MT19937 as GSL's gsl_rng_mt19937 has it (the 2002
   seeding of Matsumoto and Nishimura, seed 0 taken as 4357), output for
   output: test_inference checks the streams against gsl_rng_get. It is
   written out here because the draw is the whole inner loop of a
   bootstrap and GSL's generator costs about 6 ns an output (an indirect
   call, and a data-dependent branch per word when it refills its state),
   where this one refills and tempers a block of 624 words in straight-line
   code that the compiler vectorises: a whole draw, index and load
   included, then takes about 1.2 ns. 5 kB, on the stack. */
#define MT_N 624
#define MT_M 397

struct mt {
    uint32_t s[MT_N];     /* the state */
    uint32_t out[MT_N];   /* tempered outputs of the current block */
    size_t pos;           /* next output of out to hand out; MT_N: refill */
};

static void mt_seed(struct mt *g, unsigned long seed)
{
    if (seed == 0)
        seed = 4357;
    g->s[0] = (uint32_t)seed;
    for (uint32_t i = 1; i < MT_N; i++)
        g->s[i] = 1812433253u * (g->s[i - 1] ^ (g->s[i - 1] >> 30)) + i;
    g->pos = MT_N;
}

static inline uint32_t mt_twist(uint32_t hi, uint32_t lo, uint32_t m)
{
    uint32_t y = (hi & 0x80000000u) | (lo & 0x7fffffffu);
    return m ^ (y >> 1) ^ (-(y & 1u) & 0x9908b0dfu);
}

static void mt_refill(struct mt *g)
{
    /* Loops of whole multiples of 4 words: gcc -O2 vectorises only
       loops that need no scalar remainder (227 = 224 + 3). */
    uint32_t *s = g->s;
    int k;
    for (k = 0; k < (MT_N - MT_M) / 4 * 4; k++)
        s[k] = mt_twist(s[k], s[k + 1], s[k + MT_M]);
    for (; k < MT_N - MT_M; k++)
        s[k] = mt_twist(s[k], s[k + 1], s[k + MT_M]);
    for (; k < MT_N - 1; k++)
        s[k] = mt_twist(s[k], s[k + 1], s[k + MT_M - MT_N]);
    s[MT_N - 1] = mt_twist(s[MT_N - 1], s[0], s[MT_M - 1]);
    for (k = 0; k < MT_N; k++) {
        uint32_t y = s[k];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        g->out[k] = y;
    }
    g->pos = 0;
}

static inline uint32_t mt_next(struct mt *g)
{
    if (g->pos == MT_N)
        mt_refill(g);
    return g->out[g->pos++];
}

/* An index uniform on 0..n-1 (n < 2^32): the high half of a 32-bit output
   x n, redrawn while the low half falls below 2^32 mod n, the part that
   would bias it (Lemire 2019). No division per draw, unlike
   gsl_rng_uniform_int. */
static inline size_t draw(struct mt *g, uint64_t n, uint32_t reject)
{
    uint64_t m = (uint64_t)mt_next(g) * n;
    while ((uint32_t)m < reject)
        m = (uint64_t)mt_next(g) * n;
    return (size_t)(m >> 32);
}

/* The mean of one resample of x, centred on c (see inference.h). Draw i
   adds to partial sum i mod 4, the four added in a fixed order at the
   end: four independent chains of additions instead of one, as the
   latency of an addition would otherwise set the pace. */
static double resample_mean(const double *x, size_t n, double c, struct mt *g, uint32_t reject)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += x[draw(g, n, reject)] - c;
        s1 += x[draw(g, n, reject)] - c;
        s2 += x[draw(g, n, reject)] - c;
        s3 += x[draw(g, n, reject)] - c;
    }
    for (; i < n; i++)
        s0 += x[draw(g, n, reject)] - c;
    return c + ((s0 + s1) + (s2 + s3)) / (double)n;
}

/* sum(num) / sum(den) over one resample of the pairs, two partial sums
   each (as resample_mean). */
static double resample_ratio(const double *num, const double *den, size_t n, struct mt *g,
                             uint32_t reject)
{
    double n0 = 0, n1 = 0, d0 = 0, d1 = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        size_t k = draw(g, n, reject);
        n0 += num[k];
        d0 += den[k];
        k = draw(g, n, reject);
        n1 += num[k];
        d1 += den[k];
    }
    if (i < n) {
        size_t k = draw(g, n, reject);
        n0 += num[k];
        d0 += den[k];
    }
    return (n0 + n1) / (d0 + d1);
}

/* For tests: the first m outputs of the stream of resample b. */
void inf_stream_peek(uint64_t seed, uint64_t b, uint32_t *out, size_t m)
{
    struct mt g;
    mt_seed(&g, inf_stream_seed(seed, b));
    for (size_t i = 0; i < m; i++)
        out[i] = mt_next(&g);
}

/* Both bootstraps: the mean of x when den is NULL, else the ratio of the
   sums of x and den. who names the public function in messages. */
static int bootstrap(const char *who, const double *x, const double *den, size_t n, int B,
                     double level, uint64_t seed, double *lo, double *hi, struct cx_err *e)
{
    *lo = *hi = NAN;
    if (!(level > 0 && level < 1))
        return cx_fail(e, CX_EUSAGE, "%s: confidence level %g is not in (0, 1)", who, level);
    if (B < 1)
        return cx_fail(e, CX_EUSAGE, "%s: %d resamples (at least 1 needed)", who, B);
    if ((uint64_t)n >= (uint64_t)1 << 32)
        return cx_fail(e, CX_EUSAGE, "%s: %zu values (at most 2^32 - 1)", who, n);
    size_t bad;
    if (!all_finite(x, n, &bad))
        return cx_fail(e, CX_EUSAGE, "%s: value %zu (%g) is not finite", who, bad, x[bad]);
    if (den && !all_finite(den, n, &bad))
        return cx_fail(e, CX_EUSAGE, "%s: denominator %zu (%g) is not finite", who, bad, den[bad]);
    if (n < 2)
        return CX_OK;

    double *stat = malloc((size_t)B * sizeof *stat);
    if (stat == NULL)
        return cx_nomem(e, "bootstrap statistics");
    double c = den ? 0 : gsl_stats_mean(x, 1, n);
    uint32_t reject = (uint32_t)(((uint64_t)1 << 32) % n);
    #pragma omp parallel if ((double)n * B >= PAR_MIN_DRAWS)
    {
        struct mt g;
        #pragma omp for schedule(static)
        for (int b = 0; b < B; b++) {
            mt_seed(&g, inf_stream_seed(seed, (uint64_t)b));
            stat[b] = den ? resample_ratio(x, den, n, &g, reject) : resample_mean(x, n, c, &g, reject);
        }
    }
    int undefined = 0;
    for (int b = 0; b < B; b++)
        undefined |= isnan(stat[b]);
    /* Selection gives GSL's quantile of the sorted values to the last bit
       (test_stats), in O(B), and copes with infinite ratios: a cut that
       falls exactly on an order statistic takes it without interpolating
       (no 0 x inf). */
    if (!undefined) {
        *lo = stats_quantile(stat, (size_t)B, (1 - level) / 2);
        *hi = stats_quantile(stat, (size_t)B, (1 + level) / 2);
    }
    free(stat);
    return CX_OK;
}

int inf_bootstrap_mean(const double *x, size_t n, int B, double level, uint64_t seed, double *lo,
                       double *hi, struct cx_err *e)
{
    return bootstrap("inf_bootstrap_mean", x, NULL, n, B, level, seed, lo, hi, e);
}

int inf_bootstrap_ratio(const double *num, const double *den, size_t n, int B, double level,
                        uint64_t seed, double *lo, double *hi, struct cx_err *e)
{
    return bootstrap("inf_bootstrap_ratio", num, den, n, B, level, seed, lo, hi, e);
}

/* ---- Benjamini–Hochberg ---- */

static const double *bh_key;

static int bh_cmp(const void *a, const void *b)
{
    double x = bh_key[*(const size_t *)a], y = bh_key[*(const size_t *)b];
    if (x != y)
        return x < y ? -1 : 1;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return i < j ? -1 : i > j;
}

int inf_bh(const double *p, size_t m, double *adj, struct cx_err *e)
{
    size_t mm = 0;
    for (size_t i = 0; i < m; i++)
        mm += !isnan(p[i]);
    size_t *ix = malloc((mm + 1) * sizeof *ix);
    if (ix == NULL)
        return cx_nomem(e, "Benjamini-Hochberg");
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (isnan(p[i]))
            adj[i] = NAN;
        else
            ix[k++] = i;
    }
    /* A sort with a file-level key: callers are serial (no two sorts at once). */
    bh_key = p;
    qsort(ix, mm, sizeof *ix, bh_cmp);
    /* The running minimum from the largest p-value down: tied p-values
       all get the value of the last of their group, whose multiplier
       m / rank is the smallest. */
    double run = 1;
    for (size_t r = mm; r-- > 0;) {
        double v = (double)mm / (double)(r + 1) * p[ix[r]];
        if (v < run)
            run = v;
        adj[ix[r]] = run;
    }
    free(ix);
    return CX_OK;
}

int inf_holm_large(const double *p, size_t m, double *adj, struct cx_err *e)
{
    if (m <= 1000) {
        inf_holm(p, m, adj);
        return CX_OK;
    }
    size_t mm = 0;
    for (size_t i = 0; i < m; i++)
        mm += !isnan(p[i]);
    size_t *ix = malloc((mm + 1) * sizeof *ix);
    if (ix == NULL)
        return cx_nomem(e, "Holm");
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (isnan(p[i]))
            adj[i] = NAN;
        else
            ix[k++] = i;
    }
    bh_key = p;
    qsort(ix, mm, sizeof *ix, bh_cmp);
    /* Step-down: the running maximum of (mm - rank) p from the smallest p;
       tied p-values share the multiplier of the first of their group. */
    double run = 0;
    for (size_t r = 0; r < mm;) {
        size_t q = r;
        while (q < mm && p[ix[q]] == p[ix[r]])
            q++;
        double v = (double)(mm - r) * p[ix[r]];
        if (v > run)
            run = v;
        for (size_t t = r; t < q; t++)
            adj[ix[t]] = run < 1 ? run : 1;
        r = q;
    }
    free(ix);
    return CX_OK;
}

/* ---- tests from summaries ---- */

double inf_normal_upper(double z)
{
    return gsl_cdf_ugaussian_Q(z);
}

double inf_welch_p(double m1, double s1, double n1, double m2, double s2, double n2, double *stat,
                   double *df)
{
    if (stat)
        *stat = NAN;
    if (df)
        *df = NAN;
    if (!(n1 >= 2 && n2 >= 2) || !isfinite(m1) || !isfinite(m2) || !isfinite(s1) || !isfinite(s2))
        return NAN;
    double v1 = s1 * s1 / n1, v2 = s2 * s2 / n2, v = v1 + v2;
    if (!(v > 0))
        return NAN;
    double t = (m1 - m2) / sqrt(v);
    double d = v * v / (v1 * v1 / (n1 - 1) + v2 * v2 / (n2 - 1));
    if (stat)
        *stat = t;
    if (df)
        *df = d;
    return 2 * gsl_cdf_tdist_Q(fabs(t), d);
}

double inf_paired_p(double n, double sum, double sum2, double *stat, double *mean, double *se)
{
    if (stat)
        *stat = NAN;
    if (mean)
        *mean = n > 0 ? sum / n : NAN;
    if (se)
        *se = NAN;
    if (!(n >= 2))
        return NAN;
    double m = sum / n, var = (sum2 - n * m * m) / (n - 1);
    if (!(var > 0))
        return NAN;
    double s = sqrt(var / n), t = m / s;
    if (stat)
        *stat = t;
    if (se)
        *se = s;
    return 2 * gsl_cdf_tdist_Q(fabs(t), n - 1);
}

double inf_two_prop_p(double x1, double n1, double x2, double n2, double *stat)
{
    if (stat)
        *stat = NAN;
    if (!(n1 > 0 && n2 > 0))
        return NAN;
    double pp = (x1 + x2) / (n1 + n2);
    if (!(pp > 0 && pp < 1))
        return NAN;
    double z = (x1 / n1 - x2 / n2) / sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2));
    if (stat)
        *stat = z;
    return 2 * gsl_cdf_ugaussian_Q(fabs(z));
}
