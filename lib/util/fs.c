/* fs.c: file-system helpers (see fs.h). */
#include "util/fs.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"

#define JOB_NAME_MAX 64
#define PID_DIGITS_MAX 10

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

static bool job_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool sluice__temp_name_parse(const char *name, struct sluice_temp_name *t)
{
    static const char marker[] = SLUICE_TMP_MARKER; /* ".sluice-tmp-" */
    const size_t mn = sizeof marker - 2;             /* without its '.' */
    size_t n = strlen(name);
    /* '.', a byte of the final name, the marker, a job, '.', a pid, '.',
     * the digits: read from the end, since the final name may hold
     * anything. */
    if (n < 1 + 1 + 1 + mn + 1 + 1 + 1 + 1 + SLUICE_TMP_HEX_DIGITS ||
        name[0] != '.')
        return false;
    size_t i = n - SLUICE_TMP_HEX_DIGITS;
    for (size_t k = i; k < n; k++)
        if (!((name[k] >= '0' && name[k] <= '9') ||
              (name[k] >= 'a' && name[k] <= 'f')))
            return false;
    if (name[--i] != '.')
        return false;
    size_t pid_end = i;
    long pid = 0;
    while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
        i--;
    if (pid_end - i == 0 || pid_end - i > PID_DIGITS_MAX || name[i] == '0')
        return false;
    for (size_t k = i; k < pid_end; k++)
        pid = pid * 10 + (name[k] - '0');
    if (i == 0 || name[--i] != '.' || pid > INT32_MAX)
        return false;
    size_t run_end = i;
    while (i > 0 && job_char(name[i - 1]))
        i--;
    /* The run of job characters is "sluice-tmp-<job>", after the marker's
     * own '.', after at least one byte of final name. */
    if (i < 3 || name[i - 1] != '.' || run_end - i <= mn ||
        memcmp(name + i, marker + 1, mn) != 0 ||
        run_end - i - mn > JOB_NAME_MAX)
        return false;
    if (t) {
        t->job = name + i + mn;
        t->job_n = run_end - i - mn;
        t->pid = pid;
    }
    return true;
}
