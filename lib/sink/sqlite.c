/* sqlite.c: the SQLite sink (output.sqlite). A partition is one
 * transaction on the database file:
 *
 *   BEGIN IMMEDIATE
 *     CREATE TABLE IF NOT EXISTS, ALTER TABLE ADD COLUMN for each column
 *     the job's schema has and the table lacks (the index on
 *     _sluice_partition, and the merge key's unique index, created once)
 *     append / replace: DELETE the partition's earlier rows (replace: the
 *     run's first commit DELETEs every row instead)
 *     one prepared INSERT per row (merge: INSERT ... ON CONFLICT (key) DO
 *     UPDATE), replayed from the spool
 *   COMMIT
 *
 * so a reader sees the partition's old rows or its new rows, never a mix,
 * and a rerun never doubles them. The file is in WAL mode (readers do not
 * block the writer, nor it them) with synchronous=FULL: COMMIT returns once
 * the partition is durable, and only then does the run mark it in the
 * ledger. SQLITE_BUSY (another writer held the file past the 10 s busy
 * timeout) is transient: the commit is tried again. Column types: INTEGER
 * (int64, boolean 0/1), REAL, TEXT (strings, dates, timestamps as ISO-8601
 * UTC, JSON text). */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sink/db_sink.h"
#include "table/coerce.h"
#include "util/fs.h"

#define BUSY_MS 10000

struct lite_sink {
    struct sluice_db_sink db; /* first: the sink is cast to and from it */
    sqlite3 *conn;
    bool in_tx;
};

static const char *lite_type(enum sluice_db_type t)
{
    switch (t) {
    case SLUICE_DBT_INT:
    case SLUICE_DBT_BOOL:
        return "INTEGER";
    case SLUICE_DBT_REAL:
        return "REAL";
    default:
        return "TEXT";
    }
}

/* Records SQLite's message for what failed; BUSY and LOCKED may pass. */
static int lite_fail(struct lite_sink *s, int code, const char *what)
{
    struct sluice_sink *base = &s->db.base;
    int prim = code & 0xff;
    base->transient = prim == SQLITE_BUSY || prim == SQLITE_LOCKED;
    /* A file the job may not write fails every partition alike. */
    base->fatal = prim == SQLITE_READONLY || prim == SQLITE_PERM ||
                  prim == SQLITE_CANTOPEN || prim == SQLITE_AUTH;
    sluice__err_set(&base->err, "%s: %s: %s", s->db.d.target, what,
                    s->conn ? sqlite3_errmsg(s->conn) : sqlite3_errstr(code));
    return prim == SQLITE_NOMEM ? SLUICE_ENOMEM : SLUICE_EIO;
}

static int exec(struct lite_sink *s, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SLUICE_OK : lite_fail(s, rc, what);
}

static int connect_db(struct lite_sink *s)
{
    int rc = SLUICE_OK;
    if (s->conn)
        return SLUICE_OK;
    rc = sluice__mkdir_parents(s->db.d.target, &s->db.base.err);
    if (rc != SLUICE_OK) {
        s->db.base.fatal = true;
        return rc;
    }
    int lrc = sqlite3_open_v2(s->db.d.target, &s->conn,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                  SQLITE_OPEN_NOMUTEX,
                              NULL);
    if (lrc != SQLITE_OK) {
        rc = lite_fail(s, lrc, "cannot open the database");
        sqlite3_close(s->conn);
        s->conn = NULL;
        return rc;
    }
    sqlite3_busy_timeout(s->conn, s->db.d.lock_wait_ms ? (int)s->db.d.lock_wait_ms
                                                   : BUSY_MS);
    SLUICE_TRY(exec(s, "PRAGMA journal_mode=WAL", "cannot use WAL"));
    SLUICE_TRY(exec(s, "PRAGMA synchronous=FULL", "PRAGMA synchronous"));
out:
    if (rc != SLUICE_OK) {
        sqlite3_close(s->conn);
        s->conn = NULL;
    }
    return rc;
}

/* sql = the table's name, quoted. */
static int put_table(struct lite_sink *s, struct sluice_buf *b)
{
    return sluice__db_quote_ident(b, s->db.d.table);
}

/* Whether the table has column `name` (SQLite compares names ignoring
 * ASCII case, and so does this). */
