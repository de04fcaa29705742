/* test_window_io.c: a window's output path is checked against the path's
 * folder every time it is rendered, not only for the windows the loader
 * tried: a format whose text depends on the window (or on the locale an
 * embedder set) fails that window's path, unless output.allow_outside. The
 * folder is moved under the loaded job here, as such a rendering would. */
#include "config/job.h"
#include "harness.h"
#include "pipeline/window_io.h"
#include "sluice/sluice.h"

static const char *no_env(void *ud, const char *name)
{
    (void)ud;
    (void)name;
    return NULL;
}

static void test_output_checked_per_window(void)
{
    static const char *const sets[] = {
        "name=t",
        "source.url=http://127.0.0.1:9/feed",
        "windows.from=2020-01-01",
        "windows.to=2020-01-03",
        "windows.step=1d",
        "output.path=data/{start}.ndjson",
    };
    struct sluice_job_load_opts o = {.sets = sets, .n_sets = 6, .getenv_fn = no_env};
    struct sluice_job *job = NULL;
    struct sluice_err err = {{0}};
    ASSERT_EQ(sluice__job_load(&o, &job, &err), SLUICE_OK);
    ASSERT_STR_EQ(job->output.folder, "data");
    struct sluice_window w;
    sluice__window_at(&job->windows, 1, &w);
    struct sluice_buf p;
    sluice__buf_init(&p, 4096);
    ASSERT_EQ(sluice__window_output(job, &w, &p, &err), SLUICE_OK);
    ASSERT_STR_EQ(sluice__buf_str(&p), "data/2020-01-02.ndjson");

    char *folder = job->output.folder;
    job->output.folder = "elsewhere";
    sluice__buf_reset(&p);
    ASSERT_EQ(sluice__window_output(job, &w, &p, &err), SLUICE_EJOB);
    ASSERT_STR_EQ(err.msg,
                  "output path 'data/2020-01-02.ndjson' is outside "
                  "'elsewhere' (the folder before output.path's first "
                  "placeholder); set output.allow_outside: true if that is "
                  "meant");
    struct sluice_window_info info;
    sluice_window_info_init(&info);
    char msg[512];
    ASSERT_EQ(sluice_job_window_info(job, 1, &info, msg, sizeof msg),
              SLUICE_EJOB);
    ASSERT_TRUE(strstr(msg, "outside 'elsewhere'") != NULL);
    job->output.allow_outside = true;
    sluice__buf_reset(&p);
    ASSERT_EQ(sluice__window_output(job, &w, &p, &err), SLUICE_OK);
    job->output.folder = folder;
    sluice__buf_cleanup(&p);
    sluice__job_free(job);
}

static const struct harness_test TESTS[] = {
    TEST(test_output_checked_per_window),
};
HARNESS_MAIN(TESTS)
