/* fuzz_model -- the segmentation model reader (loaders/model_reader.h).
 * model_parse gets the bytes as they are; model_read the same bytes through
 * a file, and both must agree on success. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/segment.h"
#include "loaders/model_reader.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy: no NUL after the text, so ASan sees overreads. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        abort();
    memcpy(text, data, size);
    struct seg_model *m = calloc(1, sizeof *m);
    struct seg_model *m2 = calloc(1, sizeof *m2);
    if (m == NULL || m2 == NULL)
        abort();
    struct cx_err e = { 0 }, e2 = { 0 };
    int rc = model_parse(m, text, size, "fuzz.model", &e);
    if (rc == CX_OK && (m->k < 1 || m->k > SEG_MAX_K || m->d < 1 || m->d > F_N))
        abort(); /* a model read as valid must fit its arrays */

    struct fuzz_file f;
    fuzz_file_open(&f, "fuzz.model", data, size);
    int rc2 = model_read(m2, f.path, &e2);
    fuzz_file_close(&f);
    if ((rc == CX_OK) != (rc2 == CX_OK))
        abort();
    free(m2);
    free(m);
    free(text);
    return 0;
}
