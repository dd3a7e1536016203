/*
 * objectives — see objectives.h. obj_targets() takes each metric in
 * turn: benchmark() finds the peers' upper quartile, test() the unit's
 * p-value against it; Holm then runs over the level's tests, and decide()
 * sets the target, gap and impact. obj_compute() builds the units.
 */
#include "engine/objectives.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inference.h"

static const char *const level_names[] = { "channel", "account" };
static const char *const metric_names[OBJ_NMETRICS] = { "new_customers_per_year", "retention_180",
                                                        "clv_per_customer" };

const char *obj_level_name(int level)
{
    return level == OBJ_CHANNEL || level == OBJ_ACCOUNT ? level_names[level] : "";
}

const char *obj_metric_name(int metric)
{
    return metric >= 0 && metric < OBJ_NMETRICS ? metric_names[metric] : "";
}

void obj_defaults(struct obj_options *o)
{
    o->min_customers = 30;
    o->min_peers = 4;
    o->min_channel_peers = 3;
    o->alpha = 0.01;
    o->min_effect = 0.15;
    o->retention_gap = 0.05;
}

void obj_free(struct objectives *ob)
{
    free(ob->r);
    memset(ob, 0, sizeof *ob);
}

/* The unit's figure for metric m and the variance of its estimate, or
   NaN when it cannot be measured (too few customers eligible or with a
   CLV; a channel's CLV without a cost). New customers a year: won x
   365 / days, Poisson; retention: a proportion; CLV: a mean. */
static double figure(const struct obj_unit *u, int m, const struct obj_options *o, double *var)
{
    double a = u->days > 0 ? 365.0 / u->days : NAN, p;
    *var = NAN;
    switch (m) {
    case OBJ_NEW_CUSTOMERS:
        *var = u->won * a * a;
        return u->won * a;
    case OBJ_RETENTION:
        if (u->eligible < o->min_customers)
            return NAN;
        p = (double)u->retained / u->eligible;
        *var = p * (1 - p) / u->eligible;
        return p;
    default:
        if ((u->level == OBJ_CHANNEL && !u->costed) || u->n_clv < o->min_customers)
            return NAN;
        *var = u->clv_sd * u->clv_sd / u->n_clv + u->clv_model_se * u->clv_model_se;
        return u->clv_mean;
    }
}

/* Units share peers when they are of the same level and, for accounts,
   of the same channel. */
static int peers(const struct obj_unit *a, const struct obj_unit *b)
{
    return a->level == b->level && (a->level == OBJ_CHANNEL || a->channel == b->channel);
}

/* A peer's figure, for the sort. */
struct peer {
    double v, var;
    size_t unit;
};

static int peer_cmp(const void *a, const void *b)
{
    const struct peer *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* The benchmark: the upper quartile of metric m over the peers of u[i]
   (GSL's rule on the sorted figures: h = (k - 1) 0.75, b = (1 - w) v[lo]
   + w v[lo + 1] with lo = floor h, w = h - lo), and the test of u[i]
   against it, one-sided: z = (current - b) / sd, where sd takes in the
   sampling variance of b as well as the unit's (b is made of the peers
   around the quartile, the unit among them perhaps): a benchmark made
   of noisy figures is not a constant, and treating it as one finds gaps
   in data that have none. NaN benchmark under the minimum of peers; NaN
   p unless the unit is below it with some variance. */
