/*
 * costmodel — see costmodel.h. The built-in figures are those of the
 * example configuration, sample-data/example.ini.
 */
#include "engine/costmodel.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct cm_channel builtin[] = {
    /* name, kind, commission, per order, per unit, per return, fixed/year, acquisition/year */
    { "direct", CM_DIRECT, 0.03, 45.00, 0.50, 12.00, 2400000, 600000, 1 },
    { "web", CM_DIRECT, 0.00, 4.50, 0.30, 6.00, 180000, 90000, 1 },
    { "agents", CM_INDIRECT, 0.12, 6.00, 0.40, 8.00, 150000, 60000, 1 },
    { "retail", CM_INDIRECT, 0.25, 2.00, 0.60, 5.00, 120000, 50000, 1 },
    { "marketplace", CM_INDIRECT, 0.15, 3.00, 0.35, 7.00, 40000, 30000, 1 },
};

void cm_builtin(struct costmodel *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "built-in");
    m->n = sizeof builtin / sizeof *builtin;
    memcpy(m->ch, builtin, sizeof builtin);
}

int cm_find(const struct costmodel *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcasecmp(m->ch[i].name, name) == 0)
            return (int)i;
    return -1;
}

int cm_add_missing(struct costmodel *m, const char *name)
{
    if (m->n >= CM_MAX)
        return -1;
    struct cm_channel *c = &m->ch[m->n];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->kind = CM_DIRECT;
    c->in_model = 0;
    return (int)m->n++;
}
