/*
 * features — see features.h.
 *
 * Pass 1 walks the lines in fixed chunks. Lines of one order usually
 * follow each other, so a chunk sums a run of lines of the same head
 * locally and adds the run to the head and to its customer with one atomic
 * integer add each. Pass 2 builds an index of heads by customer (counting
 * sort, heads in input order within a customer). Pass 3 walks each
 * customer's heads: order nets are known by then, so positive orders,
 * first and last dates and the main channel come out directly.
 */
#include "engine/features.h"

#include "engine/radix.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

static const char *const names[F_N] = {
    "recency_days", "frequency", "monetary", "avg_order_value", "tenure_days",
    "interpurchase_days", "return_rate", "discount_rate", "category_breadth"
};

const char *features_name(enum feat_id f)
{
    return names[f];
}

void features_free(struct features *f)
{
    free(f->present);
    free(f->main_channel);
    free(f->key);
    free(f->chan_share);
    for (int k = 0; k < F_N; k++)
        free(f->v[k]);
    memset(f, 0, sizeof *f);
}

/* A line's amount in whole ten-thousandths (an amount kept on the side is
   rounded to the nearest one: features need no finer grain). */
static inline int64_t units(const struct dataset *ds, const int32_t *col, size_t i, enum ds_money w)
{
    int32_t v = col[i];
    return v != DS_MONEY_BIG ? v : llround(dataset_big(ds, i, w) * DS_MONEY_SCALE);
}

/* Per-customer sums of pass 1, all in ten-thousandths. */
struct csum {
    int64_t net;      /* total net */
    int64_t sold;     /* units sold x 10^4 */
    int64_t ret;      /* units returned x 10^4 */
    int64_t disc;     /* discount amount of sold lines */
    int64_t gross;    /* gross of sold lines */
    uint64_t cats;    /* categories seen, as a bit set (when there are at most 64) */
};

static void flush(int64_t *head_net, struct csum *cs, uint32_t h, uint32_t c, const struct csum *run)
{
    #pragma omp atomic
    head_net[h] += run->net;
    if (c == DS_NONE)
        return;
    struct csum *t = &cs[c];
    #pragma omp atomic
    t->net += run->net;
    #pragma omp atomic
    t->sold += run->sold;
    #pragma omp atomic
    t->ret += run->ret;
    #pragma omp atomic
    t->disc += run->disc;
    #pragma omp atomic
    t->gross += run->gross;
    #pragma omp atomic
    t->cats |= run->cats;
}

/* Distinct categories per customer when there are more than 64: sort
   (customer, category) keys and count. Returns 0 or -1 (out of memory). */
static int breadth_by_sort(const struct dataset *ds, const uint8_t *in_period, double *breadth)
{
    size_t n = 0;
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        n += in_period[h] && ds->h_customer[h] != DS_NONE;
    }
    uint64_t *a = malloc((n + 1) * sizeof *a);
    if (a == NULL)
        return -1;
    n = 0;
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        if (in_period[h] && ds->h_customer[h] != DS_NONE)
            a[n++] = (uint64_t)ds->h_customer[h] << 16 | dataset_category(ds, i);
    }
    if (radix_sort(a, n, 48)) {
        free(a);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if ((a[i] & 0xffff) != DS_NONE16 && (i == 0 || a[i] != a[i - 1]))
            breadth[a[i] >> 16] += 1;
    free(a);
    return 0;
}

/* The civil-from-days algorithm of H. Hinnant (the engine knows no
   loader, and loaders/fields.c's dates are not for it). */
void features_day_text(int32_t day, char out[32])
{
    int64_t z = (int64_t)day + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(out, 32, "%04d-%02d-%02d", (int)(y + (m <= 2)), (int)m, (int)d);
}

void features_count_after(const struct dataset *ds, int32_t asof, size_t *lines, size_t *orders)
{
    size_t nl = 0, no = 0, nh = ds->n_heads;
    #pragma omp parallel for schedule(static) reduction(+:no)
    for (size_t h = 0; h < nh; h++)
        no += ds->h_day[h] > asof;
    #pragma omp parallel for schedule(static) reduction(+:nl)
    for (size_t i = 0; i < ds->n_lines; i++)
        nl += ds->h_day[ds->l_head[i]] > asof;
    *lines = nl;
    *orders = no;
}

