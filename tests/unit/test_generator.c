/* test_generator.c — unit tests of sample-data/generator.c.
 *
 * The generator is checked from its output only, as a loader would see it:
 * the CSV is written to memory, parsed here, and its contract (format,
 * counts, period, ordering, returns, accounts, truth file) and its planted
 * habits (per-archetype and per-channel averages) are asserted; so are the
 * planted effects of the switches (alike, cheap, price, december, pair),
 * each measured from the CSV (and the truth file) alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample-data/generator.h"

static const char header[] = "order_id,date,customer_id,channel,product_id,category,"
                             "quantity,unit_price,unit_cost,discount,region,account_id";
static const char *const channels[] = { "direct", "web", "agents", "retail", "marketplace" };
static const char *const regions[] = { "North", "South", "East", "West", "Central" };
enum { DIRECT, WEB, AGENTS, RETAIL, MARKET, NCH = 5 };

struct row {
    uint64_t oid;       /* order number */
    char date[17];      /* YYYY-MM-DD HH:MM */
    long day;           /* days since 1970-01-01 */
    uint32_t cust;      /* customer number, 0 = anonymous */
    int chan;           /* index in channels[] */
    int prod;           /* product number */
    int qty;            /* units, negative = return */
    long price, cost;   /* cents */
    int disc;           /* percent */
};

struct data {
    char *csv, *truth;
    size_t csv_len, truth_len;
    struct row *rows;
    size_t n;
};

static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int generate(const struct gen_options *o, struct data *d, int with_truth)
{
    memset(d, 0, sizeof *d);
    FILE *f = open_memstream(&d->csv, &d->csv_len);
    FILE *t = with_truth ? open_memstream(&d->truth, &d->truth_len) : NULL;
    assert_non_null(f);
    char err[256] = "";
    int rc = gen_write(o, f, t, err, sizeof err);
    fclose(f);
    if (t)
        fclose(t);
    if (rc)
        print_error("gen_write: %s\n", err);
    return rc;
}

static void data_free(struct data *d)
{
    free(d->csv);
    free(d->truth);
    free(d->rows);
}

static int all_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* "12.50" -> 1250; -1 when not digits '.' two digits */
static long money(const char *s)
{
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || strlen(dot) != 3 || !isdigit((unsigned char)dot[1])
        || !isdigit((unsigned char)dot[2]))
        return -1;
    long v = 0;
    for (const char *p = s; p < dot; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v * 100 + (dot[1] - '0') * 10 + (dot[2] - '0');
}

static int find(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s, names[i]))
            return i;
    return -1;
}

/* Splits and checks every data row; fails the test on the first bad one. */
static void parse(struct data *d)
{
    char *save = NULL, *line = strtok_r(d->csv, "\n", &save);
    assert_non_null(line);
    assert_string_equal(line, header);
    size_t cap = 1024;
    d->rows = malloc(sizeof *d->rows * cap);
    assert_non_null(d->rows);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char copy[256];
        assert_true(strlen(line) < sizeof copy);
        strcpy(copy, line);
        char *f[13];
        int nf = 0;
        for (char *p = copy, *q; nf < 13; p = q + 1) {
            f[nf++] = p;
            if (!(q = strchr(p, ',')))
                break;
            *q = '\0';
        }
        if (nf != 12)
            fail_msg("%d fields: %s", nf, line);
        if (d->n == cap) {
            cap *= 2;
            d->rows = realloc(d->rows, sizeof *d->rows * cap);
            assert_non_null(d->rows);
        }
        struct row *r = &d->rows[d->n++];
        int y, mo, da, hh, mi;
        char tail;
        if (f[0][0] != 'O' || !all_digits(f[0] + 1, 10)
            || strlen(f[1]) != 16
            || sscanf(f[1], "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &da, &hh, &mi, &tail) != 5
            || mo < 1 || mo > 12 || da < 1 || da > 31 || hh > 23 || mi > 59
            || (f[2][0] && (f[2][0] != 'C' || !all_digits(f[2] + 1, 8)))
            || f[4][0] != 'P' || !all_digits(f[4] + 1, 5) || !f[5][0]
            || find(f[10], regions, 5) < 0)
            fail_msg("bad field: %s", line);
        r->oid = strtoull(f[0] + 1, NULL, 10);
        memcpy(r->date, f[1], 17);
        r->day = days_from_civil(y, mo, da);
        r->cust = f[2][0] ? (uint32_t)strtoul(f[2] + 1, NULL, 10) : 0;
        r->chan = find(f[3], channels, NCH);
        r->prod = atoi(f[4] + 1);
        char *end;
        long q = strtol(f[6], &end, 10);
        r->qty = (int)q;
        r->price = money(f[7]);
        r->cost = money(f[8]);
        if (r->chan < 0 || *end || q == 0 || q < -50 || q > 50 || r->price <= 0 || r->cost <= 0)
            fail_msg("bad channel, quantity or price: %s", line);
        /* discount: "0" when none, else "0.dd" */
        if (!strcmp(f[9], "0"))
            r->disc = 0;
        else if (strlen(f[9]) == 4 && !strncmp(f[9], "0.", 2) && all_digits(f[9] + 2, 2)
                 && atoi(f[9] + 2) > 0)
            r->disc = atoi(f[9] + 2);
        else
            fail_msg("bad discount: %s", line);
        /* accounts: none for direct and web, AG001.., ST001.., MK01..MK03 */
        const char *a = f[11];
        int ok;
        switch (r->chan) {
        case AGENTS: ok = !strncmp(a, "AG", 2) && all_digits(a + 2, 3) && atoi(a + 2) >= 1; break;
        case RETAIL: ok = !strncmp(a, "ST", 2) && all_digits(a + 2, 3) && atoi(a + 2) >= 1; break;
        case MARKET: ok = !strcmp(a, "MK01") || !strcmp(a, "MK02") || !strcmp(a, "MK03"); break;
        default: ok = a[0] == '\0'; break;
        }
        if (!ok)
            fail_msg("bad account for the channel: %s", line);
        if (!r->cust && r->chan != RETAIL)
            fail_msg("anonymous sale outside retail: %s", line);
    }
}

