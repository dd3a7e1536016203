/*
 * recommend_csv — see recommend_csv.h. The stable columns of
 * recommendations.csv come first, in the SPEC's order.
 */
#include "reports/recommend_csv.h"

#include <math.h>
#include <stdio.h>

#include "reports/csvout.h"
#include "reports/rec_text.h"
#include "reports/segment_csv.h"

static const char *const months[12] = { "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12" };

static void seg_cells(struct csvout *w, const struct segmentation *s, int seg)
{
    if (seg >= 0)
        csvout_int(w, s->model.id[seg]);
    else
        csvout_str(w, "");
}

static int write_recs(const struct dataset *ds, const struct segmentation *s, const struct recommendations *r,
                      const char *dir, int fr, struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "recommendations.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "rank", "kind", "segment", "channel", "account", "product", "text",
                                        "impact", "impact_ci_low", "impact_ci_high", "confidence", "evidence",
                                        "segment_name", "target_channel", "month", "action", "test", "statistic",
                                        "p_value", "p_adjusted", "adjustment", "family", "paired" };
    static const char *const adj[] = { "", "holm", "benjamini-hochberg", "bonferroni" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csvout_str(&w, head[i]);
    csvout_end(&w);
    struct rec_names names = { ds, s, r, fr ? LANG_FR : LANG_EN };
    char text[1024], seg[160];
    for (size_t i = 0; i < r->n; i++) {
        const struct rec *x = &r->r[i];
        csvout_int(&w, (long long)i + 1);
        csvout_str(&w, rec_kind_name(x->kind));
        seg_cells(&w, s, x->segment);
        csvout_str(&w, x->channel >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)x->channel) : "");
        csvout_str(&w, "");
        csvout_str(&w, x->product != DS_NONE ? dataset_text(ds, DS_PRODUCT, x->product) : "");
        rec_text(&names, x, text, sizeof text);
        csvout_str(&w, text);
        csvout_num(&w, x->impact, 2);
        csvout_num(&w, x->impact_lo, 2);
        csvout_num(&w, x->impact_hi, 2);
        csvout_str(&w, rec_confidence_name(x->confidence));
        rec_evidence(&names, x, text, sizeof text);
        csvout_str(&w, text);
        csvout_str(&w, rec_segment_name(&names, x->segment, seg, sizeof seg));
        csvout_str(&w, x->target_channel >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)x->target_channel) : "");
        if (x->month)
            csvout_int(&w, x->month);
        else
            csvout_str(&w, "");
        csvout_str(&w, rec_action_name(x->action));
        csvout_str(&w, x->test != RT_NONE ? rec_test_name(x->test) : "");
        csvout_num(&w, x->stat, 4);
        csvout_exact(&w, x->p);
        csvout_exact(&w, x->p_adj);
        csvout_str(&w, adj[x->adjust]);
        if (x->family)
            csvout_int(&w, (long long)x->family);
        else
            csvout_str(&w, "");
        csvout_int(&w, x->paired);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_prices(const struct dataset *ds, const struct recommendations *r, const char *dir, int fr,
                        struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "prices.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "product", "channel", "channels_compared", "lines", "units",
                                        "median_unit_price", "reference_channel", "reference_lines",
                                        "reference_median", "departure", "u", "p_value",
                                        "p_adjusted", "flagged", "revenue_at_stake", "channel_discount_rate",
                                        "channel_discount_expected", "channel_discount_p_adjusted" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csvout_str(&w, head[i]);
    csvout_end(&w);
    for (size_t i = 0; i < r->nprice; i++) {
        const struct rec_price *x = &r->price[i];
        const struct rec_discount *d = &r->discount[x->channel];
        csvout_str(&w, dataset_text(ds, DS_PRODUCT, x->product));
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, x->channel));
        csvout_int(&w, (long long)x->compared);
        csvout_int(&w, (long long)x->lines);
        csvout_num(&w, x->units, 2);
        csvout_num(&w, x->price, 4);
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, x->reference));
        csvout_int(&w, (long long)x->other_lines);
        csvout_num(&w, x->median, 4);
        csvout_num(&w, x->departure, 4);
        csvout_num(&w, x->u, 1);
        csvout_exact(&w, x->p);
        csvout_exact(&w, x->p_adj);
        csvout_int(&w, x->flagged);
        csvout_num(&w, x->at_stake, 2);
        csvout_num(&w, d->rate, 4);
        csvout_num(&w, d->expected, 4);
        csvout_exact(&w, d->p_adj);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_season(const struct dataset *ds, const struct segmentation *s, const struct recommendations *r,
                        const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "seasonality.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "segment", "segment_name", "channel", "month", "net", "index" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csvout_str(&w, head[i]);
    csvout_end(&w);
    for (size_t i = 0; i < r->nseason; i++) {
        const struct rec_season *x = &r->season[i];
        for (int m = 0; m < 12; m++) {
            seg_cells(&w, s, x->segment);
            csvout_str(&w, names[x->segment]);
            csvout_str(&w, x->channel >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)x->channel) : "");
            csvout_str(&w, months[m]);
            csvout_num(&w, x->net[m], 2);
            csvout_num(&w, x->index[m], 4);
            csvout_end(&w);
        }
    }
    return report_close(&w, final, e);
}

