/* postgres.c: the PostgreSQL sink (output.postgres), through libpq. A
 * partition is one transaction on one connection (kept from commit to
 * commit, made again when lost):
 *
 *   BEGIN
 *     CREATE TABLE IF NOT EXISTS, ALTER TABLE ADD COLUMN for each column
 *     the job's schema has and the table lacks (and ALTER COLUMN TYPE
 *     when a column was widened: bigint -> double precision, anything ->
 *     jsonb), the index on _sluice_partition, the merge key's unique index
 *     (those two steps only when the columns differ from the last commit
 *     on this connection)
 *     the temporary _sluice_stage (LIKE the table, ON COMMIT DELETE ROWS),
 *     made once per connection and columns
 *     COPY _sluice_stage FROM STDIN      the spooled rows, text format
 *     append / replace: DELETE the partition's earlier rows (replace: the
 *     run's first commit deletes every row)
 *     INSERT INTO the table SELECT FROM _sluice_stage (merge: the last
 *     row of each key, ON CONFLICT (key) DO UPDATE)
 *   COMMIT
 *
 * then the run marks the ledger. Types: bigint, double precision, boolean,
 * text, date, timestamptz, jsonb (objects, arrays, conflicting kinds).
 *
 * Failures: a lost connection (the server restarted, a reset), SQLSTATE
 * class 08, 57P0x, 53xxx, 40001 and 40P01 are transient (the commit is
 * tried again, pipeline/committer.c); a permission, authentication or
 * missing database/schema error is fatal (the run stops with the server's
 * message); anything else fails the partition. Messages carry the
 * server's text, never the connection string (its password is a secret). */
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "sink/db_sink.h"

#define COPY_FLUSH ((size_t)1 << 20)

struct pg_sink {
    struct sluice_db_sink db; /* first: the sink is cast to and from it */
    PGconn *conn;
    bool in_tx;
    struct sluice_buf copy; /* COPY text not yet sent */
    /* The columns (names and types) the table and the staging table were
     * last made ready for on this connection: while a commit brings the
     * same, the DDL round trips are skipped (each costs a catalog lookup,
     * and the staging table's creation catalog writes). Emptied on any
     * failure and with the connection, so the next commit checks again. */
    struct sluice_buf ready;
    struct sluice_buf sig;
    char *qtable;           /* the table, quoted: "schema"."name" */
    char *regclass;         /* the same, as text for ::regclass */
};

static bool state_is(const char *st, const char *prefix)
{
    return st && !strncmp(st, prefix, strlen(prefix));
}

/* Records why `what` failed (res may be NULL: the connection's message)
 * and whether it may pass or refuses the job. */
static int pg_fail(struct pg_sink *s, PGresult *res, const char *what)
{
    struct sluice_sink *base = &s->db.base;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                          : NULL;
    char text[SLUICE_ERR_MAX / 2];
    sluice__one_line(text, sizeof text,
             msg ? msg : s->conn ? PQerrorMessage(s->conn) : "out of memory");
    bool lost = !s->conn || PQstatus(s->conn) == CONNECTION_BAD;
    base->transient = lost || state_is(st, "08") || state_is(st, "57P0") ||
                      state_is(st, "53") || state_is(st, "40001") ||
                      state_is(st, "40P01");
    base->fatal = !base->transient &&
                  (state_is(st, "42501") || state_is(st, "28") ||
                   state_is(st, "3D000") || state_is(st, "3F000"));
    sluice__err_set(&base->err, "postgres table %s: %s: %s%s%s%s",
                    s->db.d.table, what, text, st ? " (SQLSTATE " : "",
                    st ? st : "", st ? ")" : "");
    return SLUICE_EIO;
}

static int exec_ok(struct pg_sink *s, const char *sql, const char *what)
{
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType t = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int rc = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK
                 ? SLUICE_OK
                 : pg_fail(s, res, what);
    PQclear(res);
    return rc;
}

static void disconnect(struct pg_sink *s)
{
    PQfinish(s->conn);
    s->conn = NULL;
    s->in_tx = false;
    sluice__buf_reset(&s->ready);
}

/* Notices (a NOTICE for IF NOT EXISTS) go nowhere: the library never
 * prints. */
