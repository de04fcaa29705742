/* job_load_incremental.c: `incremental:`, a cursor taken from the records
 * (docs/job-file.md#incremental-by-a-value-from-the-records):
 *
 *   incremental: {cursor: "$.updated_at", param: since,
 *                 initial: "2024-01-01T00:00:00Z", lag: 10m, type: timestamp}
 *
 * The path is compiled and `initial` read as the type here, so a bad one
 * fails at load with its position. `output.path` must then name each run's
 * files with {run} or {cursor_from} (a run writes only what changed, so it
 * must not replace the files of the runs before): the loader keeps the
 * path as written and gives the rest of the job (checks, plan) the path
 * with those two as literal text; each run fills them in
 * (sluice__incremental_path). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/loader.h"
#include "plan/outpath.h"

#define INC "incremental"

static int load_lag(struct loader *L, const struct sluice_ynode *inc)
{
    struct sluice_incremental *c = &L->job->incremental;
    const struct sluice_ynode *node = sluice__ynode_get(inc, "lag");
    int rc = SLUICE_OK;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (c->type == SLUICE_CURSOR_STRING)
        return sluice__cfg_fail(L, &node->mark, INC ".lag",
                                "a string cursor has no lag (use type "
                                "timestamp or integer)");
    if (c->type == SLUICE_CURSOR_TIMESTAMP) {
        int64_t ms = 0;
        SLUICE_TRY(sluice__cfg_opt_duration(L, inc, "lag", INC, 0, &ms));
        c->lag = ms / 1000;
        if (ms % 1000)
            rc = sluice__cfg_fail(L, &node->mark, INC ".lag",
                                  "whole seconds only");
        goto out;
    }
    char *s = NULL;
    SLUICE_TRY(sluice__cfg_opt_str(L, inc, "lag", INC, &s, NULL));
    struct sluice_cursor_value v;
    struct sluice_err sub;
    if (sluice__cursor_value_parse(SLUICE_CURSOR_INTEGER, s, strlen(s), &v,
                                   &sub) != SLUICE_OK ||
        v.secs < 0)
        rc = sluice__cfg_fail(L, &node->mark, INC ".lag",
                              "expected a whole number of at least 0 for an "
                              "integer cursor, got '%s'",
                              s);
    else
        c->lag = v.secs;
    sluice__free(s);
out:
    return rc;
}

int sluice__cfg_load_incremental(struct loader *L)
{
    static const char *const keys[] = {"cursor", "param", "initial", "lag",
                                       "type"};
    static const char *const types[] = {"timestamp", "integer", "string"};
    struct sluice_incremental *c = &L->job->incremental;
    const struct sluice_ynode *inc = NULL, *cur_n = NULL, *init_n = NULL;
    struct sluice_err sub;
    int rc = SLUICE_OK, type = SLUICE_CURSOR_TIMESTAMP;
    SLUICE_TRY(sluice__cfg_section(L, L->root, INC, keys,
                                   SLUICE_ARRAY_LEN(keys), &inc));
    if (!inc)
        goto out;
    c->on = true;
    SLUICE_TRY(sluice__cfg_req_str(L, inc, "cursor", INC, &c->cursor, &cur_n));
    rc = sluice__cursor_path_compile(c->cursor, &c->path, &sub);
    if (rc == SLUICE_EPATH)
        rc = sluice__cfg_fail(L, &cur_n->mark, INC ".cursor", "'%s': %s",
                              c->cursor, sub.msg);
    SLUICE_TRY(rc);
    /* The cursor goes in a query parameter, or in the body ({cursor} in
     * source.body), or both. */
    struct sluice_tpl_ctx body_ctx = sluice__cfg_body_ctx(L);
    bool in_body = L->job->source.body &&
                   sluice__template_uses(L->job->source.body, &body_ctx,
                                         "cursor");
    SLUICE_TRY(sluice__cfg_opt_str(L, inc, "param", INC, &c->param, NULL));
    if (!c->param && !in_body)
        return sluice__cfg_fail(L, &inc->mark, INC ".param",
                                "required field is missing (the query "
                                "parameter that sends the cursor), unless "
                                "source.body sends it as {cursor}");
    SLUICE_TRY(sluice__cfg_opt_enum(L, inc, "type", INC, types, 3,
                                    "timestamp, integer or string", &type));
    c->type = (enum sluice_cursor_type)type;
    SLUICE_TRY(sluice__cfg_opt_str(L, inc, "initial", INC, &c->initial,
                                   &init_n));
    if (c->initial) {
        struct sluice_cursor_value v;
        if (sluice__cursor_value_parse(c->type, c->initial,
                                       strlen(c->initial), &v,
                                       &sub) != SLUICE_OK) {
            rc = sluice__cfg_fail(L, &init_n->mark, INC ".initial", "%s (type %s)",
                                  sub.msg, types[type]);
            goto out;
        }
    }
    if (in_body && !c->initial)
        return sluice__cfg_fail(L, &inc->mark, INC ".initial",
                                "required with {cursor} in source.body: the "
                                "first run's body needs a value to send");
    SLUICE_TRY(load_lag(L, inc));
    /* The first run's: what `plan` shows. */
    c->send = c->initial ? sluice__strdup(c->initial) : NULL;
    c->run_label = sluice__strdup("{run}");
    c->cursor_from_label = sluice__strdup(c->initial ? c->initial : "start");
    SLUICE_FAIL_IF((c->initial && !c->send) || !c->run_label ||
                       !c->cursor_from_label,
                   SLUICE_ENOMEM, L->err, "out of memory");
