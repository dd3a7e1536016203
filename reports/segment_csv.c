/*
 * segment_csv — the segmentation tables as spreadsheet CSV: customers.csv,
 * segments.csv, k_selection.csv and rfm_thresholds.csv (SPEC §4; the
 * stable columns first, in the SPEC's order).
 *
 * Each file is written under a temporary name in the folder and renamed
 * into place only when complete and closed without error, so a crash or a
 * full disk never leaves a half-written file under a final name.
 */
#include "reports/segment_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/rfm.h"
#include "reports/csvout.h"
#include "reports/lang.h"

/* Decimals of each feature in the CSV. */
static const int prec[F_N] = { 0, 0, 2, 2, 0, 2, 4, 4, 0 };

int report_open(struct csvout *w, const char *dir, const char *name, int fr, char **final,
                struct cx_err *e)
{
    size_t n = strlen(dir) + strlen(name) + 16;
    char *tmp = malloc(n);
    *final = malloc(n);
    if (tmp == NULL || *final == NULL) {
        free(tmp);
        free(*final);
        *final = NULL;
        return cx_nomem(e, "report");
    }
    snprintf(*final, n, "%s/%s", dir, name);
    snprintf(tmp, n, "%s/.%s.tmp", dir, name);
    int rc = csvout_open(w, tmp, fr, e);
    free(tmp);
    if (rc != CX_OK) {
        free(*final);
        *final = NULL;
    }
    return rc;
}

int report_close(struct csvout *w, char *final, struct cx_err *e)
{
    char *tmp = w->path ? strdup(w->path) : NULL;
    int rc = csvout_close(w, e);
    if (rc == CX_OK && tmp && rename(tmp, final) != 0)
        rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    if (rc != CX_OK && tmp)
        unlink(tmp);
    free(tmp);
    free(final);
    return rc;
}

void report_segment_names(const struct segmentation *s, int fr, char (*names)[REPORT_NAME])
{
    for (int j = 0; j < s->model.k; j++)
        lang_segment_name(fr ? LANG_FR : LANG_EN, s->model.name[j], names[j], REPORT_NAME);
}

int report_mkdir(const char *dir, struct cx_err *e)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return cx_fail(e, CX_EIO, "%s: exists and is not a directory", dir);
        return CX_OK;
    }
    if (mkdir(dir, 0777) != 0)
        return cx_fail(e, CX_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
    return CX_OK;
}

static void header(struct csvout *w, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        csvout_str(w, cols[i]);
}

