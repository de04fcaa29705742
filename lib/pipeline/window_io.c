/* window_io.c: what a window turns into (window_io.h): its request URL and
 * headers, its output path and its labels, for the plan, status and the
 * run loop alike. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/request.h"
#include "json/json_reader.h"
#include "pipeline/run.h"
#include "pipeline/window_io.h"
#include "plan/outpath.h"
#include "plan/template.h"

/* The placeholders of the job's templates, values escaped for a field. */
static struct sluice_tpl_ctx ctx_for(const struct sluice_job *job,
                                     enum sluice_tpl_escape e)
{
    struct sluice_tpl_ctx c = {&job->parts, !job->has_windows, e, false, NULL};
    return c;
}

static int no_events(void *ud, enum sluice_json_event ev, const char *p,
                     size_t n)
{
    (void)ud;
    (void)ev;
    (void)p;
    (void)n;
    return 0;
}

int sluice__window_body(const struct sluice_job *job,
                        const struct sluice_window *w, struct sluice_buf *out,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_tpl_ctx c = ctx_for(job, SLUICE_TPL_JSON);
    struct sluice_json_reader *jr = NULL;
    /* {cursor}: what this run sends (run_incr.c; initial is required
     * with it, so there is always one) */
    if (job->incremental.on)
        c.cursor = job->incremental.send ? job->incremental.send : "";
    size_t at = out->n;
    SLUICE_TRY(sluice__template_expand_json(job->source.body
                                                ? job->source.body
                                                : "",
                                            w, job->windows.step.unit, &c,
                                            out, err));
    if (!job->source.body)
        goto out;
    /* A value written outside a JSON string as it is can break the JSON
     * for one partition: that partition fails, saying so. */
    jr = sluice__json_reader_new(NULL, no_events, NULL);
    SLUICE_FAIL_IF(!jr, SLUICE_ENOMEM, err, "out of memory");
    rc = sluice__json_reader_feed(jr, out->p + at, out->n - at);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(jr);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc == SLUICE_ENOMEM ? rc : SLUICE_EJOB,
                   err, "source.body is not JSON for this partition: %s",
                   sluice__json_reader_error(jr));
out:
    sluice__json_reader_free(jr);
    return rc;
}

int sluice__window_key(const struct sluice_job *job,
                       const struct sluice_window *w, struct sluice_buf *out,
                       struct sluice_err *err)
{
    int rc = sluice__part_key(&job->parts, w, out);
    if (rc != SLUICE_OK)
        sluice__err_set(err, "partition key: %s",
                        sluice__buf_failure(rc, "too long"));
    return rc;
}

int sluice__window_url(const struct sluice_job *job,
                       const struct sluice_window *w, struct sluice_buf *out,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf value;
    sluice__buf_init(&value, 1 << 16);
    enum sluice_step_unit unit = job->windows.step.unit;
    struct sluice_tpl_ctx path = ctx_for(job, SLUICE_TPL_URL_PATH),
                          raw = ctx_for(job, SLUICE_TPL_RAW);
    SLUICE_TRY(
        sluice__template_expand_ctx(job->source.url, w, unit, &path, out, err));
    for (size_t i = 0; i < job->source.n_params; i++) {
        const struct sluice_kv *kv = &job->source.params[i];
        sluice__buf_reset(&value);
        SLUICE_TRY(
            sluice__template_expand_ctx(kv->value, w, unit, &raw, &value, err));
        rc = sluice__url_add_param(out, kv->name, sluice__buf_str(&value));
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "request URL too long"));
    }
    /* incremental: the cursor this run starts from (run_incr.c) */
    if (job->incremental.on && job->incremental.send &&
        job->incremental.param) {
        rc = sluice__url_add_param(out, job->incremental.param,
                                   job->incremental.send);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "request URL too long"));
    }
    /* source.auth api_key in the query: last, after the job's params. A
     * redirect to another origin drops it (its value is a secret). */
    if (job->source.auth.query_name) {
        rc = sluice__url_add_param(out, job->source.auth.query_name,
                                   job->source.auth.query_value);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "request URL too long"));
    }
out:
    sluice__buf_cleanup(&value);
    return rc;
}

int sluice__window_first_request(const struct sluice_job *job,
                                 const struct sluice_window *w,
                                 struct sluice_buf *out,
                                 struct sluice_err *err)
{
    const struct sluice_pagination *pg = &job->source.pagination;
    if (pg->type == SLUICE_PAGES_NONE)
        return sluice__window_url(job, w, out, err);
    struct sluice_buf base;
    sluice__buf_init(&base, 1 << 16);
    int rc = sluice__window_url(job, w, &base, err);
    if (rc == SLUICE_OK) {
        rc = sluice__pagination_first_url(pg, base.p, out);
        if (rc != SLUICE_OK)
            sluice__err_set(err, "%s",
                            sluice__buf_failure(rc, "request URL too long"));
    }
    sluice__buf_cleanup(&base);
    return rc;
}

