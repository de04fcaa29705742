/* sized.c: copying the public structs that can grow between the caller's
 * size and the library's (contract in sized.h). */
#include "util/sized.h"

#include <string.h>

static size_t size_of(const void *s)
{
    size_t n;
    memcpy(&n, s, sizeof n); /* the struct's first member */
    return n;
}

void sluice__sized_init(void *dst, size_t size, const void *defaults,
                        size_t full)
{
    memset(dst, 0, size);
    if (size < sizeof(size_t))
        return;
    memcpy(dst, defaults, size < full ? size : full);
    memcpy(dst, &size, sizeof size);
}

int sluice__sized_in(void *dst, size_t full, const void *src,
                     const char *what, const char *init,
                     struct sluice_err *err)
{
    if (!src)
        return SLUICE_OK;
    size_t n = size_of(src);
    if (n < sizeof(size_t)) {
        sluice__err_set(err, "%s: size is %zu: set it with %s()", what, n,
                        init);
        return SLUICE_EINVAL;
    }
    if (n > full) {
        /* A program built against a newer sluice.h: what it set beyond
         * what this library knows would be ignored, so refuse instead;
         * members it left at their (zero) defaults are harmless. */
        const unsigned char *tail = (const unsigned char *)src + full;
        for (size_t i = 0; i < n - full; i++)
            if (tail[i]) {
                sluice__err_set(err,
                                "%s is %zu bytes, this libsluice %s knows %zu: "
                                "the program sets a member this library does "
                                "not have (built against a newer sluice.h)",
                                what, n, sluice_version(), full);
                return SLUICE_EINVAL;
            }
        n = full;
    }
    memcpy(dst, src, n);
    memcpy(dst, &full, sizeof full);
    return SLUICE_OK;
}

int sluice__sized_out_check(const void *dst, const char *what,
                            const char *init, struct sluice_err *err)
{
    size_t n = size_of(dst);
    if (n < sizeof(size_t)) {
        sluice__err_set(err, "%s: size is %zu: set it with %s()", what, n,
                        init);
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

void sluice__sized_out(void *dst, const void *src, size_t full)
{
    size_t n = size_of(dst);
    if (n > full)
        n = full;
    /* The size member stays the caller's: copy what follows it. */
    memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
           n - sizeof(size_t));
}
