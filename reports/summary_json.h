/*
 * summary_json — summary.json of a run: the parameters, the inputs (name,
 * size, SHA-256, rows read, accepted, rejected), the cost model, the stage
 * timings, and the segment-level tables (segments, channels, the segment x
 * channel matrix, acquisition per channel, the lifetime value's fits and
 * holdout, recommendations). Written with
 * json-c, so text from the input is escaped by a library that does only
 * that. customers.csv, with a row per customer, is not repeated in it.
 */
#ifndef CANAUX_SUMMARY_JSON_H
#define CANAUX_SUMMARY_JSON_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/recommend.h"
#include "engine/retention.h"
#include "engine/segment.h"

struct run_info {
    const char *version;
    const char *const *argv;     /* the command line */
    int argc;
    uint64_t seed;
    int threads;
    const char *locale;
    const char *formats;
    const char *from, *to, *as_of;    /* the period and as-of date, YYYY-MM-DD */
    size_t ninputs;
    const char *const *input_names;   /* per input */
    const char *const *input_channels;/* NAME of NAME=FILE, or NULL */
    const uint64_t *input_bytes;      /* size on disk (0 for stdin) */
    const char *const *input_sha256;  /* hex, or NULL when not computed (stdin) */
    const uint64_t *rows_read, *accepted, *rejected;
    const struct cx_warnings *warnings; /* what loading found doubtful, or NULL */
    const char *stage_names[8];
    double stage_seconds[8];
    int nstages;
    const char *omp_wait_policy;      /* OMP_WAIT_POLICY as the run had it, or NULL when unset */
    const char *gomp_spincount;       /* GOMP_SPINCOUNT likewise */
};

/* Writes path; lv (the lifetime value, its `clv` section) may be NULL.
   Returns CX_OK or CX_EIO naming the file. */
int summary_json_write(const char *path, const struct run_info *ri, const struct dataset *ds,
                       const struct features *f, const struct segmentation *s, const struct economics *ec,
                       const struct retention *rt, const struct ltv *lv, const struct recommendations *rec,
                       struct cx_err *e);

#endif
