/*
 * html_report — the run's report.html: one self-contained page for a
 * manager, findings first, then segments, channels, the segment × channel
 * matrix, whale curves, acquisition and retention, seasonality, price
 * consistency and data quality.
 *
 * The page is built from the CSV files the run has just written in its
 * output folder, not from the engine's structures: it shows exactly the
 * figures a spreadsheet user sees, it can be rebuilt from a folder alone,
 * and a table the command did not produce is simply left out. The page
 * needs no network (inline CSS and SVG, no script, no font or image), and
 * prints cleanly.
 */
#ifndef CANAUX_HTML_REPORT_H
#define CANAUX_HTML_REPORT_H

#include <stddef.h>

#include "engine/cx_err.h"

/* What the page's header says about the run. Every string is UTF-8 and may
   come from the user's files or options: the report escapes them. Any
   pointer may be NULL (the line is then left out). */
struct html_meta {
    const char *title;          /* page title; NULL: "canaux report" */
    const char *version;        /* canaux version, e.g. "0.1.0" */
    const char *cost_model;     /* cost model used: "built-in" or its file */
    const char *period;         /* period analysed, e.g. "2023-01-01 – 2024-12-31" */
    const char *const *inputs;  /* input files as given, ninputs of them */
    size_t ninputs;             /* entries in inputs */
    unsigned long long rows_read, accepted, rejected; /* rows over all inputs */
};

/* Reads the CSV tables of the run in dir (segments.csv, channels.csv,
   segment_channels.csv, whale_curve.csv, acquisition_retention.csv,
   seasonality.csv, prices.csv, recommendations.csv, rejects.csv; each one
   optional, French separators when fr) and writes the page to out_path
   ("-" = stdout), in French number format and lang="fr" when fr.
   meta may be NULL. The caller owns everything it passed.
   Returns CX_OK; CX_EIO naming the file when a table cannot be read or the
   page cannot be written (out_path is then incomplete: write it under a
   temporary name and rename); CX_EINTERNAL when out of memory. */
int html_report_from_csv(const char *out_path, const char *dir, int fr,
                         const struct html_meta *meta, struct cx_err *e);

#endif
