/* mock_reply.h: the small pieces every generated endpoint of neows-mock
 * answers with (mock_parts.c, mock_fanout.c, mock_pages.c): a JSON body
 * taken from a buffer, a {"error": ...} body, a query parameter read from
 * the raw query. */
#ifndef NEOWS_MOCK_REPLY_H
#define NEOWS_MOCK_REPLY_H

#include "mock_route.h"
#include "mock_util.h"

/* o answers `status` with b's bytes as application/json (b is emptied);
 * a 500 with "{}" when b failed. */
void reply_json(struct outcome *o, unsigned status, struct mbuf *b);
/* o answers `status` with {"error": msg}. */
void reply_error(struct outcome *o, unsigned status, const char *msg);
/* The value of `name` in q's raw query, percent-decoded (the caller
 * frees it); NULL when absent or out of memory. */
char *query_param(const struct query *q, const char *name);

#endif
