/* job_load_db.c: a database destination in the output section:
 * output.sqlite (a file) or output.postgres (a connection string),
 * output.table, output.write and output.primary_key. Such a job writes no
 * files, so output.path and the file fields are refused beside them; the
 * rules and what each write mode means are in docs/job-file.md ("Database
 * output").
 *
 * The PostgreSQL connection string's password is a secret wherever it
 * stands (URL userinfo, a ?password= parameter, or a password=
 * keyword), so that no message, report or ledger row shows it. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/loader.h"

#define TABLE_PART_MAX 63 /* PostgreSQL's identifier length */

/* A table name: letters, digits, '_' and '$', not starting with a digit;
 * for PostgreSQL one '.' may separate a schema. Plain names need no
 * quoting in the user's own queries, and PostgreSQL would fold anything
 * else differently from what the job says. */
static bool table_name_ok(const char *s, bool allow_schema)
{
    size_t part = 0;
    bool dot = false;
    for (const char *c = s;; c++) {
        if (*c == '.' || *c == '\0') {
            if (part == 0 || part > TABLE_PART_MAX)
                return false;
            if (*c == '\0')
                return true;
            if (dot || !allow_schema)
                return false;
            dot = true;
            part = 0;
            continue;
        }
        bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                     *c == '_';
        bool digit = *c >= '0' && *c <= '9';
        if (!alpha && !(part > 0 && (digit || *c == '$')))
            return false;
        part++;
    }
}

/* The value of keyword `key` in a keyword/value connection string
 * ("host=h password='x y'"), as it stands between its quotes; false when
 * absent. */
static bool conninfo_value(const char *s, const char *key, const char **p,
                           size_t *n)
{
    size_t kn = strlen(key);
    for (const char *c = s; *c;) {
        while (*c == ' ' || *c == '\t')
            c++;
        const char *k = c;
        while (*c && *c != '=' && *c != ' ')
            c++;
        size_t this_n = (size_t)(c - k);
        while (*c == ' ')
            c++;
        if (*c != '=')
            return false; /* not keyword/value text */
        c++;
        while (*c == ' ')
            c++;
        const char *v = c;
        if (*c == '\'') {
            v = ++c;
            while (*c && *c != '\'')
                c += c[0] == '\\' && c[1] ? 2 : 1;
        } else {
            while (*c && *c != ' ' && *c != '\t')
                c++;
        }
        if (this_n == kn && !memcmp(k, key, kn)) {
            *p = v;
            *n = (size_t)(c - v);
            return true;
        }
        if (*c == '\'')
            c++;
    }
    return false;
}

/* A password as written (percent-encoded in a URI), and as libpq decodes
 * it, which is what a message could show. */
static int add_password(struct loader *L, const struct sluice_ymark *m,
                        const char *field,
                        const char *p, size_t n)
{
    int rc = sluice__cfg_add_secret(L, m, field, p, n);
    if (rc != SLUICE_OK || !memchr(p, '%', n))
        return rc;
    char *dec = sluice__malloc(n + 1);
    if (!dec)
        return SLUICE_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = i + 2 < n && p[i] == '%'
                     ? sluice__hex_digit((unsigned char)p[i + 1])
                     : -1;
        int lo = hi >= 0 ? sluice__hex_digit((unsigned char)p[i + 2]) : -1;
        if (lo >= 0) {
            dec[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dec[k++] = p[i];
        }
    }
    rc = k ? sluice__cfg_add_secret(L, m, field, dec, k)
           : SLUICE_OK;
    sluice__free(dec);
    return rc;
}

