/* generator.c — deterministic generator of realistic sales transactions.
 *
 * One CSV row is one order line (SPEC §1 columns). Customers come from
 * planted buying-habit archetypes that differ in recency, frequency, basket,
 * units, returns and discounts; each has a main channel drawn from an
 * archetype-dependent distribution, used for about 80% of its orders.
 *
 * Design. Output must be chronological while customers are generated one
 * after the other, and 100M rows must fit in modest memory. So the schedule
 * (who orders when, through which channel, how many lines) is generated
 * first as 16-byte order records, and the lines themselves are drawn only
 * while writing, from a small counter-based RNG keyed by the purchase's
 * generation index: a return order re-draws its purchase's lines from the
 * same key and so returns products the customer really bought, at the price
 * and discount paid. The schedule is drawn twice from the same GSL mt19937
 * stream: the first pass counts orders per day, the second drops each record
 * straight into its day's slot; a stable counting sort by minute inside each
 * day then gives date-time order with no per-order index array. Numbers are
 * formatted by hand into a large buffer written with fwrite.
 *
 * Planted effects (gen_options: alike, cheap, price, december, pair) work on
 * copies of the tables (g->ch, the main-channel distributions, a second
 * day-acceptance table, the popularity ranks) and in draw_purchase. None
 * draws from the schedule's mt19937 stream, so with every switch off the
 * draws, and the bytes, are those of the generator without them. A pair
 * adds a line to an order, and line counts are fixed by the schedule: so
 * the schedule draws a purchase's lines once (draw_purchase is keyed and
 * cheap) to see whether it holds product a, and a keyed coin decides.
 */
#include "sample-data/generator.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

enum {
    NCHAN = 5, NARCH = 8, NCAT = 12, NPROD = 2000, NREGION = 5,
    NAGENT = 40, NSTORE = 60, NMARKET = 3,
    MAX_LINES = 120,    /* lines of one purchase order, fits uint8 */
    MAX_QTY = 50,       /* units of one line */
    MAX_DISC = 60,      /* percent */
    MAX_DAYS = 36600,   /* fits the uint16 day of an order record */
    MINUTES = 1440,
    WBUF = 1 << 20      /* output buffer, bytes */
};
enum { CH_DIRECT, CH_WEB, CH_AGENTS, CH_RETAIL, CH_MARKET };

#define MAX_ROWS 1000000000ull
#define MAX_CUST 99999999u      /* C + 8 digits */
#define ANON UINT32_MAX         /* customer index of an anonymous sale */

const char *const gen_archetype_names[] = {
    "Champions", "Loyal", "New", "At risk", "Lapsed",
    "Bargain hunters", "Bulk buyers", "Returners"
};
const int gen_archetype_count = NARCH;

const char *const gen_channel_names[] = { "direct", "web", "agents", "retail", "marketplace" };
const int gen_channel_count = NCHAN;
const int gen_product_count = NPROD;

/* Buying habits of an archetype. Windows are fractions of the period,
   0 = first day, 1 = last day. */
struct arch_def {
    double weight;              /* share of customers */
    double last_lo, last_hi;    /* window of the last purchase */
    double first_lo, first_hi;  /* window of the first purchase (<= last) */
    int min_orders;             /* purchase orders, at least */
    double extra_orders;        /* Poisson mean of further purchase orders */
    double basket;              /* mean lines per purchase order, before channel */
    double qty;                 /* mean units per line, before channel */
    double ret_p;               /* probability a purchase is partly returned */
    double ret_lines;           /* Poisson mean of returned lines beyond one */
    double ret_all;             /* probability a returned line returns every unit */
    double disc_min;            /* floor on a line's discount probability */
    double disc_mult;           /* factor on the channel's discount probability */
    int disc_add;               /* percent points added to each discount */
    double fav;                 /* share of lines from the favourite category */
    double chan[NCHAN];         /* distribution of the main channel */
};

static const struct arch_def arch_defs[NARCH] = {
    /* Champions: recent, frequent, broad, big baskets */
    { 0.08, 0.96, 1.00, 0.00, 0.25, 4, 6.0, 5.0, 2.5, 0.06, 0.3, 0.5,
      0.00, 1.0, 0, 0.25, { 0.30, 0.30, 0.15, 0.15, 0.10 } },
    /* Loyal: regular, fairly recent */
    { 0.14, 0.82, 1.00, 0.00, 0.50, 2, 2.5, 4.0, 2.0, 0.06, 0.3, 0.5,
      0.00, 1.0, 0, 0.40, { 0.20, 0.30, 0.20, 0.20, 0.10 } },
    /* New: first order in the last weeks, one or two orders */
    { 0.14, 0.90, 1.00, 0.85, 1.00, 1, 0.4, 3.5, 1.6, 0.08, 0.2, 0.5,
      0.00, 0.8, 0, 0.50, { 0.10, 0.45, 0.10, 0.15, 0.20 } },
    /* At risk: used to buy often, silent for months */
    { 0.12, 0.45, 0.70, 0.00, 0.30, 2, 2.5, 4.5, 2.0, 0.08, 0.3, 0.5,
      0.00, 1.0, 0, 0.40, { 0.20, 0.25, 0.25, 0.20, 0.10 } },
    /* Lapsed: one or two small orders long ago */
    { 0.22, 0.00, 0.40, 0.00, 1.00, 1, 0.3, 3.0, 1.5, 0.08, 0.2, 0.5,
      0.00, 0.9, 0, 0.50, { 0.10, 0.35, 0.15, 0.25, 0.15 } },
    /* Bargain hunters: buy mostly on discount, deeper discounts */
    { 0.12, 0.55, 1.00, 0.00, 0.60, 1, 2.5, 4.0, 2.0, 0.10, 0.3, 0.5,
      0.75, 2.5, 10, 0.30, { 0.05, 0.30, 0.10, 0.20, 0.35 } },
    /* Bulk buyers: long baskets of many units, focused, volume discounts */
    { 0.08, 0.65, 1.00, 0.00, 0.50, 1, 2.0, 7.0, 10.0, 0.07, 0.3, 0.3,
      0.00, 1.3, 4, 0.70, { 0.45, 0.05, 0.35, 0.10, 0.05 } },
    /* Returners: send back a large share of what they buy */
    { 0.10, 0.55, 1.00, 0.00, 0.50, 1, 3.0, 4.0, 1.8, 0.50, 0.8, 0.85,
      0.00, 1.0, 0, 0.40, { 0.05, 0.45, 0.05, 0.15, 0.30 } },
};

/* Walk-in buyers of the stores (no customer id). */
static const struct arch_def anon_def =
    { 0.00, 0.00, 1.00, 0.00, 1.00, 1, 0.0, 1.8, 1.5, 0.00, 0.0, 0.0,
      0.00, 1.0, 0, 0.00, { 0, 0, 0, 1, 0 } };

