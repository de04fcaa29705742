/* mock_pages.c: the paginated endpoints (mock_pages.h). Every endpoint
 * serves the collection named by `set` (default "s") and `n` (default 100,
 * at most 1,000,000): item i is {"id":"<set>-<i>","i":i,"set":"<set>"}, in
 * order, cut into pages the way the API it imitates does, with its page
 * size parameter and its default:
 *
 *   /pages/github   ?per_page=30&page=1   Link: rel="prev", "next", "last"
 *   /pages/reddit   ?limit=25&after=t3_I  {"data":{"after","children"}}
 *   /pages/stripe   ?limit=10&starting_after=ID  {"data","has_more"}
 *   /pages/spotify  ?offset=0&limit=20    {"items","next","total"}
 *   /pages/ridb     ?offset=0&limit=50    {"RECDATA","METADATA"}, apikey
 *   /pages/hubspot  ?limit=10&after=I     {"results","paging"} (no paging
 *                                         on the last page)
 *   /pages/header   ?limit=10&cursor=cI   X-Next-Cursor header
 *   /pages/numbered ?page=1&per_page=20   {"data","meta":{"total_pages"}}
 *
 * `bad=` makes an endpoint misbehave for the bad-input tests: `loop` (the
 * next page is named as the one just served), `total_string` (ridb's total
 * as a string), `other_host` (spotify's next URL on another origin: this server as
 * localhost),
 * `notjson` (every page after the first is not JSON). With `bad_set=S` only the collection S
 * misbehaves (one window of a job, the others served as usual). */
#include "mock_pages.h"

#include "mock_server.h"
#include "mock_reply.h"
#include "mock_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGES_MAX_N 1000000L

int pages_is(const char *path)
{
    return path && strncmp(path, "/pages/", 7) == 0;
}

/* The first value of parameter `name` in the raw query, decoded; NULL. */
static char *qget(const char *uri, const char *name)
{
    const char *p = strchr(uri, '?');
    size_t nn = strlen(name);
    while (p && *p) {
        p++;
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nn && p[nn] == '=' && strncmp(p, name, nn) == 0) {
            char *v = strndup(p + nn + 1, len - nn - 1);
            if (v)
                url_decode(v);
            return v;
        }
        p = amp;
    }
    return NULL;
}

/* A whole number parameter, or `dflt` when absent; -1 when malformed. */
static long qnum(const char *uri, const char *name, long dflt, long max)
{
    char *v = qget(uri, name);
    if (!v)
        return dflt;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    int ok = *v && *end == '\0' && n >= 0 && n <= max;
    free(v);
    return ok ? n : -1;
}

struct pg {
    const char *uri;
    const char *host;
    char *set;
    long n;
    char *bad;
    char *path; /* the endpoint's path, for the URLs it writes */
};

static int bad_is(const struct pg *g, const char *what)
{
    return g->bad && strcmp(g->bad, what) == 0;
}

static void item(struct mbuf *b, const struct pg *g, long i,
                 const char *extra)
{
    mbuf_adds(b, "{\"id\":\"");
    mbuf_add_json(b, g->set, strlen(g->set));
    mbuf_printf(b, "-%ld\",\"i\":%ld,\"set\":\"", i, i);
    mbuf_add_json(b, g->set, strlen(g->set));
    mbuf_printf(b, "\"%s}", extra ? extra : "");
}

static void items(struct mbuf *b, const struct pg *g, long from, long to,
                  const char *wrap_before, const char *wrap_after)
{
    mbuf_addc(b, '[');
    for (long i = from; i < to; i++) {
        if (i > from)
            mbuf_addc(b, ',');
        mbuf_adds(b, wrap_before ? wrap_before : "");
        item(b, g, i, NULL);
        mbuf_adds(b, wrap_after ? wrap_after : "");
    }
    mbuf_addc(b, ']');
}

