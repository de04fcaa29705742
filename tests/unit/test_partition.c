/* test_partition.c: partitions beyond dates (plan/partition.h and the
 * `partitions:` loader): the product's order, range edges, keys and their
 * escaping, what each field's template writes for a value, `--partition`
 * selection, and the load-time refusals (a placeholder no dimension
 * declares, an empty range, duplicate values, an output path that would
 * merge partitions). Job files are written to a temporary folder. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config/job.h"
#include "harness.h"
#include "pipeline/window_io.h"
#include "plan/partition.h"
#include "plan/template.h"

static char g_dir[64];

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

/* The folder goes when the test ends (its name is mkdtemp's: no quote). */
static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (chdir("/") != 0 || system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static void write_file(const char *path, const char *text)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-part-XXXXXX");
        if (!mkdtemp(g_dir) || chdir(g_dir) != 0) {
            perror("tmpdir");
            exit(1);
        }
        atexit(remove_dir);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* A job of `body` (after name and url lines) written to job.yaml. */
static int load(const char *body, struct sluice_job **job,
                struct sluice_err *err)
{
    char text[4096];
    snprintf(text, sizeof text, "name: t\n%s", body);
    write_file("job.yaml", text);
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

static void test_product_order(void)
{
    struct sluice_job *job;
    struct sluice_err err;
    ASSERT_EQ(load("source: {url: \"http://h/{region}/{tier}\"}\n"
                   "partitions:\n"
                   "  - {values: [us, eu], as: region}\n"
                   "  - {values: [gold, free], as: tier}\n"
                   "windows: {from: 2020-01-01, to: 2020-01-03, step: 1d}\n"
                   "output: {path: \"o/{region}/{tier}/{start}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    /* The first dimension outermost, the windows innermost. */
    ASSERT_EQ(sluice__part_count(&job->parts), 12);
    ASSERT_EQ(job->parts.groups, 4);
    ASSERT_STR_EQ(key_at(job, 0), "region=us/tier=gold/2020-01-01");
    ASSERT_STR_EQ(key_at(job, 2), "region=us/tier=gold/2020-01-03");
    ASSERT_STR_EQ(key_at(job, 3), "region=us/tier=free/2020-01-01");
    ASSERT_STR_EQ(key_at(job, 6), "region=eu/tier=gold/2020-01-01");
    ASSERT_STR_EQ(key_at(job, 11), "region=eu/tier=free/2020-01-03");
    struct sluice_window w;
    sluice__part_at(&job->parts, 7, &w);
    ASSERT_EQ(w.index, 7);
    ASSERT_EQ(w.group, 2);
    ASSERT_EQ(w.start, 1577923200); /* 2020-01-02 */
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    ASSERT_EQ(sluice__window_url(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://h/eu/gold");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_output(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "o/eu/gold/2020-01-02.ndjson");
    sluice__buf_cleanup(&b);
    sluice__job_free(job);

    /* Neither windows nor partitions: one partition, key "all". */
    ASSERT_EQ(load("source: {url: \"http://h/x\"}\n"
                   "output: {path: out/all.ndjson}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__part_count(&job->parts), 1);
    ASSERT_STR_EQ(key_at(job, 0), "all");
    sluice__job_free(job);
}

static void test_range_edges(void)
{
    int64_t lo, hi;
    /* The last range is shorter when the step does not divide the span. */
    ASSERT_EQ(sluice__part_range_count(1, 2500, 1000), 3);
    sluice__part_range_at(1, 2500, 1000, 0, &lo, &hi);
    ASSERT_EQ(lo, 1);
    ASSERT_EQ(hi, 1000);
    sluice__part_range_at(1, 2500, 1000, 2, &lo, &hi);
    ASSERT_EQ(lo, 2001);
    ASSERT_EQ(hi, 2500);
    /* Exactly divisible: no empty last range. */
    ASSERT_EQ(sluice__part_range_count(1, 3000, 1000), 3);
    sluice__part_range_at(1, 3000, 1000, 2, &lo, &hi);
    ASSERT_EQ(hi, 3000);
    /* A step larger than the range: one range, the whole of it. */
    ASSERT_EQ(sluice__part_range_count(5, 7, 100), 1);
    sluice__part_range_at(5, 7, 100, 0, &lo, &hi);
    ASSERT_EQ(lo, 5);
    ASSERT_EQ(hi, 7);
    /* from == to: one id. The whole int64 span does not overflow. */
    ASSERT_EQ(sluice__part_range_count(9, 9, 1), 1);
    ASSERT_EQ(sluice__part_range_count(INT64_MIN, INT64_MAX, INT64_MAX), 3);
    sluice__part_range_at(INT64_MIN, INT64_MAX, INT64_MAX, 2, &lo, &hi);
    ASSERT_EQ(hi, INT64_MAX);
    ASSERT_EQ(sluice__part_range_count(2, 1, 1), 0);

    struct sluice_job *job;
    struct sluice_err err;
    ASSERT_EQ(load("source: {url: http://h/x, params: {from: \"{lo}\", to: "
                   "\"{hi}\"}}\n"
                   "partitions: {range: {from: 1, to: 2500, step: 1000}, "
                   "as: [lo, hi]}\n"
                   "output: {path: \"o/{lo}-{hi}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__part_count(&job->parts), 3);
    ASSERT_STR_EQ(key_at(job, 2), "lo=2001,hi=2500");
    struct sluice_window w;
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    sluice__part_at(&job->parts, 1, &w);
    ASSERT_EQ(sluice__window_url(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://h/x?from=1001&to=2000");
    sluice__buf_cleanup(&b);
    sluice__job_free(job);

    /* from > to is refused where `to` is. */
    ASSERT_EQ(load("source: {url: http://h/x}\n"
                   "partitions: {range: {from: 10, to: 1}, as: [lo, hi]}\n"
                   "output: {path: \"o/{lo}.ndjson\"}\n",
                   &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "job.yaml:3:36: partitions.range: from (10) is "
                           "after to (1): the range is empty");
    ASSERT_EQ(load("source: {url: http://h/x}\n"
                   "partitions: {range: {from: 1, to: 9, step: 0}, as: "
                   "[lo, hi]}\n"
                   "output: {path: \"o/{lo}.ndjson\"}\n",
                   &job, &err),
              SLUICE_EJOB);
    ASSERT_TRUE(strstr(err.msg, "step must be at least 1") != NULL);
}

static void test_keys_escape_values(void)
{
    struct sluice_job *job;
    struct sluice_err err;
    ASSERT_EQ(load("source:\n"
                   "  url: \"http://h/r/{region}\"\n"
                   "  params: {q: \"{region}\"}\n"
                   "  headers: {X-Region: \"{region}\"}\n"
                   "partitions: {values: [\"eu/west 1\", \"..\", "
                   "\"a=b,c%\"], as: region}\n"
                   "output: {path: \"o/{region}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(key_at(job, 0), "region=eu%2Fwest%201");
    ASSERT_STR_EQ(key_at(job, 1), "region=..");
    ASSERT_STR_EQ(key_at(job, 2), "region=a%3Db%2Cc%25");
    struct sluice_window w;
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    sluice__part_at(&job->parts, 0, &w);
    /* The URL's path keeps '/', the query is encoded by the builder, the
     * output path gets the key's escaping. */
    ASSERT_EQ(sluice__window_url(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://h/r/eu/west%201?q=eu%2Fwest%201");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_output(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "o/eu%2Fwest%201.ndjson");
    /* A value of dots never climbs out of the folder. */
    sluice__part_at(&job->parts, 1, &w);
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_output(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "o/%2E%2E.ndjson");
    struct curl_slist *h = NULL;
    sluice__part_at(&job->parts, 0, &w);
    ASSERT_EQ(sluice__window_headers(job, &w, true, &h, &err), SLUICE_OK);
    ASSERT_STR_EQ(h->data, "X-Region: eu/west 1");
    curl_slist_free_all(h);
    sluice__buf_cleanup(&b);
    sluice__job_free(job);
}

static void test_values_from_file(void)
{
    struct sluice_job *job;
    struct sluice_err err;
    write_file("regions.txt", "# the regions\nus-east\r\n\neu-west\nap-south");
    ASSERT_EQ(load("source: {url: \"http://h/{region}\"}\n"
                   "partitions: {values_from: regions.txt, as: region}\n"
                   "output: {path: \"o/{partition}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__part_count(&job->parts), 3);
    ASSERT_STR_EQ(key_at(job, 0), "region=us-east");
    ASSERT_STR_EQ(key_at(job, 2), "region=ap-south");
    sluice__job_free(job);
    write_file("dup.txt", "a\nb\na\n");
    ASSERT_EQ(load("source: {url: \"http://h/{region}\"}\n"
                   "partitions: {values_from: dup.txt, as: region}\n"
                   "output: {path: \"o/{region}.ndjson\"}\n",
                   &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "job.yaml:3:27: partitions.values_from: value "
                           "'a' is listed twice");
    ASSERT_EQ(load("source: {url: \"http://h/{region}\"}\n"
                   "partitions: {values_from: none.txt, as: region}\n"
                   "output: {path: \"o/{region}.ndjson\"}\n",
                   &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "job.yaml:3:27: partitions.values_from: cannot "
                           "read 'none.txt': no such file");
}

static void test_placeholders_must_exist(void)
{
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"source: {url: \"http://h/{zone}\"}\n"
         "partitions: {values: [a], as: region}\n"
         "output: {path: \"o/{region}.ndjson\"}\n",
         "job.yaml:2:15: source.url: unknown placeholder {zone} at byte 9 "
         "(known: {start}, {end}, {end_excl}, {index}, {partition} and the "
         "names the partitions declare with 'as')"},
        {"source: {url: \"http://h/x\", params: {d: \"{start}\"}}\n"
         "partitions: {values: [a], as: region}\n"
         "output: {path: \"o/{region}.ndjson\"}\n",
         "job.yaml:2:41: source.params.d: placeholder {start} at byte 0 needs "
         "date windows (windows:), and the job has none"},
        {"source: {url: \"http://h/{region:%Y}\"}\n"
         "partitions: {values: [a], as: region}\n"
         "output: {path: \"o/{region}.ndjson\"}\n",
         "job.yaml:2:15: source.url: {region} takes no format (byte 9)"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {values: [a, b], as: region}\n"
         "output: {path: \"o/x.ndjson\"}\n",
         "job.yaml:4:16: output.path: 'o/x.ndjson' has no {region}, so every "
         "region would write the same file; put {region} (or {partition}, "
         "the partition's key) in the path"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: [{values: [a, ab], as: x}, {values: [bc, c], as: y}]\n"
         "output: {path: \"o/{x}{y}.ndjson\"}\n",
         "job.yaml:4:16: output.path: partitions x=a/y=bc and x=ab/y=c "
         "would both write 'o/abc.ndjson' (their values run together in the "
         "path); separate the placeholders, or use {partition}"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {values: [a], as: start}\n"
         "output: {path: \"o/{start}.ndjson\"}\n",
         "job.yaml:3:31: partitions.as: 'start' is a placeholder of its own; "
         "name the dimension otherwise"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {values: [a, \"\"], as: r}\n"
         "output: {path: \"o/{r}.ndjson\"}\n",
         "job.yaml:3:26: partitions.values: value '' is empty"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {values: [a, \"${API_TOKEN:-t0ps3cr3tvalue}\"], as: r}\n"
         "output: {path: \"o/{r}.ndjson\"}\n",
         "job.yaml:3:26: partitions.values: a value holds a secret, and values "
         "name files and ledger rows: pass the secret in a param or header "
         "instead"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {values: [a], range: {from: 1, to: 2}, as: r}\n"
         "output: {path: \"o/{r}.ndjson\"}\n",
         "job.yaml:3:13: partitions: give exactly one of values, values_from "
         "and range"},
        {"source: {url: \"http://h/x\"}\n"
         "partitions: {from_resource: repos, path: \"$.id\", as: r}\n"
         "output: {path: \"o/{r}.ndjson\"}\n",
         "job.yaml:3:29: partitions: from_resource names another resource "
         "of the job: it belongs in a resource of `resources:`"},
    };
    FOR_CASES(i, cases)
    {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        ASSERT_EQ(load(cases[i].body, &job, &err), SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].want);
    }
}

static void test_select(void)
{
    struct sluice_job *job;
    struct sluice_err err;
    struct sluice_part_select sel;
    ASSERT_EQ(load("source: {url: \"http://h/{region}\"}\n"
                   "partitions: {values: [us, \"eu west\"], as: region}\n"
                   "windows: {from: 2020-01-01, to: 2020-01-21, step: 7d}\n"
                   "output: {path: \"o/{partition}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__part_select(&job->parts, "region=eu%20west/2020-01-09", 0,
                                  &sel, &err),
              SLUICE_OK);
    ASSERT_TRUE(!sel.any_group && !sel.any_window);
    ASSERT_EQ(sel.group, 1);
    ASSERT_EQ(sel.window, 1);
    ASSERT_EQ(sluice__part_select(&job->parts, "region=us", 0, &sel, &err),
              SLUICE_OK);
    ASSERT_TRUE(!sel.any_group && sel.any_window);
    ASSERT_EQ(sel.group, 0);
    ASSERT_EQ(sluice__part_select(&job->parts, "region=mars", 0, &sel, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--partition region=mars: 'region=mars' is no "
                           "value of the job (a key reads like "
                           "'region=...')");
    ASSERT_EQ(
        sluice__part_select(&job->parts, "region=us/2021-01-01", 0, &sel, &err),
        SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--partition region=us/2021-01-01: no window of "
                           "the job holds 2021-01-01");
    sluice__job_free(job);

    ASSERT_EQ(load("source: {url: http://h/x}\n"
                   "partitions: {range: {from: 0, to: 99, step: 10}, as: "
                   "[lo, hi]}\n"
                   "output: {path: \"o/{lo}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(sluice__part_select(&job->parts, "lo=30,hi=39", 0, &sel, &err),
              SLUICE_OK);
    ASSERT_EQ(sel.group, 3);
    ASSERT_EQ(sluice__part_select(&job->parts, "lo=30,hi=40", 0, &sel, &err),
              SLUICE_EJOB);
    ASSERT_EQ(sluice__part_select(&job->parts, "lo=31,hi=40", 0, &sel, &err),
              SLUICE_EJOB);
    sluice__job_free(job);
}

/* source.body: JSON-escaped inside strings, as is outside; JSON-checked
 * at load for the first partition and per partition when rendered. */
static void test_post_body(void)
{
    struct sluice_job *job;
    struct sluice_err err;
    ASSERT_EQ(load("source:\n"
                   "  url: http://h/search\n"
                   "  method: post\n"
                   "  body: '{\"r\": \"{region}\", \"n\": {n}, \"k\": "
                   "\"{} \\\" {n}\"}'\n"
                   "partitions:\n"
                   "  - {values: ['a \"q\" \\ v', us], as: region}\n"
                   "  - {values: ['7', oops], as: n}\n"
                   "output: {path: \"o/{partition}.ndjson\"}\n",
                   &job, &err),
              SLUICE_OK);
    ASSERT_TRUE(job->source.post);
    struct sluice_window w;
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    sluice__part_at(&job->parts, 0, &w);
    ASSERT_EQ(sluice__window_body(job, &w, &b, &err), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "{\"r\": \"a \\\"q\\\" \\\\ v\", \"n\": 7, "
                       "\"k\": \"{} \\\" 7\"}");
    /* A value outside a string that is no JSON fails that partition. */
    sluice__part_at(&job->parts, 1, &w);
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__window_body(job, &w, &b, &err), SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "source.body is not JSON for this partition: "
                           "byte 27 (line 1, col 28): expected a value");
    struct curl_slist *h = NULL;
    ASSERT_EQ(sluice__window_headers(job, &w, true, &h, &err), SLUICE_OK);
    ASSERT_STR_EQ(h->data, "Content-Type: application/json");
    curl_slist_free_all(h);
    sluice__buf_cleanup(&b);
    sluice__job_free(job);

    static const struct {
        const char *body, *want;
    } cases[] = {
        {"source: {url: http://h/x, body: '{}'}\n"
         "output: {path: o.ndjson}\n",
         "job.yaml:2:33: source.body: a body is sent with POST only: set "
         "source.method: POST"},
        {"source: {url: http://h/x, method: POST, body: '{\"a\": {zone}}'}\n"
         "output: {path: o.ndjson}\n",
         "job.yaml:2:47: source.body: unknown placeholder {zone} at byte 6 "
         "(known: {start}, {end}, {end_excl}, {index}, {partition})"},
        {"source: {url: http://h/x, method: POST, body: '{\"a\": }'}\n"
         "output: {path: o.ndjson}\n",
         "job.yaml:2:47: source.body: not JSON (as written for the first "
         "partition): byte 6 (line 1, col 7): expected a value"},
        {"source: {url: http://h/x, method: PUT}\n"
         "output: {path: o.ndjson}\n",
         "job.yaml:2:35: source.method: unknown value 'PUT' (use GET or POST)"},
    };
    FOR_CASES(i, cases)
    {
        ASSERT_EQ(load(cases[i].body, &job, &err), SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].want);
    }
}

static const struct harness_test TESTS[] = {
    TEST(test_post_body),        TEST(test_product_order),
    TEST(test_range_edges),      TEST(test_keys_escape_values),
    TEST(test_values_from_file), TEST(test_placeholders_must_exist),
    TEST(test_select),
};
HARNESS_MAIN(TESTS)
