/* select.h: the record selector, a JSONPath subset (RFC 9535) compiled to a
 * streaming matcher. It sits between the reader and a record consumer: it
 * receives every reader event and forwards only those inside a selected
 * value, framed by record_begin/record_end.
 *
 * Supported: the root `$`, child segments `.name`, `['name']` / `["name"]`
 * (with the RFC's escapes), wildcards `.*`, `[*]`, `*` (after a dot), and
 * array indices `[n]` and, one per path, negative ones `[-n]` (counted from
 * the end, n <= 1024). A wildcard on an object matches every member, on an
 * array every element. Anything else (filters, slices, descendant `..`,
 * unions) is rejected at compile time with the byte position.
 *
 * A negative index's element is known only when its array closes: until
 * then the records of each of the last n elements (and the verdict of
 * each) are kept aside, at most 64 MiB each (SLUICE_ETOOBIG past it), and
 * the chosen element's are delivered when the array closes.
 *
 * Selected values never nest (a selected value's interior is not searched),
 * so records are disjoint and come in document order.
 *
 * The selector also judges whether the response had the shape the path
 * names (sluice__selector_verdict), so a window whose records are not where
 * the path says is never taken for an empty one. It watches, while the
 * response streams, every value a step has to descend into and every
 * member or element a name or index step asks for; it keeps the first
 * problem of each kind and the response's first top-level keys, never the
 * response. */
#ifndef SLUICE_JSON_SELECT_H
#define SLUICE_JSON_SELECT_H

#include "json/json_reader.h"

struct sluice_record_consumer {
    /* A record starts. `key`/`key_n`: the member name matched by the
     * deepest wildcard step that matched an object member (for
     * `$.near_earth_objects.*[*]` the day: `[*]` matched an array, so
     * `.*` counts), or NULL when no wildcard matched an object. Valid
     * during the call only. */
    int (*record_begin)(void *ud, const char *key, size_t key_n);
    /* Every reader event of the record's value, in order. */
    int (*event)(void *ud, enum sluice_json_event ev, const char *p,
                 size_t n);
    int (*record_end)(void *ud);
    void *ud;
};

struct sluice_selector;

/* Compiles `path`. On error returns SLUICE_EPATH with a message like
 * "byte 14: filters are not supported" in err (0-based byte of `path`; the
 * caller prefixes context such as "records: "), *out = NULL. SLUICE_ENOMEM
 * when out of memory. `c` is copied. */
SLUICE_NODISCARD int sluice__selector_new(const char *path,
                                          const struct sluice_record_consumer *c,
                                          struct sluice_selector **out,
                                          struct sluice_err *err);
void sluice__selector_free(struct sluice_selector *s);
/* Ready for a new document (e.g. the next response). */
void sluice__selector_reset(struct sluice_selector *s);
/* Number of records completed since the last reset. */
uint64_t sluice__selector_records(const struct sluice_selector *s);

/* What the last document held where the path looks for records:
 *   FOUND       every step found what it descends into: an object for a
 *               name step, an array for an index step, an object or an
 *               array for a wildcard (RFC 9535: `.*` and `[*]` are the same
 *               selector). Empty containers are FOUND: zero records.
 *   ABSENT      a name step found no member of that name, or an index step
 *               an array too short.
 *   NULL        a value the path descends into is null.
 *   WRONG_TYPE  a value the path descends into is a scalar, or an array
 *               where a name step wants an object, or an object where an
 *               index step wants an array.
 * The selected values themselves (records) may be anything. */
enum sluice_select_verdict {
    SLUICE_SELECT_FOUND,
    SLUICE_SELECT_ABSENT,
    SLUICE_SELECT_NULL,
    SLUICE_SELECT_WRONG_TYPE
};

/* Judges the document fed since the last reset; call after its last event
 * (sluice__json_reader_finish succeeded). With `allow_missing`, ABSENT and
 * NULL count as FOUND (an API that leaves out or nulls an empty list);
 * WRONG_TYPE never does. When the verdict is not FOUND, `why` gets the first
 * such problem and what the response held instead, e.g.
 *   $.near_earth_objects absent; the response holds keys "error", "message"
 * (locations and keys are truncated, at most 10 keys are named; an empty
 * string when FOUND). `why` may be NULL. */
enum sluice_select_verdict
sluice__selector_verdict(const struct sluice_selector *s, bool allow_missing,
                         struct sluice_err *why);

/* Whether the verdict (without allow_missing) is ABSENT because the
 * path's last step found no member or element in a container that is
 * there (`$.paging.next` in {"paging":{}}), as opposed to a step above it
 * missing: a value that is simply not given, not a path that does not fit
 * the document. */
bool sluice__selector_absent_last(const struct sluice_selector *s);

/* The reader callback: pass it to sluice__json_reader_new with the
 * selector as `ud`. A consumer's non-zero return propagates. */
int sluice__selector_on_event(void *selector, enum sluice_json_event ev,
                              const char *p, size_t n);

#endif
