/* test_job_load.c: the job loader end to end. Job files are written into a
 * fresh temporary directory (the test chdirs there, so messages read
 * "job.yaml:3:7: ..."). Covers: a full good file field by field, defaults,
 * a table of bad files each with its exact message, --set precedence and
 * creation, `sluice pull` mode, env vs .env vs default, secret collection
 * and redaction in errors, YAML syntax errors, anchors, and the size bound. */
#include <sys/stat.h>
#include <unistd.h>

#include "config/job.h"
#include "harness.h"

#define NOW 1710504000 /* 2024-03-15T12:00:00Z */
#define DAY 86400

static char g_dir[64];

/* A fake environment, set per test. */
static const char *const *g_env;
static const char *fake_getenv(void *ud, const char *name)
{
    (void)ud;
    for (size_t i = 0; g_env && g_env[i]; i += 2)
        if (!strcmp(g_env[i], name))
            return g_env[i + 1];
    return NULL;
}

static void enter_tmpdir(void)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-job-XXXXXX");
        if (!mkdtemp(g_dir) || chdir(g_dir) != 0) {
            perror("tmpdir");
            exit(1);
        }
    }
}

static void write_file(const char *path, const char *text)
{
    enter_tmpdir();
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static int load_ex(const char *path, const char *const *sets, size_t n_sets,
                   const char *const *env, const char *env_dir,
                   struct sluice_job **job, struct sluice_err *err)
{
    struct sluice_job_load_opts o = {
        .path = path,
        .sets = sets,
        .n_sets = n_sets,
        .getenv_fn = fake_getenv,
        .env_file_dir = env_dir,
        .now = NOW,
    };
    g_env = env;
    enter_tmpdir();
    err->msg[0] = '\0';
    return sluice__job_load(&o, job, err);
}

/* Writes `yaml` to job.yaml and loads it with `sets`. */
static int load(const char *yaml, const char *const *sets, size_t n_sets,
                struct sluice_job **job, struct sluice_err *err)
{
    write_file("job.yaml", yaml);
    return load_ex("job.yaml", sets, n_sets, NULL, NULL, job, err);
}

#define NEOWS                                                                  \
    "name: neows\n"                                                            \
    "source:\n"                                                                \
    "  url: https://api.nasa.gov/neo/rest/v1/feed\n"                           \
    "  params: {start_date: \"{start}\", end_date: \"{end}\", "                \
    "api_key: \"${API_KEY:-DEMO_KEY}\"}\n"                                     \
    "  headers: {Accept: application/json}\n"                                  \
    "  records: \"$.near_earth_objects.*[*]\"   # JSONPath subset\n"           \
    "  record_key_as: feed_date\n"                                             \
    "windows: {from: 2020-01-01, to: 2020-01-31, step: 7d}\n"                  \
    "concurrency: 6\n"                                                         \
    "output: {path: \"data/neos_part_{start}_{end}.ndjson\"}\n"                \
    "http: {connect_timeout: 5s, timeout: 2m, low_speed_limit: 10, "           \
    "low_speed_time: 1500ms, max_response_size: 64MiB}\n"

/* The smallest valid file: four lines. */
#define MIN                                                                    \
    "name: t\n"                                                                \
    "source: {url: \"https://h/x\"}\n"                                         \
    "windows: {from: 2020-01-01, step: 1d}\n"                                  \
    "output: {path: \"o/{start}.ndjson\"}\n"

static void test_full_file(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc = load(NEOWS, NULL, 0, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_STR_EQ(job->file, "job.yaml");
    ASSERT_STR_EQ(job->name, "neows");
    ASSERT_STR_EQ(job->source.url, "https://api.nasa.gov/neo/rest/v1/feed");
    ASSERT_EQ(job->source.n_params, 3);
    ASSERT_STR_EQ(job->source.params[0].name, "start_date");
    ASSERT_STR_EQ(job->source.params[0].value, "{start}");
    ASSERT_EQ(job->source.params[0].secret, false);
    ASSERT_STR_EQ(job->source.params[1].name, "end_date");
    ASSERT_STR_EQ(job->source.params[1].value, "{end}");
    ASSERT_STR_EQ(job->source.params[2].name, "api_key");
    ASSERT_STR_EQ(job->source.params[2].value, "DEMO_KEY");
    ASSERT_EQ(job->source.params[2].secret, true);
    ASSERT_EQ(job->source.n_headers, 1);
    ASSERT_STR_EQ(job->source.headers[0].name, "Accept");
    ASSERT_STR_EQ(job->source.headers[0].value, "application/json");
    ASSERT_EQ(job->source.headers[0].secret, false);
    ASSERT_STR_EQ(job->source.records, "$.near_earth_objects.*[*]");
    ASSERT_STR_EQ(job->source.record_key_as, "feed_date");
    ASSERT_EQ(job->windows.from, 1577836800);           /* 2020-01-01 */
    ASSERT_EQ(job->windows.end, 1577836800 + 31 * DAY); /* 2020-02-01 */
    ASSERT_EQ(job->windows.step.unit, SLUICE_STEP_DAYS);
    ASSERT_EQ(job->windows.step.count, 7);
    ASSERT_EQ(job->concurrency, 6);
    ASSERT_STR_EQ(job->output.path, "data/neos_part_{start}_{end}.ndjson");
    ASSERT_EQ(job->output.format, SLUICE_FORMAT_NDJSON);
    ASSERT_EQ(job->http.connect_timeout_ms, 5000);
    ASSERT_EQ(job->http.timeout_ms, 120000);
    ASSERT_EQ(job->http.low_speed_bytes, 10);
    ASSERT_EQ(job->http.low_speed_secs, 2); /* rounded up */
    ASSERT_EQ(job->http.max_response_bytes, 64u << 20);
    ASSERT_EQ(job->http.insecure, false);
    /* The default of ${API_KEY:-DEMO_KEY}, once (it is also the whole value
     * of a secret-named param). */
    ASSERT_TRUE(sluice__secrets_count(job->secrets) >= 1);
    char *red = sluice__redact_dup(job->secrets, "key=DEMO_KEY");
    ASSERT_STR_EQ(red, "key=***");
    sluice__free(red);
    sluice__job_free(job);
}

static void test_throttle_statuses(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load(MIN "retry: {throttle_statuses: [403, 503]}\n", NULL, 0,
                   &job, &err),
              SLUICE_OK);
    ASSERT_EQ(job->retry.n_throttle, 2);
    ASSERT_EQ(job->retry.throttle[0], 403);
    ASSERT_EQ(job->retry.throttle[1], 503);
    sluice__job_free(job);
    ASSERT_EQ(load(MIN "retry: {throttle_statuses: 403}\n", NULL, 0, &job,
                   &err),
              SLUICE_OK);
    ASSERT_EQ(job->retry.n_throttle, 1);
    ASSERT_EQ(job->retry.throttle[0], 403);
    sluice__job_free(job);
    ASSERT_EQ(load(MIN, NULL, 0, &job, &err), SLUICE_OK);
    ASSERT_EQ(job->retry.n_throttle, 0);
    sluice__job_free(job);
}

static void test_defaults(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load(MIN, NULL, 0, &job, &err), SLUICE_OK);
    ASSERT_EQ(job->source.n_params, 0);
    ASSERT_TRUE(job->source.params == NULL);
    ASSERT_EQ(job->source.n_headers, 0);
    ASSERT_STR_EQ(job->source.records, "$");
    ASSERT_TRUE(job->source.record_key_as == NULL);
    ASSERT_EQ(job->windows.end, NOW - NOW % DAY + DAY); /* to: today */
    ASSERT_EQ(job->concurrency, 4);
    ASSERT_EQ(job->http.connect_timeout_ms, 10000);
    ASSERT_EQ(job->http.timeout_ms, 300000);
    ASSERT_EQ(job->http.low_speed_bytes, 100);
    ASSERT_EQ(job->http.low_speed_secs, 60);
    /* what the defaults promise: a 1 B/s drip (or 10 B/s, e2e/stall_and_
     * headers) is under the limit, and a stalled attempt ends within
     * minutes (low-speed window, and the whole transfer's cap) */
    ASSERT_TRUE(job->http.low_speed_bytes > 10);
    ASSERT_TRUE(job->http.low_speed_secs <= 120);
    ASSERT_TRUE(job->http.timeout_ms > 0 && job->http.timeout_ms <= 600000);
    ASSERT_EQ(job->http.max_response_bytes, 256u << 20);
    ASSERT_EQ(sluice__secrets_count(job->secrets), 0);
    sluice__job_free(job);

    /* Null values mean "the default", as if the field were absent. */
    ASSERT_EQ(
        load(MIN "concurrency: ~\nhttp:\nsource_x: 1\n", NULL, 0, &job, &err),
        SLUICE_EJOB);
    ASSERT_EQ(load(MIN "concurrency: ~\nhttp:\n", NULL, 0, &job, &err),
              SLUICE_OK);
    ASSERT_EQ(job->concurrency, 4);
    sluice__job_free(job);
}

