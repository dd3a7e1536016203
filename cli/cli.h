/*
 * cli — the commands of the canaux program. Each command parses its own
 * options, runs, and returns a cx_status; main() prints the message of a
 * failure and exits with the status (SPEC §4).
 */
#ifndef CANAUX_CLI_H
#define CANAUX_CLI_H

#include "engine/cx_err.h"

int cmd_check(int argc, char **argv, struct cx_err *e);
int cmd_gen(int argc, char **argv, struct cx_err *e);
int cmd_segment(int argc, char **argv, struct cx_err *e);
int cmd_score(int argc, char **argv, struct cx_err *e);
int cmd_economics(int argc, char **argv, struct cx_err *e);
int cmd_recommend(int argc, char **argv, struct cx_err *e);
int cmd_run(int argc, char **argv, struct cx_err *e);

/* Flushes stdout and reports a write error on it (a full disk, a closed
   pipe) as CX_EIO. */
int cli_flush_stdout(struct cx_err *e);

/* With CANAUX_MEMTRACE set in the environment, prints to stderr the peak
   and current resident memory since the previous call (or the start), from
   /proc/self/status, then resets the peak (Linux clear_refs): each stage's
   own high-water mark, for finding where memory goes. Else does nothing. */
void cli_memtrace(const char *stage);

#endif
