/*
 * basket — see basket.h.
 *
 * Preparation, once for all segments: a pass over the lines counts each
 * counted head's qualifying lines (one atomic add per run of a head's
 * lines) and learns whether each head's lines are together; orders are
 * laid out by (segment, customer, head) with counting sorts, each with room
 * for its lines in one array, the store; a second pass over the lines, in
 * line order, writes each order's distinct products there (see prepare).
 * Measured on 10 million lines (2.65 million orders) on 2 cores, that pass
 * is about 40% of the time: the entries of consecutive lines' orders are
 * far apart; writing them in line order and reading them back out of order
 * in each segment pass cost more.
 *
 * Memory comes first: the store holds product ids in 2 bytes when they fit
 * (any catalogue of up to 65,535 products), an order's categories are those
 * of its products unless a line says otherwise (then they are stored too),
 * an order is found from a 4-byte offset, and what is needed only per head
 * or per segment is computed when needed rather than kept. About 4 bytes a
 * counted line at the peak (38 MiB at 10 million lines).
 *
 * Per segment: item counts (per-thread tables added up), the lift lists,
 * upsell (each customer's baskets merged through a per-thread stamp per
 * product), then frequent products, ranks in place of product ids, and
 * pairs counted in bands of the rank triangle. Last, one pass over the
 * lines sums the net of the listed items.
 */
#include "engine/basket.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/radix.h"

#define CHUNK 65536            /* lines per parallel chunk */
#define NONE32 UINT32_MAX      /* no rank, no order, no entry */
#define BEST_DIV 5             /* best customers: the first ceil(n / 5) */
#define LOCAL 64               /* lines of a basket made distinct on the stack */

/* Exact products of three 32-bit counts. */
__extension__ typedef unsigned __int128 u128;

void bsk_defaults(struct bsk_options *o)
{
    o->top = 10;
    o->min_support = 0.005;
    o->min_confidence = 0.2;
    o->min_count = 20;
    o->max_basket = 50;
    o->pair_bytes = (size_t)64 << 20;
}

void bsk_free(struct basket *b)
{
    if (b == NULL)
        return;
    free(b->lift);
    free(b->rule);
    free(b->up);
    memset(b, 0, sizeof *b);
}

/* ---- small sorts (baskets are a handful of items) ---- */

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

static int cmp_u16(const void *x, const void *y)
{
    uint16_t a = *(const uint16_t *)x, b = *(const uint16_t *)y;
    return (a > b) - (a < b);
}

/* Sorts a[0..n) and returns the number of distinct values, moved first. */
static uint32_t distinct_u32(uint32_t *a, uint32_t n)
{
    if (n <= 24) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t v = a[i], j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
    } else {
        qsort(a, n, sizeof *a, cmp_u32);
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (m == 0 || a[m - 1] != a[i])
            a[m++] = a[i];
    return m;
}

/* The same for categories, leaving out DS_NONE16. */
static uint32_t distinct_u16(uint16_t *a, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != DS_NONE16)
            a[k++] = a[i];
    if (k <= 24) {
        for (uint32_t i = 1; i < k; i++) {
            uint16_t v = a[i];
            uint32_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
    } else {
        qsort(a, k, sizeof *a, cmp_u16);
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < k; i++)
        if (m == 0 || a[m - 1] != a[i])
            a[m++] = a[i];
    return m;
}

/* ---- bounded ranked lists ---- */

/* 1 when x ranks before y. */
typedef int (*better_fn)(const void *x, const void *y);

/* Inserts x into the ranked list a[0..*n) of at most cap entries of sz
   bytes, dropping the last when full. */
static void top_insert(void *a, size_t *n, size_t cap, size_t sz, const void *x, better_fn better)
{
    char *p = a;
    size_t k = *n;
    if (k == cap) {
        if (cap == 0 || !better(x, p + (k - 1) * sz))
            return;
        k--;
    }
    size_t at = k;
    while (at > 0 && better(x, p + (at - 1) * sz))
        at--;
    memmove(p + (at + 1) * sz, p + at * sz, (k - at) * sz);
    memcpy(p + at * sz, x, sz);
    *n = k + 1;
}

/* An item candidate: lift = (cs / N_s) / (ca / N). */
struct lcand {
    uint64_t cs;    /* orders of the segment containing the item */
    uint64_t ca;    /* orders of all segments containing it */
    uint32_t item;  /* product or category id */
};

static int lift_better(const void *x, const void *y)
{
    const struct lcand *a = x, *b = y;
    uint64_t l = a->cs * b->ca, r = b->cs * a->ca;   /* < 2^64: counts < 2^32 */
    if (l != r)
        return l > r;
    if (a->cs != b->cs)
        return a->cs > b->cs;
    return a->item < b->item;
}

/* A rule candidate: lift = n * N_s / (na * nb), confidence = n / na. */
struct rcand {
    uint64_t n, na, nb;  /* orders with both, with a, with b */
    uint32_t a, b;       /* product ids */
};

static int rule_better(const void *x, const void *y)
{
    const struct rcand *p = x, *q = y;
    u128 l = (u128)p->n * q->na * q->nb, r = (u128)q->n * p->na * p->nb;
    if (l != r)
        return l > r;
    uint64_t cl = p->n * q->na, cr = q->n * p->na;
    if (cl != cr)
        return cl > cr;
    if (p->n != q->n)
        return p->n > q->n;
    if (p->a != q->a)
        return p->a < q->a;
    return p->b < q->b;
}

/* An upsell candidate: gap = (bb * nrest - rb * nbest) / (nbest * nrest). */
struct ucand {
    int64_t gap;     /* the numerator above */
    uint64_t bb, rb; /* best and other customers who bought it */
    uint32_t p;      /* product id */
};

static int up_better(const void *x, const void *y)
{
    const struct ucand *a = x, *b = y;
    if (a->gap != b->gap)
        return a->gap > b->gap;
    if (a->bb != b->bb)
        return a->bb > b->bb;
    return a->p < b->p;
}

/* A frequent product: count in the segment and id, to rank them. */
struct freq {
    uint32_t n, p;
};

static int freq_cmp(const void *x, const void *y)
{
    const struct freq *a = x, *b = y;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return (a->p > b->p) - (a->p < b->p);
}

/* A customer at the cut between best and rest, to break the tie. */
struct tie {
    uint64_t key;  /* f->key */
    uint32_t c;    /* customer id */
};