static void no_notice(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

/* Connects unless connected; a connection found broken is made again. */
static int connect_db(struct pg_sink *s)
{
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
        return SLUICE_OK;
    disconnect(s);
    s->conn = PQconnectdb(s->db.d.target);
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK) {
        PQsetNoticeProcessor(s->conn, no_notice, NULL);
        return exec_ok(s, "SET client_encoding = 'UTF8'", "connecting");
    }
    int rc = pg_fail(s, NULL, "cannot connect");
    disconnect(s);
    return rc;
}

static const char *pg_type(enum sluice_db_type t)
{
    switch (t) {
    case SLUICE_DBT_INT:
        return "bigint";
    case SLUICE_DBT_REAL:
        return "double precision";
    case SLUICE_DBT_BOOL:
        return "boolean";
    case SLUICE_DBT_TEXT:
        return "text";
    case SLUICE_DBT_DATE:
        return "date";
    case SLUICE_DBT_TIME:
        return "timestamp with time zone";
    default:
        return "jsonb";
    }
}

static int add_cols(struct pg_sink *s, struct sluice_buf *q, bool typed)
{
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__buf_adds(q, "\"_sluice_partition\""));
    if (typed)
        SLUICE_TRY(sluice__buf_adds(q, " text NOT NULL"));
    for (size_t i = 0; i < s->db.cols.n; i++) {
        SLUICE_TRY(sluice__buf_adds(q, ", "));
        SLUICE_TRY(sluice__db_quote_ident(q, s->db.cols.v[i].name));
        if (typed)
            SLUICE_TRY(
                sluice__buf_appendf(q, " %s", pg_type(s->db.cols.v[i].type)));
    }
out:
    return rc;
}

/* The table's columns and their types as the server has them. */
static int table_columns(struct pg_sink *s, PGresult **out)
{
    const char *params[1] = {s->regclass};
    *out = PQexecParams(s->conn,
                        "SELECT attname, format_type(atttypid, atttypmod) "
                        "FROM pg_attribute WHERE attrelid = $1::regclass "
                        "AND attnum > 0 AND NOT attisdropped",
                        1, NULL, params, NULL, NULL, 0);
    if (*out && PQresultStatus(*out) == PGRES_TUPLES_OK)
        return SLUICE_OK;
    int rc = pg_fail(s, *out, "reading the table's columns");
    PQclear(*out);
    *out = NULL;
    return rc;
}

/* The statement that brings column i to its type, when it has another
 * one that widening explains; "" when nothing is to be done. */
static int alter_type(struct pg_sink *s, size_t i, const char *have,
                      struct sluice_buf *q)
{
    const struct sluice_db_col *c = &s->db.cols.v[i];
    const char *want = pg_type(c->type);
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    if (!strcmp(have, want))
        return SLUICE_OK;
    bool widen = c->type == SLUICE_DBT_REAL && !strcmp(have, "bigint");
    if (!widen && c->type != SLUICE_DBT_JSON)
        return SLUICE_OK; /* a value that does not fit fails the partition */
    SLUICE_TRY(sluice__buf_appendf(q, "ALTER TABLE %s ALTER COLUMN ", s->qtable));
    SLUICE_TRY(sluice__db_quote_ident(q, c->name));
    SLUICE_TRY(sluice__buf_appendf(q, " TYPE %s", want));
    if (!widen) {
        SLUICE_TRY(sluice__buf_adds(q, " USING to_jsonb("));
        SLUICE_TRY(sluice__db_quote_ident(q, c->name));
        SLUICE_TRY(sluice__buf_addc(q, ')'));
    }
out:
    return rc;
}

