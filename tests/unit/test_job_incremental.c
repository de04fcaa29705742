/* test_job_incremental.c: `incremental:` at load (config/
 * job_load_incremental.c): the fields as read, the path as written kept
 * and its {run} / {cursor_from} made literal for the checks and the plan,
 * the first run's request, and each error with its position. */
#include "config/job.h"
#include "harness.h"
#include "pipeline/window_io.h"

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

static int load(const char *inc, const char *out, struct sluice_job **job,
                struct sluice_err *err)
{
    const char *sets[] = {"name=t", "source.url=http://h/items",
                          "windows.from=2024-01-01", "windows.to=2024-01-02",
                          "windows.step=1d", out, inc};
    struct sluice_job_load_opts o = {.sets = sets,
                                     .n_sets = SLUICE_ARRAY_LEN(sets) - !inc,
                                     .getenv_fn = no_env};
    *job = NULL;
    err->msg[0] = '\0';
    return sluice__job_load(&o, job, err);
}

static void test_fields(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc = load("incremental={cursor: \"$.meta.updated_at\", param: since, "
                  "initial: \"2024-01-01T00:00:00Z\", lag: 10m}",
                  "output.path=out/{cursor_from}/run{run}_{index}.ndjson",
                  &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    const struct sluice_incremental *c = &job->incremental;
    ASSERT_TRUE(c->on);
    ASSERT_EQ(c->path.n, 2);
    ASSERT_EQ((int)c->type, SLUICE_CURSOR_TIMESTAMP);
    ASSERT_STR_EQ(c->param, "since");
    ASSERT_EQ(c->lag, 600);
    ASSERT_STR_EQ(job->output.path_as_written,
                  "out/{cursor_from}/run{run}_{index}.ndjson");
    ASSERT_STR_EQ(job->output.path,
                  "out/{{cursor_from}}/run{{run}}_{index}.ndjson");
    /* the folder ends before {cursor_from}: each run's folder is in it */
    ASSERT_STR_EQ(job->output.folder, "out");
    /* the first run's request and file names, as plan shows them */
    struct sluice_window w;
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    sluice__window_at(&job->windows, 1, &w);
    ASSERT_EQ(sluice__window_url(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b),
                  "http://h/items?since=2024-01-01T00%3A00%3A00Z");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_output(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "out/{cursor_from}/run{run}_1.ndjson");
    /* a run's labels, filled in (a '/' in a value is no folder) */
    struct sluice_job *j = job;
    sluice__free(j->incremental.run_label);
    sluice__free(j->incremental.cursor_from_label);
    j->incremental.run_label = sluice__strdup("7");
    j->incremental.cursor_from_label = sluice__strdup("a/b{c}");
    char *p = sluice__incremental_path(job);
    ASSERT_STR_EQ(p, "out/a_b{{c}}/run7_{index}.ndjson");
    /* ...and renders inside the folder */
    char *loaded = j->output.path;
    j->output.path = p;
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_output(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&b), "out/a_b{c}/run7_1.ndjson");
    j->output.path = loaded;
    sluice__free(p);
    sluice__buf_cleanup(&b);
    sluice__job_free(job);

    /* integer cursors take a whole-number lag */
    ASSERT_EQ(load("incremental={cursor: \"$.id\", param: since_id, type: "
                   "integer, lag: 5}",
                   "output.path=o/{run}_{index}.ndjson", &job, &err),
              SLUICE_OK);
    ASSERT_EQ(job->incremental.lag, 5);
    ASSERT_TRUE(job->incremental.send == NULL); /* no initial: none sent */
    sluice__job_free(job);
}