static struct gen_options opts(uint64_t rows, uint64_t seed)
{
    struct gen_options o;
    memset(&o, 0, sizeof o);
    gen_defaults(&o);
    o.rows = rows;
    o.seed = seed;
    return o;
}

static void test_defaults(void **state)
{
    (void)state;
    struct gen_options o;
    memset(&o, 0, sizeof o);
    gen_defaults(&o);
    assert_int_equal(o.start_year, 2024);
    assert_int_equal(o.days, 731);
    assert_true(o.rows >= 1);
    assert_int_equal(gen_archetype_count, 8);
    for (int i = 0; i < gen_archetype_count; i++)
        assert_non_null(gen_archetype_names[i]);
}

/* Header, 12 well-formed fields per row, exactly N rows. */
static void test_format_and_count(void **state)
{
    (void)state;
    static const uint64_t ns[] = { 1, 2, 7, 1000, 12345 };
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        struct gen_options o = opts(ns[k], 11);
        struct data d;
        assert_int_equal(generate(&o, &d, 0), 0);
        assert_true(d.csv_len > 0 && d.csv[d.csv_len - 1] == '\n');
        size_t lines = 0;
        for (size_t i = 0; i < d.csv_len; i++)
            lines += d.csv[i] == '\n';
        assert_int_equal(lines, ns[k] + 1);         /* header + N */
        parse(&d);
        assert_int_equal(d.n, ns[k]);
        data_free(&d);
    }
}

/* 2023-01-01 + 400 days: 2023 has 365 days, so the last day is day 399 =
   2024-01-01 + 34 = 2024-02-04, and "2024-02-05" is the first day outside. */
static void test_period_and_order(void **state)
{
    (void)state;
    struct gen_options o = opts(20000, 5);
    o.start_year = 2023;
    o.days = 400;
    struct data d;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    assert_int_equal(d.n, 20000);
    uint64_t prev_oid = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        assert_true(strcmp(r->date, "2023-01-01 00:00") >= 0);
        assert_true(strcmp(r->date, "2024-02-05") < 0);
        if (i == 0) {
            assert_int_equal(r->oid, 1);
        } else if (r->oid != prev_oid) {
            /* a new order: next number, not earlier than the previous one */
            assert_int_equal(r->oid, prev_oid + 1);
            assert_true(strcmp(r->date, d.rows[i - 1].date) >= 0);
        } else {
            /* the rest of the same order: same date, customer, channel */
            assert_string_equal(r->date, d.rows[i - 1].date);
            assert_int_equal(r->cust, d.rows[i - 1].cust);
            assert_int_equal(r->chan, d.rows[i - 1].chan);
        }
        prev_oid = r->oid;
    }
    data_free(&d);

    /* a one-day period: every row on that day */
    o = opts(500, 5);
    o.start_year = 2025;
    o.days = 1;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    assert_int_equal(d.n, 500);
    for (size_t i = 0; i < d.n; i++)
        assert_memory_equal(d.rows[i].date, "2025-01-01", 10);
    data_free(&d);
}

static void test_determinism(void **state)
{
    (void)state;
    struct gen_options o = opts(5000, 42);
    struct data a, b, c;
    assert_int_equal(generate(&o, &a, 1), 0);
    assert_int_equal(generate(&o, &b, 1), 0);
    o.seed = 43;
    assert_int_equal(generate(&o, &c, 1), 0);
    assert_int_equal(a.csv_len, b.csv_len);
    assert_memory_equal(a.csv, b.csv, a.csv_len);
    assert_int_equal(a.truth_len, b.truth_len);
    assert_memory_equal(a.truth, b.truth, a.truth_len);
    assert_false(a.csv_len == c.csv_len && !memcmp(a.csv, c.csv, a.csv_len));
    data_free(&a);
    data_free(&b);
    data_free(&c);
}

/* Returns: whole orders of negative lines with their own order numbers, each
   line sending back part of an earlier purchase line of the same customer,
   product and channel, at the price and discount paid. */
