/*
 * strtab — see strtab.h.
 *
 * The index is a power-of-two array of 8-byte slots {hash32, id} kept at most
 * half full, probed linearly. The 32-bit hash in the slot rejects almost every
 * non-matching probe without touching the arena, which matters because the
 * arena is where the cache misses are. Growth doubles the index and re-slots
 * from the stored hashes: strings are never rehashed.
 */
#include "engine/strtab.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    uint32_t h;    /* low 32 bits of the string's hash */
    uint32_t id;   /* STRTAB_NONE when the slot is empty */
};

struct strtab {
    struct slot *slots;   /* hash index, nslots entries */
    uint32_t nslots;      /* a power of two, 0 before the first insertion */
    uint32_t count;       /* strings held */
    uint32_t cap;         /* capacity of off[] and hs[] in strings */
    uint32_t *off;        /* arena offset of each string, count+1 entries */
    uint32_t *hs;         /* low 32 bits of each string's hash */
    char *arena;          /* the strings, each followed by a NUL */
    size_t arena_len;     /* bytes used in arena */
    size_t arena_cap;     /* bytes allocated for arena */
};

static inline uint64_t rd64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t strtab_hash(const char *s, size_t n)
{
    const uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull;
    uint64_t h = k0 ^ (n * k1);
    while (n >= 8) {
        h = mix(h ^ rd64(s), k1);
        s += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t v = 0;
        memcpy(&v, s, n);
        h = mix(h ^ v ^ ((uint64_t)n << 56), k0);
    }
    return mix(h, k1 ^ 0x8ebc6af09c88c6e3ull);
}

struct strtab *strtab_create(void)
{
    struct strtab *t = calloc(1, sizeof *t);
    return t;
}

void strtab_free(struct strtab *t)
{
    if (t == NULL)
        return;
    free(t->slots);
    free(t->off);
    free(t->hs);
    free(t->arena);
    free(t);
}

void strtab_clear(struct strtab *t)
{
    if (t->nslots)
        memset(t->slots, 0xff, (size_t)t->nslots * sizeof *t->slots);
    t->count = 0;
    t->arena_len = 0;
    if (t->off)
        t->off[0] = 0;
}

static int grow_index(struct strtab *t)
{
    uint32_t n = t->nslots ? t->nslots * 2 : 64;
    while (n != 0 && (uint64_t)(t->count + 1) * 10 > (uint64_t)n * 7)   /* after strtab_drop_index */
        n *= 2;
    if (n == 0)
        return -1;
    struct slot *s = malloc((size_t)n * sizeof *s);
    if (s == NULL)
        return -1;
    memset(s, 0xff, (size_t)n * sizeof *s);
    uint32_t mask = n - 1;
    for (uint32_t id = 0; id < t->count; id++) {
        uint32_t i = t->hs[id] & mask;
        while (s[i].id != STRTAB_NONE)
            i = (i + 1) & mask;
        s[i].h = t->hs[id];
        s[i].id = id;
    }
    free(t->slots);
    t->slots = s;
    t->nslots = n;
    return 0;
}

static inline int same(const struct strtab *t, uint32_t id, const char *s, size_t n)
{
    uint32_t o = t->off[id];
    return t->off[id + 1] - o - 1 == n && memcmp(t->arena + o, s, n) == 0;
}

uint32_t strtab_find(const struct strtab *t, const char *s, size_t n, uint64_t h)
{
    if (t->nslots == 0) {   /* no index (none yet, or dropped): a scan */
        for (uint32_t id = 0; id < t->count; id++)
            if (t->hs[id] == (uint32_t)h && same(t, id, s, n))
                return id;
        return STRTAB_NONE;
    }
    uint32_t h32 = (uint32_t)h, mask = t->nslots - 1;
    for (uint32_t i = h32 & mask;; i = (i + 1) & mask) {
        const struct slot *sl = &t->slots[i];
        if (sl->id == STRTAB_NONE)
            return STRTAB_NONE;
        if (sl->h == h32 && same(t, sl->id, s, n))
            return sl->id;
    }
}

uint32_t strtab_intern(struct strtab *t, const char *s, size_t n, uint64_t h)
{
    uint32_t h32 = (uint32_t)h;
    /* At most 70% full: probes stay short and the index stays small. */
    if ((uint64_t)(t->count + 1) * 10 > (uint64_t)t->nslots * 7) {
        if (t->count >= STRTAB_NONE - 1 || grow_index(t) != 0)
            return STRTAB_NONE;
    }
    uint32_t mask = t->nslots - 1, i;
    for (i = h32 & mask;; i = (i + 1) & mask) {
        struct slot *sl = &t->slots[i];
        if (sl->id == STRTAB_NONE)
            break;
        if (sl->h == h32 && same(t, sl->id, s, n))
            return sl->id;
    }
    if (t->count + 1 >= t->cap) {
        uint32_t c = t->cap ? t->cap * 2 : 64;
        uint32_t *o = realloc(t->off, ((size_t)c + 1) * sizeof *o);
        if (o == NULL)
            return STRTAB_NONE;
        t->off = o;
        uint32_t *hs = realloc(t->hs, (size_t)c * sizeof *hs);
        if (hs == NULL)
            return STRTAB_NONE;
        t->hs = hs;
        t->cap = c;
        if (t->count == 0)
            t->off[0] = 0;
    }
    /* Offsets are 32-bit: 4 GiB of text per field at most. */
    if (t->arena_len + n + 1 > UINT32_MAX)
        return STRTAB_NONE;
    if (t->arena_len + n + 1 > t->arena_cap) {
        size_t c = t->arena_cap ? t->arena_cap * 2 : 1024;
        while (c < t->arena_len + n + 1)
            c *= 2;
        char *a = realloc(t->arena, c);
        if (a == NULL)
            return STRTAB_NONE;
        t->arena = a;
        t->arena_cap = c;
    }
    memcpy(t->arena + t->arena_len, s, n);
    t->arena[t->arena_len + n] = '\0';
    t->arena_len += n + 1;
    uint32_t id = t->count++;
    t->off[id + 1] = (uint32_t)t->arena_len;
    t->hs[id] = h32;
    t->slots[i].h = h32;
    t->slots[i].id = id;
    return id;
}

void strtab_prefetch(const struct strtab *t, uint64_t h)
{
    if (t->nslots)
        __builtin_prefetch(&t->slots[(uint32_t)h & (t->nslots - 1)]);
}

uint32_t strtab_count(const struct strtab *t)
{
    return t->count;
}

const char *strtab_str(const struct strtab *t, uint32_t id, size_t *len)
{
    uint32_t o = t->off[id];
    if (len)
        *len = t->off[id + 1] - o - 1;
    return t->arena + o;
}

void strtab_drop_index(struct strtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
}

uint32_t strtab_hash32(const struct strtab *t, uint32_t id)
{
    return t->hs[id];
}

size_t strtab_bytes(const struct strtab *t)
{
    return sizeof *t + (size_t)t->nslots * sizeof *t->slots +
           (size_t)t->cap * (sizeof *t->off + sizeof *t->hs) + t->arena_cap;
}
