/* publish.h: atomic publication of an output file. A file is written under
 * a hidden temporary name in its target folder, fsynced, renamed over its
 * final name and the folder fsynced: a reader (or a crash) sees either the
 * previous complete file or the new complete file, never a partial one. */
#ifndef SLUICE_SINK_PUBLISH_H
#define SLUICE_SINK_PUBLISH_H

#include "util/buf.h"
#include "util/fs.h"

/* Temporary files are named by the rule in util/fs.h (SLUICE_TMP_MARKER):
 * ".<final basename>.sluice-tmp-<job>.<pid>.<16 hex digits>". */

struct sluice_publish {
    int fd;          /* -1 when closed */
    char *tmp_path;  /* owned */
    char *final_path;/* owned */
    /* The job whose file this is (borrowed; a job name: letters, digits,
     * '-', '_'). NULL or invalid: "job". */
    const char *owner;
    /* Leave the folder's fsync to the caller, who syncs each folder once
     * for a batch of commits (sluice__fsync_folder_of). The rename is not
     * durable until then. */
    bool defer_folder_sync;
};

void sluice__publish_init(struct sluice_publish *p);
/* Creates the parent folders of final_path as needed and opens a fresh
 * temporary file beside it. */
SLUICE_NODISCARD int sluice__publish_open(struct sluice_publish *p,
                                          const char *final_path,
                                          struct sluice_err *err);
/* Writes all of p/n (retrying short writes and EINTR). */
SLUICE_NODISCARD int sluice__publish_write(struct sluice_publish *p,
                                           const void *data, size_t n,
                                           struct sluice_err *err);
/* fsync, close, rename over the final name, fsync the folder (unless
 * deferred). On failure the temporary file is removed. */
SLUICE_NODISCARD int sluice__publish_commit(struct sluice_publish *p,
                                            struct sluice_err *err);
/* fsync of the folder holding `path`: makes renames in it durable. */
SLUICE_NODISCARD int sluice__fsync_folder_of(const char *path,
                                             struct sluice_err *err);
/* How many temporary files this process has open now (all publishers):
 * 0 means a temporary file named with our pid is certainly a dead
 * writer's, however the pid was reused (a restarted container). */
long sluice__publish_live(void);
/* Closes and removes the temporary file, if any. Safe to call twice. */
void sluice__publish_abort(struct sluice_publish *p);
/* Releases the paths (aborting first if still open). */
void sluice__publish_cleanup(struct sluice_publish *p);

#endif
