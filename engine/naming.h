/*
 * naming — a readable, unique name for each segment from its profile.
 *
 * SPEC §3: each k-means segment gets a name such as Champions, Lapsed or
 * Bargain hunters, from a fixed vocabulary, unique within the run and the
 * same for the same profiles. The design choice: every name has a small
 * score formula on the segment's deviations from the population, and the
 * names are dealt out by an optimal one-to-one assignment (engine/assign.c)
 * maximising the total score, so two segments never fight over a name by
 * order of appearance: the one that fits it best overall gets it.
 *
 * 1. Deviations. For each of the 8 features, with T the transform below,
 *        z = (T(seg) − T(median)) / S,   clipped to [−3, 3],
 *    where S is the population spread carried into T's scale and floored:
 *
 *        feature        T            S (scale = pop_scale's field, e.g. IQR)   floor of S
 *        recency        days         scale                                     7 days
 *        frequency      log1p        scale / (1 + |median|)                    0.2
 *        monetary       signed log1p scale / (1 + |median|)                    0.2
 *        aov            signed log1p scale / (1 + |median|)                    0.2
 *        tenure         days         scale                                     14 days
 *        return_rate    fraction     scale                                     0.02
 *        discount_rate  fraction     scale                                     0.02
 *        breadth        categories   scale                                     0.5
 *
 *    signed log1p(x) = sign(x)·log(1 + |x|) (monetary is negative when
 *    returns exceed sales). For log features, scale/(1 + |median|) is the
 *    spread carried to the log scale at the median (first-order). The floors
 *    matter: return and discount rates often have an IQR of 0. A missing
 *    pop_scale (NULL), or a field that is not a positive finite number,
 *    uses |median| for linear features and log 2 (a doubling) for log ones,
 *    before the floor: pass a zero IQR as it is, not replaced by 1 (a
 *    return-rate spread of 1 would hide every difference in returns). The
 *    clip stops one extreme feature from deciding the whole assignment.
 *
 * 2. Scores, with r, f, m, a, t, q, d, b the z of recency, frequency,
 *    monetary, aov, tenure, return_rate, discount_rate, breadth. Each is
 *    roughly "how many spreads the segment is into the name's territory":
 *
 *        #   name              score
 *        0   Champions         (−r + f + m) / 3
 *        1   Loyal             (f + t − |r|) / 2  (moderate recency: far either way costs)
 *        2   Big spenders      (2a + m) / 3
 *        3   New               (−2t − r) / 3
 *        4   Promising         (f − r − t) / 3
 *        5   At risk           (2r + f + m) / 4
 *        6   Lapsed            (2r − f − m) / 4
 *        7   Occasional        (−2f − |r|) / 3
 *        8   Bargain hunters   d
 *        9   Returners         q
 *       10   Explorers         b − f / 2          (breadth beyond what frequency explains)
 *       11   Light buyers      (−a − m − |r|) / 3
 *       12   Mainstream        1/2 − mean of the eight |z|
 *
 * 3. Rules. A name is given only to a segment whose profile fits it
 *    against the population (naming_fits), with z as above and, for
 *    recency and tenure, the segment's median days against the
 *    population's median days (R = recency / population recency,
 *    T = tenure / population tenure):
 *
 *        name              the segment must have
 *        Champions         r <= -0.25, f >= 0.5, m >= 0.5
 *        Loyal             f >= 0.5, t >= 0.25, r <= 0.5
 *        Big spenders      a >= 0.75, or m >= 1 and a >= 0.25
 *        New               t <= -0.75, T <= 0.5, 30 days below or more
 *        Promising         t <= -0.25, f >= 0.25, r <= 0
 *        At risk           r >= 0.75, R >= 1.5, 14 days above or more,
 *                          and f >= 0 or m >= 0
 *        Lapsed            r >= 0.75, R >= 2, 14 days above or more
 *        Occasional        f <= -0.5
 *        Bargain hunters   d >= 1
 *        Returners         q >= 1
 *        Explorers         b >= 0.75
 *        Light buyers      m <= -0.5, a <= -0.25, r <= 1
 *        Mainstream        every |z| <= 1
 *
 *    A segment that fits no name left to it gets a plain descriptive name
 *    (naming_describe): "Profile: " and the words of its two largest
 *    deviations of half a spread or more ("recent" / "not recent",
 *    "frequent" / "infrequent", "high spend" / "low spend", "large
 *    orders" / "small orders", "long-standing" / "recently acquired",
 *    "many returns", "heavy discounts", "broad range" / "narrow range"),
 *    or "Profile: average". The words of recency and tenure also need the
 *    days: "not recent" R >= 2 and 14 days above, "recent" R <= 0.5 and
 *    14 days below, "long-standing" T >= 1.5 and 30 days above,
 *    "recently acquired" T <= 0.5 and 30 days below.
 *
 * 4. Assignment. The k x (13 + k) matrix of costs goes to assign_min_cost:
 *    −score for a name the segment fits, forbidden for one it does not,
 *    and for each segment a column of its own, its descriptive name, dearer
 *    than any name it fits: distinct names, maximum total score. Between
 *    equally good assignments (identical segments, say) segment 0 gets the
 *    earliest name of the table it can have, then segment 1, and so on.
 *    With k > 13 every name is offered L = ceil(k/13) times, copy l at an
 *    extra cost of l·P with P = k·(max score − min score) + 1, so the names
 *    are used as evenly as their rules allow and the names used twice are
 *    those that fit the extra segments best. Segments sharing a name are
 *    ordered by their score for it (ties: lower index): the first keeps the
 *    plain name, the next get " 2", " 3", ... ("Lapsed 2"); equal
 *    descriptive names likewise, by index.
 *
 * Every segment is named; the scores and the rules are public
 * (naming_scores, naming_fits) so a report can show how well a name fits.
 * docs/segmentation.md has the same tables.
 */