static int tie_cmp(const void *x, const void *y)
{
    const struct tie *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return (a->c > b->c) - (a->c < b->c);
}

/* A radix key that sorts doubles in descending order. */
static uint64_t desc_key(double v)
{
    v += 0.0;   /* -0 as +0 */
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    u = (u >> 63) ? ~u : u | (UINT64_C(1) << 63);
    return ~u;
}

/* ---- the work ---- */

/* The baskets are kept in one array, the store, in 16-bit entries when
   every product id fits (2 bytes a line instead of 4), else 32-bit ones.
   An order has as many product entries as counted lines: its distinct
   products, increasing, then SENT when there are fewer. Its categories
   are those of its products (p_category), unless one of its lines has a
   category of its own (listed apart in the dataset): such an order has as
   many entries again, its distinct categories, also ended by SENT. */
#define SENT NONE32            /* end of a basket, as st_get returns it */

/* Orders per block (1 << BLOCK): an order's first entry is its block's
   (64 bits) plus its own offset in the block (32 bits). */
#define BLOCK 12

/* Everything computed once for all segments, and per-thread scratch. */
struct work {
    const struct dataset *ds;
    const struct features *f;
    const int16_t *segment;  /* per customer: its segment, or -1 */
    const struct bsk_options *o;
    int nt;              /* threads allocated for */
    uint32_t np;         /* product ids */
    uint32_t ncat;       /* category ids */

    size_t no;           /* orders, by (segment, customer, head) */
    uint16_t *s16;       /* the store, when product ids fit 16 bits (else NULL) */
    uint32_t *s32;       /* the store otherwise; rule_list turns a segment's product
                            ids into ranks */
    uint64_t total;      /* entries of the store */
    int shift;           /* log2 of orders per block (BLOCK, less when a block's
                            entries would not fit 32 bits) */
    uint64_t *bbase;     /* per block of orders: its first entry */
    uint32_t *rel;       /* per order: its first entry, from its block's */
    uint64_t *xo;        /* per order, a bit: its categories are listed (NULL when no
                            line's category differs from its product's) */

    size_t *s_first;     /* per segment: first order (nseg + 1 entries) */
    size_t *s_ncust;     /* per segment: its customers present in the period */
    uint32_t *c_end;     /* per customer: one past its last order (its orders follow
                            those of the customer before it in its segment, by id) */
    uint32_t *clist;     /* the customers of the current segment, by id */

    uint32_t *all_p;     /* orders of all segments containing each product */
    uint32_t *all_c;     /* likewise each category */
    uint32_t *seg_p;     /* the same within the current segment */
    uint32_t *seg_c;
    uint32_t *tcount;    /* nt x (np + 2 ncat): per-thread counts, and a stamp per category */
    uint32_t *tup;       /* nt x 3 np: per-thread stamp, best and rest buyers */
    uint32_t *up_b;      /* per product: the segment's best customers who bought it */
    uint32_t *up_r;      /* per product: its other customers who bought it */
    struct lcand *ltop;  /* top: a lift list being ranked */
    struct ucand *utop;  /* top: the upsell list being ranked */
    uint32_t *rank;      /* per product: rank among the segment's frequent ones, or NONE32 */
    struct freq *fq;     /* the segment's frequent products in rank order */
    uint64_t *mkey;      /* per customer of a segment: desc_key(monetary) */
    uint32_t *mval;      /* its customer id */
    uint8_t *best;       /* per customer: 1 when among its segment's best */
    uint32_t *tab;       /* nt x tab_cap: per-thread pair counts */
    size_t tab_cap;      /* cells per thread allocated */
    struct rcand *trule; /* nt x top: per-thread best rules */
    size_t *ntrule;      /* nt: their counts */
};

/* Entry i of the store, SENT for the end of a basket. */
static inline uint32_t st_get(const struct work *w, uint64_t i)
{
    if (w->s32 != NULL)
        return w->s32[i];
    return w->s16[i] == UINT16_MAX ? SENT : w->s16[i];
}

static inline void st_put(struct work *w, uint64_t i, uint32_t v)
{
    if (w->s32 != NULL)
        w->s32[i] = v;
    else
        w->s16[i] = (uint16_t)v;   /* SENT becomes UINT16_MAX */
}

static inline int bit(const uint64_t *b, size_t i)
{
    return (int)(b[i >> 6] >> (i & 63) & 1);
}

static inline void bit_set(uint64_t *b, size_t i)
{
    uint64_t m = UINT64_C(1) << (i & 63);
    #pragma omp atomic
    b[i >> 6] |= m;
}

/* The first entry of order k (k = no: the end of the store). */
static inline uint64_t order_at(const struct work *w, size_t k)
{
    return k < w->no ? w->bbase[k >> w->shift] + w->rel[k] : w->total;
}

/* The first entry of order k and, in *len, its product entries (= its
   counted lines); its listed categories, if any, follow them. */
static inline uint64_t order_span(const struct work *w, size_t k, uint32_t *len, int *listed)
{
    uint64_t at = order_at(w, k), n = order_at(w, k + 1) - at;
    *listed = w->xo != NULL && bit(w->xo, k);
    *len = (uint32_t)(*listed ? n / 2 : n);
    return at;
}

/* The segment of head h when it counts (a customer's, in the period),
   else -1. */
static inline int head_segment(const struct work *w, uint32_t h)
{
    uint32_t c = w->ds->h_customer[h];
    int32_t d = w->ds->h_day[h];
    return c != DS_NONE && d >= w->f->from && d <= w->f->to ? w->segment[c] : -1;
}

/* Sorts entries [at, at + m) of the store, keeps each value once and ends
   them with SENT when fewer than len remain; returns how many. */
static uint32_t st_distinct(struct work *w, uint64_t at, uint32_t m, uint32_t len)
{
    if (w->s32 != NULL) {
        m = distinct_u32(w->s32 + at, m);
        if (m > 0 && w->s32[at + m - 1] == SENT)
            m--;
    } else {
        m = distinct_u16(w->s16 + at, m);   /* leaves UINT16_MAX out */
    }
    if (m < len)
        st_put(w, at + m, SENT);
    return m;
}

