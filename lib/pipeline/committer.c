/* committer.c: publishes finished windows off the event loop. A sink's
 * commit fsyncs the file, renames it and fsyncs the folder (and, for
 * Parquet, first encodes and compresses the whole window): done on the
 * loop's thread it would stall every transfer for as long as the disk
 * takes. One worker thread takes finished windows in order, commits them,
 * and hands them back; the loop then marks the ledger and reports them,
 * so a window is still only ever `done` after its file is in place. For
 * an S3 output the file is then uploaded (run_s3.c) before it is handed
 * back, so `done` means the object is complete under its key.
 *
 * The job's `workers:` threads (one per core by default) take windows in
 * submission order, each a share of those queued at that moment as a
 * batch, so a folder's fsync serves the whole batch, and commit them side
 * by side: a Parquet window's encoding and compression, its fsync and
 * rename run beside the others'. What commits share, the job's schema
 * file, each reads and saves in its turn, the turns in submission order
 * (sink/schema_file.h); and the loop collects finished windows from the
 * head of the submission order only, so the ledger marks, the schema
 * versions and the reports come in the same order as with one thread. A
 * database or S3 destination has one worker (run.c). The queue is bounded
 * by the loop, which stops starting transfers while too many commits are
 * pending, so memory stays bounded too.
 *
 * A commit that failed transiently (a database connection lost, the
 * server restarting, a busy lock: the sink says so) is tried again, its
 * records still spooled, after the job's retry backoff and up to its
 * retry.attempts, as a 5xx answer would be; the loop then reports it
 * done, or failed with the last reason. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/run.h"
#include "sink/publish.h"

static void push(struct commit_item **head, struct commit_item **tail,
                 struct commit_item *it)
{
    it->next = NULL;
    if (*tail)
        (*tail)->next = it;
    else
        *head = it;
    *tail = it;
}

/* Makes a batch's renames durable: one fsync per folder, not per file. A
 * folder that cannot be synced fails its windows (their files exist but
 * might not survive a power cut: the next run pulls them again). */
static void sync_folders(struct commit_item *batch)
{
    for (struct commit_item *it = batch; it; it = it->next) {
        if (it->rc != SLUICE_OK || !it->sink->published || !it->out.path ||
            it->sink->database)
            continue;
        const char *slash = strrchr(it->out.path, '/');
        size_t dir_n = slash ? (size_t)(slash - it->out.path) : 0;
        bool seen = false;
        for (struct commit_item *p = batch; p != it && !seen; p = p->next) {
            if (p->rc != SLUICE_OK || !p->sink->published || !p->out.path ||
                p->sink->database)
                continue;
            const char *ps = strrchr(p->out.path, '/');
            size_t pn = ps ? (size_t)(ps - p->out.path) : 0;
            seen = pn == dir_n && memcmp(p->out.path, it->out.path, dir_n) == 0;
        }
        if (seen)
            continue; /* synced with the earlier item of the same folder */
        struct sluice_err err = {{0}};
        if (sluice__fsync_folder_of(it->out.path, &err) == SLUICE_OK)
            continue;
        for (struct commit_item *q = it; q; q = q->next) {
            const char *qs = q->out.path ? strrchr(q->out.path, '/') : NULL;
            size_t qn = qs ? (size_t)(qs - q->out.path) : 0;
            if (q->rc == SLUICE_OK && q->out.path && !q->sink->database &&
                qn == dir_n &&
                memcmp(q->out.path, it->out.path, dir_n) == 0) {
                q->rc = SLUICE_EIO;
                sluice__err_set(&q->sink->err, "%s", err.msg);
            }
        }
    }
}

static bool cancelled(const struct committer *c)
{
    return c->cancel && atomic_load(c->cancel) != 0;
}

/* The backoff before a commit is tried again, cut short by a cancel (in
 * slices, since a cancel comes from a signal handler, which cannot signal
 * a condition variable). */
static void backoff(const struct committer *c, double seconds)
{
    while (seconds > 0 && !cancelled(c)) {
        double slice = seconds < 0.05 ? seconds : 0.05;
        struct timespec ts = {0, (long)(slice * 1e9)};
        nanosleep(&ts, NULL);
        seconds -= slice;
    }
}

static void commit_one(struct committer *c, struct commit_item *it)
{
    if (c->turn_on) {
        it->sink->schema_turn = &c->turn;
        it->sink->schema_ticket = it->seq;
    }
    it->rc = it->sink->ops->commit(it->sink, &it->bytes_out);
    /* Its turn is over even when the sink never took it (NDJSON, a failure
     * before the schema file was read): the next window's may come. */
    if (c->turn_on) {
        sluice__schema_turn_pass(&c->turn, it->seq);
        it->sink->schema_turn = NULL;
    }
    unsigned attempts = c->policy ? c->policy->attempts : 1;
    while (it->rc != SLUICE_OK && it->sink->transient &&
           it->commit_retries + 1 < attempts && !cancelled(c)) {
        if (it->commit_retries == 0)
            snprintf(it->retry_why, sizeof it->retry_why, "%.500s",
                     sluice__sink_reason(it->sink, it->rc));
        it->commit_retries++;
        pthread_mutex_lock(&c->mu); /* the rng is the workers' */
        double wait = sluice__retry_backoff(c->policy, it->commit_retries,
                                            &c->rng);
        pthread_mutex_unlock(&c->mu);
        backoff(c, wait);
        if (cancelled(c))
            break;
        it->sink->err.msg[0] = '\0';
        it->rc = it->sink->ops->commit(it->sink, &it->bytes_out);
    }
    /* Not tried again: the spool it kept goes. */
    if (it->rc != SLUICE_OK && it->sink->transient)
        it->sink->ops->abort(it->sink);
}

