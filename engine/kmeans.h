/*
 * kmeans — k-means clustering of a dense row-major matrix (n points x d
 * features, doubles), for customer segmentation: k-means++ seeding,
 * restarts, Hamerly's bounds, and the scores used to choose k.
 *
 * Results are identical to the last bit for any thread count. Every sum
 * over points (cluster sums, inertia, k-means++ D^2 totals) is made over
 * fixed chunks of KMEANS_CHUNK points, each chunk into its own slot, and
 * the slots are added in chunk order; the chunking never depends on the
 * thread count. Per-feature means and variances are one sequential sum per
 * feature, in point order, made by one thread. A point's squared
 * distance to a centre is always the same sum, sum_j (x_j - c_j)^2 added in
 * feature order, whatever routine computes it, and the nearest centre is
 * the one with the smallest such value, the lowest index on ties.
 *
 * The algorithm is split GSL-style into initialise (kmeans_init_pp),
 * iterate (kmeans_iterate: one Lloyd step) and test convergence
 * (kmeans_converged), so that tests can look at each step; kmeans_run
 * drives restarts and uses Hamerly's bounds to skip distances, with labels,
 * centroids and inertia identical to a loop of kmeans_iterate (see
 * kmeans_run). A workspace sized once holds everything the iterations
 * need: nothing is allocated inside them.
 */
#ifndef CANAUX_KMEANS_H
#define CANAUX_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "engine/cx_err.h"

#define KMEANS_KMAX 256     /* largest number of clusters */
#define KMEANS_CHUNK 1024   /* points per reduction chunk (fixed: see above) */

/* Opaque workspace for up to n points, d features and kmax clusters:
   about 20 bytes a point plus (n / KMEANS_CHUNK) x kmax x (d + 1) x 8. */
struct kmeans_ws;

/* Returns a workspace for up to n points, d features and kmax clusters,
   or NULL when out of memory or when n, d or kmax is 0 (kmax above
   KMEANS_KMAX, or n at or above 2^32, also give NULL). Free with
   kmeans_ws_free. */
struct kmeans_ws *kmeans_ws_alloc(size_t n, size_t d, int kmax);
/* Frees w; accepts NULL. */
void kmeans_ws_free(struct kmeans_ws *w);
/* Point-centre distances computed by the last kmeans_run on w, over all its
   restarts (plain Lloyd computes n x k a step): how much Hamerly saved. */
uint64_t kmeans_ws_ndist(const struct kmeans_ws *w);
/* Tuning: when kmeans_run uses Hamerly's bounds. A restart makes plain
   Lloyd steps until fewer than change_max x n labels change in one, then a
   Lloyd step that also sets the bounds, then Hamerly steps while at least
   pass_min x n points keep their label by their bounds alone; below that,
   Lloyd steps again. Early steps move most points and the bounds cannot
   pay for their upkeep (square roots, 16 bytes a point read and written).
   change_max > 1 sets the bounds in the first step and pass_min 0 keeps
   them: plain Hamerly; change_max 0: plain Lloyd. Defaults 0.04 and 0.6,
   the fastest of those tried on 2 cores (600k x 9, k = 4..12, separated
   and continuous data): Hamerly's steps beat Lloyd's from about 60% of
   points passing. Results are the same whatever the values; only speed
   changes. */
void kmeans_ws_set_hamerly(struct kmeans_ws *w, double change_max, double pass_min);

/* k-means++ seeding (Arthur & Vassilvitskii 2007), one candidate a step:
   the first centre is x[gsl_rng_uniform_int(r, n)]; each next one is point
   i drawn with probability D(i)^2 / sum D^2, D(i) the distance from point i
   to its nearest chosen centre (one gsl_rng_uniform(r) a draw, the walk
   over chunks in order). When every D(i) is 0 (fewer distinct points than
   k) the next centre is drawn uniformly. Every centre is a copy of a point,
   and a point already chosen is not drawn again while another has D > 0.
   Writes k x d doubles to cent (caller-owned). Needs 1 <= k <= n, n and d
   within w's sizes. Returns CX_OK, or CX_EUSAGE (k out of range) or
   CX_EINTERNAL (sizes beyond w) recorded in e. */
int kmeans_init_pp(const double *x, size_t n, size_t d, int k, gsl_rng *r, double *cent,
                   struct kmeans_ws *w, struct cx_err *e);

