/* ledger.c: opening, creating and migrating a ledger, the SQLite helpers
 * the other state files share, runs and schema versions. Windows live in
 * windows.c, the run lock in lock.c, the fingerprint in fingerprint.c.
 * See ledger.h and docs/internals/state.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "state/ledger_int.h"
#include "util/fs.h"
#include "util/date.h"
#include "util/sha256.h"

/* PRAGMA application_id: "SLCE", so `file` and we can tell our databases
 * from any other SQLite file. */
#define LEDGER_APP_ID 0x534c4345

/* Migration i takes format i to format i + 1, inside one transaction. */
static const char *const MIGRATIONS[SLUICE_LEDGER_FORMAT] = {
    /* 0 -> 1: the first format. */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " started INTEGER NOT NULL,"
    " ended INTEGER,"
    " outcome TEXT NOT NULL DEFAULT 'running',"
    " done INTEGER NOT NULL DEFAULT 0,"
    " failed INTEGER NOT NULL DEFAULT 0,"
    " not_pulled INTEGER NOT NULL DEFAULT 0,"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " bytes_out INTEGER NOT NULL DEFAULT 0,"
    " requests INTEGER NOT NULL DEFAULT 0,"
    " version TEXT NOT NULL,"
    " argv TEXT);"
    "CREATE TABLE windows ("
    " start INTEGER PRIMARY KEY,"
    " end_excl INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending', 'done', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " http TEXT NOT NULL DEFAULT '[]',"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " bytes_in INTEGER NOT NULL DEFAULT 0,"
    " bytes_out INTEGER NOT NULL DEFAULT 0,"
    " output TEXT,"
    " error TEXT,"
    " first_attempt INTEGER,"
    " last_attempt INTEGER,"
    " run_id INTEGER);"
    "CREATE INDEX windows_by_status ON windows (status, start);"
    "CREATE TABLE schema_versions ("
    " version INTEGER PRIMARY KEY,"
    " schema TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " run_id INTEGER);"
    "CREATE TABLE fingerprint ("
    " name TEXT PRIMARY KEY,"
    " value TEXT NOT NULL,"
    " secret INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE lock_holder ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " pid INTEGER NOT NULL,"
    " host TEXT NOT NULL,"
    " since INTEGER NOT NULL);"
    /* For people reading the ledger with the sqlite3 shell. */
    "CREATE VIEW windows_utc AS SELECT"
    " strftime('%Y-%m-%dT%H:%M:%SZ', start, 'unixepoch') AS start_utc,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', end_excl, 'unixepoch') AS end_utc,"
    " status, attempts, http, rows, bytes_out, output, error,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', last_attempt, 'unixepoch')"
    "  AS last_attempt_utc, run_id FROM windows;"
    "CREATE VIEW runs_utc AS SELECT id,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', started, 'unixepoch') AS started_utc,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', ended, 'unixepoch') AS ended_utc,"
    " outcome, done, failed, not_pulled, rows, requests, version, argv"
    " FROM runs;",
    /* 1 -> 2: the rate learned from a server's throttling, per origin. */
    "CREATE TABLE learned_rates ("
    " origin TEXT PRIMARY KEY,"
    " rate REAL NOT NULL CHECK (rate > 0),"
    " learned INTEGER NOT NULL,"
    " run_id INTEGER) WITHOUT ROWID;",
    /* 2 -> 3: partitions beyond dates. A window is one partition of a
     * group (the non-date half of its key, "" for a job of windows only):
     * the key becomes (part, start). Every row of an earlier ledger is a
     * window of the group "", so it keeps its status, history and file;
     * the fingerprint, runs and schema are untouched. SQLite cannot change
     * a primary key in place: the table is rebuilt under its own name. */
    "CREATE TABLE windows_v2 ("
    " part TEXT NOT NULL DEFAULT '',"
    " start INTEGER NOT NULL,"
    " end_excl INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'pending'"
    "  CHECK (status IN ('pending', 'done', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " http TEXT NOT NULL DEFAULT '[]',"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " bytes_in INTEGER NOT NULL DEFAULT 0,"
    " bytes_out INTEGER NOT NULL DEFAULT 0,"
    " output TEXT,"
    " error TEXT,"
    " first_attempt INTEGER,"
    " last_attempt INTEGER,"
    " run_id INTEGER,"
    " PRIMARY KEY (part, start));"
    "INSERT INTO windows_v2 (part, start, end_excl, status, attempts, http,"
    " rows, bytes_in, bytes_out, output, error, first_attempt, last_attempt,"
    " run_id) SELECT '', start, end_excl, status, attempts, http, rows,"
    " bytes_in, bytes_out, output, error, first_attempt, last_attempt, run_id"
    " FROM windows;"
    "DROP VIEW windows_utc;"
    "DROP INDEX windows_by_status;"
    "DROP TABLE windows;"
    "ALTER TABLE windows_v2 RENAME TO windows;"
    "CREATE INDEX windows_by_status ON windows (status, part, start);"
    "CREATE VIEW windows_utc AS SELECT part,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', start, 'unixepoch') AS start_utc,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', end_excl, 'unixepoch') AS end_utc,"
    " status, attempts, http, rows, bytes_out, output, error,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', last_attempt, 'unixepoch')"
    "  AS last_attempt_utc, run_id FROM windows;",
    /* 3 -> 4: the incremental cursor a run ended with (NULL: it did not
     * move it), and how many of its records had none. An earlier ledger
     * keeps every row; its runs have no cursor. */
    "ALTER TABLE runs ADD COLUMN cursor TEXT;"
    "ALTER TABLE runs ADD COLUMN cursor_missing INTEGER NOT NULL DEFAULT 0;",
};

