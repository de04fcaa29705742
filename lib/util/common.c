/* common.c: result-code strings, the allocator hook (with the debug-build
 * allocation-failure injector) and the error-detail buffer. */
#include "util/common.h"
#include "util/sized.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sluice_allocator g_alloc = {sizeof g_alloc, malloc, realloc,
                                          free};

void sluice_allocator_init_sized(struct sluice_allocator *a, size_t size)
{
    struct sluice_allocator d = {0};
    sluice__sized_init(a, size, &d, sizeof d);
}

int sluice_set_allocator(const struct sluice_allocator *a)
{
    struct sluice_allocator got;
    sluice_allocator_init(&got);
    struct sluice_err err;
    int rc = sluice__sized_in(&got, sizeof got, a, "struct sluice_allocator",
                              "sluice_allocator_init", &err);
    if (rc != SLUICE_OK)
        return rc;
    g_alloc.malloc_fn = got.malloc_fn ? got.malloc_fn : malloc;
    g_alloc.realloc_fn = got.realloc_fn ? got.realloc_fn : realloc;
    g_alloc.free_fn = got.free_fn ? got.free_fn : free;
    return SLUICE_OK;
}

#ifndef NDEBUG
/* Torture mode: SLUICE_FAIL_ALLOC=N fails the Nth allocation. Read once. */
/* Atomic: the committer thread allocates too. */
static _Atomic long g_fail_at = -1;
static _Atomic long g_alloc_count;
static bool fail_this_alloc(void)
{
    if (g_fail_at == -1) {
        const char *s = getenv("SLUICE_FAIL_ALLOC");
        g_fail_at = s ? strtol(s, NULL, 10) : 0;
    }
    return g_fail_at > 0 && ++g_alloc_count == g_fail_at;
}
#else
static bool fail_this_alloc(void) { return false; }
#endif

void *sluice__malloc(size_t n)
{
    if (fail_this_alloc())
        return NULL;
    return g_alloc.malloc_fn(n ? n : 1);
}

void *sluice__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = sluice__malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *sluice__realloc(void *p, size_t n)
{
    if (fail_this_alloc())
        return NULL;
    return g_alloc.realloc_fn(p, n ? n : 1);
}

void sluice__one_line(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    bool space = false;
    if (cap == 0)
        return;
    for (const char *c = src ? src : ""; *c && n + 1 < cap; c++) {
        if (*c == '\n' || *c == '\t' || *c == '\r') {
            space = n > 0;
            continue;
        }
        if (space) {
            if (n + 2 >= cap)
                break; /* no room for the space and a letter: never join words */
            dst[n++] = ' ';
        }
        space = false;
        dst[n++] = *c;
    }
    dst[n] = '\0';
}

int sluice__hex_digit(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void *sluice__grow(void *p, size_t *cap, size_t need, size_t elem,
                   size_t first)
{
    if (p && need <= *cap)
        return p;
    /* NULL is never a success: an empty array gets its first elements. */
    if (!p)
        *cap = 0;
    size_t ncap = *cap ? *cap : first ? first : 1;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return NULL;
        ncap *= 2;
    }
    if (!elem || ncap > SIZE_MAX / elem)
        return NULL;
    void *np = sluice__realloc(p, ncap * elem);
    if (np)
        *cap = ncap;
    return np;
}

void sluice__free(void *p)
{
    if (p)
        g_alloc.free_fn(p);
}

char *sluice__strndup(const char *s, size_t n)
{
    char *d = sluice__malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *sluice__strdup(const char *s)
{
    return s ? sluice__strndup(s, strlen(s)) : NULL;
}

void sluice__err_vset(struct sluice_err *e, const char *fmt, va_list ap)
{
    if (!e)
        return;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
}

void sluice__err_set(struct sluice_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sluice__err_vset(e, fmt, ap);
    va_end(ap);
}

void sluice__err_prefix(struct sluice_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char prefix[SLUICE_ERR_MAX];
    char old[SLUICE_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Truncation is the intent: the buffer is fixed-size by design. */
    size_t pn = strnlen(prefix, sizeof prefix - 3);
    memcpy(e->msg, prefix, pn);
    memcpy(e->msg + pn, ": ", 2);
    size_t room = sizeof e->msg - pn - 3;
    size_t on = strnlen(old, room);
    memcpy(e->msg + pn + 2, old, on);
    e->msg[pn + 2 + on] = '\0';
}

#ifndef NDEBUG
void sluice__trace_fail(const char *file, int line, int rc)
{
    /* Only when asked: the library never prints on its own. */
    static int enabled = -1;
    if (enabled == -1)
        enabled = getenv("SLUICE_TRACE_FAIL") != NULL;
    if (enabled)
        fprintf(stderr, "sluice: %s:%d: code %d\n", file, line, rc);
}
#endif

const char *sluice_strerror(enum sluice_code code)
{
    static const char *const names[] = {
        [SLUICE_OK] = "no error",
        [SLUICE_ENOMEM] = "out of memory",
        [SLUICE_EINVAL] = "invalid argument",
        [SLUICE_ETOOBIG] = "size limit exceeded",
        [SLUICE_EJSON] = "malformed JSON",
        [SLUICE_EIO] = "input/output error",
        [SLUICE_EJOB] = "invalid job",
        [SLUICE_EHTTP] = "transfer failed",
        [SLUICE_ECANCELED] = "interrupted",
        [SLUICE_ESTATE] = "state ledger error",
        [SLUICE_EPARQUET] = "parquet error",
        [SLUICE_EPATH] = "bad JSONPath expression",
        [SLUICE_EQUOTA] = "API quota exhausted",
        [SLUICE_EAUTH] = "authentication failed",
    };
    /* Through int: a caller may pass any number (a newer code, -1). */
    int c = (int)code;
    if (c < 0 || (size_t)c >= SLUICE_ARRAY_LEN(names) || !names[c])
        return "unknown error";
    return names[c];
}

const char *sluice_version(void) { return SLUICE_VERSION_STRING; }
