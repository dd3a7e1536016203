/*
 * recommend — see recommend.h; docs/recommendations.md has each kind's
 * null hypothesis, test, correction and thresholds, and the functions here
 * are named there.
 *
 * One function per kind, each reading the results of the earlier stages
 * (segment x channel cells, the within-customer channel pairs of the
 * economics, the per-customer acquisition and first-year values of the
 * retention) plus two passes of its own: one over the orders (each order's
 * net, for small orders, seasons and partner shares) and one over the
 * lines (unit prices and discounts by product and channel). Sums that
 * feed a test are integers or are added in a fixed order, so the results
 * are the same for any thread count. Impacts are annualised with
 * A = 365 / days of the analysed period.
 */
#include "engine/recommend.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inference.h"
#include "engine/stats.h"

static const char *const kind_names[REC_NKINDS] = {
    "channel_fit", "volume_shift", "objective", "policy", "product", "program", "price"
};

static const char *const action_names[RA_NACTIONS] = {
    "fit", "fit_untestable", "fit_no_difference", "shift", "retention", "cac", "returns", "discount_limit",
    "min_order", "cross_sell", "upsell", "seasonal", "partner", "price_low", "price_high", "price_level_low",
    "price_level_high", "discount_leakage", "acquisition_trim", "acquisition_grow"
};

static const char *const test_names[RT_NTESTS] = {
    "none", "paired t", "Welch t", "two-proportion z", "one-sided t", "ratio z", "binomial", "Mann-Whitney",
    "stratified permutation", "rate ratio z", "one-sample t"
};

static const char *const confidence_names[3] = { "low", "medium", "high" };

const char *rec_kind_name(int kind)
{
    return kind >= 0 && kind < REC_NKINDS ? kind_names[kind] : "";
}

const char *rec_action_name(int action)
{
    return action >= 0 && action < RA_NACTIONS ? action_names[action] : "";
}

const char *rec_test_name(int test)
{
    return test >= 0 && test < RT_NTESTS ? test_names[test] : "";
}

const char *rec_confidence_name(int confidence)
{
    return confidence >= 0 && confidence <= RC_HIGH ? confidence_names[confidence] : "";
}

void rec_defaults(struct rec_options *o)
{
    o->min_customers = 30;
    o->alpha = 0.01;
    o->min_effect = 0.15;
    o->min_cos_gap = 0.02;
    o->shift_share = 0.20;
    o->price_threshold = 0.10;
    o->min_lines = 20;
    o->discount_gap = 0.02;
    o->retention_gap = 0.05;
    o->peak_index = 1.5;
    o->promo_uplift = 0.05;
    o->partner_share = 0.25;
    o->robust_z = 3.5;
    o->min_lift = 1.5;
}

void rec_free(struct recommendations *r)
{
    free(r->r);
    free(r->season);
    free(r->price);
    memset(r, 0, sizeof *r);
}

/* What every kind reads. */
struct ctx {
    const struct dataset *ds;
    const struct features *f;
    const struct segmentation *s;
    const struct economics *ec;
    const struct retention *rt;
    const struct basket *bk;
    const struct ltv *lv;
    const struct rec_options *o;
    struct recommendations *out;
    double A;                /* 365 / days */
    int k;                   /* segments */
    uint32_t nch;            /* channels */
    int64_t *hnet;           /* net of each order in the period, ten-thousandths (0 outside) */
};

static struct rec *add(struct recommendations *out, int kind, int action, int segment, int channel)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 64;
        struct rec *r = realloc(out->r, cap * sizeof *r);
        if (r == NULL)
            return NULL;
        out->r = r;
        out->cap = cap;
    }
    struct rec *x = &out->r[out->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->action = action;
    x->segment = segment;
    x->channel = channel;
    x->target_channel = x->compared[0] = x->compared[1] = -1;
    x->product = x->product_a = DS_NONE;
    x->stat = x->p = x->p_adj = NAN;
    x->subject = x->reference = x->amount = x->extra = NAN;
    x->subject_lo = x->subject_hi = NAN;
    x->cos_from = x->cos_to = NAN;
    x->impact = x->impact_lo = x->impact_hi = NAN;
    x->confidence = RC_LOW;
    return x;
}

static void set_test(struct rec *r, int test, int adjust, size_t family, double stat, double p, double adj,
                     double alpha)
{
    r->test = test;
    r->adjust = adjust;
    r->family = family;
    r->stat = stat;
    r->p = p;
    r->p_adj = adj;
    r->confidence = adj < alpha / 10 ? RC_HIGH : adj < alpha ? RC_MEDIUM : RC_LOW;
}

static const struct eco_cell *cell(const struct ctx *c, int seg, uint32_t ch)
{
    return &c->ec->cells[(size_t)seg * c->nch + ch];
}

static const struct cm_channel *model_of(const struct ctx *c, uint32_t ch)
{
    return &c->ec->model.ch[c->ec->ch[ch].cm];
}

static int modelled(const struct ctx *c, uint32_t ch)
{
    return model_of(c, ch)->in_model;
}

/* Cost of sales of a group: channel cost / net; NaN unless net > 0. */
static double cos_of(const struct eco_totals *t)
{
    return t->net > 0 ? t->channel_cost / t->net : NAN;
}

static double rel_gap(double x, double y)
{
    double scale = fmax(fabs(x), fabs(y));
    return scale > 0 ? fabs(x - y) / scale : 0;
}

/* ---------------------------------------------------------------------- */
/* Channel fit and volume shifts: fit_and_shift().                         */

/* One comparison of two channels a < b for a segment. */
struct cmp {
    int seg, a, b;
    int paired;              /* within the same customers (eco_pair), else between customers (cells) */
    double va, vb;           /* contribution per order (paired) or per customer in a and in b */
    double na, nb;           /* customers compared (paired: na = nb = customers in both) */
    double stat, p, adj;
    double se;               /* standard error of va - vb */
};

static void compare(const struct ctx *c, int g, uint32_t a, uint32_t b, struct cmp *x)
{
    const struct rec_options *o = c->o;
    memset(x, 0, sizeof *x);
    x->seg = g;
    x->a = (int)a;
    x->b = (int)b;
    x->p = x->adj = x->stat = x->se = NAN;
    const struct eco_pair *pr = c->ec->pairs ? &c->ec->pairs[((size_t)g * c->nch + a) * c->nch + b] : NULL;
    if (pr && pr->customers >= (uint64_t)o->min_customers) {
        double n = (double)pr->customers, mean;
        x->paired = 1;
        x->na = x->nb = n;
        x->va = pr->sum_a / n;
        x->vb = pr->sum_b / n;
        x->p = inf_paired_p(n, pr->sum_d, pr->sum_d2, &x->stat, &mean, &x->se);
        return;
    }
    const struct eco_cell *ca = cell(c, g, a), *cb = cell(c, g, b);
    x->va = ca->cpc;
    x->vb = cb->cpc;
    x->na = (double)ca->t.customers;
    x->nb = (double)cb->t.customers;
    x->p = inf_welch_p(ca->cpc, ca->cpc_sd, x->na, cb->cpc, cb->cpc_sd, x->nb, &x->stat, NULL);
    if (x->na >= 2 && x->nb >= 2)
        x->se = sqrt(ca->cpc_sd * ca->cpc_sd / x->na + cb->cpc_sd * cb->cpc_sd / x->nb);
}

/* x favours channel w (a or b) beyond the level and the minimum effect. */
static int beats(const struct cmp *x, int w, const struct rec_options *o)
{
    double vw = w == x->a ? x->va : x->vb, vl = w == x->a ? x->vb : x->va;
    return x->adj < o->alpha && vw > vl && rel_gap(vw, vl) >= o->min_effect;
}

/* The comparisons of fit_and_shift, and where each pair is among them. */
struct cmps {
    struct cmp *v;
    size_t n;
    int32_t *at;             /* (g * nch + a) * nch + b -> index in v, -1 when not compared */
    uint32_t nch;
};

static struct cmp *find_cmp(const struct cmps *cs, int g, int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    int32_t i = cs->at[((size_t)g * cs->nch + (uint32_t)lo) * cs->nch + (uint32_t)hi];
    return i >= 0 ? &cs->v[i] : NULL;
}

