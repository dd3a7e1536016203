/*
 * economics — see economics.h.
 *
 * Passes: (1) lines -> exact sums of each order (net, cogs, units sold and
 * returned, lines), atomics on integers over runs of one order, a block of
 * orders at a time; each order's variable cost and contribution; the
 * integer sums of the cells (segment x channel) and accounts; (2) orders
 * bucketed by customer: customers per channel, cell and account, and each
 * customer's contribution in a channel (bootstrap and whale curve); (3)
 * distributions and tests per channel.
 *
 * Memory: on top of the contribution of each order (kept for retention),
 * the working arrays are the net of every order (4 bytes an order, the
 * rare larger one aside), the other sums of one block of orders, then the
 * orders by customer (4 bytes an order), one value per (customer, channel)
 * and one per positive order (order values a batch of channels at a
 * time), each freed once read for the last time: about 26 MiB at 10M
 * lines, where all sums kept whole and a radix sort of the orders by
 * (channel, customer) took 220 MiB. Sums of doubles are still made in the
 * same order (a customer's orders in increasing id, then customers in
 * increasing id), so the figures are the same to the bit.
 */
#include "engine/economics.h"
#include "engine/radix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384
#define MAX_BLOCKS 8    /* (1) reads the lines at most this many times */
#define NET_BIG INT32_MIN /* in work.hnet: the net does not fit in 32 bits (see work.bigh) */

void eco_defaults(struct eco_options *o)
{
    o->bootstrap = 200;
    o->seed = 1;
}

void eco_free(struct economics *ec)
{
    free(ec->ch);
    free(ec->cells);
    free(ec->accounts);
    free(ec->whale);
    free(ec->pairs);
    free(ec->head_contribution);
    memset(ec, 0, sizeof *ec);
}

/* Exact sums of a group of orders, in ten-thousandths. */
struct acc {
    int64_t net, cogs, sold, ret;
    uint64_t lines, orders;
    double sold2, ret2, soldret;   /* sums over orders of units sold squared, returned squared, their product */
};

static void acc_add(struct acc *a, const struct acc *b)
{
    a->net += b->net;
    a->cogs += b->cogs;
    a->sold += b->sold;
    a->ret += b->ret;
    a->lines += b->lines;
    a->orders += b->orders;
    a->sold2 += b->sold2;
    a->ret2 += b->ret2;
    a->soldret += b->soldret;
}

/* Money totals of a group from its sums, its customers and its fixed cost. */
static void totals(const struct acc *a, const struct cm_channel *m, uint64_t customers, double fixed,
                   struct eco_totals *t)
{
    memset(t, 0, sizeof *t);
    t->lines = a->lines;
    t->orders = a->orders;
    t->customers = customers;
    t->units = (double)a->sold / DS_MONEY_SCALE;
    t->units_returned = (double)a->ret / DS_MONEY_SCALE;
    t->net = (double)a->net / DS_MONEY_SCALE;
    t->cogs = (double)a->cogs / DS_MONEY_SCALE;
    t->margin = t->net - t->cogs;
    t->sold_sq = a->sold2;
    t->returned_sq = a->ret2;
    t->sold_returned = a->soldret;
    if (m) {
        t->commission = m->commission_rate * t->net;
        t->order_cost = m->cost_per_order * (double)t->orders;
        t->unit_cost = m->cost_per_unit * t->units;
        t->return_cost = m->cost_per_return * t->units_returned;
    }
    t->fixed_cost = fixed;
    t->channel_cost = t->commission + t->order_cost + t->unit_cost + t->return_cost + t->fixed_cost;
    t->contribution = t->margin - t->channel_cost;
}

static inline int64_t units_of(const struct dataset *ds, const int32_t *col, size_t i, enum ds_money w)
{
    int32_t v = col[i];
    return v != DS_MONEY_BIG ? v : llround(dataset_big(ds, i, w) * DS_MONEY_SCALE);
}

/* Working state of one eco_compute: what the passes hand to each other. */
struct work {
    const struct dataset *ds;
    const struct features *f;
    const int16_t *segment;  /* segment of each customer id, or NULL */
    int nseg;                /* segments; row nseg of the matrix is anonymous sales */
    int nrow;                /* rows of the matrix: nseg + 1 */
    uint32_t nch;            /* channels */
    size_t ngroups;          /* cells: nrow x nch, row-major */
    int cmi[DS_MAX_CHANNELS + 1]; /* index of each channel in the cost model */
    int32_t *hnet;           /* net of each order, ten-thousandths (0 outside the period), or NET_BIG */
    size_t nbig, capbig;     /* orders whose net is NET_BIG, and room for them */
    uint32_t *bigh;          /* their ids, increasing */
    int64_t *bigv;           /* their net, ten-thousandths */
    struct acc *cell;        /* sums per cell */
    uint64_t *cellcust;      /* customers per cell */
    uint32_t nids;           /* account ids */
    uint32_t *aidx;          /* (channel x nids + account id) -> account row, DS_NONE when none */
    size_t nacc;             /* account rows */
    struct acc *aacc;        /* sums per account row */
    uint64_t *acust, *arep;  /* customers and repeaters per account row */
    size_t nk;               /* orders in the period with a customer */
    uint32_t *idx;           /* their ids by customer id, increasing within one customer */
    size_t *cstart;          /* start in cv of (channel, row), channel-major; [nch x nrow] = end */
    double *cv;              /* contribution of each (customer, channel) less its share of fixed cost */
};