/* One Lloyd step. Assigns every point to its nearest centre of cent (k x d)
   and writes the assignment to labels (n), then writes the means of the
   clusters to cent_out (k x d; must not overlap cent). Returns the inertia
   of the assignment: sum over points of the squared distance to the centre
   of cent it was assigned to.
   Empty clusters: each cluster left with no point, in increasing index,
   takes the point farthest from its centre in cent (largest squared
   distance, lowest point index on ties) among the points of clusters that
   still hold at least two and were not already taken in this step; that
   point is removed from its cluster's sum and count and becomes the empty
   cluster's centroid, exactly. labels and the returned inertia still show
   the nearest-centre assignment (as scikit-learn does): the next step puts
   the point in its new cluster. With n >= k no cluster stays empty; with
   n < k a cluster that finds no point keeps its centroid.
   Returns NAN when k, n or d is 0 or beyond w's sizes. */
double kmeans_iterate(const double *x, size_t n, size_t d, int k, const double *cent,
                      double *cent_out, uint32_t *labels, struct kmeans_ws *w);

/* The absolute tolerance of kmeans_run for a relative tol: tol x the mean
   over features of the population variance (1/n) sum_i (x_ij - mean_j)^2.
   NAN or infinite when x holds a value that is not finite (or whose square
   overflows). */
double kmeans_tol_abs(const double *x, size_t n, size_t d, double tol);

/* Convergence test: 1 when the largest squared Euclidean shift of a centre
   between old and cent (k x d each) is <= tol_abs, else 0. kmeans_run
   passes kmeans_tol_abs(x, n, d, tol); with tol 0 it stops as soon as the
   labels stop changing (the centroids then repeat exactly). */
int kmeans_converged(const double *old, const double *cent, size_t d, int k, double tol_abs);

struct kmeans_params {
    int k;            /* clusters, 1..KMEANS_KMAX and at most n */
    int n_init;       /* restarts (k-means++ seedings), >= 1 */
    int max_iter;     /* Lloyd steps per restart at most, >= 1 */
    double tol;       /* relative tolerance, >= 0 (see kmeans_tol_abs) */
    uint64_t seed;    /* seed of the restarts' random streams */
};

/* k = 8, n_init = 10, max_iter = 300, tol = 1e-4, seed = 1. */
void kmeans_defaults(struct kmeans_params *p);

struct kmeans_result {
    double *cent;        /* k x d centroids, caller-allocated */
    uint32_t *labels;    /* n labels in 0..k-1, caller-allocated */
    double inertia;      /* sum of squared distances of points to their centroid */
    int iterations;      /* Lloyd steps of the restart kept */
    int converged;       /* 1 when that restart met the tolerance within max_iter */
    int best_init;       /* index of the restart kept, 0..n_init-1 */
};

/* The seed given to gsl_rng_set (gsl_rng_mt19937) for restart r of a run
   with this seed: a 64-bit mix of both (splitmix64), top 32 bits, since
   mt19937 uses 32 bits of its seed. */
unsigned long kmeans_restart_seed(uint64_t seed, int restart);

/* k-means with p->n_init restarts. Restart r seeds w's mt19937 with
   kmeans_restart_seed(p->seed, r), runs kmeans_init_pp, then Lloyd steps
   until kmeans_converged(old, new, d, k, kmeans_tol_abs(x, n, d, p->tol))
   or p->max_iter steps; its centroids are then the last step's output, and
   its labels and inertia those of one last kmeans_assign to them (so that
   labels match centroids). The restart with the lowest inertia is kept
   (ties: the lowest index) into res->cent and res->labels.
   Once few labels change (see kmeans_ws_set_hamerly), the steps use
   Hamerly's bounds (one upper, one lower bound a point) to skip distances,
   yet give exactly what kmeans_iterate gives: a point keeps its label
   without computing distances only when its bounds prove its centre
   strictly nearer than every other by a margin that covers the rounding
   of the computed squared distances and of the bounds themselves (bounds
   are rounded outward); every other point gets all k distances, computed
   and compared as kmeans_iterate does, ties to the lowest index. Cluster
   sums are made from the labels in point order within each chunk, never
   updated point by point, so they are the same sums in the same order (a
   chunk whose labels cannot have changed keeps its sums of the step
   before, which are those).
   (Assumes no underflow: differences between features and centres are 0
   or above about 1e-150 in magnitude, as standardised features are.)
   Returns CX_OK, or CX_EUSAGE (bad parameters), CX_EINTERNAL (sizes beyond
   w, a value of x not finite) recorded in e; res is then unspecified. */
int kmeans_run(const double *x, size_t n, size_t d, const struct kmeans_params *p,
               struct kmeans_result *res, struct kmeans_ws *w, struct cx_err *e);

