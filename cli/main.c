/*
 * main — the canaux program: dispatches to a command, prints the error
 * message of a failed one on stderr, and exits with its status.
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char usage[] =
    "Usage: canaux COMMAND [OPTIONS] [INPUT...]\n"
    "Sales-channel analytics: segments customers by buying habits, measures\n"
    "each channel's cost to serve and profitability, recommends channel\n"
    "programs.\n"
    "\n"
    "Commands:\n"
    "  run [INPUT...] -o DIR\n"
    "                     the main job: segments, economics, recommendations, reports\n"
    "  check INPUT...     load and profile sales-transaction CSV files\n"
    "  segment INPUT... -o DIR\n"
    "                     customers into segments by buying habits\n"
    "  economics INPUT... -o DIR\n"
    "                     cost to serve and profitability per channel and segment\n"
    "  recommend INPUT... -o DIR\n"
    "                     ranked channel recommendations with evidence and impact\n"
    "  score --model FILE INPUT... -o DIR\n"
    "                     customers into the segments of a saved model\n"
    "  gen -o FILE        generate realistic sample transactions\n"
    "\n"
    "  canaux COMMAND --help   options of a command\n"
    "  canaux --version        version\n"
    "\n"
    "Exit status: 0 success, 1 bad usage, 2 input or output error,\n"
    "3 too many rejected rows, 4 internal error.\n";

int cli_flush_stdout(struct cx_err *e)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        return cx_fail(e, CX_EIO, "standard output: write error: %s", strerror(errno));
    return CX_OK;
}

void cli_memtrace(const char *stage)
{
    if (getenv("CANAUX_MEMTRACE") == NULL)
        return;
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long hwm = -1, rss = -1;
    while (fp && fgets(line, sizeof line, fp)) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            hwm = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmRSS:", 6) == 0)
            rss = strtol(line + 6, NULL, 10);
    }
    if (fp)
        fclose(fp);
    fprintf(stderr, "canaux: memory: %-15s peak %6ld MiB, now %6ld MiB\n", stage, hwm >> 10, rss >> 10);
    if ((fp = fopen("/proc/self/clear_refs", "w")) != NULL) {
        fputs("5", fp);   /* resets VmHWM to the current RSS */
        fclose(fp);
    }
}

int main(int argc, char **argv)
{
    /* GSL never aborts the process: every status is checked where it is
       returned. A closed pipe is a write error, not a silent death. */
    gsl_set_error_handler_off();
    signal(SIGPIPE, SIG_IGN);

    struct cx_err e = { 0 };
    int rc;
    if (argc < 2) {
        fputs(usage, stderr);
        return CX_EUSAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return cli_flush_stdout(&e) ? CX_EIO : CX_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("canaux %s\n", CANAUX_VERSION);
        return cli_flush_stdout(&e) ? CX_EIO : CX_OK;
    }
    if (strcmp(cmd, "run") == 0)
        rc = cmd_run(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "check") == 0)
        rc = cmd_check(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "segment") == 0)
        rc = cmd_segment(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "recommend") == 0)
        rc = cmd_recommend(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "economics") == 0)
        rc = cmd_economics(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "score") == 0)
        rc = cmd_score(argc - 1, argv + 1, &e);
    else if (strcmp(cmd, "gen") == 0)
        rc = cmd_gen(argc - 1, argv + 1, &e);
    else
        rc = cx_fail(&e, CX_EUSAGE, "unknown command '%s' (see canaux --help)", cmd);
    if (rc != CX_OK)
        fprintf(stderr, "canaux: %s\n", e.msg[0] ? e.msg : "failed");
    return rc;
}
