/* api.c: the job-level public calls (load, name, ledger kind, plan,
 * redact). What a window turns into (request, output path, labels) is
 * window_io.c's. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/window_io.h"
#include "util/sized.h"

void sluice__copy_err(const struct sluice_job *job, const char *msg,
                      char *errbuf, size_t errlen)
{
    if (!errbuf || errlen == 0)
        return;
    char *red = job ? sluice__redact_dup(job->secrets, msg) : NULL;
    snprintf(errbuf, errlen, "%s", red ? red : msg);
    sluice__free(red);
}

void sluice_job_opts_init_sized(struct sluice_job_opts *o, size_t size)
{
    struct sluice_job_opts d = {0};
    sluice__sized_init(o, size, &d, sizeof d);
}

int sluice_job_load(const struct sluice_job_opts *caller,
                    struct sluice_job **out, char *errbuf, size_t errlen)
{
    struct sluice_err err = {{0}};
    struct sluice_job_opts o;
    sluice_job_opts_init(&o);
    *out = NULL;
    int rc = sluice__sized_in(&o, sizeof o, caller, "struct sluice_job_opts",
                              "sluice_job_opts_init", &err);
    if (rc != SLUICE_OK) {
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
        return rc;
    }
    struct sluice_job_load_opts lo = {0};
    lo.path = o.path;
    lo.sets = o.sets;
    lo.n_sets = o.n_sets;
    lo.now = o.now ? o.now : (int64_t)time(NULL);
    lo.log = o.log;
    lo.log_ud = o.log_ud;
    rc = sluice__job_load(&lo, out, &err);
    if (rc != SLUICE_OK)
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
    return rc;
}

void sluice_job_free(struct sluice_job *job) { sluice__job_free(job); }

const char *sluice_job_name(const struct sluice_job *job) { return job->name; }

bool sluice_job_state_shared(const struct sluice_job *job)
{
    return job && job->state_shared;
}

char *sluice_job_redact(const struct sluice_job *job, const char *text)
{
    return sluice__redact_dup(job ? job->secrets : NULL, text);
}

void sluice_free(void *p) { sluice__free(p); }

size_t sluice_job_window_count(const struct sluice_job *job)
{
    return sluice__part_count(&job->parts);
}

void sluice_window_info_init_sized(struct sluice_window_info *info,
                                   size_t size)
{
    struct sluice_window_info d = {0};
    sluice__sized_init(info, size, &d, sizeof d);
}

int sluice_job_window_info(const struct sluice_job *job, size_t i,
                           struct sluice_window_info *caller, char *errbuf,
                           size_t errlen)
{
    struct sluice_err err = {{0}};
    int rc = sluice__sized_out_check(caller, "struct sluice_window_info",
                                     "sluice_window_info_init", &err);
    if (rc != SLUICE_OK) {
        sluice__copy_err(NULL, err.msg, errbuf, errlen);
        return rc;
    }
    /* Filled in full here, then handed over in the caller's size. */
    struct sluice_window_info full;
    struct sluice_window_info *info = &full;
    struct sluice_buf start, end, url, path, key;
    sluice__buf_init(&key, 1 << 16);
    sluice__buf_init(&start, 256);
    sluice__buf_init(&end, 256);
    sluice__buf_init(&url, 1 << 16);
    sluice__buf_init(&path, 1 << 12);
    sluice_window_info_init(info);
    SLUICE_FAIL_IF(i >= sluice_job_window_count(job), SLUICE_EINVAL, &err,
                   "no window %zu", i);
    struct sluice_window w;
    sluice__part_at(&job->parts, i, &w);
    SLUICE_TRY(sluice__window_key(job, &w, &key, &err));
    SLUICE_TRY(sluice__window_label(job, &w, &start, &end, &err));
    SLUICE_TRY(sluice__window_first_request(job, &w, &url, &err));
    SLUICE_TRY(sluice__window_destination(job, &w, &path, &err));
    info->index = i;
    info->start = sluice__buf_take(&start, NULL);
    info->end = sluice__buf_take(&end, NULL);
    info->url = sluice__redact_dup(job->secrets, sluice__buf_str(&url));
    info->output = sluice__redact_dup(job->secrets, sluice__buf_str(&path));
    info->key = sluice__redact_dup(job->secrets, sluice__buf_str(&key));
    if (!info->start || !info->end || !info->url || !info->output ||
        !info->key) {
        sluice_window_info_cleanup(info);
        SLUICE_FAIL_IF(true, SLUICE_ENOMEM, &err, "out of memory");
    }
out:
    if (rc != SLUICE_OK)
        sluice__copy_err(job, err.msg, errbuf, errlen);
    /* The strings the caller's struct has no room for are not handed
     * over: freed here. */
    size_t room = caller->size;
    char **strs[] = {&info->start, &info->end, &info->url, &info->output,
                     &info->key};
    size_t offs[] = {offsetof(struct sluice_window_info, start),
                     offsetof(struct sluice_window_info, end),
                     offsetof(struct sluice_window_info, url),
                     offsetof(struct sluice_window_info, output),
                     offsetof(struct sluice_window_info, key)};
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(strs); k++)
        if (offs[k] + sizeof(char *) > room) {
            sluice__free(*strs[k]);
            *strs[k] = NULL;
        }
    sluice__sized_out(caller, info, sizeof full);
    sluice__buf_cleanup(&start);
    sluice__buf_cleanup(&end);
    sluice__buf_cleanup(&url);
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&key);
    return rc;
}

void sluice_window_info_cleanup(struct sluice_window_info *info)
{
    sluice__free(info->start);
    sluice__free(info->end);
    sluice__free(info->url);
    sluice__free(info->output);
    if (info->size >= offsetof(struct sluice_window_info, key) + sizeof(char *))
        sluice__free(info->key);
    size_t size = info->size;
    memset(info, 0, size < sizeof *info ? size : sizeof *info);
    info->size = size;
}
