/*
 * plausible — see plausible.h. Counts are written with thousands commas,
 * amounts with two decimals: sentences for people.
 */
#include "loaders/plausible.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loaders/source.h"

/* n with thousands commas ("3,886") into buf (at least 28 bytes). */
static const char *count(uint64_t n, char *buf)
{
    char t[32];
    int len = snprintf(t, sizeof t, "%llu", (unsigned long long)n), k = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = t[i];
    }
    buf[k] = '\0';
    return buf;
}

int plausible_file(struct cx_warnings *w, const struct reader_stats *st)
{
    const struct rows_tally *t = &st->tally;
    char a[32], b[32];
    if (st->encoding_guessed &&
        cx_warn(w, CX_WARN_ENCODING, "%s is not UTF-8: read as %s (set encoding in [input] of "
                "the configuration, or --encoding, if that is wrong)", st->name,
                st->encoding == SRC_CP1252 ? "Windows-1252" : source_encoding_name(st->encoding)))
        return CX_EINTERNAL;
    if (t->revenue_mismatch) {
        char ex[400] = "";
        size_t k = 0;
        for (int i = 0; i < t->nex && k < sizeof ex; i++)
            k += (size_t)snprintf(ex + k, sizeof ex - k, "%sline %llu: revenue %.2f, computed %.2f",
                                  i ? "; " : "", (unsigned long long)t->ex[i].line, t->ex[i].revenue,
                                  t->ex[i].computed);
        if (cx_warn(w, CX_WARN_REVENUE, "%s: revenue differs from quantity x unit_price x "
                    "(1 - discount) by more than half a cent on %s of %s accepted rows; revenue, "
                    "what was invoiced, is taken as the net (%s%s)", st->name,
                    count(t->revenue_mismatch, a), count(st->accepted, b),
                    t->revenue_mismatch > (uint64_t)t->nex ? "first: " : "", ex))
            return CX_EINTERNAL;
    }
    if (t->margin_above_net &&
        cx_warn(w, CX_WARN_MARGIN, "%s: %s sold line%s a margin above the net (a negative cost "
                "of goods)", st->name, count(t->margin_above_net, a),
                t->margin_above_net == 1 ? " has" : "s have"))
        return CX_EINTERNAL;
    if (t->negative_cogs &&
        cx_warn(w, CX_WARN_NEGATIVE_COST, "%s: %s sold line%s a negative cost of goods", st->name,
                count(t->negative_cogs, a), t->negative_cogs == 1 ? " has" : "s have"))
        return CX_EINTERNAL;
    return CX_OK;
}

/* Puts the keys of a[0..n) in the buckets of their top byte, in place
   (McIlroy's American flag sort, one pass): bucket b is a[lo[b]..lo[b+1]). */
static void by_top_byte(uint64_t *a, size_t n, size_t lo[257])
{
    size_t next[256];
    memset(lo, 0, 257 * sizeof *lo);
    for (size_t i = 0; i < n; i++)
        lo[(a[i] >> 56) + 1]++;
    for (int b = 0; b < 256; b++) {
        lo[b + 1] += lo[b];
        next[b] = lo[b];
    }
    for (int b = 0; b < 256; b++) {
        while (next[b] < lo[b + 1]) {
            uint64_t v = a[next[b]];
            unsigned d = (unsigned)(v >> 56);
            while (d != (unsigned)b) {   /* swap v into its bucket until one of b's comes back */
                uint64_t t = a[next[d]];
                a[next[d]++] = v;
                v = t;
                d = (unsigned)(v >> 56);
            }
            a[next[b]++] = v;
        }
    }
}

/* Keys of a[0..n) equal to an earlier one: the keys are cut into 256
   buckets by their top byte in place, then each bucket goes through a
   small open-addressing set (twice its size, reused; in cache), bucket
   after bucket on several threads. The count does not depend on their
   number. Memory: the set of the largest bucket per thread, about n / 16
   bytes in all; no copy of a[]. Returns the count, or UINT64_MAX when out
   of memory. */
static uint64_t repeats(uint64_t *a, size_t n)
{
    size_t lo[257], big = 0;
    by_top_byte(a, n, lo);
    for (int b = 0; b < 256; b++)
        if (lo[b + 1] - lo[b] > big)
            big = lo[b + 1] - lo[b];
    size_t slots = 16;
    while (slots < 2 * big)
        slots *= 2;
    uint64_t dup = 0;
    int failed = 0;
    #pragma omp parallel reduction(+ : dup) if (n > 100000)
    {
        uint64_t *set = malloc(slots * sizeof *set);
        if (set == NULL) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 4)
        for (int b = 0; b < 256; b++) {
            size_t m = lo[b + 1] - lo[b];
            if (set == NULL || m < 2)
                continue;
            size_t size = 16;
            while (size < 2 * m)
                size *= 2;
            /* 0 marks an empty slot; a key of 0 is counted apart. */
            memset(set, 0, size * sizeof *set);
            int zero = 0;
            for (size_t i = lo[b]; i < lo[b + 1]; i++) {
                uint64_t k = a[i];
                if (k == 0) {
                    dup += zero;
                    zero = 1;
                    continue;
                }
                size_t j = (size_t)(k * 0x9E3779B97F4A7C15ull >> 20) & (size - 1);
                while (set[j] != 0 && set[j] != k)
                    j = (j + 1) & (size - 1);
                if (set[j] == k)
                    dup++;
                else
                    set[j] = k;
            }
        }
        free(set);
    }
    return failed ? UINT64_MAX : dup;
}