static int write_products(const struct dataset *ds, const struct segmentation *s, const struct basket *bk,
                          const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "products.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "segment", "segment_name", "type", "item", "with_item", "orders", "support",
                                        "confidence", "lift", "net", "best_share", "rest_share",
                                        "rest_customers_without" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csvout_str(&w, head[i]);
    csvout_end(&w);
    for (size_t i = 0; i < bk->nlift; i++) {
        const struct bsk_lift *x = &bk->lift[i];
        seg_cells(&w, s, x->segment);
        csvout_str(&w, names[x->segment]);
        csvout_str(&w, x->is_category ? "category" : "product");
        csvout_str(&w, dataset_text(ds, x->is_category ? DS_CATEGORY : DS_PRODUCT, x->item));
        csvout_str(&w, "");
        csvout_int(&w, (long long)x->orders);
        csvout_num(&w, x->support, 4);
        csvout_str(&w, "");
        csvout_num(&w, x->lift, 3);
        csvout_num(&w, x->net, 2);
        csvout_str(&w, "");
        csvout_str(&w, "");
        csvout_str(&w, "");
        csvout_end(&w);
    }
    for (size_t i = 0; i < bk->nrule; i++) {
        const struct bsk_rule *x = &bk->rule[i];
        seg_cells(&w, s, x->segment);
        csvout_str(&w, names[x->segment]);
        csvout_str(&w, "rule");
        csvout_str(&w, dataset_text(ds, DS_PRODUCT, x->b));
        csvout_str(&w, dataset_text(ds, DS_PRODUCT, x->a));
        csvout_int(&w, (long long)x->count);
        csvout_num(&w, x->support, 4);
        csvout_num(&w, x->confidence, 4);
        csvout_num(&w, x->lift, 3);
        csvout_str(&w, "");
        csvout_str(&w, "");
        csvout_str(&w, "");
        csvout_str(&w, "");
        csvout_end(&w);
    }
    for (size_t i = 0; i < bk->nup; i++) {
        const struct bsk_upsell *x = &bk->up[i];
        seg_cells(&w, s, x->segment);
        csvout_str(&w, names[x->segment]);
        csvout_str(&w, "upsell");
        csvout_str(&w, dataset_text(ds, DS_PRODUCT, x->product));
        for (int k = 0; k < 6; k++)
            csvout_str(&w, "");
        csvout_num(&w, x->best_share, 4);
        csvout_num(&w, x->rest_share, 4);
        csvout_int(&w, (long long)x->rest_customers_without);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

int recommend_csv_write(const struct dataset *ds, const struct segmentation *s, const struct recommendations *r,
                        const struct basket *bk, const char *dir, int fr, struct cx_err *e)
{
    int rc;
    if ((rc = report_mkdir(dir, e)) != CX_OK || (rc = write_recs(ds, s, r, dir, fr, e)) != CX_OK ||
        (rc = write_prices(ds, r, dir, fr, e)) != CX_OK || (rc = write_products(ds, s, bk, dir, fr, e)) != CX_OK)
        return rc;
    return write_season(ds, s, r, dir, fr, e);
}
