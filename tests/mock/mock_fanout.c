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

#include "mock_reply.h"
#include "mock_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPOS_MAX 1000

static int flag(const struct query *q, const char *name)
{
    char *v = query_param(q, name);
    int on = v && strcmp(v, "1") == 0;
    free(v);
    return on;
}

static void repos(struct outcome *o, const struct query *q,
                  const char *org, size_t org_n, int bare)
{
    char *n_s = query_param(q, "n");
    long n = 50;
    if (n_s) {
        char *end = NULL;
        n = strtol(n_s, &end, 10);
        if (!*n_s || *end || n < 1 || n > REPOS_MAX)
            n = -1;
    }
    free(n_s);
    if (n < 0) {
        reply_error(o, 400, "n: a whole number, 1 to 1000");
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
    reply_json(o, 200, &b);
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
        reply_error(o, 500, "out of memory");
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
    reply_json(o, 200, &b);
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
        reply_error(o, 405, "method not allowed");
        return 1;
    }
    if (*p == '\0') {
        repos(o, q, "org", 3, 0);
        return 1;
    }
    return *p == '/' && issues(o, p + 1, 0);
}
