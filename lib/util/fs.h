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

#endif
