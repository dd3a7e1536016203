/*
 * radix — see radix.h. One counting pass per 16-bit digit through a
 * buffer of the same size; the result is copied back when the number of
 * passes is odd. Doubles (radix_sort_f64) have their own loop, further
 * down: it moves them through a[] itself to need one buffer, not two.
 */
#include "engine/radix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int sort(uint64_t *key, uint32_t *val, size_t n, int bits)
{
    uint64_t *k2 = malloc((n + 1) * sizeof *k2);
    uint32_t *v2 = val ? malloc((n + 1) * sizeof *v2) : NULL;
    size_t *cnt = malloc(65536 * sizeof *cnt);
    if (k2 == NULL || cnt == NULL || (val && v2 == NULL)) {
        free(k2);
        free(v2);
        free(cnt);
        return -1;
    }
    uint64_t *ka = key, *kb = k2;
    uint32_t *va = val, *vb = v2;
    int passes = 0;
    for (int sh = 0; sh < bits; sh += 16, passes++) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(ka[i] >> sh) & 0xffff]++;
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t p = cnt[(ka[i] >> sh) & 0xffff]++;
            kb[p] = ka[i];
            if (val)
                vb[p] = va[i];
        }
        uint64_t *tk = ka;
        ka = kb;
        kb = tk;
        uint32_t *tv = va;
        va = vb;
        vb = tv;
    }
    if (passes % 2) {
        memcpy(key, ka, n * sizeof *key);
        if (val)
            memcpy(val, va, n * sizeof *val);
    }
    free(k2);
    free(v2);
    free(cnt);
    return 0;
}

int radix_sort(uint64_t *a, size_t n, int bits)
{
    return sort(a, NULL, n, bits);
}

int radix_sort_pairs(uint64_t *key, uint32_t *val, size_t n, int bits)
{
    return sort(key, val, n, bits);
}

/* ---- doubles ----
 *
 * A double's bits become a key whose unsigned order is the numeric order:
 * the sign bit set on positives, every bit flipped on negatives. -0 takes
 * the key of +0, so that the two compare equal as they do for qsort's
 * comparator, and a stable sort keeps them in input order; which zeros
 * were negative is noted (a bit per zero, in input order, only once a -0
 * shows up) and put back after the sort. Decreasing order sorts the
 * complemented keys: equal values still keep their input order, as a
 * stable merge sort with the mirrored comparator keeps them.
 *
 * The keys go to a buffer of n; the passes then move them between it and
 * a[] itself (through memcpy: a[] holds doubles), so the only temporary
 * memory is that buffer. Digits are 11 bits (6 passes, 2048 counters that
 * stay in the L1 cache); all histograms come from the pass that makes the
 * keys, and a digit all keys share is skipped (the sign and exponent bits
 * of values of one magnitude, for instance). */

#define F64_BITS 11
#define F64_DIGITS 6
#define F64_RADIX (1u << F64_BITS)
#define F64_SMALL 256   /* below this, qsort: it is as fast and surely the same */

static int f64_cmp_asc(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return x < y ? -1 : x > y;
}

static int f64_cmp_desc(const void *pa, const void *pb)
{
    double x = *(const double *)pa, y = *(const double *)pb;
    return x > y ? -1 : x < y;
}

static inline uint64_t f64_key(double x, uint64_t flip)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    if (x == 0)
        u = 0;
    u = (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
    return u ^ flip;
}

static inline double f64_value(uint64_t k, uint64_t flip)
{
    k ^= flip;
    k = (k >> 63) ? k & ~(UINT64_C(1) << 63) : ~k;
    double x;
    memcpy(&x, &k, sizeof x);
    return x;
}

/* One counting pass on the digit at `sh` from src to dst (either may be
   a[], read and written as bytes); the keys are turned back into doubles
   when `last`. cnt holds the digit's counts and is turned into offsets. */
static void f64_pass(const void *src, void *dst, size_t n, int sh, size_t *cnt, int last, uint64_t flip)
{
    const unsigned char *s = src;
    unsigned char *d = dst;
    size_t sum = 0;
    for (size_t v = 0; v < F64_RADIX; v++) {
        size_t c = cnt[v];
        cnt[v] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k;
        memcpy(&k, s + i * sizeof k, sizeof k);
        size_t p = cnt[(k >> sh) & (F64_RADIX - 1)]++;
        if (last) {
            double x = f64_value(k, flip);
            memcpy(d + p * sizeof x, &x, sizeof x);
        } else {
            memcpy(d + p * sizeof k, &k, sizeof k);
        }
    }
}

int radix_sort_f64(double *a, size_t n, int desc)
{
    int (*cmp)(const void *, const void *) = desc ? f64_cmp_desc : f64_cmp_asc;
    if (n < F64_SMALL) {
        qsort(a, n, sizeof *a, cmp);
        return 0;
    }
    uint64_t flip = desc ? ~UINT64_C(0) : 0;
    uint64_t *key = malloc(n * sizeof *key);
    size_t *cnt = calloc((size_t)F64_DIGITS * F64_RADIX, sizeof *cnt);
    uint64_t *negz = NULL;   /* bit j: the j-th zero of the input is -0 */
    size_t nz = 0;
    int rc = -1;
    if (key == NULL || cnt == NULL)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double x = a[i];
        if (x != x) {
            /* No key can place a NaN as the comparator does (it compares
               equal to everything): the sort is qsort's own. */
            qsort(a, n, sizeof *a, cmp);
            rc = 0;
            goto done;
        }
        if (x == 0) {
            if (signbit(x)) {
                if (negz == NULL && (negz = calloc(n / 64 + 1, sizeof *negz)) == NULL)
                    goto done;
                negz[nz / 64] |= UINT64_C(1) << (nz % 64);
            }
            nz++;
        }
        uint64_t k = f64_key(x, flip);
        key[i] = k;
        for (int d = 0; d < F64_DIGITS; d++)
            cnt[(size_t)d * F64_RADIX + ((k >> (d * F64_BITS)) & (F64_RADIX - 1))]++;
    }
    int dig[F64_DIGITS], np = 0;
    for (int d = 0; d < F64_DIGITS; d++)
        if (cnt[(size_t)d * F64_RADIX + ((key[0] >> (d * F64_BITS)) & (F64_RADIX - 1))] != n)
            dig[np++] = d;
    if (np == 0) {   /* all keys equal: the input order stands, bits and all */
        rc = 0;
        goto done;
    }
    /* The passes alternate key -> a -> key ...: with an odd count the last
       lands in a[] and writes doubles; with an even one a last loop does. */
    void *buf[2] = { key, a };
    for (int p = 0; p < np; p++)
        f64_pass(buf[p % 2], buf[(p + 1) % 2], n, dig[p] * F64_BITS, cnt + (size_t)dig[p] * F64_RADIX,
                 p == np - 1 && np % 2 == 1, flip);
    if (np % 2 == 0)
        for (size_t i = 0; i < n; i++)
            a[i] = f64_value(key[i], flip);
    if (negz != NULL)   /* the zeros, now together, are in input order */
        for (size_t i = 0, j = 0; i < n && j < nz; i++)
            if (a[i] == 0) {
                if (negz[j / 64] >> (j % 64) & 1)
                    a[i] = -0.0;
                j++;
            }
    rc = 0;
done:
    free(key);
    free(cnt);
    free(negz);
    return rc;
}
