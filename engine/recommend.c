/*
 * recommend — see recommend.h. Each kind has its own function reading the
 * economics, retention and segmentation results; prices and seasonality
 * need one more pass over the lines. Impacts are annualised with
 * 365 / days of the analysed period.
 */
#include "engine/recommend.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/inference.h"
#include "engine/stats.h"

static const char *const kind_names[REC_NKINDS] = {
    "channel_fit", "volume_shift", "objective", "policy", "product", "program", "price"
};

static const char *const month_names[12] = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"
};

const char *rec_kind_name(int kind)
{
    return kind >= 0 && kind < REC_NKINDS ? kind_names[kind] : "";
}

void rec_defaults(struct rec_options *o)
{
    o->min_customers = 30;
    o->alpha = 0.01;
    o->min_effect = 0.15;
    o->shift_share = 0.20;
    o->price_threshold = 0.15;
    o->min_units = 30;
    o->peak_index = 1.5;
    o->promo_uplift = 0.05;
    o->partner_share = 0.25;
    o->robust_z = 3.5;
}

void rec_free(struct recommendations *r)
{
    free(r->r);
    free(r->season);
    free(r->price);
    memset(r, 0, sizeof *r);
}

static struct rec *add(struct recommendations *out, int kind, int segment, int channel)
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
    x->segment = segment;
    x->channel = channel;
    x->target_channel = -1;
    x->product = DS_NONE;
    x->impact = x->impact_lo = x->impact_hi = NAN;
    x->confidence = "medium";
    return x;
}