static inline int in_period(const struct dataset *ds, const struct features *f, size_t h)
{
    return ds->h_day[h] >= f->from && ds->h_day[h] <= f->to;
}

static int64_t big_net(const struct work *w, size_t h)
{
    size_t lo = 0, hi = w->nbig;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->bigh[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return w->bigv[lo];
}

/* Net of order h, ten-thousandths. */
static inline int64_t net_of(const struct work *w, size_t h)
{
    int32_t v = w->hnet[h];
    return v != NET_BIG ? v : big_net(w, h);
}

/* Records the net v of order h, in increasing h. */
static int put_big(struct work *w, size_t h, int64_t v)
{
    if (w->nbig == w->capbig) {
        size_t cap = w->capbig ? 2 * w->capbig : 64;
        uint32_t *bh = realloc(w->bigh, cap * sizeof *bh);
        if (bh == NULL)
            return -1;
        w->bigh = bh;
        int64_t *bv = realloc(w->bigv, cap * sizeof *bv);
        if (bv == NULL)
            return -1;
        w->bigv = bv;
        w->capbig = cap;
    }
    w->bigh[w->nbig] = (uint32_t)h;
    w->bigv[w->nbig++] = v;
    return 0;
}

/* Rows of the accounts table: the (channel, account) pairs of the orders in
   the period, channel-major then by account id, numbered in w->aidx. */
static int account_rows(struct work *w, struct economics *ec, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    w->nids = dataset_count(ds, DS_ACCOUNT);
    size_t n = (size_t)w->nch * w->nids, nacc = 0;
    w->aidx = malloc((n + 1) * sizeof *w->aidx);
    if (w->aidx == NULL)
        return cx_nomem(e, "accounts");
    for (size_t i = 0; i < n; i++)
        w->aidx[i] = DS_NONE;
    for (size_t h = 0; h < ds->n_heads; h++)
        if (ds->h_account[h] != DS_NONE && in_period(ds, w->f, h))
            w->aidx[(size_t)ds->h_channel[h] * w->nids + ds->h_account[h]] = 0;
    for (size_t i = 0; i < n; i++)
        if (w->aidx[i] != DS_NONE)
            w->aidx[i] = (uint32_t)nacc++;
    ec->accounts = calloc(nacc + 1, sizeof *ec->accounts);
    w->aacc = calloc(nacc + 1, sizeof *w->aacc);
    w->acust = calloc(nacc + 1, sizeof *w->acust);
    w->arep = calloc(nacc + 1, sizeof *w->arep);
    if (!ec->accounts || !w->aacc || !w->acust || !w->arep)
        return cx_nomem(e, "accounts");
    ec->naccounts = w->nacc = nacc;
    for (size_t i = 0; i < n; i++)
        if (w->aidx[i] != DS_NONE) {
            ec->accounts[w->aidx[i]].channel = (uint32_t)(i / w->nids);
            ec->accounts[w->aidx[i]].account = (uint32_t)(i % w->nids);
        }
    return CX_OK;
}

/* (1) Exact sums of each order, one block of orders at a time so that only
   the net of every order is kept whole, in 32 bits save for the rare order
   that needs more (a block's cogs, units and lines are dropped once its
   orders are done). The lines are read once a block,
   skipping the chunks of lines whose orders all lie outside it: orders are
   numbered as they first appear, so a block's lines are usually a run of
   neighbouring chunks. Then each order's contribution, and its sums into
   its cell (partials per chunk of orders) and its account (atomics on
   integers): integers, so any order of addition gives the same sums. */
static int order_sums(struct work *w, struct economics *ec, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    const struct features *f = w->f;
    size_t nh = ds->n_heads, nl = ds->n_lines, ngroups = w->ngroups;
    size_t nlc = (nl + CHUNK - 1) / CHUNK, nhc = (nh + CHUNK - 1) / CHUNK;
    size_t bs = (nhc + MAX_BLOCKS - 1) / MAX_BLOCKS * CHUNK;   /* orders a block, whole chunks */
    if (bs == 0)
        bs = CHUNK;
    int rc = CX_OK;
    int64_t *tnet = malloc(bs * sizeof *tnet), *tcogs = malloc(bs * sizeof *tcogs);
    int64_t *tsold = malloc(bs * sizeof *tsold), *tret = malloc(bs * sizeof *tret);
    uint32_t *tlines = malloc(bs * sizeof *tlines);
    uint32_t *lmin = malloc((nlc + 1) * sizeof *lmin), *lmax = malloc((nlc + 1) * sizeof *lmax);
    size_t *todo = malloc((nlc + 1) * sizeof *todo);
    struct acc *part = calloc(nhc * ngroups + 1, sizeof *part);
    w->hnet = calloc(nh + 1, sizeof *w->hnet);
    w->cell = calloc(ngroups + 1, sizeof *w->cell);
    if (!tnet || !tcogs || !tsold || !tret || !tlines || !lmin || !lmax || !todo || !part || !w->hnet || !w->cell) {
        rc = cx_nomem(e, "economics");
        goto done;
    }
    /* The orders each chunk of lines touches lie in [lmin, lmax]. */
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nlc; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < nl ? lo + CHUNK : nl;
        uint32_t mn = UINT32_MAX, mx = 0;
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = ds->l_head[i];
            mn = h < mn ? h : mn;
            mx = h > mx ? h : mx;
        }
        lmin[b] = mn;
        lmax[b] = mx;
    }
    for (size_t h0 = 0; h0 < nh; h0 += bs) {
        size_t nb = nh - h0 < bs ? nh - h0 : bs, nt = 0;
        memset(tnet, 0, nb * sizeof *tnet);
        memset(tcogs, 0, nb * sizeof *tcogs);
        memset(tsold, 0, nb * sizeof *tsold);
        memset(tret, 0, nb * sizeof *tret);
        memset(tlines, 0, nb * sizeof *tlines);
        for (size_t b = 0; b < nlc; b++)
            if (lmax[b] >= h0 && lmin[b] < h0 + nb)
                todo[nt++] = b;
        /* Runs of one order: exact sums, added atomically at the run's end. */
        #pragma omp parallel for schedule(static)
        for (size_t t = 0; t < nt; t++) {
            size_t lo = todo[t] * CHUNK, hi = lo + CHUNK < nl ? lo + CHUNK : nl;
            uint32_t cur = DS_NONE;
            int on = 0;   /* cur is in the block and in the period */
            int64_t n = 0, c = 0, s = 0, r = 0;
            uint32_t l = 0;
            for (size_t i = lo; i <= hi; i++) {
                uint32_t h = i < hi ? ds->l_head[i] : DS_NONE;
                if (h != cur) {
                    if (on) {
                        size_t k = cur - h0;
                        #pragma omp atomic
                        tnet[k] += n;
                        #pragma omp atomic
                        tcogs[k] += c;
                        #pragma omp atomic
                        tsold[k] += s;
                        #pragma omp atomic
                        tret[k] += r;
                        #pragma omp atomic
                        tlines[k] += l;
                    }
                    cur = h;
                    n = c = s = r = 0;
                    l = 0;
                    on = h != DS_NONE && (size_t)h - h0 < nb && in_period(ds, f, h);
                }
                if (!on)
                    continue;
                n += units_of(ds, ds->l_net, i, DS_NET);
                c += units_of(ds, ds->l_cogs, i, DS_COGS);
                int64_t q = llround((double)ds->l_qty[i] * DS_MONEY_SCALE);
                if (q > 0)
                    s += q;
                else
                    r -= q;
                l++;
            }
        }
        /* Each order's variable cost and contribution; sums per cell and account. */
        size_t c0 = h0 / CHUNK, c1 = (h0 + nb + CHUNK - 1) / CHUNK;
        #pragma omp parallel for schedule(static)
        for (size_t b = c0; b < c1; b++) {
            size_t lo = b * CHUNK, hi = lo + CHUNK < nh ? lo + CHUNK : nh;
            struct acc *p = part + b * ngroups;
            for (size_t h = lo; h < hi; h++) {
                if (!in_period(ds, f, h))
                    continue;
                size_t k = h - h0;
                uint32_t ch = ds->h_channel[h], cu = ds->h_customer[h], ac = ds->h_account[h];
                const struct cm_channel *m = &ec->model.ch[w->cmi[ch]];
                w->hnet[h] = tnet[k] > INT32_MIN && tnet[k] <= INT32_MAX ? (int32_t)tnet[k] : NET_BIG;
                double net = (double)tnet[k] / DS_MONEY_SCALE, margin = net - (double)tcogs[k] / DS_MONEY_SCALE;
                double var = m->commission_rate * net + (tnet[k] > 0 ? m->cost_per_order : 0) +
                             m->cost_per_unit * (double)tsold[k] / DS_MONEY_SCALE +
                             m->cost_per_return * (double)tret[k] / DS_MONEY_SCALE;
                ec->head_contribution[h] = margin - var;
                int row = cu == DS_NONE || w->segment == NULL || w->segment[cu] < 0 ? w->nseg : w->segment[cu];
                struct acc *a = &p[(size_t)row * w->nch + ch];
                a->net += tnet[k];
                a->cogs += tcogs[k];
                a->sold += tsold[k];
                a->ret += tret[k];
                a->lines += tlines[k];
                a->orders += tnet[k] > 0;
                {
                    double su = (double)tsold[k] / DS_MONEY_SCALE, ru = (double)tret[k] / DS_MONEY_SCALE;
                    a->sold2 += su * su;
                    a->ret2 += ru * ru;
                    a->soldret += su * ru;
                }
                if (ac != DS_NONE) {
                    struct acc *x = &w->aacc[w->aidx[(size_t)ch * w->nids + ac]];
                    #pragma omp atomic
                    x->net += tnet[k];
                    #pragma omp atomic
                    x->cogs += tcogs[k];
                    #pragma omp atomic
                    x->sold += tsold[k];
                    #pragma omp atomic
                    x->ret += tret[k];
                    #pragma omp atomic
                    x->lines += tlines[k];
                    #pragma omp atomic
                    x->orders += tnet[k] > 0;
                }
            }
        }
        for (size_t k = 0; k < nb; k++)
            if (w->hnet[h0 + k] == NET_BIG && put_big(w, h0 + k, tnet[k])) {
                rc = cx_nomem(e, "economics");
                goto done;
            }
    }
    for (size_t b = 0; b < nhc; b++)
        for (size_t g = 0; g < ngroups; g++)
            acc_add(&w->cell[g], &part[b * ngroups + g]);

