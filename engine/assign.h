/*
 * assign — optimal one-to-one assignment (Hungarian / Kuhn–Munkres).
 *
 * Two uses: giving k segments k distinct names that fit them best in total
 * (engine/naming.c, score maximised as cost minimised), and matching
 * tonight's segments to last night's by centroid distance so that a segment
 * keeps its identity from one run to the next.
 *
 * Design choice: the answer must not depend on anything but the matrix, so
 * among the optimal assignments the one returned is defined, not whatever
 * the search happened to reach first: it is the lexicographically smallest
 * row_to_col (row 0 gets the lowest column it can have in some optimal
 * assignment, then row 1, and so on) — "ties go to the lowest indices".
 * The Hungarian method gives one optimum and its dual potentials; every
 * optimum uses only edges whose reduced cost is zero, so the smallest one is
 * then found by re-routing the matching along alternating cycles of
 * zero-reduced-cost edges, row by row. Costs are doubles: a reduced cost
 * within 1e-9 x (largest |cost|) of zero counts as zero, so two assignments
 * whose totals differ by less than about n x 1e-9 x (largest |cost|) are
 * treated as tied.
 *
 * A rectangular matrix (n rows <= m columns) is padded with m - n rows of
 * zero cost, which changes no row's best choice. Time O(m^3), memory
 * O(m) besides the caller's matrix: meant for tens to a few hundred rows.
 * It allocates its own small workspace (one malloc per call) because it is
 * called a handful of times a run, never in a hot loop.
 */
#ifndef CANAUX_ASSIGN_H
#define CANAUX_ASSIGN_H

#include "engine/cx_err.h"

/* Minimum-cost assignment on an n x m cost matrix, row-major (cost[i*m + j]
   is the cost of giving column j to row i), n <= m: every row gets a
   distinct column, some columns stay unused when n < m. The costs must be
   finite (use a large finite cost for a forbidden pair).
   row_to_col[i] receives the column of row i (the caller owns both arrays;
   nothing is kept). Deterministic: among optimal assignments, the
   lexicographically smallest row_to_col (ties: lowest indices).
   Returns CX_OK; CX_EINTERNAL with a message in e when n > m, n or m is
   negative, a pointer is NULL, a cost is not finite, or out of memory
   (row_to_col is then unspecified). n = 0 is a valid empty problem. */
int assign_min_cost(const double *cost, int n, int m, int *row_to_col, struct cx_err *e);

#endif