#ifndef CANAUX_NAMING_H
#define CANAUX_NAMING_H

#include <stddef.h>

#include "engine/cx_err.h"

enum {
    NAMING_NVOCAB = 13,  /* names in the vocabulary */
    NAMING_BUF = 48      /* bytes of buf per segment for suffixed and descriptive names */
};

/* A segment's (or the population's) profile in ORIGINAL units, SPEC §3. */
struct naming_profile {
    double recency;        /* recency_days, days */
    double frequency;      /* positive orders */
    double monetary;       /* total net, money */
    double aov;            /* average order value, money */
    double tenure;         /* tenure_days, days */
    double return_rate;    /* units returned ÷ units sold */
    double discount_rate;  /* discount amount ÷ gross */
    double breadth;        /* distinct categories */
};

/* Name j of the vocabulary (0..NAMING_NVOCAB-1), a static string; NULL when
   j is out of range. */
const char *naming_vocab(int j);

/* score[j] receives the score of vocabulary name j for one segment (table
   above). pop_scale may be NULL. Returns CX_OK, or CX_EINTERNAL with a
   message in e when a segment or median field is not finite or a pointer is
   NULL. */
int naming_scores(const struct naming_profile *seg, const struct naming_profile *pop_median,
                  const struct naming_profile *pop_scale, double score[NAMING_NVOCAB],
                  struct cx_err *e);

/* fits[j] receives 1 when the segment meets the rule of vocabulary name j
   (table above), 0 when not. Returns CX_OK, or CX_EINTERNAL as
   naming_scores does. */
int naming_fits(const struct naming_profile *seg, const struct naming_profile *pop_median,
                const struct naming_profile *pop_scale, int fits[NAMING_NVOCAB], struct cx_err *e);

/* The descriptive name of a segment ("Profile: recent, high spend") into
   buf (n bytes, NAMING_BUF hold any). Returns CX_OK, or CX_EINTERNAL as
   naming_scores does. */
int naming_describe(const struct naming_profile *seg, const struct naming_profile *pop_median,
                    const struct naming_profile *pop_scale, char *buf, size_t n, struct cx_err *e);

/* Names k segments (profiles seg[0..k)). names[i] receives a pointer to a
   static string or into buf, which the caller provides with k·NAMING_BUF
   bytes and must keep while it uses the names. pop_scale may be NULL.
   The names are distinct and depend only on the profiles.
   Returns CX_OK, or CX_EINTERNAL with a message in e for k < 0, a NULL
   pointer (buf included), a non-finite segment or median field, or out of memory (names
   are then unspecified). k = 0 does nothing. */
int naming_assign(const struct naming_profile *seg, int k, const struct naming_profile *pop_median,
                  const struct naming_profile *pop_scale, const char **names, char *buf,
                  struct cx_err *e);

#endif
