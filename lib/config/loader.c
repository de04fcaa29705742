/* loader.c: the job loader's helpers: positioned errors (redacted), the
 * check for unknown keys (with a suggestion), and typed reads of fields
 * with ${VAR} expansion. See loader.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/env_expand.h"
#include "config/loader.h"
#include "config/units.h"
#include "plan/template.h"

int sluice__cfg_fail(struct loader *L, const struct sluice_ymark *m,
                     const char *path, const char *fmt, ...)
{
    char body[SLUICE_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    char *safe = sluice__redact_dup(L->job->secrets, body);
    if (!safe)
        return SLUICE_ENOMEM;
    /* a resource's fields are named inside it: resources[1].source.url */
    const char *pre = L->field_prefix ? L->field_prefix : "";
    const char *dot = L->field_prefix && *path ? "." : "";
    if (m->line)
        sluice__err_set(L->err, "%s:%u:%u: %s%s%s: %s", m->origin, m->line,
                        m->col, pre, dot, path, safe);
    else
        sluice__err_set(L->err, "%s: %s%s%s: %s", m->origin, pre, dot, path,
                        safe);
    sluice__free(safe);
    return SLUICE_EJOB;
}

/* "parent.key" into dst (PATH_MAX_LEN bytes), cut if too long: a path only
 * labels a message. */
void sluice__cfg_join(char *dst, const char *parent, const char *key)
{
    size_t n = 0;
    const char *parts[3] = {parent, parent && *parent ? "." : "", key};
    for (size_t i = 0; i < 3; i++)
        for (const char *c = parts[i]; c && *c && n < PATH_MAX_LEN - 1; c++)
            dst[n++] = *c;
    dst[n] = '\0';
}

/* ---- unknown keys ------------------------------------------------------ */

static size_t edit_distance(const char *a, const char *b)
{
    size_t an = strlen(a), bn = strlen(b);
    size_t row[33];
    if (an > 32 || bn > 32)
        return SIZE_MAX;
    for (size_t j = 0; j <= bn; j++)
        row[j] = j;
    for (size_t i = 1; i <= an; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= bn; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[bn];
}

int sluice__cfg_check_keys(struct loader *L, const struct sluice_ynode *map,
                           const char *path, const char *const *allowed,
                           size_t n_allowed)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct sluice_yentry *e = &map->entries[i];
        const char *best = NULL;
        size_t best_d = 3; /* suggest only close matches */
        bool known = false;
        for (size_t k = 0; k < n_allowed && !known; k++) {
            known = !strcmp(e->key, allowed[k]);
            size_t d = edit_distance(e->key, allowed[k]);
            if (d < best_d && d < strlen(allowed[k])) {
                best_d = d;
                best = allowed[k];
            }
        }
        if (known)
            continue;
        char p[PATH_MAX_LEN];
        sluice__cfg_join(p, path, e->key);
        if (best)
            return sluice__cfg_fail(L, &e->kmark, p,
                                    "unknown field '%s' (did you mean '%s'?)",
                                    e->key, best);
        return sluice__cfg_fail(L, &e->kmark, p, "unknown field '%s'", e->key);
    }
    return SLUICE_OK;
}

/* ---- typed values ------------------------------------------------------ */

static const char *lookup(void *ud, const char *name)
{
    const struct loader *L = ud;
    const char *v =
        L->o->getenv_fn ? L->o->getenv_fn(L->o->getenv_ud, name) : getenv(name);
    return v ? v : sluice__dotenv_get(L->dotenv, name);
}

const char *sluice__cfg_getenv(struct loader *L, const char *name)
{
    return lookup(L, name);
}

/* The expanded text of a scalar (caller frees). *refs counts ${...}. */
int sluice__cfg_scalar_text(struct loader *L, const struct sluice_ynode *node,
                            const char *path, char **out, size_t *refs)
{
    int rc = SLUICE_OK;
    struct sluice_buf b;
    struct sluice_err sub;
    sluice__buf_init(&b, VALUE_MAX);
    *out = NULL;
    if (node->kind != SLUICE_YNODE_SCALAR)
        return sluice__cfg_fail(L, &node->mark, path,
                                "expected a single value, got %s",
                                sluice__ynode_kind_name(node));
    if (strlen(node->text) != node->len)
        return sluice__cfg_fail(L, &node->mark, path,
                                "value contains a NUL byte");
    L->cur_field = path;
    L->cur_mark = &node->mark;
    L->secret_refs = 0;
    rc = sluice__env_expand(node->text, node->len, lookup, L,
                            sluice__cfg_on_value, &b, NULL, &sub);
    if (refs)
        *refs = L->secret_refs;
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &node->mark, path, "%s", sub.msg);
    else if (rc == SLUICE_ETOOBIG)
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "value longer than %u bytes", VALUE_MAX);
    SLUICE_TRY(rc);
    *out = sluice__buf_take(&b, NULL);
    SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__buf_cleanup(&b);
    return rc;
}

