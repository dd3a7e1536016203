/*
 * console — see console.h.
 */
#include "reports/console.h"

void console_segments(FILE *fp, const struct segmentation *s, const struct features *f, const char *dir)
{
    if (s->nscores > 1) {
        fprintf(fp, "k     inertia  Calinski-Harabasz  silhouette\n");
        for (int i = 0; i < s->nscores; i++)
            fprintf(fp, "%-2d %11.1f %18.1f %11.4f%s\n", s->scores[i].k, s->scores[i].inertia, s->scores[i].ch,
                    s->scores[i].silhouette, s->scores[i].k == s->chosen_k ? "  <- chosen" : "");
        fprintf(fp, "\n");
    }
    fprintf(fp, "%u customers in %d segments%s:\n", f->n_present, s->model.k,
            s->matched ? " (ids matched to the saved model)" : "");
    for (int j = 0; j < s->model.k; j++)
        fprintf(fp, "  %2d %-24s %8zu customers (%4.1f%%), median recency %.0f d, frequency %.0f, monetary %.2f\n",
                s->model.id[j], s->model.name[j], s->prof[j].customers, 100 * s->prof[j].share,
                s->prof[j].median[F_RECENCY], s->prof[j].median[F_FREQUENCY], s->prof[j].median[F_MONETARY]);
    fprintf(fp, "Written to %s/\n", dir);
}

void console_channels(FILE *fp, const struct dataset *ds, const struct costmodel *cm, const struct economics *ec)
{
    fprintf(fp, "\nCost model: %s. Fixed costs are pro-rated to the %d days analysed and shared among\n"
            "segments by net revenue.\n%-16s %14s %14s %14s %8s\n", cm->source, ec->days, "channel", "net",
            "channel cost", "contribution", "CoS");
    for (uint32_t c = 0; c < ec->nch; c++)
        fprintf(fp, "%-16s %14.2f %14.2f %14.2f %7.1f%%\n", dataset_text(ds, DS_CHANNEL, c), ec->ch[c].t.net,
                ec->ch[c].t.channel_cost, ec->ch[c].t.contribution,
                ec->ch[c].t.net != 0 ? 100 * ec->ch[c].t.channel_cost / ec->ch[c].t.net : 0.0);
}

void console_recommendations(FILE *fp, const struct dataset *ds, const struct segmentation *s,
                             const struct recommendations *rec, const char *report_dir)
{
    fprintf(fp, "\nBest channel per segment:\n");
    for (size_t i = 0; i < rec->n; i++)
        if (rec->r[i].kind == REC_CHANNEL_FIT)
            fprintf(fp, "  %-24s %s\n", s->model.name[rec->r[i].segment],
                    rec->r[i].channel >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)rec->r[i].channel)
                                           : "no channel stands out");
    fprintf(fp, "\nTop recommendations:\n");
    for (size_t i = 0; i < rec->n && i < 3; i++)
        fprintf(fp, "  %zu. %s\n", i + 1, rec->r[i].text);
    if (report_dir)
        fprintf(fp, "\nReport: %s/report.html\n", report_dir);
}