done:
    free(tnet);
    free(tcogs);
    free(tsold);
    free(tret);
    free(tlines);
    free(lmin);
    free(lmax);
    free(todo);
    free(part);
    return rc;
}

/* (2) The orders in the period of each customer, in increasing order id:
   a counting sort into w->idx (4 bytes an order). A customer's orders are
   told apart by their customer id, so its start is not kept. */
static int bucket_customers(struct work *w, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    size_t nh = ds->n_heads;
    uint32_t ncu = dataset_count(ds, DS_CUSTOMER);
    uint32_t *first = calloc((size_t)ncu + 1, sizeof *first);
    if (first == NULL)
        return cx_nomem(e, "economics");
    /* Counts at first[c + 1], then the start of c there, which the filling
       moves to the start of c + 1. */
    for (size_t h = 0; h < nh; h++)
        if (ds->h_customer[h] != DS_NONE && in_period(ds, w->f, h))
            first[ds->h_customer[h] + 1]++;
    for (uint32_t c = 1; c < ncu; c++)
        first[c + 1] += first[c];
    w->nk = ncu ? first[ncu] : 0;
    w->idx = malloc((w->nk + 1) * sizeof *w->idx);
    if (w->idx == NULL) {
        free(first);
        return cx_nomem(e, "economics");
    }
    for (size_t h = 0; h < nh; h++)
        if (ds->h_customer[h] != DS_NONE && in_period(ds, w->f, h))
            w->idx[first[ds->h_customer[h]]++] = (uint32_t)h;
    free(first);
    return CX_OK;
}

