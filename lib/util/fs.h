/* fs.h: small file-system helpers shared by the modules that create files
 * (the sinks' publisher, the state ledger). */
#ifndef SLUICE_UTIL_FS_H
#define SLUICE_UTIL_FS_H

#include "util/common.h"

/* mkdir -p for the folder part of `path` (everything before its last '/');
 * folders that exist are fine. SLUICE_EIO naming the folder that could not
 * be made. */
SLUICE_NODISCARD int sluice__mkdir_parents(const char *path,
                                           struct sluice_err *err);

#endif
