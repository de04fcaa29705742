/* test_api.c: the public API's stability rules (include/sluice/sluice.h,
 * docs/api.md): structs that carry their size, read and written only up to
 * it; the run handle and sluice_run_cancel() from another thread and before
 * the run; sluice_strerror()'s contract; the load's log callback.
 *
 * Each test chdirs into one fresh temporary folder, so the ledgers
 * (.sluice/<name>.db beside the job, here the current folder) and reports
 * land there. The one "server" is a socket of this process on 127.0.0.1
 * that accepts connections (the kernel's backlog) and never answers, so a
 * transfer stays in flight until the run is cancelled; it is closed by the
 * test that opened it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pipeline/run.h"

static char g_dir[64];

static void enter_tmpdir(void)
{
    if (!g_dir[0]) {
        snprintf(g_dir, sizeof g_dir, "/tmp/sluice-api-XXXXXX");
        if (!mkdtemp(g_dir) || chdir(g_dir) != 0) {
            perror("tmpdir");
            exit(1);
        }
    }
}

/* A job of one-day windows from 2020-01-01 to `to` against `url`. */
static struct sluice_job *load_job(const char *name, const char *url,
                                   const char *to)
{
    enter_tmpdir();
    char name_set[64], url_set[128], to_set[64];
    snprintf(name_set, sizeof name_set, "name=%s", name);
    snprintf(url_set, sizeof url_set, "source.url=%s", url);
    snprintf(to_set, sizeof to_set, "windows.to=%s", to);
    const char *sets[] = {name_set,
                          url_set,
                          "source.records=$.items[*]",
                          "windows.from=2020-01-01",
                          to_set,
                          "windows.step=1d",
                          "concurrency=1",
                          "output.path=out/{start}.ndjson"};
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

static void test_strerror_contract(void)
{
    /* Every code has its own text; anything else is "unknown error". */
    for (int c = SLUICE_OK; c <= SLUICE_EAUTH; c++) {
        HARNESS_CASE(c);
        const char *s = sluice_strerror((enum sluice_code)c);
        ASSERT_TRUE(s != NULL);
        ASSERT_TRUE(strcmp(s, "unknown error") != 0);
        for (int d = SLUICE_OK; d < c; d++)
            ASSERT_TRUE(strcmp(s, sluice_strerror((enum sluice_code)d)) != 0);
    }
    HARNESS_CASE(-1);
    ASSERT_STR_EQ(sluice_strerror((enum sluice_code)-1), "unknown error");
    ASSERT_STR_EQ(sluice_strerror((enum sluice_code)(SLUICE_EAUTH + 1)),
                  "unknown error");
    ASSERT_STR_EQ(sluice_strerror(SLUICE_ECANCELED), "interrupted");
}

/* The job options: unset size refused, a newer caller's zero tail
 * accepted, a newer caller's set member refused. */
static void test_job_opts_size(void)
{
    enter_tmpdir();
    static const char *const sets[] = {
        "name=sz", "source.url=https://h/feed",
        "windows.from=2020-01-01", "windows.to=2020-01-02", "windows.step=1d",
        "output.path=o/{start}.ndjson"};
    struct {
        struct sluice_job_opts o;
        unsigned char newer[16]; /* members of a later sluice.h */
    } big;
    memset(&big, 0, sizeof big);
    big.o.sets = sets;
    big.o.n_sets = SLUICE_ARRAY_LEN(sets);
    char err[512] = "";
    struct sluice_job *job = (struct sluice_job *)&big; /* must be reset */

    ASSERT_EQ(sluice_job_load(&big.o, &job, err, sizeof err), SLUICE_EINVAL);
    ASSERT_TRUE(job == NULL);
    ASSERT_STR_EQ(err, "struct sluice_job_opts: size is 0: set it with "
                       "sluice_job_opts_init()");

    big.o.size = sizeof big;
    int rc = sluice_job_load(&big.o, &job, err, sizeof err);
    if (rc)
        fprintf(stderr, "  %s\n", err);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_STR_EQ(sluice_job_name(job), "sz");
    sluice_job_free(job);

    big.newer[3] = 1;
    ASSERT_EQ(sluice_job_load(&big.o, &job, err, sizeof err), SLUICE_EINVAL);
    ASSERT_TRUE(job == NULL);
    ASSERT_TRUE(strstr(err, "built against a newer sluice.h") != NULL);
}

/* The load's warnings reach the caller's log callback, during the call. */
static char g_log[1024];
static void log_to_buf(void *ud, enum sluice_log_level level, const char *msg)
{
    ASSERT_TRUE(ud == g_log);
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%d %s\n", (int)level, msg);
}

static void test_load_log_callback(void)
{
    enter_tmpdir();
    setenv("SLUICE_API_TEST_TOKEN", "abc", 1);
    static const char *const sets[] = {
        "name=lg", "source.url=https://h/feed",
        "source.params.token=${SLUICE_API_TEST_TOKEN}",
        "windows.from=2020-01-01", "windows.to=2020-01-02", "windows.step=1d",
        "output.path=o/{start}.ndjson"};
    struct sluice_job_opts o;
    sluice_job_opts_init(&o);
    o.sets = sets;
    o.n_sets = SLUICE_ARRAY_LEN(sets);
    o.log = log_to_buf;
    o.log_ud = g_log;
    g_log[0] = '\0';
    struct sluice_job *job = NULL;
    char err[512] = "";
    int rc = sluice_job_load(&o, &job, err, sizeof err);
    if (rc)
        fprintf(stderr, "  %s\n", err);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_TRUE(strstr(g_log, "1 ") == g_log); /* SLUICE_LOG_WARN */
    ASSERT_TRUE(strstr(g_log, "source.params.token: a secret of 3 bytes") !=
                NULL);
    ASSERT_TRUE(strstr(g_log, "abc") == NULL);
    sluice_job_free(job);
}

struct seen {
    size_t windows, not_pulled, progress_calls, max_in_flight;
    size_t result_size, progress_size;
    /* for the cancelling thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool in_flight, cancelled;
    struct sluice_run *run;
};

static void on_window(void *ud, const struct sluice_window_result *r)
{
    struct seen *s = ud;
    s->windows++;
    s->result_size = r->size;
    s->not_pulled += r->status == SLUICE_WINDOW_NOT_PULLED;
}

static void on_progress(void *ud, const struct sluice_progress *p)
{
    struct seen *s = ud;
    s->progress_calls++;
    s->progress_size = p->size;
    if (p->in_flight > s->max_in_flight)
        s->max_in_flight = p->in_flight;
    if (p->in_flight > 0) {
        /* Tell the other thread a transfer is in flight, and wait until it
         * has cancelled, so the test does not depend on thread speed. */
        pthread_mutex_lock(&s->mu);
        s->in_flight = true;
        pthread_cond_broadcast(&s->cv);
        while (s->run && !s->cancelled)
            pthread_cond_wait(&s->cv, &s->mu);
        pthread_mutex_unlock(&s->mu);
    }
}

