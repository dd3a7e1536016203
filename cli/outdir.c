/*
 * outdir — see outdir.h.
 */
#include "cli/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tmp_guard.h"

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

int outdir_open(struct outdir *od, const char *out, int atomic, int force, struct cx_err *e)
{
    memset(od, 0, sizeof *od);
    od->dir = out;
    od->atomic = atomic;
    od->force = force;
    if (!atomic)
        return CX_OK;
    struct stat sb;
    if (stat(out, &sb) == 0 && !force)
        return cx_fail(e, CX_EUSAGE, "%s exists: choose another folder, or --force to replace it once the new run "
                       "is complete", out);
    snprintf(od->tmp, sizeof od->tmp, "%s.tmp-%ld", out, (long)getpid());
    if (mkdir(od->tmp, 0777) != 0)
        return cx_fail(e, CX_EIO, "%s: cannot create the output folder: %s", od->tmp, strerror(errno));
    tmp_guard_arm(od->tmp);
    od->final = out;
    od->dir = od->tmp;
    snprintf(od->rejects, sizeof od->rejects, "%s/rejects.csv", od->tmp);
    return CX_OK;
}

static int finish(struct outdir *od, int rc, unsigned fmt, struct cx_err *e)
{
    const char *tmp = od->tmp, *out = od->final;
    if (rc != CX_OK && rc != CX_EREJECT) {
        rmtree(tmp);
        return rc;
    }
    if (!(fmt & OUT_CSV)) {   /* the CSVs only served the other formats */
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
    char old[4300];
    int moved = 0;
    struct stat sb;
    if (stat(out, &sb) == 0) {
        if (!od->force) {
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

int outdir_close(struct outdir *od, int rc, unsigned fmt, struct cx_err *e)
{
    if (!od->atomic)
        return rc;
    rc = finish(od, rc, fmt, e);
    tmp_guard_disarm();
    od->atomic = 0;
    return rc;
}
