/* test_run_report.c: the run report (pipeline/run_report.c) and the status
 * document (pipeline/status_json.c), the two JSON documents the library
 * composes. Their bytes are the ones the command wrote before they moved
 * into the library (docs/cli.md); the report is published atomically. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pipeline/run_report.h"
#include "util/fs.h"

static char g_dir[256];
static char g_path[512];

static void make_dir(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/sluice-report-XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(g_path, sizeof g_path, "%s/r.json", g_dir);
}

/* The folder's entries other than . and .., with the last one's name. */
static int entries(const char *dir, char *last, size_t n)
{
    DIR *d = opendir(dir);
    int count = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            count++;
            snprintf(last, n, "%s", e->d_name);
        }
    if (d)
        closedir(d);
    return count;
}

static void remove_dir(void)
{
    unlink(g_path);
    rmdir(g_dir);
}

/* The text with the "started" time (20 bytes) cut out. */
static char *without_started(char *text)
{
    char *p = text ? strstr(text, "\"started\":\"") : NULL;
    if (p && strlen(p) > 11 + 20)
        memmove(p + 11, p + 11 + 20, strlen(p + 11 + 20) + 1);
    return text;
}

static void test_report_bytes_and_publication(void)
{
    make_dir();
    struct sluice_err err = {{0}};
    struct sluice_run_report *r = NULL;
    ASSERT_EQ(sluice__report_new(g_path, "neows", &r, &err), SLUICE_OK);
    ASSERT_TRUE(r != NULL);
    ASSERT_EQ(sluice__report_begin(r, &err), SLUICE_OK);

    long statuses[] = {503, 200};
    struct sluice_window_result w = {0};
    w.index = 3;
    w.start = "2020-01-22";
    w.end = "2020-01-28";
    w.status = SLUICE_WINDOW_DONE;
    w.http_status = 200;
    w.attempts = 2;
    w.statuses = statuses;
    w.n_statuses = 2;
    w.rows = 7;
    w.pages = 2;
    w.bytes_in = 100;
    w.bytes_out = 120;
    w.bad_values = 1;
    w.output = "out/a \"b\"\\.ndjson";
    w.seconds = 0.25;
    w.url = "http://h/feed?api_key=***";
    sluice__report_window(r, &w);
    struct sluice_window_result f = {0};
    f.index = 4;
    f.start = "2020-01-29";
    f.end = "2020-02-04";
    f.status = SLUICE_WINDOW_FAILED;
    f.url = "http://h/feed";
    f.error = "HTTP 400:\tline\none\r\x01";
    sluice__report_window(r, &f);

    /* Until the end, the report's name does not exist: only a hidden
     * temporary file, named by util/fs.h's rule. */
    char name[256] = "";
    struct stat sb;
    ASSERT_TRUE(stat(g_path, &sb) != 0);
    ASSERT_EQ(entries(g_dir, name, sizeof name), 1);
    ASSERT_TRUE(name[0] == '.');
    struct sluice_temp_name t;
    ASSERT_TRUE(sluice__temp_name_parse(name, &t));
    ASSERT_MEM_EQ(t.job, t.job_n, "neows", 5);
    ASSERT_EQ(t.pid, (long)getpid());

    struct sluice_run_summary s = {0};
    s.total = 9;
    s.skipped = 1;
    s.due = 2;
    s.done = 1;
    s.failed = 1;
    s.rows = 7;
    s.bytes_in = 100;
    s.bytes_out = 120;
    s.requests = 3;
    s.retries = 1;
    s.responses_429 = 0;
    s.concurrency = 4;
    s.bad_values = 1;
    s.learned_rate = 42.5;
    s.learned_limit = 50;
    snprintf(s.learned_from, sizeof s.learned_from, "throttled");
    s.rate_cuts = 3;
    s.workers = 2;
    s.commits_pending_max = 5;
    s.commit_holds = 7;
    s.parse_threads = 2;
    s.body_pauses = 11;
    s.seconds = 1.5;
    ASSERT_EQ(sluice__report_finish(r, SLUICE_OK, &s, &err), SLUICE_OK);
    sluice__report_free(r);

    ASSERT_EQ(entries(g_dir, name, sizeof name), 1);
    ASSERT_STR_EQ(name, "r.json");
    char want[4096];
    snprintf(want, sizeof want,
             "{\"job\":\"neows\",\"sluice\":\"%s\",\"started\":\"\","
             "\"windows\":[\n"
             "{\"index\":3,\"start\":\"2020-01-22\",\"end\":\"2020-01-28\","
             "\"status\":\"done\",\"http_status\":200,\"attempts\":2,"
             "\"statuses\":[503,200],\"pages\":2,\"rows\":7,\"bytes_in\":100,"
             "\"bytes_out\":120,\"bad_values\":1,\"seconds\":0.250,"
             "\"output\":\"out/a \\\"b\\\"\\\\.ndjson\","
             "\"url\":\"http://h/feed?api_key=***\",\"error\":null,\"key\":null},\n"
             "{\"index\":4,\"start\":\"2020-01-29\",\"end\":\"2020-02-04\","
             "\"status\":\"failed\",\"http_status\":0,\"attempts\":0,"
             "\"statuses\":[],\"pages\":0,\"rows\":0,\"bytes_in\":0,\"bytes_out\":0,"
             "\"bad_values\":0,\"seconds\":0.000,\"output\":null,"
             "\"url\":\"http://h/feed\","
             "\"error\":\"HTTP 400:\\tline\\none\\r\\u0001\",\"key\":null}\n"
             "],\"summary\":{\"outcome\":\"some_failed\",\"planned\":9,"
             "\"skipped\":1,\"windows\":2,\"done\":1,\"failed\":1,"
             "\"not_pulled\":0,\"rows\":7,\"bytes_in\":100,\"bytes_out\":120,"
             "\"requests\":3,\"retries\":1,\"responses_429\":0,"
             "\"concurrency\":4,\"resume_at\":0,\"bad_values\":1,"
             "\"learned_rate\":42.500,\"learned_limit\":50.000,"
             "\"learned_from\":\"throttled\",\"rate_cuts\":3,"
             "\"workers\":2,\"commits_pending_max\":5,\"commit_holds\":7,"
             "\"parse_threads\":2,\"body_pauses\":11,"
             "\"seconds\":1.500}}\n",
             sluice_version());
    size_t n = 0;
    char *got = without_started(harness_read_file(g_path, &n));
    ASSERT_STR_EQ(got, want);
    sluice__free(got);
    remove_dir();
}