static void say(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* Welch's test from summaries: two-sided p. */
static double welch_p(double m1, double s1, double n1, double m2, double s2, double n2, double *t_out)
{
    double v = s1 * s1 / n1 + s2 * s2 / n2;
    if (!(v > 0))
        return NAN;
    double t = (m1 - m2) / sqrt(v);
    double df = v * v / (pow(s1 * s1 / n1, 2) / (n1 - 1) + pow(s2 * s2 / n2, 2) / (n2 - 1));
    if (t_out)
        *t_out = t;
    return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

static const struct eco_cell *cell(const struct economics *ec, int seg, uint32_t ch)
{
    return &ec->cells[(size_t)seg * ec->nch + ch];
}

static int supported(const struct eco_cell *c, const struct rec_options *o)
{
    return c->t.customers >= (uint64_t)o->min_customers && isfinite(c->cpc) && isfinite(c->cpc_sd);
}

/* A comparison of contribution per customer between two cells of a segment. */
struct cmp {
    int seg;
    int hi, lo;       /* channel with the higher and the lower contribution per customer */
    double t, p, adj;
};

static int big_enough(const struct economics *ec, const struct cmp *c, const struct rec_options *o)
{
    const struct eco_cell *a = cell(ec, c->seg, (uint32_t)c->hi), *b = cell(ec, c->seg, (uint32_t)c->lo);
    double scale = fmax(fabs(a->cpc), fabs(b->cpc));
    return c->adj < o->alpha && a->cpc - b->cpc >= o->min_effect * scale;
}

static void fill_cmp(const struct economics *ec, struct cmp *c)
{
    const struct eco_cell *a = cell(ec, c->seg, (uint32_t)c->hi), *b = cell(ec, c->seg, (uint32_t)c->lo);
    c->p = welch_p(a->cpc, a->cpc_sd, (double)a->t.customers, b->cpc, b->cpc_sd, (double)b->t.customers, &c->t);
}

static int channel_fit_and_shift(const struct dataset *ds, const struct segmentation *s,
                                 const struct economics *ec, const struct rec_options *o, double A,
                                 struct recommendations *out)
{
    int k = s->model.k;
    struct cmp fit[SEG_MAX_K], shift[SEG_MAX_K];
    double pf[SEG_MAX_K] = { 0 }, ps[SEG_MAX_K] = { 0 }, af[SEG_MAX_K], as[SEG_MAX_K];
    int nf = 0, ns = 0;
    for (int g = 0; g < k; g++) {
        int best = -1, second = -1, worst_cos = -1;
        for (uint32_t c = 0; c < ec->nch; c++) {
            const struct eco_cell *x = cell(ec, g, c);
            if (!supported(x, o))
                continue;
            if (best < 0 || x->cpc > cell(ec, g, (uint32_t)best)->cpc) {
                second = best;
                best = (int)c;
            } else if (second < 0 || x->cpc > cell(ec, g, (uint32_t)second)->cpc) {
                second = (int)c;
            }
            double cos = x->t.net != 0 ? x->t.channel_cost / x->t.net : INFINITY;
            const struct eco_cell *w = worst_cos >= 0 ? cell(ec, g, (uint32_t)worst_cos) : NULL;
            if (w == NULL || cos > w->t.channel_cost / w->t.net)
                worst_cos = (int)c;
        }
        if (best >= 0 && second >= 0) {
            struct cmp c = { g, best, second, NAN, NAN, NAN };
            fill_cmp(ec, &c);
            fit[nf] = c;
            pf[nf++] = c.p;
        } else {
            struct cmp c = { g, best, -1, NAN, NAN, NAN };
            fit[nf] = c;
            pf[nf++] = NAN;
        }
        if (best >= 0 && worst_cos >= 0 && best != worst_cos) {
            struct cmp c = { g, best, worst_cos, NAN, NAN, NAN };
            fill_cmp(ec, &c);
            shift[ns] = c;
            ps[ns++] = c.p;
        }
    }
    inf_holm(pf, (size_t)nf, af);
    inf_holm(ps, (size_t)ns, as);
    for (int i = 0; i < nf; i++) {
        struct cmp *c = &fit[i];
        c->adj = af[i];
        const char *seg = s->model.name[c->seg];
        struct rec *r = add(out, REC_CHANNEL_FIT, c->seg, c->lo >= 0 && big_enough(ec, c, o) ? c->hi : -1);
        if (r == NULL)
            return -1;
        if (c->lo >= 0 && big_enough(ec, c, o)) {
            const struct eco_cell *a = cell(ec, c->seg, (uint32_t)c->hi), *b = cell(ec, c->seg, (uint32_t)c->lo);
            say(r->text, sizeof r->text, "Serve %s through %s: each customer contributes %.2f there, against %.2f in %s, the next best.",
                seg, dataset_text(ds, DS_CHANNEL, (uint32_t)c->hi), a->cpc, b->cpc,
                dataset_text(ds, DS_CHANNEL, (uint32_t)c->lo));
            say(r->evidence, sizeof r->evidence,
                "contribution per customer %.2f [%.2f, %.2f] (%llu customers) vs %.2f [%.2f, %.2f] (%llu); "
                "Welch t = %.2f, Holm-adjusted p = %.2g",
                a->cpc, a->cpc_lo, a->cpc_hi, (unsigned long long)a->t.customers, b->cpc, b->cpc_lo, b->cpc_hi,
                (unsigned long long)b->t.customers, c->t, c->adj);
            r->confidence = c->adj < o->alpha / 10 ? "high" : "medium";
        } else {
            say(r->text, sizeof r->text, "No channel stands out for %s: the differences of contribution per customer "
                "between its channels are within what chance or a small effect would give.", seg);
            if (c->lo >= 0)
                say(r->evidence, sizeof r->evidence, "best %s %.2f vs %s %.2f per customer; Holm-adjusted p = %.2g; "
                    "needs p < %g and a difference of %.0f%%",
                    dataset_text(ds, DS_CHANNEL, (uint32_t)c->hi), cell(ec, c->seg, (uint32_t)c->hi)->cpc,
                    dataset_text(ds, DS_CHANNEL, (uint32_t)c->lo), cell(ec, c->seg, (uint32_t)c->lo)->cpc, c->adj,
                    o->alpha, 100 * o->min_effect);
            else
                say(r->evidence, sizeof r->evidence, "fewer than two channels with %d customers or more",
                    o->min_customers);
            r->confidence = "low";
        }
    }
    for (int i = 0; i < ns; i++) {
        struct cmp *c = &shift[i];
        c->adj = as[i];
        if (!big_enough(ec, c, o))
            continue;
        const struct eco_cell *t = cell(ec, c->seg, (uint32_t)c->hi), *f = cell(ec, c->seg, (uint32_t)c->lo);
        double n = (double)f->t.customers, d = t->cpc - f->cpc;
        double se = sqrt(t->cpc_sd * t->cpc_sd / (double)t->t.customers + f->cpc_sd * f->cpc_sd / n);
        struct rec *r = add(out, REC_VOLUME_SHIFT, c->seg, c->lo);
        if (r == NULL)
            return -1;
        r->target_channel = c->hi;
        r->impact = o->shift_share * n * d * A;
        r->impact_lo = o->shift_share * n * (d - 1.96 * se) * A;
        r->impact_hi = o->shift_share * n * (d + 1.96 * se) * A;
        r->confidence = c->adj < o->alpha / 10 ? "high" : "medium";
        say(r->text, sizeof r->text, "Move %.0f%% of the business of %s from %s to %s, which already serves this segment at "
            "a lower cost of sales: about %.0f a year.", 100 * o->shift_share, s->model.name[c->seg],
            dataset_text(ds, DS_CHANNEL, (uint32_t)c->lo), dataset_text(ds, DS_CHANNEL, (uint32_t)c->hi), r->impact);
        say(r->evidence, sizeof r->evidence,
            "cost of sales %.1f%% in %s vs %.1f%% in %s; contribution per customer %.2f vs %.2f (Welch t = %.2f, "
            "Holm-adjusted p = %.2g); %.0f%% of %.0f customers x %.2f x 365/days",
            100 * f->t.channel_cost / f->t.net, dataset_text(ds, DS_CHANNEL, (uint32_t)c->lo),
            100 * t->t.channel_cost / t->t.net, dataset_text(ds, DS_CHANNEL, (uint32_t)c->hi), f->cpc, t->cpc, c->t,
            c->adj, 100 * o->shift_share, n, d);
    }
    return 0;
}

static int objectives(const struct dataset *ds, const struct economics *ec, const struct retention *rt,
                      const char (*seg_names)[SEG_NAME], const struct rec_options *o, double A,
                      struct recommendations *out)
{
    struct eco_acq acq[DS_MAX_CHANNELS + 1];
    eco_acquisition(ec, rt, acq);
    const int w = 1;   /* the 180-day window */
    int best = -1;
    for (uint32_t c = 0; c < rt->nch; c++) {
        const struct ret_group *g = &rt->by_ch[c];
        if (g->eligible[w] >= (uint32_t)o->min_customers &&
            (best < 0 || g->ret_rate[w] > rt->by_ch[best].ret_rate[w]))
            best = (int)c;
    }
    for (uint32_t c = 0; best >= 0 && c < rt->nch; c++) {
        const struct ret_group *g = &rt->by_ch[c];
        double gap = rt->by_ch[best].ret_rate[w] - g->ret_rate[w];
        if ((int)c == best || g->eligible[w] < (uint32_t)o->min_customers || gap < 0.05)
            continue;
        struct rec *r = add(out, REC_OBJECTIVE, -1, (int)c);
        if (r == NULL)
            return -1;
        double per_year = g->acquired * A, fy = g->full_year ? g->fy_mean : NAN;
        r->impact = isfinite(fy) ? gap * per_year * fy : NAN;
        say(r->text, sizeof r->text, "Raise the 180-day retention of customers won through %s from %.0f%% to %.0f%%, "
            "as %s achieves.", dataset_text(ds, DS_CHANNEL, c), 100 * g->ret_rate[w],
            100 * rt->by_ch[best].ret_rate[w], dataset_text(ds, DS_CHANNEL, (uint32_t)best));
        say(r->evidence, sizeof r->evidence, "%u of %u eligible customers retained vs %u of %u in %s; impact = gap x %.0f "
            "customers won a year x first-year contribution %.2f", g->retained[w], g->eligible[w],
            rt->by_ch[best].retained[w], rt->by_ch[best].eligible[w], dataset_text(ds, DS_CHANNEL, (uint32_t)best),
            per_year, fy);
    }
    /* Per segment: the best channel of acquisition for its 180-day
       retention is the target of its other channels, 10 points behind or more. */
    for (int g = 0; g < rt->nseg; g++) {
        int b = -1;
        for (uint32_t c = 0; c < rt->nch; c++) {
            const struct ret_group *x = &rt->by_seg_ch[(size_t)g * rt->nch + c];
            if (x->eligible[w] >= (uint32_t)o->min_customers &&
                (b < 0 || x->ret_rate[w] > rt->by_seg_ch[(size_t)g * rt->nch + (uint32_t)b].ret_rate[w]))
                b = (int)c;
        }
        for (uint32_t c = 0; b >= 0 && c < rt->nch; c++) {
            const struct ret_group *x = &rt->by_seg_ch[(size_t)g * rt->nch + c];
            const struct ret_group *bx = &rt->by_seg_ch[(size_t)g * rt->nch + (uint32_t)b];
            double gap = bx->ret_rate[w] - x->ret_rate[w];
            if ((int)c == b || x->eligible[w] < (uint32_t)o->min_customers || gap < 0.10)
                continue;
            struct rec *r = add(out, REC_OBJECTIVE, g, (int)c);
            if (r == NULL)
                return -1;
            double fy = x->full_year ? x->fy_mean : NAN;
            r->impact = isfinite(fy) ? gap * x->acquired * A * fy : NAN;
            say(r->text, sizeof r->text, "For %s, raise the 180-day retention of customers won through %s from %.0f%% "
                "to %.0f%%, as %s achieves for the same segment.", seg_names[g], dataset_text(ds, DS_CHANNEL, c),
                100 * x->ret_rate[w], 100 * bx->ret_rate[w], dataset_text(ds, DS_CHANNEL, (uint32_t)b));
            say(r->evidence, sizeof r->evidence, "%u of %u eligible retained vs %u of %u; impact = gap x customers won a "
                "year x first-year contribution %.2f", x->retained[w], x->eligible[w], bx->retained[w], bx->eligible[w], fy);
        }
    }
    /* Median CAC among the channels that spend on acquisition. */
    double cacs[DS_MAX_CHANNELS + 1];
    size_t nc = 0;
    for (uint32_t c = 0; c < ec->nch; c++)
        if (isfinite(acq[c].cac) && acq[c].cac > 0)
            cacs[nc++] = acq[c].cac;
    double med = nc ? stats_quantile(cacs, nc, 0.5) : NAN;
    for (uint32_t c = 0; c < ec->nch; c++) {
        if (acq[c].cac_exceeds != 1)
            continue;
        struct rec *r = add(out, REC_OBJECTIVE, -1, (int)c);
        if (r == NULL)
            return -1;
        r->impact = (acq[c].cac - acq[c].fy_mean) * rt->by_ch[c].acquired * A;
        r->confidence = "high";
        say(r->text, sizeof r->text, "Customers won through %s cost %.2f each, more than the %.2f their first year "
            "contributes: cut acquisition spend there or raise first-year value (median CAC %.2f).",
            dataset_text(ds, DS_CHANNEL, c), acq[c].cac, acq[c].fy_mean, med);
        say(r->evidence, sizeof r->evidence, "acquisition spend %.2f for the period, %u customers won, %u observed a full "
            "year; impact = (CAC - first-year contribution) x customers won a year", acq[c].spend,
            rt->by_ch[c].acquired, rt->by_ch[c].full_year);
    }
    return 0;
}

/* Robust z-score of x among v[0..n) (Iglewicz–Hoaglin): 0.6745 (x - median) / MAD. */
static double robust_z(const double *v, int n, double x)
{
    double a[SEG_MAX_K], d[SEG_MAX_K];
    memcpy(a, v, (size_t)n * sizeof *a);
    double med = stats_quantile(a, (size_t)n, 0.5);
    for (int i = 0; i < n; i++)
        d[i] = fabs(v[i] - med);
    double mad = stats_quantile(d, (size_t)n, 0.5);
    return mad > 0 ? 0.6745 * (x - med) / mad : NAN;
}

/* Share of small orders (positive orders below a quarter of the median
   order value) per segment and per channel: sums each order's net. */
static int small_orders(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                        uint32_t nch, double *seg_share, double *ch_share, double *threshold)
{
    size_t nh = ds->n_heads;
    int64_t *hn = calloc(nh + 1, sizeof *hn);
    double *pos = NULL;
    if (hn == NULL)
        return -1;
    for (size_t i = 0; i < ds->n_lines; i++)
        hn[ds->l_head[i]] += ds->l_net[i] != DS_MONEY_BIG ? ds->l_net[i]
                                                           : llround(dataset_big(ds, i, DS_NET) * DS_MONEY_SCALE);
    size_t np = 0;
    for (size_t h = 0; h < nh; h++)
        np += hn[h] > 0 && ds->h_day[h] >= f->from && ds->h_day[h] <= f->to;
    pos = malloc((np + 1) * sizeof *pos);
    if (pos == NULL) {
        free(hn);
        return -1;
    }
    np = 0;
    for (size_t h = 0; h < nh; h++)
        if (hn[h] > 0 && ds->h_day[h] >= f->from && ds->h_day[h] <= f->to)
            pos[np++] = (double)hn[h] / DS_MONEY_SCALE;
    *threshold = np ? stats_quantile(pos, np, 0.5) / 4 : 0;
    free(pos);
    double sn[SEG_MAX_K] = { 0 }, ss[SEG_MAX_K] = { 0 }, cn[DS_MAX_CHANNELS + 1] = { 0 }, cs[DS_MAX_CHANNELS + 1] = { 0 };
    for (size_t h = 0; h < nh; h++) {
        if (!(hn[h] > 0 && ds->h_day[h] >= f->from && ds->h_day[h] <= f->to))
            continue;
        int small = (double)hn[h] / DS_MONEY_SCALE < *threshold;
        uint32_t cu = ds->h_customer[h];
        cn[ds->h_channel[h]] += 1;
        cs[ds->h_channel[h]] += small;
        if (cu != DS_NONE && s->segment[cu] >= 0) {
            sn[s->segment[cu]] += 1;
            ss[s->segment[cu]] += small;
        }
    }
    for (int g = 0; g < s->model.k; g++)
        seg_share[g] = sn[g] > 0 ? ss[g] / sn[g] : 0;
    for (uint32_t c = 0; c < nch; c++)
        ch_share[c] = cn[c] > 0 ? cs[c] / cn[c] : 0;
    free(hn);
    return 0;
}

static int policies(const struct dataset *ds, const struct features *f, const struct economics *ec,
                    const struct segmentation *s, const struct rec_options *o, double A,
                    struct recommendations *out)
{
    int k = s->model.k;
    double seg_small[SEG_MAX_K], ch_small[DS_MAX_CHANNELS + 1], thr;
    if (small_orders(ds, f, s, ec->nch, seg_small, ch_small, &thr))
        return -1;
    /* Channels: returns and small orders out of line with the other channels. */
    if (ec->nch >= 3 && ec->nch <= SEG_MAX_K) {
        double rr[SEG_MAX_K], a[SEG_MAX_K];
        for (uint32_t c = 0; c < ec->nch; c++)
            rr[c] = ec->ch[c].t.units > 0 ? ec->ch[c].t.units_returned / ec->ch[c].t.units : 0;
        memcpy(a, rr, sizeof a);
        double med = stats_quantile(a, ec->nch, 0.5);
        memcpy(a, ch_small, ec->nch * sizeof *a);
        double meds = stats_quantile(a, ec->nch, 0.5);
        for (uint32_t c = 0; c < ec->nch; c++) {
            const struct cm_channel *m = &ec->model.ch[ec->ch[c].cm];
            double z = robust_z(rr, (int)ec->nch, rr[c]);
            if (z > o->robust_z) {
                struct rec *r = add(out, REC_POLICY, -1, (int)c);
                if (r == NULL)
                    return -1;
                r->impact = (rr[c] - med) * ec->ch[c].t.units * m->cost_per_return * A;
                say(r->text, sizeof r->text, "Review the return conditions of %s: %.1f%% of the units it sells come back, "
                    "against %.1f%% for the median channel.", dataset_text(ds, DS_CHANNEL, c), 100 * rr[c], 100 * med);
                say(r->evidence, sizeof r->evidence, "robust z = %.1f over %u channels; impact = excess rate x %.0f units x "
                    "%.2f a returned unit x 365/days", z, ec->nch, ec->ch[c].t.units, m->cost_per_return);
            }
            double zs = robust_z(ch_small, (int)ec->nch, ch_small[c]);
            if (zs > o->robust_z) {
                struct rec *r = add(out, REC_POLICY, -1, (int)c);
                if (r == NULL)
                    return -1;
                r->impact = (ch_small[c] - meds) * (double)ec->ch[c].t.orders * m->cost_per_order * A;
                say(r->text, sizeof r->text, "Set a minimum order in %s: %.1f%% of its orders are below %.2f, against %.1f%% "
                    "for the median channel.", dataset_text(ds, DS_CHANNEL, c), 100 * ch_small[c], thr, 100 * meds);
                say(r->evidence, sizeof r->evidence, "small order = below a quarter of the median order value; robust z = %.1f; "
                    "impact = excess share x %llu orders x %.2f an order x 365/days", zs,
                    (unsigned long long)ec->ch[c].t.orders, m->cost_per_order);
            }
        }
    }
    if (k < 3)
        return 0;
    for (int g = 0; g < k; g++) {
        double zs = robust_z(seg_small, k, seg_small[g]);
        if (zs <= o->robust_z)
            continue;
        double a[SEG_MAX_K], orders = 0, ocost = 0;
        memcpy(a, seg_small, sizeof a);
        double meds = stats_quantile(a, (size_t)k, 0.5);
        for (uint32_t c = 0; c < ec->nch; c++) {
            orders += (double)cell(ec, g, c)->t.orders;
            ocost += cell(ec, g, c)->t.order_cost;
        }
        struct rec *r = add(out, REC_POLICY, g, -1);
        if (r == NULL)
            return -1;
        r->impact = (seg_small[g] - meds) * ocost * A;
        say(r->text, sizeof r->text, "Set a minimum order for %s: %.1f%% of its orders are below %.2f, against %.1f%% for "
            "the median segment.", s->model.name[g], 100 * seg_small[g], thr, 100 * meds);
        say(r->evidence, sizeof r->evidence, "small order = below a quarter of the median order value; robust z = %.1f over "
            "%d segments; impact = excess share x order costs %.0f x 365/days (%.0f orders)", zs, k, ocost, orders);
    }
    /* Returns as units returned over units sold by the whole segment: a
       mean of customers' rates would let a few customers who return more
       than they buy (rates above 1) swamp it. Discount rates are bounded
       by 1, so their mean over customers serves. */
    double ret[SEG_MAX_K], disc[SEG_MAX_K];
    for (int g = 0; g < k; g++) {
        double sold = 0, back = 0;
        for (uint32_t c = 0; c < ec->nch; c++) {
            sold += cell(ec, g, c)->t.units;
            back += cell(ec, g, c)->t.units_returned;
        }
        ret[g] = sold > 0 ? back / sold : 0;
        disc[g] = s->prof[g].mean[F_DISCOUNT_RATE];
    }
    for (int g = 0; g < k; g++) {
        double units = 0, returned = 0, net = 0, rcost = 0;
        for (uint32_t c = 0; c < ec->nch; c++) {
            const struct eco_cell *x = cell(ec, g, c);
            units += x->t.units;
            returned += x->t.units_returned;
            net += x->t.net;
            rcost += x->t.units_returned * ec->model.ch[ec->ch[c].cm].cost_per_return;
        }
        double zr = robust_z(ret, k, ret[g]), zd = robust_z(disc, k, disc[g]);
        double a[SEG_MAX_K];
        memcpy(a, ret, sizeof a);
        double medr = stats_quantile(a, (size_t)k, 0.5);
        memcpy(a, disc, sizeof a);
        double medd = stats_quantile(a, (size_t)k, 0.5);
        if (zr > o->robust_z) {
            struct rec *r = add(out, REC_POLICY, g, -1);
            if (r == NULL)
                return -1;
            double per_unit = returned > 0 ? rcost / returned : 0;
            r->impact = (ret[g] - medr) * units * per_unit * A;
            say(r->text, sizeof r->text, "Review the return conditions for %s: its customers return %.1f%% of what they "
                "buy, against %.1f%% for the median segment.", s->model.name[g], 100 * ret[g], 100 * medr);
            say(r->evidence, sizeof r->evidence, "units returned / units sold %.4f, robust z = %.1f (median and MAD over %d "
                "segments); impact = excess rate x %.0f units sold x %.2f a returned unit x 365/days", ret[g], zr, k, units,
                per_unit);
        }
        if (zd > o->robust_z) {
            struct rec *r = add(out, REC_POLICY, g, -1);
            if (r == NULL)
                return -1;
            r->impact = (disc[g] - medd) * (disc[g] < 1 ? net / (1 - disc[g]) : net) * A;
            say(r->text, sizeof r->text, "Set discount limits for %s: %.1f%% of its gross goes in discounts, against "
                "%.1f%% for the median segment.", s->model.name[g], 100 * disc[g], 100 * medd);
            say(r->evidence, sizeof r->evidence, "mean discount rate %.4f, robust z = %.1f over %d segments; impact = "
                "excess rate x gross %.0f x 365/days", disc[g], zd, k, net / (1 - disc[g]));
        }
    }
    return 0;
}

/* Seasonality and partner programs. */
static int programs(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                    const struct economics *ec, const struct rec_options *o, double A,
                    struct recommendations *out, struct cx_err *e)
{
    int k = s->model.k;
    uint32_t nch = ec->nch;
    size_t ng = (size_t)k * (nch + 1);
    double *net = calloc(ng * 12 + 1, sizeof *net);
    if (net == NULL)
        return cx_nomem(e, "seasonality");
    /* Months observed in the period, per calendar month (partial months count). */
    double years[12] = { 0 };
    for (int32_t ym = ret_month(f->from); ym <= ret_month(f->to); ym++)
        years[ym % 12] += 1;
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i], cu = ds->h_customer[h];
        int32_t d = ds->h_day[h];
        if (d < f->from || d > f->to || cu == DS_NONE || s->segment[cu] < 0)
            continue;
        int m = ret_month(d) % 12 + 1;
        double v = dataset_net(ds, i);
        size_t g = (size_t)s->segment[cu] * (nch + 1);
        net[(g + ds->h_channel[h]) * 12 + m - 1] += v;
        net[(g + nch) * 12 + m - 1] += v;
    }
    out->season = calloc(ng + 1, sizeof *out->season);
    if (out->season == NULL) {
        free(net);
        return cx_nomem(e, "seasonality");
    }
    for (int g = 0; g < k; g++)
        for (uint32_t c = 0; c <= nch; c++) {
            struct rec_season *x = &out->season[out->nseason++];
            x->segment = g;
            x->channel = c < nch ? (int)c : -1;
            double mean = 0;
            for (int m = 0; m < 12; m++) {
                x->net[m] = years[m] > 0 ? net[((size_t)g * (nch + 1) + c) * 12 + (size_t)m] / years[m] : 0;
                mean += x->net[m] / 12;
            }
            for (int m = 0; m < 12; m++)
                x->index[m] = mean > 0 ? x->net[m] / mean : 0;
            if (x->channel >= 0 || mean <= 0)
                continue;
            /* The segment's strongest peak: a promotion started a month ahead. */
            int pk = 0;
            for (int m = 1; m < 12; m++)
                if (x->index[m] > x->index[pk])
                    pk = m;
            if (x->index[pk] < o->peak_index)
                continue;
            double segnet = 0, segcontrib = 0;
            for (uint32_t ch = 0; ch < nch; ch++) {
                segnet += cell(ec, g, ch)->t.net;
                segcontrib += cell(ec, g, ch)->t.contribution;
            }
            struct rec *r = add(out, REC_PROGRAM, g, -1);
            if (r == NULL) {
                free(net);
                return cx_nomem(e, "recommendations");
            }
            r->month = pk + 1;
            r->impact = o->promo_uplift * x->net[pk] * (segnet != 0 ? segcontrib / segnet : 0);
            say(r->text, sizeof r->text, "Start a seasonal promotion for %s in %s, ahead of its %s peak.",
                s->model.name[g], month_names[(pk + 11) % 12], month_names[pk]);
            say(r->evidence, sizeof r->evidence, "%s net %.0f a year, %.2f times the mean month; impact = %.0f%% uplift x "
                "peak-month net x contribution ratio %.3f", month_names[pk], x->net[pk], x->index[pk],
                100 * o->promo_uplift, segnet != 0 ? segcontrib / segnet : 0);
        }
    free(net);
    /* Partner programs: indirect channels carrying a large share of a segment. */
    for (int g = 0; g < k; g++) {
        double segnet = 0;
        for (uint32_t c = 0; c < nch; c++)
            segnet += cell(ec, g, c)->t.net;
        for (uint32_t c = 0; c < nch && segnet > 0; c++) {
            const struct cm_channel *m = &ec->model.ch[ec->ch[c].cm];
            double share = cell(ec, g, c)->t.net / segnet;
            if (m->kind != CM_INDIRECT || share < o->partner_share)
                continue;
            struct rec *r = add(out, REC_PROGRAM, g, (int)c);
            if (r == NULL)
                return cx_nomem(e, "recommendations");
            say(r->text, sizeof r->text, "Fund training and co-op advertising with %s for %s: it carries %.0f%% of the "
                "segment's net, %.0f a year.", dataset_text(ds, DS_CHANNEL, c), s->model.name[g], 100 * share,
                cell(ec, g, c)->t.net * A);
            say(r->evidence, sizeof r->evidence, "net %.2f of %.2f in the period; programs are sized by what the "
                "channel carries; threshold %.0f%%", cell(ec, g, c)->t.net, segnet, 100 * o->partner_share);
        }
    }
    return CX_OK;
}