/* Orders of [k0, k1) containing each product into cp, each category into cc. */
static void count_items(struct work *w, size_t k0, size_t k1, uint32_t *cp, uint32_t *cc)
{
    size_t np = w->np, ncat = w->ncat, stride = np + 2 * ncat;
    const uint16_t *pcat = w->ds->p_category;
    #pragma omp parallel
    {
        int nt = omp_get_num_threads();
        uint32_t *tp = w->tcount + (size_t)omp_get_thread_num() * stride, *tc = tp + np;
        uint32_t *stamp = tc + ncat;   /* per category: the last order that counted it */
        memset(tp, 0, (np + ncat) * sizeof *tp);
        memset(stamp, 0xff, ncat * sizeof *stamp);
        #pragma omp for schedule(static)
        for (size_t k = k0; k < k1; k++) {
            uint32_t len;
            int listed;
            uint64_t at = order_span(w, k, &len, &listed);
            for (uint32_t j = 0; j < len; j++) {
                uint32_t p = st_get(w, at + j);
                if (p == SENT)
                    break;
                tp[p]++;
                uint16_t c = pcat[p];
                if (!listed && c != DS_NONE16 && stamp[c] != (uint32_t)k) {
                    stamp[c] = (uint32_t)k;
                    tc[c]++;
                }
            }
            for (uint32_t j = 0; listed && j < len; j++) {
                uint32_t c = st_get(w, at + len + j);
                if (c == SENT)
                    break;
                tc[c]++;
            }
        }
        #pragma omp for schedule(static)
        for (size_t i = 0; i < np + ncat; i++) {
            uint32_t s = 0;
            for (int t = 0; t < nt; t++)
                s += w->tcount[(size_t)t * stride + i];
            if (i < np)
                cp[i] = s;
            else
                cc[i - np] = s;
        }
    }
}

/* Writes the counted lines of [i, j) to the store from entry at: their
   products, and their categories len entries further when listed (SENT
   for none). */
static void copy_lines(struct work *w, size_t i, size_t j, uint64_t at, uint32_t len, int listed)
{
    const struct dataset *ds = w->ds;
    uint32_t m = 0;
    for (size_t x = i; x < j; x++)
        if (ds->l_qty[x] > 0) {
            st_put(w, at + m, dataset_product(ds, x));
            if (listed) {
                uint16_t c = dataset_category(ds, x);
                st_put(w, at + len + m, c == DS_NONE16 ? SENT : c);
            }
            m++;
        }
}

/* Whether line x is counted with a category other than its product's. */
static inline int listed_line(const struct dataset *ds, size_t x)
{
    uint32_t p = dataset_product(ds, x);
    return ds->p_mixed[p] && ds->l_qty[x] > 0 && dataset_category_listed(ds, x) != ds->p_category[p];
}

/* Lays out the orders: counted lines per head, orders by (segment,
   customer, head), the store filled and baskets made distinct.

   The lines are read in sequence and each order's entries written where
   they go: reading lines out of order would cost a cache miss for each
   of several columns. When each head's lines are together (as loaders
   write them), each thread takes the runs that start in its chunks, to
   their end, and makes the basket distinct at once; otherwise runs take
   their share of an order's entries with an atomic fetch-and-add and
   baskets are made distinct afterwards.

   Per head, one array (4 bytes) serves twice: counted lines, then order
   number + 1. The per-order offsets need 4 bytes, the store 2 (or 4) a
   counted line: about 40 MB at 10 million lines, freed as they go. */
