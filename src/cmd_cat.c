/* cmd_cat.c: `sluice cat FILE.parquet [--schema]`: prints a Parquet file's
 * rows as NDJSON with sluice's own reader (the tests' canonical dump), or
 * its schema. */
#include <stdio.h>

#include "cli.h"

int cmd_cat(struct cli_opts *o)
{
    char err[2048] = "";
    int rc = sluice_parquet_cat(o->job_path, o->schema, msg_write_stdout, NULL, err,
                                sizeof err);
    if (rc == SLUICE_OK && fflush(stdout) != 0)
        rc = SLUICE_EIO;
    if (rc != SLUICE_OK) {
        msg_error("%s", rc == SLUICE_EIO && !err[0] ? "cannot write" : err);
        return EXIT_SOME_FAILED;
    }
    return EXIT_ALL_DONE;
}
