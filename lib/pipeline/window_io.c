/* window_io.c: what a window turns into (window_io.h): its request URL and
 * headers, its output path and its labels, for the plan, status and the
 * run loop alike. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/request.h"
#include "pipeline/run.h"
#include "pipeline/window_io.h"
#include "plan/outpath.h"
#include "plan/template.h"

int sluice__window_url(const struct sluice_job *job,
                       const struct sluice_window *w, struct sluice_buf *out,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf value;
    sluice__buf_init(&value, 1 << 16);
    enum sluice_step_unit unit = job->windows.step.unit;
    SLUICE_TRY(sluice__template_expand(job->source.url, w, unit, out, err));
    for (size_t i = 0; i < job->source.n_params; i++) {
        const struct sluice_kv *kv = &job->source.params[i];
        sluice__buf_reset(&value);
        SLUICE_TRY(sluice__template_expand(kv->value, w, unit, &value, err));
        rc = sluice__url_add_param(out, kv->name, sluice__buf_str(&value));
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "request URL too long"));
    }
out:
    sluice__buf_cleanup(&value);
    return rc;
}

int sluice__window_headers(const struct sluice_job *job,
                           const struct sluice_window *w, bool with_secrets,
                           struct curl_slist **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf line;
    sluice__buf_init(&line, 1 << 16);
    bool has_accept = false;
    for (size_t i = 0; i < job->source.n_headers; i++) {
        const struct sluice_kv *kv = &job->source.headers[i];
        sluice__buf_reset(&line);
        has_accept |= strcasecmp(kv->name, "accept") == 0;
        if (!with_secrets &&
            (kv->secret || sluice__secret_name(kv->name) ||
             sluice__redact_needed(job->secrets, kv->value, strlen(kv->value))))
            continue;
        rc = sluice__buf_appendf(&line, "%s: ", kv->name);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                       sluice__buf_failure(rc, "header too long"));
        SLUICE_TRY(sluice__template_expand(kv->value, w,
                                           job->windows.step.unit, &line, err));
        struct curl_slist *n = curl_slist_append(*out, line.p);
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
    /* A database's partition is what its rows are replaced by. */
    if (job->output.db)
        return sluice__window_partition(job, w, out, err);
    SLUICE_TRY(sluice__template_expand(job->output.path, w,
                                       job->windows.step.unit, out, err));
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

int sluice__window_partition(const struct sluice_job *job,
                             const struct sluice_window *w,
                             struct sluice_buf *out, struct sluice_err *err)
{
    return sluice__template_expand("{start}", w, job->windows.step.unit, out,
                                   err);
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
        SLUICE_TRY(sluice__job_state_path(job, &state));
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
    SLUICE_TRY(sluice__template_expand("{start}", w, unit, start, err));
    SLUICE_TRY(sluice__template_expand("{end}", w, unit, end, err));
out:
    return rc;
}
