/* rates.c: the ledger's memory of learned request rates (ledger.h, "learned
 * rates"): one row per origin in table learned_rates (format 2). A run that
 * learned a rate from a server's 429s stores it at its end; the next run
 * starts from it instead of tripping the limit again to find it. */
#include <sqlite3.h>
#include <math.h>

#include "state/ledger.h"
#include "state/ledger_int.h"

int sluice__ledger_rate_get(struct sluice_ledger *l, const char *origin,
                            double *rate, int64_t *learned,
                            struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_rate_get(l, origin, rate, learned, NULL, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    *rate = 0;
    if (learned)
        *learned = 0;
    SLUICE_TRY(sluice__ledger_prepare(
        l, "SELECT rate, learned FROM learned_rates WHERE origin = ?1", &st,
        err));
    sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *rate = sqlite3_column_double(st, 0);
        if (learned)
            *learned = sqlite3_column_int64(st, 1);
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read learned rate", err));
    }
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_rate_set(struct sluice_ledger *l, const char *origin,
                            double rate, int64_t run_id,
                            struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_rate_set(l, origin, rate, run_id, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    if (!(rate > 0) || !isfinite(rate))
        return SLUICE_OK;
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "INSERT OR REPLACE INTO learned_rates (origin, rate, learned, run_id)"
        " VALUES (?1, ?2, ?3, ?4)",
        &st, err));
    sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, rate);
    sqlite3_bind_int64(st, 3, sluice__ledger_now(l));
    if (run_id)
        sqlite3_bind_int64(st, 4, run_id);
    int src = sqlite3_step(st);
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "store learned rate", err));
out:
    sqlite3_finalize(st);
    return rc;
}

int sluice__ledger_rate_any(struct sluice_ledger *l, char **origin,
                            double *rate, int64_t *learned,
                            struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_rate_get(l, NULL, rate, learned, origin, err);
    int rc = SLUICE_OK;
    sqlite3_stmt *st = NULL;
    bool oom = false;
    *origin = NULL;
    *rate = 0;
    *learned = 0;
    SLUICE_TRY(sluice__ledger_prepare(
        l,
        "SELECT origin, rate, learned FROM learned_rates ORDER BY learned "
        "DESC LIMIT 1",
        &st, err));
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        *origin = sluice__ledger_col_dup(st, 0, &oom);
        *rate = sqlite3_column_double(st, 1);
        *learned = sqlite3_column_int64(st, 2);
    } else if (src != SQLITE_DONE) {
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read learned rate", err));
    }
    SLUICE_FAIL_IF(oom, SLUICE_ENOMEM, err, "out of memory");
out:
    sqlite3_finalize(st);
    return rc;
}
