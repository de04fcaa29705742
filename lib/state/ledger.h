/* ledger.h: the state ledger, one SQLite database per job, that remembers
 * every window (pending, done, failed, with attempts, HTTP statuses, rows,
 * bytes, output file, error, timestamps), every run, the job's schema
 * versions and a fingerprint of what decides the windows and the requests.
 * It is what lets a run pull only what is new, failed or missing, and lets
 * `kill -9` at any moment lose nothing (docs/internals/state.md).
 *
 * Contract shared by every function here:
 * - a function that can fail returns an enum sluice_code and writes the
 *   reason to `err`; SQLite failures are SLUICE_ESTATE (SLUICE_ENOMEM when
 *   SQLite ran out of memory), and the message names the ledger's path;
 * - a write (mark, add, run begin/end, fingerprint, schema) is one SQLite
 *   transaction, committed (in the WAL) before the function returns; a
 *   failed write leaves the ledger as it was;
 * - strings passed in are borrowed and copied into the database; the
 *   ledger never stores a secret: callers redact error strings and argv,
 *   and fingerprint items marked secret are stored only as a salted,
 *   stretched hash (PBKDF2-HMAC-SHA-256);
 * - strings handed out belong to the struct they are in and are released
 *   with that struct's _cleanup function;
 * - one thread per handle; any number of processes may read a ledger while
 *   one run writes it (WAL);
 * - times are UTC seconds since 1970; a window is keyed by its partition
 *   group (the non-date half of its key, plan/partition.h; "" for a job of
 *   windows only, and for every row of a format-1 ledger) and its start
 *   (0 for a job without windows). The window calls below address the
 *   group last chosen with sluice__ledger_use_part ("" until then); the
 *   calls that say "every group" ignore it.
 *
 * The order of publication is the caller's to keep: mark a window done only
 * after its file was fsynced, renamed to its final name and the folder
 * fsynced. Then a done window always has its file, and a crash between the
 * rename and the mark only costs a re-pull that rewrites the same file. */
#ifndef SLUICE_STATE_LEDGER_H
#define SLUICE_STATE_LEDGER_H

#include "util/buf.h"

/* The on-disk format this code writes (PRAGMA user_version). Older formats
 * are migrated on open; newer ones are refused. */
#define SLUICE_LEDGER_FORMAT 4

struct sluice_ledger;

/* Returns the current time (UTC seconds); tests pass a fixed clock. */
typedef int64_t (*sluice_clock_fn)(void *ud);

struct sluice_ledger_opts {
    const char *path;     /* the database file; its folder is created */
    const char *job_name; /* recorded on creation; a ledger of another
                             job is refused. NULL: not checked */
    bool create;          /* false: a missing file is an error (status) */
    /* synchronous=FULL instead of NORMAL: also survive power loss of the
     * last commits, at one fsync per window (see state.md). */
    bool sync_full;
    sluice_clock_fn clock; /* NULL: time(2) */
    void *clock_ud;
};

/* A shared ledger in PostgreSQL (pg_ledger.c), for
 * sluice__ledger_open_shared. */
struct sluice_ledger_shared_opts {
    /* The libpq connection string: a secret, never copied into a
     * message; the ledger's opts `path` names it in messages instead
     * (the string without its password). */
    const char *conninfo;
    int64_t lease_ms; /* a claim's lease; 0: 30 s */
};

/* Opens (and with o->create, creates) a ledger, migrating an older format.
 * SLUICE_ESTATE with a clear message when the file is not a SQLite
 * database or is damaged, belongs to another program or job, or was written
 * by a newer sluice. On success *out is owned by the caller. */
SLUICE_NODISCARD int sluice__ledger_open(const struct sluice_ledger_opts *o,
                                         struct sluice_ledger **out,
                                         struct sluice_err *err);
/* Opens (with o->create, creates) the shared ledger of job o->job_name
 * in the PostgreSQL database s->conninfo names: a schema "sluice_<job>"
 * with the tables of the SQLite ledger (state.md, scale-out.md), made on
 * first use under an advisory lock (many workers start at once). The same
 * refusals as sluice__ledger_open (a newer format, another job's), and
 * "no ledger at PATH" without o->create when there is none. */
