/* pg_ledger.c: the shared ledger, the second backend behind ledger.h.
 * `state: postgresql://...` puts a job's ledger in PostgreSQL, in a schema
 * of its own ("sluice_<job>"), with the SQLite ledger's tables and
 * meaning (windows, runs, schema_versions, fingerprint, meta,
 * learned_rates), so that any number of workers of one job, on any
 * number of machines, share it. ledger.c hands every call of a handle
 * opened on a connection string here.
 *
 * What differs from the SQLite ledger, and why (docs/scale-out.md):
 * - there is no run lock: many runs of the job live at once. A partition
 *   is a worker's while it holds a lease on it (lease_owner, lease_until
 *   on its row), taken with SELECT ... FOR UPDATE SKIP LOCKED so that two
 *   workers never claim one row, renewed by the worker while it pulls
 *   (the heartbeat), released by the mark that records its outcome in
 *   the same statement. A dead worker's leases run out and its partitions
 *   go back to the pool; a done partition is never claimed again.
 * - the plan is written (sluice__ledger_seed): a claim picks rows, so
 *   every partition of the plan needs one. Seeding is idempotent, so
 *   every worker seeds and none needs to be first.
 * - runs keep a heartbeat; a 'running' run whose heartbeat is older than
 *   the lease is shown killed.
 * - secret fingerprint items are stored as "(secret)" only: they are
 *   compared by presence (a rotated secret is no change, as in SQLite).
 *
 * Every time (lease expiry included) is the handle's clock, so tests
 * inject one; the machines of a job need clocks that agree within a small
 * part of the lease (NTP). Errors are SLUICE_ESTATE with the server's
 * text, naming the ledger by its connection string without password. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "state/ledger_int.h"

/* The PostgreSQL ledger's format (meta 'format'), versioned like the
 * SQLite one: a newer one is refused, an older one migrated. */
#define PG_FORMAT 1
#define HTTP_KEPT 32

struct sluice_pgl {
    PGconn *conn;
    char *schema;       /* quoted identifier */
    char worker[160];   /* host:pid:random, the lease owner */
    int64_t lease;      /* seconds */
};

static int pg_fail(struct sluice_ledger *l, const char *what, PGresult *res,
                   struct sluice_err *err)
{
    const char *m = res ? PQresultErrorMessage(res) : "";
    if (!m || !*m)
        m = PQerrorMessage(l->pg->conn);
    char one[400];
    sluice__one_line(one, sizeof one, m);
    sluice__err_set(err, "ledger %s: %s: %s", l->path, what, one);
    return SLUICE_ESTATE;
}

/* Runs sql with text parameters; *out (may be NULL) gets the result, to
 * PQclear. */
static int q(struct sluice_ledger *l, const char *what, const char *sql,
             int n, const char *const *v, PGresult **out,
             struct sluice_err *err)
{
    /* Without parameters, the simple protocol: the schema's DDL is many
     * statements in one string. */
    PGresult *res = n ? PQexecParams(l->pg->conn, sql, n, NULL, v, NULL, NULL,
                                     0)
                      : PQexec(l->pg->conn, sql);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        int rc = pg_fail(l, what, res, err);
        PQclear(res);
        return rc;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return SLUICE_OK;
}

static void rollback(struct sluice_ledger *l)
{
    PQclear(PQexec(l->pg->conn, "ROLLBACK"));
}

static int64_t col64(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0
                                     : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static char *coldup(PGresult *r, int row, int col, bool *oom)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    char *s = sluice__strdup(PQgetvalue(r, row, col));
    if (!s)
        *oom = true;
    return s;
}

#define I64(buf, v) (snprintf((buf), sizeof(buf), "%lld", (long long)(v)), (buf))

/* ---- open, create, migrate ------------------------------------------------ */

static const char *const DDL =
    "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text);"
    "CREATE TABLE IF NOT EXISTS windows ("
    " part text NOT NULL DEFAULT '', start bigint NOT NULL,"
    " end_excl bigint NOT NULL, status text NOT NULL DEFAULT 'pending',"
    " attempts bigint NOT NULL DEFAULT 0, http jsonb NOT NULL DEFAULT '[]',"
    " rows bigint NOT NULL DEFAULT 0, bytes_in bigint NOT NULL DEFAULT 0,"
    " bytes_out bigint NOT NULL DEFAULT 0, output text, error text,"
    " first_attempt bigint, last_attempt bigint, run_id bigint,"
    " shard bigint NOT NULL DEFAULT 0, lease_owner text, lease_until bigint,"
    " claims bigint NOT NULL DEFAULT 0, PRIMARY KEY (part, start));"
    "CREATE INDEX IF NOT EXISTS windows_pool ON windows (part, start)"
    " WHERE status <> 'done';"
    "CREATE TABLE IF NOT EXISTS runs (id bigserial PRIMARY KEY,"
    " started bigint NOT NULL, ended bigint,"
    " outcome text NOT NULL DEFAULT 'running',"
    " done bigint NOT NULL DEFAULT 0, failed bigint NOT NULL DEFAULT 0,"
    " not_pulled bigint NOT NULL DEFAULT 0, rows bigint NOT NULL DEFAULT 0,"
    " bytes_out bigint NOT NULL DEFAULT 0, requests bigint NOT NULL DEFAULT 0,"
    " version text, argv text, cursor text, cursor_missing bigint,"
    " worker text, heartbeat bigint);"
    "CREATE TABLE IF NOT EXISTS schema_versions (version bigint PRIMARY KEY,"
    " schema text NOT NULL, created bigint NOT NULL, run_id bigint);"
    "CREATE TABLE IF NOT EXISTS fingerprint (name text PRIMARY KEY,"
    " value text, secret boolean NOT NULL DEFAULT false);"
    "CREATE TABLE IF NOT EXISTS learned_rates (origin text PRIMARY KEY,"
    " rate double precision NOT NULL, learned bigint NOT NULL,"
    " run_id bigint);";

