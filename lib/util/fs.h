/* fs.h: small file-system helpers shared by the modules that create or
 * read files (the sinks' publisher, the state ledger, the job loader, the
 * schema file). */
#ifndef SLUICE_UTIL_FS_H
#define SLUICE_UTIL_FS_H

#include "util/common.h"

/* mkdir -p for the folder part of `path` (everything before its last '/');
 * folders that exist are fine. SLUICE_EIO naming the folder that could not
 * be made. */
SLUICE_NODISCARD int sluice__mkdir_parents(const char *path,
                                           struct sluice_err *err);

/* Reads a whole file of at most `max` bytes into a NUL-terminated
 * allocation (*out, sluice__free it; *n its length) — the one bounded file
 * reader, so that every file sluice reads has a limit. *missing is set (and
 * SLUICE_EIO returned) when the file does not exist; SLUICE_ETOOBIG when it
 * is larger than `max` ("PATH: file is larger than MAX bytes"); SLUICE_EIO
 * naming the path for other failures. */
SLUICE_NODISCARD int sluice__read_file(const char *path, size_t max,
                                       char **out, size_t *n, bool *missing,
                                       struct sluice_err *err);

/* Temporary files: a file is published by writing it under a temporary
 * name in its target folder and renaming it (sink/publish.h); the sweep
 * (state/sweep.c) removes what a crash left. The name is the contract
 * between them, so it lives here, below both:
 *   ".<final basename>.sluice-tmp-<job>.<pid>.<16 hex digits>"
 * so a glob on the final names (data/NAME.parquet) never matches them, and
 * a later run of the same job can tell its own leftovers (job) from a
 * writer that may still live (pid) and remove only what a crash left
 * behind (state/sweep.c). The final basename is shortened (on a UTF-8
 * boundary) when the whole would exceed a file name's 255 bytes. */
#define SLUICE_TMP_MARKER ".sluice-tmp-"
#define SLUICE_TMP_HEX_DIGITS 16

/* A temporary file's name taken apart: the job (job_n bytes, not
 * terminated) and the writer's pid. */
struct sluice_temp_name {
    const char *job;
    size_t job_n;
    long pid;
};
/* Whether `name` (a file name, no folder) is a temporary file's name, and
 * whose. */
bool sluice__temp_name_parse(const char *name, struct sluice_temp_name *t);

#endif
