/*
 * settings — see settings.h.
 */
#include "loaders/settings.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loaders/fields.h"

int settings_int(const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return -1;
    *out = x;
    return 0;
}

/* [segmentation] of the configuration into o. */
int settings_segmentation(struct seg_options *o, struct config *c, struct cx_err *e)
{
    struct config_entry *x;
    long v;
#define BADV(what) cx_fail(e, CX_EUSAGE, "%s:%d: [segmentation] %s = '%s': expected %s", c->path, x->line, x->key, x->value, what)
    if ((x = config_get(c, "segmentation", "k"))) {
        if (strcasecmp(x->value, "auto") == 0)
            o->k = 0;
        else if (settings_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("auto or 1 to 16");
        else
            o->k = (int)v;
    }
    if ((x = config_get(c, "segmentation", "k_min"))) {
        if (settings_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("1 to 16");
        o->kmin = (int)v;
    }
    if ((x = config_get(c, "segmentation", "k_max"))) {
        if (settings_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("1 to 16");
        o->kmax = (int)v;
    }
    if ((x = config_get(c, "segmentation", "n_init"))) {
        if (settings_int(x->value, 1, 1000, &v))
            return BADV("1 to 1000");
        o->n_init = (int)v;
    }
    if ((x = config_get(c, "segmentation", "max_iter"))) {
        if (settings_int(x->value, 1, 100000, &v))
            return BADV("1 to 100000");
        o->max_iter = (int)v;
    }
    if ((x = config_get(c, "segmentation", "seed"))) {
        if (settings_int(x->value, 0, 2147483647L, &v))
            return BADV("a whole number");
        o->seed = (uint64_t)v;
    }
    if ((x = config_get(c, "segmentation", "sample"))) {
        if (settings_int(x->value, 100, 100000000L, &v))
            return BADV("100 or more");
        o->sample = (size_t)v;
    }
    if ((x = config_get(c, "segmentation", "silhouette_sample"))) {
        if (settings_int(x->value, 100, 100000, &v))
            return BADV("100 to 100000");
        o->sil_sample = (size_t)v;
    }
    if ((x = config_get(c, "segmentation", "tol"))) {
        double t;
        if (field_number(x->value, strlen(x->value), FIELD_EN, &t) || !(t > 0 && t < 1))
            return BADV("a tolerance between 0 and 1");
        o->tol = t;
    }
    for (int f = 0; f < F_N; f++) {
        if (!(x = config_get(c, "segmentation", features_name(f))))
            continue;
        if (strcasecmp(x->value, "off") == 0) {
            o->use[f] = 0;
            continue;
        }
        o->use[f] = 1;
        if (strcasecmp(x->value, "none") == 0)
            o->transform[f] = SEG_T_NONE;
        else if (strcasecmp(x->value, "log") == 0)
            o->transform[f] = SEG_T_LOG;
        else if (strcasecmp(x->value, "rate") == 0)
            o->transform[f] = SEG_T_RATE;
        else
            return BADV("off, none, log or rate");
    }
#undef BADV
    if (o->kmin > o->kmax)
        return cx_fail(e, CX_EUSAGE, "%s: [segmentation] k_min is above k_max", c->path);
    return config_check_unused(c, "segmentation", e);
}

/* [recommendations] of the configuration into o. */
int settings_recommendations(struct rec_options *o, struct config *c, struct cx_err *e)
{
    static const struct { const char *key; double lo, hi; size_t off; } keys[] = {
        { "alpha", 1e-9, 0.5, offsetof(struct rec_options, alpha) },
        { "min_effect", 0, 10, offsetof(struct rec_options, min_effect) },
        { "min_cos_gap", 0, 1, offsetof(struct rec_options, min_cos_gap) },
        { "shift_share", 0, 1, offsetof(struct rec_options, shift_share) },
        { "price_threshold", 0, 10, offsetof(struct rec_options, price_threshold) },
        { "discount_gap", 0, 1, offsetof(struct rec_options, discount_gap) },
        { "retention_gap", 0, 1, offsetof(struct rec_options, retention_gap) },
        { "peak_index", 1, 12, offsetof(struct rec_options, peak_index) },
        { "promo_uplift", 0, 10, offsetof(struct rec_options, promo_uplift) },
        { "partner_share", 0, 1, offsetof(struct rec_options, partner_share) },
        { "robust_z", 0, 100, offsetof(struct rec_options, robust_z) },
        { "min_lift", 1, 1000, offsetof(struct rec_options, min_lift) },
    };
    struct config_entry *x;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        if (!(x = config_get(c, "recommendations", keys[i].key)))
            continue;
        double v;
        if (field_number(x->value, strlen(x->value), FIELD_EN, &v) || v < keys[i].lo || v > keys[i].hi)
            return cx_fail(e, CX_EUSAGE, "%s:%d: [recommendations] %s = '%s': expected a number from %g to %g",
                           c->path, x->line, x->key, x->value, keys[i].lo, keys[i].hi);
        memcpy((char *)o + keys[i].off, &v, sizeof v);
    }
    static const struct { const char *key; long lo, hi; size_t off; } ints[] = {
        { "min_customers", 2, 1000000, offsetof(struct rec_options, min_customers) },
        { "min_lines", 2, 1000000, offsetof(struct rec_options, min_lines) },
    };
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        if (!(x = config_get(c, "recommendations", ints[i].key)))
            continue;
        long v;
        if (settings_int(x->value, ints[i].lo, ints[i].hi, &v))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [recommendations] %s = '%s': expected a whole number from %ld to %ld",
                           c->path, x->line, x->key, x->value, ints[i].lo, ints[i].hi);
        int iv = (int)v;
        memcpy((char *)o + ints[i].off, &iv, sizeof iv);
    }
    return config_check_unused(c, "recommendations", e);
}


/* [clv] of the configuration into o. */
int settings_clv(struct ltv_options *o, struct config *c, struct cx_err *e)
{
    struct config_entry *x;
    double v;
    long n;
    if ((x = config_get(c, "clv", "horizon_days"))) {
        if (field_number(x->value, strlen(x->value), FIELD_EN, &v) || !(v >= 1 && v <= 3650))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [clv] horizon_days = '%s': expected a number of days from 1 to 3650",
                           c->path, x->line, x->value);
        o->horizon_days = v;
    }
    if ((x = config_get(c, "clv", "discount_rate"))) {
        if (field_number(x->value, strlen(x->value), FIELD_EN, &v) || !(v >= 0 && v <= 1))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [clv] discount_rate = '%s': expected an annual rate from 0 to 1 "
                           "(0.10 for 10%%)", c->path, x->line, x->value);
        o->discount_rate = v;
    }
    if ((x = config_get(c, "clv", "min_customers"))) {
        if (settings_int(x->value, 2, 100000000L, &n))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [clv] min_customers = '%s': expected a whole number from 2",
                           c->path, x->line, x->value);
        o->min_customers = (uint32_t)n;
    }
    if ((x = config_get(c, "clv", "min_repeat_customers"))) {
        if (settings_int(x->value, 1, 100000000L, &n))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [clv] min_repeat_customers = '%s': expected a whole number from 1",
                           c->path, x->line, x->value);
        o->min_repeat = (uint32_t)n;
    }
    return config_check_unused(c, "clv", e);
}
