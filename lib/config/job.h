/* job.h: a validated job, loaded from a YAML job file and/or `--set
 * path=value` overrides (docs/job-file.md is the user's reference).
 *
 * Loading does everything that can fail before a request is made: YAML
 * syntax, unknown or mistyped fields, ${VAR} / ${VAR:-default} expansion
 * (environment first, then a .env file beside the job file), window and
 * template checks, the JSONPath's syntax. Errors read
 * "jobs/neows.yaml:12:7: windows.step: unknown unit 'x' in '7x'" (or
 * "--set source.url:1:1: ..." for an override) and the code is SLUICE_EJOB.
 *
 * Secrets (decided by meaning: see config/secrets.c) are collected in
 * job->secrets; the job's strings themselves hold the real values, because
 * the request needs them. */
#ifndef SLUICE_CONFIG_JOB_H
#define SLUICE_CONFIG_JOB_H

#include "http/governor.h"
#include "http/oauth2.h"
#include "http/paginate.h"
#include "http/redirect.h"
#include "json/cursor.h"
#include "http/retry.h"
#include "http/s3.h"
#include "plan/partition.h"
#include "plan/window.h"
#include "table/types.h"
#include "util/redact.h"

struct sluice_kv {
    char *name;
    char *value;
    bool secret;
};

enum sluice_output_format {
    SLUICE_FORMAT_NDJSON,
    SLUICE_FORMAT_PARQUET,
    SLUICE_FORMAT_CSV
};

/* output.sqlite / output.postgres: a database destination instead of
 * files (job_load_db.c; docs/job-file.md "Database output"). */
enum sluice_db_kind { SLUICE_DB_NONE, SLUICE_DB_SQLITE, SLUICE_DB_POSTGRES };
/* output.write: what a partition's commit does to the table's rows. */
enum sluice_db_write {
    SLUICE_WRITE_APPEND,  /* the partition's earlier rows replaced */
    SLUICE_WRITE_REPLACE, /* the run's first commit empties the table */
    SLUICE_WRITE_MERGE    /* upsert by output.primary_key */
};

/* output.compression; the same order as enum sluice_pq_codec. */
enum sluice_compression {
    SLUICE_COMPRESS_ZSTD,
    SLUICE_COMPRESS_SNAPPY,
    SLUICE_COMPRESS_GZIP,
    SLUICE_COMPRESS_NONE
};

/* http: defaults. A stalled window must fail its attempt within minutes,
 * not hang the run: a transfer slower than 100 bytes/s for 60 s (a server
 * that went silent, or drips a byte a second) is aborted and retried, and
 * no attempt lasts more than 300 s. 100 B/s is far below any working API
 * (a 1 KiB answer in 10 s still passes) and far above a stall. */
#define SLUICE_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define SLUICE_HTTP_DEFAULT_TIMEOUT_MS 300000
#define SLUICE_HTTP_DEFAULT_LOW_SPEED_BYTES 100
#define SLUICE_HTTP_DEFAULT_LOW_SPEED_MS 60000

/* source.auth (job_load_auth.c; docs/job-file.md#authentication). Every
 * value is a secret by construction. URL credentials
 * (`https://user:pass@host/`) become `basic` at load, and the URL loses
 * them. */
enum sluice_auth_type {
    SLUICE_AUTH_NONE,
    SLUICE_AUTH_BEARER,
    SLUICE_AUTH_BASIC,
    SLUICE_AUTH_API_KEY,
    SLUICE_AUTH_OAUTH2
};

struct sluice_auth {
    enum sluice_auth_type type;
    /* bearer, basic and api_key in a header: the whole header line
     * ("Authorization: Bearer ...", "X-Api-Key: ..."), built at load;
     * NULL otherwise */
    char *header;
    /* api_key in the query: the parameter, added to every request URL */
    char *query_name, *query_value;
    /* oauth2_client_credentials: the token request's parts */
    struct sluice_oauth2_client oauth2;
    bool from_url; /* basic, taken from source.url's userinfo */
};

