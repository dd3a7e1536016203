/*
 * segment — customers into segments of similar buying habits (SPEC §3):
 * transforms and standardisation of the features, k-means with k chosen
 * over a range, segment profiles and names, RFM scores, and the model that
 * keeps segment ids and names stable from one night to the next.
 *
 * The choice behind it: restarts and the choice of k run on a deterministic
 * sample of customers (every m-th customer in id order), where k-means is
 * cheap; the scores of each k are then measured on all customers (inertia,
 * Calinski–Harabasz) or a fixed sample (silhouette, O(m^2)), and the chosen
 * solution is refined by Lloyd iterations on all customers. Everything
 * runs through the deterministic parallel kernels of kmeans.c, so results
 * are identical for any thread count.
 */
#ifndef CANAUX_SEGMENT_H
#define CANAUX_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/features.h"
#include "engine/rfm.h"

#define SEG_MAX_K 16
#define SEG_NAME 48
#define SEG_MIN_PER_K 10   /* customers a segment, on average, that automatic k needs */

/* How a feature is transformed before standardisation. */
enum seg_transform {
    SEG_T_NONE,   /* as it is */
    SEG_T_LOG,    /* sign(x) log(1 + |x|): skewed amounts and counts */
    SEG_T_RATE    /* log(1 + x / s), s = median of the positive values: zero-inflated rates */
};

struct seg_options {
    int k;                        /* number of segments, 0 = choose in [kmin, kmax] */
    int kmin, kmax;               /* range of the automatic choice (default 2..8) */
    int n_init;                   /* k-means restarts (default 10) */
    int max_iter;                 /* Lloyd iterations at most (default 300) */
    double tol;                   /* convergence tolerance (default 1e-4) */
    uint64_t seed;                /* random seed (default 1) */
    size_t sample;                /* customers in the fitting sample (default 20000) */
    size_t sil_sample;            /* customers in the silhouette sample (default 3000) */
    int use[F_N];                 /* 1 when the feature is clustered on */
    int transform[F_N];           /* enum seg_transform of each feature */
    double clip;                  /* standardised values are clipped to +-clip (default 4) */
};

/* What --save-model keeps: the scaler, the centroids and the names. */
struct seg_model {
    int k;                        /* segments */
    int d;                        /* features clustered on */
    int feat[F_N];                /* their enum feat_id, in column order */
    int transform[F_N];           /* transform of each column */
    double rate_scale[F_N];       /* s of SEG_T_RATE columns (1 otherwise) */
    double center[F_N];           /* mean of each transformed column */
    double scale[F_N];            /* its standard deviation (1 when 0) */
    double clip;                  /* clipping of standardised values */
    double cent[SEG_MAX_K * F_N]; /* centroids, k x d, standardised */
    int id[SEG_MAX_K];            /* the stable id shown for each segment */
    char name[SEG_MAX_K][SEG_NAME]; /* segment names */
};

/* The score of one k of the automatic choice. */
struct seg_kscore {
    int k;
    double inertia;               /* on all customers, standardised units */
    double ch;                    /* Calinski–Harabasz, on all customers */
    double silhouette;            /* mean silhouette on the silhouette sample */
};

/* Profile of one segment, in original units. */
struct seg_profile {
    size_t customers;             /* size */
    double share;                 /* of customers */
    double median[F_N];           /* medians of every feature */
    double mean[F_N];             /* means of every feature */
    double monetary_share;        /* share of the total net */
};

struct segmentation {
    struct seg_model model;       /* the model used or made */
    uint32_t n;                   /* customer ids (as in struct features) */
    int16_t *segment;             /* segment of each customer, -1 when absent */
    struct seg_kscore scores[SEG_MAX_K]; /* automatic choice, nscores entries */
    int nscores;
    int chosen_k;                 /* the k used */
    int k_capped_from;            /* automatic k: the k_max asked for when there were too few
                                     customers for it (then k_max was n / SEG_MIN_PER_K), else 0 */
    int iterations;               /* Lloyd iterations of the final refinement */
    double inertia;               /* final inertia on all customers */
    int matched;                  /* 1 when ids were matched to a previous model */
    struct seg_profile prof[SEG_MAX_K];
    uint8_t *r, *f, *m;           /* RFM scores 1..5 of each customer (0 when absent) */
    struct rfm_bins bins[3];      /* RFM thresholds and counts */
};

void seg_defaults(struct seg_options *o);

/* Segments the customers of f. With prev (a saved model) the new segments
   are matched to its segments by an optimal assignment on centroid
   distance, so that ids and names carry over; new segments get new ids.
   Automatic k is bounded by the customers (k_capped_from says when):
   SEG_MIN_PER_K of them a segment on average, one segment below that.
   Returns CX_OK; CX_EUSAGE when an explicit k exceeds the customers, or
   there is no customer;
   CX_EINTERNAL when out of memory. Free with segment_free. */
int segment_fit(const struct features *f, const struct seg_options *o, const struct seg_model *prev,
                struct segmentation *s, struct cx_err *e);

/* Assigns the customers of f to the segments of a saved model without
   re-clustering (canaux score). */
int segment_score(const struct features *f, const struct seg_model *m, struct segmentation *s,
                  struct cx_err *e);

void segment_free(struct segmentation *s);

/* The standardised features of customer c under model m, as clustered
   (m->d values into z). */
void segment_standardise(const struct seg_model *m, const struct features *f, uint32_t c, double *z);

const char *seg_transform_name(int t);

#endif