/* "http://HOST/pages/x?set=S&n=N" then the caller's parameters. */
static void self_url(struct mbuf *b, const struct pg *g, const char *host)
{
    mbuf_printf(b, "http://%s%s?set=", host, g->path);
    for (const char *c = g->set; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
            (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')
            mbuf_addc(b, *c);
        else
            mbuf_printf(b, "%%%02X", (unsigned char)*c);
    }
    mbuf_printf(b, "&n=%ld", g->n);
    if (g->bad)
        mbuf_printf(b, "&bad=%s", g->bad);
}

static void set_header(struct outcome *o, const char *name, struct mbuf *v)
{
    o->hdr_name = strdup(name);
    o->hdr_value = mbuf_take(v, NULL);
}

static long lmin(long a, long b) { return a < b ? a : b; }

static void github(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long per = qnum(g->uri, "per_page", 30, 100);
    long page = qnum(g->uri, "page", 1, PAGES_MAX_N);
    if (per <= 0 || page <= 0) {
        mbuf_adds(b, "{\"message\":\"bad per_page or page\"}");
        reply_json(o, 422, b);
        return;
    }
    long from = lmin((page - 1) * per, g->n), to = lmin(page * per, g->n);
    long last = g->n ? (g->n + per - 1) / per : 1;
    items(b, g, from, to, NULL, NULL);
    struct mbuf h;
    mbuf_init(&h, 1u << 16);
    if (page > 1) {
        mbuf_addc(&h, '<');
        self_url(&h, g, g->host);
        mbuf_printf(&h, "&per_page=%ld&page=%ld>; rel=\"prev\", ", per,
                    page - 1);
    }
    if (page < last || bad_is(g, "loop")) {
        mbuf_addc(&h, '<');
        self_url(&h, g, g->host);
        mbuf_printf(&h, "&per_page=%ld&page=%ld>; rel=\"next\", ", per,
                    bad_is(g, "loop") ? page : page + 1);
    }
    mbuf_addc(&h, '<');
    self_url(&h, g, g->host);
    mbuf_printf(&h, "&per_page=%ld&page=%ld>; rel=\"last\"", per, last);
    set_header(o, "Link", &h);
    reply_json(o, 200, b);
}

/* The index after "<prefix><i>" (the item after the cursor), 0 if none,
 * -1 if malformed. */
static long after_index(const char *uri, const char *param,
                        const char *prefix)
{
    char *v = qget(uri, param);
    if (!v)
        return 0;
    size_t pn = strlen(prefix);
    long r = -1;
    if (strncmp(v, prefix, pn) == 0 && v[pn]) {
        char *end = NULL;
        long i = strtol(v + pn, &end, 10);
        if (*end == '\0' && i >= 0)
            r = i + 1;
    }
    free(v);
    return r;
}

static void reddit(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long limit = qnum(g->uri, "limit", 25, 100);
    long from = after_index(g->uri, "after", "t3_");
    if (limit <= 0 || from < 0) {
        mbuf_adds(b, "{\"message\":\"Bad Request\",\"error\":400}");
        reply_json(o, 400, b);
        return;
    }
    from = lmin(from, g->n);
    long to = lmin(from + limit, g->n);
    mbuf_adds(b, "{\"kind\":\"Listing\",\"data\":{\"after\":");
    if (bad_is(g, "loop"))
        mbuf_adds(b, "\"t3_0\"");
    else if (to < g->n)
        mbuf_printf(b, "\"t3_%ld\"", to - 1);
    else
        mbuf_adds(b, "null");
    mbuf_printf(b, ",\"dist\":%ld,\"children\":", to - from);
    items(b, g, from, to, "{\"kind\":\"t3\",\"data\":", "}");
    mbuf_adds(b, ",\"before\":null}}");
    reply_json(o, 200, b);
}

static void stripe(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long limit = qnum(g->uri, "limit", 10, 100);
    struct mbuf pre;
    mbuf_init(&pre, 4096);
    mbuf_printf(&pre, "%s-", g->set);
    long from = pre.failed ? -1
                           : after_index(g->uri, "starting_after", pre.p);
    mbuf_free(&pre);
    if (limit <= 0 || from < 0) {
        mbuf_adds(b, "{\"error\":{\"type\":\"invalid_request_error\","
                     "\"message\":\"No such object\"}}");
        reply_json(o, 400, b);
        return;
    }
    from = lmin(from, g->n);
    long to = lmin(from + limit, g->n);
    mbuf_adds(b, "{\"object\":\"list\",\"data\":");
    items(b, g, from, to, NULL, NULL);
    mbuf_printf(b, ",\"has_more\":%s,\"url\":\"/v1/customers\"}",
                to < g->n ? "true" : "false");
    reply_json(o, 200, b);
}

static void offset_page(const struct pg *g, long *offset, long *limit,
                        long dflt_limit, long max_limit)
{
    *offset = qnum(g->uri, "offset", 0, PAGES_MAX_N);
    *limit = qnum(g->uri, "limit", dflt_limit, max_limit);
}

static void spotify(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long off, limit;
    offset_page(g, &off, &limit, 20, 50);
    if (off < 0 || limit <= 0) {
        mbuf_adds(b, "{\"error\":{\"status\":400,\"message\":\"Bad limit or "
                     "offset\"}}");
        reply_json(o, 400, b);
        return;
    }
    long from = lmin(off, g->n), to = lmin(off + limit, g->n);
    mbuf_adds(b, "{\"href\":\"");
    self_url(b, g, g->host);
    mbuf_printf(b, "&offset=%ld&limit=%ld\",\"items\":", off, limit);
    items(b, g, from, to, NULL, NULL);
    mbuf_printf(b, ",\"limit\":%ld,\"next\":", limit);
    if (to < g->n) {
        mbuf_addc(b, '"');
        /* other_host: this server under another name (another origin) */
        char other[128];
        const char *port = strrchr(g->host, ':');
        snprintf(other, sizeof other, "localhost%s", port ? port : "");
        self_url(b, g, bad_is(g, "other_host") ? other : g->host);
        mbuf_printf(b, "&offset=%ld&limit=%ld\"", to, limit);
    } else {
        mbuf_adds(b, "null");
    }
    mbuf_printf(b, ",\"offset\":%ld,\"previous\":null,\"total\":%ld}", off,
                g->n);
    reply_json(o, 200, b);
}

static int key_ok(const char *key)
{
    if (!key || !key[0])
        return 0;
    if (mock_cfg.any_key)
        return 1;
    for (int i = 0; i < mock_cfg.nkeys; i++)
        if (strcmp(mock_cfg.keys[i], key) == 0)
            return 1;
    return 0;
}

static void ridb(struct outcome *o, const struct pg *g, struct mbuf *b,
                 const char *apikey)
{
    if (!key_ok(apikey)) {
        mbuf_adds(b, "{\"error\":\"Unauthorized: a valid apikey header is "
                     "required\"}");
        reply_json(o, 401, b);
        return;
    }
    long off, limit;
    offset_page(g, &off, &limit, 50, 50);
    if (off < 0 || limit <= 0) {
        mbuf_adds(b, "{\"error\":\"invalid limit or offset\"}");
        reply_json(o, 400, b);
        return;
    }
    long from = lmin(off, g->n), to = lmin(off + limit, g->n);
    mbuf_adds(b, "{\"RECDATA\":");
    items(b, g, from, to, NULL, NULL);
    mbuf_printf(b, ",\"METADATA\":{\"RESULTS\":{\"CURRENT_COUNT\":%ld,"
                   "\"TOTAL_COUNT\":",
                to - from);
    mbuf_printf(b, bad_is(g, "total_string") ? "\"%ld\"" : "%ld", g->n);
    mbuf_printf(b, "},\"SEARCH_PARAMETERS\":{\"QUERY\":\"\",\"LIMIT\":%ld,"
                   "\"OFFSET\":%ld}}}",
                limit, off);
    reply_json(o, 200, b);
}

static void hubspot(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long limit = qnum(g->uri, "limit", 10, 100);
    long from = qnum(g->uri, "after", 0, PAGES_MAX_N);
    if (limit <= 0 || from < 0) {
        mbuf_adds(b, "{\"status\":\"error\",\"message\":\"bad after\"}");
        reply_json(o, 400, b);
        return;
    }
    from = lmin(from, g->n);
    long to = lmin(from + limit, g->n);
    mbuf_printf(b, "{\"total\":%ld,\"results\":", g->n);
    items(b, g, from, to, NULL, NULL);
    if (to < g->n) {
        mbuf_printf(b, ",\"paging\":{\"next\":{\"after\":\"%ld\",\"link\":\"",
                    to);
        self_url(b, g, g->host);
        mbuf_printf(b, "&limit=%ld&after=%ld\"}}", limit, to);
    }
    mbuf_addc(b, '}');
    reply_json(o, 200, b);
}

static void header_cursor(struct outcome *o, const struct pg *g,
                          struct mbuf *b)
{
    long limit = qnum(g->uri, "limit", 10, 100);
    long from = after_index(g->uri, "cursor", "c");
    if (limit <= 0 || from < 0) {
        mbuf_adds(b, "{\"message\":\"bad cursor\"}");
        reply_json(o, 400, b);
        return;
    }
    from = lmin(from, g->n);
    long to = lmin(from + limit, g->n);
    items(b, g, from, to, NULL, NULL);
    if (to < g->n) {
        struct mbuf h;
        mbuf_init(&h, 64);
        mbuf_printf(&h, "c%ld", to - 1);
        set_header(o, "X-Next-Cursor", &h);
    }
    reply_json(o, 200, b);
}

static void numbered(struct outcome *o, const struct pg *g, struct mbuf *b)
{
    long per = qnum(g->uri, "per_page", 20, 100);
    long page = qnum(g->uri, "page", 1, PAGES_MAX_N);
    if (per <= 0 || page <= 0) {
        mbuf_adds(b, "{\"errors\":[{\"detail\":\"bad page\"}]}");
        reply_json(o, 400, b);
        return;
    }
    long from = lmin((page - 1) * per, g->n), to = lmin(page * per, g->n);
    mbuf_adds(b, "{\"data\":");
    items(b, g, from, to, NULL, NULL);
    mbuf_printf(b, ",\"meta\":{\"page\":%ld,\"per_page\":%ld,"
                   "\"total_pages\":%ld,\"total\":%ld}}",
                page, per, (g->n + per - 1) / per, g->n);
    reply_json(o, 200, b);
}

/* Not the first page: "page" or "offset" or a cursor was sent. */
static int later_page(const char *uri)
{
    static const char *const params[] = {"after", "starting_after", "cursor"};
    long page = qnum(uri, "page", 1, PAGES_MAX_N);
    long off = qnum(uri, "offset", 0, PAGES_MAX_N);
    int later = page != 1 || off != 0;
    for (size_t i = 0; !later && i < sizeof params / sizeof *params; i++) {
        char *v = qget(uri, params[i]);
        later = v != NULL;
        free(v);
    }
    return later;
}

void pages_route(struct outcome *o, const char *uri, const char *host,
                 const char *apikey)
{
    struct pg g;
    struct mbuf b;
    mbuf_init(&b, 256u << 20);
    memset(&g, 0, sizeof g);
    g.uri = uri;
    g.host = host ? host : "127.0.0.1";
    const char *qm = strchr(uri, '?');
    g.path = strndup(uri, qm ? (size_t)(qm - uri) : strlen(uri));
    g.set = qget(uri, "set");
    if (!g.set)
        g.set = strdup("s");
    g.bad = qget(uri, "bad");
    char *only = qget(uri, "bad_set");
    if (only && strcmp(only, g.set) != 0) {
        free(g.bad);
        g.bad = NULL;
    }
    free(only);
    g.n = qnum(uri, "n", 100, PAGES_MAX_N);
    if (!g.path || !g.set || g.n < 0) {
        mbuf_adds(&b, "{\"message\":\"bad n\"}");
        reply_json(o, 400, &b);
        goto out;
    }
    if (bad_is(&g, "notjson") && later_page(uri)) {
        mbuf_adds(&b, "{\"items\":[{\"id\":1},<html>Service Unavailable");
        reply_json(o, 200, &b);
        goto out;
    }
    const char *name = g.path + 7;
    if (!strcmp(name, "github"))
        github(o, &g, &b);
    else if (!strcmp(name, "reddit"))
        reddit(o, &g, &b);
    else if (!strcmp(name, "stripe"))
        stripe(o, &g, &b);
    else if (!strcmp(name, "spotify"))
        spotify(o, &g, &b);
    else if (!strcmp(name, "ridb"))
        ridb(o, &g, &b, apikey);
    else if (!strcmp(name, "hubspot"))
        hubspot(o, &g, &b);
    else if (!strcmp(name, "header"))
        header_cursor(o, &g, &b);
    else if (!strcmp(name, "numbered"))
        numbered(o, &g, &b);
    else {
        mbuf_adds(&b, "{\"message\":\"Not Found\"}");
        reply_json(o, 404, &b);
    }
out:
    mbuf_free(&b);
    free(g.path);
    free(g.set);
    free(g.bad);
}
