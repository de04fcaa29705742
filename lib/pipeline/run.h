/* run.h: the state of one run, shared by the files of lib/pipeline/:
 *
 *   run.c        sluice_run(): set up, the event loop, tear down
 *   attempt.c    one slot: start an attempt, stream its body, judge its end
 *   run_plan.c   the plan: which windows are due, handed out in order
 *   run_ledger.c the state ledger's part: what is due, marks, fingerprint
 *   result.c     a window's end: ledger mark, callbacks, counters
 *   committer.c  the thread that publishes finished windows
 *   run_auth.c   the run's OAuth2 token: asked for, renewed, on a 401
 *   run_incr.c   incremental: the cursor sent, tracked, kept
 *
 * `struct run` embeds one struct per part, each owned by its file (only
 * that file changes its fields; the others read them or call it): the
 * plan, the ledger part, the committer; it points to the transfer driver
 * (http/driver.h), which alone speaks to libcurl. What is left in `struct
 * run` itself is the loop's policy: slots, governor, counters, stopping.
 *
 * One thread runs all of it but the sinks' commits, which the committer
 * thread runs on sinks handed to it (and only those). */
#ifndef SLUICE_PIPELINE_RUN_H
#define SLUICE_PIPELINE_RUN_H

#include <stdatomic.h>
#include <pthread.h>

#include "config/job.h"
#include "http/driver.h"
#include "http/governor.h"
#include "http/oauth2.h"
#include "http/paginate.h"
#include "http/rate_headers.h"
#include "http/retry.h"
#include "http/s3_client.h"
#include "json/select.h"
#include "pipeline/pages.h"
#include "sink/schema_file.h"
#include "sink/sink.h"
#include "state/ledger.h"
#include "util/log.h"

struct sluice_run_report; /* pipeline/run_report.h */

#define SLUICE_MAX_STATUSES 32 /* attempt statuses kept per window */
#define SLUICE_MAX_WORKERS 64  /* committer threads (job's workers:) */

enum slot_state {
    SLOT_IDLE,    /* free for the next window */
    SLOT_WAITING, /* holds a window between attempts (backoff) */
    SLOT_RUNNING, /* a transfer is in flight */
    SLOT_PARKED,  /* holds a window whose pages other slots pull
                     (pages.h): it waits for them, sends nothing */
    SLOT_PARSING  /* its transfer ended; a parse worker still reads the
                     body (parse_pool.c): the slot is the worker's */
};

struct run;

struct slot {
    struct run *run;
    struct sluice_http_transfer *xfer; /* the driver's, reused */
    struct sluice_json_reader *reader;
    struct sluice_selector *selector;
    struct sluice_sink *sink;
    struct curl_slist *headers;
    struct sluice_buf url, path, errbody, start, end;
    struct sluice_buf body; /* source.body rendered (POST) */
    bool as_get;  /* a POST redirected (301/302/303): the rest is GET */
    struct sluice_buf scratch; /* a redacted string value */
    /* Redirects, followed by sluice hop by hop (attempt.c): the origin the
     * job's secrets belong to (the window URL's), the current hop's URL,
     * and the headers sent to another origin (no secret among them). */
    struct sluice_buf origin, hop_url, hop_origin;
    struct curl_slist *hop_headers;
    struct sluice_rate_headers rate_headers;
    /* Pagination (source.pagination; pager NULL without): the window's
     * URL the pages start from and their secrets belong to, the next
     * page's URL, the records of the pages read so far, the requests made
     * for the window (each page's own retry state starts afresh). */
    struct sluice_pager *pager;
    struct sluice_buf base, next_url;
    uint64_t rows;
    unsigned requests;
    /* the most pages read in this window: a page's retries start afresh
     * only past it, so a window that starts over (a page failed after its
     * records began) cannot loop, its pages succeeding again and again */
    uint64_t page_high;
    /* Parallel pages (pages.h): the group this slot holds (as the
     * window's slot, its owner, or as a helper pulling page `task`),
     * whether the records of the response go to `pagebuf` rather than the
     * sink, and the group's pages once the window is published. */
    struct page_group *group;
    uint64_t task;
    bool buffering;
    struct sluice_buf pagebuf;
    uint64_t pages_par;
    bool page_wrote; /* a record of this attempt reached the sink */

