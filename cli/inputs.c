/*
 * inputs — see inputs.h.
 */
#include "cli/inputs.h"

#include <errno.h>
#include <malloc.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "loaders/catalog.h"
#include "loaders/customers.h"
#include "loaders/plausible.h"
#include "loaders/source.h"
#include "loaders/costmodel_config.h"
#include "loaders/pgsource.h"

const char inputs_help[] =
    "Input options:\n"
    "  -c, --config FILE        INI configuration: [input], [columns], cost model\n"
    "      --products FILE      product catalogue: product_id, unit_cost[, category]\n"
    "                           (other headers mapped in [products])\n"
    "      --customers FILE     customer_id with channel, region and/or account_id,\n"
    "                           filling what transactions leave empty ([customers])\n"
    "      --locale en|fr       number format (fr: 1 234,56); overrides [input] locale\n"
    "      --delimiter C        , ; tab | or auto (default: detected)\n"
    "      --date-format F      auto, iso, dmy or mdy (default: detected)\n"
    "      --encoding E         auto, utf-8, utf-16, cp1252 or latin1 (default: detected)\n"
    "      --strict             stop at the first rejected row (exit 3)\n"
    "      --max-reject-rate R  fail (exit 3) above this share of rejected rows\n"
    "                           (default 0.01)\n"
    "      --rejects FILE       write every rejected row: file, line, reason, raw\n"
    "      --query SQL          rows of a postgresql:// INPUT (over [input] query)\n"
    "  -j, --threads N          threads (default: all cores)\n"
    "  -q, --quiet              no progress or notes on stderr\n"
    "INPUT is a CSV file (.gz read transparently, - for stdin), a PostgreSQL URI\n"
    "(postgresql://[user@][host][/db][?param=value&...], read with --query), or\n"
    "NAME=FILE to give every row of FILE the channel NAME.\n";

void inputs_init(struct inputs *in)
{
    memset(in, 0, sizeof *in);
    in->max_reject_rate = 0.01;
    reader_defaults(&in->ropt);
    cm_builtin(&in->model);
}

int inputs_option(struct inputs *in, int opt, const char *arg, struct cx_err *e)
{
    char *end;
    switch (opt) {
    case 'c': in->config_path = arg; return 1;
    case OPT_PRODUCTS: in->products_path = arg; return 1;
    case OPT_CUSTOMERS: in->customers_path = arg; return 1;
    case OPT_REJECTS: in->rejects_path = arg; return 1;
    case OPT_LOCALE:
        if (strcasecmp(arg, "en") && strcasecmp(arg, "fr")) {
            cx_fail(e, CX_EUSAGE, "--locale: expected en or fr, not '%s'", arg);
            return -1;
        }
        in->locale = arg;
        return 1;
    case OPT_DELIM:
        if (strcasecmp(arg, "auto") && strcasecmp(arg, "tab") && !(strlen(arg) == 1 && strchr(",;|\t", arg[0]))) {
            cx_fail(e, CX_EUSAGE, "--delimiter: expected , ; tab | or auto, not '%s'", arg);
            return -1;
        }
        in->delimiter = arg;
        return 1;
    case OPT_DATEFMT:
        if (strcasecmp(arg, "auto") && strcasecmp(arg, "iso") && strcasecmp(arg, "dmy") &&
            strcasecmp(arg, "mdy")) {
            cx_fail(e, CX_EUSAGE, "--date-format: expected auto, iso, dmy or mdy, not '%s'", arg);
            return -1;
        }
        in->date_format = arg;
        return 1;
    case OPT_ENCODING: {
        unsigned enc;
        if (source_encoding_parse(arg, &enc)) {
            cx_fail(e, CX_EUSAGE, "--encoding: expected auto, utf-8, utf-16, cp1252 or latin1, not '%s'", arg);
            return -1;
        }
        in->encoding = arg;
        return 1;
    }
    case OPT_STRICT: in->strict = 1; return 1;
    case OPT_QUERY: in->query = arg; return 1;
    case OPT_MAXREJ:
        errno = 0;
        in->max_reject_rate = strtod(arg, &end);
        if (errno || end == arg || *end || !(in->max_reject_rate >= 0 && in->max_reject_rate <= 1)) {
            cx_fail(e, CX_EUSAGE, "--max-reject-rate: expected a share from 0 to 1, not '%s'", arg);
            return -1;
        }
        return 1;
    case 'j': {
        errno = 0;
        long n = strtol(arg, &end, 10);
        if (errno || end == arg || *end || n < 1 || n > 1024) {
            cx_fail(e, CX_EUSAGE, "--threads: expected a number from 1 to 1024, not '%s'", arg);
            return -1;
        }
        in->threads = (int)n;
        return 1;
    }
    case 'q': in->quiet = 1; return 1;
    default: return 0;
    }
}

