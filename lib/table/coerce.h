/* coerce.h: converting JSON scalars to column values: number literals to
 * int64/double, ISO-8601 dates and timestamps, epoch numbers, decimal
 * strings. Strict: a text converts only if all of it is one valid value;
 * nothing is rounded except epoch fractions below a microsecond. */
#ifndef SLUICE_TABLE_COERCE_H
#define SLUICE_TABLE_COERCE_H

#include "util/common.h"

/* A JSON-grammar integer (optional '-', digits, no leading zeros required)
 * that fits int64. */
bool sluice__parse_i64(const char *p, size_t n, int64_t *out);
/* A JSON-grammar number (strings with NeoWs' decimal text too). Finite
 * only. */
bool sluice__parse_f64(const char *p, size_t n, double *out);
/* An integer, or a number whose value is a whole number inside int64's
 * range ("2.0", "3e2"): what a declared int64 column takes. Past the
 * range is false (checked before any conversion, which would be
 * undefined). */
bool sluice__parse_integral_i64(const char *p, size_t n, int64_t *out);
/* "YYYY-MM-DD" -> days since 1970-01-01. */
bool sluice__parse_date(const char *p, size_t n, int32_t *days);
/* ISO-8601: a date alone (midnight), or date 'T' (or ' ') HH:MM[:SS[.f]]
 * with an optional 'Z' or ±HH:MM / ±HHMM offset (none means UTC) -> µs
 * since the epoch. Up to 9 fraction digits; beyond µs they must be 0. */
bool sluice__parse_timestamp(const char *p, size_t n, int64_t *us);
/* An epoch number in units of `unit_us` microseconds -> µs. Integer
 * literals exactly; others rounded to the nearest µs. */
bool sluice__epoch_to_us(const char *p, size_t n, int64_t unit_us, int64_t *us);

#endif
