/*
 * settings — the sections of the configuration that set the engine's
 * stages: [segmentation], [recommendations] and [clv] (the loader reads [input]
 * and [columns], costmodel_config the [channel NAME] sections).
 *
 * Every command validates every section before it reads any data, so a
 * nightly job learns of a misspelt key or a value out of range at once,
 * whatever command it runs (`canaux check -c FILE` included), never after
 * an hour of loading or silently under one command and not another.
 */
#ifndef CANAUX_SETTINGS_H
#define CANAUX_SETTINGS_H

#include "engine/cx_err.h"
#include "engine/ltv.h"
#include "engine/recommend.h"
#include "engine/segment.h"
#include "loaders/config.h"

/* [segmentation] of c into o (keys: k, k_min, k_max, n_init, max_iter,
   seed, sample, silhouette_sample, tol, and one key per feature: off,
   none, log or rate). Returns CX_OK, or CX_EUSAGE naming the file, line
   and key of a bad value or of a key nobody reads. */
int settings_segmentation(struct seg_options *o, struct config *c, struct cx_err *e);

/* [recommendations] of c into o (the keys of struct rec_options). Returns
   CX_OK, or CX_EUSAGE as above. */
int settings_recommendations(struct rec_options *o, struct config *c, struct cx_err *e);

/* [clv] of c into o: horizon_days (1 to 3650), discount_rate (annual, 0
   to 1), min_customers and min_repeat_customers (a channel's own fit).
   Returns CX_OK, or CX_EUSAGE as above. */
int settings_clv(struct ltv_options *o, struct config *c, struct cx_err *e);

/* A whole number in [lo, hi] from v: 0 and *out set, or -1. */
int settings_int(const char *v, long lo, long hi, long *out);

#endif
