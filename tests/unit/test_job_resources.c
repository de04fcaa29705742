/* test_job_resources.c: `resources:` (config/job_load_resources.c) and the
 * keys of a resource's partitions (plan/partition.c): what a resource
 * inherits from the job (source and output merged key by key, every other
 * field replaced whole), each resource's keys under resource=NAME (and a
 * job without resources: keeping its own), --partition with the prefix,
 * the fingerprint's shape left alone, and the load-time refusals (a
 * duplicate name, a shared-only field in a resource, a fan-out outside
 * resources:, naming a later or unknown resource, a parent that is not
 * NDJSON, two resources writing one path). Job files are written to a
 * temporary folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/job.h"
#include "harness.h"
#include "plan/partition.h"

static char g_dir[64];

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (chdir("/") != 0 || system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static int load(const char *body, struct sluice_job **job,
                struct sluice_err *err)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-res-XXXXXX");
        if (!mkdtemp(g_dir) || chdir(g_dir) != 0) {
            perror("tmpdir");
            exit(1);
        }
        atexit(remove_dir);
    }
    FILE *f = fopen("job.yaml", "wb");
    if (!f) {
        perror("job.yaml");
        exit(1);
    }
    fprintf(f, "name: t\n%s", body);
    fclose(f);
    struct sluice_job_load_opts o = {.path = "job.yaml",
                                     .getenv_fn = no_env,
                                     .now = 1767225600 /* 2026-01-01 */};
    err->msg[0] = '\0';
    *job = NULL;
    return sluice__job_load(&o, job, err);
}

/* Partition i's key, in a static buffer. */
static const char *key_at(const struct sluice_job *job, size_t i)
{
    static char out[1024];
    struct sluice_window w;
    struct sluice_buf b;
    sluice__buf_init(&b, sizeof out);
    sluice__part_at(&job->parts, i, &w);
    if (sluice__part_key(&job->parts, &w, &b) != SLUICE_OK)
        snprintf(out, sizeof out, "(error)");
    else
        snprintf(out, sizeof out, "%s", b.p);
    sluice__buf_cleanup(&b);
    return out;
}

static const char *param(const struct sluice_job *job, const char *name)
{
    for (size_t i = 0; i < job->source.n_params; i++)
        if (strcmp(job->source.params[i].name, name) == 0)
            return job->source.params[i].value;
    return "(absent)";
}