static void test_returns(void **state)
{
    (void)state;
    struct gen_options o = opts(30000, 9);
    struct data d;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    size_t nret = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (i && r->oid == d.rows[i - 1].oid)
            assert_int_equal(r->qty < 0, d.rows[i - 1].qty < 0);   /* no mixed order */
        if (r->qty > 0)
            continue;
        nret++;
        assert_true(r->cust != 0);
        int found = 0;
        for (size_t j = 0; j < i && !found; j++) {
            const struct row *p = &d.rows[j];
            found = p->qty >= -r->qty && p->cust == r->cust && p->prod == r->prod
                    && p->chan == r->chan && p->price == r->price && p->disc == r->disc
                    && p->day < r->day;
        }
        if (!found)
            fail_msg("return without a matching purchase: O%010llu P%05d",
                     (unsigned long long)r->oid, r->prod);
    }
    /* planted at 3-8% of the lines */
    assert_true(nret > d.n * 3 / 100 && nret < d.n * 8 / 100);
    data_free(&d);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Reads the truth file into ids[] and archetype indices arch[]. */
static size_t read_truth(const struct data *d, uint32_t **ids, int **arch)
{
    char *text = malloc(d->truth_len + 1);
    assert_non_null(text);
    memcpy(text, d->truth, d->truth_len);
    text[d->truth_len] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < d->truth_len; i++)
        n += text[i] == '\n';
    *ids = malloc(sizeof **ids * n);
    *arch = malloc(sizeof **arch * n);
    assert_true(*ids && *arch);
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    assert_string_equal(line, "customer_id,archetype");
    size_t k = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *comma = strchr(line, ',');
        assert_non_null(comma);
        *comma = '\0';
        assert_true(line[0] == 'C' && all_digits(line + 1, 8));
        (*ids)[k] = (uint32_t)strtoul(line + 1, NULL, 10);
        (*arch)[k] = find(comma + 1, gen_archetype_names, gen_archetype_count);
        if ((*arch)[k] < 0)
            fail_msg("unknown archetype %s", comma + 1);
        k++;
    }
    free(text);
    return k;
}

/* The truth file lists exactly the distinct customer ids of the data, sorted;
   ids are numbered by first appearance. */
static void test_truth(void **state)
{
    (void)state;
    struct gen_options o = opts(20000, 3);
    struct data d;
    assert_int_equal(generate(&o, &d, 1), 0);
    parse(&d);
    uint32_t *ids;
    int *arch;
    size_t nt = read_truth(&d, &ids, &arch);

    uint32_t *seen = malloc(sizeof *seen * d.n);
    assert_non_null(seen);
    size_t ns = 0;
    uint32_t maxid = 0;
    for (size_t i = 0; i < d.n; i++) {
        uint32_t c = d.rows[i].cust;
        if (!c)
            continue;
        if (c > maxid) {
            assert_int_equal(c, maxid + 1);     /* a new customer takes the next id */
            maxid = c;
        }
        seen[ns++] = c;
    }
    qsort(seen, ns, sizeof *seen, cmp_u32);
    size_t nd = 0;
    for (size_t i = 0; i < ns; i++)
        if (!nd || seen[nd - 1] != seen[i])
            seen[nd++] = seen[i];
    assert_int_equal(nt, nd);
    for (size_t i = 0; i < nt; i++)
        assert_int_equal(ids[i], seen[i]);
    free(seen);
    free(ids);
    free(arch);
    data_free(&d);
}

/* Per customer, the features of SPEC §3 that the archetypes plant. */
struct feat {
    long first, last, last_any; /* days of the first order, last purchase, last order */
    uint64_t last_oid;          /* last purchase order counted */
    int orders;                 /* purchase orders */
    long sold, returned;        /* units */
    int lines;                  /* purchase lines */
    double gross, disc;         /* of the purchase lines */
};

/* Means per archetype over a 50k-row sample must differ in the planted
   direction. */
static void test_archetypes(void **state)
{
    (void)state;
    struct gen_options o = opts(50000, 2024);
    struct data d;
    assert_int_equal(generate(&o, &d, 1), 0);
    parse(&d);
    uint32_t *ids;
    int *arch;
    size_t nt = read_truth(&d, &ids, &arch);
    assert_true(nt > 2000);     /* about 15 lines per customer */
    assert_true(nt < 5000);
    struct feat *f = calloc(nt + 1, sizeof *f);  /* ids are 1..nt */
    assert_non_null(f);
    assert_int_equal(ids[nt - 1], nt);
    long asof = 0, anon = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        asof = r->day > asof ? r->day : asof;
        if (!r->cust) {
            anon++;
            continue;
        }
        struct feat *c = &f[r->cust];
        if (!c->orders && !c->returned && !c->first)
            c->first = r->day;
        if (r->qty < 0) {
            c->returned -= r->qty;
            continue;
        }
        if (r->oid != c->last_oid)
            c->orders++;
        c->last_oid = r->oid;
        c->last = r->day;
        c->sold += r->qty;
        c->lines++;
        c->gross += r->qty * (double)r->price;
        c->disc += r->qty * (double)r->price * r->disc / 100.0;
    }
    /* walk-in sales at about 3% of the lines */
    assert_true(anon > (long)d.n / 100 * 2 && anon < (long)d.n / 100 * 4);

    enum { REC, TEN, FREQ, UPO, RET, DISC, NF };
    double sum[8][NF] = { { 0 } };
    int cnt[8] = { 0 };
    for (size_t k = 0; k < nt; k++) {
        const struct feat *c = &f[ids[k]];
        assert_true(c->orders > 0);     /* a return always follows its purchase */
        int a = arch[k];
        cnt[a]++;
        sum[a][REC] += (double)(asof - c->last);
        sum[a][TEN] += (double)(asof - c->first);
        sum[a][FREQ] += c->orders;
        sum[a][UPO] += (double)c->sold / c->orders;
        sum[a][RET] += (double)c->returned / (double)c->sold;
        sum[a][DISC] += c->gross > 0 ? c->disc / c->gross : 0;
    }
    int ix[8];
    static const char *const want[8] = { "Champions", "Loyal", "New", "At risk", "Lapsed",
                                         "Bargain hunters", "Bulk buyers", "Returners" };
    for (int k = 0; k < 8; k++) {
        ix[k] = find(want[k], gen_archetype_names, gen_archetype_count);
        assert_true(ix[k] >= 0);
        assert_true(cnt[ix[k]] >= 50);
    }
    double m[8][NF];
    for (int a = 0; a < 8; a++)
        for (int j = 0; j < NF; j++)
            m[a][j] = sum[a][j] / cnt[a];
    enum { CH, LO, NE, AR, LA, BH, BU, RE };