/* Every form a password takes in a libpq connection string. */
int sluice__cfg_conninfo_secrets(struct loader *L, const struct sluice_ymark *m,
                                 const char *field, const char *s)
{
    int rc = SLUICE_OK;
    const char *p;
    size_t n;
    if (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11)) {
        /* user:password@ — the user name is no secret (it is what
         * `status` and the server's messages name), the password is */
        const char *auth = strstr(s, "://") + 3;
        size_t end = strcspn(auth, "/?#");
        const char *at = NULL;
        for (size_t i = 0; i < end; i++)
            if (auth[i] == '@')
                at = auth + i;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon && at > colon + 1)
            SLUICE_TRY(add_password(L, m, field, colon + 1, (size_t)(at - colon - 1)));
        for (const char *q = strchr(s, '?'); q && *q; q++) {
            if ((q[0] == '?' || q[0] == '&') && !strncmp(q + 1, "password=", 9)) {
                p = q + 10;
                n = strcspn(p, "&#");
                if (n)
                    SLUICE_TRY(add_password(L, m, field, p, n));
            }
        }
    } else if (conninfo_value(s, "password", &p, &n) && n) {
        SLUICE_TRY(sluice__cfg_add_secret(L, m, field, p, n));
    }
out:
    return rc;
}

/* output.primary_key: a column name or a list of them. */
static int load_primary_key(struct loader *L, const struct sluice_ynode *out_n)
{
    const struct sluice_ynode *node = sluice__ynode_get(out_n, "primary_key");
    struct sluice_job *job = L->job;
    int rc = SLUICE_OK;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    size_t n = node->kind == SLUICE_YNODE_SEQ ? node->n : 1;
    if (node->kind == SLUICE_YNODE_MAP || n == 0 || n > 32)
        return sluice__cfg_fail(L, &node->mark, "output.primary_key",
                                "expected a column name or a list of 1 to "
                                "32 column names");
    job->output.primary_key = sluice__calloc(n, sizeof(char *));
    SLUICE_FAIL_IF(!job->output.primary_key, SLUICE_ENOMEM, L->err,
                   "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct sluice_ynode *e =
            node->kind == SLUICE_YNODE_SEQ ? node->entries[i].val : node;
        char path[PATH_MAX_LEN], *s = NULL;
        snprintf(path, sizeof path, "output.primary_key[%zu]", i);
        if (e->kind != SLUICE_YNODE_SCALAR)
            return sluice__cfg_fail(L, &e->mark, path,
                                    "expected a column name, got %s",
                                    sluice__ynode_kind_name(e));
        SLUICE_TRY(sluice__cfg_scalar_text(L, e, path, &s, NULL));
        job->output.primary_key[job->output.n_primary_key++] = s;
        if (!*s || !strcmp(s, "_sluice_partition"))
            return sluice__cfg_fail(L, &e->mark, path,
                                    "'%s' cannot be a key column", s);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(job->output.primary_key[k], s))
                return sluice__cfg_fail(L, &e->mark, path,
                                        "'%s' is named twice", s);
    }
out:
    return rc;
}

bool sluice__cfg_output_is_db(const struct sluice_ynode *out_n)
{
    const struct sluice_ynode *a = sluice__ynode_get(out_n, "sqlite");
    const struct sluice_ynode *b = sluice__ynode_get(out_n, "postgres");
    return (a && !sluice__ynode_is_null(a)) || (b && !sluice__ynode_is_null(b));
}

