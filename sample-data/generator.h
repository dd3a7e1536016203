/* generator.h — deterministic generator of realistic sales transactions.
 *
 * Writes a CSV of order lines in the canonical columns of SPEC §1, for the
 * committed sample, the tests and the benchmarks. Customers are drawn from
 * planted buying-habit archetypes (gen_archetype_names); the optional truth
 * file says which archetype each customer came from, so that segmentation
 * can be checked against what was planted. Same options => same bytes.
 */
#ifndef CANAUX_GENERATOR_H
#define CANAUX_GENERATOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gen_options {
    uint64_t rows;       /* exact number of data rows (lines) to write, 1..1e9 */
    uint64_t seed;       /* RNG seed; same seed and options => identical output */
    int      start_year; /* first day is start_year-01-01 (1900..9998) */
    int      days;       /* period length in days, 1..36600 */
    /* room for later switches (planted effects): callers zero the struct,
       call gen_defaults(), then set what they need */
};

/* Fills o with the defaults: 100000 rows, seed 1, 2024, 731 days. */
void gen_defaults(struct gen_options *o);

/* Writes the header line and exactly o->rows data rows to out and, when
 * truth is not NULL, "customer_id,archetype\n" then one line per customer
 * that appears in the output, sorted by customer id. Neither stream is
 * closed; both are flushed. Returns 0, or -1 with a message in err (errlen
 * bytes, may be NULL/0) on bad options, allocation failure or a write
 * error. Owns nothing after return. */
int gen_write(const struct gen_options *o, FILE *out, FILE *truth,
              char *err, size_t errlen);

/* Names of the planted archetypes, index = archetype id, and their count. */
extern const char *const gen_archetype_names[];
extern const int gen_archetype_count;

#endif