/* Customers per cell; customers and repeaters (two or more positive
   orders there) per account row. A customer's orders are together, so a
   customer is new to a cell or an account when it differs from the last
   one seen there. */
static int count_customers(struct work *w, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    uint32_t nch = w->nch;
    uint32_t seen[DS_MAX_CHANNELS + 1];
    size_t nacc = w->nacc;
    uint32_t *last = malloc((nacc + 1) * sizeof *last);
    uint8_t *once = malloc(nacc + 1);
    w->cellcust = calloc(w->ngroups + 1, sizeof *w->cellcust);
    if (!last || !once || !w->cellcust) {
        free(last);
        free(once);
        return cx_nomem(e, "economics");
    }
    for (size_t p = 0; p < nacc; p++)
        last[p] = DS_NONE;
    for (uint32_t c = 0; c < nch; c++)
        seen[c] = DS_NONE;
    for (size_t k = 0; k < w->nk; k++) {
        uint32_t h = w->idx[k], cu = ds->h_customer[h], ch = ds->h_channel[h], ac = ds->h_account[h];
        if (seen[ch] != cu) {
            int row = w->segment && w->segment[cu] >= 0 ? w->segment[cu] : w->nseg;
            seen[ch] = cu;
            w->cellcust[(size_t)row * nch + ch]++;
        }
        if (ac != DS_NONE && net_of(w, h) > 0) {
            uint32_t p = w->aidx[(size_t)ch * w->nids + ac];
            if (last[p] != cu) {
                last[p] = cu;
                once[p] = 1;
                w->acust[p]++;
            } else if (once[p]) {
                once[p] = 0;
                w->arep[p]++;
            }
        }
    }
    free(last);
    free(once);
    return CX_OK;
}

/* Each customer's contribution in each of its channels, less the fixed
   cost of the channel shared by its net, into w->cv: channel-major, then
   row, then customer, so that a cell's customers are one slice of it. A
   (customer, channel)'s orders are added in increasing order id. Needs the
   channel totals. */
