/*
 * costmodel_config — see costmodel_config.h.
 */
#include "loaders/costmodel_config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "loaders/fields.h"

int cm_configure(struct costmodel *m, struct config *c, struct cx_err *e)
{
    int any = 0;
    for (size_t i = 0; i < c->n; i++)
        any |= strncasecmp(c->e[i].section, "channel ", 8) == 0;
    if (!any)
        return CX_OK;
    struct costmodel out;
    memset(&out, 0, sizeof out);
    snprintf(out.source, sizeof out.source, "%s", c->path);
    static const char *const keys[] = { "commission_rate", "cost_per_order", "cost_per_unit",
                                        "cost_per_return", "fixed_cost", "acquisition_spend" };
    for (size_t i = 0; i < c->n; i++) {
        const char *sec = c->e[i].section;
        if (strncasecmp(sec, "channel ", 8) != 0)
            continue;
        const char *name = sec + 8;
        while (*name == ' ')
            name++;
        if (*name == '\0')
            return cx_fail(e, CX_EUSAGE, "%s:%d: [channel] needs a channel name", c->path, c->e[i].line);
        if (cm_find(&out, name) >= 0)
            continue;   /* read once, from the first entry of its section */
        if (out.n >= CM_MAX || strlen(name) >= CM_NAME)
            return cx_fail(e, CX_EUSAGE, "%s:%d: too many channels or name too long", c->path, c->e[i].line);
        struct cm_channel *ch = &out.ch[out.n++];
        snprintf(ch->name, sizeof ch->name, "%s", name);
        ch->in_model = 1;
        ch->kind = CM_DIRECT;
        struct config_entry *x = config_get(c, sec, "kind");
        if (x) {
            if (strcasecmp(x->value, "direct") == 0)
                ch->kind = CM_DIRECT;
            else if (strcasecmp(x->value, "indirect") == 0)
                ch->kind = CM_INDIRECT;
            else
                return cx_fail(e, CX_EUSAGE, "%s:%d: [%s] kind = '%s': expected direct or indirect", c->path,
                               x->line, sec, x->value);
        }
        double *vals[] = { &ch->commission_rate, &ch->cost_per_order, &ch->cost_per_unit,
                           &ch->cost_per_return, &ch->fixed_cost, &ch->acquisition_spend };
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            if (!(x = config_get(c, sec, keys[k])))
                continue;
            double v;
            if (field_number(x->value, strlen(x->value), FIELD_EN, &v))
                return cx_fail(e, CX_EUSAGE, "%s:%d: [%s] %s = '%s': not a number", c->path, x->line, sec,
                               keys[k], x->value);
            if (v < 0)
                return cx_fail(e, CX_EUSAGE, "%s:%d: [%s] %s = %s: a cost cannot be negative", c->path,
                               x->line, sec, keys[k], x->value);
            if (k == 0 && v > 1)
                return cx_fail(e, CX_EUSAGE, "%s:%d: [%s] commission_rate = %s: expected a share from 0 to 1",
                               c->path, x->line, sec, x->value);
            *vals[k] = v;
        }
    }
    int rc = config_check_unused(c, "channel ", e);
    if (rc != CX_OK)
        return rc;
    *m = out;
    return CX_OK;
}