static int on_reject(void *ctx, const char *file, uint64_t line, const char *reason, const char *raw,
                     size_t rawlen)
{
    struct inputs *in = ctx;
    if (in->rejects_open) {
        struct csvout *w = &in->rejects;
        csvout_str(w, file);
        csvout_int(w, (long long)line);
        csvout_str(w, reason);
        csvout_text(w, raw, rawlen);
        csvout_end(w);
        return w->failed ? CX_EIO : 0;
    }
    if (!in->quiet && in->shown < 5)
        fprintf(stderr, pgsrc_is_uri(file) ? "canaux: %s: row %llu: rejected: %s\n" : "canaux: %s:%llu: rejected: %s\n",
                file, (unsigned long long)line, reason);
    in->shown++;
    return 0;
}

/* Splits NAME=FILE; a '=' after a '/' belongs to the path. */
static const char *split_channel(const char *arg, char **name)
{
    const char *eq = strchr(arg, '=');
    const char *slash = strchr(arg, '/');
    *name = NULL;
    if (eq == NULL || eq == arg || (slash && slash < eq))
        return arg;
    *name = strndup(arg, (size_t)(eq - arg));
    return eq + 1;
}

int inputs_configure(struct inputs *in, struct cx_err *e)
{
    int rc;
    if (in->configured)
        return CX_OK;
    in->configured = 1;
    if (in->threads > 0)
        omp_set_num_threads(in->threads);
    if (in->config_path) {
        /* Sections of later stages are read by them; a misspelt one is an
           error now rather than a setting silently ignored. */
        static const char *const known[] = { "input", "columns", "products", "customers",
                                             "channel ", "segmentation", "recommendations", "clv" };
        if ((rc = config_load(&in->config, in->config_path, e)) != CX_OK ||
            (rc = config_check_sections(&in->config, known, sizeof known / sizeof *known, e)) != CX_OK)
            return rc;
        if ((rc = reader_configure(&in->ropt, &in->config, e)) != CX_OK)
            return rc;
        /* The cost model too, whatever the command: `check -c FILE` is how a
           nightly job validates its configuration before the real run. */
        if ((rc = cm_configure(&in->model, &in->config, e)) != CX_OK)
            return rc;
    }
    if (in->locale)
        in->ropt.locale = strcasecmp(in->locale, "fr") == 0 ? FIELD_FR : FIELD_EN;
    if (in->delimiter)
        in->ropt.delimiter = strcasecmp(in->delimiter, "auto") == 0 ? 0
                             : strcasecmp(in->delimiter, "tab") == 0 ? '\t' : in->delimiter[0];
    if (in->date_format)
        in->ropt.date_format = strcasecmp(in->date_format, "iso") == 0   ? FIELD_DATE_ISO
                               : strcasecmp(in->date_format, "dmy") == 0 ? FIELD_DATE_DMY
                               : strcasecmp(in->date_format, "mdy") == 0 ? FIELD_DATE_MDY : 0;
    if (in->encoding)
        source_encoding_parse(in->encoding, &in->ropt.encoding);
    in->ropt.strict = in->strict;
    return CX_OK;
}

