/* buf.c: growable bounded buffer. See buf.h for the contract. */
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

void sluice__buf_init(struct sluice_buf *b, size_t max)
{
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
    b->max = max;
}

void sluice__buf_cleanup(struct sluice_buf *b)
{
    sluice__free(b->p);
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
}

void sluice__buf_reset(struct sluice_buf *b)
{
    b->n = 0;
    if (b->p)
        b->p[0] = '\0';
}

int sluice__buf_reserve(struct sluice_buf *b, size_t n)
{
    if (n > b->max || b->n > b->max - n) {
        sluice__buf_cleanup(b);
        return SLUICE_ETOOBIG;
    }
    size_t need = b->n + n + 1; /* + NUL */
    if (need <= b->cap)
        return SLUICE_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = sluice__realloc(b->p, cap);
    if (!p) {
        sluice__buf_cleanup(b);
        return SLUICE_ENOMEM;
    }
    b->p = p;
    b->cap = cap;
    return SLUICE_OK;
}

int sluice__buf_append_slow(struct sluice_buf *b, const void *p, size_t n)
{
    int rc = sluice__buf_reserve(b, n);
    if (rc != SLUICE_OK)
        return rc;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
    return SLUICE_OK;
}

int sluice__buf_addc_slow(struct sluice_buf *b, char c)
{
    return sluice__buf_append(b, &c, 1);
}

int sluice__buf_adds(struct sluice_buf *b, const char *s)
{
    return sluice__buf_append(b, s, strlen(s));
}

int sluice__buf_appendf(struct sluice_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0)
        return SLUICE_EINVAL;
    if ((size_t)len < sizeof small)
        return sluice__buf_append(b, small, (size_t)len);
    int rc = sluice__buf_reserve(b, (size_t)len);
    if (rc != SLUICE_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)len;
    return SLUICE_OK;
}

char *sluice__buf_take(struct sluice_buf *b, size_t *n)
{
    char *p = b->p;
    if (n)
        *n = b->n;
    if (!p)
        p = sluice__strdup("");
    b->p = NULL;
    b->n = 0;
    b->cap = 0;
    return p;
}

const char *sluice__buf_failure(int rc, const char *too_big)
{
    return rc == SLUICE_ETOOBIG ? too_big : sluice_strerror(rc);
}

const char *sluice__buf_str(const struct sluice_buf *b)
{
    return b->p ? b->p : "";
}
