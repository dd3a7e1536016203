/*
 * economics_csv — the channel economics as spreadsheet CSV (SPEC §4):
 * channels.csv, segment_channels.csv, accounts.csv, whale_curve.csv,
 * acquisition_retention.csv, cohorts.csv and channel_switching.csv. The
 * SPEC's stable columns come first, in its order; more follow.
 */
#include "reports/economics_csv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/csvout.h"
#include "reports/segment_csv.h"

static void header(struct csvout *w, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csvout_str(w, cols[i]);
}

static double ratio(double a, double b)
{
    return b != 0 ? a / b : NAN;
}

static const char *kind_name(int k)
{
    return k == CM_INDIRECT ? "indirect" : "direct";
}

static int write_channels(const struct dataset *ds, const struct economics *ec, const char *dir, int fr,
                          struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "channels.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = {
        "channel", "kind", "lines", "orders", "customers", "units", "units_returned", "net", "cogs",
        "margin", "channel_cost", "contribution", "cost_of_sales_ratio", "aov_mean", "aov_ci_low",
        "aov_ci_high", "aov_median",
        "in_cost_model", "commission", "order_cost", "unit_cost", "return_cost", "fixed_cost",
        "margin_ratio", "contribution_ratio", "net_share", "aov_sd", "aov_p10", "aov_p25", "aov_p75",
        "aov_p90", "cpo_mean", "cpo_ci_low", "cpo_ci_high", "cpo_sd", "cpo_median", "cpo_p10",
        "cpo_p25", "cpo_p75", "cpo_p90", "compared_with", "welch_t", "welch_df", "welch_p",
        "welch_p_holm", "mannwhitney_u", "mannwhitney_p", "mannwhitney_p_holm",
        "prob_order_beats_best", "customers_negative_contribution_share"
    };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    const char *best = ec->best >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)ec->best) : "";
    for (uint32_t c = 0; c < ec->nch; c++) {
        const struct eco_channel *x = &ec->ch[c];
        const struct eco_totals *t = &x->t;
        const struct cm_channel *m = &ec->model.ch[x->cm];
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, c));
        csvout_str(&w, kind_name(m->kind));
        csvout_int(&w, (long long)t->lines);
        csvout_int(&w, (long long)t->orders);
        csvout_int(&w, (long long)t->customers);
        csvout_num(&w, t->units, 2);
        csvout_num(&w, t->units_returned, 2);
        csvout_num(&w, t->net, 2);
        csvout_num(&w, t->cogs, 2);
        csvout_num(&w, t->margin, 2);
        csvout_num(&w, t->channel_cost, 2);
        csvout_num(&w, t->contribution, 2);
        csvout_num(&w, ratio(t->channel_cost, t->net), 4);
        csvout_num(&w, x->aov.mean, 2);
        csvout_num(&w, x->aov.ci_low, 2);
        csvout_num(&w, x->aov.ci_high, 2);
        csvout_num(&w, x->aov.median, 2);
        csvout_int(&w, m->in_model);
        csvout_num(&w, t->commission, 2);
        csvout_num(&w, t->order_cost, 2);
        csvout_num(&w, t->unit_cost, 2);
        csvout_num(&w, t->return_cost, 2);
        csvout_num(&w, t->fixed_cost, 2);
        csvout_num(&w, ratio(t->margin, t->net), 4);
        csvout_num(&w, ratio(t->contribution, t->net), 4);
        csvout_num(&w, ratio(t->net, ec->all.net), 4);
        const double a[] = { x->aov.sd, x->aov.p10, x->aov.p25, x->aov.p75, x->aov.p90,
                             x->cpo.mean, x->cpo.ci_low, x->cpo.ci_high, x->cpo.sd, x->cpo.median,
                             x->cpo.p10, x->cpo.p25, x->cpo.p75, x->cpo.p90 };
        for (size_t i = 0; i < sizeof a / sizeof *a; i++)
            csvout_num(&w, a[i], 2);
        csvout_str(&w, (int)c == ec->best ? "" : best);
        csvout_num(&w, x->welch.stat, 3);
        csvout_num(&w, x->welch.df, 1);
        csvout_num(&w, x->welch.p, 6);
        csvout_num(&w, x->welch_p_holm, 6);
        csvout_num(&w, x->mw.stat, 1);
        csvout_num(&w, x->mw.p, 6);
        csvout_num(&w, x->mw_p_holm, 6);
        csvout_num(&w, x->mw_cles, 4);
        csvout_num(&w, x->negative_customers_share, 4);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_cells(const struct dataset *ds, const struct segmentation *s, const struct economics *ec,
                       const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "segment_channels.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = {
        "segment", "segment_name", "channel", "customers", "orders", "net", "margin", "channel_cost",
        "contribution", "cost_of_sales_ratio", "contribution_per_customer", "cpc_ci_low", "cpc_ci_high",
        "low_support", "lines", "units", "units_returned", "cogs", "commission", "order_cost",
        "unit_cost", "return_cost", "fixed_cost_share"
    };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    for (size_t i = 0; i < ec->ncells; i++) {
        const struct eco_cell *x = &ec->cells[i];
        const struct eco_totals *t = &x->t;
        if (t->lines == 0)
            continue;
        if (x->segment >= 0) {
            csvout_int(&w, s->model.id[x->segment]);
            csvout_str(&w, names[x->segment]);
        } else {
            csvout_str(&w, "");
            csvout_str(&w, "(anonymous sales)");
        }
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, x->channel));
        csvout_int(&w, (long long)t->customers);
        csvout_int(&w, (long long)t->orders);
        csvout_num(&w, t->net, 2);
        csvout_num(&w, t->margin, 2);
        csvout_num(&w, t->channel_cost, 2);
        csvout_num(&w, t->contribution, 2);
        csvout_num(&w, ratio(t->channel_cost, t->net), 4);
        csvout_num(&w, x->cpc, 2);
        csvout_num(&w, x->cpc_lo, 2);
        csvout_num(&w, x->cpc_hi, 2);
        csvout_int(&w, x->segment >= 0 ? x->low_support : 1);
        csvout_int(&w, (long long)t->lines);
        csvout_num(&w, t->units, 2);
        csvout_num(&w, t->units_returned, 2);
        csvout_num(&w, t->cogs, 2);
        csvout_num(&w, t->commission, 2);
        csvout_num(&w, t->order_cost, 2);
        csvout_num(&w, t->unit_cost, 2);
        csvout_num(&w, t->return_cost, 2);
        csvout_num(&w, t->fixed_cost, 2);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_accounts(const struct dataset *ds, const struct economics *ec, const char *dir, int fr,
                          struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "accounts.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "channel", "account", "rank", "customers", "orders", "lines",
                                        "net", "margin", "channel_cost", "contribution",
                                        "cost_of_sales_ratio", "repeat_rate" };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    /* Channel by channel, best first. */
    for (uint32_t c = 0; c < ec->nch; c++)
        for (int r = 1; r <= (int)ec->naccounts; r++)
            for (size_t i = 0; i < ec->naccounts; i++) {
                const struct eco_account *x = &ec->accounts[i];
                if (x->channel != c || x->rank != r)
                    continue;
                csvout_str(&w, dataset_text(ds, DS_CHANNEL, c));
                csvout_str(&w, dataset_text(ds, DS_ACCOUNT, x->account));
                csvout_int(&w, x->rank);
                csvout_int(&w, (long long)x->t.customers);
                csvout_int(&w, (long long)x->t.orders);
                csvout_int(&w, (long long)x->t.lines);
                csvout_num(&w, x->t.net, 2);
                csvout_num(&w, x->t.margin, 2);
                csvout_num(&w, x->t.channel_cost, 2);
                csvout_num(&w, x->t.contribution, 2);
                csvout_num(&w, ratio(x->t.channel_cost, x->t.net), 4);
                csvout_num(&w, x->repeat_rate, 4);
                csvout_end(&w);
            }
    return report_close(&w, final, e);
}