/* An optional string field: *out stays NULL when absent or null. */
int sluice__cfg_opt_str(struct loader *L, const struct sluice_ynode *map,
                        const char *key, const char *parent, char **out,
                        const struct sluice_ynode **node_out)
{
    char path[PATH_MAX_LEN];
    const struct sluice_ynode *node = sluice__ynode_get(map, key);
    *out = NULL;
    if (node_out)
        *node_out = node;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    sluice__cfg_join(path, parent, key);
    return sluice__cfg_scalar_text(L, node, path, out, NULL);
}

/* Where to point when a field is missing: its parent mapping, else the
 * document. */
const struct sluice_ymark *
sluice__cfg_missing_at(const struct loader *L, const struct sluice_ynode *map)
{
    return map ? &map->mark : &L->root->mark;
}

int sluice__cfg_req_str(struct loader *L, const struct sluice_ynode *map,
                        const char *key, const char *parent, char **out,
                        const struct sluice_ynode **node_out)
{
    int rc = sluice__cfg_opt_str(L, map, key, parent, out, node_out);
    if (rc == SLUICE_OK && !*out) {
        char path[PATH_MAX_LEN];
        sluice__cfg_join(path, parent, key);
        return sluice__cfg_fail(L, sluice__cfg_missing_at(L, map), path,
                                "required field is missing");
    }
    return rc;
}

/* A section: NULL when absent or null, else it must be a mapping whose
 * keys are all in `allowed`. */
int sluice__cfg_section(struct loader *L, const struct sluice_ynode *parent,
                        const char *key, const char *const *allowed,
                        size_t n_allowed, const struct sluice_ynode **out)
{
    const struct sluice_ynode *node = sluice__ynode_get(parent, key);
    *out = NULL;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(L, &node->mark, key,
                                "expected a mapping, got %s",
                                sluice__ynode_kind_name(node));
    *out = node;
    return allowed ? sluice__cfg_check_keys(L, node, key, allowed, n_allowed)
                   : SLUICE_OK;
}

int sluice__cfg_template_ok(struct loader *L, const struct sluice_ynode *node,
                            const char *path, const char *tpl)
{
    struct sluice_err sub;
    struct sluice_tpl_ctx c = sluice__cfg_tpl_ctx(L);
    int rc = sluice__template_check_ctx(tpl, &c, &sub);
    if (rc == SLUICE_EJOB)
        return sluice__cfg_fail(L, &node->mark, path, "%s", sub.msg);
    return rc;
}

int sluice__cfg_opt_bool(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent, bool *out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    int rc = sluice__cfg_opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    sluice__cfg_join(path, parent, key);
    if (!strcasecmp(s, "true"))
        *out = true;
    else if (!strcasecmp(s, "false"))
        *out = false;
    else
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "expected true or false, got '%s'", s);
    sluice__free(s);
    return rc;
}

/* A choice among names: *idx gets the position of the value in `names`;
 * left alone when the field is absent. */
int sluice__cfg_opt_enum(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent,
                         const char *const *names, size_t n, const char *list,
                         int *idx)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    int rc = sluice__cfg_opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    sluice__cfg_join(path, parent, key);
    size_t i = 0;
    while (i < n && strcasecmp(s, names[i]) != 0)
        i++;
    if (i < n)
        *idx = (int)i;
    else
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "unknown value '%s' (use %s)", s, list);
    sluice__free(s);
    return rc;
}

int sluice__cfg_opt_duration(struct loader *L, const struct sluice_ynode *map,
                             const char *key, const char *parent,
                             int64_t min_ms, int64_t *ms)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    struct sluice_err sub;
    int64_t v = 0;
    sluice__cfg_join(path, parent, key);
    int rc = sluice__cfg_opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    rc = sluice__duration_parse(s, &v, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &node->mark, path, "%s", sub.msg);
    else if (v < min_ms)
        rc = sluice__cfg_fail(L, &node->mark, path, "must be at least %s",
                              min_ms >= 1000 ? "1s" : "1ms");
    else
        *ms = v;
    sluice__free(s);
    return rc;
}

int sluice__cfg_opt_size(struct loader *L, const struct sluice_ynode *map,
                         const char *key, const char *parent, uint64_t min,
                         uint64_t max, uint64_t *bytes)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    struct sluice_err sub;
    uint64_t v = 0;
    sluice__cfg_join(path, parent, key);
    int rc = sluice__cfg_opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    rc = sluice__size_parse(s, &v, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &node->mark, path, "%s", sub.msg);
    else if (v < min && max == UINT64_MAX)
        rc =
            sluice__cfg_fail(L, &node->mark, path, "must be at least %llu byte",
                             (unsigned long long)min);
    else if (v < min || v > max)
        rc = sluice__cfg_fail(
            L, &node->mark, path, "must be from %lluKiB to %lluGiB",
            (unsigned long long)(min >> 10), (unsigned long long)(max >> 30));
    else
        *bytes = v;
    sluice__free(s);
    return rc;
}