int sluice__cfg_load_db_output(struct loader *L,
                               const struct sluice_ynode *out_n)
{
    /* Fields of files: a database destination has none of them. */
    static const char *const file_only[] = {
        "path", "format", "compression", "row_group_size", "empty",
        "allow_outside", "csv"};
    static const char *const writes[] = {"append", "replace", "merge"};
    struct sluice_job *job = L->job;
    const struct sluice_ynode *lite_n = NULL, *pg_n = NULL, *tab_n = NULL;
    int write = 0, rc = SLUICE_OK;

    for (size_t i = 0; i < SLUICE_ARRAY_LEN(file_only); i++) {
        const struct sluice_ynode *f = sluice__ynode_get(out_n, file_only[i]);
        if (f && !sluice__ynode_is_null(f)) {
            char path[PATH_MAX_LEN];
            sluice__cfg_join(path, "output", file_only[i]);
            return sluice__cfg_fail(
                L, &f->mark, path,
                "not used with a database destination (output.sqlite or "
                "output.postgres): rows go to its table, not to files");
        }
    }
    char *lite = NULL, *pg = NULL;
    SLUICE_TRY(sluice__cfg_opt_str(L, out_n, "sqlite", "output", &lite,
                                   &lite_n));
    rc = sluice__cfg_opt_str(L, out_n, "postgres", "output", &pg, &pg_n);
    if (rc != SLUICE_OK) {
        sluice__free(lite);
        goto out;
    }
    if (lite && pg) {
        sluice__free(lite);
        sluice__free(pg);
        rc = sluice__cfg_fail(L, &pg_n->mark, "output.postgres",
                              "output.sqlite is set too: a job writes to "
                              "one destination");
        goto out;
    }
    job->output.db = lite ? SLUICE_DB_SQLITE : SLUICE_DB_POSTGRES;
    job->output.db_target = lite ? lite : pg;
    const struct sluice_ynode *tgt_n = lite ? lite_n : pg_n;
    const char *field = lite ? "output.sqlite" : "output.postgres";
    if (!*job->output.db_target) {
        rc = sluice__cfg_fail(L, &tgt_n->mark, field, "is empty");
        goto out;
    }
    if (pg)
        SLUICE_TRY(sluice__cfg_conninfo_secrets(L, &pg_n->mark,
                                                "output.postgres", pg));
    if (lite && lite[strlen(lite) - 1] == '/') {
        rc = sluice__cfg_fail(L, &lite_n->mark, field,
                              "'%s' is a folder: name the database file",
                              lite);
        goto out;
    }
    if (lite) {
        /* The folder of the file: the job's schema file goes beside it. */
        const char *slash = strrchr(lite, '/');
        size_t dir = slash ? (size_t)(slash - lite) : 0;
        job->output.folder = dir ? sluice__strndup(lite, dir)
                                 : sluice__strdup(slash ? "/" : ".");
        SLUICE_FAIL_IF(!job->output.folder, SLUICE_ENOMEM, L->err,
                       "out of memory");
    }

    SLUICE_TRY(sluice__cfg_opt_str(L, out_n, "table", "output",
                                   &job->output.table, &tab_n));
    if (!job->output.table) {
        job->output.table = sluice__strdup(job->name);
        SLUICE_FAIL_IF(!job->output.table, SLUICE_ENOMEM, L->err,
                       "out of memory");
        if (!table_name_ok(job->output.table, false)) {
            rc = sluice__cfg_fail(L, &out_n->mark, "output.table",
                                  "the job's name '%s' is not a plain table "
                                  "name: set output.table",
                                  job->name);
            goto out;
        }
    } else if (!table_name_ok(job->output.table, pg != NULL)) {
        rc = sluice__cfg_fail(
            L, &tab_n->mark, "output.table",
            "'%s' is not a plain table name: letters, digits, '_' and '$', "
            "at most %d of them, not starting with a digit%s",
            job->output.table, TABLE_PART_MAX,
            pg ? " (schema.table names a schema)" : "");
        goto out;
    }
    SLUICE_TRY(sluice__cfg_opt_enum(L, out_n, "write", "output", writes, 3,
                                    "append, replace or merge", &write));
    job->output.write = (enum sluice_db_write)write;
    SLUICE_TRY(load_primary_key(L, out_n));
    if (job->output.write == SLUICE_WRITE_MERGE && !job->output.n_primary_key) {
        const struct sluice_ynode *w = sluice__ynode_get(out_n, "write");
        rc = sluice__cfg_fail(L, &w->mark, "output.write",
                              "merge needs output.primary_key: the columns "
                              "that identify a row");
        goto out;
    }
    if (job->output.write != SLUICE_WRITE_MERGE && job->output.n_primary_key) {
        const struct sluice_ynode *k = sluice__ynode_get(out_n, "primary_key");
        rc = sluice__cfg_fail(L, &k->mark, "output.primary_key",
                              "only used with write: merge");
        goto out;
    }
    SLUICE_TRY(sluice__cfg_opt_bool(L, out_n, "flatten", "output",
                                    &job->output.flatten));
out:
    return rc;
}
