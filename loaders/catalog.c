/*
 * catalog — see catalog.h. Product ids are interned in a strtab whose ids
 * index the cost and category arrays.
 */
#include "loaders/catalog.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/strtab.h"

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
    long line;              /* record number, 1 = header */
    int col_id, col_cost, col_cat;
    int field;              /* field index within the record */
    char *f[3];             /* the three wanted fields of the record */
    size_t n[3];
    struct cx_err *e;
    int failed;
};

static void keep(struct cat_ctx *x, int k, const void *s, size_t len)
{
    char *d = realloc(x->f[k], len + 1);
    if (d == NULL) {
        x->failed = 1;
        cx_nomem(x->e, "catalogue");
        return;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    x->f[k] = d;
    x->n[k] = len;
}

static void on_field(void *s, size_t len, void *data)
{
    struct cat_ctx *x = data;
    int i = x->field++;
    if (x->line == 1) {
        const char *t = s;
        while (len && (*t == ' ' || *t == '\t')) {
            t++;
            len--;
        }
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t' || t[len - 1] == '\r'))
            len--;
        if (len == 10 && strncasecmp(t, "product_id", 10) == 0)
            x->col_id = i;
        else if (len == 9 && strncasecmp(t, "unit_cost", 9) == 0)
            x->col_cost = i;
        else if (len == 8 && strncasecmp(t, "category", 8) == 0)
            x->col_cat = i;
        return;
    }
    if (i == x->col_id)
        keep(x, 0, s, len);
    else if (i == x->col_cost)
        keep(x, 1, s, len);
    else if (i == x->col_cat)
        keep(x, 2, s, len);
}

static void on_row(int term, void *data)
{
    (void)term;
    struct cat_ctx *x = data;
    struct catalog *c = x->c;
    long line = x->line++;
    int nf = x->field;
    x->field = 0;
    if (x->failed)
        return;
    if (line == 1) {
        if (x->col_id < 0 || x->col_cost < 0) {
            x->failed = 1;
            cx_fail(x->e, CX_EIO, "%s: catalogue header needs product_id and unit_cost", x->path);
        }
        return;
    }
    if (nf <= x->col_id || nf <= x->col_cost || x->n[0] == 0) {
        x->failed = 1;
        cx_fail(x->e, CX_EIO, "%s: record %ld: missing product_id or unit_cost", x->path, line);
        return;
    }
    double cost = NAN;
    if (x->n[1] && (field_number(x->f[1], x->n[1], x->loc, &cost) || cost < 0)) {
        x->failed = 1;
        cx_fail(x->e, CX_EIO, "%s: record %ld: bad unit_cost \"%s\"", x->path, line, x->f[1]);
        return;
    }
    uint32_t before = strtab_count(c->ids);
    uint32_t id = strtab_intern(c->ids, x->f[0], x->n[0], strtab_hash(x->f[0], x->n[0]));
    if (id == STRTAB_NONE) {
        x->failed = 1;
        cx_nomem(x->e, "catalogue");
        return;
    }
    if (id < before) {
        x->failed = 1;
        cx_fail(x->e, CX_EIO, "%s: record %ld: product %s listed twice", x->path, line, x->f[0]);
        return;
    }
    if (id >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        double *d = realloc(c->cost, cap * sizeof *d);
        uint32_t *t = d ? realloc(c->cat, cap * sizeof *t) : NULL;
        if (d)
            c->cost = d;
        if (t == NULL) {
            x->failed = 1;
            cx_nomem(x->e, "catalogue");
            return;
        }
        c->cat = t;
        c->cap = cap;
    }
    c->cost[id] = cost;
    c->cat[id] = STRTAB_NONE;
    if (x->col_cat >= 0 && nf > x->col_cat && x->n[2]) {
        c->cat[id] = strtab_intern(c->cats, x->f[2], x->n[2], strtab_hash(x->f[2], x->n[2]));
        if (c->cat[id] == STRTAB_NONE) {
            x->failed = 1;
            cx_nomem(x->e, "catalogue");
        }
    }
    x->n[0] = x->n[1] = x->n[2] = 0;
}

static int is_term(unsigned char c)
{
    return c == '\n' || c == '\r';
}

int catalog_load(struct catalog **out, const char *path, enum field_locale loc, struct cx_err *e)
{
    *out = NULL;
    struct catalog *c = calloc(1, sizeof *c);
    if (c == NULL || (c->ids = strtab_create()) == NULL || (c->cats = strtab_create()) == NULL) {
        catalog_free(c);
        return cx_nomem(e, "catalogue");
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        catalog_free(c);
        return cx_fail(e, CX_EIO, "%s: cannot open catalogue: %s", path, strerror(errno));
    }
    struct cat_ctx x = { .c = c, .path = path, .loc = loc, .line = 1, .col_id = -1,
                         .col_cost = -1, .col_cat = -1, .e = e };
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csv_set_term_func(&p, is_term);
    char buf[65536];
    size_t n;
    int first = 1;
    while (!x.failed && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        size_t skip = 0;
        if (first) {
            /* Delimiter from the header line; a byte-order mark is skipped. */
            if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
                skip = 3;
            size_t cnt[4] = { 0 };
            const char cand[4] = { ',', ';', '\t', '|' };
            for (size_t i = skip; i < n && buf[i] != '\n'; i++)
                for (int k = 0; k < 4; k++)
                    cnt[k] += buf[i] == cand[k];
            int best = 0;
            for (int k = 1; k < 4; k++)
                if (cnt[k] > cnt[best])
                    best = k;
            csv_set_delim(&p, (unsigned char)cand[best]);
            first = 0;
        }
        if (csv_parse(&p, buf + skip, n - skip, on_field, on_row, &x) != n - skip) {
            x.failed = 1;
            cx_fail(e, CX_EIO, "%s: %s", path, csv_strerror(csv_error(&p)));
        }
    }
    if (!x.failed && ferror(f)) {
        x.failed = 1;
        cx_fail(e, CX_EIO, "%s: read error: %s", path, strerror(errno));
    }
    if (!x.failed)
        csv_fini(&p, on_field, on_row, &x);
    if (!x.failed && x.line == 1) {
        x.failed = 1;
        cx_fail(e, CX_EIO, "%s: empty catalogue", path);
    }
    csv_free(&p);
    fclose(f);
    for (int k = 0; k < 3; k++)
        free(x.f[k]);
    if (x.failed) {
        catalog_free(c);
        return e->status ? e->status : CX_EIO;
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