static int fit_and_shift(struct ctx *c, struct cx_err *e)
{
    const struct rec_options *o = c->o;
    uint32_t nch = c->nch;
    int k = c->k;
    /* The candidates of each segment: enough customers, a known cost. */
    size_t maxc = (size_t)k * nch * (nch > 0 ? nch - 1 : 0) / 2 + 1;
    struct cmp *v = calloc(maxc, sizeof *v);
    double *p = calloc(maxc, sizeof *p), *adj = calloc(maxc, sizeof *adj);
    uint8_t *cand = calloc((size_t)k * nch + 1, 1);
    struct cmps cs = { v, 0, malloc(((size_t)k * nch * nch + 1) * sizeof *cs.at), nch };
    int rc = CX_OK;
    if (!v || !p || !adj || !cand || !cs.at) {
        rc = cx_nomem(e, "recommendations");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < (size_t)k * nch * nch; i++)
        cs.at[i] = -1;
    for (int g = 0; g < k; g++)
        for (uint32_t a = 0; a < nch; a++) {
            const struct eco_cell *x = cell(c, g, a);
            cand[(size_t)g * nch + a] = x->t.customers >= (uint64_t)o->min_customers && modelled(c, a) &&
                                        isfinite(x->cpc);
        }
    for (int g = 0; g < k; g++)
        for (uint32_t a = 0; a < nch; a++)
            for (uint32_t b = a + 1; b < nch; b++)
                if (cand[(size_t)g * nch + a] && cand[(size_t)g * nch + b]) {
                    compare(c, g, a, b, &v[n]);
                    p[n] = v[n].p;
                    cs.at[((size_t)g * nch + a) * nch + b] = (int32_t)n;
                    n++;
                }
    cs.n = n;
    /* Every pair of every segment is one family: choosing the best and the
       worst of several channels after looking is covered by it. */
    if ((rc = inf_holm_large(p, n, adj, e)) != CX_OK)
        goto done;
    for (size_t i = 0; i < n; i++)
        v[i].adj = adj[i];

    for (int g = 0; g < k && rc == CX_OK; g++) {
        int best = -1, ncand = 0, enough = 0, unknown = 0;
        for (uint32_t a = 0; a < nch; a++) {
            const struct eco_cell *x = cell(c, g, a);
            if (x->t.customers >= (uint64_t)o->min_customers) {
                enough++;
                unknown += !modelled(c, a);
            }
            if (!cand[(size_t)g * nch + a])
                continue;
            ncand++;
            if (best < 0 || x->cpc > cell(c, g, (uint32_t)best)->cpc)
                best = (int)a;
        }
        if (ncand < 2) {
            struct rec *r = add(c->out, REC_CHANNEL_FIT, RA_FIT_UNTESTABLE, g, -1);
            if (r == NULL) {
                rc = cx_nomem(e, "recommendations");
                break;
            }
            r->amount = enough;
            r->extra = unknown;
            continue;
        }
        /* The best names itself only when it beats every other candidate;
           the evidence is its closest comparison (the largest p). */
        int all = 1;
        struct cmp *closest = NULL;
        for (uint32_t b = 0; b < nch; b++) {
            if ((int)b == best || !cand[(size_t)g * nch + b])
                continue;
            struct cmp *x = find_cmp(&cs, g, best, (int)b);
            if (!beats(x, best, o))
                all = 0;
            if (closest == NULL || !(x->adj <= closest->adj))
                closest = x;
        }
        /* The evidence is the comparison that decides: the weakest of the
           best channel's (which still passes, or is the one that fails). */
        struct cmp *ev = closest;
        int rival = ev->a == best ? ev->b : ev->a;
        struct rec *r = add(c->out, REC_CHANNEL_FIT, all ? RA_FIT : RA_FIT_NO_DIFFERENCE, g, best);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            break;
        }
        if (!all)
            r->channel = -1;   /* names no channel: the two compared are in `compared` */
        r->compared[0] = best;
        r->compared[1] = rival;
        r->target_channel = all ? rival : -1;
        r->paired = ev->paired;
        r->subject = ev->a == best ? ev->va : ev->vb;
        r->reference = ev->a == best ? ev->vb : ev->va;
        r->amount = ev->a == best ? ev->na : ev->nb;
        r->extra = ev->a == best ? ev->nb : ev->na;
        /* The statistic is oriented as the sentence reads: positive when the
           best channel is ahead. */
        set_test(r, ev->paired ? RT_PAIRED_T : RT_WELCH, RJ_HOLM, n, ev->a == best ? ev->stat : -ev->stat, ev->p,
                 ev->adj, o->alpha);
        if (!all)
            r->confidence = RC_LOW;
        else if (!ev->paired && r->confidence == RC_HIGH)
            r->confidence = RC_MEDIUM;   /* between different customers: who they are may explain it */
    }

    /* Shifts: within the same customers only (they are seen buying in
       both), toward the channel that wins the comparison, with a material
       cost-of-sales gap; per segment and source channel, the best target. */
    for (int g = 0; g < k && rc == CX_OK; g++)
        for (uint32_t from = 0; from < nch && rc == CX_OK; from++) {
            struct rec best;
            best.impact = 0;
            int have = 0;
            for (uint32_t to = 0; to < nch; to++) {
                if (to == from)
                    continue;
                struct cmp *x = find_cmp(&cs, g, (int)from, (int)to);
                if (x == NULL || !x->paired || !beats(x, (int)to, o))
                    continue;
                const struct eco_cell *cf = cell(c, g, from), *ct = cell(c, g, to);
                double cf_cos = cos_of(&cf->t), ct_cos = cos_of(&ct->t);
                if (!(cf_cos - ct_cos >= o->min_cos_gap))
                    continue;
                const struct eco_pair *pr = &c->ec->pairs[((size_t)g * nch + (uint32_t)x->a) * nch + (uint32_t)x->b];
                double orders = (int)from == x->a ? pr->orders_a : pr->orders_b;
                double net = (int)from == x->a ? pr->net_a : pr->net_b;
                double vt = (int)to == x->a ? x->va : x->vb, vf = (int)to == x->a ? x->vb : x->va;
                double d = vt - vf;
                double cap = o->shift_share * net * c->A;   /* a gain within the revenue moved */
                double imp = fmin(o->shift_share * orders * d * c->A, cap);
                if (!(imp > best.impact))
                    continue;
                have = 1;
                memset(&best, 0, sizeof best);
                best.target_channel = (int)to;
                best.paired = 1;
                best.subject = vt;
                best.reference = vf;
                best.amount = x->na;
                best.extra = cf_cos - ct_cos;
                best.cos_from = cf_cos;
                best.cos_to = ct_cos;
                best.impact = imp;
                best.impact_lo = fmin(fmax(o->shift_share * orders * (d - 1.96 * x->se) * c->A, 0), cap);
                best.impact_hi = fmin(o->shift_share * orders * (d + 1.96 * x->se) * c->A, cap);
                best.stat = (int)to == x->a ? x->stat : -x->stat;
                best.p = x->p;
                best.p_adj = x->adj;
            }
            if (!have)
                continue;
            struct rec *r = add(c->out, REC_VOLUME_SHIFT, RA_SHIFT, g, (int)from);
            if (r == NULL) {
                rc = cx_nomem(e, "recommendations");
                break;
            }
            r->target_channel = best.target_channel;
            r->paired = 1;
            r->subject = best.subject;
            r->reference = best.reference;
            r->amount = best.amount;
            r->extra = best.extra;
            r->cos_from = best.cos_from;
            r->cos_to = best.cos_to;
            r->impact = best.impact;
            r->impact_lo = best.impact_lo;
            r->impact_hi = best.impact_hi;
            set_test(r, RT_PAIRED_T, RJ_HOLM, n, best.stat, best.p, best.p_adj, o->alpha);
        }
done:
    free(v);
    free(p);
    free(adj);
    free(cand);
    free(cs.at);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Objectives: retention and acquisition, objectives().                    */

/* First-year value of the customers of one group (an acquisition channel,
   or a segment x acquisition channel) observed a full year, split by
   whether they were retained within 180 days. */
struct fy {
    double n, sum, sum2;     /* all of them: count, sum, sum of squares of first-year value */
    double nr, sumr;         /* those retained within 180 days */
    double nn, sumn;         /* those not */
};

static void fy_groups(const struct ctx *c, struct fy *ch, struct fy *segch)
{
    const struct retention *rt = c->rt;
    for (uint32_t cu = 0; cu < rt->n; cu++) {
        uint8_t a = rt->acq_channel[cu];
        if (a == RET_NONE || rt->obs_end - rt->acq_day[cu] < RET_YEAR_DAYS - 1)
            continue;
        double v = rt->fy_value[cu];
        int ret = rt->next_gap[cu] >= 1 && rt->next_gap[cu] <= ret_window_days[1];
        int g = c->s->segment[cu];
        for (int t = 0; t < 2; t++) {
            if (t == 1 && g < 0)
                break;
            struct fy *x = t == 0 ? &ch[a] : &segch[(size_t)g * c->nch + a];
            x->n += 1;
            x->sum += v;
            x->sum2 += v * v;
            if (ret) {
                x->nr += 1;
                x->sumr += v;
            } else {
                x->nn += 1;
                x->sumn += v;
            }
        }
    }
}

/* The first-year value a retained customer adds over one who is not, per
   customer won; NaN with fewer than 10 of either. */
static double retained_gain(const struct fy *x)
{
    if (x->nr < 10 || x->nn < 10)
        return NAN;
    return x->sumr / x->nr - x->sumn / x->nn;
}

/* Retention objectives among the groups g[0..n) (their 180-day figures):
   every pair compared, Holm over the pairs of all the calls that share
   the family (p and adj hold them). */
struct rgroup {
    int seg;                 /* -1 for the channel level */
    uint32_t ch;
    double eligible, retained;
    const struct fy *fy;
    double acquired;         /* customers won in the period */
};

static int retention_objectives(struct ctx *c, const struct rgroup *g, size_t ng, struct cx_err *e)
{
    const struct rec_options *o = c->o;
    size_t maxp = ng * (ng > 0 ? ng - 1 : 0) / 2 + 1;
    double *p = calloc(maxp, sizeof *p), *adj = calloc(maxp, sizeof *adj), *z = calloc(maxp, sizeof *z);
    size_t *ia = calloc(maxp, sizeof *ia), *ib = calloc(maxp, sizeof *ib);
    int rc = CX_OK;
    if (!p || !adj || !z || !ia || !ib) {
        rc = cx_nomem(e, "recommendations");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < ng; i++)
        for (size_t j = i + 1; j < ng; j++) {
            if (g[i].seg != g[j].seg)
                continue;
            p[n] = inf_two_prop_p(g[i].retained, g[i].eligible, g[j].retained, g[j].eligible, &z[n]);
            ia[n] = i;
            ib[n] = j;
            n++;
        }
    inf_holm(p, n, adj);
    for (size_t i = 0; i < ng; i++) {
        /* The target: the group of the same segment with the highest rate. */
        size_t best = i;
        for (size_t j = 0; j < ng; j++)
            if (g[j].seg == g[i].seg && g[j].retained / g[j].eligible > g[best].retained / g[best].eligible)
                best = j;
        if (best == i)
            continue;
        double ri = g[i].retained / g[i].eligible, rb = g[best].retained / g[best].eligible;
        size_t t = 0;
        while (t < n && !((ia[t] == i && ib[t] == best) || (ia[t] == best && ib[t] == i)))
            t++;
        if (t == n || !(adj[t] < o->alpha) || rb - ri < o->retention_gap)
            continue;
        /* Worth: the extra retained customers a year x what a retained
           customer adds in its first year; none when that is not positive. */
        double gain = modelled(c, g[i].ch) ? retained_gain(g[i].fy) : NAN;
        if (isfinite(gain) && !(gain > 0))
            continue;
        struct rec *r = add(c->out, REC_OBJECTIVE, RA_RETENTION, g[i].seg, (int)g[i].ch);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            break;
        }
        r->target_channel = (int)g[best].ch;
        r->subject = ri;
        r->reference = rb;
        r->amount = g[i].eligible;
        r->extra = g[best].eligible;
        r->impact = (rb - ri) * g[i].acquired * c->A * gain;
        set_test(r, RT_TWO_PROP, RJ_HOLM, n, ia[t] == i ? z[t] : -z[t], p[t], adj[t], o->alpha);
    }
