/* tmp_guard.c -- remove a run's temporary folder when a signal ends it.
 * See tmp_guard.h. */
#include "cli/tmp_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char guard_path[4096];
static volatile sig_atomic_t guard_armed;
static const int guard_signals[] = {SIGTERM, SIGINT, SIGHUP};

/* The record getdents64 fills in (linux_dirent64). */
struct dirent64_rec {
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[];
};

static void empty_and_remove(const char *path)
{
    /* A writer may still add a file between two passes: a few passes. */
    for (int pass = 0; pass < 4; pass++) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return;
        char buf[4096] __attribute__((aligned(8)));
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long at = 0; at < n;) {
                struct dirent64_rec *d = (struct dirent64_rec *)(void *)(buf + at);
                if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0)
                    unlinkat(fd, d->name, 0);
                at += d->reclen;
            }
        }
        close(fd);
        if (rmdir(path) == 0)
            return;
    }
}

static void on_signal(int sig)
{
    if (guard_armed) {
        guard_armed = 0;
        empty_and_remove(guard_path);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigaction(sig, &sa, NULL);
    raise(sig);
}

void tmp_guard_arm(const char *path)
{
    size_t n = strlen(path);
    if (n >= sizeof guard_path)
        return;
    memcpy(guard_path, path, n + 1);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof guard_signals / sizeof *guard_signals; i++)
        sigaddset(&sa.sa_mask, guard_signals[i]);
    for (size_t i = 0; i < sizeof guard_signals / sizeof *guard_signals; i++) {
        struct sigaction old;
        /* A signal the caller chose to ignore (nohup) stays ignored. */
        if (sigaction(guard_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(guard_signals[i], &sa, NULL);
    }
    guard_armed = 1;
}

void tmp_guard_disarm(void)
{
    guard_armed = 0;
}
