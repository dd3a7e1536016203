/* test_generator.c — unit tests of sample-data/generator.c.
 *
 * The generator is checked from its output only, as a loader would see it:
 * the CSV is written to memory, parsed here, and its contract (format,
 * counts, period, ordering, returns, accounts, truth file) and its planted
 * habits (per-archetype and per-channel averages) are asserted.
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
