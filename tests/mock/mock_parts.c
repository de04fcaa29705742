/* mock_parts.c: the endpoints partitioned by other than dates, behind the
 * same gateway as the feed (key, limits, faults, log):
 *
 *   GET /regions/<region>/items[?start_date=D]
 *       {"region":R,"items":[{"region":R,"n":0,"start":D},...]}: 3 + (the
 *       sum of R's bytes) % 4 items, so each region has its own count;
 *       "start" only when start_date was sent. R is the path segment,
 *       percent-decoded.
 *   GET /ids?lo=A&hi=B
 *       {"items":[{"id":A},...,{"id":B}]}; A and B whole numbers, A <= B,
 *       at most 100000 ids, else 400 with {"error": ...}.
 *   POST /search
 *       {"items":[{"content_type":T,"body":B}]}: the request's
 *       Content-Type and body (at most 1 MiB) as strings, so a test reads
 *       back exactly what was sent; another method is 405.
 *
 * Every answer is generated from the request alone, so a test can say what
 * each partition's file must hold. */
#include "mock_parts.h"

#include "mock_reply.h"
#include "mock_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDS_MAX 100000

static void region_items(struct outcome *o, const struct query *q,
                         const char *seg, size_t seg_n)
{
    char *region = strndup(seg, seg_n);
    char *start = query_param(q, "start_date");
    struct mbuf b;
    unsigned sum = 0;
    mbuf_init(&b, 1u << 20);
    if (!region) {
        reply_error(o, 500, "out of memory");
        free(start);
        return;
    }
    url_decode(region);
    for (const char *c = region; *c; c++)
        sum += (unsigned char)*c;
    mbuf_adds(&b, "{\"region\":\"");
    mbuf_add_json(&b, region, strlen(region));
    mbuf_adds(&b, "\",\"items\":[");
    for (unsigned k = 0; k < 3 + sum % 4; k++) {
        mbuf_printf(&b, "%s{\"region\":\"", k ? "," : "");
        mbuf_add_json(&b, region, strlen(region));
        mbuf_printf(&b, "\",\"n\":%u", k);
        if (start) {
            mbuf_adds(&b, ",\"start\":\"");
            mbuf_add_json(&b, start, strlen(start));
            mbuf_addc(&b, '"');
        }
        mbuf_addc(&b, '}');
    }
    mbuf_adds(&b, "]}");
    reply_json(o, 200, &b);
    free(region);
    free(start);
}

static int whole(const char *s, long long *v)
{
    char *end = NULL;
    if (!s || !*s)
        return -1;
    *v = strtoll(s, &end, 10);
    return *end ? -1 : 0;
}

static void ids(struct outcome *o, const struct query *q)
{
    char *lo_s = query_param(q, "lo"), *hi_s = query_param(q, "hi");
    long long lo = 0, hi = 0;
    int bad =
        whole(lo_s, &lo) || whole(hi_s, &hi) || lo > hi || hi - lo >= IDS_MAX;
    free(lo_s);
    free(hi_s);
    if (bad) {
        reply_error(o, 400,
                   "lo and hi: whole numbers, lo <= hi, at most "
                   "100000 ids");
        return;
    }
    struct mbuf b;
    mbuf_init(&b, 8u << 20);
    mbuf_adds(&b, "{\"items\":[");
    for (long long id = lo; id <= hi; id++)
        mbuf_printf(&b, "%s{\"id\":%lld}", id > lo ? "," : "", id);
    mbuf_adds(&b, "]}");
    reply_json(o, 200, &b);
}

static void search(struct outcome *o, const struct query *q, const char *ctype)
{
    struct mbuf b;
    mbuf_init(&b, 4u << 20);
    mbuf_adds(&b, "{\"items\":[{\"content_type\":\"");
    mbuf_add_json(&b, ctype ? ctype : "", ctype ? strlen(ctype) : 0);
    mbuf_adds(&b, "\",\"body\":\"");
    mbuf_add_json(&b, q->body ? q->body : "", q->body_n);
    mbuf_adds(&b, "\"}]}");
    reply_json(o, 200, &b);
}

int parts_route(struct outcome *o, const char *method, const struct query *q)
{
    static const char regions[] = "/regions/";
    const char *p = q->path;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strncmp(p, regions, sizeof regions - 1) == 0) {
        const char *seg = p + sizeof regions - 1;
        const char *slash = strchr(seg, '/');
        if (!slash || slash == seg || strcmp(slash, "/items") != 0)
            return 0;
        if (!get)
            reply_error(o, 405, "method not allowed");
        else
            region_items(o, q, seg, (size_t)(slash - seg));
        return 1;
    }
    if (strcmp(p, "/search") == 0) {
        if (strcmp(method, "POST") != 0)
            reply_error(o, 405, "method not allowed: POST a body");
        else
            search(o, q, q->content_type);
        return 1;
    }
    if (strcmp(p, "/ids") == 0) {
        if (!get)
            reply_error(o, 405, "method not allowed");
        else
            ids(o, q);
        return 1;
    }
    return 0;
}
