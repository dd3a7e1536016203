/*
 * rec_text — the words of a recommendation: the sentence a channel manager
 * reads and the evidence behind it (the figures, the test, its p-value and
 * the correction), in English or French, with numbers in the language of
 * the sentence (reports/lang.h).
 *
 * The engine (engine/recommend.h) returns figures only; every table and
 * page that shows a recommendation — recommendations.csv, the workbook's
 * findings, report.html, the stdout summary — takes its words from here,
 * so a sentence is written once, in each language.
 */
#ifndef CANAUX_REC_TEXT_H
#define CANAUX_REC_TEXT_H

#include <stddef.h>

#include "engine/dataset.h"
#include "engine/recommend.h"
#include "engine/segment.h"
#include "reports/lang.h"

/* What a sentence names: channels and products by their text, segments by
   their (translated) name. */
struct rec_names {
    const struct dataset *ds;
    const struct segmentation *s;
    const struct recommendations *all;   /* for the options and the channels the cost model lacks */
    enum lang lang;
};

/* The sentence for a manager, into buf (n bytes; 600 hold any). */
void rec_text(const struct rec_names *x, const struct rec *r, char *buf, size_t n);

/* The evidence: figures, test, p-values, correction and impact basis. */
void rec_evidence(const struct rec_names *x, const struct rec *r, char *buf, size_t n);

/* The segment's name in the reader's language, into buf. */
const char *rec_segment_name(const struct rec_names *x, int segment, char *buf, size_t n);

/* "the channel fit of segment X names no channel" for the stdout summary:
   the short form of why ("nothing testable", "no difference found"). */
const char *rec_no_fit_reason(const struct rec_names *x, const struct rec *r);

#endif