static int ensure_table(struct pg_sink *s)
{
    struct sluice_db_sink *d = &s->db;
    struct sluice_buf *q = &d->sql;
    PGresult *have = NULL;
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_appendf(q, "CREATE TABLE IF NOT EXISTS %s (",
                                   s->qtable));
    SLUICE_TRY(add_cols(s, q, true));
    SLUICE_TRY(sluice__buf_addc(q, ')'));
    SLUICE_TRY(exec_ok(s, q->p, "creating the table"));
    SLUICE_TRY(table_columns(s, &have));
    for (size_t i = 0; i < d->cols.n; i++) {
        const char *type = NULL;
        for (int r = 0; r < PQntuples(have) && !type; r++)
            if (!strcmp(PQgetvalue(have, r, 0), d->cols.v[i].name))
                type = PQgetvalue(have, r, 1);
        sluice__buf_reset(q);
        if (!type) {
            SLUICE_TRY(sluice__buf_appendf(
                q, "ALTER TABLE %s ADD COLUMN IF NOT EXISTS ", s->qtable));
            SLUICE_TRY(sluice__db_quote_ident(q, d->cols.v[i].name));
            SLUICE_TRY(
                sluice__buf_appendf(q, " %s", pg_type(d->cols.v[i].type)));
        } else {
            SLUICE_TRY(alter_type(s, i, type, q));
        }
        if (q->n)
            SLUICE_TRY(exec_ok(s, q->p, "adding or widening a column"));
    }
    /* Index names: the table's own name, suffixed (in its schema). */
    const char *base = strrchr(d->d.table, '.');
    base = base ? base + 1 : d->d.table;
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_appendf(
        q, "CREATE INDEX IF NOT EXISTS \"%s__sluice_partition\" ON %s "
           "(\"_sluice_partition\")",
        base, s->qtable));
    SLUICE_TRY(exec_ok(s, q->p, "creating the partition index"));
    if (d->d.write == SLUICE_SINK_DB_MERGE) {
        SLUICE_TRY(sluice__db_sink_check_keys(d));
        sluice__buf_reset(q);
        SLUICE_TRY(sluice__buf_appendf(
            q, "CREATE UNIQUE INDEX IF NOT EXISTS \"%s__sluice_key\" ON %s (",
            base, s->qtable));
        for (size_t k = 0; k < d->d.n_primary_key; k++) {
            if (k)
                SLUICE_TRY(sluice__buf_adds(q, ", "));
            SLUICE_TRY(sluice__db_quote_ident(q, d->d.primary_key[k]));
        }
        SLUICE_TRY(sluice__buf_addc(q, ')'));
        SLUICE_TRY(exec_ok(s, q->p, "creating the primary key's unique index"));
    }
out:
    PQclear(have);
    if (rc == SLUICE_ETOOBIG || (rc == SLUICE_ENOMEM && !d->base.err.msg[0]))
        sluice__err_set(&d->base.err, "%s", sluice_strerror(rc));
    return rc;
}

/* ---- COPY ------------------------------------------------------------------*/

static int copy_flush(struct pg_sink *s)
{
    if (s->copy.n && PQputCopyData(s->conn, s->copy.p, (int)s->copy.n) != 1)
        return pg_fail(s, NULL, "sending the rows");
    sluice__buf_reset(&s->copy);
    return SLUICE_OK;
}

/* One field in COPY's text format: \N for NULL, backslash, tab, newline
 * and CR escaped. */
static int copy_field(struct sluice_buf *b, const char *p, size_t n)
{
    int rc = SLUICE_OK;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i], e = c == '\\' ? '\\' : c == '\t' ? 't'
                         : c == '\n'               ? 'n'
                         : c == '\r'               ? 'r'
                                                   : 0;
        if (!e)
            continue;
        SLUICE_TRY(sluice__buf_append(b, p + run, i - run));
        SLUICE_TRY(sluice__buf_addc(b, '\\'));
        SLUICE_TRY(sluice__buf_addc(b, e));
        run = i + 1;
    }
    SLUICE_TRY(sluice__buf_append(b, p + run, n - run));
out:
    return rc;
}

struct cp {
    struct pg_sink *s;
    uint64_t ord;
};

