/*
 * cmd_gen — `canaux gen --rows N --seed S -o FILE [--truth FILE] [--alike]
 * [--plant KIND=VALUE]...`: writes generated transactions, optionally with
 * planted effects (see generator.h). A FILE ending in .gz is written
 * compressed, through a stdio cookie over zlib so the generator only sees a
 * FILE.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "sample-data/generator.h"

static const char gen_usage[] =
    "Usage: canaux gen [--rows N] [--seed S] -o FILE [--truth FILE]\n"
    "                  [--alike] [--plant KIND=VALUE]...\n"
    "Writes N generated order lines (default 100000) in the canonical columns:\n"
    "five channels, customers drawn from planted buying-habit archetypes,\n"
    "seasonality, returns, discounts. The same seed and options give the same\n"
    "bytes. FILE ending in .gz is gzip-compressed; - is stdout.\n"
    "\n"
    "  -o, --output FILE   where to write the transactions\n"
    "      --rows N        number of order lines\n"
    "      --seed S        random seed (default 1)\n"
    "      --truth FILE    also write customer_id,archetype\n"
    "      --alike         no channel effect: the five channels share one price\n"
    "                      level, basket, discount, return and time-of-day habit,\n"
    "                      every order picks one of them uniformly, no walk-in\n"
    "                      sales; archetypes still differ\n"
    "      --plant KIND=VALUE  plant an effect (repeatable, each KIND once):\n"
    "        cheap=ARCHETYPE:CHANNEL[:F]  that archetype's lines in that channel\n"
    "                      have unit cost x F (0.7) and 1.5x the units, and the\n"
    "                      channel gets at least 35% of its orders\n"
    "        price=PRODUCT:CHANNEL[:F]    the product's unit price on that\n"
    "                      channel x F (0.7); it is made the most popular product\n"
    "        prices=N:CHANNEL[:F]         the N (1 to 64) most popular products'\n"
    "                      unit prices on that channel x F (0.75), every line;\n"
    "                      their ids are printed on stderr\n"
    "        december=ARCHETYPE[:F]       that archetype's orders weigh December\n"
    "                      F (4, at most 20) times its usual seasonal weight\n"
    "        pair=PRODUCT_A:PRODUCT_B[:P] an order holding A gets B added with\n"
    "                      probability P (0.6); A is made the 2nd most popular\n"
    "      ARCHETYPE: Champions, Loyal, New, At_risk, Lapsed, Bargain_hunters,\n"
    "      Bulk_buyers, Returners (any case, _ or space); CHANNEL: direct, web,\n"
    "      agents, retail, marketplace; PRODUCT: P00001 to P02000.\n";

enum { OPT_ALIKE = 1024, OPT_PLANT };

static ssize_t gz_cookie_write(void *c, const char *buf, size_t n)
{
    if (n == 0)
        return 0;
    int w = gzwrite((gzFile)c, buf, (unsigned)n);
    return w <= 0 ? -1 : w;
}

static int gz_cookie_close(void *c)
{
    return gzclose((gzFile)c) == Z_OK ? 0 : EOF;
}

static FILE *open_out(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    size_t n = strlen(path);
    if (n > 3 && strcmp(path + n - 3, ".gz") == 0) {
        gzFile gz = gzopen(path, "wb6");
        if (gz == NULL)
            return NULL;
        cookie_io_functions_t io = { NULL, gz_cookie_write, NULL, gz_cookie_close };
        FILE *f = fopencookie(gz, "w", io);
        if (f == NULL)
            gzclose(gz);
        return f;
    }
    return fopen(path, "w");
}

static int close_out(FILE *f, const char *path, struct cx_err *e)
{
    if (f == stdout)
        return cli_flush_stdout(e);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return cx_fail(e, CX_EIO, "%s: write error: %s", path, strerror(errno ? errno : EIO));
    return CX_OK;
}

static int parse_u64(const char *arg, const char *name, uint64_t *v, struct cx_err *e)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(arg, &end, 10);
    if (errno || end == arg || *end || arg[0] == '-')
        return cx_fail(e, CX_EUSAGE, "--%s: expected a whole number, not '%s'", name, arg);
    *v = x;
    return CX_OK;
}

/* Archetype index of a name: any case, '_' for ' '; -1 when unknown. */
static int find_archetype(const char *s)
{
    for (int a = 0; a < gen_archetype_count; a++) {
        const char *n = gen_archetype_names[a], *p = s;
        while (*n && *p) {
            int c = *p == '_' ? ' ' : tolower((unsigned char)*p);
            if (c != tolower((unsigned char)*n))
                break;
            n++;
            p++;
        }
        if (!*n && !*p)
            return a;
    }
    return -1;
}

