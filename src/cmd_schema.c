/* cmd_schema.c: `sluice schema JOB [--json]`: the job's table schema as it
 * stands (the one every Parquet file of the job is written with), in
 * Parquet's text form or as the JSON sluice keeps it in. */
#include <stdio.h>

#include "cli.h"

int cmd_schema(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    char err[2048] = "";
    int rc = sluice_job_schema(job, o->json, msg_write_stdout, NULL, err, sizeof err);
    if (rc == SLUICE_OK && fflush(stdout) != 0)
        rc = SLUICE_EIO;
    sluice_job_free(job);
    if (rc != SLUICE_OK) {
        msg_error("%s", err[0] ? err : "cannot write");
        return rc == SLUICE_EJOB ? EXIT_USAGE : EXIT_SOME_FAILED;
    }
    return EXIT_ALL_DONE;
}
