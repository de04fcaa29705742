/* mock_route.h: what neows-mock answers before faults and transport get
 * involved: the raw query, the NeoWs and gateway error bodies, and the feed
 * itself, generated (through the cache) or replayed from a directory. */
#ifndef NEOWS_MOCK_ROUTE_H
#define NEOWS_MOCK_ROUTE_H

#include <stddef.h>

struct cache_entry;

struct query {
    char *path;
    char *start; /* raw values as sent, NULL when absent */
    char *end;
    char *key;
    char *raw; /* the query string as sent (after '?'), NULL: none */
    const char *body; /* the request's body, borrowed; NULL: none */
    size_t body_n;
    const char *content_type; /* its Content-Type header, borrowed */
};

/* Splits a raw URI "path?query"; keeps the first occurrence of each
 * parameter, values as sent. Returns 0 or -1 (no memory). */
int query_parse(const char *uri, struct query *q);
void query_free(struct query *q);
/* Percent-decodes s in place ('+' is a space in a query). */
void url_decode(char *s);

/* What a request gets before faults change it. Exactly one of entry/own
 * holds the body. */
struct outcome {
    unsigned status;
    const char *ctype;
    struct cache_entry *entry;
    char *own;
    size_t n;
    long retry_after; /* -1: no Retry-After header */
    char *location;   /* owned; a redirect's Location, NULL: none */
    /* one more response header (mock_pages.c: Link, X-Next-Cursor), both
     * owned; NULL: none */
    char *hdr_name, *hdr_value;
};

void gateway_error(struct outcome *o, unsigned status, const char *code,
                   const char *msg);
void bad_request(struct outcome *o, const char *path, const struct query *q);
/* An HTML "Application error" page with `status`. */
void html_error(struct outcome *o, unsigned status);
/* 429 OVER_RATE_LIMIT; --retry-after overrides retry_after. */
void rate_limited(struct outcome *o, long retry_after);
/* The API's own answer to an authorised request. */
void route(struct outcome *o, const char *method, const struct query *q,
           const char *key_echo);

#endif
