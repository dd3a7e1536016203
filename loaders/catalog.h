/*
 * catalog — a product catalogue (--products FILE): product_id, unit_cost
 * and optionally category, for inputs whose lines carry no cost.
 *
 * Small and read once, whole, through the reader's table loader (so .gz,
 * the encodings, delimiters, quotes and null tokens work as for
 * transactions), with the [products] mapping of the configuration;
 * lookups only read and run from every loader thread at once.
 */
#ifndef CANAUX_CATALOG_H
#define CANAUX_CATALOG_H

#include <stddef.h>

#include "engine/cx_err.h"
#include "loaders/fields.h"

struct catalog;
struct reader_options;

/* Loads path: a header naming product_id and unit_cost and optionally
   category (names from o->products_columns, else these), any order,
   case-insensitive. A unit_cost may be written as transactions' amounts
   are ("$1,234.50"); an empty or null one means no cost. Returns CX_OK and
   *out (free with catalog_free); CX_EIO naming the file and line of the
   problem (a missing column, a product listed twice, a bad or negative
   cost, invalid UTF-8); CX_EINTERNAL when out of memory. */
int catalog_load(struct catalog **out, const char *path, const struct reader_options *o,
                 struct cx_err *e);
void catalog_free(struct catalog *c);
/* Looks product s[0..n) up. Returns 1 when found, with *unit_cost (NaN when
   the catalogue has none for it) and *category and *catlen (length 0 when none);
   0 when absent. */
int catalog_lookup(const struct catalog *c, const char *s, size_t n, double *unit_cost,
                   const char **category, size_t *catlen);
/* Number of products. */
size_t catalog_size(const struct catalog *c);

#endif
