/*
 * recommend — the program a channel manager can act on: channel fit,
 * volume shifts, objectives, policies, products and upsell, seasonal and
 * partner programs, price consistency and discount leakage.
 *
 * The rule behind every kind: a recommendation is a claim, and a claim is
 * a test against the data's own noise. Each kind has a null hypothesis and
 * a test (docs/recommendations.md has the table, with each kind's measured
 * false-positive rate on data with no effect); every family of tests made
 * by looking at the data — the best and the worst of several channels,
 * thousands of products — is corrected for it (Holm over every pair
 * compared, Benjamini–Hochberg over products); and a claim is made only
 * when the corrected test passes AND the effect is large enough to matter.
 * Where the data cannot tell, the output says so ("no channel stands out",
 * with why: nothing was testable, or the tests found no difference).
 *
 * A recommendation must also be feasible and worth doing: moving existing
 * business between two channels is proposed only where the segment's
 * customers are seen buying in both (the comparison is then made within
 * the same customers, so it measures the channel, not who its customers
 * are); no action with an estimated impact of zero or less is made; and an
 * impact never exceeds what it acts on (an acquisition saving stays within
 * the acquisition spend, a shift's gain within the revenue moved). No
 * cost-dependent recommendation (channel fit, shift, CAC) names a channel
 * that the cost model does not know.
 *
 * The engine returns figures, never words: each struct rec holds what the
 * sentence needs (the action, the test and its p-values, the figures
 * compared); reports/rec_text.c writes the sentence and the evidence in
 * the reader's language.
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
#include "engine/ltv.h"
#include "engine/retention.h"
#include "engine/segment.h"

/* The kinds, as recommendations.csv names them (rec_kind_name). */
enum rec_kind {
    REC_CHANNEL_FIT, REC_VOLUME_SHIFT, REC_OBJECTIVE, REC_POLICY, REC_PRODUCT, REC_PROGRAM, REC_PRICE,
    REC_NKINDS
};

/* What a recommendation says, and what its figures hold (subject is the
   figure of the segment, channel or product the row is about, reference
   what it is compared with; amount and extra as listed). */
enum rec_action {
    /* channel fit, per segment: serve the segment through `channel`;
       subject/reference: contribution per order (paired) or per customer
       (unpaired) in channel / in target_channel, its closest rival;
       amount: customers compared (paired) or in channel (unpaired); extra:
       customers in target_channel (unpaired). */
    RA_FIT,
    /* no channel stands out: fewer than two channels have min_customers
       customers of the segment and a known cost; amount: channels with
       enough customers, extra: of those, channels the cost model lacks. */
    RA_FIT_UNTESTABLE,
    /* no channel stands out: the tests found no difference that passes;
       channel -1; compared[0]: the channel with the highest contribution
       per customer, compared[1]: the rival of its weakest comparison (the
       one that fails); subject, reference: their figures; p, p_adj: that
       comparison. */
    RA_FIT_NO_DIFFERENCE,
    /* volume shift: move shift_share of the segment's business in
       `channel` (by the customers who buy in both) to target_channel;
       subject/reference: contribution per order in target / in channel;
       amount: customers who buy in both; extra: cost of sales in channel
       minus in target (fraction of net); cos_from, cos_to the two. */
    RA_SHIFT,
    /* retention objective of an acquisition channel (segment -1: all
       customers; else within the segment): subject, reference: 180-day
       retention of `channel` and of target_channel; amount, extra:
       eligible customers of each. */
    RA_RETENTION,
    /* acquisition: customers won through `channel` cost more than their
       first year contributes; subject: CAC, reference: mean first-year
       contribution; amount: customers won in the period, observed a full
       year; extra: acquisition spend of the period. */
    RA_CAC,
    /* return conditions (segment, or channel): subject, reference: units
       returned / units sold of the segment (channel) and of the others;
       amount: units sold. */
    RA_RETURNS,
    /* discount limits for a segment: subject, reference: the discount rate
       of its customers and of the other segments' (mean per customer);
       amount: gross of its sold lines. */
    RA_DISCOUNT_LIMIT,
    /* minimum order (segment, or channel): subject, reference: share of
       small orders and of the others'; amount: orders; extra: the small
       order threshold, money. */
    RA_MIN_ORDER,
    /* cross-sell product (product b) to buyers of product_b... a -> b:
       `product` is b, `product_a` a; subject: confidence, reference:
       support of b (its usual rate); amount: orders with both; extra: lift. */
    RA_CROSS_SELL,
    /* upsell: offer `product` to the rest of the segment; subject,
       reference: share of its best customers and of the rest who bought
       it; amount: the rest who never bought it. */
    RA_UPSELL,
    /* seasonal promotion in month - 1 ahead of the peak `month`; subject:
       the peak month's seasonal index (its net / the mean month's);
       reference: the rate ratio of repeat orders per customer-day in the
       peak month against the other months; amount: repeat orders in the
       peak month; extra: those expected there at the other months' rate. */
    RA_SEASONAL,
    /* partner program with indirect channel `channel`; subject: its share
       of the segment's net; reference: partner_share; amount: its net a
       year. */
    RA_PARTNER,
    /* price below the other channels (revenue leakage) / above them
       (consistency risk, no gain claimed): subject, reference: median
       unit price before discount in `channel` and in the other channels;
       amount: lines sold in channel; extra: lines in the others. */
    RA_PRICE_LOW, RA_PRICE_HIGH,
    /* a channel's price level: its prices depart the same way on at least
       3 products and a quarter of those tested; subject: the median
       departure of those (price / other channels' - 1); amount: products
       flagged; extra: products tested; impact: the leakage summed (low). */
    RA_PRICE_LEVEL_LOW, RA_PRICE_LEVEL_HIGH,
    /* discount leakage of a channel: subject: its discount rate (discount
       / gross), reference: the rate the same products carry in the other
       channels; amount: its gross. */
    RA_DISCOUNT_LEAK,
    /* acquisition spend of `channel` to trim (its customers' lifetime value
       is below what it costs to win them) or to grow (above): subject:
       LTV:CAC, subject_lo/hi its 95% interval; reference: CAC; amount:
       customers with a CLV; extra: their mean CLV over the horizon
       (recommendations.clv_horizon_days). */
    RA_ACQ_TRIM, RA_ACQ_GROW,
    RA_NACTIONS
};

