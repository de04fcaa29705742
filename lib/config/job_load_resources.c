/* job_load_resources.c: `resources:`, several resources in one job.
 *
 * Each entry of the list is a resource: a name and the fields that are a
 * resource's own (source, windows, partitions, output, columns,
 * on_bad_value, incremental, lookback). Its document is the job's with
 * the entry laid over it: a field the resource sets replaces the job's,
 * but `source:` and `output:` are merged key by key, and so are the
 * mappings inside them (params, headers, auth, pagination), the
 * resource's key winning, so that a shared auth, header, parameter or
 * format is written once. The
 * fields that govern the run (concurrency, rate_limit, retry, http,
 * state, secrets) are the job's alone: every resource shares them. Each
 * merged document goes through the whole loader (sluice__cfg_load_fields),
 * so every check of a job applies to each resource unchanged, and errors
 * keep the positions of the file's own nodes.
 *
 * Then the checks across resources: names unique, two resources never one
 * output template, and a fan-out's `from_resource` names an earlier
 * resource (so the order of the file is an order the run can follow and
 * no cycle can be written) whose output is local NDJSON files: the child's
 * values are read back from them (pipeline/fanout.c). */
#include <ctype.h>
#include <string.h>

#include "config/loader.h"

#define RESOURCES_MAX 64

/* A deep copy of a node (positions kept); NULL when out of memory. */
static struct sluice_ynode *ycopy(const struct sluice_ynode *n)
{
    struct sluice_ynode *c = sluice__ynode_new(n->kind, n->mark);
    if (!c)
        return NULL;
    if (n->kind == SLUICE_YNODE_SCALAR) {
        char *t = sluice__malloc(n->len + 1);
        if (!t) {
            sluice__ynode_free(c);
            return NULL;
        }
        memcpy(t, n->text, n->len + 1);
        sluice__free(c->text);
        c->text = t;
        c->len = n->len;
        c->plain = n->plain;
        return c;
    }
    if (n->n) {
        c->entries = sluice__calloc(n->n, sizeof *c->entries);
        if (!c->entries) {
            sluice__ynode_free(c);
            return NULL;
        }
        c->cap = n->n;
    }
    for (size_t i = 0; i < n->n; i++) {
        const struct sluice_yentry *e = &n->entries[i];
        c->entries[i].kmark = e->kmark;
        c->entries[i].key = e->key ? sluice__strdup(e->key) : NULL;
        c->entries[i].val = ycopy(e->val);
        c->n = i + 1; /* freed with the node from here on */
        if ((e->key && !c->entries[i].key) || !c->entries[i].val) {
            sluice__ynode_free(c);
            return NULL;
        }
    }
    return c;
}

/* Lays `over`'s entries over `into` (a mapping): each replaces the entry
 * of its key, but where both are mappings and the key is in `merge` (or
 * `all`, below those keys), which are merged the same way, so that
 * source.params or source.headers gain the resource's entries. */
static int overlay(struct sluice_ynode *into, const struct sluice_ynode *over,
                   const char *const *merge, size_t n_merge, bool all)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < over->n && rc == SLUICE_OK; i++) {
        const struct sluice_yentry *e = &over->entries[i];
        struct sluice_ynode *have = sluice__ynode_get(into, e->key);
        bool deep = all;
        for (size_t k = 0; k < n_merge; k++)
            deep |= strcmp(merge[k], e->key) == 0;
        if (deep && have && have->kind == SLUICE_YNODE_MAP &&
            e->val->kind == SLUICE_YNODE_MAP) {
            rc = overlay(have, e->val, NULL, 0, true);
            continue;
        }
        struct sluice_ynode *v = ycopy(e->val);
        rc = v ? sluice__ynode_set(into, e->key, e->kmark, v) : SLUICE_ENOMEM;
    }
    return rc;
}

/* The resource's document: the job's without `resources:`, the entry's
 * fields laid over it, `name` the job's. */