SLUICE_NODISCARD int
sluice__ledger_open_shared(const struct sluice_ledger_opts *o,
                           const struct sluice_ledger_shared_opts *s,
                           struct sluice_ledger **out, struct sluice_err *err);
/* Releases the run lock if held, then closes. NULL is a no-op. */
void sluice__ledger_close(struct sluice_ledger *l);

/* Whether the file this handle writes is no longer the one at its path:
 * deleted, or replaced by another file (SQLite compares its open file with
 * the name). Writes to such a handle would go into a file nobody reads, so
 * every write (each one's transaction, run_end) first checks this and fails
 * with SLUICE_ESTATE "ledger X was deleted or replaced while this run was
 * using it". One stat(2) per write. */
bool sluice__ledger_moved(struct sluice_ledger *l);

/* ---- the run lock ----------------------------------------------------------
 * One run per job at a time. The lock is an open-file-description lock on
 * "<path>.lock" (never deleted): the kernel drops it when its holder exits
 * in any way, kill -9 included, so a dead holder never blocks a run and a
 * recycled pid is never mistaken for a holder. The holder's pid, host and
 * start time are written to the `lock_holder` table for the messages. */

/* SLUICE_ESTATE "job neows is already running (pid 1234 since
 * 2026-11-25T20:30:00Z)" when another handle (in any process) holds it.
 * Locking twice through the same handle is a no-op. */
SLUICE_NODISCARD int sluice__ledger_lock(struct sluice_ledger *l,
                                         struct sluice_err *err);
void sluice__ledger_unlock(struct sluice_ledger *l);

struct sluice_ledger_holder {
    bool running;   /* someone holds the lock right now */
    long pid;       /* 0 when unknown */
    int64_t since;  /* 0 when unknown */
    char host[256]; /* "" when unknown */
};
/* Tells whether a run holds the lock, without taking it. */
SLUICE_NODISCARD int sluice__ledger_holder(struct sluice_ledger *l,
                                           struct sluice_ledger_holder *h,
                                           struct sluice_err *err);

/* ---- runs ---------------------------------------------------------------- */

/* Starts a run (requires the lock): records the start time, this library's
 * version and `argv` (a redacted one-line summary; may be NULL), and marks
 * runs left 'running' by a crash as 'killed'. */
SLUICE_NODISCARD int sluice__ledger_run_begin(struct sluice_ledger *l,
                                              const char *argv, int64_t *run_id,
                                              struct sluice_err *err);

struct sluice_ledger_run_end {
    const char *outcome; /* "ok", "failed", "interrupted", "error" */
    uint64_t done, failed, not_pulled, rows, bytes_out, requests;
};
SLUICE_NODISCARD int
sluice__ledger_run_end(struct sluice_ledger *l, int64_t run_id,
                       const struct sluice_ledger_run_end *e,
                       struct sluice_err *err);

struct sluice_ledger_run {
    int64_t id, started, ended; /* ended 0 while running or when killed */
    char *outcome;              /* "running", "killed", or run_end's */
    uint64_t done, failed, not_pulled, rows, bytes_out, requests;
    char *version;
    char *argv; /* NULL when none was given */
};
struct sluice_ledger_run_list {
    struct sluice_ledger_run *v;
    size_t n;
};
/* The last `max` runs, newest first. */
SLUICE_NODISCARD int sluice__ledger_runs(struct sluice_ledger *l, size_t max,
                                         struct sluice_ledger_run_list *out,
                                         struct sluice_err *err);
void sluice__ledger_run_list_cleanup(struct sluice_ledger_run_list *list);

/* The incremental cursor (incremental.c): the value a run's records
 * reached, stored with that run once all its partitions succeeded, and
 * `missing`, its records that had none. _last gives the newest stored one
 * (*text NULL, *run_id 0 when no run stored any); *text is the caller's
 * (sluice__free). */
