/* values.h: small value helpers of the Parquet module: strict UTF-8
 * validation (what STRING columns must hold) and the JSON text forms the
 * reader prints (strings, dates, timestamps, doubles). */
#ifndef SLUICE_PARQUET_VALUES_H
#define SLUICE_PARQUET_VALUES_H

#include "util/buf.h"

/* True if p[0..n) is well-formed UTF-8: no overlong forms, no surrogates,
 * nothing above U+10FFFF. NUL bytes are allowed (U+0000 is a character).
 * On failure *bad (may be NULL) receives the offset of the first bad byte. */
bool sluice__utf8_valid(const void *p, size_t n, size_t *bad);

/* Appends a JSON string literal: `"` `\\` and controls escaped (\n \t \r
 * \b \f, others as \u00XX), everything else copied. */
SLUICE_NODISCARD int sluice__pq_json_string(struct sluice_buf *out,
                                            const void *p, size_t n);
/* "YYYY-MM-DD" (proleptic Gregorian; years outside 0..9999 get a sign and
 * more digits, ISO-8601 expanded form) from days since 1970-01-01. */
SLUICE_NODISCARD int sluice__pq_fmt_date(struct sluice_buf *out, int64_t days);
/* "YYYY-MM-DDTHH:MM:SS[.f]Z" from a count of `per_sec` units since the
 * epoch (1000, 1000000 or 1000000000); the fraction is printed only when
 * non-zero, without trailing zeros. `utc` false drops the Z. Quoted. */
SLUICE_NODISCARD int sluice__pq_fmt_timestamp(struct sluice_buf *out, int64_t t,
                                              int64_t per_sec, bool utc);
/* Shortest text that reads back as the same double; always has a '.', 'e'
 * (1.0, not 1); non-finite values as the strings "NaN", "Infinity",
 * "-Infinity" since JSON has no literal for them. */
SLUICE_NODISCARD int sluice__pq_fmt_double(struct sluice_buf *out, double d);

#endif
