/* base64.c: RFC 4648 section 4 encoding (see base64.h). Three bytes become
 * four characters; a last group of one or two bytes is padded with '='. */
#include "util/base64.h"

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int sluice__base64_append(struct sluice_buf *out, const void *p, size_t n)
{
    const unsigned char *s = p;
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n; i += 3) {
        size_t left = n - i;
        unsigned v = (unsigned)s[i] << 16;
        if (left > 1)
            v |= (unsigned)s[i + 1] << 8;
        if (left > 2)
            v |= s[i + 2];
        char q[4] = {ALPHABET[(v >> 18) & 63], ALPHABET[(v >> 12) & 63],
                     left > 1 ? ALPHABET[(v >> 6) & 63] : '=',
                     left > 2 ? ALPHABET[v & 63] : '='};
        SLUICE_TRY(sluice__buf_append(out, q, 4));
    }
out:
    return rc;
}