static int table_columns(struct lite_sink *s, char ***names, size_t *n)
{
    struct sluice_buf *q = &s->db.sql;
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = SLUICE_OK;
    *names = NULL;
    *n = 0;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_adds(q, "PRAGMA table_info("));
    SLUICE_TRY(put_table(s, q));
    SLUICE_TRY(sluice__buf_addc(q, ')'));
    int lrc = sqlite3_prepare_v2(s->conn, q->p, -1, &st, NULL);
    if (lrc != SQLITE_OK)
        return lite_fail(s, lrc, "reading the table's columns");
    while ((lrc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 1);
        char **v = sluice__grow(*names, &cap, *n + 1, sizeof *v, 32);
        SLUICE_FAIL_IF(!v, SLUICE_ENOMEM, &s->db.base.err, "out of memory");
        *names = v;
        v[*n] = sluice__strdup(c ? c : "");
        SLUICE_FAIL_IF(!v[*n], SLUICE_ENOMEM, &s->db.base.err,
                       "out of memory");
        (*n)++;
    }
    if (lrc != SQLITE_DONE)
        rc = lite_fail(s, lrc, "reading the table's columns");
out:
    sqlite3_finalize(st);
    return rc;
}

static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sluice__free(v[i]);
    sluice__free(v);
}

/* The table as the job's schema has it: created, widened, indexed. */
static int ensure_table(struct lite_sink *s)
{
    struct sluice_db_sink *d = &s->db;
    struct sluice_buf *q = &d->sql;
    char **have = NULL;
    size_t n_have = 0;
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_adds(q, "CREATE TABLE IF NOT EXISTS "));
    SLUICE_TRY(put_table(s, q));
    SLUICE_TRY(sluice__buf_adds(q, " (\"_sluice_partition\" TEXT NOT NULL"));
    for (size_t i = 0; i < d->cols.n; i++) {
        SLUICE_TRY(sluice__buf_adds(q, ", "));
        SLUICE_TRY(sluice__db_quote_ident(q, d->cols.v[i].name));
        SLUICE_TRY(sluice__buf_appendf(q, " %s", lite_type(d->cols.v[i].type)));
    }
    SLUICE_TRY(sluice__buf_adds(q, ")"));
    SLUICE_TRY(exec(s, q->p, "creating the table"));
    SLUICE_TRY(table_columns(s, &have, &n_have));
    for (size_t i = 0; i < d->cols.n; i++) {
        bool found = false;
        for (size_t k = 0; k < n_have && !found; k++)
            found = !strcasecmp(have[k], d->cols.v[i].name);
        if (found)
            continue;
        sluice__buf_reset(q);
        SLUICE_TRY(sluice__buf_adds(q, "ALTER TABLE "));
        SLUICE_TRY(put_table(s, q));
        SLUICE_TRY(sluice__buf_adds(q, " ADD COLUMN "));
        SLUICE_TRY(sluice__db_quote_ident(q, d->cols.v[i].name));
        SLUICE_TRY(sluice__buf_appendf(q, " %s", lite_type(d->cols.v[i].type)));
        SLUICE_TRY(exec(s, q->p, "adding a column"));
    }
    /* Deleting a partition's rows must not scan the table. */
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_appendf(q, "CREATE INDEX IF NOT EXISTS "));
    SLUICE_TRY(sluice__db_quote_ident(q, d->d.table));
    q->n--; /* the index is named <table>__sluice_partition */
    SLUICE_TRY(sluice__buf_adds(q, "__sluice_partition\" ON "));
    SLUICE_TRY(put_table(s, q));
    SLUICE_TRY(sluice__buf_adds(q, " (\"_sluice_partition\")"));
    SLUICE_TRY(exec(s, q->p, "creating the partition index"));
    if (d->d.write == SLUICE_SINK_DB_MERGE) {
        SLUICE_TRY(sluice__db_sink_check_keys(d));
        sluice__buf_reset(q);
        SLUICE_TRY(sluice__buf_appendf(q, "CREATE UNIQUE INDEX IF NOT EXISTS "));
        SLUICE_TRY(sluice__db_quote_ident(q, d->d.table));
        q->n--;
        SLUICE_TRY(sluice__buf_adds(q, "__sluice_key\" ON "));
        SLUICE_TRY(put_table(s, q));
        for (size_t k = 0; k < d->d.n_primary_key; k++) {
            SLUICE_TRY(sluice__buf_adds(q, k ? ", " : " ("));
            SLUICE_TRY(sluice__db_quote_ident(q, d->d.primary_key[k]));
        }
        SLUICE_TRY(sluice__buf_addc(q, ')'));
        SLUICE_TRY(exec(s, q->p, "creating the primary key's unique index"));
    }
