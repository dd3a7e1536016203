/*
 * economics_csv — writes the channel economics of a run into a folder:
 * channels.csv, segment_channels.csv, accounts.csv, whale_curve.csv,
 * acquisition_retention.csv, cohorts.csv, channel_switching.csv.
 */
#ifndef CANAUX_ECONOMICS_CSV_H
#define CANAUX_ECONOMICS_CSV_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/retention.h"
#include "engine/segment.h"

/* Returns CX_OK or CX_EIO naming the file. */
int economics_csv_write(const struct dataset *ds, const struct segmentation *s, const struct economics *ec,
                        const struct retention *r, const char *dir, int fr, struct cx_err *e);

#endif
