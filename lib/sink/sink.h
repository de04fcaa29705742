/* sink.h: where a window's records go. One interface, several formats
 * (NDJSON, Parquet and CSV today; others go behind the same calls). A sink is
 * reused window after window by one transfer slot:
 *
 *   open(final path) -> record_begin/event/record_end ... -> commit | abort
 *
 * open() starts a temporary file (sink/publish.h); commit() publishes it
 * under the final name; abort() removes it. Records arrive as the JSON
 * reader's events (through the selector), so nothing is buffered whole. */
#ifndef SLUICE_SINK_SINK_H
#define SLUICE_SINK_SINK_H

#include "json/json_reader.h"
#include "table/types.h"
#include "util/buf.h"

struct sluice_sink;
struct sluice_schema_turn; /* sink/schema_file.h */

struct sluice_sink_ops {
    int (*open)(struct sluice_sink *s, const char *final_path);
    int (*record_begin)(struct sluice_sink *s, const char *key, size_t key_n);
    int (*event)(struct sluice_sink *s, enum sluice_json_event ev,
                 const char *p, size_t n);
    int (*record_end)(struct sluice_sink *s);
    /* Publishes; *bytes_out gets the size of the published file. */
    int (*commit)(struct sluice_sink *s, uint64_t *bytes_out);
    void (*abort)(struct sluice_sink *s);
    void (*destroy)(struct sluice_sink *s);
    /* Optional (NULL for files): reaches the destination before the run's
     * first request (a database: connects and checks the table can be
     * written), so that a wrong address or a missing permission is the
     * job's error, said once, not every window's. */
    int (*check)(struct sluice_sink *s);
};

struct sluice_sink {
    const struct sluice_sink_ops *ops;
    struct sluice_err err; /* detail of the last failure */
    /* Set by commit, for the window's result: values that did not convert
     * to their declared type (written as null), and warnings about the
     * schema, one per line ("" or NULL when none; valid until the next
     * open). */
    uint64_t bad_values;
    const char *warnings;
    /* Also set by commit: whether a file was published (false for an
     * empty window with output.empty: skip), and the job's schema as JSON
     * text when this commit changed it (else NULL), for the ledger's
     * schema versions. */
    bool published;
    const char *schema_json;
    /* Set by the owner: commit leaves the output folder's fsync to it
     * (the committer syncs each folder once per batch). */
    bool defer_folder_sync;
    /* Set by the owner when commits of one job run on several threads at
     * once (pipeline/committer.c): a sink that keeps the job's schema file
     * reads, merges and saves it in its turn (`schema_ticket`, the
     * window's place in the commit order; schema_file.h), so no merge is
     * lost and the saves come in the order the windows are reported; the
     * rest of its commit (encoding, compression, fsync) runs beside the
     * others'. NULL: one commit at a time. */
    struct sluice_schema_turn *schema_turn;
    uint64_t schema_ticket;
    /* Set by a failed commit (databases): `transient` when the failure may
     * pass (a connection lost, the server restarting, a busy lock): the
     * same commit may then be called again, its records still held, and
     * is, like a 5xx is retried (pipeline/committer.c); `fatal` when the
     * destination refuses the job itself (a permission): the run stops. */
    bool transient;
    bool fatal;
    /* Set by the sink: commit is a database transaction, with no folder
     * to sync. */
    bool database;
};

struct sluice_sink_opts {
    const char *record_key_as; /* NULL, or the member that keeps the key */
    size_t max_record_bytes;   /* bound on one serialised record */
    /* The job, named in every temporary file (sink/publish.h) so that the
     * sweep of another job leaves them alone. NULL: "job". For Parquet,
     * the job_name of its options. */
    const char *job_name;
};

/* NDJSON: one compact JSON value per line, as selected, with
 * record_key_as appended as the last member of object records. */
SLUICE_NODISCARD int sluice__sink_ndjson_new(const struct sluice_sink_opts *o,
                                             struct sluice_sink **out);

/* Parquet options (docs/job-file.md, docs/internals/table.md). */
struct sluice_sink_parquet_opts {
    const char *job_name;        /* names the schema file */
    /* The job's output.path template: the job's schema is kept in its
     * fixed folder (before the first placeholder) as
     * .sluice-schema-<job_name>.json. */
    const char *output_template;
    const struct sluice_column_decl *columns; /* borrowed, outlives sink */
    size_t n_columns;
    int codec;                   /* enum sluice_pq_codec; 0 zstd */
    int level;                   /* 0: codec default */
    uint64_t row_group_bytes;    /* 0: 128 MiB */
    bool flatten;                /* output.flatten */
    bool skip_empty;             /* output.empty: skip */
    bool fail_on_bad;            /* on_bad_value: fail */
    size_t spool_bytes;          /* records kept in memory before the
                                    spool spills to disk; 0: 16 MiB */
};