#define M(k, j) m[ix[k]][j]
    /* recency: Champions < Loyal < At risk < Lapsed; New are recent */
    assert_true(M(CH, REC) < M(LO, REC));
    assert_true(M(LO, REC) < M(AR, REC));
    assert_true(M(AR, REC) < M(LA, REC));
    assert_true(M(NE, REC) < M(AR, REC));
    /* tenure: New have the shortest */
    for (int k = 0; k < 8; k++)
        if (k != NE)
            assert_true(M(NE, TEN) < M(k, TEN));
    /* the highest frequency, units per order, return rate and discount rate
       belong to Champions, Bulk buyers, Returners and Bargain hunters */
    for (int k = 0; k < 8; k++) {
        if (k != CH)
            assert_true(M(CH, FREQ) > M(k, FREQ));
        if (k != BU)
            assert_true(M(BU, UPO) > M(k, UPO));
        if (k != RE)
            assert_true(M(RE, RET) > 2 * M(k, RET));
        if (k != BH)
            assert_true(M(BH, DISC) > 1.5 * M(k, DISC));
    }
#undef M
    free(f);
    free(ids);
    free(arch);
    data_free(&d);
}

/* Channels differ in basket, discounts and price level. */
static void test_channels(void **state)
{
    (void)state;
    struct gen_options o = opts(50000, 77);
    struct data d;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    double lines[NCH] = { 0 }, orders[NCH] = { 0 }, gross[NCH] = { 0 }, disc[NCH] = { 0 };
    /* mean log price per product and channel, compared product by product */
    enum { NP = 2001 };
    double *lp = calloc((size_t)NP * NCH, sizeof *lp);
    int *np = calloc((size_t)NP * NCH, sizeof *np);
    assert_true(lp && np);
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0)
            continue;
        assert_true(r->prod >= 1 && r->prod < NP);
        lines[r->chan]++;
        orders[r->chan] += !i || r->oid != d.rows[i - 1].oid;
        gross[r->chan] += r->qty * (double)r->price;
        disc[r->chan] += r->qty * (double)r->price * r->disc / 100.0;
        lp[r->prod * NCH + r->chan] += log((double)r->price);
        np[r->prod * NCH + r->chan]++;
    }
    for (int c = 0; c < NCH; c++)
        assert_true(orders[c] > 100);
    /* lines per order: direct > agents > web */
    assert_true(lines[DIRECT] / orders[DIRECT] > lines[AGENTS] / orders[AGENTS]);
    assert_true(lines[AGENTS] / orders[AGENTS] > lines[WEB] / orders[WEB]);
    /* discount rate: direct highest, web lowest */
    for (int c = 0; c < NCH; c++) {
        if (c != DIRECT)
            assert_true(disc[DIRECT] / gross[DIRECT] > disc[c] / gross[c]);
        if (c != WEB)
            assert_true(disc[WEB] / gross[WEB] < disc[c] / gross[c]);
    }
    /* price level, same products: marketplace below web below direct */
    double dmw = 0, dwd = 0;
    int nmw = 0, nwd = 0;
    for (int p = 1; p < NP; p++) {
        const double *l = lp + p * NCH;
        const int *n = np + p * NCH;
        if (n[MARKET] && n[WEB]) {
            dmw += l[MARKET] / n[MARKET] - l[WEB] / n[WEB];
            nmw++;
        }
        if (n[WEB] && n[DIRECT]) {
            dwd += l[WEB] / n[WEB] - l[DIRECT] / n[DIRECT];
            nwd++;
        }
    }
    assert_true(nmw > 100 && nwd > 100);
    assert_true(dmw / nmw < -0.05);     /* planted: 0.90 vs 1.00, log = -0.105 */
    assert_true(dwd / nwd < -0.05);     /* planted: 1.00 vs 1.10, log = -0.095 */
    free(lp);
    free(np);
    data_free(&d);
}