static int write_whale(const struct dataset *ds, const struct economics *ec, const char *dir, int fr,
                       struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "whale_curve.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "channel", "customer_share", "contribution_share",
                                        "cumulative_contribution" };
    header(&w, head, 4);
    csvout_end(&w);
    for (size_t i = 0; i < ec->nwhale; i++) {
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, ec->whale[i].channel));
        csvout_num(&w, ec->whale[i].customer_share, 2);
        csvout_num(&w, ec->whale[i].contribution_share, 4);
        csvout_num(&w, ec->whale[i].cumulative_contribution, 2);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

/* One row; cac is the channel's (NaN for rows that are not of a channel):
   payback and the flag compare it with the row's own first-year value. */
static void ret_row(struct csvout *w, const char *level, const char *seg_id, const char *seg_name,
                    const char *chan, const struct ret_group *g, double cac)
{
    csvout_str(w, level);
    csvout_str(w, seg_id);
    csvout_str(w, seg_name);
    csvout_str(w, chan);
    csvout_int(w, g->acquired);
    csvout_int(w, g->no_positive);
    csvout_num(w, cac, 2);
    csvout_int(w, g->repeat);
    csvout_num(w, g->repeat_rate, 4);
    for (int k = 0; k < RET_NWIN; k++) {
        csvout_int(w, g->eligible[k]);
        csvout_int(w, g->retained[k]);
        csvout_num(w, g->eligible[k] ? g->ret_rate[k] : NAN, 4);
    }
    double fy = g->full_year ? g->fy_mean : NAN;
    csvout_int(w, g->full_year);
    csvout_num(w, fy, 2);
    csvout_num(w, eco_payback_months(cac, fy), 1);
    csvout_str(w, isfinite(cac) && isfinite(fy) ? (cac > fy ? "1" : "0") : "");
    csvout_end(w);
}