done:
    free(p);
    free(adj);
    free(z);
    free(ia);
    free(ib);
    return rc;
}

static int objectives(struct ctx *c, struct cx_err *e)
{
    const struct rec_options *o = c->o;
    const struct retention *rt = c->rt;
    uint32_t nch = c->nch;
    int k = c->k;
    const int w = 1;   /* the 180-day window */
    struct fy *fch = calloc(nch + 1, sizeof *fch), *fsc = calloc((size_t)k * nch + 1, sizeof *fsc);
    struct rgroup *g = calloc((size_t)(k + 1) * nch + 1, sizeof *g);
    int rc = CX_OK;
    if (!fch || !fsc || !g) {
        rc = cx_nomem(e, "recommendations");
        goto done;
    }
    fy_groups(c, fch, fsc);
    size_t ng = 0;
    for (uint32_t a = 0; a < nch; a++) {
        const struct ret_group *x = &rt->by_ch[a];
        if (x->eligible[w] >= (uint32_t)o->min_customers)
            g[ng++] = (struct rgroup){ -1, a, x->eligible[w], x->retained[w], &fch[a], x->acquired };
    }
    if ((rc = retention_objectives(c, g, ng, e)) != CX_OK)
        goto done;
    ng = 0;
    for (int s = 0; s < rt->nseg && s < k; s++)
        for (uint32_t a = 0; a < nch; a++) {
            const struct ret_group *x = &rt->by_seg_ch[(size_t)s * nch + a];
            if (x->eligible[w] >= (uint32_t)o->min_customers)
                g[ng++] = (struct rgroup){ s, a, x->eligible[w], x->retained[w], &fsc[(size_t)s * nch + a],
                                           x->acquired };
        }
    if ((rc = retention_objectives(c, g, ng, e)) != CX_OK)
        goto done;

    /* Acquisition: H0 the mean first-year contribution of the channel's
       customers is at least its CAC; one-sided t, Holm over the channels
       with a known spend. */
    struct eco_acq acq[DS_MAX_CHANNELS + 1];
    eco_acquisition(c->ec, rt, acq);
    double p[DS_MAX_CHANNELS + 1], adj[DS_MAX_CHANNELS + 1], t[DS_MAX_CHANNELS + 1];
    size_t m = 0;
    for (uint32_t a = 0; a < nch; a++) {
        p[a] = t[a] = NAN;
        const struct fy *x = &fch[a];
        if (!modelled(c, a) || !isfinite(acq[a].cac) || x->n < o->min_customers)
            continue;
        double mean = x->sum / x->n, var = (x->sum2 - x->n * mean * mean) / (x->n - 1);
        if (!(var > 0))
            continue;
        t[a] = (mean - acq[a].cac) / sqrt(var / x->n);
        p[a] = gsl_cdf_tdist_P(t[a], x->n - 1);
        m++;
    }
    inf_holm(p, nch, adj);
    for (uint32_t a = 0; a < nch; a++) {
        if (!(adj[a] < o->alpha))
            continue;
        const struct fy *x = &fch[a];
        double mean = x->sum / x->n, se = sqrt((x->sum2 - x->n * mean * mean) / (x->n - 1) / x->n);
        double per_year = rt->by_ch[a].acquired * c->A, cap = acq[a].spend * c->A;
        double imp = fmin((acq[a].cac - mean) * per_year, cap);
        if (!(imp > 0))
            continue;
        struct rec *r = add(c->out, REC_OBJECTIVE, RA_CAC, -1, (int)a);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            goto done;
        }
        r->subject = acq[a].cac;
        r->reference = mean;
        r->amount = x->n;
        r->extra = acq[a].spend;
        r->impact = imp;
        r->impact_lo = fmin(fmax((acq[a].cac - mean - 1.96 * se) * per_year, 0), cap);
        r->impact_hi = fmin((acq[a].cac - mean + 1.96 * se) * per_year, cap);
        set_test(r, RT_ONE_SIDED_T, RJ_HOLM, m, t[a], p[a], adj[a], o->alpha);
    }
done:
    free(fch);
    free(fsc);
    free(g);
    return rc;
}

/* Acquisition spend against lifetime value: acquisition(). H0: the mean
   CLV of the customers won through channel c equals its CAC; two-sided
   one-sample t over those customers (n - 1 degrees of freedom), its
   standard error the customers' (sd / sqrt n) and the models' estimates'
   (clv_model_se) in quadrature, Holm over
   the channels with a known cost, a known spend and min_customers
   customers with a CLV. A claim needs the corrected test to pass and the
   whole 95% interval of LTV:CAC on one side of 1: trim below (unless the
   first-year CAC objective already asks to cut that channel's
   acquisition: one saving is not counted twice), grow above. Trim's
   impact: (CAC - mean CLV) x customers won a year, at most the yearly
   spend, its interval from the CLV's; grow's is stated without money
   (what more spend would win is not known). */
static int acquisition(struct ctx *c, struct cx_err *e)
{
    const struct ltv *lv = c->lv;
    const struct rec_options *o = c->o;
    if (lv == NULL || lv->nch != c->nch)
        return CX_OK;
    double p[DS_MAX_CHANNELS + 1], adj[DS_MAX_CHANNELS + 1], t[DS_MAX_CHANNELS + 1];
    size_t m = 0;
    for (uint32_t a = 0; a < c->nch; a++) {
        const struct ltv_channel *x = &lv->ch[a];
        p[a] = t[a] = NAN;
        if (!modelled(c, a) || !(isfinite(x->cac) && x->cac > 0) || x->n_value < (uint32_t)o->min_customers ||
            !isfinite(x->clv_sd) || !isfinite(x->clv_model_se) || !isfinite(x->ltv_cac_lo) ||
            !isfinite(x->ltv_cac_hi))
            continue;
        double se = sqrt(x->clv_sd * x->clv_sd / x->n_value + x->clv_model_se * x->clv_model_se);
        if (!(se > 0))
            continue;
        t[a] = (x->clv_mean - x->cac) / se;
        p[a] = 2 * gsl_cdf_tdist_Q(fabs(t[a]), (double)x->n_value - 1);
        m++;
    }
    inf_holm(p, c->nch, adj);
    for (uint32_t a = 0; a < c->nch; a++) {
        const struct ltv_channel *x = &lv->ch[a];
        if (!(adj[a] < o->alpha))
            continue;
        int trim = x->ltv_cac_hi < 1 && t[a] < 0, grow = x->ltv_cac_lo > 1 && t[a] > 0;
        if (!trim && !grow)
            continue;
        double imp = NAN, lo = NAN, hi = NAN;
        if (trim) {
            int cut = 0;
            for (size_t i = 0; i < c->out->n; i++)
                cut |= c->out->r[i].action == RA_CAC && c->out->r[i].channel == (int)a;
            double per_year = c->rt->by_ch[a].acquired * c->A, cap = x->spend * c->A;
            imp = fmin((x->cac - x->clv_mean) * per_year, cap);
            if (cut || !(imp > 0))
                continue;
            lo = fmin(fmax((x->cac - x->clv_hi) * per_year, 0), cap);
            hi = fmin((x->cac - x->clv_lo) * per_year, cap);
        }
        struct rec *r = add(c->out, REC_OBJECTIVE, trim ? RA_ACQ_TRIM : RA_ACQ_GROW, -1, (int)a);
        if (r == NULL)
            return cx_nomem(e, "recommendations");
        r->subject = x->ltv_cac;
        r->subject_lo = x->ltv_cac_lo;
        r->subject_hi = x->ltv_cac_hi;
        r->reference = x->cac;
        r->amount = x->n_value;
        r->extra = x->clv_mean;
        r->impact = imp;
        r->impact_lo = lo;
        r->impact_hi = hi;
        set_test(r, RT_T_MEAN, RJ_HOLM, m, t[a], p[a], adj[a], o->alpha);
    }
    return CX_OK;
}

/* ---------------------------------------------------------------------- */
/* Policies: returns, discounts and minimum orders, policies().            */

/* z test of the ratio r/s of a group against the ratio of the others, with
   the variance of each ratio from its orders (delta method): sums of s,
   r, s^2, r^2 and s r over the orders. Two-sided p. */
static double ratio_p(const struct eco_totals *x, const struct eco_totals *all, double *stat)
{
    double s1 = x->units, r1 = x->units_returned;
    double s2 = all->units - s1, r2 = all->units_returned - r1;
    double q1 = x->sold_sq, q2 = all->sold_sq - q1;
    double w1 = x->returned_sq, w2 = all->returned_sq - w1;
    double c1 = x->sold_returned, c2 = all->sold_returned - c1;
    *stat = NAN;
    if (!(s1 > 0 && s2 > 0))
        return NAN;
    double R1 = r1 / s1, R2 = r2 / s2;
    double v1 = (w1 - 2 * R1 * c1 + R1 * R1 * q1) / (s1 * s1);
    double v2 = (w2 - 2 * R2 * c2 + R2 * R2 * q2) / (s2 * s2);
    if (!(v1 + v2 > 0))
        return NAN;
    *stat = (R1 - R2) / sqrt(v1 + v2);
    return 2 * inf_normal_upper(fabs(*stat));
}

