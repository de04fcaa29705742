/* neows_gen.h: deterministic NeoWs feed data. Every near-Earth object of a
 * day is a pure function of the day number (splitmix64 seeded by it), so a
 * day's objects are the same whichever window asks for them, and a window's
 * body is the union of its days. Only the link host and the api_key, which
 * the real API echoes into every link, vary with the request. */
#ifndef NEOWS_MOCK_GEN_H
#define NEOWS_MOCK_GEN_H

#include <stdint.h>

#include "mock_util.h"

/* What the request contributes to the body: echoed verbatim (JSON-escaped). */
struct gen_echo {
    const char *base;  /* "http://api.nasa.gov", no trailing slash */
    const char *key;   /* api_key as sent (raw query text) */
    const char *start; /* start_date as sent */
    const char *end;   /* end_date as sent, or the computed default */
};

/* Objects per day multiplier (--scale, default 1): 1..64. A day holds
 * scale times as many objects, so a page is scale times larger (bench/run.sh's
 * W8 scenario); with 1 every body is what it always was. Set once, before
 * the server starts. */
extern int gen_scale;
/* Objects on a day: (12..22) * gen_scale, a pure function of the date. */
int gen_day_count(int64_t day);
/* Appends object `idx` (0-based, < gen_day_count(day)) of `day` as compact
 * JSON in the real key order. */
void gen_object(struct mbuf *b, int64_t day, int idx, const struct gen_echo *e);
/* Appends a whole feed body for days first..last (inclusive), day keys in a
 * deterministic shuffled order. */
void gen_window(struct mbuf *b, int64_t first, int64_t last,
                const struct gen_echo *e);

#endif
