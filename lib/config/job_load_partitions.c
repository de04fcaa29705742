/* job_load_partitions.c: `partitions:`, the job's dimensions besides the
 * date windows (plan/partition.h), one mapping or a list of them:
 *   {values: [us-east, eu-west], as: region}
 *   {values_from: regions.txt, as: region}   one value a line, the path
 *                                            relative to the job file
 *   {range: {from: 1, to: 100000, step: 1000}, as: [lo, hi]}
 * Each `as` name becomes a placeholder of the job's templates, so this is
 * loaded before any template is checked. Values are distinct, non-empty,
 * at most SLUICE_PART_VALUE_MAX bytes, without control characters (they
 * go into headers and keys); a range's `from` is at most its `to`. The
 * product of the dimensions (times the windows) is at most
 * SLUICE_PART_MAX partitions. The output path is checked over the
 * partitions here too: every dimension must show in it (or {partition} or
 * {index} must), and no two groups may render one path. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/loader.h"
#include "json/pick.h"
#include "plan/outpath.h"
#include "plan/template.h"
#include "util/fs.h"

#define VALUES_FILE_MAX (16u << 20) /* a values_from file */
#define DIMS_MAX 8

static const char *const RESERVED[] = {"start", "end", "end_excl", "index",
                                       "partition"};

struct sluice_tpl_ctx sluice__cfg_tpl_ctx(const struct loader *L)
{
    struct sluice_tpl_ctx c = {&L->job->parts, !L->job->has_windows,
                               SLUICE_TPL_RAW, false, NULL};
    return c;
}

void sluice__cfg_parts_free(struct sluice_part_spec *p)
{
    for (size_t d = 0; d < p->n_dims; d++) {
        struct sluice_part_dim *dim = &p->dims[d];
        for (size_t k = 0; k < dim->n_names; k++)
            sluice__free(dim->names[k]);
        for (size_t k = 0; k < dim->n_values; k++)
            sluice__free(dim->values[k]);
        sluice__free(dim->values);
        sluice__free(dim->from_resource);
        sluice__free(dim->from_path);
    }
    sluice__free(p->dims);
    p->dims = NULL;
    p->n_dims = 0;
}

/* An `as` name: an identifier, not a window placeholder, not another
 * dimension's. */
static int name_ok(struct loader *L, const struct sluice_ynode *n,
                   const char *field, const struct sluice_part_dim *self,
                   const char *name)
{
    const struct sluice_part_spec *p = &L->job->parts;
    bool ok = *name && !(name[0] >= '0' && name[0] <= '9');
    for (const char *c = name; ok && *c; c++)
        ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
             (*c >= '0' && *c <= '9') || *c == '_';
    if (!ok || strlen(name) > 64)
        return sluice__cfg_fail(L, &n->mark, field,
                                "'%s' is not a placeholder name (letters, "
                                "digits and '_', not starting with a digit, "
                                "at most 64)",
                                name);
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(RESERVED); i++)
        if (strcmp(name, RESERVED[i]) == 0)
            return sluice__cfg_fail(L, &n->mark, field,
                                    "'%s' is a placeholder of its own; "
                                    "name the dimension otherwise",
                                    name);
    for (size_t d = 0; d < p->n_dims; d++)
        for (size_t k = 0; &p->dims[d] != self && k < p->dims[d].n_names; k++)
            if (strcmp(p->dims[d].names[k], name) == 0)
                return sluice__cfg_fail(L, &n->mark, field,
                                        "'%s' names another dimension "
                                        "already",
                                        name);
    return SLUICE_OK;
}

