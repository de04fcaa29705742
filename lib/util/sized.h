/* sized.h: the public structs that can grow (include/sluice/sluice.h,
 * "Structs that can grow"; docs/api.md). Each begins with `size_t size`,
 * the sizeof the caller was compiled with; these two calls are the only
 * place that rule is applied, so every public call treats it alike.
 *
 * Limits: the struct's first member must be `size_t size`. Neither call
 * allocates. */
#ifndef SLUICE_UTIL_SIZED_H
#define SLUICE_UTIL_SIZED_H

#include "util/common.h"

/* An init function's body: `dst` (the caller's, `size` bytes) becomes the
 * library's `defaults` (`full` bytes, its size member anything) cut or
 * zero-extended to `size`, with dst->size = size. A `size` too small to
 * hold the size member is only zeroed. */
void sluice__sized_init(void *dst, size_t size, const void *defaults,
                        size_t full);

/* A caller's input struct `src` (may be NULL: the defaults stand) over the
 * library's `dst`, which holds the defaults and is `full` bytes. Copies the
 * first min(src->size, full) bytes; members the caller does not have keep
 * their defaults; dst->size becomes `full`. SLUICE_EINVAL (err names
 * `what` and its init function `init`) when src->size does not even hold
 * the size, or when it is larger than `full` with a non-zero byte beyond
 * (a member this library does not know was set); dst unchanged then. */
int sluice__sized_in(void *dst, size_t full, const void *src,
                     const char *what, const char *init,
                     struct sluice_err *err);

/* Checks a caller's output struct before anything is done: SLUICE_EINVAL
 * (err as above) when dst->size does not hold the size. */
int sluice__sized_out_check(const void *dst, const char *what,
                            const char *init, struct sluice_err *err);

/* Copies the library's `src` (`full` bytes) into the caller's `dst`: the
 * first min(dst->size, full) bytes, leaving dst->size as the caller set
 * it. Call after sluice__sized_out_check() said yes. */
void sluice__sized_out(void *dst, const void *src, size_t full);

#endif
