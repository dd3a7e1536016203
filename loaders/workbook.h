/*
 * workbook — an Excel workbook (.xlsx) as a source of transactions: the
 * rows of one sheet (loaders/xlsx.h streams them) into the dataset through
 * the row rules every source shares (loaders/rows.h).
 *
 * The design choice: the workbook only cuts its sheet into records of
 * fields, as the CSV reader does; the header mapping, composed keys, null
 * tokens, amounts and rejects are rows.c's. A cell that the workbook has
 * typed keeps its type (a number is not re-read from text, a date cell is
 * its day), and gives its text as well, for composed keys and messages.
 * The header row is the first row that maps every required field (title
 * rows above it are skipped, and so are empty leading columns, since
 * fields are found by name), or `[input] header_row`. Rows are read on one
 * thread: expat is the cost, and a sheet is at most 1,048,576 rows.
 */
#ifndef CANAUX_WORKBOOK_H
#define CANAUX_WORKBOOK_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "loaders/reader.h"

/* 1 when path names a workbook: it ends in .xlsx or .xlsx.gz (any case). */
int workbook_is_path(const char *path);

/* Loads the sheet o->sheet (NULL: the first worksheet) of the workbook at
   path (a .xlsx.gz is inflated into memory first) into ds, as reader_load
   does for a CSV file: every row of the sheet in channel `channel` when
   not NULL; st filled (zeroed by the caller); rejects to on_reject, named
   "path[sheet]" and by sheet row number. Returns CX_OK; CX_EIO when the
   file is not a workbook, the sheet is unknown (the sheets are listed) or
   no row holds the mapped headers; CX_EREJECT at the first reject under
   strict; CX_EINTERNAL when out of memory. */
int workbook_load(struct dataset *ds, const char *path, const char *channel, const struct reader_options *o,
                  reader_reject_fn on_reject, void *ctx, struct reader_stats *st, struct cx_err *e);

#endif
