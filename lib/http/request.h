/* request.h: building one request (URL with query string, header list) and
 * configuring a reusable curl easy handle with sluice's transfer policy:
 * timeouts, low-speed abort, every codec libcurl has, HTTP/2 when offered,
 * TLS verification always on unless the user said --insecure. */
#ifndef SLUICE_HTTP_REQUEST_H
#define SLUICE_HTTP_REQUEST_H

#include <curl/curl.h>

#include "util/buf.h"

struct sluice_http_policy {
    long connect_timeout_ms;
    long timeout_ms;
    long low_speed_bytes;
    long low_speed_secs;
    bool insecure;
    const char *ca_file; /* trust this PEM bundle; NULL: the system's */
};

/* Appends `p`/`n` percent-encoded (everything but A-Z a-z 0-9 - . _ ~). */
SLUICE_NODISCARD int sluice__url_encode(struct sluice_buf *out, const char *p,
                                        size_t n);

/* Appends "name=value" (both encoded) to a URL in `url`, with '?' or '&'
 * as the URL so far requires. */
SLUICE_NODISCARD int sluice__url_add_param(struct sluice_buf *url,
                                           const char *name,
                                           const char *value);

/* Sets the options that do not change between requests on `e` (called
 * once per easy handle; curl_easy_reset is never needed in between). */
SLUICE_NODISCARD int sluice__http_easy_setup(CURL *e,
                                             const struct sluice_http_policy *p,
                                             struct sluice_err *err);

/* The User-Agent sluice sends: "sluice/<version>". */
const char *sluice__http_user_agent(void);

#endif