/* The test behind a recommendation. */
enum rec_test {
    RT_NONE,          /* no test (a row that says nothing stands out for want of data) */
    RT_PAIRED_T,      /* paired t test on per-customer differences */
    RT_WELCH,         /* Welch's t test between customers */
    RT_TWO_PROP,      /* two-proportion z test */
    RT_ONE_SIDED_T,   /* one-sided one-sample t test */
    RT_RATIO_Z,       /* z test of two ratios with cluster (order) variances */
    RT_BINOMIAL,      /* exact binomial upper tail */
    RT_MANN_WHITNEY,  /* Mann–Whitney rank test, tie-corrected */
    RT_STRATIFIED,    /* permutation test within strata (products), normal approximation */
    RT_RATE_RATIO,    /* z test of a rate ratio, customers as units */
    RT_T_MEAN,        /* two-sided one-sample t test of a mean against a given value */
    RT_NTESTS
};

/* The correction over the family a test belongs to. */
enum rec_adjust { RJ_NONE_ADJ, RJ_HOLM, RJ_BH, RJ_BONFERRONI };

enum rec_confidence { RC_LOW, RC_MEDIUM, RC_HIGH };

struct rec_options {
    int min_customers;        /* customers needed on each side of a comparison (30) */
    double alpha;             /* level after correction over a family of tests (0.01) */
    double min_effect;        /* relative difference of contribution that matters (0.15) */
    double min_cos_gap;       /* cost-of-sales gap (fraction of net) a shift needs (0.02) */
    double shift_share;       /* share of a segment's business assumed moved by a shift (0.20) */
    double price_threshold;   /* relative gap of a channel's median price that matters (0.10) */
    int min_lines;            /* sold lines needed on each side of a price comparison (20) */
    double discount_gap;      /* excess discount rate (fraction of gross) that matters (0.02) */
    double retention_gap;     /* retention gap (fraction) an objective needs (0.05) */
    double peak_index;        /* a month is a peak when its net is this times the mean month (1.5) */
    double promo_uplift;      /* assumed uplift of a promotion on its peak month's contribution (0.05) */
    double partner_share;     /* an indirect channel carrying this share of a segment's net gets a program (0.25) */
    double robust_z;          /* robust z-score beyond which a rate is out of line among segments (3.5) */
    double min_lift;          /* lift a cross-sell rule needs (1.5) */
};

