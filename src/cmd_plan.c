/* cmd_plan.c: `sluice plan JOB [--limit N]`: every window the job would
 * pull, one per line (index, start, end, request URL with secrets as ***,
 * output path), without a request or a ledger. */
#include <stdio.h>

#include "cli.h"

int cmd_plan(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    size_t n = sluice_job_window_count(job);
    if (o->limit && o->limit < n)
        n = o->limit;
    for (size_t i = 0; i < n; i++) {
        struct sluice_window_info w;
        sluice_window_info_init(&w);
        char err[1024];
        if (sluice_job_window_info(job, i, &w, err, sizeof err) != SLUICE_OK) {
            msg_error("window %zu: %s", i, err);
            status = EXIT_USAGE;
            break;
        }
        printf("%zu\t%s\t%s\t%s\t%s\n", w.index, w.start, w.end, w.url,
               w.output);
        sluice_window_info_cleanup(&w);
    }
    if (status == 0 && o->verbosity >= 0)
        fprintf(stderr, "sluice: %s: %zu windows (of %zu)\n",
                sluice_job_name(job), n, sluice_job_window_count(job));
    sluice_job_free(job);
    return status;
}
