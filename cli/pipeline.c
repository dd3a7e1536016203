/*
 * pipeline — the commands that analyse transactions: segment, score,
 * economics, recommend and run.
 *
 * The design, after zstd's programs/: the command line is parsed into one
 * struct options first, and every option and the whole configuration
 * (every section, whatever the command) are checked before any data is
 * read, so that a bad value fails in a second rather than after the load,
 * and the same configuration is judged the same way by every command.
 * Each command is then a list of stages run in order over one struct
 * pipeline that holds the results; a stage returns a cx_status and the
 * first failure stops the list (the output folder of `run` is removed, or
 * kept with exit 3 when only the reject rate was too high).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/outdir.h"
#include "cli/pipeline.h"
#include "cli/tmp_guard.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/ltv.h"
#include "engine/objectives.h"
#include "engine/recommend.h"
#include "engine/retention.h"
#include "engine/segment.h"
#include "loaders/model_reader.h"
#include "loaders/settings.h"
#include "reports/clv_csv.h"
#include "reports/console.h"
#include "reports/economics_csv.h"
#include "reports/model_writer.h"
#include "reports/objectives_csv.h"
#include "reports/recommend_csv.h"
#include "reports/segment_csv.h"

enum cmd_id { CMD_SEGMENT, CMD_SCORE, CMD_ECONOMICS, CMD_RECOMMEND, CMD_RUN, CMD_N };

static const char *const cmd_names[CMD_N] = { "segment", "score", "economics", "recommend", "run" };

static const char segment_usage[] =
    "Usage: canaux segment [OPTIONS] INPUT... -o DIR\n"
    "Groups customers into segments of similar buying habits (k-means on\n"
    "recency, frequency, monetary, order value, tenure, days between orders,\n"
    "return and discount rates, category breadth) and writes customers.csv,\n"
    "segments.csv, k_selection.csv and rfm_thresholds.csv into DIR.\n"
    "\n"
    "  -o, --output DIR       output folder (created when missing)\n"
    "  -k K                   number of segments, or auto (default: auto, 2..8)\n"
    "      --seed S           random seed (default 1)\n"
    "      --as-of DATE       as-of date, YYYY-MM-DD (default: last date in the data)\n"
    "      --from DATE        analyse orders from this date on\n"
    "      --to DATE          ... up to this date\n"
    "      --save-model FILE  write the scaler, centroids and names\n"
    "      --model FILE       match the new segments to a saved model (stable ids)\n"
    "      --matrix FILE      also write the standardised matrix that was clustered\n";

static const char economics_usage[] =
    "Usage: canaux economics [OPTIONS] INPUT... -o DIR\n"
    "Segments the customers, then measures each channel's cost to serve and\n"
    "profitability (SPEC §2 cost model: -c FILE, or the built-in one), per\n"
    "channel, segment x channel and account, with acquisition and retention.\n"
    "Writes channels.csv, segment_channels.csv, accounts.csv, whale_curve.csv,\n"
    "acquisition_retention.csv, cohorts.csv, channel_switching.csv, the\n"
    "lifetime value (clv.csv, clv_channels.csv; [clv] of -c FILE), the targets\n"
    "per channel and account (objectives.csv) and the segmentation files into\n"
    "DIR. Options as for canaux segment, and\n"
    "      --bootstrap B      resamples for the intervals per customer (default 200)\n"
    "      --holdout-days N   check the lifetime-value model on the N days after\n"
    "                         --as-of (which must come before the last date): holdout.csv\n";

static const char recommend_usage[] =
    "Usage: canaux recommend [OPTIONS] INPUT... -o DIR\n"
    "Segments the customers, measures the channel economics, and writes ranked\n"
    "recommendations (channel fit, volume shifts, objectives, policies, seasonal\n"
    "and partner programs, price consistency) with their evidence and estimated\n"
    "annual impact: recommendations.csv, prices.csv, seasonality.csv, and every\n"
    "file of canaux economics, into DIR. Thresholds: [recommendations] of -c FILE.\n";

static const char run_usage[] =
    "Usage: canaux run [OPTIONS] [INPUT...] -o DIR\n"
    "The main job: load, segment, channel economics, recommendations, reports.\n"
    "With no INPUT it runs on the bundled sample with the built-in cost model.\n"
    "Writes into a temporary folder beside DIR and renames it into place at the\n"
    "end, so DIR never holds a half-written run.\n"
    "\n"
    "  -o, --output DIR       the output folder (must not exist, unless --force)\n"
    "      --force            replace DIR, once the new run is complete\n"
    "      --format LIST      csv,xlsx,json,html (default: all four)\n"
    "  Options of canaux segment and canaux economics apply (-k, --seed, --as-of,\n"
    "  --from, --to, --model, --save-model, --bootstrap, -c FILE, ...).\n";

static const char score_usage[] =
    "Usage: canaux score --model FILE [OPTIONS] INPUT... -o DIR\n"
    "Assigns customers to the segments of a saved model without re-clustering\n"
    "and writes customers.csv, segments.csv and rfm_thresholds.csv into DIR.\n"
    "\n"
    "  -o, --output DIR       output folder (created when missing)\n"
    "      --model FILE       the model written by canaux segment --save-model\n"
    "      --as-of DATE, --from DATE, --to DATE   as for canaux segment\n";

static const char *const cmd_usage[CMD_N] = { segment_usage, score_usage, economics_usage, recommend_usage,
                                              run_usage };

/* Everything the command line and the configuration decide. */
struct options {
    enum cmd_id cmd;
    struct inputs in;            /* the input options and what loading gives */
    const char *out;             /* -o DIR as given */
    const char *save_model;      /* --save-model FILE, or NULL */
    const char *model;           /* --model FILE, or NULL */
    const char *matrix;          /* --matrix FILE, or NULL */
    const char *kopt, *seed;     /* -k and --seed as given (they override the configuration) */
    const char *formats;         /* --format LIST */
    unsigned fmt;                /* its OUT_* bits */
    int force;                   /* --force */
    int32_t from, to, asof;      /* --from, --to, --as-of (INT32_MIN/MAX when absent) */
    struct seg_options so;       /* [segmentation], -k, --seed */
    struct eco_options eo;       /* --bootstrap, seed */
    struct rec_options ro;       /* [recommendations] */
    struct ltv_options lo;       /* [clv], --holdout-days, --bootstrap, seed */
};

