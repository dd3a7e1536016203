/*
 * customers — see customers.h. Customer ids are interned in a strtab
 * whose ids index, per field, the id of the value in a second strtab (one
 * table for channels, regions and accounts alike: few distinct values).
 */
#include "loaders/customers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/strtab.h"
#include "loaders/reader.h"

struct customers {
    char *path;             /* the file, for messages */
    struct strtab *ids;     /* customer ids */
    struct strtab *vals;    /* channel, region and account texts */
    uint32_t *val[CU_NFIELDS]; /* value id per customer id and field, STRTAB_NONE when none */
    uint32_t *line;         /* the line each customer was first listed on */
    size_t cap;
    int has[CU_NFIELDS];    /* some customer has a value for the field */
};

struct cu_ctx {
    struct customers *c;
};

static const char *const cu_names[CU_NFIELDS] = { "channel", "region", "account_id" };

static int on_record(void *ctx, uint64_t line, const struct rows_field *f, struct cx_err *e)
{
    struct customers *c = ((struct cu_ctx *)ctx)->c;
    unsigned long long ln = (unsigned long long)line;
    const struct rows_field *id = &f[RC_CUSTOMER];
    if (id->n == 0)
        return cx_fail(e, CX_EIO, "%s:%llu: missing customer_id", c->path, ln);
    for (int k = 0; k < RC_NFIELDS; k++)
        if (!rows_utf8_ok(f[k].p, f[k].n))
            return cx_fail(e, CX_EIO, "%s:%llu: invalid UTF-8 (set encoding in [input] of the "
                           "configuration, or --encoding)", c->path, ln);
    uint32_t v[CU_NFIELDS];
    for (int k = 0; k < CU_NFIELDS; k++) {
        const struct rows_field *t = &f[RC_CHANNEL + k];
        v[k] = STRTAB_NONE;
        if (t->n && (v[k] = strtab_intern(c->vals, t->p, t->n, strtab_hash(t->p, t->n))) == STRTAB_NONE)
            return cx_nomem(e, "customers");
    }
    uint32_t before = strtab_count(c->ids);
    uint32_t cid = strtab_intern(c->ids, id->p, id->n, strtab_hash(id->p, id->n));
    if (cid == STRTAB_NONE)
        return cx_nomem(e, "customers");
    if (cid < before) {
        /* Listed again: fine when it says the same, bad input otherwise
           (which record would be right?). */
        for (int k = 0; k < CU_NFIELDS; k++)
            if (c->val[k][cid] != v[k]) {
                const char *was = c->val[k][cid] == STRTAB_NONE ? "" : strtab_str(c->vals, c->val[k][cid], NULL);
                const struct rows_field *t = &f[RC_CHANNEL + k];
                return cx_fail(e, CX_EIO, "%s:%llu: customer %.*s listed twice with different "
                               "values: %s '%s' on line %lu, '%.*s' here", c->path, ln,
                               (int)(id->n > 60 ? 60 : id->n), id->p, cu_names[k], was,
                               (unsigned long)c->line[cid], (int)(t->n > 60 ? 60 : t->n), t->p);
            }
        return CX_OK;
    }
    if (cid >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        for (int k = 0; k < CU_NFIELDS; k++) {
            uint32_t *t = realloc(c->val[k], cap * sizeof *t);
            if (t == NULL)
                return cx_nomem(e, "customers");
            c->val[k] = t;
        }
        uint32_t *l = realloc(c->line, cap * sizeof *l);
        if (l == NULL)
            return cx_nomem(e, "customers");
        c->line = l;
        c->cap = cap;
    }
    for (int k = 0; k < CU_NFIELDS; k++)
        c->val[k][cid] = v[k];
    c->line[cid] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    return CX_OK;
}

int customers_load(struct customers **out, const char *path, const struct reader_options *o,
                   struct cx_err *e)
{
    *out = NULL;
    struct customers *c = calloc(1, sizeof *c);
    if (c == NULL || (c->path = strdup(path)) == NULL || (c->ids = strtab_create()) == NULL ||
        (c->vals = strtab_create()) == NULL) {
        customers_free(c);
        return cx_nomem(e, "customers");
    }
    static const char *const canon[RC_NFIELDS] = { "customer_id", "channel", "region", "account_id" };
    const char *want[RC_NFIELDS];
    for (int k = 0; k < RC_NFIELDS; k++)
        want[k] = o->customers_columns[k] ? o->customers_columns[k] : canon[k];
    struct cu_ctx x = { .c = c };
    int rc = reader_table(path, "customers file", o, want, RC_NFIELDS, 1, on_record, &x, e);
    if (rc == CX_OK) {
        for (int k = 0; k < CU_NFIELDS; k++)
            for (size_t i = 0; i < strtab_count(c->ids) && !c->has[k]; i++)
                c->has[k] = c->val[k][i] != STRTAB_NONE;
        if (!c->has[CU_CHANNEL] && !c->has[CU_REGION] && !c->has[CU_ACCOUNT])
            rc = cx_fail(e, CX_EIO, "%s: customers file gives no channel, region or account_id "
                         "(looked for headers '%s', '%s', '%s'; map them in [customers] of the "
                         "configuration)", path, want[RC_CHANNEL], want[RC_REGION], want[RC_ACCOUNT]);
    }
    if (rc != CX_OK) {
        customers_free(c);
        return rc;
    }
    *out = c;
    return CX_OK;
}

void customers_free(struct customers *c)
{
    if (c == NULL)
        return;
    free(c->path);
    strtab_free(c->ids);
    strtab_free(c->vals);
    for (int k = 0; k < CU_NFIELDS; k++)
        free(c->val[k]);
    free(c->line);
    free(c);
}

int customers_lookup(const struct customers *c, const char *s, size_t n,
                     struct rows_field out[CU_NFIELDS])
{
    uint32_t id = strtab_find(c->ids, s, n, strtab_hash(s, n));
    if (id == STRTAB_NONE)
        return 0;
    for (int k = 0; k < CU_NFIELDS; k++) {
        uint32_t v = c->val[k][id];
        if (v == STRTAB_NONE) {
            out[k].p = "";
            out[k].n = 0;
        } else {
            out[k].p = strtab_str(c->vals, v, &out[k].n);
        }
    }
    return 1;
}

int customers_has(const struct customers *c, enum cu_field f)
{
    return c->has[f];
}

size_t customers_size(const struct customers *c)
{
    return strtab_count(c->ids);
}

const char *customers_path(const struct customers *c)
{
    return c->path;
}
