/* buf.h: the growable, bounded byte buffer every module builds text and
 * binary data in (modelled on curl's dynbuf).
 *
 * - always NUL-terminated after the first successful append, so p can be
 *   used as a C string when the content has no NUL;
 * - has a mandatory maximum size: a hostile API cannot make us allocate
 *   without limit; going past it returns SLUICE_ETOOBIG;
 * - frees its memory when an append fails, so a failed buffer is empty and
 *   reusable; sluice__buf_take() hands the memory to the caller. */
#ifndef SLUICE_UTIL_BUF_H
#define SLUICE_UTIL_BUF_H

#include <string.h>

#include "util/common.h"

struct sluice_buf {
    char *p;    /* NULL until the first append */
    size_t n;   /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* the most n may ever be */
};

void sluice__buf_init(struct sluice_buf *b, size_t max);
void sluice__buf_cleanup(struct sluice_buf *b);
/* Empties the buffer but keeps its memory for reuse. */
void sluice__buf_reset(struct sluice_buf *b);
SLUICE_NODISCARD int sluice__buf_append_slow(struct sluice_buf *b,
                                             const void *p, size_t n);
/* Appends n bytes: inline while there is room (the Parquet column writer
 * and the event spool append a few bytes per value), else through
 * sluice__buf_append_slow, which grows the buffer within its bound. */
SLUICE_NODISCARD static inline int sluice__buf_append(struct sluice_buf *b,
                                                      const void *p, size_t n)
{
    if (b->p && n < b->cap - b->n) { /* n + the NUL fit: within max too */
        if (n)
            memcpy(b->p + b->n, p, n);
        b->n += n;
        b->p[b->n] = '\0';
        return SLUICE_OK;
    }
    return sluice__buf_append_slow(b, p, n);
}
SLUICE_NODISCARD int sluice__buf_addc_slow(struct sluice_buf *b, char c);
/* One byte: inline while there is room (the JSON writer adds punctuation
 * a byte at a time). */
SLUICE_NODISCARD static inline int sluice__buf_addc(struct sluice_buf *b,
                                                    char c)
{
    if (b->p && b->n + 1 < b->cap) {
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
        return SLUICE_OK;
    }
    return sluice__buf_addc_slow(b, c);
}
SLUICE_NODISCARD int sluice__buf_adds(struct sluice_buf *b, const char *s);
SLUICE_NODISCARD int sluice__buf_appendf(struct sluice_buf *b,
                                         const char *fmt, ...)
    SLUICE_PRINTF(2, 3);
/* Makes room for at least `n` more bytes without changing the content. */
SLUICE_NODISCARD int sluice__buf_reserve(struct sluice_buf *b, size_t n);
/* Returns the content (caller frees with sluice__free) and empties b. Never
 * NULL unless allocation fails: an empty buffer yields "". */
char *sluice__buf_take(struct sluice_buf *b, size_t *n);
/* A C string view of the content: "" when empty. */
const char *sluice__buf_str(const struct sluice_buf *b);

/* What a failed buffer operation that returned `rc` means: `too_big` when
 * the buffer's bound was reached (SLUICE_ETOOBIG), else the code's own text
 * ("out of memory"), so that a failed allocation is never reported as an
 * input that was too long. */
const char *sluice__buf_failure(int rc, const char *too_big);

#endif
