/* cmd_cat.c: `sluice cat FILE.parquet [--schema]`: prints a Parquet file's
 * rows as NDJSON with sluice's own reader (the tests' canonical dump), or
 * its schema; and `sluice schema JOB [--json]`: the job's schema. */
#include <stdio.h>

#include "cli.h"

static int to_stdout(void *ud, const void *p, size_t n)
{
    (void)ud;
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

int cmd_cat(struct cli_opts *o)
{
    char err[2048] = "";
    int rc = sluice_parquet_cat(o->job_path, o->schema, to_stdout, NULL, err,
                                sizeof err);
    if (rc == SLUICE_OK && fflush(stdout) != 0)
        rc = SLUICE_EIO;
    if (rc != SLUICE_OK) {
        msg_error("%s", rc == SLUICE_EIO && !err[0] ? "cannot write" : err);
        return EXIT_SOME_FAILED;
    }
    return EXIT_ALL_DONE;
}

int cmd_schema(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    char err[2048] = "";
    int rc = sluice_job_schema(job, o->json, to_stdout, NULL, err, sizeof err);
    if (rc == SLUICE_OK && fflush(stdout) != 0)
        rc = SLUICE_EIO;
    sluice_job_free(job);
    if (rc != SLUICE_OK) {
        msg_error("%s", err[0] ? err : "cannot write");
        return rc == SLUICE_EJOB ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_ALL_DONE;
}