/* The results, stage by stage. */
struct pipeline {
    struct options *o;
    int argc;
    char **argv;
    struct outdir od;            /* the output folder (temporary for run) */
    struct seg_model prev;       /* the saved model of --model */
    struct features f;
    struct segmentation s;
    struct economics ec;
    struct retention rt;
    struct costmodel cm;         /* the cost model in use */
    struct basket bk;
    struct recommendations rec;
    struct ltv lv;               /* the lifetime value (economics, recommend, run) */
    int have_lv;                 /* lv was computed */
    struct objectives ob;        /* targets per channel and account */
    int reject_rc;               /* CX_EREJECT when too many rows were rejected */
    char reject_msg[sizeof ((struct cx_err *)0)->msg];
    struct hasher *hasher;       /* the inputs' SHA-256 (run with json) */
    double seconds[PL_NTIMES];   /* per timing bucket */
};

enum { OPT_ASOF = 400, OPT_FROM, OPT_TO, OPT_SAVEMODEL, OPT_MODEL, OPT_SEED2, OPT_MATRIX, OPT_BOOT, OPT_FORCE,
       OPT_FORMAT, OPT_HOLDOUT };

static int parse_day(const char *arg, const char *opt, int32_t *day, struct cx_err *e)
{
    if (field_date(arg, strlen(arg), FIELD_DATE_ISO, day))
        return cx_fail(e, CX_EUSAGE, "--%s: expected a date YYYY-MM-DD, not '%s'", opt, arg);
    return CX_OK;
}

static int parse_formats(const char *formats, unsigned *fmt, struct cx_err *e)
{
    *fmt = 0;
    const char *f = formats;
    while (*f) {
        size_t n = strcspn(f, ",");
        if (n == 3 && strncmp(f, "csv", 3) == 0)
            *fmt |= OUT_CSV;
        else if (n == 4 && strncmp(f, "json", 4) == 0)
            *fmt |= OUT_JSON;
        else if (n == 4 && strncmp(f, "xlsx", 4) == 0)
            *fmt |= OUT_XLSX;
        else if (n == 4 && strncmp(f, "html", 4) == 0)
            *fmt |= OUT_HTML;
        else
            return cx_fail(e, CX_EUSAGE, "--format: expected a list of csv, xlsx, json and html, not '%s'", formats);
        f += n + (f[n] == ',');
    }
    if (*fmt == 0)
        return cx_fail(e, CX_EUSAGE, "--format: expected a list of csv, xlsx, json and html, not '%s'", formats);
    return CX_OK;
}

