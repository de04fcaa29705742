/* redirect.h: what a redirect may carry. sluice follows redirects itself
 * (libcurl's CURLOPT_FOLLOWLOCATION is off) so that every hop is checked
 * against the job's origin before anything is sent there
 * (docs/internals/http.md#redirects, docs/job-file.md#secrets).
 *
 * - sluice__url_origin: "scheme://host:port", scheme and host lower-case,
 *   the port always written (80, 443 by default), so two spellings of one
 *   origin compare equal.
 * - sluice__redirect_strip: the URL with nothing secret left in what
 *   sluice can take out: userinfo removed, and every query parameter whose
 *   name says it is a secret (sluice__secret_name) or whose value holds one
 *   of the job's secrets (raw or decoded) dropped. A secret in the path
 *   cannot be taken out: the caller must check the result and refuse.
 *
 * Both return SLUICE_OK, SLUICE_EINVAL for a URL libcurl cannot parse, or
 * SLUICE_ENOMEM / SLUICE_ETOOBIG when `out` cannot grow. */
#ifndef SLUICE_HTTP_REDIRECT_H
#define SLUICE_HTTP_REDIRECT_H

#include "util/buf.h"
#include "util/redact.h"

/* http.follow_redirects */
enum sluice_redirects {
    SLUICE_REDIRECT_SAME_ORIGIN, /* default: another origin is refused */
    SLUICE_REDIRECT_ANY,         /* followed, without the job's secrets */
    SLUICE_REDIRECT_NONE         /* no redirect is followed */
};

/* Redirects one attempt may follow before it fails. */
#define SLUICE_REDIRECTS_MAX 5

SLUICE_NODISCARD int sluice__url_origin(const char *url,
                                        struct sluice_buf *out);
SLUICE_NODISCARD int sluice__redirect_strip(const char *url,
                                            const struct sluice_secrets *s,
                                            struct sluice_buf *out);

#endif
