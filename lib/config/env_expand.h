/* env_expand.h: ${VAR} and ${VAR:-default} in job file values (private to
 * lib/config).
 *
 * - ${VAR}: the variable's value; an error when it is not set;
 * - ${VAR:-default}: the value, or `default` when unset or empty (as in the
 *   shell); the default is literal text and cannot contain '}';
 * - $${ is a literal "${"; any other '$' is kept as is.
 * Names are [A-Za-z_][A-Za-z0-9_]*, at most 128 bytes. Each substituted text
 * (a default included) is handed to `on_value` with its variable's name:
 * the loader decides there whether it is a secret (by the name, or the
 * job's `secrets:` list), not here, because most variables are not
 * (`${REGION:-eu}`), and treating every value as one mangles data. */
#ifndef SLUICE_CONFIG_ENV_EXPAND_H
#define SLUICE_CONFIG_ENV_EXPAND_H

#include "config/job.h"
#include "util/buf.h"

#define SLUICE_ENV_NAME_MAX 128

/* Called for each substitution, with the variable's name and the text put
 * in its place (not NUL-terminated); a code other than SLUICE_OK stops
 * the expansion and is returned. */
typedef int (*sluice_env_value_fn)(void *ud, const char *name,
                                   const char *val, size_t n);

/* Appends the expansion of s[0..n) to `out`. `on_value` (may be NULL) gets
 * `ud`, as `lookup` does. *n_refs (may be NULL) counts the ${...}
 * references expanded. Errors: SLUICE_EJOB with a message that
 * names the variable but never its value ("environment variable API_KEY is
 * not set (and has no default)"); SLUICE_ETOOBIG when `out` is full. */
SLUICE_NODISCARD int sluice__env_expand(const char *s, size_t n,
                                        sluice_getenv_fn lookup, void *ud,
                                        sluice_env_value_fn on_value,
                                        struct sluice_buf *out, size_t *n_refs,
                                        struct sluice_err *err);

#endif
