/* job_load_pagination.c: source.pagination (docs/job-file.md#pagination),
 * into http/paginate.h's struct sluice_pagination. Each type takes its own
 * fields and nothing else, so that a field of another type (a `total` on a
 * cursor) is refused at load rather than silently ignored; every path is
 * compiled here, so a bad one fails with its file:line:col. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config/loader.h"
#include "json/pick.h"

#define SECTION "source.pagination"

/* A whole number from min to max; left alone when absent. */
static int opt_uint(struct loader *L, const struct sluice_ynode *map,
                    const char *key, uint64_t min, uint64_t max,
                    uint64_t *out)
{
    const struct sluice_ynode *node = NULL;
    char *s = NULL, path[PATH_MAX_LEN];
    int rc = sluice__cfg_opt_str(L, map, key, SECTION, &s, &node);
    if (rc != SLUICE_OK || !s)
        return rc;
    sluice__cfg_join(path, SECTION, key);
    uint64_t v = 0;
    bool ok = *s != '\0' && strlen(s) <= 19;
    for (const char *c = s; ok && *c; c++) {
        ok = *c >= '0' && *c <= '9';
        v = v * 10 + (uint64_t)(*c - '0');
    }
    if (!ok || v < min || v > max)
        rc = sluice__cfg_fail(L, &node->mark, path,
                              "expected a whole number from %llu to %llu, "
                              "got '%s'",
                              (unsigned long long)min, (unsigned long long)max,
                              s);
    else
        *out = v;
    sluice__free(s);
    return rc;
}

/* A JSONPath field, compiled now. */
static int opt_path(struct loader *L, const struct sluice_ynode *map,
                    const char *key, char **out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN];
    int rc = sluice__cfg_opt_str(L, map, key, SECTION, out, &node);
    if (rc != SLUICE_OK || !*out)
        return rc;
    sluice__cfg_join(path, SECTION, key);
    struct sluice_pick *p = NULL;
    struct sluice_err sub;
    rc = sluice__pick_new(*out, &p, &sub);
    sluice__pick_free(p);
    if (rc == SLUICE_EPATH)
        return sluice__cfg_fail(L, &node->mark, path, "'%s': %s", *out,
                                sub.msg);
    return rc;
}

/* A query parameter's name: not empty, and not one source.params sends
 * already (it would go twice, and which one the API reads is its guess). */
static int opt_param(struct loader *L, const struct sluice_ynode *map,
                     const char *key, char **out)
{
    const struct sluice_ynode *node = NULL;
    char path[PATH_MAX_LEN];
    int rc = sluice__cfg_opt_str(L, map, key, SECTION, out, &node);
    if (rc != SLUICE_OK || !*out)
        return rc;
    sluice__cfg_join(path, SECTION, key);
    if (!**out)
        return sluice__cfg_fail(L, &node->mark, path, "must not be empty");
    for (size_t i = 0; i < L->job->source.n_params; i++)
        if (strcmp(L->job->source.params[i].name, *out) == 0)
            return sluice__cfg_fail(L, &node->mark, path,
                                    "'%s' is also in source.params: the "
                                    "paginator sets it",
                                    *out);
    return SLUICE_OK;
}

static int need(struct loader *L, const struct sluice_ynode *map,
                const char *key, const void *v, const char *type)
{
    if (v)
        return SLUICE_OK;
    return sluice__cfg_fail(L, &map->mark, SECTION,
                            "type %s needs '%s'", type, key);
}

