/*
 * naming — see naming.h, which holds the rule tables. The vocabulary order
 * is the tie order: names are the columns of the assignment, so its "lowest
 * indices" rule gives, on equal totals, the earliest names to the lowest
 * segment indices.
 */
#include "engine/naming.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/assign.h"

enum { NF = 8 };  /* features of a profile */

static const char *const vocab[NAMING_NVOCAB] = {
    "Champions", "Loyal", "Big spenders", "New", "Promising", "At risk", "Lapsed",
    "Occasional", "Bargain hunters", "Returners", "Explorers", "Light buyers", "Mainstream",
};

/* Per feature, in struct order: log transform?, floor of the spread, name. */
static const struct {
    int log;
    double floor;
    const char *name;
} feat[NF] = {
    { 0, 7.0, "recency" },       { 1, 0.2, "frequency" },   { 1, 0.2, "monetary" },
    { 1, 0.2, "aov" },           { 0, 14.0, "tenure" },     { 0, 0.02, "return_rate" },
    { 0, 0.02, "discount_rate" }, { 0, 0.5, "breadth" },
};

static void unpack(const struct naming_profile *p, double x[NF])
{
    x[0] = p->recency;
    x[1] = p->frequency;
    x[2] = p->monetary;
    x[3] = p->aov;
    x[4] = p->tenure;
    x[5] = p->return_rate;
    x[6] = p->discount_rate;
    x[7] = p->breadth;
}

static double slog1p(double x)
{
    return x >= 0 ? log1p(x) : -log1p(-x);
}

const char *naming_vocab(int j)
{
    return j >= 0 && j < NAMING_NVOCAB ? vocab[j] : NULL;
}

int naming_scores(const struct naming_profile *seg, const struct naming_profile *pop_median,
                  const struct naming_profile *pop_scale, double score[NAMING_NVOCAB],
                  struct cx_err *e)
{
    if (seg == NULL || pop_median == NULL || score == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: NULL profile");
    double s[NF], med[NF], sc[NF], z[NF];
    unpack(seg, s);
    unpack(pop_median, med);
    if (pop_scale != NULL)
        unpack(pop_scale, sc);
    for (int i = 0; i < NF; i++) {
        if (!isfinite(s[i]) || !isfinite(med[i]))
            return cx_fail(e, CX_EINTERNAL, "segment naming: %s %s is not a finite number",
                           !isfinite(s[i]) ? "segment" : "population", feat[i].name);
        double spread;
        if (pop_scale != NULL && isfinite(sc[i]) && sc[i] > 0)
            spread = feat[i].log ? sc[i] / (1 + fabs(med[i])) : sc[i];
        else
            spread = feat[i].log ? log(2.0) : fabs(med[i]);
        spread = fmax(spread, feat[i].floor);
        double dev = feat[i].log ? slog1p(s[i]) - slog1p(med[i]) : s[i] - med[i];
        z[i] = fmin(3.0, fmax(-3.0, dev / spread));
    }
    double r = z[0], f = z[1], m = z[2], a = z[3], t = z[4], q = z[5], d = z[6], b = z[7];
    double absum = 0;
    for (int i = 0; i < NF; i++)
        absum += fabs(z[i]);
    score[0] = (-r + f + m) / 3;              /* Champions */
    score[1] = (f + t - fabs(r)) / 2;        /* Loyal */
    score[2] = (2 * a + m) / 3;               /* Big spenders */
    score[3] = (-2 * t - r) / 3;              /* New */
    score[4] = (f - r - t) / 3;               /* Promising */
    score[5] = (2 * r + f + m) / 4;           /* At risk */
    score[6] = (2 * r - f - m) / 4;           /* Lapsed */
    score[7] = (-2 * f - fabs(r)) / 3;        /* Occasional */
    score[8] = d;                             /* Bargain hunters */
    score[9] = q;                             /* Returners */
    score[10] = b - f / 2;                    /* Explorers */
    score[11] = (-a - m - fabs(r)) / 3;       /* Light buyers: small, and still buying */
    score[12] = 0.5 - absum / NF;             /* Mainstream */
    return CX_OK;
}

int naming_assign(const struct naming_profile *seg, int k, const struct naming_profile *pop_median,
                  const struct naming_profile *pop_scale, const char **names, char *buf,
                  struct cx_err *e)
{
    if (k < 0)
        return cx_fail(e, CX_EINTERNAL, "segment naming: %d segments", k);
    if (k == 0)
        return CX_OK;
    if (seg == NULL || pop_median == NULL || names == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: NULL argument");
    if (k > NAMING_NVOCAB && buf == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: %d segments need a name buffer", k);
    int copies = (k + NAMING_NVOCAB - 1) / NAMING_NVOCAB, ncol = copies * NAMING_NVOCAB;
    size_t ku = (size_t)k;
    double *score = malloc(ku * NAMING_NVOCAB * sizeof *score);
    double *cost = malloc(ku * (size_t)ncol * sizeof *cost);
    int *col = malloc(ku * sizeof *col);
    int rc = CX_OK;
    if (score == NULL || cost == NULL || col == NULL) {
        rc = cx_nomem(e, "segment naming");
        goto done;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < k; i++) {
        double *s = score + (size_t)i * NAMING_NVOCAB;
        rc = naming_scores(&seg[i], pop_median, pop_scale, s, e);
        if (rc != CX_OK)
            goto done;
        for (int j = 0; j < NAMING_NVOCAB; j++) {
            lo = fmin(lo, s[j]);
            hi = fmax(hi, s[j]);
        }
    }
    /* Copy l of a name costs l·P more: P exceeds any difference in total
       score, so the assignment first minimises how often names repeat. */
    double P = (double)k * (hi - lo) + 1;
    for (int i = 0; i < k; i++)
        for (int c = 0; c < ncol; c++)
            cost[(size_t)i * (size_t)ncol + (size_t)c] =
                -score[(size_t)i * NAMING_NVOCAB + (size_t)(c % NAMING_NVOCAB)] + (c / NAMING_NVOCAB) * P;
    rc = assign_min_cost(cost, k, ncol, col, e);
    if (rc != CX_OK)
        goto done;
    /* Rank among the segments with the same name: better score first, then
       lower index. O(k^2), k is small. */
    for (int i = 0; i < k; i++) {
        int j = col[i] % NAMING_NVOCAB, rank = 0;
        double si = score[(size_t)i * NAMING_NVOCAB + (size_t)j];
        for (int o = 0; o < k; o++) {
            if (o == i || col[o] % NAMING_NVOCAB != j)
                continue;
            double so = score[(size_t)o * NAMING_NVOCAB + (size_t)j];
            rank += so > si || (so == si && o < i);
        }
        if (rank == 0) {
            names[i] = vocab[j];
        } else {
            char *p = buf + (size_t)i * NAMING_BUF;
            snprintf(p, NAMING_BUF, "%s %d", vocab[j], rank + 1);
            names[i] = p;
        }
    }
done:
    free(score);
    free(cost);
    free(col);
    return rc;
}
