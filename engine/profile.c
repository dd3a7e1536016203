/*
 * profile — see profile.h.
 */
#include "engine/profile.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 65536

struct part {
    uint64_t anon, returned;
    int32_t dmin, dmax;
    struct ds_sum net, cogs;
};

int profile_compute(const struct dataset *ds, size_t first, size_t end, struct profile *p,
                    struct cx_err *e)
{
    memset(p, 0, sizeof *p);
    size_t n = end - first, nb = (n + BLOCK - 1) / BLOCK;
    uint32_t nch = dataset_count(ds, DS_CHANNEL);
    p->nchannels = nch;
    p->lines = n;
    p->ch_lines = calloc(nch + 1, sizeof *p->ch_lines);
    p->ch_net = calloc(nch + 1, sizeof *p->ch_net);
    struct part *pt = calloc(nb + 1, sizeof *pt);
    uint64_t *bl = calloc((nb + 1) * (nch + 1), sizeof *bl);
    struct ds_sum *bn = calloc((nb + 1) * (nch + 1), sizeof *bn);
    if (!p->ch_lines || !p->ch_net || !pt || !bl || !bn) {
        free(pt);
        free(bl);
        free(bn);
        profile_free(p);
        return cx_nomem(e, "profile");
    }
    #pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t lo = first + b * BLOCK, hi = lo + BLOCK < end ? lo + BLOCK : end;
        struct part q = { 0, 0, INT32_MAX, INT32_MIN, { 0, 0 }, { 0, 0 } };
        uint64_t *l = bl + b * (nch + 1);
        struct ds_sum *nt = bn + b * (nch + 1);
        for (size_t i = lo; i < hi; i++) {
            uint32_t h = ds->l_head[i];
            int32_t d = ds->h_day[h];
            q.anon += ds->h_customer[h] == DS_NONE;
            q.returned += ds->l_qty[i] < 0;
            q.dmin = d < q.dmin ? d : q.dmin;
            q.dmax = d > q.dmax ? d : q.dmax;
            ds_sum_add(&q.net, ds, ds->l_net, i, DS_NET);
            ds_sum_add(&q.cogs, ds, ds->l_cogs, i, DS_COGS);
            l[ds->h_channel[h]]++;
            ds_sum_add(&nt[ds->h_channel[h]], ds, ds->l_net, i, DS_NET);
        }
        pt[b] = q;
    }
    p->day_min = INT32_MAX;
    p->day_max = INT32_MIN;
    struct ds_sum net = { 0, 0 }, cogs = { 0, 0 };
    struct ds_sum *chn = calloc(nch + 1, sizeof *chn);
    if (chn == NULL) {
        free(pt);
        free(bl);
        free(bn);
        profile_free(p);
        return cx_nomem(e, "profile");
    }
    for (size_t b = 0; b < nb; b++) {
        p->anon_lines += pt[b].anon;
        p->returned_lines += pt[b].returned;
        p->day_min = pt[b].dmin < p->day_min ? pt[b].dmin : p->day_min;
        p->day_max = pt[b].dmax > p->day_max ? pt[b].dmax : p->day_max;
        ds_sum_merge(&net, &pt[b].net);
        ds_sum_merge(&cogs, &pt[b].cogs);
        for (uint32_t c = 0; c < nch; c++) {
            p->ch_lines[c] += bl[b * (nch + 1) + c];
            ds_sum_merge(&chn[c], &bn[b * (nch + 1) + c]);
        }
    }
    p->net = ds_sum_value(&net);
    p->cogs = ds_sum_value(&cogs);
    for (uint32_t c = 0; c < nch; c++)
        p->ch_net[c] = ds_sum_value(&chn[c]);
    free(chn);
    if (n == 0)
        p->day_min = p->day_max = 0;
    free(pt);
    free(bl);
    free(bn);
    return CX_OK;
}

void profile_free(struct profile *p)
{
    free(p->ch_lines);
    free(p->ch_net);
    p->ch_lines = NULL;
    p->ch_net = NULL;
}
