/*
 * summary_json — see summary_json.h. Money is written with two decimals,
 * ratios with six; NaN (no value) is written as null.
 */
#include "reports/summary_json.h"

#include "reports/rec_text.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static json_object *num(double v, int prec)
{
    if (!isfinite(v))
        return NULL;
    char b[64];
    snprintf(b, sizeof b, "%.*f", prec, v);
    if (strspn(b, "-0.") == strlen(b) && b[0] == '-')
        memmove(b, b + 1, strlen(b));
    return json_object_new_double_s(v, b);
}

static json_object *str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static json_object *totals(const struct eco_totals *t)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "lines", json_object_new_int64((int64_t)t->lines));
    json_object_object_add(o, "orders", json_object_new_int64((int64_t)t->orders));
    json_object_object_add(o, "customers", json_object_new_int64((int64_t)t->customers));
    json_object_object_add(o, "units", num(t->units, 2));
    json_object_object_add(o, "units_returned", num(t->units_returned, 2));
    json_object_object_add(o, "net", num(t->net, 2));
    json_object_object_add(o, "cogs", num(t->cogs, 2));
    json_object_object_add(o, "margin", num(t->margin, 2));
    json_object_object_add(o, "commission", num(t->commission, 2));
    json_object_object_add(o, "order_cost", num(t->order_cost, 2));
    json_object_object_add(o, "unit_cost", num(t->unit_cost, 2));
    json_object_object_add(o, "return_cost", num(t->return_cost, 2));
    json_object_object_add(o, "fixed_cost", num(t->fixed_cost, 2));
    json_object_object_add(o, "channel_cost", num(t->channel_cost, 2));
    json_object_object_add(o, "contribution", num(t->contribution, 2));
    json_object_object_add(o, "cost_of_sales_ratio", num(t->net != 0 ? t->channel_cost / t->net : NAN, 6));
    return o;
}

/* A BG/NBD fit (days) with its standard errors; fallback when the pooled
   fit stands in for a channel's. NULL when there is none. */
static json_object *bg_json(const struct clv_bg_fit *f, int status, int fallback)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", str(ltv_status_name(status)));
    if (fallback)
        json_object_object_add(o, "fallback", json_object_new_boolean(1));
    if (f == NULL)
        return o;
    json_object_object_add(o, "r", num(f->par.r, 6));
    json_object_object_add(o, "alpha", num(f->par.alpha, 6));
    json_object_object_add(o, "a", num(f->par.a, 6));
    json_object_object_add(o, "b", num(f->par.b, 6));
    json_object_object_add(o, "log_likelihood", num(f->ll, 4));
    json_object_object_add(o, "gradient_norm", json_object_new_double(f->grad_norm));
    json_object *se = json_object_new_object();
    json_object_object_add(se, "r", num(f->se.r, 6));
    json_object_object_add(se, "alpha", num(f->se.alpha, 6));
    json_object_object_add(se, "a", num(f->se.a, 6));
    json_object_object_add(se, "b", num(f->se.b, 6));
    json_object_object_add(o, "standard_errors", se);
    json_object_object_add(o, "time_unit", str("days"));
    json_object_object_add(o, "customers", json_object_new_int64((int64_t)f->n));
    if (!fallback)
        json_object_object_add(o, "fallback", json_object_new_boolean(0));
    return o;
}

static json_object *gg_json(const struct clv_gg_fit *f, int status, int fallback)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", str(ltv_status_name(status)));
    if (fallback)
        json_object_object_add(o, "fallback", json_object_new_boolean(1));
    if (f == NULL)
        return o;
    json_object_object_add(o, "p", num(f->par.p, 6));
    json_object_object_add(o, "q", num(f->par.q, 6));
    json_object_object_add(o, "v", num(f->par.v, 6));
    json_object_object_add(o, "log_likelihood", num(f->ll, 4));
    json_object_object_add(o, "gradient_norm", json_object_new_double(f->grad_norm));
    json_object *se = json_object_new_object();
    json_object_object_add(se, "p", num(f->se.p, 6));
    json_object_object_add(se, "q", num(f->se.q, 6));
    json_object_object_add(se, "v", num(f->se.v, 6));
    json_object_object_add(o, "standard_errors", se);
    json_object_object_add(o, "customers", json_object_new_int64((int64_t)f->n));
    if (!fallback)
        json_object_object_add(o, "fallback", json_object_new_boolean(0));
    return o;
}