static int merged_doc(const struct sluice_ynode *root,
                      const struct sluice_ynode *res, struct sluice_ynode **out)
{
    static const char *const merge[] = {"source", "output"};
    int rc = SLUICE_OK;
    struct sluice_ynode *doc = sluice__ynode_new(SLUICE_YNODE_MAP, root->mark);
    struct sluice_yentry *kept = NULL;
    if (!doc)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < root->n; i++) {
        const struct sluice_yentry *e = &root->entries[i];
        if (strcmp(e->key, "resources") == 0)
            continue;
        struct sluice_ynode *v = ycopy(e->val);
        SLUICE_TRY(v ? sluice__ynode_set(doc, e->key, e->kmark, v)
                     : SLUICE_ENOMEM);
    }
    struct sluice_ynode own = *res;
    /* every entry but the resource's name */
    kept = sluice__calloc(res->n ? res->n : 1, sizeof *kept);
    SLUICE_TRY(kept ? SLUICE_OK : SLUICE_ENOMEM);
    own.n = 0;
    for (size_t i = 0; i < res->n; i++)
        if (strcmp(res->entries[i].key, "name") != 0)
            kept[own.n++] = res->entries[i];
    own.entries = kept;
    SLUICE_TRY(overlay(doc, &own, merge, SLUICE_ARRAY_LEN(merge), false));
    *out = doc;
    doc = NULL;
out:
    sluice__free(kept);
    sluice__ynode_free(doc);
    return rc;
}

static int resource_name(struct loader *L, const struct sluice_ynode *res,
                         const char *field, char **out)
{
    const struct sluice_ynode *node = NULL;
    int rc = sluice__cfg_req_str(L, res, "name", field, out, &node);
    if (rc != SLUICE_OK)
        return rc;
    size_t n = strlen(*out);
    bool ok = n > 0 && n <= NAME_MAX_LEN;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)(*out)[i]) || (*out)[i] == '-' ||
             (*out)[i] == '_';
    if (!ok)
        return sluice__cfg_fail(L, &node->mark, field,
                                "name '%s': 1 to %d letters, digits, '-' "
                                "and '_'",
                                *out, NAME_MAX_LEN);
    return SLUICE_OK;
}

/* One resource: its document through the whole loader, into `job`. */
static int load_one(struct loader *L, const struct sluice_ynode *res,
                    const char *field, struct sluice_job *job)
{
    static const char *const own[] = {
        "name",    "source",       "windows",     "partitions", "output",
        "columns", "on_bad_value", "incremental", "lookback"};
    int rc = SLUICE_OK;
    struct loader R = {.o = L->o, .job = job, .dotenv = L->dotenv,
                       .err = L->err, .log = L->log};
    if (res->kind != SLUICE_YNODE_MAP)
        return sluice__cfg_fail(L, &res->mark, field,
                                "expected a mapping {name: ..., source: ...}, "
                                "got %s",
                                sluice__ynode_kind_name(res));
    static const char *const shared[] = {"concurrency", "rate_limit", "retry",
                                         "http",        "state",      "secrets",
                                         "state_lease", "workers",     "resources"};
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(shared); k++) {
        for (size_t e = 0; e < res->n; e++) {
            if (strcmp(res->entries[e].key, shared[k]) != 0)
                continue;
            char sub[PATH_MAX_LEN];
            sluice__cfg_join(sub, field, shared[k]);
            return sluice__cfg_fail(L, &res->entries[e].kmark, sub,
                                    "a field of the job, which every "
                                    "resource shares: set it at the top of "
                                    "the file");
        }
    }
    SLUICE_TRY(sluice__cfg_check_keys(L, res, field, own,
                                      SLUICE_ARRAY_LEN(own)));
    SLUICE_TRY(resource_name(L, res, field, &job->resource));
    job->parts.resource = job->resource;
    rc = merged_doc(L->root, res, &R.root);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, L->err, "out of memory");
    R.field_prefix = field;
    rc = sluice__cfg_load_fields(&R);
out:
    sluice__ynode_free(R.root);
    sluice__free(R.secret_vars);
    return rc;
}

/* Parquet, CSV and database outputs keep the job's schema in a file named
 * after the job (.sluice-schema-NAME.json) in the output's folder, or
 * beside the database: two resources there would share one schema. */
static int check_shared_files(struct loader *L, const struct sluice_ynode *at,
                              const char *field, const struct sluice_job *first,
                              const struct sluice_job *job)
{
    bool schema = job->output.db || job->output.format != SLUICE_FORMAT_NDJSON;
    for (const struct sluice_job *o = first; schema && o != job; o = o->next) {
        bool o_schema = o->output.db || o->output.format != SLUICE_FORMAT_NDJSON;
        if (!o_schema)
            continue;
        if (job->output.db && o->output.db &&
            strcmp(job->output.db_target, o->output.db_target) == 0)
            return sluice__cfg_fail(
                L, &at->mark, field,
                "output: resource %s writes to this database too; their "
                "schemas would be one (give each its own database)",
                o->resource);
        if (!job->output.db && !o->output.db && job->output.folder &&
            o->output.folder &&
            strcmp(job->output.folder, o->output.folder) == 0)
            return sluice__cfg_fail(
                L, &at->mark, field,
                "output.path: resource %s writes %s files in '%s' too; their "
                "schema files would be one (give each its own folder)",
                o->resource,
                job->output.format == SLUICE_FORMAT_CSV ? "CSV" : "Parquet",
                job->output.folder);
    }
    return SLUICE_OK;
}