/* Cancelled before it executes: no request, every window not pulled, the
 * summary and callbacks in the library's sizes; one exec per handle. */
static void test_cancel_before_exec(void)
{
    struct sluice_job *job = load_job("early", "http://127.0.0.1:9/feed",
                                      "2020-01-03");
    ASSERT_TRUE(job != NULL);
    struct seen s = {0};
    struct sluice_run_opts o;
    sluice_run_opts_init(&o);
    ASSERT_EQ(o.size, sizeof o);
    ASSERT_EQ(o.log_level, SLUICE_LOG_WARN);
    o.on_window = on_window;
    o.on_progress = on_progress;
    o.ud = &s;
    struct sluice_run *run = NULL;
    char err[512] = "";
    ASSERT_EQ(sluice_run_new(job, &o, &run, err, sizeof err), SLUICE_OK);
    sluice_run_cancel(run, SLUICE_CANCEL_ABANDON);
    sluice_run_cancel(run, SLUICE_CANCEL_DRAIN); /* does not undo it */
    ASSERT_EQ(atomic_load(&run->cancel), 2);
    struct sluice_run_summary sum;
    sluice_run_summary_init(&sum);
    ASSERT_EQ(sluice_run_exec(run, &sum, err, sizeof err), SLUICE_ECANCELED);
    ASSERT_EQ(sum.size, sizeof sum);
    ASSERT_EQ(sum.requests, 0);
    ASSERT_EQ(sum.due, 3);
    ASSERT_EQ(sum.not_pulled, 3);
    ASSERT_EQ(s.windows, 3);
    ASSERT_EQ(s.not_pulled, 3);
    ASSERT_EQ(s.result_size, sizeof(struct sluice_window_result));
    ASSERT_TRUE(s.progress_calls >= 1);
    ASSERT_EQ(s.progress_size, sizeof(struct sluice_progress));

    ASSERT_EQ(sluice_run_exec(run, &sum, err, sizeof err), SLUICE_EINVAL);
    ASSERT_STR_EQ(err, "this run was already executed: one "
                       "sluice_run_exec() per handle");
    sluice_run_free(run);
    sluice_run_cancel(NULL, SLUICE_CANCEL_DRAIN); /* a no-op */
    sluice_run_free(NULL);
    sluice_job_free(job);
}