SLUICE_NODISCARD int sluice__ledger_cursor_store(struct sluice_ledger *l,
                                                 int64_t run_id,
                                                 const char *text,
                                                 uint64_t missing,
                                                 struct sluice_err *err);
SLUICE_NODISCARD int sluice__ledger_cursor_last(struct sluice_ledger *l,
                                                char **text, int64_t *run_id,
                                                uint64_t *missing,
                                                struct sluice_err *err);

/* ---- windows ------------------------------------------------------------- */

/* The group the window calls address from now on (copied; NULL is "").
 * SLUICE_ENOMEM only. */
SLUICE_NODISCARD int sluice__ledger_use_part(struct sluice_ledger *l,
                                             const char *part,
                                             struct sluice_err *err);

enum sluice_ledger_status {
    SLUICE_LEDGER_PENDING = 0,
    SLUICE_LEDGER_DONE = 1,
    SLUICE_LEDGER_FAILED = 2,
    SLUICE_LEDGER_UNKNOWN = 3 /* the ledger has no such window */
};
const char *sluice__ledger_status_name(enum sluice_ledger_status s);

/* A window has a row only once a run has attempted it (or re-queued it):
 * a planned window without a row is pending. So a plan of millions of
 * windows costs nothing here until its windows are pulled. */

/* Re-queues every window whose start is in [from, to): done and failed
 * become pending, history (attempts, statuses, timestamps) is kept. For
 * `lookback` and `--full-refresh` (INT64_MIN, INT64_MAX). */
SLUICE_NODISCARD int sluice__ledger_requeue(struct sluice_ledger *l,
                                            int64_t from, int64_t to,
                                            size_t *requeued,
                                            struct sluice_err *err);
/* Re-queues every window of every group whose start is in [from, to)
 * (--full-refresh: all; lookback: every group's recent windows), in one
 * statement whatever the number of groups. */
SLUICE_NODISCARD int sluice__ledger_requeue_all(struct sluice_ledger *l,
                                                int64_t from, int64_t to,
                                                size_t *requeued,
                                                struct sluice_err *err);


/* What one run learnt about one window. */
struct sluice_ledger_attempt {
    int64_t start, end_excl;
    unsigned requests; /* HTTP requests made for it in this run */
    const long *http;  /* the statuses received, in order (0 for a
                          transfer that got no response) */
    size_t n_http;
    uint64_t rows, bytes_in, bytes_out;
    const char *output; /* final file (done); NULL otherwise */
    const char *error;  /* redacted reason (failed); NULL otherwise */
};
/* Mark the window done / failed (creating it if unknown), add the requests
 * to its attempts, append the statuses (the last 32 are kept), set the
 * attempt timestamps and the current run. */
SLUICE_NODISCARD int
sluice__ledger_mark_done(struct sluice_ledger *l,
                         const struct sluice_ledger_attempt *a,
                         struct sluice_err *err);
SLUICE_NODISCARD int
sluice__ledger_mark_failed(struct sluice_ledger *l,
                           const struct sluice_ledger_attempt *a,
                           struct sluice_err *err);
/* The window is pending again (created if unknown), history kept. */
SLUICE_NODISCARD int sluice__ledger_mark_pending(struct sluice_ledger *l,
                                                 int64_t start,
                                                 int64_t end_excl,
                                                 struct sluice_err *err);

/* One window's status: one indexed lookup through a cached statement.
 * SLUICE_LEDGER_UNKNOWN when the ledger has no such window. */
SLUICE_NODISCARD int sluice__ledger_status(struct sluice_ledger *l,
                                           int64_t start,
                                           enum sluice_ledger_status *st,
                                           struct sluice_err *err);

/* Statuses for a walk over windows in start order without loading them:
 * one SQLite cursor over the rows from `from` on, stepped as the walk
 * goes, so the cost follows the windows looked at, not the ledger's size.
 * Lookups must come with increasing starts; a start the ledger has no row
 * for is SLUICE_LEDGER_UNKNOWN. Close it before writing through the same
 * handle. */
