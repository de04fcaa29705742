/* job_schema.c: sluice_job_schema(), the job's table schema as it stands (the
 * one every Parquet or CSV file of the job is written with), for `sluice
 * schema`:
 * as Parquet's text form, or as the JSON sluice keeps it in. */
#include <string.h>

#include "parquet/pq_reader.h"
#include "pipeline/window_io.h"
#include "sink/sink.h"
#include "sink/parquet_schema.h"
#include "util/fs.h"

int sluice_job_schema(const struct sluice_job *job, bool json,
                      sluice_write_fn out, void *ud, char *errbuf,
                      size_t errlen)
{
    int rc = SLUICE_OK;
    struct sluice_err err = {{0}};
    struct sluice_buf path, text;
    struct sluice_table *t = NULL;
    struct sluice_pq_schema *pq = NULL;
    char *file = NULL;
    size_t n = 0;
    bool missing = false;
    sluice__buf_init(&path, 4096);
    sluice__buf_init(&text, SLUICE_TABLE_SCHEMA_FILE_MAX);

    SLUICE_FAIL_IF(!job->output.db && job->output.format == SLUICE_FORMAT_NDJSON, SLUICE_EJOB,
                   &err, "%s: the job writes %s, which has no schema; only "
                   "Parquet and CSV output keep one",
                   job->file, job->output.path);
    rc = sluice__job_schema_path(job, &path);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc,
                   &err, "%s", sluice__buf_failure(rc, "schema path too long"));
    rc = sluice__read_file(path.p, SLUICE_TABLE_SCHEMA_FILE_MAX, &file, &n,
                           &missing, &err);
    SLUICE_FAIL_IF(rc != SLUICE_OK && missing, SLUICE_EJOB, &err,
                   "job %s has no schema yet (%s): it is inferred from the "
                   "records of the first run",
                   job->name, path.p);
    SLUICE_TRY(rc);
    if (json) {
        SLUICE_TRY(sluice__buf_append(&text, file, n));
        if (!n || file[n - 1] != '\n')
            SLUICE_TRY(sluice__buf_addc(&text, '\n'));
    } else {
        rc = sluice__table_from_json(file, n, job->columns, job->n_columns, &t,
                                     &err);
        if (rc != SLUICE_OK) {
            sluice__err_prefix(&err, "%s", path.p);
            goto out;
        }
        SLUICE_TRY(sluice__table_build(t, job->output.flatten, &pq, &err));
        SLUICE_TRY(sluice__pq_schema_dump(pq, &text));
    }
    SLUICE_FAIL_IF(out(ud, text.p, text.n) != 0, SLUICE_EIO, &err,
                   "cannot write the output");
out:
    if (rc != SLUICE_OK)
        sluice__copy_err(job, err.msg[0] ? err.msg : sluice_strerror(rc),
                         errbuf, errlen);
    sluice__pq_schema_free(pq);
    sluice__table_free(t);
    sluice__free(file);
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&text);
    return rc;
}
