/* run_s3.c: the S3 destination's part in a run (docs/s3.md).
 *
 *   window's file built in the staging folder (the sink's commit: temp
 *   file, fsync, rename) -> uploaded by the committer thread
 *   (http/s3_client.h: one PUT, or a multipart upload) -> the staged file
 *   removed -> the loop marks the ledger with the object's s3:// URL
 *
 * The upload sits between the publish and the mark, on the committer's
 * thread and the client's own multi handle: the loop's rate governor is
 * the API's, not the store's, and the loop goes on pulling while files
 * go up. A window whose upload failed is failed (its staged file removed,
 * pulled again by the next run), never done. A store that refuses the
 * job itself (credentials, bucket, region) stops the run: every window
 * after would fail the same way. */
#include <string.h>
#include <unistd.h>

#include "pipeline/run.h"
#include "util/buf.h"

/* The key of a staged file: its path below the staging folder. */
static const char *key_of(const struct sluice_s3_dest *d, const char *path)
{
    size_t n = strlen(d->staging);
    if (strncmp(path, d->staging, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path; /* not below it: cannot happen (the loader built it so) */
}

int sluice__run_s3_open(struct run *r, const struct sluice_http_policy *pol,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_s3_dest *d = r->job->output.s3;
    if (!d)
        return SLUICE_OK;
    /* The job's connect timeout, low-speed abort and TLS rules, but not
     * http.timeout: that caps an API answer, and a 64 MiB PUT or a 16 MiB
     * part on a slow uplink may rightly take longer; a stalled upload is
     * still cut by the low-speed abort. */
    r->s3_policy = *pol;
    r->s3_policy.timeout_ms = 0;
    struct sluice_s3_client_opts o = {
        .dest = d,
        .policy = &r->s3_policy,
        .retry = &r->job->retry,
        .job_name = r->job->name,
        .parallel = r->n_slots < 4    ? 4
                    : r->n_slots > 16 ? 16
                                      : (unsigned)r->n_slots,
    };
    SLUICE_TRY(sluice__s3_client_new(&o, &r->s3, err));
    /* The key template's fixed folder: where this job's uploads are. */
    struct sluice_buf prefix;
    sluice__buf_init(&prefix, 1 << 16);
    const char *k = d->key_template, *brace = strchr(k, '{');
    size_t n = brace ? (size_t)(brace - k) : strlen(k);
    while (n > 0 && k[n - 1] != '/')
        n--;
    rc = sluice__buf_append(&prefix, k, n);
    size_t aborted = 0;
    if (rc == SLUICE_OK)
        rc = sluice__s3_preflight(r->s3, prefix.p ? prefix.p : "", &aborted,
                                  err);
    sluice__buf_cleanup(&prefix);
    SLUICE_TRY(rc);
    if (aborted)
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "aborted %zu multipart uploads an earlier run of this job "
                   "left open",
                   aborted);
    r->committer.s3 = r->s3;
    r->committer.s3_dest = d;
out:
    return rc;
}

void sluice__run_s3_close(struct run *r)
{
    sluice__s3_client_free(r->s3);
    r->s3 = NULL;
}

void sluice__committer_upload(struct committer *c, struct commit_item *batch)
{
    size_t n = 0, i = 0;
    for (struct commit_item *it = batch; it; it = it->next)
        n += it->rc == SLUICE_OK && it->sink->published && it->out.path;
    if (n == 0)
        return;
    struct sluice_s3_upload *ups = sluice__calloc(n, sizeof *ups);
    if (!ups) {
        for (struct commit_item *it = batch; it; it = it->next)
            if (it->rc == SLUICE_OK && it->sink->published && it->out.path) {
                it->rc = SLUICE_ENOMEM;
                sluice__err_set(&it->sink->err, "out of memory");
            }
        return;
    }
    for (struct commit_item *it = batch; it; it = it->next)
        if (it->rc == SLUICE_OK && it->sink->published && it->out.path) {
            ups[i].path = it->out.path;
            ups[i].key = key_of(c->s3_dest, it->out.path);
            i++;
        }
    sluice__s3_upload_all(c->s3, ups, n);
    i = 0;
    struct sluice_buf url;
    sluice__buf_init(&url, 1 << 16);
    for (struct commit_item *it = batch; it; it = it->next) {
        if (!(it->rc == SLUICE_OK && it->sink->published && it->out.path))
            continue;
        struct sluice_s3_upload *u = &ups[i++];
        sluice__buf_reset(&url);
        int rc = sluice__s3_display(c->s3_dest, u->key, &url);
        /* The staged copy has done its job either way: a failed window
         * is built again by the next run. */
        unlink(it->out.path);
        if (u->rc == SLUICE_OK && rc == SLUICE_OK) {
            char *shown = sluice__buf_take(&url, NULL);
            if (shown) {
                sluice__free(it->out.path);
                it->out.path = shown;
            }
            continue;
        }
        it->rc = u->rc != SLUICE_OK ? u->rc : rc;
        sluice__err_set(&it->sink->err, "upload to %s failed: %s",
                        rc == SLUICE_OK ? url.p : u->key, u->msg);
        if (u->refused_job) {
            pthread_mutex_lock(&c->mu);
            if (!c->s3_refused) {
                c->s3_refused = true;
                sluice__err_set(&c->s3_refused_err, "%s", it->sink->err.msg);
            }
            pthread_mutex_unlock(&c->mu);
        }
    }
    sluice__buf_cleanup(&url);
    sluice__free(ups);
}

bool sluice__committer_refused(struct committer *c, struct sluice_err *err)
{
    if (!c->initialised || !c->s3)
        return false;
    pthread_mutex_lock(&c->mu);
    bool refused = c->s3_refused;
    if (refused)
        *err = c->s3_refused_err;
    pthread_mutex_unlock(&c->mu);
    return refused;
}

int sluice__run_s3_put_file(struct run *r, const char *path, char **shown,
                            struct sluice_err *err)
{
    const struct sluice_s3_dest *d = r->job->output.s3;
    struct sluice_s3_upload u = {.path = path, .key = key_of(d, path)};
    struct sluice_buf url;
    int rc = SLUICE_OK;
    sluice__buf_init(&url, 1 << 16);
    *shown = NULL;
    SLUICE_TRY(sluice__s3_display(d, u.key, &url));
    sluice__s3_upload_all(r->s3, &u, 1);
    unlink(path);
    SLUICE_FAIL_IF(u.rc != SLUICE_OK, u.rc, err, "upload to %s failed: %s",
                   url.p, u.msg);
    *shown = sluice__buf_take(&url, NULL);
    SLUICE_FAIL_IF(!*shown, SLUICE_ENOMEM, err, "out of memory");
out:
    sluice__buf_cleanup(&url);
    return rc;
}
