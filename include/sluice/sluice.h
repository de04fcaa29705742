/* sluice.h: the one public header of libsluice.
 *
 * sluice pulls an HTTP JSON API partition by partition (date windows),
 * concurrently, and writes each partition's records to a file that is
 * published atomically. This header is what an embedder and the `sluice`
 * command see; everything else in lib/ is internal.
 *
 * Conventions (docs/internals/conventions.md):
 * - every function that can fail returns an enum sluice_code; results travel
 *   through out-parameters;
 * - pointer arguments are borrowed; strings the library keeps are copied;
 * - memory the library returns is owned by the handle that returned it, or is
 *   released with the matching sluice_*_free();
 * - no global state except the allocator hook; one thread per handle.
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SLUICE_BUILDING) && defined(__GNUC__)
#define SLUICE_API __attribute__((visibility("default")))
#else
#define SLUICE_API
#endif

#if defined(__GNUC__)
#define SLUICE_NODISCARD __attribute__((warn_unused_result))
#else
#define SLUICE_NODISCARD
#endif

/* Result codes. Numbers are only ever appended, never reused. */
enum sluice_code {
    SLUICE_OK = 0,
    SLUICE_ENOMEM = 1,    /* an allocation failed */
    SLUICE_EINVAL = 2,    /* a caller passed something invalid */
    SLUICE_ETOOBIG = 3,   /* a bounded buffer or input hit its limit */
    SLUICE_EJSON = 4,     /* malformed JSON */
    SLUICE_EIO = 5,       /* a file system call failed */
    SLUICE_EJOB = 6,      /* the job (file, flags, environment) is invalid */
    SLUICE_EHTTP = 7,     /* a transfer failed */
    SLUICE_ECANCELED = 8, /* the run was interrupted */
    SLUICE_ESTATE = 9,    /* the state ledger refused or failed */
    SLUICE_EPARQUET = 10, /* parquet encoding or decoding failed */
    SLUICE_EPATH = 11     /* bad JSONPath expression */
};

/* A short, static English description of a code. Never NULL. */
SLUICE_API const char *sluice_strerror(int code);

/* The library's version, as "MAJOR.MINOR.PATCH". */
SLUICE_API const char *sluice_version(void);

/* Allocator hook. Must be called before any other sluice function; all
 * library allocations go through these three. NULL members restore libc. */
struct sluice_allocator {
    void *(*malloc_fn)(size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
};
SLUICE_API void sluice_set_allocator(const struct sluice_allocator *a);

/* Log levels, most severe first. */
enum sluice_log_level {
    SLUICE_LOG_ERROR = 0,
    SLUICE_LOG_WARN = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_DEBUG = 3,
    SLUICE_LOG_TRACE = 4
};

/* The library never prints; it hands every message (already redacted) to a
 * callback of this type. `msg` is valid only during the call. */
typedef void (*sluice_log_fn)(void *ud, enum sluice_log_level level,
                              const char *msg);

#ifdef __cplusplus
}
#endif
#endif