    enum slot_state state;
    struct sluice_window w;
    struct sluice_retry_state retry;
    long statuses[SLUICE_MAX_STATUSES];
    size_t n_statuses;
    double not_before;    /* SLOT_WAITING: next attempt's earliest time */
    double t_first;       /* the window's first attempt */
    uint64_t ticket;      /* the governor's, for this attempt */

    /* this attempt */
    long status;          /* 0 until the first body byte */
    bool failed_in_body;  /* a write or header callback stopped the transfer
                             (s->err says why) */
    size_t header_bytes;  /* of this answer's header lines, all blocks */
    bool headers_done;    /* the blank line ending a final header block */
    bool json_invalid;    /* ... because the 2xx body is not valid JSON */
    bool records_missing; /* a whole 2xx JSON body without the records
                             path's container: never "done, 0 rows" */
    bool sink_open;
    unsigned hops;        /* redirects followed in this attempt */
    bool redirect_refused;/* a redirect was not followed: s->err says why */
    uint64_t bytes_in;
    struct sluice_err err;
    /* OAuth2 (run_auth.c): the token generation this attempt was sent
     * with, and whether a 401 already renewed it for this window */
    unsigned auth_gen;
    bool auth_renewed;
    /* incremental (run_incr.c): this attempt's records' cursor */
    struct sluice_cursor_tracker incr;

    /* A 2xx body read by a parse worker (parse_pool.c) instead of on the
     * loop's thread. `deferred`: this attempt's body goes there (loop's
     * thread). Under the pool's mutex: `feed`, bytes received and not yet
     * taken by the worker; `feed_busy`, queued or being read; `feed_eof`,
     * the transfer ended; `feed_paused`, the loop paused the transfer
     * because `feed` was full (the worker swaps `feed` with an empty
     * buffer of its own and reads that). The worker's own: its findings,
     * merged by the loop once it gets the slot back: `p_failed` (a body
     * byte the reader or the sink refused; also read by the loop's
     * on_body, to stop the transfer), `p_json_invalid`, `p_missing` and
     * `p_err`. */
    bool deferred;
    struct sluice_buf feed;
    bool feed_busy, feed_eof, feed_paused;
    atomic_bool p_failed;
    bool p_json_invalid, p_missing;
    struct sluice_err p_err;
    int done_cc;             /* the transfer's end, kept for the verdict */
    const char *done_error;
    double t_done, t_done_wall; /* when it ended (monotonic, UTC) */
    struct slot *pool_next;  /* in the pool's todo or done queue */
    struct slot *resume_next; /* in its resume queue */
};

/* A window's end as reported: a snapshot of its slot, so that a window
 * whose file is still being published can be reported after its slot has
 * moved on to the next window. */
struct outcome {
    struct sluice_window w;
    long statuses[SLUICE_MAX_STATUSES];
    size_t n_statuses;
    unsigned requests;
    uint64_t pages;  /* read whole (1 without pagination, once done) */
    uint64_t bytes_in;
    double t_first;
    char *start, *end, *url, *path; /* owned */
};

/* A finished window on its way through the committer. */
struct commit_item {
    struct sluice_sink *sink; /* the committer's until it hands it back */
    struct outcome out;
    uint64_t rows;
    int rc;                   /* the sink's commit */
    uint64_t bytes_out;
    /* Commits tried again after a transient failure of the destination,
     * and the first such failure's reason (the loop logs it). */
    unsigned commit_retries;
    char retry_why[512];
    struct commit_item *next;
    /* The commit order (committer.c): the item's place (its schema turn's
     * ticket), whether its worker is done with it, the next submitted. */
    uint64_t seq;
    bool finished;
    struct commit_item *order_next;
};

