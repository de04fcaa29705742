/* windows.c: the windows of a ledger: marking them done, failed or
 * pending, looking them up one by one or with a cursor over a walk, counts,
 * failed lists and the watermark. Only windows a run attempted have rows: a
 * planned window without one is pending. See ledger.h. */
#include <string.h>

#include "state/ledger_int.h"

#define HTTP_KEPT 32 /* statuses kept per window: the most recent ones */

static const char *const STATUS_NAMES[] = {"pending", "done", "failed",
                                           "unknown"};

const char *sluice__ledger_status_name(enum sluice_ledger_status s)
{
    return (unsigned)s < SLUICE_ARRAY_LEN(STATUS_NAMES) ? STATUS_NAMES[s]
                                                        : "unknown";
}

static enum sluice_ledger_status parse_status(const unsigned char *t)
{
    if (!t)
        return SLUICE_LEDGER_UNKNOWN;
    switch (t[0]) {
    case 'p':
        return SLUICE_LEDGER_PENDING;
    case 'd':
        return SLUICE_LEDGER_DONE;
    case 'f':
        return SLUICE_LEDGER_FAILED;
    default:
        return SLUICE_LEDGER_UNKNOWN;
    }
}

int sluice__ledger_requeue(struct sluice_ledger *l, int64_t from, int64_t to,
                           size_t *requeued, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "re-queueing windows", err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_check_file(l, err));
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "UPDATE windows SET status = 'pending'"
        " WHERE part = ?3 AND start >= ?1 AND start < ?2"
        " AND status <> 'pending'",
        &st, err));
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_text(st, 3, l->part, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "requeue windows", err));
    if (requeued)
        *requeued = (size_t)sqlite3_changes(l->db);
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_requeue_all(struct sluice_ledger *l, int64_t from,
                               int64_t to, size_t *requeued,
                               struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "re-queueing windows", err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_check_file(l, err));
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "UPDATE windows SET status = 'pending'"
        " WHERE start >= ?1 AND start < ?2 AND status <> 'pending'",
        &st, err));
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "requeue windows", err));
    if (requeued)
        *requeued = (size_t)sqlite3_changes(l->db);
out:
    sqlite3_finalize(st);
    return rc;
}

/* The window's previous statuses with this attempt's appended, keeping the
 * last HTTP_KEPT: "[503,200]". `old` is our own text (NULL for none). */
static int http_history(const char *old, const long *http, size_t n_http,
                        struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    const char *p = old && old[0] == '[' ? old + 1 : "";
    size_t len = strcspn(p, "]");
    size_t have = 0;
    for (size_t i = 0; i < len; i++)
        have += p[i] == ',';
    have += len > 0;
    /* Drop the oldest entries beyond what we keep. */
    size_t drop = have + n_http > HTTP_KEPT ? have + n_http - HTTP_KEPT : 0;
    for (; drop > 0 && len > 0; drop--) {
        size_t k = strcspn(p, ",]");
        bool last = p[k] != ',';
        p += k + !last;
        len = last ? 0 : len - k - 1;
    }
    if (n_http > HTTP_KEPT) {
        http += n_http - HTTP_KEPT;
        n_http = HTTP_KEPT;
    }
    SLUICE_TRY(sluice__buf_addc(out, '['));
    SLUICE_TRY(sluice__buf_append(out, p, len));
    for (size_t i = 0; i < n_http; i++)
        SLUICE_TRY(
            sluice__buf_appendf(out, "%s%ld", len || i ? "," : "", http[i]));
    SLUICE_TRY(sluice__buf_addc(out, ']'));
out:
    return rc;
}