/* Habits of a channel. */
struct chan_def {
    const char *name;
    double price;               /* factor on the list price */
    double basket;              /* factor on the extra lines of an order */
    double qty;                 /* factor on the extra units of a line */
    double disc_p;              /* probability a line is discounted */
    int disc_lo, disc_hi, disc_step; /* discount range and step, percent */
    double promo;               /* factor on disc_p in the year-end sales */
    double ret;                 /* factor on the archetype's return probability */
    double wday[7];             /* order weight by weekday, Monday first */
    double hour[24];            /* order weight by hour of day */
};

#define OFFICE_HOURS { 0, 0, 0, 0, 0, 0, 0, .2, .8, 1, 1, 1, .6, .8, 1, 1, .9, .6, .2, 0, 0, 0, 0, 0 }
#define ONLINE_HOURS { .4, .2, .1, .1, .1, .15, .3, .5, .7, .8, .9, .9, 1, .9, .9, .9, .9, 1, 1.1, 1.3, 1.4, 1.3, 1, .7 }

static const struct chan_def chan_defs[NCHAN] = {
    { "direct", 1.10, 1.6, 1.8, 0.55, 3, 20, 1, 1.0, 0.5,
      { 1, 1, 1, 1, .9, .08, .03 }, OFFICE_HOURS },
    { "web", 1.00, 0.6, 0.8, 0.06, 5, 15, 5, 2.5, 1.5,
      { 1, 1, 1, 1, 1, 1.15, 1.25 }, ONLINE_HOURS },
    { "agents", 0.97, 1.2, 1.4, 0.25, 5, 15, 5, 1.2, 0.7,
      { 1, 1, 1, 1, 1, .35, .05 }, OFFICE_HOURS },
    { "retail", 1.05, 0.8, 0.8, 0.15, 10, 30, 5, 1.8, 1.0,
      { .8, .8, .9, .9, 1.1, 1.6, .6 },
      { 0, 0, 0, 0, 0, 0, 0, 0, 0, .5, .8, 1, 1.1, 1, 1, 1, 1.1, 1.3, 1.3, .9, .4, 0, 0, 0 } },
    { "marketplace", 0.90, 0.6, 0.9, 0.20, 5, 20, 5, 1.8, 1.5,
      { 1, 1, 1, 1, 1, 1.2, 1.3 },
      { .6, .4, .3, .2, .2, .3, .5, .7, .8, .9, 1, 1, 1, 1, 1, 1, 1, 1, 1.1, 1.2, 1.2, 1.1, 1, .8 } },
};

static const struct { const char *name; double price; double cost; } cat_defs[NCAT] = {
    { "Garden", 35, 0.60 }, { "Kitchen", 28, 0.55 }, { "Office", 12, 0.50 },
    { "Toys", 18, 0.55 }, { "Electronics", 95, 0.75 }, { "Sports", 40, 0.60 },
    { "Beauty", 15, 0.45 }, { "Books", 14, 0.70 }, { "Clothing", 30, 0.48 },
    { "Home", 45, 0.58 }, { "Automotive", 55, 0.65 }, { "Pets", 20, 0.62 },
};

static const char *const region_names[NREGION] = { "North", "South", "East", "West", "Central" };
static const double region_weight[NREGION] = { 0.22, 0.20, 0.20, 0.22, 0.16 };
static const double month_weight[12] = { .85, .80, .95, .95, 1.0, 1.15, 1.2, 1.05, .95, 1.0, 1.5, 1.8 };

struct cust_rec {
    uint8_t arch;    /* archetype index */
    uint8_t chan;    /* main channel */
    uint8_t region;  /* region index */
    uint8_t fav;     /* favourite category */
};

struct ord_rec {
    uint32_t cust;   /* customer index, or ANON */
    uint32_t key;    /* generation index of the purchase whose lines this carries */
    uint16_t day;    /* day of the order, 0 = first day of the period */
    uint16_t minute; /* minute of the day */
    uint8_t chan;    /* channel index */
    uint8_t nlines;  /* lines written for this order */
    uint8_t plines;  /* lines of the purchase drawn from key */
    uint8_t back;    /* days since the purchase for a return, 0 for a purchase */
};

struct line {
    int prod;        /* product index */
    int qty;         /* units, negative for a return */
    int64_t price;   /* unit price, cents */
    int64_t cost;    /* unit cost, cents */
    int disc;        /* discount, percent */
};

struct gen {
    const struct gen_options *o;    /* the caller's options, checked */
    gsl_rng *r;                     /* mt19937: products and schedule */
    uint64_t lseed;                 /* key of the line streams */
    unsigned long sched_seed;       /* mt19937 seed of the schedule */
    int days;                       /* period length */
    float *acc;                     /* NCHAN x days acceptance of a day */
    float *acc_dec;                 /* the same for the december archetype, or NULL */
    char (*date)[10];               /* YYYY-MM-DD of each day */
    uint8_t *promo;                 /* 1 on year-end sales days */
    double arch_cdf[NARCH], region_cdf[NREGION];        /* cumulative shares */
    double chan_cdf[NARCH][NCHAN], hour_cdf[NCHAN][24]; /* main channel, hour */
    struct chan_def ch[NCHAN];          /* channel habits in use */

    /* planted effects, -1 when off */
    int cheap_arch, cheap_chan;         /* cheap: archetype, channel */
    double cheap_cost;                  /* cheap: factor on unit cost */
    int price_prod, price_chan;         /* price: product, channel */
    double price_factor;                /* price: factor on unit price */
    int prices_n, prices_chan;          /* prices: the top prices_n products, channel (0, -1: off) */
    double prices_factor;               /* prices: factor on unit price */
    int rank[NPROD];                    /* popularity rank of each product, 0 = most popular */
    int dec_arch;                       /* december: archetype */
    int pair_a, pair_b;                 /* pair: products */
    double pair_prob;                   /* pair: probability of adding b */

    int64_t list[NPROD], cost[NPROD];   /* cents */
    uint8_t cat[NPROD];                 /* category of each product */
    double prob[NPROD];                 /* alias table over all products */
    uint16_t alias[NPROD];
    int cat_start[NCAT + 1];            /* members of each category ... */
    uint16_t cat_member[NPROD];         /* ... product indices */
    double cat_prob[NPROD];             /* alias tables per category */
    uint16_t cat_alias[NPROD];          /* (local indices) */
    int work[2 * NPROD];                /* alias_build scratch */

    struct cust_rec *cust;              /* customers by generation index */
    uint32_t ncust, cap_cust;           /* used and allocated */