/* The committer (committer.c): `n_threads` workers. */
struct committer {
    pthread_t threads[SLUICE_MAX_WORKERS];
    unsigned n_threads; /* started */
    bool initialised; /* mutex and condition exist */
    bool started;     /* the threads run */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct commit_item *todo, *todo_tail; /* to publish, in order */
    /* every item submitted and not collected, in submission order; the
     * loop collects the finished ones from its head only */
    struct commit_item *order, *order_tail;
    uint64_t seq;       /* the next item's place */
    /* the schema file's turns (sink.h), when more than one worker */
    struct sluice_schema_turn turn;
    bool turn_on;
    bool stop;
    struct sluice_http_driver *driver; /* woken when a commit is done */
    /* A commit that failed transiently (sink.h) is tried again with the
     * job's retry policy, as a 5xx would be; set by the run before its
     * first submit. cancel: the run handle's, to stop waiting. */
    const struct sluice_retry_policy *policy;
    uint64_t rng;
    const atomic_int *cancel;
    size_t pending; /* submitted, not collected: the loop's thread only */
    size_t pending_max; /* the most pending at once (loop's thread) */
    /* Test hook (debug builds, SLUICE_TEST_HOLD_COMMITS=1): no commit
     * starts until the loop has been held back by pending commits once
     * (sluice__committer_release), so a test sees the bound at work
     * without timing anything. Under mu. */
    bool hold, released;
    /* S3 (run_s3.c): published files are uploaded before they are handed
     * back; NULL for a local output. s3_refused (under mu): the store
     * refused the job itself, s3_refused_err says how. */
    struct sluice_s3_client *s3;
    const struct sluice_s3_dest *s3_dest;
    bool s3_refused;
    struct sluice_err s3_refused_err;
};

/* The parse workers (parse_pool.c): `n_threads` threads reading 2xx bodies
 * (JSON reader, selector, sink events) off the loop's thread. */
struct parse_pool {
    pthread_t threads[SLUICE_MAX_WORKERS];
    unsigned n_threads;        /* started; 0: bodies are read on the loop */
    bool initialised;
    pthread_mutex_t mu;
    pthread_cond_t cv;         /* work for the workers, or stop */
    pthread_cond_t idle_cv;    /* a worker let go of a slot */
    struct slot *todo, *todo_tail; /* slots with bytes to read */
    struct slot *done;         /* read whole: the loop judges them */
    struct slot *resume;       /* paused transfers whose feed was taken */
    bool stop;
    struct sluice_http_driver *driver; /* woken for done and resume */
    size_t parsing;            /* slots SLOT_PARSING: the loop's thread */
    size_t feed_max;           /* a queue's bound (the response's) */
    uint64_t pauses;           /* transfers paused, their queue full */
    /* The gate: closed, no worker starts reading (the loop changes what
     * they share); `reading`, the workers reading now. */
    bool gate;
    unsigned reading;
    /* Test hook (debug builds, SLUICE_TEST_HOLD_PARSE=1): no worker
     * reads until a transfer was paused once (or one ended), so a test
     * sees the pause and the resume at work without timing anything. */
    bool hold, released;
};

/* The plan (run_plan.c): which windows this run pulls. */
struct run_plan {
    size_t count;         /* partitions (windows up to `to` x groups) */
    size_t per_group;     /* windows per group (1 without windows) */
    size_t next;          /* next index to consider */
    size_t limit;         /* at most this many due windows (0: all) */
    size_t selected;      /* due windows handed out so far */
    /* --window and --partition: only these groups' windows (both may be
     * "any"); `single` when either narrows the plan (no ledger walk). */
    bool single;
    struct sluice_part_select sel;
    uint8_t *due;         /* a bit per window: due in this run */
    size_t due_total;     /* windows this run will pull (limit applied) */
    size_t due_begin, due_end; /* no window outside [begin, end) is due */
    /* A claiming run (a shared ledger, run_worker.c): no walk decides
     * what is due; partitions arrive from claims, queued here in claim
     * order. When the queue is empty and `claim_more`, plan_next asks
     * claim(claim_ud) for more (it clears claim_more once the pool is
     * done, and sets claim_wake, a sluice__now() instant, when it must
     * wait for other workers' leases). */
    bool claiming;
    void (*claim)(void *ud);
    void *claim_ud;
    bool claim_more;
    double claim_wake;
    size_t *queue;
    size_t q_head, q_n, q_cap;
};

/* The ledger's part (run_ledger.c); db is NULL when the job keeps no
 * state. */
