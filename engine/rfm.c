/*
 * rfm — see rfm.h.
 *
 * Only the sorted values are needed, never the sorted order of customers:
 * a score compares a value with four thresholds, so sorting plain doubles
 * (no index, no stability question) is enough and ties cannot be split.
 * Recency is negated on the copy so that all three dimensions are "higher is
 * better" and share one code path; its thresholds are negated back.
 */
#include "engine/rfm.h"
#include "engine/radix.h"

#include <math.h>
#include <stdlib.h>

/* Scores one dimension: x[0..n) copied (negated when neg) into tmp, sorted,
   cut. Returns 0, or -1 when out of memory for the sort. */
static int score_dim(const double *x, int neg, size_t n, double *tmp, uint8_t *out,
                     struct rfm_bins *b)
{
    double sign = neg ? -1.0 : 1.0;
    for (size_t i = 0; i < n; i++)
        tmp[i] = sign * x[i];
    if (radix_sort_f64(tmp, n, 0) != 0)
        return -1;
    double t[4];
    for (size_t q = 0; q < 4; q++)
        t[q] = tmp[((q + 1) * n + 4) / 5 - 1];   /* ceil((q+1)·n/5) − 1 */
    size_t count[5] = { 0 };
    for (size_t i = 0; i < n; i++) {
        double v = sign * x[i];
        int s = 1 + (v > t[0]) + (v > t[1]) + (v > t[2]) + (v > t[3]);
        out[i] = (uint8_t)s;
        count[s - 1]++;
    }
    if (b != NULL) {
        for (int q = 0; q < 4; q++)
            b->thr[q] = sign * t[q] + 0.0;   /* + 0.0: no "-0" threshold */
        for (int s = 0; s < 5; s++)
            b->count[s] = count[s];
    }
    return 0;
}

int rfm_score(const double *recency, const double *frequency, const double *monetary, size_t n,
              uint8_t *r, uint8_t *f, uint8_t *m, struct rfm_bins bins[3], struct cx_err *e)
{
    if (n == 0) {
        for (int d = 0; bins != NULL && d < 3; d++)
            bins[d] = (struct rfm_bins){ { NAN, NAN, NAN, NAN }, { 0, 0, 0, 0, 0 } };
        return CX_OK;
    }
    if (!recency || !frequency || !monetary || !r || !f || !m)
        return cx_fail(e, CX_EINTERNAL, "RFM scores: NULL array for %zu customers", n);
    const double *in[3] = { recency, frequency, monetary };
    static const char *const what[3] = { "recency_days", "frequency", "monetary" };
    for (int d = 0; d < 3; d++)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(in[d][i]))
                return cx_fail(e, CX_EINTERNAL, "RFM scores: %s of customer %zu is not a finite number",
                               what[d], i);
    if (n > (size_t)-1 / (3 * sizeof(double)))
        return cx_nomem(e, "RFM sort buffers");
    double *tmp = malloc(3 * n * sizeof *tmp);
    if (tmp == NULL)
        return cx_nomem(e, "RFM sort buffers");
    uint8_t *out[3] = { r, f, m };
    int bad = 0;
    #pragma omp parallel for schedule(static, 1) num_threads(3) reduction(|:bad)
    for (int d = 0; d < 3; d++)
        bad |= score_dim(in[d], d == 0, n, tmp + (size_t)d * n, out[d], bins != NULL ? &bins[d] : NULL);
    free(tmp);
    return bad ? cx_nomem(e, "RFM sort buffers") : CX_OK;
}

/* One rule: R in [rlo, rhi] and FM in [flo, fhi]. */
struct rule {
    const char *name;
    int rlo, rhi, flo, fhi;
};

static const struct rule rules[RFM_NLABELS - 1] = {
    { "Champions",          4, 5, 4, 5 },
    { "Loyal Customers",    2, 5, 3, 5 },
    { "New Customers",      4, 5, 1, 1 },
    { "Promising",          3, 4, 1, 1 },
    { "Potential Loyalist", 3, 5, 1, 3 },
    { "Need Attention",     2, 3, 2, 3 },
    { "About To Sleep",     2, 3, 1, 2 },
    { "Can't Lose Them",    1, 1, 4, 5 },
    { "At Risk",            1, 2, 2, 5 },
    { "Lost",               1, 2, 1, 2 },
};

static const char others[] = "Others";

int rfm_label_id(int r, int f, int m)
{
    if (r < 1 || r > 5 || f < 1 || f > 5 || m < 1 || m > 5)
        return RFM_NLABELS - 1;
    int fm = (f + m + 1) / 2;
    for (int k = 0; k < RFM_NLABELS - 1; k++)
        if (r >= rules[k].rlo && r <= rules[k].rhi && fm >= rules[k].flo && fm <= rules[k].fhi)
            return k;
    return RFM_NLABELS - 1;
}

const char *rfm_label_name(int id)
{
    return id >= 0 && id < RFM_NLABELS - 1 ? rules[id].name : others;
}

const char *rfm_label(int r, int f, int m)
{
    return rfm_label_name(rfm_label_id(r, f, m));
}