/* A program built against an older sluice.h: its run options end before
 * `report_path` and its summary before `report_failed`. The library reads
 * none of what the options lack (no report is written though the bytes
 * beyond say "report.json") and writes none of what the summary lacks. */
static void test_older_caller_sizes(void)
{
    struct sluice_job *job = load_job("older", "http://127.0.0.1:9/feed",
                                      "2020-01-02");
    ASSERT_TRUE(job != NULL);
    struct sluice_run_opts o;
    sluice_run_opts_init(&o);
    o.report_path = "report.json";
    o.size = offsetof(struct sluice_run_opts, report_path);
    union {
        struct sluice_run_summary s;
        unsigned char bytes[sizeof(struct sluice_run_summary)];
    } sum;
    memset(&sum, 0xA5, sizeof sum);
    size_t old = offsetof(struct sluice_run_summary, report_failed);
    sum.s.size = old;
    struct sluice_run *run = NULL;
    char err[512] = "";
    ASSERT_EQ(sluice_run_new(job, &o, &run, err, sizeof err), SLUICE_OK);
    sluice_run_cancel(run, SLUICE_CANCEL_DRAIN);
    ASSERT_EQ(sluice_run_exec(run, &sum.s, err, sizeof err), SLUICE_ECANCELED);
    sluice_run_free(run);
    struct stat st;
    ASSERT_TRUE(stat("report.json", &st) != 0);
    ASSERT_EQ(sum.s.size, old);
    ASSERT_EQ(sum.s.due, 2);
    ASSERT_EQ(sum.s.not_pulled, 2);
    for (size_t i = old; i < sizeof sum; i++) {
        HARNESS_CASE(i);
        ASSERT_EQ(sum.bytes[i], 0xA5);
    }
    HARNESS_CASE(-1);

    /* Unset sizes are refused before anything is done. */
    o.size = 0;
    ASSERT_EQ(sluice_run_new(job, &o, &run, err, sizeof err), SLUICE_EINVAL);
    ASSERT_TRUE(run == NULL);
    ASSERT_STR_EQ(err, "struct sluice_run_opts: size is 0: set it with "
                       "sluice_run_opts_init()");
    sluice_run_opts_init(&o);
    ASSERT_EQ(sluice_run_new(job, &o, &run, err, sizeof err), SLUICE_OK);
    sum.s.size = 0;
    ASSERT_EQ(sluice_run_exec(run, &sum.s, err, sizeof err), SLUICE_EINVAL);
    ASSERT_STR_EQ(err, "struct sluice_run_summary: size is 0: set it with "
                       "sluice_run_summary_init()");
    sluice_run_free(run);
    sluice_job_free(job);
}

/* An older program's init: the library's init writes only the caller's
 * size (the macro passes it), never the members beyond. */
static void test_init_writes_callers_size(void)
{
    union {
        struct sluice_run_opts o;
        unsigned char bytes[sizeof(struct sluice_run_opts)];
    } u;
    memset(&u, 0xA5, sizeof u);
    size_t old = offsetof(struct sluice_run_opts, report_path);
    sluice_run_opts_init_sized(&u.o, old);
    ASSERT_EQ(u.o.size, old);
    ASSERT_EQ(u.o.log_level, SLUICE_LOG_WARN);
    ASSERT_TRUE(u.o.on_window == NULL && u.o.window == NULL);
    for (size_t i = old; i < sizeof u; i++) {
        HARNESS_CASE(i);
        ASSERT_EQ(u.bytes[i], 0xA5);
    }
    HARNESS_CASE(-1);
    /* A newer program's: the members this library lacks are zeroed. */
    struct {
        struct sluice_run_summary s;
        unsigned char newer[8];
    } big;
    memset(&big, 0xA5, sizeof big);
    sluice_run_summary_init_sized(&big.s, sizeof big); /* its macro */
    ASSERT_EQ(big.s.size, sizeof big);
    ASSERT_EQ(big.s.done, 0);
    for (size_t i = 0; i < sizeof big.newer; i++)
        ASSERT_EQ(big.newer[i], 0);
}