/* A run refused before it pulled anything still gets its report; each
 * ending names its outcome as the command's exit status does. */
static void test_report_outcomes(void)
{
    static const struct {
        int rc;
        size_t failed;
        const char *outcome;
    } cases[] = {
        {SLUICE_OK, 0, "done"},          {SLUICE_OK, 2, "some_failed"},
        {SLUICE_ECANCELED, 0, "interrupted"}, {SLUICE_EQUOTA, 0, "quota"},
        {SLUICE_ESTATE, 0, "refused"},   {SLUICE_EJOB, 0, "error"},
    };
    make_dir();
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        HARNESS_CASE(i);
        struct sluice_err err = {{0}};
        struct sluice_run_report *r = NULL;
        ASSERT_EQ(sluice__report_new(g_path, "neows", &r, &err), SLUICE_OK);
        struct sluice_run_summary s = {0};
        s.failed = cases[i].failed;
        ASSERT_EQ(sluice__report_finish(r, cases[i].rc, &s, &err), SLUICE_OK);
        sluice__report_free(r);
        char *got = without_started(harness_read_file(g_path, NULL));
        char want[256];
        snprintf(want, sizeof want, "\"windows\":[\n],\"summary\":{"
                                    "\"outcome\":\"%s\",",
                 cases[i].outcome);
        ASSERT_TRUE(got && strstr(got, want) != NULL);
        sluice__free(got);
    }
    remove_dir();
}

/* A report never finished (the process stopped the run some other way)
 * leaves nothing, and the previous report stands. */