static void test_formats(void)
{
    static const struct {
        const char *output;
        enum sluice_output_format f;
    } cases[] = {
        {"{path: \"o/{start}.ndjson\"}", SLUICE_FORMAT_NDJSON},
        {"{path: \"o/{start}.jsonl\"}", SLUICE_FORMAT_NDJSON},
        {"{path: \"o/{start}.parquet\"}", SLUICE_FORMAT_PARQUET},
        {"{path: \"o.d/{start}.jsonl\"}", SLUICE_FORMAT_NDJSON},
        {"{path: \"o/{start}.txt\", format: parquet}", SLUICE_FORMAT_PARQUET},
        {"{path: \"o/{start}.parquet\", format: NDJSON}", SLUICE_FORMAT_NDJSON},
        {"{path: \"o/{start}.csv\"}", SLUICE_FORMAT_CSV},
        {"{path: \"o/{start}.txt\", format: csv}", SLUICE_FORMAT_CSV},
        {"{path: \"o/{start}.CSV\", csv: {line_ending: crlf}}",
         SLUICE_FORMAT_CSV},
        /* a colon in a local name is no URL */
        {"{path: \"a:b/{start}.csv\"}", SLUICE_FORMAT_CSV},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        char yaml[512];
        struct sluice_job *job = NULL;
        struct sluice_err err;
        snprintf(yaml, sizeof yaml,
                 "name: t\nsource: {url: \"http://h/x\"}\n"
                 "windows: {from: 2020-01-01, step: 1d}\noutput: %s\n",
                 cases[i].output);
        int rc = load(yaml, NULL, 0, &job, &err);
        if (rc)
            fprintf(stderr, "  case %zu: %s\n", i, err.msg);
        ASSERT_EQ(rc, SLUICE_OK);
        ASSERT_EQ(job->output.format, cases[i].f);
        ASSERT_EQ(job->output.csv_crlf, strstr(yaml, "crlf") != NULL);
        sluice__job_free(job);
    }
}

