/* mock_route.c: the answers of the NeoWs API behind the gateway (see
 * mock_route.h): date validation with the real 400 body, 404 for unknown
 * paths, and feed bodies from the generator or the replay directory, both
 * through the body cache so that a window is built once. */
#include "mock_route.h"

#include "mock_cache.h"
#include "mock_fanout.h"
#include "mock_parts.h"
#include "mock_reply.h"
#include "mock_server.h"
#include "mock_util.h"
#include "neows_gen.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_BODY (64u << 20)
/* A replayed file may be far larger than any generated window: the S3
 * multipart test (tests/e2e/s3_multipart.sh) replays one of ~210 MiB. */
#define MAX_REPLAY_BODY (1u << 30)

void query_free(struct query *q)
{
    free(q->path);
    free(q->start);
    free(q->end);
    free(q->key);
    free(q->raw);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s in place ('+' is a space in a query). */
void url_decode(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            *o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 2;
        } else {
            *o++ = *p == '+' ? ' ' : *p;
        }
    }
    *o = '\0';
}

/* Splits the raw URI; keeps the first occurrence of each parameter. */
int query_parse(const char *uri, struct query *q)
{
    memset(q, 0, sizeof(*q));
    const char *qm = strchr(uri, '?');
    size_t plen = qm ? (size_t)(qm - uri) : strlen(uri);
    q->path = strndup(uri, plen);
    if (!q->path)
        return -1;
    const char *p = qm ? qm + 1 : NULL;
    if (p && !(q->raw = strdup(p)))
        return -1;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            size_t kn = (size_t)(eq - p);
            char **slot = NULL;
            if (kn == 10 && memcmp(p, "start_date", 10) == 0)
                slot = &q->start;
            else if (kn == 8 && memcmp(p, "end_date", 8) == 0)
                slot = &q->end;
            else if (kn == 7 && memcmp(p, "api_key", 7) == 0)
                slot = &q->key;
            if (slot && !*slot) {
                *slot = strndup(eq + 1, len - kn - 1);
                if (!*slot)
                    return -1;
            }
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

void gateway_error(struct outcome *o, unsigned status, const char *code,
                   const char *msg)
{
    struct mbuf b;
    mbuf_init(&b, 4096);
    mbuf_printf(&b,
                "{\n  \"error\": {\n    \"code\": \"%s\",\n"
                "    \"message\": \"%s\"\n  }\n}",
                code, msg);
    reply_json(o, status, &b);
}

static void neows_error(struct outcome *o, unsigned status, const char *name,
                        const char *msg, const char *path,
                        const struct query *q)
{
    struct mbuf b;
    mbuf_init(&b, 1u << 20);
    mbuf_printf(&b,
                "{\"code\":%u,\"http_error\":\"%s\",\"error_message\":\"%s\","
                "\"request\":\"",
                status, name, msg);
    mbuf_add_json(&b, mock_cfg.link_base, strlen(mock_cfg.link_base));
    /* The backend sees the path without the gateway's "/neo" prefix. */
    if (strncmp(path, "/neo/", 5) == 0)
        path += 4;
    mbuf_add_json(&b, path, strlen(path));
    const char *sep = "?";
    if (q && q->start) {
        mbuf_adds(&b, "?start_date=");
        mbuf_add_json(&b, q->start, strlen(q->start));
        sep = "&";
    }
    if (q && q->end) {
        mbuf_adds(&b, sep);
        mbuf_adds(&b, "end_date=");
        mbuf_add_json(&b, q->end, strlen(q->end));
    }
    mbuf_adds(&b, "\"}");
    reply_json(o, status, &b);
}

void bad_request(struct outcome *o, const char *path, const struct query *q)
{
    neows_error(o, 400, "BAD_REQUEST",
                "Date Format Exception - Expected format (yyyy-mm-dd) - "
                "The Feed date limit is only 7 Days",
                path, q);
}

void html_error(struct outcome *o, unsigned status)
{
    struct mbuf b;
    mbuf_init(&b, 4096);
    mbuf_printf(&b,
                "<!DOCTYPE html>\n<html><head><title>Application Error"
                "</title></head>\n<body><h1>Application error</h1>\n"
                "<p>The server answered %u (injected by neows-mock).</p>"
                "</body></html>\n",
                status);
    reply_json(o, status, &b);
    o->ctype = "text/html; charset=utf-8";
}

void rate_limited(struct outcome *o, long retry_after)
{
    gateway_error(o, 429, "OVER_RATE_LIMIT",
                  "You have exceeded your rate limit. Try again later or "
                  "contact us at https://api.nasa.gov:443/contact/ for "
                  "assistance");
    o->retry_after =
        mock_cfg.retry_after_s >= 0 ? mock_cfg.retry_after_s : retry_after;
}

static struct cache_entry *feed_generated(const struct query *q, int64_t first,
                                          int64_t last, const char *end_text,
                                          const char *key_echo)
{
    struct mbuf k;
    mbuf_init(&k, 1u << 20);
    mbuf_printf(&k, "G\x1f%s\x1f%s\x1f%s\x1f%s", mock_cfg.link_base, q->start,
                end_text, key_echo);
    if (k.failed) {
        mbuf_free(&k);
        return NULL;
    }
    struct cache_entry *e = cache_get(k.p);
    if (!e) {
        struct gen_echo echo = {mock_cfg.link_base, key_echo, q->start,
                                end_text};
        struct mbuf b;
        size_t n = 0;
        mbuf_init(&b, MAX_BODY);
        gen_window(&b, first, last, &echo);
        char *body = mbuf_take(&b, &n);
        if (body)
            e = cache_put(k.p, body, n);
    }
    mbuf_free(&k);
    return e;
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct mbuf b;
    char tmp[65536];
    size_t k;
    mbuf_init(&b, MAX_REPLAY_BODY);
    while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
        mbuf_add(&b, tmp, k);
    int err = ferror(f);
    fclose(f);
    if (err) {
        mbuf_free(&b);
        return NULL;
    }
    if (!b.p)
        mbuf_add(&b, "", 0);
    return mbuf_take(&b, n);
}

/* feed_S_E.json, else the first (by name) feed_S_*.json; NULL if none. */
static char *replay_find(const char *s, const char *e)
{
    struct mbuf b;
    mbuf_init(&b, 8192);
    if (e) {
        struct stat st;
        mbuf_printf(&b, "%s/feed_%s_%s.json", mock_cfg.replay_dir, s, e);
        if (!b.failed && stat(b.p, &st) == 0 && S_ISREG(st.st_mode))
            return mbuf_take(&b, NULL);
        mbuf_free(&b);
        mbuf_init(&b, 8192);
    }
    DIR *d = opendir(mock_cfg.replay_dir);
    if (!d)
        return NULL;
    char prefix[256];
    snprintf(prefix, sizeof(prefix), "feed_%s_", s);
    size_t pn = strlen(prefix);
    char *best = NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t dn = strlen(de->d_name);
        if (dn <= pn + 5 || strncmp(de->d_name, prefix, pn) != 0 ||
            strcmp(de->d_name + dn - 5, ".json") != 0)
            continue;
        if (!best || strcmp(de->d_name, best) < 0) {
            free(best);
            best = strdup(de->d_name);
        }
    }
    closedir(d);
    if (!best)
        return NULL;
    mbuf_printf(&b, "%s/%s", mock_cfg.replay_dir, best);
    free(best);
    return mbuf_take(&b, NULL);
}

