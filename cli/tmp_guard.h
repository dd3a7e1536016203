/* tmp_guard.h -- remove a run's temporary folder when a signal ends it.
 *
 * canaux run writes into DIR.tmp-PID and renames it into place at the end.
 * A SIGTERM, SIGINT or SIGHUP before the rename would leave that folder
 * behind; with the guard armed, the handler empties and removes it, then
 * lets the signal end the process as it would have (so the exit status
 * still says "killed by SIGTERM"). The handler only calls async-signal-safe
 * system calls (open, getdents64, unlinkat, rmdir, close, sigaction, raise).
 * The folder holds plain files only. */
#ifndef CANAUX_CLI_TMP_GUARD_H
#define CANAUX_CLI_TMP_GUARD_H

/* Arms the guard for the folder PATH (copied; at most 4095 bytes). */
void tmp_guard_arm(const char *path);

/* Disarms it: the folder was renamed into place or removed. */
void tmp_guard_disarm(void);

#endif