static int prepare(struct work *w, int nseg, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    const int16_t *segment = w->segment;
    size_t nh = ds->n_heads, nl = ds->n_lines;
    uint32_t n = w->f->n;
    int rc = CX_OK;
    uint32_t *hk = malloc((nh + 1) * sizeof *hk);   /* per head: counted lines, then order + 1 */
    uint64_t *hx = NULL;                          /* per head, a bit: a line's category listed */
    uint32_t *fill = NULL;                        /* per order: entries copied so far */
    uint64_t *scur = calloc((size_t)nseg + 1, sizeof *scur);   /* per segment: a cursor */
    w->s_first = calloc((size_t)nseg + 1, sizeof *w->s_first);
    w->s_ncust = calloc((size_t)nseg + 1, sizeof *w->s_ncust);
    w->c_end = malloc(((size_t)n + 1) * sizeof *w->c_end);
    if (ds->n_xcat > 0 && (hx = malloc(((nh + 63) / 64 + 1) * sizeof *hx)) != NULL)
        memset(hx, 0, ((nh + 63) / 64 + 1) * sizeof *hx);
    if (!hk || !scur || !w->s_first || !w->s_ncust || !w->c_end || (ds->n_xcat > 0 && !hx)) {
        rc = cx_nomem(e, "basket: orders");
        goto done;
    }

    /* Arrays that are read before they are written are zeroed by hand,
       here and below: a fresh zero page read, then written, is copied at
       the cost of a page-table flush on every thread's processor. */
    size_t nheads = 0;   /* heads that count */
    #pragma omp parallel for schedule(static) reduction(+ : nheads)
    for (size_t h = 0; h < nh; h++) {
        nheads += head_segment(w, (uint32_t)h) >= 0;
        hk[h] = 0;
    }

    /* Counted lines per head, one atomic add per run of a head's lines;
       and the runs of the heads that count (a run going on from the
       previous chunk is not a new one): as many as the heads when each
       head's lines are together, since every head has a line. */
    size_t nchunks = (nl + CHUNK - 1) / CHUNK, nruns = 0;
    #pragma omp parallel for schedule(static) reduction(+ : nruns)
    for (size_t bch = 0; bch < nchunks; bch++) {
        size_t lo = bch * CHUNK, hi = lo + CHUNK < nl ? lo + CHUNK : nl;
        for (size_t i = lo; i < hi;) {
            uint32_t h = ds->l_head[i], m = 0;
            int x = 0;
            size_t j = i;
            for (; j < hi && ds->l_head[j] == h; j++)
                m += ds->l_qty[j] > 0;
            if (head_segment(w, h) >= 0) {
                nruns += i > lo || i == 0 || ds->l_head[i - 1] != h;
                if (m > 0) {
                    #pragma omp atomic
                    hk[h] += m;
                }
                for (size_t y = i; hx != NULL && y < j && !x; y++)
                    x = listed_line(ds, y);
                if (x)
                    bit_set(hx, h);
            }
            i = j;
        }
    }
    int together = nruns == nheads;

    /* Orders per customer, then customers laid out by segment and id:
       c_end[c] is the first order of c, then its cursor. Each thread owns
       a range of customer ids and scans every head (the scan is cheap,
       the scattered updates are not), here and below. */
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        uint32_t clo = (uint32_t)((uint64_t)n * t / nt), chi = (uint32_t)((uint64_t)n * (t + 1) / nt);
        for (uint32_t c = clo; c < chi; c++)
            w->c_end[c] = 0;
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h];
            if (hk[h] > 0 && c >= clo && c < chi)
                w->c_end[c]++;
        }
    }
    for (uint32_t c = 0; c < n; c++)
        if (segment[c] >= 0) {
            w->s_first[segment[c] + 1] += w->c_end[c];
            w->s_ncust[segment[c]] += w->f->present[c] != 0;
        }
    for (int s = 0; s < nseg; s++)
        w->s_first[s + 1] += w->s_first[s];
    w->no = w->s_first[nseg];
    for (int s = 0; s < nseg; s++)
        scur[s] = w->s_first[s];
    for (uint32_t c = 0; c < n; c++)
        if (segment[c] >= 0) {
            uint32_t k = w->c_end[c];
            w->c_end[c] = (uint32_t)scur[segment[c]];
            scur[segment[c]] += k;
        }

    /* Each order's entries in rel, then each block's first entry and each
       order's offset from it. */
    size_t no = w->no;
    w->rel = malloc((no + 1) * sizeof *w->rel);
    if (hx != NULL && (w->xo = malloc(((no + 63) / 64 + 1) * sizeof *w->xo)) != NULL)
        memset(w->xo, 0, ((no + 63) / 64 + 1) * sizeof *w->xo);
    if (!w->rel || (hx != NULL && !w->xo)) {
        rc = cx_nomem(e, "basket: orders");
        goto done;
    }
    int toolong = 0;
    #pragma omp parallel reduction(| : toolong)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        uint32_t clo = (uint32_t)((uint64_t)n * t / nt), chi = (uint32_t)((uint64_t)n * (t + 1) / nt);
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h], m = hk[h];
            if (m == 0 || c < clo || c >= chi)
                continue;
            uint32_t k = w->c_end[c]++;
            int x = hx != NULL && bit(hx, h);
            toolong |= x && m > UINT32_MAX / 2;
            w->rel[k] = x ? 2 * m : m;
            if (x)
                bit_set(w->xo, k);
            hk[h] = k + 1;
        }
    }
    if (toolong) {
        rc = cx_fail(e, CX_EUSAGE, "basket: an order has more than %u lines", UINT32_MAX / 2);
        goto done;
    }
    for (w->shift = BLOCK;; w->shift--) {
        size_t nb = (no >> w->shift) + 1;
        int fits = 1;
        free(w->bbase);
        w->bbase = malloc((nb + 1) * sizeof *w->bbase);
        if (w->bbase == NULL) {
            rc = cx_nomem(e, "basket: orders");
            goto done;
        }
        #pragma omp parallel for schedule(static) reduction(& : fits)
        for (size_t bk = 0; bk < nb; bk++) {
            uint64_t sum = 0;
            for (size_t k = bk << w->shift; k < no && k < (bk + 1) << w->shift; k++)
                sum += w->rel[k];
            w->bbase[bk + 1] = sum;
            fits &= sum <= UINT32_MAX;
        }
        if (fits || w->shift == 0)
            break;
    }
    size_t nb = (no >> w->shift) + 1;
    w->bbase[0] = 0;
    for (size_t bk = 0; bk < nb; bk++)
        w->bbase[bk + 1] += w->bbase[bk];
    w->total = w->bbase[nb];
    #pragma omp parallel for schedule(static)
    for (size_t bk = 0; bk < nb; bk++) {
        uint32_t at = 0;
        for (size_t k = bk << w->shift; k < no && k < (bk + 1) << w->shift; k++) {
            uint32_t m = w->rel[k];
            w->rel[k] = at;
            at += m;
        }
    }

    if (w->np <= UINT16_MAX)
        w->s16 = malloc((w->total + 1) * sizeof *w->s16);
    else
        w->s32 = malloc((w->total + 1) * sizeof *w->s32);
    if (w->s16 == NULL && w->s32 == NULL) {
        rc = cx_nomem(e, "basket: orders");
        goto done;
    }
    if (together) {
        #pragma omp parallel for schedule(static)
        for (size_t bch = 0; bch < nchunks; bch++) {
            size_t lo = bch * CHUNK, hi = lo + CHUNK < nl ? lo + CHUNK : nl, i = lo;
            while (i > 0 && i < hi && ds->l_head[i] == ds->l_head[lo - 1])
                i++;   /* the run belongs to the chunk where it starts */
            while (i < hi) {
                uint32_t h = ds->l_head[i], k = hk[h];
                size_t j = i + 1;
                while (j < nl && ds->l_head[j] == h)
                    j++;
                if (k == 0) {
                    i = j;
                    continue;
                }
                uint32_t len;
                int listed;
                uint64_t at = order_span(w, k - 1, &len, &listed);
                if (len > LOCAL) {
                    copy_lines(w, i, j, at, len, listed);
                    st_distinct(w, at, len, len);
                    if (listed)
                        st_distinct(w, at + len, len, len);
                } else {
                    /* Made distinct in a local copy, then only written
                       out: the entries are far apart, and reading them
                       back would wait for each one's cache line. */
                    uint32_t lp[LOCAL], m = 0;
                    uint16_t lc[LOCAL];
                    for (size_t x = i; x < j; x++)
                        if (ds->l_qty[x] > 0) {
                            lp[m] = dataset_product(ds, x);
                            if (listed)
                                lc[m] = dataset_category(ds, x);
                            m++;
                        }
                    uint32_t np = distinct_u32(lp, m);
                    for (uint32_t y = 0; y < np; y++)
                        st_put(w, at + y, lp[y]);
                    if (np < len)
                        st_put(w, at + np, SENT);
                    if (listed) {
                        uint32_t nc = distinct_u16(lc, m);
                        for (uint32_t y = 0; y < nc; y++)
                            st_put(w, at + len + y, lc[y]);
                        if (nc < len)
                            st_put(w, at + len + nc, SENT);
                    }
                }
                i = j;
            }
        }
    } else {
        fill = malloc((no + 1) * sizeof *fill);
        if (fill == NULL) {
            rc = cx_nomem(e, "basket: orders");
            goto done;
        }
        #pragma omp parallel for schedule(static)
        for (size_t k = 0; k < no; k++)
            fill[k] = 0;
        #pragma omp parallel for schedule(static)
        for (size_t bch = 0; bch < nchunks; bch++) {
            size_t lo = bch * CHUNK, hi = lo + CHUNK < nl ? lo + CHUNK : nl;
            for (size_t i = lo; i < hi;) {
                uint32_t h = ds->l_head[i], m = 0, k = hk[h];
                size_t j = i;
                for (; j < hi && ds->l_head[j] == h; j++)
                    m += ds->l_qty[j] > 0;
                if (m > 0 && k != 0) {
                    uint32_t pos, len;
                    int listed;
                    uint64_t at = order_span(w, k - 1, &len, &listed);
                    #pragma omp atomic capture
                    { pos = fill[k - 1]; fill[k - 1] += m; }
                    copy_lines(w, i, j, at + pos, len, listed);
                }
                i = j;
            }
        }
        #pragma omp parallel for schedule(dynamic, 4096)
        for (size_t k = 0; k < no; k++) {
            uint32_t len;
            int listed;
            uint64_t at = order_span(w, k, &len, &listed);
            st_distinct(w, at, len, len);
            if (listed)
                st_distinct(w, at + len, len, len);
        }
    }