int sluice__window_headers(const struct sluice_job *job,
                           const struct sluice_window *w, bool with_secrets,
                           struct curl_slist **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf line;
    sluice__buf_init(&line, 1 << 16);
    bool has_accept = false, has_content_type = false;
    struct sluice_tpl_ctx raw = ctx_for(job, SLUICE_TPL_RAW);
    for (size_t i = 0; i < job->source.n_headers; i++) {
        const struct sluice_kv *kv = &job->source.headers[i];
        sluice__buf_reset(&line);
        has_accept |= strcasecmp(kv->name, "accept") == 0;
        has_content_type |= strcasecmp(kv->name, "content-type") == 0;
        if (!with_secrets &&
            (kv->secret || sluice__secret_name(kv->name) ||
             sluice__redact_needed(job->secrets, kv->value, strlen(kv->value))))
            continue;
        rc = sluice__buf_appendf(&line, "%s: ", kv->name);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "header too long"));
        SLUICE_TRY(sluice__template_expand_ctx(
            kv->value, w, job->windows.step.unit, &raw, &line, err));
        struct curl_slist *n = curl_slist_append(*out, line.p);
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
        *out = n;
    }
    /* A body is JSON, unless the job says otherwise. */
    if (job->source.post && !has_content_type) {
        struct curl_slist *n =
            curl_slist_append(*out, "Content-Type: application/json");
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
        *out = n;
    }
    /* source.auth's header (bearer, basic, api_key): a secret, so never
     * sent to another origin. */
    if (with_secrets && job->source.auth.header) {
        struct curl_slist *n = curl_slist_append(*out, job->source.auth.header);
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
        *out = n;
    }
    if (!has_accept) {
        /* APIs answer errors in HTML when the client seems to prefer it. */
        struct curl_slist *n = curl_slist_append(*out, "Accept: application/json");
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, err, "out of memory");
        *out = n;
    }
out:
    sluice__buf_cleanup(&line);
    return rc;
}

int sluice__window_output(const struct sluice_job *job,
                          const struct sluice_window *w,
                          struct sluice_buf *out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    size_t at = out->n;
    /* A database's "output" is the partition its rows carry in
     * _sluice_partition, which a later commit of the partition replaces. */
    if (job->output.db)
        return sluice__window_key(job, w, out, err);
    struct sluice_tpl_ctx path = ctx_for(job, SLUICE_TPL_PATH);
    SLUICE_TRY(sluice__template_expand_ctx(
        job->output.path, w, job->windows.step.unit, &path, out, err));
    /* The loader checked the first and last windows; a format may still
     * render a path elsewhere for this one (a locale's text). */
    SLUICE_FAIL_IF(!job->output.allow_outside && job->output.folder &&
                       !sluice__outpath_inside(job->output.folder,
                                               out->p + at),
                   SLUICE_EJOB, err,
                   "output path '%s' is outside '%s' (the folder before "
                   "output.path's first placeholder); set "
                   "output.allow_outside: true if that is meant",
                   out->p + at, job->output.folder);
out:
    return rc;
}

int sluice__window_destination(const struct sluice_job *job,
                               const struct sluice_window *w,
                               struct sluice_buf *out, struct sluice_err *err)
{
    const struct sluice_s3_dest *d = job->output.s3;
    if (!d)
        return sluice__window_output(job, w, out, err);
    struct sluice_buf path;
    sluice__buf_init(&path, 1 << 16);
    int rc = sluice__window_output(job, w, &path, err);
    size_t n = strlen(d->staging);
    if (rc == SLUICE_OK) {
        /* The loader made the path the staging folder, '/', the key. */
        const char *key = strncmp(path.p, d->staging, n) == 0 && path.p[n] == '/'
                              ? path.p + n + 1
                              : path.p;
        rc = sluice__s3_display(d, key, out);
        if (rc != SLUICE_OK)
            sluice__err_set(err, "output path too long");
    }
    sluice__buf_cleanup(&path);
    return rc;
}

int sluice__job_schema_path(const struct sluice_job *job,
                            struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct sluice_buf state;
    sluice__buf_init(&state, 1 << 16);
    if (job->output.db == SLUICE_DB_SQLITE) {
        rc = sluice__parquet_schema_path(job->output.db_target, job->name, out);
    } else if (job->output.db == SLUICE_DB_POSTGRES) {
        SLUICE_TRY(sluice__job_state_local(job, &state));
        rc = sluice__parquet_schema_path(state.n ? state.p : "", job->name,
                                         out);
    } else {
        rc = sluice__parquet_schema_path(job->output.path, job->name, out);
    }
out:
    sluice__buf_cleanup(&state);
    return rc;
}

int sluice__window_label(const struct sluice_job *job,
                         const struct sluice_window *w,
                         struct sluice_buf *start, struct sluice_buf *end,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    enum sluice_step_unit unit = job->windows.step.unit;
    /* A job without windows has no dates: its labels are empty. */
    if (!job->has_windows) {
        SLUICE_TRY(sluice__buf_append(start, "", 0));
        SLUICE_TRY(sluice__buf_append(end, "", 0));
        goto out;
    }
    SLUICE_TRY(sluice__template_expand("{start}", w, unit, start, err));
    SLUICE_TRY(sluice__template_expand("{end}", w, unit, end, err));
out:
    return rc;
}
