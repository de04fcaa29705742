/* mock_items.c: GET /items?since=T&parts=N&part=K (or POST /items with
 * {"since": T} in its body), a list API whose
 * records carry `updated_at` (like GitHub's issues with `since`), for
 * tests of incremental pulls:
 *
 *   {"generation":G,"items":[{"id":1,"name":"item 1",
 *                             "updated_at":"2024-01-01T01:00:00Z"},...]}
 *
 * The data is a pure function of the generation, which a test sets
 * between runs in the --items-state file ("G", read at every request; no
 * file: 0), so what changed is exact:
 *   generation 0: items 1..100, updated_at 2024-01-01T00:00:00Z + id hours,
 *                 and item 0, which has no updated_at (a record lacking the
 *                 cursor), listed only when `since` is not given;
 *   generation 1: items 101..120 added (2024-02-01T00:00:00Z + (id-100)
 *                 minutes), items 20, 40, 60, 80, 100 changed
 *                 (2024-02-02T00:00:00Z + id seconds, name "item N v2").
 * since (YYYY-MM-DDTHH:MM:SSZ) keeps the items updated at or after it;
 * parts/part keep the ids with id % parts == part (partitions of one
 * list). "fail=K" after the generation in the file makes part K answer
 * 503, so a test can fail one partition of a run. Items in id order. */
#include "mock_items.h"

#include "mock_route.h"
#include "mock_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *state_file;

int items_option(const char *opt, const char *val)
{
    if (strcmp(opt, "--items-state") != 0)
        return 0;
    state_file = val;
    return 1;
}

static void read_state(long *gen, long *fail)
{
    *gen = 0;
    *fail = -1;
    FILE *f = state_file ? fopen(state_file, "r") : NULL;
    if (!f)
        return;
    char line[128] = "";
    if (fgets(line, sizeof line, f)) {
        *gen = strtol(line, NULL, 10);
        const char *k = strstr(line, "fail=");
        if (k)
            *fail = strtol(k + 5, NULL, 10);
    }
    fclose(f);
}

/* The raw value of query parameter `name`, decoded, into out. */
static int param(const char *uri, const char *name, char *out, size_t cap)
{
    const char *q = strchr(uri, '?');
    size_t len = strlen(name);
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            size_t v = n - len - 1 < cap - 1 ? n - len - 1 : cap - 1;
            memcpy(out, p + len + 1, v);
            out[v] = '\0';
            url_decode(out);
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

/* Seconds since 1970 of an item's updated_at in generation gen (-1: it
 * does not exist then). */
static long long updated(long id, long gen)
{
    const long long jan1 = mock_days_from_civil(2024, 1, 1) * 86400LL;
    const long long feb1 = mock_days_from_civil(2024, 2, 1) * 86400LL;
    if (id > 100)
        return gen >= 1 && id <= 120 ? feb1 + (id - 100) * 60 : -1;
    if (gen >= 1 && id % 20 == 0)
        return feb1 + 86400 + id;
    return jan1 + id * 3600LL;
}

static void format_ts(long long t, char out[32])
{
    int y, m, d;
    long long day = t / 86400, s = t % 86400;
    mock_civil_from_days(day, &y, &m, &d);
    snprintf(out, 32, "%04d-%02d-%02dT%02lld:%02lld:%02lldZ", y, m, d, s / 3600,
             s / 60 % 60, s % 60);
}

static int parse_ts(const char *s, long long *t)
{
    int y, mo, d, h, mi, se;
    char z;
    if (strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &z) !=
            7 ||
        z != 'Z')
        return -1;
    *t = mock_days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + se;
    return 0;
}

static void answer(struct outcome *o, unsigned status, struct mbuf *b)
{
    o->status = status;
    o->ctype = "application/json";
    o->own = mbuf_take(b, &o->n);
    if (!o->own)
        html_error(o, 500);
}

/* `"since": "VALUE"` in a JSON body (no escapes in a timestamp): 1 and
 * VALUE in out, 0 when the body has no such string member. */
static int body_since(const char *body, size_t n, char *out, size_t cap)
{
    static const char key[] = "\"since\"";
    for (size_t i = 0; body && i + sizeof key - 1 < n; i++) {
        if (memcmp(body + i, key, sizeof key - 1) != 0)
            continue;
        size_t j = i + sizeof key - 1;
        while (j < n && (body[j] == ' ' || body[j] == ':'))
            j++;
        if (j >= n || body[j] != '"')
            return 0;
        size_t k = ++j;
        while (k < n && body[k] != '"')
            k++;
        if (k >= n || k - j >= cap)
            return 0;
        memcpy(out, body + j, k - j);
        out[k - j] = '\0';
        return 1;
    }
    return 0;
}

int items_route(struct outcome *o, const char *method, const char *path,
                const char *uri, const char *body, size_t body_n)
{
    if (strcmp(path, "/items") != 0)
        return 0;
    struct mbuf b;
    mbuf_init(&b, 1 << 20);
    char since[64] = "", num[32] = "";
    long gen, fail, parts = 1, part = 0;
    long long t_since = 0;
    read_state(&gen, &fail);
    int post = strcmp(method, "POST") == 0;
    if (strcmp(method, "GET") != 0 && !post) {
        mbuf_adds(&b, "{\"message\":\"GET or POST only\"}");
        answer(o, 405, &b);
        return 1;
    }
    int has_since = post ? body_since(body, body_n, since, sizeof since)
                         : param(uri, "since", since, sizeof since);
    if (has_since && parse_ts(since, &t_since) != 0) {
        mbuf_adds(&b, "{\"message\":\"since: expected YYYY-MM-DDTHH:MM:SSZ\"}");
        answer(o, 400, &b);
        return 1;
    }
    if (param(uri, "parts", num, sizeof num))
        parts = strtol(num, NULL, 10);
    if (param(uri, "part", num, sizeof num))
        part = strtol(num, NULL, 10);
    if (parts < 1 || part < 0 || part >= parts) {
        mbuf_adds(&b, "{\"message\":\"part must be 0 to parts-1\"}");
        answer(o, 400, &b);
        return 1;
    }
    if (part == fail) {
        html_error(o, 503);
        return 1;
    }
    mbuf_printf(&b, "{\"generation\":%ld,\"items\":[", gen);
    int first = 1;
    for (long id = 0; id <= 120; id++) {
        if (id % parts != part)
            continue;
        long long t = id == 0 ? 0 : updated(id, gen);
        if (id == 0 ? has_since : (t < 0 || (has_since && t < t_since)))
            continue;
        char ts[32];
        mbuf_adds(&b, first ? "" : ",");
        first = 0;
        if (id == 0) {
            mbuf_adds(&b, "{\"id\":0,\"name\":\"legacy item\"}");
            continue;
        }
        format_ts(t, ts);
        mbuf_printf(&b, "{\"id\":%ld,\"name\":\"item %ld%s\",\"updated_at\":\"%s\"}",
                    id, id, gen >= 1 && id % 20 == 0 && id <= 100 ? " v2" : "",
                    ts);
    }
    mbuf_adds(&b, "]}");
    answer(o, 200, &b);
    return 1;
}
