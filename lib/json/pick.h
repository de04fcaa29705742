/* pick.h: one value read out of a document while it streams, for the
 * values a response carries about itself rather than records: the next
 * page's URL or cursor (`$.next`, `$.data[-1].id`), `$.has_more`, a total.
 * A pick is a selector (select.h) whose consumer keeps the first selected
 * value: a scalar's text, or only the kind of a container. Feed it the
 * reader's events beside the record selector (sluice__pick_on_event); no
 * part of the document is kept but that value.
 *
 * Limits: the value's text is kept up to SLUICE_PICK_MAX bytes (longer is
 * reported as SLUICE_PICK_TOO_LONG); a path with several matches keeps the
 * first in document order. */
#ifndef SLUICE_JSON_PICK_H
#define SLUICE_JSON_PICK_H

#include "json/select.h"

#define SLUICE_PICK_MAX (64u * 1024u)

enum sluice_pick_kind {
    SLUICE_PICK_ABSENT,  /* the path's last member or element is not
                            there, its container is: a value not given */
    SLUICE_PICK_NO_PATH, /* a step above it is absent, null or of another
                            type: the path does not fit (`why` says how) */
    SLUICE_PICK_NULL,
    SLUICE_PICK_FALSE,
    SLUICE_PICK_TRUE,
    SLUICE_PICK_NUMBER,  /* text: the literal */
    SLUICE_PICK_STRING,  /* text: unescaped UTF-8 */
    SLUICE_PICK_OBJECT,
    SLUICE_PICK_ARRAY,
    SLUICE_PICK_TOO_LONG /* a string or number over SLUICE_PICK_MAX */
};

struct sluice_pick;

/* Compiles `path` (select.h's syntax; errors as sluice__selector_new). */
SLUICE_NODISCARD int sluice__pick_new(const char *path,
                                      struct sluice_pick **out,
                                      struct sluice_err *err);
void sluice__pick_free(struct sluice_pick *p);
/* Ready for the next document. */
void sluice__pick_reset(struct sluice_pick *p);
/* A reader event (the reader callback's signature, `pick` as ud). */
int sluice__pick_on_event(void *pick, enum sluice_json_event ev,
                          const char *p, size_t n);
/* After the document's last event: what the path held. `text`/`n` (may be
 * NULL) get the text of a number or string (NUL-terminated, valid until
 * the next reset), `why` (may be NULL) the reason for NO_PATH. */
enum sluice_pick_kind sluice__pick_result(const struct sluice_pick *p,
                                          const char **text, size_t *n,
                                          struct sluice_err *why);
/* "a string", "null", "absent", ...: for messages. */
const char *sluice__pick_kind_name(enum sluice_pick_kind k);

#endif