static int check_meta(struct sluice_ledger *l, const char *job,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char now[32], fmt[32];
    SLUICE_TRY(q(l, "read meta",
                 "SELECT key, value FROM meta WHERE key IN ('format', "
                 "'job_name')",
                 0, NULL, &r, err));
    const char *have_fmt = NULL, *have_job = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        if (!strcmp(PQgetvalue(r, i, 0), "format"))
            have_fmt = PQgetvalue(r, i, 1);
        else
            have_job = PQgetvalue(r, i, 1);
    }
    if (!have_fmt) {
        const char *v[4] = {I64(fmt, PG_FORMAT), job ? job : "",
                            I64(now, sluice__ledger_now(l)), sluice_version()};
        SLUICE_TRY(q(l, "create meta",
                     "INSERT INTO meta VALUES ('format', $1), ('job_name', "
                     "$2), ('created', $3), ('created_by', $4) ON CONFLICT "
                     "DO NOTHING",
                     4, v, NULL, err));
        goto out;
    }
    long f = strtol(have_fmt, NULL, 10);
    SLUICE_FAIL_IF(f > PG_FORMAT, SLUICE_ESTATE, err,
                   "ledger %s has format %ld, written by a newer sluice; this "
                   "one (%s) reads formats up to %d",
                   l->path, f, sluice_version(), PG_FORMAT);
    SLUICE_FAIL_IF(job && have_job && *have_job && strcmp(job, have_job),
                   SLUICE_ESTATE, err,
                   "ledger %s belongs to job %s, not %s", l->path, have_job,
                   job);
out:
    PQclear(r);
    return rc;
}

static int setup(struct sluice_ledger *l, const struct sluice_ledger_opts *o,
                 struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char sql[512];
    const char *job = o->job_name ? o->job_name : "job";
    char name[200];
    snprintf(name, sizeof name, "sluice_%s", job);
    l->pg->schema = PQescapeIdentifier(l->pg->conn, name, strlen(name));
    SLUICE_FAIL_IF(!l->pg->schema, SLUICE_ENOMEM, err, "out of memory");
    const char *v[1] = {name};
    SLUICE_TRY(q(l, "find ledger",
                 "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, v, &r,
                 err));
    bool exists = PQntuples(r) > 0;
    PQclear(r);
    r = NULL;
    SLUICE_FAIL_IF(!exists && !o->create, SLUICE_ESTATE, err,
                   "no ledger at %s", l->path);
    /* Two workers may open a new ledger at once: one creates, the other
     * waits on the advisory lock and then finds it made. */
    SLUICE_TRY(q(l, "begin", "BEGIN", 0, NULL, NULL, err));
    SLUICE_TRY(q(l, "lock ledger",
                 "SELECT pg_advisory_xact_lock(hashtext('sluice:' || $1))", 1,
                 v, NULL, err));
    snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s",
             l->pg->schema);
    if (o->create)
        SLUICE_TRY(q(l, "create schema", sql, 0, NULL, NULL, err));
    snprintf(sql, sizeof sql, "SET search_path TO %s", l->pg->schema);
    SLUICE_TRY(q(l, "use schema", sql, 0, NULL, NULL, err));
    PQclear(PQexec(l->pg->conn, "SET client_min_messages TO warning"));
    if (o->create)
        SLUICE_TRY(q(l, "create tables", DDL, 0, NULL, NULL, err));
    SLUICE_TRY(check_meta(l, o->job_name, err));
    SLUICE_TRY(q(l, "commit", "COMMIT", 0, NULL, NULL, err));
out:
    if (rc != SLUICE_OK)
        rollback(l);
    return rc;
}

