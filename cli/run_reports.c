/*
 * run_reports — the files of canaux run beyond the CSV tables: the
 * workbook (the findings, then one sheet per table), the HTML page, and
 * summary.json (the parameters, the inputs with their SHA-256, the cost
 * model, the timings and the segment-level tables).
 *
 * The workbook and the page are built from the run's CSV tables, so a
 * table's columns and formats are defined in one place. The inputs are
 * hashed on a thread of their own while the single-threaded writers run.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <nettle/sha2.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/pipeline.h"
#include "loaders/pgsource.h"
#include "reports/html_report.h"
#include "reports/lang.h"
#include "reports/rec_text.h"
#include "reports/summary_json.h"
#include "reports/xlsx_writer.h"

/* workbook.xlsx from the run's CSV tables: the findings (top
   recommendations) first, then one sheet per table. customers.csv joins
   only up to XLSX_MAX_CUSTOMERS rows: a sheet of 600k rows takes longer to
   write than the rest of the run, and the CSV is there. */
#define XLSX_MAX_CUSTOMERS 100000
static int write_workbook(const char *dir, int fr, const struct dataset *ds, const struct segmentation *s,
                          const struct recommendations *rec, uint32_t customers, int32_t asof, struct cx_err *e)
{
    static const char *const tables[] = { "segments", "channels", "segment_channels", "recommendations",
                                          "objectives", "acquisition_retention", "clv_channels", "holdout",
                                          "accounts", "products", "prices", "seasonality", "whale_curve", "cohorts",
                                          "channel_switching", "k_selection", "rfm_thresholds", "rejects",
                                          "customers" };
    size_t nt = sizeof tables / sizeof *tables;
    char paths[24][4200], findings[12][1200], out[4200];
    const char *pp[24], *fp[12];
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
    struct rec_names names = { ds, s, rec, fr ? LANG_FR : LANG_EN };
    char text[1024], money[64];
    /* As in report.html: a segment where no channel stands out is a
       result of the channel-fit test, not a finding (it stays in the
       recommendations sheet). */
    for (size_t i = 0; i < rec->n && nf < 10; i++) {
        if (rec->r[i].action == RA_FIT_UNTESTABLE || rec->r[i].action == RA_FIT_NO_DIFFERENCE)
            continue;
        rec_text(&names, &rec->r[i], text, sizeof text);
        if (isfinite(rec->r[i].impact))
            snprintf(findings[nf], sizeof findings[nf], fr ? "%zu. %s (environ %s par an)" : "%zu. %s (about %s a year)",
                     i + 1, text, lang_money(money, sizeof money, names.lang, rec->r[i].impact));
        else
            snprintf(findings[nf], sizeof findings[nf], "%zu. %s", i + 1, text);
        fp[nf] = findings[nf];
        nf++;
    }
    if (nf == 0) {
        snprintf(findings[nf], sizeof findings[nf], "%s", fr ? "Rien dans ces données ne se distingue de leur bruit."
                 : "Nothing in this data stands out from its noise.");
        fp[nf] = findings[nf];
        nf++;
    }
    if (customers > XLSX_MAX_CUSTOMERS) {
        snprintf(findings[nf], sizeof findings[nf], fr ? "Les %u clients sont dans customers.csv (une feuille n'en "
                 "contient que %d au plus)." : "The %u customers are in customers.csv (a sheet holds them only "
                 "up to %d).", customers, XLSX_MAX_CUSTOMERS);
        fp[nf] = findings[nf];
        nf++;
    }
    snprintf(out, sizeof out, "%s/workbook.xlsx", dir);
    return xlsx_write_from_csv(out, pp, NULL, n, fr, fr ? "canaux\xC2\xA0: constats" : "canaux: findings", fp, nf,
                               (time_t)asof * 86400, e);
}

/* report.html from the run's tables, written under a temporary name and
   renamed into place. Its data quality warnings: the channels the cost
   model lacks (in the run's language), then the plausibility warnings of
   loading. */
