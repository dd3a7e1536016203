/*
 * console — see console.h. Every sentence is written in both languages
 * side by side; the numbers follow the language (reports/lang.h).
 */
#include "reports/console.h"

#include <math.h>
#include <string.h>

#include "reports/rec_text.h"
#include "reports/segment_csv.h"

void console_segments(FILE *fp, enum lang l, const struct segmentation *s, const struct features *f, const char *dir)
{
    int fr = l == LANG_FR;
    char a[64], b[64], c[64], d[64];
    if (s->nscores > 1) {
        fprintf(fp, "k     %s  Calinski-Harabasz  silhouette\n", fr ? "inertie" : "inertia");
        for (int i = 0; i < s->nscores; i++)
            fprintf(fp, "%-2d %11s %18s %11s%s\n", s->scores[i].k, lang_num(a, sizeof a, l, s->scores[i].inertia, 1),
                    lang_num(b, sizeof b, l, s->scores[i].ch, 1), lang_num(c, sizeof c, l, s->scores[i].silhouette, 4),
                    s->scores[i].k == s->chosen_k ? (fr ? "  <- retenu" : "  <- chosen") : "");
        fprintf(fp, "\n");
    }
    if (s->k_capped_from)
        fprintf(fp, fr ? "Note : %u clients seulement ; le choix automatique de k est limité à %d (%d clients par "
                         "segment en moyenne), au lieu de %d au plus.\n"
                       : "Note: only %u customers; the automatic choice of k is limited to %d (%d customers a "
                         "segment on average) instead of up to %d.\n",
                f->n_present, s->model.k, SEG_MIN_PER_K, s->k_capped_from);
    fprintf(fp, fr ? "%u clients en %d segments%s :\n" : "%u customers in %d segments%s:\n", f->n_present, s->model.k,
            s->matched ? (fr ? " (identifiants repris du modèle enregistré)" : " (ids matched to the saved model)") : "");
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    for (int j = 0; j < s->model.k; j++)
        fprintf(fp, fr ? "  %2d %-24s %8zu clients (%s), récence médiane %s j, fréquence %s, chiffre %s\n"
                       : "  %2d %-24s %8zu customers (%s), median recency %s d, frequency %s, monetary %s\n",
                s->model.id[j], names[j], s->prof[j].customers, lang_pct(a, sizeof a, l, s->prof[j].share, 1),
                lang_num(b, sizeof b, l, s->prof[j].median[F_RECENCY], 0),
                lang_num(c, sizeof c, l, s->prof[j].median[F_FREQUENCY], 0),
                lang_num(d, sizeof d, l, s->prof[j].median[F_MONETARY], 2));
    fprintf(fp, fr ? "Écrit dans %s/\n" : "Written to %s/\n", dir);
}

void console_channels(FILE *fp, enum lang l, const struct dataset *ds, const struct costmodel *cm,
                      const struct economics *ec)
{
    int fr = l == LANG_FR;
    char a[64], b[64], c[64], d[64];
    fprintf(fp, fr ? "\nModèle de coûts : %s. Les coûts fixes sont ramenés aux %d jours analysés et répartis entre\n"
                     "les segments au prorata du chiffre.\n"
                   : "\nCost model: %s. Fixed costs are pro-rated to the %d days analysed and shared among\n"
                     "segments by net revenue.\n",
            strcmp(cm->source, "built-in") == 0 && fr ? "intégré" : cm->source, ec->days);
    int missing = 0;
    for (uint32_t ch = 0; ch < ec->nch; ch++)
        missing += !ec->model.ch[ec->ch[ch].cm].in_model;
    if (missing) {
        fprintf(fp, fr ? "Canaux absents du modèle de coûts (coût inconnu, comptés à zéro, jamais nommés dans une "
                         "recommandation qui dépend du coût) :"
                       : "Channels missing from the cost model (cost unknown, counted at zero, never named by a "
                         "recommendation that depends on cost):");
        int first = 1;
        for (uint32_t ch = 0; ch < ec->nch; ch++)
            if (!ec->model.ch[ec->ch[ch].cm].in_model) {
                fprintf(fp, "%s %s", first ? "" : ",", dataset_text(ds, DS_CHANNEL, ch));
                first = 0;
            }
        fprintf(fp, "\n");
    }
    fprintf(fp, "%-16s %14s %14s %14s %8s\n", fr ? "canal" : "channel", fr ? "chiffre" : "net",
            fr ? "coût canal" : "channel cost", "contribution", fr ? "CdV" : "CoS");
    for (uint32_t ch = 0; ch < ec->nch; ch++) {
        const struct eco_totals *t = &ec->ch[ch].t;
        int known = ec->model.ch[ec->ch[ch].cm].in_model;
        fprintf(fp, "%-16s %14s %14s %14s %8s\n", dataset_text(ds, DS_CHANNEL, ch), lang_num(a, sizeof a, l, t->net, 2),
                known ? lang_num(b, sizeof b, l, t->channel_cost, 2) : (fr ? "inconnu" : "unknown"),
                lang_num(c, sizeof c, l, t->contribution, 2),
                known && t->net != 0 ? lang_pct(d, sizeof d, l, t->channel_cost / t->net, 1) : "n/a");
    }
}

void console_recommendations(FILE *fp, enum lang l, const struct dataset *ds, const struct segmentation *s,
                             const struct recommendations *rec, const char *report_dir)
{
    int fr = l == LANG_FR;
    struct rec_names names = { ds, s, rec, l };
    char seg[REPORT_NAME], text[1024];
    fprintf(fp, fr ? "\nMeilleur canal par segment :\n" : "\nBest channel per segment:\n");
    for (size_t i = 0; i < rec->n; i++) {
        const struct rec *r = &rec->r[i];
        if (r->kind != REC_CHANNEL_FIT)
            continue;
        fprintf(fp, "  %-24s %s\n", rec_segment_name(&names, r->segment, seg, sizeof seg),
                r->channel >= 0 ? dataset_text(ds, DS_CHANNEL, (uint32_t)r->channel) : rec_no_fit_reason(&names, r));
    }
    fprintf(fp, fr ? "\nPrincipales recommandations :\n" : "\nTop recommendations:\n");
    size_t shown = 0;
    for (size_t i = 0; i < rec->n && shown < 3; i++) {
        if (rec->r[i].kind == REC_CHANNEL_FIT && rec->r[i].channel < 0)
            continue;   /* "no channel stands out" is listed above */
        rec_text(&names, &rec->r[i], text, sizeof text);
        fprintf(fp, "  %zu. %s\n", ++shown, text);
    }
    if (shown == 0)
        fprintf(fp, fr ? "  Aucune : rien dans ces données ne se distingue du bruit.\n"
                       : "  None: nothing in this data stands out from its noise.\n");
    if (report_dir)
        fprintf(fp, fr ? "\nRapport : %s/report.html\n" : "\nReport: %s/report.html\n", report_dir);
}
