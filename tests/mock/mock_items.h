/* mock_items.h: GET /items, records with an `updated_at` for incremental
 * pulls (docs/internals/mock.md#items). */
#ifndef NEOWS_MOCK_ITEMS_H
#define NEOWS_MOCK_ITEMS_H

struct outcome;

/* --items-state FILE: 1 taken, 0 not this option. */
int items_option(const char *opt, const char *val);
/* Answers `path` when it is /items (1), else 0. `uri` is the raw request
 * target (its query holds since, parts, part). */
int items_route(struct outcome *o, const char *method, const char *path,
                const char *uri);

#endif
