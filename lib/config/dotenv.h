/* dotenv.h: the .env file beside a job file (private to lib/config).
 *
 * Syntax, one assignment per line:
 *     # comment
 *     KEY=value            unquoted: trailing spaces and " # comment" dropped
 *     export KEY=value     the shell's `export ` prefix is allowed
 *     KEY="a\nb \"q\""     double quotes: \n \r \t \\ \" \$ escapes
 *     KEY='literal $x'     single quotes: taken as is
 * Names are [A-Za-z_][A-Za-z0-9_]*; a later line wins over an earlier one.
 * Values are not expanded (no ${...} inside .env) and may not span lines.
 * The file is bounded at SLUICE_DOTENV_MAX bytes. */
#ifndef SLUICE_CONFIG_DOTENV_H
#define SLUICE_CONFIG_DOTENV_H

#include "util/common.h"

#define SLUICE_DOTENV_MAX (1u << 20)

struct sluice_dotenv;

/* Parses `text`. Errors are SLUICE_EJOB, "origin:line:col: message". An
 * empty text gives an empty set. */
SLUICE_NODISCARD int sluice__dotenv_parse(const char *text, size_t n,
                                          const char *origin,
                                          struct sluice_dotenv **out,
                                          struct sluice_err *err);
/* Reads and parses the file at `path`; a missing file is an empty set. */
SLUICE_NODISCARD int sluice__dotenv_load(const char *path,
                                         struct sluice_dotenv **out,
                                         struct sluice_err *err);
/* The value of `name`, or NULL. Valid until sluice__dotenv_free. */
const char *sluice__dotenv_get(const struct sluice_dotenv *d, const char *name);
size_t sluice__dotenv_count(const struct sluice_dotenv *d);
void sluice__dotenv_free(struct sluice_dotenv *d);

#endif
