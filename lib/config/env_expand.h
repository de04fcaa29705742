/* env_expand.h: ${VAR} and ${VAR:-default} in job file values (private to
 * lib/config).
 *
 * - ${VAR}: the variable's value; an error when it is not set;
 * - ${VAR:-default}: the value, or `default` when unset or empty (as in the
 *   shell); the default is literal text and cannot contain '}';
 * - $${ is a literal "${"; any other '$' is kept as is.
 * Names are [A-Za-z_][A-Za-z0-9_]*, at most 128 bytes. Each substituted text
 * (a default included) is added to `secrets` when that is not NULL, since
 * the point of ${...} is to keep a value out of the file. */
#ifndef SLUICE_CONFIG_ENV_EXPAND_H
#define SLUICE_CONFIG_ENV_EXPAND_H

#include "config/job.h"
#include "util/buf.h"

#define SLUICE_ENV_NAME_MAX 128

/* Appends the expansion of s[0..n) to `out`. *n_refs (may be NULL) counts
 * the ${...} references expanded. Errors: SLUICE_EJOB with a message that
 * names the variable but never its value ("environment variable API_KEY is
 * not set (and has no default)"); SLUICE_ETOOBIG when `out` is full. */
SLUICE_NODISCARD int sluice__env_expand(const char *s, size_t n,
                                        sluice_getenv_fn lookup, void *ud,
                                        struct sluice_secrets *secrets,
                                        struct sluice_buf *out, size_t *n_refs,
                                        struct sluice_err *err);

#endif
