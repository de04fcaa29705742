/* date.c: civil-date arithmetic, strict ISO 8601 parsing and bounded
 * strftime formatting. See date.h for the contract.
 *
 * The day-number conversions use the "shifted year" method: counting the
 * year from March 1st puts the leap day at the end, so the day of year is a
 * linear function of the month, and 400-year eras of exactly 146097 days
 * make every step integer arithmetic with no tables and no loops. */
#include "util/date.h"

#include <langinfo.h>
#include <string.h>
#include <time.h>

#define DAYS_PER_ERA INT64_C(146097) /* 400 Gregorian years */
#define EPOCH_SHIFT INT64_C(719468)  /* 0000-03-01 to 1970-01-01 */

int64_t sluice__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

bool sluice__leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sluice__month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && sluice__leap_year(y) ? 29 : days[m - 1];
}

int64_t sluice__days_from_civil(int64_t y, int m, int d)
{
    /* January and February belong to the previous shifted year. */
    if (m <= 2)
        y--;
    int64_t era = sluice__floor_div(y, 400);
    int64_t yoe = y - era * 400;                         /* 0..399 */
    int64_t mp = m > 2 ? m - 3 : m + 9;                  /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (d - 1);          /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

void sluice__civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + EPOCH_SHIFT;
    int64_t era = sluice__floor_div(z, DAYS_PER_ERA);
    int64_t doe = z - era * DAYS_PER_ERA;
    /* Undo the 4/100/400-year corrections to find the year of the era. */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (month <= 2);
    *m = month;
    *d = day;
}

int64_t sluice__day_floor(int64_t t)
{
    return sluice__floor_div(t, SLUICE_DAY_SECS) * SLUICE_DAY_SECS;
}

int64_t sluice__time_add_months(int64_t t, int64_t months)
{
    int64_t day0 = sluice__floor_div(t, SLUICE_DAY_SECS);
    int64_t tod = t - day0 * SLUICE_DAY_SECS;
    int64_t y;
    int m, d;
    sluice__civil_from_days(day0, &y, &m, &d);
    int64_t mi = y * 12 + (m - 1) + months;
    y = sluice__floor_div(mi, 12);
    m = (int)(mi - y * 12) + 1;
    int last = sluice__month_days(y, m);
    if (d > last)
        d = last;
    return sluice__days_from_civil(y, m, d) * SLUICE_DAY_SECS + tod;
}

/* Reads `width` decimal digits at s[pos]; false (with the position of the
 * offending byte in *bad) if any is not a digit. */