static const char *const CACHED_SQL[ST_COUNT] = {
    [ST_STATUS] = "SELECT status FROM windows WHERE part = ?2 AND start = ?1",
    [ST_HISTORY] = "SELECT http FROM windows WHERE part = ?2 AND start = ?1",
    [ST_UPSERT] =
        "INSERT INTO windows (start, end_excl, status, attempts, http, rows,"
        " bytes_in, bytes_out, output, error, first_attempt, last_attempt,"
        " run_id, part) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " ?11, ?12, ?13) ON CONFLICT (part, start) DO UPDATE SET"
        " end_excl = ?2, status = ?3,"
        " attempts = attempts + ?4, http = ?5, rows = ?6, bytes_in = ?7,"
        " bytes_out = ?8, output = ?9, error = ?10,"
        " first_attempt = coalesce(first_attempt, ?11), last_attempt = ?11,"
        " run_id = ?12",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
};

/* ---- helpers shared by the state files ----------------------------------- */

int64_t sluice__ledger_now(const struct sluice_ledger *l)
{
    return l->clock ? l->clock(l->clock_ud) : (int64_t)time(NULL);
}

int sluice__ledger_sqlfail(struct sluice_ledger *l, int src, const char *what,
                           struct sluice_err *err)
{
    int primary = src & 0xff;
    const char *msg = l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(src);
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
        sluice__err_set(err,
                        "ledger %s is not a SQLite database or is damaged "
                        "(%s: %s); move it aside to start a new ledger",
                        l->path, what, msg);
    else
        sluice__err_set(err, "ledger %s: %s: %s", l->path, what, msg);
    return primary == SQLITE_NOMEM ? SLUICE_ENOMEM : SLUICE_ESTATE;
}

int sluice__ledger_exec(struct sluice_ledger *l, const char *sql,
                        struct sluice_err *err)
{
    int src = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
    return src == SQLITE_OK ? SLUICE_OK
                            : sluice__ledger_sqlfail(l, src, "exec", err);
}

int sluice__ledger_prepare(struct sluice_ledger *l, const char *sql,
                           sqlite3_stmt **out, struct sluice_err *err)
{
    int src = sqlite3_prepare_v2(l->db, sql, -1, out, NULL);
    return src == SQLITE_OK ? SLUICE_OK
                            : sluice__ledger_sqlfail(l, src, "prepare", err);
}