int features_compute(const struct dataset *ds, int32_t from, int32_t to, int32_t asof,
                     struct features *f, struct cx_err *e)
{
    memset(f, 0, sizeof *f);
    int rc = CX_OK;
    uint32_t n = dataset_count(ds, DS_CUSTOMER), nch = dataset_count(ds, DS_CHANNEL);
    uint32_t ncat = dataset_count(ds, DS_CATEGORY);
    size_t nh = ds->n_heads;
    uint8_t *in_period = malloc(nh + 1);
    int64_t *head_net = calloc(nh + 1, sizeof *head_net);
    struct csum *cs = calloc((size_t)n + 1, sizeof *cs);
    uint32_t *first = calloc((size_t)n + 2, sizeof *first), *idx = malloc((nh + 1) * sizeof *idx);
    int nthreads = omp_get_max_threads();
    int64_t *chan_work = malloc((size_t)nthreads * 2 * (nch + 1) * sizeof *chan_work);
    f->n = n;
    f->present = calloc((size_t)n + 1, 1);
    f->main_channel = calloc((size_t)n + 1, 1);
    f->key = malloc(((size_t)n + 1) * sizeof *f->key);
    f->nch = nch;
    f->chan_share = calloc((size_t)n * nch + 1, sizeof *f->chan_share);
    int bad = !f->key || !f->chan_share || !in_period || !head_net || !cs || !first || !idx || !chan_work || !f->present || !f->main_channel;
    for (int k = 0; k < F_N && !bad; k++)
        bad = (f->v[k] = calloc((size_t)n + 1, sizeof *f->v[k])) == NULL;
    if (bad) {
        rc = cx_nomem(e, "customer features");
        goto done;
    }

    #pragma omp parallel for schedule(static)
    for (uint32_t c = 0; c < n; c++) {
        size_t len;
        const char *t = strtab_str(ds->text[DS_CUSTOMER], c, &len);
        f->key[c] = strtab_hash(t, len);
    }

    /* The period: its first and last dates with a line, then closed by the
       as-of date: an order dated after it is not known at the as-of date,
       so nothing is computed from it (its lines are only counted). */
    int32_t dmin = INT32_MAX, dmax = INT32_MIN;
    #pragma omp parallel for schedule(static) reduction(min:dmin) reduction(max:dmax)
    for (size_t h = 0; h < nh; h++) {
        int32_t d = ds->h_day[h];
        if (d >= from && d <= to) {
            dmin = d < dmin ? d : dmin;
            dmax = d > dmax ? d : dmax;
        }
    }
    if (dmin > dmax) {
        rc = cx_fail(e, CX_EUSAGE, "no order line in the analysed period");
        goto done;
    }
    f->from = from == INT32_MIN ? dmin : from;
    f->to = to == INT32_MAX ? dmax : to;
    f->asof = asof == INT32_MIN ? dmax : asof;
    if (asof != INT32_MIN && f->asof < f->to)
        f->to = f->asof;
    if (f->to < f->from || f->to < dmin) {
        char d0[32], d1[32];
        features_day_text(f->asof, d0);
        features_day_text(dmin, d1);
        rc = cx_fail(e, CX_EUSAGE, "--as-of %s is before the first order of the analysed period (%s)", d0, d1);
        goto done;
    }
    if (asof != INT32_MIN)
        features_count_after(ds, f->asof, &f->lines_after_asof, &f->orders_after_asof);
    #pragma omp parallel for schedule(static)
    for (size_t h = 0; h < nh; h++) {
        int32_t d = ds->h_day[h];
        in_period[h] = d >= f->from && d <= f->to;
    }

