/* incremental.c: the incremental cursor in the ledger (ledger.h): a column
 * of the runs table (format 2), so the value travels with the run that
 * reached it, and a failed run, which stores none, leaves the last good
 * one in place. */
#include <string.h>

#include "state/ledger_int.h"

int sluice__ledger_cursor_store(struct sluice_ledger *l, int64_t run_id,
                                const char *text, uint64_t missing,
                                struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "the incremental cursor", err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    SLUICE_TRY(sluice__ledger_check_file(l, err));
    SLUICE_TRY(sluice__ledger_prepare(
        l, "UPDATE runs SET cursor = ?2, cursor_missing = ?3 WHERE id = ?1",
        &st, err));
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)missing);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "store the cursor", err));
    SLUICE_FAIL_IF(sqlite3_changes(l->db) != 1, SLUICE_EINVAL, err,
                   "ledger %s: no run %lld", l->path, (long long)run_id);
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_cursor_last(struct sluice_ledger *l, char **text,
                               int64_t *run_id, uint64_t *missing,
                               struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_unsupported(l, "the incremental cursor", err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    *text = NULL;
    *run_id = 0;
    *missing = 0;
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "SELECT id, cursor, cursor_missing FROM runs WHERE cursor IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        &st, err));
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 1);
        *run_id = sqlite3_column_int64(st, 0);
        *missing = (uint64_t)sqlite3_column_int64(st, 2);
        *text = sluice__strdup(t ? t : "");
        SLUICE_FAIL_IF(!*text, SLUICE_ENOMEM, err, "out of memory");
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read the cursor", err));
    }
out:
    sqlite3_finalize(st);
    return rc;
}