static int load_as(struct loader *L, const struct sluice_ynode *map,
                   const char *parent, struct sluice_part_dim *dim, size_t want)
{
    char field[PATH_MAX_LEN];
    const struct sluice_ynode *as = sluice__ynode_get(map, "as");
    int rc = SLUICE_OK;
    sluice__cfg_join(field, parent, "as");
    if (!as || sluice__ynode_is_null(as))
        return sluice__cfg_fail(L, &map->mark, field,
                                "required field is missing (the placeholder "
                                "name%s: as: %s)",
                                want == 1 ? "" : "s",
                                want == 1 ? "region" : "[lo, hi]");
    if (want == 1 && as->kind == SLUICE_YNODE_SCALAR) {
        SLUICE_TRY(sluice__cfg_scalar_text(L, as, field, &dim->names[0], NULL));
        dim->n_names = 1;
        return name_ok(L, as, field, dim, dim->names[0]);
    }
    if (as->kind != SLUICE_YNODE_SEQ || as->n != want)
        return sluice__cfg_fail(L, &as->mark, field, "expected %s",
                                want == 1 ? "one name"
                                          : "a list of two names, [lo, hi]");
    for (size_t k = 0; k < want; k++) {
        SLUICE_TRY(sluice__cfg_scalar_text(L, as->entries[k].val, field,
                                           &dim->names[k], NULL));
        dim->n_names = k + 1;
        SLUICE_TRY(name_ok(L, as->entries[k].val, field, dim, dim->names[k]));
        if (k == 1 && strcmp(dim->names[0], dim->names[1]) == 0)
            return sluice__cfg_fail(L, &as->mark, field,
                                    "the two names must differ");
    }
out:
    return rc;
}

/* Adds one value (taking ownership), refusing what a key, a header or a
 * path cannot hold. `where` names it in messages. */
static int add_value(struct loader *L, struct sluice_part_dim *dim, size_t *cap,
                     char *v, const struct sluice_ymark *m, const char *field,
                     const char *where)
{
    size_t n = strlen(v);
    const char *why = n == 0                      ? "is empty"
                      : n > SLUICE_PART_VALUE_MAX ? "is too long"
                                                  : NULL;
    for (size_t i = 0; !why && i < n; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            why = "holds a control character";
    if (why) {
        int rc = sluice__cfg_fail(
            L, m, field, "%svalue '%.60s' %s%s", where, v, why,
            n > SLUICE_PART_VALUE_MAX ? " (at most 1024 bytes)" : "");
        sluice__free(v);
        return rc;
    }
    char **vs =
        sluice__grow(dim->values, cap, dim->n_values + 1, sizeof *vs, 16);
    if (!vs) {
        sluice__free(v);
        return SLUICE_ENOMEM;
    }
    dim->values = vs;
    dim->values[dim->n_values++] = v;
    return SLUICE_OK;
}

/* Values must be distinct: two equal ones would be one partition twice. A
 * sort of pointers finds them in n log n. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int distinct(struct loader *L, const struct sluice_part_dim *dim,
                    const struct sluice_ymark *m, const char *field)
{
    char **s = sluice__calloc(dim->n_values ? dim->n_values : 1, sizeof *s);
    int rc = SLUICE_OK;
    if (!s)
        return SLUICE_ENOMEM;
    memcpy(s, dim->values, dim->n_values * sizeof *s);
    qsort(s, dim->n_values, sizeof *s, cmp_str);
    for (size_t i = 1; i < dim->n_values && rc == SLUICE_OK; i++)
        if (strcmp(s[i - 1], s[i]) == 0)
            rc = sluice__cfg_fail(L, m, field, "value '%.60s' is listed twice",
                                  s[i]);
    sluice__free(s);
    return rc;
}

static int load_values(struct loader *L, const struct sluice_ynode *vals,
                       const char *field, struct sluice_part_dim *dim)
{
    size_t cap = 0;
    int rc = SLUICE_OK;
    if (vals->kind != SLUICE_YNODE_SEQ)
        return sluice__cfg_fail(L, &vals->mark, field,
                                "expected a list of values, got %s",
                                sluice__ynode_kind_name(vals));
    if (vals->n == 0)
        return sluice__cfg_fail(L, &vals->mark, field,
                                "is empty: a dimension needs a value");
    for (size_t i = 0; i < vals->n; i++) {
        char *v = NULL;
        size_t refs = 0;
        SLUICE_TRY(
            sluice__cfg_scalar_text(L, vals->entries[i].val, field, &v, &refs));
        /* A value is part of a key: it names files and ledger rows, which
         * must never hold a secret. */
        if (refs) {
            sluice__free(v);
            return sluice__cfg_fail(L, &vals->entries[i].val->mark, field,
                                    "a value holds a secret, and values name "
                                    "files and ledger rows: pass the secret "
                                    "in a param or header instead");
        }
        SLUICE_TRY(
            add_value(L, dim, &cap, v, &vals->entries[i].val->mark, field, ""));
    }
    SLUICE_TRY(distinct(L, dim, &vals->mark, field));
