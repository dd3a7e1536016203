/*
 * profile — what a range of the dataset holds: the figures `canaux check`
 * shows (lines, anonymous lines, date range, net revenue, lines and net per
 * channel).
 *
 * Sums run in parallel over fixed blocks of lines and are added in block
 * order, so the figures are the same to the last bit for any thread count.
 */
#ifndef CANAUX_PROFILE_H
#define CANAUX_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/dataset.h"

struct profile {
    uint64_t lines;          /* lines in the range */
    uint64_t anon_lines;     /* lines with no customer */
    uint64_t returned_lines; /* lines with a negative quantity */
    int32_t day_min;         /* first date (days since 1970-01-01); 0 when no line */
    int32_t day_max;         /* last date */
    double net;              /* net revenue, money */
    double cogs;             /* cost of goods, money */
    uint32_t nchannels;      /* channels known to the dataset (size of the arrays) */
    uint64_t *ch_lines;      /* lines per channel id */
    double *ch_net;          /* net revenue per channel id */
};

/* Computes the profile of lines [first, end) of ds into p. Returns CX_OK or
   CX_EINTERNAL (out of memory). Free with profile_free. */
int profile_compute(const struct dataset *ds, size_t first, size_t end, struct profile *p,
                    struct cx_err *e);
void profile_free(struct profile *p);

#endif