/* Sums of a segment's cells. */
static void segment_totals(const struct ctx *c, int g, struct eco_totals *t, double *return_cost)
{
    memset(t, 0, sizeof *t);
    *return_cost = 0;
    int known = 1;
    for (uint32_t ch = 0; ch < c->nch; ch++) {
        const struct eco_totals *x = &cell(c, g, ch)->t;
        t->units += x->units;
        t->units_returned += x->units_returned;
        t->sold_sq += x->sold_sq;
        t->returned_sq += x->returned_sq;
        t->sold_returned += x->sold_returned;
        t->net += x->net;
        t->orders += x->orders;
        t->order_cost += x->order_cost;
        *return_cost += x->return_cost;
        if (x->units_returned > 0 && !modelled(c, ch))
            known = 0;
    }
    if (!known)
        *return_cost = NAN;
}

/* Share of small orders (positive orders below a quarter of the median
   order value) per segment and channel, with their counts. */
struct small {
    double threshold;                     /* money */
    double seg_n[SEG_MAX_K], seg_x[SEG_MAX_K];
    double ch_n[DS_MAX_CHANNELS + 1], ch_x[DS_MAX_CHANNELS + 1];
};

static int small_orders(const struct ctx *c, struct small *so)
{
    const struct dataset *ds = c->ds;
    size_t nh = ds->n_heads, np = 0;
    memset(so, 0, sizeof *so);
    for (size_t h = 0; h < nh; h++)
        np += c->hnet[h] > 0;
    double *pos = malloc((np + 1) * sizeof *pos);
    if (pos == NULL)
        return -1;
    np = 0;
    for (size_t h = 0; h < nh; h++)
        if (c->hnet[h] > 0)
            pos[np++] = (double)c->hnet[h] / DS_MONEY_SCALE;
    so->threshold = np ? stats_quantile(pos, np, 0.5) / 4 : 0;
    free(pos);
    for (size_t h = 0; h < nh; h++) {
        if (!(c->hnet[h] > 0))
            continue;
        int small = (double)c->hnet[h] / DS_MONEY_SCALE < so->threshold;
        uint32_t cu = ds->h_customer[h], ch = ds->h_channel[h];
        so->ch_n[ch] += 1;
        so->ch_x[ch] += small;
        if (cu != DS_NONE && c->s->segment[cu] >= 0) {
            so->seg_n[c->s->segment[cu]] += 1;
            so->seg_x[c->s->segment[cu]] += small;
        }
    }
    return 0;
}

/* A policy candidate before the correction. */
struct pol {
    int action, seg, ch;
    double subject, reference, amount, extra;
    double stat, p;
    double impact, cap;      /* estimated impact (NaN when no cost is known) and its bound */
    int test;
};

static double total(const double *v, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; i++)
        t += v[i];
    return t;
}

static int policies(struct ctx *c, struct cx_err *e)
{
    const struct rec_options *o = c->o;
    const struct features *f = c->f;
    uint32_t nch = c->nch;
    int k = c->k;
    struct small so;
    if (small_orders(c, &so))
        return cx_nomem(e, "recommendations");
    size_t maxp = 3 * (size_t)k + 2 * (size_t)nch + 1;
    struct pol *v = calloc(maxp, sizeof *v);
    double *p = calloc(maxp, sizeof *p), *adj = calloc(maxp, sizeof *adj);
    int rc = CX_OK;
    if (!v || !p || !adj) {
        rc = cx_nomem(e, "recommendations");
        goto done;
    }
    size_t n = 0;
    const struct eco_totals *all = &c->ec->all;
    double segsmall_n = total(so.seg_n, (size_t)k), segsmall_x = total(so.seg_x, (size_t)k);
    /* Segments: returns (orders as clusters), discounts (customers as
       units), small orders (orders). Needs 2 segments or more. */
    for (int g = 0; k >= 2 && g < k; g++) {
        struct eco_totals t, segall;
        double rcost, dummy;
        segment_totals(c, g, &t, &rcost);
        memset(&segall, 0, sizeof segall);
        for (int h = 0; h < k; h++) {
            struct eco_totals u;
            segment_totals(c, h, &u, &dummy);
            segall.units += u.units;
            segall.units_returned += u.units_returned;
            segall.sold_sq += u.sold_sq;
            segall.returned_sq += u.returned_sq;
            segall.sold_returned += u.sold_returned;
        }
        struct pol *x = &v[n];
        memset(x, 0, sizeof *x);
        x->action = RA_RETURNS;
        x->seg = g;
        x->ch = -1;
        x->test = RT_RATIO_Z;
        x->subject = t.units > 0 ? t.units_returned / t.units : 0;
        x->reference = segall.units - t.units > 0 ? (segall.units_returned - t.units_returned) / (segall.units - t.units) : 0;
        x->amount = t.units;
        x->p = ratio_p(&t, &segall, &x->stat);
        double per_unit = t.units_returned > 0 ? rcost / t.units_returned : NAN;
        x->impact = (x->subject - x->reference) * t.units * per_unit * c->A;
        x->cap = rcost * c->A;
        n++;
        /* Discount rates of the segment's customers against the others'. */
        double n1 = 0, s1 = 0, q1 = 0, n2 = 0, s2 = 0, q2 = 0, gross = 0;
        for (uint32_t cu = 0; cu < f->n; cu++) {
            if (!f->present[cu] || c->s->segment[cu] < 0)
                continue;
            double d = f->v[F_DISCOUNT_RATE][cu];
            if (c->s->segment[cu] == g) {
                n1++;
                s1 += d;
                q1 += d * d;
            } else {
                n2++;
                s2 += d;
                q2 += d * d;
            }
        }
        for (uint32_t ch = 0; ch < nch; ch++)
            gross += cell(c, g, ch)->t.net;   /* net, then grossed up below */
        x = &v[n];
        memset(x, 0, sizeof *x);
        x->action = RA_DISCOUNT_LIMIT;
        x->seg = g;
        x->ch = -1;
        x->test = RT_WELCH;
        if (n1 >= 2 && n2 >= 2) {
            double m1 = s1 / n1, m2 = s2 / n2;
            double sd1 = sqrt(fmax(0, (q1 - n1 * m1 * m1) / (n1 - 1))), sd2 = sqrt(fmax(0, (q2 - n2 * m2 * m2) / (n2 - 1)));
            x->subject = m1;
            x->reference = m2;
            x->p = inf_welch_p(m1, sd1, n1, m2, sd2, n2, &x->stat, NULL);
            gross = m1 < 1 ? gross / (1 - m1) : gross;
            x->amount = gross;
            x->impact = (m1 - m2) * gross * c->A;
            x->cap = m1 * gross * c->A;   /* within the discounts given */
            n++;
        }
        /* Small orders. */
        x = &v[n];
        memset(x, 0, sizeof *x);
        x->action = RA_MIN_ORDER;
        x->seg = g;
        x->ch = -1;
        x->test = RT_TWO_PROP;
        double on = so.seg_n[g], ox = so.seg_x[g];
        x->subject = on > 0 ? ox / on : 0;
        x->reference = segsmall_n - on > 0 ? (segsmall_x - ox) / (segsmall_n - on) : 0;
        x->amount = on;
        x->extra = so.threshold;
        x->p = inf_two_prop_p(ox, on, segsmall_x - ox, segsmall_n - on, &x->stat);
        x->impact = (x->subject - x->reference) * t.order_cost * c->A;
        x->cap = t.order_cost * c->A;
        for (uint32_t ch = 0; ch < nch; ch++)
            if (cell(c, g, ch)->t.orders > 0 && !modelled(c, ch))
                x->impact = NAN;
        n++;
    }
    /* Channels: returns and small orders. Needs 2 channels or more. */
    double chsmall_n = total(so.ch_n, nch), chsmall_x = total(so.ch_x, nch);
    for (uint32_t ch = 0; nch >= 2 && ch < nch; ch++) {
        const struct eco_totals *t = &c->ec->ch[ch].t;
        const struct cm_channel *m = model_of(c, ch);
        struct pol *x = &v[n];
        memset(x, 0, sizeof *x);
        x->action = RA_RETURNS;
        x->seg = -1;
        x->ch = (int)ch;
        x->test = RT_RATIO_Z;
        x->subject = t->units > 0 ? t->units_returned / t->units : 0;
        x->reference = all->units - t->units > 0 ? (all->units_returned - t->units_returned) / (all->units - t->units) : 0;
        x->amount = t->units;
        x->p = ratio_p(t, all, &x->stat);
        x->impact = m->in_model ? (x->subject - x->reference) * t->units * m->cost_per_return * c->A : NAN;
        x->cap = t->return_cost * c->A;
        n++;
        x = &v[n];
        memset(x, 0, sizeof *x);
        x->action = RA_MIN_ORDER;
        x->seg = -1;
        x->ch = (int)ch;
        x->test = RT_TWO_PROP;
        double on = so.ch_n[ch], ox = so.ch_x[ch];
        x->subject = on > 0 ? ox / on : 0;
        x->reference = chsmall_n - on > 0 ? (chsmall_x - ox) / (chsmall_n - on) : 0;
        x->amount = on;
        x->extra = so.threshold;
        x->p = inf_two_prop_p(ox, on, chsmall_x - ox, chsmall_n - on, &x->stat);
        x->impact = m->in_model ? (x->subject - x->reference) * on * m->cost_per_order * c->A : NAN;
        x->cap = t->order_cost * c->A;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = v[i].p;
    inf_holm(p, n, adj);
    for (size_t i = 0; i < n && rc == CX_OK; i++) {
        struct pol *x = &v[i];
        /* Out of line in practice too: half as much again as the others,
           and an absolute margin of the measure's own scale. */
        double margin = x->action == RA_RETURNS ? 0.01 : x->action == RA_DISCOUNT_LIMIT ? o->discount_gap : 0.05;
        if (!(adj[i] < o->alpha) || !(x->subject >= 1.5 * x->reference) || !(x->subject - x->reference >= margin))
            continue;
        /* Returns and minimum orders are about what handling them costs:
           with no known cost they are worth nothing we can say. */
        double imp = isfinite(x->impact) ? fmin(x->impact, x->cap) : NAN;
        if (x->action != RA_DISCOUNT_LIMIT && !isfinite(imp))
            continue;
        if (!(imp > 0))
            continue;
        struct rec *r = add(c->out, REC_POLICY, x->action, x->seg, x->ch);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            break;
        }
        r->subject = x->subject;
        r->reference = x->reference;
        r->amount = x->amount;
        r->extra = x->extra;
        r->impact = imp;
        set_test(r, x->test, RJ_HOLM, n, x->stat, x->p, adj[i], o->alpha);
    }
done:
    free(v);
    free(p);
    free(adj);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Seasonal and partner programs, programs().                              */

/* The seasonal profiles of every segment (all channels and each one) into
   c->out->season, and the peak month of each segment's all-channel
   profile when its index reaches peak_index (-1 otherwise). */
static int season_profiles(struct ctx *c, int *peak, struct cx_err *e)
{
    const struct dataset *ds = c->ds;
    const struct features *f = c->f;
    int k = c->k;
    uint32_t nch = c->nch;
    size_t ng = (size_t)k * (nch + 1);
    double *net = calloc(ng * 12 + 1, sizeof *net);
    c->out->season = calloc(ng + 1, sizeof *c->out->season);
    if (net == NULL || c->out->season == NULL) {
        free(net);
        return cx_nomem(e, "seasonality");
    }
    /* Months observed in the period, per calendar month (partial months
       count), for the mean month. */
    double years[12] = { 0 };
    for (int32_t ym = ret_month(f->from); ym <= ret_month(f->to); ym++)
        years[ym % 12] += 1;
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i], cu = ds->h_customer[h];
        int32_t d = ds->h_day[h];
        if (d < f->from || d > f->to || cu == DS_NONE || c->s->segment[cu] < 0)
            continue;
        int m = ret_month(d) % 12;
        double x = dataset_net(ds, i);
        size_t g = (size_t)c->s->segment[cu] * (nch + 1);
        net[(g + ds->h_channel[h]) * 12 + (size_t)m] += x;
        net[(g + nch) * 12 + (size_t)m] += x;
    }
    for (int g = 0; g < k; g++) {
        peak[g] = -1;
        for (uint32_t ch = 0; ch <= nch; ch++) {
            struct rec_season *x = &c->out->season[c->out->nseason++];
            x->segment = g;
            x->channel = ch < nch ? (int)ch : -1;
            double mean = 0;
            for (int m = 0; m < 12; m++) {
                x->net[m] = years[m] > 0 ? net[((size_t)g * (nch + 1) + ch) * 12 + (size_t)m] / years[m] : 0;
                mean += x->net[m] / 12;
            }
            for (int m = 0; m < 12; m++)
                x->index[m] = mean > 0 ? x->net[m] / mean : 0;
            if (x->channel >= 0 || mean <= 0)
                continue;
            int pk = 0;
            for (int m = 1; m < 12; m++)
                if (x->index[m] > x->index[pk])
                    pk = m;
            if (x->index[pk] >= c->o->peak_index)
                peak[g] = pk;
        }
    }
    free(net);
    return CX_OK;
}

