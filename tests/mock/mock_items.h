/* mock_items.h: GET /items, records with an `updated_at` for incremental
 * pulls (docs/internals/mock.md#items). */
#ifndef NEOWS_MOCK_ITEMS_H
#define NEOWS_MOCK_ITEMS_H

#include <stddef.h>

struct outcome;

/* --items-state FILE: 1 taken, 0 not this option. */
int items_option(const char *opt, const char *val);
/* Answers `path` when it is /items (1), else 0. `uri` is the raw request
 * target (its query holds since, parts, part); a POST takes `since` from
 * its JSON body instead ({"since": "..."}; body/body_n, may be NULL). */
int items_route(struct outcome *o, const char *method, const char *path,
                const char *uri, const char *body, size_t body_n);

#endif