static int prices(const struct dataset *ds, const struct features *f, const struct economics *ec,
                  const struct rec_options *o, double A, struct recommendations *out, struct cx_err *e)
{
    uint32_t np = dataset_count(ds, DS_PRODUCT), nch = ec->nch;
    if ((size_t)np * nch > 20000000u)
        return CX_OK;   /* documented: catalogues this wide are not compared */
    size_t nc = (size_t)np * nch;
    double *net = calloc(nc + 1, sizeof *net), *units = calloc(nc + 1, sizeof *units);
    double disc[DS_MAX_CHANNELS + 1] = { 0 }, gross[DS_MAX_CHANNELS + 1] = { 0 };
    if (!net || !units) {
        free(net);
        free(units);
        return cx_nomem(e, "prices");
    }
    for (size_t i = 0; i < ds->n_lines; i++) {
        uint32_t h = ds->l_head[i];
        if (ds->h_day[h] < f->from || ds->h_day[h] > f->to || ds->l_qty[i] <= 0)
            continue;
        size_t k = (size_t)dataset_product(ds, i) * nch + ds->h_channel[h];
        double v = dataset_net(ds, i), dv = dataset_disc(ds, i);
        net[k] += v;
        units[k] += ds->l_qty[i];
        disc[ds->h_channel[h]] += dv;
        gross[ds->h_channel[h]] += v + dv;
    }
    for (uint32_t c = 0; c < nch; c++)
        out->discount_rate[c] = gross[c] > 0 ? disc[c] / gross[c] : 0;
    out->price = calloc(nc + 1, sizeof *out->price);
    if (out->price == NULL) {
        free(net);
        free(units);
        return cx_nomem(e, "prices");
    }
    double pr[DS_MAX_CHANNELS + 1];
    size_t flagged = 0;
    for (uint32_t p = 0; p < np; p++) {
        size_t m = 0;
        for (uint32_t c = 0; c < nch; c++) {
            size_t k = (size_t)p * nch + c;
            if (units[k] >= o->min_units)
                pr[m++] = net[k] / units[k];
        }
        if (m < 2)
            continue;
        double med = stats_quantile(pr, m, 0.5);
        for (uint32_t c = 0; c < nch; c++) {
            size_t k = (size_t)p * nch + c;
            if (units[k] < o->min_units)
                continue;
            struct rec_price *x = &out->price[out->nprice++];
            x->product = p;
            x->channel = c;
            x->units = units[k];
            x->price = net[k] / units[k];
            x->median = med;
            x->departure = med != 0 ? x->price / med - 1 : 0;
            x->at_stake = fabs(x->price - med) * units[k] * A;
            x->flagged = fabs(x->departure) > o->price_threshold;
            flagged += x->flagged;
        }
    }
    free(net);
    free(units);
    for (size_t i = 0; i < out->nprice; i++) {
        const struct rec_price *x = &out->price[i];
        if (!x->flagged)
            continue;
        struct rec *r = add(out, REC_PRICE, -1, (int)x->channel);
        if (r == NULL)
            return cx_nomem(e, "recommendations");
        r->product = x->product;
        r->impact = x->at_stake;
        r->confidence = x->units >= 10 * o->min_units ? "high" : "medium";
        say(r->text, sizeof r->text, "Align the price of %s in %s: %.2f a unit, %.0f%% %s its median of %.2f across "
            "channels.", dataset_text(ds, DS_PRODUCT, x->product), dataset_text(ds, DS_CHANNEL, x->channel), x->price,
            100 * fabs(x->departure), x->departure < 0 ? "below" : "above", x->median);
        say(r->evidence, sizeof r->evidence, "mean net unit price over %.0f units sold; threshold %.0f%%; revenue at stake "
            "= |price - median| x units x 365/days", x->units, 100 * o->price_threshold);
    }
    (void)flagged;
    return CX_OK;
}

