/*
 * cmd_check — `canaux check INPUT...`: loads the input and shows what it
 * holds and what was rejected, as text for a terminal or JSON (--json) for
 * a machine. The JSON goes through json-c, so text from the input is
 * escaped by a library that does nothing else.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "cli/pipeline.h"
#include "engine/features.h"
#include "engine/profile.h"
#include "loaders/source.h"

enum { OPT_CHECK_ASOF = 400 };

static const char check_usage[] =
    "Usage: canaux check [OPTIONS] INPUT...\n"
    "Loads sales-transaction CSV files and profiles them: per file rows read,\n"
    "accepted and rejected (by reason); date range, customers, orders,\n"
    "products, categories, regions, and lines and net revenue per channel.\n"
    "\n"
    "      --json               print the profile as JSON on stdout\n"
    "      --as-of DATE         count the lines dated after DATE (YYYY-MM-DD), which the\n"
    "                           analysis would leave out (default: the last date)\n";

static const char *datefmt_name(unsigned f)
{
    return f == FIELD_DATE_ISO ? "iso" : f == FIELD_DATE_DMY ? "dmy" : f == FIELD_DATE_MDY ? "mdy" : "none";
}

static const char *delim_name(char d)
{
    return d == '\t' ? "tab" : d == ';' ? ";" : d == '|' ? "|" : ",";
}

static json_object *money(double v)
{
    char b[64];
    snprintf(b, sizeof b, "%.2f", v);
    if (strcmp(b, "-0.00") == 0)
        strcpy(b, "0.00");
    return json_object_new_double_s(v, b);
}

static json_object *day_json(int32_t d)
{
    char b[16];
    field_format_day(d, b);
    return json_object_new_string(b);
}

/* Rejects by reason as "reason (field)" -> count. */
static json_object *reasons_json(const struct reader_stats *st)
{
    json_object *o = json_object_new_object();
    for (int r = 0; r < RJ_NREASONS; r++)
        for (int f = 0; f <= RF_NFIELDS; f++)
            if (st->by_reason[r][f]) {
                char k[96];
                if (f < RF_NFIELDS)
                    snprintf(k, sizeof k, "%s (%s)", reader_reason_name(r), reader_field_name(f));
                else
                    snprintf(k, sizeof k, "%s", reader_reason_name(r));
                json_object_object_add(o, k, json_object_new_int64((int64_t)st->by_reason[r][f]));
            }
    return o;
}

/* Lines and orders after the as-of date (0 without --as-of: the as-of
   date is then the last date). */
struct after_asof {
    int32_t asof;                /* INT32_MIN when not given */
    size_t lines, orders;
};

