/* Makes every sync slow, to time mend as on a laptop disk or a small server where a sync costs
 * milliseconds (here it may be free). Build and use:
 *   cc -shared -fPIC -o /tmp/slow-fsync.so tools/slow-fsync.c -ldl
 *   MEND_SLOW_SYNC_MS=10 LD_PRELOAD=/tmp/slow-fsync.so mend plan COUPLE
 * Each fsync, fdatasync and syncfs then waits MEND_SLOW_SYNC_MS (default 10) before syncing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void pause_for_disk(void) {
    const char *ms = getenv("MEND_SLOW_SYNC_MS");
    long wait = ms ? atol(ms) : 10;
    struct timespec t = { wait / 1000, (wait % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

#define SLOW(name)                                             \
    int name(int fd) {                                         \
        static int (*real)(int);                               \
        if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, #name); \
        pause_for_disk();                                      \
        return real(fd);                                       \
    }

SLOW(fsync)
SLOW(fdatasync)
SLOW(syncfs)
