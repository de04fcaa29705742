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
#include <unistd.h>

#include "config/dotenv.h"
#include "config/env_expand.h"
#include "config/job.h"
#include "config/loader.h"
#include "config/overrides.h"
#include "config/units.h"
#include "config/yaml_tree.h"
#include "util/fs.h"
#include "plan/template.h"
#include "json/select.h"

/* ---- sections ---------------------------------------------------------- */

static int load_name(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    struct sluice_job *job = L->job;
    int rc = sluice__cfg_opt_str(L, L->root, "name", "", &job->name, &node);
    if (rc != SLUICE_OK)
        return rc;
    if (!job->name) {
        if (L->o->path)
            return sluice__cfg_fail(L, sluice__cfg_missing_at(L, NULL), "name",
                                    "required field is missing");
        job->name = sluice__strdup("pull");
        return job->name ? SLUICE_OK : SLUICE_ENOMEM;
    }
    size_t n = strlen(job->name);
    if (n == 0 || n > NAME_MAX_LEN)
        return sluice__cfg_fail(L, &node->mark, "name",
                                "must be 1 to %d characters", NAME_MAX_LEN);
    for (size_t i = 0; i < n; i++) {
        char c = job->name[i];
        if (!isalnum((unsigned char)c) && c != '-' && c != '_')
            return sluice__cfg_fail(
                L, &node->mark, "name",
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
    sluice__cfg_join(path, "source", key);
    if (!map || sluice__ynode_is_null(map))
        return SLUICE_OK;
    if (map->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(L, &map->mark, path,
                                "expected a mapping, got %s",
                                sluice__ynode_kind_name(map));
    if (map->n > KV_MAX)
        return sluice__cfg_fail(L, &map->mark, path, "more than %d entries",
                                KV_MAX);
    if (map->n == 0)
        return SLUICE_OK;
    *out = sluice__calloc(map->n, sizeof **out);
    if (!*out)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < map->n; i++) {
        const struct sluice_yentry *e = &map->entries[i];
        struct sluice_kv *kv = &(*out)[i];
        size_t refs = 0;
        sluice__cfg_join(field, path, e->key);
        kv->name = sluice__strdup(e->key);
        if (!kv->name)
            return SLUICE_ENOMEM;
        *n_out = i + 1;
        if (sluice__ynode_is_null(e->val))
            return sluice__cfg_fail(
                L, &e->val->mark, field,
                "has no value (write \"\" for an empty one)");
        /* A ${VAR} inside a secret-named field is a secret whatever the
         * variable's name (Authorization: "Bearer ${T}"). */
        bool named = sluice__secret_name(kv->name);
        L->in_secret_field = named;
        int rc = sluice__cfg_scalar_text(L, e->val, field, &kv->value, &refs);
        L->in_secret_field = false;
        if (rc != SLUICE_OK)
            return rc;
        if (named) {
            rc = sluice__cfg_add_secret(L, &e->val->mark, field, kv->value,
                                        strlen(kv->value));
            if (rc != SLUICE_OK)
                return rc;
        }
        kv->secret = refs > 0 || named;
        if (*kv->name == '\0')
            return sluice__cfg_fail(L, &e->kmark, field, "empty name");
        if (headers) {
            for (const char *c = kv->name; *c; c++)
                if (!is_tchar(*c))
                    return sluice__cfg_fail(L, &e->kmark, field,
                                            "'%s' is not a valid header name",
                                            kv->name);
            if (strpbrk(kv->value, "\r\n"))
                return sluice__cfg_fail(
                    L, &e->val->mark, field,
                    "a header value cannot contain a line break");
        }
        rc = sluice__cfg_template_ok(L, e->val, field, kv->value);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int load_url(struct loader *L, const struct sluice_ynode *source)
{
    const struct sluice_ynode *node = NULL;
    char *url = NULL;
    int rc = sluice__cfg_req_str(L, source, "url", "source",
                                 &L->job->source.url, &node);
    if (rc != SLUICE_OK)
        return rc;
    url = L->job->source.url;
    /* Credentials in the URL are secrets, before any message shows it. */
    rc = sluice__cfg_url_userinfo(L, &node->mark, url);
    if (rc != SLUICE_OK)
        return rc;
    size_t skip = 0;
    if (!strncasecmp(url, "https://", 8))
        skip = 8;
    else if (!strncasecmp(url, "http://", 7))
        skip = 7;
    if (!skip)
        return sluice__cfg_fail(
            L, &node->mark, "source.url",
            "'%s': only http:// and https:// URLs are supported", url);
    if (url[skip] == '\0' || url[skip] == '/')
        return sluice__cfg_fail(L, &node->mark, "source.url",
                                "'%s' has no host", url);
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return sluice__cfg_fail(
                L, &node->mark, "source.url",
                "contains a space or control character (encode it "
                "as %%20 and so on)");
    if (strchr(url, '?'))
        return sluice__cfg_fail(
            L, &node->mark, "source.url",
            "put the query string in source.params, not in the URL");
    return sluice__cfg_template_ok(L, node, "source.url", url);
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
        return sluice__cfg_fail(L, &node->mark, "source.records", "'%s': %s",
                                path, sub.msg);
    return rc;
}

static int load_source(struct loader *L)
{
    static const char *const keys[] = {"url",     "params",
                                       "headers", "records",
                                       "record_key_as", "allow_missing",
                                       "method",  "body",    "auth",
                                       "pagination"};
    const struct sluice_ynode *src = NULL, *node = NULL;
    struct sluice_job *job = L->job;
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__cfg_section(L, L->root, "source", keys,
                                   SLUICE_ARRAY_LEN(keys), &src));
    SLUICE_TRY(load_url(L, src));
    SLUICE_TRY(load_kvs(L, src, "params", false, &job->source.params,
                        &job->source.n_params));
    SLUICE_TRY(load_kvs(L, src, "headers", true, &job->source.headers,
                        &job->source.n_headers));
    SLUICE_TRY(sluice__cfg_load_auth(L, src));
    SLUICE_TRY(sluice__cfg_opt_str(L, src, "records", "source",
                                   &job->source.records, &node));
    if (!job->source.records) {
        job->source.records = sluice__strdup("$");
        SLUICE_FAIL_IF(!job->source.records, SLUICE_ENOMEM, L->err,
                       "out of memory");
    } else {
        SLUICE_TRY(records_ok(L, node, job->source.records));
    }
    SLUICE_TRY(sluice__cfg_opt_str(L, src, "record_key_as", "source",
                                   &job->source.record_key_as, &node));
    if (job->source.record_key_as && !*job->source.record_key_as)
        SLUICE_TRY(sluice__cfg_fail(L, &node->mark, "source.record_key_as",
                                    "must not be empty"));
    SLUICE_TRY(sluice__cfg_opt_bool(L, src, "allow_missing", "source",
                                    &job->source.allow_missing));
    SLUICE_TRY(sluice__cfg_load_request(L, src));
    SLUICE_TRY(sluice__cfg_load_pagination(L, src));
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

    SLUICE_TRY(sluice__cfg_section(L, L->root, "windows", keys,
                                   SLUICE_ARRAY_LEN(keys), &win));
    /* No windows: the job's partitions are its other dimensions' (or it is
     * one partition). */
    if (!win)
        goto out;
    L->job->has_windows = true;
    SLUICE_TRY(sluice__cfg_req_str(L, win, "from", "windows", &from, &from_n));
    SLUICE_TRY(sluice__cfg_opt_str(L, win, "to", "windows", &to, &to_n));
    SLUICE_TRY(sluice__cfg_req_str(L, win, "step", "windows", &step, &step_n));
    rc = sluice__time_bound_parse(from, L->o->now, &t_from, &from_time, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &from_n->mark, "windows.from", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__time_bound_parse(to ? to : "today", L->o->now, &t_to, &to_time,
                                  &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &to_n->mark, "windows.to", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__step_parse(step, &st, &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, &step_n->mark, "windows.step", "%s", sub.msg);
    SLUICE_TRY(rc);
    rc = sluice__window_spec_make(t_from, t_to, to_time, st, &L->job->windows,
                                  &sub);
    if (rc == SLUICE_EJOB)
        rc = sluice__cfg_fail(L, to_n ? &to_n->mark : &from_n->mark,
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
    int rc = sluice__cfg_opt_str(L, L->root, "concurrency", "", &s, &node);
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
        rc = sluice__cfg_fail(
            L, &node->mark, "concurrency",
            "expected a whole number from 1 to 1024, got '%s'", s);
    else
        L->job->concurrency = (unsigned)v;
    sluice__free(s);
    return rc;
}

/* workers: a whole number 1..64, or "auto" (0: one per core). */
static int load_workers(struct loader *L)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL;
    int rc = sluice__cfg_opt_str(L, L->root, "workers", "", &s, &node);
    L->job->workers = 0;
    if (rc != SLUICE_OK || !s)
        return rc;
    unsigned long v = 0;
    bool ok = *s != '\0' && strlen(s) <= 2;
    for (const char *c = s; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        v = v * 10 + (unsigned long)(*c - '0');
    }
    if (strcmp(s, "auto") == 0)
        v = 0;
    else if (!ok || v < 1 || v > 64)
        rc = sluice__cfg_fail(
            L, &node->mark, "workers",
            "expected a whole number from 1 to 64 or auto, got '%s'", s);
    L->job->workers = (unsigned)v;
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

/* The length of a URL scheme and its ':' at the start of a path
 * ("s3:", "gs:", "file:"), 0 when there is none. Only followed by a '/'
 * does it count ("s3://b/x", and "s3:/x", a URL missing a slash): a
 * plain local name with a colon ("a:b.csv") is a file name. */
static size_t url_scheme_len(const char *path)
{
    size_t i = 0;
    if (!((path[0] >= 'a' && path[0] <= 'z') ||
          (path[0] >= 'A' && path[0] <= 'Z')))
        return 0;
    while ((path[i] >= 'a' && path[i] <= 'z') ||
           (path[i] >= 'A' && path[i] <= 'Z') ||
           (path[i] >= '0' && path[i] <= '9') || path[i] == '+' ||
           path[i] == '-' || path[i] == '.')
        i++;
    return path[i] == ':' && path[i + 1] == '/' ? i + 1 : 0;
}

/* output.csv: {line_ending: lf | crlf}; only with the csv format. */
static int load_csv(struct loader *L, const struct sluice_ynode *out_n)
{
    static const char *const keys[] = {"line_ending"};
    static const char *const endings[] = {"lf", "crlf"};
    const struct sluice_ynode *csv_n = sluice__ynode_get(out_n, "csv");
    struct sluice_job *job = L->job;
    int ending = 0, rc = SLUICE_OK;
    if (!csv_n || sluice__ynode_is_null(csv_n))
        return SLUICE_OK;
    if (job->output.format != SLUICE_FORMAT_CSV)
        return sluice__cfg_fail(L, &csv_n->mark, "output.csv",
                                "set for a format that is not csv");
    SLUICE_TRY(sluice__cfg_section(L, out_n, "csv", NULL, 0, &csv_n));
    SLUICE_TRY(sluice__cfg_check_keys(L, csv_n, "output.csv", keys, 1));
    SLUICE_TRY(sluice__cfg_opt_enum(L, csv_n, "line_ending", "output.csv",
                                    endings, 2, "lf or crlf", &ending));
    job->output.csv_crlf = ending == 1;
out:
    return rc;
}

static int load_format(struct loader *L, const struct sluice_ynode *out_n,
                       const struct sluice_ynode *path_n);

static int load_output(struct loader *L)
{
    static const char *const keys[] = {
        "path",           "format", "compression",   "flatten",
        "row_group_size", "empty",  "allow_outside", "csv",
        "s3",             "manifest",
        /* a database destination: job_load_db.c */
        "sqlite",         "postgres", "table",         "write",
        "primary_key"};
    const struct sluice_ynode *out_n = NULL, *path_n = NULL;
    struct sluice_job *job = L->job;
    int rc = SLUICE_OK;

    SLUICE_TRY(sluice__cfg_section(L, L->root, "output", keys,
                                   SLUICE_ARRAY_LEN(keys), &out_n));
    if (sluice__cfg_output_is_db(out_n))
        return sluice__cfg_load_db_output(L, out_n);
    static const char *const db_only[] = {"table", "write", "primary_key"};
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(db_only); i++) {
        const struct sluice_ynode *f = sluice__ynode_get(out_n, db_only[i]);
        if (f && !sluice__ynode_is_null(f)) {
            char fpath[PATH_MAX_LEN];
            sluice__cfg_join(fpath, "output", db_only[i]);
            return sluice__cfg_fail(L, &f->mark, fpath,
                                    "only used with a database destination "
                                    "(output.sqlite or output.postgres)");
        }
    }
    SLUICE_TRY(sluice__cfg_req_str(L, out_n, "path", "output",
                                   &job->output.path, &path_n));
    SLUICE_TRY(sluice__cfg_incremental_path(L, path_n));
    /* Checked first: a URL would otherwise become local folders named
     * "s3:" and the bucket. s3:// is the one URL destination. */
    size_t scheme = url_scheme_len(job->output.path);
    SLUICE_TRY(sluice__cfg_opt_bool(L, out_n, "manifest", "output",
                                    &job->output.manifest));
    if (scheme == 3 && strncmp(job->output.path, "s3://", 5) == 0) {
        SLUICE_TRY(sluice__cfg_load_s3(L, out_n, path_n));
    } else if (scheme) {
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "'%s' is a URL (%.*s//), and sluice writes only local files "
            "and s3:// objects: give a local path",
            job->output.path, (int)scheme, job->output.path);
        goto out;
    } else {
        SLUICE_TRY(sluice__cfg_load_s3(L, out_n, path_n)); /* refuses s3: */
    }
    SLUICE_TRY(
        sluice__cfg_template_ok(L, path_n, "output.path", job->output.path));
    /* A job with other dimensions or no windows is checked over its
     * partitions (job_load_paths.c). */
    if (job->has_windows && job->parts.n_dims == 0 &&
        !sluice__template_has_window_field(job->output.path)) {
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "'%s' has no window placeholder such as {start} or "
            "{index}, so every window would overwrite the same file",
            job->output.path);
        goto out;
    }
    SLUICE_TRY(sluice__cfg_load_parquet_output(L, out_n));
    SLUICE_TRY(load_format(L, out_n, path_n));
    SLUICE_TRY(load_csv(L, out_n));
    if (job->output.format == SLUICE_FORMAT_CSV && job->output.flatten) {
        const struct sluice_ynode *fl = sluice__ynode_get(out_n, "flatten");
        rc = sluice__cfg_fail(L, fl ? &fl->mark : &path_n->mark,
                              "output.flatten",
                              "not available for csv: a nested value is "
                              "one column of JSON text");
    }
out:
    return rc;
}

/* output.format, or the path's extension. */
static int load_format(struct loader *L, const struct sluice_ynode *out_n,
                       const struct sluice_ynode *path_n)
{
    const struct sluice_ynode *fmt_n = NULL;
    struct sluice_job *job = L->job;
    char *fmt = NULL;
    int rc = SLUICE_OK;
    SLUICE_TRY(sluice__cfg_opt_str(L, out_n, "format", "output", &fmt, &fmt_n));
    if (fmt) {
        if (!format_from_name(fmt, &job->output.format))
            rc = sluice__cfg_fail(
                L, &fmt_n->mark, "output.format",
                "unknown format '%s' (use ndjson, parquet or csv)", fmt);
        goto out;
    }
    const char *slash = strrchr(job->output.path, '/');
    const char *base = slash ? slash + 1 : job->output.path;
    const char *dot = strrchr(base, '.');
    if (!dot || !format_from_name(dot + 1, &job->output.format))
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "cannot tell the format from '%s': end it in .ndjson, "
            ".jsonl, .parquet or .csv, or set output.format",
            base);
out:
    sluice__free(fmt);
    return rc;
}

static int load_http(struct loader *L)
{
    static const char *const keys[] = {
        "connect_timeout",   "timeout", "low_speed_limit", "low_speed_time",
        "max_response_size", "ca_file", "follow_redirects"};
    /* The order of enum sluice_redirects. */
    static const char *const redirects[] = {"same_origin", "any", "none"};
    const struct sluice_ynode *http = NULL;
    struct sluice_job *job = L->job;
    int64_t connect_ms = SLUICE_HTTP_DEFAULT_CONNECT_TIMEOUT_MS,
            timeout_ms = SLUICE_HTTP_DEFAULT_TIMEOUT_MS,
            low_ms = SLUICE_HTTP_DEFAULT_LOW_SPEED_MS;
    uint64_t low_bytes = SLUICE_HTTP_DEFAULT_LOW_SPEED_BYTES,
             max_resp = 256ULL << 20;
    int rc = SLUICE_OK;

    SLUICE_TRY(sluice__cfg_section(L, L->root, "http", keys,
                                   SLUICE_ARRAY_LEN(keys), &http));
    SLUICE_TRY(sluice__cfg_opt_duration(L, http, "connect_timeout", "http", 1,
                                        &connect_ms));
    SLUICE_TRY(
        sluice__cfg_opt_duration(L, http, "timeout", "http", 0, &timeout_ms));
    SLUICE_TRY(sluice__cfg_opt_size(L, http, "low_speed_limit", "http", 0,
                                    UINT64_MAX, &low_bytes));
    SLUICE_TRY(sluice__cfg_opt_duration(L, http, "low_speed_time", "http", 1000,
                                        &low_ms));
    SLUICE_TRY(sluice__cfg_opt_size(L, http, "max_response_size", "http", 1,
                                    UINT64_MAX, &max_resp));
    job->http.connect_timeout_ms = (long)connect_ms;
    job->http.timeout_ms = (long)timeout_ms;
    job->http.low_speed_bytes = (long)low_bytes;
    job->http.low_speed_secs = (long)((low_ms + 999) / 1000);
    job->http.max_response_bytes = max_resp;
    job->http.insecure = false;
    int follow = SLUICE_REDIRECT_SAME_ORIGIN;
    SLUICE_TRY(sluice__cfg_opt_enum(L, http, "follow_redirects", "http",
                                    redirects, SLUICE_ARRAY_LEN(redirects),
                                    "same_origin, any or none", &follow));
    job->http.follow_redirects = (enum sluice_redirects)follow;
    /* A private CA (corporate proxy, internal API): verification stays on,
     * against this bundle. Relative to the current folder, like output. */
    const struct sluice_ynode *ca_n = NULL;
    SLUICE_TRY(sluice__cfg_opt_str(L, http, "ca_file", "http",
                                   &job->http.ca_file, &ca_n));
    if (job->http.ca_file && access(job->http.ca_file, R_OK) != 0)
        rc = sluice__cfg_fail(L, &ca_n->mark, "http.ca_file",
                              "cannot read '%s'", job->http.ca_file);
out:
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
    rc = sluice__read_file(path, JOB_FILE_MAX, &text, &n, &missing, L->err);
    SLUICE_TRY(rc == SLUICE_ETOOBIG ? SLUICE_EJOB : rc);
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
    if (sluice__ynode_get(L->root, "resources"))
        return sluice__cfg_load_resources(L);
    rc = sluice__cfg_load_fields(L);
out:
    return rc;
}

int sluice__cfg_load_fields(struct loader *L)
{
    static const char *const top[] = {
        "name",       "source", "windows", "concurrency", "output",
        "http",       "rate_limit", "retry", "state",     "lookback",
        "state_lease",
        "columns",    "on_bad_value", "secrets", "partitions",
        "incremental", "resources", "workers"};
    int rc = SLUICE_OK;

    SLUICE_TRY(
        sluice__cfg_check_keys(L, L->root, "", top, SLUICE_ARRAY_LEN(top)));
    /* First: it decides which ${VAR}s of the other fields are secrets. */
    SLUICE_TRY(sluice__cfg_load_secret_vars(L));
    SLUICE_TRY(load_name(L));
    /* The plan before the source: its names are the templates'
     * placeholders. */
    SLUICE_TRY(load_windows(L));
    SLUICE_TRY(sluice__cfg_load_partitions(L));
    SLUICE_TRY(load_source(L));
    SLUICE_TRY(load_concurrency(L));
    SLUICE_TRY(load_workers(L));
    SLUICE_TRY(sluice__cfg_load_incremental(L));
    SLUICE_TRY(load_output(L));
    SLUICE_TRY(sluice__cfg_check_output_paths(L));
    SLUICE_TRY(sluice__cfg_incremental_folder(L));
    SLUICE_TRY(load_http(L));
    SLUICE_TRY(sluice__cfg_load_rate_limit(L));
    SLUICE_TRY(sluice__cfg_load_retry(L));
    SLUICE_TRY(sluice__cfg_load_state(L));
    SLUICE_TRY(sluice__cfg_load_columns(L));
    SLUICE_TRY(sluice__cfg_load_bad_value(L));
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
    sluice__log_init(&L.log, o->log, o->log_ud, SLUICE_LOG_WARN,
                     L.job->secrets);
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
    sluice__free(L.secret_vars);
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
    sluice__free(job->source.url_as_written);
    sluice__auth_cleanup(&job->source.auth);
    kvs_free(job->source.params, job->source.n_params);
    kvs_free(job->source.headers, job->source.n_headers);
    sluice__free(job->source.records);
    sluice__free(job->source.record_key_as);
    sluice__free(job->source.body);
    sluice__cfg_pagination_free(&job->source.pagination);
    sluice__free(job->output.path);
    sluice__free(job->output.path_as_written);
    sluice__incremental_cleanup(&job->incremental);
    sluice__free(job->output.folder);
    sluice__s3_dest_cleanup(job->output.s3);
    sluice__free(job->output.s3);
    sluice__free(job->output.db_target);
    sluice__free(job->output.table);
    for (size_t i = 0; i < job->output.n_primary_key; i++)
        sluice__free(job->output.primary_key[i]);
    sluice__free(job->output.primary_key);
    sluice__free(job->state_path);
    sluice__free(job->http.ca_file);
    sluice__cfg_parts_free(&job->parts);
    for (size_t i = 0; i < job->n_columns; i++)
        sluice__free(job->columns[i].path);
    sluice__free(job->columns);
    /* the resources after the first share its secret set */
    if (!job->first || job->first == job)
        sluice__secrets_free(job->secrets);
    sluice__free(job->resource);
    sluice__job_free(job->next);
    sluice__free(job);
}