/* Cross-sell from each segment's best rule, upsell from what its best
   customers buy. No money is estimated: that needs a response rate no
   data here gives. */
static int products(const struct dataset *ds, const struct segmentation *s, const struct basket *bk,
                    struct recommendations *out)
{
    int done_rule[SEG_MAX_K] = { 0 }, done_up[SEG_MAX_K] = { 0 };
    for (size_t i = 0; i < bk->nrule; i++) {
        const struct bsk_rule *x = &bk->rule[i];
        if (x->segment < 0 || x->segment >= s->model.k || done_rule[x->segment]++)
            continue;
        struct rec *r = add(out, REC_PRODUCT, x->segment, -1);
        if (r == NULL)
            return -1;
        r->product = x->b;
        r->confidence = x->lift >= 2 && x->count >= 100 ? "high" : "medium";
        say(r->text, sizeof r->text, "Cross-sell %s to %s customers buying %s: %.0f%% of their orders with %s already "
            "hold %s, %.1f times its usual rate.", dataset_text(ds, DS_PRODUCT, x->b), s->model.name[x->segment],
            dataset_text(ds, DS_PRODUCT, x->a), 100 * x->confidence, dataset_text(ds, DS_PRODUCT, x->a),
            dataset_text(ds, DS_PRODUCT, x->b), x->lift);
        say(r->evidence, sizeof r->evidence, "association rule %s -> %s in the segment's orders: %llu orders, support "
            "%.4f, confidence %.3f, lift %.2f", dataset_text(ds, DS_PRODUCT, x->a), dataset_text(ds, DS_PRODUCT, x->b),
            (unsigned long long)x->count, x->support, x->confidence, x->lift);
    }
    for (size_t i = 0; i < bk->nup; i++) {
        const struct bsk_upsell *x = &bk->up[i];
        if (x->segment < 0 || x->segment >= s->model.k || done_up[x->segment]++)
            continue;
        struct rec *r = add(out, REC_PRODUCT, x->segment, -1);
        if (r == NULL)
            return -1;
        r->product = x->product;
        say(r->text, sizeof r->text, "Offer %s to the rest of %s: %.0f%% of its best customers buy it, against %.0f%% "
            "of the others.", dataset_text(ds, DS_PRODUCT, x->product), s->model.name[x->segment],
            100 * x->best_share, 100 * x->rest_share);
        say(r->evidence, sizeof r->evidence, "best customers = the top 20%% of the segment by monetary; %llu of the others "
            "never bought it", (unsigned long long)x->rest_customers_without);
    }
    return 0;
}

static int by_impact(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    int xn = isnan(x->impact), yn = isnan(y->impact);
    if (xn != yn)
        return xn - yn;
    if (!xn && x->impact != y->impact)
        return x->impact > y->impact ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind - y->kind;
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
                const struct rec_options *o, struct recommendations *out, struct cx_err *e)
{
    memset(out, 0, sizeof *out);
    double A = 365.0 / ec->days;
    int rc = CX_OK;
    if (channel_fit_and_shift(ds, s, ec, o, A, out) ||
        objectives(ds, ec, rt, (const char (*)[SEG_NAME])s->model.name, o, A, out) ||
        policies(ds, f, ec, s, o, A, out) || (bk && products(ds, s, bk, out)))
        rc = cx_nomem(e, "recommendations");
    if (rc == CX_OK)
        rc = programs(ds, f, s, ec, o, A, out, e);
    if (rc == CX_OK)
        rc = prices(ds, f, ec, o, A, out, e);
    if (rc != CX_OK) {
        rec_free(out);
        return rc;
    }
    qsort(out->r, out->n, sizeof *out->r, by_impact);
    return CX_OK;
}