static void quiet(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

int sluice__pgl_open(struct sluice_ledger *l, const struct sluice_ledger_opts *o,
                     const struct sluice_ledger_shared_opts *s,
                     struct sluice_err *err)
{
    int rc = SLUICE_OK;
    l->pg = sluice__calloc(1, sizeof *l->pg);
    SLUICE_FAIL_IF(!l->pg, SLUICE_ENOMEM, err, "out of memory");
    if (o->job_name && !l->job_name) {
        l->job_name = sluice__strdup(o->job_name);
        SLUICE_FAIL_IF(!l->job_name, SLUICE_ENOMEM, err, "out of memory");
    }
    l->pg->lease = s->lease_ms > 0 ? (s->lease_ms + 999) / 1000 : 30;
    char host[64] = "";
    (void)gethostname(host, sizeof host - 1);
    unsigned char rnd[6] = {0};
    /* Tells two workers of one pid apart (containers): best effort. */
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        memset(rnd, 0, sizeof rnd);
    snprintf(l->pg->worker, sizeof l->pg->worker,
             "%s:%ld:%02x%02x%02x%02x%02x%02x", host, (long)getpid(), rnd[0],
             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
    l->pg->conn = PQconnectdb(s->conninfo);
    SLUICE_FAIL_IF(!l->pg->conn, SLUICE_ENOMEM, err, "out of memory");
    /* The library never prints: the server's notices are not for the
     * user ("schema already exists, skipping"). */
    PQsetNoticeProcessor(l->pg->conn, quiet, NULL);
    if (PQstatus(l->pg->conn) != CONNECTION_OK) {
        rc = pg_fail(l, "cannot connect", NULL, err);
        goto out;
    }
    SLUICE_TRY(setup(l, o, err));
out:
    return rc;
}

void sluice__pgl_close(struct sluice_ledger *l)
{
    if (!l->pg)
        return;
    if (l->pg->conn)
        PQfinish(l->pg->conn);
    PQfreemem(l->pg->schema);
    sluice__free(l->pg);
    l->pg = NULL;
}

int sluice__pgl_unsupported(struct sluice_ledger *l, const char *what,
                            struct sluice_err *err)
{
    sluice__err_set(err, "ledger %s: %s is not available with a shared "
                    "ledger (state: postgresql://...) yet",
                    l->path, what);
    return SLUICE_ESTATE;
}

const char *sluice__pgl_worker(const struct sluice_ledger *l)
{
    return l->pg ? l->pg->worker : "";
}

/* ---- runs ---------------------------------------------------------------- */

int sluice__pgl_run_begin(struct sluice_ledger *l, const char *argv,
                          int64_t *run_id, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char now[32];
    const char *v[4] = {I64(now, sluice__ledger_now(l)), sluice_version(),
                        argv, l->pg->worker};
    SLUICE_TRY(q(l, "begin run",
                 "INSERT INTO runs (started, version, argv, worker, heartbeat)"
                 " VALUES ($1, $2, $3, $4, $1) RETURNING id",
                 4, v, &r, err));
    l->run_id = col64(r, 0, 0);
    if (run_id)
        *run_id = l->run_id;
out:
    PQclear(r);
    return rc;
}

int sluice__pgl_run_end(struct sluice_ledger *l, int64_t run_id,
                        const struct sluice_ledger_run_end *e,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char b[9][32];
    const char *v[9] = {I64(b[0], run_id),
                        I64(b[1], sluice__ledger_now(l)),
                        e->outcome ? e->outcome : "ok",
                        I64(b[3], e->done),
                        I64(b[4], e->failed),
                        I64(b[5], e->not_pulled),
                        I64(b[6], e->rows),
                        I64(b[7], e->bytes_out),
                        I64(b[8], e->requests)};
    SLUICE_TRY(q(l, "end run",
                 "UPDATE runs SET ended = $2, outcome = $3, done = $4,"
                 " failed = $5, not_pulled = $6, rows = $7, bytes_out = $8,"
                 " requests = $9 WHERE id = $1",
                 9, v, &r, err));
    SLUICE_FAIL_IF(strcmp(PQcmdTuples(r), "1") != 0, SLUICE_EINVAL, err,
                   "ledger %s: no run %lld", l->path, (long long)run_id);
    if (l->run_id == run_id)
        l->run_id = 0;
out:
    PQclear(r);
    return rc;
}

int sluice__pgl_runs(struct sluice_ledger *l, size_t max,
                     struct sluice_ledger_run_list *out,
                     struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    bool oom = false;
    char m[32], dead[32];
    out->v = NULL;
    out->n = 0;
    if (max == 0)
        return SLUICE_OK;
    if (max > 100000)
        max = 100000;
    /* A run whose heartbeat stopped for longer than a lease died. */
    const char *v[2] = {I64(m, max),
                        I64(dead, sluice__ledger_now(l) - l->pg->lease)};
    SLUICE_TRY(q(l, "read runs",
                 "SELECT id, started, coalesce(ended, 0), CASE WHEN outcome ="
                 " 'running' AND heartbeat < $2 THEN 'killed' ELSE outcome"
                 " END, done, failed, not_pulled, rows, bytes_out, requests,"
                 " version, argv FROM runs ORDER BY id DESC LIMIT $1",
                 2, v, &r, err));
    int n = PQntuples(r);
    out->v = sluice__calloc(n ? (size_t)n : 1, sizeof *out->v);
    SLUICE_FAIL_IF(!out->v, SLUICE_ENOMEM, err, "out of memory");
    for (int i = 0; i < n; i++) {
        struct sluice_ledger_run *x = &out->v[out->n++];
        x->id = col64(r, i, 0);
        x->started = col64(r, i, 1);
        x->ended = col64(r, i, 2);
        x->outcome = coldup(r, i, 3, &oom);
        x->done = (uint64_t)col64(r, i, 4);
        x->failed = (uint64_t)col64(r, i, 5);
        x->not_pulled = (uint64_t)col64(r, i, 6);
        x->rows = (uint64_t)col64(r, i, 7);
        x->bytes_out = (uint64_t)col64(r, i, 8);
        x->requests = (uint64_t)col64(r, i, 9);
        x->version = coldup(r, i, 10, &oom);
        x->argv = coldup(r, i, 11, &oom);
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    PQclear(r);
    if (rc != SLUICE_OK)
        sluice__ledger_run_list_cleanup(out);
    return rc;
}

int sluice__pgl_holder(struct sluice_ledger *l, struct sluice_ledger_holder *h,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char dead[32];
    memset(h, 0, sizeof *h);
    const char *v[1] = {I64(dead, sluice__ledger_now(l) - l->pg->lease)};
    SLUICE_TRY(q(l, "read runs",
                 "SELECT worker, started FROM runs WHERE outcome = 'running'"
                 " AND heartbeat >= $1 ORDER BY id DESC LIMIT 1",
                 1, v, &r, err));
    if (PQntuples(r) == 1) {
        h->running = true;
        snprintf(h->host, sizeof h->host, "%s", PQgetvalue(r, 0, 0));
        h->since = col64(r, 0, 1);
    }
out:
    PQclear(r);
    return rc;
}

/* ---- windows ------------------------------------------------------------- */

static int mark(struct sluice_ledger *l, enum sluice_ledger_status status,
                const struct sluice_ledger_attempt *a, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf http;
    char b[10][32];
    sluice__buf_init(&http, 1024);
    SLUICE_FAIL_IF(!a || (a->n_http && !a->http), SLUICE_EINVAL, err,
                   "ledger: invalid window attempt");
    SLUICE_FAIL_IF(sluice__buf_addc(&http, '[') != SLUICE_OK, SLUICE_ENOMEM,
                   err, "out of memory");
    for (size_t i = 0; i < a->n_http; i++)
        SLUICE_FAIL_IF(sluice__buf_appendf(&http, "%s%ld", i ? "," : "",
                                           a->http[i]) != SLUICE_OK,
                       SLUICE_ENOMEM, err, "out of memory");
    SLUICE_FAIL_IF(sluice__buf_addc(&http, ']') != SLUICE_OK, SLUICE_ENOMEM,
                   err, "out of memory");
    const char *v[13] = {l->part,
                         I64(b[0], a->start),
                         I64(b[1], a->end_excl),
                         sluice__ledger_status_name(status),
                         I64(b[2], a->requests),
                         http.p,
                         I64(b[3], a->rows),
                         I64(b[4], a->bytes_in),
                         I64(b[5], a->bytes_out),
                         a->output,
                         status != SLUICE_LEDGER_DONE ? a->error : NULL,
                         I64(b[6], sluice__ledger_now(l)),
                         l->run_id ? I64(b[7], l->run_id) : NULL};
    /* One statement, so one transaction: the outcome and the release of
     * the lease land together. A done partition stays done: a failure or
     * an interruption reported for it comes from a worker whose lease ran
     * out while another one published it. */
    SLUICE_TRY(q(l, "mark window",
                 "INSERT INTO windows AS w (part, start, end_excl, status,"
                 " attempts, http, rows, bytes_in, bytes_out, output, error,"
                 " first_attempt, last_attempt, run_id)"
                 " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11,"
                 " CASE WHEN $5::bigint > 0 THEN $12::bigint END,"
                 " CASE WHEN $5::bigint > 0 THEN $12::bigint END, $13)"
                 " ON CONFLICT (part, start) DO UPDATE SET"
                 " end_excl = EXCLUDED.end_excl, status = EXCLUDED.status,"
                 " attempts = w.attempts + EXCLUDED.attempts,"
                 " http = (SELECT coalesce(jsonb_agg(e ORDER BY o), '[]')"
                 "  FROM (SELECT e, o FROM jsonb_array_elements(w.http ||"
                 "  EXCLUDED.http) WITH ORDINALITY AS t(e, o)"
                 "  ORDER BY o DESC LIMIT 32) s),"
                 " rows = EXCLUDED.rows, bytes_in = EXCLUDED.bytes_in,"
                 " bytes_out = EXCLUDED.bytes_out, output = EXCLUDED.output,"
                 " error = EXCLUDED.error,"
                 " first_attempt = coalesce(w.first_attempt,"
                 "  EXCLUDED.first_attempt),"
                 " last_attempt = coalesce(EXCLUDED.last_attempt,"
                 "  w.last_attempt),"
                 " run_id = coalesce(EXCLUDED.run_id, w.run_id),"
                 " lease_owner = NULL, lease_until = NULL"
                 " WHERE w.status <> 'done' OR EXCLUDED.status = 'done'",
                 13, v, NULL, err));
out:
    sluice__buf_cleanup(&http);
    return rc;
}

int sluice__pgl_mark(struct sluice_ledger *l, enum sluice_ledger_status status,
                     const struct sluice_ledger_attempt *a,
                     struct sluice_err *err)
{
    return mark(l, status, a, err);
}

int sluice__pgl_pending(struct sluice_ledger *l, int64_t start,
                        int64_t end_excl, struct sluice_err *err)
{
    char b[2][32];
    const char *v[3] = {l->part, I64(b[0], start), I64(b[1], end_excl)};
    /* Interrupted: back to the pool at once, history kept. */
    return q(l, "mark window",
             "INSERT INTO windows AS w (part, start, end_excl) VALUES ($1, $2,"
             " $3) ON CONFLICT (part, start) DO UPDATE SET status = 'pending',"
             " end_excl = EXCLUDED.end_excl, lease_owner = NULL,"
             " lease_until = NULL WHERE w.status <> 'done'",
             3, v, NULL, err);
}

int sluice__pgl_failed(struct sluice_ledger *l, size_t max,
                       struct sluice_ledger_window_list *out,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    bool oom = false;
    char m[32];
    out->v = NULL;
    out->n = 0;
    const char *v[1] = {I64(m, max ? (int64_t)max : INT64_MAX)};
    SLUICE_TRY(q(l, "read failed windows",
                 "SELECT part, start, end_excl, attempts, http::text, rows,"
                 " bytes_in, bytes_out, output, error,"
                 " coalesce(first_attempt, 0), coalesce(last_attempt, 0),"
                 " coalesce(run_id, 0) FROM windows WHERE status = 'failed'"
                 " ORDER BY part COLLATE \"C\", start LIMIT $1",
                 1, v, &r, err));
    int n = PQntuples(r);
    out->v = sluice__calloc(n ? (size_t)n : 1, sizeof *out->v);
    SLUICE_FAIL_IF(!out->v, SLUICE_ENOMEM, err, "out of memory");
    for (int i = 0; i < n; i++) {
        struct sluice_ledger_window *w = &out->v[out->n++];
        w->part = coldup(r, i, 0, &oom);
        w->start = col64(r, i, 1);
        w->end_excl = col64(r, i, 2);
        w->status = SLUICE_LEDGER_FAILED;
        w->attempts = (uint64_t)col64(r, i, 3);
        w->http = coldup(r, i, 4, &oom);
        w->rows = (uint64_t)col64(r, i, 5);
        w->bytes_in = (uint64_t)col64(r, i, 6);
        w->bytes_out = (uint64_t)col64(r, i, 7);
        w->output = coldup(r, i, 8, &oom);
        w->error = coldup(r, i, 9, &oom);
        w->first_attempt = col64(r, i, 10);
        w->last_attempt = col64(r, i, 11);
        w->run_id = col64(r, i, 12);
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    PQclear(r);
    if (rc != SLUICE_OK)
        sluice__ledger_window_list_cleanup(out);
    return rc;
}

int sluice__pgl_counts(struct sluice_ledger *l, bool all, int64_t from,
                       int64_t to, struct sluice_ledger_counts *c,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char f[32], t[32];
    memset(c, 0, sizeof *c);
    /* A seeded row never attempted is as pending as a planned window
     * without a row: counted with the pending. */
    const char *v[4] = {I64(f, from), I64(t, to), l->part, all ? "1" : "0"};
    SLUICE_TRY(q(l, "count windows",
                 "SELECT status, count(*) FROM windows WHERE start >= $1 AND"
                 " start < $2 AND ($4 = '1' OR part = $3) GROUP BY status",
                 4, v, &r, err));
    for (int i = 0; i < PQntuples(r); i++) {
        uint64_t k = (uint64_t)col64(r, i, 1);
        const char *s = PQgetvalue(r, i, 0);
        if (!strcmp(s, "done"))
            c->done += k;
        else if (!strcmp(s, "failed"))
            c->failed += k;
        else
            c->pending += k;
        c->total += k;
    }
out:
    PQclear(r);
    return rc;
}

int sluice__pgl_watermark(struct sluice_ledger *l, int64_t from,
                          int64_t *watermark, bool *has,
                          struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char f[32];
    *has = false;
    *watermark = 0;
    /* The first row that is not done ends the walk; only the done rows
     * before it are read. */
    const char *v[2] = {I64(f, from), l->part};
    SLUICE_TRY(q(l, "read windows",
                 "SELECT start, end_excl FROM windows WHERE part = $2 AND"
                 " start >= $1 AND start < coalesce((SELECT min(start) FROM"
                 " windows WHERE part = $2 AND start >= $1 AND status <>"
                 " 'done'), 9223372036854775807) ORDER BY start",
                 2, v, &r, err));
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t start = col64(r, i, 0);
        if (start != (*has ? *watermark : from))
            break;
        *watermark = col64(r, i, 1);
        *has = true;
    }
out:
    PQclear(r);
    return rc;
}

/* ---- claims ---------------------------------------------------------------- */

int sluice__pgl_seed(struct sluice_ledger *l, const struct sluice_ledger_seed *s,
                     size_t n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf parts, starts, ends, shards;
    sluice__buf_init(&parts, (size_t)1 << 30);
    sluice__buf_init(&starts, (size_t)1 << 30);
    sluice__buf_init(&ends, (size_t)1 << 30);
    sluice__buf_init(&shards, (size_t)1 << 30);
    /* Arrays in PostgreSQL's text form: a part is quoted, its '"' and
     * '\' escaped. */
    int brc = SLUICE_OK;
    brc |= sluice__buf_addc(&parts, '{');
    brc |= sluice__buf_addc(&starts, '{');
    brc |= sluice__buf_addc(&ends, '{');
    brc |= sluice__buf_addc(&shards, '{');
    for (size_t i = 0; i < n && brc == SLUICE_OK; i++) {
        const char *sep = i ? "," : "";
        brc |= sluice__buf_appendf(&parts, "%s\"", sep);
        for (const char *c = s[i].part ? s[i].part : ""; *c; c++) {
            if (*c == '"' || *c == '\\')
                brc |= sluice__buf_addc(&parts, '\\');
            brc |= sluice__buf_addc(&parts, *c);
        }
        brc |= sluice__buf_addc(&parts, '"');
        brc |= sluice__buf_appendf(&starts, "%s%lld", sep,
                                   (long long)s[i].start);
        brc |= sluice__buf_appendf(&ends, "%s%lld", sep,
                                   (long long)s[i].end_excl);
        brc |= sluice__buf_appendf(&shards, "%s%lld", sep,
                                   (long long)s[i].shard);
    }
    brc |= sluice__buf_addc(&parts, '}');
    brc |= sluice__buf_addc(&starts, '}');
    brc |= sluice__buf_addc(&ends, '}');
    brc |= sluice__buf_addc(&shards, '}');
    SLUICE_FAIL_IF(brc != SLUICE_OK, SLUICE_ENOMEM, err, "out of memory");
    const char *v[4] = {parts.p, starts.p, ends.p, shards.p};
    /* A partition whose end moved (an edited or rolling `to`) is pending
     * again for its new extent, as requeue_moved does for SQLite. */
    SLUICE_TRY(q(l, "seed windows",
                 "INSERT INTO windows AS w (part, start, end_excl, shard)"
                 " SELECT * FROM unnest($1::text[], $2::bigint[],"
                 " $3::bigint[], $4::bigint[])"
                 " ON CONFLICT (part, start) DO UPDATE SET"
                 " end_excl = EXCLUDED.end_excl, status = 'pending',"
                 " shard = EXCLUDED.shard"
                 " WHERE w.end_excl <> EXCLUDED.end_excl OR"
                 " w.shard <> EXCLUDED.shard",
                 4, v, NULL, err));
out:
    sluice__buf_cleanup(&parts);
    sluice__buf_cleanup(&starts);
    sluice__buf_cleanup(&ends);
    sluice__buf_cleanup(&shards);
    return rc;
}

int sluice__pgl_claim(struct sluice_ledger *l,
                      const struct sluice_ledger_claim_opts *o,
                      struct sluice_ledger_claim **out, size_t *n,
                      int64_t *wait_until, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    bool oom = false;
    char b[6][32];
    int64_t now = sluice__ledger_now(l);
    *out = NULL;
    *n = 0;
    *wait_until = 0;
    const char *v[7] = {I64(b[0], o->max),
                        I64(b[1], now),
                        I64(b[2], now + l->pg->lease),
                        l->pg->worker,
                        I64(b[3], o->since),
                        I64(b[4], o->shard_count),
                        I64(b[5], o->shard_index)};
    /* The pool: pending partitions, and those that failed before this
     * worker began (each worker retries older failures once, as a run
     * does; a failure of this worker's lifetime is not retried by it),
     * whose lease is free or ran out. SKIP LOCKED: rows another worker is
     * claiming right now are left to it, no waiting. */
    SLUICE_TRY(q(l, "claim windows",
                 "WITH c AS (SELECT part, start FROM windows"
                 " WHERE (status = 'pending' OR (status = 'failed' AND"
                 "  coalesce(last_attempt, 0) < $5))"
                 " AND (lease_until IS NULL OR lease_until <= $2)"
                 " AND ($6::bigint = 0 OR shard % $6::bigint = $7::bigint)"
                 " ORDER BY part, start LIMIT $1 FOR UPDATE SKIP LOCKED)"
                 " UPDATE windows w SET lease_owner = $4, lease_until = $3,"
                 " claims = w.claims + 1 FROM c"
                 " WHERE w.part = c.part AND w.start = c.start"
                 " RETURNING w.part, w.start, w.end_excl",
                 7, v, &r, err));
    int k = PQntuples(r);
    if (k > 0) {
        *out = sluice__calloc((size_t)k, sizeof **out);
        SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, err, "out of memory");
        for (int i = 0; i < k; i++) {
            (*out)[i].part = coldup(r, i, 0, &oom);
            if (!(*out)[i].part)
                oom = true;
            (*out)[i].start = col64(r, i, 1);
            (*out)[i].end_excl = col64(r, i, 2);
            (*n)++;
        }
        SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
        goto out;
    }
    PQclear(r);
    r = NULL;
    /* Nothing free: what other workers hold may still come back, when
     * their leases run out. The earliest expiry is when to look again;
     * none: the pool is empty. (The same parameters as the claim; the
     * server wants a type for each, hence $1 and $3 named too.) */
    SLUICE_TRY(q(l, "read leases",
                 "SELECT min(lease_until) FROM windows"
                 " WHERE (status = 'pending' OR (status = 'failed' AND"
                 "  coalesce(last_attempt, 0) < $5))"
                 " AND lease_until > $2 AND lease_owner <> $4"
                 " AND ($6::bigint = 0 OR shard % $6::bigint = $7::bigint)"
                 " AND $1::bigint > 0 AND $3::bigint > 0",
                 7, v, &r, err));
    *wait_until = col64(r, 0, 0);
out:
    PQclear(r);
    if (rc != SLUICE_OK)
        sluice__ledger_claims_free(*out, *n), *out = NULL, *n = 0;
    return rc;
}

int sluice__pgl_renew(struct sluice_ledger *l, size_t *renewed,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char b[3][32];
    int64_t now = sluice__ledger_now(l);
    const char *v[4] = {l->pg->worker, I64(b[0], now + l->pg->lease),
                        I64(b[1], now), I64(b[2], l->run_id)};
    SLUICE_TRY(q(l, "renew leases",
                 "UPDATE windows SET lease_until = $2 WHERE lease_owner = $1"
                 " AND status <> 'done'",
                 2, v, &r, err));
    if (renewed)
        *renewed = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    r = NULL;
    if (l->run_id)
        SLUICE_TRY(q(l, "heartbeat",
                     "UPDATE runs SET heartbeat = $3 WHERE id = $4 AND"
                     " worker = $1 AND $2::bigint > 0",
                     4, v, NULL, err));
out:
    PQclear(r);
    return rc;
}

/* ---- fingerprint ----------------------------------------------------------- */

int sluice__pgl_fingerprint_diff(struct sluice_ledger *l,
                                 const struct sluice_ledger_fp_item *items,
                                 size_t n, bool *stored,
                                 struct sluice_buf *diff,
                                 struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    const struct sluice_ledger_fp_item **v = NULL;
    sluice__buf_reset(diff);
    *stored = false;
    SLUICE_TRY(sluice__fp_sorted(items, n, &v, err));
    SLUICE_TRY(q(l, "read fingerprint",
                 "SELECT name, value, secret FROM fingerprint"
                 " ORDER BY name COLLATE \"C\"",
                 0, NULL, &r, err));
    int rows = PQntuples(r), j = 0;
    *stored = rows > 0;
    if (!*stored)
        goto out;
    size_t i = 0;
    int brc = SLUICE_OK;
    while ((j < rows || i < n) && brc == SLUICE_OK) {
        const char *sname = j < rows ? PQgetvalue(r, j, 0) : NULL;
        int cmp = !sname ? 1 : i == n ? -1 : strcmp(sname, v[i]->name);
        bool ssec = sname && PQgetvalue(r, j, 2)[0] == 't';
        bool clause = cmp != 0 || ssec != v[i]->secret ||
                      (!ssec && strcmp(PQgetvalue(r, j, 1), v[i]->value));
        if (clause && diff->n)
            brc |= sluice__buf_adds(diff, "; ");
        if (cmp < 0) {
            brc |= sluice__buf_appendf(diff, "%s removed", sname);
            if (ssec)
                brc |= sluice__buf_adds(diff, " (secret)");
            else {
                brc |= sluice__buf_adds(diff, " (was ");
                brc |= sluice__fp_shown(diff, PQgetvalue(r, j, 1));
                brc |= sluice__buf_addc(diff, ')');
            }
        } else if (cmp > 0) {
            brc |= sluice__buf_appendf(diff, "%s added", v[i]->name);
            if (v[i]->secret)
                brc |= sluice__buf_adds(diff, " (secret)");
            else {
                brc |= sluice__buf_adds(diff, " (= ");
                brc |= sluice__fp_shown(diff, v[i]->value);
                brc |= sluice__buf_addc(diff, ')');
            }
        } else if (ssec != v[i]->secret) {
            brc |= sluice__buf_appendf(diff, "%s changed (secret, not shown)",
                                       v[i]->name);
        } else if (!ssec && strcmp(PQgetvalue(r, j, 1), v[i]->value) != 0) {
            brc |= sluice__buf_appendf(diff, "%s changed from ", v[i]->name);
            brc |= sluice__fp_shown(diff, PQgetvalue(r, j, 1));
            brc |= sluice__buf_adds(diff, " to ");
            brc |= sluice__fp_shown(diff, v[i]->value);
        }
        if (cmp <= 0)
            j++;
        if (cmp >= 0)
            i++;
    }
    SLUICE_FAIL_IF(brc != SLUICE_OK, SLUICE_ENOMEM, err, "out of memory");
out:
    PQclear(r);
    sluice__free(v);
    return rc;
}

int sluice__pgl_fingerprint_set(struct sluice_ledger *l,
                                const struct sluice_ledger_fp_item *items,
                                size_t n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf diff;
    bool stored = false;
    const char *sv[1] = {l->pg->schema};
    sluice__buf_init(&diff, 8192);
    /* Workers start together: the first one writes the fingerprint, the
     * others, serialised behind it, find theirs stored. One that differs
     * from what another worker stored meanwhile is refused here, so two
     * definitions never share the pool. */
    SLUICE_TRY(q(l, "begin", "BEGIN", 0, NULL, NULL, err));
    SLUICE_TRY(q(l, "lock fingerprint",
                 "SELECT pg_advisory_xact_lock(hashtext('sluice-fp:' || $1))",
                 1, sv, NULL, err));
    SLUICE_TRY(sluice__pgl_fingerprint_diff(l, items, n, &stored, &diff, err));
    SLUICE_FAIL_IF(stored && diff.n, SLUICE_ESTATE, err,
                   "job %s changed since its ledger %s was written: %s",
                   l->job_name ? l->job_name : "?", l->path, diff.p);
    if (!stored) {
        for (size_t i = 0; i < n; i++) {
            /* A secret's value is never stored, not even hashed: it is
             * compared by presence only. */
            const char *v[3] = {items[i].name,
                                items[i].secret ? "(secret)" : items[i].value,
                                items[i].secret ? "t" : "f"};
            SLUICE_TRY(q(l, "write fingerprint",
                         "INSERT INTO fingerprint VALUES ($1, $2, $3)", 3, v,
                         NULL, err));
        }
    }
    SLUICE_TRY(q(l, "commit", "COMMIT", 0, NULL, NULL, err));
out:
    if (rc != SLUICE_OK)
        rollback(l);
    sluice__buf_cleanup(&diff);
    return rc;
}

/* ---- schema versions, learned rates, the incremental cursor ---------------- */

int sluice__pgl_schema_latest(struct sluice_ledger *l, int64_t *version,
                              char **text, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    bool oom = false;
    *version = 0;
    if (text)
        *text = NULL;
    SLUICE_TRY(q(l, "read schema",
                 "SELECT version, schema FROM schema_versions ORDER BY version"
                 " DESC LIMIT 1",
                 0, NULL, &r, err));
    if (PQntuples(r) == 1) {
        *version = col64(r, 0, 0);
        if (text)
            *text = coldup(r, 0, 1, &oom);
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    PQclear(r);
    return rc;
}

int sluice__pgl_schema_append(struct sluice_ledger *l, const char *text,
                              int64_t *version, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    char now[32], run[32];
    const char *v[3] = {text, I64(now, sluice__ledger_now(l)),
                        l->run_id ? I64(run, l->run_id) : NULL};
    SLUICE_TRY(q(l, "begin", "BEGIN", 0, NULL, NULL, err));
    SLUICE_TRY(q(l, "lock schema",
                 "LOCK TABLE schema_versions IN EXCLUSIVE MODE", 0, NULL, NULL,
                 err));
    SLUICE_TRY(q(l, "write schema",
                 "INSERT INTO schema_versions SELECT coalesce(max(version), 0)"
                 " + 1, $1, $2, $3 FROM schema_versions HAVING $1 IS DISTINCT"
                 " FROM (SELECT schema FROM schema_versions ORDER BY version"
                 " DESC LIMIT 1)",
                 3, v, NULL, err));
    SLUICE_TRY(q(l, "read schema",
                 "SELECT max(version) FROM schema_versions", 0, NULL, &r,
                 err));
    if (version)
        *version = col64(r, 0, 0);
    SLUICE_TRY(q(l, "commit", "COMMIT", 0, NULL, NULL, err));
out:
    PQclear(r);
    if (rc != SLUICE_OK)
        rollback(l);
    return rc;
}

int sluice__pgl_rate_get(struct sluice_ledger *l, const char *origin,
                         double *rate, int64_t *learned, char **origin_out,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    PGresult *r = NULL;
    bool oom = false;
    *rate = 0;
    if (learned)
        *learned = 0;
    if (origin_out)
        *origin_out = NULL;
    const char *v[1] = {origin};
    SLUICE_TRY(q(l, "read learned rate",
                 origin ? "SELECT rate, learned, origin FROM learned_rates"
                          " WHERE origin = $1"
                        : "SELECT rate, learned, origin FROM learned_rates"
                          " ORDER BY learned DESC LIMIT 1",
                 origin ? 1 : 0, origin ? v : NULL, &r, err));
    if (PQntuples(r) == 1) {
        *rate = strtod(PQgetvalue(r, 0, 0), NULL);
        if (learned)
            *learned = col64(r, 0, 1);
        if (origin_out)
            *origin_out = coldup(r, 0, 2, &oom);
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    PQclear(r);
    return rc;
}

int sluice__pgl_rate_set(struct sluice_ledger *l, const char *origin,
                         double rate, int64_t run_id, struct sluice_err *err)
{
    char rb[64], now[32], run[32];
    snprintf(rb, sizeof rb, "%.17g", rate);
    const char *v[4] = {origin, rb, I64(now, sluice__ledger_now(l)),
                        run_id ? I64(run, run_id) : NULL};
    return q(l, "store learned rate",
             "INSERT INTO learned_rates VALUES ($1, $2, $3, $4) ON CONFLICT"
             " (origin) DO UPDATE SET rate = EXCLUDED.rate,"
             " learned = EXCLUDED.learned, run_id = EXCLUDED.run_id",
             4, v, NULL, err);
}
