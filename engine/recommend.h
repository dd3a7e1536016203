/*
 * recommend — the program a channel manager can act on (issue 5): channel
 * fit, volume shifts, objectives, policies, products and upsell, seasonal
 * and partner programs, price consistency. Every recommendation carries
 * the figures behind it and an estimated annual impact in money.
 *
 * The rule behind all of them: say nothing that noise could explain. A
 * channel is recommended over another for a segment only when the
 * difference of contribution per customer passes a Welch test with Holm's
 * correction over the segments AND is large in practice (a relative
 * difference threshold), with enough customers on both sides; otherwise
 * the output says that no channel stands out. Prices are flagged only
 * beyond a relative threshold with enough units sold on both sides.
 */
#ifndef CANAUX_RECOMMEND_H
#define CANAUX_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "engine/cx_err.h"
#include "engine/basket.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/retention.h"
#include "engine/segment.h"

enum rec_kind {
    REC_CHANNEL_FIT, REC_VOLUME_SHIFT, REC_OBJECTIVE, REC_POLICY, REC_PRODUCT, REC_PROGRAM, REC_PRICE,
    REC_NKINDS
};

struct rec_options {
    int min_customers;        /* support needed on each side of a comparison (default 30) */
    double alpha;             /* significance after Holm's correction (default 0.01) */
    double min_effect;        /* relative difference of contribution per customer that matters (0.15) */
    double shift_share;       /* share of a segment's business assumed moved by a shift (0.20) */
    double price_threshold;   /* relative departure of a channel's price from the median (0.15) */
    double min_units;         /* units sold needed on a (product, channel) to compare prices (30) */
    double peak_index;        /* a month is a peak when its net is this times the mean month (1.5) */
    double promo_uplift;      /* assumed uplift of a promotion on its peak month's contribution (0.05) */
    double partner_share;     /* an indirect channel carrying this share of a segment's net gets a program (0.25) */
    double robust_z;          /* robust z-score beyond which a rate is out of line (3.5) */
};

struct rec {
    int kind;                 /* enum rec_kind */
    int segment;              /* segment index, -1 when not about one */
    int channel;              /* channel id, -1 when not about one */
    int target_channel;       /* for shifts: the channel gaining, else -1 */
    uint32_t product;         /* product id, DS_NONE when not about one */
    int month;                /* 1..12 for seasonal programs, else 0 */
    char text[400];           /* one sentence for a manager */
    char evidence[400];       /* the figures and the test behind it */
    double impact;            /* estimated annual impact, money (NaN when none is estimated) */
    double impact_lo, impact_hi; /* its interval when one exists (NaN otherwise) */
    const char *confidence;   /* "high", "medium" or "low" */
};

/* Monthly profile of a segment in a channel (seasonality.csv). */
struct rec_season {
    int segment, channel;     /* channel -1: all channels */
    double net[12];           /* mean net per calendar month (over the years observed) */
    double index[12];         /* net[m] / mean of the 12 */
};

/* Price consistency of a product in a channel (prices.csv). */
struct rec_price {
    uint32_t product, channel;
    double units;             /* units sold */
    double price;             /* mean net unit price: net of sold lines / units */
    double median;            /* median of the product's channel prices */
    double departure;         /* price / median - 1 */
    double at_stake;          /* |price - median| x units, annualised */
    int flagged;              /* beyond the threshold with enough units */
};

struct recommendations {
    size_t n, cap;
    struct rec *r;            /* ranked by impact (largest first; those without impact last) */
    size_t nseason;
    struct rec_season *season;
    size_t nprice;
    struct rec_price *price;
    double discount_rate[DS_MAX_CHANNELS]; /* discount leakage: discount / gross of sold lines, per channel */
};

void rec_defaults(struct rec_options *o);
const char *rec_kind_name(int kind);

/* Builds the recommendations; bk (products, rules, upsell of each
   segment) may be NULL. Returns CX_OK or CX_EINTERNAL. Free with
   rec_free. */
int rec_compute(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                const struct economics *ec, const struct retention *rt, const struct basket *bk,
                const struct rec_options *o, struct recommendations *out, struct cx_err *e);
void rec_free(struct recommendations *r);

#endif
