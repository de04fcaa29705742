/* error_body.h: the server's own words from an error response. APIs put
 * them in different places; we look, in order, for NeoWs' `error_message`,
 * the API gateway's `error.code` + `error.message`, then a top-level
 * `message`, OAuth 2.0's `error` + `error_description` ("invalid_token:
 * The access token expired"), `error` (string), `detail` or `title`. A body that is not
 * JSON (an HTML error page) yields its first line of text. */
#ifndef SLUICE_HTTP_ERROR_BODY_H
#define SLUICE_HTTP_ERROR_BODY_H

#include "util/buf.h"

/* Appends a one-line message (at most ~300 bytes, control characters
 * replaced by spaces) to `out`. Appends nothing for an empty body. */
SLUICE_NODISCARD int sluice__http_error_message(const char *body, size_t n,
                                                struct sluice_buf *out);

#endif
