/* generator.h — deterministic generator of realistic sales transactions.
 *
 * Writes a CSV of order lines in the canonical columns of SPEC §1, for the
 * committed sample, the tests and the benchmarks. Customers are drawn from
 * planted buying-habit archetypes (gen_archetype_names); the optional truth
 * file says which archetype each customer came from, so that segmentation
 * can be checked against what was planted. Same options => same bytes.
 */
#ifndef CANAUX_GENERATOR_H
#define CANAUX_GENERATOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_MAX_PRICES 64

struct gen_options {
    uint64_t rows;       /* exact number of data rows (lines) to write, 1..1e9 */
    uint64_t seed;       /* RNG seed; same seed and options => identical output */
    int      start_year; /* first day is start_year-01-01 (1900..9998) */
    int      days;       /* period length in days, 1..36600 */

    /* Switches that plant effects for testing the recommendation engine.
       Callers zero the struct, call gen_defaults(), then set what they need.
       All off by default; while off they change nothing: the output is the
       same bytes as without them, whatever their other fields hold. They
       combine freely (alike plus one plant gives data whose only channel
       effect is the planted one). Archetypes are indices into
       gen_archetype_names, channels names of gen_channel_names (any case),
       products ids "P00001".."P02000" as written in the output. */

    /* No planted channel effect: the five channels share one set of habits
       (list price x 1.00; the same lines-per-order and units-per-line
       factors, 1.0; one discount probability 0.24 with 5-20% in steps of 5,
       x 1.6 in the year-end sales; return factor 1.0; the mean of the five
       weekday and hour-of-day profiles); every order of every archetype
       picks its channel uniformly and independently (no main channel, so
       that no customer's habits weigh on one channel); and there are no
       walk-in sales (they exist only in retail). Archetypes still differ in
       recency, frequency, baskets, units, returns, discounts and categories;
       nothing tells the channels apart but their account ids and chance
       (per-channel means of 50k rows still scatter by several percent, since
       a few archetypes have heavy baskets: compare channels archetype by
       archetype and product by product). */
    int alike;

    /* Many products priced differently on one channel: the `count` most
       popular products (ranks 0 .. count-1 after the price and pair
       promotions) have their unit price on that channel x factor, as the
       price plant does for one product, on every line (purchases and their
       returns). gen_planted_prices tells which products they are.
       1 <= count <= 64; 0 < factor <= 10, default 0.75. */
    struct {
        int on;
        int count;          /* products, 1 .. GEN_MAX_PRICES */
        char channel[16];
        double factor;      /* on unit_price, default 0.75 */
    } prices;

    /* One channel clearly more profitable for one segment: the archetype's
       weight for the channel in its channel distribution (that of the main
       channel and of the other orders) is raised to at least 0.35, the
       others scaled down to fill the rest, so that about 35% of its orders
       go through that channel; and on every line of its orders in that
       channel (purchases and their returns) unit_cost is round(cost x
       factor), at least 0.01, and the units drawn are multiplied by 1.5,
       rounded down or up at random so that the mean is 1.5 times (at most
       50). Prices are unchanged. 0 < factor <= 10, default 0.7 (cost of
       goods 30% lower). */
    struct {
        int on;
        int archetype;      /* index into gen_archetype_names */
        char channel[16];   /* e.g. "web" */
        double factor;      /* on unit_cost, default 0.7 */
    } cheap;

    /* A product priced differently on one channel: its unit_price on that
       channel is round(price x factor), at least 0.01, on purchases and
       their returns; every other price is unchanged. So that it sells on
       every channel, the product takes the popularity of the most popular
       product: the two swap popularity ranks, and the product then makes
       about 2.5% of all lines. Without this a given id may sell a handful
       of times: ranks are a per-seed shuffle of the ids (P00001 is not the
       most popular; with seed 42, the default sample, the top five are
       P01241, P01469, P00692, P01893, P01352, about 2.7%, 1.6%, 1.3%, 1.2%,
       1.0% of lines; with seed 1, P01429, P01686, P00468, P01118, P00844).
       0 < factor <= 10, default 0.7. */
    struct {
        int on;
        char product[16];   /* e.g. "P00017" */
        char channel[16];
        double factor;      /* on unit_price, default 0.7 */
    } price;

    /* A segment with a strong December peak: for the archetype's orders
       (and their returns, which follow them by 1-60 days) a December day
       weighs factor times its usual seasonal weight. The number of orders
       of each customer is unchanged; only their days move, and only within
       the archetype's activity window (an archetype whose window holds no
       December, e.g. Lapsed over the default two years, shows no peak).
       With factor 4, about 43% of Loyal's orders fall in December against
       16% for the others. 0 < factor <= 20, default 4. */
    struct {
        int on;
        int archetype;      /* index into gen_archetype_names */
        double factor;      /* on the December weight, default 4 */
    } december;

    /* Two products bought together: every purchase order (every customer,
       walk-in sales too) that contains product a and not product b gets
       one more line, product b (quantity, price and discount drawn like any
       other line of the order), with probability prob; except an order that
       has 120 lines already, or the last order, cut to make exactly rows
       lines. Product a takes the popularity of the second most popular
       product (swapping ranks with it, as for price; it keeps the first
       rank when it is also the price product), so it is in about 7% of the
       orders; b keeps its own. 0 <= prob <= 1, default 0.6; a != b. */
    struct {
        int on;
        char a[16];         /* e.g. "P00017" */
        char b[16];
        double prob;        /* default 0.6 */
    } pair;
};

/* Fills o with the defaults: 100000 rows, seed 1, 2024, 731 days, every
   switch off, factors 0.7 (cheap, price) and 4 (december), prob 0.6. */
void gen_defaults(struct gen_options *o);

/* The products of the prices plant of o, as gen_write will price them: ids
   ("P00017") into ids[0 .. count), most popular first. Returns count, 0 when
   the plant is off, or -1 on bad options or allocation failure. */
int gen_planted_prices(const struct gen_options *o, char (*ids)[8]);

/* Checks o as gen_write does, without writing anything: 0, or -1 with a
   message in err (errlen bytes, may be NULL/0). */
int gen_check(const struct gen_options *o, char *err, size_t errlen);

/* Writes the header line and exactly o->rows data rows to out and, when
 * truth is not NULL, "customer_id,archetype\n" then one line per customer
 * that appears in the output, sorted by customer id. Neither stream is
 * closed; both are flushed. Returns 0, or -1 with a message in err (errlen
 * bytes, may be NULL/0) on bad options, allocation failure or a write
 * error. Owns nothing after return. */
int gen_write(const struct gen_options *o, FILE *out, FILE *truth,
              char *err, size_t errlen);

/* Names of the planted archetypes, index = archetype id, and their count. */
extern const char *const gen_archetype_names[];
extern const int gen_archetype_count;

/* Names of the channels as written in the output, and their count. */
extern const char *const gen_channel_names[];
extern const int gen_channel_count;

/* Number of products: ids run from P00001 to P%05d of it (P02000). */
extern const int gen_product_count;

#endif
