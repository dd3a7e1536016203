/*
 * clv_csv — the lifetime value of a run as spreadsheet CSV: clv.csv (a
 * row per customer of customers.csv), clv_channels.csv (per acquisition
 * channel: mean CLV with its interval, CAC, LTV:CAC and the fit used) and,
 * with --holdout-days, holdout.csv (the model's predictions against the
 * orders after the as-of date: all customers, per channel, and by number
 * of repeat purchases in the calibration). The SPEC's stable columns come
 * first, in its order; more follow.
 */
#ifndef CANAUX_CLV_CSV_H
#define CANAUX_CLV_CSV_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/segment.h"

/* Writes the files into dir (fr: French separators). Returns CX_OK or
   CX_EIO naming the file. */
int clv_csv_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                  const struct economics *ec, const struct ltv *l, const char *dir, int fr, struct cx_err *e);

/* "channel" when channel c has a fit of its own for the model (bg: BG/NBD,
   else Gamma-Gamma), "pooled" when the pooled fit serves, "none" when no
   fit applies. */
const char *clv_fit_source(const struct ltv *l, uint32_t c, int bg);

#endif
