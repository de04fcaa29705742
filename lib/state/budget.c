/* budget.c: the job's rate budget shared by its workers (budget.h), one
 * row per live worker in sluice_budget_members. */
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "state/budget.h"

struct sluice_budget {
    PGconn *conn;
    char *conninfo;
    char *job;
    char member[96]; /* host:pid:nonce, unique while the worker lives */
};

#define EPOCH_NOW "extract(epoch from clock_timestamp())"

/* Under an advisory lock: two workers starting at once would both try to
 * create the table (IF NOT EXISTS is not safe against a concurrent
 * CREATE). */
static const char SCHEMA[] =
    "BEGIN;"
    " SELECT pg_advisory_xact_lock(hashtext('sluice_budget_members'));"
    " CREATE TABLE IF NOT EXISTS sluice_budget_members ("
    " job text NOT NULL,"
    " member text NOT NULL,"
    " seen double precision NOT NULL,"         /* server epoch seconds */
    " paused_until double precision NOT NULL," /* server epoch seconds */
    " active boolean NOT NULL,"
    " PRIMARY KEY (job, member));"
    " COMMIT";

/* The server's message on one line: never the connection string, which
 * libpq does not repeat in its messages. */
static int pg_fail(struct sluice_budget *b, PGresult *res, const char *what,
                   struct sluice_err *err)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                          : NULL;
    char text[SLUICE_ERR_MAX / 2];
    sluice__one_line(text, sizeof text,
                     msg ? msg : b->conn ? PQerrorMessage(b->conn)
                                         : "out of memory");
    sluice__err_set(err, "shared rate budget: %s: %s", what, text);
    return SLUICE_EIO;
}

static void no_notice(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

static int connect_budget(struct sluice_budget *b, struct sluice_err *err)
{
    if (b->conn && PQstatus(b->conn) == CONNECTION_OK)
        return SLUICE_OK;
    PQfinish(b->conn);
    b->conn = PQconnectdb(b->conninfo);
    if (!b->conn || PQstatus(b->conn) != CONNECTION_OK) {
        int rc = pg_fail(b, NULL, "cannot connect", err);
        PQfinish(b->conn);
        b->conn = NULL;
        return rc;
    }
    PQsetNoticeProcessor(b->conn, no_notice, NULL);
    PGresult *res = PQexec(b->conn, SCHEMA); /* the last one's result */
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK
                 ? SLUICE_OK
                 : pg_fail(b, res, "creating sluice_budget_members", err);
    PQclear(res);
    return rc;
}

int sluice__budget_open(const char *conninfo, const char *job,
                        struct sluice_budget **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    struct sluice_budget *b = sluice__calloc(1, sizeof *b);
    SLUICE_FAIL_IF(!b, SLUICE_ENOMEM, err, "out of memory");
    b->conninfo = sluice__strdup(conninfo);
    b->job = sluice__strdup(job);
    SLUICE_FAIL_IF(!b->conninfo || !b->job, SLUICE_ENOMEM, err,
                   "out of memory");
    char host[64];
    if (gethostname(host, sizeof host) != 0)
        host[0] = '\0';
    host[sizeof host - 1] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* The nonce tells apart two budgets of one process (a library caller
     * running two workers) and a recycled pid. */
    static atomic_uint opened;
    snprintf(b->member, sizeof b->member, "%s:%ld:%lx%x", host,
             (long)getpid(), (unsigned long)ts.tv_nsec, atomic_fetch_add(&opened, 1u));
    SLUICE_TRY(connect_budget(b, err));
    *out = b;
    b = NULL;
out:
    sluice__budget_close(b);
    return rc;
}

static int refresh_once(struct sluice_budget *b, bool active,
                        double my_pause, unsigned *members, double *pause,
                        struct sluice_err *err)
{
    char pause_s[32], stale_s[32];
    snprintf(pause_s, sizeof pause_s, "%.6f", my_pause > 0 ? my_pause : 0);
    snprintf(stale_s, sizeof stale_s, "%.3f", SLUICE_BUDGET_STALE);
    const char *params[5] = {b->job, b->member, pause_s, stale_s,
                             active ? "t" : "f"};
    /* The upsert and the count in one statement: the count cannot see the
     * row the same statement writes (one snapshot), so it counts the
     * others and adds this one. */
    PGresult *res = PQexecParams(
        b->conn,
        "WITH me AS ("
        " INSERT INTO sluice_budget_members AS m"
        "  (job, member, seen, paused_until, active)"
        " VALUES ($1, $2, " EPOCH_NOW ", " EPOCH_NOW " + $3::float8,"
        "  $5::boolean)"
        " ON CONFLICT (job, member) DO UPDATE SET seen = EXCLUDED.seen,"
        "  paused_until = greatest(m.paused_until, EXCLUDED.paused_until),"
        "  active = EXCLUDED.active"
        " RETURNING paused_until)"
        " SELECT 1 + (SELECT count(*) FROM sluice_budget_members"
        "   WHERE job = $1 AND member <> $2 AND active"
        "   AND seen > " EPOCH_NOW " - $4::float8),"
        "  greatest((SELECT max(paused_until) FROM sluice_budget_members"
        "   WHERE job = $1 AND seen > " EPOCH_NOW " - $4::float8),"
        "   (SELECT paused_until FROM me)) - " EPOCH_NOW,
        5, NULL, params, NULL, NULL, 0);
    int rc = SLUICE_OK;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        rc = pg_fail(b, res, "refreshing", err);
        goto out;
    }
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    double p = strtod(PQgetvalue(res, 0, 1), NULL);
    *members = n > 0 && n < 1000000 ? (unsigned)n : 1;
    *pause = p > 0 ? p : 0;
out:
    PQclear(res);
    return rc;
}

int sluice__budget_refresh(struct sluice_budget *b, bool active,
                           double my_pause, unsigned *members, double *pause,
                           struct sluice_err *err)
{
    int rc = connect_budget(b, err);
    if (rc == SLUICE_OK) {
        rc = refresh_once(b, active, my_pause, members, pause, err);
        if (rc == SLUICE_OK || PQstatus(b->conn) == CONNECTION_OK)
            return rc;
    }
    /* The server restarted or the connection broke: once more. */
    PQfinish(b->conn);
    b->conn = NULL;
    rc = connect_budget(b, err);
    if (rc == SLUICE_OK)
        rc = refresh_once(b, active, my_pause, members, pause, err);
    return rc;
}

void sluice__budget_close(struct sluice_budget *b)
{
    if (!b)
        return;
    if (b->conn && PQstatus(b->conn) == CONNECTION_OK) {
        const char *params[2] = {b->job, b->member};
        PGresult *res = PQexecParams(
            b->conn,
            "DELETE FROM sluice_budget_members WHERE job = $1 AND member = $2",
            2, NULL, params, NULL, NULL, 0);
        PQclear(res); /* a failure only leaves a row that goes stale */
    }
    PQfinish(b->conn);
    sluice__free(b->conninfo);
    sluice__free(b->job);
    sluice__free(b);
}