/* Parquet: records are spooled (memory, then a hidden unlinked file in the
 * output folder) while the schema is inferred; commit merges the window's
 * schema into the job's, writes the file with it and publishes it. */
SLUICE_NODISCARD int
sluice__sink_parquet_new(const struct sluice_sink_opts *o,
                         const struct sluice_sink_parquet_opts *po,
                         struct sluice_sink **out);
/* CSV options (docs/job-file.md, csv.c for the value rules). */
struct sluice_sink_csv_opts {
    const char *job_name;        /* names the schema file */
    const char *output_template; /* as for Parquet: where the schema is */
    const struct sluice_column_decl *columns; /* borrowed, outlives sink */
    size_t n_columns;
    bool crlf;                   /* output.csv.line_ending: crlf */
    bool skip_empty;             /* output.empty: skip */
    size_t spool_bytes;          /* 0: 16 MiB, as for Parquet */
};

/* CSV (RFC 4180): spooled like Parquet; commit merges the window's schema
 * into the job's (the same schema file) and writes a header row and one
 * row per record in the job's column order. */
SLUICE_NODISCARD int sluice__sink_csv_new(const struct sluice_sink_opts *o,
                                          const struct sluice_sink_csv_opts *co,
                                          struct sluice_sink **out);

/* Database destinations (sqlite.c, postgres.c; docs/internals/sink.md).
 * For them open()'s argument is not a path but the partition's identity,
 * an opaque string the pipeline gives (the window's start today): the
 * partition's rows carry it in the column _sluice_partition, and a commit
 * replaces the rows an earlier commit of the same partition left. */
enum sluice_sink_db_write {
    SLUICE_SINK_DB_APPEND,  /* the partition's earlier rows are deleted */
    SLUICE_SINK_DB_REPLACE, /* the run's first commit empties the table */
    SLUICE_SINK_DB_MERGE    /* upsert by primary_key */
};

struct sluice_sink_db_opts {
    const char *target;      /* SQLite file, or libpq connection string */
    const char *table;       /* "name", or "schema.name" (PostgreSQL) */
    const char *job_name;    /* temporary files' owner */
    const char *schema_path; /* the job's schema file (schema_file.h) */
    const char *spool_path;  /* spill files go in this path's folder */
    const struct sluice_column_decl *columns; /* borrowed, outlives sink */
    size_t n_columns;
    const char *const *primary_key; /* merge: key columns; borrowed */
    size_t n_primary_key;
    enum sluice_sink_db_write write;
    bool flatten;
    bool fail_on_bad;
    size_t spool_bytes;      /* 0: 16 MiB */
    unsigned lock_wait_ms;   /* SQLite: how long a commit waits for
                                another writer's lock; 0: 10 s */
    /* write: replace: whether this run has emptied the table yet; one flag
     * for all the run's sinks (commits are sequential), owned by the run. */
    bool *replaced;
};

SLUICE_NODISCARD int sluice__sink_sqlite_new(const struct sluice_sink_opts *o,
                                             const struct sluice_sink_db_opts *d,
                                             struct sluice_sink **out);
SLUICE_NODISCARD int
sluice__sink_postgres_new(const struct sluice_sink_opts *o,
                          const struct sluice_sink_db_opts *d,
                          struct sluice_sink **out);

/* The schema file of a job (Parquet and CSV): "<fixed folder of tpl>/.sluice-schema-<job>.json"
 * appended to out. */
SLUICE_NODISCARD int sluice__parquet_schema_path(const char *tpl,
                                                 const char *job,
                                                 struct sluice_buf *out);

/* Why a sink call that returned `rc` failed: the sink's own message, or,
 * when the failing path left none (an allocation deep in an encoder), the
 * code's text, so a failed window always says why. */
static inline const char *sluice__sink_reason(const struct sluice_sink *s,
                                              int rc)
{
    return s->err.msg[0] ? s->err.msg : sluice_strerror(rc);
}

static inline void sluice__sink_free(struct sluice_sink *s)
{
    if (s)
        s->ops->destroy(s);
}

#endif
