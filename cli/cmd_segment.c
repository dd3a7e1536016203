/*
 * cmd_segment — `canaux segment INPUT... -o DIR` (customers into segments
 * by buying habits) and `canaux score --model FILE INPUT... -o DIR`
 * (customers into the segments of a saved model, without re-clustering).
 * Reads the [segmentation] section of the configuration.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <omp.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <pthread.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/tmp_guard.h"
#include "engine/economics.h"
#include "engine/features.h"
#include "engine/recommend.h"
#include "engine/retention.h"
#include "engine/segment.h"
#include "loaders/model_reader.h"
#include "loaders/pgsource.h"
#include "reports/economics_csv.h"
#include "reports/model_writer.h"
#include "reports/recommend_csv.h"
#include "reports/html_report.h"
#include "reports/summary_json.h"
#include "reports/xlsx_writer.h"
#include "reports/segment_csv.h"

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
    "acquisition_retention.csv, cohorts.csv, channel_switching.csv and the\n"
    "segmentation files into DIR. Options as for canaux segment, and\n"
    "      --bootstrap B      resamples for the intervals per customer (default 200)\n";

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

enum { OPT_ASOF = 400, OPT_FROM, OPT_TO, OPT_SAVEMODEL, OPT_MODEL, OPT_SEED2, OPT_MATRIX, OPT_BOOT, OPT_FORCE, OPT_FORMAT };

static int parse_day(const char *arg, const char *opt, int32_t *day, struct cx_err *e)
{
    if (field_date(arg, strlen(arg), FIELD_DATE_ISO, day))
        return cx_fail(e, CX_EUSAGE, "--%s: expected a date YYYY-MM-DD, not '%s'", opt, arg);
    return CX_OK;
}

static int parse_int(const char *v, long lo, long hi, long *out)
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
static int seg_configure(struct seg_options *o, struct config *c, struct cx_err *e)
{
    struct config_entry *x;
    long v;
#define BADV(what) cx_fail(e, CX_EUSAGE, "%s:%d: [segmentation] %s = '%s': expected %s", c->path, x->line, x->key, x->value, what)
    if ((x = config_get(c, "segmentation", "k"))) {
        if (strcasecmp(x->value, "auto") == 0)
            o->k = 0;
        else if (parse_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("auto or 1 to 16");
        else
            o->k = (int)v;
    }
    if ((x = config_get(c, "segmentation", "k_min"))) {
        if (parse_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("1 to 16");
        o->kmin = (int)v;
    }
    if ((x = config_get(c, "segmentation", "k_max"))) {
        if (parse_int(x->value, 1, SEG_MAX_K, &v))
            return BADV("1 to 16");
        o->kmax = (int)v;
    }
    if ((x = config_get(c, "segmentation", "n_init"))) {
        if (parse_int(x->value, 1, 1000, &v))
            return BADV("1 to 1000");
        o->n_init = (int)v;
    }
    if ((x = config_get(c, "segmentation", "max_iter"))) {
        if (parse_int(x->value, 1, 100000, &v))
            return BADV("1 to 100000");
        o->max_iter = (int)v;
    }
    if ((x = config_get(c, "segmentation", "seed"))) {
        if (parse_int(x->value, 0, 2147483647L, &v))
            return BADV("a whole number");
        o->seed = (uint64_t)v;
    }
    if ((x = config_get(c, "segmentation", "sample"))) {
        if (parse_int(x->value, 100, 100000000L, &v))
            return BADV("100 or more");
        o->sample = (size_t)v;
    }
    if ((x = config_get(c, "segmentation", "silhouette_sample"))) {
        if (parse_int(x->value, 100, 100000, &v))
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

/* Removes dir and the files in it (the run's folders hold no subfolder). */
static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *x;
    char p[4600];
    while ((x = readdir(d)) != NULL) {
        if (strcmp(x->d_name, ".") == 0 || strcmp(x->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, x->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The end of canaux run: on success the temporary folder becomes out (an
   existing out, with --force, is moved aside first and removed after); on
   failure it is removed, and out is untouched. */
static int finish_folder(int rc, const char *tmp, const char *out, int force, const char *formats,
                         struct cx_err *e)
{
    if (rc != CX_OK && rc != CX_EREJECT) {
        rmtree(tmp);
        return rc;
    }
    if (!strstr(formats, "csv")) {   /* the CSVs only served the other formats */
        DIR *d = opendir(tmp);
        struct dirent *x;
        char p[4600];
        while (d && (x = readdir(d)) != NULL) {
            size_t n = strlen(x->d_name);
            if (n > 4 && strcmp(x->d_name + n - 4, ".csv") == 0) {
                snprintf(p, sizeof p, "%s/%s", tmp, x->d_name);
                unlink(p);
            }
        }
        if (d)
            closedir(d);
    }
    char old[4200];
    int moved = 0;
    struct stat sb;
    if (stat(out, &sb) == 0) {
        if (!force) {
            rmtree(tmp);
            return cx_fail(e, CX_EUSAGE, "%s appeared during the run: not replaced", out);
        }
        snprintf(old, sizeof old, "%s.old-%ld", out, (long)getpid());
        if (rename(out, old) != 0) {
            rmtree(tmp);
            return cx_fail(e, CX_EIO, "%s: cannot move the previous run aside: %s", out, strerror(errno));
        }
        moved = 1;
    }
    if (rename(tmp, out) != 0) {
        int err = errno;
        if (moved)
            rename(old, out);
        rmtree(tmp);
        return cx_fail(e, CX_EIO, "%s: cannot rename the new run into place: %s", out, strerror(err));
    }
    if (moved)
        rmtree(old);
    return rc;
}

/* workbook.xlsx from the run's CSV tables: the findings (top
   recommendations) first, then one sheet per table. customers.csv joins
   only up to XLSX_MAX_CUSTOMERS rows: a sheet of 600k rows takes longer to
   write than the rest of the run, and the CSV is there. */
#define XLSX_MAX_CUSTOMERS 100000
static int write_workbook(const char *dir, int fr, const struct recommendations *rec, uint32_t customers,
                          int32_t asof, struct cx_err *e)
{
    static const char *const tables[] = { "segments", "channels", "segment_channels", "recommendations",
                                          "acquisition_retention", "accounts", "products", "prices", "seasonality",
                                          "whale_curve", "cohorts", "channel_switching", "k_selection",
                                          "rfm_thresholds", "rejects", "customers" };
    size_t nt = sizeof tables / sizeof *tables;
    char paths[16][4200], findings[12][520], out[4200];
    const char *pp[16], *fp[12];
    size_t n = 0, nf = 0;
    for (size_t i = 0; i < nt; i++) {
        struct stat sb;
        snprintf(paths[n], sizeof paths[n], "%s/%s.csv", dir, tables[i]);
        if (stat(paths[n], &sb) != 0)
            continue;
        if (strcmp(tables[i], "customers") == 0 && customers > XLSX_MAX_CUSTOMERS)
            continue;
        pp[n] = paths[n];
        n++;
    }
    for (size_t i = 0; i < rec->n && nf < 10; i++, nf++) {
        if (isfinite(rec->r[i].impact))
            snprintf(findings[nf], sizeof findings[nf], "%zu. %s (about %.0f a year)", i + 1, rec->r[i].text,
                     rec->r[i].impact);
        else
            snprintf(findings[nf], sizeof findings[nf], "%zu. %s", i + 1, rec->r[i].text);
        fp[nf] = findings[nf];
    }
    if (customers > XLSX_MAX_CUSTOMERS) {
        snprintf(findings[nf], sizeof findings[nf], "The %u customers are in customers.csv (a sheet holds them only "
                 "up to %d).", customers, XLSX_MAX_CUSTOMERS);
        fp[nf] = findings[nf];
        nf++;
    }
    snprintf(out, sizeof out, "%s/workbook.xlsx", dir);
    return xlsx_write_from_csv(out, pp, NULL, n, fr, "canaux: findings", fp, nf, (time_t)asof * 86400, e);
}

/* report.html from the run's tables, written under a temporary name and
   renamed into place. */
static int write_html(const char *dir, int fr, const struct inputs *in, const struct features *f,
                      const struct economics *ec, struct cx_err *e)
{
    char path[4200], tmp[4200], period[64], d0[16], d1[16];
    const char *names[64];
    size_t n = (size_t)in->nfiles < 64 ? (size_t)in->nfiles : 64;
    for (size_t i = 0; i < n; i++)
        names[i] = in->stats[i].name;
    field_format_day(f->from, d0);
    field_format_day(f->to, d1);
    snprintf(period, sizeof period, "%s to %s (%d days)", d0, d1, ec->days);
    struct html_meta meta = { "canaux report", CANAUX_VERSION, ec->model.source, period, names, n,
                              in->rows_read, in->accepted, in->rejected };
    snprintf(path, sizeof path, "%s/report.html", dir);
    snprintf(tmp, sizeof tmp, "%s/.report.html.tmp", dir);
    int rc = html_report_from_csv(tmp, dir, fr, &meta, e);
    if (rc == CX_OK && rename(tmp, path) != 0)
        rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    if (rc != CX_OK)
        unlink(tmp);
    return rc;
}

/* SHA-256 of a regular file, as sha256sum prints it (hex into out, 65
   bytes); 0, or -1 when it cannot be read (stdin, say) or is no file (a
   PostgreSQL URI: not opened as a relative path). */
static int file_sha256(const char *path, char *out)
{
    if (strcmp(path, "-") == 0 || pgsrc_is_uri(path))
        return -1;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    static unsigned char buf[1 << 20];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        sha256_update(&ctx, (size_t)r, buf);
    close(fd);
    if (r < 0)
        return -1;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return 0;
}

/* Inputs are hashed on a thread of their own while the pipeline runs: the
   hash reads every byte once more, and most stages leave a core some room. */
struct hasher {
    pthread_t th;
    int started;          /* the thread runs */
    int done;             /* it was joined: hex and ok are final */
    int n;
    char **paths;
    char (*hex)[65];
    int *ok;
};

static void *hash_inputs(void *arg)
{
    struct hasher *h = arg;
    for (int i = 0; i < h->n; i++) {
        const char *p = h->paths[i];
        const char *eq = strchr(p, '='), *slash = strchr(p, '/');
        if (eq && eq != p && !(slash && slash < eq))
            p = eq + 1;   /* NAME=FILE */
        h->ok[i] = file_sha256(p, h->hex[i]) == 0;
    }
    return NULL;
}

static int write_summary(const struct inputs *in, int argc, char **argv, const char *formats,
                         const struct seg_options *so, const struct features *f, const struct segmentation *s,
                         const struct economics *ec, const struct retention *rt, const struct recommendations *rec,
                         const char *dir, double t0, double t1, double t2, double t3, double te, double tr,
                         struct hasher *hs, struct cx_err *e)
{
    size_t n = (size_t)in->nfiles;
    const char **names = calloc(n + 1, sizeof *names), **chans = calloc(n + 1, sizeof *chans);
    const char **sha = calloc(n + 1, sizeof *sha);
    char (*hex)[65] = calloc(n + 1, sizeof *hex);
    /* The command line as run, with the password of a URI masked. */
    char **args = calloc((size_t)argc + 1, sizeof *args);
    uint64_t *bytes = calloc(n + 1, sizeof *bytes), *rr = calloc(n + 1, sizeof *rr);
    uint64_t *acc = calloc(n + 1, sizeof *acc), *rej = calloc(n + 1, sizeof *rej);
    int rc;
    int nargs = 0;
    if (!names || !chans || !sha || !hex || !bytes || !rr || !acc || !rej || !args) {
        rc = cx_nomem(e, "summary");
        goto done;
    }
    for (; nargs < argc; nargs++)
        if ((args[nargs] = pgsrc_mask_uri(argv[nargs])) == NULL) {
            rc = cx_nomem(e, "summary");
            goto done;
        }
    for (size_t i = 0; i < n; i++) {
        const struct reader_stats *st = &in->stats[i];
        struct stat sb;
        names[i] = st->name;
        chans[i] = st->channel;
        bytes[i] = strcmp(st->name, "-") != 0 && !pgsrc_is_uri(st->name) && stat(st->name, &sb) == 0
                   ? (uint64_t)sb.st_size : st->bytes;
        rr[i] = st->rows_read;
        acc[i] = st->accepted;
        rej[i] = st->rejected;
        if (hs && hs->done && hs->ok[i])
            memcpy(hex[i], hs->hex[i], sizeof hex[i]);
        else if (file_sha256(st->name, hex[i]) != 0)
            continue;
        sha[i] = hex[i];
    }
    char from[16], to[16], asof[16], path[4200];
    field_format_day(f->from, from);
    field_format_day(f->to, to);
    field_format_day(f->asof, asof);
    struct run_info ri = { CANAUX_VERSION, (const char *const *)args, argc, so->seed, omp_get_max_threads(),
                           in->locale ? in->locale : "en", formats, from, to, asof, n, names, chans, bytes, sha,
                           rr, acc, rej, { "load", "features", "segmentation", "economics", "recommendations" },
                           { t1 - t0, t2 - t1, t3 - t2, te - t3, tr - te }, 5 };
    snprintf(path, sizeof path, "%s/summary.json", dir);
    rc = summary_json_write(path, &ri, in->ds, f, s, ec, rt, rec, e);
done:
    for (int i = 0; i < nargs; i++)
        free(args[i]);
    free(args);
    free(names);
    free(chans);
    free(sha);
    free(hex);
    free(bytes);
    free(rr);
    free(acc);
    free(rej);
    return rc;
}

/* [recommendations] of the configuration into o. */
static int rec_configure(struct rec_options *o, struct config *c, struct cx_err *e)
{
    static const struct { const char *key; double lo, hi; size_t off; } keys[] = {
        { "alpha", 1e-9, 0.5, offsetof(struct rec_options, alpha) },
        { "min_effect", 0, 10, offsetof(struct rec_options, min_effect) },
        { "shift_share", 0, 1, offsetof(struct rec_options, shift_share) },
        { "price_threshold", 0, 10, offsetof(struct rec_options, price_threshold) },
        { "min_units", 0, 1e12, offsetof(struct rec_options, min_units) },
        { "peak_index", 1, 12, offsetof(struct rec_options, peak_index) },
        { "promo_uplift", 0, 10, offsetof(struct rec_options, promo_uplift) },
        { "partner_share", 0, 1, offsetof(struct rec_options, partner_share) },
        { "robust_z", 0, 100, offsetof(struct rec_options, robust_z) },
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
    if ((x = config_get(c, "recommendations", "min_customers"))) {
        long v;
        if (parse_int(x->value, 1, 1000000, &v))
            return cx_fail(e, CX_EUSAGE, "%s:%d: [recommendations] min_customers = '%s': expected a whole number",
                           c->path, x->line, x->value);
        o->min_customers = (int)v;
    }
    return config_check_unused(c, "recommendations", e);
}

static void print_summary(const struct segmentation *s, const struct features *f, const char *dir, int quiet)
{
    if (quiet)
        return;
    if (s->nscores > 1) {
        printf("k     inertia  Calinski-Harabasz  silhouette\n");
        for (int i = 0; i < s->nscores; i++)
            printf("%-2d %11.1f %18.1f %11.4f%s\n", s->scores[i].k, s->scores[i].inertia, s->scores[i].ch,
                   s->scores[i].silhouette, s->scores[i].k == s->chosen_k ? "  <- chosen" : "");
        printf("\n");
    }
    printf("%u customers in %d segments%s:\n", f->n_present, s->model.k,
           s->matched ? " (ids matched to the saved model)" : "");
    for (int j = 0; j < s->model.k; j++)
        printf("  %2d %-24s %8zu customers (%4.1f%%), median recency %.0f d, frequency %.0f, monetary %.2f\n",
               s->model.id[j], s->model.name[j], s->prof[j].customers, 100 * s->prof[j].share,
               s->prof[j].median[F_RECENCY], s->prof[j].median[F_FREQUENCY], s->prof[j].median[F_MONETARY]);
    printf("Written to %s/\n", dir);
}

enum { MODE_SEGMENT, MODE_SCORE, MODE_ECONOMICS, MODE_RECOMMEND, MODE_RUN };

static int run(int argc, char **argv, int mode, struct cx_err *e)
{
    int score = mode == MODE_SCORE;
    int econ = mode == MODE_ECONOMICS || mode == MODE_RECOMMEND || mode == MODE_RUN;
    int recommend = mode == MODE_RECOMMEND || mode == MODE_RUN;
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
        { NULL, 0, NULL, 0 }
    };
    struct inputs in;
    struct seg_options so;
    struct eco_options eo;
    inputs_init(&in);
    seg_defaults(&so);
    eco_defaults(&eo);
    const char *out = NULL, *save = NULL, *model = NULL, *kopt = NULL, *seed = NULL, *matrix = NULL;
    const char *formats = "csv,xlsx,json,html";
    int force = 0;
    int32_t from = INT32_MIN, to = INT32_MAX, asof = INT32_MIN;
    int opt, rc;
    optind = 1;
    while ((opt = getopt_long(argc, argv, INPUT_SHORTOPTS "o:k:", longopts, NULL)) != -1) {
        int r = inputs_option(&in, opt, optarg, e);
        if (r < 0)
            return CX_EUSAGE;
        if (r > 0)
            continue;
        switch (opt) {
        case 'o': out = optarg; break;
        case 'k': kopt = optarg; break;
        case OPT_SEED2: seed = optarg; break;
        case OPT_SAVEMODEL: save = optarg; break;
        case OPT_MODEL: model = optarg; break;
        case OPT_MATRIX: matrix = optarg; break;
        case OPT_FORCE:
            if (mode != MODE_RUN)
                return cx_fail(e, CX_EUSAGE, "--force belongs to canaux run");
            force = 1;
            break;
        case OPT_FORMAT:
            if (mode != MODE_RUN)
                return cx_fail(e, CX_EUSAGE, "--format belongs to canaux run");
            formats = optarg;
            break;
        case OPT_BOOT: {
            long v;
            if (!econ || parse_int(optarg, 10, 100000, &v))
                return cx_fail(e, CX_EUSAGE, "--bootstrap: expected 10 to 100000 resamples (canaux economics)");
            eo.bootstrap = (int)v;
            break;
        }
        case OPT_ASOF:
            if (parse_day(optarg, "as-of", &asof, e))
                return CX_EUSAGE;
            break;
        case OPT_FROM:
            if (parse_day(optarg, "from", &from, e))
                return CX_EUSAGE;
            break;
        case OPT_TO:
            if (parse_day(optarg, "to", &to, e))
                return CX_EUSAGE;
            break;
        case OPT_HELP:
            printf("%s\n%s", score ? score_usage : mode == MODE_ECONOMICS ? economics_usage
                              : mode == MODE_RECOMMEND ? recommend_usage : mode == MODE_RUN ? run_usage
                              : segment_usage, inputs_help);
            return cli_flush_stdout(e);
        default:
            return cx_fail(e, CX_EUSAGE, "bad option (see canaux %s --help)",
                           score ? "score" : mode == MODE_ECONOMICS ? "economics"
                           : mode == MODE_RECOMMEND ? "recommend" : mode == MODE_RUN ? "run" : "segment");
        }
    }
    if (out == NULL)
        return cx_fail(e, CX_EUSAGE, "%s: -o DIR is required", score ? "score" : "segment");
    if (score && model == NULL)
        return cx_fail(e, CX_EUSAGE, "score: --model FILE is required");
    if (score && (save || kopt))
        return cx_fail(e, CX_EUSAGE, "score: -k and --save-model belong to canaux segment");
    if (from > to)
        return cx_fail(e, CX_EUSAGE, "--from is after --to");
    in.files = argv + optind;
    in.nfiles = argc - optind;
    static char sample_path[] = CANAUX_SAMPLE;
    static char *sample[] = { sample_path };
    const char *final_out = NULL;
    char tmpdir[4096];
    if (mode == MODE_RUN) {
        if (in.nfiles == 0) {
            in.files = sample;
            in.nfiles = 1;
        }
        const char *f = formats;
        while (*f) {
            size_t n = strcspn(f, ",");
            if (!((n == 3 && strncmp(f, "csv", 3) == 0) || (n == 4 && strncmp(f, "json", 4) == 0) ||
                  (n == 4 && strncmp(f, "xlsx", 4) == 0) || (n == 4 && strncmp(f, "html", 4) == 0)))
                return cx_fail(e, CX_EUSAGE, "--format: expected a list of csv, xlsx, json and html, not '%s'",
                               formats);
            f += n + (f[n] == ',');
        }
        struct stat sb;
        if (stat(out, &sb) == 0 && !force)
            return cx_fail(e, CX_EUSAGE, "%s exists: choose another folder, or --force to replace it once the new run "
                           "is complete", out);
        snprintf(tmpdir, sizeof tmpdir, "%s.tmp-%ld", out, (long)getpid());
        if (mkdir(tmpdir, 0777) != 0)
            return cx_fail(e, CX_EIO, "%s: cannot create the output folder: %s", tmpdir, strerror(errno));
        tmp_guard_arm(tmpdir);
        final_out = out;
        out = tmpdir;
        if (in.rejects_path == NULL) {
            static char rj[4200];
            snprintf(rj, sizeof rj, "%s/rejects.csv", tmpdir);
            in.rejects_path = rj;
        }
    }

    struct seg_model prev;
    struct features f;
    struct segmentation s;
    struct economics ec;
    struct retention rt;
    struct costmodel cm;
    struct recommendations rec;
    struct rec_options ro;
    struct basket bk;
    memset(&bk, 0, sizeof bk);
    rec_defaults(&ro);
    memset(&rec, 0, sizeof rec);
    memset(&f, 0, sizeof f);
    memset(&s, 0, sizeof s);
    memset(&ec, 0, sizeof ec);
    memset(&rt, 0, sizeof rt);
    cm_builtin(&cm);
    if (model && (rc = model_read(&prev, model, e)) != CX_OK)
        return rc;
    struct hasher hs;
    memset(&hs, 0, sizeof hs);
    double t0 = omp_get_wtime(), t1 = t0, t2 = t0, t3 = t0, t4 = t0;
    /* Progress for an analyst at a terminal; nothing for a nightly job. */
    int tty = !in.quiet && isatty(STDERR_FILENO);
#define PROGRESS(what) do { if (tty) fprintf(stderr, "canaux: %s...\n", what); } while (0)
    PROGRESS("loading");
    rc = inputs_load(&in, e);
    t1 = omp_get_wtime();
    cli_memtrace("load");
    if (rc == CX_OK && in.config_path)
        rc = seg_configure(&so, &in.config, e);
    if (econ)
        cm = in.model;
    if (rc == CX_OK && in.config_path && mode == MODE_RECOMMEND)
        rc = rec_configure(&ro, &in.config, e);
    if (rc == CX_OK && kopt) {
        long v;
        if (strcasecmp(kopt, "auto") == 0)
            so.k = 0;
        else if (parse_int(kopt, 1, SEG_MAX_K, &v))
            rc = cx_fail(e, CX_EUSAGE, "-k: expected auto or 1 to %d, not '%s'", SEG_MAX_K, kopt);
        else
            so.k = (int)v;
    }
    if (rc == CX_OK && seed) {
        long v;
        if (parse_int(seed, 0, 2147483647L, &v))
            rc = cx_fail(e, CX_EUSAGE, "--seed: expected a whole number, not '%s'", seed);
        else
            so.seed = (uint64_t)v;
    }
    /* Too many rejects: write everything, then fail with that message. A
       later failure is reported too, after it, not hidden behind it. */
    int reject_rc = CX_OK;
    char reject_msg[sizeof e->msg];
    reject_msg[0] = 0;
    if (rc == CX_EREJECT) {
        reject_rc = rc;
        rc = CX_OK;
        memcpy(reject_msg, e->msg, sizeof reject_msg);
        e->status = CX_OK;
        e->msg[0] = 0;
    }
    /* Nothing accepted: too many rejects (exit 3, rejects.csv still
       written) or an input without a data line (exit 2), not a usage error. */
    if (rc == CX_OK && in.ds && in.ds->n_lines == 0) {
        if (reject_rc) {
            rc = cx_fail(e, reject_rc, "%s", reject_msg);
            reject_rc = CX_OK;
        } else
            rc = cx_fail(e, CX_EIO, "%s: no order line accepted (%llu data row%s read)",
                         in.nfiles == 1 ? in.stats[0].name : "the inputs", in.rows_read, in.rows_read == 1 ? "" : "s");
    }
    PROGRESS("customer features");
    if (rc == CX_OK)
        rc = features_compute(in.ds, from, to, asof, &f, e);
    t2 = omp_get_wtime();
    cli_memtrace("features");
    PROGRESS(score ? "scoring" : "segmenting");
    if (rc == CX_OK)
        rc = score ? segment_score(&f, &prev, &s, e) : segment_fit(&f, &so, model ? &prev : NULL, &s, e);
    t3 = omp_get_wtime();
    cli_memtrace(score ? "scoring" : "segmentation");
    double te = t3;
    double tr = t3;
    if (rc == CX_OK && econ) {
        PROGRESS("channel economics");
        eo.seed = so.seed;
        rc = eco_compute(in.ds, &f, s.segment, s.model.k, &cm, &eo, &ec, e);
        cli_memtrace("economics");
        if (rc == CX_OK)
            rc = ret_compute(in.ds, &f, s.segment, s.model.k, ec.head_contribution, &rt, e);
        /* Retention was the last user of each order's contribution (8 bytes
           an order): freed before the stages after it allocate. */
        free(ec.head_contribution);
        ec.head_contribution = NULL;
        cli_memtrace("retention");
        te = tr = omp_get_wtime();
    }
    if (rc == CX_OK && recommend) {
        PROGRESS("recommendations");
        rc = bsk_compute(in.ds, &f, s.segment, s.model.k, NULL, &bk, e);
        cli_memtrace("basket");
        if (rc == CX_OK)
            rc = rec_compute(in.ds, &f, &s, &ec, &rt, &bk, &ro, &rec, e);
        tr = omp_get_wtime();
        cli_memtrace("recommendations");
    }
    int fr = in.locale && strcasecmp(in.locale, "fr") == 0;
    PROGRESS("writing");
    /* The inputs' SHA-256 for summary.json, on a thread beside the writers:
       they run on one core, so the hash takes the other, where hashing
       beside the parallel stages would slow them. */
    if (rc == CX_OK && mode == MODE_RUN && strstr(formats, "json")) {
        hs.n = in.nfiles;
        hs.paths = in.files;
        hs.hex = calloc((size_t)in.nfiles + 1, sizeof *hs.hex);
        hs.ok = calloc((size_t)in.nfiles + 1, sizeof *hs.ok);
        if (hs.hex && hs.ok && pthread_create(&hs.th, NULL, hash_inputs, &hs) == 0)
            hs.started = 1;
    }
    if (rc == CX_OK)
        rc = segment_csv_write(in.ds, &f, &s, out, fr, e);
    if (rc == CX_OK && econ)
        rc = economics_csv_write(in.ds, &s, &ec, &rt, out, fr, e);
    if (rc == CX_OK && recommend)
        rc = recommend_csv_write(in.ds, &s, &rec, &bk, out, fr, e);
    if (rc == CX_OK && mode == MODE_RUN && strstr(formats, "xlsx"))
        rc = write_workbook(out, fr, &rec, f.n_present, f.asof, e);
    if (rc == CX_OK && mode == MODE_RUN && strstr(formats, "html"))
        rc = write_html(out, fr, &in, &f, &ec, e);
    if (rc == CX_OK && mode == MODE_RUN && strstr(formats, "json")) {
        if (hs.started) {
            pthread_join(hs.th, NULL);
            hs.started = 0;
            hs.done = 1;
        }
        rc = write_summary(&in, argc, argv, formats, &so, &f, &s, &ec, &rt, &rec, out, t0, t1, t2, t3, te, tr,
                           hs.done ? &hs : NULL, e);
    }
    t4 = omp_get_wtime();
    cli_memtrace("write");
    if (rc == CX_OK && !in.quiet) {
        if (recommend)
            fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, segmentation %.2f s, "
                    "economics %.2f s, recommendations %.2f s, write %.2f s\n", t1 - t0, t2 - t1, t3 - t2,
                    te - t3, tr - te, t4 - tr);
        else if (mode == MODE_ECONOMICS)
            fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, segmentation %.2f s, "
                    "economics %.2f s, write %.2f s\n", t1 - t0, t2 - t1, t3 - t2, te - t3, t4 - te);
        else
            fprintf(stderr, "canaux: timings: load %.2f s, features %.2f s, %s %.2f s, write %.2f s\n",
                    t1 - t0, t2 - t1, score ? "scoring" : "segmentation", t3 - t2, t4 - t3);
        for (size_t i = 0; econ && i < cm.n; i++) {
            int seen = 0;
            for (uint32_t c = 0; c < ec.nch; c++)
                seen |= ec.ch[c].cm == (int)i;
            if (!seen)
                fprintf(stderr, "canaux: cost model channel '%s' (%s) has no line in the data\n", cm.ch[i].name,
                        cm.source);
        }
        if (econ && ec.unmodelled_lines)
            fprintf(stderr, "canaux: %llu lines in channels missing from the cost model (%s) were costed at zero"
                    " (in_cost_model = 0 in channels.csv)\n", (unsigned long long)ec.unmodelled_lines, cm.source);
    }
    if (rc == CX_OK && save)
        rc = model_write(&s.model, save, e);
    if (rc == CX_OK && matrix)
        rc = segment_matrix_write(in.ds, &f, &s, matrix, e);
    if (rc == CX_OK)
        print_summary(&s, &f, final_out ? final_out : out, in.quiet);
    if (rc == CX_OK && econ && !in.quiet) {
        printf("\nCost model: %s. Fixed costs are pro-rated to the %d days analysed and shared among\n"
               "segments by net revenue.\n%-16s %14s %14s %14s %8s\n", cm.source, ec.days, "channel", "net",
               "channel cost", "contribution", "CoS");
        for (uint32_t c = 0; c < ec.nch; c++)
            printf("%-16s %14.2f %14.2f %14.2f %7.1f%%\n", dataset_text(in.ds, DS_CHANNEL, c), ec.ch[c].t.net,
                   ec.ch[c].t.channel_cost, ec.ch[c].t.contribution,
                   ec.ch[c].t.net != 0 ? 100 * ec.ch[c].t.channel_cost / ec.ch[c].t.net : 0.0);
    }
    if (mode == MODE_RUN)
        rc = finish_folder(rc, tmpdir, final_out, force, formats, e);
    if (mode == MODE_RUN)
        tmp_guard_disarm();
    if (rc == CX_OK && recommend && !in.quiet) {
        printf("\nBest channel per segment:\n");
        for (size_t i = 0; i < rec.n; i++)
            if (rec.r[i].kind == REC_CHANNEL_FIT)
                printf("  %-24s %s\n", s.model.name[rec.r[i].segment],
                       rec.r[i].channel >= 0 ? dataset_text(in.ds, DS_CHANNEL, (uint32_t)rec.r[i].channel)
                                             : "no channel stands out");
        printf("\nTop recommendations:\n");
        for (size_t i = 0; i < rec.n && i < 3; i++)
            printf("  %zu. %s\n", i + 1, rec.r[i].text);
        if (mode == MODE_RUN)
            printf("\nReport: %s/report.html\n", final_out);
    }
    if (hs.started)
        pthread_join(hs.th, NULL);
    free(hs.hex);
    free(hs.ok);
    rec_free(&rec);
    bsk_free(&bk);
    ret_free(&rt);
    eco_free(&ec);
    segment_free(&s);
    features_free(&f);
    int rc2 = inputs_finish(&in, e);
    if (rc == CX_OK && rc2 == CX_OK && reject_rc)
        rc = cx_fail(e, reject_rc, "%s", reject_msg);
    else if (rc == CX_OK)
        rc = rc2;
    else if (reject_rc)
        fprintf(stderr, "canaux: %s\n", reject_msg);
    if (rc == CX_OK)
        rc = cli_flush_stdout(e);
    return rc;
}

int cmd_segment(int argc, char **argv, struct cx_err *e)
{
    return run(argc, argv, MODE_SEGMENT, e);
}

int cmd_score(int argc, char **argv, struct cx_err *e)
{
    return run(argc, argv, MODE_SCORE, e);
}

int cmd_run(int argc, char **argv, struct cx_err *e)
{
    return run(argc, argv, MODE_RUN, e);
}

int cmd_recommend(int argc, char **argv, struct cx_err *e)
{
    return run(argc, argv, MODE_RECOMMEND, e);
}

int cmd_economics(int argc, char **argv, struct cx_err *e)
{
    return run(argc, argv, MODE_ECONOMICS, e);
}