/* The command line into o. Returns CX_OK, CX_EUSAGE, or -1 after --help
   was printed. */
static int parse_options(int argc, char **argv, struct options *o, struct cx_err *e)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        { "output", required_argument, NULL, 'o' },
        { "seed", required_argument, NULL, OPT_SEED2 },
        { "as-of", required_argument, NULL, OPT_ASOF },
        { "from", required_argument, NULL, OPT_FROM },
        { "to", required_argument, NULL, OPT_TO },
        { "save-model", required_argument, NULL, OPT_SAVEMODEL },
        { "model", required_argument, NULL, OPT_MODEL },
        { "matrix", required_argument, NULL, OPT_MATRIX },
        { "bootstrap", required_argument, NULL, OPT_BOOT },
        { "force", no_argument, NULL, OPT_FORCE },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "holdout-days", required_argument, NULL, OPT_HOLDOUT },
        { NULL, 0, NULL, 0 }
    };
    const char *name = cmd_names[o->cmd];
    int econ = o->cmd == CMD_ECONOMICS || o->cmd == CMD_RECOMMEND || o->cmd == CMD_RUN;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, INPUT_SHORTOPTS "o:k:", longopts, NULL)) != -1) {
        int r = inputs_option(&o->in, opt, optarg, e);
        if (r < 0)
            return CX_EUSAGE;
        if (r > 0)
            continue;
        long v;
        switch (opt) {
        case 'o': o->out = optarg; break;
        case 'k': o->kopt = optarg; break;
        case OPT_SEED2: o->seed = optarg; break;
        case OPT_SAVEMODEL: o->save_model = optarg; break;
        case OPT_MODEL: o->model = optarg; break;
        case OPT_MATRIX: o->matrix = optarg; break;
        case OPT_FORCE:
            if (o->cmd != CMD_RUN)
                return cx_fail(e, CX_EUSAGE, "--force belongs to canaux run");
            o->force = 1;
            break;
        case OPT_FORMAT:
            if (o->cmd != CMD_RUN)
                return cx_fail(e, CX_EUSAGE, "--format belongs to canaux run");
            o->formats = optarg;
            break;
        case OPT_BOOT:
            if (!econ || settings_int(optarg, 10, 100000, &v))
                return cx_fail(e, CX_EUSAGE, "--bootstrap: expected 10 to 100000 resamples (canaux economics)");
            o->eo.bootstrap = (int)v;
            break;
        case OPT_HOLDOUT:
            if (!econ || settings_int(optarg, 1, 36500, &v))
                return cx_fail(e, CX_EUSAGE, "--holdout-days: expected 1 to 36500 days (canaux economics, "
                               "recommend and run), not '%s'", optarg);
            o->lo.holdout_days = (int32_t)v;
            break;
        case OPT_ASOF:
            if (parse_day(optarg, "as-of", &o->asof, e))
                return CX_EUSAGE;
            break;
        case OPT_FROM:
            if (parse_day(optarg, "from", &o->from, e))
                return CX_EUSAGE;
            break;
        case OPT_TO:
            if (parse_day(optarg, "to", &o->to, e))
                return CX_EUSAGE;
            break;
        case OPT_HELP:
            printf("%s\n%s", cmd_usage[o->cmd], inputs_help);
            return -1;
        default:
            return cx_fail(e, CX_EUSAGE, "bad option (see canaux %s --help)", name);
        }
    }
    if (o->out == NULL)
        return cx_fail(e, CX_EUSAGE, "%s: -o DIR is required", o->cmd == CMD_SCORE ? "score" : "segment");
    if (o->cmd == CMD_SCORE && o->model == NULL)
        return cx_fail(e, CX_EUSAGE, "score: --model FILE is required");
    if (o->cmd == CMD_SCORE && (o->save_model || o->kopt))
        return cx_fail(e, CX_EUSAGE, "score: -k and --save-model belong to canaux segment");
    if (o->from > o->to)
        return cx_fail(e, CX_EUSAGE, "--from is after --to");
    if (o->lo.holdout_days > 0 && o->asof == INT32_MIN)
        return cx_fail(e, CX_EUSAGE, "--holdout-days needs --as-of DATE: the model is fitted up to that date and "
                       "checked on the days after it");
    if (o->lo.holdout_days > 0 && o->to != INT32_MAX && o->to < o->asof)
        return cx_fail(e, CX_EUSAGE, "--holdout-days: --to is before --as-of (the days between would be neither "
                       "fitted nor checked)");
    if (o->cmd == CMD_RUN && parse_formats(o->formats, &o->fmt, e) != CX_OK)
        return CX_EUSAGE;
    o->in.files = argv + optind;
    o->in.nfiles = argc - optind;
    if (o->cmd == CMD_RUN && o->in.nfiles == 0) {
        static char sample_path[] = CANAUX_SAMPLE;
        static char *sample[] = { sample_path };
        o->in.files = sample;
        o->in.nfiles = 1;
    }
    return CX_OK;
}