static int customer_values(struct work *w, struct economics *ec, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    uint32_t nch = w->nch;
    size_t nrow = (size_t)w->nrow, ncs = (size_t)nch * nrow;
    w->cstart = malloc((ncs + 1) * sizeof *w->cstart);
    size_t *pos = malloc((ncs + 1) * sizeof *pos);
    if (w->cstart == NULL || pos == NULL) {
        free(pos);
        return cx_nomem(e, "economics");
    }
    size_t npair = 0;
    for (uint32_t c = 0; c < nch; c++)
        for (size_t r = 0; r < nrow; r++) {
            pos[c * nrow + r] = w->cstart[c * nrow + r] = npair;
            npair += w->cellcust[r * nch + c];
        }
    w->cstart[ncs] = npair;
    w->cv = malloc((npair + 1) * sizeof *w->cv);
    if (w->cv == NULL) {
        free(pos);
        return cx_nomem(e, "economics");
    }
    int pairs = ec->pairs != NULL;
    uint32_t seen[DS_MAX_CHANNELS + 1];
    uint8_t touched[DS_MAX_CHANNELS + 1];
    double sc[DS_MAX_CHANNELS + 1], sn[DS_MAX_CHANNELS + 1];
    double pc[DS_MAX_CHANNELS + 1], pn[DS_MAX_CHANNELS + 1], po[DS_MAX_CHANNELS + 1];
    for (uint32_t c = 0; c < nch; c++)
        seen[c] = DS_NONE;
    for (size_t k = 0; k < w->nk;) {
        uint32_t cu = ds->h_customer[w->idx[k]];
        size_t row = w->segment && w->segment[cu] >= 0 ? (size_t)w->segment[cu] : (size_t)w->nseg;
        int nt = 0;
        for (; k < w->nk && ds->h_customer[w->idx[k]] == cu; k++) {
            uint32_t h = w->idx[k], ch = ds->h_channel[h];
            if (seen[ch] != cu) {
                seen[ch] = cu;
                sc[ch] = sn[ch] = pc[ch] = pn[ch] = po[ch] = 0;
                touched[nt++] = (uint8_t)ch;
            }
            int64_t hn = net_of(w, h);
            sc[ch] += ec->head_contribution[h];
            sn[ch] += (double)hn / DS_MONEY_SCALE;
            if (hn > 0) {
                pc[ch] += ec->head_contribution[h];
                pn[ch] += (double)hn / DS_MONEY_SCALE;
                po[ch] += 1;
            }
        }
        for (int t = 0; t < nt; t++) {
            uint32_t ch = touched[t];
            double chnet = ec->ch[ch].t.net, fixed = ec->ch[ch].t.fixed_cost;
            w->cv[pos[ch * nrow + row]++] = sc[ch] - (chnet != 0 ? fixed * sn[ch] / chnet : 0);
        }
        /* Within the same customer: its mean contribution per positive
           order in each pair of its channels. */
        int npos = 0;
        for (int t = 0; t < nt; t++)
            npos += po[touched[t]] > 0;
        ec->multichannel_customers += npos >= 2;
        if (!pairs || npos < 2 || row >= (size_t)w->nseg)
            continue;
        for (int t1 = 0; t1 < nt; t1++)
            for (int t2 = 0; t2 < nt; t2++) {
                uint32_t a = touched[t1], b = touched[t2];
                if (a >= b || po[a] == 0 || po[b] == 0)
                    continue;
                struct eco_pair *x = &ec->pairs[(row * nch + a) * nch + b];
                double ma = pc[a] / po[a], mb = pc[b] / po[b], d = ma - mb;
                x->customers++;
                x->sum_a += ma;
                x->sum_b += mb;
                x->sum_d += d;
                x->sum_d2 += d * d;
                x->orders_a += po[a];
                x->orders_b += po[b];
                x->net_a += pn[a];
                x->net_b += pn[b];
            }
    }
    free(pos);
    return CX_OK;
}

/* Bootstrap of contribution per customer, cell by cell, then the whale
   curves and the share of customers destroying value per channel. */
static int cells_and_whales(struct work *w, struct economics *ec, const struct eco_options *o,
                            struct cx_err *e)
{
    int rc = CX_OK;
    uint32_t nch = w->nch;
    size_t nrow = (size_t)w->nrow;
    for (int r = 0; r < w->nseg && rc == CX_OK; r++)   /* a failure stops both loops */
        for (uint32_t c = 0; c < nch; c++) {
            size_t g = (size_t)r * nch + c, m = w->cellcust[g];
            const double *cv = w->cv + w->cstart[c * nrow + (size_t)r];
            if (m >= 2) {
                double mean = 0, ss = 0;
                for (size_t i = 0; i < m; i++)
                    mean += cv[i];
                mean /= (double)m;
                for (size_t i = 0; i < m; i++)
                    ss += (cv[i] - mean) * (cv[i] - mean);
                ec->cells[g].cpc_sd = sqrt(ss / (double)(m - 1));
            }
            if (m >= 2 && (rc = inf_bootstrap_mean(cv, m, o->bootstrap, 0.95, o->seed * 1000003u + g,
                                                   &ec->cells[g].cpc_lo, &ec->cells[g].cpc_hi, e)) != CX_OK)
                break;
        }
    if (rc != CX_OK)
        return rc;
    ec->whale = calloc((size_t)nch * 101 + 1, sizeof *ec->whale);
    if (ec->whale == NULL)
        return cx_nomem(e, "economics");
    /* Channels in parallel: each sorts its own slice of cv. Values that
       compare equal are equal (none is -0), so the sums below do not
       depend on the order they came in. */
    int bad = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
    for (uint32_t c = 0; c < nch; c++) {
        double *v = w->cv + w->cstart[c * nrow];
        size_t m = w->cstart[(c + 1) * nrow] - w->cstart[c * nrow];
        double tot = 0;
        uint64_t neg = 0;
        for (size_t i = 0; i < m; i++)
            neg += v[i] < 0;
        ec->ch[c].negative_customers_share = m ? (double)neg / (double)m : 0;
        /* Most to least profitable; the total in that order too. */
        if (radix_sort_f64(v, m, 1) != 0) {
            bad = 1;
            continue;
        }
        for (size_t i = 0; i < m; i++)
            tot += v[i];
        double cum = 0;
        size_t next = 0;
        for (int pt = 0; pt <= 100; pt++) {
            size_t upto = (size_t)((double)m * pt / 100.0 + 0.5);
            while (next < upto)
                cum += v[next++];
            struct eco_whale *x = &ec->whale[(size_t)c * 101 + (size_t)pt];
            x->channel = c;
            x->customer_share = pt / 100.0;
            x->contribution_share = tot > 0 ? cum / tot : NAN;
            x->cumulative_contribution = cum;
        }
    }
    if (bad)
        return cx_nomem(e, "whale curves");
    ec->nwhale = (size_t)nch * 101;
    return CX_OK;
}