static int print_json(const struct inputs *in, const struct profile *all, const struct profile *pf,
                      const struct after_asof *aa)
{
    const struct dataset *ds = in->ds;
    json_object *root = json_object_new_object();
    json_object_object_add(root, "version", json_object_new_string(CANAUX_VERSION));
    json_object *files = json_object_new_array();
    for (int k = 0; k < in->nfiles; k++) {
        const struct reader_stats *st = &in->stats[k];
        json_object *f = json_object_new_object();
        json_object_object_add(f, "name", json_object_new_string(st->name));
        json_object_object_add(f, "channel", st->channel ? json_object_new_string(st->channel) : NULL);
        json_object_object_add(f, "bytes", json_object_new_int64((int64_t)st->bytes));
        json_object_object_add(f, "rows_read", json_object_new_int64((int64_t)st->rows_read));
        json_object_object_add(f, "accepted", json_object_new_int64((int64_t)st->accepted));
        json_object_object_add(f, "rejected", json_object_new_int64((int64_t)st->rejected));
        json_object_object_add(f, "blank_lines", json_object_new_int64((int64_t)st->blank_lines));
        json_object_object_add(f, "rejects_by_reason", reasons_json(st));
        json_object_object_add(f, "encoding", json_object_new_string(source_encoding_name(st->encoding)));
        json_object_object_add(f, "encoding_detected", json_object_new_boolean(st->encoding_guessed));
        json_object_object_add(f, "delimiter", json_object_new_string(delim_name(st->delimiter)));
        json_object_object_add(f, "date_format", json_object_new_string(datefmt_name(st->date_format)));
        if (pf[k].lines) {
            json_object_object_add(f, "date_min", day_json(pf[k].day_min));
            json_object_object_add(f, "date_max", day_json(pf[k].day_max));
        }
        json_object_object_add(f, "net", money(pf[k].net));
        json_object_array_add(files, f);
    }
    json_object_object_add(root, "files", files);

    json_object *t = json_object_new_object();
    json_object_object_add(t, "rows_read", json_object_new_int64((int64_t)in->rows_read));
    json_object_object_add(t, "accepted", json_object_new_int64((int64_t)in->accepted));
    json_object_object_add(t, "rejected", json_object_new_int64((int64_t)in->rejected));
    json_object_object_add(t, "lines", json_object_new_int64((int64_t)all->lines));
    json_object_object_add(t, "anonymous_lines", json_object_new_int64((int64_t)all->anon_lines));
    json_object_object_add(t, "return_lines", json_object_new_int64((int64_t)all->returned_lines));
    if (all->lines) {
        json_object_object_add(t, "date_min", day_json(all->day_min));
        json_object_object_add(t, "date_max", day_json(all->day_max));
    }
    static const struct { const char *key; enum ds_text f; } counts[] = {
        { "customers", DS_CUSTOMER }, { "orders", DS_ORDER }, { "products", DS_PRODUCT },
        { "categories", DS_CATEGORY }, { "regions", DS_REGION }, { "accounts", DS_ACCOUNT },
    };
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        json_object_object_add(t, counts[i].key, json_object_new_int64(dataset_count(ds, counts[i].f)));
    json_object_object_add(t, "net", money(all->net));
    json_object_object_add(t, "cogs", money(all->cogs));
    json_object_object_add(t, "lines_after_as_of", json_object_new_int64((int64_t)aa->lines));
    json_object_object_add(t, "orders_after_as_of", json_object_new_int64((int64_t)aa->orders));
    json_object_object_add(root, "totals", t);

    json_object *chs = json_object_new_array();
    for (uint32_t c = 0; c < all->nchannels; c++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "channel", json_object_new_string(dataset_text(ds, DS_CHANNEL, c)));
        json_object_object_add(o, "lines", json_object_new_int64((int64_t)all->ch_lines[c]));
        json_object_object_add(o, "net", money(all->ch_net[c]));
        json_object_array_add(chs, o);
    }
    json_object_object_add(root, "channels", chs);
    json_object *ws = json_object_new_array();
    json_object *wk = json_object_new_array();
    for (size_t k = 0; k < in->warnings.n; k++) {
        json_object_array_add(ws, json_object_new_string(in->warnings.v[k].text));
        json_object_array_add(wk, json_object_new_string(cx_warn_kind_name(in->warnings.v[k].kind)));
    }
    json_object_object_add(root, "warnings", ws);
    json_object_object_add(root, "warning_kinds", wk);
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    int ok = puts(s) != EOF;
    json_object_put(root);
    return ok;
}