static int mark(struct sluice_ledger *l, enum sluice_ledger_status status,
                const struct sluice_ledger_attempt *a, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    struct sluice_buf http;
    sluice__buf_init(&http, 1024);
    SLUICE_FAIL_IF(!a || (a->n_http && !a->http), SLUICE_EINVAL, err,
                   "ledger: invalid window attempt");
    SLUICE_TRY(sluice__ledger_begin(l, err));

    SLUICE_TRY(sluice__ledger_cached(l, ST_HISTORY, &st, err));
    sqlite3_bind_int64(st, 1, a->start);
    sqlite3_bind_text(st, 2, l->part, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src != SQLITE_ROW && src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read window", err));
    rc = http_history(
        src == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL,
        a->http, a->n_http, &http);
    sqlite3_reset(st);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");

    SLUICE_TRY(sluice__ledger_cached(l, ST_UPSERT, &st, err));
    sqlite3_bind_int64(st, 1, a->start);
    sqlite3_bind_int64(st, 2, a->end_excl);
    sqlite3_bind_text(st, 3, sluice__ledger_status_name(status), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, a->requests);
    sqlite3_bind_text(st, 5, http.p, (int)http.n, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)a->rows);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)a->bytes_in);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)a->bytes_out);
    if (a->output)
        sqlite3_bind_text(st, 9, a->output, -1, SQLITE_STATIC);
    if (a->error && status != SLUICE_LEDGER_DONE)
        sqlite3_bind_text(st, 10, a->error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, sluice__ledger_now(l));
    if (l->run_id)
        sqlite3_bind_int64(st, 12, l->run_id);
    sqlite3_bind_text(st, 13, l->part, -1, SQLITE_STATIC);
    src = sqlite3_step(st);
    sqlite3_reset(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "mark window", err));
    SLUICE_TRY(sluice__ledger_commit(l, err));
out:
    if (rc != SLUICE_OK)
        sluice__ledger_rollback(l);
    sluice__buf_cleanup(&http);
    return rc;
}

int sluice__ledger_mark_done(struct sluice_ledger *l,
                             const struct sluice_ledger_attempt *a,
                             struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_mark(l, SLUICE_LEDGER_DONE, a, err);
    return mark(l, SLUICE_LEDGER_DONE, a, err);
}

int sluice__ledger_mark_failed(struct sluice_ledger *l,
                               const struct sluice_ledger_attempt *a,
                               struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_mark(l, SLUICE_LEDGER_FAILED, a, err);
    return mark(l, SLUICE_LEDGER_FAILED, a, err);
}

int sluice__ledger_mark_pending(struct sluice_ledger *l, int64_t start,
                                int64_t end_excl, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_pending(l, start, end_excl, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_check_file(l, err));
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "INSERT INTO windows (part, start, end_excl) VALUES (?3, ?1, ?2)"
        " ON CONFLICT (part, start) DO UPDATE SET status = 'pending',"
        " end_excl = ?2",
        &st, err));
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, end_excl);
    sqlite3_bind_text(st, 3, l->part, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "mark window", err));
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_status(struct sluice_ledger *l, int64_t start,
                          enum sluice_ledger_status *out,
                          struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "a window lookup", err);
    sqlite3_stmt *st;
    int rc = sluice__ledger_cached(l, ST_STATUS, &st, err);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_text(st, 2, l->part, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW)
        *out = parse_status(sqlite3_column_text(st, 0));
    else if (src == SQLITE_DONE)
        *out = SLUICE_LEDGER_UNKNOWN;
    else
        rc = sluice__ledger_sqlfail(l, src, "read window", err);
    sqlite3_reset(st);
    return rc;
}

struct sluice_ledger_cursor {
    struct sluice_ledger *l;
    sqlite3_stmt *st;
    bool have;  /* `start`/`status` hold the current row */
    bool ended; /* no rows left */
    int64_t start;
    enum sluice_ledger_status status;
};

int sluice__ledger_cursor_open(struct sluice_ledger *l, int64_t from,
                               struct sluice_ledger_cursor **out,
                               struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "the due walk", err);
    int rc = SLUICE_OK;
    struct sluice_ledger_cursor *c = sluice__calloc(1, sizeof *c);
    *out = NULL;
    SLUICE_FAIL_IF(!c, SLUICE_ENOMEM, err, "out of memory");
    c->l = l;
    /* The primary key's order is (part, start): the walk needs no sort.
     * The statement copies the part (SQLITE_TRANSIENT): the handle's may
     * change while the cursor lives. */
    SLUICE_TRY(sluice__ledger_prepare(l,
                                      "SELECT start, status FROM windows"
                                      " WHERE part = ?2 AND start >= ?1"
                                      " ORDER BY start",
                                      &c->st, err));
    sqlite3_bind_int64(c->st, 1, from);
    sqlite3_bind_text(c->st, 2, l->part, -1, SQLITE_TRANSIENT);
    *out = c;
    c = NULL;
out:
    sluice__ledger_cursor_close(c);
    return rc;
}

