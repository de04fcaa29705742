/* sluice.h: the one public header of libsluice.
 *
 * sluice pulls an HTTP JSON API partition by partition (date windows, lists
 * of values, id ranges, and their products),
 * concurrently, and writes each partition's records to a file that is
 * published atomically. This header is what an embedder and the `sluice`
 * command see; everything else in lib/ is internal. docs/api.md says what
 * stays stable and how the library is versioned; examples/embed.c uses
 * every part of it.
 *
 * Conventions, true of every function below unless its comment says
 * otherwise:
 * - Errors. A function that can fail returns an enum sluice_code; results
 *   travel through out-parameters, which are left untouched (or, for the
 *   struct ones, zeroed) on failure. Most take `errbuf`/`errlen`: on
 *   failure a NUL-terminated English message (secrets already redacted) is
 *   written there, truncated to errlen; errbuf may be NULL.
 * - Ownership. Pointer arguments are borrowed for the call only; strings the
 *   library keeps are copied. Memory the library returns is owned by the
 *   object that returned it, or is released with the matching
 *   sluice_*_free() / sluice_*_cleanup(). Every _free() accepts NULL.
 * - Structs that can grow. Every struct a caller fills in or allocates
 *   begins with `size_t size`, which its sluice_*_init() sets to the size
 *   the caller was compiled with (and every other member to its default).
 *   Each init is a macro passing the caller's `sizeof` to the exported
 *   sluice_*_init_sized(), so that a newer library never writes past an
 *   older program's struct; a binding without macros calls _init_sized
 *   with its own size.
 *   The library reads and writes only the first `size` bytes, so a program
 *   built against an older sluice.h keeps working with a newer library;
 *   members are only ever appended. A struct the library hands to a
 *   callback also begins with `size` (the library's): a program built
 *   against a newer header checks it before reading a member the library
 *   might not have (`r->size > offsetof(struct sluice_window_result, m)`).
 *   Arrays the library returns (sluice_status failures and runs) have
 *   fixed elements.
 * - Threads. The library has no global state but the allocator hook. A job
 *   may be read (plan, status, schema, redact) from several threads at
 *   once, but a run needs it alone; different jobs are independent.
 *   Callbacks are called on the thread that called the function they were
 *   given to, never on a library thread, and never after it returns.
 *   sluice_run_cancel() is the one call safe from any thread and from a
 *   signal handler.
 * - The library never prints, exits, aborts or installs signal handlers;
 *   messages go to the log callback, already redacted.
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "sluice/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SLUICE_BUILDING) && defined(__GNUC__)
#define SLUICE_API __attribute__((visibility("default")))
#else
#define SLUICE_API
#endif

#if defined(__GNUC__)
#define SLUICE_NODISCARD __attribute__((warn_unused_result))
#else
#define SLUICE_NODISCARD
#endif

/* Result codes. Numbers are only ever appended, never reused. */
enum sluice_code {
    SLUICE_OK = 0,
    SLUICE_ENOMEM = 1,    /* an allocation failed */
    SLUICE_EINVAL = 2,    /* a caller passed something invalid */
    SLUICE_ETOOBIG = 3,   /* a bounded buffer or input hit its limit */
    SLUICE_EJSON = 4,     /* malformed JSON */
    SLUICE_EIO = 5,       /* a file system call failed */
    SLUICE_EJOB = 6,      /* the job (file, flags, environment) is invalid */
    SLUICE_EHTTP = 7,     /* a transfer failed */
    SLUICE_ECANCELED = 8, /* the run was interrupted */
    SLUICE_ESTATE = 9,    /* the state ledger refused or failed */
    SLUICE_EPARQUET = 10, /* parquet encoding or decoding failed */
    SLUICE_EPATH = 11,    /* bad JSONPath expression */
    SLUICE_EQUOTA = 12,   /* the API's quota is gone: come back later */
    SLUICE_EAUTH = 13     /* the credentials were refused (OAuth2 token) */
};

