/*
 * inputs — the options every command that reads transactions shares, and
 * the loading of its input files into one dataset.
 *
 * cli/ is the only place that knows loaders, engine and reports together:
 * this is where the configuration, the catalogue, the reader and the
 * rejects file meet, and where the reject rate becomes exit status 3.
 */
#ifndef CANAUX_CLI_INPUTS_H
#define CANAUX_CLI_INPUTS_H

#include <stdio.h>

#include "engine/costmodel.h"
#include "engine/cx_err.h"
#include "engine/dataset.h"
#include "loaders/config.h"
#include "loaders/reader.h"
#include "reports/csvout.h"

struct inputs {
    const char *config_path;     /* -c FILE, or NULL */
    const char *products_path;   /* --products FILE, or NULL */
    const char *customers_path;  /* --customers FILE, or NULL */
    const char *rejects_path;    /* --rejects FILE, or NULL */
    const char *locale;          /* --locale, or NULL */
    const char *delimiter;       /* --delimiter, or NULL */
    const char *date_format;     /* --date-format, or NULL */
    const char *query;           /* --query SQL of a postgresql:// input, or NULL */
    const char *encoding;        /* --encoding, or NULL */
    int strict;                  /* --strict */
    double max_reject_rate;      /* --max-reject-rate, default 0.01 */
    int threads;                 /* -j N, 0 = all cores */
    int quiet;                   /* -q */
    int configured;              /* inputs_configure has run */

    char **files;                /* input arguments as given (NAME=FILE or FILE) */
    int nfiles;

    struct config config;        /* the configuration read */
    struct costmodel model;      /* built-in, or the [channel] sections of the configuration */
    struct reader_options ropt;  /* the loader's options */
    struct catalog *catalog;     /* the product catalogue, or NULL */
    struct customers *customers; /* the customers' channel, region, account, or NULL */
    struct reader_stats *stats;  /* per input file */
    struct dataset *ds;          /* everything accepted */
    struct csvout rejects;       /* the rejects file, when asked */
    int rejects_open;
    unsigned long long shown;    /* rejects printed on stderr (no --rejects) */
    struct cx_warnings warnings; /* doubtful data found while loading (printed on stderr
                                    unless quiet or warnings_in_output) */
    int warnings_in_output;      /* the command shows the warnings in its own output */
    unsigned long long rows_read, accepted, rejected;
};

/* getopt_long codes of the shared options (long-only ones are >= 256). */
enum {
    OPT_PRODUCTS = 256, OPT_REJECTS, OPT_LOCALE, OPT_DELIM, OPT_DATEFMT, OPT_STRICT,
    OPT_MAXREJ, OPT_JSON, OPT_HELP, OPT_ROWS, OPT_SEED, OPT_TRUTH, OPT_QUERY, OPT_CUSTOMERS,
    OPT_ENCODING
};

/* The shared options as getopt_long entries and their help text. */
#define INPUT_LONGOPTS                                                                  \
    { "config", required_argument, NULL, 'c' },                                        \
    { "products", required_argument, NULL, OPT_PRODUCTS },                             \
    { "customers", required_argument, NULL, OPT_CUSTOMERS },                           \
    { "rejects", required_argument, NULL, OPT_REJECTS },                               \
    { "locale", required_argument, NULL, OPT_LOCALE },                                 \
    { "delimiter", required_argument, NULL, OPT_DELIM },                               \
    { "date-format", required_argument, NULL, OPT_DATEFMT },                           \
    { "encoding", required_argument, NULL, OPT_ENCODING },                             \
    { "strict", no_argument, NULL, OPT_STRICT },                                       \
    { "max-reject-rate", required_argument, NULL, OPT_MAXREJ },                        \
    { "query", required_argument, NULL, OPT_QUERY },                                   \
    { "threads", required_argument, NULL, 'j' },                                       \
    { "quiet", no_argument, NULL, 'q' },                                               \
    { "help", no_argument, NULL, OPT_HELP }
#define INPUT_SHORTOPTS "c:j:q"
extern const char inputs_help[];

void inputs_init(struct inputs *in);
/* Takes one getopt_long result; returns 1 when it was a shared option, 0
   when not, -1 on a bad value (message in e, status CX_EUSAGE). */
int inputs_option(struct inputs *in, int opt, const char *arg, struct cx_err *e);
/* Reads the configuration file and checks its sections: [input] and
   [columns] into the reader's options, the cost model; the command-line
   overrides of the reader's options; the thread count. Reads no data.
   Returns CX_OK, CX_EIO (the file cannot be read) or CX_EUSAGE (naming the
   line). Runs once: later calls return CX_OK. */
int inputs_configure(struct inputs *in, struct cx_err *e);
/* Configures (inputs_configure, when not done), reads the master data and
   loads every input file, then collects the plausibility warnings into
   in->warnings (and prints them on stderr, "canaux: warning: ...", unless
   -q or in->warnings_in_output). Returns CX_OK, or the status of the
   first failure. A reject rate above the maximum is CX_EREJECT, returned
   only after everything is loaded (warnings included). */
int inputs_load(struct inputs *in, struct cx_err *e);
/* Closes the rejects file (checking the write) and frees everything. */
int inputs_finish(struct inputs *in, struct cx_err *e);

#endif