static void test_parquet_options(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc = load("name: t\nsource: {url: \"http://h/x\"}\n"
                  "windows: {from: 2020-01-01, step: 1d}\n"
                  "output: {path: \"o/{start}.parquet\", compression: {codec: "
                  "gzip, level: 9}, flatten: true, row_group_size: 64MiB, "
                  "empty: skip}\n"
                  "columns:\n"
                  "  close_approach_data[].relative_velocity.kps: double\n"
                  "  close_approach_data[].epoch: timestamp_ms\n"
                  "  m[][]: json\n"
                  "on_bad_value: fail\n",
                  NULL, 0, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(job->output.format, SLUICE_FORMAT_PARQUET);
    ASSERT_EQ(job->output.compression, SLUICE_COMPRESS_GZIP);
    ASSERT_EQ(job->output.compression_level, 9);
    ASSERT_EQ(job->output.flatten, true);
    ASSERT_EQ(job->output.skip_empty, true);
    ASSERT_EQ(job->output.row_group_bytes, 64u << 20);
    ASSERT_EQ(job->n_columns, 3);
    ASSERT_STR_EQ(job->columns[0].path,
                  "close_approach_data[].relative_velocity.kps");
    ASSERT_EQ(job->columns[0].type, SLUICE_D_DOUBLE);
    ASSERT_EQ(job->columns[1].type, SLUICE_D_TIMESTAMP_MS);
    ASSERT_EQ(job->columns[2].type, SLUICE_D_JSON);
    ASSERT_EQ(job->bad_value_fail, true);
    sluice__job_free(job);
    job = NULL;
    ASSERT_EQ(load(MIN "output: {path: \"o/{start}.parquet\", compression: "
                   "snappy}\n",
                   NULL, 0, &job, &err),
              SLUICE_EJOB); /* output given twice */
    ASSERT_EQ(load("name: t\nsource: {url: \"http://h/x\"}\n"
                   "windows: {from: 2020-01-01, step: 1d}\n"
                   "output: {path: \"o/{start}.parquet\", compression: "
                   "snappy}\n",
                   NULL, 0, &job, &err),
              SLUICE_OK);
    ASSERT_EQ(job->output.compression, SLUICE_COMPRESS_SNAPPY);
    ASSERT_EQ(job->output.row_group_bytes, 128u << 20);
    ASSERT_EQ(job->output.flatten, false);
    ASSERT_EQ(job->bad_value_fail, false);
    ASSERT_EQ(job->n_columns, 0);
    sluice__job_free(job);
}

/* Bad files: each message exactly, or (when it ends in '*') its prefix,
 * for messages that come from another module's wording. */
static void test_bad_files(void)
{
    static const struct {
        const char *yaml, *msg;
    } cases[] = {
        {MIN "retry: {throttle_statuses: [403, 200]}\n",
         "job.yaml:5:34: retry.throttle_statuses[1]: expected an HTTP error "
         "status (400 to 599) the API throttles with, such as 403, got "
         "'200'"},
        {MIN "retry: {throttle_statuses: x403}\n",
         "job.yaml:5:28: retry.throttle_statuses: expected an HTTP error "
         "status (400 to 599) the API throttles with, such as 403, got "
         "'x403'"},
        {MIN "retry: {throttle_statuses: {a: 1}}\n",
         "job.yaml:5:28: retry.throttle_statuses: expected a status or a "
         "list of them, got a mapping"},
        {MIN "retry: {throttle_statuses: [400, 401, 402, 403, 404, 405, 406, "
             "407, 409]}\n",
         "job.yaml:5:69: retry.throttle_statuses[8]: at most 8 statuses"},
        {MIN "concurency: 8\n",
         "job.yaml:5:1: concurency: unknown field 'concurency' (did you "
         "mean 'concurrency'?)"},
        {MIN "colour: red\n", "job.yaml:5:1: colour: unknown field 'colour'"},
        {"name: t\nsource: {url: \"https://h/x\", urll: 1}\n",
         "job.yaml:2:30: source.urll: unknown field 'urll' (did you mean "
         "'url'?)"},
        {MIN "concurrency: 0\n",
         "job.yaml:5:14: concurrency: expected a whole number from 1 to "
         "1024, got '0'"},
        {MIN "concurrency: 1025\n",
         "job.yaml:5:14: concurrency: expected a whole number from 1 to "
         "1024, got '1025'"},
        {MIN "concurrency: four\n",
         "job.yaml:5:14: concurrency: expected a whole number from 1 to "
         "1024, got 'four'"},
        {MIN "concurrency: [1]\n",
         "job.yaml:5:14: concurrency: expected a single value, got a list"},
        {"source: {url: \"https://h/x\"}\n",
         "job.yaml:1:1: name: required field is missing"},
        {"", "job.yaml:1:1: name: required field is missing"},
        {"# only a comment\n", "job.yaml:1:1: name: required field is missing"},
        {"name: t\n", "job.yaml:1:1: source.url: required field is missing"},
        {"name: t\nsource: {params: {}}\n",
         "job.yaml:2:9: source.url: required field is missing"},
        {"name: a b\n",
         "job.yaml:1:7: name: 'a b': only letters, digits, '-' and '_' are "
         "allowed"},
        {"name: t\nsource: \"https://h/x\"\n",
         "job.yaml:2:9: source: expected a mapping, got a string"},
        {"name: t\nsource: {url: \"ftp://h/x\"}\n",
         "job.yaml:2:15: source.url: 'ftp://h/x': only http:// and https:// "
         "URLs are supported"},
        {"name: t\nsource: {url: \"https://h/x?a=1\"}\n",
         "job.yaml:2:15: source.url: put the query string in source.params, "
         "not in the URL"},
        {"name: t\nsource: {url: \"https:///x\"}\n",
         "job.yaml:2:15: source.url: 'https:///x' has no host"},
        {"name: t\nsource: {url: \"https://h/{stat}\"}\n",
         "job.yaml:2:15: source.url: *"},
        {"name: t\nsource:\n  url: https://h/\n  params: {q: }\n",
         "job.yaml:4:15: source.params.q: has no value (write \"\" for an "
         "empty one)"},
        {"name: t\nsource:\n  url: https://h/\n  params: [a]\n",
         "job.yaml:4:11: source.params: expected a mapping, got a list"},
        {"name: t\nsource:\n  url: https://h/\n  params: {q: {a: b}}\n",
         "job.yaml:4:15: source.params.q: expected a single value, got a "
         "mapping"},
        {"name: t\nsource:\n  url: https://h/\n  headers: {\"A B\": x}\n",
         "job.yaml:4:13: source.headers.A B: 'A B' is not a valid header "
         "name"},
        {"name: t\nsource:\n  url: https://h/\n  headers: {A: \"x\\ny\"}\n",
         "job.yaml:4:16: source.headers.A: a header value cannot contain a "
         "line break"},
        {"name: t\nsource:\n  url: https://h/\n  records: items\n",
         "job.yaml:4:12: source.records: 'items': byte 0: a path starts "
         "with '$'"},
        {"name: t\nsource:\n  url: https://h/\n  records: \"$..a\"\n",
         "job.yaml:4:12: source.records: '$..a': byte *"},
        {"name: t\nsource: {url: \"https://h/x\"}\nwindows: {step: 1d}\n",
         "job.yaml:3:10: windows.from: required field is missing"},
        /* windows: is optional (one partition, or partitions:) */
        {"name: t\nsource: {url: \"https://h/x\"}\n",
         "job.yaml:1:1: output.path: required field is missing"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 7x}\n",
         "job.yaml:3:35: windows.step: *"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-13-01, step: 1d}\n",
         "job.yaml:3:17: windows.from: *"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-05, to: 2020-01-01, step: 1d}\n",
         "job.yaml:3:33: windows.to: *"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d, by: x}\n",
         "job.yaml:3:39: windows.by: unknown field 'by'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n",
         "job.yaml:1:1: output.path: required field is missing"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\noutput: {path: out.ndjson}\n",
         "job.yaml:4:16: output.path: 'out.ndjson' has no window placeholder "
         "such as {start} or {index}, so every window would overwrite the "
         "same file"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.txt\"}\n",
         "job.yaml:4:16: output.path: cannot tell the format from "
         "'{start}.txt': end it in .ndjson, .jsonl, .parquet or .csv, or "
         "set output.format"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://bucket/{start}.parquet\"}\n",
         "job.yaml:4:16: output.path: no credentials for s3://bucket: set "
         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or "
         "output.s3.access_key_id and secret_access_key)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://Bucket_1/{start}.parquet\"}\n",
         "job.yaml:4:16: output.path: 's3://Bucket_1/{start}.parquet': "
         "expected s3://BUCKET/KEY, the bucket 3 to 63 of a-z, 0-9, '.' and "
         "'-', and a key template after its '/'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://bucket/\"}\n",
         "job.yaml:4:16: output.path: 's3://bucket/': expected s3://BUCKET/KEY, "
         "the bucket 3 to 63 of a-z, 0-9, '.' and '-', and a key template "
         "after its '/'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://bkt/a/../{start}.csv\"}\n",
         "job.yaml:4:16: output.path: 's3://bkt/a/../{start}.csv': an S3 key "
         "has no '.' or '..' segments"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.csv\", s3: {region: eu-west-1}}\n",
         "job.yaml:4:37: output.s3: set, but output.path is not an s3:// URL"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://bkt/{start}.csv\", s3: {endpoint: "
         "\"ftp://h\", access_key_id: A, secret_access_key: "
         "\"0123456789abcdef\"}}\n",
         "job.yaml:4:55: output.s3.endpoint: 'ftp://h': expected http:// or "
         "https:// and a host with an optional port, nothing after it"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3://bkt/{start}.csv\", s3: {regoin: x}}\n",
         "job.yaml:4:45: output.s3.regoin: unknown field 'regoin' (did you "
         "mean 'region'?)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"gs://b/{start}.csv\"}\n",
         "job.yaml:4:16: output.path: 'gs://b/{start}.csv' is a URL (gs://), "
         "and sluice writes only local files and s3:// objects: give a local "
         "path"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"abfs://c@a/{start}.csv\"}\n",
         "job.yaml:4:16: output.path: 'abfs://c@a/{start}.csv' is a URL "
         "(abfs://), and sluice writes only local files and s3:// objects: "
         "give a local path"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"s3:/b/{start}.csv\"}\n",
         "job.yaml:4:16: output.path: 's3:/b/{start}.csv' is a URL (s3://), "
         "and sluice writes only local files and s3:// objects: give a local "
         "path"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.csv\", flatten: true}\n",
         "job.yaml:4:42: output.flatten: not available for csv: a nested "
         "value is one column of JSON text"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.csv\", csv: {line_ending: cr}}\n",
         "job.yaml:4:52: output.csv.line_ending: unknown value 'cr' (use "
         "lf or crlf)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.csv\", csv: {eol: lf}}\n",
         "job.yaml:4:39: output.csv.eol: unknown field 'eol'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.ndjson\", csv: {line_ending: lf}}\n",
         "job.yaml:4:41: output.csv: set for a format that is not csv"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}\", format: xml}\n",
         "job.yaml:4:37: output.format: unknown format 'xml' (use ndjson, "
         "parquet or csv)"},
        {MIN "http: {timeout: 10}\n",
         "job.yaml:5:17: http.timeout: '10' has no unit (write 10s, 10ms, "
         "10m or 10h)"},
        {MIN "http: {timeout: 10d}\n",
         "job.yaml:5:17: http.timeout: unknown unit 'd' in '10d' (use ms, s, "
         "m or h)"},
        {MIN "http: {connect_timeout: 0s}\n",
         "job.yaml:5:25: http.connect_timeout: must be at least 1ms"},
        {MIN "http: {low_speed_time: 10ms}\n",
         "job.yaml:5:24: http.low_speed_time: must be at least 1s"},
        {MIN "http: {max_response_size: lots}\n",
         "job.yaml:5:27: http.max_response_size: 'lots' is not a size "
         "(expected a whole number of bytes, optionally with a unit, like "
         "1000, 64KiB or 256MiB)"},
        {MIN "http: {max_response_size: 2TiB}\n",
         "job.yaml:5:27: http.max_response_size: '2TiB' is larger than 1TiB"},
        {MIN "columns: {a.b: float}\n",
         "job.yaml:5:16: columns.a.b: unknown type 'float' (use boolean, "
         "int64, double, string, date, timestamp, timestamp_ms, "
         "timestamp_us, timestamp_s, json)"},
        {MIN "columns: {\"a..b\": int64}\n",
         "job.yaml:5:11: columns.a..b: 'a..b' is not a field path (byte 2): "
         "names joined by '.', '[]' after a list"},
        {MIN "columns: {\"a[x]\": int64}\n",
         "job.yaml:5:11: columns.a[x]: 'a[x]' is not a field path (byte 1): "
         "names joined by '.', '[]' after a list"},
        {MIN "columns: {a: }\n",
         "job.yaml:5:14: columns.a: has no type (use boolean, int64, double, "
         "string, date, timestamp, timestamp_ms, timestamp_us, timestamp_s, "
         "json)"},
        {MIN "columns: [a]\n",
         "job.yaml:5:10: columns: expected a mapping of field path to type, "
         "got a list"},
        {MIN "on_bad_value: skip\n",
         "job.yaml:5:15: on_bad_value: unknown value 'skip' (use null or "
         "fail)"},
        {MIN "on_bad_valu: fail\n",
         "job.yaml:5:1: on_bad_valu: unknown field 'on_bad_valu' (did you "
         "mean 'on_bad_value'?)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", compression: lz4}\n",
         "job.yaml:4:50: output.compression: unknown value 'lz4' (use zstd, "
         "snappy, gzip or none)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", compression: {codec: zstd, "
         "level: 23}}\n",
         "job.yaml:4:71: output.compression.level: expected a whole number "
         "from 1 to 22 for zstd, got '23'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", compression: {codec: snappy, "
         "level: 1}}\n",
         "job.yaml:4:73: output.compression.level: snappy has no level"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", flatten: yes}\n",
         "job.yaml:4:46: output.flatten: expected true or false, got 'yes'"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", row_group_size: 10}\n",
         "job.yaml:4:53: output.row_group_size: must be from 1KiB to 4GiB"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", empty: maybe}\n",
         "job.yaml:4:44: output.empty: unknown value 'maybe' (use write or "
         "skip)"},
        {"name: t\nsource: {url: \"https://h/x\"}\n"
         "windows: {from: 2020-01-01, step: 1d}\n"
         "output: {path: \"o/{start}.parquet\", flaten: true}\n",
         "job.yaml:4:37: output.flaten: unknown field 'flaten' (did you mean "
         "'flatten'?)"},
        {MIN "http: {insecure: true}\n",
         "job.yaml:5:8: http.insecure: unknown field 'insecure'"},
        {MIN "name: u\n", "job.yaml:5:1: duplicate key 'name'"},
        {"- name: t\n", "job.yaml:1:1: a job file is a mapping of fields "
                        "(name: ..., source: ...), not a list"},
        {"name: [\n", "job.yaml:2:1: YAML syntax error: *"},
        {"name: t\n  bad: indent\n",
         "job.yaml:2:6: YAML syntax error: mapping values are not allowed in "
         "this context"},
        {"name: t\nsource: {url: 'x\n", "job.yaml:3:1: YAML syntax error: *"},
        {"name: &n t\n",
         "job.yaml:1:7: YAML anchors and aliases are not supported"},
        {"name: t\nsource: *n\n",
         "job.yaml:2:9: YAML anchors and aliases are not supported"},
        {"name: !!str t\n", "job.yaml:1:7: YAML tags are not supported"},
        {"name: t\n---\nname: u\n",
         "job.yaml:2:1: only one YAML document is allowed"},
        {"? [a]\n: b\n", "job.yaml:1:3: a mapping key must be a string"},
        {"name: \"a\\0b\"\n", "job.yaml:1:7: name: value contains a NUL byte"},
        {"name: t\nsource: {url: \"https://h/${NOPE}\"}\n",
         "job.yaml:2:15: source.url: environment variable NOPE is not set "
         "(and has no default)"},
        {"name: t\nsource: {url: \"https://h/${NOPE\"}\n",
         "job.yaml:2:15: source.url: unterminated '${' at byte 10"},
    };
    size_t bad = 0;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_job *job = (struct sluice_job *)&job; /* poison */
        struct sluice_err err;
        int rc = load(cases[i].yaml, NULL, 0, &job, &err);
        const char *want = cases[i].msg;
        size_t wn = strlen(want);
        bool prefix = wn && want[wn - 1] == '*';
        if (prefix)
            wn--;
        if (rc != SLUICE_EJOB || job != NULL ||
            strncmp(err.msg, want, wn) != 0 ||
            (!prefix && err.msg[wn] != '\0')) {
            fprintf(stderr, "  case %zu (rc %d):\n    got  %s\n    want %s\n",
                    i, rc, err.msg, want);
            bad++;
        }
    }
    ASSERT_EQ(bad, 0);
}