/* The test of a segment's peak month. H0: a customer's repeat orders
   (every positive order but the one that won it) fall at the same rate per
   day of the year in the peak month as in the other months, counting each
   customer's days from its acquisition to the end of observation (so that
   customers won late in the year, or lapsed early, make no season). The
   estimate is the rate ratio (orders a / exposure b in the peak month) /
   (c / d in the others), with customers as the independent units: the
   variance of log RR is the sum over customers of the square of
   a_i/A - b_i/B - c_i/C + d_i/D (delta method). One-sided z; the peak is
   the largest of 12 months, so p is multiplied by 12 (Bonferroni). */
struct season_test {
    double rr, z, p;         /* rate ratio, z of its log, p x 12 */
    double A, B, C, D;       /* repeat orders and customer-days in the peak month, and in the others */
};

static int season_tests(struct ctx *c, const int *peak, struct season_test *st, struct cx_err *e)
{
    const struct dataset *ds = c->ds;
    const struct retention *rt = c->rt;
    const struct features *f = c->f;
    int k = c->k;
    uint32_t n = rt->n;
    int32_t days = f->to - f->from + 1, end = rt->obs_end < f->to ? rt->obs_end : f->to;
    uint32_t *inpk = calloc((size_t)n + 1, sizeof *inpk), *other = calloc((size_t)n + 1, sizeof *other);
    int32_t *pre = malloc(((size_t)days + 1) * 12 * sizeof *pre);   /* [m * (days + 1) + i]: days of month m in [from, from + i) */
    if (!inpk || !other || !pre) {
        free(inpk);
        free(other);
        free(pre);
        return cx_nomem(e, "seasonality");
    }
    for (int m = 0; m < 12; m++)
        pre[(size_t)m * ((size_t)days + 1)] = 0;
    for (int32_t i = 0; i < days; i++) {
        int mi = ret_month(f->from + i) % 12;
        for (int m = 0; m < 12; m++)
            pre[(size_t)m * ((size_t)days + 1) + (size_t)i + 1] = pre[(size_t)m * ((size_t)days + 1) + (size_t)i] + (m == mi);
    }
    for (size_t h = 0; h < ds->n_heads; h++) {
        uint32_t cu = ds->h_customer[h];
        if (c->hnet[h] <= 0 || cu == DS_NONE || c->s->segment[cu] < 0 || peak[c->s->segment[cu]] < 0 ||
            rt->acq_head[cu] == h)
            continue;
        if (ret_month(ds->h_day[h]) % 12 == peak[c->s->segment[cu]])
            inpk[cu]++;
        else
            other[cu]++;
    }
    double *a = calloc((size_t)k * 4 + 1, sizeof *a);
    if (a == NULL) {
        free(inpk);
        free(other);
        free(pre);
        return cx_nomem(e, "seasonality");
    }
    /* Two passes over the customers: the totals, then the influence of
       each on log RR (it needs the totals). */
    for (int pass = 0; pass < 2; pass++) {
        double var[SEG_MAX_K] = { 0 };
        for (uint32_t cu = 0; cu < n; cu++) {
            int g = c->s->segment[cu];
            if (g < 0 || peak[g] < 0 || rt->acq_channel[cu] == RET_NONE || rt->acq_day[cu] >= end)
                continue;
            /* Exposure: the days after acquisition up to the end observed. */
            size_t lo = (size_t)(rt->acq_day[cu] + 1 - f->from), hi = (size_t)(end + 1 - f->from);
            const int32_t *pm = pre + (size_t)peak[g] * ((size_t)days + 1);
            double b = pm[hi] - pm[lo], d = (double)(hi - lo) - b;
            double x[4] = { inpk[cu], b, other[cu], d };
            double *t = a + (size_t)g * 4;
            if (pass == 0) {
                for (int q = 0; q < 4; q++)
                    t[q] += x[q];
            } else if (t[0] > 0 && t[1] > 0 && t[2] > 0 && t[3] > 0) {
                double u = x[0] / t[0] - x[1] / t[1] - x[2] / t[2] + x[3] / t[3];
                var[g] += u * u;
            }
        }
        if (pass == 0)
            continue;
        for (int g = 0; g < k; g++) {
            const double *t = a + (size_t)g * 4;
            struct season_test *s = &st[g];
            s->rr = s->z = s->p = NAN;
            s->A = t[0];
            s->B = t[1];
            s->C = t[2];
            s->D = t[3];
            if (peak[g] < 0 || !(t[0] > 0 && t[1] > 0 && t[2] > 0 && t[3] > 0) || !(var[g] > 0))
                continue;
            s->rr = (t[0] / t[1]) / (t[2] / t[3]);
            s->z = log(s->rr) / sqrt(var[g]);
            s->p = fmin(1, 12 * inf_normal_upper(s->z));
        }
    }
    free(a);
    free(inpk);
    free(other);
    free(pre);
    return CX_OK;
}