static int write_retention(const struct dataset *ds, const struct segmentation *s, const struct economics *ec,
                           const struct retention *r, const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "acquisition_retention.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = {
        "level", "segment", "segment_name", "channel", "new_customers", "customers_without_positive_order",
        "cac", "repeat_customers", "repeat_rate", "ret90_eligible", "ret90_retained", "ret90_rate",
        "ret180_eligible", "ret180_retained", "ret180_rate", "ret365_eligible", "ret365_retained",
        "ret365_rate", "first_year_customers", "first_year_contribution_mean", "payback_months",
        "cac_exceeds_first_year"
    };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    ret_row(&w, "all", "", "", "", &r->all, NAN);
    struct eco_acq acq[DS_MAX_CHANNELS + 1];
    eco_acquisition(ec, r, acq);
    for (uint32_t c = 0; c < r->nch; c++)
        ret_row(&w, "channel", "", "", dataset_text(ds, DS_CHANNEL, c), &r->by_ch[c], acq[c].cac);
    char id[16];
    for (int sg = 0; sg < r->nseg; sg++) {
        snprintf(id, sizeof id, "%d", s->model.id[sg]);
        ret_row(&w, "segment", id, names[sg], "", &r->by_seg[sg], NAN);
    }
    for (int sg = 0; sg < r->nseg; sg++)
        for (uint32_t c = 0; c < r->nch; c++) {
            const struct ret_group *g = &r->by_seg_ch[(size_t)sg * r->nch + c];
            if (g->acquired == 0)
                continue;
            snprintf(id, sizeof id, "%d", s->model.id[sg]);
            ret_row(&w, "segment_channel", id, names[sg], dataset_text(ds, DS_CHANNEL, c), g, acq[c].cac);
        }
    return report_close(&w, final, e);
}

static void month_text(int32_t m, char *b)
{
    snprintf(b, 16, "%04d-%02d", m / 12, m % 12 + 1);
}

static int write_cohorts(const struct dataset *ds, const struct retention *r, const char *dir, int fr,
                         struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "cohorts.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "cohort", "channel", "customers", "months_since", "month",
                                        "active", "retention" };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    char cm[16], mm[16];
    uint32_t nm = r->n_months;
    for (uint32_t c = 0; c < nm; c++) {
        for (int64_t chn = -1; chn < (int64_t)r->nch; chn++) {
            uint32_t size = chn < 0 ? r->new_all[c] : r->new_cust[(size_t)c * r->nch + (size_t)chn];
            if (size == 0)
                continue;
            month_text(r->first_month + (int32_t)c, cm);
            for (uint32_t k = 0; (int64_t)c + k <= r->cohort_last && c + k < nm; k++) {
                uint32_t act = chn < 0 ? r->cohort[(size_t)c * nm + k]
                                       : r->cohort_ch[((size_t)c * r->nch + (size_t)chn) * nm + k];
                month_text(r->first_month + (int32_t)(c + k), mm);
                csvout_str(&w, cm);
                csvout_str(&w, chn < 0 ? "" : dataset_text(ds, DS_CHANNEL, (uint32_t)chn));
                csvout_int(&w, size);
                csvout_int(&w, k);
                csvout_str(&w, mm);
                csvout_int(&w, act);
                csvout_num(&w, (double)act / size, 4);
                csvout_end(&w);
            }
        }
    }
    return report_close(&w, final, e);
}

static int write_switching(const struct dataset *ds, const struct retention *r, const char *dir, int fr,
                           struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "channel_switching.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "from_channel", "to_channel", "customers", "share",
                                        "customers_with_later_order" };
    header(&w, head, sizeof head / sizeof *head);
    csvout_end(&w);
    for (uint32_t a = 0; a < r->nch; a++)
        for (uint32_t b = 0; b < r->nch; b++) {
            csvout_str(&w, dataset_text(ds, DS_CHANNEL, a));
            csvout_str(&w, dataset_text(ds, DS_CHANNEL, b));
            csvout_int(&w, r->sw[(size_t)a * r->nch + b]);
            csvout_num(&w, r->sw_rows[a] ? (double)r->sw[(size_t)a * r->nch + b] / r->sw_rows[a] : NAN, 4);
            csvout_int(&w, r->sw_rows[a]);
            csvout_end(&w);
        }
    return report_close(&w, final, e);
}

int economics_csv_write(const struct dataset *ds, const struct segmentation *s, const struct economics *ec,
                        const struct retention *r, const char *dir, int fr, struct cx_err *e)
{
    int rc;
    if ((rc = report_mkdir(dir, e)) != CX_OK || (rc = write_channels(ds, ec, dir, fr, e)) != CX_OK ||
        (rc = write_cells(ds, s, ec, dir, fr, e)) != CX_OK || (rc = write_accounts(ds, ec, dir, fr, e)) != CX_OK ||
        (rc = write_whale(ds, ec, dir, fr, e)) != CX_OK ||
        (rc = write_retention(ds, s, ec, r, dir, fr, e)) != CX_OK ||
        (rc = write_cohorts(ds, r, dir, fr, e)) != CX_OK)
        return rc;
    return write_switching(ds, r, dir, fr, e);
}
