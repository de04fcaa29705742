/* date.h: civil-date arithmetic on UTC instants (seconds since
 * 1970-01-01T00:00:00Z) in the proleptic Gregorian calendar, without the
 * C library's time zone machinery: converting days to and from
 * year/month/day, leap years, month lengths, adding months with the day
 * clamped, strict parsing of ISO 8601 dates and date-times, and strftime
 * formatting into a bounded buffer.
 *
 * Parsing accepts years 0001..9999 only, so every instant we handle fits
 * comfortably in an int64_t and in gmtime_r's struct tm. */
#ifndef SLUICE_UTIL_DATE_H
#define SLUICE_UTIL_DATE_H

#include "util/buf.h"

#define SLUICE_DAY_SECS INT64_C(86400)
#define SLUICE_HOUR_SECS INT64_C(3600)

/* The longest strftime format we accept, and the most bytes one
 * formatted instant may produce. */
#define SLUICE_TIME_FMT_MAX 128
#define SLUICE_TIME_OUT_MAX 256

/* Division rounding towards minus infinity (b > 0). */
int64_t sluice__floor_div(int64_t a, int64_t b);

bool sluice__leap_year(int64_t y);
/* Days in month m (1..12) of year y; 0 for an invalid month. */
int sluice__month_days(int64_t y, int m);

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31; not validated). */
int64_t sluice__days_from_civil(int64_t y, int m, int d);
/* The inverse: the civil date of day number `days`. */
void sluice__civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Midnight at or before t. */
int64_t sluice__day_floor(int64_t t);

/* t moved by `months` calendar months (may be negative), keeping the time
 * of day and clamping the day of month to the target month's length:
 * 2020-01-31 + 1 month = 2020-02-29. */
int64_t sluice__time_add_months(int64_t t, int64_t months);

/* Parses exactly `n` bytes as "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS][Z]",
 * strictly: zero-padded fields, real dates (2021-02-29 is refused), hours
 * 00..23, minutes and seconds 00..59. *has_time tells whether a time of
 * day was given. SLUICE_EINVAL with a message naming the text and the byte
 * position on error. */
SLUICE_NODISCARD int sluice__time_parse(const char *s, size_t n, int64_t *out,
                                        bool *has_time, struct sluice_err *err);

/* Appends t formatted by strftime(3) in UTC. `fmt` is at most
 * SLUICE_TIME_FMT_MAX bytes (else SLUICE_EINVAL) and the result at most
 * SLUICE_TIME_OUT_MAX bytes (else SLUICE_ETOOBIG); an empty result is
 * fine. %s is t in decimal whatever TZ says (glibc's own would read the
 * UTC fields as local time). SLUICE_EINVAL if t is outside what gmtime_r
 * can represent. Only
 * C17 conversions (and glibc's %s and flags) are defined behaviour: callers
 * taking formats from users validate them first (template.c does). The
 * result follows LC_TIME, which is "C" unless the program changed it. */
SLUICE_NODISCARD int sluice__time_format(int64_t t, const char *fmt,
                                         struct sluice_buf *out);

#endif