int sluice__ledger_cached(struct sluice_ledger *l, enum ledger_stmt which,
                          sqlite3_stmt **out, struct sluice_err *err)
{
    *out = NULL;
    if (!l->st[which]) {
        int src =
            sqlite3_prepare_v3(l->db, CACHED_SQL[which], -1,
                               SQLITE_PREPARE_PERSISTENT, &l->st[which], NULL);
        if (src != SQLITE_OK)
            return sluice__ledger_sqlfail(l, src, "prepare", err);
    }
    sqlite3_reset(l->st[which]);
    sqlite3_clear_bindings(l->st[which]);
    *out = l->st[which];
    return SLUICE_OK;
}

static int step_once(struct sluice_ledger *l, enum ledger_stmt which,
                     const char *what, struct sluice_err *err)
{
    /* NULL: gcc -O2 cannot see that a failed lookup never reaches the step
     * (-Wmaybe-uninitialized). */
    sqlite3_stmt *st = NULL;
    int rc = sluice__ledger_cached(l, which, &st, err);
    if (rc != SLUICE_OK)
        return rc;
    int src = sqlite3_step(st);
    sqlite3_reset(st);
    return src == SQLITE_DONE ? SLUICE_OK
                              : sluice__ledger_sqlfail(l, src, what, err);
}

bool sluice__ledger_moved(struct sluice_ledger *l)
{
    if (l->pg) /* a server, not a file: nothing to move */
        return false;
    int moved = 0;
    if (!l || !l->db ||
        sqlite3_file_control(l->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) !=
            SQLITE_OK)
        return false;
    return moved != 0;
}

int sluice__ledger_check_file(struct sluice_ledger *l, struct sluice_err *err)
{
    if (!sluice__ledger_moved(l))
        return SLUICE_OK;
    sluice__err_set(err,
                    "ledger %s was deleted or replaced while this run was "
                    "using it",
                    l->path);
    return SLUICE_ESTATE;
}

int sluice__ledger_begin(struct sluice_ledger *l, struct sluice_err *err)
{
    int rc = sluice__ledger_check_file(l, err);
    return rc != SLUICE_OK ? rc : step_once(l, ST_BEGIN, "begin", err);
}

int sluice__ledger_commit(struct sluice_ledger *l, struct sluice_err *err)
{
    return step_once(l, ST_COMMIT, "commit", err);
}

void sluice__ledger_rollback(struct sluice_ledger *l)
{
    if (!sqlite3_get_autocommit(l->db))
        (void)sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

char *sluice__ledger_col_dup(sqlite3_stmt *st, int i, bool *oom)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *s =
        sluice__strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i));
    if (!s)
        *oom = true;
    return s;
}

void sluice__ledger_iso(int64_t t, char *out, size_t n)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 64);
    if (sluice__time_format(t, "%Y-%m-%dT%H:%M:%SZ", &b) == SLUICE_OK)
        snprintf(out, n, "%s", b.p);
    else
        snprintf(out, n, "@%lld", (long long)t);
    sluice__buf_cleanup(&b);
}

/* ---- opening ------------------------------------------------------------- */

static int pragma_int(struct sluice_ledger *l, const char *sql, int64_t *v,
                      struct sluice_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sluice__ledger_prepare(l, sql, &st, err);
    if (rc != SLUICE_OK)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    else
        rc = sluice__ledger_sqlfail(l, src, sql, err);
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_meta_get(struct sluice_ledger *l, const char *key,
                            char **value, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    bool oom = false;
    *value = NULL;
    SLUICE_TRY(sluice__ledger_prepare(
        l, "SELECT value FROM meta WHERE key = ?1", &st, err));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *value = sluice__ledger_col_dup(st, 0, &oom);
    else if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read meta", err));
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_meta_set(struct sluice_ledger *l, const char *key,
                            const char *value, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_prepare(
        l, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", &st,
        err));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "write meta", err));
out:
    sqlite3_finalize(st);
    return rc;
}

/* Creates the meta rows of a new ledger (inside the migration's
 * transaction): format, job, creation time, the salt for secrets. */