/* source.pagination: each type with its fields; defaults; what a type
 * does not take, what it needs, bad paths, all with their position. */
#define PAGED(p)                                                               \
    "name: t\n"                                                                \
    "source:\n"                                                                \
    "  url: \"https://h/x\"\n"                                                 \
    "  params: {q: \"{start}\"}\n"                                             \
    "  pagination: " p "\n"                                                    \
    "windows: {from: 2020-01-01, step: 1d}\n"                                  \
    "output: {path: \"o/{start}.ndjson\"}\n"

static void test_pagination(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load(MIN, NULL, 0, &job, &err), SLUICE_OK);
    ASSERT_EQ(job->source.pagination.type, SLUICE_PAGES_NONE);
    sluice__job_free(job);

    ASSERT_EQ(load(PAGED("{type: cursor, path: \"$.data[-1].id\", param: "
                         "starting_after, has_more: $.has_more}"),
                   NULL, 0, &job, &err),
              SLUICE_OK);
    const struct sluice_pagination *pg = &job->source.pagination;
    ASSERT_EQ(pg->type, SLUICE_PAGES_CURSOR);
    ASSERT_STR_EQ(pg->path, "$.data[-1].id");
    ASSERT_STR_EQ(pg->param, "starting_after");
    ASSERT_STR_EQ(pg->has_more, "$.has_more");
    ASSERT_EQ(pg->max_pages, 10000);
    ASSERT_TRUE(pg->stop_on_empty);
    sluice__job_free(job);

    ASSERT_EQ(load(PAGED("{type: offset, param: offset, limit_param: limit, "
                         "limit: 100, total: "
                         "$.METADATA.RESULTS.TOTAL_COUNT, max_pages: 5, "
                         "stop_on_empty: false}"),
                   NULL, 0, &job, &err),
              SLUICE_OK);
    pg = &job->source.pagination;
    ASSERT_EQ(pg->type, SLUICE_PAGES_OFFSET);
    ASSERT_EQ(pg->limit, 100);
    ASSERT_EQ(pg->start, 0);
    ASSERT_EQ(pg->max_pages, 5);
    ASSERT_TRUE(!pg->stop_on_empty);
    sluice__job_free(job);

    ASSERT_EQ(load(PAGED("{type: page, param: page, total_pages: "
                         "$.meta.total_pages}"),
                   NULL, 0, &job, &err),
              SLUICE_OK);
    ASSERT_EQ(job->source.pagination.start, 1);
    sluice__job_free(job);
    ASSERT_EQ(load(PAGED("{type: link_header}"), NULL, 0, &job, &err),
              SLUICE_OK);
    sluice__job_free(job);

    static const struct {
        const char *yaml, *msg;
    } bad[] = {
        {PAGED("{type: pages}"),
         "job.yaml:5:22: source.pagination.type: unknown type 'pages' "
         "(link_header, next_url, cursor, offset or page)"},
        {PAGED("{type: cursor, param: after}"),
         "job.yaml:5:15: source.pagination: type cursor needs 'path' (the "
         "cursor in the body) or 'header' (in a response header), one of "
         "them"},
        {PAGED("{type: next_url}"),
         "job.yaml:5:15: source.pagination: type next_url needs 'path'"},
        {PAGED("{type: offset, param: offset}"),
         "job.yaml:5:15: source.pagination: type offset needs 'limit'"},
        {PAGED("{type: cursor, path: $.a, param: a, total: $.t}"),
         "job.yaml:5:51: source.pagination.total: not a field of type "
         "cursor"},
        {PAGED("{type: next_url, path: \"$..next\"}"),
         "job.yaml:5:38: source.pagination.path: '$..next': byte 1: "
         "descendant segments ('..') are not supported"},
        {PAGED("{type: page, param: q}"),
         "job.yaml:5:35: source.pagination.param: 'q' is also in "
         "source.params: the paginator sets it"},
        {PAGED("{type: page, param: p, limit: 10}"),
         "job.yaml:5:15: source.pagination: 'limit' and 'limit_param' go "
         "together"},
        {PAGED("{type: page, param: p, max_pages: 0}"),
         "job.yaml:5:49: source.pagination.max_pages: expected a whole "
         "number from 1 to 100000000, got '0'"},
        {PAGED("{type: page, param: p, colour: red}"),
         "job.yaml:5:38: source.pagination.colour: unknown field 'colour'"},
        {PAGED("[1]"),
         "job.yaml:5:15: pagination: expected a mapping, got a list"},
    };
    size_t nbad = 0;
    FOR_CASES(i, bad)
    {
        job = NULL;
        int rc = load(bad[i].yaml, NULL, 0, &job, &err);
        if (rc != SLUICE_EJOB || strcmp(err.msg, bad[i].msg) != 0) {
            fprintf(stderr, "  case %zu (rc %d):\n    got  %s\n    want %s\n",
                    i, rc, err.msg, bad[i].msg);
            nbad++;
        }
        sluice__job_free(job);
    }
    ASSERT_EQ(nbad, 0);
}

