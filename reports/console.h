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

/* The scores of each k tried (automatic k), then each segment's size and
   medians, and the folder written. */
void console_segments(FILE *fp, const struct segmentation *s, const struct features *f, const char *dir);

/* The cost model used and each channel's net, channel cost, contribution
   and cost of sales. */
void console_channels(FILE *fp, const struct dataset *ds, const struct costmodel *cm, const struct economics *ec);

/* The best channel per segment and the top three recommendations; then
   where the report is when report_dir is not NULL. */
void console_recommendations(FILE *fp, const struct dataset *ds, const struct segmentation *s,
                             const struct recommendations *rec, const char *report_dir);

#endif