out:
    return rc;
}

/* Replaces each {name} of `tpl` by `value` with its braces doubled (so the
 * window templates read it as text), into b. */
static int fill(struct sluice_buf *b, const char *tpl, const char *run,
                const char *from)
{
    int rc = SLUICE_OK;
    for (const char *p = tpl; *p;) {
        const char *v = NULL;
        size_t skip = 0;
        if (p[0] == '{' && p[1] == '{') {
            SLUICE_TRY(sluice__buf_append(b, p, 2));
            p += 2;
            continue;
        }
        if (!strncmp(p, "{run}", 5)) {
            v = run;
            skip = 5;
        } else if (!strncmp(p, "{cursor_from}", 13)) {
            v = from;
            skip = 13;
        }
        if (!v) {
            SLUICE_TRY(sluice__buf_addc(b, *p));
            p++;
            continue;
        }
        for (const char *q = v; *q; q++) {
            if (*q == '{' || *q == '}')
                SLUICE_TRY(sluice__buf_addc(b, *q));
            /* a '/' would make a cursor value a folder */
            SLUICE_TRY(sluice__buf_addc(b, *q == '/' ? '_' : *q));
        }
        p += skip;
    }
out:
    return rc;
}

int sluice__cfg_incremental_path(struct loader *L,
                                 const struct sluice_ynode *path_n)
{
    struct sluice_job *job = L->job;
    struct sluice_buf b;
    int rc = SLUICE_OK;
    if (!job->incremental.on) {
        if (strstr(job->output.path, "{run}") ||
            strstr(job->output.path, "{cursor_from}"))
            return sluice__cfg_fail(L, &path_n->mark, "output.path",
                                    "{run} and {cursor_from} name the files "
                                    "of an incremental job: set "
                                    "incremental:");
        return SLUICE_OK;
    }
    if (!strstr(job->output.path, "{run}") &&
        !strstr(job->output.path, "{cursor_from}"))
        return sluice__cfg_fail(L, &path_n->mark, "output.path",
                                "'%s': an incremental job writes each run's "
                                "records to new files: put {run} or "
                                "{cursor_from} in the path",
                                job->output.path);
    sluice__buf_init(&b, 1 << 16);
    SLUICE_TRY(fill(&b, job->output.path, "{run}", "{cursor_from}"));
    job->output.path_as_written = job->output.path;
    job->output.path = sluice__buf_take(&b, NULL);
    SLUICE_FAIL_IF(!job->output.path, SLUICE_ENOMEM, L->err, "out of memory");
out:
    if (rc == SLUICE_ETOOBIG)
        rc = sluice__cfg_fail(L, &path_n->mark, "output.path", "too long");
    sluice__buf_cleanup(&b);
    return rc;
}

int sluice__cfg_incremental_folder(struct loader *L)
{
    struct sluice_job *job = L->job;
    struct sluice_buf tpl, folder;
    struct sluice_err sub;
    int rc = SLUICE_OK;
    if (!job->incremental.on || !job->output.path_as_written)
        return SLUICE_OK;
    /* {run} and {cursor_from} vary like placeholders: the folder ends
     * before them (a run's files in out/{cursor_from}/ are inside out/). */
    sluice__buf_init(&tpl, 1 << 17);
    sluice__buf_init(&folder, 1 << 16);
    SLUICE_TRY(sluice__buf_adds(&tpl, job->output.path));
    for (const char *p = job->output.path_as_written; *p; p++) {
        if (!strncmp(p, "{run}", 5) || !strncmp(p, "{cursor_from}", 13)) {
            sluice__buf_reset(&tpl);
            SLUICE_TRY(sluice__buf_append(&tpl, job->output.path_as_written,
                                          (size_t)(p - job->output
                                                           .path_as_written)));
            SLUICE_TRY(sluice__buf_adds(&tpl, "{index}"));
            break;
        }
        if (p[0] == '{' && p[1] == '{')
            p++;
    }
    rc = sluice__outpath_folder(sluice__buf_str(&tpl), &folder, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, sluice__cfg_missing_at(L, NULL),
                              "output.path", "%s", sub.msg);
    SLUICE_TRY(rc);
    /* the earlier of the two folders: a window placeholder may come first */
    if (job->output.folder && strlen(job->output.folder) <= folder.n)
        goto out;
    sluice__free(job->output.folder);
    job->output.folder = sluice__buf_take(&folder, NULL);
    SLUICE_FAIL_IF(!job->output.folder, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__buf_cleanup(&tpl);
    sluice__buf_cleanup(&folder);
    return rc;
}

char *sluice__incremental_path(const struct sluice_job *job)
{
    const struct sluice_incremental *c = &job->incremental;
    if (!c->on || !job->output.path_as_written)
        return sluice__strdup(job->output.path);
    struct sluice_buf b;
    sluice__buf_init(&b, 1 << 17);
    char *out = NULL;
    if (fill(&b, job->output.path_as_written, c->run_label,
             c->cursor_from_label) == SLUICE_OK)
        out = sluice__buf_take(&b, NULL);
    sluice__buf_cleanup(&b);
    return out;
}

void sluice__incremental_cleanup(struct sluice_incremental *c)
{
    sluice__free(c->cursor);
    sluice__cursor_path_cleanup(&c->path);
    sluice__free(c->param);
    sluice__free(c->initial);
    sluice__free(c->send);
    sluice__free(c->run_label);
    sluice__free(c->cursor_from_label);
    memset(c, 0, sizeof *c);
}
