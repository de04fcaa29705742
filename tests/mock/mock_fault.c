/* mock_fault.c: parsing and matching of --fault rules (syntax in
 * mock_fault.h and docs/internals/mock.md). One mutex guards the remaining
 * counts so that "#1" fires exactly once however many threads serve. */
#include "mock_fault.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 64

struct rule {
    struct fault_hit hit;
    int match_any;
    uint64_t nth;     /* 0 unless nth=K */
    char *start_date; /* NULL unless start_date=... */
    char *query;      /* NULL unless query~TEXT */
    long long left;   /* -1 = unlimited */
};

static struct rule rules[MAX_RULES];
static int nrules;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int parse_kind(const char *s, size_t n, struct fault_hit *h)
{
    static const struct {
        const char *name;
        enum fault_kind kind;
        unsigned status;
    } kinds[] = {
        {"500", FAULT_STATUS, 500},
        {"502", FAULT_STATUS, 502},
        {"503", FAULT_STATUS, 503},
        {"504", FAULT_STATUS, 504},
        {"429", FAULT_STATUS, 429},
        {"429-bare", FAULT_STATUS, 429},
        {"400", FAULT_STATUS, 400},
        {"403", FAULT_STATUS, 403},
        {"reset", FAULT_RESET, 0},
        {"truncate", FAULT_TRUNCATE, 200},
        {"invalid-json", FAULT_INVALID_JSON, 200},
        {"slow", FAULT_SLOW, 200},
        {"timeout", FAULT_TIMEOUT, 0},
        {"hold", FAULT_HOLD, 0},
        {"huge-header", FAULT_HUGE_HEADER, 200},
        {"many-headers", FAULT_MANY_HEADERS, 200},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strlen(kinds[i].name) == n && memcmp(kinds[i].name, s, n) == 0) {
            h->kind = kinds[i].kind;
            h->status = kinds[i].status;
            /* clients must cope with a 429 that names no wait */
            h->no_retry_after = strcmp(kinds[i].name, "429-bare") == 0;
            return 0;
        }
    }
    return -1;
}

static int parse_uint(const char *s, size_t n, unsigned long long *out)
{
    unsigned long long v = 0;
    if (n == 0 || n > 18)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int fault_add(const char *spec, char *err, size_t errsz)
{
    struct rule r;
    memset(&r, 0, sizeof(r));
    r.left = -1;
    const char *at = strchr(spec, '@');
    if (!at) {
        snprintf(err, errsz, "fault '%s': expected KIND@MATCH[#COUNT]", spec);
        return -1;
    }
    if (parse_kind(spec, (size_t)(at - spec), &r.hit) != 0) {
        snprintf(err, errsz, "fault '%s': unknown kind '%.*s'", spec,
                 (int)(at - spec), spec);
        return -1;
    }
    const char *m = at + 1;
    const char *hash = strchr(m, '#');
    size_t mn = hash ? (size_t)(hash - m) : strlen(m);
    if (hash) {
        unsigned long long c;
        if (parse_uint(hash + 1, strlen(hash + 1), &c) != 0 || c == 0) {
            snprintf(err, errsz, "fault '%s': COUNT must be a number >= 1",
                     spec);
            return -1;
        }
        r.left = (long long)c;
    }
    if (mn == 1 && m[0] == '*') {
        r.match_any = 1;
    } else if (mn > 4 && memcmp(m, "nth=", 4) == 0) {
        unsigned long long k;
        if (parse_uint(m + 4, mn - 4, &k) != 0 || k == 0) {
            snprintf(err, errsz, "fault '%s': nth=K needs K >= 1", spec);
            return -1;
        }
        r.nth = k;
    } else if (mn > 11 && memcmp(m, "start_date=", 11) == 0) {
        r.start_date = strndup(m + 11, mn - 11);
        if (!r.start_date) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    } else if (mn > 6 && memcmp(m, "query~", 6) == 0) {
        r.query = strndup(m + 6, mn - 6);
        if (!r.query) {
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    } else {
        snprintf(err, errsz,
                 "fault '%s': MATCH must be *, nth=K, start_date=DATE or "
                 "query~TEXT", spec);
        return -1;
    }
    if (nrules == MAX_RULES) {
        free(r.start_date);
        free(r.query);
        snprintf(err, errsz, "too many --fault rules (at most %d)", MAX_RULES);
        return -1;
    }
    rules[nrules++] = r;
    return 0;
}

struct fault_hit fault_match(uint64_t nth, const char *start_date,
                             const char *uri)
{
    struct fault_hit none = {FAULT_NONE, 0, 0};
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nrules; i++) {
        struct rule *r = &rules[i];
        if (r->left == 0)
            continue;
        int ok = r->match_any || (r->nth && r->nth == nth) ||
                 (r->start_date && start_date &&
                  strcmp(r->start_date, start_date) == 0) ||
                 (r->query && uri && strstr(uri, r->query) != NULL);
        if (!ok)
            continue;
        if (r->left > 0)
            r->left--;
        none = r->hit;
        break;
    }
    pthread_mutex_unlock(&lock);
    return none;
}

int fault_uses(enum fault_kind kind)
{
    for (int i = 0; i < nrules; i++)
        if (rules[i].hit.kind == kind)
            return 1;
    return 0;
}

void fault_free_all(void)
{
    for (int i = 0; i < nrules; i++) {
        free(rules[i].start_date);
        free(rules[i].query);
    }
    nrules = 0;
}