static void test_missing_file(void)
{
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load_ex("nope.yaml", NULL, 0, NULL, NULL, &job, &err),
              SLUICE_EIO);
    ASSERT_TRUE(strncmp(err.msg, "nope.yaml: cannot open: ", 24) == 0);
}

static void test_huge_file_rejected(void)
{
    size_t n = (1u << 20) + 1;
    char *big = malloc(n + 1);
    ASSERT_TRUE(big != NULL);
    memset(big, '#', n);
    big[n] = '\0';
    write_file("big.yaml", big);
    free(big);
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load_ex("big.yaml", NULL, 0, NULL, NULL, &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "big.yaml: file is larger than 1048576 bytes");
    unlink("big.yaml");
}

static void test_deep_nesting_rejected(void)
{
    char yaml[256] = "name: ";
    size_t n = strlen(yaml);
    for (int i = 0; i < 40; i++)
        yaml[n++] = '[';
    yaml[n] = '\0';
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load(yaml, NULL, 0, &job, &err), SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "job.yaml:1:38: YAML nested too deeply");
}

static void test_set_precedence_and_creation(void)
{
    static const char *const sets[] = {
        "concurrency=8",
        "concurrency=16", /* later wins */
        "source.params={a: b, n: 3}",
        "source.params.s={start:%Y%m%d}", /* unquoted template: a string */
        "source.headers.X-Api-Key=hunter2",
        "windows.to=2020-01-10",
        "http.timeout=0s",
        "output.path=\"o/{index}.parquet\"",
        "source.record_key_as=day",
    };
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc = load(NEOWS, sets, SLUICE_ARRAY_LEN(sets), &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(job->concurrency, 16);
    ASSERT_EQ(job->source.n_params, 3); /* replaced, then one added */
    ASSERT_STR_EQ(job->source.params[0].name, "a");
    ASSERT_STR_EQ(job->source.params[0].value, "b");
    ASSERT_STR_EQ(job->source.params[1].value, "3");
    ASSERT_STR_EQ(job->source.params[2].name, "s");
    ASSERT_STR_EQ(job->source.params[2].value, "{start:%Y%m%d}");
    ASSERT_EQ(job->source.n_headers, 2); /* added beside Accept */
    ASSERT_STR_EQ(job->source.headers[1].name, "X-Api-Key");
    ASSERT_STR_EQ(job->source.headers[1].value, "hunter2");
    ASSERT_EQ(job->source.headers[1].secret, true);
    ASSERT_EQ(job->windows.end, 1577836800 + 10 * DAY);
    ASSERT_EQ(job->http.timeout_ms, 0);
    ASSERT_EQ(job->http.connect_timeout_ms, 5000); /* untouched */
    ASSERT_STR_EQ(job->output.path, "o/{index}.parquet");
    ASSERT_EQ(job->output.format, SLUICE_FORMAT_PARQUET);
    ASSERT_STR_EQ(job->source.record_key_as, "day");
    char *red = sluice__redact_dup(job->secrets, "k=hunter2");
    ASSERT_STR_EQ(red, "k=***");
    sluice__free(red);
    sluice__job_free(job);
}

static void test_set_errors(void)
{
    static const struct {
        const char *set, *msg;
    } cases[] = {
        {"source.url=ftp://x",
         "--set source.url:1:1: source.url: 'ftp://x': only http:// and "
         "https:// URLs are supported"},
        {"concurency=8",
         "--set concurency:1:1: concurency: unknown field 'concurency' (did "
         "you mean 'concurrency'?)"},
        {"name.x=1", "--set name.x:1:1: name: is a string, not a mapping, so "
                     "name.x cannot be set"},
        {"concurrency", "--set concurrency:1:1: expected PATH=VALUE (e.g. "
                        "--set concurrency=8)"},
        {"source..url=x", "--set source..url:1:1: empty part in the path "
                          "(write a.b.c)"},
        {"concurrency=[1, 2", "--set concurrency:2:1: YAML syntax error: *"},
        {"output.path={oops", "--set output.path:2:1: YAML syntax error: *"},
        {"windows.step=7x", "--set windows.step:1:1: windows.step: *"},
        {"source.params={a: \"${NOPE}\"}",
         "--set source.params:1:5: source.params.a: environment variable "
         "NOPE is not set (and has no default)"},
    };
    size_t bad = 0;
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        struct sluice_job *job = NULL;
        struct sluice_err err;
        const char *sets[] = {cases[i].set};
        int rc = load(MIN, sets, 1, &job, &err);
        const char *want = cases[i].msg;
        size_t wn = strlen(want);
        bool prefix = want[wn - 1] == '*';
        if (prefix)
            wn--;
        if (rc != SLUICE_EJOB || job != NULL ||
            strncmp(err.msg, want, wn) != 0 ||
            (!prefix && err.msg[wn] != '\0')) {
            fprintf(stderr, "  case %zu (rc %d):\n    got  %s\n    want %s\n",
                    i, rc, err.msg, want);
            bad++;
        }
    }
    ASSERT_EQ(bad, 0);
}

