/* sweep.c: removes the temporary files a crash left behind. The sink
 * publishes a file by writing ".<name>.sluice-tmp-<16 hex digits>" beside
 * its final name and renaming it (sink/publish.h); a process killed before
 * the rename leaves that file. Nothing else is ever removed: the name must
 * match the pattern exactly, the entry must be a regular file (a symbolic
 * link is neither removed nor followed), and subfolders are entered only
 * to the depth the caller allows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink/publish.h"
#include "state/ledger.h"

#define TMP_HEX_DIGITS 16

bool sluice__state_is_temp_name(const char *name)
{
    size_t n = strlen(name);
    size_t marker = sizeof SLUICE_TMP_MARKER - 1;
    /* '.', at least one byte of the final name, the marker, the digits */
    if (n < 2 + marker + TMP_HEX_DIGITS || name[0] != '.')
        return false;
    const char *hex = name + n - TMP_HEX_DIGITS;
    for (size_t i = 0; i < TMP_HEX_DIGITS; i++) {
        char c = hex[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return memcmp(hex - marker, SLUICE_TMP_MARKER, marker) == 0;
}

static int sweep(struct sluice_buf *path, unsigned depth, int64_t cutoff,
                 size_t *removed, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    DIR *d = opendir(path->p);
    size_t base = path->n;
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return SLUICE_OK;
        sluice__err_set(err, "cannot read folder %s: %s", path->p,
                        strerror(errno));
        return SLUICE_EIO;
    }
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            SLUICE_FAIL_IF(errno != 0, SLUICE_EIO, err,
                           "cannot read folder %s: %s", path->p,
                           strerror(errno));
            break;
        }
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        bool temp = sluice__state_is_temp_name(name);
        if (!temp && depth == 0)
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* gone since readdir: nothing to do */
        if (S_ISDIR(sb.st_mode) && depth > 0) {
            path->n = base;
            SLUICE_TRY(sluice__buf_appendf(path, "/%s", name));
            SLUICE_TRY(sweep(path, depth - 1, cutoff, removed, err));
            path->n = base;
            path->p[base] = '\0';
        } else if (temp && S_ISREG(sb.st_mode) &&
                   (int64_t)sb.st_mtime <= cutoff) {
            if (unlinkat(dirfd(d), name, 0) == 0)
                ++*removed;
            else
                SLUICE_FAIL_IF(errno != ENOENT, SLUICE_EIO, err,
                               "cannot remove %s/%s: %s", path->p, name,
                               strerror(errno));
        }
    }
out:
    if (rc == SLUICE_ETOOBIG || rc == SLUICE_ENOMEM)
        sluice__err_set(err, "cannot sweep %s: %s", path->p ? path->p : "",
                        sluice_strerror(rc));
    closedir(d);
    return rc;
}

int sluice__state_sweep_temp(const char *dir, const struct sluice_sweep_opts *o,
                             size_t *removed, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t count = 0;
    struct sluice_buf path;
    sluice__buf_init(&path, 1 << 16);
    SLUICE_FAIL_IF(!dir || !*dir, SLUICE_EINVAL, err, "sweep: no folder");
    int64_t now = o && o->now ? o->now : (int64_t)time(NULL);
    int64_t cutoff = o && o->older_than > 0 ? now - o->older_than : INT64_MAX;
    rc = sluice__buf_adds(&path, dir);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "sweep: %s",
                   sluice__buf_failure(rc, "folder name too long"));
    while (path.n > 1 && path.p[path.n - 1] == '/')
        path.p[--path.n] = '\0';
    SLUICE_TRY(sweep(&path, o ? o->depth : 0, cutoff, &count, err));
out:
    if (removed)
        *removed = count;
    sluice__buf_cleanup(&path);
    return rc;
}
