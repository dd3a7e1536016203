/*
 * costmodel — what it costs to serve a channel (SPEC §2): commission on
 * net revenue, a cost per order, per unit sold and per unit returned, a
 * yearly fixed cost and a yearly acquisition spend.
 *
 * The model is a small table of channels; a built-in default covers the
 * five example channels (direct sales force, web shop, agents, retail
 * stores, marketplace) so that the main job runs without a configuration.
 * A channel of the data that the model lacks is costed at zero and flagged
 * (in_model = 0), never silently.
 */
#ifndef CANAUX_COSTMODEL_H
#define CANAUX_COSTMODEL_H

#include <stddef.h>

#define CM_MAX 256
#define CM_NAME 64

enum cm_kind { CM_DIRECT, CM_INDIRECT };

struct cm_channel {
    char name[CM_NAME];        /* channel name as in the data (matched case-insensitively) */
    int kind;                  /* enum cm_kind */
    double commission_rate;    /* share of net revenue paid to an intermediary or platform */
    double cost_per_order;     /* per order with a positive net, money */
    double cost_per_unit;      /* per unit sold, money */
    double cost_per_return;    /* per unit returned, money */
    double fixed_cost;         /* per year, money; pro-rated to the analysed period */
    double acquisition_spend;  /* per year, money; pro-rated */
    int in_model;              /* 1 when the model names the channel, 0 when costed at zero */
};

struct costmodel {
    char source[256];          /* "built-in" or the configuration file it came from */
    size_t n;                  /* channels */
    struct cm_channel ch[CM_MAX];
};

/* The built-in model: direct, web, agents, retail, marketplace. */
void cm_builtin(struct costmodel *m);
/* Index of the channel named name (case-insensitive), or -1. */
int cm_find(const struct costmodel *m, const char *name);
/* Adds a channel of the data that the model lacks: zero costs, kind
   direct, in_model 0. Returns its index, or -1 when the table is full. */
int cm_add_missing(struct costmodel *m, const char *name);

#endif
