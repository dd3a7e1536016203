/*
 * inference — the statistics behind the channel economics: summaries with
 * confidence intervals, two-sample tests, Holm's adjustment and percentile
 * bootstraps, so that "this channel costs less to serve this segment" comes
 * with an interval and a p-value, not an anecdote (SPEC §2, §4).
 *
 * Every result is a deterministic function of the inputs (and the seed):
 * the bootstraps draw resample b from its own mt19937 stream seeded from
 * (seed, b), so whichever thread computes it, it is the same resample, and
 * one thread sums it in a fixed order. Results are identical to the last
 * bit for any OpenMP thread count.
 *
 * Formulas (x̄ mean, s² the variance with n - 1, t_{p,ν} the p quantile of
 * Student's t with ν degrees of freedom, T_ν such a variable, Z a standard
 * normal one):
 *   mean CI        x̄ ± t_{(1+level)/2, n-1} s / sqrt(n)
 *   quantile q     GSL's rule: linear interpolation between the order
 *                  statistics around (n - 1) q (0-based)
 *   Welch          t = (x̄a - x̄b) / sqrt(va + vb), va = sa²/na, vb = sb²/nb;
 *                  df = (va + vb)² / (va²/(na-1) + vb²/(nb-1));
 *                  p = 2 P(T_df > |t|)
 *   Mann–Whitney   U_a = R_a - na(na+1)/2 (R_a: sum of a's mid-ranks in the
 *                  pooled sample) = #{a > b} + ½ #{a = b} over the na·nb
 *                  pairs; μ = na nb / 2;
 *                  σ² = na nb / 12 · (N + 1 - Σ(t³ - t) / (N(N - 1))),
 *                  N = na + nb, t the sizes of the groups of tied values;
 *                  z = (|U_a - μ| - ½) / σ;  p = min(1, 2 P(Z > z))
 *   Holm           the m p-values that are not NaN, sorted p(1) <= ... <= p(m):
 *                  adj(i) = min(1, max_{j<=i} (m - j + 1) p(j))
 *   bootstrap      percentile interval: B resamples of n with replacement;
 *                  their statistics (mean of x, or sum num / sum den)
 *                  sorted and cut at (1 - level)/2 and (1 + level)/2 with
 *                  GSL's quantile rule
 */
#ifndef CANAUX_INFERENCE_H
#define CANAUX_INFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"

/* Summary of a sample. Statistics that need more values than there are
   are NaN: everything but n when n = 0; sd and the CI when n = 1. */
struct inf_summary {
    size_t n;           /* number of values */
    double mean;        /* arithmetic mean */
    double sd;          /* standard deviation, n - 1 in the denominator */
    double ci_low;      /* lower bound of the t confidence interval of the mean */
    double ci_high;     /* upper bound of it */
    double median;      /* quantile 0.5 (GSL's rule, as all quantiles here) */
    double p10, p25;    /* quantiles 0.10 and 0.25 */
    double p75, p90;    /* quantiles 0.75 and 0.90 */
};

/* Summarizes x[0..n): mean and sd (computed in the order given, with GSL's
   gsl_stats_mean and gsl_stats_sd_m), the `level` t interval of the mean
   (level 0.95 for the usual 95% CI) and the quantiles, found by selection
   (stats_quantile: O(n) each), which reorders x: x is caller-owned and its
   values are left in some other order. Returns CX_OK, or CX_EUSAGE recorded
   in e when level is not in (0, 1) or a value is not finite (s is then
   unspecified). */
int inf_summarize(double *x, size_t n, double level, struct inf_summary *s, struct cx_err *e);

/* Result of a two-sample test. */
struct inf_test {
    double stat;   /* the test statistic: Welch's t, or Mann–Whitney's U of sample a */
    double df;     /* degrees of freedom (Welch); NaN for Mann–Whitney */
    double p;      /* two-sided p-value in [0, 1]; NaN when the test is undefined */
};

/* Welch's unequal-variance t test of mean(a) = mean(b), two-sided. All of
   t is NaN when na < 2 or nb < 2 or both sample variances are 0. The
   arrays are read only; nothing is allocated. Returns CX_OK, or CX_EUSAGE
   when a value is not finite (all of t is then NaN). */
int inf_welch(const double *a, size_t na, const double *b, size_t nb, struct inf_test *t);

/* Mann–Whitney U test (Wilcoxon rank-sum), two-sided, by the normal
   approximation with the tie correction and the continuity correction (as
   scipy.stats.mannwhitneyu(method="asymptotic") computes it). t->stat is
   U of sample a, t->df NaN. *cles (unless cles is NULL) gets the effect
   size P(A > B) + ½ P(A = B) = U_a / (na nb), the common-language
   probability that a value drawn from a beats one drawn from b.
   When na or nb is 0: U = 0, p and cles NaN. When all na + nb values are
   equal (σ = 0): p = 1, cles = ½.
   Sorts copies of a and b (8 (na + nb) bytes, freed before returning):
   O(N log N), about 0.02 s for N = 100,000 and 0.15 s for 600,000. Returns CX_OK, or CX_EUSAGE (a value not finite) or
   CX_EINTERNAL (out of memory) recorded in e; t and cles are then NaN. */
int inf_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct inf_test *t,
                     double *cles, struct cx_err *e);

/* Holm–Bonferroni step-down adjustment of the m p-values p[0..m) into
   adj[0..m) (caller-owned, not overlapping p). NaN p-values stay NaN and
   are not counted in m. Equal p-values get equal adjusted values, and the
   adjusted values keep the order of the raw ones. O(m²) comparisons and no
   allocation: meant for the tens to thousands of comparisons of a segment
   × channel study (m = 1000 takes about a millisecond). */