static int programs(struct ctx *c, struct cx_err *e)
{
    const struct dataset *ds = c->ds;
    const struct rec_options *o = c->o;
    int k = c->k;
    uint32_t nch = c->nch;
    int peak[SEG_MAX_K];
    struct season_test st[SEG_MAX_K];
    int rc = season_profiles(c, peak, e);
    if (rc == CX_OK)
        rc = season_tests(c, peak, st, e);
    if (rc != CX_OK)
        return rc;
    double sp[SEG_MAX_K], sadj[SEG_MAX_K];
    size_t ntested = 0;
    for (int g = 0; g < k; g++) {
        sp[g] = st[g].p;
        ntested += !isnan(sp[g]);
    }
    inf_holm(sp, (size_t)k, sadj);
    for (int g = 0; g < k; g++) {
        if (peak[g] < 0 || !(sadj[g] < o->alpha))
            continue;
        int pk = peak[g];
        const struct rec_season *x = &c->out->season[(size_t)g * (nch + 1) + nch];
        /* The extra sales of a promotion add no fixed cost: the ratio is
           that of the contribution before fixed costs. */
        double segnet = 0, segcontrib = 0;
        int known = 1;
        for (uint32_t ch = 0; ch < nch; ch++) {
            const struct eco_totals *t = &cell(c, g, ch)->t;
            segnet += t->net;
            segcontrib += t->contribution + t->fixed_cost;
            if (t->net != 0 && !modelled(c, ch))
                known = 0;
        }
        double ratio = segnet > 0 && known ? segcontrib / segnet : NAN;
        double imp = o->promo_uplift * x->net[pk] * ratio;
        if (!(imp > 0))
            continue;   /* a promotion that loses money, or no known margin */
        struct rec *r = add(c->out, REC_PROGRAM, RA_SEASONAL, g, -1);
        if (r == NULL)
            return cx_nomem(e, "recommendations");
        r->month = pk + 1;
        r->subject = x->index[pk];
        r->reference = st[g].rr;
        r->amount = st[g].A;
        r->extra = st[g].A / st[g].rr;   /* repeat orders expected at the other months' rate */
        r->impact = imp;
        set_test(r, RT_RATE_RATIO, RJ_HOLM, ntested, st[g].z, st[g].p, sadj[g], o->alpha);
    }

    /* Partner programs: an indirect channel of the cost model whose share
       of the segment's net is above partner_share beyond noise (one-sided
       z, orders as clusters), Holm over the pairs tested. */
    size_t ng = (size_t)k * (nch + 1);
    double *sq = calloc(ng + 1, sizeof *sq);   /* sum of order net squared, per (segment, channel); [nch]: all */
    double *pp = calloc((size_t)k * nch + 1, sizeof *pp), *pz = calloc((size_t)k * nch + 1, sizeof *pz);
    double *padj = calloc((size_t)k * nch + 1, sizeof *padj);
    if (!sq || !pp || !pz || !padj) {
        rc = cx_nomem(e, "recommendations");
        goto done;
    }
    for (size_t h = 0; h < ds->n_heads; h++) {
        uint32_t cu = ds->h_customer[h];
        if (c->hnet[h] == 0 || cu == DS_NONE || c->s->segment[cu] < 0)
            continue;
        size_t g = (size_t)c->s->segment[cu];
        double x = (double)c->hnet[h] / DS_MONEY_SCALE;
        sq[g * (nch + 1) + ds->h_channel[h]] += x * x;
        sq[g * (nch + 1) + nch] += x * x;
    }
    size_t np = 0;
    for (int g = 0; g < k; g++)
        for (uint32_t ch = 0; ch < nch; ch++) {
            size_t i = (size_t)g * nch + ch;
            pp[i] = pz[i] = NAN;
            const struct cm_channel *m = model_of(c, ch);
            if (!m->in_model || m->kind != CM_INDIRECT)
                continue;
            double segnet = 0;
            for (uint32_t b = 0; b < nch; b++)
                segnet += cell(c, g, b)->t.net;
            double x = cell(c, g, ch)->t.net;
            if (!(segnet > 0) || cell(c, g, ch)->t.customers < (uint64_t)o->min_customers)
                continue;
            double R = x / segnet, qc = sq[(size_t)g * (nch + 1) + ch], qa = sq[(size_t)g * (nch + 1) + nch];
            double var = (qc * (1 - R) * (1 - R) + (qa - qc) * R * R) / (segnet * segnet);
            if (!(var > 0))
                continue;
            pz[i] = (R - o->partner_share) / sqrt(var);
            pp[i] = inf_normal_upper(pz[i]);
            np++;
        }
    inf_holm(pp, (size_t)k * nch, padj);
    for (int g = 0; g < k && rc == CX_OK; g++)
        for (uint32_t ch = 0; ch < nch; ch++) {
            size_t i = (size_t)g * nch + ch;
            if (!(padj[i] < o->alpha))
                continue;
            double segnet = 0;
            for (uint32_t b = 0; b < nch; b++)
                segnet += cell(c, g, b)->t.net;
            struct rec *r = add(c->out, REC_PROGRAM, RA_PARTNER, g, (int)ch);
            if (r == NULL) {
                rc = cx_nomem(e, "recommendations");
                break;
            }
            r->subject = cell(c, g, ch)->t.net / segnet;
            r->reference = o->partner_share;
            r->amount = cell(c, g, ch)->t.net * c->A;
            set_test(r, RT_RATIO_Z, RJ_HOLM, np, pz[i], pp[i], padj[i], o->alpha);
        }
done:
    free(sq);
    free(pp);
    free(pz);
    free(padj);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Prices and discount leakage, prices() and discounts().                  */

/* Unit prices before discount are compared exactly: each sold line's price,
   a float (4 bytes a line, 7 significant digits), is laid out product by
   product and channel by channel (a counting sort on the cell), and each
   cell is sorted; a product's channels are then merged in order, which
   gives the Mann–Whitney ranks with their ties and the medians of the
   channel and of the others as pandas would compute them. Memory is
   4 bytes a sold line plus the cells, products x channels, which are
   bounded: a catalogue wider than PRICE_MAX_CELLS is not compared (said in
   docs/recommendations.md). */
#define PRICE_MAX_CELLS (1u << 20)

/* Per (product, channel): sold lines, and sums for the discount test. */
struct pdisc {
    uint32_t lines;          /* sold lines with a positive gross */
    int64_t y, y2;           /* sums of the line's discount fraction (x 1e6) and its square (x 1e9) */
    int64_t gross, disc;     /* ten-thousandths */
    int64_t units;           /* ten-thousandths */
};

/* Sorts n positive floats, whose bits order as unsigned integers: an
   insertion sort when short, else four passes of a byte radix through tmp. */
static void sort_prices(uint32_t *a, size_t n, uint32_t *tmp)
{
    if (n < 64) {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1] > v; j--)
                a[j] = a[j - 1];
            a[j] = v;
        }
        return;
    }
    uint32_t *src = a, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[257] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift & 0xff) + 1]++;
        if (count[(src[0] >> shift & 0xff) + 1] == n)
            continue;   /* every key has this byte: the order stands */
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            dst[count[src[i] >> shift & 0xff]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

static inline float bits_float(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

/* Median of the sorted a[0..n): the middle, or the mean of the two. */
static double sorted_median(const uint32_t *a, size_t n)
{
    if (n == 0)
        return NAN;
    double lo = bits_float(a[(n - 1) / 2]), hi = bits_float(a[n / 2]);
    return (lo + hi) / 2;
}

static inline int line_unsure(const uint64_t *unsure, size_t i)
{
    return unsure && (unsure[i / 64] >> (i % 64) & 1);
}

/* Mann–Whitney U of a[0..na) against b[0..nb), both sorted, with
   midranks for ties; *p two-sided, by the normal approximation with the
   tie correction. */
static double mann_whitney(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, double *p)
{
    double below = 0, ra = 0, ties = 0, N = (double)na + (double)nb;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        uint32_t m = j >= nb || (i < na && a[i] <= b[j]) ? a[i] : b[j];
        size_t si = i, sj = j;
        while (i < na && a[i] == m)
            i++;
        while (j < nb && b[j] == m)
            j++;
        double ta = (double)(i - si), t = ta + (double)(j - sj);
        ra += ta * (below + (t + 1) / 2);
        ties += t * t * t - t;
        below += t;
    }
    double n1 = (double)na, n2 = (double)nb;
    double u = ra - n1 * (n1 + 1) / 2;
    double var = n1 * n2 / 12 * ((N + 1) - ties / (N * (N - 1)));
    double z = var > 0 ? (u - n1 * n2 / 2) / sqrt(var) : 0;
    *p = var > 0 ? 2 * inf_normal_upper(fabs(z)) : 1;
    return u;
}

/* Two channels of a product compared. */
struct ppair {
    size_t a, b;          /* their rows in out->price */
    double u, p;          /* U of a against b, two-sided p */
};

/* Each row: how many of its pairs pass, and which way; the nearest
   channel above it and below it (by median), and the nearest overall. */
struct pside {
    uint32_t pairs, below, above;   /* pairs; passing with it below, above */
    size_t up, down, near;          /* pair index of the nearest above, below, either; SIZE_MAX none */
    double worst_p, worst_adj;      /* the largest p and adjusted p of its pairs */
};

/* The median of the other row of pair q, seen from row me. */
static double price_of_other(const struct recommendations *out, const struct ppair *pair, size_t q, size_t me)
{
    return out->price[pair[q].a == me ? pair[q].b : pair[q].a].price;
}

static int prices(struct ctx *c, struct cx_err *e)
{
    const struct dataset *ds = c->ds;
    const struct features *f = c->f;
    const struct rec_options *o = c->o;
    struct recommendations *out = c->out;
    uint32_t np = dataset_count(ds, DS_PRODUCT), nch = c->nch;
    if (np == UINT32_MAX)
        return cx_nomem(e, "prices");
    size_t nc = (size_t)np * nch;
    if (nc > PRICE_MAX_CELLS)
        return CX_OK;   /* documented: catalogues this wide are not compared */
    struct pdisc *pd = calloc(nc + 1, sizeof *pd);
    uint32_t *fill = calloc(nc + 1, sizeof *fill), *val = NULL;
    size_t *off = malloc((nc + 1) * sizeof *off), widest = 0;
    uint64_t *unsure = NULL;
    double *pv = NULL, *adj = NULL;
    struct ppair *pair = NULL;
    size_t npair = 0, cpair = 0;
    struct pside *side = NULL;
    int rc = CX_OK;
    if (pd == NULL || fill == NULL || off == NULL) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    /* Lines whose revenue disagrees with their unit price have no price
       as invoiced: their discounts count, their prices are not compared. */
    if (ds->n_unsure) {
        if ((unsure = calloc(ds->n_lines / 64 + 1, sizeof *unsure)) == NULL) {
            rc = cx_nomem(e, "prices");
            goto done;
        }
        for (size_t k = 0; k < ds->n_unsure; k++)
            unsure[ds->unsure_line[k] / 64] |= UINT64_C(1) << (ds->unsure_line[k] % 64);
    }
    /* Pass 1: the sums per (product, channel), integers added atomically
       so that they do not depend on who added what. */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        float q = ds->l_qty[i];
        if (ds->h_day[h] < f->from || ds->h_day[h] > f->to || !(q > 0))
            continue;
        double net = dataset_net(ds, i), disc = dataset_disc(ds, i), gross = net + disc;
        if (!(gross > 0))
            continue;
        size_t cell = (size_t)dataset_product(ds, i) * nch + ds->h_channel[h];
        struct pdisc *y = &pd[cell];
        double fr = disc / gross;
        int64_t yq = llround(fr * 1e6), y2q = llround(fr * fr * 1e9);
        int64_t gq = llround(gross * DS_MONEY_SCALE), dq = llround(disc * DS_MONEY_SCALE);
        int64_t uq = llround((double)q * DS_MONEY_SCALE);
        #pragma omp atomic
        y->lines += 1;
        #pragma omp atomic
        y->y += yq;
        #pragma omp atomic
        y->y2 += y2q;
        #pragma omp atomic
        y->gross += gq;
        #pragma omp atomic
        y->disc += dq;
        #pragma omp atomic
        y->units += uq;
        if (!line_unsure(unsure, i)) {
            #pragma omp atomic
            fill[cell] += 1;
        }
    }
    off[0] = 0;
    for (size_t k = 0; k < nc; k++) {
        off[k + 1] = off[k] + fill[k];
        widest = fill[k] > widest ? fill[k] : widest;
        fill[k] = 0;
    }
    if ((val = malloc((off[nc] + 1) * sizeof *val)) == NULL) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    /* Pass 2: each price into its cell, in whatever order the threads
       come; sorted below, the cell does not depend on it. */
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        float q = ds->l_qty[i];
        if (ds->h_day[h] < f->from || ds->h_day[h] > f->to || !(q > 0) || line_unsure(unsure, i))
            continue;
        double gross = dataset_net(ds, i) + dataset_disc(ds, i);
        if (!(gross > 0))
            continue;
        size_t cell = (size_t)dataset_product(ds, i) * nch + ds->h_channel[h];
        float x = (float)(gross / q);
        uint32_t bits;
        memcpy(&bits, &x, sizeof bits);
        val[off[cell] + __atomic_fetch_add(&fill[cell], 1, __ATOMIC_RELAXED)] = bits;
    }
    int fail = 0;
    #pragma omp parallel reduction(|:fail)
    {
        uint32_t *tmp = malloc((widest + 1) * sizeof *tmp);
        fail = tmp == NULL;
        #pragma omp for schedule(dynamic, 64)
        for (size_t k = 0; k < nc; k++)
            if (tmp)
                sort_prices(val + off[k], off[k + 1] - off[k], tmp);
        free(tmp);
    }
    if (fail) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    free(fill);
    fill = NULL;
    out->price = calloc(nc + 1, sizeof *out->price);
    if (out->price == NULL) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    /* Per product: every pair of its channels with min_lines lines each,
       by Mann–Whitney on their lines merged in price order. A channel is
       out of line when it is below (or above) every other channel, each
       pair passing after Benjamini–Hochberg over all the pairs of all the
       products: the claim is about the cheapest of several channels, not
       about a pair picked by looking. Its gap is to the nearest of them.
       With two channels the one test is told from the lower side. */
    for (uint32_t p = 0; p < np && rc == CX_OK; p++) {
        const size_t *po = off + (size_t)p * nch;
        size_t first = out->nprice;
        for (uint32_t ch = 0; ch < nch; ch++) {
            size_t n1 = po[ch + 1] - po[ch];
            if (n1 == 0 || n1 < (size_t)o->min_lines)
                continue;
            struct rec_price *x = &out->price[out->nprice++];
            x->product = p;
            x->channel = ch;
            x->reference = UINT32_MAX;
            x->lines = n1;
            x->units = (double)pd[(size_t)p * nch + ch].units / DS_MONEY_SCALE;
            x->price = sorted_median(val + po[ch], n1);
        }
        size_t k = out->nprice - first;
        if (k < 2) {
            out->nprice = first;   /* nothing to compare it with */
            continue;
        }
        for (size_t a = first; a < out->nprice; a++)
            for (size_t b = a + 1; b < out->nprice; b++) {
                if (npair == cpair) {
                    size_t cap = cpair ? 2 * cpair : 256;
                    struct ppair *t = realloc(pair, cap * sizeof *pair);
                    if (t == NULL) {
                        rc = cx_nomem(e, "prices");
                        break;
                    }
                    pair = t;
                    cpair = cap;
                }
                struct ppair *y = &pair[npair++];
                const struct rec_price *xa = &out->price[a], *xb = &out->price[b];
                y->a = a;
                y->b = b;
                y->u = mann_whitney(val + po[xa->channel], xa->lines, val + po[xb->channel], xb->lines, &y->p);
            }
    }
    free(val);
    val = NULL;
    if (rc != CX_OK)
        goto done;
    pv = malloc((npair + 1) * sizeof *pv);
    adj = malloc((npair + 1) * sizeof *adj);
    if (pv == NULL || adj == NULL) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    for (size_t i = 0; i < npair; i++)
        pv[i] = pair[i].p;
    if ((rc = inf_bh(pv, npair, adj, e)) != CX_OK)
        goto done;
    /* Each row: how many of its pairs pass, and which way; the nearest
       channel above it and below it (by median), and the nearest overall. */
    side = malloc((out->nprice + 1) * sizeof *side);
    if (side == NULL) {
        rc = cx_nomem(e, "prices");
        goto done;
    }
    for (size_t i = 0; i < out->nprice; i++)
        side[i] = (struct pside){ 0, 0, 0, SIZE_MAX, SIZE_MAX, SIZE_MAX, 0, 0 };
    for (size_t q = 0; q < npair; q++)
        for (int s = 0; s < 2; s++) {
            size_t me = s ? pair[q].b : pair[q].a, them = s ? pair[q].a : pair[q].b;
            const struct rec_price *x = &out->price[me], *y = &out->price[them];
            struct pside *d = &side[me];
            d->pairs++;
            d->worst_p = fmax(d->worst_p, pair[q].p);
            d->worst_adj = fmax(d->worst_adj, adj[q]);
            if (adj[q] < o->alpha && x->price < y->price)
                d->below++;
            if (adj[q] < o->alpha && x->price > y->price)
                d->above++;
            size_t *slot = y->price >= x->price ? &d->up : &d->down;
            if (*slot == SIZE_MAX || fabs(y->price - x->price) < fabs(price_of_other(out, pair, *slot, me) - x->price))
                *slot = q;
            if (d->near == SIZE_MAX || fabs(y->price - x->price) < fabs(price_of_other(out, pair, d->near, me) - x->price))
                d->near = q;
        }
    /* A channel whose prices depart the same way on many of its products
       has a price level, not a product problem: one recommendation for the
       channel (prices.csv keeps every product). */
    double tested[DS_MAX_CHANNELS + 1] = { 0 }, nflag[DS_MAX_CHANNELS + 1][2], stake[DS_MAX_CHANNELS + 1][2];
    double worst[DS_MAX_CHANNELS + 1][2];
    memset(nflag, 0, sizeof nflag);
    memset(stake, 0, sizeof stake);
    memset(worst, 0, sizeof worst);
    for (size_t i = 0; i < out->nprice; i++) {
        struct rec_price *x = &out->price[i];
        const struct pside *d = &side[i];
        tested[x->channel] += 1;
        int low = d->below == d->pairs, high = d->above == d->pairs && d->pairs > 1;
        size_t q = low ? d->up : high ? d->down : d->near;
        size_t them = pair[q].a == i ? pair[q].b : pair[q].a;
        x->reference = out->price[them].channel;
        x->other_lines = out->price[them].lines;
        x->compared = d->pairs + 1;
        x->median = out->price[them].price;
        x->departure = x->median > 0 ? x->price / x->median - 1 : 0;
        x->u = pair[q].a == i ? pair[q].u : (double)x->lines * (double)x->other_lines - pair[q].u;
        x->p = low || high ? d->worst_p : pair[q].p;
        x->p_adj = low || high ? d->worst_adj : adj[q];
        if (!(low || high) || !(fabs(x->departure) >= o->price_threshold))
            continue;
        int up = high;
        x->flagged = up ? 1 : -1;
        x->at_stake = up ? 0 : (x->median - x->price) * x->units * c->A;
        nflag[x->channel][up] += 1;
        stake[x->channel][up] += x->at_stake;
        worst[x->channel][up] = fmax(worst[x->channel][up], x->p_adj);
    }
    int level[DS_MAX_CHANNELS + 1][2];
    for (uint32_t ch = 0; ch < nch; ch++)
        for (int up = 0; up < 2; up++)
            level[ch][up] = nflag[ch][up] >= 3 && nflag[ch][up] >= 0.25 * tested[ch];
    for (uint32_t ch = 0; ch < nch && rc == CX_OK; ch++)
        for (int up = 0; up < 2 && rc == CX_OK; up++) {
            if (!level[ch][up])
                continue;
            double gaps[4096];
            size_t ng = 0;
            for (size_t i = 0; i < out->nprice && ng < 4096; i++)
                if (out->price[i].channel == ch && out->price[i].flagged == (up ? 1 : -1))
                    gaps[ng++] = out->price[i].departure;
            struct rec *r = add(out, REC_PRICE, up ? RA_PRICE_LEVEL_HIGH : RA_PRICE_LEVEL_LOW, -1, (int)ch);
            if (r == NULL) {
                rc = cx_nomem(e, "recommendations");
                break;
            }
            r->subject = stats_quantile(gaps, ng, 0.5);
            r->amount = nflag[ch][up];
            r->extra = tested[ch];
            r->impact = up ? NAN : stake[ch][up];
            set_test(r, RT_MANN_WHITNEY, RJ_BH, npair, NAN, NAN, worst[ch][up], o->alpha);
        }
    for (size_t i = 0; i < out->nprice && rc == CX_OK; i++) {
        struct rec_price *x = &out->price[i];
        if (x->flagged == 0 || level[x->channel][x->flagged > 0])
            continue;
        struct rec *r = add(out, REC_PRICE, x->departure < 0 ? RA_PRICE_LOW : RA_PRICE_HIGH, -1, (int)x->channel);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            break;
        }
        r->product = x->product;
        r->target_channel = (int)x->reference;
        r->subject = x->price;
        r->reference = x->median;
        r->amount = (double)x->lines;
        r->extra = (double)x->other_lines;
        /* Below: revenue leakage, at most the gap on the units sold there.
           Above: a consistency risk, and no gain is claimed. */
        r->impact = x->departure < 0 ? x->at_stake : NAN;
        set_test(r, RT_MANN_WHITNEY, RJ_BH, npair, x->u, x->p, x->p_adj, o->alpha);
    }

    /* Discount leakage: T = the sum over a channel's lines of their
       discount fraction; under H0 (within a product, the channel of a line
       does not tell its discount) its mean and variance are those of
       drawing the channel's lines at random among the product's lines. */
    double dp[DS_MAX_CHANNELS + 1], dz[DS_MAX_CHANNELS + 1], dadj[DS_MAX_CHANNELS + 1];
    size_t nd = 0;
    for (uint32_t ch = 0; ch < nch; ch++) {
        double T = 0, ET = 0, VT = 0, gross = 0, disc = 0, expd = 0;
        for (uint32_t p = 0; p < np; p++) {
            const struct pdisc *x = &pd[(size_t)p * nch + ch];
            if (x->lines == 0)
                continue;
            double Np = 0, Sy = 0, Sy2 = 0, og = 0, od = 0;
            for (uint32_t b = 0; b < nch; b++) {
                const struct pdisc *y = &pd[(size_t)p * nch + b];
                Np += y->lines;
                Sy += (double)y->y / 1e6;
                Sy2 += (double)y->y2 / 1e9;
                if (b != ch) {
                    og += (double)y->gross / DS_MONEY_SCALE;
                    od += (double)y->disc / DS_MONEY_SCALE;
                }
            }
            double n1 = x->lines, g1 = (double)x->gross / DS_MONEY_SCALE;
            gross += g1;
            disc += (double)x->disc / DS_MONEY_SCALE;
            if (og > 0)
                expd += g1 * od / og;
            else
                expd += (double)x->disc / DS_MONEY_SCALE;   /* sold only here: no comparison */
            if (Np < 2 || n1 == Np)
                continue;
            double mean = Sy / Np, s2 = fmax(0, Sy2 / Np - mean * mean);
            T += (double)x->y / 1e6;
            ET += n1 * mean;
            VT += n1 * (Np - n1) / (Np - 1) * s2;
        }
        struct rec_discount *d = &out->discount[ch];
        d->gross = gross;
        d->rate = gross > 0 ? disc / gross : 0;
        d->expected = gross > 0 ? expd / gross : 0;
        d->z = d->p = d->p_adj = NAN;
        dp[ch] = dz[ch] = NAN;
        if (VT > 0) {
            d->z = dz[ch] = (T - ET) / sqrt(VT);
            d->p = dp[ch] = inf_normal_upper(d->z);
            nd++;
        }
        d->leakage = d->rate > d->expected ? (disc - expd) * c->A : 0;
    }
    inf_holm(dp, nch, dadj);
    for (uint32_t ch = 0; ch < nch && rc == CX_OK; ch++) {
        struct rec_discount *d = &out->discount[ch];
        d->p_adj = dadj[ch];
        if (!(dadj[ch] < o->alpha) || !(d->rate - d->expected >= o->discount_gap) || !(d->leakage > 0))
            continue;
        d->flagged = 1;
        struct rec *r = add(out, REC_PRICE, RA_DISCOUNT_LEAK, -1, (int)ch);
        if (r == NULL) {
            rc = cx_nomem(e, "recommendations");
            break;
        }
        r->subject = d->rate;
        r->reference = d->expected;
        r->amount = d->gross;
        r->impact = d->leakage;
        set_test(r, RT_STRATIFIED, RJ_HOLM, nd, d->z, d->p, d->p_adj, o->alpha);
    }
