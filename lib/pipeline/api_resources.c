/* api_resources.c: the public calls about a job's resources (sluice.h,
 * "resources"): how many, each as a job, its name, and a fan-out's
 * partitions read from its parent's files (fanout.c) for `plan` and
 * `status`, which see a child's partitions only that way. */
#include <string.h>

#include "pipeline/run.h"
#include "pipeline/window_io.h"

size_t sluice_job_resource_count(const struct sluice_job *job)
{
    size_t n = 0;
    for (const struct sluice_job *j = job; j; j = j->next)
        n++;
    return n;
}

struct sluice_job *sluice_job_resource(struct sluice_job *job, size_t i)
{
    struct sluice_job *j = job;
    while (j && i--)
        j = j->next;
    return j;
}

const char *sluice_job_resource_name(const struct sluice_job *job)
{
    return job->resource;
}

int sluice_job_resource_prepare(struct sluice_job *resource, bool *ready,
                                char *errbuf, size_t errlen)
{
    struct sluice_err err = {{0}};
    struct sluice_buf path;
    struct sluice_logger log;
    int rc = SLUICE_OK;
    *ready = true;
    bool fanout = false;
    for (size_t d = 0; d < resource->parts.n_dims; d++)
        fanout |= resource->parts.dims[d].from_resource != NULL;
    if (!fanout)
        return SLUICE_OK;
    sluice__buf_init(&path, 4096);
    sluice__log_init(&log, NULL, NULL, SLUICE_LOG_ERROR, resource->secrets);
    rc = sluice__job_state_path(resource, &path);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc,
                   &err, "%s", sluice__buf_failure(rc, "state path too long"));
    SLUICE_TRY(sluice__fanout_fill(resource, path.p, &log, ready, &err));
    if (!*ready)
        sluice__copy_err(resource, err.msg, errbuf, errlen);
out:
    sluice__buf_cleanup(&path);
    if (rc != SLUICE_OK) {
        *ready = false;
        sluice__copy_err(resource, err.msg, errbuf, errlen);
    }
    return rc;
}