/* The configuration file, every section of it, then the command-line
   values that override it: all checked before any data is read. */
static int configure(struct options *o, struct cx_err *e)
{
    int rc = inputs_configure(&o->in, e);
    if (rc == CX_OK)
        rc = cli_configure_stages(&o->in, &o->so, &o->ro, &o->lo, e);
    if (rc != CX_OK)
        return rc;
    long v;
    if (o->kopt) {
        if (strcasecmp(o->kopt, "auto") == 0)
            o->so.k = 0;
        else if (settings_int(o->kopt, 1, SEG_MAX_K, &v))
            return cx_fail(e, CX_EUSAGE, "-k: expected auto or 1 to %d, not '%s'", SEG_MAX_K, o->kopt);
        else
            o->so.k = (int)v;
    }
    if (o->seed) {
        if (settings_int(o->seed, 0, 2147483647L, &v))
            return cx_fail(e, CX_EUSAGE, "--seed: expected a whole number, not '%s'", o->seed);
        o->so.seed = (uint64_t)v;
    }
    o->eo.seed = o->so.seed;
    o->lo.seed = o->so.seed;
    o->lo.bootstrap = o->eo.bootstrap;
    return CX_OK;
}

int cli_configure_stages(struct inputs *in, struct seg_options *so, struct rec_options *ro, struct ltv_options *lo,
                         struct cx_err *e)
{
    if (in->config_path == NULL)
        return CX_OK;
    int rc = settings_segmentation(so, &in->config, e);
    if (rc == CX_OK)
        rc = settings_recommendations(ro, &in->config, e);
    if (rc == CX_OK)
        rc = settings_clv(lo, &in->config, e);
    return rc;
}

void cli_after_asof_sentence(int32_t asof, size_t lines, size_t orders, int fr, char *buf, size_t n)
{
    char d[16];
    field_format_day(asof, d);
    const char *sl = lines == 1 ? "" : "s", *so = orders == 1 ? "" : "s";
    if (fr)
        snprintf(buf, n, "%zu ligne%s (%zu commande%s) après la date d'arrêté %s : comptées, non analysées",
                 lines, sl, orders, so, d);
    else
        snprintf(buf, n, "%zu line%s (%zu order%s) dated after the as-of date %s: counted, not analysed", lines,
                 sl, orders, so, d);
}

int cli_french(const struct inputs *in)
{
    return in->locale && strcasecmp(in->locale, "fr") == 0;
}

/* Notes on the cost model for stderr: a modelled channel with no line, and
   lines of channels the model does not know. */
static void note_cost_model(const struct costmodel *cm, const struct economics *ec)
{
    for (size_t i = 0; i < cm->n; i++) {
        int seen = 0;
        for (uint32_t c = 0; c < ec->nch; c++)
            seen |= ec->ch[c].cm == (int)i;
        if (!seen)
            fprintf(stderr, "canaux: cost model channel '%s' (%s) has no line in the data\n", cm->ch[i].name,
                    cm->source);
    }
    if (ec->unmodelled_lines)
        fprintf(stderr, "canaux: %llu lines in channels missing from the cost model (%s) were costed at zero"
                " (in_cost_model = 0 in channels.csv)\n", (unsigned long long)ec->unmodelled_lines, cm->source);
}

/* ---------------------------------------------------------------------- */
/* The stages.                                                             */

typedef int (*stage_fn)(struct pipeline *p, struct cx_err *e);

