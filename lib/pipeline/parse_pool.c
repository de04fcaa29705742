/* parse_pool.c: reads 2xx bodies off the loop's thread. Parsing a body
 * (the JSON reader, the selector, the sink's events: spooling, inference,
 * redaction) is most of a pull's CPU; on the loop's thread it held every
 * transfer back while one body was read. The loop now only moves bytes:
 * the write callback queues a body's bytes on its slot (`feed`), and one
 * of the job's `workers:` threads (one per core by default) reads them
 * into the slot's reader while more arrive. When the transfer ends the
 * slot waits (SLOT_PARSING) until its worker has read the last byte and
 * judged the body (the reader's end, the records path); the loop then
 * judges the attempt as it always did (attempt.c: publish, retry, fail).
 *
 * Ownership: while a slot's bytes are queued or read, its reader,
 * selector, sink, cursor tracker and `p_*` findings are the worker's; the
 * loop touches only `feed` (under the mutex) and its transfer. What all
 * readers share and the loop may change, the job's secrets (an OAuth2
 * token added when it is renewed), the loop changes only behind the gate
 * (sluice__parse_pool_gate_close: no worker reads until it opens). The
 * mutex's hand-overs order every write before the other thread's reads.
 * A slot is read by one worker at a time, its bytes in order.
 *
 * Back-pressure: a slot's queue holds at most FEED_PAUSE_AT bytes; past
 * it the loop pauses that transfer (http/driver.h) and the worker that
 * takes the queue asks the loop to resume it. So a CPU slower than the
 * network slows the network instead of growing memory: at most about
 * two queues per slot exist (the one filling, the one read).
 *
 * A paginated window's page is read so too: its pager reads the header
 * lines on the loop before the first body byte and the body's events on
 * the worker (trailers after it do not reach the pager), and the next
 * request is named once the slot is back (attempt.c). Not deferred (read
 * on the loop as before): the pages of a page group, which pages.c writes
 * into their window's sink on the loop in page order. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/run.h"

/* A slot's queued bytes before its transfer pauses: two of curl's 16 KiB
 * writes. Measured (W8, 1.3 MB pages, concurrency 32): 64 KiB gave the same
 * wall and 4 MiB more peak RSS (the queues' buffers keep their size). */
#define FEED_PAUSE_AT (32u * 1024u)
/* Bytes queued before a worker is woken for them (or the body's end): a
 * full curl write, so that the small pieces of a chunked body wait for
 * more instead of costing a hand-over (a futex wake, a context switch)
 * each. */
#define FEED_HANDOFF (16u * 1024u)

static void push_todo(struct parse_pool *p, struct slot *s)
{
    s->pool_next = NULL;
    if (p->todo_tail)
        p->todo_tail->pool_next = s;
    else
        p->todo = s;
    p->todo_tail = s;
    pthread_cond_signal(&p->cv);
}

/* The test hook's hold ends (under mu). */
static void release_hold(struct parse_pool *p)
{
    if (p->hold && !p->released) {
        p->released = true;
        pthread_cond_broadcast(&p->cv);
    }
}

static struct slot *pop_todo(struct parse_pool *p)
{
    struct slot *s = p->todo;
    p->todo = s->pool_next;
    if (!p->todo)
        p->todo_tail = NULL;
    s->pool_next = NULL;
    return s;
}

static void swap_bufs(struct sluice_buf *a, struct sluice_buf *b)
{
    struct sluice_buf t = *a;
    *a = *b;
    *b = t;
}

/* Reads what was taken from the slot's queue (the worker's thread). */
static void read_taken(struct slot *s, struct sluice_buf *taken, bool eof)
{
    if (taken->n && !atomic_load(&s->p_failed)) {
        bool invalid = false;
        if (!sluice__slot_read_body(s, taken->p, taken->n, &s->p_err,
                                    &invalid)) {
            s->p_json_invalid = invalid;
            atomic_store(&s->p_failed, true);
        }
    }
    sluice__buf_reset(taken);
    /* The body's end is judged only for a transfer that ended well: a
     * failed one is retried or failed on its own reason. */
    if (eof && s->done_cc == 0 && !atomic_load(&s->p_failed)) {
        bool invalid = false, missing = false;
        if (!sluice__slot_body_verdict(s, &s->p_err, &invalid, &missing)) {
            s->p_json_invalid = invalid;
            s->p_missing = missing;
        }
    }
}

