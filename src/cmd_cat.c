/* cmd_cat.c: `sluice cat FILE.parquet`: prints a Parquet file's rows as
 * NDJSON with sluice's own reader (the tests' canonical dump). */
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
    int rc = sluice_parquet_cat(o->job_path, false, to_stdout, NULL, err,
                                sizeof err);
    if (rc == SLUICE_OK && fflush(stdout) != 0)
        rc = SLUICE_EIO;
    if (rc != SLUICE_OK) {
        msg_error("%s", rc == SLUICE_EIO && !err[0] ? "cannot write" : err);
        return EXIT_SOME_FAILED;
    }
    return EXIT_ALL_DONE;
}