    /* schedule pass */
    uint64_t lines, anon_lines;         /* lines scheduled so far */
    uint64_t norders;                   /* orders scheduled so far */
    uint64_t *day_pos;                  /* pass 1: counts; pass 2: next slot */
    struct ord_rec *ord;                /* NULL in pass 1 */
};

struct wbuf {
    FILE *f;         /* destination */
    char *buf;       /* WBUF bytes */
    size_t len;      /* bytes pending in buf */
    int failed;      /* errno of the first failed write, or -1 */
};

static void set_err(char *err, size_t errlen, const char *msg, const char *detail)
{
    if (err && errlen)
        snprintf(err, errlen, "%s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

/* ---- randomness ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* splitmix64: the per-order line stream, cheap to key */
static inline uint64_t sm_next(uint64_t *s)
{
    *s += 0x9E3779B97F4A7C15ull;
    return mix64(*s);
}

/* uniform in (0, 1), never 0 so that log() is safe */
static inline double sm_unif(uint64_t *s)
{
    return ((double)(sm_next(s) >> 11) + 0.5) * 0x1.0p-53;
}

static int pick_cdf(double u, const double *cdf, int n)
{
    for (int i = 0; i < n - 1; i++)
        if (u < cdf[i])
            return i;
    return n - 1;
}

static void make_cdf(const double *w, int n, double *cdf)
{
    double sum = 0, acc = 0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    for (int i = 0; i < n; i++) {
        acc += w[i];
        cdf[i] = acc / sum;
    }
}

/* Vose's alias method over n weights. */
static void alias_build(const double *w, int n, double *prob, uint16_t *alias, int *work)
{
    int *small = work, *large = work + n, ns = 0, nl = 0;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i];
    for (int i = 0; i < n; i++) {
        prob[i] = w[i] * n / sum;
        alias[i] = (uint16_t)i;
        if (prob[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns && nl) {
        int s = small[--ns], l = large[--nl];
        alias[s] = (uint16_t)l;
        prob[l] -= 1.0 - prob[s];
        if (prob[l] < 1.0)
            small[ns++] = l;
        else
            large[nl++] = l;
    }
    while (nl)
        prob[large[--nl]] = 1.0;
    while (ns)
        prob[small[--ns]] = 1.0;    /* rounding leftovers */
}

static inline int alias_pick(double u, const double *prob, const uint16_t *alias, int n)
{
    double x = u * n;
    int i = (int)x;
    if (i >= n)
        i = n - 1;
    return x - i < prob[i] ? i : alias[i];
}

static unsigned poisson(gsl_rng *r, double mu)
{
    return mu > 0 ? gsl_ran_poisson(r, mu) : 0;
}

/* ---- calendar ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void put_fixed(char *p, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Day tables: date text, year-end sales flag, and per channel the
   probability of accepting a uniformly drawn day (season x weekday); with
   the december plant, a second such table whose December weighs more. */
static int build_calendar(struct gen *g)
{
    int n = g->days;
    g->acc = malloc(sizeof *g->acc * NCHAN * (size_t)n);
    g->date = malloc(sizeof *g->date * (size_t)n);
    g->promo = malloc((size_t)n);
    if (g->dec_arch >= 0)
        g->acc_dec = malloc(sizeof *g->acc_dec * NCHAN * (size_t)n);
    if (!g->acc || !g->date || !g->promo || (g->dec_arch >= 0 && !g->acc_dec))
        return -1;
    int64_t z0 = days_from_civil(g->o->start_year, 1, 1);
    double smax = 0, dec_w[12], dec_max = 0;
    for (int i = 0; i < 12; i++) {
        smax = fmax(smax, month_weight[i]);
        dec_w[i] = month_weight[i] * (i == 11 ? g->o->december.factor : 1.0);
        dec_max = fmax(dec_max, dec_w[i]);
    }
    for (int i = 0; i < n; i++) {
        int y, m, d;
        civil_from_days(z0 + i, &y, &m, &d);
        put_fixed(g->date[i], (uint64_t)y, 4);
        g->date[i][4] = '-';
        put_fixed(g->date[i] + 5, (uint64_t)m, 2);
        g->date[i][7] = '-';
        put_fixed(g->date[i] + 8, (uint64_t)d, 2);
        g->promo[i] = (uint8_t)((m == 11 && d >= 20) || m == 12 || (m == 1 && d <= 10));
        int64_t z = z0 + i;
        int dow = (int)(((z + 3) % 7 + 7) % 7);     /* 1970-01-01 was a Thursday */
        for (int c = 0; c < NCHAN; c++) {
            double wmax = 0;
            for (int k = 0; k < 7; k++)
                wmax = fmax(wmax, g->ch[c].wday[k]);
            g->acc[(size_t)c * n + i] =
                (float)(month_weight[m - 1] * g->ch[c].wday[dow] / (smax * wmax));
            if (g->acc_dec)
                g->acc_dec[(size_t)c * n + i] =
                    (float)(dec_w[m - 1] * g->ch[c].wday[dow] / (dec_max * wmax));
        }
    }
    return 0;
}

/* ---- products ---- */

/* Gives product p popularity rank r (0 = most popular), swapping with the
   product that had it. */
static void promote(int *rank, int p, int r)
{
    for (int j = 0; j < NPROD; j++)
        if (rank[j] == r) {
            rank[j] = rank[p];
            rank[p] = r;
            return;
        }
}

static void build_products(struct gen *g)
{
    gsl_rng *r = g->r;
    double w[NPROD];
    int rank[NPROD];
    for (int i = 0; i < NPROD; i++)
        rank[i] = i;
    gsl_ran_shuffle(r, rank, NPROD, sizeof rank[0]);
    /* products named by plants sell everywhere: no draw is involved */
    if (g->price_prod >= 0)
        promote(rank, g->price_prod, 0);
    if (g->pair_a >= 0 && g->pair_a != g->price_prod)
        promote(rank, g->pair_a, 1);
    memcpy(g->rank, rank, sizeof rank);
    for (int i = 0; i < NPROD; i++) {
        int c = i < NCAT ? i : (int)gsl_rng_uniform_int(r, NCAT);
        g->cat[i] = (uint8_t)c;
        double list = cat_defs[c].price * gsl_ran_lognormal(r, 0.0, 0.7);
        list = fmin(fmax(list, 0.5), 5000.0);
        double ratio = cat_defs[c].cost * (0.92 + 0.16 * gsl_rng_uniform(r));
        g->list[i] = llround(list * 100);
        g->cost[i] = llround(list * ratio * 100);
        if (g->cost[i] < 1)
            g->cost[i] = 1;
        w[i] = pow(rank[i] + 1.0, -0.7);    /* Zipf-like popularity */
    }
    alias_build(w, NPROD, g->prob, g->alias, g->work);

    int count[NCAT] = { 0 };
    for (int i = 0; i < NPROD; i++)
        count[g->cat[i]]++;
    g->cat_start[0] = 0;
    for (int c = 0; c < NCAT; c++)
        g->cat_start[c + 1] = g->cat_start[c] + count[c];
    int fill[NCAT];
    memcpy(fill, g->cat_start, sizeof fill);
    for (int i = 0; i < NPROD; i++)
        g->cat_member[fill[g->cat[i]]++] = (uint16_t)i;
    for (int c = 0; c < NCAT; c++) {
        int s = g->cat_start[c], n = count[c];
        double cw[NPROD];
        for (int k = 0; k < n; k++)
            cw[k] = w[g->cat_member[s + k]];
        alias_build(cw, n, g->cat_prob + s, g->cat_alias + s, g->work);
    }
}

/* ---- schedule ---- */

static unsigned pair_extend(const struct gen *g, struct ord_rec *o);

/* A day in [lo, hi] weighted by season and the channel's weekdays; tab is
   g->acc, or g->acc_dec for the december archetype. */
static int pick_day(struct gen *g, const float *tab, int chan, int lo, int hi)
{
    const float *acc = tab + (size_t)chan * g->days;
    int d = lo;
    for (int t = 0; t < 200; t++) {
        d = lo + (int)gsl_rng_uniform_int(g->r, (unsigned long)(hi - lo + 1));
        if (gsl_rng_uniform(g->r) < acc[d])
            break;
    }
    return d;
}

static int pick_minute(struct gen *g, int chan)
{
    int h = pick_cdf(gsl_rng_uniform(g->r), g->hour_cdf[chan], 24);
    return h * 60 + (int)gsl_rng_uniform_int(g->r, 60);
}

static void add_order(struct gen *g, const struct ord_rec *rec)
{
    if (g->ord)
        g->ord[g->day_pos[rec->day]++] = *rec;
    else
        g->day_pos[rec->day]++;
    g->norders++;
    g->lines += rec->nlines;
    if (rec->cust == ANON)
        g->anon_lines += rec->nlines;
}

/* Lines of an order, cut so that the total stops at exactly rows. */
static int cut_lines(const struct gen *g, unsigned n)
{
    uint64_t left = g->o->rows - g->lines;
    return (int)(n < left ? n : left);
}

static int sched_customer(struct gen *g)
{
    gsl_rng *r = g->r;
    if (!g->ord && g->ncust == g->cap_cust) {
        uint32_t cap = g->cap_cust ? g->cap_cust * 2 : 4096;
        if (cap > MAX_CUST)
            cap = MAX_CUST;
        if (cap <= g->ncust)
            return -2;
        struct cust_rec *p = realloc(g->cust, sizeof *p * cap);
        if (!p)
            return -1;
        g->cust = p;
        g->cap_cust = cap;
    }
    uint32_t ci = g->ncust++;
    struct cust_rec *cu = &g->cust[ci];
    int a = pick_cdf(gsl_rng_uniform(r), g->arch_cdf, NARCH);
    const struct arch_def *ad = &arch_defs[a];
    cu->arch = (uint8_t)a;
    cu->chan = (uint8_t)pick_cdf(gsl_rng_uniform(r), g->chan_cdf[a], NCHAN);
    cu->region = (uint8_t)pick_cdf(gsl_rng_uniform(r), g->region_cdf, NREGION);
    cu->fav = (uint8_t)gsl_rng_uniform_int(r, NCAT);

    int e = g->days - 1;
    const float *tab = a == g->dec_arch ? g->acc_dec : g->acc;
    unsigned n = (unsigned)ad->min_orders + poisson(r, ad->extra_orders);
    int last = 0, first = 0;
    for (unsigned k = 0; k < n && g->lines < g->o->rows; k++) {
        int chan = g->o->alike ? pick_cdf(gsl_rng_uniform(r), g->chan_cdf[a], NCHAN)
                 : gsl_rng_uniform(r) < 0.75 ? cu->chan
                 : pick_cdf(gsl_rng_uniform(r), g->chan_cdf[a], NCHAN);
        int day;
        if (k == 0) {
            last = pick_day(g, tab, chan, (int)(ad->last_lo * e), (int)(ad->last_hi * e));
            day = last;
        } else if (k == 1) {
            int hi = (int)(ad->first_hi * e), lo = (int)(ad->first_lo * e);
            hi = hi < last ? hi : last;
            lo = lo < hi ? lo : hi;
            first = pick_day(g, tab, chan, lo, hi);
            day = first;
        } else {
            day = pick_day(g, tab, chan, first, last);
        }
        const struct chan_def *cd = &g->ch[chan];
        unsigned nl = 1 + poisson(r, (ad->basket - 1) * cd->basket);
        if (nl > MAX_LINES)
            nl = MAX_LINES;
        struct ord_rec o = {
            .cust = ci, .key = (uint32_t)g->norders, .day = (uint16_t)day,
            .minute = (uint16_t)pick_minute(g, chan), .chan = (uint8_t)chan,
            .plines = (uint8_t)nl, .back = 0,
        };
        nl = pair_extend(g, &o);
        o.nlines = (uint8_t)cut_lines(g, nl);
        add_order(g, &o);
        if (g->lines == g->o->rows)
            break;

        if (gsl_rng_uniform(r) < ad->ret_p * cd->ret) {
            int back = 1 + (int)(-log(1.0 - gsl_rng_uniform(r)) * 9.0);
            if (back > 60)
                back = 60;
            unsigned k_ret = 1 + poisson(r, ad->ret_lines);
            int minute = pick_minute(g, chan);
            if (day + back <= e) {
                struct ord_rec ret = o;
                ret.day = (uint16_t)(day + back);
                ret.minute = (uint16_t)minute;
                ret.back = (uint8_t)back;
                ret.nlines = (uint8_t)cut_lines(g, k_ret < nl ? k_ret : nl);
                ret.key = o.key;
                add_order(g, &ret);
            }
        }
    }
    return 0;
}

/* Walk-in store sales keep their share at about 3% of all lines (none when
   the channels are alike: they would set retail apart). */
static void sched_anonymous(struct gen *g)
{
    if (g->o->alike)
        return;
    while (g->anon_lines * 100 < g->lines * 3 && g->lines < g->o->rows) {
        int day = pick_day(g, g->acc, CH_RETAIL, 0, g->days - 1);
        unsigned nl = 1 + poisson(g->r, 0.8);
        struct ord_rec o = {
            .cust = ANON, .key = (uint32_t)g->norders, .day = (uint16_t)day,
            .minute = (uint16_t)pick_minute(g, CH_RETAIL), .chan = CH_RETAIL,
            .plines = (uint8_t)nl, .back = 0,
        };
        nl = pair_extend(g, &o);
        o.nlines = (uint8_t)cut_lines(g, nl);
        add_order(g, &o);
    }
}

static int schedule(struct gen *g, char *err, size_t errlen)
{
    gsl_rng_set(g->r, g->sched_seed);
    g->lines = g->anon_lines = g->norders = 0;
    g->ncust = 0;
    while (g->lines < g->o->rows) {
        int rc = sched_customer(g);
        if (rc == -1) {
            set_err(err, errlen, "out of memory", NULL);
            return -1;
        }
        if (rc == -2) {
            set_err(err, errlen, "too many customers for 8-digit ids", NULL);
            return -1;
        }
        sched_anonymous(g);
    }
    return 0;
}

/* Stable counting sort of each day's orders by minute. */
static int sort_minutes(struct gen *g)
{
    uint64_t maxn = 0, start = 0;
    for (int d = 0; d < g->days; d++) {
        uint64_t n = g->day_pos[d] - start;
        maxn = n > maxn ? n : maxn;
        start = g->day_pos[d];
    }
    struct ord_rec *tmp = malloc(sizeof *tmp * (maxn ? maxn : 1));
    if (!tmp)
        return -1;
    start = 0;
    for (int d = 0; d < g->days; d++) {
        uint64_t end = g->day_pos[d];
        uint64_t cnt[MINUTES + 1];
        memset(cnt, 0, sizeof cnt);
        for (uint64_t i = start; i < end; i++)
            cnt[g->ord[i].minute + 1]++;
        for (int m = 0; m < MINUTES; m++)
            cnt[m + 1] += cnt[m];
        for (uint64_t i = start; i < end; i++)
            tmp[cnt[g->ord[i].minute]++] = g->ord[i];
        memcpy(g->ord + start, tmp, sizeof *tmp * (end - start));
        start = end;
    }
    free(tmp);
    return 0;
}

/* ---- lines ---- */

/* With the pair plant: 1 when the n lines hold product a and not b and the
   order's keyed coin says b joins them. */
static int pair_wanted(const struct gen *g, const struct ord_rec *o,
                       const struct line *ln, int n)
{
    int has_a = 0, has_b = 0;
    for (int j = 0; j < n; j++) {
        has_a |= ln[j].prod == g->pair_a;
        has_b |= ln[j].prod == g->pair_b;
    }
    if (!has_a || has_b)
        return 0;
    uint64_t s = g->lseed ^ ((uint64_t)o->key * 0xA24BAED4963EE407ull) ^ 0x9A1Bu;
    return sm_unif(&s) < g->pair_prob;
}

static int draw_purchase(const struct gen *g, const struct ord_rec *o,
                         struct line *ln, int *region, int pair);

/* The purchase lines of a new order o, plus one for product b when the
   pair plant wants it: sets and returns o->plines. The lines drawn here
   are those that draw_purchase gives again at writing time, since a line
   depends only on the key and the lines before it; there, the last line of
   an order whose other lines want b becomes b. When no line is added, the
   last line is b only if it was b already (else the order would have been
   extended), so that rule changes nothing. */
static unsigned pair_extend(const struct gen *g, struct ord_rec *o)
{
    if (g->pair_a < 0 || o->plines >= MAX_LINES)
        return o->plines;
    struct line ln[MAX_LINES];
    int region;
    draw_purchase(g, o, ln, &region, 0);
    if (pair_wanted(g, o, ln, o->plines))
        o->plines++;
    return o->plines;
}

/* Draws the account and the plines lines of the purchase with this key.
   Returns the account index (-1 none) and, for a walk-in sale, the region.
   pair: apply the pair plant to the last line (0 inside pair_extend). */
static int draw_purchase(const struct gen *g, const struct ord_rec *o,
                         struct line *ln, int *region, int pair)
{
    uint64_t s = g->lseed ^ ((uint64_t)o->key * 0xD1B54A32D192ED03ull);
    const struct cust_rec *cu = o->cust == ANON ? NULL : &g->cust[o->cust];
    const struct arch_def *ad = cu ? &arch_defs[cu->arch] : &anon_def;
    const struct chan_def *cd = &g->ch[o->chan];
    int cheap = cu && cu->arch == g->cheap_arch && o->chan == g->cheap_chan;
    pair = pair && g->pair_a >= 0;
    int pday = o->day - o->back;
    uint64_t h = cu ? mix64(g->lseed + o->cust) : 0;
    int account = -1;

    *region = cu ? cu->region : 0;
    double u = sm_unif(&s);
    switch (o->chan) {
    case CH_AGENTS:
        account = u < 0.85 ? (int)(h % (NAGENT / NREGION))
                             : (int)(sm_next(&s) % (NAGENT / NREGION));
        account = *region + NREGION * account;
        break;
    case CH_RETAIL:
        if (!cu) {
            account = (int)(sm_next(&s) % NSTORE);
            *region = account % NREGION;
        } else {
            account = u < 0.85 ? (int)((h >> 8) % (NSTORE / NREGION))
                                 : (int)(sm_next(&s) % (NSTORE / NREGION));
            account = *region + NREGION * account;
        }
        break;
    case CH_MARKET: {
        int home = (int)((h >> 16) % 10);
        home = home < 5 ? 0 : home < 8 ? 1 : 2;
        account = u < 0.85 ? home : (int)(sm_next(&s) % NMARKET);
        break;
    }
    default:
        break;
    }

    double dp = cd->disc_p * (g->promo[pday] ? cd->promo : 1.0) * ad->disc_mult;
    dp = fmin(fmax(dp, ad->disc_min), 0.95);
    double qmean = 1.0 + (ad->qty - 1.0) * cd->qty;
    int ncat = cu ? g->cat_start[cu->fav + 1] - g->cat_start[cu->fav] : 0;

    for (int i = 0; i < o->plines; i++) {
        int p = 0;
        for (int t = 0; t < 4; t++) {
            if (cu && sm_unif(&s) < ad->fav) {
                int base = g->cat_start[cu->fav];
                p = g->cat_member[base + alias_pick(sm_unif(&s), g->cat_prob + base,
                                                    g->cat_alias + base, ncat)];
            } else {
                p = alias_pick(sm_unif(&s), g->prob, g->alias, NPROD);
            }
            int dup = 0;
            for (int j = 0; j < i; j++)
                dup |= ln[j].prod == p;
            if (!dup)
                break;
        }
        if (pair && i > 0 && i == o->plines - 1 && pair_wanted(g, o, ln, i))
            p = g->pair_b;
        int q = 1 + (int)(-log(sm_unif(&s)) * (qmean - 1.0));
        q = q < MAX_QTY ? q : MAX_QTY;
        if (cheap) {    /* 1.5 q rounded at random, so 1.5 q on average */
            uint64_t t = s ^ 0xC4EA9u;
            q = (int)(q * 1.5 + sm_unif(&t));
            q = q < MAX_QTY ? q : MAX_QTY;
        }
        ln[i].prod = p;
        ln[i].qty = q;
        ln[i].price = llround((double)g->list[p] * cd->price * (0.97 + 0.06 * sm_unif(&s)));
        if (ln[i].price < 1)
            ln[i].price = 1;
        if (p == g->price_prod && o->chan == g->price_chan) {
            ln[i].price = llround((double)ln[i].price * g->price_factor);
            if (ln[i].price < 1)
                ln[i].price = 1;
        }
        if (g->rank[p] < g->prices_n && o->chan == g->prices_chan) {
            ln[i].price = llround((double)ln[i].price * g->prices_factor);
            if (ln[i].price < 1)
                ln[i].price = 1;
        }
        ln[i].cost = g->cost[p];
        if (cheap) {
            ln[i].cost = llround((double)g->cost[p] * g->cheap_cost);
            if (ln[i].cost < 1)
                ln[i].cost = 1;
        }
        ln[i].disc = 0;
        if (sm_unif(&s) < dp) {
            int steps = (cd->disc_hi - cd->disc_lo) / cd->disc_step + 1;
            int d = cd->disc_lo + cd->disc_step * (int)(sm_unif(&s) * steps) + ad->disc_add;
            ln[i].disc = d < MAX_DISC ? d : MAX_DISC;
        }
    }
    return account;
}

/* Chooses which purchase lines a return sends back and how many units. */
static void draw_return(const struct gen *g, const struct ord_rec *o, struct line *ln)
{
    uint64_t s = g->lseed ^ ((uint64_t)o->key * 0x9E6C63D0676A9A99ull) ^ 0x5EED;
    const struct arch_def *ad = &arch_defs[g->cust[o->cust].arch];
    int idx[MAX_LINES];
    for (int i = 0; i < o->plines; i++)
        idx[i] = i;
    for (int i = 0; i < o->nlines; i++) {
        int j = i + (int)(sm_unif(&s) * (o->plines - i));
        if (j >= o->plines)
            j = o->plines - 1;
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
    for (int i = 1; i < o->nlines; i++)     /* keep the purchase's line order */
        for (int j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    struct line out[MAX_LINES];
    for (int i = 0; i < o->nlines; i++) {
        struct line l = ln[idx[i]];
        int q = l.qty;
        if (sm_unif(&s) >= ad->ret_all)
            q = 1 + (int)(sm_unif(&s) * q);
        l.qty = -(q < l.qty ? q : l.qty);
        out[i] = l;
    }
    memcpy(ln, out, sizeof out[0] * o->nlines);
}

/* ---- output ---- */

static void wflush(struct wbuf *w)
{
    if (w->len && w->failed < 0) {
        errno = 0;
        if (fwrite(w->buf, 1, w->len, w->f) != w->len)
            w->failed = errno ? errno : EIO;
    }
    w->len = 0;
}

static char *put_uint(char *p, uint64_t v)
{
    char t[20];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_money(char *p, int64_t cents)
{
    if (cents < 0) {
        *p++ = '-';
        cents = -cents;
    }
    p = put_uint(p, (uint64_t)cents / 100);
    *p++ = '.';
    put_fixed(p, (uint64_t)cents % 100, 2);
    return p + 2;
}

static int emit(struct gen *g, struct wbuf *w, uint32_t *id_of, uint32_t *cust_of,
                uint32_t *nids)
{
    static const char header[] = "order_id,date,customer_id,channel,product_id,category,"
                                 "quantity,unit_price,unit_cost,discount,region,account_id\n";
    memcpy(w->buf, header, sizeof header - 1);
    w->len = sizeof header - 1;

    struct line ln[MAX_LINES];
    char head[64], tail[32];
    for (uint64_t i = 0; i < g->norders && w->failed < 0; i++) {
        const struct ord_rec *o = &g->ord[i];
        char *p = head;
        *p++ = 'O';
        put_fixed(p, i + 1, 10);
        p += 10;
        *p++ = ',';
        memcpy(p, g->date[o->day], 10);
        p += 10;
        *p++ = ' ';
        put_fixed(p, o->minute / 60, 2);
        p[2] = ':';
        put_fixed(p + 3, o->minute % 60, 2);
        p += 5;
        *p++ = ',';
        if (o->cust != ANON) {
            if (!id_of[o->cust]) {
                id_of[o->cust] = ++*nids;
                cust_of[*nids - 1] = o->cust;
            }
            *p++ = 'C';
            put_fixed(p, id_of[o->cust], 8);
            p += 8;
        }
        *p++ = ',';
        p = put_str(p, chan_defs[o->chan].name);
        *p++ = ',';
        size_t hlen = (size_t)(p - head);

        int region;
        int account = draw_purchase(g, o, ln, &region, 1);
        if (o->back)
            draw_return(g, o, ln);
        p = tail;
        *p++ = ',';
        p = put_str(p, region_names[region]);
        *p++ = ',';
        if (o->chan == CH_AGENTS) {
            p = put_str(p, "AG");
            put_fixed(p, (uint64_t)account + 1, 3);
            p += 3;
        } else if (o->chan == CH_RETAIL) {
            p = put_str(p, "ST");
            put_fixed(p, (uint64_t)account + 1, 3);
            p += 3;
        } else if (o->chan == CH_MARKET) {
            p = put_str(p, "MK");
            put_fixed(p, (uint64_t)account + 1, 2);
            p += 2;
        }
        *p++ = '\n';
        size_t tlen = (size_t)(p - tail);

        for (int k = 0; k < o->nlines; k++) {
            if (w->len > WBUF - 256)
                wflush(w);
            const struct line *l = &ln[k];
            char *q = w->buf + w->len;
            memcpy(q, head, hlen);
            q += hlen;
            *q++ = 'P';
            put_fixed(q, (uint64_t)l->prod + 1, 5);
            q += 5;
            *q++ = ',';
            q = put_str(q, cat_defs[g->cat[l->prod]].name);
            *q++ = ',';
            if (l->qty < 0)
                *q++ = '-';
            q = put_uint(q, (uint64_t)abs(l->qty));
            *q++ = ',';
            q = put_money(q, l->price);
            *q++ = ',';
            q = put_money(q, l->cost);
            *q++ = ',';
            if (l->disc) {
                memcpy(q, "0.", 2);
                put_fixed(q + 2, (uint64_t)l->disc, 2);
                q += 4;
            } else {
                *q++ = '0';
            }
            memcpy(q, tail, tlen);
            q += tlen;
            w->len = (size_t)(q - w->buf);
        }
    }
    wflush(w);
    return w->failed < 0 ? 0 : -1;
}

static int emit_truth(const struct gen *g, struct wbuf *w, const uint32_t *cust_of,
                      uint32_t nids)
{
    static const char header[] = "customer_id,archetype\n";
    w->len = 0;
    memcpy(w->buf, header, sizeof header - 1);
    w->len = sizeof header - 1;
    for (uint32_t id = 1; id <= nids && w->failed < 0; id++) {
        if (w->len > WBUF - 64)
            wflush(w);
        char *q = w->buf + w->len;
        *q++ = 'C';
        put_fixed(q, id, 8);
        q += 8;
        *q++ = ',';
        q = put_str(q, gen_archetype_names[g->cust[cust_of[id - 1]].arch]);
        *q++ = '\n';
        w->len = (size_t)(q - w->buf);
    }
    wflush(w);
    return w->failed < 0 ? 0 : -1;
}

/* Flushes f; on failure records the errno in w->failed. */
static int finish(FILE *f, struct wbuf *w)
{
    errno = 0;
    if (fflush(f) == 0 && !ferror(f))
        return 0;
    w->failed = errno ? errno : EIO;
    return -1;
}

/* ---- public ---- */

void gen_defaults(struct gen_options *o)
{
    o->rows = 100000;
    o->seed = 1;
    o->start_year = 2024;
    o->days = 731;
    o->alike = 0;
    o->cheap.on = 0;
    o->cheap.factor = 0.7;
    o->price.on = 0;
    o->price.factor = 0.7;
    o->prices.on = 0;
    o->prices.count = 12;
    o->prices.factor = 0.75;
    o->december.on = 0;
    o->december.factor = 4.0;
    o->pair.on = 0;
    o->pair.prob = 0.6;
}

/* Channel index of a name (any case), or -1; the name must fit its field. */
static int chan_index(const char name[16])
{
    if (!memchr(name, '\0', 16))
        return -1;
    for (int c = 0; c < NCHAN; c++)
        if (!strcasecmp(name, gen_channel_names[c]))
            return c;
    return -1;
}

/* Product index of "P00001".."P02000" (P in any case), or -1. */
static int prod_index(const char id[16])
{
    if (!memchr(id, '\0', 16) || (id[0] != 'P' && id[0] != 'p') || strlen(id) != 6)
        return -1;
    int v = 0;
    for (int i = 1; i < 6; i++) {
        if (id[i] < '0' || id[i] > '9')
            return -1;
        v = v * 10 + (id[i] - '0');
    }
    return v >= 1 && v <= NPROD ? v - 1 : -1;
}

static int check_factor(double f, double lo, double hi, int lo_open)
{
    return isfinite(f) && (lo_open ? f > lo : f >= lo) && f <= hi;
}

/* The planted effects' fields, when on. */
static int check_plants(const struct gen_options *o, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (o->cheap.on) {
        if (o->cheap.archetype < 0 || o->cheap.archetype >= NARCH)
            bad = "cheap: archetype must be an index into gen_archetype_names";
        else if (chan_index(o->cheap.channel) < 0)
            bad = "cheap: unknown channel (direct, web, agents, retail, marketplace)";
        else if (!check_factor(o->cheap.factor, 0, 10, 1))
            bad = "cheap: factor must be above 0 and at most 10";
    }
    if (!bad && o->price.on) {
        if (prod_index(o->price.product) < 0)
            bad = "price: product must be P00001 to P02000";
        else if (chan_index(o->price.channel) < 0)
            bad = "price: unknown channel (direct, web, agents, retail, marketplace)";
        else if (!check_factor(o->price.factor, 0, 10, 1))
            bad = "price: factor must be above 0 and at most 10";
    }
    if (!bad && o->prices.on) {
        if (o->prices.count < 1 || o->prices.count > GEN_MAX_PRICES)
            bad = "prices: count must be 1 to 64";
        else if (chan_index(o->prices.channel) < 0)
            bad = "prices: unknown channel (direct, web, agents, retail, marketplace)";
        else if (!check_factor(o->prices.factor, 0, 10, 1))
            bad = "prices: factor must be above 0 and at most 10";
    }
    if (!bad && o->december.on) {
        if (o->december.archetype < 0 || o->december.archetype >= NARCH)
            bad = "december: archetype must be an index into gen_archetype_names";
        else if (!check_factor(o->december.factor, 0, 20, 1))
            bad = "december: factor must be above 0 and at most 20";
    }
    if (!bad && o->pair.on) {
        int a = prod_index(o->pair.a), b = prod_index(o->pair.b);
        if (a < 0 || b < 0)
            bad = "pair: products must be P00001 to P02000";
        else if (a == b)
            bad = "pair: the two products must differ";
        else if (!check_factor(o->pair.prob, 0, 1, 0))
            bad = "pair: prob must be between 0 and 1";
    }
    if (bad) {
        set_err(err, errlen, bad, NULL);
        return -1;
    }
    return 0;
}

/* Everything but the streams. */
static int check_values(const struct gen_options *o, char *err, size_t errlen)
{
    if (o->rows < 1 || o->rows > MAX_ROWS) {
        set_err(err, errlen, "rows must be between 1 and 1000000000", NULL);
        return -1;
    }
    if (o->days < 1 || o->days > MAX_DAYS) {
        set_err(err, errlen, "days must be between 1 and 36600", NULL);
        return -1;
    }
    if (o->start_year < 1900 || o->start_year > 9998) {
        set_err(err, errlen, "start_year must be between 1900 and 9998", NULL);
        return -1;
    }
    int y, m, d;
    civil_from_days(days_from_civil(o->start_year, 1, 1) + o->days - 1, &y, &m, &d);
    if (y > 9999) {
        set_err(err, errlen, "period ends after year 9999", NULL);
        return -1;
    }
    return check_plants(o, err, errlen);
}

static int check_options(const struct gen_options *o, FILE *out, char *err, size_t errlen)
{
    if (!o || !out) {
        set_err(err, errlen, "no options or no output stream", NULL);
        return -1;
    }
    return check_values(o, err, errlen);
}

int gen_check(const struct gen_options *o, char *err, size_t errlen)
{
    if (!o) {
        set_err(err, errlen, "no options", NULL);
        return -1;
    }
    return check_values(o, err, errlen);
}

/* The channel habits and main-channel distributions in use, and the plants
   in index form. */
static void setup_plants(struct gen *g)
{
    const struct gen_options *o = g->o;
    memcpy(g->ch, chan_defs, sizeof g->ch);
    if (o->alike) {
        struct chan_def n = { NULL, 1.0, 1.0, 1.0, 0.24, 5, 20, 5, 1.6, 1.0, { 0 }, { 0 } };
        for (int c = 0; c < NCHAN; c++) {
            for (int k = 0; k < 7; k++)
                n.wday[k] += chan_defs[c].wday[k] / NCHAN;
            for (int h = 0; h < 24; h++)
                n.hour[h] += chan_defs[c].hour[h] / NCHAN;
        }
        for (int c = 0; c < NCHAN; c++) {
            n.name = chan_defs[c].name;
            g->ch[c] = n;
        }
    }
    g->cheap_arch = g->cheap_chan = g->price_prod = g->price_chan = -1;
    g->dec_arch = g->pair_a = g->pair_b = -1;
    if (o->cheap.on) {
        g->cheap_arch = o->cheap.archetype;
        g->cheap_chan = chan_index(o->cheap.channel);
        g->cheap_cost = o->cheap.factor;
    }
    if (o->price.on) {
        g->price_prod = prod_index(o->price.product);
        g->price_chan = chan_index(o->price.channel);
        g->price_factor = o->price.factor;
    }
    g->prices_n = 0;
    g->prices_chan = -1;
    if (o->prices.on) {
        g->prices_n = o->prices.count;
        g->prices_chan = chan_index(o->prices.channel);
        g->prices_factor = o->prices.factor;
    }
    if (o->december.on)
        g->dec_arch = o->december.archetype;
    if (o->pair.on) {
        g->pair_a = prod_index(o->pair.a);
        g->pair_b = prod_index(o->pair.b);
        g->pair_prob = o->pair.prob;
    }

    double w[NARCH][NCHAN];
    for (int a = 0; a < NARCH; a++)
        for (int c = 0; c < NCHAN; c++)
            w[a][c] = o->alike ? 1.0 : arch_defs[a].chan[c];
    if (g->cheap_arch >= 0) {
        /* the cheap channel takes at least 35% of the archetype's orders */
        double *v = w[g->cheap_arch], sum = 0;
        int cc = g->cheap_chan;
        for (int c = 0; c < NCHAN; c++)
            sum += v[c];
        if (v[cc] < 0.35 * sum) {
            double rest = sum - v[cc];
            for (int c = 0; c < NCHAN; c++)
                v[c] = c == cc ? 0.35 : v[c] / rest * 0.65;
        }
    }
    for (int a = 0; a < NARCH; a++)
        make_cdf(w[a], NCHAN, g->chan_cdf[a]);
}

int gen_planted_prices(const struct gen_options *o, char (*ids)[8])
{
    if (!o->prices.on)
        return 0;
    if (gen_check(o, NULL, 0))
        return -1;
    struct gen *g = calloc(1, sizeof *g);
    if (g == NULL)
        return -1;
    g->o = o;
    g->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (g->r == NULL) {
        free(g);
        return -1;
    }
    setup_plants(g);
    /* The generator of gen_write, seeded as it is, up to the products. */
    gsl_rng_set(g->r, (unsigned long)(mix64(o->seed) & 0xFFFFFFFFu) | 1u);
    build_products(g);
    int n = o->prices.count;
    for (int p = 0; p < NPROD; p++)
        if (g->rank[p] < n)
            snprintf(ids[g->rank[p]], 8, "P%05d", (p + 1) % 100000);
    gsl_rng_free(g->r);
    free(g);
    return n;
}

int gen_write(const struct gen_options *o, FILE *out, FILE *truth, char *err, size_t errlen)
{
    if (check_options(o, out, err, errlen))
        return -1;

    int rc = -1;
    uint32_t *id_of = NULL, *cust_of = NULL, nids = 0;
    struct wbuf w = { .f = out, .buf = NULL, .len = 0, .failed = -1 };
    struct gen *g = calloc(1, sizeof *g);
    if (!g)
        goto oom;
    g->o = o;
    g->days = o->days;
    g->lseed = mix64(o->seed ^ 0x6A09E667F3BCC908ull);
    g->sched_seed = (unsigned long)(mix64(o->seed + 0x3C6EF372FE94F82Bull) & 0xFFFFFFFFu);
    g->sched_seed += g->sched_seed == 0;
    g->r = gsl_rng_alloc(gsl_rng_mt19937);
    g->day_pos = calloc((size_t)o->days, sizeof *g->day_pos);
    w.buf = malloc(WBUF);
    setup_plants(g);
    if (!g->r || !g->day_pos || !w.buf || build_calendar(g))
        goto oom;

    double aw[NARCH];
    for (int a = 0; a < NARCH; a++)
        aw[a] = arch_defs[a].weight;
    make_cdf(aw, NARCH, g->arch_cdf);
    make_cdf(region_weight, NREGION, g->region_cdf);
    for (int c = 0; c < NCHAN; c++)
        make_cdf(g->ch[c].hour, 24, g->hour_cdf[c]);
    gsl_rng_set(g->r, (unsigned long)(mix64(o->seed) & 0xFFFFFFFFu) | 1u);
    build_products(g);

    /* pass 1: count orders per day */
    if (schedule(g, err, errlen))
        goto done;
    uint64_t start = 0;
    for (int d = 0; d < g->days; d++) {
        uint64_t n = g->day_pos[d];
        g->day_pos[d] = start;
        start += n;
    }
    g->ord = malloc(sizeof *g->ord * (g->norders ? g->norders : 1));
    if (!g->ord)
        goto oom;
    /* pass 2: the same draws, each record into its day's slot */
    if (schedule(g, err, errlen))
        goto done;
    if (sort_minutes(g))
        goto oom;

    id_of = calloc(g->ncust ? g->ncust : 1, sizeof *id_of);
    cust_of = malloc(sizeof *cust_of * (g->ncust ? g->ncust : 1));
    if (!id_of || !cust_of)
        goto oom;
    if (emit(g, &w, id_of, cust_of, &nids) || finish(out, &w)) {
        set_err(err, errlen, "cannot write transactions", strerror(w.failed));
        goto done;
    }
    if (truth) {
        w.f = truth;
        if (emit_truth(g, &w, cust_of, nids) || finish(truth, &w)) {
            set_err(err, errlen, "cannot write truth file", strerror(w.failed));
            goto done;
        }
    }
    rc = 0;
    goto done;
oom:
    set_err(err, errlen, "out of memory", NULL);
done:
    free(id_of);
    free(cust_of);
    free(w.buf);
    if (g) {
        gsl_rng_free(g->r);
        free(g->acc);
        free(g->acc_dec);
        free(g->date);
        free(g->promo);
        free(g->day_pos);
        free(g->cust);
        free(g->ord);
        free(g);
    }
    return rc;
}