struct run_ledger {
    struct sluice_ledger *db;
    struct sluice_ledger_cursor *cursor; /* while deciding what is due */
    size_t cursor_group;                 /* the group `cursor` walks */
    size_t group;       /* the group the ledger addresses (use_part) */
    bool group_set;
    int64_t run_id;
    /* The ledger's file was deleted or replaced under the run: nothing more
     * is recorded and the run stops (why: the ledger's message). */
    bool lost;
    char lost_msg[SLUICE_ERR_MAX];
    /* The job's origin, the key of its learned rate ("" when its URL does
     * not parse as one, e.g. a templated host). */
    char origin[512];
    /* A shared ledger (run_worker.c): when this worker began (claims of
     * older failures), the next heartbeat (sluice__now() instant), the
     * lease in seconds. */
    int64_t worker_since;
    double renew_at;
    double lease;
};

/* The run's OAuth2 token (run_auth.c); oauth2 false: the job has none. */
struct run_auth {
    bool oauth2;
    struct sluice_http_policy policy; /* the token requests' */
    struct sluice_oauth2_token token;
    char *header;   /* "Authorization: Bearer <token>" */
    unsigned gen;   /* tokens obtained: a request names the one it used */
    unsigned requests; /* token requests made */
    /* no token could be obtained: the run stops, with this message */
    bool failed;
    char failed_msg[SLUICE_ERR_MAX];
};

/* An incremental run (run_incr.c); on false: the job is not one. */
struct run_incr {
    bool on;
    struct sluice_cursor_value stored; /* the ledger's, if any */
    struct sluice_cursor_tracker seen; /* over the windows done */
    char *saved_path; /* output.path as loaded, back at the end */
};

/* The public run handle (sluice_run_new): the caller's options copied in
 * full size, and the cancel request, the one member another thread or a
 * signal handler writes (lock-free, so a store is async-signal-safe). */
struct sluice_run {
    atomic_int cancel; /* 0, or the highest enum sluice_cancel asked */
    bool ran;          /* sluice_run_exec() was called */
    struct sluice_job *job;
    struct sluice_run_opts opts;
    /* A job with `resources:` (run_resources.c) runs its resources one
     * after the other through this handle: each resource's run carries
     * the one governor on (its state copied in at the start, out at the
     * end) and adds its windows to the one report. NULL otherwise. */
    struct sluice_governor *gov_carry;
    bool gov_carried; /* *gov_carry holds a run's state */
    struct sluice_run_report *report;
};

/* run_budget.c: the run's part of a shared rate budget. */
struct sluice_budget;
struct run_budget {
    struct sluice_budget *b; /* NULL: the job's budget is this run's alone */
    double next_refresh;     /* monotonic */
    unsigned members;        /* workers sharing it at the last refresh */
    bool failed; /* the last refresh failed (said once in the log) */
    char msg[SLUICE_ERR_MAX];
};

struct run {
    struct sluice_job *job;
    const struct sluice_run_opts *opts; /* the handle's full copy */
    struct sluice_run *handle;
    struct sluice_logger log;
    struct sluice_run_report *report; /* opts->report_path; NULL: none */
    struct sluice_http_driver *driver; /* one transfer per slot */
    struct slot *slots;
    size_t n_slots;
    struct sluice_governor gov;
    uint64_t rng;
    struct run_plan plan;
    struct run_ledger ledger;
    struct committer committer;
    struct parse_pool parse;
    unsigned parse_threads; /* the pool's, kept for the summary */
    struct run_auth auth;
    struct run_incr incr;
    size_t max_pending;   /* commits queued before transfers wait */
    bool held;            /* the loop is held back by them now */
    struct sluice_sink **free_sinks; /* sinks not in use, for reuse */
    size_t n_free_sinks, cap_free_sinks;

    size_t in_flight;
    struct sluice_run_summary sum;
    double t_start;
    double t_last_progress;
    double t_drain;       /* when draining began, 0 if not */
    bool quota_gone;      /* stop starting: the API's quota is spent */
    /* S3 (run_s3.c): the client the committer uploads with; NULL for a
     * local output. A refusal of the job by the store stops the run. */
    struct sluice_s3_client *s3;
    struct sluice_http_policy s3_policy;
    bool s3_refused;
    struct sluice_err s3_err;
    struct run_manifest *manifest; /* output.manifest (manifest.c) */
    /* output.write: replace: the table was emptied by this run's first
     * commit (the sinks read and set it, on the committer thread). */
    bool table_replaced;
    /* The destination refused the job (a database permission): the run
     * stops, with this message. */
    bool dest_refused;
    char dest_msg[SLUICE_ERR_MAX];
    double quota_wall;    /* wall-clock time to come back */
    struct run_budget budget;
};