static int st_load(struct pipeline *p, struct cx_err *e)
{
    struct inputs *in = &p->o->in;
    int rc = inputs_load(in, e);
    /* Too many rejects: write everything, then fail with that message. A
       later failure is reported too, after it, not hidden behind it. */
    if (rc == CX_EREJECT) {
        p->reject_rc = rc;
        memcpy(p->reject_msg, e->msg, sizeof p->reject_msg);
        e->status = CX_OK;
        e->msg[0] = 0;
        rc = CX_OK;
    }
    if (rc != CX_OK)
        return rc;
    /* Nothing accepted: too many rejects (exit 3, rejects.csv still
       written) or an input without a data line (exit 2), not a usage error. */
    if (in->ds->n_lines == 0) {
        if (p->reject_rc) {
            p->reject_rc = CX_OK;
            return cx_fail(e, CX_EREJECT, "%s", p->reject_msg);
        }
        return cx_fail(e, CX_EIO, "%s: no order line accepted (%llu data row%s read)",
                       in->nfiles == 1 ? in->stats[0].name : "the inputs", in->rows_read, in->rows_read == 1 ? "" : "s");
    }
    p->cm = in->model;
    return CX_OK;
}

static int st_features(struct pipeline *p, struct cx_err *e)
{
    int rc = features_compute(p->o->in.ds, p->o->from, p->o->to, p->o->asof, &p->f, e);
    if (rc == CX_OK && p->f.lines_after_asof) {
        /* Said on stderr, and with the loader's warnings: the report's data
           quality and summary.json's warnings[] (kind after_as_of). */
        char buf[512];
        cli_after_asof_sentence(p->f.asof, p->f.lines_after_asof, p->f.orders_after_asof, 0, buf, sizeof buf);
        if (!p->o->in.quiet)
            fprintf(stderr, "canaux: %s\n", buf);
        if (cx_warn(&p->o->in.warnings, CX_WARN_AFTER_AS_OF, "%s", buf) != CX_OK)
            return cx_nomem(e, "warnings");
    }
    return rc;
}

static int st_segment(struct pipeline *p, struct cx_err *e)
{
    if (p->o->cmd == CMD_SCORE)
        return segment_score(&p->f, &p->prev, &p->s, e);
    return segment_fit(&p->f, &p->o->so, p->o->model ? &p->prev : NULL, &p->s, e);
}

static int st_economics(struct pipeline *p, struct cx_err *e)
{
    const struct dataset *ds = p->o->in.ds;
    int rc = eco_compute(ds, &p->f, p->s.segment, p->s.model.k, &p->cm, &p->o->eo, &p->ec, e);
    cli_memtrace("economics");
    if (rc == CX_OK)
        rc = ret_compute(ds, &p->f, p->s.segment, p->s.model.k, p->ec.head_contribution, &p->rt, e);
    /* Retention was the last user of each order's contribution (8 bytes
       an order): freed before the stages after it allocate. */
    free(p->ec.head_contribution);
    p->ec.head_contribution = NULL;
    return rc;
}

/* The lifetime value, after retention (its acquisition channels) and the
   economics (contribution ratios, CAC). */
static int st_clv(struct pipeline *p, struct cx_err *e)
{
    const struct dataset *ds = p->o->in.ds;
    const struct options *o = p->o;
    if (o->lo.holdout_days > 0) {
        int32_t last = INT32_MIN;
        for (size_t h = 0; h < ds->n_heads; h++)
            last = ds->h_day[h] > last ? ds->h_day[h] : last;
        if (o->asof >= last) {
            char d0[16], d1[16];
            field_format_day(o->asof, d0);
            field_format_day(last, d1);
            return cx_fail(e, CX_EUSAGE, "--holdout-days: --as-of %s is not before the last date of the data (%s): "
                           "there is nothing to check the model on", d0, d1);
        }
    }
    int rc = ltv_compute(ds, &p->f, &p->rt, &p->ec, &o->lo, &p->lv, e);
    p->have_lv = rc == CX_OK;
    if (rc != CX_OK || o->in.quiet)
        return rc;
    const struct ltv *l = &p->lv;
    if (l->bg_status != LTV_FITTED)
        fprintf(stderr, "canaux: lifetime value: no BG/NBD fit (%s): clv.csv is left empty\n",
                l->repeat == 0 ? "no customer bought on two different days" : l->msg);
    else if (l->gg_status != LTV_FITTED)
        fprintf(stderr, "canaux: lifetime value: no Gamma-Gamma fit (%s): order values and CLV are left empty\n",
                l->gg_status == LTV_INFINITE_MEAN ? "q <= 1, the mean order value would be infinite" : l->msg);
    if (o->lo.holdout_days > 0 && l->hold_end > l->last_day) {
        char d0[16], d1[16];
        field_format_day(l->hold_end, d0);
        field_format_day(l->last_day, d1);
        fprintf(stderr, "canaux: the holdout runs to %s, past the last date of the data (%s): its actual counts "
                "are short of the window\n", d0, d1);
    }
    return CX_OK;
}

