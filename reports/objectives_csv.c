/*
 * objectives_csv — see objectives_csv.h. Written under a temporary name
 * and renamed into place when complete.
 */
#include "reports/objectives_csv.h"

#include <math.h>

#include "reports/csvout.h"
#include "reports/segment_csv.h"

int objectives_csv_write(const struct dataset *ds, const struct objectives *ob, const char *dir, int fr,
                         struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "objectives.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "level", "channel", "account", "metric", "current", "target", "gap",
                                        "impact", "benchmark", "peers", "sample", "objective", "test", "statistic",
                                        "p_value", "p_adjusted" };
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        csvout_str(&w, head[i]);
    csvout_end(&w);
    for (size_t i = 0; i < ob->n && !w.failed; i++) {
        const struct obj_row *r = &ob->r[i];
        int prec = r->metric == OBJ_RETENTION ? 4 : 2;
        csvout_str(&w, obj_level_name(r->level));
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, r->channel));
        csvout_str(&w, r->account != DS_NONE ? dataset_text(ds, DS_ACCOUNT, r->account) : "");
        csvout_str(&w, obj_metric_name(r->metric));
        csvout_num(&w, r->current, prec);
        csvout_num(&w, r->target, prec);
        csvout_num(&w, r->gap, prec);
        csvout_num(&w, r->impact, 2);
        csvout_num(&w, r->benchmark, prec);
        csvout_int(&w, r->peers);
        csvout_num(&w, r->sample, 0);
        csvout_int(&w, r->objective);
        csvout_str(&w, isfinite(r->p) ? "one-sided z against the benchmark" : "");
        csvout_num(&w, r->stat, 4);
        csvout_exact(&w, r->p);
        csvout_exact(&w, r->p_adj);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}