static void benchmark(const struct obj_unit *u, size_t n, size_t i, int m, const struct obj_options *o,
                      struct peer *buf, struct obj_row *r)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (!peers(&u[i], &u[j]) || u[j].customers < o->min_customers)
            continue;
        double var, v = figure(&u[j], m, o, &var);
        if (isfinite(v))
            buf[k++] = (struct peer){ v, var, j };
    }
    r->peers = (uint32_t)k;
    r->benchmark = r->stat = r->p = NAN;
    uint32_t need = u[i].level == OBJ_CHANNEL ? o->min_channel_peers : o->min_peers;
    if (k < need || k < 2)
        return;
    qsort(buf, k, sizeof *buf, peer_cmp);
    double h = (double)(k - 1) * 0.75, w = h - floor(h);
    size_t lo = (size_t)floor(h), hi = lo + 1 < k ? lo + 1 : lo;
    r->benchmark = (1 - w) * buf[lo].v + w * buf[hi].v;
    if (!(r->current < r->benchmark))
        return;
    double var_u;
    figure(&u[i], m, o, &var_u);
    /* d = current - (1 - w) v[lo] - w v[hi], the unit's own figure's
       coefficient 1 less its weight in b. */
    double cu = 1, var = 0;
    if (buf[lo].unit == i)
        cu -= 1 - w;
    else
        var += (1 - w) * (1 - w) * buf[lo].var;
    if (hi != lo) {
        if (buf[hi].unit == i)
            cu -= w;
        else
            var += w * w * buf[hi].var;
    }
    var += cu * cu * var_u;
    if (!(var > 0))
        return;
    r->stat = (r->current - r->benchmark) / sqrt(var);
    r->p = gsl_cdf_ugaussian_P(r->stat);
}

/* Target, gap and impact of a tested row. */
static void decide(struct obj_row *r, const struct obj_unit *u, const struct obj_options *o)
{
    r->target = r->current;
    r->gap = isfinite(r->current) ? 0 : NAN;
    r->impact = NAN;
    if (!(r->p_adj < o->alpha))
        return;
    double gap = r->benchmark - r->current;
    int matters = r->metric == OBJ_RETENTION ? gap >= o->retention_gap : gap >= o->min_effect * r->benchmark;
    if (!matters)
        return;
    double value = NAN;
    if (u->costed) {
        if (r->metric == OBJ_NEW_CUSTOMERS)
            value = gap * u->value_new;
        else if (r->metric == OBJ_RETENTION)
            value = gap * u->won * 365.0 / u->days * u->value_retained;
        else
            value = gap * u->n_clv;
    }
    if (isfinite(value) && !(value > 0))
        return;
    r->objective = 1;
    r->target = r->benchmark;
    r->gap = gap;
    r->impact = value;
}

int obj_targets(const struct obj_unit *u, size_t n, const struct obj_options *o, struct objectives *out,
                struct cx_err *e)
{
    memset(out, 0, sizeof *out);
    out->opt = *o;
    size_t cap = n * OBJ_NMETRICS + 1;
    out->r = calloc(cap, sizeof *out->r);
    struct peer *buf = malloc((n + 1) * sizeof *buf);
    double *p = malloc(cap * sizeof *p), *adj = malloc(cap * sizeof *adj);
    if (!out->r || !buf || !p || !adj) {
        free(buf);
        free(p);
        free(adj);
        obj_free(out);
        return cx_nomem(e, "objectives");
    }
    /* Channel rows first, then account rows, each in the order given. */
    for (int level = OBJ_CHANNEL; level <= OBJ_ACCOUNT; level++)
        for (size_t i = 0; i < n; i++) {
            if (u[i].level != level || u[i].customers < o->min_customers)
                continue;
            for (int m = level == OBJ_CHANNEL ? OBJ_RETENTION : OBJ_NEW_CUSTOMERS; m < OBJ_NMETRICS; m++) {
                struct obj_row *r = &out->r[out->n++];
                r->level = level;
                r->metric = m;
                r->channel = u[i].channel;
                r->account = u[i].account;
                double var;
                r->current = figure(&u[i], m, o, &var);
                r->sample = m == OBJ_NEW_CUSTOMERS ? u[i].won : m == OBJ_RETENTION ? u[i].eligible : u[i].n_clv;
                benchmark(u, n, i, m, o, buf, r);
                if (!isfinite(r->current))
                    r->p = r->stat = NAN;
                r->p_adj = NAN;
            }
        }
    /* Holm over each level's tests (NaN p-values are no test). */
    int rc = CX_OK;
    for (int level = OBJ_CHANNEL; level <= OBJ_ACCOUNT && rc == CX_OK; level++) {
        for (size_t j = 0; j < out->n; j++)
            p[j] = out->r[j].level == level ? out->r[j].p : NAN;
        rc = inf_holm_large(p, out->n, adj, e);
        for (size_t j = 0; j < out->n && rc == CX_OK; j++)
            if (out->r[j].level == level)
                out->r[j].p_adj = adj[j];
    }
    if (rc != CX_OK) {
        free(buf);
        free(p);
        free(adj);
        obj_free(out);
        return rc;
    }
    size_t j = 0;
    for (int level = OBJ_CHANNEL; level <= OBJ_ACCOUNT; level++)
        for (size_t i = 0; i < n; i++) {
            if (u[i].level != level || u[i].customers < o->min_customers)
                continue;
            int nm = level == OBJ_CHANNEL ? OBJ_NMETRICS - 1 : OBJ_NMETRICS;
            for (int m = 0; m < nm; m++)
                decide(&out->r[j++], &u[i], o);
        }
    free(buf);
    free(p);
    free(adj);
    return CX_OK;
}