/* Account totals, with the fixed cost of the channel shared by net, and
   ranks within each channel by contribution (ties: account id). */
static void account_totals(const struct work *w, struct economics *ec)
{
    for (size_t i = 0; i < ec->naccounts; i++) {
        struct eco_account *x = &ec->accounts[i];
        uint32_t ch = x->channel;
        const struct cm_channel *m = &ec->model.ch[ec->ch[ch].cm];
        double chnet = ec->ch[ch].t.net, net = (double)w->aacc[i].net / DS_MONEY_SCALE;
        totals(&w->aacc[i], m, w->acust[i], chnet != 0 ? ec->ch[ch].t.fixed_cost * net / chnet : 0, &x->t);
        x->repeat_rate = w->acust[i] ? (double)w->arep[i] / (double)w->acust[i] : 0;
    }
    for (size_t i = 0; i < ec->naccounts; i++) {
        int r = 1;
        for (size_t k = 0; k < ec->naccounts; k++)
            if (ec->accounts[k].channel == ec->accounts[i].channel &&
                (ec->accounts[k].t.contribution > ec->accounts[i].t.contribution ||
                 (ec->accounts[k].t.contribution == ec->accounts[i].t.contribution &&
                  ec->accounts[k].account < ec->accounts[i].account)))
                r++;
        ec->accounts[i].rank = r;
    }
}

/* (3) Order-value and contribution-per-order distributions per channel
   (positive orders, in order id), and the tests against the best channel.
   Order values are summarized a batch of channels at a time; then which
   orders are positive is all that is left of w->hnet (a bit an order),
   and the contributions are gathered. */
