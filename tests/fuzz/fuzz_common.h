/* fuzz_common.h -- helpers shared by the libFuzzer targets of tests/fuzz/.
 *
 * The loaders under test take a path, so the fuzz input is put in an
 * anonymous memory file (memfd) and handed over as /proc/self/fd/N: no
 * temporary file is left behind, even when a target crashes. */
#ifndef CANAUX_FUZZ_COMMON_H
#define CANAUX_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct fuzz_file {
    int fd;
    char path[64];
};

/* Writes data to a fresh memfd; aborts when that fails (not a finding). */
static inline void fuzz_file_open(struct fuzz_file *f, const char *name, const uint8_t *data, size_t size)
{
    f->fd = memfd_create(name, MFD_CLOEXEC);
    if (f->fd < 0) {
        perror("memfd_create");
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(f->fd, data + off, size - off);
        if (w <= 0) {
            perror("write memfd");
            abort();
        }
        off += (size_t)w;
    }
    snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

static inline void fuzz_file_close(struct fuzz_file *f)
{
    close(f->fd);
    f->fd = -1;
}

/* Finds the first line "%%" (the separator of the two-part inputs); returns
   its offset and sets *rest to the offset after it, or returns size. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, size_t *rest)
{
    for (size_t i = 0; i + 2 < size; i++) {
        if ((i == 0 || data[i - 1] == '\n') && data[i] == '%' && data[i + 1] == '%' && data[i + 2] == '\n') {
            *rest = i + 3;
            return i;
        }
    }
    *rest = size;
    return size;
}

#endif
