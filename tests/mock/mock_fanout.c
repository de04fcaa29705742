/* mock_fanout.c: a parent list and its children, shaped like GitHub's
 * repositories and their issues, behind the same gateway as the feed
 * (key, limits, faults, log):
 *
 *   GET /fanout/repos?n=N[&dup=1][&missing=1]
 *       {"repos":[{"id":1,"full_name":"org/repo-1"},...]}: N repositories
 *       (1..1000, default 50); dup=1 lists the first one again at the end,
 *       missing=1 adds {"id":0} (no full_name) after the first.
 *   GET /fanout/repos/<owner>/<name>/issues
 *       {"issues":[{"repo":"<owner>/<name>","n":0},...]}: 1 + (the sum of
 *       the name's bytes) % 3 issues, so a test knows each child's
 *       records; the segments percent-decoded.
 *   GET /orgs/<org>/repos, GET /repos/<owner>/<name>/issues
 *       the same as GitHub writes them (examples/github_fanout.yaml): the
 *       lists alone, a JSON array each, the repositories named
 *       "<org>/repo-I" (n=50 unless given).
 *
 * Every answer is generated from the request alone. The request log
 * (--log) counts what each path was asked. */
#include "mock_fanout.h"

#include "mock_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPOS_MAX 1000

static void own(struct outcome *o, unsigned status, struct mbuf *b)
{
    o->status = status;
    o->ctype = "application/json";
    o->entry = NULL;
    o->retry_after = -1;
    o->own = mbuf_take(b, &o->n);
    if (!o->own) {
        o->status = 500;
        o->own = strdup("{}");
        o->n = o->own ? 2 : 0;
    }
}

static void error_json(struct outcome *o, unsigned status, const char *msg)
{
    struct mbuf b;
    mbuf_init(&b, 4096);
    mbuf_adds(&b, "{\"error\":\"");
    mbuf_add_json(&b, msg, strlen(msg));
    mbuf_adds(&b, "\"}");
    own(o, status, &b);
}

/* The value of `name` in the raw query, decoded (caller frees); NULL. */
static char *param(const struct query *q, const char *name)
{
    size_t nn = strlen(name);
    for (const char *p = q->raw; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nn && memcmp(p, name, nn) == 0 && p[nn] == '=') {
            char *v = strndup(p + nn + 1, len - nn - 1);
            if (v)
                url_decode(v);
            return v;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}

static int flag(const struct query *q, const char *name)
{
    char *v = param(q, name);
    int on = v && strcmp(v, "1") == 0;
    free(v);
    return on;
}

static void repos(struct outcome *o, const struct query *q,
                  const char *org, size_t org_n, int bare)
{
    char *n_s = param(q, "n");
    long n = 50;
    if (n_s) {
        char *end = NULL;
        n = strtol(n_s, &end, 10);
        if (!*n_s || *end || n < 1 || n > REPOS_MAX)
            n = -1;
    }
    free(n_s);
    if (n < 0) {
        error_json(o, 400, "n: a whole number, 1 to 1000");
        return;
    }
    struct mbuf b;
    mbuf_init(&b, 1u << 20);
    mbuf_adds(&b, bare ? "[" : "{\"repos\":[");
    for (long i = 1; i <= n; i++) {
        mbuf_printf(&b, "%s{\"id\":%ld,\"full_name\":\"", i > 1 ? "," : "", i);
        mbuf_add_json(&b, org, org_n);
        mbuf_printf(&b, "/repo-%ld\"}", i);
        if (i == 1 && flag(q, "missing"))
            mbuf_adds(&b, ",{\"id\":0}");
    }
    if (flag(q, "dup"))
        mbuf_adds(&b, ",{\"id\":1,\"full_name\":\"org/repo-1\"}");
    mbuf_adds(&b, bare ? "]" : "]}");
    own(o, 200, &b);
}

/* `rest` is "<owner>/<name>/issues". */
static int issues(struct outcome *o, const char *rest, int bare)
{
    const char *s1 = strchr(rest, '/');
    const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    if (!s1 || !s2 || s1 == rest || s2 == s1 + 1 || strcmp(s2, "/issues"))
        return 0;
    char *repo = strndup(rest, (size_t)(s2 - rest));
    if (!repo) {
        error_json(o, 500, "out of memory");
        return 1;
    }
    url_decode(repo);
    unsigned sum = 0;
    for (const char *c = strchr(repo, '/') + 1; *c; c++)
        sum += (unsigned char)*c;
    struct mbuf b;
    mbuf_init(&b, 1u << 20);
    mbuf_adds(&b, bare ? "[" : "{\"issues\":[");
    for (unsigned k = 0; k < 1 + sum % 3; k++) {
        mbuf_printf(&b, "%s{\"repo\":\"", k ? "," : "");
        mbuf_add_json(&b, repo, strlen(repo));
        mbuf_printf(&b, "\",\"n\":%u}", k);
    }
    mbuf_adds(&b, bare ? "]" : "]}");
    own(o, 200, &b);
    free(repo);
    return 1;
}

/* GitHub's shapes: /orgs/<org>/repos and /repos/<owner>/<name>/issues. */
static int github(struct outcome *o, const struct query *q)
{
    static const char orgs[] = "/orgs/", rp[] = "/repos/";
    const char *p = q->path;
    if (strncmp(p, orgs, sizeof orgs - 1) == 0) {
        const char *org = p + sizeof orgs - 1;
        const char *slash = strchr(org, '/');
        if (!slash || slash == org || strcmp(slash, "/repos") != 0)
            return 0;
        repos(o, q, org, (size_t)(slash - org), 1);
        return 1;
    }
    if (strncmp(p, rp, sizeof rp - 1) == 0)
        return issues(o, p + sizeof rp - 1, 1);
    return 0;
}

int fanout_route(struct outcome *o, const char *method, const struct query *q)
{
    static const char base[] = "/fanout/repos";
    const char *p = q->path;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strncmp(p, base, sizeof base - 1) != 0)
        return get && github(o, q);
    p += sizeof base - 1;
    if (!get) {
        error_json(o, 405, "method not allowed");
        return 1;
    }
    if (*p == '\0') {
        repos(o, q, "org", 3, 0);
        return 1;
    }
    return *p == '/' && issues(o, p + 1, 0);
}