double sluice__now(void);      /* monotonic seconds */

/* run.c: one run of `job` (the handle's, or one of its resources) with the
 * handle's options; sluice_run_exec() after its checks. */
SLUICE_NODISCARD int sluice__run_exec_job(struct sluice_run *handle,
                                          struct sluice_job *job,
                                          struct sluice_run_summary *sum,
                                          char *errbuf, size_t errlen);
/* run_resources.c: sluice_run_exec() of a job with `resources:`. */
SLUICE_NODISCARD int sluice__run_resources(struct sluice_run *handle,
                                           struct sluice_run_summary *sum,
                                           char *errbuf, size_t errlen);
/* fanout.c: fills `child`'s fan-out dimensions from its parents' files,
 * read through the job's ledger `ledger_path`. *ready false (err saying
 * why) when a parent is not done: the child is then not planned. */
SLUICE_NODISCARD int sluice__fanout_fill(struct sluice_job *child,
                                         const char *ledger_path,
                                         struct sluice_logger *log,
                                         bool *ready, struct sluice_err *err);
double sluice__wall_now(void); /* UTC seconds, fractional */

/* run_budget.c */
/* Joins the job's shared budget at `conninfo` (NULL: not shared). */
SLUICE_NODISCARD int sluice__run_budget_open(struct run *r,
                                             const char *conninfo,
                                             struct sluice_err *err);
/* Refreshes the run's part when a refresh is due (once a second). */
void sluice__run_budget_tick(struct run *r, double now);
/* When the next refresh is due (INFINITY: not shared), for the poll. */
double sluice__run_budget_next(const struct run *r);
void sluice__run_budget_close(struct run *r);

/* attempt.c */
/* The slot uses `xfer` (the driver's, borrowed) for all its windows. */
SLUICE_NODISCARD int sluice__slot_init(struct slot *s, struct run *r,
                                       struct sluice_http_transfer *xfer,
                                       struct sluice_err *err);
void sluice__slot_cleanup(struct slot *s);
/* Takes window i into an idle slot (first attempt follows). */
void sluice__slot_assign(struct slot *s, size_t i);
/* Starts the slot's next attempt now (the caller checked the governor). */
void sluice__slot_start(struct slot *s);
/* A transfer of this slot ended (http/driver.h: its curl code and text). */
void sluice__slot_finish(struct slot *s, const struct sluice_http_done *done);
/* Abandons the slot's window (interrupt, quota): not pulled. */
void sluice__slot_abandon(struct slot *s, const char *why);
/* The slot that holds s's window: its page group's owner, or s. */
struct slot *sluice__slot_window(struct slot *s);
/* Hands a finished window's sink to the committer; the slot goes idle. */
void sluice__slot_publish(struct run *r, struct slot *s);
/* A consumer writing into s's sink (records redacted), for pages kept
 * aside and written later (pages.c). */
void sluice__slot_sink_consumer(struct slot *s,
                                struct sluice_record_consumer *c);

/* attempt.c, for parse_pool.c: reads `n` body bytes into the slot's
 * reader (the worker's thread for a deferred body); false when the reader
 * or the sink refused them, `e` saying why and *json_invalid whether the
 * body is not JSON. */
bool sluice__slot_read_body(struct slot *s, const char *data, size_t n,
                            struct sluice_err *e, bool *json_invalid);
/* The body ended: the reader's end and the selector's verdict (also the
 * worker's, for a deferred body); false with `e` when the body is not
 * whole JSON (*json_invalid) or lacks the records path (*missing). */
bool sluice__slot_body_verdict(struct slot *s, struct sluice_err *e,
                               bool *json_invalid, bool *missing);
/* A deferred body was read whole (parse_pool.c gives the slot back):
 * the transfer's end is judged as sluice__slot_finish would have. */
void sluice__slot_parsed(struct slot *s);

/* parse_pool.c */
/* Starts `workers` threads (0: none, bodies are read on the loop). */
SLUICE_NODISCARD int sluice__parse_pool_start(struct parse_pool *p,
                                              struct sluice_http_driver *d,
                                              unsigned workers,
                                              size_t feed_max,
                                              struct sluice_err *err);