done:
    free(pair);
    free(side);
    free(fill);
    free(off);
    free(val);
    free(unsure);
    free(pv);
    free(adj);
    free(pd);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Cross-sell and upsell, products().                                      */

/* Cross-sell from each segment's best rule that passes, upsell from what
   its best customers buy. The rules and upsell products were chosen among
   every pair and product of the segment: Bonferroni over P (P - 1) pairs
   and over P products, P the products sold. No money is estimated: that
   needs a response rate no data here gives. */
static int products(struct ctx *c, struct cx_err *e)
{
    const struct basket *bk = c->bk;
    const struct rec_options *o = c->o;
    double P = (double)dataset_count(c->ds, DS_PRODUCT);
    int done_rule[SEG_MAX_K] = { 0 }, done_up[SEG_MAX_K] = { 0 };
    for (size_t i = 0; i < bk->nrule; i++) {
        const struct bsk_rule *x = &bk->rule[i];
        if (x->segment < 0 || x->segment >= c->k || done_rule[x->segment] || x->lift < o->min_lift)
            continue;
        /* H0: b is in an order with a as often as in any order of the
           segment: count ~ Binomial(orders with a, support of b). */
        double na = x->confidence > 0 ? (double)x->count / x->confidence : 0;
        double pb = x->lift > 0 ? x->confidence / x->lift : 1;
        if (!(na >= 1) || !(pb > 0 && pb < 1))
            continue;
        double pv = x->count > 0 ? gsl_cdf_binomial_Q((unsigned)x->count - 1, pb, (unsigned)llround(na)) : 1;
        double m = P * (P - 1), adj = fmin(1, pv * m);
        if (!(adj < o->alpha))
            continue;
        done_rule[x->segment] = 1;
        struct rec *r = add(c->out, REC_PRODUCT, RA_CROSS_SELL, x->segment, -1);
        if (r == NULL)
            return cx_nomem(e, "recommendations");
        r->product = x->b;
        r->product_a = x->a;
        r->subject = x->confidence;
        r->reference = pb;
        r->amount = (double)x->count;
        r->extra = x->lift;
        set_test(r, RT_BINOMIAL, RJ_BONFERRONI, (size_t)m, NAN, pv, adj, o->alpha);
    }
    for (size_t i = 0; i < bk->nup; i++) {
        const struct bsk_upsell *x = &bk->up[i];
        if (x->segment < 0 || x->segment >= c->k || done_up[x->segment])
            continue;
        double n = (double)c->s->prof[x->segment].customers, nb = ceil(n / 5), nr = n - nb;
        double z, pv = inf_two_prop_p(x->best_share * nb, nb, x->rest_share * nr, nr, &z);
        pv = isfinite(z) && z > 0 ? pv / 2 : 1;   /* one-sided: the best buy it more */
        double adj = fmin(1, pv * P);
        if (!(adj < o->alpha))
            continue;
        done_up[x->segment] = 1;
        struct rec *r = add(c->out, REC_PRODUCT, RA_UPSELL, x->segment, -1);
        if (r == NULL)
            return cx_nomem(e, "recommendations");
        r->product = x->product;
        r->subject = x->best_share;
        r->reference = x->rest_share;
        r->amount = (double)x->rest_customers_without;
        set_test(r, RT_TWO_PROP, RJ_BONFERRONI, (size_t)P, z, pv, adj, o->alpha);
    }
    return CX_OK;
}