static void print_text(const struct inputs *in, const struct profile *all, const struct profile *pf)
{
    const struct dataset *ds = in->ds;
    char d0[16], d1[16];
    for (int k = 0; k < in->nfiles; k++) {
        const struct reader_stats *st = &in->stats[k];
        printf("%s%s%s: %llu rows read, %llu accepted, %llu rejected", st->name,
               st->channel ? " as channel " : "", st->channel ? st->channel : "",
               (unsigned long long)st->rows_read, (unsigned long long)st->accepted,
               (unsigned long long)st->rejected);
        if (st->rows_read)
            printf(" (%.2f%%)", 100.0 * (double)st->rejected / (double)st->rows_read);
        printf("; %s, delimiter '%s', dates %s", source_encoding_name(st->encoding),
               delim_name(st->delimiter), datefmt_name(st->date_format));
        if (st->blank_lines)
            printf(", %llu blank lines skipped", (unsigned long long)st->blank_lines);
        printf("\n");
        if (pf[k].lines) {
            field_format_day(pf[k].day_min, d0);
            field_format_day(pf[k].day_max, d1);
            printf("  %s to %s, net %.2f\n", d0, d1, pf[k].net);
        }
        for (int r = 0; r < RJ_NREASONS; r++)
            for (int f = 0; f <= RF_NFIELDS; f++)
                if (st->by_reason[r][f])
                    printf("  rejected: %s%s%s%s: %llu\n", reader_reason_name(r), f < RF_NFIELDS ? " (" : "",
                           f < RF_NFIELDS ? reader_field_name(f) : "", f < RF_NFIELDS ? ")" : "",
                           (unsigned long long)st->by_reason[r][f]);
    }
    printf("\nTotal: %llu rows read, %llu accepted, %llu rejected\n", in->rows_read, in->accepted,
           in->rejected);
    if (all->lines) {
        field_format_day(all->day_min, d0);
        field_format_day(all->day_max, d1);
        printf("Period:     %s to %s (%d day%s)\n", d0, d1, all->day_max - all->day_min + 1,
               all->day_max == all->day_min ? "" : "s");
    }
    printf("Lines:      %llu (anonymous %llu, returns %llu)\n", (unsigned long long)all->lines,
           (unsigned long long)all->anon_lines, (unsigned long long)all->returned_lines);
    printf("Customers:  %u\nOrders:     %u\nProducts:   %u\nCategories: %u\nRegions:    %u\nAccounts:   %u\n",
           dataset_count(ds, DS_CUSTOMER), dataset_count(ds, DS_ORDER), dataset_count(ds, DS_PRODUCT),
           dataset_count(ds, DS_CATEGORY), dataset_count(ds, DS_REGION), dataset_count(ds, DS_ACCOUNT));
    printf("Net:        %.2f\n\n%-20s %12s %18s %7s\n", all->net, "channel", "lines", "net", "share");
    for (uint32_t c = 0; c < all->nchannels; c++)
        printf("%-20s %12llu %18.2f %6.1f%%\n", dataset_text(ds, DS_CHANNEL, c),
               (unsigned long long)all->ch_lines[c], all->ch_net[c],
               all->net != 0 ? 100.0 * all->ch_net[c] / all->net : 0.0);
    if (in->warnings.n) {
        printf("\nWarnings:\n");
        for (size_t k = 0; k < in->warnings.n; k++)
            printf("  %s: %s\n", in->warnings.v[k].kind == CX_WARN_ENCODING ? "note" : "warning",
                   in->warnings.v[k].text);
    }
}

static int cost_model_gap(struct inputs *in)
{
    char list[1024];
    size_t o = 0, n = 0;
    uint32_t nch = dataset_count(in->ds, DS_CHANNEL);
    for (uint32_t c = 0; c < nch; c++) {
        const char *name = dataset_text(in->ds, DS_CHANNEL, c);
        if (cm_find(&in->model, name) >= 0)
            continue;
        if (o + strlen(name) + 8 < sizeof list)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s\"%s\"", n ? ", " : "", name);
        n++;
    }
    if (n == 0)
        return CX_OK;
    return cx_warn(&in->warnings, CX_WARN_COST_MODEL,
                   "%zu channel%s missing from the cost model (%s): %s; %s cost%s unknown (counted at zero) and no "
                   "recommendation that depends on cost names %s", n, n == 1 ? "" : "s", in->model.source, list,
                   n == 1 ? "its" : "their", n == 1 ? " is" : "s are", n == 1 ? "it" : "them");
}