/* Stops and joins the threads (each slot given back first). */
void sluice__parse_pool_stop(struct parse_pool *p);
/* on_body of a deferred body (the loop's thread): the bytes are queued
 * for a worker (TAKEN); or the slot's queue is full, the transfer paused
 * and the bytes not taken (PAUSED: libcurl gives them again on resume);
 * or the worker refused earlier bytes, or the queue could not grow (STOP:
 * the transfer stops). */
enum sluice_feed { SLUICE_FEED_TAKEN, SLUICE_FEED_PAUSED, SLUICE_FEED_STOP };
enum sluice_feed sluice__parse_pool_feed(struct parse_pool *p, struct slot *s,
                                         const char *data, size_t n);
/* The slot's transfer ended (curl code and text): the worker finishes
 * reading, then gives the slot back through sluice__parse_pool_collect. */
void sluice__parse_pool_end(struct parse_pool *p, struct slot *s, int cc,
                            const char *error);
/* The loop's turn: resumes the transfers whose queues were taken and
 * judges each slot read whole (sluice__slot_parsed). */
void sluice__parse_pool_collect(struct parse_pool *p);
/* Takes the slot back from the pool, waiting for a worker reading it to
 * stop (its findings dropped): before the slot's window is abandoned. */
void sluice__parse_pool_detach(struct parse_pool *p, struct slot *s);
/* Closes the gate: waits until no worker reads, and none starts until
 * _gate_open; the loop then changes what every reader uses (the job's
 * secrets). Rare: an OAuth2 token's renewal. */
void sluice__parse_pool_gate_close(struct parse_pool *p);
void sluice__parse_pool_gate_open(struct parse_pool *p);

/* pages.c: parallel pages (pages.h). `s` read its window's first page and
 * the other `npages - 1` are predictable: a group for them, s taking the
 * first (false: out of memory, the pages go one by one). */
bool sluice__pages_begin(struct run *r, struct slot *s, uint64_t npages);
/* A page of a group was read whole by s: kept, written in turn; s takes
 * the next page, waits (the window's slot) or goes free. */
void sluice__pages_done(struct run *r, struct slot *s);
/* The group's window fails with `why` (its sink aborted, reported once);
 * its other pages are dropped as their slots come back. */
void sluice__pages_fail(struct run *r, struct page_group *g,
                        const char *why);
/* s is done with its group's page (failed, dropped): the next page, or
 * free (the window's slot: parked while pages are out). */
void sluice__pages_leave(struct run *r, struct slot *s);

/* run.c: sinks are pooled: a slot takes one per window; a finished window's
 * sink travels through the committer and comes back. */
SLUICE_NODISCARD int sluice__run_sink_take(struct run *r,
                                           struct sluice_sink **out,
                                           struct sluice_err *err);
void sluice__run_sink_give(struct run *r, struct sluice_sink *sink);

/* run.c: how many committer threads the job's run starts. */
unsigned sluice__run_workers(const struct sluice_job *job);
unsigned sluice__run_parse_workers(const struct sluice_job *job);

/* committer.c */
/* Starts `workers` threads (1..SLUICE_MAX_WORKERS); the windows still come
 * back to the loop in the order they were submitted. */
SLUICE_NODISCARD int
sluice__committer_start(struct committer *c, struct sluice_http_driver *driver,
                        unsigned workers, struct sluice_err *err);
void sluice__committer_submit(struct committer *c, struct commit_item *it);
/* The loop was held back by pending commits: ends the test hook's hold. */
void sluice__committer_release(struct committer *c);
/* The items published since the last call (a list), or NULL. */
struct commit_item *sluice__committer_collect(struct committer *c);
/* Publishes what is queued, then ends the thread; collect still works. */
void sluice__committer_stop(struct committer *c);
void sluice__committer_cleanup(struct committer *c);

/* run_s3.c. Creates the S3 client and runs the preflight (aborting what a
 * killed run left open; a store refusing the job fails here, before any
 * request to the API); nothing for a local output. */
SLUICE_NODISCARD int sluice__run_s3_open(struct run *r,
                                         const struct sluice_http_policy *pol,
                                         struct sluice_err *err);
void sluice__run_s3_close(struct run *r);
/* The committer thread: uploads the batch's published files; an item whose
 * upload failed gets its rc and message. */