done:
    free(hk);
    free(hx);
    free(fill);
    free(scur);
    return rc;
}

/* The lift lists of segment s (seg_p, seg_c counted) into b. */
static void lift_lists(struct work *w, int s, uint64_t ns, struct basket *b)
{
    const struct bsk_options *o = w->o;
    uint64_t nall = w->no;
    for (int is_cat = 0; is_cat <= 1; is_cat++) {
        uint32_t ni = is_cat ? w->ncat : w->np;
        const uint32_t *cs = is_cat ? w->seg_c : w->seg_p, *ca = is_cat ? w->all_c : w->all_p;
        struct lcand *top = w->ltop;
        size_t ntop = 0;
        for (uint32_t i = 0; i < ni; i++) {
            if (cs[i] < o->min_count || (uint64_t)cs[i] * nall <= (uint64_t)ca[i] * ns)
                continue;
            struct lcand x = { cs[i], ca[i], i };
            top_insert(top, &ntop, (size_t)o->top, sizeof x, &x, lift_better);
        }
        for (size_t r = 0; r < ntop; r++) {
            struct bsk_lift *l = &b->lift[b->nlift++];
            l->segment = s;
            l->is_category = is_cat;
            l->item = top[r].item;
            l->orders = top[r].cs;
            l->support = (double)top[r].cs / (double)ns;
            l->lift = l->support / ((double)top[r].ca / (double)nall);
            l->net = 0;   /* summed at the end */
        }
    }
}

/* The upsell list of segment s into b. */
static int upsell_list(struct work *w, int s, struct basket *b, struct cx_err *e)
{
    const struct bsk_options *o = w->o;
    const struct features *f = w->f;
    size_t ncust = w->s_ncust[s];
    size_t nbest = (ncust + BEST_DIV - 1) / BEST_DIV, nrest = ncust - nbest;
    if (nrest == 0)
        return CX_OK;
    uint32_t *cl = w->clist;
    for (uint32_t c = 0, i = 0; c < f->n; c++)
        if (w->segment[c] == s && f->present[c])
            cl[i++] = c;
    const double *mon = f->v[F_MONETARY];
    for (size_t i = 0; i < ncust; i++) {
        w->mkey[i] = desc_key(mon[cl[i]]);
        w->mval[i] = cl[i];
    }
    if (radix_sort_pairs(w->mkey, w->mval, ncust, 64) != 0)
        return cx_nomem(e, "basket: best customers");
    /* Customers of equal monetary across the cut: by key, then id. */
    if (w->mkey[nbest - 1] == w->mkey[nbest]) {
        size_t g0 = nbest - 1, g1 = nbest + 1;
        while (g0 > 0 && w->mkey[g0 - 1] == w->mkey[nbest])
            g0--;
        while (g1 < ncust && w->mkey[g1] == w->mkey[nbest])
            g1++;
        struct tie *t = malloc((g1 - g0) * sizeof *t);
        if (t == NULL)
            return cx_nomem(e, "basket: best customers");
        for (size_t i = g0; i < g1; i++) {
            t[i - g0].key = f->key[w->mval[i]];
            t[i - g0].c = w->mval[i];
        }
        qsort(t, g1 - g0, sizeof *t, tie_cmp);
        for (size_t i = g0; i < g1; i++)
            w->mval[i] = t[i - g0].c;
        free(t);
    }
    for (size_t i = 0; i < nbest; i++)
        w->best[w->mval[i]] = 1;

    /* Distinct products per customer, through a per-thread stamp: the id
       of the last customer that bought each product. A customer's orders
       follow those of the customer before it in the list (a customer of
       the segment not in it has none). */
    size_t np = w->np;
    uint32_t k0 = (uint32_t)w->s_first[s];
    #pragma omp parallel
    {
        int nt = omp_get_num_threads();
        uint32_t *stamp = w->tup + (size_t)omp_get_thread_num() * 3 * np;
        uint32_t *tb = stamp + np, *tr = tb + np;
        memset(stamp, 0xff, np * sizeof *stamp);
        memset(tb, 0, 2 * np * sizeof *tb);
        #pragma omp for schedule(dynamic, 1024)
        for (size_t i = 0; i < ncust; i++) {
            uint32_t c = cl[i];
            uint32_t *cnt = w->best[c] ? tb : tr;
            for (uint32_t k = i > 0 ? w->c_end[cl[i - 1]] : k0; k < w->c_end[c]; k++) {
                uint32_t len;
                int listed;
                uint64_t at = order_span(w, k, &len, &listed);
                for (uint32_t j = 0; j < len; j++) {
                    uint32_t p = st_get(w, at + j);
                    if (p == SENT)
                        break;
                    if (stamp[p] != c) {
                        stamp[p] = c;
                        cnt[p]++;
                    }
                }
            }
        }
        #pragma omp for schedule(static)
        for (size_t p = 0; p < np; p++) {
            uint32_t sb = 0, sr = 0;
            for (int t = 0; t < nt; t++) {
                sb += w->tup[(size_t)t * 3 * np + np + p];
                sr += w->tup[(size_t)t * 3 * np + 2 * np + p];
            }
            w->up_b[p] = sb;
            w->up_r[p] = sr;
        }
    }
    struct ucand *top = w->utop;
    size_t ntop = 0;
    for (uint32_t p = 0; p < np; p++) {
        uint64_t bb = w->up_b[p], rb = w->up_r[p];
        if (bb == 0 || bb * nrest < 2 * rb * nbest)
            continue;
        struct ucand x = { (int64_t)(bb * nrest) - (int64_t)(rb * nbest), bb, rb, p };
        top_insert(top, &ntop, (size_t)o->top, sizeof x, &x, up_better);
    }
    for (size_t r = 0; r < ntop; r++) {
        struct bsk_upsell *u = &b->up[b->nup++];
        u->segment = s;
        u->product = top[r].p;
        u->best_share = (double)top[r].bb / (double)nbest;
        u->rest_share = (double)top[r].rb / (double)nrest;
        u->rest_customers_without = nrest - top[r].rb;
    }
    return CX_OK;
}

