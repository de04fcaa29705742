/* job_load.c: turns a job file and --set overrides into a validated struct
 * sluice_job. The steps, each of which can fail with a positioned error:
 * read the file (bounded), build the YAML tree, load the .env beside it,
 * apply the overrides in order, then walk the tree field by field:
 * unknown keys, types, ${VAR} expansion, and each field's own checks. The
 * job's secret set grows as values are expanded, and every error message
 * body is redacted with it before it is stored, so an error can never show
 * a secret (the position prefix is not redacted: it is ours, not the
 * user's). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/dotenv.h"
#include "config/env_expand.h"
#include "config/job.h"
#include "config/overrides.h"
#include "config/units.h"
#include "config/yaml_tree.h"
#include "plan/template.h"
#include "json/select.h"

#define JOB_FILE_MAX (1u << 20) /* a job file is a page, not a data set */
#define VALUE_MAX (64u * 1024)  /* one value after ${...} expansion */
#define NAME_MAX_LEN 64
#define KV_MAX 256       /* params or headers */
#define PATH_MAX_LEN 512 /* "source.params.api_key" and such */
#define COMMAND_LINE "<command line>"

struct loader {
    const struct sluice_job_load_opts *o;
    struct sluice_job *job;
    struct sluice_dotenv *dotenv;
    struct sluice_err *err;
    struct sluice_ynode *root;
};

/* Reports an error about the field `path` at `m`, redacting the body. */
static int fail(struct loader *L, const struct sluice_ymark *m,
                const char *path, const char *fmt, ...) SLUICE_PRINTF(4, 5);
static int fail(struct loader *L, const struct sluice_ymark *m,
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
    if (m->line)
        sluice__err_set(L->err, "%s:%u:%u: %s: %s", m->origin, m->line, m->col,
                        path, safe);
    else
        sluice__err_set(L->err, "%s: %s: %s", m->origin, path, safe);
    sluice__free(safe);
    return SLUICE_EJOB;
}

/* "parent.key" into dst (PATH_MAX_LEN bytes), cut if too long: a path only
 * labels a message. */
static void join(char *dst, const char *parent, const char *key)
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

static int check_keys(struct loader *L, const struct sluice_ynode *map,
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
        join(p, path, e->key);
        if (best)
            return fail(L, &e->kmark, p,
                        "unknown field '%s' (did you mean '%s'?)", e->key,
                        best);
        return fail(L, &e->kmark, p, "unknown field '%s'", e->key);
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

/* The expanded text of a scalar (caller frees). *refs counts ${...}. */
static int scalar_text(struct loader *L, const struct sluice_ynode *node,
                       const char *path, char **out, size_t *refs)
{
    int rc = SLUICE_OK;
    struct sluice_buf b;
    struct sluice_err sub;
    sluice__buf_init(&b, VALUE_MAX);
    *out = NULL;
    if (node->kind != SLUICE_YNODE_SCALAR)
        return fail(L, &node->mark, path, "expected a single value, got %s",
                    sluice__ynode_kind_name(node));
    if (strlen(node->text) != node->len)
        return fail(L, &node->mark, path, "value contains a NUL byte");
    rc = sluice__env_expand(node->text, node->len, lookup, L, L->job->secrets,
                            &b, refs, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &node->mark, path, "%s", sub.msg);
    else if (rc == SLUICE_ETOOBIG)
        rc =
            fail(L, &node->mark, path, "value longer than %u bytes", VALUE_MAX);
    SLUICE_TRY(rc);
    *out = sluice__buf_take(&b, NULL);
    SLUICE_FAIL_IF(!*out, SLUICE_ENOMEM, L->err, "out of memory");
out:
    sluice__buf_cleanup(&b);
    return rc;
}

/* An optional string field: *out stays NULL when absent or null. */
static int opt_str(struct loader *L, const struct sluice_ynode *map,
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
    join(path, parent, key);
    return scalar_text(L, node, path, out, NULL);
}

/* Where to point when a field is missing: its parent mapping, else the
 * document. */
static const struct sluice_ymark *missing_at(const struct loader *L,
                                             const struct sluice_ynode *map)
{
    return map ? &map->mark : &L->root->mark;
}

static int req_str(struct loader *L, const struct sluice_ynode *map,
                   const char *key, const char *parent, char **out,
                   const struct sluice_ynode **node_out)
{
    int rc = opt_str(L, map, key, parent, out, node_out);
    if (rc == SLUICE_OK && !*out) {
        char path[PATH_MAX_LEN];
        join(path, parent, key);
        return fail(L, missing_at(L, map), path, "required field is missing");
    }
    return rc;
}

/* A section: NULL when absent or null, else it must be a mapping whose
 * keys are all in `allowed`. */
static int section(struct loader *L, const struct sluice_ynode *parent,
                   const char *key, const char *const *allowed,
                   size_t n_allowed, const struct sluice_ynode **out)
{
    const struct sluice_ynode *node = sluice__ynode_get(parent, key);
    *out = NULL;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind != SLUICE_YNODE_MAP)
        return fail(L, &node->mark, key, "expected a mapping, got %s",
                    sluice__ynode_kind_name(node));
    *out = node;
    return allowed ? check_keys(L, node, key, allowed, n_allowed) : SLUICE_OK;
}

