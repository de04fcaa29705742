/* embed.c: libsluice from another program, through the public header only.
 *
 * Loads a job from a file, or from strings alone (the same "a.b=value"
 * overrides as `sluice run --set`), runs it with a progress callback and a
 * per-window callback, and can cancel it from another thread. Build it
 * against an installed libsluice with pkg-config alone:
 *
 *   cc -o embed examples/embed.c $(pkg-config --cflags --libs sluice)
 *
 * (with glibc 2.34 or later, POSIX threads are part of libc: no -pthread).
 *
 * Usage: embed [--cancel-after N] [--job FILE.yaml] [PATH=VALUE]...
 *
 *   embed --job examples/neows.yaml windows.to=2020-03-31
 *   embed name=demo source.url=http://127.0.0.1:8080/neo/rest/v1/feed \
 *         'source.params.start_date={start}' windows.from=2020-01-01 \
 *         windows.to=2020-01-31 windows.step=7d 'output.path=out/{start}.ndjson'
 *
 * Prints on stdout one line per window as it ends ("window ..."), the
 * progress the library reports ("progress ..."), and the run's summary;
 * warnings and errors go to stderr. Exit status: 0 every window done, 1
 * some failed, 2 the job or the run could not start, 130 cancelled.
 *
 * Cancelling: the run is a handle (sluice_run_new), so another thread, or
 * a signal handler, can call sluice_run_cancel() on it while
 * sluice_run_exec() blocks this one. Here a second thread cancels
 * (SLUICE_CANCEL_DRAIN: stop starting transfers, let those in flight
 * finish) once --cancel-after windows have ended.
 *
 * Every struct the program fills starts from its sluice_*_init(), which
 * records the size this program was built with (docs/api.md): a newer
 * libsluice then still reads and writes only what this program knows.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/sluice.h>

#define MAX_SETS 64

/* What the callbacks and the cancelling thread share. */
struct embed {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t cancel_after;  /* 0: never cancel */
    size_t ended;         /* windows that ended so far */
    bool cancel_asked;    /* on_window -> canceller: time to cancel */
    bool cancel_set;      /* canceller -> on_window: cancel was called */
    bool run_over;        /* main -> canceller: stop waiting */
    struct sluice_run *run; /* what the canceller cancels */
    unsigned progress_calls;
};

static const char *status_name(enum sluice_window_status s)
{
    switch (s) {
    case SLUICE_WINDOW_DONE:
        return "done";
    case SLUICE_WINDOW_FAILED:
        return "failed";
    case SLUICE_WINDOW_NOT_PULLED:
        return "not_pulled";
    }
    return "?";
}

static void on_log(void *ud, enum sluice_log_level level, const char *msg)
{
    (void)ud;
    static const char *const names[] = {"error", "warning", "info", "debug",
                                        "trace"};
    fprintf(stderr, "embed: %s: %s\n", names[level], msg);
}

/* Called by sluice_run on the thread that called it, as each window ends.
 * The strings are the library's, valid during the call only. */
static void on_window(void *ud, const struct sluice_window_result *r)
{
    struct embed *e = ud;
    printf("window %zu %s..%s %s rows=%llu attempts=%u%s%s\n", r->index,
           r->start, r->end, status_name(r->status),
           (unsigned long long)r->rows, r->attempts,
           r->error ? " error=" : "", r->error ? r->error : "");
    pthread_mutex_lock(&e->mu);
    e->ended++;
    if (e->cancel_after && e->ended == e->cancel_after) {
        /* Hand over to the cancelling thread and wait until it has set
         * cancelled, so that what this example prints does not depend on
         * how fast the threads run; an application would just call
         * sluice_run_cancel() from wherever the user pressed "stop". */
        e->cancel_asked = true;
        pthread_cond_broadcast(&e->cv);
        while (!e->cancel_set)
            pthread_cond_wait(&e->cv, &e->mu);
    }
    pthread_mutex_unlock(&e->mu);
}

