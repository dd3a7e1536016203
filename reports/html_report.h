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
 * prints cleanly. It is written in the run's language, English or French:
 * every label, heading and sentence of its own, and the numbers inside its
 * sentences (reports/lang.h); the recommendation texts come already in
 * that language from recommendations.csv (reports/rec_text.h).
 */
#ifndef CANAUX_HTML_REPORT_H
#define CANAUX_HTML_REPORT_H

#include <stddef.h>

#include "engine/cx_err.h"

/* What the page's header says about the run. Every string is UTF-8 and may
   come from the user's files or options: the report escapes them. Any
   pointer may be NULL (the line is then left out). */
struct html_meta {
    const char *title;          /* page title; NULL: "canaux report" (fr "Rapport canaux") */
    const char *version;        /* canaux version, e.g. "0.1.0" */
    const char *cost_model;     /* cost model used: "built-in" (shown as "intégré" in French) or its file */
    const char *from, *to;      /* first and last day analysed, "YYYY-MM-DD"; the period is then
                                   written in the reader's language ("1er janvier 2024") */
    int days;                   /* days in that period (shown with from and to when > 0) */
    const char *period;         /* the period as text, shown as it is when from or to is NULL */
    const char *const *inputs;  /* input files as given, ninputs of them */
    size_t ninputs;             /* entries in inputs */
    unsigned long long rows_read, accepted, rejected; /* rows over all inputs */
    const char *const *warnings; /* doubtful data, one sentence each in the run's language, nwarnings
                                    of them: listed first in the data quality section */
    size_t nwarnings;           /* entries in warnings */
};

/* Reads the CSV tables of the run in dir (segments.csv, channels.csv,
   segment_channels.csv, whale_curve.csv, acquisition_retention.csv,
   seasonality.csv, prices.csv, recommendations.csv, rejects.csv; each one
   optional, French separators when fr) and writes the page to out_path
   ("-" = stdout): every text in French, French number format and
   lang="fr" when fr, else in English.
   Channels with in_cost_model = 0 in channels.csv are named beside the
   cost model and in the data quality section (html_unmodelled_sentence),
   and their costs are shown as unknown, not as zero; the sentence is not
   repeated when meta->warnings already holds it.
   meta may be NULL. The caller owns everything it passed.
   Returns CX_OK; CX_EIO naming the file when a table cannot be read or the
   page cannot be written (out_path is then incomplete: write it under a
   temporary name and rename); CX_EINTERNAL when out of memory. */
int html_report_from_csv(const char *out_path, const char *dir, int fr,
                         const struct html_meta *meta, struct cx_err *e);

/* The sentence that names the n channels of the data the cost model lacks
   (as typed, in quotes) and says that their costs are unknown, counted at
   zero, and that no cost-dependent recommendation names them; in French
   when fr. The page shows it beside the cost model; cli/ passes the same
   sentence among meta->warnings (and may print it). Returns a string the
   caller frees; NULL when n is 0 or memory runs out. */
char *html_unmodelled_sentence(int fr, const char *const *channels, size_t n);

#endif
