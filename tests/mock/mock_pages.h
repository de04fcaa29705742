/* mock_pages.h: neows-mock's paginated endpoints, shaped like the APIs
 * sluice's pagination types are for (docs/internals/mock.md#paginated-endpoints):
 * GitHub (Link), Reddit (`after`), Stripe (`has_more` + `starting_after`),
 * Spotify (`next` + offset), RIDB (`offset`/`limit`, TOTAL_COUNT, key in an
 * `apikey` header), HubSpot (`paging.next.after`), and a cursor in a
 * response header. Each serves a deterministic collection named by the
 * query (`set`, `n`), so a test knows every item a pull must hold. */
#ifndef NEOWS_MOCK_PAGES_H
#define NEOWS_MOCK_PAGES_H

#include "mock_route.h"

/* Whether `path` is one of them (/pages/...). */
int pages_is(const char *path);
/* The answer to `uri` (path and raw query); `host` the request's Host
 * header (absolute next URLs name it), `apikey` its apikey header or
 * NULL. */
void pages_route(struct outcome *o, const char *uri, const char *host,
                 const char *apikey);

#endif