static int init_meta(struct sluice_ledger *l, const char *job_name,
                     struct sluice_err *err)
{
    int rc = SLUICE_OK;
    unsigned char salt[SLUICE_LEDGER_SALT_LEN];
    char hex[2 * SLUICE_LEDGER_SALT_LEN + 1], num[32];
    ssize_t got = getrandom(salt, sizeof salt, 0);
    SLUICE_FAIL_IF(got != (ssize_t)sizeof salt, SLUICE_ESTATE, err,
                   "ledger %s: no random bytes for the salt: %s", l->path,
                   strerror(errno));
    sluice__hex(salt, sizeof salt, hex);
    SLUICE_TRY(sluice__ledger_meta_set(l, "salt", hex, err));
    snprintf(num, sizeof num, "%lld", (long long)sluice__ledger_now(l));
    SLUICE_TRY(sluice__ledger_meta_set(l, "created", num, err));
    SLUICE_TRY(sluice__ledger_meta_set(l, "created_by", sluice_version(), err));
    if (job_name)
        SLUICE_TRY(sluice__ledger_meta_set(l, "job_name", job_name, err));
out:
    return rc;
}

static int migrate(struct sluice_ledger *l, const char *job_name,
                   struct sluice_err *err)
{
    int rc = SLUICE_OK;
    int64_t version = 0, tables = 0;
    char sql[64];
    SLUICE_TRY(sluice__ledger_begin(l, err));
    /* Read again inside the transaction: another process may have created
     * the ledger since we looked. */
    SLUICE_TRY(pragma_int(l, "PRAGMA user_version", &version, err));
    SLUICE_TRY(
        pragma_int(l, "SELECT count(*) FROM sqlite_schema", &tables, err));
    SLUICE_FAIL_IF(version == 0 && tables > 0, SLUICE_ESTATE, err,
                   "ledger %s holds tables that are not sluice's: is it "
                   "another program's database?",
                   l->path);
    for (int64_t v = version; v < SLUICE_LEDGER_FORMAT; v++) {
        SLUICE_TRY(sluice__ledger_exec(l, MIGRATIONS[v], err));
        if (v == 0)
            SLUICE_TRY(init_meta(l, job_name, err));
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SLUICE_LEDGER_FORMAT);
    SLUICE_TRY(sluice__ledger_exec(l, sql, err));
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", LEDGER_APP_ID);
    SLUICE_TRY(sluice__ledger_exec(l, sql, err));
    SLUICE_TRY(sluice__ledger_commit(l, err));
out:
    if (rc != SLUICE_OK)
        sluice__ledger_rollback(l);
    return rc;
}

static int hex_decode(const char *hex, unsigned char *out, size_t n)
{
    if (!hex || strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = hex[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            return -1;
        out[i / 2] = (unsigned char)(i % 2 ? out[i / 2] | d : d << 4);
    }
    return 0;
}

static int check_meta(struct sluice_ledger *l, const char *job_name,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    char *salt = NULL, *job = NULL;
    SLUICE_TRY(sluice__ledger_meta_get(l, "salt", &salt, err));
    SLUICE_FAIL_IF(
        hex_decode(salt, l->salt, sizeof l->salt) != 0, SLUICE_ESTATE, err,
        "ledger %s is damaged: its salt is missing or invalid", l->path);
    SLUICE_TRY(sluice__ledger_meta_get(l, "job_name", &job, err));
    SLUICE_FAIL_IF(job && job_name && strcmp(job, job_name) != 0, SLUICE_ESTATE,
                   err, "ledger %s belongs to job '%s', not '%s'", l->path, job,
                   job_name);
    l->job_name = job ? job : (job_name ? sluice__strdup(job_name) : NULL);
    job = NULL;
    SLUICE_FAIL_IF(job_name && !l->job_name, SLUICE_ENOMEM, err,
                   "out of memory");
out:
    sluice__free(salt);
    sluice__free(job);
    return rc;
}

/* WAL lets `sluice status` read while a run writes. Some file systems
 * cannot give it (no shared memory): say so rather than run without it. */
static int wal_mode(struct sluice_ledger *l, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(
        sluice__ledger_prepare(l, "PRAGMA journal_mode = WAL", &st, err));
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "journal_mode", err));
    const unsigned char *mode = sqlite3_column_text(st, 0);
    SLUICE_FAIL_IF(!mode || strcmp((const char *)mode, "wal") != 0,
                   SLUICE_ESTATE, err,
                   "ledger %s: cannot use WAL mode here (journal mode stays "
                   "'%s'); put the ledger on a local disk",
                   l->path, mode ? (const char *)mode : "?");
out:
    sqlite3_finalize(st);
    return rc;
}