/* A short English description of a code, e.g. "out of memory": a static
 * string, never NULL, the same for the life of the process. A number that
 * is not a code of this library (negative, or newer than it) gives
 * "unknown error". Any thread. */
SLUICE_API const char *sluice_strerror(enum sluice_code code);

/* The library's version, as "MAJOR.MINOR.PATCH": the library actually
 * loaded, which may be newer than SLUICE_VERSION_STRING of the header a
 * program was built with. Static, any thread. */
SLUICE_API const char *sluice_version(void);

/* Allocator hook: the memory libsluice's own code allocates (jobs, buffers,
 * records, Parquet pages, returned strings) goes through these three. The
 * libraries it uses allocate on their own, with libc's malloc: libcurl,
 * SQLite (the ledger), libyaml (job files), zstd, zlib and snappy
 * (compression). Call it before any other sluice function and before any
 * thread uses the library; it is not thread-safe. NULL `a`, or NULL
 * members, restore libc's. SLUICE_EINVAL when `a->size` was not set by
 * sluice_allocator_init() (nothing changes then). */
struct sluice_allocator {
    size_t size; /* set by sluice_allocator_init() */
    void *(*malloc_fn)(size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
};
SLUICE_API void sluice_allocator_init_sized(struct sluice_allocator *a, size_t size);
#define sluice_allocator_init(a) sluice_allocator_init_sized((a), sizeof *(a))
SLUICE_API SLUICE_NODISCARD int
sluice_set_allocator(const struct sluice_allocator *a);

/* Log levels, most severe first. */
enum sluice_log_level {
    SLUICE_LOG_ERROR = 0,
    SLUICE_LOG_WARN = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_DEBUG = 3,
    SLUICE_LOG_TRACE = 4
};

/* The library never prints; it hands every message (already redacted, one
 * line, no trailing newline) to a callback of this type, on the thread of
 * the call the callback was given to (sluice_job_load, sluice_run_exec),
 * during that call. `msg` is valid only during the callback. The callback
 * must not call back into the library with the same job. */
typedef void (*sluice_log_fn)(void *ud, enum sluice_log_level level,
                              const char *msg);


/* ---- jobs ------------------------------------------------------------------
 * A job is what to pull and where to put it: a YAML job file, `--set`
 * overrides, or both (docs/job-file.md). Loading validates everything that
 * can be checked before a request is made. */
struct sluice_job;

struct sluice_job_opts {
    size_t size;              /* set by sluice_job_opts_init() */
    const char *path;         /* job file; NULL for overrides only */
    const char *const *sets;  /* "a.b=value" overrides, applied in order */
    size_t n_sets;
    int64_t now;              /* UTC seconds "today" refers to; 0 = now */
    sluice_log_fn log;        /* load warnings (a secret too short to hide
                                 safely); may be NULL */
    void *log_ud;             /* passed to log */
};

/* Every member NULL/0: no file, no overrides, now, no log. */
SLUICE_API void sluice_job_opts_init_sized(struct sluice_job_opts *o, size_t size);
#define sluice_job_opts_init(o) sluice_job_opts_init_sized((o), sizeof *(o))

/* Loads a job: reads `o->path` (if any), applies the overrides, expands
 * the environment and .env, validates. `o` (may be NULL: an empty job,
 * which fails validation) and its strings are borrowed for the call; the
 * job copies what it keeps. `o->log` is called during the call, on the
 * caller's thread, for warnings (a secret too short to hide safely). On
 * success *out is a job to release with sluice_job_free(); on failure *out
 * is NULL and the code is SLUICE_EJOB (errbuf "file:line:col: message"),
 * SLUICE_EIO (the file cannot be read), SLUICE_ENOMEM, or SLUICE_EINVAL
 * (`o->size` not set by sluice_job_opts_init()). */
SLUICE_API SLUICE_NODISCARD int sluice_job_load(const struct sluice_job_opts *o,
                                                struct sluice_job **out,
                                                char *errbuf, size_t errlen);
/* Releases a job. Not while a run of it is in progress. */
SLUICE_API void sluice_job_free(struct sluice_job *job);
/* The job's name; owned by the job. */
SLUICE_API const char *sluice_job_name(const struct sluice_job *job);
/* Whether the job's ledger is shared (`state: postgresql://...`), so that
 * many workers may run it at once (sluice_run_opts.worker); false for a
 * SQLite ledger and for NULL. Read from the loaded job: nothing is opened
 * or connected. */
SLUICE_API bool sluice_job_state_shared(const struct sluice_job *job);

/* Redacts every secret of the job in `text`: returns a new string to be
 * released with sluice_free(), or NULL when out of memory. */
SLUICE_API char *sluice_job_redact(const struct sluice_job *job,
                                   const char *text);
/* Releases memory the library returned as "to be released with
 * sluice_free()" (through the allocator hook). NULL is a no-op. */
SLUICE_API void sluice_free(void *p);

/* ---- plan ----------------------------------------------------------------- */
/* Partitions of the job's plan, done or not: its windows (up to
 * `windows.to`) times the values of its other dimensions (`partitions:`),
 * 1 for a job with neither. Every "window" below is one partition; a job
 * without windows has empty `start` and `end`, and `key` names each
 * partition (docs/job-file.md, "Partitions"). */
SLUICE_API size_t sluice_job_window_count(const struct sluice_job *job);

/* One window as it will be pulled. The strings belong to `out`: release
 * them with sluice_window_info_cleanup(). The URL is redacted. The caller
 * sets `size` with sluice_window_info_init() before the call. */
struct sluice_window_info {
    size_t size;
    size_t index;
    char *start;   /* formatted like {start} */
    char *end;     /* formatted like {end} */
    char *url;     /* full request URL, secrets as *** */
    char *output;  /* final output path, or s3://bucket/key for S3 */
    char *key;     /* the partition's key: "region=eu-west/2020-01-06" */
};
SLUICE_API void sluice_window_info_init_sized(struct sluice_window_info *info, size_t size);
#define sluice_window_info_init(info) sluice_window_info_init_sized((info), sizeof *(info))
/* Window `i` (0 .. sluice_job_window_count() - 1) of the plan: SLUICE_EINVAL
 * for an `i` out of range or an unset `out->size`, SLUICE_ENOMEM; on
 * failure `out` holds no strings. Reads the job only. */
SLUICE_API SLUICE_NODISCARD int
sluice_job_window_info(const struct sluice_job *job, size_t i,
                       struct sluice_window_info *out, char *errbuf,
                       size_t errlen);
SLUICE_API void sluice_window_info_cleanup(struct sluice_window_info *info);

/* ---- resources --------------------------------------------------------------
 * A job with `resources:` (docs/job-file.md, "Several resources in one
 * job") is a list of resources, each a job of its own for the calls above
 * (plan, status) and pulled together by sluice_run(); a job without is
 * one resource. */
/* Its resources (1 for a job without `resources:`). */
SLUICE_API size_t sluice_job_resource_count(const struct sluice_job *job);
/* Resource i (< count) as a job (borrowed: it lives as long as `job`;
 * resource 0 is `job` itself); NULL past the end. */
SLUICE_API struct sluice_job *sluice_job_resource(struct sluice_job *job,
                                                  size_t i);
/* The resource's name; NULL for a job without `resources:`. */
SLUICE_API const char *sluice_job_resource_name(const struct sluice_job *job);
/* A fan-out resource's partitions (`partitions: {from_resource: ...}`)
 * from its parent's published files, as a run plans them: *ready false,
 * errbuf saying why, when the parent is not done yet (its partitions are
 * then 0). A resource without fan-out is ready as it is. Reads the job's
 * ledger; SLUICE_EIO and such when a parent's file cannot be read. */
SLUICE_API SLUICE_NODISCARD int
sluice_job_resource_prepare(struct sluice_job *resource, bool *ready,
                            char *errbuf, size_t errlen);

/* ---- run -------------------------------------------------------------------*/
enum sluice_window_status {
    SLUICE_WINDOW_DONE = 0,
    SLUICE_WINDOW_FAILED = 1,
    SLUICE_WINDOW_NOT_PULLED = 2 /* interrupted, or the quota ran out */
};

/* One window's fate in this run. Strings and arrays are valid during the
 * callback only; all strings are redacted. `size` is the library's
 * sizeof (see the conventions above). */
struct sluice_window_result {
    size_t size;
    size_t index;
    const char *start;
    const char *end;
    enum sluice_window_status status;
    long http_status;        /* last HTTP status, 0 if none was received */
    unsigned attempts;       /* requests made for it in this run */
    const long *statuses;    /* each attempt's HTTP status (0: no answer) */
    size_t n_statuses;
    uint64_t rows;
    uint64_t bytes_in;       /* response bytes (decoded), last attempt */
    uint64_t bytes_out;      /* output file size */
    uint64_t bad_values;     /* Parquet: values that did not convert to
                                their declared type, written as null */
    const char *output;      /* final path (s3://bucket/key for S3) when
                                done, else NULL */
    double seconds;          /* from its first attempt to its end */
    const char *url;         /* redacted: the last request's */
    const char *error;       /* NULL when done */
    const char *key;         /* the partition's key ("2020-01-06" for a job
                                of windows only) */
    /* source.pagination: pages read (1 without pagination); 0 unless
     * done. `statuses` then has the first 32 requests' statuses. */
    uint64_t pages;
};

/* Where the run stands; `size` is the library's sizeof. */
struct sluice_progress {
    size_t size;
    size_t total, done, failed, in_flight;
    uint64_t rows, bytes_in;
    unsigned concurrency;    /* the current adaptive limit */
    double elapsed;          /* seconds since the run started */
    double learned_rate;     /* requests/s learned from throttled answers
                                (0: none learned) */
    const char *learned_from; /* how: "none", "throttled", "remembered" */
};

struct sluice_run_opts {
    size_t size;             /* set by sluice_run_opts_init() */
    size_t limit;            /* pull only the first N windows due; 0 = all */
    bool insecure;           /* disable TLS verification (--insecure) */
    bool full_refresh;       /* pull every window again, accept a changed
                                job (--full-refresh) */
    const char *window;      /* pull only the window holding this date
                                (--window 2020-01-08); NULL = all due */
    double grace;            /* seconds in-flight transfers may finish
                                after an interrupt; 0 = 10 */
    const char *argv;        /* one-line command summary for the ledger
                                (redacted by the library); may be NULL */
    sluice_log_fn log;       /* may be NULL */
    void *log_ud;            /* passed to log */
    enum sluice_log_level log_level;
    /* Called on the thread running sluice_run_exec(), during it: each
     * window's result once, as it ends (done, failed, or not pulled at the
     * end of an interrupted run); progress at most every
     * `progress_interval` seconds, and once at the end. May be NULL. */
    void (*on_window)(void *ud, const struct sluice_window_result *r);
    void (*on_progress)(void *ud, const struct sluice_progress *p);
    double progress_interval;/* seconds between on_progress calls */
    void *ud;                /* passed to on_window and on_progress */
    /* The run report (the command's --report FILE.json; layout in
     * docs/cli.md): every window's result, appended as it ends, then the
     * run's summary and outcome. Published like every output: written
     * under a hidden temporary name in its folder (created if missing),
     * fsynced, renamed, the folder fsynced, so the path only ever holds a
     * complete report (the previous one until this run ends, even if the
     * process is killed). A killed run's temporary file is removed by the
     * job's next run (the report's folder is swept with the output
     * folders). Written even when the run is refused or fails early.
     * Borrowed for the call; NULL: no report. If the report cannot be
     * created the run stops before any request (SLUICE_EIO, errbuf says
     * why); if it cannot be completed the run's result stands, the reason
     * is logged at SLUICE_LOG_ERROR and summary report_failed is set. */
    const char *report_path;
    /* pull only the partitions this key selects (--partition): a whole key
     * ("region=eu-west/2020-01-06"; the date may be any instant inside
     * the window, as for `window`), or a key's group part alone
     * ("region=eu-west": all its windows). NULL = all due. With `window`
     * too, both must hold. Borrowed like `window`. */
    const char *partition;
    /* A job with `resources:`: pull only this resource (--resource); a
     * fan-out child's parent must then be done already. NULL = every
     * resource, in the job's order. Borrowed like `window`. */
    const char *resource;
    /* Run as one worker of many (--worker; docs/scale-out.md): the job's
     * ledger must be shared (state: postgresql://...). The run claims
     * partitions in small batches under leases, pulls them, and claims
     * again until the pool is empty, waiting while other workers hold
     * leases that may still come back (a dead worker's return when its
     * lease runs out). Without it, a run on a shared ledger claims too
     * but ends once nothing is free to claim. */
    bool worker;
    /* --shard I/N: only the partitions whose key hashes to shard_index
     * modulo shard_count (shard_count 0: all). With a SQLite ledger each
     * shard keeps its own ledger (<state>.shard-I-of-N.db); with a shared
     * one the shards claim from one pool. */
    unsigned shard_index, shard_count;
};

struct sluice_run_summary {
    size_t size;             /* set by sluice_run_summary_init() */
    size_t total;            /* windows in the plan (up to `to`) */
    size_t skipped;          /* already done in the ledger, not pulled */
    size_t due;              /* selected for this run */
    size_t done, failed, not_pulled;
    uint64_t rows, bytes_in, bytes_out, requests, retries;
    uint64_t responses_429;
    unsigned concurrency;    /* the adaptive limit at the end */
    double seconds;
    int64_t resume_at;       /* SLUICE_EQUOTA: UTC seconds to come back */
    char state_path[512];    /* the ledger used ("" for none) */
    uint64_t bad_values;     /* Parquet: values of done windows that did not
                                convert to their declared type, written as
                                null (on_bad_value: null) */
    bool report_failed;      /* the report (report_path) was not published;
                                the log said why */
    /* Added with the learned rate (issue 14), at the end so that the
     * fields before keep their offsets. */
    double learned_rate;     /* requests/s learned from throttled answers
                                at the end (0: none learned) */
    double learned_limit;    /* the server's limit as estimated at the last
                                cut (0: none) */
    char learned_from[16];   /* "none", "throttled" (cut in this run) or
                                "remembered" (from an earlier run) */
    uint64_t rate_cuts;      /* throttled rounds that cut the rate */
    /* A job with `resources:` (issue 15): resources whose partitions were
     * not planned, their fan-out parent not done (failed, not pulled, or
     * it gave no value), each logged at SLUICE_LOG_ERROR; the command
     * exits 1 for them as for a failed window. */
    size_t resources_unplanned;
    /* Added with the workers (issue 13), at the end likewise. */
    unsigned workers;        /* threads that committed windows */
    size_t commits_pending_max; /* the most finished windows waiting to be
                                   published at once (bounded: see
                                   commit_holds) */
    uint64_t commit_holds;   /* times the loop stopped starting transfers
                                because `concurrency` finished windows
                                were waiting to be published (a slow disk
                                or CPU pushing back on the network) */
    /* Added with the parse workers (issue 13), at the end likewise. */
    unsigned parse_threads;  /* threads that read response bodies */
    uint64_t body_pauses;    /* times a transfer was paused because the
                                parse threads had not yet read its last
                                32 KiB (the CPU pushing back on the
                                network) */
};

/* Defaults: all windows due, TLS verified, grace 10 s, log at WARN,
 * no callbacks, no report. */
SLUICE_API void sluice_run_opts_init_sized(struct sluice_run_opts *o, size_t size);
#define sluice_run_opts_init(o) sluice_run_opts_init_sized((o), sizeof *(o))
/* Zeroes the summary and sets its size. */
SLUICE_API void sluice_run_summary_init_sized(struct sluice_run_summary *s, size_t size);
#define sluice_run_summary_init(s) sluice_run_summary_init_sized((s), sizeof *(s))

/* A run: one pull of a job's due windows, as a handle so that another
 * thread or a signal handler can cancel it.
 *
 * sluice_run_new() validates and copies `o` (NULL: the defaults); the
 * strings `o` points to (window, argv, report_path) and `o->ud`/`log_ud`
 * are borrowed until sluice_run_free(); so is the job, which must not be
 * used by anything else while the run executes. SLUICE_EINVAL when
 * `o->size` was not set by sluice_run_opts_init(), or is larger than this
 * library knows with a non-default member beyond (a program built against
 * a newer sluice.h), SLUICE_ENOMEM. */
struct sluice_run;
SLUICE_API SLUICE_NODISCARD int sluice_run_new(struct sluice_job *job,
                                               const struct sluice_run_opts *o,
                                               struct sluice_run **out,
                                               char *errbuf, size_t errlen);

/* Executes the run on the calling thread, once per handle, blocking until
 * it ends; its publisher thread ends before it returns. Callbacks fire on the calling thread, during the call.
 * Returns SLUICE_OK when the run completed (some windows may have failed:
 * see the summary), SLUICE_ECANCELED when cancelled, SLUICE_EQUOTA when
 * the API's quota ran out (summary resume_at says when to come back),
 * SLUICE_ESTATE when the ledger refused (another run holds it, or the job
 * changed: errbuf says what), SLUICE_EINVAL when the handle already ran or
 * `sum->size` is unset, or another code when it could not run at all
 * (errbuf). `sum` (may be NULL) is filled on every return but SLUICE_EINVAL
 * and says what was done. */
SLUICE_API SLUICE_NODISCARD int
sluice_run_exec(struct sluice_run *run, struct sluice_run_summary *sum,
                char *errbuf, size_t errlen);

/* How a cancel stops a run. */
enum sluice_cancel {
    /* Start no more transfers; let those in flight finish within the
     * run's `grace`, publish what completes. */
    SLUICE_CANCEL_DRAIN = 1,
    /* Abandon the transfers in flight at once (nothing partial is left). */
    SLUICE_CANCEL_ABANDON = 2
};

/* Asks the run to stop; windows not finished are reported as not pulled
 * and sluice_run_exec() returns SLUICE_ECANCELED. Safe from any thread and
 * from a signal handler (a lock-free C11 atomic store, nothing else);
 * a later call can only escalate (DRAIN then ABANDON), never undo. Before
 * sluice_run_exec() it makes the run stop before its first request; after
 * it returned it does nothing. The run polls the request at least every
 * 100 ms. `run` must stay valid during the call: do not race it with
 * sluice_run_free(). */
SLUICE_API void sluice_run_cancel(struct sluice_run *run,
                                  enum sluice_cancel how);

/* Releases the handle (not while sluice_run_exec() runs). NULL: no-op. */
SLUICE_API void sluice_run_free(struct sluice_run *run);

/* sluice_run_new(), sluice_run_exec(), sluice_run_free() in one call, for
 * a run nobody needs to cancel. */
SLUICE_API SLUICE_NODISCARD int sluice_run(struct sluice_job *job,
                                           const struct sluice_run_opts *o,
                                           struct sluice_run_summary *sum,
                                           char *errbuf, size_t errlen);

/* ---- status ----------------------------------------------------------------*/
struct sluice_status_failure {
    char *start, *end, *error;
    uint64_t attempts;
};
struct sluice_status_run {
    int64_t id, started, ended;
    char *outcome;
    uint64_t done, failed, not_pulled, rows;
};
struct sluice_status {
    size_t size;             /* set by sluice_status_init() */
    char *state_path;
    bool exists;             /* false: the job never ran */
    bool running;            /* a run holds the lock now */
    long running_pid;
    bool has_watermark;
    char *done_through;      /* last day (or instant) of the unbroken run of
                                done windows from the first */
    uint64_t planned;        /* windows the job has now (up to `to`) */
    uint64_t pending, done, failed; /* in the ledger */
    struct sluice_status_failure *failures;
    size_t n_failures;
    struct sluice_status_run *runs; /* newest first */
    size_t n_runs;
    double learned_rate;     /* requests/s a run learned from the server's
                                throttling and the next run starts from;
                                0: none */
    char *learned_origin;    /* the server it was learned from, or NULL */
    int64_t learned_at;      /* UTC seconds when it was stored */
    /* failures[i]'s partition key, n_failures of them (an array of its
     * own: failures' elements are fixed) */
    char **failure_keys;
    /* incremental: the cursor the next run starts from (before the lag),
     * the run that stored it and how many of that run's records had none;
     * has_cursor false: no run stored one yet */
    bool has_cursor;
    char cursor[1025];
    int64_t cursor_run;
    uint64_t cursor_missing;
};
SLUICE_API void sluice_status_init_sized(struct sluice_status *st, size_t size);
#define sluice_status_init(st) sluice_status_init_sized((st), sizeof *(st))
/* Reads the job's ledger without taking its lock (a run may be active, in
 * this process or another), with at most `max_runs` runs. `out->size` set
 * by sluice_status_init(); release the result with
 * sluice_status_cleanup() (also after a failure). SLUICE_ESTATE when the
 * ledger cannot be read, SLUICE_ENOMEM, SLUICE_EINVAL. */
SLUICE_API SLUICE_NODISCARD int sluice_job_status(const struct sluice_job *job,
                                                  size_t max_runs,
                                                  struct sluice_status *out,
                                                  char *errbuf, size_t errlen);
/* Frees what sluice_job_status() put in `st`; keeps `size`. */
SLUICE_API void sluice_status_cleanup(struct sluice_status *st);

/* Receives output bytes, on the caller's thread during the call that was
 * given it; non-zero stops that call with SLUICE_EIO. */
typedef int (*sluice_write_fn)(void *ud, const void *p, size_t n);

/* A status read by sluice_job_status() as the JSON document of `sluice
 * status --json` (docs/cli.md), one line ending in '\n', handed to `out`
 * in pieces (`out` is called on the caller's thread, during the call).
 * `st` and the job are borrowed and only read; the call keeps no state, so
 * it may run on any thread while nothing changes them. SLUICE_EIO when
 * `out` refused (errbuf "cannot write"), SLUICE_ENOMEM. */
SLUICE_API SLUICE_NODISCARD int sluice_status_json(const struct sluice_job *job,
                                                   const struct sluice_status *st,
                                                   sluice_write_fn out,
                                                   void *ud, char *errbuf,
                                                   size_t errlen);

/* ---- Parquet files ------------------------------------------------------ */

/* Reads a Parquet file written by sluice (or any file within what its
 * small reader supports) and hands `out` its rows as NDJSON, one row group
 * at a time, or with `schema` its schema in parquet-mr's text form.
 * SLUICE_EIO when the file cannot be read, SLUICE_EPARQUET when it is not
 * a Parquet file sluice can read (message in errbuf). */
SLUICE_API SLUICE_NODISCARD int sluice_parquet_cat(const char *path,
                                                   bool schema,
                                                   sluice_write_fn out,
                                                   void *ud, char *errbuf,
                                                   size_t errlen);

/* The job's table schema as it stands: every Parquet file of the job is
 * written with it. As Parquet's text form, or (json) as the JSON document
 * sluice keeps. SLUICE_EJOB when the job has none yet or writes no
 * Parquet (errbuf says which). */
SLUICE_API SLUICE_NODISCARD int sluice_job_schema(const struct sluice_job *job,
                                                  bool json,
                                                  sluice_write_fn out,
                                                  void *ud, char *errbuf,
                                                  size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
