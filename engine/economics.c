/*
 * economics — see economics.h.
 *
 * Passes: (1) lines -> exact per-order sums (net, cogs, units sold and
 * returned, lines), atomics on integers over runs of one order; (2) each
 * order's variable cost and contribution; (3) channel and segment x
 * channel sums over fixed chunks of orders, added in chunk order; (4)
 * orders sorted by (customer, channel) to get customers per channel and
 * cell, each customer's contribution in a channel (bootstrap and whale
 * curve); (5) orders sorted by (account, channel) for the accounts; (6)
 * distributions and tests per channel.
 */
#include "engine/economics.h"

#include "engine/radix.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 16384

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
    free(ec->head_contribution);
    memset(ec, 0, sizeof *ec);
}

/* Exact sums of a group of orders, in ten-thousandths. */
struct acc {
    int64_t net, cogs, sold, ret;
    uint64_t lines, orders;
    double var_cost;          /* variable costs (commission, per order, per unit, per return) */
};

static void acc_add(struct acc *a, const struct acc *b)
{
    a->net += b->net;
    a->cogs += b->cogs;
    a->sold += b->sold;
    a->ret += b->ret;
    a->lines += b->lines;
    a->orders += b->orders;
    a->var_cost += b->var_cost;
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

static int cmp_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* (5) Accounts of every channel; (6) order-value and contribution-per-order
   distributions per channel, and the tests against the best channel. */
static int eco_accounts_and_tests(const struct dataset *ds, struct economics *ec, const uint8_t *inp,
                                  const int64_t *hnet, const int64_t *hcogs, const int64_t *hsold,
                                  const int64_t *hret, const uint32_t *hlines, struct cx_err *e)
{
    int rc = CX_OK;
    size_t nh = ds->n_heads, nk = 0;
    uint32_t nch = ec->nch;
    for (size_t h = 0; h < nh; h++)
        nk += inp[h] && ds->h_account[h] != DS_NONE;
    uint64_t *key = malloc((nk + 1) * sizeof *key);
    uint32_t *hid = malloc((nk + 1) * sizeof *hid), *cust = malloc((nk + 1) * sizeof *cust);
    double *a = NULL, *c2 = NULL;
    if (!key || !hid || !cust) {
        rc = cx_nomem(e, "accounts");
        goto done;
    }
    nk = 0;
    for (size_t h = 0; h < nh; h++)
        if (inp[h] && ds->h_account[h] != DS_NONE) {
            key[nk] = (uint64_t)ds->h_channel[h] << 32 | ds->h_account[h];
            hid[nk++] = (uint32_t)h;
        }
    if (radix_sort_pairs(key, hid, nk, 48)) {
        rc = cx_nomem(e, "accounts");
        goto done;
    }
    size_t nacc = 0;
    for (size_t i = 0; i < nk; i++)
        nacc += i == 0 || key[i] != key[i - 1];
    ec->accounts = calloc(nacc + 1, sizeof *ec->accounts);
    if (ec->accounts == NULL) {
        rc = cx_nomem(e, "accounts");
        goto done;
    }
    /* Runs of one (channel, account), then each run on its own: they are
       independent, so they run in parallel, each sorting its customers. */
    size_t *run = malloc((nacc + 1) * sizeof *run);
    if (run == NULL) {
        rc = cx_nomem(e, "accounts");
        goto done;
    }
    nacc = 0;
    for (size_t i = 0; i < nk; i++)
        if (i == 0 || key[i] != key[i - 1])
            run[nacc++] = i;
    run[nacc] = nk;
    ec->naccounts = nacc;
    #pragma omp parallel for schedule(dynamic, 1)
    for (size_t r = 0; r < nacc; r++) {
        size_t i = run[r], j;
        struct acc s;
        memset(&s, 0, sizeof s);
        size_t nc = 0;
        uint32_t *cu = cust + i;   /* this run's slice of the buffer */
        uint32_t ch = (uint32_t)(key[i] >> 32);
        const struct cm_channel *m = &ec->model.ch[ec->ch[ch].cm];
        for (j = i; j < run[r + 1]; j++) {
            uint32_t h = hid[j];
            s.net += hnet[h];
            s.cogs += hcogs[h];
            s.sold += hsold[h];
            s.ret += hret[h];
            s.lines += hlines[h];
            s.orders += hnet[h] > 0;
            if (ds->h_customer[h] != DS_NONE && hnet[h] > 0)
                cu[nc++] = ds->h_customer[h];
        }
        /* Customers and repeaters: sorted customers of its positive orders. */
        qsort(cu, nc, sizeof *cu, cmp_u32);
        uint64_t ncust = 0, rep = 0;
        for (size_t k = 0; k < nc;) {
            size_t l = k;
            while (l < nc && cu[l] == cu[k])
                l++;
            ncust++;
            rep += l - k >= 2;   /* two or more positive orders at this account */
            k = l;
        }
        struct eco_account *x = &ec->accounts[r];
        x->account = (uint32_t)key[i];
        x->channel = ch;
        double chnet = ec->ch[ch].t.net, net = (double)s.net / DS_MONEY_SCALE;
        totals(&s, m, ncust, chnet != 0 ? ec->ch[ch].t.fixed_cost * net / chnet : 0, &x->t);
        x->repeat_rate = ncust ? (double)rep / (double)ncust : 0;
    }
    free(run);
    /* Ranks within each channel by contribution (ties: account id). */
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

    /* Distributions: positive orders of each channel, in head order. */
    size_t tot = 0, start[DS_MAX_CHANNELS + 2] = { 0 };
    for (uint32_t c = 0; c < nch; c++) {
        start[c + 1] = start[c] + ec->ch[c].t.orders;
        tot += ec->ch[c].t.orders;
    }
    a = malloc((tot + 1) * sizeof *a);
    c2 = malloc((tot + 1) * sizeof *c2);
    if (!a || !c2) {
        rc = cx_nomem(e, "order distributions");
        goto done;
    }
    size_t pos[DS_MAX_CHANNELS + 1];
    memcpy(pos, start, sizeof pos);
    for (size_t h = 0; h < nh; h++)
        if (inp[h] && hnet[h] > 0) {
            size_t q = pos[ds->h_channel[h]]++;
            a[q] = (double)hnet[h] / DS_MONEY_SCALE;
            c2[q] = ec->head_contribution[h];
        }
    ec->best = -1;
    for (uint32_t c = 0; c < nch; c++) {
        struct eco_channel *x = &ec->ch[c];
        x->welch.stat = x->welch.df = x->welch.p = NAN;
        x->mw.stat = x->mw.df = x->mw.p = NAN;
        x->welch_p_holm = x->mw_p_holm = x->mw_cles = NAN;
    }
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
    #pragma omp parallel for schedule(dynamic, 1)
    for (uint32_t c = 0; c < nch; c++)
        qsort(c2 + start[c], start[c + 1] - start[c], sizeof *c2, cmp_asc);
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
        int bad = 0;
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
    int bad = 0;
    #pragma omp parallel for schedule(dynamic, 1) reduction(|:bad)
    for (uint32_t c = 0; c < 2 * nch; c++) {
        uint32_t ch = c / 2;
        size_t n = start[ch + 1] - start[ch];
        struct cx_err le = { 0 };
        bad |= c % 2 ? inf_summarize(c2 + start[ch], n, 0.95, &ec->ch[ch].cpo, &le) != CX_OK
                     : inf_summarize(a + start[ch], n, 0.95, &ec->ch[ch].aov, &le) != CX_OK;
    }
    if (bad)
        rc = cx_nomem(e, "order distributions");

done:
    free(key);
    free(hid);
    free(cust);
    free(a);
    free(c2);
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
    ec->model = *model;
    ec->nch = nch;
    ec->days = f->to - f->from + 1;
    int cmi[DS_MAX_CHANNELS + 1];
    for (uint32_t c = 0; c < nch; c++) {
        cmi[c] = cm_find(&ec->model, dataset_text(ds, DS_CHANNEL, c));
        if (cmi[c] < 0 && (cmi[c] = cm_add_missing(&ec->model, dataset_text(ds, DS_CHANNEL, c))) < 0)
            return cx_fail(e, CX_EINTERNAL, "cost model: too many channels");
    }

    int64_t *hnet = calloc(nh + 1, sizeof *hnet), *hcogs = calloc(nh + 1, sizeof *hcogs);
    int64_t *hsold = calloc(nh + 1, sizeof *hsold), *hret = calloc(nh + 1, sizeof *hret);
    uint32_t *hlines = calloc(nh + 1, sizeof *hlines);
    uint8_t *inp = malloc(nh + 1);
    ec->head_contribution = calloc(nh + 1, sizeof *ec->head_contribution);
    ec->ch = calloc(nch + 1, sizeof *ec->ch);
    uint64_t *key = NULL;
    uint32_t *hid = NULL;
    double *vals = NULL;
    size_t *chstart = NULL;
    if (!hnet || !hcogs || !hsold || !hret || !hlines || !inp || !ec->head_contribution || !ec->ch) {
        rc = cx_nomem(e, "economics");
        goto done;
    }
    #pragma omp parallel for schedule(static)
    for (size_t h = 0; h < nh; h++)
        inp[h] = ds->h_day[h] >= f->from && ds->h_day[h] <= f->to;

    /* (1) Orders: exact sums over runs of one head. */
    size_t nlc = (ds->n_lines + CHUNK - 1) / CHUNK;
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nlc; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < ds->n_lines ? lo + CHUNK : ds->n_lines;
        uint32_t cur = DS_NONE;
        int64_t n = 0, c = 0, s = 0, r = 0;
        uint32_t l = 0;
        for (size_t i = lo; i <= hi; i++) {
            uint32_t h = i < hi ? ds->l_head[i] : DS_NONE;
            if (h != cur) {
                if (cur != DS_NONE) {
                    #pragma omp atomic
                    hnet[cur] += n;
                    #pragma omp atomic
                    hcogs[cur] += c;
                    #pragma omp atomic
                    hsold[cur] += s;
                    #pragma omp atomic
                    hret[cur] += r;
                    #pragma omp atomic
                    hlines[cur] += l;
                }
                cur = h;
                n = c = s = r = 0;
                l = 0;
            }
            if (i == hi || !inp[h])
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

    /* (2) Each order's variable cost and contribution. */
    #pragma omp parallel for schedule(static)
    for (size_t h = 0; h < nh; h++) {
        if (!inp[h])
            continue;
        const struct cm_channel *m = &ec->model.ch[cmi[ds->h_channel[h]]];
        double net = (double)hnet[h] / DS_MONEY_SCALE, margin = net - (double)hcogs[h] / DS_MONEY_SCALE;
        double var = m->commission_rate * net + (hnet[h] > 0 ? m->cost_per_order : 0) +
                     m->cost_per_unit * (double)hsold[h] / DS_MONEY_SCALE +
                     m->cost_per_return * (double)hret[h] / DS_MONEY_SCALE;
        ec->head_contribution[h] = margin - var;
    }

    /* (3) Sums per channel and per (segment, channel), in chunk order. */
    int nrow = nseg + 1;   /* segments, then anonymous */
    size_t ngroups = (size_t)nrow * nch;
    size_t nhc = (nh + CHUNK - 1) / CHUNK;
    struct acc *part = calloc(nhc * ngroups + 1, sizeof *part), *cell = calloc(ngroups + 1, sizeof *cell);
    if (!part || !cell) {
        free(part);
        free(cell);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nhc; b++) {
        size_t lo = b * CHUNK, hi = lo + CHUNK < nh ? lo + CHUNK : nh;
        struct acc *p = part + b * ngroups;
        for (size_t h = lo; h < hi; h++) {
            if (!inp[h])
                continue;
            uint32_t cu = ds->h_customer[h];
            int row = cu == DS_NONE || segment == NULL || segment[cu] < 0 ? nseg : segment[cu];
            const struct cm_channel *m = &ec->model.ch[cmi[ds->h_channel[h]]];
            struct acc *a = &p[(size_t)row * nch + ds->h_channel[h]];
            a->net += hnet[h];
            a->cogs += hcogs[h];
            a->sold += hsold[h];
            a->ret += hret[h];
            a->lines += hlines[h];
            a->orders += hnet[h] > 0;
            double net = (double)hnet[h] / DS_MONEY_SCALE;
            a->var_cost += m->commission_rate * net + (hnet[h] > 0 ? m->cost_per_order : 0) +
                           m->cost_per_unit * (double)hsold[h] / DS_MONEY_SCALE +
                           m->cost_per_return * (double)hret[h] / DS_MONEY_SCALE;
        }
    }
    for (size_t b = 0; b < nhc; b++)
        for (size_t g = 0; g < ngroups; g++)
            acc_add(&cell[g], &part[b * ngroups + g]);
    free(part);
    struct acc chacc[DS_MAX_CHANNELS + 1], allacc;
    memset(chacc, 0, sizeof chacc);
    memset(&allacc, 0, sizeof allacc);
    for (int r = 0; r < nrow; r++)
        for (uint32_t c = 0; c < nch; c++) {
            acc_add(&chacc[c], &cell[(size_t)r * nch + c]);
            acc_add(&allacc, &cell[(size_t)r * nch + c]);
        }

    /* (4) Orders by (customer, channel): customers per channel and cell,
       each customer's contribution and net in a channel. */
    size_t nk = 0;
    for (size_t h = 0; h < nh; h++)
        nk += inp[h] && ds->h_customer[h] != DS_NONE;
    key = malloc((nk + 1) * sizeof *key);
    hid = malloc((nk + 1) * sizeof *hid);
    if (!key || !hid) {
        free(cell);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    nk = 0;
    for (size_t h = 0; h < nh; h++)
        if (inp[h] && ds->h_customer[h] != DS_NONE) {
            key[nk] = (uint64_t)ds->h_channel[h] << 32 | ds->h_customer[h];
            hid[nk++] = (uint32_t)h;
        }
    if (radix_sort_pairs(key, hid, nk, 48)) {
        free(cell);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    /* Pairs: channel-major, then customer. */
    size_t npair = 0;
    for (size_t i = 0; i < nk; i++)
        npair += i == 0 || key[i] != key[i - 1];
    vals = malloc((npair + 1) * 2 * sizeof *vals);   /* contribution (variable), net */
    uint32_t *pcust = malloc((npair + 1) * sizeof *pcust), *pchan = malloc((npair + 1) * sizeof *pchan);
    uint8_t *pmulti = calloc(npair + 1, 1);
    if (!vals || !pcust || !pchan || !pmulti) {
        free(cell);
        free(pcust);
        free(pchan);
        free(pmulti);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    {
        size_t p = (size_t)-1;
        uint32_t porders = 0;
        for (size_t i = 0; i < nk; i++) {
            if (i == 0 || key[i] != key[i - 1]) {
                p++;
                vals[2 * p] = vals[2 * p + 1] = 0;
                pcust[p] = (uint32_t)key[i];
                pchan[p] = (uint32_t)(key[i] >> 32);
                porders = 0;
            }
            uint32_t h = hid[i];
            vals[2 * p] += ec->head_contribution[h];
            vals[2 * p + 1] += (double)hnet[h] / DS_MONEY_SCALE;
            porders += hnet[h] > 0;
            pmulti[p] = porders >= 2;
        }
    }
    uint64_t chcust[DS_MAX_CHANNELS + 1] = { 0 };
    uint64_t *cellcust = calloc(ngroups + 1, sizeof *cellcust);
    chstart = calloc(nch + 2, sizeof *chstart);
    if (!cellcust || !chstart) {
        free(cell);
        free(cellcust);
        free(pcust);
        free(pchan);
        free(pmulti);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    for (size_t p = 0; p < npair; p++) {
        chcust[pchan[p]]++;
        int row = segment && segment[pcust[p]] >= 0 ? segment[pcust[p]] : nseg;
        cellcust[(size_t)row * nch + pchan[p]]++;
        chstart[pchan[p] + 1]++;
    }
    for (uint32_t c = 0; c < nch; c++)
        chstart[c + 1] += chstart[c];

    /* Channel rows. */
    for (uint32_t c = 0; c < nch; c++) {
        struct eco_channel *x = &ec->ch[c];
        x->cm = cmi[c];
        const struct cm_channel *m = &ec->model.ch[cmi[c]];
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
    ec->ncells = ngroups;
    ec->cells = calloc(ngroups + 1, sizeof *ec->cells);
    double *cv = malloc((npair + 1) * sizeof *cv);
    if (!ec->cells || !cv) {
        free(cell);
        free(cellcust);
        free(pcust);
        free(pchan);
        free(pmulti);
        free(cv);
        rc = cx_nomem(e, "economics");
        goto done;
    }
    for (int r = 0; r < nrow; r++)
        for (uint32_t c = 0; c < nch; c++) {
            size_t g = (size_t)r * nch + c;
            struct eco_cell *x = &ec->cells[g];
            const struct cm_channel *m = &ec->model.ch[cmi[c]];
            double chnet = ec->ch[c].t.net, fixed = ec->ch[c].t.fixed_cost;
            double share = chnet != 0 ? (double)cell[g].net / DS_MONEY_SCALE / chnet : 0;
            x->segment = r < nseg ? r : -1;
            x->channel = c;
            totals(&cell[g], m, cellcust[g], fixed * share, &x->t);
            x->cpc = x->t.customers ? x->t.contribution / (double)x->t.customers : NAN;
            x->cpc_lo = x->cpc_hi = x->cpc_sd = NAN;
            x->low_support = x->t.customers < ECO_LOW_SUPPORT;
        }
    /* Bootstrap of contribution per customer, cell by cell: each customer's
       contribution in the cell is its orders' contribution less the fixed
       cost shared by its net. */
    for (int r = 0; r < nseg && rc == CX_OK; r++)   /* a failure stops both loops */
        for (uint32_t c = 0; c < nch; c++) {
            size_t g = (size_t)r * nch + c, m = 0;
            double chnet = ec->ch[c].t.net, fixed = ec->ch[c].t.fixed_cost;
            for (size_t p = chstart[c]; p < chstart[c + 1]; p++)
                if (segment && segment[pcust[p]] == r)
                    cv[m++] = vals[2 * p] - (chnet != 0 ? fixed * vals[2 * p + 1] / chnet : 0);
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
    /* Whale curves and the share of customers destroying value. */
    ec->whale = calloc((size_t)nch * 101 + 1, sizeof *ec->whale);
    if (rc == CX_OK && ec->whale == NULL)
        rc = cx_nomem(e, "economics");
    /* Channels in parallel: each has its own slice of cv (its pairs). */
    if (rc == CX_OK) {
        #pragma omp parallel for schedule(dynamic, 1)
        for (uint32_t c = 0; c < nch; c++) {
            double *v = cv + chstart[c];
            size_t m = chstart[c + 1] - chstart[c];
            double chnet = ec->ch[c].t.net, fixed = ec->ch[c].t.fixed_cost, tot = 0;
            uint64_t neg = 0;
            for (size_t i = 0; i < m; i++) {
                size_t p = chstart[c] + i;
                v[i] = vals[2 * p] - (chnet != 0 ? fixed * vals[2 * p + 1] / chnet : 0);
                neg += v[i] < 0;
            }
            ec->ch[c].negative_customers_share = m ? (double)neg / (double)m : 0;
            /* Most to least profitable; the total in that order too. */
            qsort(v, m, sizeof *v, cmp_desc);
            for (size_t i = 0; i < m; i++)
                tot += v[i];
            double cum = 0;
            size_t next = 0;
            for (int pt = 0; pt <= 100; pt++) {
                size_t upto = (size_t)((double)m * pt / 100.0 + 0.5);
                while (next < upto)
                    cum += v[next++];
                struct eco_whale *w = &ec->whale[(size_t)c * 101 + (size_t)pt];
                w->channel = c;
                w->customer_share = pt / 100.0;
                w->contribution_share = tot > 0 ? cum / tot : NAN;
                w->cumulative_contribution = cum;
            }
        }
        ec->nwhale = (size_t)nch * 101;
    }
    free(cv);
    free(cell);
    free(cellcust);
    free(pmulti);
    free(pcust);
    free(pchan);
    if (rc != CX_OK)
        goto done;
    rc = eco_accounts_and_tests(ds, ec, inp, hnet, hcogs, hsold, hret, hlines, e);

done:
    free(hnet);
    free(hcogs);
    free(hsold);
    free(hret);
    free(hlines);
    free(inp);
    free(key);
    free(hid);
    free(vals);
    free(chstart);
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
        a->spend = m->acquisition_spend * ec->days / 365.0;
        a->cac = g->acquired ? a->spend / g->acquired : NAN;
        a->fy_mean = g->full_year ? g->fy_mean : NAN;
        a->payback_months = eco_payback_months(a->cac, a->fy_mean);
        a->cac_exceeds = isfinite(a->cac) && isfinite(a->fy_mean) ? a->cac > a->fy_mean : -1;
    }
}