static void test_pull_mode(void)
{
    static const char *const sets[] = {
        "source.url=https://h/feed",
        "windows={from: 2020-01-01, to: 2020-01-02, step: 1d}",
        "output.path=out/{start}.jsonl",
    };
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc =
        load_ex(NULL, sets, SLUICE_ARRAY_LEN(sets), NULL, NULL, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_STR_EQ(job->file, "<command line>");
    ASSERT_STR_EQ(job->name, "pull");
    ASSERT_STR_EQ(job->source.url, "https://h/feed");
    ASSERT_EQ(job->windows.end, 1577836800 + 2 * DAY);
    ASSERT_EQ(job->output.format, SLUICE_FORMAT_NDJSON);
    sluice__job_free(job);

    /* Nothing given: the first missing field, with no position. */
    ASSERT_EQ(load_ex(NULL, NULL, 0, NULL, NULL, &job, &err), SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg,
                  "<command line>: source.url: required field is missing");

    const char *named[] = {sets[0], sets[1], sets[2], "name=backfill"};
    ASSERT_EQ(load_ex(NULL, named, 4, NULL, NULL, &job, &err), SLUICE_OK);
    ASSERT_STR_EQ(job->name, "backfill");
    sluice__job_free(job);
}

static void test_env_precedence(void)
{
    mkdir("jobs", 0700);
    write_file("jobs/.env", "# beside the job file\n"
                            "A=from-dotenv\nB=from-dotenv\nE=from-dotenv\n");
    write_file("jobs/j.yaml",
               MIN "source:\n  url: https://h/\n  params:\n"
                   "    a: ${A}\n    b: ${B:-dflt}\n    c: ${C:-dflt}\n"
                   "    d: x$${A}y\n    e: ${E:-dflt}\n");
    static const char *const env[] = {"A", "from-env", "E", "", NULL};
    struct sluice_job *job = NULL;
    struct sluice_err err;
    /* A key given twice is an error, not "the last one wins". */
    ASSERT_EQ(load_ex("jobs/j.yaml", NULL, 0, env, NULL, &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "jobs/j.yaml:5:1: duplicate key 'source'");

    write_file("jobs/j.yaml",
               "name: t\nwindows: {from: 2020-01-01, step: 1d}\n"
               "output: {path: \"o/{start}.ndjson\"}\n"
               "source:\n  url: https://h/\n  params:\n"
               "    a: ${A}\n    b: ${B:-dflt}\n    c: ${C:-dflt}\n"
               "    d: x$${{A}}y\n    e: ${E:-dflt}\n");
    int rc = load_ex("jobs/j.yaml", NULL, 0, env, NULL, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(job->source.n_params, 5);
    ASSERT_STR_EQ(job->source.params[0].value, "from-env");    /* env wins */
    ASSERT_STR_EQ(job->source.params[1].value, "from-dotenv"); /* .env next */
    ASSERT_STR_EQ(job->source.params[2].value, "dflt");        /* default */
    /* $${ is a literal "${"; {{ }} keep the braces out of the template. */
    ASSERT_STR_EQ(job->source.params[3].value, "x${{A}}y");
    /* Set but empty in the environment: ":-" takes the default, as in sh. */
    ASSERT_STR_EQ(job->source.params[4].value, "dflt");
    /* Plainly named variables are data, not secrets. */
    ASSERT_EQ(job->source.params[0].secret, false);
    ASSERT_EQ(job->source.params[3].secret, false);
    ASSERT_EQ(sluice__secrets_count(job->secrets), 0);
    sluice__job_free(job);

    /* The .env in the cwd is not the one beside jobs/j.yaml. */
    write_file(".env", "C=cwd\n");
    ASSERT_EQ(load_ex("jobs/j.yaml", NULL, 0, env, NULL, &job, &err),
              SLUICE_OK);
    ASSERT_STR_EQ(job->source.params[2].value, "dflt");
    sluice__job_free(job);

    /* Pull mode: env_file_dir, else the cwd. */
    const char *sets[] = {"name=p", "source.url=https://h/${C}",
                          "windows={from: 2020-01-01, step: 1d}",
                          "output.path=o/{start}.jsonl"};
    ASSERT_EQ(load_ex(NULL, sets, 4, env, NULL, &job, &err), SLUICE_OK);
    ASSERT_STR_EQ(job->source.url, "https://h/cwd");
    sluice__job_free(job);
    write_file("jobs/.env", "C=jobs\n");
    ASSERT_EQ(load_ex(NULL, sets, 4, env, "jobs", &job, &err), SLUICE_OK);
    ASSERT_STR_EQ(job->source.url, "https://h/jobs");
    sluice__job_free(job);

    /* A broken .env fails the load, with its own position. */
    write_file("jobs/.env", "C=1\nnot an assignment\n");
    ASSERT_EQ(load_ex("jobs/j.yaml", NULL, 0, env, NULL, &job, &err),
              SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "jobs/.env:2:5: expected '=' after not");
    unlink("jobs/.env");
    unlink("jobs/j.yaml");
    unlink(".env");
    rmdir("jobs");
}

/* Captures load warnings. */
static char g_warnings[4096];
static void warn_fn(void *ud, enum sluice_log_level level, const char *msg)
{
    (void)ud;
    size_t n = strlen(g_warnings);
    snprintf(g_warnings + n, sizeof g_warnings - n, "%d %s\n", (int)level,
             msg);
}

/* What is a secret is decided by meaning: secret-named params, headers
 * and variables, variables listed in `secrets:`, any ${VAR} inside a
 * secret-named field, and URL userinfo; a plainly named variable is data.
 * A secret too short to hide safely is named (never shown) in a warning. */
static void test_secrets_by_meaning(void)
{
    static const char *const env[] = {
        "REGION",      "2024",        "API_KEY", "k3y-from-env-123",
        "PATH_TOKEN",  "p4th-t0ken-xyz", "TENANT", "tenant-77-abcdef",
        "T",           "bearer-val-9876", "PASS", "p%40ss-w0rd-long",
        "SHORT_TOKEN", "abc",         NULL};
    write_file("job.yaml",
               "name: t\nwindows: {from: 2020-01-01, step: 1d}\n"
               "output: {path: \"o/${REGION:-x}/{start}.ndjson\"}\n"
               "secrets: [TENANT]\n"
               "source:\n"
               "  url: https://user:${PASS}@h/v1/${PATH_TOKEN}/${TENANT}/feed\n"
               "  params: {region: \"${REGION:-2024}\", q: \"${API_KEY}\", "
               "tiny: \"${SHORT_TOKEN}\"}\n"
               "  headers: {Authorization: \"Bearer ${T}\"}\n");
    struct sluice_job *job = NULL;
    struct sluice_err err;
    struct sluice_job_load_opts o = {.path = "job.yaml",
                                     .getenv_fn = fake_getenv,
                                     .now = NOW,
                                     .log = warn_fn};
    g_env = env;
    g_warnings[0] = '\0';
    enter_tmpdir();
    int rc = sluice__job_load(&o, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(job->source.params[0].secret, false); /* ${REGION} is data */
    ASSERT_EQ(job->source.params[1].secret, true);  /* ${API_KEY} */
    ASSERT_EQ(job->source.params[2].secret, true);
    ASSERT_EQ(job->source.headers[0].secret, true);
    char *red = sluice__redact_dup(
        job->secrets,
        "{\"date\":\"2024-01-01\",\"r\":\"2024\",\"q\":\"k3y-from-env-123\"} "
        "/v1/p4th-t0ken-xyz/tenant-77-abcdef/feed Bearer bearer-val-9876 "
        "user:p%40ss-w0rd-long@h user:p@ss-w0rd-long@h tiny=abc abcd");
    ASSERT_STR_EQ(red, "{\"date\":\"2024-01-01\",\"r\":\"2024\",\"q\":\"***\"} "
                       "/v1/***/***/feed *** user:***@h user:***@h "
                       "tiny=*** abcd");
    sluice__free(red);
    /* The user name is not a secret (it would hide every "user"). */
    red = sluice__redact_dup(job->secrets, "user");
    ASSERT_STR_EQ(red, "user");
    sluice__free(red);
    /* The short secret is named by field, once, never shown. */
    ASSERT_STR_EQ(g_warnings,
                  "1 job.yaml:7:62: source.params.tiny: a secret of 3 bytes "
                  "is too short to be hidden safely (use at least 8): sluice "
                  "hides it only where it stands alone, as in "
                  "'key=value'\n");
    sluice__job_free(job);

    /* A token as the whole userinfo, and `secrets:` must name variables. */
    write_file("job.yaml", "name: t\nwindows: {from: 2020-01-01, step: 1d}\n"
                           "output: {path: \"o/{start}.ndjson\"}\n"
                           "source: {url: \"https://ghp-t0ken-abcdef@h/x\"}\n");
    ASSERT_EQ(load_ex("job.yaml", NULL, 0, env, NULL, &job, &err), SLUICE_OK);
    red = sluice__redact_dup(job->secrets, "https://ghp-t0ken-abcdef@h/x");
    ASSERT_STR_EQ(red, "https://***@h/x");
    sluice__free(red);
    sluice__job_free(job);
    const char *bad[] = {"secrets=[1X]"};
    ASSERT_EQ(load_ex("job.yaml", bad, 1, env, NULL, &job, &err), SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg, "--set secrets:1:2: secrets[0]: expected a variable "
                           "name (letters, digits and '_', not starting with "
                           "a digit), as in ${NAME}");
}

static void test_secrets(void)
{
    static const char *const env[] = {"TOKEN", "hunter2-long", "CONC_SECRET",
                                      "12x", NULL};
    write_file("job.yaml",
               "name: t\nwindows: {from: 2020-01-01, step: 1d}\n"
               "output: {path: \"o/{start}.ndjson\"}\n"
               "source:\n  url: https://h/\n"
               "  params: {q: plain, token: literal-tok, Sig: \"${TOKEN}\"}\n"
               "  headers: {Authorization: \"Bearer ${TOKEN}\", "
               "X-Trace: on}\n");
    struct sluice_job *job = NULL;
    struct sluice_err err;
    ASSERT_EQ(load_ex("job.yaml", NULL, 0, env, NULL, &job, &err), SLUICE_OK);
    ASSERT_EQ(job->source.params[0].secret, false);
    ASSERT_EQ(job->source.params[1].secret, true); /* by name */
    ASSERT_EQ(job->source.params[2].secret, true); /* by ${...} */
    ASSERT_EQ(job->source.headers[0].secret, true);
    ASSERT_EQ(job->source.headers[1].secret, false);
    ASSERT_STR_EQ(job->source.headers[0].value, "Bearer hunter2-long");
    char *red = sluice__redact_dup(
        job->secrets, "plain literal-tok hunter2-long Bearer hunter2-long on");
    ASSERT_STR_EQ(red, "plain *** *** *** on");
    sluice__free(red);
    sluice__job_free(job);

    /* Errors about a value that holds a secret never show it. */
    static const struct {
        const char *set, *msg;
    } cases[] = {
        {"source.url=ftp://${TOKEN}@h/",
         "--set source.url:1:1: source.url: 'ftp://***@h/': only http:// "
         "and https:// URLs are supported"},
        {"concurrency=${CONC_SECRET}",
         "--set concurrency:1:1: concurrency: expected a "
                             "whole number from 1 to 1024, got '***'"},
        {"output.path=o/${TOKEN}.ndjson",
         "--set output.path:1:1: output.path: 'o/***.ndjson' has no window "
         "placeholder such as {start} or {index}, so every window would "
         "overwrite the same file"},
        {"source.headers.Bad Name=${TOKEN}",
         "--set source.headers.Bad Name:1:1: source.headers.Bad Name: 'Bad "
         "Name' is not a valid header name"},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        const char *sets[] = {cases[i].set};
        ASSERT_EQ(load_ex("job.yaml", sets, 1, env, NULL, &job, &err),
                  SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, cases[i].msg);
        ASSERT_TRUE(strstr(err.msg, "hunter2") == NULL);
    }
}

/* output.path s3://...: the bucket and key template, credentials from the
 * environment or the job (the job's win), the secret key and token are
 * secrets, AWS's endpoint virtual-hosted and one's own path-style by
 * default, and output.path becomes the staging template beside the job
 * file. */
static void test_s3_destination(void)
{
    static const char *const env[] = {
        "AWS_ACCESS_KEY_ID",     "AKIDENV",
        "AWS_SECRET_ACCESS_KEY", "env-secret-0123456789",
        "AWS_SESSION_TOKEN",     "env-token-abcdefghij",
        "AWS_REGION",            "eu-west-3",
        NULL};
    struct sluice_job *job = NULL;
    struct sluice_err err;
    mkdir("jobs", 0777);
    write_file("jobs/j.yaml",
               "name: lake\nsource: {url: \"https://h/x\"}\n"
               "windows: {from: 2020-01-01, step: 1d}\n"
               "output: {path: \"s3://my-bucket/neos/year={start:%Y}/"
               "{start}.parquet\", manifest: true}\n");
    ASSERT_EQ(load_ex("jobs/j.yaml", NULL, 0, env, NULL, &job, &err),
              SLUICE_OK);
    const struct sluice_s3_dest *d = job->output.s3;
    ASSERT_TRUE(d != NULL);
    ASSERT_STR_EQ(d->bucket, "my-bucket");
    ASSERT_STR_EQ(d->key_template, "neos/year={start:%Y}/{start}.parquet");
    ASSERT_STR_EQ(d->region, "eu-west-3");
    ASSERT_STR_EQ(d->endpoint, "https://s3.eu-west-3.amazonaws.com");
    ASSERT_EQ(d->path_style, false);
    ASSERT_STR_EQ(d->access_key_id, "AKIDENV");
    ASSERT_STR_EQ(d->secret_access_key, "env-secret-0123456789");
    ASSERT_STR_EQ(d->session_token, "env-token-abcdefghij");
    ASSERT_STR_EQ(d->staging, "jobs/.sluice/staging-lake");
    ASSERT_STR_EQ(job->output.path, "jobs/.sluice/staging-lake/neos/"
                                    "year={start:%Y}/{start}.parquet");
    ASSERT_STR_EQ(job->output.folder, "jobs/.sluice/staging-lake/neos");
    ASSERT_EQ(job->output.format, SLUICE_FORMAT_PARQUET);
    ASSERT_EQ(job->output.manifest, true);
    char *red = sluice__redact_dup(job->secrets, "env-secret-0123456789 "
                                                 "env-token-abcdefghij "
                                                 "AKIDENV");
    ASSERT_STR_EQ(red, "*** *** AKIDENV");
    sluice__free(red);
    sluice__job_free(job);

    /* The job's fields win; a store of one's own is path-style. */
    write_file("jobs/j.yaml",
               "name: lake\nsource: {url: \"https://h/x\"}\n"
               "windows: {from: 2020-01-01, step: 1d}\n"
               "output:\n  path: \"s3://bkt/{start}.csv\"\n"
               "  s3: {endpoint: \"http://127.0.0.1:9000/\", region: "
               "us-east-2, access_key_id: AKIDJOB, secret_access_key: "
               "\"${MY_S3_KEY}\", staging: /tmp/stage}\n");
    static const char *const env2[] = {
        "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY",
        "env-secret-0123456789", "MY_S3_KEY", "job-secret-9876543210", NULL};
    ASSERT_EQ(load_ex("jobs/j.yaml", NULL, 0, env2, NULL, &job, &err),
              SLUICE_OK);
    d = job->output.s3;
    ASSERT_STR_EQ(d->endpoint, "http://127.0.0.1:9000");
    ASSERT_STR_EQ(d->region, "us-east-2");
    ASSERT_EQ(d->path_style, true);
    ASSERT_STR_EQ(d->access_key_id, "AKIDJOB");
    ASSERT_STR_EQ(d->secret_access_key, "job-secret-9876543210");
    ASSERT_TRUE(d->session_token == NULL);
    ASSERT_STR_EQ(job->output.path, "/tmp/stage/{start}.csv");
    red = sluice__redact_dup(job->secrets, "job-secret-9876543210");
    ASSERT_STR_EQ(red, "***");
    sluice__free(red);
    sluice__job_free(job);
    unlink("jobs/j.yaml");
    rmdir("jobs");
}

/* output.sqlite / output.postgres: the fields, defaults and errors, and
 * the connection string's password taken as a secret in each form. */
static void test_database_output(void)
{
#define DBJOB(out)                                                             \
    "name: neows\nsource: {url: \"http://h/x\"}\n"                             \
    "windows: {from: 2020-01-01, step: 1d}\noutput: " out "\n"
    struct sluice_job *job = NULL;
    struct sluice_err err;
    int rc = load(DBJOB("{sqlite: data/n.db}"), NULL, 0, &job, &err);
    if (rc)
        fprintf(stderr, "  %s\n", err.msg);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(job->output.db, SLUICE_DB_SQLITE);
    ASSERT_STR_EQ(job->output.db_target, "data/n.db");
    ASSERT_STR_EQ(job->output.table, "neows"); /* the job's name */
    ASSERT_STR_EQ(job->output.folder, "data");
    ASSERT_EQ(job->output.write, SLUICE_WRITE_APPEND);
    ASSERT_TRUE(job->output.path == NULL);
    sluice__job_free(job);

    rc = load(DBJOB("{sqlite: n.db, table: neos, write: merge, "
                    "primary_key: [id, day], flatten: true}"),
              NULL, 0, &job, &err);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_STR_EQ(job->output.folder, ".");
    ASSERT_EQ(job->output.write, SLUICE_WRITE_MERGE);
    ASSERT_EQ(job->output.n_primary_key, 2);
    ASSERT_STR_EQ(job->output.primary_key[1], "day");
    ASSERT_TRUE(job->output.flatten);
    sluice__job_free(job);

    static const char *const pg[] = {
        "{postgres: \"postgresql://u:s3cretpass@127.0.0.1:5/db\", table: "
        "public.neos}",
        "{postgres: \"postgresql://u@h/db?sslmode=disable&password=s3cretpass\""
        "}",
        "{postgres: \"host=h user=u password='s3cretpass' dbname=d\"}",
        "{postgres: \"host=h password=s3cretpass\", write: replace}",
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(pg); i++) {
        char yaml[512];
        HARNESS_CASE(i);
        snprintf(yaml, sizeof yaml, DBJOB("%s"), pg[i]);
        rc = load(yaml, NULL, 0, &job, &err);
        if (rc)
            fprintf(stderr, "  %s\n", err.msg);
        ASSERT_EQ(rc, SLUICE_OK);
        ASSERT_EQ(job->output.db, SLUICE_DB_POSTGRES);
        char *shown = sluice__redact_dup(job->secrets, job->output.db_target);
        ASSERT_TRUE(shown && !strstr(shown, "s3cretpass"));
        ASSERT_TRUE(shown && strstr(shown, "***"));
        /* the user name is no secret: messages name it */
        ASSERT_TRUE(i > 1 || (shown && strstr(shown, "://u")));
        sluice__free(shown);
        sluice__job_free(job);
    }

    static const struct {
        const char *yaml, *msg;
    } bad[] = {
        {DBJOB("{sqlite: a.db, path: \"o/{start}.csv\"}"),
         "job.yaml:4:30: output.path: not used with a database destination "
         "(output.sqlite or output.postgres): rows go to its table, not to "
         "files"},
        {DBJOB("{sqlite: a.db, postgres: \"host=h\"}"),
         "job.yaml:4:34: output.postgres: output.sqlite is set too: a job "
         "writes to one destination"},
        {DBJOB("{sqlite: a.db, table: \"neo-s\"}"),
         "job.yaml:4:31: output.table: 'neo-s' is not a plain table name: "
         "letters, digits, '_' and '$', at most 63 of them, not starting "
         "with a digit"},
        {DBJOB("{sqlite: a.db, table: main.neos}"),
         "job.yaml:4:31: output.table: 'main.neos' is not a plain table "
         "name: letters, digits, '_' and '$', at most 63 of them, not "
         "starting with a digit"},
        {DBJOB("{sqlite: a.db, write: merge}"),
         "job.yaml:4:31: output.write: merge needs output.primary_key: the "
         "columns that identify a row"},
        {DBJOB("{sqlite: a.db, primary_key: id}"),
         "job.yaml:4:37: output.primary_key: only used with write: merge"},
        {DBJOB("{sqlite: a.db, write: merge, primary_key: [id, id]}"),
         "job.yaml:4:56: output.primary_key[1]: 'id' is named twice"},
        {DBJOB("{sqlite: a.db, write: upsert}"),
         "job.yaml:4:31: output.write: unknown value 'upsert' (use append, "
         "replace or merge)"},
        {DBJOB("{sqlite: data/}"),
         "job.yaml:4:18: output.sqlite: 'data/' is a folder: name the "
         "database file"},
        {DBJOB("{path: \"o/{start}.csv\", table: neos}"),
         "job.yaml:4:40: output.table: only used with a database destination "
         "(output.sqlite or output.postgres)"},
    };
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(bad); i++) {
        HARNESS_CASE(i);
        rc = load(bad[i].yaml, NULL, 0, &job, &err);
        ASSERT_EQ(rc, SLUICE_EJOB);
        ASSERT_STR_EQ(err.msg, bad[i].msg);
        sluice__job_free(job);
        job = NULL;
    }
#undef DBJOB
}

static void test_cleanup(void)
{
    /* Also what a failed test may have left behind. */
    unlink("job.yaml");
    unlink("jobs/.env");
    unlink("jobs/j.yaml");
    unlink(".env");
    rmdir("jobs");
    ASSERT_EQ(chdir("/"), 0);
    ASSERT_EQ(rmdir(g_dir), 0);
}

static const struct harness_test TESTS[] = {
    TEST(test_pagination),
    TEST(test_full_file),
    TEST(test_defaults),
    TEST(test_throttle_statuses),
    TEST(test_formats),
    TEST(test_parquet_options),
    TEST(test_bad_files),
    TEST(test_missing_file),
    TEST(test_huge_file_rejected),
    TEST(test_deep_nesting_rejected),
    TEST(test_set_precedence_and_creation),
    TEST(test_set_errors),
    TEST(test_pull_mode),
    TEST(test_env_precedence),
    TEST(test_secrets),
    TEST(test_secrets_by_meaning),
    TEST(test_s3_destination),
    TEST(test_database_output),
    TEST(test_cleanup),
};
HARNESS_MAIN(TESTS)
