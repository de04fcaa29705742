/* cursor.h: the incremental cursor (`incremental.cursor`,
 * docs/job-file.md#incremental-by-a-value-from-the-records): the greatest
 * value at a member path over the records a run pulls, compared as its
 * declared type.
 *
 * - A path is `$` then member names: `$.updated_at`, `$.meta.ts`,
 *   `$['updated at']` (relative to each record; no wildcards, no indexes:
 *   a cursor is one value per record).
 * - Types: `timestamp` (ISO 8601: YYYY-MM-DDTHH:MM[:SS[.frac]] with Z, an
 *   offset +HH:MM / -HHMM, or nothing for UTC; or a date alone), `integer`
 *   (a JSON number or a string of one, int64), `string` (compared byte by
 *   byte). A value kept is its text exactly as the API sent it.
 * - A tracker takes one record's reader events at a time (record_begin,
 *   event..., record_end). A record without the path, or with null there,
 *   counts as `missing`; one whose value does not read as the type counts
 *   as `unreadable` (neither moves the cursor). A name given twice in one
 *   object: the last value counts (as everywhere in sluice).
 *
 * Errors: SLUICE_EPATH for a path outside the subset (message with the
 * byte), SLUICE_EINVAL for a value that does not read as the type,
 * SLUICE_ENOMEM / SLUICE_ETOOBIG when a buffer cannot grow. Values are at
 * most SLUICE_CURSOR_MAX bytes. */
#ifndef SLUICE_JSON_CURSOR_H
#define SLUICE_JSON_CURSOR_H

#include "json/json_reader.h"
#include "util/buf.h"

#define SLUICE_CURSOR_MAX 1024
#define SLUICE_CURSOR_DEPTH 16

enum sluice_cursor_type {
    SLUICE_CURSOR_TIMESTAMP,
    SLUICE_CURSOR_INTEGER,
    SLUICE_CURSOR_STRING
};

struct sluice_cursor_path {
    char *names[SLUICE_CURSOR_DEPTH];
    size_t n;
};

/* A value read as its type; `text` as the API sent it. */
struct sluice_cursor_value {
    bool set;
    int64_t secs;  /* timestamp: UTC seconds; integer: the number */
    int32_t nanos; /* timestamp: the fraction */
    char text[SLUICE_CURSOR_MAX + 1];
    size_t n;
};

struct sluice_cursor_tracker {
    const struct sluice_cursor_path *path; /* borrowed */
    enum sluice_cursor_type type;
    struct sluice_cursor_value max;        /* the greatest so far */
    uint64_t missing, unreadable;
    /* within one record */
    size_t depth, matched;
    bool pending;  /* the last key matched the next name */
    bool started;  /* the record's first event was seen */
    bool have;     /* a value at the path in this record (the last one) */
    bool is_null;
    char cand[SLUICE_CURSOR_MAX + 1];
    size_t cand_n;
    bool cand_long;
};

SLUICE_NODISCARD int sluice__cursor_path_compile(const char *path,
                                                 struct sluice_cursor_path *out,
                                                 struct sluice_err *err);
void sluice__cursor_path_cleanup(struct sluice_cursor_path *p);

/* Reads text as `type` into *v (SLUICE_EINVAL, err saying why). */
SLUICE_NODISCARD int sluice__cursor_value_parse(enum sluice_cursor_type type,
                                                const char *p, size_t n,
                                                struct sluice_cursor_value *v,
                                                struct sluice_err *err);
/* <0, 0, >0 as a is before, equal to or after b (both set). */
int sluice__cursor_cmp(enum sluice_cursor_type type,
                       const struct sluice_cursor_value *a,
                       const struct sluice_cursor_value *b);
/* Keeps the greater of *into and v in *into. */
void sluice__cursor_keep_max(enum sluice_cursor_type type,
                             struct sluice_cursor_value *into,
                             const struct sluice_cursor_value *v);

/* The value to send: v minus `lag` (timestamp: seconds; integer: units;
 * string: 0 only), appended to out. With no lag, v's own text; a
 * timestamp moved back is written YYYY-MM-DDTHH:MM:SS[.frac]Z (UTC). */
SLUICE_NODISCARD int sluice__cursor_minus(enum sluice_cursor_type type,
                                          const struct sluice_cursor_value *v,
                                          int64_t lag, struct sluice_buf *out);

void sluice__cursor_tracker_init(struct sluice_cursor_tracker *t,
                                 const struct sluice_cursor_path *path,
                                 enum sluice_cursor_type type);
void sluice__cursor_record_begin(struct sluice_cursor_tracker *t);
void sluice__cursor_event(struct sluice_cursor_tracker *t,
                          enum sluice_json_event ev, const char *p, size_t n);
void sluice__cursor_record_end(struct sluice_cursor_tracker *t);
/* Adds src's maximum and counts to dst. */
void sluice__cursor_tracker_merge(struct sluice_cursor_tracker *dst,
                                  const struct sluice_cursor_tracker *src);

#endif
