/*
 * catalog — a product catalogue (--products FILE): product_id, unit_cost
 * and optionally category, for inputs whose lines carry no cost.
 *
 * Small and read once, so it is parsed serially with libcsv; lookups only
 * read and run from every loader thread at once.
 */
#ifndef CANAUX_CATALOG_H
#define CANAUX_CATALOG_H

#include <stddef.h>

#include "engine/cx_err.h"
#include "loaders/fields.h"

struct catalog;

/* Loads path (a CSV with a header naming product_id, unit_cost and
   optionally category, any order, case-insensitive; delimiter , ; tab or |).
   Returns CX_OK and *out (free with catalog_free), or CX_EIO naming the file
   and line of the problem (a duplicate product, a bad cost). */
int catalog_load(struct catalog **out, const char *path, enum field_locale loc, struct cx_err *e);
void catalog_free(struct catalog *c);
/* Looks product s[0..n) up. Returns 1 when found, with *unit_cost (NaN when
   the catalogue has none for it) and *category and *catlen (length 0 when none);
   0 when absent. */
int catalog_lookup(const struct catalog *c, const char *s, size_t n, double *unit_cost,
                   const char **category, size_t *catlen);
/* Number of products. */
size_t catalog_size(const struct catalog *c);

#endif