void inf_holm(const double *p, size_t m, double *adj);

/* inf_holm for families of any size: the same values, by a sort (8 m
   bytes, freed before returning) instead of O(m^2) comparisons. Returns
   CX_OK, or CX_EINTERNAL when out of memory. */
int inf_holm_large(const double *p, size_t m, double *adj, struct cx_err *e);

/* Benjamini–Hochberg step-up adjustment (false discovery rate) of the m
   p-values p[0..m) into adj[0..m) (caller-owned, not overlapping p): the
   smallest i/m-scaled value over the p-values at or above each one,
   adj = min over k >= rank of (m / k) p_(k), capped at 1. NaN p-values
   stay NaN and are not counted in m. Sorts an index (8 m bytes, freed
   before returning): for the thousands of (product, channel) pairs of a
   price study. Returns CX_OK, or CX_EINTERNAL when out of memory. */
int inf_bh(const double *p, size_t m, double *adj, struct cx_err *e);

/* Tests from summaries, for callers that hold sums rather than samples.
   Each returns the two-sided p-value (NaN when the test is undefined: too
   few values, no variance) and sets *stat (unless NULL) to its statistic. */

/* Welch's t of means m1, m2 with standard deviations s1, s2 (n - 1 in the
   denominator) of n1, n2 values; *df gets the Welch–Satterthwaite degrees
   of freedom (unless NULL). NaN unless n1, n2 >= 2 and some variance. */
double inf_welch_p(double m1, double s1, double n1, double m2, double s2, double n2, double *stat,
                   double *df);

/* Paired t of n differences with sum sum and sum of squares sum2 (t with
   n - 1 degrees of freedom): *mean and *se (unless NULL) get the mean
   difference and its standard error. NaN unless n >= 2 and some variance. */
double inf_paired_p(double n, double sum, double sum2, double *stat, double *mean, double *se);

/* Two-proportion z test of x1 / n1 against x2 / n2 with the pooled
   proportion (normal approximation). NaN when n1 or n2 is 0 or the pooled
   proportion is 0 or 1. */
double inf_two_prop_p(double x1, double n1, double x2, double n2, double *stat);

/* Upper-tail p-value of a standard normal z: P(Z >= z). */
double inf_normal_upper(double z);

/* Percentile bootstrap confidence interval (level, e.g. 0.95) of the mean
   of x[0..n), from B resamples of n values drawn with replacement.
   Resample b draws its indices from gsl_rng_mt19937 seeded with
   inf_stream_seed(seed, b) (see inf_stream_peek), one 32-bit output per
   index mapped to 0..n-1 without bias (Lemire's multiply-shift with
   rejection). Resamples run in parallel (OpenMP), each one computed by
   one thread in a fixed order (draw i into partial sum i mod 4), so the
   result does not depend on the thread count. A resample's mean is
   x̄ + Σ(x_i - x̄)/n over its draws, x̄ the sample mean: rounding then
   scales with the spread of x rather than its magnitude, and a constant
   sample gives exactly x̄. The B means are cut by selection
   (stats_quantile), which gives what sorting them and applying GSL's rule
   gives. NaN bounds when n < 2.
   Cost: B·n draws of about 1.2 ns each (1.5 ns for the ratio) on one
   core, measured on a 2-vCPU AMD EPYC VM: n = 100,000 and B = 1000 take
   0.12 s on one core and 0.06 s on two (ratio 0.15 s and 0.08 s); the 50
   cells of a segment x channel matrix of 600,000 customers in all, at
   B = 1000, 0.67 s on one core and 0.35 s on two. Plus 8 B bytes, and a
   5 kB generator on each thread's stack; nothing else is allocated.
   Callers that want the cells of a matrix independent pass each cell its
   own seed: with the same seed, two cells of the same size draw the same
   indices. Returns CX_OK, or CX_EUSAGE (level not in (0, 1), B < 1, n at
   or above 2^32, a value not finite) or CX_EINTERNAL (out of memory)
   recorded in e; *lo and *hi are then NaN. */
int inf_bootstrap_mean(const double *x, size_t n, int B, double level, uint64_t seed, double *lo,
                       double *hi, struct cx_err *e);

/* Percentile bootstrap confidence interval of the ratio of sums
   sum(num) / sum(den) (a cost of sales ratio: channel cost over net, per
   customer pairs), resampling the n (num[i], den[i]) pairs together with
   the same streams, rules and cost as inf_bootstrap_mean. A resample
   whose den sum is 0 has an infinite ratio, which sorts at its end; when
   some resample gives 0/0, the interval is undefined and both bounds are
   NaN, as they are when n < 2. Returns as inf_bootstrap_mean. */
int inf_bootstrap_ratio(const double *num, const double *den, size_t n, int B, double level,
                        uint64_t seed, double *lo, double *hi, struct cx_err *e);

/* The seed given to gsl_rng_set (mt19937, which keeps 32 bits) for
   resample b of a bootstrap seeded with seed: the top 32 bits of a
   splitmix64 mix of both (and of a constant of this module, so that
   streams differ from those other modules derive from the same seed). */
unsigned long inf_stream_seed(uint64_t seed, uint64_t b);

/* Writes to out[0..m) the first m 32-bit outputs of the stream of resample
   b: the outputs of gsl_rng_get on a gsl_rng_mt19937 seeded with
   inf_stream_seed(seed, b), which the bootstraps compute with their own
   copy of the generator (see inference.c). For tests, and to reproduce a
   resample. */
void inf_stream_peek(uint64_t seed, uint64_t b, uint32_t *out, size_t m);

#endif