static int copy_row(void *ud, const uint8_t *rec, size_t n)
{
    struct cp *C = ud;
    struct pg_sink *s = C->s;
    struct sluice_db_sink *d = &s->db;
    struct sluice_db_row *row = &d->row;
    struct sluice_buf *b = &s->copy;
    int rc = sluice__db_row_fill(row, d->job, &d->cols, rec, n, &d->base.err);
    if (rc != SLUICE_OK)
        return rc;
    SLUICE_TRY(copy_field(b, d->partition, strlen(d->partition)));
    for (size_t i = 0; i < d->cols.n; i++) {
        SLUICE_TRY(sluice__buf_addc(b, '\t'));
        if (row->off[i] == SIZE_MAX)
            SLUICE_TRY(sluice__buf_adds(b, "\\N"));
        else
            SLUICE_TRY(copy_field(b, row->val.p + row->off[i], row->len[i]));
    }
    SLUICE_TRY(sluice__buf_appendf(b, "\t%llu\n", (unsigned long long)++C->ord));
    if (b->n >= COPY_FLUSH)
        SLUICE_TRY(copy_flush(s));
out:
    if ((rc == SLUICE_ENOMEM || rc == SLUICE_ETOOBIG) && !d->base.err.msg[0])
        sluice__err_set(&d->base.err, "%s", sluice_strerror(rc));
    return rc;
}

/* Stages the partition's rows: a temporary table like the target, plus
 * each row's ordinal (merge keeps the last row of a key), filled by COPY. */
static int stage(struct pg_sink *s)
{
    struct sluice_db_sink *d = &s->db;
    struct sluice_buf *q = &d->sql;
    int rc = SLUICE_OK;
    sluice__buf_reset(q);
    if (!s->ready.n) {
        /* Kept for the connection's life, emptied by each COMMIT; made
         * again when the columns change. */
        SLUICE_TRY(sluice__buf_appendf(
            q,
            "DROP TABLE IF EXISTS pg_temp.\"_sluice_stage\"; "
            "CREATE TEMP TABLE \"_sluice_stage\" (LIKE %s) ON COMMIT "
            "DELETE ROWS; "
            "ALTER TABLE \"_sluice_stage\" ADD COLUMN \"_sluice_ord\" bigint",
            s->qtable));
        SLUICE_TRY(exec_ok(s, q->p, "creating the staging table"));
        sluice__buf_reset(q);
    }
    SLUICE_TRY(sluice__buf_adds(q, "COPY \"_sluice_stage\" ("));
    SLUICE_TRY(add_cols(s, q, false));
    SLUICE_TRY(sluice__buf_adds(q, ", \"_sluice_ord\") FROM STDIN"));
    PGresult *res = PQexec(s->conn, q->p);
    if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
        rc = pg_fail(s, res, "starting COPY");
        PQclear(res);
        goto out;
    }
    PQclear(res);
    struct cp C = {s, 0};
    sluice__buf_reset(&s->copy);
    rc = sluice__spool_replay(&d->sp, copy_row, &C, &d->base.err);
    if (rc == SLUICE_OK)
        rc = copy_flush(s);
    /* COPY ends either way: with an error it is cancelled, and the
     * transaction rolls back. */
    if (PQputCopyEnd(s->conn, rc == SLUICE_OK ? NULL : "sluice stopped") != 1 &&
        rc == SLUICE_OK)
        rc = pg_fail(s, NULL, "ending COPY");
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (rc == SLUICE_OK && PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_fail(s, res, "COPY");
        PQclear(res);
    }
out:
    return rc;
}

