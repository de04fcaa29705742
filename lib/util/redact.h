/* redact.h: secrets and their redaction. The loader decides what is a
 * secret by meaning (docs/job-file.md#secrets): the values of params and
 * headers named like one (sluice__secret_name), of ${VAR}s named like one
 * or listed in `secrets:`, and URL userinfo. Everything sluice shows or
 * writes about a run (log lines, errors, URLs, plans, reports, state rows,
 * record data) passes through sluice__redact first, which replaces each
 * occurrence of a secret with "***"; a short secret's only where it
 * stands alone, bounded as a secret is in a URL, a header or a JSON
 * string by bytes outside the URL-unreserved set (A-Z a-z 0-9 - . _ ~) or
 * the ends of the text, so "alpha" is never touched by a secret "a"
 * (docs/internals/util.md#redact).
 *
 * A secret is also matched in the forms it takes on the way out: URL
 * percent-encoded (as in a query string) and JSON-escaped (as in a body
 * that echoes it: upper- or lower-case hex, '+' for space, "\/" for '/').
 * Longer secrets are replaced first, so a secret that contains another is
 * hidden whole; overlapping occurrences are hidden together under one
 * "***", so no part of either shows. The set is read-only during
 * redaction, so one set may serve several threads once built. */
#ifndef SLUICE_UTIL_REDACT_H
#define SLUICE_UTIL_REDACT_H

#include "util/buf.h"

#define SLUICE_REDACTED "***"
/* Secrets shorter than this are hidden only where they stand alone
 * (bounded by bytes outside A-Z a-z 0-9 - . _ ~, or the text's ends); the
 * loader warns about them. Longer ones are hidden wherever they occur. */
#define SLUICE_SECRET_SHORT 8

struct sluice_secrets;

struct sluice_secrets *sluice__secrets_new(void); /* NULL: out of memory */
void sluice__secrets_free(struct sluice_secrets *s);
/* Adds a secret (copied) with its encoded forms. Empty strings and
 * repeats are ignored. SLUICE_ETOOBIG for a secret over 64 KiB or a set
 * over 16384 forms; SLUICE_EINVAL for a NULL set. */
SLUICE_NODISCARD int sluice__secrets_add(struct sluice_secrets *s,
                                         const char *p, size_t n);
/* Distinct secrets added (not counting their encoded forms); 0 for NULL. */
size_t sluice__secrets_count(const struct sluice_secrets *s);

/* Appends `p`/`n` (binary-safe) to `out` with every secret replaced by
 * "***". `s` may be NULL (nothing to hide). Fails only when `out` cannot
 * grow (SLUICE_ENOMEM, SLUICE_ETOOBIG: out is then emptied, per buf.h). */
SLUICE_NODISCARD int sluice__redact(const struct sluice_secrets *s,
                                    const char *p, size_t n,
                                    struct sluice_buf *out);
/* False when `p`/`n` holds no secret (in any of its spellings), bounded or
 * not: the cheap test that lets record data skip redaction when it has
 * none. True does not promise that sluice__redact changes anything (the
 * occurrence may not be bounded). */
bool sluice__redact_needed(const struct sluice_secrets *s, const char *p,
                           size_t n);
/* Redacts a C string into a new allocation (sluice__free it); NULL str
 * is treated as "". NULL when out of memory. */
char *sluice__redact_dup(const struct sluice_secrets *s, const char *str);

/* True when a param/header/variable name says it carries a secret: it
 * contains (case-insensitively) key, token, secret, password, passwd,
 * auth, sig (signature) or credential. */
bool sluice__secret_name(const char *name);

#endif
