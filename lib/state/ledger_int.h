/* ledger_int.h: what the files of lib/state/ share: the handle, cached
 * statements and small SQLite helpers. Not for other modules: they use
 * ledger.h. */
#ifndef SLUICE_STATE_LEDGER_INT_H
#define SLUICE_STATE_LEDGER_INT_H

#include <sqlite3.h>

#include "state/ledger.h"

#define SLUICE_LEDGER_SALT_LEN 16

/* Statements used once per window (or often) are prepared once and kept. */
enum ledger_stmt {
    ST_STATUS,
    ST_HISTORY,
    ST_UPSERT,
    ST_BEGIN,
    ST_COMMIT,
    ST_COUNT
};

struct sluice_ledger {
    sqlite3 *db;
    char *path;
    char *lock_path;
    char *job_name; /* NULL when unknown */
    int lock_fd;    /* -1 unless locked */
    int64_t run_id; /* the run begun through this handle, 0 if none */
    sluice_clock_fn clock;
    void *clock_ud;
    unsigned char salt[SLUICE_LEDGER_SALT_LEN];
    char *part;     /* the partition group window calls address; "" */
    sqlite3_stmt *st[ST_COUNT];
};

int64_t sluice__ledger_now(const struct sluice_ledger *l);
/* Sets err to "ledger PATH: WHAT: <sqlite message>" and returns
 * SLUICE_ENOMEM for SQLITE_NOMEM, else SLUICE_ESTATE. */
int sluice__ledger_sqlfail(struct sluice_ledger *l, int src, const char *what,
                           struct sluice_err *err);
SLUICE_NODISCARD int sluice__ledger_exec(struct sluice_ledger *l,
                                         const char *sql,
                                         struct sluice_err *err);
/* A fresh statement (finalize it) or a cached one (reset it). */
SLUICE_NODISCARD int sluice__ledger_prepare(struct sluice_ledger *l,
                                            const char *sql, sqlite3_stmt **out,
                                            struct sluice_err *err);
SLUICE_NODISCARD int sluice__ledger_cached(struct sluice_ledger *l,
                                           enum ledger_stmt which,
                                           sqlite3_stmt **out,
                                           struct sluice_err *err);
/* Before a write: SLUICE_ESTATE when the file is no longer the ledger at
 * l->path (sluice__ledger_moved). begin() checks it; a write outside a
 * transaction calls it first. */
SLUICE_NODISCARD int sluice__ledger_check_file(struct sluice_ledger *l,
                                               struct sluice_err *err);
/* BEGIN IMMEDIATE / COMMIT (begin checks the file first); rollback never
 * fails visibly. */
SLUICE_NODISCARD int sluice__ledger_begin(struct sluice_ledger *l,
                                          struct sluice_err *err);
SLUICE_NODISCARD int sluice__ledger_commit(struct sluice_ledger *l,
                                           struct sluice_err *err);
void sluice__ledger_rollback(struct sluice_ledger *l);
/* A copy of column i as text, NULL for SQL NULL; *oom set on failure. */
char *sluice__ledger_col_dup(sqlite3_stmt *st, int i, bool *oom);
/* The meta key/value table; *value is NULL when the key is absent. */
SLUICE_NODISCARD int sluice__ledger_meta_get(struct sluice_ledger *l,
                                             const char *key, char **value,
                                             struct sluice_err *err);
SLUICE_NODISCARD int sluice__ledger_meta_set(struct sluice_ledger *l,
                                             const char *key, const char *value,
                                             struct sluice_err *err);
/* Formats t as 2026-11-25T20:30:00Z into out (at least 32 bytes). */
void sluice__ledger_iso(int64_t t, char *out, size_t n);

#endif
