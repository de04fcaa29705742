/* mock_fanout.h: endpoints for sluice's fan-out (a parent resource listing
 * things, a child resource asked once per listed thing); the shapes are in
 * tests/mock/mock_fanout.c. */
#ifndef NEOWS_MOCK_FANOUT_H
#define NEOWS_MOCK_FANOUT_H

#include "mock_route.h"

/* Answers the request into `o` and returns 1 when its path is one of
 * these endpoints; 0 leaves it to the others. */
int fanout_route(struct outcome *o, const char *method, const struct query *q);

#endif
