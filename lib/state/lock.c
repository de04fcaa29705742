/* lock.c: one run per job at a time. The lock is a Linux open-file-
 * description lock (F_OFD_SETLK) on "<ledger>.lock":
 * - the kernel releases it when the holder's descriptor goes away, so a
 *   holder killed with SIGKILL leaves nothing to clean up, and a recycled
 *   pid can never keep a dead run's lock alive (a pid-file with a kill(pid,
 *   0) check can be fooled by both);
 * - unlike classic POSIX record locks it belongs to the descriptor, not the
 *   process, so two handles in one process exclude each other too, and
 *   SQLite closing its own descriptors of other files cannot drop it;
 * - it lives beside the database, not on it, so it cannot interfere with
 *   SQLite's own byte-range locks, and readers (sluice status) never wait
 *   for it.
 * The lock file is never deleted: unlinking a lock file lets two processes
 * lock two different inodes of the same name. The holder's pid, host and
 * start time go to the lock_holder table, only to say who holds it. */
#define _GNU_SOURCE /* F_OFD_SETLK, F_OFD_GETLK */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "state/ledger_int.h"

static void whole_file(struct flock *fl, short type)
{
    memset(fl, 0, sizeof *fl); /* l_pid must be 0 for OFD locks */
    fl->l_type = type;
    fl->l_whence = SEEK_SET;
    fl->l_start = 0;
    fl->l_len = 0;
}

static void our_host(char *host, size_t n)
{
    if (gethostname(host, n) != 0)
        host[0] = '\0';
    host[n - 1] = '\0';
}

/* Reads the lock_holder row; leaves h's fields unknown when there is none. */
static int read_holder(struct sluice_ledger *l, struct sluice_ledger_holder *h,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_prepare(
        l, "SELECT pid, host, since FROM lock_holder WHERE id = 1", &st, err));
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        h->pid = (long)sqlite3_column_int64(st, 0);
        const unsigned char *host = sqlite3_column_text(st, 1);
        snprintf(h->host, sizeof h->host, "%s", host ? (const char *)host : "");
        h->since = sqlite3_column_int64(st, 2);
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read lock holder", err));
    }
out:
    sqlite3_finalize(st);
    return rc;
}

static int write_holder(struct sluice_ledger *l, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    char host[256];
    our_host(host, sizeof host);
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "INSERT OR REPLACE INTO lock_holder (id, pid, host, since)"
        " VALUES (1, ?1, ?2, ?3)",
        &st, err));
    sqlite3_bind_int64(st, 1, (sqlite3_int64)getpid());
    sqlite3_bind_text(st, 2, host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, sluice__ledger_now(l));
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "write lock holder", err));
out:
    sqlite3_finalize(st);
    return rc;
}

static void refuse(struct sluice_ledger *l, struct sluice_err *err)
{
    struct sluice_ledger_holder h;
    struct sluice_err ignored;
    char since[40], host[256], where[300] = "";
    memset(&h, 0, sizeof h);
    const char *job = l->job_name ? l->job_name : l->path;
    if (read_holder(l, &h, &ignored) != SLUICE_OK || h.pid <= 0) {
        sluice__err_set(err, "job %s is already running (lock %s is held)", job,
                        l->lock_path);
        return;
    }
    our_host(host, sizeof host);
    if (h.host[0] && strcmp(h.host, host) != 0)
        snprintf(where, sizeof where, " on %s", h.host);
    sluice__ledger_iso(h.since, since, sizeof since);
    sluice__err_set(err, "job %s is already running (pid %ld%s since %s)", job,
                    h.pid, where, since);
}

int sluice__ledger_lock(struct sluice_ledger *l, struct sluice_err *err)
{
    if (l->pg) /* shared: leases, not a lock (scale-out.md) */
        return SLUICE_OK;
    int rc = SLUICE_OK;
    int fd = -1;
    struct flock fl;
    if (l->lock_fd >= 0)
        return SLUICE_OK;
    fd = open(l->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    SLUICE_FAIL_IF(fd < 0, SLUICE_EIO, err, "cannot open lock file %s: %s",
                   l->lock_path, strerror(errno));
    whole_file(&fl, F_WRLCK);
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
        if (errno == EAGAIN || errno == EACCES) {
            rc = SLUICE_ESTATE;
            refuse(l, err);
        } else {
            rc = SLUICE_EIO;
            sluice__err_set(err, "cannot lock %s: %s", l->lock_path,
                            strerror(errno));
        }
        goto out;
    }
    l->lock_fd = fd;
    fd = -1;
    rc = write_holder(l, err);
    if (rc != SLUICE_OK)
        sluice__ledger_unlock(l);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

void sluice__ledger_unlock(struct sluice_ledger *l)
{
    if (!l || l->lock_fd < 0)
        return;
    /* Best effort: a row left behind is harmless, since sluice__ledger_
     * holder asks the kernel, not the row, whether a run is alive. */
    (void)sqlite3_exec(l->db, "DELETE FROM lock_holder", NULL, NULL, NULL);
    close(l->lock_fd); /* releases the lock */
    l->lock_fd = -1;
}

int sluice__ledger_holder(struct sluice_ledger *l,
                          struct sluice_ledger_holder *h,
                          struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_holder(l, h, err);
    int rc = SLUICE_OK;
    int fd = -1;
    struct flock fl;
    memset(h, 0, sizeof *h);
    if (l->lock_fd >= 0) {
        h->running = true;
        return read_holder(l, h, err);
    }
    fd = open(l->lock_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        goto out; /* never locked: nobody runs */
    SLUICE_FAIL_IF(fd < 0, SLUICE_EIO, err, "cannot open lock file %s: %s",
                   l->lock_path, strerror(errno));
    whole_file(&fl, F_WRLCK);
    SLUICE_FAIL_IF(fcntl(fd, F_OFD_GETLK, &fl) != 0, SLUICE_EIO, err,
                   "cannot test lock %s: %s", l->lock_path, strerror(errno));
    if (fl.l_type != F_UNLCK) {
        h->running = true;
        SLUICE_TRY(read_holder(l, h, err));
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
