/*
 * retention — see retention.h.
 *
 * Pass 1 sums line nets per head in fixed chunks of lines, one atomic
 * integer add per run of a head's lines (as features.c). Pass 2 sorts the
 * heads by customer (counting sort, heads in increasing id order within a
 * customer, so the first head met on the earliest day is the tie winner)
 * and copies each head's net, day, channel and value into a slot beside its
 * customer's other heads: pass 3 then reads memory in sequence instead of
 * jumping across the head arrays, which was most of its time. Pass 3
 * walks each customer's slots in parallel: once for the acquiring order and
 * the count of positive orders, once for the gap to the next order,
 * first-year value, cohort months and switching channels (each counted
 * once per customer through a small per-thread "seen" array, cleared by a
 * third walk). Pass 4 adds customers into their groups serially in id
 * order: a few additions per customer, and the only sums of doubles, which
 * then do not depend on the thread count.
 */
#include "engine/retention.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536
#ifndef PRIVATE_MAX
#define PRIVATE_MAX ((size_t)64 << 20)   /* bytes of per-thread count tables at most */
#endif

const int32_t ret_window_days[RET_NWIN] = { 90, 180, 365 };

int32_t ret_month(int32_t day)
{
    /* Civil date from a day count (H. Hinnant's algorithm), proleptic
       Gregorian, valid for every int32 day. */
    int64_t z = (int64_t)day + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    return (int32_t)(y * 12 + m - 1);
}

void ret_free(struct retention *r)
{
    if (r == NULL)
        return;
    free(r->acq_channel);
    free(r->acq_day);
    free(r->acq_head);
    free(r->n_pos);
    free(r->next_gap);
    free(r->fy_value);
    free(r->by_ch);
    free(r->by_seg);
    free(r->by_seg_ch);
    free(r->new_cust);
    free(r->new_all);
    free(r->cohort);
    free(r->cohort_ch);
    free(r->sw);
    free(r->sw_rows);
    memset(r, 0, sizeof *r);
}

/* A line's net in whole ten-thousandths; an amount kept on the side is
   rounded to the nearest one, as features.c does, so that "positive order"
   means the same thing in both modules. */
static inline int64_t net_units(const struct dataset *ds, size_t i)
{
    int32_t v = ds->l_net[i];
    return v != DS_MONEY_BIG ? v : llround(dataset_big(ds, i, DS_NET) * DS_MONEY_SCALE);
}

/* One order of a customer, copied next to the customer's other orders so
   that walking them reads memory in sequence. */
struct slot {
    int64_t net;   /* net of the order, ten-thousandths */
    double value;  /* head_value of the order (0 when head_value is NULL) */
    int32_t day;   /* order date, days since 1970-01-01 */
    uint8_t ch;    /* channel id */
};

static inline void bump(uint32_t *p, int shared)
{
    if (shared) {
        #pragma omp atomic
        (*p)++;
    } else {
        (*p)++;
    }
}

/* Adds one acquired customer to a group. */
static void group_add(struct ret_group *g, int32_t age, uint32_t npos, int32_t gap, double fy)
{
    g->acquired++;
    g->repeat += npos >= 2;
    for (int w = 0; w < RET_NWIN; w++)
        if (age >= ret_window_days[w]) {
            g->eligible[w]++;
            g->retained[w] += gap >= 1 && gap <= ret_window_days[w];
        }
    if (age >= RET_YEAR_DAYS - 1) {
        g->full_year++;
        g->fy_value += fy;
    }
}

static void group_rates(struct ret_group *g)
{
    g->repeat_rate = g->acquired ? (double)g->repeat / g->acquired : 0;
    for (int w = 0; w < RET_NWIN; w++)
        g->ret_rate[w] = g->eligible[w] ? (double)g->retained[w] / g->eligible[w] : 0;
    g->fy_mean = g->full_year ? g->fy_value / g->full_year : 0;
}