static void test_bad_options(void **state)
{
    (void)state;
    char err[128];
    FILE *f = tmpfile();
    assert_non_null(f);
    struct gen_options o = opts(0, 1);
    err[0] = '\0';
    assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "rows"));
    o = opts(10, 1);
    o.days = 0;
    assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "days"));
    o.days = 40000;
    assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);
    o = opts(10, 1);
    o.start_year = 1800;
    assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "start_year"));
    o = opts(10, 1);
    assert_int_equal(gen_write(&o, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(gen_write(NULL, f, NULL, err, sizeof err), -1);
    assert_int_equal(gen_write(&o, NULL, NULL, NULL, 0), -1);  /* no message buffer */
    assert_int_equal(ftell(f), 0);      /* nothing written on bad options */
    fclose(f);
}

/* /dev/full fails every write with ENOSPC: the error must come back. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    struct gen_options o = opts(50000, 1);
    char err[128] = "";
    assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "write"));
    fclose(f);

    /* a good data stream but a failing truth stream */
    FILE *out = tmpfile();
    f = fopen("/dev/full", "w");
    assert_true(out && f);
    o.rows = 2000;
    err[0] = '\0';
    assert_int_equal(gen_write(&o, out, f, err, sizeof err), -1);
    assert_non_null(strstr(err, "truth"));
    fclose(out);
    fclose(f);
}

/* ---- planted effects ---- */

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Archetype of each customer number (0 = walk-in: -1), from the truth file. */
static int *arch_by_cust(const struct data *d, size_t *ncust)
{
    uint32_t *ids;
    int *arch;
    size_t nt = read_truth(d, &ids, &arch);
    int *by = malloc(sizeof *by * (nt + 1));
    assert_non_null(by);
    by[0] = -1;
    for (size_t k = 0; k < nt; k++) {
        assert_int_equal(ids[k], k + 1);
        by[k + 1] = arch[k];
    }
    free(ids);
    free(arch);
    *ncust = nt;
    return by;
}

static int arch_id(const char *name)
{
    int a = find(name, gen_archetype_names, gen_archetype_count);
    assert_true(a >= 0);
    return a;
}

static int new_order(const struct data *d, size_t i)
{
    return i == 0 || d->rows[i].oid != d->rows[i - 1].oid;
}

/* The switches off leave the bytes of the generator without them (hashes
   recorded before they existed, for `canaux gen --rows 5000 --seed 42`),
   whatever their other fields hold. */
static void test_plants_off(void **state)
{
    (void)state;
    struct gen_options o = opts(5000, 42);
    assert_int_equal(o.alike, 0);
    assert_int_equal(o.cheap.on + o.price.on + o.december.on + o.pair.on, 0);
    assert_true(o.cheap.factor == 0.7 && o.price.factor == 0.7);
    assert_true(o.december.factor == 4.0 && o.pair.prob == 0.6);
    struct data a, b;
    assert_int_equal(generate(&o, &a, 1), 0);
    assert_true(fnv1a(a.csv, a.csv_len) == 0xcfa7c7ad8bb93c87ull);
    assert_true(fnv1a(a.truth, a.truth_len) == 0x81196481d6c95962ull);
    o.cheap.archetype = 3;
    strcpy(o.cheap.channel, "web");
    o.cheap.factor = 0.5;
    strcpy(o.price.product, "P00001");
    strcpy(o.price.channel, "direct");
    o.price.factor = 0.2;
    o.december.archetype = 1;
    o.december.factor = 9;
    strcpy(o.pair.a, "P00001");
    strcpy(o.pair.b, "P00002");
    o.pair.prob = 1;
    assert_int_equal(generate(&o, &b, 1), 0);
    assert_int_equal(a.csv_len, b.csv_len);
    assert_memory_equal(a.csv, b.csv, a.csv_len);
    assert_int_equal(a.truth_len, b.truth_len);
    assert_memory_equal(a.truth, b.truth, a.truth_len);
    data_free(&a);
    data_free(&b);
}

/* Every switch at once: still exactly N well-formed rows, deterministic, and
   each return matches an earlier purchase line (test_returns, smaller). */
static void test_plants_together(void **state)
{
    (void)state;
    struct gen_options o = opts(8000, 6);
    o.alike = 1;
    o.cheap.on = 1;
    o.cheap.archetype = arch_id("Returners");
    strcpy(o.cheap.channel, "Retail");          /* any case */
    o.price.on = 1;
    strcpy(o.price.product, "P00500");
    strcpy(o.price.channel, "agents");
    o.december.on = 1;
    o.december.archetype = arch_id("Returners");
    o.pair.on = 1;
    strcpy(o.pair.a, "P00500");                 /* also the price product */
    strcpy(o.pair.b, "P00007");
    o.pair.prob = 1;
    char err[128] = "";
    assert_int_equal(gen_check(&o, err, sizeof err), 0);
    struct data d, d2;
    assert_int_equal(generate(&o, &d, 1), 0);
    assert_int_equal(generate(&o, &d2, 1), 0);
    assert_int_equal(d.csv_len, d2.csv_len);
    assert_memory_equal(d.csv, d2.csv, d.csv_len);
    parse(&d);
    assert_int_equal(d.n, 8000);
    size_t nret = 0;
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        assert_true(r->cust != 0);              /* alike: no walk-in sales */
        if (r->qty > 0)
            continue;
        nret++;
        int found = 0;
        for (size_t j = 0; j < i && !found; j++) {
            const struct row *p = &d.rows[j];
            found = p->qty >= -r->qty && p->cust == r->cust && p->prod == r->prod
                    && p->chan == r->chan && p->price == r->price && p->cost == r->cost
                    && p->disc == r->disc && p->day < r->day;
        }
        if (!found)
            fail_msg("return without a matching purchase: O%010llu P%05d",
                     (unsigned long long)r->oid, r->prod);
    }
    assert_true(nret > 0);
    data_free(&d);
    data_free(&d2);
}

