/*
 * outdir — the output folder of a command. For `canaux run` it is a
 * temporary folder beside DIR (DIR.tmp-PID), renamed into place only once
 * every file is written: an existing DIR is refused unless --force, which
 * replaces it only then, and a failed, killed or disk-full run leaves
 * nothing under the final name. The other commands write into DIR itself
 * (created when missing).
 */
#ifndef CANAUX_CLI_OUTDIR_H
#define CANAUX_CLI_OUTDIR_H

#include "engine/cx_err.h"

/* The formats of canaux run (--format). */
enum { OUT_CSV = 1, OUT_XLSX = 2, OUT_JSON = 4, OUT_HTML = 8 };

struct outdir {
    const char *dir;       /* where the files are written now */
    const char *final;     /* the final name (run), or NULL */
    int atomic;            /* 1 for run: dir is the temporary folder */
    int force;             /* --force */
    char tmp[4200];        /* the temporary folder's name */
    char rejects[4300];    /* tmp/rejects.csv */
};

/* Sets od up for DIR out. atomic: refuses an existing out unless force,
   creates out.tmp-PID and arms the signal guard. Returns CX_OK, CX_EUSAGE
   (out exists) or CX_EIO (the folder cannot be created). */
int outdir_open(struct outdir *od, const char *out, int atomic, int force, struct cx_err *e);

/* Ends the command with status rc: for an atomic folder, on success (or
   CX_EREJECT: the files are complete) drops the CSVs when fmt lacks
   OUT_CSV (they only served the other formats), and renames the temporary
   folder into place, an existing one (--force) moved aside first and
   removed after; on failure removes it. Returns rc, or the status of a
   failure of its own. */
int outdir_close(struct outdir *od, int rc, unsigned fmt, struct cx_err *e);

#endif
