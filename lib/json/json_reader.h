/* json_reader.h: the push JSON reader. Bytes go in, in chunks of any size; events
 * come out through a callback as soon as each token is complete. The events
 * (and any error) are the same however the input is split.
 *
 * Strict RFC 8259: exactly one top-level value surrounded by optional
 * whitespace; strings must be valid UTF-8 and escapes valid (a lone UTF-16
 * surrogate escape is an error); numbers follow the JSON grammar. Nesting
 * deeper than max_depth and tokens longer than max_token are errors.
 *
 * Zero allocation per value: string and number payloads are views into the
 * fed chunk when the token lies inside it unescaped; only a token that
 * straddles two chunks or holds escapes is copied into the reader's scratch
 * buffer (bounded by max_token). */
#ifndef SLUICE_JSON_READER_H
#define SLUICE_JSON_READER_H

#include "util/common.h"

enum sluice_json_event {
    SLUICE_JSON_NULL,
    SLUICE_JSON_FALSE,
    SLUICE_JSON_TRUE,
    SLUICE_JSON_NUMBER,       /* payload: the number's literal text */
    SLUICE_JSON_STRING,       /* payload: unescaped UTF-8 (may hold NUL) */
    SLUICE_JSON_KEY,          /* payload: unescaped UTF-8 member name */
    SLUICE_JSON_ARRAY_BEGIN,
    SLUICE_JSON_ARRAY_END,
    SLUICE_JSON_OBJECT_BEGIN,
    SLUICE_JSON_OBJECT_END
};

/* Receives one event. `p`/`n` is the payload for NUMBER, STRING and KEY
 * (NULL/0 otherwise), valid only during the call. Returning non-zero stops
 * the reader: feed() then returns that value and the reader is in error. */
typedef int (*sluice_json_event_fn)(void *ud, enum sluice_json_event ev,
                                    const char *p, size_t n);

struct sluice_json_reader_opts {
    size_t max_depth; /* 0 means 512 */
    size_t max_token; /* 0 means 64 MiB: longest string/number payload
                       * accepted. A longer token is still validated to its
                       * end, then fails with SLUICE_ETOOBIG at its first
                       * byte, so the answer does not depend on chunking. */
};

struct sluice_json_reader;

/* Returns NULL when out of memory. `opts` may be NULL for defaults. */
struct sluice_json_reader *
sluice__json_reader_new(const struct sluice_json_reader_opts *opts,
                        sluice_json_event_fn fn, void *ud);
void sluice__json_reader_free(struct sluice_json_reader *r);
/* Back to the initial state (same callback), keeping allocated memory. */
void sluice__json_reader_reset(struct sluice_json_reader *r);

/* Feeds the next chunk. SLUICE_OK when everything so far is a valid prefix
 * of a JSON text; SLUICE_EJSON (details in _error) on malformed input,
 * SLUICE_ETOOBIG past a limit, SLUICE_ENOMEM, or the callback's non-zero
 * return. After an error every further feed returns the same code. */
SLUICE_NODISCARD int sluice__json_reader_feed(struct sluice_json_reader *r,
                                              const char *p, size_t n);
/* Declares the end of input: SLUICE_OK only if one complete value was read
 * (a top-level number is only complete here). */
SLUICE_NODISCARD int sluice__json_reader_finish(struct sluice_json_reader *r);

/* "byte 1832 (line 4, col 17): expected ',' or '}'" — offsets are 0-based
 * bytes, lines and columns 1-based (columns count bytes). "" when fine. */
const char *sluice__json_reader_error(const struct sluice_json_reader *r);
/* Total bytes consumed so far. */
uint64_t sluice__json_reader_offset(const struct sluice_json_reader *r);

#endif