/* price: the product's mean unit price on the channel is about 0.7 times
   its mean on the other channels (which are 0.97-1.10 x list: about 0.68),
   and the product sells on every channel. */
static void test_plant_price(void **state)
{
    (void)state;
    struct gen_options o = opts(50000, 8);
    o.price.on = 1;
    strcpy(o.price.product, "P00123");
    strcpy(o.price.channel, "web");
    struct data d;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    double sum[NCH] = { 0 };
    int n[NCH] = { 0 };
    int *count = calloc(2001, sizeof *count);
    assert_non_null(count);
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0)
            continue;
        count[r->prod]++;
        if (r->prod == 123) {
            sum[r->chan] += (double)r->price;
            n[r->chan]++;
        }
    }
    for (int p = 1; p <= 2000; p++)
        assert_true(count[p] <= count[123]);    /* the most popular product */
    double other = 0;
    int nother = 0;
    for (int c = 0; c < NCH; c++) {
        assert_true(n[c] >= 50);
        if (c != WEB) {
            other += sum[c];
            nother += n[c];
        }
    }
    double ratio = (sum[WEB] / n[WEB]) / (other / nother);
    print_message("price: web / other channels = %.3f\n", ratio);
    assert_true(ratio > 0.62 && ratio < 0.76);
    free(count);
    data_free(&d);
}

struct month_share {
    double dec[8], all[8];      /* purchase orders in December, all, by archetype */
};

static void december_shares(const struct gen_options *o, struct month_share *m)
{
    struct data d;
    assert_int_equal(generate(o, &d, 1), 0);
    parse(&d);
    size_t nc;
    int *by = arch_by_cust(&d, &nc);
    memset(m, 0, sizeof *m);
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0 || !r->cust || !new_order(&d, i))
            continue;
        int a = by[r->cust];
        m->all[a]++;
        m->dec[a] += r->date[5] == '1' && r->date[6] == '2';
    }
    free(by);
    data_free(&d);
}

/* december: the archetype's share of purchase orders in December is more
   than twice the other archetypes', and it keeps about as many orders. */
static void test_plant_december(void **state)
{
    (void)state;
    int loyal = arch_id("Loyal");
    struct gen_options o = opts(50000, 12);
    struct month_share base, plant;
    december_shares(&o, &base);
    o.december.on = 1;
    o.december.archetype = loyal;
    december_shares(&o, &plant);
    double dec = 0, all = 0;
    for (int a = 0; a < 8; a++)
        if (a != loyal) {
            dec += plant.dec[a];
            all += plant.all[a];
        }
    double s_loyal = plant.dec[loyal] / plant.all[loyal], s_other = dec / all;
    double s_base = base.dec[loyal] / base.all[loyal];
    print_message("december: Loyal %.3f (%.3f unplanted), others %.3f\n",
                  s_loyal, s_base, s_other);
    assert_true(s_loyal > 2 * s_other);
    assert_true(s_base < 1.5 * s_other);
    /* orders per line of data: the archetype's weight in the data holds */
    double tot_b = 0, tot_p = 0;
    for (int a = 0; a < 8; a++) {
        tot_b += base.all[a];
        tot_p += plant.all[a];
    }
    double share_b = base.all[loyal] / tot_b, share_p = plant.all[loyal] / tot_p;
    assert_true(share_p > 0.85 * share_b && share_p < 1.15 * share_b);
}

/* pair: P(b in order | a in order) >= 0.5, while b is rare overall. */
static void test_plant_pair(void **state)
{
    (void)state;
    struct gen_options o = opts(50000, 21);
    o.pair.on = 1;
    strcpy(o.pair.a, "P00010");
    strcpy(o.pair.b, "P01500");
    struct data d;
    assert_int_equal(generate(&o, &d, 0), 0);
    parse(&d);
    size_t orders = 0, with_a = 0, with_b = 0, with_ab = 0;
    for (size_t i = 0; i < d.n;) {
        size_t j = i;
        int a = 0, b = 0;
        for (; j < d.n && d.rows[j].oid == d.rows[i].oid; j++) {
            a += d.rows[j].prod == 10;
            b += d.rows[j].prod == 1500;
        }
        assert_true(b <= 1);
        if (d.rows[i].qty > 0) {
            orders++;
            with_a += a > 0;
            with_b += b > 0;
            with_ab += a > 0 && b > 0;
        }
        i = j;
    }
    double p_ba = (double)with_ab / with_a, p_b = (double)with_b / orders;
    print_message("pair: %zu orders, %zu with a, P(b|a) %.3f, P(b) %.3f\n",
                  orders, with_a, p_ba, p_b);
    assert_true(with_a >= 300);
    assert_true(p_ba >= 0.5);
    assert_true(p_b < 0.08);
    assert_true((double)(with_b - with_ab) / (orders - with_a) < 0.01);
    data_free(&d);
}