static int move_rows(struct pg_sink *s, bool all)
{
    struct sluice_db_sink *d = &s->db;
    struct sluice_buf *q = &d->sql;
    int rc = SLUICE_OK;
    if (d->d.write != SLUICE_SINK_DB_MERGE) {
        sluice__buf_reset(q);
        SLUICE_TRY(sluice__buf_appendf(q, "DELETE FROM %s", s->qtable));
        const char *params[1] = {d->partition};
        if (!all)
            SLUICE_TRY(sluice__buf_adds(q, " WHERE \"_sluice_partition\" = $1"));
        PGresult *res = PQexecParams(s->conn, q->p, all ? 0 : 1, NULL,
                                     all ? NULL : params, NULL, NULL, 0);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = pg_fail(s, res, "deleting the partition's earlier rows");
        PQclear(res);
        SLUICE_TRY(rc);
    }
    sluice__buf_reset(q);
    SLUICE_TRY(sluice__buf_appendf(q, "INSERT INTO %s (", s->qtable));
    SLUICE_TRY(add_cols(s, q, false));
    SLUICE_TRY(sluice__buf_adds(q, ") SELECT "));
    if (d->d.write == SLUICE_SINK_DB_MERGE) {
        for (size_t k = 0; k < d->d.n_primary_key; k++) {
            SLUICE_TRY(sluice__buf_adds(q, k ? ", " : "DISTINCT ON ("));
            SLUICE_TRY(sluice__db_quote_ident(q, d->d.primary_key[k]));
        }
        SLUICE_TRY(sluice__buf_adds(q, ") "));
    }
    SLUICE_TRY(add_cols(s, q, false));
    SLUICE_TRY(sluice__buf_adds(q, " FROM \"_sluice_stage\""));
    if (d->d.write == SLUICE_SINK_DB_MERGE) {
        for (size_t k = 0; k < d->d.n_primary_key; k++) {
            SLUICE_TRY(sluice__buf_adds(q, k ? ", " : " ORDER BY "));
            SLUICE_TRY(sluice__db_quote_ident(q, d->d.primary_key[k]));
        }
        SLUICE_TRY(sluice__buf_adds(q, ", \"_sluice_ord\" DESC"));
        SLUICE_TRY(sluice__db_merge_clause(d, q));
    }
    SLUICE_TRY(exec_ok(s, q->p, "inserting the partition's rows"));
out:
    if (rc == SLUICE_ETOOBIG || (rc == SLUICE_ENOMEM && !d->base.err.msg[0]))
        sluice__err_set(&d->base.err, "%s", sluice_strerror(rc));
    return rc;
}

/* The columns this commit writes, as one string (names, types). */
static int signature(struct pg_sink *s)
{
    int rc = SLUICE_OK;
    sluice__buf_reset(&s->sig);
    SLUICE_TRY(sluice__buf_addc(&s->sig, '|'));
    for (size_t i = 0; i < s->db.cols.n; i++)
        SLUICE_TRY(sluice__buf_appendf(&s->sig, "%zu:%s:%d|",
                                       strlen(s->db.cols.v[i].name),
                                       s->db.cols.v[i].name,
                                       (int)s->db.cols.v[i].type));
out:
    if (rc != SLUICE_OK)
        sluice__err_set(&s->db.base.err, "%s", sluice_strerror(rc));
    return rc;
}

static int pg_commit(struct sluice_sink *base, uint64_t *bytes_out)
{
    struct pg_sink *s = (struct pg_sink *)base;
    struct sluice_db_sink *d = &s->db;
    int rc = SLUICE_OK;
    if (bytes_out)
        *bytes_out = 0;
    SLUICE_TRY(sluice__db_sink_schema(d));
    SLUICE_TRY(connect_db(s));
    SLUICE_TRY(exec_ok(s, "BEGIN", "cannot start the transaction"));
    s->in_tx = true;
    SLUICE_TRY(signature(s));
    bool same = s->ready.n == s->sig.n && !memcmp(s->ready.p, s->sig.p, s->sig.n);
    if (!same) {
        sluice__buf_reset(&s->ready);
        SLUICE_TRY(ensure_table(s));
    }
    SLUICE_TRY(stage(s));
    bool all = d->d.write == SLUICE_SINK_DB_REPLACE && d->d.replaced &&
               !*d->d.replaced;
    SLUICE_TRY(move_rows(s, all));
    SLUICE_TRY(exec_ok(s, "COMMIT", "cannot commit"));
    s->in_tx = false;
    if (all)
        *d->d.replaced = true;
    if (!same)
        SLUICE_TRY(sluice__buf_append(&s->ready, s->sig.p, s->sig.n));
out:
    if (rc != SLUICE_OK)
        sluice__buf_reset(&s->ready);
    if (rc != SLUICE_OK && !base->err.msg[0])
        sluice__err_set(&base->err, "%s", sluice_strerror(rc));
    if (rc != SLUICE_OK && s->conn) {
        /* Whatever was sent of the partition is rolled back; a broken
         * connection is made again by the next commit. */
        if (PQstatus(s->conn) != CONNECTION_OK) {
            disconnect(s);
        } else if (s->in_tx) {
            PGresult *res = PQexec(s->conn, "ROLLBACK");
            PQclear(res);
        }
        s->in_tx = false;
    }
    sluice__db_sink_commit_end(d, rc);
    return rc;
}

