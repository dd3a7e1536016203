/*
 * objectives_csv — objectives.csv: a row per metric of each channel and of
 * each account with enough customers (engine/objectives.h), the SPEC's
 * stable columns first (level, channel, account, metric, current, target,
 * gap, impact), then the benchmark and the test behind each target.
 */
#ifndef CANAUX_OBJECTIVES_CSV_H
#define CANAUX_OBJECTIVES_CSV_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/objectives.h"

/* Writes dir/objectives.csv (fr: French separators). Returns CX_OK or
   CX_EIO naming the file. */
int objectives_csv_write(const struct dataset *ds, const struct objectives *ob, const char *dir, int fr,
                         struct cx_err *e);

#endif