int cmd_check(int argc, char **argv, struct cx_err *e)
{
    static const struct option longopts[] = {
        INPUT_LONGOPTS,
        { "json", no_argument, NULL, OPT_JSON },
        { "as-of", required_argument, NULL, OPT_CHECK_ASOF },
        { NULL, 0, NULL, 0 }
    };
    struct after_asof aa = { INT32_MIN, 0, 0 };
    struct inputs in;
    inputs_init(&in);
    int json = 0, opt, rc;
    optind = 1;
    while ((opt = getopt_long(argc, argv, INPUT_SHORTOPTS, longopts, NULL)) != -1) {
        int r = inputs_option(&in, opt, optarg, e);
        if (r < 0)
            return CX_EUSAGE;
        if (r > 0)
            continue;
        if (opt == OPT_JSON) {
            json = 1;
        } else if (opt == OPT_CHECK_ASOF) {
            if (field_date(optarg, strlen(optarg), FIELD_DATE_ISO, &aa.asof))
                return cx_fail(e, CX_EUSAGE, "--as-of: expected a date YYYY-MM-DD, not '%s'", optarg);
        } else if (opt == OPT_HELP) {
            printf("%s\n%s", check_usage, inputs_help);
            return CX_OK;
        } else {
            return cx_fail(e, CX_EUSAGE, "check: bad option (see canaux check --help)");
        }
    }
    in.files = argv + optind;
    in.nfiles = argc - optind;
    /* Every section of the configuration is checked, the stages' too:
       `check -c FILE` is how a nightly job validates it before the run. */
    struct seg_options so;
    struct rec_options ro;
    struct ltv_options lo;
    seg_defaults(&so);
    rec_defaults(&ro);
    ltv_defaults(&lo);
    rc = in.nfiles == 0 ? cx_fail(e, CX_EUSAGE, "no input file (see --help)") : inputs_configure(&in, e);
    if (rc == CX_OK)
        rc = cli_configure_stages(&in, &so, &ro, &lo, e);
    in.warnings_in_output = !json;   /* the text profile lists them itself */
    if (rc == CX_OK)
        rc = inputs_load(&in, e);
    /* The data's channels the cost model does not know: a nightly job that
       checks its input learns it here, not in the report. */
    if ((rc == CX_OK || rc == CX_EREJECT) && cost_model_gap(&in) != CX_OK) {
        inputs_finish(&in, e);
        return cx_nomem(e, "warnings");
    }
    /* Too many rejects still prints the profile: the analyst needs it. */
    if (rc == CX_OK || rc == CX_EREJECT) {
        struct profile all;
        struct profile *pf = calloc((size_t)in.nfiles, sizeof *pf);
        struct cx_err pe = { 0 };
        if (pf == NULL || profile_compute(in.ds, 0, in.ds->n_lines, &all, &pe) != CX_OK) {
            free(pf);
            inputs_finish(&in, e);
            return cx_nomem(e, "profile");
        }
        int bad = 0;
        for (int k = 0; k < in.nfiles && !bad; k++)
            bad = profile_compute(in.ds, in.stats[k].first_line, in.stats[k].end_line, &pf[k], &pe) != CX_OK;
        if (!bad && aa.asof != INT32_MIN) {
            features_count_after(in.ds, aa.asof, &aa.lines, &aa.orders);
            if (aa.lines) {
                char b[512];
                cli_after_asof_sentence(aa.asof, aa.lines, aa.orders, 0, b, sizeof b);
                bad = cx_warn(&in.warnings, CX_WARN_AFTER_AS_OF, "%s", b) != CX_OK;
            }
        }
        if (!bad) {
            if (json)
                print_json(&in, &all, pf, &aa);
            else
                print_text(&in, &all, pf);
        }
        for (int k = 0; k < in.nfiles; k++)
            profile_free(&pf[k]);
        profile_free(&all);
        free(pf);
        if (bad) {
            inputs_finish(&in, e);
            return cx_nomem(e, "profile");
        }
    }
    int rc2 = inputs_finish(&in, e);
    if (rc == CX_OK)
        rc = rc2;
    if (rc == CX_OK && cli_flush_stdout(e) != CX_OK)
        rc = CX_EIO;
    return rc;
}