/* Rows i of the triangle of k ranks start at i * (2k - i - 1) / 2. */
static inline uint64_t row_start(uint64_t i, uint64_t k)
{
    return i * (2 * k - i - 1) / 2;
}

/* The rules of segment s (seg_p counted) into b. */
static int rule_list(struct work *w, int s, uint64_t ns, struct basket *b, struct cx_err *e)
{
    const struct bsk_options *o = w->o;
    size_t k0 = w->s_first[s], k1 = w->s_first[s + 1];
    size_t top = (size_t)o->top;
    double need = o->min_support * (double)ns;

    /* Frequent products, ranked by count descending, then id. */
    uint32_t nf = 0;
    for (uint32_t p = 0; p < w->np; p++)
        if (w->seg_p[p] >= o->min_count && (double)w->seg_p[p] >= need) {
            w->fq[nf].n = w->seg_p[p];
            w->fq[nf].p = p;
            nf++;
        }
    if (nf < 2)
        return CX_OK;
    qsort(w->fq, nf, sizeof *w->fq, freq_cmp);
    for (uint32_t r = 0; r < nf; r++)
        w->rank[w->fq[r].p] = r;

    /* Baskets of ranks, in place of the product ids: sorted (most
       frequent first) and capped. */
    #pragma omp parallel for schedule(dynamic, 4096)
    for (size_t k = k0; k < k1; k++) {
        uint32_t len, m = 0;
        int listed;
        uint64_t at = order_span(w, k, &len, &listed);
        for (uint32_t j = 0; j < len; j++) {
            uint32_t p = st_get(w, at + j);
            if (p == SENT)
                break;
            uint32_t r = w->rank[p];
            if (r != NONE32)
                st_put(w, at + m++, r);
        }
        st_distinct(w, at, m, len);
    }
    for (uint32_t r = 0; r < nf; r++)
        w->rank[w->fq[r].p] = NONE32;

    /* Pairs come from each basket's first max_basket ranks. */
    size_t cap = o->max_basket;

    /* Bands of first ranks [ilo, ihi) whose rows fit a thread's table. */
    uint64_t cells = o->pair_bytes / sizeof *w->tab / (size_t)w->nt;
    if (cells < nf - 1)
        cells = nf - 1;
    uint64_t total = row_start(nf, nf);
    if (cells > total)
        cells = total;
    if (cells > w->tab_cap) {
        free(w->tab);
        w->tab_cap = 0;
        w->tab = malloc((size_t)cells * (size_t)w->nt * sizeof *w->tab);
        if (w->tab == NULL)
            return cx_nomem(e, "basket: pair counts");
        w->tab_cap = (size_t)cells;
    }
    for (int t = 0; t < w->nt; t++)
        w->ntrule[t] = 0;
    for (uint32_t ilo = 0; ilo + 1 < nf;) {
        uint32_t ihi = ilo + 1;
        while (ihi < nf - 1 && row_start(ihi + 1, nf) - row_start(ilo, nf) <= cells)
            ihi++;
        uint64_t base = row_start(ilo, nf), width = row_start(ihi, nf) - base;
        #pragma omp parallel
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            uint32_t *tab = w->tab + (size_t)t * w->tab_cap;
            memset(tab, 0, (size_t)width * sizeof *tab);
            #pragma omp for schedule(dynamic, 4096)
            for (size_t k = k0; k < k1; k++) {
                uint32_t len, m = 0;
                int listed;
                uint64_t at = order_span(w, k, &len, &listed);
                while (m < len && m < cap && st_get(w, at + m) != SENT)
                    m++;
                for (uint32_t x = 0; x + 1 < m; x++) {
                    uint32_t rx = st_get(w, at + x);
                    if (rx < ilo)
                        continue;
                    if (rx >= ihi)
                        break;
                    /* Unsigned: may wrap below 0, and back with + ry. */
                    uint64_t row = row_start(rx, nf) - base - rx - 1;
                    for (uint32_t y = x + 1; y < m; y++)
                        tab[row + st_get(w, at + y)]++;
                }
            }
            struct rcand *tr = w->trule + (size_t)t * top;
            #pragma omp for schedule(dynamic, 1)
            for (uint32_t i = ilo; i < ihi; i++) {
                uint64_t off = row_start(i, nf) - base - i - 1;
                for (uint32_t j = i + 1; j < nf; j++) {
                    uint64_t c = 0;
                    for (int u = 0; u < nt; u++)
                        c += w->tab[(size_t)u * w->tab_cap + off + j];
                    if (c < o->min_count || (double)c < need)
                        continue;
                    uint64_t ni = w->fq[i].n, nj = w->fq[j].n;
                    if ((double)c >= o->min_confidence * (double)ni) {
                        struct rcand x = { c, ni, nj, w->fq[i].p, w->fq[j].p };
                        top_insert(tr, &w->ntrule[t], top, sizeof x, &x, rule_better);
                    }
                    if ((double)c >= o->min_confidence * (double)nj) {
                        struct rcand x = { c, nj, ni, w->fq[j].p, w->fq[i].p };
                        top_insert(tr, &w->ntrule[t], top, sizeof x, &x, rule_better);
                    }
                }
            }
        }
        ilo = ihi;
    }

    /* The threads' lists into one; any thread may hold any rule, and the
       order is total, so the result does not depend on who held what. */
    struct rcand *all = w->trule;
    size_t nall = w->ntrule[0];
    for (int t = 1; t < w->nt; t++)
        for (size_t r = 0; r < w->ntrule[t]; r++) {
            struct rcand x = w->trule[(size_t)t * top + r];
            top_insert(all, &nall, top, sizeof x, &x, rule_better);
        }
    for (size_t r = 0; r < nall; r++) {
        struct bsk_rule *u = &b->rule[b->nrule++];
        u->segment = s;
        u->a = all[r].a;
        u->b = all[r].b;
        u->count = all[r].n;
        u->support = (double)all[r].n / (double)ns;
        u->confidence = (double)all[r].n / (double)all[r].na;
        u->lift = u->confidence / ((double)all[r].nb / (double)ns);
    }
    return CX_OK;
}

