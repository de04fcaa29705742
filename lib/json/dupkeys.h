/* dupkeys.h: member names given more than once in one object of a record.
 *
 * JSON leaves a repeated name's meaning open (RFC 8259 4: "names SHOULD be
 * unique"); most readers (JavaScript, Python, Go, DuckDB's read_json) keep
 * the last value, and so does sluice, in every sink. A sink feeds each
 * event of a record here together with where, in its own buffer, the
 * member it begins starts; at the record's end it learns the byte spans of
 * the earlier occurrences, cuts them out and writes the rest unchanged.
 * A record without a repeated name costs one hash lookup per member and no
 * copy; only records that have one are rewritten.
 *
 * A member's span runs from its key to the next member's key of the same
 * object, so it holds the member's separator (the `,` after it in JSON
 * text) and never the object's closing brace: the last member of an object
 * is never an earlier occurrence, so cutting spans always leaves valid
 * text. Spans handed back are sorted and disjoint (a repeated member inside
 * a member that is cut anyway is not listed again).
 *
 * Counts are kept per window for one warning per repeated path
 * ("a.b: ..."), not one per record; at most 16 paths are named, the rest
 * counted together. Memory: the record's member names (bounded by the
 * record) and a hash table sized to its members, both reused. */
#ifndef SLUICE_JSON_DUPKEYS_H
#define SLUICE_JSON_DUPKEYS_H

#include "json/json_reader.h"
#include "util/buf.h"

struct sluice_dupkeys;

/* A byte range [begin, end) of the caller's buffer. */
struct sluice_span {
    size_t begin, end;
};

SLUICE_NODISCARD int sluice__dupkeys_new(struct sluice_dupkeys **out);
void sluice__dupkeys_free(struct sluice_dupkeys *d);

/* A new window: forgets the counts. */
void sluice__dupkeys_window(struct sluice_dupkeys *d);
/* A new record. */
void sluice__dupkeys_record(struct sluice_dupkeys *d);
/* One event of the record, in order. For SLUICE_JSON_KEY, `at` is where
 * the member begins in the caller's buffer (its key, after any separator
 * before it); for the other events it is ignored. SLUICE_ENOMEM, or
 * SLUICE_ETOOBIG past 2^32 members in one record. */
SLUICE_NODISCARD int sluice__dupkeys_event(struct sluice_dupkeys *d,
                                           enum sluice_json_event ev,
                                           const char *p, size_t n,
                                           size_t at);
/* After the record's last event: works out the spans to cut (sorted,
 * disjoint); *n_spans gets their number, 0 for a record without repeated
 * names (then there is nothing to do). SLUICE_ENOMEM. */
SLUICE_NODISCARD int sluice__dupkeys_end(struct sluice_dupkeys *d,
                                         size_t *n_spans);
/* Cuts those spans out of b (their offsets are b's) and moves the rest
 * together: the record with only the last occurrence of each name. */
void sluice__dupkeys_cut(const struct sluice_dupkeys *d, struct sluice_buf *b);
/* Appends this window's warnings, one line per repeated path:
 *   "a.b: member given more than once in one object (3 earlier values
 *    dropped, in 2 records): the last one kept"
 * (nothing when there were none). */
SLUICE_NODISCARD int sluice__dupkeys_warnings(const struct sluice_dupkeys *d,
                                              struct sluice_buf *out);

#endif