static int plant_archetype(const char *kind, const char *s, int *a, struct cx_err *e)
{
    if ((*a = find_archetype(s)) >= 0)
        return CX_OK;
    char names[256] = "";
    for (int k = 0; k < gen_archetype_count; k++) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", k ? ", " : "", gen_archetype_names[k]);
    }
    return cx_fail(e, CX_EUSAGE, "--plant %s: unknown archetype '%s' (%s)", kind, s, names);
}

/* A channel name, any case, stored in the generator's spelling. */
static int plant_channel(const char *kind, const char *s, char out[16], struct cx_err *e)
{
    for (int c = 0; c < gen_channel_count; c++)
        if (strcasecmp(s, gen_channel_names[c]) == 0) {
            snprintf(out, 16, "%s", gen_channel_names[c]);
            return CX_OK;
        }
    return cx_fail(e, CX_EUSAGE, "--plant %s: unknown channel '%s' "
                   "(direct, web, agents, retail, marketplace)", kind, s);
}

/* A product id P00001..P02000 (p in any case), stored as P%05d. */
static int plant_product(const char *kind, const char *s, char out[16], struct cx_err *e)
{
    int ok = (s[0] == 'P' || s[0] == 'p') && strlen(s) == 6, v = 0;
    for (int i = 1; ok && i < 6; i++) {
        ok = isdigit((unsigned char)s[i]);
        v = v * 10 + (s[i] - '0');
    }
    if (!ok || v < 1 || v > gen_product_count)
        return cx_fail(e, CX_EUSAGE, "--plant %s: bad product '%s' (P00001 to P%05d)",
                       kind, s, gen_product_count);
    snprintf(out, 16, "P%05d", v);
    return CX_OK;
}

/* A number in [lo, hi], or (lo, hi] when lo_open. */
static int plant_number(const char *kind, const char *s, double lo, double hi, int lo_open,
                        double *v, struct cx_err *e)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(x) || (lo_open ? x <= lo : x < lo) || x > hi)
        return cx_fail(e, CX_EUSAGE, "--plant %s: expected a number %s %g %s %g, not '%s'",
                       kind, lo_open ? "above" : "from", lo, lo_open ? "and at most" : "to", hi, s);
    *v = x;
    return CX_OK;
}

