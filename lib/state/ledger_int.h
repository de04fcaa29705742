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
    struct sluice_pgl *pg; /* a shared ledger: pg_ledger.c; NULL: SQLite */
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

/* The shared ledger (pg_ledger.c): what each public call of a handle
 * with l->pg does instead of SQLite's. */
struct sluice_pgl;
int sluice__pgl_open(struct sluice_ledger *l, const struct sluice_ledger_opts *o,
                     const struct sluice_ledger_shared_opts *s,
                     struct sluice_err *err);
void sluice__pgl_close(struct sluice_ledger *l);
int sluice__pgl_unsupported(struct sluice_ledger *l, const char *what,
                            struct sluice_err *err);
const char *sluice__pgl_worker(const struct sluice_ledger *l);
int sluice__pgl_run_begin(struct sluice_ledger *l, const char *argv,
                          int64_t *run_id, struct sluice_err *err);
int sluice__pgl_run_end(struct sluice_ledger *l, int64_t run_id,
                        const struct sluice_ledger_run_end *e,
                        struct sluice_err *err);
int sluice__pgl_runs(struct sluice_ledger *l, size_t max,
                     struct sluice_ledger_run_list *out,
                     struct sluice_err *err);
int sluice__pgl_holder(struct sluice_ledger *l, struct sluice_ledger_holder *h,
                       struct sluice_err *err);
int sluice__pgl_mark(struct sluice_ledger *l, enum sluice_ledger_status status,
                     const struct sluice_ledger_attempt *a,
                     struct sluice_err *err);
int sluice__pgl_pending(struct sluice_ledger *l, int64_t start,
                        int64_t end_excl, struct sluice_err *err);
int sluice__pgl_failed(struct sluice_ledger *l, size_t max,
                       struct sluice_ledger_window_list *out,
                       struct sluice_err *err);
int sluice__pgl_counts(struct sluice_ledger *l, bool all, int64_t from,
                       int64_t to, struct sluice_ledger_counts *c,
                       struct sluice_err *err);
int sluice__pgl_watermark(struct sluice_ledger *l, int64_t from,
                          int64_t *watermark, bool *has,
                          struct sluice_err *err);
int sluice__pgl_seed(struct sluice_ledger *l, const struct sluice_ledger_seed *s,
                     size_t n, struct sluice_err *err);
int sluice__pgl_claim(struct sluice_ledger *l,
                      const struct sluice_ledger_claim_opts *o,
                      struct sluice_ledger_claim **out, size_t *n,
                      int64_t *wait_until, struct sluice_err *err);
int sluice__pgl_renew(struct sluice_ledger *l, size_t *renewed,
                      struct sluice_err *err);
/* fingerprint.c, for both backends: the items sorted by name (pointers into
 * `items`, freed by the caller); SLUICE_EINVAL on a NULL name or value or
 * a name given twice. And a value as a diff shows it: quoted, cut after
 * 60 bytes (not inside a UTF-8 sequence) with "...". */
int sluice__fp_sorted(const struct sluice_ledger_fp_item *items, size_t n,
                      const struct sluice_ledger_fp_item ***out,
                      struct sluice_err *err);
int sluice__fp_shown(struct sluice_buf *b, const char *v);
int sluice__pgl_fingerprint_diff(struct sluice_ledger *l,
                                 const struct sluice_ledger_fp_item *items,
                                 size_t n, bool *stored,
                                 struct sluice_buf *diff,
                                 struct sluice_err *err);
int sluice__pgl_fingerprint_set(struct sluice_ledger *l,
                                const struct sluice_ledger_fp_item *items,
                                size_t n, struct sluice_err *err);
int sluice__pgl_schema_latest(struct sluice_ledger *l, int64_t *version,
                              char **text, struct sluice_err *err);
int sluice__pgl_schema_append(struct sluice_ledger *l, const char *text,
                              int64_t *version, struct sluice_err *err);
/* origin NULL: the newest rate whatever its origin, *origin_out set */
int sluice__pgl_rate_get(struct sluice_ledger *l, const char *origin,
                         double *rate, int64_t *learned, char **origin_out,
                         struct sluice_err *err);
int sluice__pgl_rate_set(struct sluice_ledger *l, const char *origin,
                         double rate, int64_t run_id, struct sluice_err *err);

#endif
