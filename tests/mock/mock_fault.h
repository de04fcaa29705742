/* mock_fault.h: fault-injection rules of neows-mock. A rule is written
 * KIND@MATCH[#COUNT]:
 *   KIND   500 502 503 504 429 429-bare 400 403 reset truncate
 *          invalid-json slow timeout hold   (429-bare: no Retry-After;
 *          hold: the normal answer, held until the server gets SIGUSR1;
 *          huge-header, many-headers: 1 MiB of response headers, in one
 *          line or in 1 KiB lines)
 *   MATCH  *                    any request
 *          start_date=DATE      a request whose query has start_date=DATE
 *                               (compared as text, as sent)
 *          nth=K                the K-th request the server received (1-based)
 *          query~TEXT           a request whose path and query, as sent,
 *                               contain TEXT (one page of a paginated API)
 *   COUNT  how many times the rule may fire (default: unlimited)
 * Rules are tried in the order given; the first that matches and has not
 * used up its count fires. Thread-safe. */
#ifndef NEOWS_MOCK_FAULT_H
#define NEOWS_MOCK_FAULT_H

#include <stddef.h>
#include <stdint.h>

enum fault_kind {
    FAULT_NONE = 0,
    FAULT_STATUS,   /* answer with `status` and its canned body */
    FAULT_RESET,    /* close the connection without a response */
    FAULT_TRUNCATE, /* full Content-Length, half the body, close */
    FAULT_INVALID_JSON,
    FAULT_SLOW,   /* drip the body a few bytes per 100 ms */
    FAULT_TIMEOUT, /* never answer */
    FAULT_HOLD,    /* the normal answer, sent once released (SIGUSR1) */
    FAULT_HUGE_HEADER, /* 200 with one 1 MiB header line */
    FAULT_MANY_HEADERS /* 200 with 1 MiB of 1 KiB header lines */
};

struct fault_hit {
    enum fault_kind kind;
    unsigned status;    /* for FAULT_STATUS */
    int no_retry_after; /* 429-bare: a 429 that names no wait */
};

/* Adds a rule; returns 0, or -1 with a message in err. */
int fault_add(const char *spec, char *err, size_t errsz);
/* Matches a request; `nth` is its 1-based number, `start_date` the raw
 * start_date value (NULL if absent), `uri` its path and query as sent.
 * Consumes one use of the rule. */
struct fault_hit fault_match(uint64_t nth, const char *start_date,
                             const char *uri);
/* Whether some rule injects `kind`. */
int fault_uses(enum fault_kind kind);
void fault_free_all(void);

#endif