int sluice__ledger_cursor_status(struct sluice_ledger_cursor *c, int64_t start,
                                 enum sluice_ledger_status *st,
                                 struct sluice_err *err)
{
    while (!c->ended && (!c->have || c->start < start)) {
        int src = sqlite3_step(c->st);
        if (src == SQLITE_DONE) {
            c->ended = true;
            c->have = false;
        } else if (src == SQLITE_ROW) {
            c->have = true;
            c->start = sqlite3_column_int64(c->st, 0);
            c->status = parse_status(sqlite3_column_text(c->st, 1));
        } else {
            return sluice__ledger_sqlfail(c->l, src, "read windows", err);
        }
    }
    *st = c->have && c->start == start ? c->status : SLUICE_LEDGER_UNKNOWN;
    return SLUICE_OK;
}

void sluice__ledger_cursor_close(struct sluice_ledger_cursor *c)
{
    if (!c)
        return;
    sqlite3_finalize(c->st);
    sluice__free(c);
}

#define WINDOW_COLUMNS                                                         \
    "start, end_excl, status, attempts, http, rows, bytes_in, bytes_out,"      \
    " output, error, coalesce(first_attempt, 0), coalesce(last_attempt, 0),"   \
    " coalesce(run_id, 0), part"

static int read_window(sqlite3_stmt *st, struct sluice_ledger_window *w)
{
    bool oom = false;
    memset(w, 0, sizeof *w);
    w->start = sqlite3_column_int64(st, 0);
    w->end_excl = sqlite3_column_int64(st, 1);
    w->status = parse_status(sqlite3_column_text(st, 2));
    w->attempts = (uint64_t)sqlite3_column_int64(st, 3);
    w->http = sluice__ledger_col_dup(st, 4, &oom);
    w->rows = (uint64_t)sqlite3_column_int64(st, 5);
    w->bytes_in = (uint64_t)sqlite3_column_int64(st, 6);
    w->bytes_out = (uint64_t)sqlite3_column_int64(st, 7);
    w->output = sluice__ledger_col_dup(st, 8, &oom);
    w->error = sluice__ledger_col_dup(st, 9, &oom);
    w->first_attempt = sqlite3_column_int64(st, 10);
    w->last_attempt = sqlite3_column_int64(st, 11);
    w->run_id = sqlite3_column_int64(st, 12);
    w->part = sluice__ledger_col_dup(st, 13, &oom);
    if (oom) {
        sluice__ledger_window_cleanup(w);
        return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

/* The window the prepared, bound `st` selects (its first row), if any;
 * finalizes st. */
static int fetch_window(struct sluice_ledger *l, sqlite3_stmt *st,
                        struct sluice_ledger_window *w, bool *found,
                        struct sluice_err *err)
{
    int rc = SLUICE_OK;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        rc = read_window(st, w);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
        *found = true;
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read window", err));
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_window_get(struct sluice_ledger *l, int64_t start,
                              struct sluice_ledger_window *w, bool *found,
                              struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "a window lookup", err);
    sqlite3_stmt *st = NULL;
    memset(w, 0, sizeof *w);
    *found = false;
    int rc = sluice__ledger_prepare(
        l, "SELECT " WINDOW_COLUMNS " FROM windows WHERE part = ?2 AND start = ?1",
        &st, err);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_text(st, 2, l->part, -1, SQLITE_STATIC);
    return fetch_window(l, st, w, found, err);
}

void sluice__ledger_window_cleanup(struct sluice_ledger_window *w)
{
    sluice__free(w->http);
    sluice__free(w->output);
    sluice__free(w->error);
    sluice__free(w->part);
    w->http = w->output = w->error = w->part = NULL;
}

int sluice__ledger_window_last(struct sluice_ledger *l, int64_t max_start,
                               struct sluice_ledger_window *w, bool *found,
                               struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "a window lookup", err);
    sqlite3_stmt *st = NULL;
    memset(w, 0, sizeof *w);
    *found = false;
    int rc = sluice__ledger_prepare(l,
                                    "SELECT " WINDOW_COLUMNS
                                    " FROM windows WHERE part = ?2 AND"
                                    " start <= ?1 ORDER BY start DESC LIMIT 1",
                                    &st, err);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_bind_int64(st, 1, max_start);
    sqlite3_bind_text(st, 2, l->part, -1, SQLITE_STATIC);
    return fetch_window(l, st, w, found, err);
}

int sluice__ledger_last_per_part(struct sluice_ledger *l, int64_t max_start,
                                 sluice_ledger_window_fn fn, void *ud,
                                 struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "a window lookup", err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    struct sluice_ledger_window w;
    memset(&w, 0, sizeof w);
    /* SQLite's bare columns with max(): each row is the one holding its
     * group's greatest start (documented behaviour of min/max aggregates). */
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "SELECT start, end_excl, status, attempts, http, rows, bytes_in,"
        " bytes_out, output, error, coalesce(first_attempt, 0),"
        " coalesce(last_attempt, 0), coalesce(run_id, 0), part, max(start)"
        " FROM windows WHERE start <= ?1 GROUP BY part",
        &st, err));
    sqlite3_bind_int64(st, 1, max_start);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        rc = read_window(st, &w);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
        rc = fn(ud, &w);
        sluice__ledger_window_cleanup(&w);
        SLUICE_TRY(rc);
    }
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read windows", err));
out:
    sluice__ledger_window_cleanup(&w);
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_failed(struct sluice_ledger *l, size_t max,
                          struct sluice_ledger_window_list *out,
                          struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_failed(l, max, out, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    out->v = NULL;
    out->n = 0;
    SLUICE_TRY(sluice__ledger_prepare(l,
                                      "SELECT " WINDOW_COLUMNS
                                      " FROM windows WHERE status = 'failed'"
                                      " ORDER BY part, start LIMIT ?1",
                                      &st, err));
    sqlite3_bind_int64(st, 1, max ? (sqlite3_int64)max : -1);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct sluice_ledger_window *v =
            sluice__grow(out->v, &cap, out->n + 1, sizeof *v, 16);
        SLUICE_FAIL_IF(!v, SLUICE_ENOMEM, err, "out of memory");
        out->v = v;
        rc = read_window(st, &out->v[out->n]);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
        out->n++;
    }
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read windows", err));
out:
    sqlite3_finalize(st);
    if (rc != SLUICE_OK)
        sluice__ledger_window_list_cleanup(out);
    return rc;
}