/* A fan-out's parent: an earlier resource whose files can be read back. */
static int check_parents(struct loader *L, const struct sluice_ynode *list,
                         struct sluice_job *first)
{
    size_t i = 0;
    for (struct sluice_job *j = first; j; j = j->next, i++) {
        for (size_t d = 0; d < j->parts.n_dims; d++) {
            const char *want = j->parts.dims[d].from_resource;
            if (!want)
                continue;
            char field[PATH_MAX_LEN];
            snprintf(field, sizeof field, "resources[%zu].partitions", i);
            const struct sluice_ynode *at = list->entries[i].val;
            const struct sluice_job *p = first;
            for (; p != j && strcmp(p->resource, want) != 0; p = p->next)
                ;
            if (p == j)
                return sluice__cfg_fail(
                    L, &at->mark, field,
                    "from_resource '%s' names no resource listed before "
                    "'%s' (a parent comes first in resources:)",
                    want, j->resource);
            /* The children are planned from the ledger of one run's
             * parent: many workers of a shared ledger would each plan
             * (and wait for) them, which is not built yet. */
            if (j->state_shared)
                return sluice__cfg_fail(
                    L, &at->mark, field,
                    "from_resource '%s': fan-out is not available with a "
                    "shared ledger (state: postgresql://...) yet",
                    want);
            if (p->output.db || p->output.s3 ||
                p->output.format != SLUICE_FORMAT_NDJSON)
                return sluice__cfg_fail(
                    L, &at->mark, field,
                    "from_resource '%s': the parent's output must be local "
                    "NDJSON files (format: ndjson), from which the values "
                    "are read back",
                    want);
        }
    }
    return SLUICE_OK;
}

int sluice__cfg_load_resources(struct loader *L)
{
    const struct sluice_ynode *list = sluice__ynode_get(L->root, "resources");
    int rc = SLUICE_OK;
    char field[PATH_MAX_LEN];
    if (list->kind != SLUICE_YNODE_SEQ || list->n == 0 ||
        list->n > RESOURCES_MAX)
        return sluice__cfg_fail(L, &list->mark, "resources",
                                "expected a list of 1 to %d resources "
                                "({name: ..., source: ...}), got %s",
                                RESOURCES_MAX,
                                list->kind == SLUICE_YNODE_SEQ
                                    ? "another number of them"
                                    : sluice__ynode_kind_name(list));
    struct sluice_job *first = L->job, *prev = NULL;
    for (size_t i = 0; i < list->n; i++) {
        struct sluice_job *job = first;
        snprintf(field, sizeof field, "resources[%zu]", i);
        if (i > 0) {
            job = sluice__calloc(1, sizeof *job);
            SLUICE_FAIL_IF(!job, SLUICE_ENOMEM, L->err, "out of memory");
            prev->next = job; /* freed with the first from here on */
            job->first = first;
            job->secrets = first->secrets;
            job->file = sluice__strdup(first->file);
            SLUICE_FAIL_IF(!job->file, SLUICE_ENOMEM, L->err,
                           "out of memory");
        }
        first->first = first;
        SLUICE_TRY(load_one(L, list->entries[i].val, field, job));
        for (const struct sluice_job *o = first; o != job; o = o->next) {
            SLUICE_FAIL_IF(strcmp(o->resource, job->resource) == 0,
                           SLUICE_EJOB, L->err,
                           "%s:%u:%u: %s.name: '%s' names another resource "
                           "already",
                           list->entries[i].val->mark.origin,
                           list->entries[i].val->mark.line,
                           list->entries[i].val->mark.col, field,
                           job->resource);
            SLUICE_FAIL_IF(
                o->output.path && job->output.path &&
                    strcmp(o->output.path, job->output.path) == 0,
                SLUICE_EJOB, L->err,
                "%s:%u:%u: %s.output.path: '%s' is resource %s's too; two "
                "resources never write one file; give each its own "
                "output.path",
                list->entries[i].val->mark.origin,
                list->entries[i].val->mark.line,
                list->entries[i].val->mark.col, field, job->output.path,
                o->resource);
        }
        SLUICE_TRY(check_shared_files(L, list->entries[i].val, field, first,
                                      job));
        prev = job;
    }
    SLUICE_TRY(check_parents(L, list, first));
out:
    return rc;
}
