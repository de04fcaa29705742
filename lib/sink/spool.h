/* spool.h: a window's records kept for a second pass, with the window's
 * schema inferred as they arrive. The sinks that need the job's whole
 * schema before they write a row (Parquet: a row group needs every column;
 * CSV: the header names every column) spool the window, merge its schema
 * into the job's at commit (sink/schema_file.h) and replay the records.
 *
 * Each record is encoded compactly (table/events.h) with a u32 length in
 * front; the spool lives in memory up to `spool_max` bytes, then spills to
 * a hidden temporary file in the output folder, unlinked as soon as it is
 * created (a crash leaves nothing behind). A member name repeated in one
 * object keeps its last value (json/dupkeys.h): the earlier members are cut
 * out before the record widens the schema. With `key_as`, the record's key
 * becomes its object's last member.
 *
 * Errors go in the err given, with the reason; the spool owns its buffers,
 * the sink that embeds it calls _cleanup. */
#ifndef SLUICE_SINK_SPOOL_H
#define SLUICE_SINK_SPOOL_H

#include "json/dupkeys.h"
#include "json/json_reader.h"
#include "table/table.h"
#include "util/buf.h"

struct sluice_spool {
    char *key_as;            /* NULL, or the member that keeps the key */
    size_t max_record;       /* bound on one encoded record */
    size_t spool_max;        /* in memory before spilling */
    const struct sluice_column_decl *columns; /* borrowed */
    size_t n_columns;

    char *final_path;         /* names the spill file's folder */
    struct sluice_table *win; /* the window's inferred schema */
    struct sluice_buf mem;    /* spooled records: u32 length + events */
    size_t rec_start;         /* current record's length prefix */
    unsigned depth;
    struct sluice_buf key;
    bool has_key;
    struct sluice_dupkeys *dups;
    int fd;                   /* -1 until the spool spills */
    uint64_t records;
};

/* key_as is copied; columns borrowed. max_record/spool_max 0: 64 MiB and
 * 16 MiB. SLUICE_ENOMEM (then _cleanup is still safe). */
SLUICE_NODISCARD int sluice__spool_init(struct sluice_spool *sp,
                                        const char *key_as, size_t max_record,
                                        size_t spool_max,
                                        const struct sluice_column_decl *cols,
                                        size_t n_cols);
void sluice__spool_cleanup(struct sluice_spool *sp);

/* Starts a window whose file will be final_path: empties the spool and
 * starts a new window schema. */
SLUICE_NODISCARD int sluice__spool_open(struct sluice_spool *sp,
                                        const char *final_path,
                                        struct sluice_err *err);
/* Drops what is spooled (the spill file is closed, so gone). */
void sluice__spool_reset(struct sluice_spool *sp);

SLUICE_NODISCARD int sluice__spool_record_begin(struct sluice_spool *sp,
                                                const char *key, size_t key_n,
                                                struct sluice_err *err);
/* SLUICE_ETOOBIG past max_record. */
SLUICE_NODISCARD int sluice__spool_event(struct sluice_spool *sp,
                                         enum sluice_json_event ev,
                                         const char *p, size_t n,
                                         struct sluice_err *err);
/* Ends the record: repeated names cut, the window schema widened. */
SLUICE_NODISCARD int sluice__spool_record_end(struct sluice_spool *sp,
                                              struct sluice_err *err);

/* Called once per spooled record (one encoded value), in order; a code
 * other than SLUICE_OK stops the replay and is returned (the callback
 * sets err itself). */
typedef int (*sluice_spool_fn)(void *ud, const uint8_t *rec, size_t n);

/* Replays every record spooled since open: the spill file in 1 MiB
 * blocks, then what is in memory. */
SLUICE_NODISCARD int sluice__spool_replay(struct sluice_spool *sp,
                                          sluice_spool_fn fn, void *ud,
                                          struct sluice_err *err);

/* The window's advice, for sink.warnings: repeated member names (counted),
 * then what inferring the window's schema and merging it into the job's
 * (`job`, may be NULL) said. Replaces `out`'s text; on a failure to grow
 * it, `out` is left empty (warnings are advice, never a reason to fail). */
void sluice__spool_warnings(const struct sluice_spool *sp,
                            const struct sluice_table *job,
                            struct sluice_buf *out);

#endif