/* A worker's share of the windows queued now (under mu): in order, at
 * least one, about 1/n_threads of them, so the others take the rest. */
static struct commit_item *take_batch(struct committer *c)
{
    size_t queued = 0;
    for (struct commit_item *it = c->todo; it; it = it->next)
        queued++;
    size_t share = (queued + c->n_threads - 1) / c->n_threads;
    struct commit_item *batch = c->todo, *last = c->todo;
    for (size_t i = 1; i < share; i++)
        last = last->next;
    c->todo = last->next;
    if (!c->todo)
        c->todo_tail = NULL;
    last->next = NULL;
    return batch;
}

static void *worker(void *arg)
{
    struct committer *c = arg;
    /* Signals are the command's business: let its main thread take them. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    pthread_mutex_lock(&c->mu);
    for (;;) {
        while ((!c->todo || (c->hold && !c->released)) && !c->stop)
            pthread_cond_wait(&c->cv, &c->mu);
        if (!c->todo)
            break; /* stopping, and nothing left to publish */
        /* Take a share of the windows queued now: their folder fsyncs are
         * shared. */
        struct commit_item *batch = take_batch(c);
        if (c->todo)
            pthread_cond_signal(&c->cv); /* another worker takes the rest */
        pthread_mutex_unlock(&c->mu);

        for (struct commit_item *it = batch; it; it = it->next)
            commit_one(c, it);
        sync_folders(batch);
        if (c->s3)
            sluice__committer_upload(c, batch); /* before the ledger mark */

        pthread_mutex_lock(&c->mu);
        for (struct commit_item *it = batch; it; it = it->next)
            it->finished = true;
        pthread_mutex_unlock(&c->mu);
        sluice__http_driver_wakeup(c->driver); /* the loop may be polling */
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int sluice__committer_start(struct committer *c,
                            struct sluice_http_driver *driver,
                            unsigned workers, struct sluice_err *err)
{
    memset(c, 0, sizeof *c);
    c->driver = driver;
    if (workers < 1)
        workers = 1;
    if (workers > SLUICE_MAX_WORKERS)
        workers = SLUICE_MAX_WORKERS;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        sluice__err_set(err, "cannot create a mutex");
        return SLUICE_ENOMEM;
    }
    if (pthread_cond_init(&c->cv, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        sluice__err_set(err, "cannot create a condition variable");
        return SLUICE_ENOMEM;
    }
    if (workers > 1 && sluice__schema_turn_init(&c->turn) != SLUICE_OK) {
        pthread_cond_destroy(&c->cv);
        pthread_mutex_destroy(&c->mu);
        sluice__err_set(err, "cannot create a mutex");
        return SLUICE_ENOMEM;
    }
    c->turn_on = workers > 1;
#ifndef NDEBUG
    const char *hold = getenv("SLUICE_TEST_HOLD_COMMITS");
    c->hold = hold && strcmp(hold, "1") == 0;
#endif
    c->initialised = true;
    c->n_threads = workers; /* take_batch's divisor, before any thread */
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&c->threads[i], NULL, worker, c) != 0) {
            c->n_threads = i;
            c->started = i > 0;
            sluice__committer_cleanup(c);
            sluice__err_set(err, "cannot start the committer's threads");
            return SLUICE_ENOMEM;
        }
    }
    c->started = true;
    return SLUICE_OK;
}

void sluice__committer_submit(struct committer *c, struct commit_item *it)
{
    pthread_mutex_lock(&c->mu);
    it->seq = c->seq++;
    it->finished = false;
    it->order_next = NULL;
    if (c->order_tail)
        c->order_tail->order_next = it;
    else
        c->order = it;
    c->order_tail = it;
    push(&c->todo, &c->todo_tail, it);
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (++c->pending > c->pending_max)
        c->pending_max = c->pending;
}

void sluice__committer_release(struct committer *c)
{
    if (!c->initialised || !c->hold)
        return;
    pthread_mutex_lock(&c->mu);
    if (!c->released) {
        c->released = true;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
}

struct commit_item *sluice__committer_collect(struct committer *c)
{
    if (!c->initialised || c->pending == 0)
        return NULL;
    struct commit_item *head = NULL, *tail = NULL;
    pthread_mutex_lock(&c->mu);
    /* The finished prefix of the submission order: a window finished
     * before an earlier one waits for it. */
    while (c->order && c->order->finished) {
        struct commit_item *it = c->order;
        c->order = it->order_next;
        if (!c->order)
            c->order_tail = NULL;
        push(&head, &tail, it);
    }
    pthread_mutex_unlock(&c->mu);
    for (struct commit_item *it = head; it; it = it->next)
        c->pending--;
    return head;
}

void sluice__committer_stop(struct committer *c)
{
    if (!c->started)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    for (unsigned i = 0; i < c->n_threads; i++)
        pthread_join(c->threads[i], NULL);
    c->started = false;
}

void sluice__committer_cleanup(struct committer *c)
{
    sluice__committer_stop(c);
    if (!c->initialised)
        return;
    if (c->turn_on)
        sluice__schema_turn_destroy(&c->turn);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    c->initialised = false;
}