/* incremental: (job_load_incremental.c; docs/job-file.md#incremental-by-a-
 * value-from-the-records): the greatest cursor value over the records of a
 * run whose partitions all succeeded is kept in the ledger and sent, minus
 * the lag, by the next run. */
struct sluice_incremental {
    bool on;
    char *cursor;                   /* the path as written */
    struct sluice_cursor_path path;
    enum sluice_cursor_type type;   /* default timestamp */
    char *param;                    /* the query parameter carrying it */
    char *initial;                  /* NULL: the first run sends none */
    int64_t lag;                    /* seconds (timestamp), units (integer) */
    /* What this run sends and names its files with: set at load to the
     * first run's (initial), by the run (pipeline/run_incr.c) from the
     * ledger. send NULL: no parameter. */
    char *send;
    char *run_label;                /* {run} */
    char *cursor_from_label;        /* {cursor_from} */
};

struct sluice_job {
    char *file;  /* job file path as given, or "<command line>" */
    char *name;  /* required in a file; "pull" for `sluice pull` */

    struct {
        char *url;                  /* template (no query params, no
                                       userinfo: see auth.from_url) */
        /* source.url as written, userinfo included, for the ledger's check
         * of what changed (its secrets stored as ***): moving credentials
         * to auth is no change to the job. */
        char *url_as_written;
        struct sluice_auth auth;    /* source.auth; type NONE: none */
        struct sluice_kv *params;   /* query parameters, templates */
        size_t n_params;
        struct sluice_kv *headers;  /* request headers, templates */
        size_t n_headers;
        char *records;              /* JSONPath subset, default "$" */
        char *record_key_as;        /* NULL unless set */
        /* a response without the records path's container (or with it
         * null) is 0 records, not a failed window */
        bool allow_missing;
        bool post;                  /* source.method: POST (default GET) */
        char *body;                 /* source.body: a JSON template; NULL
                                       (POST only) */
        /* source.pagination: type NONE when absent (one page a window) */
        struct sluice_pagination pagination;
    } source;

    struct sluice_window_spec windows; /* when has_windows */
    bool has_windows;               /* windows: is optional */
    /* The partitions: `partitions:`'s dimensions, then the windows
     * (parts.windows points to `windows` when has_windows). Every plan
     * walk goes through it (plan/partition.h). */
    struct sluice_part_spec parts;

    unsigned concurrency;           /* 1..1024, default 4 */
    /* workers: threads that publish finished windows (encode, compress,
     * fsync, rename) at once; 0 (default): one per online core. A
     * database or S3 destination uses one (docs/job-file.md). */
    unsigned workers;               /* 0..64 */

    struct {
        char *path;                 /* template; relative to the cwd */
        /* with incremental: as written, {run} and {cursor_from} in it
         * (path has them as literal text, filled in per run) */
        char *path_as_written;
        char *folder;               /* its fixed folder (plan/outpath.h) */
        bool allow_outside;         /* windows may leave the folder */
        enum sluice_output_format format;
        /* Parquet only: */
        enum sluice_compression compression; /* default zstd */
        int compression_level;      /* 0: the codec's default */
        uint64_t row_group_bytes;   /* default 128 MiB */
        bool flatten;               /* nested structs -> a__b columns */
        bool skip_empty;            /* output.empty: skip (Parquet, CSV) */
        bool csv_crlf;              /* output.csv.line_ending: crlf */
        /* output.path s3://...: where files go once built; `path` is
         * then the local staging template (job_load_s3.c). NULL: local. */
        struct sluice_s3_dest *s3;
        bool manifest;              /* output.manifest: true */
        /* A database destination (path is then NULL, folder the one the
         * job's schema file and spool files go in): */
        enum sluice_db_kind db;
        char *db_target;            /* the SQLite file, or the PostgreSQL
                                       connection string (a secret's
                                       password inside it) */
        char *table;                /* output.table; default the job name */
        enum sluice_db_write write; /* output.write, default append */
        char **primary_key;         /* output.primary_key (merge) */
        size_t n_primary_key;
    } output;