static int write_html(const char *dir, int fr, const struct inputs *in, const struct features *f,
                      const struct economics *ec, struct cx_err *e)
{
    char path[4200], tmp[4200], d0[16], d1[16];
    const char *names[64], *unk[DS_MAX_CHANNELS] = { NULL };
    size_t n = (size_t)in->nfiles < 64 ? (size_t)in->nfiles : 64, nunk = 0;
    for (size_t i = 0; i < n; i++)
        names[i] = in->stats[i].name;
    for (uint32_t c = 0; c < ec->nch && nunk < DS_MAX_CHANNELS; c++)
        if (!ec->model.ch[ec->ch[c].cm].in_model)
            unk[nunk++] = dataset_text(in->ds, DS_CHANNEL, c);
    char *unk_warning = html_unmodelled_sentence(fr, unk, nunk);
    if (nunk > 0 && unk_warning == NULL)
        return cx_nomem(e, "report.html");
    /* The cost model's gap first, then what loading found. */
    const char **warnings = calloc(in->warnings.n + 2, sizeof *warnings);
    if (warnings == NULL) {
        free(unk_warning);
        return cx_nomem(e, "report.html");
    }
    size_t nw = 0;
    if (unk_warning)
        warnings[nw++] = unk_warning;
    for (size_t i = 0; i < in->warnings.n; i++)
        warnings[nw++] = in->warnings.v[i].text;
    field_format_day(f->from, d0);
    field_format_day(f->to, d1);
    struct html_meta meta = { .version = CANAUX_VERSION, .cost_model = ec->model.source, .from = d0, .to = d1,
                              .days = ec->days, .inputs = names, .ninputs = n, .rows_read = in->rows_read,
                              .accepted = in->accepted, .rejected = in->rejected, .warnings = warnings,
                              .nwarnings = nw };
    snprintf(path, sizeof path, "%s/report.html", dir);
    snprintf(tmp, sizeof tmp, "%s/.report.html.tmp", dir);
    int rc = html_report_from_csv(tmp, dir, fr, &meta, e);
    if (rc == CX_OK && rename(tmp, path) != 0)
        rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    if (rc != CX_OK)
        unlink(tmp);
    free(unk_warning);
    free(warnings);
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

/* Inputs are hashed on a thread of their own while the writers run: the
   hash reads every byte once more, and the writers leave a core free. */
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

struct hasher *cli_hash_start(char **paths, int n)
{
    struct hasher *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->n = n;
    h->paths = paths;
    h->hex = calloc((size_t)n + 1, sizeof *h->hex);
    h->ok = calloc((size_t)n + 1, sizeof *h->ok);
    if (h->hex && h->ok && pthread_create(&h->th, NULL, hash_inputs, h) == 0)
        h->started = 1;
    return h;
}

static void hash_join(struct hasher *h)
{
    if (h && h->started) {
        pthread_join(h->th, NULL);
        h->started = 0;
        h->done = 1;
    }
}

void cli_hash_free(struct hasher *h)
{
    if (h == NULL)
        return;
    hash_join(h);
    free(h->hex);
    free(h->ok);
    free(h);
}

static int write_summary(const struct report_ctx *r, struct cx_err *e)
{
    const struct inputs *in = r->in;
    struct hasher *hs = r->hasher;
    size_t n = (size_t)in->nfiles;
    const char **names = calloc(n + 1, sizeof *names), **chans = calloc(n + 1, sizeof *chans);
    const char **sha = calloc(n + 1, sizeof *sha);
    char (*hex)[65] = calloc(n + 1, sizeof *hex);
    /* The command line as run, with the password of a URI masked. */
    char **args = calloc((size_t)r->argc + 1, sizeof *args);
    uint64_t *bytes = calloc(n + 1, sizeof *bytes), *rr = calloc(n + 1, sizeof *rr);
    uint64_t *acc = calloc(n + 1, sizeof *acc), *rej = calloc(n + 1, sizeof *rej);
    int rc, nargs = 0;
    if (!names || !chans || !sha || !hex || !bytes || !rr || !acc || !rej || !args) {
        rc = cx_nomem(e, "summary");
        goto done;
    }
    for (; nargs < r->argc; nargs++)
        if ((args[nargs] = pgsrc_mask_uri(r->argv[nargs])) == NULL) {
            rc = cx_nomem(e, "summary");
            goto done;
        }
    hash_join(hs);
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
    field_format_day(r->f->from, from);
    field_format_day(r->f->to, to);
    field_format_day(r->f->asof, asof);
    const double *t = r->seconds;
    struct run_info ri = { CANAUX_VERSION, (const char *const *)args, r->argc, r->so->seed, omp_get_max_threads(),
                           in->locale ? in->locale : "en", r->formats, from, to, asof, n, names, chans, bytes, sha,
                           rr, acc, rej, &in->warnings,
                           { "load", "features", "segmentation", "economics", "clv", "recommendations" },
                           { t[PL_LOAD], t[PL_FEATURES], t[PL_SEGMENT], t[PL_ECONOMICS], t[PL_CLV], t[PL_RECOMMEND] },
                           6, getenv("OMP_WAIT_POLICY"), getenv("GOMP_SPINCOUNT") };
    snprintf(path, sizeof path, "%s/summary.json", r->dir);
    rc = summary_json_write(path, &ri, in->ds, r->f, r->s, r->ec, r->rt, r->lv, r->rec, e);
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

int cli_write_reports(const struct report_ctx *r, struct cx_err *e)
{
    int fr = cli_french(r->in), rc = CX_OK;
    if (r->fmt & OUT_XLSX)
        rc = write_workbook(r->dir, fr, r->in->ds, r->s, r->rec, r->f->n_present, r->f->asof, e);
    if (rc == CX_OK && (r->fmt & OUT_HTML))
        rc = write_html(r->dir, fr, r->in, r->f, r->ec, e);
    if (rc == CX_OK && (r->fmt & OUT_JSON))
        rc = write_summary(r, e);
    return rc;
}
