/*
 * radix — least-significant-digit radix sorts of 64-bit keys, 16 bits a
 * pass: the sorts behind distinct counts and groupings of millions of
 * orders (distinct orders, categories per customer, orders by customer and
 * channel), where a comparison sort costs several times more.
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

#endif
