/* schema_file.h: the job's table schema kept beside its outputs, in
 * .sluice-schema-<job>.json in the output template's fixed folder
 * (sluice__parquet_schema_path in sink.h names it; the name is older than
 * CSV, which uses the same file). The sinks that write with the job's
 * schema (Parquet, CSV) load it at commit, merge the window's schema into
 * it, and save it, atomically, before the data file is published, so it
 * always covers every published file. Errors in err, naming the file. */
#ifndef SLUICE_SINK_SCHEMA_FILE_H
#define SLUICE_SINK_SCHEMA_FILE_H

#include <pthread.h>
#include <stdint.h>

#include "table/table.h"
#include "util/buf.h"

/* Loads the schema at path into *out; a missing file is a new empty schema
 * (the job's first window). cols is borrowed by the table. */
SLUICE_NODISCARD int
sluice__schema_file_load(const char *path,
                         const struct sluice_column_decl *cols, size_t n_cols,
                         struct sluice_table **out, struct sluice_err *err);

/* Writes t to path atomically (temporary file named for `owner`, the job);
 * its text is left in *text for the ledger's schema versions. */
SLUICE_NODISCARD int sluice__schema_file_save(const char *path,
                                              const char *owner,
                                              const struct sluice_table *t,
                                              struct sluice_buf *text,
                                              struct sluice_err *err);

/* The turns of commits running at once (sink.h, schema_turn): ticket t's
 * schema section (load .. save) starts after ticket t - 1's ended. _wait
 * blocks until it is t's turn; _pass ends t's turn, first waiting for it
 * if it has not come (a commit that never read the schema file still
 * keeps its place), and does nothing when t's turn is over, so a commit's
 * every exit may call it. Both do nothing for NULL. */
struct sluice_schema_turn {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t next; /* the ticket whose turn it is */
};
SLUICE_NODISCARD int sluice__schema_turn_init(struct sluice_schema_turn *t);
void sluice__schema_turn_destroy(struct sluice_schema_turn *t);
void sluice__schema_turn_wait(struct sluice_schema_turn *t, uint64_t ticket);
void sluice__schema_turn_pass(struct sluice_schema_turn *t, uint64_t ticket);

#endif