/* Whether the loop has nothing of the pool's to collect (under mu). Only
 * then does adding to `resume` or `done` need to wake it: the wake sent
 * for the first entry is still owed, and the loop collects after every
 * step (run.c), taking whatever was added since. A wake per entry was
 * about 1,800 sendto calls in a 314-window run, most of them to a loop
 * already awake. */
static bool nothing_to_collect(const struct parse_pool *p)
{
    return !p->resume && !p->done;
}

static void *worker(void *arg)
{
    struct parse_pool *p = arg;
    sigset_t all; /* signals are the command's main thread's */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);

    /* The queue taken from a slot is swapped with this (emptied) one, so
     * the buffers are one per slot and one per worker. */
    struct sluice_buf taken;
    sluice__buf_init(&taken, p->feed_max);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while ((!p->todo || (p->hold && !p->released)) && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->todo)
            break; /* stopping, nothing left */
        struct slot *s = pop_todo(p);
        for (;;) { /* the slot is this worker's (feed_busy) */
            swap_bufs(&s->feed, &taken);
            bool eof = s->feed_eof;
            if (s->feed_paused) { /* room again: the loop resumes it */
                s->feed_paused = false;
                bool wake = nothing_to_collect(p);
                struct slot **q = &p->resume;
                while (*q)
                    q = &(*q)->resume_next;
                s->resume_next = NULL;
                *q = s;
                if (wake)
                    sluice__http_driver_wakeup(p->driver);
            }
            while (p->gate) /* the loop changes what readers share */
                pthread_cond_wait(&p->cv, &p->mu);
            p->reading++;
            pthread_mutex_unlock(&p->mu);
            read_taken(s, &taken, eof);
            pthread_mutex_lock(&p->mu);
            if (--p->reading == 0 && p->gate)
                pthread_cond_broadcast(&p->idle_cv);
            if (eof) {
                bool wake = nothing_to_collect(p);
                struct slot **q = &p->done;
                while (*q)
                    q = &(*q)->pool_next;
                s->pool_next = NULL;
                *q = s;
                s->feed_busy = false;
                pthread_cond_broadcast(&p->idle_cv);
                if (wake)
                    sluice__http_driver_wakeup(p->driver);
                break;
            }
            if (s->feed.n < FEED_HANDOFF && !s->feed_eof) {
                s->feed_busy = false; /* the next bytes queue it again */
                pthread_cond_broadcast(&p->idle_cv);
                break;
            }
        }
    }
    pthread_mutex_unlock(&p->mu);
    sluice__buf_cleanup(&taken);
    return NULL;
}

int sluice__parse_pool_start(struct parse_pool *p,
                             struct sluice_http_driver *d, unsigned workers,
                             size_t feed_max, struct sluice_err *err)
{
    memset(p, 0, sizeof *p);
    p->driver = d;
    p->feed_max = feed_max;
    if (workers == 0)
        return SLUICE_OK;
    if (workers > SLUICE_MAX_WORKERS)
        workers = SLUICE_MAX_WORKERS;
    if (pthread_mutex_init(&p->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&p->cv, NULL) != 0) {
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
    if (pthread_cond_init(&p->idle_cv, NULL) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        goto fail;
    }
#ifndef NDEBUG
    const char *hold = getenv("SLUICE_TEST_HOLD_PARSE");
    p->hold = hold && strcmp(hold, "1") == 0;
#endif
    p->initialised = true;
    for (unsigned i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            if (p->n_threads > 0)
                break; /* fewer workers than asked: still correct */
            sluice__parse_pool_stop(p);
            goto fail;
        }
        p->n_threads++;
    }
    return SLUICE_OK;
fail:
    sluice__err_set(err, "cannot start the parse threads");
    return SLUICE_ENOMEM;
}

void sluice__parse_pool_stop(struct parse_pool *p)
{
    if (!p->initialised)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    p->n_threads = 0;
    pthread_cond_destroy(&p->idle_cv);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    p->initialised = false;
}

