/*
 * pipeline.h — what the commands that analyse transactions share between
 * cli/pipeline.c (options and stages), cli/run_reports.c (the workbook,
 * the HTML page and summary.json of canaux run) and cli/cmd_check.c.
 */
#ifndef CANAUX_CLI_PIPELINE_H
#define CANAUX_CLI_PIPELINE_H

#include "cli/inputs.h"
#include "cli/outdir.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/recommend.h"
#include "engine/retention.h"
#include "engine/segment.h"

/* Timing buckets, as summary.json and the stderr timings line show them. */
enum pl_time { PL_LOAD, PL_FEATURES, PL_SEGMENT, PL_ECONOMICS, PL_CLV, PL_RECOMMEND, PL_WRITE, PL_NTIMES };

/* What the reports of canaux run read. */
struct report_ctx {
    const struct inputs *in;
    const struct features *f;
    const struct segmentation *s;
    const struct economics *ec;
    const struct retention *rt;
    const struct ltv *lv;
    const struct recommendations *rec;
    const struct seg_options *so;
    const char *formats;         /* --format as given */
    const char *dir;             /* the folder being written */
    int argc;
    char **argv;
    const double *seconds;       /* PL_NTIMES timings */
    unsigned fmt;                /* OUT_* bits */
    struct hasher *hasher;       /* the inputs' SHA-256 in progress, or NULL */
};

/* Starts hashing the n inputs (NAME=FILE or FILE) on a thread of its own;
   NULL when out of memory (summary.json then hashes them itself). Free
   with cli_hash_free, which waits for the thread. */
struct hasher *cli_hash_start(char **paths, int n);
void cli_hash_free(struct hasher *h);

/* Checks the sections of the configuration that set the stages
   ([segmentation], [recommendations], [clv]) into so, ro and lo: every
   command runs this before reading data, `canaux check -c FILE` included.
   Returns CX_OK or CX_EUSAGE naming the file, line and key. */
int cli_configure_stages(struct inputs *in, struct seg_options *so, struct rec_options *ro, struct ltv_options *lo,
                         struct cx_err *e);

/* The sentence that says how many lines and orders are dated after the
   as-of date and left out of the analysis (stderr, check --json,
   summary.json), in English or French (fr), into buf (n bytes). */
void cli_after_asof_sentence(int32_t asof, size_t lines, size_t orders, int fr, char *buf, size_t n);

/* 1 when the output is French (--locale fr, or [input] locale = fr). */
int cli_french(const struct inputs *in);

/* workbook.xlsx, report.html and summary.json as r->fmt asks, into r->dir. */
int cli_write_reports(const struct report_ctx *r, struct cx_err *e);

#endif
