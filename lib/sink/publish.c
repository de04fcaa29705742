/* publish.c: temp file, fsync, rename, fsync folder. See publish.h. The
 * temporary name carries the job and the pid so that the start-up sweep of
 * any job can leave every other writer's files alone. */
#include "sink/publish.h"
#include "util/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAME_MAX_BYTES 255 /* one file name, on Linux file systems */

/* Temporary files open in this process (both threads create them). */
static _Atomic long live_temps;

long sluice__publish_live(void) { return live_temps; }

void sluice__publish_init(struct sluice_publish *p)
{
    p->fd = -1;
    p->tmp_path = NULL;
    p->final_path = NULL;
    p->owner = NULL;
    p->defer_folder_sync = false;
}

/* The owner as it goes into the name: a valid job name or "job". */
static const char *owner_of(const struct sluice_publish *p)
{
    const char *o = p->owner;
    size_t n = o ? strlen(o) : 0;
    if (n == 0 || n > 64)
        return "job";
    for (size_t i = 0; i < n; i++)
        if (!((o[i] >= 'a' && o[i] <= 'z') || (o[i] >= 'A' && o[i] <= 'Z') ||
              (o[i] >= '0' && o[i] <= '9') || o[i] == '-' || o[i] == '_'))
            return "job";
    return o;
}

/* How much of the final basename fits in the temporary name: all of it,
 * or as many bytes as leave room for the suffix, cut before a UTF-8
 * continuation byte. At least one byte. */
static size_t base_fit(const char *base, size_t suffix)
{
    size_t n = strlen(base);
    size_t room = NAME_MAX_BYTES > suffix + 1 ? NAME_MAX_BYTES - suffix - 1 : 1;
    if (n <= room)
        return n;
    while (room > 1 && ((unsigned char)base[room] & 0xC0) == 0x80)
        room--;
    return room;
}

static uint64_t tmp_random(void)
{
    /* Uniqueness, not secrecy: O_EXCL settles any collision. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    static _Atomic uint64_t counter; /* both threads create files */
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                 ((uint64_t)getpid() << 40) ^ ++counter * 0x9e3779b97f4a7c15u;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9u;
    return x ^ (x >> 29);
}

int sluice__publish_open(struct sluice_publish *p, const char *final_path,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf b;
    sluice__buf_init(&b, 8192);
    sluice__publish_abort(p);
    sluice__free(p->final_path);
    sluice__free(p->tmp_path);
    p->tmp_path = NULL;
    p->final_path = sluice__strdup(final_path);
    SLUICE_FAIL_IF(!p->final_path, SLUICE_ENOMEM, err, "out of memory");
    SLUICE_TRY(sluice__mkdir_parents(final_path, err));

    const char *slash = strrchr(final_path, '/');
    size_t dir_n = slash ? (size_t)(slash - final_path + 1) : 0;
    const char *owner = owner_of(p);
    char suffix[128];
    long pid = (long)getpid();
    for (int attempt = 0; attempt < 16; attempt++) {
        sluice__buf_reset(&b);
        int sn = snprintf(suffix, sizeof suffix, "%s%s.%ld.%016llx",
                          SLUICE_TMP_MARKER, owner, pid,
                          (unsigned long long)tmp_random());
        const char *base = final_path + dir_n;
        rc = sluice__buf_append(&b, final_path, dir_n);
        if (rc == SLUICE_OK)
            rc = sluice__buf_appendf(&b, ".%.*s%s",
                                     (int)base_fit(base, (size_t)sn), base,
                                     suffix);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s: %s", final_path,
                       sluice__buf_failure(rc, "output path too long"));
        p->fd = open(b.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (p->fd >= 0 || errno != EEXIST)
            break;
    }
    SLUICE_FAIL_IF(p->fd < 0, SLUICE_EIO, err, "cannot create %s: %s",
                   sluice__buf_str(&b), strerror(errno));
    p->tmp_path = sluice__buf_take(&b, NULL); /* cannot fail: b holds it */
    live_temps++;
out:
    sluice__buf_cleanup(&b);
    return rc;
}

int sluice__publish_write(struct sluice_publish *p, const void *data,
                          size_t n, struct sluice_err *err)
{
    const char *c = data;
    while (n > 0) {
        ssize_t w = write(p->fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            sluice__err_set(err, "cannot write %s: %s", p->final_path,
                            strerror(errno));
            return SLUICE_EIO;
        }
        c += w;
        n -= (size_t)w;
    }
    return SLUICE_OK;
}

int sluice__fsync_folder_of(const char *path, struct sluice_err *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? sluice__strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : sluice__strdup(".");
    if (!dir) {
        sluice__err_set(err, "out of memory");
        return SLUICE_ENOMEM;
    }
    int rc = SLUICE_OK;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        sluice__err_set(err, "cannot sync folder %s: %s", dir, strerror(errno));
        rc = SLUICE_EIO;
    }
    if (fd >= 0)
        close(fd);
    sluice__free(dir);
    return rc;
}

int sluice__publish_commit(struct sluice_publish *p, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(p->fd < 0, SLUICE_EINVAL, err, "nothing to publish");
    SLUICE_FAIL_IF(fsync(p->fd) != 0, SLUICE_EIO, err, "cannot sync %s: %s",
                   p->tmp_path, strerror(errno));
    int fd = p->fd;
    p->fd = -1;
    SLUICE_FAIL_IF(close(fd) != 0, SLUICE_EIO, err, "cannot close %s: %s",
                   p->tmp_path, strerror(errno));
    SLUICE_FAIL_IF(rename(p->tmp_path, p->final_path) != 0, SLUICE_EIO, err,
                   "cannot rename %s to %s: %s", p->tmp_path, p->final_path,
                   strerror(errno));
    sluice__free(p->tmp_path);
    p->tmp_path = NULL;
    live_temps--;
    if (!p->defer_folder_sync)
        SLUICE_TRY(sluice__fsync_folder_of(p->final_path, err));
out:
    if (rc != SLUICE_OK)
        sluice__publish_abort(p);
    return rc;
}

void sluice__publish_abort(struct sluice_publish *p)
{
    if (p->fd >= 0) {
        close(p->fd);
        p->fd = -1;
    }
    if (p->tmp_path) {
        unlink(p->tmp_path);
        sluice__free(p->tmp_path);
        p->tmp_path = NULL;
        live_temps--;
    }
}

void sluice__publish_cleanup(struct sluice_publish *p)
{
    sluice__publish_abort(p);
    sluice__free(p->final_path);
    p->final_path = NULL;
}
