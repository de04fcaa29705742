/* select.h: the record selector, a JSONPath subset (RFC 9535) compiled to a
 * streaming matcher. It sits between the reader and a record consumer: it
 * receives every reader event and forwards only those inside a selected
 * value, framed by record_begin/record_end.
 *
 * Supported: the root `$`, child segments `.name`, `['name']` / `["name"]`
 * (with the RFC's escapes), wildcards `.*`, `[*]`, `*` (after a dot), and
 * non-negative array indices `[n]`. A wildcard on an object matches every
 * member, on an array every element. Anything else (filters, slices,
 * negative indices, descendant `..`, unions) is rejected at compile time
 * with the byte position.
 *
 * Selected values never nest (a selected value's interior is not searched),
 * so records are disjoint and come in document order. */
#ifndef SLUICE_JSON_SELECT_H
#define SLUICE_JSON_SELECT_H

#include "json/reader.h"

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

/* The reader callback: pass it to sluice__json_reader_new with the
 * selector as `ud`. A consumer's non-zero return propagates. */
int sluice__selector_on_event(void *selector, enum sluice_json_event ev,
                              const char *p, size_t n);

#endif