static int distributions_and_tests(struct work *w, struct economics *ec, struct cx_err *e)
{
    const struct dataset *ds = w->ds;
    int rc = CX_OK;
    size_t nh = ds->n_heads;
    uint32_t nch = w->nch;
    size_t start[DS_MAX_CHANNELS + 2] = { 0 }, pos[DS_MAX_CHANNELS + 1];
    for (uint32_t c = 0; c < nch; c++)
        start[c + 1] = start[c] + ec->ch[c].t.orders;
    size_t tot = start[nch];
    ec->best = -1;
    for (uint32_t c = 0; c < nch; c++) {
        struct eco_channel *x = &ec->ch[c];
        x->welch.stat = x->welch.df = x->welch.p = NAN;
        x->mw.stat = x->mw.df = x->mw.p = NAN;
        x->welch_p_holm = x->mw_p_holm = x->mw_cles = NAN;
    }
    /* Batches of channels of at most half the positive orders, or one
       channel when it has more. */
    size_t cap = (tot + 1) / 2;
    for (uint32_t c = 0; c < nch; c++)
        if (start[c + 1] - start[c] > cap)
            cap = start[c + 1] - start[c];
    double *a = malloc((cap + 1) * sizeof *a), *c2 = NULL;
    uint64_t *plus = NULL;
    if (a == NULL) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    int bad = 0;
    for (uint32_t c0 = 0, c1; c0 < nch; c0 = c1) {
        for (c1 = c0 + 1; c1 < nch && start[c1 + 1] - start[c0] <= cap; c1++)
            ;
        memcpy(pos, start, sizeof pos);
        for (size_t h = 0; h < nh; h++) {
            uint32_t ch = ds->h_channel[h];
            int64_t net;
            if (ch >= c0 && ch < c1 && (net = net_of(w, h)) > 0)
                a[pos[ch]++ - start[c0]] = (double)net / DS_MONEY_SCALE;
        }
        #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
        for (uint32_t c = c0; c < c1; c++) {
            struct cx_err le = { 0 };
            bad |= inf_summarize(a + (start[c] - start[c0]), start[c + 1] - start[c], 0.95, &ec->ch[c].aov,
                                 &le) != CX_OK;
        }
        if (bad)
            break;
    }
    free(a);
    a = NULL;
    if (bad) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    plus = calloc(nh / 64 + 1, sizeof *plus);
    if (plus == NULL) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    for (size_t h = 0; h < nh; h++)
        if (net_of(w, h) > 0)
            plus[h / 64] |= (uint64_t)1 << (h % 64);
    free(w->hnet);
    free(w->bigh);
    free(w->bigv);
    w->hnet = NULL;
    w->bigh = NULL;
    w->bigv = NULL;
    c2 = malloc((tot + 1) * sizeof *c2);
    if (c2 == NULL) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    memcpy(pos, start, sizeof pos);
    for (size_t h = 0; h < nh; h++)
        if (plus[h / 64] >> (h % 64) & 1)
            c2[pos[ds->h_channel[h]]++] = ec->head_contribution[h];
    free(plus);
    plus = NULL;
    /* Each channel's contributions sorted once (in parallel): the
       Mann–Whitney tests then skip their own sorts. Sums for the means
       below are taken before, in head order. */
    double bestmean = -INFINITY;
    for (uint32_t c = 0; c < nch; c++) {
        size_t n = start[c + 1] - start[c];
        if (n < 2)
            continue;
        double s = 0;
        for (size_t i = start[c]; i < start[c + 1]; i++)
            s += c2[i];
        if (s / (double)n > bestmean) {
            bestmean = s / (double)n;
            ec->best = (int)c;
        }
    }
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
    for (uint32_t c = 0; c < nch; c++)
        bad |= radix_sort_f64(c2 + start[c], start[c + 1] - start[c], 0) != 0;
    if (bad) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    double pw[DS_MAX_CHANNELS + 1], pm[DS_MAX_CHANNELS + 1], aw[DS_MAX_CHANNELS + 1], am[DS_MAX_CHANNELS + 1];
    size_t m = 0;
    uint32_t who[DS_MAX_CHANNELS + 1];
    if (ec->best >= 0) {
        const double *b = c2 + start[ec->best];
        size_t nb = start[ec->best + 1] - start[ec->best];
        for (uint32_t c = 0; c < nch; c++) {
            size_t n = start[c + 1] - start[c];
            if ((int)c == ec->best || n < 2)
                continue;
            who[m++] = c;
        }
        /* The comparisons are independent: one per thread. */
        #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
        for (size_t i = 0; i < m; i++) {
            uint32_t c = who[i];
            size_t n = start[c + 1] - start[c];
            struct eco_channel *x = &ec->ch[c];
            struct cx_err le = { 0 };
            inf_welch(c2 + start[c], n, b, nb, &x->welch);
            bad |= inf_mann_whitney(c2 + start[c], n, b, nb, &x->mw, &x->mw_cles, &le) != CX_OK;
            pw[i] = x->welch.p;
            pm[i] = x->mw.p;
        }
        if (bad) {
            rc = cx_nomem(e, "tests");
            goto done;
        }
        inf_holm(pw, m, aw);
        inf_holm(pm, m, am);
        for (size_t i = 0; i < m; i++) {
            ec->ch[who[i]].welch_p_holm = aw[i];
            ec->ch[who[i]].mw_p_holm = am[i];
        }
    }
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
    for (uint32_t c = 0; c < nch; c++) {
        struct cx_err le = { 0 };
        bad |= inf_summarize(c2 + start[c], start[c + 1] - start[c], 0.95, &ec->ch[c].cpo, &le) != CX_OK;
    }
    if (bad)
        rc = cx_nomem(e, "order distributions");

done:
    free(a);
    free(c2);
    free(plus);
    return rc;
}

int eco_compute(const struct dataset *ds, const struct features *f, const int16_t *segment, int nseg,
                const struct costmodel *model, const struct eco_options *o, struct economics *ec,
                struct cx_err *e)
{
    memset(ec, 0, sizeof *ec);
    int rc = CX_OK;
    uint32_t nch = dataset_count(ds, DS_CHANNEL);
    size_t nh = ds->n_heads;
    struct work w;
    memset(&w, 0, sizeof w);
    w.ds = ds;
    w.f = f;
    w.segment = segment;
    w.nseg = nseg;
    w.nrow = nseg + 1;   /* segments, then anonymous */
    w.nch = nch;
    w.ngroups = (size_t)w.nrow * nch;
    ec->model = *model;
    ec->nch = nch;
    ec->days = f->to - f->from + 1;
    for (uint32_t c = 0; c < nch; c++) {
        w.cmi[c] = cm_find(&ec->model, dataset_text(ds, DS_CHANNEL, c));
        if (w.cmi[c] < 0 && (w.cmi[c] = cm_add_missing(&ec->model, dataset_text(ds, DS_CHANNEL, c))) < 0)
            return cx_fail(e, CX_EINTERNAL, "cost model: too many channels");
    }
    ec->head_contribution = calloc(nh + 1, sizeof *ec->head_contribution);
    ec->ch = calloc(nch + 1, sizeof *ec->ch);
    if (!ec->head_contribution || !ec->ch) {
        rc = cx_nomem(e, "economics");
        goto done;
    }
    if ((rc = account_rows(&w, ec, e)) != CX_OK || (rc = order_sums(&w, ec, e)) != CX_OK ||
        (rc = bucket_customers(&w, e)) != CX_OK || (rc = count_customers(&w, e)) != CX_OK)
        goto done;