/* Units by (account, channel) key, for the customers' lookup. */
struct key_ix {
    uint64_t key;
    size_t unit;
};

static int key_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct key_ix *)a)->key, y = ((const struct key_ix *)b)->key;
    return x < y ? -1 : x > y;
}

/* The first-year value of a retained customer over one not retained, per
   channel (customers observed a full year, 10 of each at least, as
   recommend.c's retention objectives), into out[nch]; NaN otherwise. */
static void retained_gain(const struct retention *rt, uint32_t nch, double *out)
{
    double *sr = calloc((size_t)nch * 4 + 1, sizeof *sr);
    if (sr == NULL) {
        for (uint32_t a = 0; a < nch; a++)
            out[a] = NAN;
        return;
    }
    for (uint32_t c = 0; c < rt->n; c++) {
        uint8_t a = rt->acq_channel[c];
        if (a == RET_NONE || a >= nch || rt->obs_end - rt->acq_day[c] < RET_YEAR_DAYS - 1)
            continue;
        int ret = rt->next_gap[c] >= 1 && rt->next_gap[c] <= ret_window_days[1];
        sr[a * 4 + (ret ? 0 : 2)] += 1;
        sr[a * 4 + (ret ? 1 : 3)] += rt->fy_value[c];
    }
    for (uint32_t a = 0; a < nch; a++) {
        const double *x = sr + a * 4;
        out[a] = x[0] >= 10 && x[2] >= 10 ? x[1] / x[0] - x[3] / x[2] : NAN;
    }
    free(sr);
}

