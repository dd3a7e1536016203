/*
 * costmodel_config — the cost model from the [channel NAME] sections of
 * the INI configuration (SPEC §2). Every key is checked: an unknown key, a
 * negative cost, a commission outside 0..1 or a kind other than direct or
 * indirect is an error naming the file, line and key.
 */
#ifndef CANAUX_COSTMODEL_CONFIG_H
#define CANAUX_COSTMODEL_CONFIG_H

#include "engine/costmodel.h"
#include "engine/cx_err.h"
#include "loaders/config.h"

/* When c has [channel ...] sections, replaces m with them (source = the
   file); otherwise leaves m (the built-in model) as it is. Returns CX_OK
   or CX_EUSAGE. */
int cm_configure(struct costmodel *m, struct config *c, struct cx_err *e);

#endif
