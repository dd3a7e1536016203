/*
 * retention — see retention.h.
 *
 * Memory comes first: the module runs on datasets of tens of millions of
 * lines, after the stages whose results it reads, so beside its results
 * (25 bytes a customer) it keeps little more than what one pass needs.
 *
 * Pass 1 sums line nets per head in fixed chunks of lines, one atomic
 * integer add per run of a head's lines (as features.c), and keeps of each
 * head one bit: a positive order of a customer in the period. The nets
 * themselves (8 bytes a head) are freed at once, unless first-year value
 * is the orders' net. Pass 2 finds each customer's acquiring order and
 * counts its positive orders: each thread owns a range of customer ids and
 * scans every head in id order, so that the first one met on the earliest
 * day wins a tie. Pass 3 scans the heads again the same way: it adds up
 * first-year values, in head id order, and copies the day and channel of
 * each positive order but the acquiring one next to the customer's others
 * (a counting sort, 5 bytes an order); then each customer's copies are
 * walked, in parallel, reading memory in sequence instead of jumping
 * across the head arrays: for the gap to the next order, cohort months and
 * switching channels (each counted once per customer through a small
 * per-thread "seen" array, cleared by a second walk). Pass 4 adds
 * customers into their groups serially in id order: a few additions per
 * customer, and the only sums of doubles besides first-year values, which
 * then do not depend on the thread count. At 10 million lines (2.65
 * million orders, 620,000 customers) that is about 23 MiB at the peak,
 * its 15 MiB of results included.
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

/* Bit h of the bit set b. */
static inline int bit(const uint64_t *b, size_t h)
{
    return (int)(b[h >> 6] >> (h & 63) & 1);
}

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
    size_t nh = ds->n_heads, nwords = (nh + 63) / 64;
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
    size_t ndays = (size_t)((int64_t)to - from + 1);

    /* Allocated in the order they are needed, and freed as soon as they are
       not: the head nets are gone before the results and the slots take
       their place. */
    int64_t *head_net = malloc((nh + 1) * sizeof *head_net);
    uint64_t *pos = calloc(nwords + 1, sizeof *pos);   /* per head: a positive order */
    uint32_t *first = NULL;    /* per customer: first slot (pass 3); r->n_pos until the end */
    int32_t *sday = NULL;      /* per slot (a positive order but the acquiring one): its day */
    uint8_t *sch = NULL;       /* its channel */
    uint8_t *seen = NULL;      /* per thread: months and channels seen */
    uint32_t *cnt = NULL;
    int32_t *dmon = NULL;
    size_t ncnt = 0;
    int ncopy = 1;
    if (!head_net || !pos)
        goto nomem;

    /* Pass 1: order nets, a run of one head's lines at a time. Arrays that
       are read before they are written are zeroed by hand, here and below:
       a fresh zero page read, then written, is copied at the cost of a
       page-table flush on every thread's processor. */
    #pragma omp parallel for schedule(static)
    for (size_t h = 0; h < nh; h++)
        head_net[h] = 0;
    size_t nchunks = (ds->n_lines + CHUNK - 1) / CHUNK;
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nchunks; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < ds->n_lines ? lo + CHUNK : ds->n_lines;
        uint32_t cur = ds->l_head[lo];
        int64_t run = 0;
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = ds->l_head[i];
            if (h != cur) {
                #pragma omp atomic
                head_net[cur] += run;
                run = 0;
                cur = h;
            }
            run += net_units(ds, i);
        }
        #pragma omp atomic
        head_net[cur] += run;
    }
    /* The heads that count: a customer's, dated in the period, positive. */
    #pragma omp parallel for schedule(static)
    for (size_t wd = 0; wd < nwords; wd++) {
        uint64_t bits = 0;
        for (size_t h = wd * 64; h < nh && h < wd * 64 + 64; h++)
            bits |= (uint64_t)(head_net[h] > 0 && ds->h_day[h] >= from && ds->h_day[h] <= to &&
                               ds->h_customer[h] != DS_NONE) << (h & 63);
        pos[wd] = bits;
    }
    if (head_value != NULL) {
        free(head_net);
        head_net = NULL;
    }

    /* Cohort and switching counts: one copy per thread, added up after pass
       3, since atomic adds on so small a table would have the threads fight
       over it; one shared copy with atomic adds when the copies would take
       more than PRIVATE_MAX bytes (decades of months x many channels x many
       threads). Integer counts either way: the same for any thread count. */
    ncnt = nm * nm + nm * nch * nm + (size_t)nch * nch;
    ncopy = (size_t)nthreads * ncnt * sizeof(uint32_t) <= PRIVATE_MAX ? nthreads : 1;
    cnt = calloc((size_t)ncopy * ncnt + 1, sizeof *cnt);
    dmon = malloc(ndays * sizeof *dmon);
    seen = calloc((size_t)nthreads * (nm + nch) + 1, 1);
    r->acq_channel = malloc((size_t)n + 1);
    r->acq_day = malloc(((size_t)n + 1) * sizeof *r->acq_day);
    r->acq_head = malloc(((size_t)n + 1) * sizeof *r->acq_head);
    /* n_pos is first[] until the end: its counts are the differences. */
    r->n_pos = malloc(((size_t)n + 2) * sizeof *r->n_pos);
    r->next_gap = malloc(((size_t)n + 1) * sizeof *r->next_gap);
    r->fy_value = malloc(((size_t)n + 1) * sizeof *r->fy_value);
    r->by_ch = calloc((size_t)nch + 1, sizeof *r->by_ch);
    r->by_seg = calloc((size_t)nseg + 1, sizeof *r->by_seg);
    r->by_seg_ch = calloc((size_t)nseg * nch + 1, sizeof *r->by_seg_ch);
    r->new_cust = calloc(nm * nch + 1, sizeof *r->new_cust);
    r->new_all = calloc(nm + 1, sizeof *r->new_all);
    r->cohort = calloc(nm * nm + 1, sizeof *r->cohort);
    r->cohort_ch = calloc(nm * nch * nm + 1, sizeof *r->cohort_ch);
    r->sw = calloc((size_t)nch * nch + 1, sizeof *r->sw);
    r->sw_rows = calloc((size_t)nch + 1, sizeof *r->sw_rows);
    if (!dmon || !seen || !cnt || !r->acq_channel || !r->acq_day || !r->acq_head || !r->n_pos ||
        !r->next_gap || !r->fy_value || !r->by_ch || !r->by_seg || !r->by_seg_ch ||
        !r->new_cust || !r->new_all || !r->cohort || !r->cohort_ch || !r->sw || !r->sw_rows)
        goto nomem;
    first = r->n_pos;

    /* Month index of each day of the period: a lookup instead of the
       civil-date arithmetic per order. */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ndays; i++)
        dmon[i] = ret_month((int32_t)(from + (int64_t)i)) - r->first_month;

    /* Pass 2: each customer's positive orders, counted in first[c + 2] (see
       pass 3), and its acquiring one. Each thread owns a range of customer
       ids and scans every head in id order (so that the first head met on
       the earliest day wins a tie): the scan is cheap, scattered writes
       shared between threads are not. */
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        uint32_t clo = (uint32_t)((uint64_t)n * t / nt), chi = (uint32_t)((uint64_t)n * (t + 1) / nt);
        for (uint32_t c = clo; c < chi; c++) {
            r->acq_channel[c] = RET_NONE;
            r->acq_day[c] = INT32_MAX;
            r->acq_head[c] = DS_NONE;
            r->next_gap[c] = -1;
            r->fy_value[c] = 0;
            first[c + 2] = 0;
        }
        if (t == 0)
            first[0] = first[1] = 0;
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h];
            if (c < clo || c >= chi || !bit(pos, h))
                continue;
            first[c + 2]++;
            if (ds->h_day[h] < r->acq_day[c]) {
                r->acq_day[c] = ds->h_day[h];
                r->acq_channel[c] = ds->h_channel[h];
                r->acq_head[c] = (uint32_t)h;
            }
        }
        /* The acquiring order gets no slot: what it adds is known. */
        for (uint32_t c = clo; c < chi; c++)
            if (r->acq_day[c] == INT32_MAX)
                r->acq_day[c] = INT32_MIN;
            else
                first[c + 2]--;
    }
    /* first[c + 1]: the first slot of customer c, then its cursor. */
    for (uint32_t c = 0; c < n; c++)
        first[c + 2] += first[c + 1];

    /* Pass 3: each thread owns a range of customer ids and scans every
       head in id order. It copies the day and channel of each positive
       order but the acquiring one into a slot beside the customer's others
       (a counting sort), and adds up the first-year value of every order of
       the first year, positive or not, in head id order (a net as whole
       ten-thousandths, in fy_value's own memory, turned into money after).
       Then each customer's slots are walked, in parallel, reading memory in
       sequence instead of jumping across the head arrays, for the gap to
       the next order, cohort months and switching channels (each counted
       once per customer through a small per-thread "seen" array, cleared
       by a second walk). */
    size_t nslots = first[n + 1];
    sday = malloc((nslots + 1) * sizeof *sday);
    sch = malloc(nslots + 1);
    if (!sday || !sch)
        goto nomem;
    #pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        uint32_t clo = (uint32_t)((uint64_t)n * t / nt), chi = (uint32_t)((uint64_t)n * (t + 1) / nt);
        for (size_t h = 0; h < nh; h++) {
            uint32_t c = ds->h_customer[h];
            if (c < clo || c >= chi)
                continue;
            int32_t d = ds->h_day[h], a = r->acq_day[c];
            if (a == INT32_MIN || d < a || d > to)
                continue;
            if ((int64_t)d <= (int64_t)a + RET_YEAR_DAYS - 1) {
                if (head_value != NULL) {
                    r->fy_value[c] += head_value[h];
                } else {
                    int64_t u;
                    memcpy(&u, &r->fy_value[c], sizeof u);
                    u += head_net[h];
                    memcpy(&r->fy_value[c], &u, sizeof u);
                }
            }
            if (bit(pos, h) && (d != a || h != r->acq_head[c])) {
                uint32_t k = first[c + 1]++;
                sday[k] = d;
                sch[k] = ds->h_channel[h];
            }
        }
    }
    /* Customer c's slots are now first[c] .. first[c + 1] - 1. */
    #pragma omp parallel
    {
        uint8_t *seen_m = seen + (size_t)omp_get_thread_num() * (nm + nch);
        uint8_t *seen_ch = seen_m + nm;
        int shared = ncopy == 1 && omp_get_num_threads() > 1;
        uint32_t *t_cohort = cnt + (ncopy == 1 ? 0 : (size_t)omp_get_thread_num() * ncnt);
        uint32_t *t_cohort_ch = t_cohort + nm * nm, *t_sw = t_cohort_ch + nm * nch * nm;
        #pragma omp for schedule(dynamic, 4096)
        for (uint32_t c = 0; c < n; c++) {
            int32_t acq_day = r->acq_day[c];
            uint32_t lo = first[c], hi = first[c + 1];
            if (acq_day == INT32_MIN)
                continue;
            if (head_value == NULL) {
                int64_t u;
                memcpy(&u, &r->fy_value[c], sizeof u);
                r->fy_value[c] = (double)u / DS_MONEY_SCALE;
            }
            uint8_t a = r->acq_channel[c];
            int32_t ci = dmon[acq_day - from];
            if (ci <= r->cohort_last) {
                seen_m[ci] = 1;
                bump(&t_cohort[(size_t)ci * nm], shared);
                bump(&t_cohort_ch[((size_t)ci * nch + a) * nm], shared);
            }
            int32_t gap = INT32_MAX;
            for (uint32_t k = lo; k < hi; k++) {
                int32_t d = sday[k];
                if (d > acq_day && d - acq_day < gap)
                    gap = d - acq_day;
                int32_t mi = dmon[d - from];
                if (mi <= r->cohort_last && !seen_m[mi]) {
                    seen_m[mi] = 1;
                    size_t kk = (size_t)(mi - ci);
                    bump(&t_cohort[(size_t)ci * nm + kk], shared);
                    bump(&t_cohort_ch[((size_t)ci * nch + a) * nm + kk], shared);
                }
                uint8_t b = sch[k];
                if (!seen_ch[b]) {
                    seen_ch[b] = 1;
                    bump(&t_sw[(size_t)a * nch + b], shared);
                }
            }
            r->next_gap[c] = gap == INT32_MAX ? -1 : gap;
            seen_m[ci] = 0;
            for (uint32_t k = lo; k < hi; k++) {
                seen_m[dmon[sday[k] - from]] = 0;
                seen_ch[sch[k]] = 0;
            }
        }
    }
    /* The counts of positive orders, in place of the slot offsets. */
    for (uint32_t c = 0; c < n; c++)
        r->n_pos[c] = first[c + 1] - first[c] + (r->acq_day[c] != INT32_MIN);

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

    /* Pass 4: groups, in customer id order. A customer is present when it
       has an order in the period, as f->present says (features.c counts
       the same heads). */
    for (uint32_t c = 0; c < n; c++) {
        if (!f->present[c])
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
    goto done;

nomem:
    rc = cx_nomem(e, "retention");
done:
    free(head_net);
    free(pos);
    free(sday);
    free(sch);
    free(seen);
    free(dmon);
    free(cnt);
    if (rc != CX_OK)
        ret_free(r);
    return rc;
}