static int open_db(struct sluice_ledger *l, const struct sluice_ledger_opts *o,
                   struct sluice_err *err)
{
    int rc = SLUICE_OK;
    int64_t version = 0, app = 0;
    struct stat sb;
    bool exists = stat(o->path, &sb) == 0;
    SLUICE_FAIL_IF(!exists && !o->create, SLUICE_ESTATE, err,
                   "no ledger at %s (the job has not run yet)", o->path);
    if (!exists)
        SLUICE_TRY(sluice__mkdir_parents(o->path, err));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (o->create ? SQLITE_OPEN_CREATE : 0);
    int src = sqlite3_open_v2(o->path, &l->db, flags, NULL);
    if (src != SQLITE_OK)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "open", err));
    sqlite3_extended_result_codes(l->db, 1);
    /* A reader (sluice status) or a checkpoint can hold a lock briefly. */
    sqlite3_busy_timeout(l->db, 10000);

    /* The first read touches the header: a file that is not a database
     * fails here, before anything is written to it. */
    SLUICE_TRY(pragma_int(l, "PRAGMA user_version", &version, err));
    SLUICE_TRY(pragma_int(l, "PRAGMA application_id", &app, err));
    SLUICE_FAIL_IF(app != 0 && app != LEDGER_APP_ID, SLUICE_ESTATE, err,
                   "%s is a SQLite database of another program "
                   "(application id %#llx), not a sluice ledger",
                   o->path, (unsigned long long)app);
    SLUICE_FAIL_IF(version > SLUICE_LEDGER_FORMAT, SLUICE_ESTATE, err,
                   "ledger %s has format %lld, written by a newer sluice; "
                   "this one (%s) reads formats up to %d",
                   o->path, (long long)version, sluice_version(),
                   SLUICE_LEDGER_FORMAT);
    SLUICE_FAIL_IF(version < 0, SLUICE_ESTATE, err,
                   "ledger %s has an invalid format number %lld", o->path,
                   (long long)version);
    if (version == 0) {
        /* Refuse another program's database before changing anything in
         * it (journal_mode = WAL writes the header). */
        int64_t tables = 0;
        SLUICE_TRY(
            pragma_int(l, "SELECT count(*) FROM sqlite_schema", &tables, err));
        SLUICE_FAIL_IF(tables > 0, SLUICE_ESTATE, err,
                       "ledger %s holds tables that are not sluice's: is it "
                       "another program's database?",
                       o->path);
    }
    SLUICE_TRY(wal_mode(l, err));
    SLUICE_TRY(sluice__ledger_exec(l,
                                   o->sync_full ? "PRAGMA synchronous = FULL"
                                                : "PRAGMA synchronous = NORMAL",
                                   err));
    if (version < SLUICE_LEDGER_FORMAT)
        SLUICE_TRY(migrate(l, o->job_name, err));
    SLUICE_TRY(check_meta(l, o->job_name, err));
out:
    return rc;
}

static int open_any(const struct sluice_ledger_opts *o,
                    const struct sluice_ledger_shared_opts *so,
                    struct sluice_ledger **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_ledger *l = NULL;
    *out = NULL;
    SLUICE_FAIL_IF(!o || !o->path || !*o->path, SLUICE_EINVAL, err,
                   "ledger: no path given");
    l = sluice__calloc(1, sizeof *l);
    SLUICE_FAIL_IF(!l, SLUICE_ENOMEM, err, "out of memory");
    l->lock_fd = -1;
    l->part = sluice__strdup("");
    SLUICE_FAIL_IF(!l->part, SLUICE_ENOMEM, err, "out of memory");
    l->clock = o->clock;
    l->clock_ud = o->clock_ud;
    l->path = sluice__strdup(o->path);
    SLUICE_FAIL_IF(!l->path, SLUICE_ENOMEM, err, "out of memory");
    size_t n = strlen(o->path);
    l->lock_path = sluice__malloc(n + sizeof ".lock");
    SLUICE_FAIL_IF(!l->lock_path, SLUICE_ENOMEM, err, "out of memory");
    memcpy(l->lock_path, o->path, n);
    memcpy(l->lock_path + n, ".lock", sizeof ".lock");
    if (so)
        SLUICE_TRY(sluice__pgl_open(l, o, so, err));
    else
        SLUICE_TRY(open_db(l, o, err));
    *out = l;
    l = NULL;
out:
    sluice__ledger_close(l);
    return rc;
}