struct sluice_ledger_cursor;
SLUICE_NODISCARD int
sluice__ledger_cursor_open(struct sluice_ledger *l, int64_t from,
                           struct sluice_ledger_cursor **out,
                           struct sluice_err *err);
SLUICE_NODISCARD int
sluice__ledger_cursor_status(struct sluice_ledger_cursor *c, int64_t start,
                             enum sluice_ledger_status *st,
                             struct sluice_err *err);
/* NULL is a no-op. */
void sluice__ledger_cursor_close(struct sluice_ledger_cursor *c);

struct sluice_ledger_window {
    char *part;        /* its group ("" for none) */
    int64_t start, end_excl;
    enum sluice_ledger_status status;
    uint64_t attempts; /* requests over all runs */
    char *http;        /* JSON array text, e.g. "[503,503,200]" */
    uint64_t rows, bytes_in, bytes_out;
    char *output; /* NULL when none */
    char *error;  /* NULL when none (done windows have none) */
    int64_t first_attempt, last_attempt; /* 0 when never attempted */
    int64_t run_id; /* the last run that touched it; 0 if none */
};
/* *found is false (and w zeroed) when the window is unknown. */
SLUICE_NODISCARD int sluice__ledger_window_get(struct sluice_ledger *l,
                                               int64_t start,
                                               struct sluice_ledger_window *w,
                                               bool *found,
                                               struct sluice_err *err);
void sluice__ledger_window_cleanup(struct sluice_ledger_window *w);
/* The known window with the greatest start at or before `max_start`;
 * *found is false (and w zeroed) when there is none. */
SLUICE_NODISCARD int sluice__ledger_window_last(struct sluice_ledger *l,
                                                int64_t max_start,
                                                struct sluice_ledger_window *w,
                                                bool *found,
                                                struct sluice_err *err);

/* Hands `fn` each group's known window with the greatest start at or
 * before `max_start` (every group, in one query over the rows: its cost
 * follows the windows attempted, not the groups planned). A non-zero
 * return from fn stops the walk and is returned. */
typedef int (*sluice_ledger_window_fn)(void *ud,
                                       const struct sluice_ledger_window *w);
SLUICE_NODISCARD int sluice__ledger_last_per_part(struct sluice_ledger *l,
                                                  int64_t max_start,
                                                  sluice_ledger_window_fn fn,
                                                  void *ud,
                                                  struct sluice_err *err);

struct sluice_ledger_window_list {
    struct sluice_ledger_window *v;
    size_t n;
};
/* Failed windows of every group, by group then start, at most `max` (0:
 * all). */
SLUICE_NODISCARD int
sluice__ledger_failed(struct sluice_ledger *l, size_t max,
                      struct sluice_ledger_window_list *out,
                      struct sluice_err *err);
void sluice__ledger_window_list_cleanup(struct sluice_ledger_window_list *l);

/* Rows by status among the windows starting in [from, to). Windows of a
 * plan without a row are pending too: the caller knows how many it plans. */
struct sluice_ledger_counts {
    uint64_t pending, done, failed, total;
};
SLUICE_NODISCARD int sluice__ledger_counts(struct sluice_ledger *l,
                                           int64_t from, int64_t to,
                                           struct sluice_ledger_counts *c,
                                           struct sluice_err *err);
/* The same over every group. */
SLUICE_NODISCARD int sluice__ledger_counts_all(struct sluice_ledger *l,
                                               int64_t from, int64_t to,
                                               struct sluice_ledger_counts *c,
                                               struct sluice_err *err);

/* The watermark: walking the known windows in start order from `from`
 * (the plan's first instant), the end_excl of the last window of the
 * unbroken run of done windows, where unbroken means the first starts at
 * `from` and each next one where the previous ended (a gap, that is a
 * window never attempted, or a pending or failed window stops the walk).
 * *has is false when the window at `from` is not done (or unknown). "Done
 * through" for date windows is the day before the watermark. */
SLUICE_NODISCARD int sluice__ledger_watermark(struct sluice_ledger *l,
                                              int64_t from,
                                              int64_t *watermark, bool *has,
                                              struct sluice_err *err);

