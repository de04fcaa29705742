/* fingerprint.c: what decides a job's windows and requests, stored as
 * name/value items so that a refusal can say what changed ("windows.step
 * changed from 7d to 1d") rather than only that something did.
 *
 * Secrets are never stored. A secret item's value is replaced by
 * PBKDF2-HMAC-SHA-256 of the value, salted with the ledger's random salt
 * and the item's name, 10,000 rounds. Why not a plain SHA-256: API keys
 * can be short or guessable (NASA's DEMO_KEY), and a plain hash of a
 * guessable value is the value, for anyone holding the file. The salt stops
 * precomputed tables and makes equal secrets in two ledgers (or two fields)
 * look different; the rounds make each guess cost ~10,000 HMACs. It cannot
 * make a weak secret strong: the salt sits in the same file, so whoever has
 * the ledger can still try guesses one by one. (docs/internals/state.md) */
#include <stdlib.h>
#include <string.h>

#include "state/ledger_int.h"
#include "util/sha256.h"

#define SECRET_ROUNDS 10000
#define SECRET_PREFIX "pbkdf2-sha256:"
#define SHOWN_MAX 60 /* bytes of a value shown in a diff */

static int by_name(const void *a, const void *b)
{
    const struct sluice_ledger_fp_item *x =
        *(const struct sluice_ledger_fp_item *const *)a;
    const struct sluice_ledger_fp_item *y =
        *(const struct sluice_ledger_fp_item *const *)b;
    return strcmp(x->name, y->name);
}

int sluice__fp_sorted(const struct sluice_ledger_fp_item *items, size_t n,
                      const struct sluice_ledger_fp_item ***out,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_ledger_fp_item **v =
        sluice__calloc(n ? n : 1, sizeof *v);
    SLUICE_FAIL_IF(!v, SLUICE_ENOMEM, err, "out of memory");
    for (size_t i = 0; i < n; i++) {
        SLUICE_FAIL_IF(!items[i].name || !items[i].value, SLUICE_EINVAL, err,
                       "fingerprint: item %zu has no name or value", i);
        v[i] = &items[i];
    }
    qsort(v, n, sizeof *v, by_name);
    for (size_t i = 1; i < n; i++)
        SLUICE_FAIL_IF(strcmp(v[i - 1]->name, v[i]->name) == 0, SLUICE_EINVAL,
                       err, "fingerprint: item %s given twice", v[i]->name);
    *out = v;
    v = NULL;
out:
    sluice__free(v);
    return rc;
}

/* The stored form of a secret: "pbkdf2-sha256:<64 hex digits>". */
static int secret_form(const struct sluice_ledger *l, const char *name,
                       const char *value, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    struct sluice_buf salt;
    unsigned char dk[SLUICE_SHA256_LEN];
    char hex[2 * SLUICE_SHA256_LEN + 1];
    sluice__buf_init(&salt, 4096);
    SLUICE_TRY(sluice__buf_append(&salt, l->salt, sizeof l->salt));
    SLUICE_TRY(sluice__buf_append(&salt, name, strlen(name) + 1));
    sluice__pbkdf2_sha256(value, strlen(value), salt.p, salt.n, SECRET_ROUNDS,
                          dk, sizeof dk);
    sluice__hex(dk, sizeof dk, hex);
    sluice__buf_reset(out);
    SLUICE_TRY(sluice__buf_adds(out, SECRET_PREFIX));
    SLUICE_TRY(sluice__buf_adds(out, hex));
out:
    sluice__buf_cleanup(&salt);
    return rc;
}

/* Appends value, cut to SHOWN_MAX bytes at a character boundary. */
int sluice__fp_shown(struct sluice_buf *b, const char *v)
{
    size_t n = strlen(v);
    if (n <= SHOWN_MAX)
        return sluice__buf_appendf(b, "'%s'", v);
    size_t k = SHOWN_MAX;
    while (k > 0 && ((unsigned char)v[k] & 0xc0) == 0x80)
        k--; /* do not split a UTF-8 sequence */
    return sluice__buf_appendf(b, "'%.*s...'", (int)k, v);
}

static int clause_sep(struct sluice_buf *b)
{
    return b->n ? sluice__buf_adds(b, "; ") : SLUICE_OK;
}