out:
    return rc;
}

/* values_from: FILE, relative to the job file's folder. One value a line;
 * blank lines and lines starting with '#' are skipped; a CR before the LF
 * goes. */
static int load_values_from(struct loader *L, const struct sluice_ynode *n,
                            const char *field, struct sluice_part_dim *dim)
{
    char *name = NULL, *text = NULL;
    size_t len = 0, cap = 0;
    bool missing = false;
    struct sluice_buf path;
    struct sluice_err sub;
    char where[600];
    int rc = SLUICE_OK;
    sluice__buf_init(&path, 8192);
    SLUICE_TRY(sluice__cfg_scalar_text(L, n, field, &name, NULL));
    const char *job = L->o->path;
    const char *slash = job ? strrchr(job, '/') : NULL;
    if (name[0] != '/' && slash)
        SLUICE_TRY(sluice__buf_append(&path, job, (size_t)(slash - job) + 1));
    SLUICE_TRY(sluice__buf_adds(&path, name));
    rc =
        sluice__read_file(path.p, VALUES_FILE_MAX, &text, &len, &missing, &sub);
    if (rc != SLUICE_OK && rc != SLUICE_ENOMEM) {
        rc = missing ? sluice__cfg_fail(L, &n->mark, field,
                                        "cannot read '%s': no such file",
                                        path.p)
                     : sluice__cfg_fail(L, &n->mark, field, "%s", sub.msg);
        goto out;
    }
    SLUICE_TRY(rc);
    size_t line = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && text[e] != '\n')
            e++;
        size_t k = e;
        line++;
        if (k > i && text[k - 1] == '\r')
            k--;
        if (k > i && text[i] != '#') {
            SLUICE_FAIL_IF(memchr(text + i, '\0', k - i), SLUICE_EJOB, L->err,
                           "%s:%zu: a value holds a NUL byte", path.p, line);
            char *v = sluice__strndup(text + i, k - i);
            SLUICE_FAIL_IF(!v, SLUICE_ENOMEM, L->err, "out of memory");
            snprintf(where, sizeof where, "%s:%zu: ", path.p, line);
            SLUICE_TRY(add_value(L, dim, &cap, v, &n->mark, field, where));
        }
        i = e + 1;
    }
    SLUICE_FAIL_IF(dim->n_values == 0, SLUICE_EJOB, L->err,
                   "%s:%u:%u: %s: '%s' holds no value (one a line)",
                   n->mark.origin, n->mark.line, n->mark.col, field, path.p);
    SLUICE_TRY(distinct(L, dim, &n->mark, field));
out:
    sluice__free(name);
    sluice__free(text);
    sluice__buf_cleanup(&path);
    return rc;
}

/* A whole decimal number (optional '-'), the full int64 range. */
static int int_field(struct loader *L, const struct sluice_ynode *map,
                     const char *key, const char *parent, bool required,
                     int64_t *out)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL, field[PATH_MAX_LEN];
    int rc = required ? sluice__cfg_req_str(L, map, key, parent, &s, &node)
                      : sluice__cfg_opt_str(L, map, key, parent, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    sluice__cfg_join(field, parent, key);
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    bool digits = s[0] != '\0' && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'));
    if (!digits || *end != '\0' || errno == ERANGE || end == s)
        rc = sluice__cfg_fail(L, &node->mark, field,
                              "expected a whole number, got '%s'", s);
    else
        *out = v;
    sluice__free(s);
    return rc;
}