int inputs_load(struct inputs *in, struct cx_err *e)
{
    int rc;
    if (in->nfiles == 0)
        return cx_fail(e, CX_EUSAGE, "no input file (see --help)");
    if ((rc = inputs_configure(in, e)) != CX_OK)
        return rc;
    /* A query belongs to a postgresql:// input, and such an input needs one. */
    int npg = 0;
    for (int k = 0; k < in->nfiles; k++) {
        char *chan;
        npg += pgsrc_is_uri(split_channel(in->files[k], &chan));
        free(chan);
    }
    if (in->query) {
        free(in->ropt.query);
        if ((in->ropt.query = strdup(in->query)) == NULL)
            return cx_nomem(e, "query");
    }
    if (npg && in->ropt.query == NULL)
        return cx_fail(e, CX_EUSAGE, "a postgresql:// input needs a query: --query SQL or query = SQL in [input]");
    if (!npg && in->ropt.query)
        return cx_fail(e, CX_EUSAGE, "%s is for a postgresql:// input, and no input is one",
                       in->query ? "--query" : "[input] query");
    if (in->products_path) {
        if ((rc = catalog_load(&in->catalog, in->products_path, &in->ropt, e)) != CX_OK)
            return rc;
        in->ropt.catalog = in->catalog;
    }
    if (in->customers_path) {
        if ((rc = customers_load(&in->customers, in->customers_path, &in->ropt, e)) != CX_OK)
            return rc;
        in->ropt.customers = in->customers;
    }
    if (in->rejects_path) {
        if ((rc = csvout_open(&in->rejects, in->rejects_path, 0, e)) != CX_OK)
            return rc;
        in->rejects_open = 1;
        static const char *const head[] = { "file", "line", "reason", "raw" };
        for (int k = 0; k < 4; k++)
            csvout_str(&in->rejects, head[k]);
        csvout_end(&in->rejects);
    }
    in->ds = dataset_create();
    in->stats = calloc((size_t)in->nfiles, sizeof *in->stats);
    if (in->ds == NULL || in->stats == NULL)
        return cx_nomem(e, "dataset");
    for (int k = 0; k < in->nfiles; k++) {
        char *chan;
        const char *path = split_channel(in->files[k], &chan);
        rc = reader_load(in->ds, path, chan, &in->ropt, on_reject, in, &in->stats[k], e);
        free(chan);
        struct reader_stats *st = &in->stats[k];
        in->rows_read += st->rows_read;
        in->accepted += st->accepted;
        in->rejected += st->rejected;
        if (rc == CX_EIO && in->rejects_open && in->rejects.failed)
            return cx_fail(e, CX_EIO, "%s: write error", in->rejects_path);
        if (rc != CX_OK)
            return rc;
    }
    if ((rc = dataset_finish(in->ds, e)) != CX_OK)
        return rc;
    for (int k = 0; k < in->nfiles; k++)
        if (plausible_file(&in->warnings, &in->stats[k]) != CX_OK)
            return cx_nomem(e, "warnings");
    if (plausible_duplicates(&in->warnings, in->stats, in->nfiles) != CX_OK ||
        plausible_channels(&in->warnings, in->ds) != CX_OK)
        return cx_nomem(e, "warnings");
    if (!in->quiet && !in->warnings_in_output)
        for (size_t k = 0; k < in->warnings.n; k++)
            fprintf(stderr, "canaux: %s: %s\n",
                    in->warnings.v[k].kind == CX_WARN_ENCODING ? "note" : "warning",
                    in->warnings.v[k].text);
    /* Loading allocates and frees many blocks of a few MiB, which glibc
       serves fastest from its heap. The stages after it allocate big
       working arrays once and free them: those come from mmap from now on,
       so that they go back to the system when freed, and the heap's free
       pages left by loading go back now. Otherwise a stage's freed arrays
       stay resident, fragmented, in the memory of the stages after it. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    malloc_trim(0);
    if (in->rejects_open) {
        in->rejects_open = 0;
        if ((rc = csvout_close(&in->rejects, e)) != CX_OK)
            return rc;
    }
    if (in->rows_read && (double)in->rejected / (double)in->rows_read > in->max_reject_rate)
        return cx_fail(e, CX_EREJECT,
                       "%llu of %llu rows rejected (%.2f%%), above --max-reject-rate %.2f%%%s",
                       in->rejected, in->rows_read, 100.0 * (double)in->rejected / (double)in->rows_read,
                       100.0 * in->max_reject_rate,
                       in->rejects_path ? "" : "; --rejects FILE writes them all");
    return CX_OK;
}

int inputs_finish(struct inputs *in, struct cx_err *e)
{
    int rc = CX_OK;
    if (in->rejects_open)
        rc = csvout_close(&in->rejects, e);
    if (in->stats)
        for (int k = 0; k < in->nfiles; k++)
            reader_stats_free(&in->stats[k]);
    free(in->stats);
    dataset_free(in->ds);
    catalog_free(in->catalog);
    customers_free(in->customers);
    cx_warnings_free(&in->warnings);
    reader_options_free(&in->ropt);
    config_free(&in->config);
    in->stats = NULL;
    in->ds = NULL;
    in->catalog = NULL;
    in->customers = NULL;
    return rc;
}
