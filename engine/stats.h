/*
 * stats — order statistics by selection (see stats.c).
 */
#ifndef CANAUX_STATS_H
#define CANAUX_STATS_H

#include <stddef.h>

/* The k-th smallest value of a[0..n) (0-based, k < n), reordering a.
   Deterministic. NaN values are not allowed. */
double stats_select(double *a, size_t n, size_t k);

/* Quantile q (0..1) of a[0..n), reordering a, with the definition of GSL's
   gsl_stats_quantile_from_sorted_data: linear interpolation between the
   order statistics around (n - 1) q. 0 when n is 0. */
double stats_quantile(double *a, size_t n, double q);

#endif
