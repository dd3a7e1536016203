/*
 * model_reader — reads a segmentation model written by --save-model (the
 * format of docs/model-format.md). Every line is checked; a bad one is an
 * error naming the file and line, never a model half read.
 */
#ifndef CANAUX_MODEL_READER_H
#define CANAUX_MODEL_READER_H

#include "engine/cx_err.h"
#include "engine/segment.h"

/* Reads path into m. Returns CX_OK, or CX_EIO (cannot read, or not a valid
   model: file:line and what is wrong in the message). */
int model_read(struct seg_model *m, const char *path, struct cx_err *e);
/* The same from text in memory (for tests and fuzzing); name is used in
   messages. */
int model_parse(struct seg_model *m, const char *text, size_t len, const char *name, struct cx_err *e);

#endif