enum sluice_feed sluice__parse_pool_feed(struct parse_pool *p, struct slot *s,
                                         const char *data, size_t n)
{
    if (atomic_load(&s->p_failed))
        return SLUICE_FEED_STOP; /* the worker refused earlier bytes */
    pthread_mutex_lock(&p->mu);
    if (s->feed.n >= FEED_PAUSE_AT) {
        s->feed_paused = true; /* the worker that takes it resumes it */
        p->pauses++;
        release_hold(p);
        pthread_mutex_unlock(&p->mu);
        sluice__http_transfer_pause(s->xfer);
        return SLUICE_FEED_PAUSED;
    }
    int rc = sluice__buf_append(&s->feed, data, n);
    if (rc == SLUICE_OK && !s->feed_busy && s->feed.n >= FEED_HANDOFF) {
        s->feed_busy = true;
        push_todo(p, s);
    }
    pthread_mutex_unlock(&p->mu);
    if (rc != SLUICE_OK) {
        sluice__err_set(&s->err, "response: %s", sluice_strerror(rc));
        return SLUICE_FEED_STOP;
    }
    return SLUICE_FEED_TAKEN;
}

void sluice__parse_pool_end(struct parse_pool *p, struct slot *s, int cc,
                            const char *error)
{
    pthread_mutex_lock(&p->mu);
    s->done_cc = cc;
    s->done_error = error;
    s->feed_eof = true;
    release_hold(p); /* a body too short to pause */
    if (!s->feed_busy) {
        s->feed_busy = true;
        push_todo(p, s);
    }
    pthread_mutex_unlock(&p->mu);
    s->state = SLOT_PARSING;
    p->parsing++;
}

void sluice__parse_pool_collect(struct parse_pool *p)
{
    if (!p->initialised)
        return;
    pthread_mutex_lock(&p->mu);
    struct slot *resume = p->resume, *done = p->done;
    p->resume = NULL;
    p->done = NULL;
    pthread_mutex_unlock(&p->mu);
    for (struct slot *s = resume, *next; s; s = next) {
        next = s->resume_next;
        s->resume_next = NULL;
        sluice__http_transfer_resume(s->xfer);
    }
    for (struct slot *s = done, *next; s; s = next) {
        next = s->pool_next;
        s->pool_next = NULL;
        p->parsing--;
        sluice__slot_parsed(s);
    }
}

static void unlink_from(struct slot **head, struct slot *s, bool resume)
{
    for (struct slot **q = head; *q;
         q = resume ? &(*q)->resume_next : &(*q)->pool_next)
        if (*q == s) {
            *q = resume ? s->resume_next : s->pool_next;
            return;
        }
}

void sluice__parse_pool_detach(struct parse_pool *p, struct slot *s)
{
    if (!p->initialised || !s->deferred)
        return;
    pthread_mutex_lock(&p->mu);
    /* queued, not begun: take it out; being read: wait for the worker */
    bool queued = false;
    for (struct slot *q = p->todo; q; q = q->pool_next)
        queued |= q == s;
    if (queued) {
        unlink_from(&p->todo, s, false);
        p->todo_tail = NULL;
        for (struct slot *q = p->todo; q; q = q->pool_next)
            p->todo_tail = q;
        s->feed_busy = false;
    }
    while (s->feed_busy)
        pthread_cond_wait(&p->idle_cv, &p->mu);
    unlink_from(&p->done, s, false);
    unlink_from(&p->resume, s, true);
    pthread_mutex_unlock(&p->mu);
    if (s->state == SLOT_PARSING) {
        p->parsing--;
        s->state = SLOT_WAITING;
    }
    sluice__buf_reset(&s->feed);
    s->feed_eof = false;
    s->feed_paused = false;
    s->deferred = false;
}

void sluice__parse_pool_gate_close(struct parse_pool *p)
{
    if (!p->initialised)
        return;
    pthread_mutex_lock(&p->mu);
    p->gate = true;
    while (p->reading > 0)
        pthread_cond_wait(&p->idle_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

void sluice__parse_pool_gate_open(struct parse_pool *p)
{
    if (!p->initialised)
        return;
    pthread_mutex_lock(&p->mu);
    p->gate = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}