static void test_report_abandoned_leaves_previous(void)
{
    make_dir();
    FILE *f = fopen(g_path, "w");
    ASSERT_TRUE(f != NULL);
    fputs("previous", f);
    fclose(f);
    struct sluice_err err = {{0}};
    struct sluice_run_report *r = NULL;
    ASSERT_EQ(sluice__report_new(g_path, "neows", &r, &err), SLUICE_OK);
    ASSERT_EQ(sluice__report_begin(r, &err), SLUICE_OK);
    struct sluice_window_result w = {0};
    w.start = w.end = "2020-01-01";
    sluice__report_window(r, &w);
    char name[256];
    ASSERT_EQ(entries(g_dir, name, sizeof name), 2);
    sluice__report_free(r);
    ASSERT_EQ(entries(g_dir, name, sizeof name), 1);
    char *got = harness_read_file(g_path, NULL);
    ASSERT_STR_EQ(got, "previous");
    sluice__free(got);
    remove_dir();
}

/* A report that cannot be created says so, naming it; finishing it again
 * returns the failure without saying it twice. No path: no report. */
static void test_report_cannot_be_created(void)
{
    make_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/r.json/inside.json", g_dir);
    FILE *f = fopen(g_path, "w"); /* r.json is a file: no folder inside */
    ASSERT_TRUE(f != NULL);
    fclose(f);
    struct sluice_err err = {{0}};
    struct sluice_run_report *r = NULL;
    ASSERT_EQ(sluice__report_new(path, "neows", &r, &err), SLUICE_OK);
    ASSERT_EQ(sluice__report_begin(r, &err), SLUICE_EIO);
    char want[700];
    snprintf(want, sizeof want, "cannot write the report %s: ", path);
    ASSERT_TRUE(strncmp(err.msg, want, strlen(want)) == 0);
    struct sluice_err again = {{0}};
    struct sluice_run_summary s = {0};
    ASSERT_EQ(sluice__report_finish(r, SLUICE_EIO, &s, &again), SLUICE_EIO);
    ASSERT_STR_EQ(again.msg, "");
    sluice__report_free(r);

    ASSERT_EQ(sluice__report_new(NULL, "neows", &r, &err), SLUICE_OK);
    ASSERT_TRUE(r == NULL);
    ASSERT_EQ(sluice__report_begin(NULL, &err), SLUICE_OK);
    ASSERT_EQ(sluice__report_finish(NULL, SLUICE_OK, &s, &err), SLUICE_OK);
    remove_dir();
}

static void test_report_folder(void)
{
    static const struct {
        const char *path, *folder;
    } cases[] = {{"r.json", "."}, {"a/b/r.json", "a/b"}, {"/r.json", "/"}};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(cases); i++) {
        HARNESS_CASE(i);
        struct sluice_buf b;
        sluice__buf_init(&b, 64);
        ASSERT_EQ(sluice__report_folder(cases[i].path, &b), SLUICE_OK);
        ASSERT_STR_EQ(sluice__buf_str(&b), cases[i].folder);
        sluice__buf_cleanup(&b);
    }
}

/* ---- status --json ---------------------------------------------------- */

static int collect(void *ud, const void *p, size_t n)
{
    return sluice__buf_append(ud, p, n) == SLUICE_OK ? 0 : -1;
}

static int refuse(void *ud, const void *p, size_t n)
{
    (void)ud, (void)p, (void)n;
    return -1;
}

static struct sluice_job *small_job(void)
{
    static const char *const sets[] = {
        "name=neows",
        "source.url=https://h/feed",
        "source.records=$.items[*]",
        "windows.from=2020-01-01",
        "windows.to=2020-01-10",
        "windows.step=7d",
        "output.path=out/{start}.ndjson",
    };
    struct sluice_job_opts o;
    sluice_job_opts_init(&o);
    o.sets = sets;
    o.n_sets = SLUICE_ARRAY_LEN(sets);
    struct sluice_job *job = NULL;
    char err[512] = "";
    if (sluice_job_load(&o, &job, err, sizeof err) != SLUICE_OK)
        fprintf(stderr, "  job: %s\n", err);
    return job;
}

