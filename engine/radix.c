/*
 * radix — see radix.h. One counting pass per 16-bit digit through a
 * buffer of the same size; the result is copied back when the number of
 * passes is odd.
 */
#include "engine/radix.h"

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