struct cell {
    double lines, units, ratio;     /* purchase lines, units, sum of cost/price */
    size_t orders, custs;
};

/* Per (archetype, is the channel) cells of purchase lines, with the number
   of customers and orders. */
static void cheap_cells(const struct gen_options *o, int chan, struct cell c[8][2])
{
    struct data d;
    assert_int_equal(generate(o, &d, 1), 0);
    parse(&d);
    size_t nc;
    int *by = arch_by_cust(&d, &nc);
    char *seen = calloc(nc + 1, 1);
    assert_non_null(seen);
    memset(c, 0, sizeof(struct cell) * 16);
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0 || !r->cust)
            continue;
        int in = r->chan == chan;
        struct cell *x = &c[by[r->cust]][in];
        x->lines++;
        x->units += r->qty;
        x->ratio += (double)r->cost / (double)r->price;
        x->orders += new_order(&d, i);
        if (in && !seen[r->cust]) {
            seen[r->cust] = 1;
            x->custs++;
        }
    }
    free(seen);
    free(by);
    data_free(&d);
}

/* cheap: the (archetype, channel) lines have a cost/price ratio about 0.7
   times that of the other archetypes in the channel, 1.5 times the units,
   about 35% of the archetype's orders, and enough customers. */
static void test_plant_cheap(void **state)
{
    (void)state;
    int bh = arch_id("Bargain hunters");
    struct gen_options o = opts(50000, 31);
    struct cell base[8][2], plant[8][2];
    cheap_cells(&o, WEB, base);
    o.cheap.on = 1;
    o.cheap.archetype = bh;
    strcpy(o.cheap.channel, "web");
    cheap_cells(&o, WEB, plant);
    struct cell oth = { 0 }, oth_out = { 0 };
    for (int a = 0; a < 8; a++)
        if (a != bh) {
            oth.lines += plant[a][1].lines;
            oth.ratio += plant[a][1].ratio;
            oth_out.lines += plant[a][0].lines;
            oth_out.ratio += plant[a][0].ratio;
        }
    const struct cell *in = &plant[bh][1], *out = &plant[bh][0];
    double cost = (in->ratio / in->lines) / (oth.ratio / oth.lines);
    double cost_out = (out->ratio / out->lines) / (oth_out.ratio / oth_out.lines);
    double units = (in->units / in->lines) / (base[bh][1].units / base[bh][1].lines);
    double share = (double)in->orders / (double)(in->orders + out->orders);
    print_message("cheap: cost/price x %.3f (elsewhere x %.3f), units x %.3f, "
                  "%.0f%% of orders, %zu customers\n",
                  cost, cost_out, units, 100 * share, in->custs);
    assert_true(cost > 0.62 && cost < 0.78);
    assert_true(cost_out > 0.9 && cost_out < 1.1);      /* other channels untouched */
    assert_true(units > 1.35 && units < 1.65);
    assert_true(share > 0.25 && share < 0.45);
    assert_true(in->custs >= 30);
}

/* Per channel, archetype-standardised means (each archetype weighted by its
   share of all purchase lines) of units per line and of the share of lines
   discounted, the mean price relative to the product's mean over all
   channels, and lines per order; returns the largest max/min - 1 of each. */
static void channel_spread(const struct gen_options *o, double spread[4])
{
    struct data d;
    assert_int_equal(generate(o, &d, 1), 0);
    parse(&d);
    size_t nc;
    int *by = arch_by_cust(&d, &nc);
    enum { NP = 2001 };
    double *psum = calloc(NP, sizeof *psum), *pn = calloc(NP, sizeof *pn);
    assert_true(psum && pn);
    double lines[8][NCH] = { { 0 } }, units[8][NCH] = { { 0 } }, disc[8][NCH] = { { 0 } };
    double alines[8] = { 0 }, total = 0, orders[NCH] = { 0 }, clines[NCH] = { 0 };
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0 || !r->cust)
            continue;
        int a = by[r->cust];
        lines[a][r->chan]++;
        units[a][r->chan] += r->qty;
        disc[a][r->chan] += r->disc > 0;
        alines[a]++;
        total++;
        psum[r->prod] += (double)r->price;
        pn[r->prod]++;
        orders[r->chan] += new_order(&d, i);
        clines[r->chan]++;
    }
    double rel[NCH] = { 0 }, nrel[NCH] = { 0 };
    for (size_t i = 0; i < d.n; i++) {
        const struct row *r = &d.rows[i];
        if (r->qty < 0 || !r->cust)
            continue;
        rel[r->chan] += (double)r->price / (psum[r->prod] / pn[r->prod]);
        nrel[r->chan]++;
    }
    double lo[4], hi[4];
    for (int k = 0; k < 4; k++) {
        lo[k] = INFINITY;
        hi[k] = 0;
    }
    for (int c = 0; c < NCH; c++) {
        double m[4] = { 0, 0, rel[c] / nrel[c], clines[c] / orders[c] };
        for (int a = 0; a < 8; a++) {
            assert_true(lines[a][c] >= 20);
            m[0] += alines[a] / total * units[a][c] / lines[a][c];
            m[1] += alines[a] / total * disc[a][c] / lines[a][c];
        }
        for (int k = 0; k < 4; k++) {
            lo[k] = fmin(lo[k], m[k]);
            hi[k] = fmax(hi[k], m[k]);
        }
    }
    for (int k = 0; k < 4; k++)
        spread[k] = hi[k] / lo[k] - 1;
    free(psum);
    free(pn);
    free(by);
    data_free(&d);
}