void sluice__committer_upload(struct committer *c, struct commit_item *batch);
/* The loop's thread: whether the store refused the job (err says how). */
bool sluice__committer_refused(struct committer *c, struct sluice_err *err);
/* Uploads one staged file below the staging folder (the manifest) and
 * removes it; *shown is its s3:// URL (caller frees). */
SLUICE_NODISCARD int sluice__run_s3_put_file(struct run *r, const char *path,
                                             char **shown,
                                             struct sluice_err *err);

/* manifest.c: output.manifest. _begin before the loop, _add for each
 * published window (its schema version when the commit made one, else 0),
 * _finish at the end: writes, publishes (and uploads) the run's manifest. */
SLUICE_NODISCARD int sluice__manifest_begin(struct run *r,
                                            struct sluice_err *err);
void sluice__manifest_add(struct run *r, const struct outcome *o,
                          uint64_t rows, uint64_t bytes, int64_t version);
SLUICE_NODISCARD int sluice__manifest_finish(struct run *r, int run_rc,
                                             struct sluice_err *err);

/* result.c */
SLUICE_NODISCARD int sluice__outcome_take(const struct slot *s,
                                          struct outcome *o);
void sluice__outcome_cleanup(struct outcome *o);
void sluice__result_emit(struct run *r, const struct outcome *o,
                         enum sluice_window_status status, uint64_t rows,
                         uint64_t bytes_out, uint64_t bad_values,
                         const char *error);
void sluice__result_failed(struct run *r, struct slot *s, const char *why);
void sluice__result_not_pulled(struct run *r, struct slot *s,
                               const char *why);
/* Window `index` ends not pulled without ever having had a slot (the run
 * stopped first): reported from the plan alone. */
void sluice__result_unstarted(struct run *r, size_t index, const char *why);

/* run_plan.c */
void sluice__run_plan_init(struct run_plan *p, size_t count, size_t per_group,
                           size_t limit);
void sluice__run_plan_cleanup(struct run_plan *p);
/* --window WHEN: the plan holds only the window holding that instant, in
 * each group (SLUICE_EJOB, err set, when none does or WHEN does not parse,
 * or the job has no windows). */
SLUICE_NODISCARD int
sluice__run_plan_select_single(struct run_plan *p,
                               const struct sluice_window_spec *windows,
                               const char *when, struct sluice_err *err);
/* --partition KEY (plan/partition.h's selection), narrowing what --window
 * chose. */
SLUICE_NODISCARD int
sluice__run_plan_select_partition(struct run_plan *p,
                                  const struct sluice_part_spec *parts,
                                  const char *key, struct sluice_err *err);
/* Asked once per window, in increasing i, while the plan is built. */
typedef int (*sluice_run_due_fn)(void *ud, size_t i, bool *due,
                                 struct sluice_err *err);
/* Decides which windows are due (limit and --window applied), counting
 * the others in *skipped. is_due's failure ends the walk and is returned. */
SLUICE_NODISCARD int sluice__run_plan_build(struct run_plan *p,
                                            sluice_run_due_fn is_due, void *ud,
                                            size_t *skipped,
                                            struct sluice_err *err);
bool sluice__run_plan_is_due(const struct run_plan *p, size_t i);
/* The next due window, in index order; false when none is left. */
bool sluice__run_plan_next(struct run_plan *p, size_t *index);
/* Due windows not handed out yet (a claiming run: or more may come). */
bool sluice__run_plan_left(const struct run_plan *p);
/* Due windows handed to this run and not started yet (a claiming run:
 * those it claimed; not those it may claim later). */
bool sluice__run_plan_queued(const struct run_plan *p);
/* A claiming run: queues claimed partition `index` as due (SLUICE_ENOMEM). */
SLUICE_NODISCARD int sluice__run_plan_push(struct run_plan *p, size_t index);
/* The sluice__now() instant before which no partition can come (a
 * claiming run waiting for leases), 0 when none. */
double sluice__run_plan_wake(const struct run_plan *p);

/* run_worker.c: a run on a shared ledger, and --shard. */
/* After the ledger opened: a shared ledger's run seeds the plan and claims
 * instead of walking (SLUICE_ESTATE, err set, for what a claiming run
 * cannot do yet: --window, --partition, --full-refresh, lookback, an
 * incremental job). Nothing for a SQLite ledger. */
SLUICE_NODISCARD int sluice__run_worker_begin(struct run *r,
                                              struct sluice_err *err);