/* Targets per channel and account, against their peers, with the
   thresholds of [recommendations]. */
static int st_objectives(struct pipeline *p, struct cx_err *e)
{
    struct obj_options oo;
    obj_defaults(&oo);
    oo.min_customers = (uint32_t)p->o->ro.min_customers;
    oo.alpha = p->o->ro.alpha;
    oo.min_effect = p->o->ro.min_effect;
    oo.retention_gap = p->o->ro.retention_gap;
    return obj_compute(p->o->in.ds, &p->ec, &p->rt, p->have_lv ? &p->lv : NULL, &oo, &p->ob, e);
}

static int st_basket(struct pipeline *p, struct cx_err *e)
{
    return bsk_compute(p->o->in.ds, &p->f, p->s.segment, p->s.model.k, NULL, &p->bk, e);
}

static int st_recommend(struct pipeline *p, struct cx_err *e)
{
    return rec_compute(p->o->in.ds, &p->f, &p->s, &p->ec, &p->rt, &p->bk, p->have_lv ? &p->lv : NULL, &p->o->ro,
                       &p->rec, e);
}

static int st_write_segment(struct pipeline *p, struct cx_err *e)
{
    int fr = cli_french(&p->o->in);
    int rc = segment_csv_write(p->o->in.ds, &p->f, &p->s, p->have_lv ? p->lv.p_alive : NULL,
                               p->have_lv ? p->lv.clv : NULL, p->od.dir, fr, e);
    if (rc == CX_OK && p->o->save_model)
        rc = model_write(&p->s.model, p->o->save_model, e);
    if (rc == CX_OK && p->o->matrix)
        rc = segment_matrix_write(p->o->in.ds, &p->f, &p->s, p->o->matrix, e);
    return rc;
}

static int st_write_economics(struct pipeline *p, struct cx_err *e)
{
    return economics_csv_write(p->o->in.ds, &p->s, &p->ec, &p->rt, p->od.dir, cli_french(&p->o->in), e);
}

static int st_write_clv(struct pipeline *p, struct cx_err *e)
{
    int fr = cli_french(&p->o->in);
    int rc = clv_csv_write(p->o->in.ds, &p->f, &p->s, &p->ec, &p->lv, p->od.dir, fr, e);
    if (rc == CX_OK)
        rc = objectives_csv_write(p->o->in.ds, &p->ob, p->od.dir, fr, e);
    return rc;
}

static int st_write_recommend(struct pipeline *p, struct cx_err *e)
{
    return recommend_csv_write(p->o->in.ds, &p->s, &p->rec, &p->bk, p->od.dir, cli_french(&p->o->in), e);
}

/* The inputs' SHA-256 for summary.json, on a thread beside the writers:
   they run on one core, so the hash takes the other, where hashing beside
   the parallel stages would slow them. */
static int st_hash(struct pipeline *p, struct cx_err *e)
{
    (void)e;
    if (p->o->fmt & OUT_JSON)
        p->hasher = cli_hash_start(p->o->in.files, p->o->in.nfiles);
    return CX_OK;
}

static int st_write_reports(struct pipeline *p, struct cx_err *e)
{
    struct report_ctx r = { &p->o->in, &p->f, &p->s, &p->ec, &p->rt, &p->lv, &p->rec, &p->o->so, p->o->formats,
                            p->od.dir, p->argc, p->argv, p->seconds, p->o->fmt, p->hasher };
    return cli_write_reports(&r, e);
}

struct stage {
    const char *name;            /* for progress and CANAUX_MEMTRACE */
    int bucket;                  /* timing bucket (enum pl_time) */
    stage_fn fn;
};

