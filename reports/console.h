/*
 * console — the short summary a command prints on stdout for an analyst at
 * a terminal: the segments, the channels' economics and the top
 * recommendations. Words are written here, never in the engine.
 */
#ifndef CANAUX_CONSOLE_H
#define CANAUX_CONSOLE_H

#include <stdio.h>

#include "engine/costmodel.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/recommend.h"
#include "engine/segment.h"
#include "reports/lang.h"

/* The scores of each k tried (automatic k), then each segment's size and
   medians, and the folder written. */
void console_segments(FILE *fp, enum lang l, const struct segmentation *s, const struct features *f, const char *dir);

/* The cost model used, the channels it lacks, and each channel's net,
   channel cost, contribution and cost of sales ("unknown" and "n/a" for a
   channel the model lacks). */
void console_channels(FILE *fp, enum lang l, const struct dataset *ds, const struct costmodel *cm,
                      const struct economics *ec);

/* The best channel per segment (or why none stands out) and the top three
   recommendations that act; then where the report is when report_dir is
   not NULL. */
void console_recommendations(FILE *fp, enum lang l, const struct dataset *ds, const struct segmentation *s,
                             const struct recommendations *rec, const char *report_dir);

#endif