int sluice__ledger_fingerprint_diff(struct sluice_ledger *l,
                                    const struct sluice_ledger_fp_item *items,
                                    size_t n, bool *stored,
                                    struct sluice_buf *diff,
                                    struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_fingerprint_diff(l, items, n, stored, diff, err);
    int rc = SLUICE_OK;
    const struct sluice_ledger_fp_item **v = NULL;
    sqlite3_stmt *st = NULL;
    char *digest = NULL;
    struct sluice_buf form;
    sluice__buf_init(&form, 256);
    sluice__buf_reset(diff);
    *stored = false;
    err->msg[0] = '\0';
    SLUICE_TRY(sluice__fp_sorted(items, n, &v, err));
    SLUICE_TRY(sluice__ledger_meta_get(l, "fingerprint", &digest, err));
    if (!digest)
        goto out;
    *stored = true;
    SLUICE_TRY(sluice__ledger_prepare(
        l, "SELECT name, value, secret FROM fingerprint ORDER BY name", &st,
        err));
    /* A merge of two name-sorted lists (SQLite's BINARY collation and
     * strcmp order bytes alike). */
    size_t i = 0;
    int src = sqlite3_step(st);
    while (src == SQLITE_ROW || i < n) {
        const char *sname =
            src == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        int cmp = !sname ? 1 : i == n ? -1 : strcmp(sname, v[i]->name);
        if (cmp < 0) { /* stored, no longer given */
            SLUICE_TRY(clause_sep(diff));
            SLUICE_TRY(sluice__buf_appendf(diff, "%s removed", sname));
            if (sqlite3_column_int(st, 2))
                SLUICE_TRY(sluice__buf_adds(diff, " (secret)"));
            else {
                SLUICE_TRY(sluice__buf_adds(diff, " (was "));
                SLUICE_TRY(sluice__fp_shown(
                    diff, (const char *)sqlite3_column_text(st, 1)));
                SLUICE_TRY(sluice__buf_addc(diff, ')'));
            }
        } else if (cmp > 0) { /* new */
            SLUICE_TRY(clause_sep(diff));
            SLUICE_TRY(sluice__buf_appendf(diff, "%s added", v[i]->name));
            if (v[i]->secret)
                SLUICE_TRY(sluice__buf_adds(diff, " (secret)"));
            else {
                SLUICE_TRY(sluice__buf_adds(diff, " (= "));
                SLUICE_TRY(sluice__fp_shown(diff, v[i]->value));
                SLUICE_TRY(sluice__buf_addc(diff, ')'));
            }
        } else {
            const char *old = (const char *)sqlite3_column_text(st, 1);
            bool old_secret = sqlite3_column_int(st, 2) != 0;
            const char *now = v[i]->value;
            if (old_secret) {
                SLUICE_TRY(secret_form(l, v[i]->name, now, &form));
                now = form.p;
            }
            if (strcmp(old ? old : "", now) != 0) {
                SLUICE_TRY(clause_sep(diff));
                if (old_secret || v[i]->secret)
                    SLUICE_TRY(sluice__buf_appendf(
                        diff, "%s changed (secret, not shown)", v[i]->name));
                else {
                    SLUICE_TRY(sluice__buf_appendf(diff, "%s changed from ",
                                                   v[i]->name));
                    SLUICE_TRY(sluice__fp_shown(diff, old ? old : ""));
                    SLUICE_TRY(sluice__buf_adds(diff, " to "));
                    SLUICE_TRY(sluice__fp_shown(diff, v[i]->value));
                }
            }
        }
        if (cmp <= 0)
            src = sqlite3_step(st);
        if (cmp >= 0)
            i++;
    }
    if (src != SQLITE_DONE)
        SLUICE_TRY(sluice__ledger_sqlfail(l, src, "read fingerprint", err));
out:
    if (rc != SLUICE_OK && !err->msg[0])
        sluice__err_set(err, "fingerprint: %s", sluice_strerror(rc));
    sqlite3_finalize(st);
    sluice__free(v);
    sluice__free(digest);
    sluice__buf_cleanup(&form);
    return rc;
}

int sluice__ledger_fingerprint_set(struct sluice_ledger *l,
                                   const struct sluice_ledger_fp_item *items,
                                   size_t n, struct sluice_err *err)
{
    if (l->pg)
        return sluice__pgl_fingerprint_set(l, items, n, err);
    int rc = SLUICE_OK;
    const struct sluice_ledger_fp_item **v = NULL;
    sqlite3_stmt *st = NULL;
    struct sluice_buf form;
    struct sluice_sha256 h;
    unsigned char d[SLUICE_SHA256_LEN];
    char hex[2 * SLUICE_SHA256_LEN + 1];
    sluice__buf_init(&form, 256);
    sluice__sha256_init(&h);
    err->msg[0] = '\0';
    SLUICE_TRY(sluice__fp_sorted(items, n, &v, err));
    SLUICE_TRY(sluice__ledger_begin(l, err));
    SLUICE_TRY(sluice__ledger_exec(l, "DELETE FROM fingerprint", err));
    SLUICE_TRY(sluice__ledger_prepare(
        l, "INSERT INTO fingerprint (name, value, secret) VALUES (?1, ?2, ?3)",
        &st, err));
    for (size_t i = 0; i < n; i++) {
        const char *value = v[i]->value;
        if (v[i]->secret) {
            SLUICE_TRY(secret_form(l, v[i]->name, value, &form));
            value = form.p;
        }
        /* The digest is over what is stored, so it is secret-free too. */
        sluice__sha256_update(&h, v[i]->name, strlen(v[i]->name) + 1);
        sluice__sha256_update(&h, value, strlen(value) + 1);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, v[i]->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, v[i]->secret);
        int src = sqlite3_step(st);
        if (src != SQLITE_DONE)
            SLUICE_TRY(
                sluice__ledger_sqlfail(l, src, "store fingerprint", err));
    }
    sluice__sha256_final(&h, d);
    sluice__hex(d, sizeof d, hex);
    SLUICE_TRY(sluice__ledger_meta_set(l, "fingerprint", hex, err));
    SLUICE_TRY(sluice__ledger_commit(l, err));
out:
    if (rc != SLUICE_OK && !err->msg[0])
        sluice__err_set(err, "fingerprint: %s", sluice_strerror(rc));
    sqlite3_finalize(st);
    if (rc != SLUICE_OK)
        sluice__ledger_rollback(l);
    sluice__free(v);
    sluice__buf_cleanup(&form);
    return rc;
}
