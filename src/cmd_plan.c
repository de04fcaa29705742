/* cmd_plan.c: `sluice plan JOB [--limit N]`: every partition the job would
 * pull, one per line (index, start, end, request URL with secrets as ***,
 * output path, the partition's key), without a request or a ledger. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_plan(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    size_t n = sluice_job_window_count(job);
    bool windows_only = true; /* every key is its window's start */
    if (o->limit && o->limit < n)
        n = o->limit;
    for (size_t i = 0; i < n; i++) {
        struct sluice_window_info w;
        sluice_window_info_init(&w);
        char err[1024];
        if (sluice_job_window_info(job, i, &w, err, sizeof err) != SLUICE_OK) {
            msg_error("partition %zu: %s", i, err);
            status = EXIT_USAGE;
            break;
        }
        windows_only = windows_only && strcmp(w.key, w.start) == 0;
        printf("%zu\t%s\t%s\t%s\t%s\t%s\n", w.index, w.start, w.end, w.url,
               w.output, w.key);
        sluice_window_info_cleanup(&w);
    }
    if (status == 0 && o->verbosity >= 0)
        fprintf(stderr, "sluice: %s: %zu %s (of %zu)\n", sluice_job_name(job),
                n, windows_only ? "windows" : "partitions",
                sluice_job_window_count(job));
    sluice_job_free(job);
    return status;
}
