/* fs.c: file-system helpers (see fs.h). */
#include "util/fs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int sluice__mkdir_parents(const char *path, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    char *dir = sluice__strdup(path);
    SLUICE_FAIL_IF(!dir, SLUICE_ENOMEM, err, "out of memory");
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        goto out;
    *slash = '\0';
    for (char *q = dir + 1;; q++) {
        bool end = *q == '\0';
        if (*q == '/' || end) {
            *q = '\0';
            SLUICE_FAIL_IF(mkdir(dir, 0777) != 0 && errno != EEXIST, SLUICE_EIO,
                           err, "cannot create folder %s: %s", dir,
                           strerror(errno));
            if (end)
                break;
            *q = '/';
        }
    }
out:
    sluice__free(dir);
    return rc;
}