/* alike: per channel, units per line, discount rate, price level and lines
   per order differ by less than 5%, where without it they differ widely.
   Archetype-standardised and product-matched: raw per-channel means of a
   50k sample scatter by up to ~10% by chance alone, because Bulk buyers'
   heavy orders land in one channel or another. */
static void test_alike(void **state)
{
    (void)state;
    struct gen_options o = opts(100000, 5);
    double base[4], alike[4];
    channel_spread(&o, base);
    o.alike = 1;
    channel_spread(&o, alike);
    print_message("alike: spread units/line %.3f, discounted %.3f, price %.3f, lines/order %.3f"
                  " (without: %.3f %.3f %.3f %.3f)\n", alike[0], alike[1], alike[2], alike[3],
                  base[0], base[1], base[2], base[3]);
    for (int k = 0; k < 4; k++) {
        assert_true(alike[k] < 0.05);
        assert_true(base[k] > 0.15);
    }
}

/* Bad switch values: gen_check and gen_write refuse them, naming the
   switch; nothing is written. */
static void test_bad_plants(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    char err[160];
    struct gen_options o;
#define BAD(setup, word)                                                           \
    do {                                                                           \
        o = opts(10, 1);                                                           \
        setup;                                                                     \
        err[0] = '\0';                                                             \
        assert_int_equal(gen_check(&o, err, sizeof err), -1);                      \
        assert_non_null(strstr(err, word));                                        \
        err[0] = '\0';                                                             \
        assert_int_equal(gen_write(&o, f, NULL, err, sizeof err), -1);             \
        assert_non_null(strstr(err, word));                                        \
    } while (0)
#define CHEAP o.cheap.on = 1; o.cheap.archetype = 0; strcpy(o.cheap.channel, "web")
#define PRICE o.price.on = 1; strcpy(o.price.product, "P00001"); strcpy(o.price.channel, "web")
#define PAIR o.pair.on = 1; strcpy(o.pair.a, "P00001"); strcpy(o.pair.b, "P00002")
    BAD(CHEAP; o.cheap.archetype = 8, "cheap");
    BAD(CHEAP; o.cheap.archetype = -1, "archetype");
    BAD(CHEAP; strcpy(o.cheap.channel, "tv"), "channel");
    BAD(CHEAP; memset(o.cheap.channel, 'w', 16), "channel");   /* no NUL */
    BAD(CHEAP; o.cheap.factor = 0, "factor");
    BAD(CHEAP; o.cheap.factor = NAN, "factor");
    BAD(PRICE; strcpy(o.price.product, "P02001"), "price");
    BAD(PRICE; strcpy(o.price.product, "P00000"), "product");
    BAD(PRICE; strcpy(o.price.product, "P123"), "product");
    BAD(PRICE; strcpy(o.price.product, "X00001"), "product");
    BAD(PRICE; strcpy(o.price.channel, ""), "channel");
    BAD(PRICE; o.price.factor = 11, "factor");
    BAD(o.december.on = 1; o.december.archetype = 99, "december");
    BAD(o.december.on = 1; o.december.factor = 21, "factor");
    BAD(o.december.on = 1; o.december.factor = -1, "factor");
    BAD(PAIR; strcpy(o.pair.b, "P00001"), "differ");
    BAD(PAIR; strcpy(o.pair.a, "p2"), "pair");
    BAD(PAIR; o.pair.prob = 1.01, "prob");
    BAD(PAIR; o.pair.prob = -0.1, "prob");
    assert_int_equal(ftell(f), 0);
    /* good values, in any case; a plant switched off is not checked */
    o = opts(10, 1);
    CHEAP;
    strcpy(o.cheap.channel, "MarketPlace");
    PRICE;
    strcpy(o.price.product, "p02000");
    PAIR;
    o.pair.prob = 0;
    o.december.on = 1;
    o.december.archetype = 7;
    o.december.factor = 0.5;
    assert_int_equal(gen_check(&o, err, sizeof err), 0);
    o.cheap.on = o.price.on = o.pair.on = o.december.on = 0;
    o.cheap.archetype = 99;
    strcpy(o.price.product, "bad");
    assert_int_equal(gen_check(&o, err, sizeof err), 0);
    assert_int_equal(gen_check(NULL, err, sizeof err), -1);
    o.rows = 0;
    assert_int_equal(gen_check(&o, NULL, 0), -1);
#undef BAD
#undef CHEAP
#undef PRICE
#undef PAIR
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_format_and_count),
        cmocka_unit_test(test_period_and_order),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_returns),
        cmocka_unit_test(test_truth),
        cmocka_unit_test(test_archetypes),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_plants_off),
        cmocka_unit_test(test_plants_together),
        cmocka_unit_test(test_plant_price),
        cmocka_unit_test(test_plant_december),
        cmocka_unit_test(test_plant_pair),
        cmocka_unit_test(test_plant_cheap),
        cmocka_unit_test(test_alike),
        cmocka_unit_test(test_bad_plants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
