/*
 * main — the canaux program: dispatches to a command, prints the error
 * message of a failed one on stderr, and exits with its status.
 *
 * Before anything else it makes OpenMP's idle threads sleep rather than
 * spin (omp_wait_passive(): docs/design.md, "Threads on a shared
 * machine"). libgomp reads OMP_WAIT_POLICY once, in its constructor,
 * before main() runs, so setting it here is read only by a new image of
 * the program: canaux sets it and executes itself again.
 */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

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

/* libgomp's default keeps a thread that waits for work spinning for about
   300,000 rounds (several milliseconds here) after every parallel region
   and barrier. On a core that another process needs, that spin takes the
   core from it, or from canaux's own other thread: with one core busy,
   two threads could end up slower than one. Passive waiting (a futex
   sleep) costs a wake-up of some microseconds per region instead, a few
   hundred regions a run. A policy the user set (OMP_WAIT_POLICY or
   GOMP_SPINCOUNT, even empty) is left alone; so is a run under valgrind,
   which would not follow the exec into the new image. The program is
   executed by its own path (that of /proc/self/exe), so that ps and pgrep
   still name it canaux; same pid, arguments and descriptors. Returns only
   when the policy is already set or the exec failed (no /proc, a binary
   replaced since it started): then libgomp's default stays, and the run
   goes on the same. */
static void omp_wait_passive(char **argv)
{
    static char self[4096];
    if (getenv("OMP_WAIT_POLICY") != NULL || getenv("GOMP_SPINCOUNT") != NULL || RUNNING_ON_VALGRIND)
        return;
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0 || (size_t)n >= sizeof self - 1)
        return;
    self[n] = '\0';
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
        return;
    execv(self, argv);
    unsetenv("OMP_WAIT_POLICY");
}

int main(int argc, char **argv)
{
    omp_wait_passive(argv);

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
