/*
 * plausible — the plausibility warnings of loading (SPEC §4 `warnings`):
 * sentences about data that loads but looks wrong, for a person to check.
 *
 * The rows count what they notice while loading (struct rows_tally, the
 * line fingerprints of struct reader_stats); these functions turn the
 * counts into sentences once every file is in, and look at the dataset
 * for what only the whole shows (channel names written two ways). They
 * never change the data: a warning is advice, the rows stay as loaded.
 */
#ifndef CANAUX_PLAUSIBLE_H
#define CANAUX_PLAUSIBLE_H

#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "loaders/reader.h"

/* Adds the warnings of one file's stats: the encoding detected without a
   byte-order mark, revenue disagreeing with quantity x unit_price x
   (1 - discount) (count and examples), margins above the net, negative
   costs of goods. Returns CX_OK or CX_EINTERNAL (out of memory). */
int plausible_file(struct cx_warnings *w, const struct reader_stats *st);

/* Adds a warning when accepted lines repeat an earlier one exactly (the
   same text, over all files): counts the repeated fingerprints of st[0..n)
   (reordering them in place, no copy), and frees them. Returns CX_OK or
   CX_EINTERNAL. */
int plausible_duplicates(struct cx_warnings *w, struct reader_stats *st, int n);

/* Adds a warning for each group of channel names of ds that differ only
   by case, spaces or punctuation ("Ware House" and "Warehouse"), naming
   each with its line count. Returns CX_OK or CX_EINTERNAL. */
int plausible_channels(struct cx_warnings *w, const struct dataset *ds);

/* The same name for the channel check: ASCII letters lower-cased, spaces
   and ASCII punctuation dropped, other bytes kept, into out (NUL-ended,
   at most cap - 1 bytes). */
void plausible_channel_key(const char *name, char *out, size_t cap);

#endif