int sluice__ledger_open(const struct sluice_ledger_opts *o,
                        struct sluice_ledger **out, struct sluice_err *err)
{
    return open_any(o, NULL, out, err);
}

int sluice__ledger_open_shared(const struct sluice_ledger_opts *o,
                               const struct sluice_ledger_shared_opts *s,
                               struct sluice_ledger **out,
                               struct sluice_err *err)
{
    *out = NULL;
    if (!s || !s->conninfo) {
        sluice__err_set(err, "ledger: no connection string given");
        return SLUICE_EINVAL;
    }
    return open_any(o, s, out, err);
}

void sluice__ledger_close(struct sluice_ledger *l)
{
    if (!l)
        return;
    sluice__ledger_unlock(l);
    sluice__pgl_close(l);
    for (size_t i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(l->st[i]);
    /* sqlite3_close_v2 cannot fail for want of finalised statements. */
    if (l->db)
        sqlite3_close_v2(l->db);
    sluice__free(l->path);
    sluice__free(l->lock_path);
    sluice__free(l->job_name);
    sluice__free(l->part);
    sluice__free(l);
}

int sluice__ledger_use_part(struct sluice_ledger *l, const char *part,
                            struct sluice_err *err)
{
    if (!part)
        part = "";
    if (strcmp(l->part, part) == 0)
        return SLUICE_OK;
    char *p = sluice__strdup(part);
    if (!p) {
        sluice__err_set(err, "out of memory");
        return SLUICE_ENOMEM;
    }
    sluice__free(l->part);
    l->part = p;
    return SLUICE_OK;
}

/* ---- runs ---------------------------------------------------------------- */

int sluice__ledger_run_begin(struct sluice_ledger *l, const char *argv,
                             int64_t *run_id, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_run_begin(l, argv, run_id, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_FAIL_IF(l->lock_fd < 0, SLUICE_EINVAL, err,
                   "ledger %s: a run needs the lock", l->path);
    SLUICE_TRY(sluice__ledger_begin(l, err));
    /* We hold the lock: any run still 'running' died without ending. */
    SLUICE_TRY(sluice__ledger_exec(
        l, "UPDATE runs SET outcome = 'killed' WHERE outcome = 'running'",
        err));
    SLUICE_TRY(sluice__ledger_prepare(
        l, "INSERT INTO runs (started, version, argv) VALUES (?1, ?2, ?3)", &st,
        err));
    sqlite3_bind_int64(st, 1, sluice__ledger_now(l));
    sqlite3_bind_text(st, 2, sluice_version(), -1, SQLITE_STATIC);
    if (argv)
        sqlite3_bind_text(st, 3, argv, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "begin run", err));
    int64_t id = sqlite3_last_insert_rowid(l->db);
    SLUICE_TRY(sluice__ledger_commit(l, err));
    l->run_id = id;
    if (run_id)
        *run_id = id;
out:
    sqlite3_finalize(st);
    if (rc != SLUICE_OK)
        sluice__ledger_rollback(l);
    return rc;
}

int sluice__ledger_run_end(struct sluice_ledger *l, int64_t run_id,
                           const struct sluice_ledger_run_end *e,
                           struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_run_end(l, run_id, e, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_check_file(l, err));
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "UPDATE runs SET ended = ?2, outcome = ?3, done = ?4, failed = ?5,"
        " not_pulled = ?6, rows = ?7, bytes_out = ?8, requests = ?9"
        " WHERE id = ?1",
        &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, sluice__ledger_now(l));
    sqlite3_bind_text(st, 3, e->outcome ? e->outcome : "ok", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)e->done);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)e->failed);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)e->not_pulled);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)e->rows);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)e->bytes_out);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)e->requests);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "end run", err));
    SLUICE_FAIL_IF(sqlite3_changes(l->db) != 1, SLUICE_EINVAL, err,
                   "ledger %s: no run %lld", l->path, (long long)run_id);
    if (l->run_id == run_id)
        l->run_id = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_runs(struct sluice_ledger *l, size_t max,
                        struct sluice_ledger_run_list *out,
                        struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_runs(l, max, out, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    bool oom = false;
    out->v = NULL;
    out->n = 0;
    if (max == 0)
        return SLUICE_OK;
    if (max > 100000)
        max = 100000;
    out->v = sluice__calloc(max, sizeof *out->v);
    SLUICE_FAIL_IF(!out->v, SLUICE_ENOMEM, err, "out of memory");
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "SELECT id, started, coalesce(ended, 0), outcome, done, failed,"
        " not_pulled, rows, bytes_out, requests, version, argv FROM runs"
        " ORDER BY id DESC LIMIT ?1",
        &st, err));
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW && out->n < max) {
        struct sluice_ledger_run *r = &out->v[out->n++];
        r->id = sqlite3_column_int64(st, 0);
        r->started = sqlite3_column_int64(st, 1);
        r->ended = sqlite3_column_int64(st, 2);
        r->outcome = sluice__ledger_col_dup(st, 3, &oom);
        r->done = (uint64_t)sqlite3_column_int64(st, 4);
        r->failed = (uint64_t)sqlite3_column_int64(st, 5);
        r->not_pulled = (uint64_t)sqlite3_column_int64(st, 6);
        r->rows = (uint64_t)sqlite3_column_int64(st, 7);
        r->bytes_out = (uint64_t)sqlite3_column_int64(st, 8);
        r->requests = (uint64_t)sqlite3_column_int64(st, 9);
        r->version = sluice__ledger_col_dup(st, 10, &oom);
        r->argv = sluice__ledger_col_dup(st, 11, &oom);
        SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
    }
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read runs", err));
out:
    sqlite3_finalize(st);
    if (rc != SLUICE_OK)
        sluice__ledger_run_list_cleanup(out);
    return rc;
}

