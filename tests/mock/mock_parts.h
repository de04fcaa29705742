/* mock_parts.h: endpoints keyed by other than dates, for sluice's
 * partitions (tests/mock/mock_parts.c has the shapes). */
#ifndef NEOWS_MOCK_PARTS_H
#define NEOWS_MOCK_PARTS_H

#include "mock_route.h"

/* Answers the request into `o` and returns 1 when its path is one of
 * these endpoints; 0 leaves it to the feed. */
int parts_route(struct outcome *o, const char *method, const struct query *q);

#endif
