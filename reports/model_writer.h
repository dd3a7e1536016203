/*
 * model_writer — writes a segmentation model (--save-model FILE) in the
 * small versioned text format of docs/model-format.md, read back by
 * loaders/model_reader.c. Numbers are written with 17 significant digits,
 * so a model read back scores customers exactly as the one written.
 */
#ifndef CANAUX_MODEL_WRITER_H
#define CANAUX_MODEL_WRITER_H

#include "engine/cx_err.h"
#include "engine/segment.h"

/* Writes m to path (through a temporary file renamed into place).
   Returns CX_OK or CX_EIO naming the file. */
int model_write(const struct seg_model *m, const char *path, struct cx_err *e);

#endif
