/* sweep.c: removes the temporary files a crash of this job left behind.
 * The sink publishes a file by writing
 * ".<name>.sluice-tmp-<job>.<pid>.<16 hex digits>" beside its final name and
 * renaming it (util/fs.h names them, sink/publish.h writes them); a process killed before the rename leaves
 * that file. Output folders may be shared by several jobs, and a job may be
 * writing while another starts, so a file goes only when it is certainly a
 * dead writer's: named with the sweeping job (whose lock the caller holds,
 * so no other run of it lives) and with a pid no process has now (or our
 * own, when this process has no temporary file open). Nothing else is ever
 * removed: the name must match the pattern exactly, the entry must be a
 * regular file (a symbolic link is neither removed nor followed), and
 * subfolders are entered only to the depth the caller allows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state/ledger.h"
#include "util/fs.h"

/* Whether the writer named in t is certainly dead. */
static bool writer_dead(const struct sluice_temp_name *t,
                        const struct sluice_sweep_opts *o)
{
    if (t->pid == (long)getpid())
        return o->self_idle;
    /* ESRCH: no process has the pid. EPERM means one does (another
     * user's): it may be the writer. */
    return kill((pid_t)t->pid, 0) != 0 && errno == ESRCH;
}

static bool ours_and_dead(const char *name, const struct sluice_sweep_opts *o)
{
    struct sluice_temp_name t;
    return sluice__temp_name_parse(name, &t) && t.job_n == strlen(o->job) &&
           memcmp(t.job, o->job, t.job_n) == 0 && writer_dead(&t, o);
}

static int sweep(struct sluice_buf *path, unsigned depth, int64_t cutoff,
                 const struct sluice_sweep_opts *o, size_t *removed,
                 struct sluice_err *err)
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
        bool temp = sluice__temp_name_parse(name, NULL);
        if (!temp && depth == 0)
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* gone since readdir: nothing to do */
        if (S_ISDIR(sb.st_mode) && depth > 0) {
            path->n = base;
            SLUICE_TRY(sluice__buf_appendf(path, "/%s", name));
            SLUICE_TRY(sweep(path, depth - 1, cutoff, o, removed, err));
            path->n = base;
            path->p[base] = '\0';
        } else if (temp && S_ISREG(sb.st_mode) &&
                   (int64_t)sb.st_mtime <= cutoff && ours_and_dead(name, o)) {
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
    SLUICE_FAIL_IF(!o || !o->job || !*o->job, SLUICE_EINVAL, err,
                   "sweep: no job");
    int64_t now = o->now ? o->now : (int64_t)time(NULL);
    int64_t cutoff = o->older_than > 0 ? now - o->older_than : INT64_MAX;
    rc = sluice__buf_adds(&path, dir);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "sweep: %s",
                   sluice__buf_failure(rc, "folder name too long"));
    while (path.n > 1 && path.p[path.n - 1] == '/')
        path.p[--path.n] = '\0';
    SLUICE_TRY(sweep(&path, o->depth, cutoff, o, &count, err));
out:
    if (removed)
        *removed = count;
    sluice__buf_cleanup(&path);
    return rc;
}
