/* job_load_body.c: source.method and source.body, for APIs that take their
 * query in a POST body:
 *   source: {method: POST, body: '{"region": "{region}", "from": {lo}}'}
 * The body is JSON text and a template like the params: a placeholder
 * inside a JSON string is written JSON-escaped, one outside every string
 * as it is (plan/template.h). JSON is full of braces, so in a body only
 * {name} and {name:format} (a name: letters, digits, '_', not starting
 * with a digit) are placeholders and every other brace is JSON's own
 * (sluice_tpl_ctx.json_braces). It is checked at load: every placeholder
 * must exist, and it must be JSON for the plan's first partition (a value
 * that breaks it for another partition fails that partition alone). A
 * body is for POST only; a POST without one sends an empty body. A
 * ${VAR} in it is a secret by the usual rule (config/secrets.c). */
#include <string.h>
#include <strings.h>

#include "config/loader.h"
#include "plan/template.h"
#include "json/json_reader.h"

static int ignore(void *ud, enum sluice_json_event ev, const char *p, size_t n)
{
    (void)ud;
    (void)ev;
    (void)p;
    (void)n;
    return 0;
}

struct sluice_tpl_ctx sluice__cfg_body_ctx(const struct loader *L)
{
    struct sluice_tpl_ctx c = sluice__cfg_tpl_ctx(L);
    const struct sluice_ynode *inc = sluice__ynode_get(L->root, "incremental");
    c.json_braces = true;
    /* An incremental job's body may carry the cursor; "0" stands in for it
     * in the checks (a number, and text inside a string), the run gives
     * the real one (window_io.c). */
    if (inc && !sluice__ynode_is_null(inc))
        c.cursor = "0";
    return c;
}

/* The body of the plan's first partition must be JSON. */
static int body_json(struct loader *L, const struct sluice_ynode *node)
{
    struct sluice_job *job = L->job;
    struct sluice_tpl_ctx c = sluice__cfg_body_ctx(L);
    struct sluice_window w;
    struct sluice_buf b;
    struct sluice_err sub;
    struct sluice_json_reader *jr = NULL;
    int rc = SLUICE_OK;
    sluice__buf_init(&b, 1u << 20);
    if (sluice__part_count(&job->parts) == 0)
        goto out;
    sluice__part_at(&job->parts, 0, &w);
    rc = sluice__template_expand_json(job->source.body, &w,
                                      job->windows.step.unit, &c, &b, &sub);
    if (rc == SLUICE_EJOB || rc == SLUICE_ETOOBIG) {
        rc = sluice__cfg_fail(L, &node->mark, "source.body", "%s", sub.msg);
        goto out;
    }
    SLUICE_TRY(rc);
    jr = sluice__json_reader_new(NULL, ignore, NULL);
    SLUICE_FAIL_IF(!jr, SLUICE_ENOMEM, L->err, "out of memory");
    rc = sluice__json_reader_feed(jr, b.p, b.n);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(jr);
    if (rc == SLUICE_EJSON || rc == SLUICE_ETOOBIG)
        rc = sluice__cfg_fail(L, &node->mark, "source.body",
                              "not JSON (as written for the first "
                              "partition): %s",
                              sluice__json_reader_error(jr));
out:
    sluice__json_reader_free(jr);
    sluice__buf_cleanup(&b);
    return rc;
}

int sluice__cfg_load_request(struct loader *L, const struct sluice_ynode *src)
{
    static const char *const methods[] = {"GET", "POST"};
    const struct sluice_ynode *node = NULL;
    struct sluice_job *job = L->job;
    int method = 0, rc = SLUICE_OK;
    SLUICE_TRY(sluice__cfg_opt_enum(L, src, "method", "source", methods, 2,
                                    "GET or POST", &method));
    job->source.post = method == 1;
    SLUICE_TRY(sluice__cfg_opt_str(L, src, "body", "source", &job->source.body,
                                   &node));
    if (!job->source.body)
        goto out;
    if (!job->source.post) {
        rc = sluice__cfg_fail(L, &node->mark, "source.body",
                              "a body is sent with POST only: set "
                              "source.method: POST");
        goto out;
    }
    struct sluice_tpl_ctx c = sluice__cfg_body_ctx(L);
    struct sluice_err sub;
    rc = sluice__template_check_ctx(job->source.body, &c, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &node->mark, "source.body", "%s", sub.msg);
    SLUICE_TRY(rc);
    SLUICE_TRY(body_json(L, node));
out:
    return rc;
}