out:
    if (rc == SLUICE_ETOOBIG || (rc == SLUICE_ENOMEM && !d->base.err.msg[0]))
        sluice__err_set(&d->base.err, "%s", sluice_strerror(rc));
    names_free(have, n_have);
    return rc;
}

/* The partition's earlier rows, or (replace, first commit of the run)
 * every row. */
static int delete_old(struct lite_sink *s, bool all)
{
    struct sluice_buf *q = &s->db.sql;
    sqlite3_stmt *st = NULL;
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_adds(q, "DELETE FROM "));
    SLUICE_TRY(put_table(s, q));
    if (!all)
        SLUICE_TRY(sluice__buf_adds(q, " WHERE \"_sluice_partition\" = ?"));
    int lrc = sqlite3_prepare_v2(s->conn, q->p, -1, &st, NULL);
    if (lrc == SQLITE_OK && !all)
        lrc = sqlite3_bind_text(st, 1, s->db.partition, -1, SQLITE_STATIC);
    if (lrc == SQLITE_OK)
        lrc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK
                                              : sqlite3_errcode(s->conn);
    if (lrc != SQLITE_OK)
        rc = lite_fail(s, lrc, "deleting the partition's earlier rows");
out:
    sqlite3_finalize(st);
    return rc;
}

static int prepare_insert(struct lite_sink *s, sqlite3_stmt **st)
{
    struct sluice_db_sink *d = &s->db;
    struct sluice_buf *q = &d->sql;
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_adds(q, "INSERT INTO "));
    SLUICE_TRY(put_table(s, q));
    SLUICE_TRY(sluice__buf_adds(q, " (\"_sluice_partition\""));
    for (size_t i = 0; i < d->cols.n; i++) {
        SLUICE_TRY(sluice__buf_adds(q, ", "));
        SLUICE_TRY(sluice__db_quote_ident(q, d->cols.v[i].name));
    }
    SLUICE_TRY(sluice__buf_adds(q, ") VALUES (?"));
    for (size_t i = 0; i < d->cols.n; i++)
        SLUICE_TRY(sluice__buf_adds(q, ", ?"));
    SLUICE_TRY(sluice__buf_addc(q, ')'));
    if (d->d.write == SLUICE_SINK_DB_MERGE) {
        SLUICE_TRY(sluice__db_merge_clause(d, q));
    }
    int lrc = sqlite3_prepare_v2(s->conn, q->p, (int)q->n, st, NULL);
    if (lrc != SQLITE_OK)
        rc = lite_fail(s, lrc, "preparing the insert");
out:
    if (rc == SLUICE_ETOOBIG || (rc == SLUICE_ENOMEM && !d->base.err.msg[0]))
        sluice__err_set(&d->base.err, "%s", sluice_strerror(rc));
    return rc;
}

struct ins {
    struct lite_sink *s;
    sqlite3_stmt *st;
};

static int insert_row(void *ud, const uint8_t *rec, size_t n)
{
    struct ins *I = ud;
    struct sluice_db_sink *d = &I->s->db;
    struct sluice_db_row *row = &d->row;
    int rc = sluice__db_row_fill(row, d->job, &d->cols, rec, n, &d->base.err);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_reset(I->st);
    int lrc = SQLITE_OK;
    for (size_t i = 0; i < d->cols.n && lrc == SQLITE_OK; i++) {
        int at = (int)i + 2;
        if (row->off[i] == SIZE_MAX) {
            lrc = sqlite3_bind_null(I->st, at);
            continue;
        }
        const char *v = row->val.p + row->off[i];
        int64_t iv;
        double dv;
        switch (d->cols.v[i].type) {
        case SLUICE_DBT_INT:
        case SLUICE_DBT_BOOL:
            if (sluice__parse_i64(v, row->len[i], &iv)) {
                lrc = sqlite3_bind_int64(I->st, at, iv);
                continue;
            }
            break;
        case SLUICE_DBT_REAL:
            if (sluice__parse_f64(v, row->len[i], &dv)) {
                lrc = sqlite3_bind_double(I->st, at, dv);
                continue;
            }
            break;
        default:
            break;
        }
        lrc = sqlite3_bind_text(I->st, at, v, (int)row->len[i], SQLITE_STATIC);
    }
    if (lrc == SQLITE_OK && sqlite3_step(I->st) != SQLITE_DONE)
        lrc = sqlite3_errcode(I->s->conn);
    if (lrc != SQLITE_OK)
        return lite_fail(I->s, lrc, "inserting a row");
    return SLUICE_OK;
}