static const struct stage seg_stages[] = {
    { "loading", PL_LOAD, st_load }, { "customer features", PL_FEATURES, st_features },
    { "segmentation", PL_SEGMENT, st_segment }, { "writing", PL_WRITE, st_write_segment }, { NULL, 0, NULL }
};
static const struct stage eco_stages[] = {
    { "loading", PL_LOAD, st_load }, { "customer features", PL_FEATURES, st_features },
    { "segmentation", PL_SEGMENT, st_segment }, { "channel economics", PL_ECONOMICS, st_economics },
    { "lifetime value", PL_CLV, st_clv }, { "objectives", PL_CLV, st_objectives },
    { "writing", PL_WRITE, st_write_segment }, { "writing", PL_WRITE, st_write_economics },
    { "writing", PL_WRITE, st_write_clv }, { NULL, 0, NULL }
};
static const struct stage rec_stages[] = {
    { "loading", PL_LOAD, st_load }, { "customer features", PL_FEATURES, st_features },
    { "segmentation", PL_SEGMENT, st_segment }, { "channel economics", PL_ECONOMICS, st_economics },
    { "lifetime value", PL_CLV, st_clv }, { "objectives", PL_CLV, st_objectives },
    { "basket", PL_RECOMMEND, st_basket }, { "recommendations", PL_RECOMMEND, st_recommend },
    { "writing", PL_WRITE, st_write_segment }, { "writing", PL_WRITE, st_write_economics },
    { "writing", PL_WRITE, st_write_clv }, { "writing", PL_WRITE, st_write_recommend }, { NULL, 0, NULL }
};
static const struct stage run_stages[] = {
    { "loading", PL_LOAD, st_load }, { "customer features", PL_FEATURES, st_features },
    { "segmentation", PL_SEGMENT, st_segment }, { "channel economics", PL_ECONOMICS, st_economics },
    { "lifetime value", PL_CLV, st_clv }, { "objectives", PL_CLV, st_objectives },
    { "basket", PL_RECOMMEND, st_basket }, { "recommendations", PL_RECOMMEND, st_recommend },
    { "writing", PL_WRITE, st_hash }, { "writing", PL_WRITE, st_write_segment },
    { "writing", PL_WRITE, st_write_economics }, { "writing", PL_WRITE, st_write_clv },
    { "writing", PL_WRITE, st_write_recommend }, { "writing", PL_WRITE, st_write_reports }, { NULL, 0, NULL }
};
static const struct stage *const cmd_stages[CMD_N] = { seg_stages, seg_stages, eco_stages, rec_stages,
                                                       run_stages };

/* The memtrace names of the stages, as the benchmark reads them. */
static const char *memtrace_name(const struct pipeline *p, const struct stage *st)
{
    if (st->fn == st_load)
        return "load";
    if (st->fn == st_features)
        return "features";
    if (st->fn == st_segment)
        return p->o->cmd == CMD_SCORE ? "scoring" : "segmentation";
    if (st->fn == st_economics)
        return "retention";
    if (st->fn == st_clv)
        return "clv";
    if (st->fn == st_basket)
        return "basket";
    if (st->fn == st_recommend)
        return "recommendations";
    return NULL;
}

static int run_stages_of(struct pipeline *p, struct cx_err *e)
{
    struct options *o = p->o;
    /* Progress for an analyst at a terminal; nothing for a nightly job. */
    int tty = !o->in.quiet && isatty(STDERR_FILENO);
    const char *said = NULL;
    int rc = CX_OK;
    for (const struct stage *st = cmd_stages[o->cmd]; st->fn && rc == CX_OK; st++) {
        const char *what = st->fn == st_segment && o->cmd == CMD_SCORE ? "scoring" : st->name;
        if (tty && what != said && (said == NULL || strcmp(what, said) != 0))
            fprintf(stderr, "canaux: %s...\n", what);
        said = what;
        double t = omp_get_wtime();
        rc = st->fn(p, e);
        p->seconds[st->bucket] += omp_get_wtime() - t;
        const char *mt = memtrace_name(p, st);
        if (mt)
            cli_memtrace(mt);
    }
    cli_memtrace("write");
    return rc;
}

/* ---------------------------------------------------------------------- */
/* The command.                                                            */

static void print_timings(const struct pipeline *p)
{
    const double *s = p->seconds;
    switch (p->o->cmd) {
    case CMD_RECOMMEND:
    case CMD_RUN:
        fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, segmentation %.2f s, "
                "economics %.2f s, clv %.2f s, recommendations %.2f s, write %.2f s\n", s[PL_LOAD], s[PL_FEATURES],
                s[PL_SEGMENT], s[PL_ECONOMICS], s[PL_CLV], s[PL_RECOMMEND], s[PL_WRITE]);
        break;
    case CMD_ECONOMICS:
        fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, segmentation %.2f s, "
                "economics %.2f s, clv %.2f s, write %.2f s\n", s[PL_LOAD], s[PL_FEATURES], s[PL_SEGMENT],
                s[PL_ECONOMICS], s[PL_CLV], s[PL_WRITE]);
        break;
    default:
        fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, %s %.2f s, write %.2f s\n", s[PL_LOAD],
                s[PL_FEATURES], p->o->cmd == CMD_SCORE ? "scoring" : "segmentation", s[PL_SEGMENT], s[PL_WRITE]);
    }
}

