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
#include <string.h>

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

/* The clipped deviations z of a segment from the population (naming.h,
   step 1), in struct order. */
static int deviations(const struct naming_profile *seg, const struct naming_profile *pop_median,
                      const struct naming_profile *pop_scale, double z[NF], struct cx_err *e)
{
    if (seg == NULL || pop_median == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: NULL profile");
    double s[NF], med[NF], sc[NF];
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
    return CX_OK;
}

int naming_scores(const struct naming_profile *seg, const struct naming_profile *pop_median,
                  const struct naming_profile *pop_scale, double score[NAMING_NVOCAB],
                  struct cx_err *e)
{
    if (score == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: NULL profile");
    double z[NF];
    int rc = deviations(seg, pop_median, pop_scale, z, e);
    if (rc != CX_OK)
        return rc;
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

int naming_fits(const struct naming_profile *seg, const struct naming_profile *pop_median,
                const struct naming_profile *pop_scale, int fits[NAMING_NVOCAB], struct cx_err *e)
{
    double z[NF];
    int rc = deviations(seg, pop_median, pop_scale, z, e);
    if (rc != CX_OK)
        return rc;
    double r = z[0], f = z[1], m = z[2], a = z[3], t = z[4], q = z[5], d = z[6], b = z[7], big = 0;
    for (int i = 0; i < NF; i++)
        big = fmax(big, fabs(z[i]));
    /* Recency and tenure in days also against the population's own: a
       segment whose last order is a week old is not lapsed, whatever the
       spread of a population that all bought this month. */
    double rec = seg->recency, prec = pop_median->recency, ten = seg->tenure, pten = pop_median->tenure;
    fits[0] = r <= -0.25 && f >= 0.5 && m >= 0.5;                          /* Champions */
    fits[1] = f >= 0.5 && t >= 0.25 && r <= 0.5;                           /* Loyal */
    fits[2] = a >= 0.75 || (m >= 1.0 && a >= 0.25);                        /* Big spenders */
    fits[3] = t <= -0.75 && ten <= 0.5 * pten && pten - ten >= 30;         /* New */
    fits[4] = t <= -0.25 && f >= 0.25 && r <= 0;                           /* Promising */
    fits[5] = r >= 0.75 && rec >= 1.5 * prec && rec - prec >= 14 && (f >= 0 || m >= 0); /* At risk */
    fits[6] = r >= 0.75 && rec >= 2 * prec && rec - prec >= 14;            /* Lapsed */
    fits[7] = f <= -0.5;                                                   /* Occasional */
    fits[8] = d >= 1.0;                                                    /* Bargain hunters */
    fits[9] = q >= 1.0;                                                    /* Returners */
    fits[10] = b >= 0.75;                                                  /* Explorers */
    fits[11] = m <= -0.5 && a <= -0.25 && r <= 1.0;                        /* Light buyers */
    fits[12] = big <= 1.0;                                                 /* Mainstream */
    return CX_OK;
}

/* The words of a descriptive name: each feature's low and high side. */
static const char *const sides[NF][2] = {
    { "recent", "not recent" }, { "infrequent", "frequent" }, { "low spend", "high spend" },
    { "small orders", "large orders" }, { "recently acquired", "long-standing" }, { NULL, "many returns" },
    { NULL, "heavy discounts" }, { "narrow range", "broad range" },
};

int naming_describe(const struct naming_profile *seg, const struct naming_profile *pop_median,
                    const struct naming_profile *pop_scale, char *buf, size_t n, struct cx_err *e)
{
    double z[NF];
    int rc = deviations(seg, pop_median, pop_scale, z, e);
    if (rc != CX_OK)
        return rc;
    /* The two largest deviations of half a spread or more that have a word
       (ties: the earlier feature). */
    int pick[2] = { -1, -1 };
    /* Days against the population's days too, as the rules do: a week is
       not "not recent", 926 days of tenure among 941 not "recently
       acquired". */
    double R = pop_median->recency > 0 ? seg->recency / pop_median->recency : INFINITY;
    double T = pop_median->tenure > 0 ? seg->tenure / pop_median->tenure : INFINITY;
    int days_ok[NF] = { 1, 1, 1, 1, 1, 1, 1, 1 };
    double dr = seg->recency - pop_median->recency, dt = seg->tenure - pop_median->tenure;
    days_ok[0] = z[0] > 0 ? R >= 2 && dr >= 14 : R <= 0.5 && dr <= -14;
    days_ok[4] = z[4] > 0 ? T >= 1.5 && dt >= 30 : T <= 0.5 && dt <= -30;
    for (int w = 0; w < 2; w++)
        for (int i = 0; i < NF; i++) {
            if (i == pick[0] || fabs(z[i]) < 0.5 || sides[i][z[i] > 0] == NULL || !days_ok[i])
                continue;
            if (pick[w] < 0 || fabs(z[i]) > fabs(z[pick[w]]))
                pick[w] = i;
        }
    if (pick[0] < 0)
        snprintf(buf, n, "Profile: average");
    else if (pick[1] < 0)
        snprintf(buf, n, "Profile: %s", sides[pick[0]][z[pick[0]] > 0]);
    else
        snprintf(buf, n, "Profile: %s, %s", sides[pick[0]][z[pick[0]] > 0], sides[pick[1]][z[pick[1]] > 0]);
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
    if (buf == NULL)
        return cx_fail(e, CX_EINTERNAL, "segment naming: %d segments need a name buffer", k);
    int copies = (k + NAMING_NVOCAB - 1) / NAMING_NVOCAB, nv = copies * NAMING_NVOCAB, ncol = nv + k;
    size_t ku = (size_t)k;
    double *score = malloc(ku * NAMING_NVOCAB * sizeof *score);
    int *fit = malloc(ku * NAMING_NVOCAB * sizeof *fit);
    double *cost = malloc(ku * (size_t)ncol * sizeof *cost);
    int *col = malloc(ku * sizeof *col);
    int rc = CX_OK;
    if (score == NULL || fit == NULL || cost == NULL || col == NULL) {
        rc = cx_nomem(e, "segment naming");
        goto done;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < k; i++) {
        double *s = score + (size_t)i * NAMING_NVOCAB;
        rc = naming_scores(&seg[i], pop_median, pop_scale, s, e);
        if (rc == CX_OK)
            rc = naming_fits(&seg[i], pop_median, pop_scale, fit + (size_t)i * NAMING_NVOCAB, e);
        if (rc != CX_OK)
            goto done;
        for (int j = 0; j < NAMING_NVOCAB; j++) {
            lo = fmin(lo, s[j]);
            hi = fmax(hi, s[j]);
        }
    }
    /* Copy l of a name costs l·P more: P exceeds any difference in total
       score, so the assignment first minimises how often names repeat. A
       name whose rule the segment fails is forbidden; each segment has a
       column of its own, its descriptive name, dearer than any name it
       fits. */
    double P = (double)k * (hi - lo) + 1, D = P * (copies + 1), FORBID = D * (k + 2);
    for (int i = 0; i < k; i++)
        for (int c = 0; c < ncol; c++) {
            double v;
            if (c >= nv)
                v = c - nv == i ? D : FORBID;
            else if (!fit[(size_t)i * NAMING_NVOCAB + (size_t)(c % NAMING_NVOCAB)])
                v = FORBID;
            else
                v = -score[(size_t)i * NAMING_NVOCAB + (size_t)(c % NAMING_NVOCAB)] + (c / NAMING_NVOCAB) * P;
            cost[(size_t)i * (size_t)ncol + (size_t)c] = v;
        }
    rc = assign_min_cost(cost, k, ncol, col, e);
    if (rc != CX_OK)
        goto done;
    /* Rank among the segments with the same name: better score first, then
       lower index. O(k^2), k is small. Descriptive names that come out
       equal get suffixes the same way, by index. */
    for (int i = 0; i < k; i++) {
        char *p = buf ? buf + (size_t)i * NAMING_BUF : NULL;
        if (col[i] >= nv) {
            char mine[NAMING_BUF], other[NAMING_BUF];
            if ((rc = naming_describe(&seg[i], pop_median, pop_scale, mine, sizeof mine, e)) != CX_OK)
                goto done;
            int rank = 0;
            for (int o = 0; o < i; o++) {
                if (col[o] < nv)
                    continue;
                if ((rc = naming_describe(&seg[o], pop_median, pop_scale, other, sizeof other, e)) != CX_OK)
                    goto done;
                rank += strcmp(mine, other) == 0;
            }
            if (rank)
                snprintf(p, NAMING_BUF, "%.40s %d", mine, (rank + 1) % 1000);
            else
                snprintf(p, NAMING_BUF, "%s", mine);
            names[i] = p;
            continue;
        }
        int j = col[i] % NAMING_NVOCAB, rank = 0;
        double si = score[(size_t)i * NAMING_NVOCAB + (size_t)j];
        for (int o = 0; o < k; o++) {
            if (o == i || col[o] >= nv || col[o] % NAMING_NVOCAB != j)
                continue;
            double so = score[(size_t)o * NAMING_NVOCAB + (size_t)j];
            rank += so > si || (so == si && o < i);
        }
        if (rank == 0) {
            names[i] = vocab[j];
        } else {
            snprintf(p, NAMING_BUF, "%s %d", vocab[j], rank + 1);
            names[i] = p;
        }
    }
done:
    free(score);
    free(fit);
    free(cost);
    free(col);
    return rc;
}