static bool read_digits(const char *s, size_t n, size_t pos, size_t width,
                        int *out, size_t *bad)
{
    int v = 0;
    for (size_t i = pos; i < pos + width; i++) {
        if (i >= n || s[i] < '0' || s[i] > '9') {
            *bad = i;
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Expects byte c at s[pos]. */
static bool expect_byte(const char *s, size_t n, size_t pos, char c)
{
    return pos < n && s[pos] == c;
}

int sluice__time_parse(const char *s, size_t n, int64_t *out, bool *has_time,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    int y = 0, mo = 0, d = 0, hh = 0, mm = 0, ss = 0;
    size_t bad = 0;
    bool timed = false;
    /* Dates are short: a longer text is refused before it is quoted. */
    int shown = n > 40 ? 40 : (int)n;
    const char *more = n > 40 ? "..." : "";

#define WANT(ok, pos, what)                                                    \
    SLUICE_FAIL_IF(!(ok), SLUICE_EINVAL, err,                                  \
                   "'%.*s%s': byte %zu: expected %s (YYYY-MM-DD or "           \
                   "YYYY-MM-DDTHH:MM[:SS][Z])",                                \
                   shown, s, more, (size_t)(pos), what)

    WANT(read_digits(s, n, 0, 4, &y, &bad), bad, "a digit");
    WANT(expect_byte(s, n, 4, '-'), 4, "'-'");
    WANT(read_digits(s, n, 5, 2, &mo, &bad), bad, "a digit");
    WANT(expect_byte(s, n, 7, '-'), 7, "'-'");
    WANT(read_digits(s, n, 8, 2, &d, &bad), bad, "a digit");
    size_t pos = 10;
    if (n > pos) {
        WANT(s[pos] == 'T', pos, "'T' or the end");
        timed = true;
        WANT(read_digits(s, n, 11, 2, &hh, &bad), bad, "a digit");
        WANT(expect_byte(s, n, 13, ':'), 13, "':'");
        WANT(read_digits(s, n, 14, 2, &mm, &bad), bad, "a digit");
        pos = 16;
        if (n > pos && s[pos] == ':') {
            WANT(read_digits(s, n, 17, 2, &ss, &bad), bad, "a digit");
            pos = 19;
        }
        if (n > pos && s[pos] == 'Z')
            pos++;
        WANT(n == pos, pos, "':SS', 'Z' or the end");
    }
#undef WANT

    SLUICE_FAIL_IF(y < 1, SLUICE_EINVAL, err,
                   "'%.*s': year 0000 is out of range (0001..9999)", shown, s);
    SLUICE_FAIL_IF(mo < 1 || mo > 12, SLUICE_EINVAL, err,
                   "'%.*s': month %02d is out of range (01..12)", shown, s, mo);
    SLUICE_FAIL_IF(d < 1 || d > sluice__month_days(y, mo), SLUICE_EINVAL, err,
                   "'%.*s': day %02d is out of range (%04d-%02d has %d days)",
                   shown, s, d, y, mo, sluice__month_days(y, mo));
    SLUICE_FAIL_IF(hh > 23, SLUICE_EINVAL, err,
                   "'%.*s': hour %02d is out of range (00..23)", shown, s, hh);
    SLUICE_FAIL_IF(mm > 59, SLUICE_EINVAL, err,
                   "'%.*s': minute %02d is out of range (00..59)", shown, s,
                   mm);
    SLUICE_FAIL_IF(ss > 59, SLUICE_EINVAL, err,
                   "'%.*s': second %02d is out of range (00..59)", shown, s,
                   ss);

    *out = sluice__days_from_civil(y, mo, d) * SLUICE_DAY_SECS +
           hh * SLUICE_HOUR_SECS + mm * 60 + ss;
    if (has_time)
        *has_time = timed;
out:
    return rc;
}

/* The ISO 8601 week-based year of tm: the year of its week's Thursday. */
static long iso_year(const struct tm *tm)
{
    long y = (long)tm->tm_year + 1900;
    int thursday = tm->tm_yday + 3 - (tm->tm_wday + 6) % 7;
    if (thursday < 0)
        return y - 1;
    if (thursday >= (sluice__leap_year(y) ? 366 : 365))
        return y + 1;
    return y;
}

/* Appends a year (or century) padded to `width` with '0', or with ' ' for
 * the '_' flag, or not at all for '-'. */
static int year_text(struct sluice_buf *f, long v, int width, char flag)
{
    if (flag == '-')
        return sluice__buf_appendf(f, "%ld", v);
    if (flag == '_')
        return sluice__buf_appendf(f, "%*ld", width, v);
    return sluice__buf_appendf(f, "%0*ld", width, v);
}

/* Copies `fmt` into f with every year conversion replaced by its padded
 * digits: glibc prints years below 1000 unpadded (%Y of year 1 is "1",
 * %F "1-01-01", %C "0"), so a date would not sort, parse or look like a
 * date. %c, %x and %X are first expanded to the locale's formats (once:
 * those do not nest) so their years are padded too. %s (flags and an E/O
 * modifier allowed, as glibc does) becomes `t` in decimal: glibc's %s runs
 * mktime on the struct tm, that is it reads our UTC fields as local time,
 * so under TZ=EST5EDT {start:%s} would be five hours off. Digits are
 * literal text to strftime; everything else is passed through unchanged. */
static int pad_years(const char *fmt, const struct tm *tm, int64_t t,
                     int depth, bool upper, struct sluice_buf *f)
{
    int rc = SLUICE_OK;
    long year = (long)tm->tm_year + 1900;
    for (size_t i = 0; fmt[i]; i++) {
        if (fmt[i] != '%') {
            char c = fmt[i];
            if (upper && c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            SLUICE_TRY(sluice__buf_addc(f, c));
            continue;
        }
        size_t at = i++;
        char flag = 0;
        bool caret = false;
        for (; fmt[i] && strchr("-_0^#", fmt[i]); i++) {
            caret |= fmt[i] == '^';
            if (flag != '-' && flag != '_')
                flag = fmt[i]; /* no padding or spaces win over the rest */
        }
        bool modified = fmt[i] == 'E' || fmt[i] == 'O';
        char c = fmt[i];
        if (!c) {
            SLUICE_TRY(sluice__buf_adds(f, fmt + at));
            break;
        }
        if (c == 's' || (modified && fmt[i + 1] == 's')) {
            SLUICE_TRY(sluice__buf_appendf(f, "%lld", (long long)t));
            i += modified;
            continue;
        }
        if (!modified && (c == 'Y' || c == 'G'))
            SLUICE_TRY(year_text(f, c == 'Y' ? year : iso_year(tm), 4, flag));
        else if (!modified && c == 'C')
            SLUICE_TRY(year_text(f, sluice__floor_div(year, 100), 2, flag));
        else if (!modified && c == 'F') {
            SLUICE_TRY(year_text(f, year, 4, flag));
            SLUICE_TRY(sluice__buf_adds(f, "-%m-%d"));
        } else if (!modified && depth == 0 && strchr("cxX", c)) {
            const char *sub = nl_langinfo(c == 'c'   ? D_T_FMT
                                          : c == 'x' ? D_FMT
                                                     : T_FMT);
            /* glibc upper-cases a %^c whole (its other flags change
             * nothing there): each part of the expansion gets the '^' */
            SLUICE_TRY(pad_years(sub ? sub : "", tm, t, 1, caret, f));
        } else if (upper && !caret) {
            SLUICE_TRY(sluice__buf_adds(f, "%^"));
            SLUICE_TRY(sluice__buf_append(f, fmt + at + 1, i - at));
        } else {
            SLUICE_TRY(sluice__buf_append(f, fmt + at, i + 1 - at));
        }
        if (modified && fmt[i + 1]) {
            /* %EY, %Od...: the modifier and its conversion, as they are */
            SLUICE_TRY(sluice__buf_addc(f, fmt[++i]));
        }
    }
out:
    return rc;
}

int sluice__time_format(int64_t t, const char *fmt, struct sluice_buf *out)
{
    size_t fn = strlen(fmt);
    if (fn > SLUICE_TIME_FMT_MAX)
        return SLUICE_EINVAL;
    /* gmtime_r's year must fit an int; we only ever see 0001..10000. */
    if (t < INT64_C(-62135596800) || t > INT64_C(253402387200))
        return SLUICE_EINVAL;
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return SLUICE_EINVAL;
    /* strftime returns 0 both for "did not fit" and for an empty result;
     * a leading marker byte makes a successful result never empty. The
     * years are put in first (pad_years). */
    struct sluice_buf f;
    sluice__buf_init(&f, 4096);
    int rc = sluice__buf_addc(&f, '#');
    if (rc == SLUICE_OK)
        rc = pad_years(fmt, &tm, t, 0, false, &f);
    if (rc != SLUICE_OK) {
        sluice__buf_cleanup(&f);
        return rc == SLUICE_ENOMEM ? rc : SLUICE_ETOOBIG;
    }
    char res[SLUICE_TIME_OUT_MAX + 2];
    /* The format is data by design (it comes from a job's template, whose
     * conversions sluice__template_check has vetted). */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
    size_t rn = strftime(res, sizeof res, f.p, &tm);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    sluice__buf_cleanup(&f);
    if (rn == 0)
        return SLUICE_ETOOBIG;
    return sluice__buf_append(out, res + 1, rn - 1);
}
