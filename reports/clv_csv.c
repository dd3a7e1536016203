/*
 * clv_csv — see clv_csv.h. Each file is written under a temporary name
 * and renamed into place when complete (report_open, report_close).
 */
#include "reports/clv_csv.h"

#include <math.h>
#include <stdio.h>

#include "reports/csvout.h"
#include "reports/segment_csv.h"

static void header(struct csvout *w, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csvout_str(w, cols[i]);
    csvout_end(w);
}

const char *clv_fit_source(const struct ltv *l, uint32_t c, int bg)
{
    int own = c < l->nch && (bg ? l->ch[c].bg_status : l->ch[c].gg_status) == LTV_FITTED;
    if (own)
        return "channel";
    return (bg ? l->bg_status : l->gg_status) == LTV_FITTED ? "pooled" : "none";
}

static int write_customers(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                           const struct ltv *l, const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "clv.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "customer_id", "segment", "acquisition_channel", "p_alive",
                                        "expected_purchases_365d", "expected_order_value", "clv_365d",
                                        "segment_name", "bgnbd_fit", "gamma_gamma_fit" };
    header(&w, head, sizeof head / sizeof *head);
    for (uint32_t c = 0; c < f->n && !w.failed; c++) {
        if (!f->present[c])
            continue;
        int seg = s->segment[c];
        uint8_t a = l->channel[c];
        int in = isfinite(l->p_alive[c]);
        csvout_str(&w, dataset_text(ds, DS_CUSTOMER, c));
        csvout_int(&w, s->model.id[seg]);
        csvout_str(&w, a != LTV_NO_CHANNEL ? dataset_text(ds, DS_CHANNEL, a) : "");
        csvout_num(&w, l->p_alive[c], 6);
        csvout_num(&w, l->purchases[c], 4);
        csvout_num(&w, l->value[c], 2);
        csvout_num(&w, l->clv[c], 2);
        csvout_str(&w, names[seg]);
        csvout_str(&w, in ? clv_fit_source(l, a, 1) : "");
        csvout_str(&w, isfinite(l->value[c]) ? clv_fit_source(l, a, 0) : "");
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_channels(const struct dataset *ds, const struct economics *ec, const struct ltv *l,
                          const char *dir, int fr, struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "clv_channels.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = {
        "channel", "new_customers", "clv_mean", "clv_ci_low", "clv_ci_high", "cac", "ltv_cac",
        "ltv_cac_ci_low", "ltv_cac_ci_high", "clv_model_se", "repeat_customers", "customers_with_clv", "clv_sd",
        "p_alive_mean",
        "expected_purchases_mean", "expected_order_value_mean", "contribution_ratio", "acquisition_spend",
        "in_cost_model", "bgnbd_fit", "bgnbd_status", "gamma_gamma_fit", "gamma_gamma_status"
    };
    header(&w, head, sizeof head / sizeof *head);
    for (uint32_t c = 0; c < l->nch; c++) {
        const struct ltv_channel *x = &l->ch[c];
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, c));
        csvout_int(&w, x->customers);
        csvout_num(&w, x->clv_mean, 2);
        csvout_num(&w, x->clv_lo, 2);
        csvout_num(&w, x->clv_hi, 2);
        csvout_num(&w, x->cac, 2);
        csvout_num(&w, x->ltv_cac, 4);
        csvout_num(&w, x->ltv_cac_lo, 4);
        csvout_num(&w, x->ltv_cac_hi, 4);
        csvout_num(&w, x->clv_model_se, 4);
        csvout_int(&w, x->repeat);
        csvout_int(&w, x->n_value);
        csvout_num(&w, x->clv_sd, 2);
        csvout_num(&w, x->p_alive_mean, 4);
        csvout_num(&w, x->purchases_mean, 4);
        csvout_num(&w, x->value_mean, 2);
        csvout_num(&w, x->contribution_ratio, 4);
        csvout_num(&w, x->spend, 2);
        csvout_int(&w, ec->model.ch[ec->ch[c].cm].in_model);
        csvout_str(&w, clv_fit_source(l, c, 1));
        csvout_str(&w, ltv_status_name(x->bg_status));
        csvout_str(&w, clv_fit_source(l, c, 0));
        csvout_str(&w, ltv_status_name(x->gg_status));
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

/* A row of holdout.csv. */
static void hold_row(struct csvout *w, const char *group, const char *channel, const char *x, double customers,
                     double actual, double predicted, double abs_err)
{
    csvout_str(w, group);
    csvout_str(w, channel);
    csvout_str(w, x);
    csvout_num(w, customers, 0);
    csvout_num(w, actual, 0);
    csvout_num(w, predicted, 4);
    csvout_num(w, customers > 0 ? actual / customers : NAN, 6);
    csvout_num(w, customers > 0 ? predicted / customers : NAN, 6);
    csvout_num(w, customers > 0 ? abs_err / customers : NAN, 6);
    csvout_end(w);
}

static int write_holdout(const struct dataset *ds, const struct ltv *l, const char *dir, int fr, struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "holdout.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "group", "channel", "calibration_repeat", "customers", "holdout_actual",
                                        "holdout_predicted", "mean_actual", "mean_predicted", "mae" };
    header(&w, head, sizeof head / sizeof *head);
    double n = 0;
    for (int k = 0; k < LTV_NCAL; k++)
        n += l->cal[k].customers;
    hold_row(&w, "all", "", "", n, l->hold_actual, l->hold_predicted, l->hold_abs_err);
    for (uint32_t c = 0; c < l->nch; c++)
        if (l->ch[c].customers)
            hold_row(&w, "channel", dataset_text(ds, DS_CHANNEL, c), "", l->ch[c].customers, l->ch[c].hold_actual,
                     l->ch[c].hold_predicted, l->ch[c].hold_abs_err);
    static const char *const xs[LTV_NCAL] = { "0", "1", "2", "3", "4", "5", "6", "7+" };
    for (int k = 0; k < LTV_NCAL; k++)
        hold_row(&w, "calibration", "", xs[k], l->cal[k].customers, l->cal[k].actual, l->cal[k].predicted,
                 l->cal[k].abs_err);
    return report_close(&w, final, e);
}

int clv_csv_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                  const struct economics *ec, const struct ltv *l, const char *dir, int fr, struct cx_err *e)
{
    int rc = write_customers(ds, f, s, l, dir, fr, e);
    if (rc == CX_OK)
        rc = write_channels(ds, ec, l, dir, fr, e);
    if (rc == CX_OK && l->opt.holdout_days > 0)
        rc = write_holdout(ds, l, dir, fr, e);
    return rc;
}