struct rec {
    int kind;                 /* enum rec_kind */
    int action;               /* enum rec_action: what the sentence says */
    int segment;              /* segment index, -1 when not about one */
    int channel;              /* channel id, -1 when not about one */
    int target_channel;       /* the other channel of the comparison, or -1 */
    int compared[2];          /* channel fit rows: the best channel and its closest rival (-1: none) */
    uint32_t product;         /* product id, DS_NONE when not about one */
    uint32_t product_a;       /* cross-sell: the product bought first, else DS_NONE */
    int month;                /* 1..12 for seasonal programs, else 0 */
    int test;                 /* enum rec_test */
    int adjust;               /* enum rec_adjust: the correction applied */
    int paired;               /* 1 when compared within the same customers */
    size_t family;            /* tests in the family corrected over */
    double stat;              /* the test statistic (t, z, U...), NaN when none */
    double p, p_adj;          /* its p-value and the corrected one, NaN when none */
    double subject;           /* the figures the sentence quotes (enum rec_action) */
    double subject_lo, subject_hi; /* an interval of subject when the action has one, else NaN */
    double reference;
    double amount;
    double extra;
    double cos_from, cos_to;  /* shifts: cost of sales of the two channels, else NaN */
    double impact;            /* estimated annual impact, money (NaN when none is estimated) */
    double impact_lo, impact_hi; /* its interval when one exists (NaN otherwise) */
    int confidence;           /* enum rec_confidence */
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
    uint32_t reference;       /* the channel compared with: the nearest above a channel
                                 flagged below, the nearest below one flagged above, else
                                 the nearest by median */
    uint32_t compared;        /* channels of the product with min_lines lines, this one included */
    uint64_t lines;           /* sold lines in the channel */
    uint64_t other_lines;     /* sold lines of the product in the reference channel */
    double units;             /* units sold in the channel */
    double price;             /* median unit price before discount, in the channel */
    double median;            /* the same in the reference channel */
    double departure;         /* price / median - 1 */
    double u;                 /* Mann–Whitney U of the channel against the reference */
    double p, p_adj;          /* two-sided p, Benjamini–Hochberg over every pair tested: of the
                                 pair with the reference, or the largest of the channel's
                                 pairs when it is below or above them all */
    double at_stake;          /* leakage: (median - price) x units, annualised (0 when above) */
    int flagged;              /* -1 below, +1 above, 0 not flagged */
};

/* Discount leakage of a channel (prices.csv's channel columns). */
struct rec_discount {
    double gross;             /* gross of its sold lines, money */
    double rate;              /* discount / gross of its sold lines */
    double expected;          /* the rate its lines would carry at the other channels' rates, product by product */
    double z, p, p_adj;       /* stratified permutation z, one-sided p, Holm over the channels */
    double leakage;           /* (rate - expected) x gross, annualised (0 when not above) */
    int flagged;
};

struct recommendations {
    struct rec_options opt;   /* the options the rules ran with */
    size_t n, cap;
    struct rec *r;            /* ranked by impact (largest first; those without impact last) */
    size_t nseason;
    struct rec_season *season;
    size_t nprice;
    struct rec_price *price;
    struct rec_discount discount[DS_MAX_CHANNELS]; /* per channel */
    uint32_t nch;                                  /* channels */
    uint32_t unmodelled[DS_MAX_CHANNELS];          /* channels the cost model lacks, ids */
    uint32_t nunmodelled;
    uint64_t multichannel_customers;               /* customers with positive orders in 2+ channels */
    double clv_horizon_days;                       /* the lifetime value's horizon (NaN without one) */
};

void rec_defaults(struct rec_options *o);
const char *rec_kind_name(int kind);
const char *rec_action_name(int action);
const char *rec_test_name(int test);
const char *rec_confidence_name(int confidence);

/* Builds the recommendations; bk (products, rules, upsell of each
   segment) and lv (the lifetime value, for the acquisition spend rows)
   may be NULL. Returns CX_OK or CX_EINTERNAL. Free with rec_free. */
int rec_compute(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                const struct economics *ec, const struct retention *rt, const struct basket *bk,
                const struct ltv *lv, const struct rec_options *o, struct recommendations *out,
                struct cx_err *e);
void rec_free(struct recommendations *r);

#endif