static int write_customers(const struct dataset *ds, const struct features *f,
                           const struct segmentation *s, const double *p_alive, const double *clv, const char *dir,
                           int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "customers.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "customer_id", "segment", "segment_name" };
    header(&w, head, 3);
    for (int k = 0; k < F_N; k++)
        csvout_str(&w, features_name(k));
    static const char *const tail[] = { "r_score", "f_score", "m_score", "rfm_segment", "main_channel" };
    header(&w, tail, 5);
    uint32_t nch = f->nch;
    char col[96];
    for (uint32_t ch = 0; ch < nch; ch++) {
        snprintf(col, sizeof col, "channel_share_%s", dataset_text(ds, DS_CHANNEL, ch));
        csvout_str(&w, col);
    }
    if (p_alive && clv) {
        csvout_str(&w, "p_alive");
        csvout_str(&w, "clv_365d");
    }
    csvout_end(&w);
    for (uint32_t c = 0; c < f->n && !w.failed; c++) {
        if (!f->present[c])
            continue;
        int seg = s->segment[c];
        csvout_str(&w, dataset_text(ds, DS_CUSTOMER, c));
        csvout_int(&w, s->model.id[seg]);
        csvout_str(&w, names[seg]);
        for (int k = 0; k < F_N; k++)
            csvout_num(&w, f->v[k][c], prec[k]);
        csvout_int(&w, s->r[c]);
        csvout_int(&w, s->f[c]);
        csvout_int(&w, s->m[c]);
        csvout_str(&w, rfm_label(s->r[c], s->f[c], s->m[c]));
        csvout_str(&w, dataset_text(ds, DS_CHANNEL, f->main_channel[c]));
        for (uint32_t ch = 0; ch < nch; ch++)
            csvout_num(&w, f->chan_share[(size_t)c * nch + ch], 4);
        if (p_alive && clv) {
            csvout_num(&w, p_alive[c], 6);
            csvout_num(&w, clv[c], 2);
        }
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_segments(const struct dataset *ds, const struct features *f,
                          const struct segmentation *s, const char *dir, int fr, struct cx_err *e)
{
    char names[SEG_MAX_K][REPORT_NAME];
    report_segment_names(s, fr, names);
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "segments.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    uint32_t nch = dataset_count(ds, DS_CHANNEL);
    int k = s->model.k;
    /* Share of each segment's customers by main channel, and of its net of
       positive orders by channel. */
    double *mainsh = calloc((size_t)k * nch + 1, sizeof *mainsh);
    double *chnet = calloc((size_t)k * nch + 1, sizeof *chnet), *segnet = calloc((size_t)k + 1, sizeof *segnet);
    if (mainsh == NULL || chnet == NULL || segnet == NULL) {
        free(mainsh);
        free(chnet);
        free(segnet);
        csvout_close(&w, e);
        free(final);
        return cx_nomem(e, "segments.csv");
    }
    for (uint32_t c = 0; c < f->n; c++) {
        if (!f->present[c])
            continue;
        size_t sg = (size_t)s->segment[c];
        double pnet = f->v[F_AOV][c] * f->v[F_FREQUENCY][c];
        mainsh[sg * nch + f->main_channel[c]] += 1;
        segnet[sg] += pnet;
        for (uint32_t ch = 0; ch < nch; ch++)
            chnet[sg * nch + ch] += pnet * f->chan_share[(size_t)c * nch + ch];
    }
    static const char *const head[] = { "segment", "segment_name", "customers", "share", "net_share" };
    header(&w, head, 5);
    char col[96];
    for (int t = 0; t < F_N; t++) {
        snprintf(col, sizeof col, "median_%s", features_name(t));
        csvout_str(&w, col);
    }
    for (int t = 0; t < F_N; t++) {
        snprintf(col, sizeof col, "mean_%s", features_name(t));
        csvout_str(&w, col);
    }
    for (uint32_t ch = 0; ch < nch; ch++) {
        snprintf(col, sizeof col, "channel_share_%s", dataset_text(ds, DS_CHANNEL, ch));
        csvout_str(&w, col);
    }
    for (uint32_t ch = 0; ch < nch; ch++) {
        snprintf(col, sizeof col, "main_channel_share_%s", dataset_text(ds, DS_CHANNEL, ch));
        csvout_str(&w, col);
    }
    csvout_end(&w);
    for (int j = 0; j < k; j++) {
        const struct seg_profile *p = &s->prof[j];
        csvout_int(&w, s->model.id[j]);
        csvout_str(&w, names[j]);
        csvout_int(&w, (long long)p->customers);
        csvout_num(&w, p->share, 4);
        csvout_num(&w, p->monetary_share, 4);
        for (int t = 0; t < F_N; t++)
            csvout_num(&w, p->median[t], prec[t] ? prec[t] : 1);
        for (int t = 0; t < F_N; t++)
            csvout_num(&w, p->mean[t], prec[t] > 2 ? prec[t] : 2);
        for (uint32_t ch = 0; ch < nch; ch++)
            csvout_num(&w, segnet[j] > 0 ? chnet[(size_t)j * nch + ch] / segnet[j] : 0, 4);
        for (uint32_t ch = 0; ch < nch; ch++)
            csvout_num(&w, p->customers ? mainsh[(size_t)j * nch + ch] / (double)p->customers : 0, 4);
        csvout_end(&w);
    }
    free(mainsh);
    free(chnet);
    free(segnet);
    return report_close(&w, final, e);
}

static int write_kselection(const struct segmentation *s, const char *dir, int fr, struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "k_selection.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "k", "inertia", "calinski_harabasz", "silhouette", "chosen" };
    header(&w, head, 5);
    csvout_end(&w);
    for (int i = 0; i < s->nscores; i++) {
        const struct seg_kscore *sc = &s->scores[i];
        csvout_int(&w, sc->k);
        csvout_num(&w, sc->inertia, 2);
        csvout_num(&w, sc->ch, 2);
        csvout_num(&w, sc->silhouette, 4);
        csvout_int(&w, sc->k == s->chosen_k);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

static int write_rfm(const struct segmentation *s, const char *dir, int fr, struct cx_err *e)
{
    struct csvout w;
    char *final;
    int rc = report_open(&w, dir, "rfm_thresholds.csv", fr, &final, e);
    if (rc != CX_OK)
        return rc;
    static const char *const head[] = { "dimension", "threshold_1", "threshold_2", "threshold_3",
                                        "threshold_4", "score_1", "score_2", "score_3", "score_4",
                                        "score_5" };
    static const char *const dim[] = { "recency_days", "frequency", "monetary" };
    header(&w, head, 10);
    csvout_end(&w);
    for (int d = 0; d < 3; d++) {
        csvout_str(&w, dim[d]);
        for (int t = 0; t < 4; t++)
            csvout_num(&w, s->bins[d].thr[t], 2);
        for (int t = 0; t < 5; t++)
            csvout_int(&w, (long long)s->bins[d].count[t]);
        csvout_end(&w);
    }
    return report_close(&w, final, e);
}

int segment_csv_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                      const double *p_alive, const double *clv, const char *dir, int fr, struct cx_err *e)
{
    int rc;
    if ((rc = report_mkdir(dir, e)) != CX_OK || (rc = write_customers(ds, f, s, p_alive, clv, dir, fr, e)) != CX_OK ||
        (rc = write_segments(ds, f, s, dir, fr, e)) != CX_OK || (rc = write_rfm(s, dir, fr, e)) != CX_OK)
        return rc;
    if (s->nscores > 1 || s->k_capped_from)   /* k was chosen, or held down */
        rc = write_kselection(s, dir, fr, e);
    return rc;
}

int segment_matrix_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                         const char *path, struct cx_err *e)
{
    struct csvout w;
    int rc = csvout_open(&w, path, 0, e);
    if (rc != CX_OK)
        return rc;
    const struct seg_model *m = &s->model;
    csvout_str(&w, "customer_id");
    for (int j = 0; j < m->d; j++)
        csvout_str(&w, features_name(m->feat[j]));
    csvout_end(&w);
    double z[F_N];
    for (uint32_t c = 0; c < f->n && !w.failed; c++) {
        if (!f->present[c])
            continue;
        segment_standardise(m, f, c, z);
        csvout_str(&w, dataset_text(ds, DS_CUSTOMER, c));
        for (int j = 0; j < m->d; j++)
            csvout_exact(&w, z[j]);
        csvout_end(&w);
    }
    return csvout_close(&w, e);
}
