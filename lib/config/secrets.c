/* secrets.c: what in a job is a secret, decided by meaning at load
 * (docs/job-file.md#secrets), and the job's `secrets:` field.
 *
 * A secret is: the whole value of a param or header whose name says so
 * (sluice__secret_name: key, token, secret, password, auth, sig,
 * credential...); the value of a ${VAR} whose name says so, or that the
 * job lists in `secrets:`, wherever it is used (URL path included), and
 * of any ${VAR} inside a secret-named param or header; the password in URL
 * userinfo (`user:pass@`), or the whole userinfo when it is a lone token.
 * Nothing else is: `${REGION:-2024}` is data, and hiding it would rewrite
 * every date in the output.
 *
 * A secret shorter than SECRET_SHORT bytes is hidden only where it stands
 * alone (so that a key "a" does not rewrite "alpha": util/redact.h), and
 * sluice warns at load, naming the field and never the value: such a
 * value can show where it touches other text ("o/abc.ndjson"), and it
 * also stands alone by chance (a `1` as a JSON number). */
#include <stdio.h>
#include <string.h>

#include "config/loader.h"

#define SECRET_SHORT SLUICE_SECRET_SHORT

static bool var_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 128 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

int sluice__cfg_load_secret_vars(struct loader *L)
{
    const struct sluice_ynode *node = sluice__ynode_get(L->root, "secrets");
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind == SLUICE_YNODE_SCALAR)
        return sluice__cfg_fail(
            L, &node->mark, "secrets",
            "expected a list of variable names, e.g. [TENANT, SESSION]");
    if (node->kind != SLUICE_YNODE_SEQ)
        return sluice__cfg_fail(L, &node->mark, "secrets",
                                "expected a list of variable names, got %s",
                                sluice__ynode_kind_name(node));
    L->secret_vars =
        sluice__calloc(node->n ? node->n : 1, sizeof *L->secret_vars);
    if (!L->secret_vars)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < node->n; i++) {
        const struct sluice_ynode *v = node->entries[i].val;
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "secrets[%zu]", i);
        if (v->kind != SLUICE_YNODE_SCALAR || !var_name_ok(v->text, v->len))
            return sluice__cfg_fail(
                L, &v->mark, path,
                "expected a variable name (letters, digits and '_', not "
                "starting with a digit), as in ${NAME}");
        L->secret_vars[L->n_secret_vars++] = v->text;
    }
    return SLUICE_OK;
}

int sluice__cfg_add_secret(struct loader *L, const struct sluice_ymark *m,
                           const char *field, const char *p, size_t n)
{
    size_t before = sluice__secrets_count(L->job->secrets);
    int rc = sluice__secrets_add(L->job->secrets, p, n);
    if (rc != SLUICE_OK)
        return rc;
    /* Once per distinct value: the same key in two fields warns once. */
    if (n > 0 && n < SECRET_SHORT &&
        sluice__secrets_count(L->job->secrets) > before) {
        if (m && m->line)
            SLUICE_LOG(&L->log, SLUICE_LOG_WARN,
                       "%s:%u:%u: %s: a secret of %zu bytes is too short to "
                       "be hidden safely (use at least %d): sluice hides it "
                       "only where it stands alone, as in 'key=value'",
                       m->origin, m->line, m->col, field, n, SECRET_SHORT);
        else
            SLUICE_LOG(&L->log, SLUICE_LOG_WARN,
                       "%s: a secret of %zu bytes is too short to be hidden "
                       "safely (use at least %d): sluice hides it only "
                       "where it stands alone, as in 'key=value'",
                       field, n, SECRET_SHORT);
    }
    return SLUICE_OK;
}

static bool listed(const struct loader *L, const char *name)
{
    for (size_t i = 0; i < L->n_secret_vars; i++)
        if (strcmp(L->secret_vars[i], name) == 0)
            return true;
    return false;
}

int sluice__cfg_on_value(void *ud, const char *name, const char *val, size_t n)
{
    struct loader *L = ud;
    if (!L->in_secret_field && !sluice__secret_name(name) && !listed(L, name))
        return SLUICE_OK;
    L->secret_refs++;
    return sluice__cfg_add_secret(L, L->cur_mark, L->cur_field, val, n);
}

/* Adds p/n as a secret, and its percent-decoded form when that differs
 * (curl decodes userinfo before it builds the Authorization header). */
static int add_encoded(struct loader *L, const struct sluice_ymark *m,
                       const char *p, size_t n)
{
    int rc = sluice__cfg_add_secret(L, m, "source.url", p, n);
    char *dec = rc == SLUICE_OK ? sluice__malloc(n + 1) : NULL;
    if (rc != SLUICE_OK)
        return rc;
    if (!dec)
        return SLUICE_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '%' && i + 2 < n &&
            sluice__hex_digit((unsigned char)p[i + 1]) >= 0 &&
            sluice__hex_digit((unsigned char)p[i + 2]) >= 0) {
            dec[k++] = (char)(sluice__hex_digit((unsigned char)p[i + 1]) * 16 +
                              sluice__hex_digit((unsigned char)p[i + 2]));
            i += 2;
        } else {
            dec[k++] = p[i];
        }
    }
    if (k != n)
        rc = sluice__cfg_add_secret(L, m, "source.url", dec, k);
    sluice__free(dec);
    return rc;
}

int sluice__cfg_url_userinfo(struct loader *L, const struct sluice_ymark *m,
                             const char *url)
{
    const char *auth = strstr(url, "://");
    if (!auth)
        return SLUICE_OK;
    auth += 3;
    size_t end = strcspn(auth, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < end; i++)
        if (auth[i] == '@')
            at = auth + i; /* the last '@' ends the userinfo */
    if (!at)
        return SLUICE_OK;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon) /* a lone token as user name (https://TOKEN@host/) */
        return add_encoded(L, m, auth, (size_t)(at - auth));
    return add_encoded(L, m, colon + 1, (size_t)(at - colon - 1));
}