static struct cache_entry *feed_replayed(const struct query *q, int64_t first,
                                         int64_t last)
{
    char s[11], e[11];
    mock_date_format(first, s);
    mock_date_format(last, e);
    char *path = replay_find(s, q->end ? e : NULL);
    if (!path)
        return NULL;
    struct mbuf k;
    mbuf_init(&k, 1u << 20);
    mbuf_printf(&k, "R\x1f%s", path);
    struct cache_entry *ce = k.failed ? NULL : cache_get(k.p);
    if (!ce && !k.failed) {
        size_t n = 0;
        char *body = read_file(path, &n);
        if (body)
            ce = cache_put(k.p, body, n);
    }
    mbuf_free(&k);
    free(path);
    return ce;
}

/* The answer the API itself gives (after the gateway let it through). */
void route(struct outcome *o, const char *method, const struct query *q,
           const char *key_echo)
{
    static const char feed[] = "/neo/rest/v1/feed";
    /* The endpoints partitioned by other than dates (mock_parts.c). */
    if (parts_route(o, method, q))
        return;
    /* A parent list and its children, for fan-out (mock_fanout.c). */
    if (fanout_route(o, method, q))
        return;
    if (strcmp(q->path, feed) != 0) {
        neows_error(o, 404, "NOT_FOUND", "No message available", q->path, NULL);
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        neows_error(o, 405, "METHOD_NOT_ALLOWED",
                    "Request method not supported", q->path, NULL);
        return;
    }
    int64_t first, last;
    if (!q->start || mock_date_parse(q->start, strlen(q->start), &first))
        goto bad;
    if (q->end) {
        if (mock_date_parse(q->end, strlen(q->end), &last))
            goto bad;
    } else {
        last = first + 7;
    }
    if (last < first || last - first > 7 || last > MOCK_DAY_MAX)
        goto bad;

    char end_text[11];
    mock_date_format(last, end_text);
    struct cache_entry *e =
        mock_cfg.replay_dir
            ? feed_replayed(q, first, last)
            : feed_generated(q, first, last, q->end ? q->end : end_text,
                             key_echo);
    if (!e) {
        if (mock_cfg.replay_dir)
            neows_error(o, 404, "NOT_FOUND", "No message available", q->path,
                        q);
        else
            html_error(o, 500);
        return;
    }
    o->status = 200;
    o->ctype = "application/json";
    o->entry = e;
    o->own = NULL;
    o->retry_after = -1;
    cache_body(e, &o->n);
    return;
bad:
    bad_request(o, q->path, q);
}