static void *canceller(void *arg)
{
    struct seen *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->in_flight)
        pthread_cond_wait(&s->cv, &s->mu);
    sluice_run_cancel(s->run, SLUICE_CANCEL_ABANDON);
    s->cancelled = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Cancelled from another thread while a transfer hangs: the run returns
 * SLUICE_ECANCELED at once, the window is not pulled. Without a working
 * cancel the transfer would wait for the job's timeout and fail. */
static void test_cancel_from_thread(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_TRUE(fd >= 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    ASSERT_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ASSERT_EQ(listen(fd, 8), 0);
    ASSERT_EQ(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/feed",
             (unsigned)ntohs(a.sin_port));
    struct sluice_job *job = load_job("hang", url, "2020-01-01");
    ASSERT_TRUE(job != NULL);

    struct seen s = {.mu = PTHREAD_MUTEX_INITIALIZER,
                     .cv = PTHREAD_COND_INITIALIZER};
    struct sluice_run_opts o;
    sluice_run_opts_init(&o);
    o.on_window = on_window;
    o.on_progress = on_progress;
    o.progress_interval = 0.01;
    o.ud = &s;
    char err[512] = "";
    ASSERT_EQ(sluice_run_new(job, &o, &s.run, err, sizeof err), SLUICE_OK);
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, canceller, &s), 0);
    struct sluice_run_summary sum;
    sluice_run_summary_init(&sum);
    int rc = sluice_run_exec(s.run, &sum, err, sizeof err);
    pthread_join(t, NULL);
    close(fd);
    ASSERT_EQ(rc, SLUICE_ECANCELED);
    ASSERT_TRUE(s.cancelled);
    ASSERT_EQ(s.max_in_flight, 1);
    ASSERT_EQ(sum.done, 0);
    ASSERT_EQ(sum.failed, 0);
    ASSERT_EQ(sum.not_pulled, 1);
    ASSERT_EQ(s.not_pulled, 1);
    sluice_run_free(s.run);
    sluice_job_free(job);
}

static void test_allocator_size(void)
{
    struct sluice_allocator a;
    memset(&a, 0, sizeof a);
    ASSERT_EQ(sluice_set_allocator(&a), SLUICE_EINVAL);
    sluice_allocator_init(&a);
    ASSERT_EQ(a.size, sizeof a);
    ASSERT_EQ(sluice_set_allocator(&a), SLUICE_OK); /* NULLs: libc */
    ASSERT_EQ(sluice_set_allocator(NULL), SLUICE_OK);
}

/* sluice_job_state_shared() says, without opening the ledger, whether the
 * job's ledger is shared (state: postgresql://...): an engine (the Python
 * package's Dask runner) refuses a job whose workers could not share one
 * pool. The PostgreSQL URL points at a port nothing listens on: the load
 * must not connect. */
static void test_job_state_shared(void)
{
    struct sluice_job *job = load_job("local", "http://127.0.0.1:9/x",
                                      "2020-01-03");
    ASSERT_TRUE(job != NULL);
    ASSERT_TRUE(!sluice_job_state_shared(job));
    sluice_job_free(job);

    const char *sets[] = {"name=shared",
                          "source.url=http://127.0.0.1:9/x",
                          "source.records=$.items[*]",
                          "windows.from=2020-01-01",
                          "windows.to=2020-01-03",
                          "windows.step=1d",
                          "output.path=out/{start}.ndjson",
                          "state=postgresql://u:pw@127.0.0.1:9/db"};
    struct sluice_job_opts o;
    sluice_job_opts_init(&o);
    o.sets = sets;
    o.n_sets = SLUICE_ARRAY_LEN(sets);
    char err[512] = "";
    job = NULL;
    int rc = sluice_job_load(&o, &job, err, sizeof err);
    if (rc)
        fprintf(stderr, "  %s\n", err);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_TRUE(sluice_job_state_shared(job));
    sluice_job_free(job);
    ASSERT_TRUE(!sluice_job_state_shared(NULL));
}

static const struct harness_test TESTS[] = {
    TEST(test_strerror_contract),  TEST(test_job_opts_size),
    TEST(test_load_log_callback),  TEST(test_cancel_before_exec),
    TEST(test_older_caller_sizes), TEST(test_cancel_from_thread),
    TEST(test_allocator_size),     TEST(test_init_writes_callers_size),
    TEST(test_job_state_shared),
};
HARNESS_MAIN(TESTS)