    /* Channel rows. */
    struct acc chacc[DS_MAX_CHANNELS + 1], allacc;
    uint64_t chcust[DS_MAX_CHANNELS + 1] = { 0 };
    memset(chacc, 0, sizeof chacc);
    memset(&allacc, 0, sizeof allacc);
    for (int r = 0; r < w.nrow; r++)
        for (uint32_t c = 0; c < nch; c++) {
            acc_add(&chacc[c], &w.cell[(size_t)r * nch + c]);
            acc_add(&allacc, &w.cell[(size_t)r * nch + c]);
            chcust[c] += w.cellcust[(size_t)r * nch + c];
        }
    for (uint32_t c = 0; c < nch; c++) {
        struct eco_channel *x = &ec->ch[c];
        x->cm = w.cmi[c];
        const struct cm_channel *m = &ec->model.ch[w.cmi[c]];
        totals(&chacc[c], m, chcust[c], m->fixed_cost * ec->days / 365.0, &x->t);
        if (!m->in_model)
            ec->unmodelled_lines += x->t.lines;
    }
    uint64_t allcust = 0;
    for (uint32_t cu = 0; cu < f->n; cu++)
        allcust += f->present[cu];
    {
        double fixed = 0;
        for (uint32_t c = 0; c < nch; c++)
            fixed += ec->ch[c].t.fixed_cost;
        totals(&allacc, NULL, allcust, 0, &ec->all);
        double com = 0, oc = 0, uc = 0, rcost = 0;
        for (uint32_t c = 0; c < nch; c++) {
            com += ec->ch[c].t.commission;
            oc += ec->ch[c].t.order_cost;
            uc += ec->ch[c].t.unit_cost;
            rcost += ec->ch[c].t.return_cost;
        }
        ec->all.commission = com;
        ec->all.order_cost = oc;
        ec->all.unit_cost = uc;
        ec->all.return_cost = rcost;
        ec->all.fixed_cost = fixed;
        ec->all.channel_cost = com + oc + uc + rcost + fixed;
        ec->all.contribution = ec->all.margin - ec->all.channel_cost;
    }

    /* Cells, with the fixed cost of the channel shared by net. */
    ec->ncells = w.ngroups;
    ec->cells = calloc(w.ngroups + 1, sizeof *ec->cells);
    if (ec->cells == NULL) {
        rc = cx_nomem(e, "economics");
        goto done;
    }
    for (int r = 0; r < w.nrow; r++)
        for (uint32_t c = 0; c < nch; c++) {
            size_t g = (size_t)r * nch + c;
            struct eco_cell *x = &ec->cells[g];
            const struct cm_channel *m = &ec->model.ch[w.cmi[c]];
            double chnet = ec->ch[c].t.net, fixed = ec->ch[c].t.fixed_cost;
            double share = chnet != 0 ? (double)w.cell[g].net / DS_MONEY_SCALE / chnet : 0;
            x->segment = r < nseg ? r : -1;
            x->channel = c;
            totals(&w.cell[g], m, w.cellcust[g], fixed * share, &x->t);
            x->cpc = x->t.customers ? x->t.contribution / (double)x->t.customers : NAN;
            x->cpc_lo = x->cpc_hi = x->cpc_sd = NAN;
            x->low_support = x->t.customers < ECO_LOW_SUPPORT;
        }
    account_totals(&w, ec);

    if (nch <= ECO_PAIR_MAX_CH && nseg > 0) {
        ec->pairs = calloc((size_t)nseg * nch * nch, sizeof *ec->pairs);
        if (ec->pairs == NULL) {
            rc = cx_nomem(e, "economics");
            goto done;
        }
    }
    if ((rc = customer_values(&w, ec, e)) != CX_OK)
        goto done;
    free(w.idx);
    w.idx = NULL;
    if ((rc = cells_and_whales(&w, ec, o, e)) != CX_OK)
        goto done;
    free(w.cv);
    w.cv = NULL;
    rc = distributions_and_tests(&w, ec, e);

done:
    free(w.hnet);
    free(w.bigh);
    free(w.bigv);
    free(w.cell);
    free(w.cellcust);
    free(w.aidx);
    free(w.aacc);
    free(w.acust);
    free(w.arep);
    free(w.idx);
    free(w.cstart);
    free(w.cv);
    if (rc != CX_OK)
        eco_free(ec);
    return rc;
}

double eco_payback_months(double cac, double first_year)
{
    return isfinite(cac) && first_year > 0 ? cac / (first_year / 12) : NAN;
}

void eco_acquisition(const struct economics *ec, const struct retention *r, struct eco_acq *acq)
{
    for (uint32_t c = 0; c < ec->nch; c++) {
        const struct cm_channel *m = &ec->model.ch[ec->ch[c].cm];
        const struct ret_group *g = &r->by_ch[c];
        struct eco_acq *a = &acq[c];
        /* No spend known (a channel the model lacks, or a spend of 0):
           no CAC and no payback, rather than a CAC of 0. */
        a->spend = m->in_model && m->acquisition_spend > 0 ? m->acquisition_spend * ec->days / 365.0 : NAN;
        a->cac = g->acquired && isfinite(a->spend) ? a->spend / g->acquired : NAN;
        a->fy_mean = g->full_year ? g->fy_mean : NAN;
        a->payback_months = eco_payback_months(a->cac, a->fy_mean);
        a->cac_exceeds = isfinite(a->cac) && isfinite(a->fy_mean) ? a->cac > a->fy_mean : -1;
    }
}
