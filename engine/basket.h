/*
 * basket — what each segment buys: the products and categories it buys
 * more often than the other segments (lift), the products it buys together
 * (association rules a -> b, with support, confidence and lift) and what
 * its best customers buy that most of the segment does not (upsell).
 *
 * Definitions (the period is that of struct features):
 *
 *  - A line counts when its quantity is positive and its order (head) is
 *    dated in [f->from, f->to] with a customer whose segment is >= 0. An
 *    order of segment s is a head with at least one such line (a return
 *    alone is not an order); its basket is the set of distinct products of
 *    those lines, and apart the set of their distinct categories (a line
 *    with no category adds none). N_s = orders of segment s, N = orders of
 *    all segments together.
 *  - Item lift: support_s(x) = orders of s containing x / N_s; lift =
 *    support_s(x) / (orders of all segments containing x / N). An item is
 *    listed when it is in at least min_count orders of s and its lift is
 *    above 1 (compared exactly on the integer counts). Net is that of the
 *    counted lines of x in the orders of s, summed exactly as ds_sum does.
 *  - Rules: a product is frequent in s when it is in at least min_count
 *    orders of s and its support is at least min_support. Pairs are counted
 *    on frequent products only, and on at most max_basket of them per
 *    basket: its most frequent ones (count in s descending, then product
 *    id). A rule a -> b (both directions of each pair) is kept when count =
 *    orders with both >= min_count, count / N_s >= min_support and
 *    confidence = count / orders with a >= min_confidence; lift =
 *    confidence / support_s(b). Item counts (orders with a) come from whole
 *    baskets, before the cap.
 *  - Upsell: the customers of s are those with segment s and a line in the
 *    period (f->present); the best are the first ceil(n / 5) (20%) by
 *    F_MONETARY descending, ties by f->key then customer id; the rest are
 *    the others (at least one is needed). A customer bought p when one of
 *    its counted lines is of p. best_share = best customers who bought p /
 *    best customers, rest_share likewise; p is a candidate when at least one
 *    best customer bought it and best_share >= 2 x rest_share (so at least
 *    half of the rest never bought it).
 *  - Ranking, per segment, everything compared exactly on integer counts
 *    (equal ratios are equal) so that ties fall to the ids: items by lift,
 *    then orders, descending, then id; rules by lift, confidence, count,
 *    descending, then a, then b; upsell by best_share - rest_share, then
 *    best_share, descending, then product id. Each list keeps its first
 *    `top`.
 *
 * Design: each order's distinct products are written once, in one array (2
 * bytes a product when the catalogue allows; an order's categories are its
 * products', stored only when a line says otherwise), orders sorted by
 * (segment, customer, head), so that every later pass reads them in
 * sequence. Segments are then taken one at a time, so that what grows with
 * the catalogue (counts per product, per thread) is not multiplied by the
 * number of segments. Each basket's frequent products are replaced in place
 * by their rank (0 = most frequent), sorted and capped, and pairs of ranks
 * are counted in a dense triangle per thread; when the triangle of all
 * frequent products would not fit pair_bytes, the pairs are counted in
 * bands of first ranks, one pass over the segment's baskets per band, so
 * memory stays bounded however wide the catalogue (and time grows with the
 * number of bands). All counts are integers (the same for any split among
 * threads), the few amounts of net revenue kept as doubles are added
 * serially in line order, and every ranking is a total order: the results
 * are identical for any thread count.
 *
 * Cost, measured on 10 million lines (2.65 million orders, 620,000
 * customers, 2,000 products) in 8 segments on 2 cores: about 0.4 s with
 * the defaults (0.5 s with every product frequent), and about 40 MB
 * (4 bytes a line) while it runs, besides the dataset (50 MB with every
 * product frequent, for the pair counts).
 */
#ifndef CANAUX_BASKET_H
#define CANAUX_BASKET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/features.h"

struct bsk_options {
    int top;                /* items, rules and upsell products kept per segment (each kind;
                               products and categories apart); default 10 */
    double min_support;     /* rules: least share of the segment's orders with both products,
                               and with each product alone; default 0.005 */
    double min_confidence;  /* rules: least count / orders with a; default 0.2 */
    uint32_t min_count;     /* least orders with both products of a rule, and with an item
                               listed by lift; default 20 */
    size_t max_basket;      /* pairs use at most this many products of a basket (its most
                               frequent ones); at least 2; default 50 */
    size_t pair_bytes;      /* memory for pair counts, all threads together; wider sets of
                               frequent products are counted in several passes (one row of
                               the triangle per thread at least); default 64 MiB */
};

/* Fills o with the defaults above. */
void bsk_defaults(struct bsk_options *o);

/* An item (product or category) over-represented in a segment. */
struct bsk_lift {
    int segment;        /* segment id */
    int is_category;    /* 1: item is a category id; 0: a product id */
    uint32_t item;      /* product or category id */
    uint64_t orders;    /* orders of the segment containing it */
    double support;     /* orders / orders of the segment */
    double lift;        /* support / its support in all segments' orders */
    double net;         /* net revenue of its counted lines in the segment's orders, money */
};

/* An association rule a -> b inside a segment's orders. */
struct bsk_rule {
    int segment;        /* segment id */
    uint32_t a, b;      /* product ids: orders with a tend to have b */
    uint64_t count;     /* orders of the segment with both */
    double support;     /* count / orders of the segment */
    double confidence;  /* count / orders of the segment with a */
    double lift;        /* confidence / support of b in the segment */
};

/* A product the segment's best customers buy and most of the rest do not. */
struct bsk_upsell {
    int segment;                      /* segment id */
    uint32_t product;                 /* product id */
    double best_share;                /* best customers who bought it / best customers */
    double rest_share;                /* other customers who bought it / other customers */
    uint64_t rest_customers_without;  /* other customers who never bought it in the period */
};

struct basket {
    size_t nlift;             /* entries of lift */
    struct bsk_lift *lift;    /* per segment in id order: its top products, then its top
                                 categories, each in rank order */
    size_t nrule;             /* entries of rule */
    struct bsk_rule *rule;    /* per segment in id order, in rank order */
    size_t nup;               /* entries of up */
    struct bsk_upsell *up;    /* per segment in id order, in rank order */
};

/* Computes the lists of every segment over the period of f, which must have
   been computed on ds. segment: per customer id, a segment in 0 .. nseg-1
   or -1 for none (NULL with nseg = 0: nothing to compute). o: NULL for the
   defaults. The caller keeps its arrays; b owns what it holds until
   bsk_free. Returns CX_OK; CX_EUSAGE when the arguments do not fit (f of
   another dataset, a segment out of range, an option out of range);
   CX_EINTERNAL when out of memory. On failure b holds nothing. */
int bsk_compute(const struct dataset *ds, const struct features *f, const int16_t *segment,
                int nseg, const struct bsk_options *o, struct basket *b, struct cx_err *e);

/* Frees what b holds and zeroes it; accepts NULL and a zeroed struct. */
void bsk_free(struct basket *b);

#endif
