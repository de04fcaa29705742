/* parquet_cat.c: sluice_parquet_cat(), the public face of the Parquet
 * reader: `sluice cat FILE.parquet` and the end-to-end tests' canonical
 * dump. Reads through pread, so memory follows one row group. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet/pq_reader.h"

static int read_at(void *ud, uint64_t off, void *dst, size_t n)
{
    int fd = *(int *)ud;
    char *p = dst;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

int sluice_parquet_cat(const char *path, bool schema, sluice_write_fn out,
                       void *ud, char *errbuf, size_t errlen)
{
    int rc = SLUICE_OK;
    struct sluice_err err = {{0}};
    struct sluice_pq_reader *r = NULL;
    struct sluice_buf b;
    struct stat st;
    sluice__buf_init(&b, (size_t)4 << 30);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    SLUICE_FAIL_IF(fd < 0 || fstat(fd, &st) != 0, SLUICE_EIO, &err, "%s: %s",
                   path, strerror(errno));
    struct sluice_pq_source src = {read_at, &fd, (uint64_t)st.st_size};
    rc = sluice__pq_reader_open(&r, &src, &err);
    if (rc != SLUICE_OK) {
        sluice__err_prefix(&err, "%s", path);
        goto out;
    }
    if (schema) {
        SLUICE_TRY(sluice__pq_schema_dump(sluice__pq_reader_schema(r), &b));
        SLUICE_FAIL_IF(out(ud, b.p, b.n) != 0, SLUICE_EIO, &err,
                       "cannot write the output");
        goto out;
    }
    for (size_t rg = 0; rg < sluice__pq_reader_num_row_groups(r); rg++) {
        sluice__buf_reset(&b);
        rc = sluice__pq_reader_rows_json(r, rg, &b);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &err, "%s: %s", path,
                       sluice__pq_reader_error(r));
        SLUICE_FAIL_IF(b.n && out(ud, b.p, b.n) != 0, SLUICE_EIO, &err,
                       "cannot write the output");
    }
out:
    if (rc != SLUICE_OK && errbuf && errlen)
        snprintf(errbuf, errlen, "%s", err.msg[0] ? err.msg : "out of memory");
    sluice__pq_reader_free(r);
    sluice__buf_cleanup(&b);
    if (fd >= 0)
        close(fd);
    return rc;
}