int sluice__cfg_load_pagination(struct loader *L,
                                const struct sluice_ynode *src)
{
    static const char *const all[] = {
        "type",     "path",  "header",      "param",        "has_more",
        "limit_param", "limit", "total",    "total_pages",  "start",
        "stop_on_empty", "max_pages", "allow_other_hosts", "parallel"};
    static const char *const types[] = {"link_header", "next_url", "cursor",
                                        "offset", "page"};
    /* the fields each type takes, beside type, stop_on_empty, max_pages */
    static const char *const takes[][8] = {
        {"allow_other_hosts"},
        {"path", "allow_other_hosts"},
        {"path", "header", "param", "has_more", "limit_param", "limit"},
        {"param", "limit_param", "limit", "total", "start", "parallel"},
        {"param", "limit_param", "limit", "total_pages", "total", "start",
         "parallel"}};
    struct sluice_pagination *pg = &L->job->source.pagination;
    const struct sluice_ynode *map = NULL, *tnode = NULL;
    char *type = NULL;
    int rc = SLUICE_OK;
    pg->type = SLUICE_PAGES_NONE;
    pg->stop_on_empty = true;
    pg->max_pages = SLUICE_PAGES_DEFAULT_MAX;
    pg->parallel = true;
    SLUICE_TRY(sluice__cfg_section(L, src, "pagination", NULL, 0, &map));
    if (!map)
        goto out;
    SLUICE_TRY(sluice__cfg_check_keys(L, map, SECTION, all,
                                      SLUICE_ARRAY_LEN(all)));
    SLUICE_TRY(sluice__cfg_req_str(L, map, "type", SECTION, &type, &tnode));
    size_t t = 0;
    while (t < SLUICE_ARRAY_LEN(types) && strcasecmp(type, types[t]) != 0)
        t++;
    if (t == SLUICE_ARRAY_LEN(types)) {
        rc = sluice__cfg_fail(L, &tnode->mark, SECTION ".type",
                              "unknown type '%s' (link_header, next_url, "
                              "cursor, offset or page)",
                              type);
        goto out;
    }
    pg->type = (enum sluice_pages_type)(t + 1);
    /* a field of another type */
    for (size_t i = 0; i < map->n; i++) {
        const char *k = map->entries[i].key;
        bool ok = !strcmp(k, "type") || !strcmp(k, "stop_on_empty") ||
                  !strcmp(k, "max_pages");
        for (size_t j = 0; !ok && j < 8 && takes[t][j]; j++)
            ok = !strcmp(k, takes[t][j]);
        if (!ok) {
            char path[PATH_MAX_LEN];
            sluice__cfg_join(path, SECTION, k);
            rc = sluice__cfg_fail(L, &map->entries[i].kmark, path,
                                  "not a field of type %s", types[t]);
            goto out;
        }
    }
    SLUICE_TRY(opt_path(L, map, "path", &pg->path));
    SLUICE_TRY(sluice__cfg_opt_str(L, map, "header", SECTION, &pg->header,
                                   NULL));
    SLUICE_TRY(opt_param(L, map, "param", &pg->param));
    SLUICE_TRY(opt_path(L, map, "has_more", &pg->has_more));
    SLUICE_TRY(opt_param(L, map, "limit_param", &pg->limit_param));
    SLUICE_TRY(opt_uint(L, map, "limit", 1, UINT32_MAX, &pg->limit));
    SLUICE_TRY(opt_path(L, map, "total", &pg->total));
    SLUICE_TRY(opt_path(L, map, "total_pages", &pg->total_pages));
    pg->start = pg->type == SLUICE_PAGES_PAGE ? 1 : 0;
    SLUICE_TRY(opt_uint(L, map, "start", 0, UINT32_MAX, &pg->start));
    SLUICE_TRY(sluice__cfg_opt_bool(L, map, "stop_on_empty", SECTION,
                                    &pg->stop_on_empty));
    SLUICE_TRY(opt_uint(L, map, "max_pages", 1, 100000000, &pg->max_pages));
    SLUICE_TRY(sluice__cfg_opt_bool(L, map, "allow_other_hosts", SECTION,
                                    &pg->allow_other_hosts));
    SLUICE_TRY(sluice__cfg_opt_bool(L, map, "parallel", SECTION,
                                    &pg->parallel));

    const char *tn = types[t];
    switch (pg->type) {
    case SLUICE_PAGES_NEXT_URL:
        SLUICE_TRY(need(L, map, "path", pg->path, tn));
        break;
    case SLUICE_PAGES_CURSOR:
        SLUICE_TRY(need(L, map, "param", pg->param, tn));
        if (!pg->path == !pg->header)
            SLUICE_TRY(sluice__cfg_fail(L, &map->mark, SECTION,
                                        "type cursor needs 'path' (the "
                                        "cursor in the body) or 'header' "
                                        "(in a response header), one of "
                                        "them"));
        break;
    case SLUICE_PAGES_OFFSET:
        SLUICE_TRY(need(L, map, "param", pg->param, tn));
        SLUICE_TRY(need(L, map, "limit", pg->limit ? "" : NULL, tn));
        SLUICE_TRY(need(L, map, "limit_param", pg->limit_param, tn));
        break;
    case SLUICE_PAGES_PAGE:
        SLUICE_TRY(need(L, map, "param", pg->param, tn));
        /* the end known from an item count and the page size, instead of
         * a page count */
        if (pg->total && pg->total_pages)
            SLUICE_TRY(sluice__cfg_fail(
                L, &sluice__ynode_get(map, "total")->mark, SECTION ".total",
                "give total (the item count) or total_pages, not both"));
        if (pg->total && !pg->limit)
            SLUICE_TRY(sluice__cfg_fail(
                L, &sluice__ynode_get(map, "total")->mark, SECTION ".total",
                "a page type with an item total needs limit (the page size "
                "that turns it into pages)"));
        break;
    default:
        break;
    }
    /* limit and limit_param go together: a limit the API is not told is a
     * guess about its page size */
    if (!!pg->limit != !!pg->limit_param)
        SLUICE_TRY(sluice__cfg_fail(L, &map->mark, SECTION,
                                    "'limit' and 'limit_param' go together"));
out:
    sluice__free(type);
    return rc;
}

void sluice__cfg_pagination_free(struct sluice_pagination *pg)
{
    sluice__free(pg->path);
    sluice__free(pg->header);
    sluice__free(pg->param);
    sluice__free(pg->has_more);
    sluice__free(pg->limit_param);
    sluice__free(pg->total);
    sluice__free(pg->total_pages);
    memset(pg, 0, sizeof *pg);
}