static int lite_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct lite_sink *s = (struct lite_sink *)base;
    struct sluice_db_sink *d = &s->db;
    sqlite3_stmt *st = NULL;
    int rc = SLUICE_OK;
    if (bytes_out)
        *bytes_out = 0;
    SLUICE_TRY(sluice__db_sink_schema(d));
    SLUICE_TRY(connect_db(s));
    SLUICE_TRY(exec(s, "BEGIN IMMEDIATE", "cannot start the transaction"));
    s->in_tx = true;
    SLUICE_TRY(ensure_table(s));
    bool all = d->d.write == SLUICE_SINK_DB_REPLACE && d->d.replaced &&
               !*d->d.replaced;
    if (d->d.write != SLUICE_SINK_DB_MERGE)
        SLUICE_TRY(delete_old(s, all));
    SLUICE_TRY(prepare_insert(s, &st));
    int lrc = sqlite3_bind_text(st, 1, d->partition, -1, SQLITE_STATIC);
    if (lrc != SQLITE_OK) {
        rc = lite_fail(s, lrc, "binding the partition");
        goto out;
    }
    struct ins I = {s, st};
    SLUICE_TRY(sluice__spool_replay(&d->sp, insert_row, &I, &base->err));
    sqlite3_finalize(st);
    st = NULL;
    SLUICE_TRY(exec(s, "COMMIT", "cannot commit"));
    s->in_tx = false;
    if (all)
        *d->d.replaced = true;
out:
    sqlite3_finalize(st);
    if (rc != SLUICE_OK && s->in_tx) {
        /* nothing of the partition stays; the message is the failure's */
        sqlite3_exec(s->conn, "ROLLBACK", NULL, NULL, NULL);
        s->in_tx = false;
    }
    if (rc != SLUICE_OK && !base->err.msg[0])
        sluice__err_set(&base->err, "%s", sluice_strerror(rc));
    sluice__db_sink_commit_end(d, rc);
    return rc;
}

/* Opens the file (creating it) and takes the write lock once, so that a
 * file that cannot be written fails the job before any request. */
static int lite_check(struct sluice_sink *base)
{
    struct lite_sink *s = (struct lite_sink *)base;
    base->err.msg[0] = '\0';
    base->transient = base->fatal = false;
    int rc = connect_db(s);
    if (rc == SLUICE_OK)
        rc = exec(s, "BEGIN IMMEDIATE", "cannot write the database");
    if (rc == SLUICE_OK)
        rc = exec(s, "ROLLBACK", "cannot write the database");
    return rc;
}

static void lite_destroy(struct sluice_sink *base)
{
    struct lite_sink *s = (struct lite_sink *)base;
    sqlite3_close(s->conn);
    sluice__db_sink_cleanup(&s->db);
    sluice__free(s);
}

static const struct sluice_sink_ops LITE_OPS = {
    sluice__db_sink_open,       sluice__db_sink_record_begin,
    sluice__db_sink_event,      sluice__db_sink_record_end,
    lite_commit,                sluice__db_sink_abort,
    lite_destroy,               lite_check,
};

int sluice__sink_sqlite_new(const struct sluice_sink_opts *o,
                            const struct sluice_sink_db_opts *d,
                            struct sluice_sink **out)
{
    struct lite_sink *s = sluice__calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    if (sluice__db_sink_init(&s->db, &LITE_OPS, o, d) != SLUICE_OK) {
        lite_destroy(&s->db.base);
        return SLUICE_ENOMEM;
    }
    *out = &s->db.base;
    return SLUICE_OK;
}