static int load_range(struct loader *L, const struct sluice_ynode *rn,
                      const char *field, struct sluice_part_dim *dim)
{
    static const char *const keys[] = {"from", "to", "step"};
    int rc = SLUICE_OK;
    dim->step = 1;
    if (rn->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(L, &rn->mark, field,
                                "expected a mapping {from, to, step}, got %s",
                                sluice__ynode_kind_name(rn));
    SLUICE_TRY(sluice__cfg_check_keys(L, rn, field, keys, 3));
    SLUICE_TRY(int_field(L, rn, "from", field, true, &dim->from));
    SLUICE_TRY(int_field(L, rn, "to", field, true, &dim->to));
    SLUICE_TRY(int_field(L, rn, "step", field, false, &dim->step));
    if (dim->step < 1) {
        const struct sluice_ynode *s = sluice__ynode_get(rn, "step");
        return sluice__cfg_fail(L, &s->mark, field,
                                "step must be at least 1, got %" PRId64,
                                dim->step);
    }
    if (dim->from > dim->to) {
        const struct sluice_ynode *t = sluice__ynode_get(rn, "to");
        return sluice__cfg_fail(L, &t->mark, field,
                                "from (%" PRId64 ") is after to (%" PRId64
                                "): the range is empty",
                                dim->from, dim->to);
    }
    dim->count = sluice__part_range_count(dim->from, dim->to, dim->step);
out:
    return rc;
}

/* One more dimension, zeroed, counted now so that sluice__cfg_parts_free
 * releases it whatever fails next. */
static int new_dim(struct loader *L, const struct sluice_ynode *map,
                   const char *field, struct sluice_part_dim **out)
{
    struct sluice_part_spec *p = &L->job->parts;
    if (p->n_dims >= DIMS_MAX)
        return sluice__cfg_fail(L, &map->mark, field, "at most %d dimensions",
                                DIMS_MAX);
    struct sluice_part_dim *dims =
        sluice__realloc(p->dims, (p->n_dims + 1) * sizeof *dims);
    if (!dims)
        return SLUICE_ENOMEM;
    p->dims = dims;
    *out = &p->dims[p->n_dims++];
    memset(*out, 0, sizeof **out);
    return SLUICE_OK;
}

/* Fan-out: `{from_resource: R, path: "$.id", as: x}`, a values dimension
 * with no values until the run reads them from R's records (pipeline/
 * fanout.c). Only inside `resources:`; that R is an earlier resource is
 * checked with the other resources (job_load_resources.c). */
static int load_fanout(struct loader *L, const struct sluice_ynode *map,
                       const char *field, const struct sluice_ynode *res,
                       const struct sluice_ynode *pth)
{
    char sub[PATH_MAX_LEN];
    struct sluice_part_dim *dim = NULL;
    int rc = SLUICE_OK;
    const struct sluice_ynode *other = sluice__ynode_get(map, "values");
    if (!other)
        other = sluice__ynode_get(map, "values_from");
    if (!other)
        other = sluice__ynode_get(map, "range");
    if (other)
        return sluice__cfg_fail(L, &other->mark, field,
                                "give exactly one of values, values_from, "
                                "range and from_resource");
    if (!L->job->resource)
        return sluice__cfg_fail(L, &res->mark, field,
                                "from_resource names another resource of "
                                "the job: it belongs in a resource of "
                                "`resources:`");
    SLUICE_TRY(new_dim(L, map, field, &dim));
    dim->kind = SLUICE_DIM_VALUES;
    SLUICE_TRY(load_as(L, map, field, dim, 1));
    SLUICE_TRY(sluice__cfg_req_str(L, map, "from_resource", field,
                                   &dim->from_resource, NULL));
    if (!pth)
        return sluice__cfg_fail(L, &map->mark, field,
                                "from_resource needs path: the JSONPath of "
                                "the value each record gives (path: \"$.id\")");
    SLUICE_TRY(sluice__cfg_req_str(L, map, "path", field, &dim->from_path,
                                   NULL));
    sluice__cfg_join(sub, field, "path");
    {
        struct sluice_pick *pk = NULL;
        struct sluice_err why = {{0}};
        rc = sluice__pick_new(dim->from_path, &pk, &why);
        sluice__pick_free(pk);
        if (rc == SLUICE_ENOMEM)
            goto out;
        if (rc != SLUICE_OK)
            return sluice__cfg_fail(L, &pth->mark, sub, "%s", why.msg);
    }
out:
    return rc;
}

static int load_dim(struct loader *L, const struct sluice_ynode *map,
                    const char *field)
{
    static const char *const keys[] = {"values", "values_from",   "range",
                                       "as",     "from_resource", "path"};
    struct sluice_part_spec *p = &L->job->parts;
    char sub[PATH_MAX_LEN];
    int rc = SLUICE_OK;
    if (map->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(L, &map->mark, field,
                                "expected a mapping such as {values: [...], "
                                "as: name}, got %s",
                                sluice__ynode_kind_name(map));
    SLUICE_TRY(
        sluice__cfg_check_keys(L, map, field, keys, SLUICE_ARRAY_LEN(keys)));
    const struct sluice_ynode *vals = sluice__ynode_get(map, "values"),
                              *from = sluice__ynode_get(map, "values_from"),
                              *range = sluice__ynode_get(map, "range"),
                              *res = sluice__ynode_get(map, "from_resource");
    const struct sluice_ynode *pth = sluice__ynode_get(map, "path");
    if (pth && !res)
        return sluice__cfg_fail(L, &pth->mark, field,
                                "path belongs with from_resource (the value "
                                "taken from each of its records)");
    if (res)
        return load_fanout(L, map, field, res, pth);
    int kinds = !!vals + !!from + !!range;
    if (kinds != 1)
        return sluice__cfg_fail(L, &map->mark, field,
                                "give exactly one of values, values_from "
                                "and range");
    SLUICE_FAIL_IF(p->n_dims >= DIMS_MAX, SLUICE_EJOB, L->err,
                   "%s:%u:%u: %s: at most %d dimensions", map->mark.origin,
                   map->mark.line, map->mark.col, field, DIMS_MAX);
    struct sluice_part_dim *dims =
        sluice__realloc(p->dims, (p->n_dims + 1) * sizeof *dims);
    SLUICE_FAIL_IF(!dims, SLUICE_ENOMEM, L->err, "out of memory");
    p->dims = dims;
    struct sluice_part_dim *dim = &p->dims[p->n_dims];
    memset(dim, 0, sizeof *dim);
    /* Counted now, so that sluice__cfg_parts_free releases it whatever
     * fails below. */
    dim->kind = range ? SLUICE_DIM_RANGE : SLUICE_DIM_VALUES;
    p->n_dims++;
    SLUICE_TRY(load_as(L, map, field, dim, range ? 2 : 1));
    if (range) {
        sluice__cfg_join(sub, field, "range");
        SLUICE_TRY(load_range(L, range, sub, dim));
    } else if (vals) {
        sluice__cfg_join(sub, field, "values");
        SLUICE_TRY(load_values(L, vals, sub, dim));
        dim->count = dim->n_values;
    } else {
        sluice__cfg_join(sub, field, "values_from");
        SLUICE_TRY(load_values_from(L, from, sub, dim));
        dim->count = dim->n_values;
    }
out:
    return rc;
}

/* The product of the dimensions, and of the windows, within
 * SLUICE_PART_MAX. */
static int count_groups(struct loader *L, const struct sluice_ynode *node)
{
    struct sluice_part_spec *p = &L->job->parts;
    uint64_t groups = 1;
    for (size_t d = 0; d < p->n_dims; d++) {
        groups *= p->dims[d].count;
        if (groups > SLUICE_PART_MAX)
            break;
    }
    uint64_t total = groups;
    if (groups <= SLUICE_PART_MAX && p->windows)
        total = groups * (uint64_t)sluice__window_count(p->windows);
    if (groups > SLUICE_PART_MAX || total > SLUICE_PART_MAX)
        return sluice__cfg_fail(L, &node->mark, "partitions",
                                "the plan would have more than %u "
                                "partitions",
                                SLUICE_PART_MAX);
    p->groups = (size_t)groups;
    return SLUICE_OK;
}

int sluice__cfg_load_partitions(struct loader *L)
{
    const struct sluice_ynode *node = sluice__ynode_get(L->root, "partitions");
    struct sluice_part_spec *p = &L->job->parts;
    char field[PATH_MAX_LEN];
    int rc = SLUICE_OK;
    p->groups = 1;
    p->windows = L->job->has_windows ? &L->job->windows : NULL;
    if (!node || sluice__ynode_is_null(node))
        return SLUICE_OK;
    if (node->kind == SLUICE_YNODE_MAP) {
        SLUICE_TRY(load_dim(L, node, "partitions"));
    } else if (node->kind == SLUICE_YNODE_SEQ) {
        if (node->n == 0)
            return sluice__cfg_fail(L, &node->mark, "partitions",
                                    "is an empty list (leave it out for "
                                    "no other dimension)");
        for (size_t i = 0; i < node->n; i++) {
            snprintf(field, sizeof field, "partitions[%zu]", i);
            SLUICE_TRY(load_dim(L, node->entries[i].val, field));
        }
    } else {
        return sluice__cfg_fail(L, &node->mark, "partitions",
                                "expected a mapping or a list of them, got %s",
                                sluice__ynode_kind_name(node));
    }
    SLUICE_TRY(count_groups(L, node));
out:
    return rc;
}

/* ---- output.path over the partitions ----------------------------------- */

/* The length of the placeholder-free prefix of tpl (`{{`, `}}` are text). */
static size_t fixed_prefix(const char *tpl)
{
    size_t i = 0;
    while (tpl[i]) {
        if ((tpl[i] == '{' || tpl[i] == '}') && tpl[i + 1] == tpl[i]) {
            i += 2;
            continue;
        }
        if (tpl[i] == '{')
            break;
        i++;
    }
    return i;
}

int sluice__cfg_path_folder(struct loader *L, struct sluice_buf *out,
                            struct sluice_err *err)
{
    const char *tpl = L->job->output.path;
    size_t k = fixed_prefix(tpl);
    struct sluice_buf t;
    int rc = SLUICE_OK;
    sluice__buf_init(&t, 1 << 16);
    if (!tpl[k]) {
        rc = sluice__outpath_folder(tpl, out, err);
        goto out;
    }
    /* The folder ends at the last '/' before the first placeholder, of
     * whatever kind: {index} stands in for it. */
    rc = sluice__buf_append(&t, tpl, k);
    if (rc == SLUICE_OK)
        rc = sluice__buf_adds(&t, "{index}");
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "out of memory");
    rc = sluice__outpath_folder(t.p, out, err);
out:
    sluice__buf_cleanup(&t);
    return rc;
}

int sluice__cfg_path_literal(struct loader *L, size_t group,
                             struct sluice_buf *out)
{
    const struct sluice_job *job = L->job;
    const char *tpl = job->output.path;
    struct sluice_tpl_ctx ctx = sluice__cfg_tpl_ctx(L);
    struct sluice_window w;
    struct sluice_buf one;
    struct sluice_err err;
    int rc = SLUICE_OK;
    ctx.escape = SLUICE_TPL_PATH;
    sluice__buf_reset(out);
    sluice__buf_init(&one, 256);
    sluice__part_at(&job->parts, group * sluice__part_windows(&job->parts), &w);
    for (size_t i = 0; tpl[i];) {
        if ((tpl[i] == '{' || tpl[i] == '}') && tpl[i + 1] == tpl[i]) {
            SLUICE_TRY(sluice__buf_append(out, tpl + i, 2));
            i += 2;
            continue;
        }
        if (tpl[i] != '{') {
            SLUICE_TRY(sluice__buf_addc(out, tpl[i++]));
            continue;
        }
        size_t e = i + 1;
        while (tpl[e] && tpl[e] != '}')
            e++;
        size_t name_n = strcspn(tpl + i + 1, ":}");
        if (sluice__part_has_name(&job->parts, tpl + i + 1, name_n)) {
            sluice__buf_reset(&one);
            SLUICE_TRY(sluice__buf_append(&one, tpl + i, e + 1 - i));
            /* Escaped values hold no brace ('{' is %7B): literal text. */
            SLUICE_TRY(sluice__template_expand_ctx(
                one.p, &w, job->windows.step.unit, &ctx, out, &err));
        } else {
            SLUICE_TRY(sluice__buf_append(out, tpl + i, e + 1 - i));
        }
        i = tpl[e] ? e + 1 : e;
    }
    if (!out->p)
        SLUICE_TRY(sluice__buf_append(out, "", 0));
out:
    sluice__buf_cleanup(&one);
    return rc;
}

/* The groups' paths (of their first window), normalised, in a set: two
 * equal ones are two groups writing one file. */
struct path_set {
    char **v;
    size_t *group;
    size_t cap;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h ^ (h >> 31);
}

int sluice__cfg_check_partition_paths(struct loader *L,
                                      const struct sluice_ynode *path_n,
                                      bool *proven)
{
    const struct sluice_job *job = L->job;
    const struct sluice_part_spec *p = &job->parts;
    struct sluice_tpl_ctx ctx = sluice__cfg_tpl_ctx(L);
    struct path_set set = {0};
    struct sluice_buf lit, norm;
    int rc = SLUICE_OK;
    sluice__buf_init(&lit, 1 << 16);
    sluice__buf_init(&norm, 1 << 16);
    *proven = false;
    const char *tpl = job->output.path;
    /* A key is one partition's alone; so is {index}, its number. */
    if ((p->n_dims || !job->has_windows) &&
        (sluice__template_uses(tpl, &ctx, "partition") ||
         sluice__template_uses(tpl, &ctx, "index"))) {
        *proven = true;
        goto out;
    }
    if (p->n_dims == 0) {
        /* one partition, or windows only: their analysis follows */
        *proven = !job->has_windows;
        goto out;
    }
    for (size_t d = 0; d < p->n_dims; d++) {
        bool used = false;
        for (size_t k = 0; k < p->dims[d].n_names; k++)
            used |= sluice__template_uses(tpl, &ctx, p->dims[d].names[k]);
        /* a fan-out's values are known only at run time: many, then */
        if (!used && (p->dims[d].count > 1 || p->dims[d].from_resource)) {
            rc = sluice__cfg_fail(
                L, &path_n->mark, "output.path",
                "'%s' has no {%s}, so every %s would write the same file; "
                "put {%s} (or {partition}, the partition's key) in the path",
                tpl, p->dims[d].names[0], p->dims[d].names[0],
                p->dims[d].names[0]);
            goto out;
        }
    }
    if (p->groups <= 1)
        goto out;
    if (p->groups > SLUICE_OUTPATH_RENDER_MAX) {
        rc = sluice__cfg_fail(L, &path_n->mark, "output.path",
                              "%zu groups of values are too many to compare "
                              "their paths; put {partition} in the path",
                              p->groups);
        goto out;
    }
    set.cap = 1;
    while (set.cap < 2 * p->groups)
        set.cap *= 2;
    set.v = sluice__calloc(set.cap, sizeof *set.v);
    set.group = sluice__calloc(set.cap, sizeof *set.group);
    SLUICE_FAIL_IF(!set.v || !set.group, SLUICE_ENOMEM, L->err,
                   "out of memory");
    for (size_t g = 0; g < p->groups; g++) {
        SLUICE_TRY(sluice__cfg_path_literal(L, g, &lit));
        sluice__buf_reset(&norm);
        SLUICE_TRY(sluice__outpath_normal(lit.p, &norm));
        size_t k = (size_t)hash_str(norm.p) & (set.cap - 1);
        for (; set.v[k]; k = (k + 1) & (set.cap - 1)) {
            if (strcmp(set.v[k], norm.p) != 0)
                continue;
            struct sluice_buf a, b;
            sluice__buf_init(&a, 4096);
            sluice__buf_init(&b, 4096);
            int ra = sluice__part_group_key(p, set.group[k], &a);
            int rb = sluice__part_group_key(p, g, &b);
            if (ra == SLUICE_OK && rb == SLUICE_OK)
                rc = sluice__cfg_fail(
                    L, &path_n->mark, "output.path",
                    "partitions %s and %s would both write '%s' (their "
                    "values run together in the path); separate the "
                    "placeholders, or use {partition}",
                    a.p, b.p, lit.p);
            else
                rc = SLUICE_ENOMEM;
            sluice__buf_cleanup(&a);
            sluice__buf_cleanup(&b);
            goto out;
        }
        set.v[k] = sluice__buf_take(&norm, NULL);
        SLUICE_FAIL_IF(!set.v[k], SLUICE_ENOMEM, L->err, "out of memory");
        set.group[k] = g;
    }
out:
    for (size_t i = 0; set.v && i < set.cap; i++)
        sluice__free(set.v[i]);
    sluice__free(set.v);
    sluice__free(set.group);
    sluice__buf_cleanup(&lit);
    sluice__buf_cleanup(&norm);
    return rc;
}
