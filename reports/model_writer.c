/*
 * model_writer — see model_writer.h.
 */
#include "reports/model_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int model_write(const struct seg_model *m, const char *path, struct cx_err *e)
{
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return cx_nomem(e, "model");
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        int rc = cx_fail(e, CX_EIO, "%s: cannot create: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    fprintf(f, "canaux-model 1\n");
    fprintf(f, "# canaux segmentation model: see docs/model-format.md\n");
    fprintf(f, "k %d\nclip %.17g\n", m->k, m->clip);
    for (int j = 0; j < m->d; j++)
        fprintf(f, "column %s %s %.17g %.17g %.17g\n", features_name(m->feat[j]),
                seg_transform_name(m->transform[j]), m->rate_scale[j], m->center[j], m->scale[j]);
    for (int s = 0; s < m->k; s++) {
        fprintf(f, "segment %d", m->id[s]);
        for (int j = 0; j < m->d; j++)
            fprintf(f, " %.17g", m->cent[s * m->d + j]);
        fprintf(f, " %s\n", m->name[s]);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        int rc = cx_fail(e, CX_EIO, "%s: write error: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        free(tmp);
        return rc;
    }
    if (rename(tmp, path) != 0) {
        int rc = cx_fail(e, CX_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
        unlink(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return CX_OK;
}
