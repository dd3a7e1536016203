/*
 * catalog — see catalog.h. Product ids are interned in a strtab whose ids
 * index the cost and category arrays.
 */
#include "loaders/catalog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/strtab.h"
#include "loaders/reader.h"

struct catalog {
    struct strtab *ids;     /* product ids */
    struct strtab *cats;    /* category names */
    double *cost;           /* unit cost per product id, NaN when none */
    uint32_t *cat;          /* category id per product id, STRTAB_NONE when none */
    size_t cap;
};

struct cat_ctx {
    struct catalog *c;
    const char *path;
    enum field_locale loc;
};

static int on_record(void *ctx, uint64_t line, const struct rows_field *f, struct cx_err *e)
{
    struct cat_ctx *x = ctx;
    struct catalog *c = x->c;
    unsigned long long ln = (unsigned long long)line;
    if (f[RP_PRODUCT].n == 0)
        return cx_fail(e, CX_EIO, "%s:%llu: missing product_id", x->path, ln);
    for (int k = 0; k < RP_NFIELDS; k++)
        if (!rows_utf8_ok(f[k].p, f[k].n))
            return cx_fail(e, CX_EIO, "%s:%llu: invalid UTF-8 (set encoding in [input] of the "
                           "configuration, or --encoding)", x->path, ln);
    double cost = NAN;
    if (f[RP_UNIT_COST].n) {
        const char *why = NULL;
        if ((field_number(f[RP_UNIT_COST].p, f[RP_UNIT_COST].n, x->loc, &cost) &&
             field_amount(f[RP_UNIT_COST].p, f[RP_UNIT_COST].n, x->loc, FIELD_AMOUNT_MONEY, &cost,
                          &why)) || cost < 0)
            return cx_fail(e, CX_EIO, "%s:%llu: bad unit_cost \"%.*s\"%s%s", x->path, ln,
                           (int)(f[RP_UNIT_COST].n > 40 ? 40 : f[RP_UNIT_COST].n), f[RP_UNIT_COST].p,
                           why ? ": " : "", why ? why : "");
    }
    const struct rows_field *id = &f[RP_PRODUCT];
    uint32_t before = strtab_count(c->ids);
    uint32_t pid = strtab_intern(c->ids, id->p, id->n, strtab_hash(id->p, id->n));
    if (pid == STRTAB_NONE)
        return cx_nomem(e, "catalogue");
    if (pid < before)
        return cx_fail(e, CX_EIO, "%s:%llu: product %.*s listed twice", x->path, ln,
                       (int)(id->n > 60 ? 60 : id->n), id->p);
    if (pid >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        double *d = realloc(c->cost, cap * sizeof *d);
        if (d == NULL)
            return cx_nomem(e, "catalogue");
        c->cost = d;
        uint32_t *t = realloc(c->cat, cap * sizeof *t);
        if (t == NULL)
            return cx_nomem(e, "catalogue");
        c->cat = t;
        c->cap = cap;
    }
    c->cost[pid] = cost;
    c->cat[pid] = STRTAB_NONE;
    if (f[RP_CATEGORY].n) {
        c->cat[pid] = strtab_intern(c->cats, f[RP_CATEGORY].p, f[RP_CATEGORY].n,
                                    strtab_hash(f[RP_CATEGORY].p, f[RP_CATEGORY].n));
        if (c->cat[pid] == STRTAB_NONE)
            return cx_nomem(e, "catalogue");
    }
    return CX_OK;
}

int catalog_load(struct catalog **out, const char *path, const struct reader_options *o,
                 struct cx_err *e)
{
    *out = NULL;
    struct catalog *c = calloc(1, sizeof *c);
    if (c == NULL || (c->ids = strtab_create()) == NULL || (c->cats = strtab_create()) == NULL) {
        catalog_free(c);
        return cx_nomem(e, "catalogue");
    }
    static const char *const canon[RP_NFIELDS] = { "product_id", "unit_cost", "category" };
    const char *want[RP_NFIELDS];
    for (int k = 0; k < RP_NFIELDS; k++)
        want[k] = o->products_columns[k] ? o->products_columns[k] : canon[k];
    struct cat_ctx x = { .c = c, .path = path, .loc = o->locale };
    int rc = reader_table(path, "catalogue", o, want, RP_NFIELDS, 2, on_record, &x, e);
    if (rc != CX_OK) {
        catalog_free(c);
        return rc;
    }
    *out = c;
    return CX_OK;
}

void catalog_free(struct catalog *c)
{
    if (c == NULL)
        return;
    strtab_free(c->ids);
    strtab_free(c->cats);
    free(c->cost);
    free(c->cat);
    free(c);
}

int catalog_lookup(const struct catalog *c, const char *s, size_t n, double *unit_cost,
                   const char **category, size_t *catlen)
{
    uint32_t id = strtab_find(c->ids, s, n, strtab_hash(s, n));
    if (id == STRTAB_NONE)
        return 0;
    *unit_cost = c->cost[id];
    if (c->cat[id] == STRTAB_NONE) {
        *category = "";
        *catlen = 0;
    } else {
        *category = strtab_str(c->cats, c->cat[id], catlen);
    }
    return 1;
}

size_t catalog_size(const struct catalog *c)
{
    return strtab_count(c->ids);
}
