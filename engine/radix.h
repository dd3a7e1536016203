/*
 * radix — least-significant-digit radix sorts of 64-bit keys, 16 bits a
 * pass: the sorts behind distinct counts and groupings of millions of
 * orders (distinct orders, categories per customer, orders by customer and
 * channel), where a comparison sort costs several times more; and sorts
 * of doubles (channel economics, Mann–Whitney, RFM thresholds) that give
 * exactly what qsort gave.
 */
#ifndef CANAUX_RADIX_H
#define CANAUX_RADIX_H

#include <stddef.h>
#include <stdint.h>

/* Sorts a[0..n) by the low `bits` bits of each key (rounded up to a
   multiple of 16; the other bits must be 0 or equal). Stable. Returns 0,
   or -1 when out of memory (a unchanged). */
int radix_sort(uint64_t *a, size_t n, int bits);

/* The same, moving val[i] with key[i]. */
int radix_sort_pairs(uint64_t *key, uint32_t *val, size_t n, int bits);

/* Sorts the doubles a[0..n) in increasing order (desc = 0) or decreasing
   order (desc != 0), leaving a[] bit for bit as glibc's qsort (a stable
   merge sort) leaves it with the comparator x < y ? -1 : x > y (or its
   mirror x > y ? -1 : x < y): values that compare equal, -0 and +0
   included, keep their input order, and each keeps its bits. Arrays
   holding a NaN, and short ones, go to that very qsort, so the order is
   today's in every case. Returns 0, or -1 when out of memory (a
   unchanged). Temporary memory: 8 bytes an element. */
int radix_sort_f64(double *a, size_t n, int desc);

#endif