static json_object *hold_json(double customers, double actual, double predicted, double abs_err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "customers", json_object_new_int64((int64_t)customers));
    json_object_object_add(o, "holdout_actual", num(actual, 0));
    json_object_object_add(o, "holdout_predicted", num(predicted, 4));
    json_object_object_add(o, "mae", num(customers > 0 ? abs_err / customers : NAN, 6));
    return o;
}

/* The `clv` section: the options, the pooled fits, each channel's (or the
   pooled one standing in, with fallback: true), its CLV and LTV:CAC, and
   the holdout. */
static json_object *clv_json(const struct dataset *ds, const struct ltv *l)
{
    json_object *o = json_object_new_object();
    char d[32];
    json_object_object_add(o, "time_unit", str("days"));
    json_object_object_add(o, "horizon_days", num(l->opt.horizon_days, 2));
    json_object_object_add(o, "discount_rate", num(l->opt.discount_rate, 6));
    features_day_text(l->cal_end, d);
    json_object_object_add(o, "calibration_end", str(d));
    json_object_object_add(o, "min_customers", json_object_new_int64(l->opt.min_customers));
    json_object_object_add(o, "min_repeat_customers", json_object_new_int64(l->opt.min_repeat));
    json_object_object_add(o, "customers", json_object_new_int64(l->customers));
    json_object_object_add(o, "repeat_customers", json_object_new_int64(l->repeat));
    json_object_object_add(o, "purchase_days", json_object_new_int64((int64_t)l->purchase_days));
    if (l->msg[0])
        json_object_object_add(o, "message", str(l->msg));
    json_object_object_add(o, "bgnbd", bg_json(l->bg_status == LTV_FITTED ? &l->bg : NULL, l->bg_status, 0));
    json_object_object_add(o, "gamma_gamma", gg_json(l->gg_status == LTV_FITTED ? &l->gg : NULL, l->gg_status, 0));
    json_object *chs = json_object_new_array();
    for (uint32_t c = 0; c < l->nch; c++) {
        const struct ltv_channel *x = &l->ch[c];
        json_object *h = json_object_new_object();
        json_object_object_add(h, "channel", str(dataset_text(ds, DS_CHANNEL, c)));
        json_object_object_add(h, "customers", json_object_new_int64(x->customers));
        json_object_object_add(h, "repeat_customers", json_object_new_int64(x->repeat));
        json_object_object_add(h, "bgnbd", bg_json(ltv_channel_bg(l, c), x->bg_status, x->bg_status != LTV_FITTED));
        json_object_object_add(h, "gamma_gamma", gg_json(ltv_channel_gg(l, c), x->gg_status, x->gg_status != LTV_FITTED));
        if (x->msg[0])
            json_object_object_add(h, "message", str(x->msg));
        json_object_object_add(h, "contribution_ratio", num(x->contribution_ratio, 6));
        json_object_object_add(h, "clv_mean", num(x->clv_mean, 2));
        json_object_object_add(h, "clv_ci_low", num(x->clv_lo, 2));
        json_object_object_add(h, "clv_ci_high", num(x->clv_hi, 2));
        json_object_object_add(h, "clv_model_se", num(x->clv_model_se, 4));
        json_object_object_add(h, "cac", num(x->cac, 2));
        json_object_object_add(h, "ltv_cac", num(x->ltv_cac, 4));
        json_object_object_add(h, "ltv_cac_ci_low", num(x->ltv_cac_lo, 4));
        json_object_object_add(h, "ltv_cac_ci_high", num(x->ltv_cac_hi, 4));
        if (l->opt.holdout_days > 0)
            json_object_object_add(h, "holdout", hold_json(x->customers, x->hold_actual, x->hold_predicted,
                                                           x->hold_abs_err));
        json_object_array_add(chs, h);
    }
    json_object_object_add(o, "channels", chs);
    if (l->opt.holdout_days > 0) {
        double n = 0;
        for (int k = 0; k < LTV_NCAL; k++)
            n += l->cal[k].customers;
        json_object *h = hold_json(n, l->hold_actual, l->hold_predicted, l->hold_abs_err);
        json_object_object_add(h, "days", json_object_new_int(l->opt.holdout_days));
        features_day_text(l->hold_end, d);
        json_object_object_add(h, "end", str(d));
        json_object *cal = json_object_new_array();
        for (int k = 0; k < LTV_NCAL; k++) {
            json_object *r = hold_json(l->cal[k].customers, l->cal[k].actual, l->cal[k].predicted, l->cal[k].abs_err);
            json_object_object_add(r, "calibration_repeat", k < LTV_NCAL - 1 ? json_object_new_int(k) : str("7+"));
            json_object_array_add(cal, r);
        }
        json_object_object_add(h, "calibration", cal);
        json_object_object_add(o, "holdout", h);
    }
    return o;
}