/* The listed items, found by (segment, kind, item): open addressing on a
   key + 1 (0 = empty), at most an eighth full; plus a flag per product and
   category listed anywhere, so that most lines skip the probe. */
struct listed {
    uint64_t *key;   /* item_key of each entry, 0 when empty */
    uint32_t *val;   /* its index in b->lift */
    int shift;       /* 64 - log2(entries) */
    uint64_t mask;   /* entries - 1 */
    uint8_t *any;    /* per product id, then per category id: 1 when listed */
};

static inline uint64_t item_key(int s, int is_cat, uint32_t item)
{
    return ((uint64_t)s << 33 | (uint64_t)is_cat << 32 | item) + 1;
}

/* The first entry to look at for a key (splitmix64's finaliser). */
static inline uint64_t listed_home(const struct listed *t, uint64_t key)
{
    key = (key ^ (key >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    key = (key ^ (key >> 27)) * UINT64_C(0x94D049BB133111EB);
    return (key ^ (key >> 31)) >> t->shift;
}

static inline uint32_t listed_find(const struct listed *t, uint64_t key)
{
    for (uint64_t i = listed_home(t, key);; i = (i + 1) & t->mask) {
        if (t->key[i] == key)
            return t->val[i];
        if (t->key[i] == 0)
            return NONE32;
    }
}

/* Adds the net of line i (a counted line of segment s) to the entries it
   belongs to: v ten-thousandths into u, or the double d into big. */
static inline void net_add(const struct listed *t, const struct dataset *ds, uint32_t np, size_t i,
                           int s, int64_t *u, int32_t v, double *big, double d)
{
    uint32_t p = dataset_product(ds, i);
    if (t->any[p]) {
        uint32_t r = listed_find(t, item_key(s, 0, p));
        if (r != NONE32) {
            if (u != NULL)
                u[r] += v;
            else
                big[r] += d;
        }
    }
    uint16_t c = dataset_category(ds, i);
    if (c != DS_NONE16 && t->any[np + c]) {
        uint32_t r = listed_find(t, item_key(s, 1, c));
        if (r != NONE32) {
            if (u != NULL)
                u[r] += v;
            else
                big[r] += d;
        }
    }
}

/* Net of the listed items: integer ten-thousandths per thread, added up;
   amounts kept on the side added serially in line order. */
static int lift_net(struct work *w, struct basket *b, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    size_t nlift = b->nlift, nl = ds->n_lines, np = w->np;
    if (nlift == 0)
        return CX_OK;
    struct listed t;
    int bits = 1;
    while (((size_t)1 << bits) < 8 * nlift)
        bits++;
    t.shift = 64 - bits;
    t.mask = ((uint64_t)1 << bits) - 1;
    t.key = calloc((size_t)1 << bits, sizeof *t.key);
    t.val = malloc(((size_t)1 << bits) * sizeof *t.val);
    t.any = calloc(np + w->ncat + 1, 1);
    int64_t *units = calloc((size_t)w->nt * nlift, sizeof *units);
    double *big = calloc(nlift, sizeof *big);
    int rc = CX_OK;
    if (!t.key || !t.val || !t.any || !units || !big) {
        rc = cx_nomem(e, "basket: net");
        goto done;
    }
    for (size_t r = 0; r < nlift; r++) {
        const struct bsk_lift *l = &b->lift[r];
        uint64_t key = item_key(l->segment, l->is_category, l->item);
        uint64_t i = listed_home(&t, key);
        while (t.key[i] != 0)
            i = (i + 1) & t.mask;
        t.key[i] = key;
        t.val[i] = (uint32_t)r;
        t.any[(l->is_category ? np : 0) + l->item] = 1;
    }
    size_t nchunks = (nl + CHUNK - 1) / CHUNK;
    #pragma omp parallel
    {
        int64_t *u = units + (size_t)omp_get_thread_num() * nlift;
        #pragma omp for schedule(static)
        for (size_t bch = 0; bch < nchunks; bch++) {
            size_t hi = (bch + 1) * CHUNK < nl ? (bch + 1) * CHUNK : nl;
            uint32_t cur = NONE32;
            int s = -1;
            for (size_t i = bch * CHUNK; i < hi; i++) {
                if (ds->l_head[i] != cur) {
                    cur = ds->l_head[i];
                    s = head_segment(w, cur);
                }
                int32_t v = ds->l_net[i];
                if (s >= 0 && ds->l_qty[i] > 0 && v != DS_MONEY_BIG)
                    net_add(&t, ds, w->np, i, s, u, v, NULL, 0);
            }
        }
    }
    for (size_t k = 0; k < ds->n_big; k++) {
        size_t i = ds->big_line[k];
        int s = head_segment(w, ds->l_head[i]);
        if (s >= 0 && ds->l_qty[i] > 0)
            net_add(&t, ds, w->np, i, s, NULL, 0, big, ds->big_val[3 * k + DS_NET]);
    }
    for (size_t r = 0; r < nlift; r++) {
        struct ds_sum sum = { 0, big[r] };
        for (int th = 0; th < w->nt; th++)
            sum.units += units[(size_t)th * nlift + r];
        b->lift[r].net = ds_sum_value(&sum);
    }

done:
    free(t.key);
    free(t.val);
    free(t.any);
    free(units);
    free(big);
    return rc;
}

static int check_args(const struct dataset *ds, const struct features *f, const int16_t *segment,
                      int nseg, const struct bsk_options *o, struct cx_err *e)
{
    uint32_t n = dataset_count(ds, DS_CUSTOMER);
    if (f->n != n)
        return cx_fail(e, CX_EUSAGE, "basket: features of %u customers for a dataset of %u",
                       f->n, n);
    if (nseg < 0 || nseg > INT16_MAX || (nseg > 0 && segment == NULL))
        return cx_fail(e, CX_EUSAGE, "basket: %d segments but no segment per customer", nseg);
    for (uint32_t c = 0; segment != NULL && c < n; c++)
        if (segment[c] < -1 || segment[c] >= nseg)
            return cx_fail(e, CX_EUSAGE, "basket: customer %u has segment %d, not in -1 .. %d",
                           c, segment[c], nseg - 1);
    if (o->top < 0)
        return cx_fail(e, CX_EUSAGE, "basket: top %d is negative", o->top);
    if (!(o->min_support >= 0 && o->min_support <= 1))
        return cx_fail(e, CX_EUSAGE, "basket: min_support %g not in 0 .. 1", o->min_support);
    if (!(o->min_confidence >= 0 && o->min_confidence <= 1))
        return cx_fail(e, CX_EUSAGE, "basket: min_confidence %g not in 0 .. 1",
                       o->min_confidence);
    if (o->min_count < 1)
        return cx_fail(e, CX_EUSAGE, "basket: min_count must be at least 1");
    if (o->max_basket < 2)
        return cx_fail(e, CX_EUSAGE, "basket: max_basket %zu is below 2", o->max_basket);
    return CX_OK;
}

static void work_free(struct work *w)
{
    free(w->s16);
    free(w->s32);
    free(w->bbase);
    free(w->rel);
    free(w->xo);
    free(w->s_first);
    free(w->s_ncust);
    free(w->c_end);
    free(w->clist);
    free(w->all_p);
    free(w->all_c);
    free(w->seg_p);
    free(w->seg_c);
    free(w->tcount);
    free(w->tup);
    free(w->up_b);
    free(w->up_r);
    free(w->ltop);
    free(w->utop);
    free(w->rank);
    free(w->fq);
    free(w->mkey);
    free(w->mval);
    free(w->best);
    free(w->tab);
    free(w->trule);
    free(w->ntrule);
}

int bsk_compute(const struct dataset *ds, const struct features *f, const int16_t *segment,
                int nseg, const struct bsk_options *o, struct basket *b, struct cx_err *e)
{
    memset(b, 0, sizeof *b);
    struct bsk_options def;
    if (o == NULL) {
        bsk_defaults(&def);
        o = &def;
    }
    int rc = check_args(ds, f, segment, nseg, o, e);
    if (rc != CX_OK || nseg == 0 || o->top == 0)
        return rc;

    struct work w;
    memset(&w, 0, sizeof w);
    w.ds = ds;
    w.f = f;
    w.segment = segment;
    w.o = o;
    w.nt = omp_get_max_threads();
    w.np = dataset_count(ds, DS_PRODUCT);
    w.ncat = dataset_count(ds, DS_CATEGORY);
    size_t np = w.np, ncat = w.ncat, top = (size_t)o->top, nt = (size_t)w.nt;
    size_t maxc = 0;   /* customers of the largest segment */

    rc = prepare(&w, nseg, e);
    if (rc != CX_OK)
        goto done;
    for (int s = 0; s < nseg; s++)
        if (w.s_ncust[s] > maxc)
            maxc = w.s_ncust[s];
    w.all_p = malloc((np + 1) * sizeof *w.all_p);
    w.all_c = malloc((ncat + 1) * sizeof *w.all_c);
    w.seg_p = malloc((np + 1) * sizeof *w.seg_p);
    w.seg_c = malloc((ncat + 1) * sizeof *w.seg_c);
    w.tcount = malloc((nt * (np + 2 * ncat) + 1) * sizeof *w.tcount);
    w.tup = malloc((nt * 3 * np + 1) * sizeof *w.tup);
    w.rank = malloc((np + 1) * sizeof *w.rank);
    w.fq = malloc((np + 1) * sizeof *w.fq);
    w.mkey = malloc((maxc + 1) * sizeof *w.mkey);
    w.mval = malloc((maxc + 1) * sizeof *w.mval);
    w.clist = malloc((maxc + 1) * sizeof *w.clist);
    w.best = calloc((size_t)f->n + 1, 1);
    w.up_b = malloc((np + 1) * sizeof *w.up_b);
    w.up_r = malloc((np + 1) * sizeof *w.up_r);
    w.ltop = malloc((top + 1) * sizeof *w.ltop);
    w.utop = malloc((top + 1) * sizeof *w.utop);
    w.trule = malloc((nt * top + 1) * sizeof *w.trule);
    w.ntrule = calloc(nt, sizeof *w.ntrule);
    b->lift = malloc(((size_t)nseg * 2 * top + 1) * sizeof *b->lift);
    b->rule = malloc(((size_t)nseg * top + 1) * sizeof *b->rule);
    b->up = malloc(((size_t)nseg * top + 1) * sizeof *b->up);
    if (!w.all_p || !w.all_c || !w.seg_p || !w.seg_c || !w.tcount || !w.tup || !w.up_b ||
        !w.up_r || !w.ltop || !w.utop || !w.rank || !w.fq || !w.mkey || !w.mval || !w.clist || !w.best ||
        !w.trule || !w.ntrule || !b->lift || !b->rule || !b->up) {
        rc = cx_nomem(e, "basket");
        goto done;
    }
    memset(w.rank, 0xff, (np + 1) * sizeof *w.rank);

    count_items(&w, 0, w.no, w.all_p, w.all_c);
    for (int s = 0; s < nseg; s++) {
        size_t k0 = w.s_first[s], k1 = w.s_first[s + 1];
        uint64_t ns = k1 - k0;
        if (ns == 0)
            continue;
        count_items(&w, k0, k1, w.seg_p, w.seg_c);
        lift_lists(&w, s, ns, b);
        rc = upsell_list(&w, s, b, e);
        /* Last: it turns the segment's product ids into ranks. */
        if (rc == CX_OK)
            rc = rule_list(&w, s, ns, b, e);
        if (rc != CX_OK)
            goto done;
    }
    /* The baskets are done with: their memory goes back before the last
       pass. */
    free(w.s16);
    free(w.s32);
    free(w.rel);
    w.s16 = NULL;
    w.s32 = NULL;
    w.rel = NULL;
    rc = lift_net(&w, b, e);

done:
    work_free(&w);
    if (rc != CX_OK)
        bsk_free(b);
    return rc;
}
