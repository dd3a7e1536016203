/*
 * assign — see assign.h.
 *
 * Two passes over a square problem of size N = m (rows n..N-1 are the zero
 * padding, never stored):
 *
 * 1. solve(): the O(N^3) shortest-augmenting-path form of the Hungarian
 *    method with row potentials u and column potentials v. At the end every
 *    reduced cost c(i,j) - u[i] - v[j] is >= 0 and the matched edges have
 *    reduced cost 0, so (u, v) certifies the matching optimal, and a perfect
 *    matching is optimal exactly when all its edges are "tight" (reduced cost
 *    0).
 * 2. smallest(): for rows 0, 1, ... in turn, with the earlier rows fixed,
 *    give row i the lowest column it can have in a tight perfect matching.
 *    Another tight perfect matching differs from the current one by
 *    alternating cycles, so row i can take column col[s] of row s exactly
 *    when (i, col[s]) is tight and s can pass its column on along a chain
 *    s -> t (s takes col[t], tight) ... -> i. One backward search from i
 *    finds every such s: O(N^2) per row.
 */
#include "engine/assign.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* The square problem and its workspace; arrays indexed from 1 in solve()
   (index 0 is the search's virtual start) and from 0 in smallest(). */
struct work {
    const double *cost;  /* the caller's n x m matrix */
    int n, m;            /* rows given, columns (= N) */
    double tol;          /* reduced costs <= tol count as zero */
    double *u, *v;       /* potentials of rows, columns: N + 1 each */
    double *minv;        /* smallest reduced cost reaching each column */
    int *p;              /* p[j]: row (1-based) matched to column j, 0 free */
    int *way;            /* previous column on the augmenting path */
    char *used;          /* column already in the search tree */
    int *col;            /* 0-based matching: column of each row */
    int *next;           /* chain successor found by the backward search */
    char *seen;          /* row reached by the backward search */
    int *queue;          /* rows to expand */
};

/* Cost of the padded square matrix, 0-based. */
static inline double cost_at(const struct work *w, int i, int j)
{
    return i < w->n ? w->cost[(size_t)i * (size_t)w->m + (size_t)j] : 0.0;
}

static int solve(struct work *w)
{
    int N = w->m;
    double *u = w->u, *v = w->v, *minv = w->minv;
    int *p = w->p, *way = w->way;
    char *used = w->used;
    for (int j = 0; j <= N; j++) {
        u[j] = v[j] = 0;
        p[j] = way[j] = 0;
    }
    for (int i = 1; i <= N; i++) {
        p[0] = i;
        int j0 = 0;
        for (int j = 0; j <= N; j++) {
            minv[j] = INFINITY;
            used[j] = 0;
        }
        do {
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= N; j++) {
                if (used[j])
                    continue;
                double cur = cost_at(w, i0 - 1, j - 1) - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {   /* strict: the lowest column on ties */
                    delta = minv[j];
                    j1 = j;
                }
            }
            if (j1 == 0)                 /* only with non-finite costs, which are refused */
                return -1;
            for (int j = 0; j <= N; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0 != 0);
    }
    for (int j = 1; j <= N; j++)
        w->col[p[j] - 1] = j - 1;
    return 0;
}

static inline int tight(const struct work *w, int i, int j)
{
    return cost_at(w, i, j) - w->u[i + 1] - w->v[j + 1] <= w->tol;
}

static void smallest(struct work *w)
{
    int N = w->m, *col = w->col, *next = w->next, *queue = w->queue;
    char *seen = w->seen;
    /* Only the given rows need their smallest column: once they are fixed
       the padding rows' columns do not matter. */
    for (int i = 0; i < w->n; i++) {
        /* Backward search from i over the unfixed rows (>= i): s is reached
           when it can take the column of a reached row t. */
        for (int s = i; s < N; s++)
            seen[s] = 0;
        int head = 0, tail = 0;
        seen[i] = 1;
        queue[tail++] = i;
        while (head < tail) {
            int t = queue[head++];
            for (int s = i + 1; s < N; s++) {
                if (!seen[s] && tight(w, s, col[t])) {
                    seen[s] = 1;
                    next[s] = t;
                    queue[tail++] = s;
                }
            }
        }
        int best = -1;
        for (int s = i + 1; s < N; s++)
            if (seen[s] && col[s] < col[i] && (best < 0 || col[s] < col[best]) &&
                tight(w, i, col[s]))
                best = s;
        if (best < 0)
            continue;
        /* Rotate along the chain best -> next[best] -> ... -> i. */
        int c = col[best];
        for (int s = best; s != i; s = next[s])
            col[s] = col[next[s]];
        col[i] = c;
    }
}

int assign_min_cost(const double *cost, int n, int m, int *row_to_col, struct cx_err *e)
{
    if (n < 0 || m < 0 || n > m)
        return cx_fail(e, CX_EINTERNAL, "assignment: %d rows for %d columns (need 0 <= rows <= columns)",
                       n, m);
    if (n == 0)
        return CX_OK;
    if (cost == NULL || row_to_col == NULL)
        return cx_fail(e, CX_EINTERNAL, "assignment: NULL matrix or result");
    double big = 0;
    for (size_t k = 0; k < (size_t)n * (size_t)m; k++) {
        if (!isfinite(cost[k]))
            return cx_fail(e, CX_EINTERNAL, "assignment: cost of row %zu, column %zu is not finite",
                           k / (size_t)m, k % (size_t)m);
        big = fmax(big, fabs(cost[k]));
    }

    size_t N1 = (size_t)m + 1;
    /* One block: 3 double arrays, then 5 int arrays, then 2 char arrays. */
    char *mem = malloc(N1 * (3 * sizeof(double) + 5 * sizeof(int) + 2));
    if (mem == NULL)
        return cx_nomem(e, "assignment workspace");
    struct work w;
    w.cost = cost;
    w.n = n;
    w.m = m;
    w.tol = 1e-9 * big;
    w.u = (double *)(void *)mem;
    w.v = w.u + N1;
    w.minv = w.v + N1;
    w.p = (int *)(void *)(w.minv + N1);
    w.way = w.p + N1;
    w.col = w.way + N1;
    w.next = w.col + N1;
    w.queue = w.next + N1;
    w.used = (char *)(w.queue + N1);
    w.seen = w.used + N1;

    int rc = CX_OK;
    if (solve(&w) != 0) {
        rc = cx_fail(e, CX_EINTERNAL, "assignment: no augmenting path (broken invariant)");
    } else {
        smallest(&w);
        for (int i = 0; i < n; i++)
            row_to_col[i] = w.col[i];
    }
    free(mem);
    return rc;
}