/* kmeans_run with its restarts spread over threads: up to nws restarts at
   once (at most KMEANS_NWS_MAX), each whole on one thread with its own
   workspace ws[t] (each sized as kmeans_run needs). Every restart gives the
   same bits on one thread as on many, and the kept one is chosen as
   kmeans_run chooses (lowest inertia, lowest index on ties), so res is
   kmeans_run's, bit for bit; res->labels come from assigning the points to
   the kept centroids again. kmeans_ws_ndist(ws[0]) gets the distances of
   all restarts. For few points a step (~20k) is too little work to share
   between threads; kmeans_run shares each step instead. nws = 1 is
   kmeans_run. Returns as kmeans_run. */
#define KMEANS_NWS_MAX 64
int kmeans_run_par(const double *x, size_t n, size_t d, const struct kmeans_params *p,
                   struct kmeans_result *res, struct kmeans_ws *const *ws, int nws,
                   struct cx_err *e);

/* Assigns each point to its nearest centre of cent (k x d; lowest index on
   ties) into labels (n), and its squared distance into dist2 (n) unless
   dist2 is NULL. Returns the inertia (sum of those squared distances,
   summed over fixed chunks), or NAN when k is not in 1..KMEANS_KMAX.
   Parallel; needs no workspace and allocates nothing. */
double kmeans_assign(const double *x, size_t n, size_t d, const double *cent, int k,
                     uint32_t *labels, double *dist2);

/* Calinski-Harabasz score: (B / (m - 1)) / (W / (n - m)), with m the number
   of non-empty clusters, B = sum_c n_c |cent_c - mean of x|^2 over them,
   W = sum_i |x_i - cent_{labels_i}|^2. cent should be the clusters' means
   (as kmeans_run returns). 0 when undefined (m < 2, n <= m, W = 0); NAN
   when a label is >= k, k is not in 1..KMEANS_KMAX, or out of memory (d
   doubles). kmeans_means, the W sum and kmeans_calinski_harabasz_w. */
double kmeans_calinski_harabasz(const double *x, size_t n, size_t d, const double *cent, int k,
                                const uint32_t *labels);

/* Mean silhouette of the m sampled points idx[0..m) (indices into x),
   each against the other sampled points only: a = mean Euclidean distance
   to the other sampled points of its cluster, b = the lowest mean distance
   to the sampled points of another cluster, s = (b - a) / max(a, b).
   A point alone in its cluster within the sample, or in a sample with no
   other cluster, scores 0 (as does max(a, b) = 0). O(m^2 d). Returns 0
   when m is 0, NAN when an index is >= n, a label >= k, or k is not in
   1..KMEANS_KMAX. */
double kmeans_silhouette(const double *x, size_t n, size_t d, const uint32_t *labels, int k,
                         const size_t *idx, size_t m);

/* The means of the d features of x into mean (d), each a sum in point
   order as kmeans_calinski_harabasz makes it. */
void kmeans_means(const double *x, size_t n, size_t d, double *mean);

/* kmeans_calinski_harabasz from parts already known, without reading the
   points: mean, the feature means from kmeans_means, and within, W of
   these labels and centres (the inertia kmeans_assign returned when it
   wrote the labels is that sum, bit for bit). Gives the same value. */
double kmeans_calinski_harabasz_w(size_t n, size_t d, const double *mean, const double *cent,
                                  int k, const uint32_t *labels, double within);

/* Mean silhouettes of nl labelings of the same m points at once (nl at
   most KMEANS_SIL_MAX): xs holds the m points (m x d, in sample order),
   labels[t * nl + j] the label of point t in labeling j, k[j] its
   clusters. out[j] gets kmeans_silhouette's value for labeling j over
   those points (bit for bit: each distance is computed once and added to
   every labeling's sums in the same order). Returns 0, or -1 (nl or a k
   out of range, a label >= its k) with out untouched. */
#define KMEANS_SIL_MAX 16
int kmeans_silhouettes(const double *xs, size_t m, size_t d, const uint32_t *labels,
                       const int *k, int nl, double *out);

/* Adjusted Rand index of two labelings of n points (Hubert & Arabie 1985):
   1 for the same partition whatever the label values, about 0 for
   independent ones, possibly negative. Labels are any uint32 values.
   1 when n < 2 or when both labelings put every point alone or all
   together. Allocates a contingency table (or 8n bytes when labels are
   large); NAN when out of memory. */
double kmeans_ari(const uint32_t *a, const uint32_t *b, size_t n);

#endif