int plausible_duplicates(struct cx_warnings *w, struct reader_stats *st, int n)
{
    /* One array: the first file's grows (mremap for large ones, no copy)
       and every other file's is freed once copied in. */
    uint64_t *all = NULL;
    size_t len = 0, cap = 0;
    int rc = CX_OK;
    for (int k = 0; k < n; k++) {
        if (all == NULL) {
            all = st[k].line_hash;
            len = st[k].n_hash;
            cap = st[k].cap_hash;
        } else if (st[k].n_hash) {
            if (len + st[k].n_hash > cap) {
                uint64_t *g = realloc(all, (len + st[k].n_hash) * sizeof *g);
                if (g == NULL) {
                    rc = CX_EINTERNAL;
                    break;
                }
                all = g;
                cap = len + st[k].n_hash;
            }
            memcpy(all + len, st[k].line_hash, st[k].n_hash * sizeof *all);
            len += st[k].n_hash;
            free(st[k].line_hash);
        } else {
            free(st[k].line_hash);
        }
        st[k].line_hash = NULL;
        st[k].n_hash = st[k].cap_hash = 0;
    }
    for (int k = 0; k < n; k++) {   /* after a failure: free the rest */
        free(st[k].line_hash);
        st[k].line_hash = NULL;
        st[k].n_hash = st[k].cap_hash = 0;
    }
    if (rc == CX_OK && len > 1) {
        uint64_t dup = repeats(all, len);
        char a[32], b[32];
        if (dup == UINT64_MAX)
            rc = CX_EINTERNAL;
        else if (dup && cx_warn(w, CX_WARN_DUPLICATES, "%s of %s accepted lines repeat an earlier line "
                           "exactly (the same text%s): duplicates in the export, or a file given twice?", count(dup, a), count(len, b),
                           n > 1 ? ", over all input files" : ""))
            rc = CX_EINTERNAL;
    }
    free(all);
    return rc;
}

void plausible_channel_key(const char *name, char *out, size_t cap)
{
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 1 < cap; p++) {
        unsigned char c = *p;
        int letter = (unsigned)((c | 0x20) - 'a') < 26u, digit = (unsigned)(c - '0') < 10u;
        if (c < 0x80 && !letter && !digit)
            continue;          /* a space, a control byte or ASCII punctuation */
        out[k++] = (char)(letter ? c | 0x20 : c);
    }
    out[k] = '\0';
}

int plausible_channels(struct cx_warnings *w, const struct dataset *ds)
{
    uint32_t nch = dataset_count(ds, DS_CHANNEL);
    if (nch < 2)
        return CX_OK;
    char (*key)[128] = malloc(nch * sizeof *key);
    int *group = malloc(nch * sizeof *group);
    uint64_t *lines = NULL;
    int rc = CX_OK, any = 0;
    if (key == NULL || group == NULL) {
        rc = CX_EINTERNAL;
        goto done;
    }
    for (uint32_t c = 0; c < nch; c++) {
        plausible_channel_key(dataset_text(ds, DS_CHANNEL, c), key[c], sizeof key[c]);
        group[c] = (int)c;
        for (uint32_t d = 0; d < c; d++)
            if (group[d] == (int)d && strcmp(key[c], key[d]) == 0) {
                group[c] = (int)d;
                any = 1;
                break;
            }
    }
    if (!any)
        goto done;
    /* Line counts, only when some names collide: one pass over the lines. */
    if ((lines = calloc(nch, sizeof *lines)) == NULL) {
        rc = CX_EINTERNAL;
        goto done;
    }
    for (size_t i = 0; i < ds->n_lines; i++)
        lines[ds->h_channel[ds->l_head[i]]]++;
    for (uint32_t d = 0; d < nch && rc == CX_OK; d++) {
        if (group[d] != (int)d)
            continue;
        char text[1024];
        size_t k = 0;
        int members = 0;
        for (uint32_t c = d; c < nch; c++) {
            if (group[c] != (int)d)
                continue;
            char a[32];
            if (k >= sizeof text)
                break;          /* names that long: the first ones say enough */
            k += (size_t)snprintf(text + k, sizeof text - k, "%s\"%s\" (%s line%s)",
                                  members ? " and " : "", dataset_text(ds, DS_CHANNEL, c),
                                  count(lines[c], a), lines[c] == 1 ? "" : "s");
            members++;
        }
        if (members > 1 &&
            cx_warn(w, CX_WARN_CHANNEL_NAMES, "channels %s differ only by case, spaces or "
                    "punctuation: one channel written two ways? They are analysed apart",
                    text))
            rc = CX_EINTERNAL;
    }
done:
    free(key);
    free(group);
    free(lines);
    return rc;
}