static void test_status_json_bytes(void)
{
    struct sluice_job *job = small_job();
    ASSERT_TRUE(job != NULL);
    struct sluice_status_failure fails[] = {
        {"2020-01-01", "2020-01-07", "HTTP 500: \"x\" \\ y", 3},
        {"2020-01-08", "2020-01-14", NULL, 1},
    };
    struct sluice_status_run runs[] = {
        {2, 1577836800, 0, "killed", 0, 0, 2, 0},
        {1, 1577836800, 1577836861, "failed", 1, 1, 0, 215},
    };
    struct sluice_status st = {0};
    st.state_path = ".sluice/neows.db";
    st.learned_rate = 41.8;
    st.learned_origin = "https://api.nasa.gov:443";
    st.learned_at = 1577836861;
    st.exists = true;
    st.has_watermark = true;
    st.done_through = "2020-01-07";
    st.planned = 2;
    st.done = 1;
    st.failed = 1;
    st.failures = fails;
    st.n_failures = 2;
    st.runs = runs;
    st.n_runs = 2;
    struct sluice_buf out;
    sluice__buf_init(&out, 1 << 16);
    char err[256] = "";
    ASSERT_EQ(sluice_status_json(job, &st, collect, &out, err, sizeof err),
              SLUICE_OK);
    ASSERT_STR_EQ(
        sluice__buf_str(&out),
        "{\"job\":\"neows\",\"state\":\".sluice/neows.db\",\"exists\":true,"
        "\"running\":false,\"done_through\":\"2020-01-07\",\"planned\":2,"
        "\"pending\":0,\"done\":1,\"failed\":1,"
        "\"learned_rate\":{\"rate\":41.800,\"origin\":"
        "\"https://api.nasa.gov:443\",\"learned\":\"2020-01-01T00:01:01Z\"},"
        "\"failures\":["
        "{\"start\":\"2020-01-01\",\"end\":\"2020-01-07\",\"attempts\":3,"
        "\"error\":\"HTTP 500: \\\"x\\\" \\\\ y\",\"key\":\"\"},"
        "{\"start\":\"2020-01-08\",\"end\":\"2020-01-14\",\"attempts\":1,"
        "\"error\":\"\",\"key\":\"\"}],\"runs\":["
        "{\"id\":2,\"started\":\"2020-01-01T00:00:00Z\",\"ended\":null,"
        "\"outcome\":\"killed\",\"done\":0,\"failed\":0,\"not_pulled\":2,"
        "\"rows\":0},"
        "{\"id\":1,\"started\":\"2020-01-01T00:00:00Z\","
        "\"ended\":\"2020-01-01T00:01:01Z\",\"outcome\":\"failed\","
        "\"done\":1,\"failed\":1,\"not_pulled\":0,\"rows\":215}]}\n");

    /* never ran: no watermark, no lists */
    struct sluice_status never = {0};
    never.state_path = ".sluice/neows.db";
    never.planned = 2;
    sluice__buf_reset(&out);
    ASSERT_EQ(sluice_status_json(job, &never, collect, &out, err, sizeof err),
              SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&out),
                  "{\"job\":\"neows\",\"state\":\".sluice/neows.db\","
                  "\"exists\":false,\"running\":false,\"done_through\":null,"
                  "\"planned\":2,\"pending\":0,\"done\":0,\"failed\":0,"
                  "\"learned_rate\":null,\"failures\":[],\"runs\":[]}\n");

    ASSERT_EQ(sluice_status_json(job, &st, refuse, NULL, err, sizeof err),
              SLUICE_EIO);
    ASSERT_STR_EQ(err, "cannot write");
    sluice__buf_cleanup(&out);
    sluice_job_free(job);
}

static const struct harness_test TESTS[] = {
    TEST(test_report_bytes_and_publication),
    TEST(test_report_outcomes),
    TEST(test_report_abandoned_leaves_previous),
    TEST(test_report_cannot_be_created),
    TEST(test_report_folder),
    TEST(test_status_json_bytes),
};
HARNESS_MAIN(TESTS)