static void on_progress(void *ud, const struct sluice_progress *p)
{
    struct embed *e = ud;
    e->progress_calls++;
    printf("progress %zu/%zu failed=%zu in_flight=%zu rows=%llu\n", p->done,
           p->total, p->failed, p->in_flight, (unsigned long long)p->rows);
}

/* The other thread: waits until asked (or until the run is over), then
 * cancels the run. */
static void *canceller(void *arg)
{
    struct embed *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->cancel_asked && !e->run_over)
        pthread_cond_wait(&e->cv, &e->mu);
    if (e->cancel_asked) {
        sluice_run_cancel(e->run, SLUICE_CANCEL_DRAIN);
        e->cancel_set = true;
        pthread_cond_broadcast(&e->cv);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static int usage(void)
{
    fputs("usage: embed [--cancel-after N] [--job FILE.yaml] [PATH=VALUE]...\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    static struct embed e = {.mu = PTHREAD_MUTEX_INITIALIZER,
                             .cv = PTHREAD_COND_INITIALIZER};
    const char *sets[MAX_SETS];
    struct sluice_job_opts jo;
    sluice_job_opts_init(&jo);
    jo.sets = sets;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--job") == 0 && i + 1 < argc) {
            jo.path = argv[++i];
        } else if (strcmp(argv[i], "--cancel-after") == 0 && i + 1 < argc) {
            char *end;
            e.cancel_after = strtoul(argv[++i], &end, 10);
            if (*end || e.cancel_after == 0)
                return usage();
        } else if (strchr(argv[i], '=') && jo.n_sets < MAX_SETS) {
            sets[jo.n_sets++] = argv[i];
        } else {
            return usage();
        }
    }
    if (!jo.path && jo.n_sets == 0)
        return usage();
    jo.log = on_log;

    char err[2048] = "";
    struct sluice_job *job = NULL;
    if (sluice_job_load(&jo, &job, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "embed: %s\n", err);
        return 2;
    }
    printf("job %s: %zu windows (libsluice %s)\n", sluice_job_name(job),
           sluice_job_window_count(job), sluice_version());

    struct sluice_run_opts ro;
    sluice_run_opts_init(&ro);
    ro.log = on_log;
    ro.log_ud = NULL;
    ro.log_level = SLUICE_LOG_WARN;
    ro.on_window = on_window;
    ro.on_progress = on_progress;
    ro.progress_interval = 0.2;
    ro.ud = &e;
    ro.argv = "embed";
    if (sluice_run_new(job, &ro, &e.run, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "embed: %s\n", err);
        sluice_job_free(job);
        return 2;
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, canceller, &e) != 0) {
        fputs("embed: cannot start a thread\n", stderr);
        sluice_run_free(e.run);
        sluice_job_free(job);
        return 2;
    }
    struct sluice_run_summary sum;
    sluice_run_summary_init(&sum);
    int rc = sluice_run_exec(e.run, &sum, err, sizeof err);

    pthread_mutex_lock(&e.mu);
    e.run_over = true;
    pthread_cond_broadcast(&e.cv);
    pthread_mutex_unlock(&e.mu);
    pthread_join(thread, NULL);
    /* After the join: nothing can cancel the handle any more. */
    sluice_run_free(e.run);

    int status;
    if (rc == SLUICE_OK || rc == SLUICE_ECANCELED) {
        printf("summary due=%zu done=%zu failed=%zu not_pulled=%zu rows=%llu "
               "progress_calls=%u result=%s\n",
               sum.due, sum.done, sum.failed, sum.not_pulled,
               (unsigned long long)sum.rows, e.progress_calls,
               sluice_strerror(rc));
        status = rc == SLUICE_ECANCELED ? 130 : sum.failed ? 1 : 0;
    } else {
        fprintf(stderr, "embed: %s: %s\n", sluice_strerror(rc), err);
        status = 2;
    }
    sluice_job_free(job);
    return status;
}
