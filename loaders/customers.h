/*
 * customers — customer master data (--customers FILE): the channel,
 * region and account of each customer, for transactions that do not carry
 * them (AdventureWorks: a reseller's BusinessType is its channel).
 *
 * Read once, whole, through the reader's table loader (same encodings,
 * delimiters, null tokens as transactions), with the [customers] mapping
 * of the configuration. Ids are interned in a strtab whose ids index three
 * arrays of value ids; lookups only read and run from every loader thread
 * at once.
 */
#ifndef CANAUX_CUSTOMERS_H
#define CANAUX_CUSTOMERS_H

#include <stddef.h>

#include "engine/cx_err.h"
#include "loaders/rows.h"

struct customers;
struct reader_options;

/* What a customer record gives. */
enum cu_field { CU_CHANNEL, CU_REGION, CU_ACCOUNT, CU_NFIELDS };

/* Loads path: a header naming customer_id and at least one of channel,
   region, account_id (names from o->customers_columns, else these), any
   order, case-insensitive; some customer must have a value for one of the
   three. A customer listed twice with the same values is kept once; with
   different values it is an error. Returns CX_OK and *out
   (free with customers_free); CX_EIO naming the file and line (no such
   column, a customer listed twice with other values, invalid UTF-8, wrong
   field count); CX_EINTERNAL when out of memory. */
int customers_load(struct customers **out, const char *path, const struct reader_options *o,
                   struct cx_err *e);
void customers_free(struct customers *c);

/* Looks customer s[0..n) up. Returns 1 when found, with out[CU_CHANNEL],
   out[CU_REGION], out[CU_ACCOUNT] pointing into c (length 0 when the
   record has none); 0 when absent (out untouched). */
int customers_lookup(const struct customers *c, const char *s, size_t n,
                     struct rows_field out[CU_NFIELDS]);
/* 1 when some customer of the file has a value for field f. */
int customers_has(const struct customers *c, enum cu_field f);
/* Number of customers; the file's name. */
size_t customers_size(const struct customers *c);
const char *customers_path(const struct customers *c);

#endif