/* ---------------------------------------------------------------------- */

/* The net of each order in the period, ten-thousandths (0 outside it). */
static int64_t *order_nets(const struct dataset *ds, const struct features *f)
{
    size_t nh = ds->n_heads;
    int64_t *hn = calloc(nh + 1, sizeof *hn);
    if (hn == NULL)
        return NULL;
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        if (ds->h_day[h] < f->from || ds->h_day[h] > f->to)
            continue;
        hn[h] += ds->l_net[i] != DS_MONEY_BIG ? ds->l_net[i] : llround(dataset_big(ds, i, DS_NET) * DS_MONEY_SCALE);
    }
    return hn;
}

static int by_impact(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    /* Claims first; the rows that say no channel stands out come last. */
    int xq = x->action == RA_FIT_UNTESTABLE || x->action == RA_FIT_NO_DIFFERENCE;
    int yq = y->action == RA_FIT_UNTESTABLE || y->action == RA_FIT_NO_DIFFERENCE;
    if (xq != yq)
        return xq - yq;
    int xn = isnan(x->impact), yn = isnan(y->impact);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->impact != y->impact)
        return x->impact > y->impact ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind - y->kind;
    if (x->action != y->action)
        return x->action - y->action;
    if (x->segment != y->segment)
        return x->segment - y->segment;
    if (x->channel != y->channel)
        return x->channel - y->channel;
    if (x->product != y->product)
        return x->product < y->product ? -1 : 1;
    return x->month - y->month;
}

int rec_compute(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                const struct economics *ec, const struct retention *rt, const struct basket *bk,
                const struct ltv *lv, const struct rec_options *o, struct recommendations *out,
                struct cx_err *e)
{
    memset(out, 0, sizeof *out);
    out->opt = *o;
    out->clv_horizon_days = lv ? lv->opt.horizon_days : NAN;
    struct ctx c = { ds, f, s, ec, rt, bk, lv, o, out, 365.0 / ec->days, s->model.k, ec->nch, NULL };
    out->nch = ec->nch;
    out->multichannel_customers = ec->multichannel_customers;
    for (uint32_t ch = 0; ch < ec->nch; ch++)
        if (!modelled(&c, ch))
            out->unmodelled[out->nunmodelled++] = ch;
    c.hnet = order_nets(ds, f);
    if (c.hnet == NULL)
        return cx_nomem(e, "recommendations");
    int rc = fit_and_shift(&c, e);
    if (rc == CX_OK)
        rc = objectives(&c, e);
    if (rc == CX_OK)
        rc = acquisition(&c, e);
    if (rc == CX_OK)
        rc = policies(&c, e);
    if (rc == CX_OK && bk)
        rc = products(&c, e);
    if (rc == CX_OK)
        rc = programs(&c, e);
    free(c.hnet);
    c.hnet = NULL;
    if (rc == CX_OK)
        rc = prices(&c, e);
    if (rc != CX_OK) {
        rec_free(out);
        return rc;
    }
    qsort(out->r, out->n, sizeof *out->r, by_impact);
    return CX_OK;
}
