/* sluice.h: the one public header of libsluice.
 *
 * sluice pulls an HTTP JSON API partition by partition (date windows),
 * concurrently, and writes each partition's records to a file that is
 * published atomically. This header is what an embedder and the `sluice`
 * command see; everything else in lib/ is internal.
 *
 * Conventions (docs/internals/conventions.md):
 * - every function that can fail returns an enum sluice_code; results travel
 *   through out-parameters;
 * - pointer arguments are borrowed; strings the library keeps are copied;
 * - memory the library returns is owned by the handle that returned it, or is
 *   released with the matching sluice_*_free();
 * - no global state except the allocator hook; one thread per handle.
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include <stddef.h>
#include <signal.h>
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
    SLUICE_EQUOTA = 12    /* the API's quota is gone: come back later */
};

/* A short, static English description of a code. Never NULL. */
SLUICE_API const char *sluice_strerror(int code);

/* The library's version, as "MAJOR.MINOR.PATCH". */
SLUICE_API const char *sluice_version(void);

/* Allocator hook. Must be called before any other sluice function; all
 * library allocations go through these three. NULL members restore libc. */
struct sluice_allocator {
    void *(*malloc_fn)(size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
};
SLUICE_API void sluice_set_allocator(const struct sluice_allocator *a);

/* Log levels, most severe first. */
enum sluice_log_level {
    SLUICE_LOG_ERROR = 0,
    SLUICE_LOG_WARN = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_DEBUG = 3,
    SLUICE_LOG_TRACE = 4
};

/* The library never prints; it hands every message (already redacted) to a
 * callback of this type. `msg` is valid only during the call. */
typedef void (*sluice_log_fn)(void *ud, enum sluice_log_level level,
                              const char *msg);


/* ---- jobs ------------------------------------------------------------------
 * A job is what to pull and where to put it: a YAML job file, `--set`
 * overrides, or both (docs/job-file.md). Loading validates everything that
 * can be checked before a request is made. */
struct sluice_job;

struct sluice_job_opts {
    const char *path;         /* job file; NULL for overrides only */
    const char *const *sets;  /* "a.b=value" overrides, applied in order */
    size_t n_sets;
    int64_t now;              /* UTC seconds "today" refers to; 0 = now */
    sluice_log_fn log;        /* load warnings (a secret too short to hide
                                 safely); may be NULL */
    void *log_ud;             /* passed to log */
};

/* Loads a job. On failure returns SLUICE_EJOB/SLUICE_EIO/SLUICE_ENOMEM and
 * writes "file:line:col: message" (secrets already redacted) to errbuf. */
SLUICE_API SLUICE_NODISCARD int sluice_job_load(const struct sluice_job_opts *o,
                                                struct sluice_job **out,
                                                char *errbuf, size_t errlen);
SLUICE_API void sluice_job_free(struct sluice_job *job);
SLUICE_API const char *sluice_job_name(const struct sluice_job *job);

/* Redacts every secret of the job in `text`: returns a new string to be
 * released with sluice_free(), or NULL when out of memory. */
SLUICE_API char *sluice_job_redact(const struct sluice_job *job,
                                   const char *text);
SLUICE_API void sluice_free(void *p);

/* ---- plan ----------------------------------------------------------------- */
SLUICE_API size_t sluice_job_window_count(const struct sluice_job *job);

/* One window as it will be pulled. The strings belong to `out`: release
 * them with sluice_window_info_cleanup(). The URL is redacted. */
struct sluice_window_info {
    size_t index;
    char *start;   /* formatted like {start} */
    char *end;     /* formatted like {end} */
    char *url;     /* full request URL, secrets as *** */
    char *output;  /* final output path */
};
SLUICE_API SLUICE_NODISCARD int
sluice_job_window_info(const struct sluice_job *job, size_t i,
                       struct sluice_window_info *out, char *errbuf,
                       size_t errlen);
SLUICE_API void sluice_window_info_cleanup(struct sluice_window_info *info);

/* ---- run -------------------------------------------------------------------*/
enum sluice_window_status {
    SLUICE_WINDOW_DONE = 0,
    SLUICE_WINDOW_FAILED = 1,
    SLUICE_WINDOW_NOT_PULLED = 2 /* interrupted, or the quota ran out */
};

/* One window's fate in this run. Strings and arrays are valid during the
 * callback only; all strings are redacted. */
struct sluice_window_result {
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
    const char *output;      /* final path when done, else NULL */
    double seconds;          /* from its first attempt to its end */
    const char *url;         /* redacted */
    const char *error;       /* NULL when done */
};

struct sluice_progress {
    size_t total, done, failed, in_flight;
    uint64_t rows, bytes_in;
    unsigned concurrency;    /* the current adaptive limit */
    double elapsed;          /* seconds since the run started */
    double learned_rate;     /* requests/s learned from throttled answers
                                (0: none learned) */
    const char *learned_from; /* how: "none", "throttled", "remembered" */
};

struct sluice_run_opts {
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
    /* Set to 1 (e.g. from a signal handler) to stop starting transfers
     * and let those in flight finish within `grace`; 2 to abandon them
     * at once. Windows not finished are reported as not pulled. */
    volatile sig_atomic_t *cancel;
    sluice_log_fn log;       /* may be NULL */
    void *log_ud;            /* passed to log */
    enum sluice_log_level log_level;
    void (*on_window)(void *ud, const struct sluice_window_result *r);
    void (*on_progress)(void *ud, const struct sluice_progress *p);
    double progress_interval;/* seconds between on_progress calls */
    void *ud;
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
};

struct sluice_run_summary {
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
};

/* Pulls the job's due windows. Returns SLUICE_OK when the run completed
 * (some windows may have failed: see the summary), SLUICE_ECANCELED when
 * interrupted, SLUICE_EQUOTA when the API's quota ran out (summary
 * resume_at says when to come back), SLUICE_ESTATE when the ledger refused
 * (another run holds it, or the job changed: errbuf says what), or another
 * code when it could not run at all (errbuf). */
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
};
/* Reads the job's ledger without taking its lock (a run may be active).
 * Release with sluice_status_cleanup(). */
SLUICE_API SLUICE_NODISCARD int sluice_job_status(const struct sluice_job *job,
                                                  size_t max_runs,
                                                  struct sluice_status *out,
                                                  char *errbuf, size_t errlen);
SLUICE_API void sluice_status_cleanup(struct sluice_status *st);

/* Receives output bytes; non-zero stops the call with SLUICE_EIO. */
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