    /* Pass 1: lines, a run of one head at a time. */
    size_t nchunks = (ds->n_lines + CHUNK - 1) / CHUNK, lines = 0;
    #pragma omp parallel for schedule(static) reduction(+:lines)
    for (size_t b = 0; b < nchunks; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < ds->n_lines ? lo + CHUNK : ds->n_lines;
        struct csum run = { 0, 0, 0, 0, 0, 0 };
        uint32_t cur = DS_NONE;
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = ds->l_head[i];
            if (!in_period[h])
                continue;
            lines++;
            if (h != cur) {
                if (cur != DS_NONE)
                    flush(head_net, cs, cur, ds->h_customer[cur], &run);
                memset(&run, 0, sizeof run);
                cur = h;
            }
            int64_t net = units(ds, ds->l_net, i, DS_NET);
            int64_t q = llround((double)ds->l_qty[i] * DS_MONEY_SCALE);
            run.net += net;
            if (q > 0) {
                int64_t disc = units(ds, ds->l_disc, i, DS_DISC);
                run.sold += q;
                run.disc += disc;
                run.gross += net + disc;
            } else if (q < 0) {
                run.ret -= q;
            }
            if (ncat <= 64) {
                uint16_t c = dataset_category(ds, i);
                if (c != DS_NONE16)
                    run.cats |= 1ull << c;
            }
        }
        if (cur != DS_NONE)
            flush(head_net, cs, cur, ds->h_customer[cur], &run);
    }
    f->lines = lines;

    /* Pass 2: heads by customer, in input order within a customer. */
    for (size_t h = 0; h < nh; h++)
        if (in_period[h] && ds->h_customer[h] != DS_NONE)
            first[ds->h_customer[h] + 1]++;
    for (uint32_t c = 0; c < n; c++)
        first[c + 1] += first[c];
    {
        uint32_t *pos = malloc(((size_t)n + 1) * sizeof *pos);
        if (pos == NULL) {
            rc = cx_nomem(e, "customer features");
            goto done;
        }
        memcpy(pos, first, (size_t)n * sizeof *pos);
        for (size_t h = 0; h < nh; h++)
            if (in_period[h] && ds->h_customer[h] != DS_NONE)
                idx[pos[ds->h_customer[h]]++] = (uint32_t)h;
        free(pos);
    }

    /* Pass 3: each customer's orders. */
    uint32_t present = 0;
    #pragma omp parallel reduction(+:present)
    {
        int64_t *pos_net = chan_work + (size_t)omp_get_thread_num() * 2 * (nch + 1);
        int64_t *any_cnt = pos_net + nch + 1;
        #pragma omp for schedule(dynamic, 4096)
        for (uint32_t c = 0; c < n; c++) {
            if (first[c] == first[c + 1])
                continue;
            present++;
            f->present[c] = 1;
            memset(pos_net, 0, 2 * (nch + 1) * sizeof *pos_net);
            int32_t d_first = INT32_MAX, d_last = INT32_MIN, p_first = INT32_MAX, p_last = INT32_MIN;
            int64_t npos = 0, pnet = 0;
            for (uint32_t k = first[c]; k < first[c + 1]; k++) {
                uint32_t h = idx[k];
                int32_t d = ds->h_day[h];
                d_first = d < d_first ? d : d_first;
                d_last = d > d_last ? d : d_last;
                any_cnt[ds->h_channel[h]]++;
                if (head_net[h] > 0) {
                    npos++;
                    pnet += head_net[h];
                    p_first = d < p_first ? d : p_first;
                    p_last = d > p_last ? d : p_last;
                    pos_net[ds->h_channel[h]] += head_net[h];
                }
            }
            const struct csum *s = &cs[c];
            f->v[F_RECENCY][c] = f->asof - (npos ? p_last : d_last);
            f->v[F_FREQUENCY][c] = (double)npos;
            f->v[F_MONETARY][c] = (double)s->net / DS_MONEY_SCALE;
            f->v[F_AOV][c] = npos ? (double)pnet / DS_MONEY_SCALE / (double)npos : 0;
            f->v[F_TENURE][c] = f->asof - d_first;
            f->v[F_INTERPURCHASE][c] = npos >= 2 ? (double)(p_last - p_first) / (double)(npos - 1)
                                                 : f->v[F_TENURE][c];
            f->v[F_RETURN_RATE][c] = s->sold > 0 ? (double)s->ret / (double)s->sold : 0;
            f->v[F_DISCOUNT_RATE][c] = s->gross > 0 ? (double)s->disc / (double)s->gross : 0;
            f->v[F_BREADTH][c] = ncat <= 64 ? __builtin_popcountll(s->cats) : 0;
            /* Main channel: most net of positive orders, else most orders;
               ties to the lowest channel id. */
            for (uint32_t ch = 0; ch < nch && pnet > 0; ch++)
                f->chan_share[(size_t)c * nch + ch] = (float)((double)pos_net[ch] / (double)pnet);
            const int64_t *w = npos ? pos_net : any_cnt;
            uint32_t best = 0;
            for (uint32_t ch = 1; ch < nch; ch++)
                if (w[ch] > w[best])
                    best = ch;
            f->main_channel[c] = (uint8_t)best;
        }
    }
    f->n_present = present;
    if (ncat > 64 && breadth_by_sort(ds, in_period, f->v[F_BREADTH]))
        rc = cx_nomem(e, "customer features");

done:
    free(in_period);
    free(head_net);
    free(cs);
    free(first);
    free(idx);
    free(chan_work);
    if (rc != CX_OK)
        features_free(f);
    return rc;
}