/* Before the run's first request: the server reached, and the table
 * created (an empty one, if new) and writable by this role. Any failure
 * here is the job's: a wrong address, a refused connection, a missing
 * permission. */
static int pg_check(struct sluice_sink *base)
{
    struct pg_sink *s = (struct pg_sink *)base;
    struct sluice_buf *q = &s->db.sql;
    base->err.msg[0] = '\0';
    base->transient = base->fatal = false;
    int rc = connect_db(s);
    if (rc != SLUICE_OK)
        return rc;
    sluice__buf_reset(q);
    rc = sluice__buf_appendf(
        q,
        "CREATE TABLE IF NOT EXISTS %s (\"_sluice_partition\" text NOT NULL)",
        s->qtable);
    if (rc == SLUICE_OK)
        rc = exec_ok(s, q->p, "creating the table");
    const char *params[1] = {s->regclass};
    PGresult *res =
        rc == SLUICE_OK
            ? PQexecParams(s->conn,
                           "SELECT has_table_privilege($1, 'INSERT') AND "
                           "has_table_privilege($1, 'DELETE') AND "
                           "has_table_privilege($1, 'SELECT')",
                           1, NULL, params, NULL, NULL, 0)
            : NULL;
    if (rc == SLUICE_OK && (!res || PQresultStatus(res) != PGRES_TUPLES_OK))
        rc = pg_fail(s, res, "checking the table's privileges");
    else if (rc == SLUICE_OK && strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        sluice__err_set(&base->err,
                        "postgres table %s: permission denied: this role "
                        "may not SELECT, INSERT and DELETE there",
                        s->db.d.table);
        rc = SLUICE_EIO;
    }
    PQclear(res);
    return rc;
}

static void pg_destroy(struct sluice_sink *base)
{
    struct pg_sink *s = (struct pg_sink *)base;
    disconnect(s);
    sluice__buf_cleanup(&s->copy);
    sluice__buf_cleanup(&s->ready);
    sluice__buf_cleanup(&s->sig);
    sluice__free(s->qtable);
    sluice__free(s->regclass);
    sluice__db_sink_cleanup(&s->db);
    sluice__free(s);
}

static const struct sluice_sink_ops PG_OPS = {
    sluice__db_sink_open,  sluice__db_sink_record_begin,
    sluice__db_sink_event, sluice__db_sink_record_end,
    pg_commit,             sluice__db_sink_abort,
    pg_destroy,            pg_check,
};

/* "schema.name" or "name", each part double-quoted. */
static char *quote_table(const char *t)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 1024);
    const char *dot = strchr(t, '.');
    char *schema = dot ? sluice__strndup(t, (size_t)(dot - t)) : NULL;
    int rc = dot && !schema ? SLUICE_ENOMEM : SLUICE_OK;
    if (rc == SLUICE_OK && schema)
        rc = sluice__db_quote_ident(&b, schema);
    if (rc == SLUICE_OK && schema)
        rc = sluice__buf_addc(&b, '.');
    if (rc == SLUICE_OK)
        rc = sluice__db_quote_ident(&b, dot ? dot + 1 : t);
    sluice__free(schema);
    char *out = rc == SLUICE_OK ? sluice__buf_take(&b, NULL) : NULL;
    sluice__buf_cleanup(&b);
    return out;
}

int sluice__sink_postgres_new(const struct sluice_sink_opts *o,
                              const struct sluice_sink_db_opts *d,
                              struct sluice_sink **out)
{
    struct pg_sink *s = sluice__calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    sluice__buf_init(&s->copy, 2 * COPY_FLUSH + 4 * (size_t)(64u << 20));
    sluice__buf_init(&s->ready, 64u << 20);
    sluice__buf_init(&s->sig, 64u << 20);
    if (sluice__db_sink_init(&s->db, &PG_OPS, o, d) != SLUICE_OK ||
        !(s->qtable = quote_table(s->db.d.table)) ||
        !(s->regclass = sluice__strdup(s->qtable))) {
        pg_destroy(&s->db.base);
        return SLUICE_ENOMEM;
    }
    *out = &s->db.base;
    return SLUICE_OK;
}