void sluice__ledger_window_list_cleanup(struct sluice_ledger_window_list *list)
{
    for (size_t i = 0; list->v && i < list->n; i++)
        sluice__ledger_window_cleanup(&list->v[i]);
    sluice__free(list->v);
    list->v = NULL;
    list->n = 0;
}

static int counts(struct sluice_ledger *l, bool all, int64_t from, int64_t to,
                  struct sluice_ledger_counts *c, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    memset(c, 0, sizeof *c);
    SLUICE_TRY(sluice__ledger_prepare(l,
                                      "SELECT status, count(*) FROM windows"
                                      " WHERE start >= ?1 AND start < ?2"
                                      " AND (?4 OR part = ?3)"
                                      " GROUP BY status",
                                      &st, err));
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_text(st, 3, l->part, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, all);
    int src;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t k = (uint64_t)sqlite3_column_int64(st, 1);
        switch (parse_status(sqlite3_column_text(st, 0))) {
        case SLUICE_LEDGER_PENDING:
            c->pending += k;
            break;
        case SLUICE_LEDGER_DONE:
            c->done += k;
            break;
        case SLUICE_LEDGER_FAILED:
            c->failed += k;
            break;
        default:
            break;
        }
        c->total += k;
    }
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "count windows", err));
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_counts(struct sluice_ledger *l, int64_t from, int64_t to,
                          struct sluice_ledger_counts *c,
                          struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_counts(l, false, from, to, c, err);
    return counts(l, false, from, to, c, err);
}

int sluice__ledger_counts_all(struct sluice_ledger *l, int64_t from,
                              int64_t to, struct sluice_ledger_counts *c,
                              struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_counts(l, true, from, to, c, err);
    return counts(l, true, from, to, c, err);
}

int sluice__ledger_watermark(struct sluice_ledger *l, int64_t from,
                             int64_t *watermark, bool *has,
                             struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_watermark(l, from, watermark, has, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    *has = false;
    *watermark = 0;
    SLUICE_TRY(sluice__ledger_prepare(l,
                                      "SELECT start, end_excl, status FROM"
                                      " windows WHERE part = ?2 AND"
                                      " start >= ?1 ORDER BY start",
                                      &st, err));
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_text(st, 2, l->part, -1, SQLITE_STATIC);
    int src;
    /* The walk stops at the first window that is not done or does not
     * start where the previous one ended (the plan's first at `from`). */
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t start = sqlite3_column_int64(st, 0);
        if (parse_status(sqlite3_column_text(st, 2)) != SLUICE_LEDGER_DONE ||
            start != (*has ? *watermark : from))
            break;
        *watermark = sqlite3_column_int64(st, 1);
        *has = true;
    }
    if (src != SQLITE_DONE && src != SQLITE_ROW)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read windows", err));
out:
    sqlite3_finalize(st);
    return rc;
}
