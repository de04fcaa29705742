/* cmd_plan.c: `sluice plan JOB [--limit N] [--resource NAME]`: every
 * partition the job would pull, one per line (index, start, end, request
 * URL with secrets as ***, output path, the partition's key), without a
 * request. A job with `resources:` lists each resource's in turn (their
 * keys start with resource=NAME); a fan-out child's partitions come from
 * its parent's files through the ledger, and a child whose parent is not
 * done yet is told on stderr instead. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* One resource's lines (`job` itself for a job without resources:). */
static int plan_one(struct cli_opts *o, struct sluice_job *job, size_t *left)
{
    const char *res = sluice_job_resource_name(job);
    bool ready = true;
    char err[1024] = "";
    if (sluice_job_resource_prepare(job, &ready, err, sizeof err) !=
        SLUICE_OK) {
        msg_error("resource %s: %s", res, err);
        return EXIT_USAGE;
    }
    if (!ready) {
        if (o->verbosity >= 0)
            fprintf(stderr, "sluice: %s: resource %s: planned once %s\n",
                    sluice_job_name(job), res, err);
        return 0;
    }
    size_t total = sluice_job_window_count(job);
    size_t n = o->limit ? (*left < total ? *left : total) : total;
    bool windows_only = true; /* every key is its window's start */
    for (size_t i = 0; i < n; i++) {
        struct sluice_window_info w;
        sluice_window_info_init(&w);
        if (sluice_job_window_info(job, i, &w, err, sizeof err) != SLUICE_OK) {
            msg_error("partition %zu: %s", i, err);
            return EXIT_USAGE;
        }
        windows_only = windows_only && strcmp(w.key, w.start) == 0;
        printf("%zu\t%s\t%s\t%s\t%s\t%s\n", w.index, w.start, w.end, w.url,
               w.output, w.key);
        sluice_window_info_cleanup(&w);
    }
    *left -= n;
    if (o->verbosity >= 0) {
        if (res)
            fprintf(stderr, "sluice: %s: resource %s: %zu partitions (of "
                            "%zu)\n",
                    sluice_job_name(job), res, n, total);
        else
            fprintf(stderr, "sluice: %s: %zu %s (of %zu)\n",
                    sluice_job_name(job), n,
                    windows_only ? "windows" : "partitions", total);
    }
    return 0;
}

int cmd_plan(struct cli_opts *o)
{
    struct sluice_job *job = NULL;
    int status = load_job(o, &job);
    if (status)
        return status;
    size_t left = o->limit;
    bool found = !o->resource;
    for (size_t r = 0; r < sluice_job_resource_count(job) && !status; r++) {
        struct sluice_job *res = sluice_job_resource(job, r);
        const char *name = sluice_job_resource_name(res);
        if (o->resource && (!name || strcmp(name, o->resource) != 0))
            continue;
        found = true;
        status = plan_one(o, res, &left);
    }
    if (!found) {
        msg_error("--resource %s: job %s has no such resource",
                  o->resource, sluice_job_name(job));
        status = EXIT_USAGE;
    }
    sluice_job_free(job);
    return status;
}