static void pipeline_free(struct pipeline *p)
{
    rec_free(&p->rec);
    obj_free(&p->ob);
    ltv_free(&p->lv);
    bsk_free(&p->bk);
    ret_free(&p->rt);
    eco_free(&p->ec);
    segment_free(&p->s);
    features_free(&p->f);
}

static int command(int argc, char **argv, enum cmd_id cmd, struct cx_err *e)
{
    struct options o;
    memset(&o, 0, sizeof o);
    o.cmd = cmd;
    o.formats = "csv,xlsx,json,html";
    o.from = INT32_MIN;
    o.to = INT32_MAX;
    o.asof = INT32_MIN;
    inputs_init(&o.in);
    seg_defaults(&o.so);
    eco_defaults(&o.eo);
    rec_defaults(&o.ro);
    ltv_defaults(&o.lo);

    struct pipeline p;
    memset(&p, 0, sizeof p);
    p.o = &o;
    p.argc = argc;
    p.argv = argv;
    cm_builtin(&p.cm);
    int rc = parse_options(argc, argv, &o, e);
    if (rc == -1) {
        inputs_finish(&o.in, e);
        return cli_flush_stdout(e);
    }
    if (rc == CX_OK)
        rc = configure(&o, e);
    if (rc == CX_OK && o.model)
        rc = model_read(&p.prev, o.model, e);
    if (rc == CX_OK)
        rc = outdir_open(&p.od, o.out, cmd == CMD_RUN, o.force, e);
    if (rc == CX_OK && cmd == CMD_RUN && o.in.rejects_path == NULL)
        o.in.rejects_path = p.od.rejects;
    if (rc != CX_OK) {
        inputs_finish(&o.in, e);
        return rc;
    }

    rc = run_stages_of(&p, e);
    int econ = cmd == CMD_ECONOMICS || cmd == CMD_RECOMMEND || cmd == CMD_RUN;
    if (rc == CX_OK && !o.in.quiet) {
        print_timings(&p);
        if (econ)
            note_cost_model(&p.cm, &p.ec);
    }
    if (rc == CX_OK && !o.in.quiet) {
        console_segments(stdout, cli_french(&o.in) ? LANG_FR : LANG_EN, &p.s, &p.f, p.od.final ? p.od.final : p.od.dir);
        if (econ)
            console_channels(stdout, cli_french(&o.in) ? LANG_FR : LANG_EN, o.in.ds, &p.cm, &p.ec);
    }
    rc = outdir_close(&p.od, rc, o.fmt, e);
    if (rc == CX_OK && (cmd == CMD_RECOMMEND || cmd == CMD_RUN) && !o.in.quiet)
        console_recommendations(stdout, cli_french(&o.in) ? LANG_FR : LANG_EN, o.in.ds, &p.s, &p.rec, cmd == CMD_RUN ? p.od.final : NULL);
    cli_hash_free(p.hasher);
    pipeline_free(&p);
    int rc2 = inputs_finish(&o.in, e);
    if (rc == CX_OK && rc2 == CX_OK && p.reject_rc)
        rc = cx_fail(e, p.reject_rc, "%s", p.reject_msg);
    else if (rc == CX_OK)
        rc = rc2;
    else if (p.reject_rc)
        fprintf(stderr, "canaux: %s\n", p.reject_msg);
    if (rc == CX_OK)
        rc = cli_flush_stdout(e);
    return rc;
}

int cmd_segment(int argc, char **argv, struct cx_err *e)
{
    return command(argc, argv, CMD_SEGMENT, e);
}

int cmd_score(int argc, char **argv, struct cx_err *e)
{
    return command(argc, argv, CMD_SCORE, e);
}

int cmd_economics(int argc, char **argv, struct cx_err *e)
{
    return command(argc, argv, CMD_ECONOMICS, e);
}

int cmd_recommend(int argc, char **argv, struct cx_err *e)
{
    return command(argc, argv, CMD_RECOMMEND, e);
}

int cmd_run(int argc, char **argv, struct cx_err *e)
{
    return command(argc, argv, CMD_RUN, e);
}