/* Each turn of the run loop: renews the leases every third of a lease.
 * A ledger that cannot be reached stops the run as a lost one does. */
void sluice__run_heartbeat(struct run *r);
/* --shard I/N: whether partition i is this shard's (true without). */
bool sluice__run_shard_mine(struct run *r, size_t i);
/* The shard of partition i: FNV-1a of its group key and window start. */
uint32_t sluice__run_shard_of(const struct sluice_job *job, size_t i);

/* run_auth.c */
/* Before the first request: the first token, with `policy` (SLUICE_EAUTH,
 * err saying why, when the token endpoint fails). Nothing for a job
 * without OAuth2. */
SLUICE_NODISCARD int sluice__run_auth_start(struct run *r,
                                            const struct sluice_http_policy
                                                *policy,
                                            struct sluice_err *err);
/* The Authorization line for the next request (renewed first when due)
 * and its generation; NULL when no token can be had (r->auth.failed). */
const char *sluice__run_auth_header(struct run *r, unsigned *gen);
/* A request sent with token `gen` got a 401: renews the token unless that
 * was done since. False when no token can be had (r->auth.failed). */
bool sluice__run_auth_on_401(struct run *r, unsigned gen);
void sluice__run_auth_cleanup(struct run_auth *a);

/* run_incr.c */
/* After the ledger is open: what this run sends and names its files with
 * (SLUICE_ESTATE when the stored cursor does not read as the type). */
SLUICE_NODISCARD int sluice__run_incr_begin(struct run *r,
                                            struct sluice_err *err);
/* A window of slot s was handed to the committer: its records count. */
void sluice__run_incr_published(struct run *r, const struct slot *s);
/* Before the ledger closes: stores the cursor when the run did every
 * window (run's code rc), says how many records had none. */
void sluice__run_incr_end(struct run *r, int rc);

/* run_ledger.c */
SLUICE_NODISCARD int sluice__run_ledger_open(struct run *r,
                                             struct sluice_err *err);
/* Whether window i is due in this run. Asked in increasing i (a cursor
 * walks the ledger alongside); SLUICE_ESTATE when the ledger cannot be
 * read. sluice__run_due_done ends the walk (before any window is marked). */
SLUICE_NODISCARD int sluice__run_window_due(struct run *r, size_t i,
                                            bool *due,
                                            struct sluice_err *err);
void sluice__run_due_done(struct run *r);
/* Makes the ledger address group `group`'s windows (its key's group part);
 * SLUICE_ENOMEM, SLUICE_ETOOBIG (err set). */
SLUICE_NODISCARD int sluice__run_ledger_group(struct run *r, size_t group,
                                              struct sluice_err *err);
/* After planning, with the lock held: removes this job's temporary files
 * a dead run left, in the path's folder, the report's folder and each
 * folder a due window writes in (each folder once, not its subfolders). */
SLUICE_NODISCARD int sluice__run_sweep(struct run *r, struct sluice_err *err);
/* Records the run's end and closes the ledger. SLUICE_ESTATE (err set)
 * when the ledger was lost during the run, then or earlier. */
SLUICE_NODISCARD int sluice__run_ledger_close(struct run *r,
                                              const char *outcome,
                                              struct sluice_err *err);
/* Notes that a ledger write failed because its file is gone or replaced
 * (ledger_lost, once, with the message); false for any other failure. */
bool sluice__run_ledger_lost(struct run *r, const struct sluice_err *why);
/* The job's ledger path (appended to out); nothing appended when the job
 * keeps no state (a `pull` without --name). */
SLUICE_NODISCARD int sluice__job_state_path(const struct sluice_job *job,
                                            struct sluice_buf *out);
/* A shared ledger's state is its connection string, as the job wrote it
 * (not relative to anything); this names it in messages and summaries:
 * the string with the job's secrets (its password) as ***. Allocated;
 * NULL when out of memory. */
char *sluice__job_state_shown(const struct sluice_job *job, const char *state);
/* Where the job's local files beside its ledger go (a database
 * destination's schema and spool files): the ledger path, or for a shared
 * ledger the default .sluice/<name>.db beside the job file. */
SLUICE_NODISCARD int sluice__job_state_local(const struct sluice_job *job,
                                             struct sluice_buf *out);

#endif
