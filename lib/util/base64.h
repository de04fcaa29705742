/* base64.h: RFC 4648 base64 (the standard alphabet, '=' padding), for the
 * one place sluice needs it: the HTTP Basic credentials of RFC 7617
 * ("Authorization: Basic base64(user:password)").
 *
 * Appends to a bounded buffer (util/buf.h); fails only when it cannot
 * grow (SLUICE_ENOMEM, SLUICE_ETOOBIG, the buffer then emptied). */
#ifndef SLUICE_UTIL_BASE64_H
#define SLUICE_UTIL_BASE64_H

#include "util/buf.h"

SLUICE_NODISCARD int sluice__base64_append(struct sluice_buf *out,
                                           const void *p, size_t n);

#endif