/* ---- fingerprint -----------------------------------------------------------
 * What decides the windows and the requests (url, params, records path,
 * windows.from/step, output path/format, ...) as name/value items. A job
 * whose items differ from the stored ones would mix two kinds of window in
 * one ledger; the caller refuses it unless --full-refresh. */
struct sluice_ledger_fp_item {
    const char *name;  /* "windows.step"; unique within a set */
    const char *value; /* shown in diffs unless secret */
    bool secret;       /* stored as a salted PBKDF2 hash only */
};

/* Compares items with the stored fingerprint. *stored is false when none
 * was stored yet. `diff` receives "" when they are equal, else one clause
 * per change joined by "; ": "windows.step changed from 7d to 1d",
 * "source.params.api_key changed (secret, not shown)", "x added (= 1)",
 * "y removed (was 2)". Values are shortened to 60 bytes. */
SLUICE_NODISCARD int sluice__ledger_fingerprint_diff(
    struct sluice_ledger *l, const struct sluice_ledger_fp_item *items,
    size_t n, bool *stored, struct sluice_buf *diff, struct sluice_err *err);
/* Replaces the stored fingerprint with items. SLUICE_EINVAL on a duplicate
 * or NULL name. */
SLUICE_NODISCARD int
sluice__ledger_fingerprint_set(struct sluice_ledger *l,
                               const struct sluice_ledger_fp_item *items,
                               size_t n, struct sluice_err *err);

/* ---- schema versions -------------------------------------------------------
 * The job's output schema as text (the Parquet writer's description),
 * versioned 1, 2, ... as it evolves. */

/* *version is 0 and *text NULL when none was stored; else *text is
 * allocated (sluice__free). `text` may be NULL if not wanted. */
SLUICE_NODISCARD int sluice__ledger_schema_latest(struct sluice_ledger *l,
                                                  int64_t *version, char **text,
                                                  struct sluice_err *err);
/* Stores `text` as a new version unless it equals the latest; *version
 * (may be NULL) receives the version that holds it. */
SLUICE_NODISCARD int sluice__ledger_schema_append(struct sluice_ledger *l,
                                                  const char *text,
                                                  int64_t *version,
                                                  struct sluice_err *err);

/* ---- learned rates ---------------------------------------------------------
 * The request rate a run learned from a server's throttling (rate_learn.h),
 * per origin ("scheme://host:port"): the ledger is the job's, so this is
 * per job and host. The next run starts near it. */

/* *rate 0 when none is stored; *learned (may be NULL) the UTC second it
 * was stored. */
SLUICE_NODISCARD int sluice__ledger_rate_get(struct sluice_ledger *l,
                                             const char *origin, double *rate,
                                             int64_t *learned,
                                             struct sluice_err *err);
/* Stores `rate` (> 0, finite; anything else is ignored) for `origin`. */
SLUICE_NODISCARD int sluice__ledger_rate_set(struct sluice_ledger *l,
                                             const char *origin, double rate,
                                             int64_t run_id,
                                             struct sluice_err *err);
/* The newest stored rate, whatever its origin, for `status` (a job pulls
 * from one origin); *origin allocated (sluice__free), NULL with *rate 0
 * when none is stored. */
SLUICE_NODISCARD int sluice__ledger_rate_any(struct sluice_ledger *l,
                                             char **origin, double *rate,
                                             int64_t *learned,
                                             struct sluice_err *err);

/* ---- a shared ledger: claims under leases -----------------------------------
 * A ledger opened with a conninfo is shared by every worker of the job
 * (docs/scale-out.md). It has no run lock (sluice__ledger_lock is a no-op,
 * `holder` tells whether any worker's heartbeat is recent); a worker pulls
 * the partitions it claimed, each claim a lease that the worker renews
 * while it pulls and that the mark of its outcome releases. The other
 * ledger.h calls work on it alike, except the ones a claiming run does not
 * make (cursor, status, window_get/last, last_per_part, requeue): those
 * are SLUICE_ESTATE "not available with a shared ledger". */