    struct sluice_column_decl *columns; /* declared types, file order */
    size_t n_columns;
    bool bad_value_fail;            /* on_bad_value: fail (default null) */

    struct {
        long connect_timeout_ms;    /* default 10 s */
        long timeout_ms;            /* whole transfer; default 300 s */
        long low_speed_bytes;       /* abort when below this many bytes/s */
        long low_speed_secs;        /* ... for this long; default 100 B/s,
                                       60 s (SLUICE_HTTP_DEFAULT_*) */
        uint64_t max_response_bytes;/* default 256 MiB */
        bool insecure;              /* --insecure only; default false */
        char *ca_file;              /* http.ca_file: PEM bundle to trust
                                       instead of the system's; NULL */
        enum sluice_redirects follow_redirects; /* default same_origin */
    } http;

    /* rate_limit: token buckets every transfer shares (may be none: the
     * server's headers then teach the limit). */
    struct sluice_rate rates[SLUICE_GOVERNOR_BUCKETS];
    size_t n_rates;

    struct sluice_retry_policy retry; /* retry: attempts, base, ... */

    char *state_path;  /* the ledger; default .sluice/<name>.db beside the
                          job file (the current folder for `pull`) */
    int64_t lookback;  /* seconds of recent windows re-pulled every run */
    /* state: postgresql://... : the ledger is shared by every worker of
     * the job (state/pg_ledger.c); state_path is then the connection
     * string, a secret when it holds a password (job_load_state.c). */
    bool state_shared;
    int64_t state_lease_ms; /* state_lease: a claim's lease, default 30 s */

    struct sluice_incremental incremental;

    struct sluice_secrets *secrets; /* never NULL in a loaded job; one
                                       set for all of a job's resources
                                       (the first one's) */

    /* resources: (job_load_resources.c; docs/job-file.md#several-
     * resources-in-one-job). A job with `resources:` is loaded as one
     * struct sluice_job per resource, in the file's order: the first is
     * the job returned, the others chained by `next` (owned by the one
     * before). `resource` is the resource's name (NULL, `next` and
     * `first` NULL, for a job without `resources:`); `first` is the
     * first resource (itself for the first). */
    char *resource;
    struct sluice_job *next;
    struct sluice_job *first;
};

/* Looks a variable up in the environment; NULL when unset. Tests pass
 * their own. */
typedef const char *(*sluice_getenv_fn)(void *ud, const char *name);

struct sluice_job_load_opts {
    const char *path;          /* the job file, or NULL for flags only */
    const char *const *sets;   /* "a.b=value" overrides, applied in order */
    size_t n_sets;
    sluice_getenv_fn getenv_fn;/* NULL means getenv(3) */
    void *getenv_ud;
    const char *env_file_dir;  /* where .env is looked for when path is
                                  NULL; NULL means the current directory */
    int64_t now;               /* "today" is this instant's UTC date */
    sluice_log_fn log;         /* warnings (a secret too short to hide
                                  safely); may be NULL */
    void *log_ud;
};

/* Loads and validates a job. On success *out owns everything (free with
 * sluice__job_free). On failure returns SLUICE_EJOB (or SLUICE_ENOMEM,
 * SLUICE_EIO when the file cannot be read) with the message in err. */
SLUICE_NODISCARD int sluice__job_load(const struct sluice_job_load_opts *o,
                                      struct sluice_job **out,
                                      struct sluice_err *err);
void sluice__job_free(struct sluice_job *job);
/* Frees what a struct sluice_incremental holds (job_load_incremental.c). */
void sluice__incremental_cleanup(struct sluice_incremental *inc);
/* output.path with {run} and {cursor_from} filled in from the job's
 * incremental labels (their braces doubled), into a new string; NULL
 * when out of memory. Without incremental, a copy of output.path. */
char *sluice__incremental_path(const struct sluice_job *job);
/* Frees what a struct sluice_auth holds and zeroes it (job_load_auth.c). */
void sluice__auth_cleanup(struct sluice_auth *a);

#endif