void sluice__ledger_run_list_cleanup(struct sluice_ledger_run_list *list)
{
    for (size_t i = 0; list->v && i < list->n; i++) {
        sluice__free(list->v[i].outcome);
        sluice__free(list->v[i].version);
        sluice__free(list->v[i].argv);
    }
    sluice__free(list->v);
    list->v = NULL;
    list->n = 0;
}

/* ---- schema versions ----------------------------------------------------- */

int sluice__ledger_schema_latest(struct sluice_ledger *l, int64_t *version,
                                 char **text, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_schema_latest(l, version, text, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    bool oom = false;
    *version = 0;
    if (text)
        *text = NULL;
    SLUICE_TRY(
        sluice__ledger_prepare(l,
                               "SELECT version, schema FROM schema_versions"
                               " ORDER BY version DESC LIMIT 1",
                               &st, err));
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *version = sqlite3_column_int64(st, 0);
        if (text)
            *text = sluice__ledger_col_dup(st, 1, &oom);
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read schema", err));
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_schema_append(struct sluice_ledger *l, const char *text,
                                 int64_t *version, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_schema_append(l, text, version, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    char *latest = NULL;
    int64_t v = 0;
    SLUICE_FAIL_IF(!text, SLUICE_EINVAL, err, "ledger: no schema given");
    SLUICE_TRY(sluice__ledger_begin(l, err));
    SLUICE_TRY(sluice__ledger_schema_latest(l, &v, &latest, err));
    if (!latest || strcmp(latest, text) != 0) {
        SLUICE_TRY(sluice__ledger_prepare(
            l,
            "INSERT INTO schema_versions (version, schema, created, run_id)"
            " VALUES (?1, ?2, ?3, ?4)",
            &st, err));
        sqlite3_bind_int64(st, 1, ++v);
        sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, sluice__ledger_now(l));
        if (l->run_id)
            sqlite3_bind_int64(st, 4, l->run_id);
        int src = sqlite3_step(st);
        if (src != SQLITE_DONE)
            SLUICE_TRY(sluice__ledger_sqlfail(l, src, "store schema", err));
    }
    SLUICE_TRY(sluice__ledger_commit(l, err));
    if (version)
        *version = v;
out:
    sqlite3_finalize(st);
    sluice__free(latest);
    if (rc != SLUICE_OK)
        sluice__ledger_rollback(l);
    return rc;
}