/* --plant KIND=VALUE, VALUE being fields separated by ':'. */
static int parse_plant(const char *arg, struct gen_options *o, struct cx_err *e)
{
    static const char *const syntax =
        "cheap=ARCHETYPE:CHANNEL[:F], price=PRODUCT:CHANNEL[:F], prices=N:CHANNEL[:F], "
        "december=ARCHETYPE[:F] or pair=PRODUCT_A:PRODUCT_B[:P]";
    char buf[256];
    if (strlen(arg) >= sizeof buf)
        return cx_fail(e, CX_EUSAGE, "--plant: value too long");
    strcpy(buf, arg);
    char *eq = strchr(buf, '=');
    if (!eq)
        return cx_fail(e, CX_EUSAGE, "--plant '%s': expected %s", arg, syntax);
    *eq = '\0';
    const char *kind = buf;
    char *f[4];
    int nf = 0;
    for (char *p = eq + 1;;) {
        if (nf == 4)
            return cx_fail(e, CX_EUSAGE, "--plant '%s': too many ':' fields", arg);
        f[nf++] = p;
        char *c = strchr(p, ':');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    for (int i = 0; i < nf; i++)
        if (!f[i][0])
            return cx_fail(e, CX_EUSAGE, "--plant '%s': empty field", arg);
    static const struct { const char *kind, *form; int lo, hi; } kinds[] = {
        { "cheap", "cheap=ARCHETYPE:CHANNEL[:F]", 2, 3 },
        { "price", "price=PRODUCT:CHANNEL[:F]", 2, 3 },
        { "december", "december=ARCHETYPE[:F]", 1, 2 },
        { "pair", "pair=PRODUCT_A:PRODUCT_B[:P]", 2, 3 },
        { "prices", "prices=N:CHANNEL[:F]", 2, 3 },
    };
    int k = 0;
    while (k < 5 && strcasecmp(kind, kinds[k].kind))
        k++;
    if (k == 5)
        return cx_fail(e, CX_EUSAGE, "--plant: unknown effect '%s' (expected %s)", kind, syntax);
    int *on = k == 0 ? &o->cheap.on : k == 1 ? &o->price.on
            : k == 2 ? &o->december.on : k == 3 ? &o->pair.on : &o->prices.on;
    const char *form = kinds[k].form;
    int lo = kinds[k].lo, hi = kinds[k].hi;
    if (*on)
        return cx_fail(e, CX_EUSAGE, "--plant %s given twice", kinds[k].kind);
    if (nf < lo || nf > hi)
        return cx_fail(e, CX_EUSAGE, "--plant '%s': expected %s", arg, form);
    *on = 1;
    if (k == 0) {
        if (plant_archetype("cheap", f[0], &o->cheap.archetype, e)
            || plant_channel("cheap", f[1], o->cheap.channel, e)
            || (nf > 2 && plant_number("cheap", f[2], 0, 10, 1, &o->cheap.factor, e)))
            return CX_EUSAGE;
    } else if (k == 1) {
        if (plant_product("price", f[0], o->price.product, e)
            || plant_channel("price", f[1], o->price.channel, e)
            || (nf > 2 && plant_number("price", f[2], 0, 10, 1, &o->price.factor, e)))
            return CX_EUSAGE;
    } else if (k == 2) {
        if (plant_archetype("december", f[0], &o->december.archetype, e)
            || (nf > 1 && plant_number("december", f[1], 0, 20, 1, &o->december.factor, e)))
            return CX_EUSAGE;
    } else if (k == 4) {
        double n;
        if (plant_number("prices", f[0], 1, GEN_MAX_PRICES, 0, &n, e) || plant_channel("prices", f[1], o->prices.channel, e)
            || (nf > 2 && plant_number("prices", f[2], 0, 10, 1, &o->prices.factor, e)))
            return CX_EUSAGE;
        if (n != floor(n))
            return cx_fail(e, CX_EUSAGE, "--plant prices: expected a whole number of products, not '%s'", f[0]);
        o->prices.count = (int)n;
    } else {
        if (plant_product("pair", f[0], o->pair.a, e)
            || plant_product("pair", f[1], o->pair.b, e)
            || (nf > 2 && plant_number("pair", f[2], 0, 1, 0, &o->pair.prob, e)))
            return CX_EUSAGE;
        if (strcmp(o->pair.a, o->pair.b) == 0)
            return cx_fail(e, CX_EUSAGE, "--plant pair: the two products must differ");
    }
    return CX_OK;
}

int cmd_gen(int argc, char **argv, struct cx_err *e)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "rows", required_argument, NULL, OPT_ROWS },
        { "seed", required_argument, NULL, OPT_SEED },
        { "truth", required_argument, NULL, OPT_TRUTH },
        { "alike", no_argument, NULL, OPT_ALIKE },
        { "plant", required_argument, NULL, OPT_PLANT },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 }
    };
    struct gen_options o;
    memset(&o, 0, sizeof o);
    gen_defaults(&o);
    const char *out = NULL, *truth = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case OPT_TRUTH: truth = optarg; break;
        case OPT_ROWS:
            if (parse_u64(optarg, "rows", &o.rows, e))
                return CX_EUSAGE;
            break;
        case OPT_SEED:
            if (parse_u64(optarg, "seed", &o.seed, e))
                return CX_EUSAGE;
            break;
        case OPT_ALIKE: o.alike = 1; break;
        case OPT_PLANT:
            if (parse_plant(optarg, &o, e))
                return CX_EUSAGE;
            break;
        case OPT_HELP:
            fputs(gen_usage, stdout);
            return cli_flush_stdout(e);
        default:
            return cx_fail(e, CX_EUSAGE, "gen: bad option (see canaux gen --help)");
        }
    }
    if (o.rows < 1 || o.rows > 1000000000)
        return cx_fail(e, CX_EUSAGE, "--rows: expected 1 to 1000000000 rows");
    if (out == NULL || optind != argc)
        return cx_fail(e, CX_EUSAGE, "gen: expected -o FILE and no other argument (see canaux gen --help)");
    char chk[256] = "";
    if (gen_check(&o, chk, sizeof chk))
        return cx_fail(e, CX_EUSAGE, "gen: %s", chk);
    FILE *f = open_out(out);
    if (f == NULL)
        return cx_fail(e, CX_EIO, "%s: cannot create: %s", out, strerror(errno));
    FILE *t = NULL;
    if (truth && (t = open_out(truth)) == NULL) {
        int rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", truth, strerror(errno));
        close_out(f, out, e);
        return rc;
    }
    char msg[256] = "";
    /* Which products the prices plant cut, for a test to check against. */
    char ids[GEN_MAX_PRICES][8];
    int np = gen_planted_prices(&o, ids);
    if (np > 0) {
        fprintf(stderr, "canaux: gen: prices of %d products planted on %s x %g:", np, o.prices.channel, o.prices.factor);
        for (int i = 0; i < np; i++)
            fprintf(stderr, " %s", ids[i]);
        fprintf(stderr, "\n");
    }
    int rc = gen_write(&o, f, t, msg, sizeof msg);
    if (rc != 0)
        rc = cx_fail(e, CX_EIO, "gen: %s", msg);
    int rc2 = close_out(f, out, e);
    int rc3 = t ? close_out(t, truth, e) : CX_OK;
    return rc ? rc : rc2 ? rc2 : rc3;
}
