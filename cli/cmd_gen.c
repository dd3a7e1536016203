/*
 * cmd_gen — `canaux gen --rows N --seed S -o FILE [--truth FILE]`: writes
 * generated transactions. A FILE ending in .gz is written compressed,
 * through a stdio cookie over zlib so the generator only sees a FILE.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli/cli.h"
#include "cli/inputs.h"
#include "sample-data/generator.h"

static const char gen_usage[] =
    "Usage: canaux gen [--rows N] [--seed S] -o FILE [--truth FILE]\n"
    "Writes N generated order lines (default 100000) in the canonical columns:\n"
    "five channels, customers drawn from planted buying-habit archetypes,\n"
    "seasonality, returns, discounts. The same seed gives the same bytes.\n"
    "FILE ending in .gz is gzip-compressed; - is stdout.\n"
    "\n"
    "  -o, --output FILE   where to write the transactions\n"
    "      --rows N        number of order lines\n"
    "      --seed S        random seed (default 1)\n"
    "      --truth FILE    also write customer_id,archetype\n";

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

int cmd_gen(int argc, char **argv, struct cx_err *e)
{
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "rows", required_argument, NULL, OPT_ROWS },
        { "seed", required_argument, NULL, OPT_SEED },
        { "truth", required_argument, NULL, OPT_TRUTH },
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
    int rc = gen_write(&o, f, t, msg, sizeof msg);
    if (rc != 0)
        rc = cx_fail(e, CX_EIO, "gen: %s", msg);
    int rc2 = close_out(f, out, e);
    int rc3 = t ? close_out(t, truth, e) : CX_OK;
    return rc ? rc : rc2 ? rc2 : rc3;
}