/* Whether l is a shared ledger. */
bool sluice__ledger_shared(const struct sluice_ledger *l);

/* A planned partition, written so that it can be claimed. `shard` is its
 * key's hash (--shard I/N claims those whose shard % N is I). */
struct sluice_ledger_seed {
    const char *part;
    int64_t start, end_excl;
    uint32_t shard;
};
/* Writes the partitions as pending rows unless they have one: idempotent,
 * every worker seeds. A row whose end moved is pending again with its new
 * end. One statement per call; the caller batches. */
SLUICE_NODISCARD int sluice__ledger_seed(struct sluice_ledger *l,
                                         const struct sluice_ledger_seed *s,
                                         size_t n, struct sluice_err *err);

struct sluice_ledger_claim_opts {
    size_t max;           /* partitions in one claim */
    int64_t since;        /* this worker's start: failures older than it
                             are claimable again */
    uint32_t shard_count; /* 0: every partition */
    uint32_t shard_index;
};
struct sluice_ledger_claim {
    char *part;
    int64_t start, end_excl;
};
/* Claims up to o->max partitions of the pool (pending, or failed before
 * o->since; lease free or run out; never done), each leased to this
 * handle until now + lease, with SELECT ... FOR UPDATE SKIP LOCKED: no
 * two workers get one partition, none waits for another. *out (free with
 * sluice__ledger_claims_free) holds *n claims. With none claimed,
 * *wait_until is the earliest expiry of the leases other workers hold on
 * the pool (when to try again), 0 when the pool is empty. */
SLUICE_NODISCARD int
sluice__ledger_claim(struct sluice_ledger *l,
                     const struct sluice_ledger_claim_opts *o,
                     struct sluice_ledger_claim **out, size_t *n,
                     int64_t *wait_until, struct sluice_err *err);
void sluice__ledger_claims_free(struct sluice_ledger_claim *v, size_t n);
/* The heartbeat: every lease this handle holds runs until now + lease
 * again, and its run's heartbeat is now. *renewed (may be NULL) counts
 * the leases. */
SLUICE_NODISCARD int sluice__ledger_renew(struct sluice_ledger *l,
                                          size_t *renewed,
                                          struct sluice_err *err);
/* This handle's lease owner name ("host:pid:random"), "" for SQLite. */
const char *sluice__ledger_worker(const struct sluice_ledger *l);

/* ---- temporary files ----------------------------------------------------- */

struct sluice_sweep_opts {
    unsigned depth;     /* 0: `dir` only; n: n levels of subfolders */
    int64_t older_than; /* seconds of age a file must have (mtime); 0:
                           any age */
    int64_t now;        /* for older_than; 0: time(2) */
    /* The job sweeping: only its own temporary files are candidates. The
     * caller must hold the job's lock, so no other run of the job lives.
     * Required. */
    const char *job;
    /* This process has no temporary file open (sluice__publish_live() is
     * 0): a file named with our own pid is a dead writer's (a restarted
     * container reuses pids). */
    bool self_idle;
};
/* Removes the temporary files a crash of this job left in `dir`: regular
 * files named exactly as the sink's publish step names them
 * (".<name>.sluice-tmp-<job>.<pid>.<16 hex>", sink/publish.h) whose job is
 * o->job and whose writer is certainly dead: no process has its pid (kill
 * says ESRCH), or it is our pid and o->self_idle. A live pid may be a
 * recycled one or a job of the same name with another ledger: the file is
 * kept. Another job's files, files of an older sluice (no job in the name),
 * near-misses, folders and links (not followed either) are never removed.
 * A missing `dir` is fine. *removed (may be NULL) counts the files removed.
 * SLUICE_EINVAL without o->job; SLUICE_EIO if a folder cannot be read or a
 * file cannot be removed. */
SLUICE_NODISCARD int sluice__state_sweep_temp(const char *dir,
                                              const struct sluice_sweep_opts *o,
                                              size_t *removed,
                                              struct sluice_err *err);

#endif