int summary_json_write(const char *path, const struct run_info *ri, const struct dataset *ds,
                       const struct features *f, const struct segmentation *s, const struct economics *ec,
                       const struct retention *rt, const struct ltv *lv, const struct recommendations *rec,
                       struct cx_err *e)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "version", str(ri->version));
    json_object *p = json_object_new_object();
    json_object *args = json_object_new_array();
    for (int i = 0; i < ri->argc; i++)
        json_object_array_add(args, str(ri->argv[i]));
    json_object_object_add(p, "command_line", args);
    json_object_object_add(p, "seed", json_object_new_int64((int64_t)ri->seed));
    json_object_object_add(p, "threads", json_object_new_int(ri->threads));
    /* How idle OpenMP threads waited (cli/main.c sets passive): null when
       the environment did not say, i.e. libgomp's default spin. */
    json_object_object_add(p, "omp_wait_policy", ri->omp_wait_policy ? str(ri->omp_wait_policy) : NULL);
    json_object_object_add(p, "gomp_spincount", ri->gomp_spincount ? str(ri->gomp_spincount) : NULL);
    json_object_object_add(p, "locale", str(ri->locale));
    json_object_object_add(p, "formats", str(ri->formats));
    json_object_object_add(p, "from", str(ri->from));
    json_object_object_add(p, "to", str(ri->to));
    json_object_object_add(p, "as_of", str(ri->as_of));
    json_object_object_add(p, "days", json_object_new_int(ec->days));
    json_object_object_add(p, "lines_after_as_of", json_object_new_int64((int64_t)f->lines_after_asof));
    json_object_object_add(p, "orders_after_as_of", json_object_new_int64((int64_t)f->orders_after_asof));
    json_object_object_add(p, "customers", json_object_new_int64(f->n_present));
    json_object_object_add(p, "segments", json_object_new_int(s->model.k));
    /* Automatic k held down by too few customers: the k_max asked for. */
    json_object_object_add(p, "k_capped_from", s->k_capped_from ? json_object_new_int(s->k_capped_from) : NULL);
    json_object_object_add(root, "parameters", p);

    json_object *inputs = json_object_new_array();
    for (size_t i = 0; i < ri->ninputs; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", str(ri->input_names[i]));
        json_object_object_add(o, "channel", ri->input_channels[i] ? str(ri->input_channels[i]) : NULL);
        json_object_object_add(o, "bytes", json_object_new_int64((int64_t)ri->input_bytes[i]));
        json_object_object_add(o, "sha256", ri->input_sha256[i] ? str(ri->input_sha256[i]) : NULL);
        json_object_object_add(o, "rows_read", json_object_new_int64((int64_t)ri->rows_read[i]));
        json_object_object_add(o, "accepted", json_object_new_int64((int64_t)ri->accepted[i]));
        json_object_object_add(o, "rejected", json_object_new_int64((int64_t)ri->rejected[i]));
        json_object_array_add(inputs, o);
    }
    json_object_object_add(root, "inputs", inputs);

    json_object *cm = json_object_new_object();
    json_object_object_add(cm, "source", str(ec->model.source));
    json_object *cmch = json_object_new_array();
    for (size_t i = 0; i < ec->model.n; i++) {
        const struct cm_channel *c = &ec->model.ch[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "channel", str(c->name));
        json_object_object_add(o, "kind", str(c->kind == CM_INDIRECT ? "indirect" : "direct"));
        json_object_object_add(o, "in_model", json_object_new_boolean(c->in_model));
        json_object_object_add(o, "commission_rate", num(c->commission_rate, 6));
        json_object_object_add(o, "cost_per_order", num(c->cost_per_order, 4));
        json_object_object_add(o, "cost_per_unit", num(c->cost_per_unit, 4));
        json_object_object_add(o, "cost_per_return", num(c->cost_per_return, 4));
        json_object_object_add(o, "fixed_cost", num(c->fixed_cost, 2));
        json_object_object_add(o, "acquisition_spend", num(c->acquisition_spend, 2));
        json_object_array_add(cmch, o);
    }
    json_object_object_add(cm, "channels", cmch);
    /* The data's channels the model does not know: costed at zero, and
       named by no recommendation that depends on cost. */
    json_object *unk = json_object_new_array();
    for (uint32_t c = 0; c < ec->nch; c++)
        if (!ec->model.ch[ec->ch[c].cm].in_model)
            json_object_array_add(unk, str(dataset_text(ds, DS_CHANNEL, c)));
    json_object_object_add(cm, "channels_missing", unk);
    json_object_object_add(root, "cost_model", cm);

    /* Doubtful data: the cost model's gap, then what loading found. */
    json_object *warn = json_object_new_array();
    if (json_object_array_length(unk) > 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", str("cost_model"));
        json_object_object_add(o, "text", str("channels missing from the cost model: their costs are unknown "
                                              "(counted at zero), and no recommendation that depends on cost "
                                              "names them"));
        json_object_object_add(o, "channels", json_object_get(unk));
        json_object_array_add(warn, o);
    }
    for (size_t i = 0; ri->warnings && i < ri->warnings->n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", str(cx_warn_kind_name(ri->warnings->v[i].kind)));
        json_object_object_add(o, "text", str(ri->warnings->v[i].text));
        json_object_array_add(warn, o);
    }
    json_object_object_add(root, "warnings", warn);

    json_object *tm = json_object_new_object();
    for (int i = 0; i < ri->nstages; i++)
        json_object_object_add(tm, ri->stage_names[i], num(ri->stage_seconds[i], 3));
    json_object_object_add(root, "timings_seconds", tm);

    json_object *segs = json_object_new_array();
    for (int j = 0; j < s->model.k; j++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "segment", json_object_new_int(s->model.id[j]));
        json_object_object_add(o, "segment_name", str(s->model.name[j]));
        json_object_object_add(o, "customers", json_object_new_int64((int64_t)s->prof[j].customers));
        json_object_object_add(o, "share", num(s->prof[j].share, 6));
        json_object_object_add(o, "net_share", num(s->prof[j].monetary_share, 6));
        json_object *med = json_object_new_object();
        for (int t = 0; t < F_N; t++)
            json_object_object_add(med, features_name(t), num(s->prof[j].median[t], 4));
        json_object_object_add(o, "medians", med);
        json_object_array_add(segs, o);
    }
    json_object_object_add(root, "segments", segs);

    struct eco_acq acq[DS_MAX_CHANNELS + 1];
    eco_acquisition(ec, rt, acq);
    json_object *chs = json_object_new_array();
    for (uint32_t c = 0; c < ec->nch; c++) {
        json_object *o = totals(&ec->ch[c].t);
        json_object_object_add(o, "channel", str(dataset_text(ds, DS_CHANNEL, c)));
        json_object_object_add(o, "aov_mean", num(ec->ch[c].aov.mean, 2));
        json_object_object_add(o, "aov_ci_low", num(ec->ch[c].aov.ci_low, 2));
        json_object_object_add(o, "aov_ci_high", num(ec->ch[c].aov.ci_high, 2));
        json_object_object_add(o, "aov_median", num(ec->ch[c].aov.median, 2));
        json_object_object_add(o, "new_customers", json_object_new_int64(rt->by_ch[c].acquired));
        json_object_object_add(o, "cac", num(acq[c].cac, 2));
        json_object_object_add(o, "retention_180", num(rt->by_ch[c].eligible[1] ? rt->by_ch[c].ret_rate[1] : NAN, 6));
        json_object_array_add(chs, o);
    }
    json_object_object_add(root, "channels", chs);
    json_object_object_add(root, "all_channels", totals(&ec->all));

    json_object *cells = json_object_new_array();
    for (size_t i = 0; i < ec->ncells; i++) {
        const struct eco_cell *x = &ec->cells[i];
        if (x->t.lines == 0)
            continue;
        json_object *o = totals(&x->t);
        json_object_object_add(o, "segment", x->segment >= 0 ? json_object_new_int(s->model.id[x->segment]) : NULL);
        json_object_object_add(o, "segment_name", str(x->segment >= 0 ? s->model.name[x->segment] : "(anonymous sales)"));
        json_object_object_add(o, "channel", str(dataset_text(ds, DS_CHANNEL, x->channel)));
        json_object_object_add(o, "contribution_per_customer", num(x->cpc, 2));
        json_object_object_add(o, "cpc_ci_low", num(x->cpc_lo, 2));
        json_object_object_add(o, "cpc_ci_high", num(x->cpc_hi, 2));
        json_object_object_add(o, "low_support", json_object_new_boolean(x->segment < 0 || x->low_support));
        json_object_array_add(cells, o);
    }
    json_object_object_add(root, "segment_channels", cells);

    if (lv && lv->n)
        json_object_object_add(root, "clv", clv_json(ds, lv));

    json_object *recs = json_object_new_array();
    struct rec_names names = { ds, s, rec, strcmp(ri->locale, "fr") == 0 ? LANG_FR : LANG_EN };
    static const char *const adj[] = { "", "holm", "benjamini-hochberg", "bonferroni" };
    char rtext[1024];
    for (size_t i = 0; i < rec->n; i++) {
        const struct rec *x = &rec->r[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "rank", json_object_new_int64((int64_t)i + 1));
        json_object_object_add(o, "kind", str(rec_kind_name(x->kind)));
        json_object_object_add(o, "action", str(rec_action_name(x->action)));
        json_object_object_add(o, "segment", x->segment >= 0 ? json_object_new_int(s->model.id[x->segment]) : NULL);
        json_object_object_add(o, "channel", x->channel >= 0 ? str(dataset_text(ds, DS_CHANNEL, (uint32_t)x->channel)) : NULL);
        json_object_object_add(o, "target_channel",
                               x->target_channel >= 0 ? str(dataset_text(ds, DS_CHANNEL, (uint32_t)x->target_channel)) : NULL);
        json_object_object_add(o, "product", x->product != DS_NONE ? str(dataset_text(ds, DS_PRODUCT, x->product)) : NULL);
        rec_text(&names, x, rtext, sizeof rtext);
        json_object_object_add(o, "text", str(rtext));
        json_object_object_add(o, "impact", num(x->impact, 2));
        json_object_object_add(o, "impact_ci_low", num(x->impact_lo, 2));
        json_object_object_add(o, "impact_ci_high", num(x->impact_hi, 2));
        json_object_object_add(o, "confidence", str(rec_confidence_name(x->confidence)));
        rec_evidence(&names, x, rtext, sizeof rtext);
        json_object_object_add(o, "evidence", str(rtext));
        json_object *t = json_object_new_object();
        json_object_object_add(t, "name", x->test != RT_NONE ? str(rec_test_name(x->test)) : NULL);
        json_object_object_add(t, "statistic", num(x->stat, 4));
        json_object_object_add(t, "p", isfinite(x->p) ? json_object_new_double(x->p) : NULL);
        json_object_object_add(t, "p_adjusted", isfinite(x->p_adj) ? json_object_new_double(x->p_adj) : NULL);
        json_object_object_add(t, "adjustment", x->adjust ? str(adj[x->adjust]) : NULL);
        json_object_object_add(t, "family", x->family ? json_object_new_int64((int64_t)x->family) : NULL);
        json_object_object_add(t, "paired", json_object_new_boolean(x->paired));
        json_object_object_add(o, "test", t);
        json_object_array_add(recs, o);
    }
    json_object_object_add(root, "recommendations", recs);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen(tmp, "w");
    int rc = CX_OK;
    if (out == NULL) {
        rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    } else {
        const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        int bad = fputs(text, out) == EOF || fputc('\n', out) == EOF;
        bad |= ferror(out) != 0;
        if (fclose(out) != 0 || bad)
            rc = cx_fail(e, CX_EIO, "%s: write error: %s", path, strerror(errno ? errno : EIO));
        else if (rename(tmp, path) != 0)
            rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        if (rc != CX_OK)
            unlink(tmp);
    }
    json_object_put(root);
    return rc;
}
