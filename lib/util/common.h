/* common.h: what every internal file needs: result codes, the allocator
 * hook, the error-detail buffer and the two control-flow macros.
 *
 * Internal names are sluice__* (two underscores) so that embedders who link
 * the static library cannot collide with them. */
#ifndef SLUICE_UTIL_COMMON_H
#define SLUICE_UTIL_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

#if defined(__GNUC__)
#define SLUICE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SLUICE_PRINTF(a, b)
#endif

/* Allocation goes through the hook set by sluice_set_allocator(). In debug
 * builds SLUICE_FAIL_ALLOC=N makes the Nth allocation fail (torture tests). */
void *sluice__malloc(size_t n);
void *sluice__calloc(size_t count, size_t size);
void *sluice__realloc(void *p, size_t n);
void sluice__free(void *p);
char *sluice__strdup(const char *s);
char *sluice__strndup(const char *s, size_t n);

/* `src` (NULL: "") on one line into dst (cap bytes, always terminated):
 * newlines, carriage returns and tabs become one space between words, none
 * at either end. For a server's multi-line message (libpq's) inside an
 * error line. */
void sluice__one_line(char *dst, size_t cap, const char *src);

/* The value of one hexadecimal digit (either case), or -1: for the %XX
 * and \uXXXX escapes that the redactor, the secret finder and the
 * redirect stripper read. */
int sluice__hex_digit(unsigned char c);

/* The one growth rule for arrays that double: returns `p` with room for
 * `need` elements of `elem` bytes: `p` itself while need <= *cap, else `p`
 * reallocated to *cap (`first` for an empty array) doubled until it holds
 * `need`, with *cap updated; a NULL `p` always gets at least `first`
 * elements, so NULL means failure only. NULL when the allocation fails or the size
 * would overflow; `p` and *cap are then unchanged (still the caller's).
 * Appending one element:
 *
 *     struct item *v = sluice__grow(a->items, &a->cap, a->n + 1, sizeof *v, 8);
 *     if (!v)
 *         return SLUICE_ENOMEM;
 *     a->items = v;
 *     a->items[a->n++] = item; */
void *sluice__grow(void *p, size_t *cap, size_t need, size_t elem,
                   size_t first);

/* A fixed-size error-detail buffer, embedded in every handle. Messages are
 * truncated, never overflowed. */
#define SLUICE_ERR_MAX 1024
struct sluice_err {
    char msg[SLUICE_ERR_MAX];
};
void sluice__err_set(struct sluice_err *e, const char *fmt, ...)
    SLUICE_PRINTF(2, 3);
void sluice__err_vset(struct sluice_err *e, const char *fmt, va_list ap)
    SLUICE_PRINTF(2, 0);
/* Prepends "prefix: " to the current message (used to add context as an
 * error travels up: "window 2020-01-08: " + "byte 12: expected ','"). */
void sluice__err_prefix(struct sluice_err *e, const char *fmt, ...)
    SLUICE_PRINTF(2, 3);

/* A borrowed view into someone else's bytes. */
struct sluice_str {
    const char *p;
    size_t n;
};

#ifndef NDEBUG
void sluice__trace_fail(const char *file, int line, int rc);
#define SLUICE__TRACE_FAIL(rc) sluice__trace_fail(__FILE__, __LINE__, (rc))
#else
#define SLUICE__TRACE_FAIL(rc) ((void)0)
#endif

/* The only two control-flow macros. Both need `int rc` and an `out:` label
 * in the enclosing function. */
#define SLUICE_TRY(expr)                                                       \
    do {                                                                       \
        rc = (expr);                                                           \
        if (rc != SLUICE_OK) {                                                 \
            SLUICE__TRACE_FAIL(rc);                                            \
            goto out;                                                          \
        }                                                                      \
    } while (0)

#define SLUICE_FAIL_IF(cond, code, err, ...)                                   \
    do {                                                                       \
        if (cond) {                                                            \
            rc = (code);                                                       \
            sluice__err_set((err), __VA_ARGS__);                               \
            SLUICE__TRACE_FAIL(rc);                                            \
            goto out;                                                          \
        }                                                                      \
    } while (0)

#define SLUICE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
