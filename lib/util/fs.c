/* fs.c: file-system helpers (see fs.h). */
#include "util/fs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"

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

int sluice__read_file(const char *path, size_t max, char **out, size_t *n,
                      bool *missing, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf b;
    char chunk[8192];
    FILE *f = fopen(path, "rb");

    sluice__buf_init(&b, max);
    *out = NULL;
    *n = 0;
    *missing = false;
    if (!f) {
        *missing = errno == ENOENT;
        sluice__err_set(err, "%s: cannot open: %s", path, strerror(errno));
        return SLUICE_EIO;
    }
    for (;;) {
        size_t got = fread(chunk, 1, sizeof chunk, f);
        if (got > 0) {
            rc = sluice__buf_append(&b, chunk, got);
            SLUICE_FAIL_IF(rc == SLUICE_ETOOBIG, SLUICE_ETOOBIG, err,
                           "%s: file is larger than %zu bytes", path, max);
            SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s: %s", path,
                           sluice_strerror(rc));
        }
        if (got < sizeof chunk)
            break;
    }
    SLUICE_FAIL_IF(ferror(f), SLUICE_EIO, err, "%s: cannot read: %s", path,
                   strerror(errno));
    *out = sluice__buf_take(&b, n);
    SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, err, "out of memory");
out:
    sluice__buf_cleanup(&b);
    fclose(f);
    return rc;
}