int ret_compute(const struct dataset *ds, const struct features *f, const int16_t *segment,
                int nseg, const double *head_value, struct retention *r, struct cx_err *e)
{
    memset(r, 0, sizeof *r);
    uint32_t n = dataset_count(ds, DS_CUSTOMER), nch = dataset_count(ds, DS_CHANNEL);
    if (f->n != n)
        return cx_fail(e, CX_EUSAGE, "retention: features of %u customers for a dataset of %u",
                       f->n, n);
    if (nseg < 0 || (nseg > 0 && segment == NULL))
        return cx_fail(e, CX_EUSAGE, "retention: %d segments but no segment per customer", nseg);
    for (uint32_t c = 0; segment != NULL && c < n; c++)
        if (segment[c] < -1 || segment[c] >= nseg)
            return cx_fail(e, CX_EUSAGE, "retention: customer %u has segment %d, not in -1 .. %d",
                           c, segment[c], nseg - 1);
    if (f->from > f->to)
        return cx_fail(e, CX_EUSAGE, "retention: empty period");

    int rc = CX_OK;
    size_t nh = ds->n_heads;
    int32_t from = f->from, to = f->to;
    r->n = n;
    r->nch = nch;
    r->nseg = nseg;
    r->obs_end = f->asof < to ? f->asof : to;
    r->first_month = ret_month(from);
    r->n_months = (uint32_t)(ret_month(to) - r->first_month + 1);
    r->cohort_last = r->obs_end < from ? -1 : ret_month(r->obs_end) - r->first_month;
    size_t nm = r->n_months;
    int nthreads = omp_get_max_threads();

    uint8_t *in_period = malloc(nh + 1);
    int64_t *head_net = calloc(nh + 1, sizeof *head_net);
    uint32_t *first = calloc((size_t)n + 2, sizeof *first), *idx = malloc((nh + 1) * sizeof *idx);
    struct slot *sl = malloc((nh + 1) * sizeof *sl);
    uint32_t *pos = malloc(((size_t)n + 1) * sizeof *pos);
    uint8_t *seen = calloc((size_t)nthreads * (nm + nch) + 1, 1);
    /* Cohort and switching counts: one copy per thread, added up after pass
       3, since atomic adds on so small a table would have the threads fight
       over it; one shared copy with atomic adds when the copies would take
       more than PRIVATE_MAX bytes (decades of months x many channels x many
       threads). Integer counts either way: the same for any thread count. */
    size_t ncnt = nm * nm + nm * nch * nm + (size_t)nch * nch;
    int ncopy = (size_t)nthreads * ncnt * sizeof(uint32_t) <= PRIVATE_MAX ? nthreads : 1;
    uint32_t *cnt = calloc((size_t)ncopy * ncnt + 1, sizeof *cnt);
    size_t ndays = (size_t)((int64_t)to - from + 1);
    int32_t *dmon = malloc(ndays * sizeof *dmon);
    r->acq_channel = malloc((size_t)n + 1);
    r->acq_day = malloc(((size_t)n + 1) * sizeof *r->acq_day);
    r->acq_head = malloc(((size_t)n + 1) * sizeof *r->acq_head);
    r->n_pos = calloc((size_t)n + 1, sizeof *r->n_pos);
    r->next_gap = malloc(((size_t)n + 1) * sizeof *r->next_gap);
    r->fy_value = calloc((size_t)n + 1, sizeof *r->fy_value);
    r->by_ch = calloc((size_t)nch + 1, sizeof *r->by_ch);
    r->by_seg = calloc((size_t)nseg + 1, sizeof *r->by_seg);
    r->by_seg_ch = calloc((size_t)nseg * nch + 1, sizeof *r->by_seg_ch);
    r->new_cust = calloc(nm * nch + 1, sizeof *r->new_cust);
    r->new_all = calloc(nm + 1, sizeof *r->new_all);
    r->cohort = calloc(nm * nm + 1, sizeof *r->cohort);
    r->cohort_ch = calloc(nm * nch * nm + 1, sizeof *r->cohort_ch);
    r->sw = calloc((size_t)nch * nch + 1, sizeof *r->sw);
    r->sw_rows = calloc((size_t)nch + 1, sizeof *r->sw_rows);
    if (!in_period || !head_net || !first || !idx || !sl || !pos || !seen || !dmon || !cnt || !r->acq_channel ||
        !r->acq_day || !r->acq_head || !r->n_pos || !r->next_gap || !r->fy_value || !r->by_ch ||
        !r->by_seg || !r->by_seg_ch || !r->new_cust || !r->new_all || !r->cohort ||
        !r->cohort_ch || !r->sw || !r->sw_rows) {
        rc = cx_nomem(e, "retention");
        goto done;
    }

    /* Month index of each day of the period: a lookup instead of the
       civil-date arithmetic per order. */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ndays; i++)
        dmon[i] = ret_month((int32_t)(from + (int64_t)i)) - r->first_month;

    /* Heads that count: a customer's, dated in the period. */
    #pragma omp parallel for schedule(static)
    for (size_t h = 0; h < nh; h++)
        in_period[h] = ds->h_day[h] >= from && ds->h_day[h] <= to && ds->h_customer[h] != DS_NONE;

    /* Pass 1: order nets, a run of one head's lines at a time. */
    size_t nchunks = (ds->n_lines + CHUNK - 1) / CHUNK;
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nchunks; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < ds->n_lines ? lo + CHUNK : ds->n_lines;
        uint32_t cur = DS_NONE;
        int64_t run = 0;
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = ds->l_head[i];
            if (!in_period[h])
                continue;
            if (h != cur) {
                if (cur != DS_NONE) {
                    #pragma omp atomic
                    head_net[cur] += run;
                }
                run = 0;
                cur = h;
            }
            run += net_units(ds, i);
        }
        if (cur != DS_NONE) {
            #pragma omp atomic
            head_net[cur] += run;
        }
    }

    /* Pass 2: heads by customer, in increasing head id within a customer,
       with what pass 3 needs of each beside it. A counting sort where each
       thread owns a range of customer ids and scans every head in order,
       placing its own: the scan is cheap, the scattered writes are not. */
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        uint32_t clo = (uint32_t)((uint64_t)n * t / nt), chi = (uint32_t)((uint64_t)n * (t + 1) / nt);
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h];
            if (in_period[h] && c >= clo && c < chi)
                first[c + 1]++;
        }
        #pragma omp barrier
        #pragma omp single
        for (uint32_t c = 0; c < n; c++)
            first[c + 1] += first[c];
        memcpy(pos + clo, first + clo, (size_t)(chi - clo) * sizeof *pos);
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h];
            if (in_period[h] && c >= clo && c < chi) {
                uint32_t k = pos[c]++;
                idx[k] = (uint32_t)h;
                sl[k].net = head_net[h];
                sl[k].day = ds->h_day[h];
                sl[k].ch = ds->h_channel[h];
                sl[k].value = head_value != NULL ? head_value[h] : 0;
            }
        }
    }

    /* Pass 3: each customer's orders. */
    #pragma omp parallel
    {
        uint8_t *seen_m = seen + (size_t)omp_get_thread_num() * (nm + nch);
        uint8_t *seen_ch = seen_m + nm;
        int shared = ncopy == 1 && omp_get_num_threads() > 1;
        uint32_t *t_cohort = cnt + (ncopy == 1 ? 0 : (size_t)omp_get_thread_num() * ncnt);
        uint32_t *t_cohort_ch = t_cohort + nm * nm, *t_sw = t_cohort_ch + nm * nch * nm;
        #pragma omp for schedule(dynamic, 4096)
        for (uint32_t c = 0; c < n; c++) {
            uint32_t lo = first[c], hi = first[c + 1];
            uint32_t acq = UINT32_MAX, npos = 0;   /* acq: slot of the acquiring order */
            int32_t acq_day = INT32_MIN;
            for (uint32_t k = lo; k < hi; k++) {
                if (sl[k].net <= 0)
                    continue;
                npos++;
                if (acq == UINT32_MAX || sl[k].day < acq_day) {
                    acq = k;
                    acq_day = sl[k].day;
                }
            }
            r->n_pos[c] = npos;
            r->acq_day[c] = acq_day;
            r->next_gap[c] = -1;
            if (acq == UINT32_MAX) {
                r->acq_head[c] = DS_NONE;
                r->acq_channel[c] = RET_NONE;
                continue;
            }
            r->acq_head[c] = idx[acq];
            uint8_t a = sl[acq].ch;
            r->acq_channel[c] = a;
            int64_t year_end = (int64_t)acq_day + RET_YEAR_DAYS - 1;
            int32_t ci = dmon[acq_day - from];
            int32_t gap = INT32_MAX;
            int64_t fy_units = 0;
            double fy = 0;
            for (uint32_t k = lo; k < hi; k++) {
                int32_t d = sl[k].day;
                if (d >= acq_day && d <= year_end) {
                    if (head_value != NULL)
                        fy += sl[k].value;
                    else
                        fy_units += sl[k].net;
                }
                if (sl[k].net <= 0)
                    continue;
                if (d > acq_day && d - acq_day < gap)
                    gap = d - acq_day;
                int32_t mi = dmon[d - from];
                if (mi <= r->cohort_last && !seen_m[mi]) {
                    seen_m[mi] = 1;
                    size_t kk = (size_t)(mi - ci);
                    bump(&t_cohort[(size_t)ci * nm + kk], shared);
                    bump(&t_cohort_ch[((size_t)ci * nch + a) * nm + kk], shared);
                }
                uint8_t b = sl[k].ch;
                if (k != acq && !seen_ch[b]) {
                    seen_ch[b] = 1;
                    bump(&t_sw[(size_t)a * nch + b], shared);
                }
            }
            r->next_gap[c] = gap == INT32_MAX ? -1 : gap;
            r->fy_value[c] = head_value != NULL ? fy : (double)fy_units / DS_MONEY_SCALE;
            for (uint32_t k = lo; k < hi; k++)
                if (sl[k].net > 0) {
                    seen_m[dmon[sl[k].day - from]] = 0;
                    seen_ch[sl[k].ch] = 0;
                }
        }
    }

    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ncnt; i++) {
        uint32_t sum = 0;
        for (int t = 0; t < ncopy; t++)
            sum += cnt[(size_t)t * ncnt + i];
        if (i < nm * nm)
            r->cohort[i] = sum;
        else if (i < nm * nm + nm * nch * nm)
            r->cohort_ch[i - nm * nm] = sum;
        else
            r->sw[i - nm * nm - nm * nch * nm] = sum;
    }

    /* Pass 4: groups, in customer id order. */
    for (uint32_t c = 0; c < n; c++) {
        if (first[c] == first[c + 1])
            continue;
        r->present++;
        int s = segment != NULL ? segment[c] : -1;
        uint8_t a = r->acq_channel[c];
        if (a == RET_NONE) {
            r->all.no_positive++;
            if (s >= 0)
                r->by_seg[s].no_positive++;
            continue;
        }
        int32_t age = r->obs_end - r->acq_day[c];
        uint32_t npos = r->n_pos[c];
        int32_t gap = r->next_gap[c];
        double fy = r->fy_value[c];
        group_add(&r->all, age, npos, gap, fy);
        group_add(&r->by_ch[a], age, npos, gap, fy);
        if (s >= 0) {
            group_add(&r->by_seg[s], age, npos, gap, fy);
            group_add(&r->by_seg_ch[(size_t)s * nch + a], age, npos, gap, fy);
        }
        size_t mi = (size_t)dmon[r->acq_day[c] - from];
        r->new_cust[mi * nch + a]++;
        r->new_all[mi]++;
        r->sw_rows[a] += npos >= 2;
    }
    group_rates(&r->all);
    for (uint32_t ch = 0; ch < nch; ch++)
        group_rates(&r->by_ch[ch]);
    for (size_t g = 0; g < (size_t)nseg; g++)
        group_rates(&r->by_seg[g]);
    for (size_t g = 0; g < (size_t)nseg * nch; g++)
        group_rates(&r->by_seg_ch[g]);

done:
    free(in_period);
    free(head_net);
    free(first);
    free(idx);
    free(sl);
    free(pos);
    free(seen);
    free(dmon);
    free(cnt);
    if (rc != CX_OK)
        ret_free(r);
    return rc;
}