static void test_errors(void)
{
    static const struct {
        const char *inc, *out, *msg;
    } cases[] = {
        {"incremental={cursor: \"$.a[0]\", param: s}", "output.path=o/{run}{index}.ndjson",
         "--set incremental:1:10: incremental.cursor: '$.a[0]': byte 3: a "
         "cursor path names members only ($.a.b or $['a']): one value per "
         "record"},
        {"incremental={cursor: $.a}", "output.path=o/{run}{index}.ndjson",
         "--set incremental:1:1: incremental.param: required field is "
         "missing (the query parameter that sends the cursor), unless "
         "source.body sends it as {cursor}"},
        {"incremental={cursor: $.a, param: s, initial: soon}",
         "output.path=o/{run}{index}.ndjson",
         "--set incremental:1:34: incremental.initial: 'soon' is not an ISO "
         "8601 timestamp (type timestamp)"},
        {"incremental={cursor: $.a, param: s, type: string, lag: 1m}",
         "output.path=o/{run}{index}.ndjson",
         "--set incremental:1:44: incremental.lag: a string cursor has no lag "
         "(use type timestamp or integer)"},
        {"incremental={cursor: $.a, param: s, type: integer, lag: 1m}",
         "output.path=o/{run}{index}.ndjson",
         "--set incremental:1:45: incremental.lag: expected a whole number of "
         "at least 0 for an integer cursor, got '1m'"},
        {"incremental={cursor: $.a, param: s}", "output.path=o/{index}.ndjson",
         "--set output.path:1:1: output.path: 'o/{index}.ndjson': an "
         "incremental job writes each run's records to new files: put {run} "
         "or {cursor_from} in the path"},
        {NULL, "output.path=o/{run}{index}.ndjson",
         "--set output.path:1:1: output.path: {run} and {cursor_from} name "
         "the files of an incremental job: set incremental:"},
    };
    FOR_CASES(i, cases) {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        ASSERT_EQ(load(cases[i].inc, cases[i].out, &job, &err), SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].msg);
        sluice__job_free(job);
    }
}

/* A POST job of `body` (a --set value) and `inc`. */
static int load_body(const char *body, const char *inc,
                     struct sluice_job **job, struct sluice_err *err)
{
    const char *sets[] = {"name=t", "source.url=http://h/items",
                          "source.method=POST", body,
                          "output.path=o/{cursor_from}.ndjson", inc};
    struct sluice_job_load_opts o = {.sets = sets,
                                     .n_sets = SLUICE_ARRAY_LEN(sets) - !inc,
                                     .getenv_fn = no_env};
    *job = NULL;
    err->msg[0] = '\0';
    return sluice__job_load(&o, job, err);
}

/* {cursor} in source.body: no param needed, the body sends the cursor
 * (escaped as JSON inside a string, as it is outside one), initial
 * required; without incremental: there is no {cursor}. */
static void test_cursor_in_body(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    struct sluice_buf b;
    struct sluice_window w = {0};
    ASSERT_EQ(load_body("source.body='{\"since\": \"{cursor}\", \"n\": 1}'",
                        "incremental={cursor: $.t, initial: "
                        "\"2024-01-01T00:00:00Z\"}",
                        &job, &err),
              SLUICE_OK);
    ASSERT_TRUE(job->incremental.param == NULL);
    sluice__buf_init(&b, 1 << 16);
    ASSERT_EQ(sluice__window_body(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "{\"since\": \"2024-01-01T00:00:00Z\", \"n\": 1}");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_url(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://h/items"); /* no query parameter */
    sluice__buf_cleanup(&b);
    sluice__job_free(job);

    ASSERT_EQ(load_body("source.body='{\"since_id\": {cursor}}'",
                        "incremental={cursor: $.id, type: integer}", &job,
                        &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--set incremental:1:1: incremental.initial: "
                           "required with {cursor} in source.body: the first "
                           "run's body needs a value to send");
    ASSERT_EQ(load_body("source.body='{\"since\": \"{cursor}\"}'", NULL, &job,
                        &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--set source.body:1:1: source.body: unknown "
                           "placeholder {cursor} at byte 11 (known: {start}, "
                           "{end}, {end_excl}, {index}, {partition})");
}

static const struct harness_test TESTS[] = {
    TEST(test_fields),
    TEST(test_errors),
    TEST(test_cursor_in_body),
};
HARNESS_MAIN(TESTS)
