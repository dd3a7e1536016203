/*
 * segment_csv — writes the segmentation of a run as CSV files in a folder:
 * customers.csv, segments.csv, k_selection.csv (when k was chosen) and
 * rfm_thresholds.csv. Reads engine results, never changes them.
 */
#ifndef CANAUX_SEGMENT_CSV_H
#define CANAUX_SEGMENT_CSV_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/features.h"
#include "engine/segment.h"
#include "reports/csvout.h"

/* Writes the files into dir (created when missing; fr: French separators).
   p_alive and clv (per customer id, from engine/ltv), when both are given,
   add customers.csv's last two columns, p_alive and clv_365d. Returns
   CX_OK or CX_EIO naming the file. */
int segment_csv_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                      const double *p_alive, const double *clv, const char *dir, int fr, struct cx_err *e);

/* Writes the standardised matrix that was clustered (customer_id, then one
   column per feature, 17 significant digits) to path, for analysts who
   want to check the clustering with another tool. */
int segment_matrix_write(const struct dataset *ds, const struct features *f, const struct segmentation *s,
                         const char *path, struct cx_err *e);

/* Helpers shared by the report writers: a file opened under a temporary
   name in dir and renamed to dir/name by report_close when every write
   succeeded (*final is owned by report_close); dir created when missing. */
int report_open(struct csvout *w, const char *dir, const char *name, int fr, char **final,
                struct cx_err *e);
int report_close(struct csvout *w, char *final, struct cx_err *e);
int report_mkdir(const char *dir, struct cx_err *e);
/* The names of the k segments of s in the output's language (French when
   fr), one per row of names. */
#define REPORT_NAME 160
void report_segment_names(const struct segmentation *s, int fr, char (*names)[REPORT_NAME]);

#endif
