/*
 * config — the INI configuration file (-c FILE), read with inih.
 *
 * The file is read once into a flat list of (section, key, value, line)
 * entries; each stage then takes the section it owns and checks its keys
 * (the loader [input] and [columns], the cost model [channel NAME], and so
 * on). Keeping the raw entries, rather than one big struct, lets each stage
 * name the file and line of a bad value, and lets config_unused() report a
 * key that nobody read: a typo is an error, never silently ignored.
 */
#ifndef CANAUX_CONFIG_H
#define CANAUX_CONFIG_H

#include <stddef.h>

#include "engine/cx_err.h"

struct config_entry {
    char *section;   /* section name as written, "" before the first section */
    char *key;       /* key, lower-cased */
    char *value;     /* value, inline comment and surrounding spaces removed */
    int line;        /* line number in the file */
    int used;        /* set by config_get when a stage reads it */
};

struct config {
    char *path;                  /* file name, for messages; NULL when empty */
    struct config_entry *e;      /* entries in file order */
    size_t n;                    /* entries */
    size_t cap;                  /* allocated entries */
};

/* Reads path into c (zeroed by the caller). Returns CX_OK, or CX_EIO when
   the file cannot be read, CX_EUSAGE on a syntax error (naming the line).
   Free with config_free whatever the result. */
int config_load(struct config *c, const char *path, struct cx_err *e);
/* Frees what c holds; accepts an empty config. */
void config_free(struct config *c);
/* The entry for section/key (case-insensitive; the last one wins), marked
   used, or NULL. */
struct config_entry *config_get(struct config *c, const char *section, const char *key);
/* Fails with CX_EUSAGE naming the first entry of a section matching prefix
   ("input", "columns", "channel ") that no stage has read. */
int config_check_unused(const struct config *c, const char *prefix, struct cx_err *e);

/* Fails with CX_EUSAGE naming the first section whose name is not one of
   known[] (a name ending in a space, "channel ", matches as a prefix). */
int config_check_sections(const struct config *c, const char *const *known, size_t n,
                          struct cx_err *e);

#endif