static void test_inheritance(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load("source:\n"
                   "  url: http://h/default\n"
                   "  params: {api_key: K, per_page: \"100\"}\n"
                   "  records: \"$.items[*]\"\n"
                   "concurrency: 7\n"
                   "output: {format: ndjson}\n"
                   "resources:\n"
                   "  - name: a\n"
                   "    source: {url: http://h/a, params: {per_page: \"5\"}}\n"
                   "    output: {path: a.ndjson}\n"
                   "  - name: b\n"
                   "    source: {url: \"http://h/b/{x}\", records: \"$\"}\n"
                   "    partitions: {values: [p, q], as: x}\n"
                   "    output: {path: \"b/{x}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    struct sluice_job *b = job->next;
    ASSERT_TRUE(b != NULL && b->next == NULL);
    ASSERT_TRUE(job->first == job && b->first == job);
    ASSERT_STR_EQ(job->name, "t");
    ASSERT_STR_EQ(b->name, "t");
    ASSERT_STR_EQ(job->resource, "a");
    ASSERT_STR_EQ(b->resource, "b");
    /* source merged key by key, its params too: the resource's key wins */
    ASSERT_STR_EQ(job->source.url, "http://h/a");
    ASSERT_STR_EQ(param(job, "per_page"), "5");
    ASSERT_STR_EQ(param(job, "api_key"), "K");
    ASSERT_STR_EQ(job->source.records, "$.items[*]");
    ASSERT_STR_EQ(b->source.records, "$");
    ASSERT_STR_EQ(param(b, "per_page"), "100");
    /* shared fields */
    ASSERT_EQ(job->concurrency, 7u);
    ASSERT_EQ(b->concurrency, 7u);
    ASSERT_TRUE(b->secrets == job->secrets);
    /* keys: resource=NAME first */
    ASSERT_EQ(sluice__part_count(&job->parts), 1u);
    ASSERT_STR_EQ(key_at(job, 0), "resource=a");
    ASSERT_EQ(sluice__part_count(&b->parts), 2u);
    ASSERT_STR_EQ(key_at(b, 0), "resource=b/x=p");
    ASSERT_STR_EQ(key_at(b, 1), "resource=b/x=q");
    sluice__job_free(job);
}

static void test_keys_and_select(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    struct sluice_part_select sel;
    /* a job without resources: keeps its keys */
    ASSERT_EQ(load("source: {url: http://h/x}\n"
                   "windows: {from: 2024-01-01, to: 2024-01-14, step: 7d}\n"
                   "output: {path: \"o/{start}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_TRUE(job->resource == NULL && job->first == NULL);
    ASSERT_STR_EQ(key_at(job, 1), "2024-01-08");
    sluice__job_free(job);

    ASSERT_EQ(load("resources:\n"
                   "  - name: w\n"
                   "    source: {url: http://h/x}\n"
                   "    windows: {from: 2024-01-01, to: 2024-01-14, step: 7d}\n"
                   "    output: {path: \"o/{start}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(key_at(job, 1), "resource=w/2024-01-08");
    ASSERT_EQ(sluice__part_select(&job->parts, "resource=w/2024-01-09", 0,
                                  &sel, &err),
              SLUICE_OK);
    ASSERT_TRUE(!sel.any_window && sel.window == 1);
    ASSERT_EQ(sluice__part_select(&job->parts, "resource=w", 0, &sel, &err),
              SLUICE_OK);
    ASSERT_TRUE(sel.any_window);
    ASSERT_EQ(sluice__part_select(&job->parts, "2024-01-09", 0, &sel, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--partition 2024-01-09: the key of a partition "
                           "of resource w starts with 'resource=w'");
    sluice__job_free(job);

    /* a resource of neither windows nor partitions: one key, the prefix */
    ASSERT_EQ(load("resources:\n"
                   "  - name: one\n"
                   "    source: {url: http://h/x}\n"
                   "    output: {path: o.ndjson}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(key_at(job, 0), "resource=one");
    ASSERT_EQ(sluice__part_select(&job->parts, "resource=one", 0, &sel, &err),
              SLUICE_OK);
    sluice__job_free(job);
}

static void test_fanout_dimension(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load("resources:\n"
                   "  - name: repos\n"
                   "    source: {url: http://h/repos}\n"
                   "    output: {path: repos.ndjson}\n"
                   "  - name: issues\n"
                   "    source: {url: \"http://h/r/{repo}/issues\"}\n"
                   "    partitions: {from_resource: repos, path: \"$.name\", "
                   "as: repo}\n"
                   "    output: {path: \"i/{repo}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    const struct sluice_part_dim *d = &job->next->parts.dims[0];
    ASSERT_STR_EQ(d->from_resource, "repos");
    ASSERT_STR_EQ(d->from_path, "$.name");
    /* no values until the parent's files are read: no partition yet */
    ASSERT_EQ(d->count, 0u);
    ASSERT_EQ(sluice__part_count(&job->next->parts), 0u);
    sluice__job_free(job);
}

static void test_refusals(void)
{
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"resources: []\n",
         "job.yaml:2:12: resources: expected a list of 1 to 64 resources "
         "({name: ..., source: ...}), got another number of them"},
        {"resources:\n"
         "  - name: a\n"
         "    source: {url: http://h/a}\n"
         "    output: {path: a.ndjson}\n"
         "  - name: a\n"
         "    source: {url: http://h/b}\n"
         "    output: {path: b.ndjson}\n",
         "job.yaml:6:5: resources[1].name: 'a' names another resource "
         "already"},
        {"resources:\n"
         "  - name: a\n"
         "    source: {url: http://h/a}\n"
         "    concurrency: 3\n"
         "    output: {path: a.ndjson}\n",
         "job.yaml:5:5: resources[0].concurrency: a field of the job, which "
         "every resource shares: set it at the top of the file"},
        {"source: {url: http://h/a}\n"
         "partitions: {from_resource: r, path: \"$.id\", as: x}\n"
         "output: {path: \"o/{x}.ndjson\"}\n",
         "job.yaml:3:29: partitions: from_resource names another resource "
         "of the job: it belongs in a resource of `resources:`"},
        {"resources:\n"
         "  - name: child\n"
         "    source: {url: \"http://h/{x}\"}\n"
         "    partitions: {from_resource: parent, path: \"$.id\", as: x}\n"
         "    output: {path: \"c/{x}.ndjson\"}\n"
         "  - name: parent\n"
         "    source: {url: http://h/p}\n"
         "    output: {path: p.ndjson}\n",
         "job.yaml:3:5: resources[0].partitions: from_resource 'parent' "
         "names no resource listed before 'child' (a parent comes first in "
         "resources:)"},
        {"resources:\n"
         "  - name: parent\n"
         "    source: {url: http://h/p}\n"
         "    output: {path: p.parquet}\n"
         "  - name: child\n"
         "    source: {url: \"http://h/{x}\"}\n"
         "    partitions: {from_resource: parent, path: \"$.id\", as: x}\n"
         "    output: {path: \"c/{x}.ndjson\"}\n",
         "job.yaml:6:5: resources[1].partitions: from_resource 'parent': the "
         "parent's output must be local NDJSON files (format: ndjson), from "
         "which the values are read back"},
        {"resources:\n"
         "  - name: parent\n"
         "    source: {url: http://h/p}\n"
         "    output: {path: p.ndjson}\n"
         "  - name: child\n"
         "    source: {url: \"http://h/{x}\"}\n"
         "    partitions: {from_resource: parent, as: x}\n"
         "    output: {path: \"c/{x}.ndjson\"}\n",
         "job.yaml:8:17: resources[1].partitions: from_resource needs path: "
         "the JSONPath of the value each record gives (path: \"$.id\")"},
        {"resources:\n"
         "  - name: parent\n"
         "    source: {url: http://h/p}\n"
         "    output: {path: p.ndjson}\n"
         "  - name: child\n"
         "    source: {url: \"http://h/c\"}\n"
         "    partitions: {from_resource: parent, path: \"$.id\", as: x}\n"
         "    output: {path: \"c.ndjson\"}\n",
         "job.yaml:9:20: resources[1].output.path: 'c.ndjson' has no {x}, so every x "
         "would write the same file; put {x} (or {partition}, the "
         "partition's key) in the path"},
        {"output: {path: same.ndjson}\n"
         "resources:\n"
         "  - name: a\n"
         "    source: {url: http://h/a}\n"
         "  - name: b\n"
         "    source: {url: http://h/b}\n",
         "job.yaml:6:5: resources[1].output.path: 'same.ndjson' is resource "
         "a's too; two resources never write one file; give each its own "
         "output.path"},
        {"resources:\n"
         "  - name: a\n"
         "    source: {url: http://h/a}\n"
         "    output: {path: d/a.parquet}\n"
         "  - name: b\n"
         "    source: {url: http://h/b}\n"
         "    output: {path: d/b.parquet}\n",
         "job.yaml:6:5: resources[1]: output.path: resource a writes Parquet "
         "files in 'd' too; their schema files would be one (give each its "
         "own folder)"},
    };
    FOR_CASES(i, cases)
    {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        ASSERT_EQ(load(cases[i].body, &job, &err), SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].want);
        sluice__job_free(job);
    }
}

static const struct harness_test TESTS[] = {
    TEST(test_inheritance),
    TEST(test_keys_and_select),
    TEST(test_fanout_dimension),
    TEST(test_refusals),
};
HARNESS_MAIN(TESTS)
