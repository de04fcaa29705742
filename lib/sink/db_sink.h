/* db_sink.h: what the SQLite and PostgreSQL sinks share: their options
 * (copied), the spool of the partition's records (sink/spool.h), and the
 * step of every commit that comes before the database: the job's schema
 * loaded, the partition's merged in and saved when it changed (before any
 * row is written, so it always covers every table), and the table's
 * columns listed (db_rows.h). The sink that embeds it owns it and calls
 * _cleanup. Errors in base->err. */
#ifndef SLUICE_SINK_DB_SINK_H
#define SLUICE_SINK_DB_SINK_H

#include "sink/db_rows.h"
#include "sink/sink.h"
#include "sink/spool.h"

struct sluice_db_sink {
    struct sluice_sink base; /* first: the sink is cast to and from it */
    struct sluice_sink_db_opts d; /* strings owned (copied at _init) */
    char **owned;                 /* the copies, freed at _cleanup */
    size_t n_owned;
    char *partition;              /* open()'s argument */
    struct sluice_spool sp;
    struct sluice_table *job;     /* during a commit */
    struct sluice_db_cols cols;
    struct sluice_db_row row;
    struct sluice_buf warnings;
    struct sluice_buf schema_text;
    struct sluice_buf sql;        /* scratch for statements */
};

/* ops is the embedding sink's. SLUICE_ENOMEM. */
SLUICE_NODISCARD int sluice__db_sink_init(struct sluice_db_sink *s,
                                          const struct sluice_sink_ops *ops,
                                          const struct sluice_sink_opts *o,
                                          const struct sluice_sink_db_opts *d);
void sluice__db_sink_cleanup(struct sluice_db_sink *s);

/* The sink ops every database sink uses as they are. */
int sluice__db_sink_open(struct sluice_sink *base, const char *partition);
int sluice__db_sink_record_begin(struct sluice_sink *base, const char *key,
                                 size_t key_n);
int sluice__db_sink_event(struct sluice_sink *base, enum sluice_json_event ev,
                          const char *p, size_t n);
int sluice__db_sink_record_end(struct sluice_sink *base);
void sluice__db_sink_abort(struct sluice_sink *base);

/* The first step of a commit: s->job and s->cols ready (see above). A
 * commit tried again after a transient failure does it again: the schema
 * file then merges nothing new. */
SLUICE_NODISCARD int sluice__db_sink_schema(struct sluice_db_sink *s);
/* The last step, whatever happened: the warnings, the job schema freed;
 * the spool emptied unless the failure is transient (kept for a retry). */
void sluice__db_sink_commit_end(struct sluice_db_sink *s, int rc);

/* write: merge: every primary_key column is among the table's columns
 * (s->cols), else SLUICE_EINVAL naming the first missing one. */
SLUICE_NODISCARD int sluice__db_sink_check_keys(struct sluice_db_sink *s);
/* Whether column `name` is one of the merge keys. */
bool sluice__db_sink_is_key(const struct sluice_db_sink *s, const char *name);

/* write: merge's upsert clause, appended to q: " ON CONFLICT (keys) DO
 * UPDATE SET _sluice_partition = EXCLUDED._sluice_partition, c = EXCLUDED.c,
 * ..." for every column but the keys (SQLite and PostgreSQL spell it
 * alike). */
SLUICE_NODISCARD int sluice__db_merge_clause(const struct sluice_db_sink *s,
                                             struct sluice_buf *q);

#endif