int obj_compute(const struct dataset *ds, const struct economics *ec, const struct retention *rt,
                const struct ltv *lv, const struct obj_options *o, struct objectives *out, struct cx_err *e)
{
    memset(out, 0, sizeof *out);
    uint32_t nch = ec->nch;
    size_t na = ec->naccounts, nu = (size_t)nch + na;
    struct obj_unit *u = calloc(nu + 1, sizeof *u);
    struct key_ix *ix = malloc((na + 1) * sizeof *ix);
    double *gain = malloc(((size_t)nch + 1) * sizeof *gain);
    double *s1 = calloc(nu + 1, sizeof *s1), *s2 = calloc(nu + 1, sizeof *s2);
    if (!u || !ix || !gain || !s1 || !s2) {
        free(u);
        free(ix);
        free(gain);
        free(s1);
        free(s2);
        return cx_nomem(e, "objectives");
    }
    retained_gain(rt, nch, gain);
    double days = ec->days;
    for (size_t i = 0; i < nu; i++) {
        struct obj_unit *x = &u[i];
        uint32_t ch = i < nch ? (uint32_t)i : ec->accounts[i - nch].channel;
        const struct ret_group *g = &rt->by_ch[ch];
        x->level = i < nch ? OBJ_CHANNEL : OBJ_ACCOUNT;
        x->channel = ch;
        x->account = i < nch ? DS_NONE : ec->accounts[i - nch].account;
        x->customers = i < nch ? g->acquired : ec->accounts[i - nch].t.customers;
        x->days = days;
        x->costed = ec->model.ch[ec->ch[ch].cm].in_model;
        x->value_new = x->costed && g->full_year > 0 ? g->fy_mean : NAN;
        x->value_retained = x->costed ? gain[ch] : NAN;
        x->clv_mean = x->clv_sd = NAN;
        if (i < nch) {
            x->clv_model_se = lv && lv->nch == nch ? lv->ch[i].clv_model_se : NAN;
            x->won = g->acquired;
            x->eligible = g->eligible[1];
            x->retained = g->retained[1];
        } else {
            ix[i - nch].key = (uint64_t)x->account << 8 | ch;
            ix[i - nch].unit = i;
        }
    }
    qsort(ix, na, sizeof *ix, key_cmp);
    /* The customers won through each account, in customer id order: the
       account of the acquiring order. */
    for (uint32_t c = 0; c < rt->n; c++) {
        uint8_t a = rt->acq_channel[c];
        if (a == RET_NONE)
            continue;
        double v = lv && lv->n == rt->n ? lv->clv[c] : NAN;
        size_t units[2] = { a, SIZE_MAX };
        uint32_t acct = ds->h_account[rt->acq_head[c]];
        if (acct != DS_NONE) {
            struct key_ix k = { (uint64_t)acct << 8 | a, 0 };
            const struct key_ix *hit = bsearch(&k, ix, na, sizeof *ix, key_cmp);
            units[1] = hit ? hit->unit : SIZE_MAX;
        }
        int eligible = rt->obs_end - rt->acq_day[c] >= ret_window_days[1];
        int retained = eligible && rt->next_gap[c] >= 1 && rt->next_gap[c] <= ret_window_days[1];
        for (int t = 0; t < 2; t++) {
            if (units[t] == SIZE_MAX)
                continue;
            struct obj_unit *x = &u[units[t]];
            if (t == 1) {
                x->won++;
                x->eligible += (uint32_t)eligible;
                x->retained += (uint32_t)retained;
            }
            if (isfinite(v)) {
                x->n_clv++;
                s1[units[t]] += v;
            }
        }
    }
    for (size_t i = 0; i < nu; i++)
        if (u[i].n_clv)
            u[i].clv_mean = s1[i] / u[i].n_clv;
    /* The standard deviations, a second pass about the means. */
    for (uint32_t c = 0; c < rt->n; c++) {
        uint8_t a = rt->acq_channel[c];
        double v = lv && lv->n == rt->n ? lv->clv[c] : NAN;
        if (a == RET_NONE || !isfinite(v))
            continue;
        s2[a] += (v - u[a].clv_mean) * (v - u[a].clv_mean);
        uint32_t acct = ds->h_account[rt->acq_head[c]];
        if (acct == DS_NONE)
            continue;
        struct key_ix k = { (uint64_t)acct << 8 | a, 0 };
        const struct key_ix *hit = bsearch(&k, ix, na, sizeof *ix, key_cmp);
        if (hit)
            s2[hit->unit] += (v - u[hit->unit].clv_mean) * (v - u[hit->unit].clv_mean);
    }
    for (size_t i = 0; i < nu; i++)
        u[i].clv_sd = u[i].n_clv >= 2 ? sqrt(s2[i] / (u[i].n_clv - 1)) : NAN;
    int rc = obj_targets(u, nu, o, out, e);
    free(u);
    free(ix);
    free(gain);
    free(s1);
    free(s2);
    return rc;
}
