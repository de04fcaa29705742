/* mock_reply.c: the replies and the query lookup shared by the generated
 * endpoints (mock_reply.h). */
#include "mock_reply.h"

#include <stdlib.h>
#include <string.h>

void reply_json(struct outcome *o, unsigned status, struct mbuf *b)
{
    o->status = status;
    o->ctype = "application/json";
    o->entry = NULL;
    o->retry_after = -1;
    o->own = mbuf_take(b, &o->n);
    if (!o->own) {
        o->status = 500;
        o->own = strdup("{}");
        o->n = o->own ? 2 : 0;
    }
}

void reply_error(struct outcome *o, unsigned status, const char *msg)
{
    struct mbuf b;
    mbuf_init(&b, 4096);
    mbuf_adds(&b, "{\"error\":\"");
    mbuf_add_json(&b, msg, strlen(msg));
    mbuf_adds(&b, "\"}");
    reply_json(o, status, &b);
}

char *query_param(const struct query *q, const char *name)
{
    size_t nn = strlen(name);
    for (const char *p = q->raw; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > nn && memcmp(p, name, nn) == 0 && p[nn] == '=') {
            char *v = strndup(p + nn + 1, len - nn - 1);
            if (v)
                url_decode(v);
            return v;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}