static int template_ok(struct loader *L, const struct sluice_ynode *node,
                       const char *path, const char *tpl)
{
    struct sluice_err sub;
    int rc = sluice__template_check(tpl, &sub);
    if (rc == SLUICE_EJOB)
        return fail(L, &node->mark, path, "%s", sub.msg);
    return rc;
}

/* ---- sections ---------------------------------------------------------- */

static int load_name(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    struct sluice_job *job = L->job;
    int rc = opt_str(L, L->root, "name", "", &job->name, &node);
    if (rc != SLUICE_OK)
        return rc;
    if (!job->name) {
        if (L->o->path)
            return fail(L, missing_at(L, NULL), "name",
                        "required field is missing");
        job->name = sluice__strdup("pull");
        return job->name ? SLUICE_OK : SLUICE_ENOMEM;
    }
    size_t n = strlen(job->name);
    if (n == 0 || n > NAME_MAX_LEN)
        return fail(L, &node->mark, "name", "must be 1 to %d characters",
                    NAME_MAX_LEN);
    for (size_t i = 0; i < n; i++) {
        char c = job->name[i];
        if (!isalnum((unsigned char)c) && c != '-' && c != '_')
            return fail(L, &node->mark, "name",
                        "'%s': only letters, digits, '-' and '_' are "
                        "allowed",
                        job->name);
    }
    return SLUICE_OK;
}

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int load_kvs(struct loader *L, const struct sluice_ynode *source,
                    const char *key, bool headers, struct sluice_kv **out,
                    size_t *n_out)
{
    char path[PATH_MAX_LEN], field[PATH_MAX_LEN];
    const struct sluice_ynode *map = sluice__ynode_get(source, key);
    join(path, "source", key);
    if (!map || sluice__ynode_is_null(map))
        return SLUICE_OK;
    if (map->kind != SLUICE_YNODE_MAP)
        return fail(L, &map->mark, path, "expected a mapping, got %s",
                    sluice__ynode_kind_name(map));
    if (map->n > KV_MAX)
        return fail(L, &map->mark, path, "more than %d entries", KV_MAX);
    if (map->n == 0)
        return SLUICE_OK;
    *out = sluice__calloc(map->n, sizeof **out);
    if (!*out)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < map->n; i++) {
        const struct sluice_yentry *e = &map->entries[i];
        struct sluice_kv *kv = &(*out)[i];
        size_t refs = 0;
        join(field, path, e->key);
        kv->name = sluice__strdup(e->key);
        if (!kv->name)
            return SLUICE_ENOMEM;
        *n_out = i + 1;
        if (sluice__ynode_is_null(e->val))
            return fail(L, &e->val->mark, field,
                        "has no value (write \"\" for an empty one)");
        int rc = scalar_text(L, e->val, field, &kv->value, &refs);
        if (rc != SLUICE_OK)
            return rc;
        if (sluice__secret_name(kv->name)) {
            rc = sluice__secrets_add(L->job->secrets, kv->value,
                                     strlen(kv->value));
            if (rc != SLUICE_OK)
                return rc;
        }
        kv->secret = refs > 0 || sluice__secret_name(kv->name);
        if (*kv->name == '\0')
            return fail(L, &e->kmark, field, "empty name");
        if (headers) {
            for (const char *c = kv->name; *c; c++)
                if (!is_tchar(*c))
                    return fail(L, &e->kmark, field,
                                "'%s' is not a valid header name", kv->name);
            if (strpbrk(kv->value, "\r\n"))
                return fail(L, &e->val->mark, field,
                            "a header value cannot contain a line break");
        }
        rc = template_ok(L, e->val, field, kv->value);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int load_url(struct loader *L, const struct sluice_ynode *source)
{
    const struct sluice_ynode *node = NULL;
    char *url = NULL;
    int rc = req_str(L, source, "url", "source", &L->job->source.url, &node);
    if (rc != SLUICE_OK)
        return rc;
    url = L->job->source.url;
    size_t skip = 0;
    if (!strncasecmp(url, "https://", 8))
        skip = 8;
    else if (!strncasecmp(url, "http://", 7))
        skip = 7;
    if (!skip)
        return fail(L, &node->mark, "source.url",
                    "'%s': only http:// and https:// URLs are supported", url);
    if (url[skip] == '\0' || url[skip] == '/')
        return fail(L, &node->mark, "source.url", "'%s' has no host", url);
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return fail(L, &node->mark, "source.url",
                        "contains a space or control character (encode it "
                        "as %%20 and so on)");
    if (strchr(url, '?'))
        return fail(L, &node->mark, "source.url",
                    "put the query string in source.params, not in the URL");
    return template_ok(L, node, "source.url", url);
}

/* Compiles the JSONPath once, so a bad one fails at load with a position
 * rather than at the first response. */
static int records_ok(struct loader *L, const struct sluice_ynode *node,
                      const char *path)
{
    static const struct sluice_record_consumer none = {0};
    struct sluice_selector *sel = NULL;
    struct sluice_err sub;
    int rc = sluice__selector_new(path, &none, &sel, &sub);
    sluice__selector_free(sel);
    if (rc == SLUICE_EPATH)
        return fail(L, &node->mark, "source.records", "'%s': %s", path,
                    sub.msg);
    return rc;
}

static int load_source(struct loader *L)
{
    static const char *const keys[] = {"url", "params", "headers", "records",
                                       "record_key_as"};
    const struct sluice_ynode *src = NULL, *node = NULL;
    struct sluice_job *job = L->job;
    int rc = SLUICE_OK;
    SLUICE_TRY(
        section(L, L->root, "source", keys, SLUICE_ARRAY_LEN(keys), &src));
    SLUICE_TRY(load_url(L, src));
    SLUICE_TRY(load_kvs(L, src, "params", false, &job->source.params,
                        &job->source.n_params));
    SLUICE_TRY(load_kvs(L, src, "headers", true, &job->source.headers,
                        &job->source.n_headers));
    SLUICE_TRY(
        opt_str(L, src, "records", "source", &job->source.records, &node));
    if (!job->source.records) {
        job->source.records = sluice__strdup("$");
        SLUICE_FAIL_IF(!job->source.records, SLUICE_ENOMEM, L->err,
                       "out of memory");
    } else {
        SLUICE_TRY(records_ok(L, node, job->source.records));
    }
    SLUICE_TRY(opt_str(L, src, "record_key_as", "source",
                       &job->source.record_key_as, &node));
    if (job->source.record_key_as && !*job->source.record_key_as)
        rc = fail(L, &node->mark, "source.record_key_as", "must not be empty");
out:
    return rc;
}

static int load_windows(struct loader *L)
{
    static const char *const keys[] = {"from", "to", "step"};
    const struct sluice_ynode *win = NULL, *from_n = NULL, *to_n = NULL,
                              *step_n = NULL;
    char *from = NULL, *to = NULL, *step = NULL;
    struct sluice_err sub;
    struct sluice_step st;
    int64_t t_from = 0, t_to = 0;
    bool from_time = false, to_time = false;
    int rc = SLUICE_OK;

    SLUICE_TRY(
        section(L, L->root, "windows", keys, SLUICE_ARRAY_LEN(keys), &win));
    SLUICE_TRY(req_str(L, win, "from", "windows", &from, &from_n));
    SLUICE_TRY(opt_str(L, win, "to", "windows", &to, &to_n));
    SLUICE_TRY(req_str(L, win, "step", "windows", &step, &step_n));
    rc = sluice__time_bound_parse(from, L->o->now, &t_from, &from_time, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &from_n->mark, "windows.from", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__time_bound_parse(to ? to : "today", L->o->now, &t_to, &to_time,
                                  &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &to_n->mark, "windows.to", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__step_parse(step, &st, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &step_n->mark, "windows.step", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__window_spec_make(t_from, t_to, to_time, st, &L->job->windows,
                                  &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, to_n ? &to_n->mark : &from_n->mark,
                  to_n ? "windows.to" : "windows", "%s", sub.msg);
out:
    sluice__free(from);
    sluice__free(to);
    sluice__free(step);
    return rc;
}

static int load_concurrency(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL;
    int rc = opt_str(L, L->root, "concurrency", "", &s, &node);
    L->job->concurrency = 4;
    if (rc != SLUICE_OK || !s)
        return rc;
    unsigned long v = 0;
    bool ok = *s != '\0' && strlen(s) <= 5;
    for (const char *c = s; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        v = v * 10 + (unsigned long)(*c - '0');
    }
    if (!ok || v < 1 || v > 1024)
        rc = fail(L, &node->mark, "concurrency",
                  "expected a whole number from 1 to 1024, got '%s'", s);
    else
        L->job->concurrency = (unsigned)v;
    sluice__free(s);
    return rc;
}

static bool format_from_name(const char *s, enum sluice_output_format *f)
{
    static const struct {
        const char *name;
        enum sluice_output_format f;
    } names[] = {{"ndjson", SLUICE_FORMAT_NDJSON},
                 {"jsonl", SLUICE_FORMAT_NDJSON},
                 {"parquet", SLUICE_FORMAT_PARQUET},
                 {"csv", SLUICE_FORMAT_CSV}};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(names); i++) {
        if (!strcasecmp(s, names[i].name)) {
            *f = names[i].f;
            return true;
        }
    }
    return false;
}

static int opt_bool(struct loader *L, const struct sluice_ynode *map,
                    const char *key, const char *parent, bool *out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    int rc = opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    join(path, parent, key);
    if (!strcasecmp(s, "true"))
        *out = true;
    else if (!strcasecmp(s, "false"))
        *out = false;
    else
        rc = fail(L, &node->mark, path, "expected true or false, got '%s'", s);
    sluice__free(s);
    return rc;
}

/* A choice among names: *idx gets the position of the value in `names`;
 * left alone when the field is absent. */
static int opt_enum(struct loader *L, const struct sluice_ynode *map,
                    const char *key, const char *parent,
                    const char *const *names, size_t n, const char *list,
                    int *idx)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    int rc = opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    join(path, parent, key);
    size_t i = 0;
    while (i < n && strcasecmp(s, names[i]) != 0)
        i++;
    if (i < n)
        *idx = (int)i;
    else
        rc = fail(L, &node->mark, path, "unknown value '%s' (use %s)", s, list);
    sluice__free(s);
    return rc;
}

/* output.compression: a codec name, or {codec: NAME, level: N}. */
static int load_compression(struct loader *L, const struct sluice_ynode *out_n)
{
    static const char *const codecs[] = {"zstd", "snappy", "gzip", "none"};
    static const char *const keys[] = {"codec", "level"};
    static const char *const list = "zstd, snappy, gzip or none";
    const struct sluice_ynode *node = sluice__ynode_get(out_n, "compression");
    const struct sluice_ynode *lvl_n = NULL;
    struct sluice_job *job = L->job;
    char *lvl = NULL;
    int codec = SLUICE_COMPRESS_ZSTD, rc = SLUICE_OK;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind != SLUICE_YNODE_MAP) {
        rc = opt_enum(L, out_n, "compression", "output", codecs, 4, list,
                      &codec);
        job->output.compression = (enum sluice_compression)codec;
        return rc;
    }
    SLUICE_TRY(check_keys(L, node, "output.compression", keys, 2));
    SLUICE_TRY(opt_enum(L, node, "codec", "output.compression", codecs, 4,
                        list, &codec));
    job->output.compression = (enum sluice_compression)codec;
    SLUICE_TRY(opt_str(L, node, "level", "output.compression", &lvl, &lvl_n));
    if (lvl) {
        int max = codec == SLUICE_COMPRESS_ZSTD   ? 22
                  : codec == SLUICE_COMPRESS_GZIP ? 9
                                                  : 0;
        long v = 0;
        bool ok = *lvl && strlen(lvl) <= 2;
        for (const char *c = lvl; ok && *c; c++) {
            ok = *c >= '0' && *c <= '9';
            v = v * 10 + (*c - '0');
        }
        if (!max)
            rc = fail(L, &lvl_n->mark, "output.compression.level",
                      "%s has no level", codecs[codec]);
        else if (!ok || v < 1 || v > max)
            rc = fail(L, &lvl_n->mark, "output.compression.level",
                      "expected a whole number from 1 to %d for %s, got '%s'",
                      max, codecs[codec], lvl);
        else
            job->output.compression_level = (int)v;
    }
out:
    sluice__free(lvl);
    return rc;
}

static int load_parquet_output(struct loader *L,
                               const struct sluice_ynode *out_n)
{
    static const char *const empties[] = {"write", "skip"};
    const struct sluice_ynode *node = NULL;
    struct sluice_job *job = L->job;
    struct sluice_err sub;
    char *s = NULL;
    int empty = 0, rc = SLUICE_OK;
    job->output.row_group_bytes = 128ULL << 20;
    SLUICE_TRY(load_compression(L, out_n));
    SLUICE_TRY(opt_bool(L, out_n, "flatten", "output", &job->output.flatten));
    SLUICE_TRY(opt_enum(L, out_n, "empty", "output", empties, 2,
                        "write or skip", &empty));
    job->output.skip_empty = empty == 1;
    SLUICE_TRY(opt_str(L, out_n, "row_group_size", "output", &s, &node));
    if (s) {
        uint64_t v = 0;
        rc = sluice__size_parse(s, &v, &sub);
        if (rc == SLUICE_EJOB)
            rc = fail(L, &node->mark, "output.row_group_size", "%s", sub.msg);
        else if (v < 1024 || v > (4ULL << 30))
            rc = fail(L, &node->mark, "output.row_group_size",
                      "must be from 1KiB to 4GiB");
        else
            job->output.row_group_bytes = v;
    }
out:
    sluice__free(s);
    return rc;
}

#define COLUMNS_MAX 1024

/* columns: {path: type, ...}, paths like a[].b.c (docs/job-file.md). */
static int load_columns(struct loader *L)
{
    const struct sluice_ynode *map = sluice__ynode_get(L->root, "columns");
    struct sluice_job *job = L->job;
    char field[PATH_MAX_LEN];
    if (!map || sluice__ynode_is_null(map))
        return SLUICE_OK;
    if (map->kind != SLUICE_YNODE_MAP)
        return fail(L, &map->mark, "columns",
                    "expected a mapping of field path to type, got %s",
                    sluice__ynode_kind_name(map));
    if (map->n > COLUMNS_MAX)
        return fail(L, &map->mark, "columns", "more than %d entries",
                    COLUMNS_MAX);
    if (map->n == 0)
        return SLUICE_OK;
    job->columns = sluice__calloc(map->n, sizeof *job->columns);
    if (!job->columns)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < map->n; i++) {
        const struct sluice_yentry *e = &map->entries[i];
        struct sluice_column_decl *d = &job->columns[i];
        size_t bad = 0;
        char *type = NULL;
        join(field, "columns", e->key);
        d->path = sluice__strdup(e->key);
        if (!d->path)
            return SLUICE_ENOMEM;
        job->n_columns = i + 1;
        if (!sluice__tpath_valid(d->path, &bad))
            return fail(L, &e->kmark, field,
                        "'%s' is not a field path (byte %zu): names joined "
                        "by '.', '[]' after a list",
                        d->path, bad);
        if (sluice__ynode_is_null(e->val))
            return fail(L, &e->val->mark, field, "has no type (use %s)",
                        SLUICE_TDECL_NAMES);
        int rc = scalar_text(L, e->val, field, &type, NULL);
        if (rc != SLUICE_OK)
            return rc;
        bool ok = sluice__tdecl_parse(type, &d->type);
        if (!ok)
            rc = fail(L, &e->val->mark, field, "unknown type '%s' (use %s)",
                      type, SLUICE_TDECL_NAMES);
        sluice__free(type);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int load_bad_value(struct loader *L)
{
    static const char *const modes[] = {"null", "fail"};
    int mode = 0;
    int rc = opt_enum(L, L->root, "on_bad_value", "", modes, 2, "null or fail",
                      &mode);
    L->job->bad_value_fail = mode == 1;
    return rc;
}

static int load_output(struct loader *L)
{
    static const char *const keys[] = {"path",    "format",         "compression",
                                       "flatten", "row_group_size", "empty"};
    const struct sluice_ynode *out_n = NULL, *path_n = NULL, *fmt_n = NULL;
    struct sluice_job *job = L->job;
    char *fmt = NULL;
    int rc = SLUICE_OK;

    SLUICE_TRY(
        section(L, L->root, "output", keys, SLUICE_ARRAY_LEN(keys), &out_n));
    SLUICE_TRY(req_str(L, out_n, "path", "output", &job->output.path, &path_n));
    SLUICE_TRY(template_ok(L, path_n, "output.path", job->output.path));
    if (!sluice__template_has_window_field(job->output.path)) {
        rc = fail(L, &path_n->mark, "output.path",
                  "'%s' has no window placeholder such as {start} or "
                  "{index}, so every window would overwrite the same file",
                  job->output.path);
        goto out;
    }
    SLUICE_TRY(load_parquet_output(L, out_n));
    SLUICE_TRY(opt_str(L, out_n, "format", "output", &fmt, &fmt_n));
    if (fmt) {
        if (!format_from_name(fmt, &job->output.format))
            rc = fail(L, &fmt_n->mark, "output.format",
                      "unknown format '%s' (use ndjson or parquet)", fmt);
        else if (job->output.format == SLUICE_FORMAT_CSV)
            rc = fail(L, &fmt_n->mark, "output.format",
                      "csv is not written yet: use ndjson or parquet");
        goto out;
    }
    const char *slash = strrchr(job->output.path, '/');
    const char *base = slash ? slash + 1 : job->output.path;
    const char *dot = strrchr(base, '.');
    if (!dot || !format_from_name(dot + 1, &job->output.format))
        rc = fail(L, &path_n->mark, "output.path",
                  "cannot tell the format from '%s': end it in .ndjson, "
                  ".jsonl or .parquet, or set output.format",
                  base);
    else if (job->output.format == SLUICE_FORMAT_CSV)
        rc = fail(L, &path_n->mark, "output.path",
                  "csv is not written yet: end '%s' in .ndjson, .jsonl or "
                  ".parquet",
                  base);
out:
    sluice__free(fmt);
    return rc;
}

/* One http duration: *ms is left alone when the field is absent. */
static int http_duration(struct loader *L, const struct sluice_ynode *http,
                         const char *key, int64_t min_ms, int64_t *ms)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    struct sluice_err sub;
    int64_t v = 0;
    join(path, "http", key);
    int rc = opt_str(L, http, key, "http", &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    rc = sluice__duration_parse(s, &v, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &node->mark, path, "%s", sub.msg);
    else if (v < min_ms)
        rc = fail(L, &node->mark, path, "must be at least %s",
                  min_ms >= 1000 ? "1s" : "1ms");
    else
        *ms = v;
    sluice__free(s);
    return rc;
}

static int http_size(struct loader *L, const struct sluice_ynode *http,
                     const char *key, uint64_t min, uint64_t *bytes)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    struct sluice_err sub;
    uint64_t v = 0;
    join(path, "http", key);
    int rc = opt_str(L, http, key, "http", &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    rc = sluice__size_parse(s, &v, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &node->mark, path, "%s", sub.msg);
    else if (v < min)
        rc = fail(L, &node->mark, path, "must be at least %llu byte",
                  (unsigned long long)min);
    else
        *bytes = v;
    sluice__free(s);
    return rc;
}

static int load_http(struct loader *L)
{
    static const char *const keys[] = {"connect_timeout", "timeout",
                                       "low_speed_limit", "low_speed_time",
                                       "max_response_size"};
    const struct sluice_ynode *http = NULL;
    struct sluice_job *job = L->job;
    int64_t connect_ms = 10000, timeout_ms = 300000, low_ms = 30000;
    uint64_t low_bytes = 1, max_resp = 256ULL << 20;
    int rc = SLUICE_OK;

    SLUICE_TRY(
        section(L, L->root, "http", keys, SLUICE_ARRAY_LEN(keys), &http));
    SLUICE_TRY(http_duration(L, http, "connect_timeout", 1, &connect_ms));
    SLUICE_TRY(http_duration(L, http, "timeout", 0, &timeout_ms));
    SLUICE_TRY(http_size(L, http, "low_speed_limit", 0, &low_bytes));
    SLUICE_TRY(http_duration(L, http, "low_speed_time", 1000, &low_ms));
    SLUICE_TRY(http_size(L, http, "max_response_size", 1, &max_resp));
    job->http.connect_timeout_ms = (long)connect_ms;
    job->http.timeout_ms = (long)timeout_ms;
    job->http.low_speed_bytes = (long)low_bytes;
    job->http.low_speed_secs = (long)((low_ms + 999) / 1000);
    job->http.max_response_bytes = max_resp;
    job->http.insecure = false;
out:
    return rc;
}

/* ---- rate limits, retries, state ----------------------------------------- */

static int one_rate(struct loader *L, const struct sluice_ynode *node,
                    const char *path)
{
    char *s = NULL;
    struct sluice_err sub;
    struct sluice_job *job = L->job;
    int rc = scalar_text(L, node, path, &s, NULL);
    if (rc != SLUICE_OK)
        return rc;
    if (job->n_rates >= SLUICE_GOVERNOR_BUCKETS) {
        rc = fail(L, &node->mark, path, "at most %d limits",
                  SLUICE_GOVERNOR_BUCKETS);
    } else {
        rc = sluice__rate_parse(s, strlen(s), &job->rates[job->n_rates], &sub);
        if (rc == SLUICE_OK)
            job->n_rates++;
        else
            rc = fail(L, &node->mark, path, "%s (e.g. \"10/second\", "
                      "\"1000/hour\", \"5/s burst 10\")", sub.msg);
    }
    sluice__free(s);
    return rc;
}

/* rate_limit: one spec or a list of them. */
static int load_rate_limit(struct loader *L)
{
    const struct sluice_ynode *node = sluice__ynode_get(L->root, "rate_limit");
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind == SLUICE_YNODE_SCALAR)
        return one_rate(L, node, "rate_limit");
    if (node->kind != SLUICE_YNODE_SEQ)
        return fail(L, &node->mark, "rate_limit",
                    "expected a limit or a list of limits, got %s",
                    sluice__ynode_kind_name(node));
    for (size_t i = 0; i < node->n; i++) {
        char path[PATH_MAX_LEN];
        snprintf(path, sizeof path, "rate_limit[%zu]", i);
        int rc = one_rate(L, node->entries[i].val, path);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

/* A duration field of `section`, in seconds; left alone when absent. */
static int seconds_field(struct loader *L, const struct sluice_ynode *sec,
                         const char *section_name, const char *key,
                         double *out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN], *s = NULL;
    struct sluice_err sub;
    int64_t ms = 0;
    join(path, section_name, key);
    int rc = opt_str(L, sec, key, section_name, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    rc = sluice__duration_parse(s, &ms, &sub);
    if (rc == SLUICE_EJOB)
        rc = fail(L, &node->mark, path, "%s", sub.msg);
    else
        *out = (double)ms / 1000.0;
    sluice__free(s);
    return rc;
}

static int load_retry(struct loader *L)
{
    static const char *const keys[] = {"attempts", "base", "max_delay",
                                       "max_wait"};
    const struct sluice_ynode *sec = NULL, *node = NULL;
    struct sluice_retry_policy *p = &L->job->retry;
    char *s = NULL;
    int rc = SLUICE_OK;
    sluice__retry_policy_default(p);
    SLUICE_TRY(section(L, L->root, "retry", keys, SLUICE_ARRAY_LEN(keys), &sec));
    SLUICE_TRY(opt_str(L, sec, "attempts", "retry", &s, &node));
    if (s) {
        char *end = NULL;
        long v = strtol(s, &end, 10);
        if (!*s || *end || v < 1 || v > 100)
            SLUICE_TRY(fail(L, &node->mark, "retry.attempts",
                            "expected a whole number from 1 to 100 (attempts "
                            "in all, the first included), got '%s'", s));
        p->attempts = (unsigned)v;
    }
    SLUICE_TRY(seconds_field(L, sec, "retry", "base", &p->base));
    SLUICE_TRY(seconds_field(L, sec, "retry", "max_delay", &p->max_delay));
    SLUICE_TRY(seconds_field(L, sec, "retry", "max_wait", &p->max_wait));
out:
    sluice__free(s);
    return rc;
}

static int load_state(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL;
    struct sluice_err sub;
    int64_t ms = 0;
    int rc = opt_str(L, L->root, "state", "", &L->job->state_path, &node);
    if (rc == SLUICE_OK && L->job->state_path && !*L->job->state_path)
        rc = fail(L, &node->mark, "state", "must not be empty");
    if (rc != SLUICE_OK)
        return rc;
    rc = opt_str(L, L->root, "lookback", "", &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    /* "14d" like a window step, or any duration ("36h") */
    struct sluice_step st;
    if (sluice__step_parse(s, &st, &sub) == SLUICE_OK &&
        st.unit != SLUICE_STEP_MONTHS)
        L->job->lookback =
            st.count * (st.unit == SLUICE_STEP_DAYS ? 86400 : 3600);
    else if ((rc = sluice__duration_parse(s, &ms, &sub)) == SLUICE_OK)
        L->job->lookback = ms / 1000;
    else if (rc == SLUICE_EJOB)
        rc = fail(L, &node->mark, "lookback",
                  "expected a duration such as 14d or 36h, got '%s'", s);
    sluice__free(s);
    return rc;
}

/* ---- the document ------------------------------------------------------ */

/* The .env file: beside the job file, else in env_file_dir, else ".". */
static int load_dotenv(struct loader *L)
{
    const char *path = L->o->path;
    struct sluice_buf b;
    int rc = SLUICE_OK;
    sluice__buf_init(&b, 4096 + 6);
    if (path) {
        const char *slash = strrchr(path, '/');
        if (slash)
            SLUICE_TRY(
                sluice__buf_append(&b, path, (size_t)(slash - path) + 1));
    } else if (L->o->env_file_dir && *L->o->env_file_dir) {
        SLUICE_TRY(sluice__buf_adds(&b, L->o->env_file_dir));
        SLUICE_TRY(sluice__buf_addc(&b, '/'));
    }
    SLUICE_TRY(sluice__buf_adds(&b, ".env"));
    rc = sluice__dotenv_load(sluice__buf_str(&b), &L->dotenv, L->err);
out:
    if (rc == SLUICE_ETOOBIG)
        sluice__err_set(L->err, ".env: directory name too long");
    sluice__buf_cleanup(&b);
    return rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc;
}

static int load_tree(struct loader *L)
{
    const char *path = L->o->path;
    struct sluice_ymark none = {.origin = COMMAND_LINE};
    char *text = NULL;
    size_t n = 0;
    bool missing = false;
    int rc = SLUICE_OK;

    if (!path) {
        L->root = sluice__ynode_new(SLUICE_YNODE_MAP, none);
        return L->root ? SLUICE_OK : SLUICE_ENOMEM;
    }
    SLUICE_TRY(sluice__config_read_file(path, JOB_FILE_MAX, &text, &n, &missing,
                                        L->err));
    SLUICE_TRY(sluice__ytree_parse(text, n, path, &L->root, L->err));
    if (sluice__ynode_is_null(L->root)) {
        struct sluice_ymark m = L->root->mark;
        sluice__ynode_free(L->root);
        L->root = sluice__ynode_new(SLUICE_YNODE_MAP, m);
        SLUICE_FAIL_IF(!L->root, SLUICE_ENOMEM, L->err, "out of memory");
    }
    SLUICE_FAIL_IF(L->root->kind != SLUICE_YNODE_MAP, SLUICE_EJOB, L->err,
                   "%s:%u:%u: a job file is a mapping of fields (name: ..., "
                   "source: ...), not %s",
                   path, L->root->mark.line, L->root->mark.col,
                   sluice__ynode_kind_name(L->root));
out:
    sluice__free(text);
    return rc;
}

static int load_all(struct loader *L, char **origins)
{
    static const char *const top[] = {
        "name",       "source", "windows", "concurrency", "output",
        "http",       "rate_limit", "retry", "state",     "lookback",
        "columns",    "on_bad_value"};
    const struct sluice_job_load_opts *o = L->o;
    int rc = SLUICE_OK;

    SLUICE_TRY(load_tree(L));
    SLUICE_TRY(load_dotenv(L));
    for (size_t i = 0; i < o->n_sets; i++) {
        origins[i] = sluice__override_origin(o->sets[i]);
        SLUICE_FAIL_IF(!origins[i], SLUICE_ENOMEM, L->err, "out of memory");
        SLUICE_TRY(
            sluice__override_apply(L->root, o->sets[i], origins[i], L->err));
    }
    SLUICE_TRY(check_keys(L, L->root, "", top, SLUICE_ARRAY_LEN(top)));
    SLUICE_TRY(load_name(L));
    SLUICE_TRY(load_source(L));
    SLUICE_TRY(load_windows(L));
    SLUICE_TRY(load_concurrency(L));
    SLUICE_TRY(load_output(L));
    SLUICE_TRY(load_http(L));
    SLUICE_TRY(load_rate_limit(L));
    SLUICE_TRY(load_retry(L));
    SLUICE_TRY(load_state(L));
    SLUICE_TRY(load_columns(L));
    SLUICE_TRY(load_bad_value(L));
out:
    return rc;
}

int sluice__job_load(const struct sluice_job_load_opts *o,
                     struct sluice_job **out, struct sluice_err *err)
{
    struct loader L = {.o = o, .err = err};
    char **origins = NULL;
    int rc = SLUICE_OK;

    *out = NULL;
    L.job = sluice__calloc(1, sizeof *L.job);
    SLUICE_FAIL_IF(!L.job, SLUICE_ENOMEM, err, "out of memory");
    L.job->secrets = sluice__secrets_new();
    L.job->file = sluice__strdup(o->path ? o->path : COMMAND_LINE);
    origins = sluice__calloc(o->n_sets ? o->n_sets : 1, sizeof *origins);
    SLUICE_FAIL_IF(!L.job->secrets || !L.job->file || !origins, SLUICE_ENOMEM,
                   err, "out of memory");
    rc = load_all(&L, origins);
    if (rc == SLUICE_ENOMEM)
        sluice__err_set(err, "out of memory");
    SLUICE_TRY(rc);
    *out = L.job;
    L.job = NULL;
out:
    sluice__ynode_free(L.root);
    sluice__dotenv_free(L.dotenv);
    for (size_t i = 0; origins && i < o->n_sets; i++)
        sluice__free(origins[i]);
    sluice__free(origins);
    sluice__job_free(L.job);
    return rc;
}

static void kvs_free(struct sluice_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sluice__free(kv[i].name);
        sluice__free(kv[i].value);
    }
    sluice__free(kv);
}

void sluice__job_free(struct sluice_job *job)
{
    if (!job)
        return;
    sluice__free(job->file);
    sluice__free(job->name);
    sluice__free(job->source.url);
    kvs_free(job->source.params, job->source.n_params);
    kvs_free(job->source.headers, job->source.n_headers);
    sluice__free(job->source.records);
    sluice__free(job->source.record_key_as);
    sluice__free(job->output.path);
    sluice__free(job->state_path);
    for (size_t i = 0; i < job->n_columns; i++)
        sluice__free(job->columns[i].path);
    sluice__free(job->columns);
    sluice__secrets_free(job->secrets);
    sluice__free(job);
}
