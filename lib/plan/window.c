/* window.c: date windows computed on demand. A plan never materialises its
 * windows: sluice__window_count() and sluice__window_at() are O(1), so
 * memory and setup time do not grow with the range (a daily plan over
 * three centuries costs what a weekly one over a year does). See window.h
 * for the contract. */
#include "plan/window.h"

#include <ctype.h>
#include <string.h>

#include "util/date.h"

/* Steps are bounded so that count * unit never overflows and a typo such as
 * "70000000d" is caught. A million of any unit covers any real plan. */
#define STEP_COUNT_MAX INT64_C(1000000)

/* Shown text is cut at this many bytes: inputs come from job files. */
#define SHOW_MAX 60

struct unit_name {
    const char *name;
    enum sluice_step_unit unit;
    int64_t mult;
};

static const struct unit_name UNITS[] = {
    {"h", SLUICE_STEP_HOURS, 1},      {"hr", SLUICE_STEP_HOURS, 1},
    {"hrs", SLUICE_STEP_HOURS, 1},    {"hour", SLUICE_STEP_HOURS, 1},
    {"hours", SLUICE_STEP_HOURS, 1},  {"d", SLUICE_STEP_DAYS, 1},
    {"day", SLUICE_STEP_DAYS, 1},     {"days", SLUICE_STEP_DAYS, 1},
    {"w", SLUICE_STEP_DAYS, 7},       {"wk", SLUICE_STEP_DAYS, 7},
    {"week", SLUICE_STEP_DAYS, 7},    {"weeks", SLUICE_STEP_DAYS, 7},
    {"mo", SLUICE_STEP_MONTHS, 1},    {"mon", SLUICE_STEP_MONTHS, 1},
    {"month", SLUICE_STEP_MONTHS, 1}, {"months", SLUICE_STEP_MONTHS, 1},
    {"y", SLUICE_STEP_MONTHS, 12},    {"yr", SLUICE_STEP_MONTHS, 12},
    {"year", SLUICE_STEP_MONTHS, 12}, {"years", SLUICE_STEP_MONTHS, 12},
};

static bool word_eq(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++) {
        if (tolower((unsigned char)a[i]) != b[i])
            return false;
    }
    return true;
}

int sluice__step_parse(const char *s, struct sluice_step *out,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(!s, SLUICE_EJOB, err, "step: missing");
    size_t n = strnlen(s, SHOW_MAX + 1);
    int shown = (int)(n > SHOW_MAX ? SHOW_MAX : n);
    const char *more = n > SHOW_MAX ? "..." : "";
    SLUICE_FAIL_IF(n > SHOW_MAX, SLUICE_EJOB, err, "step '%.*s%s': too long",
                   shown, s, more);

    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    SLUICE_FAIL_IF(i < n && (s[i] == '-' || s[i] == '+'), SLUICE_EJOB, err,
                   "step '%s': must be a positive whole number and a unit, "
                   "such as 7d, 1w, 1mo or 6h",
                   s);
    int64_t count = 0;
    size_t digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (count <= STEP_COUNT_MAX)
            count = count * 10 + (s[i] - '0');
        i++;
        digits++;
    }
    SLUICE_FAIL_IF(digits == 0, SLUICE_EJOB, err,
                   "step '%s': expected a number then a unit, such as 7d, "
                   "1w, 1mo or 6h",
                   s);
    SLUICE_FAIL_IF(count == 0, SLUICE_EJOB, err,
                   "step '%s': must be at least 1", s);
    SLUICE_FAIL_IF(count > STEP_COUNT_MAX, SLUICE_EJOB, err,
                   "step '%s': too large (at most %lld of a unit)", s,
                   (long long)STEP_COUNT_MAX);
    while (i < n && s[i] == ' ')
        i++;
    size_t w0 = i;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    size_t wn = i - w0;
    while (i < n && s[i] == ' ')
        i++;
    SLUICE_FAIL_IF(i != n, SLUICE_EJOB, err,
                   "step '%s': unexpected '%c' at byte %zu", s, s[i], i);
    SLUICE_FAIL_IF(wn == 0, SLUICE_EJOB, err,
                   "step '%s': missing unit (h, d, w, mo or y)", s);
    SLUICE_FAIL_IF(word_eq(s + w0, wn, "m"), SLUICE_EJOB, err,
                   "step '%s': unit 'm' is ambiguous (minutes or months?); "
                   "write 'mo' for months",
                   s);
    SLUICE_FAIL_IF(
        word_eq(s + w0, wn, "min") || word_eq(s + w0, wn, "mins") ||
            word_eq(s + w0, wn, "minute") || word_eq(s + w0, wn, "minutes") ||
            word_eq(s + w0, wn, "s") || word_eq(s + w0, wn, "sec") ||
            word_eq(s + w0, wn, "second") || word_eq(s + w0, wn, "seconds"),
        SLUICE_EJOB, err,
        "step '%s': steps shorter than an hour are not supported", s);
    const struct unit_name *u = NULL;
    for (size_t k = 0; k < SLUICE_ARRAY_LEN(UNITS); k++) {
        if (word_eq(s + w0, wn, UNITS[k].name)) {
            u = &UNITS[k];
            break;
        }
    }
    SLUICE_FAIL_IF(!u, SLUICE_EJOB, err,
                   "step '%s': unknown unit '%.*s' (use h, d, w, mo or y)", s,
                   (int)wn, s + w0);
    SLUICE_FAIL_IF(count * u->mult > STEP_COUNT_MAX, SLUICE_EJOB, err,
                   "step '%s': too large", s);
    out->unit = u->unit;
    out->count = count * u->mult;
out:
    return rc;
}

int sluice__time_bound_parse(const char *s, int64_t now, int64_t *out,
                             bool *has_time, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    SLUICE_FAIL_IF(!s, SLUICE_EJOB, err, "date: missing");
    size_t n = strnlen(s, SHOW_MAX + 1);
    if (word_eq(s, n, "today") || word_eq(s, n, "yesterday")) {
        int64_t day = sluice__day_floor(now);
        *out = n == 5 ? day : day - SLUICE_DAY_SECS;
        if (has_time)
            *has_time = false;
        goto out;
    }
    SLUICE_FAIL_IF(n > SHOW_MAX, SLUICE_EJOB, err,
                   "date '%.*s...': too long (expected YYYY-MM-DD)", SHOW_MAX,
                   s);
    rc = sluice__time_parse(s, n, out, has_time, err);
    if (rc != SLUICE_OK) {
        rc = SLUICE_EJOB;
        sluice__err_prefix(err, "date");
    }
out:
    return rc;
}

static int64_t step_secs(const struct sluice_step *st)
{
    return st->count *
           (st->unit == SLUICE_STEP_HOURS ? SLUICE_HOUR_SECS : SLUICE_DAY_SECS);
}

/* The start of window i when the step is in months. */
static int64_t month_start(const struct sluice_window_spec *spec, int64_t i)
{
    return sluice__time_add_months(spec->from, i * spec->step.count);
}

int sluice__window_spec_make(int64_t from, int64_t to, bool to_has_time,
                             struct sluice_step step,
                             struct sluice_window_spec *out,
                             struct sluice_err *err)
{
    int rc = SLUICE_OK;
    /* The range parse_time accepts, with a day to spare for `to`. */
    const int64_t lo = INT64_C(-62135596800); /* 0001-01-01 */
    const int64_t hi = INT64_C(253402300800); /* 10000-01-01 */
    SLUICE_FAIL_IF(step.count < 1 || step.count > STEP_COUNT_MAX ||
                       (step.unit != SLUICE_STEP_HOURS &&
                        step.unit != SLUICE_STEP_DAYS &&
                        step.unit != SLUICE_STEP_MONTHS),
                   SLUICE_EJOB, err, "invalid step");
    SLUICE_FAIL_IF(from < lo || from >= hi || to < lo || to >= hi, SLUICE_EJOB,
                   err, "range outside 0001-01-01..9999-12-31");
    int64_t end = to_has_time ? to : sluice__day_floor(to) + SLUICE_DAY_SECS;
    SLUICE_FAIL_IF(from >= end, SLUICE_EJOB, err,
                   "empty range: 'from' is not before %s 'to'",
                   to_has_time ? "the exclusive" : "the day after");
    out->from = from;
    out->end = end;
    out->step = step;
out:
    return rc;
}

size_t sluice__window_count(const struct sluice_window_spec *spec)
{
    if (spec->end <= spec->from || spec->step.count < 1)
        return 0;
    if (spec->step.unit != SLUICE_STEP_MONTHS) {
        int64_t s = step_secs(&spec->step);
        return (size_t)((spec->end - spec->from + s - 1) / s);
    }
    /* The answer is the first i whose start is at or past the end. The
     * calendar-month distance gives it to within one; starts only ever
     * increase, so two short walks settle it. */
    int64_t fy, ey;
    int fm, fd, em, ed;
    sluice__civil_from_days(sluice__floor_div(spec->from, SLUICE_DAY_SECS), &fy,
                            &fm, &fd);
    sluice__civil_from_days(sluice__floor_div(spec->end, SLUICE_DAY_SECS), &ey,
                            &em, &ed);
    int64_t months = (ey * 12 + em) - (fy * 12 + fm);
    int64_t i = months / spec->step.count;
    if (i < 1)
        i = 1;
    while (i > 1 && month_start(spec, i - 1) >= spec->end)
        i--;
    while (month_start(spec, i) < spec->end)
        i++;
    return (size_t)i;
}

void sluice__window_at(const struct sluice_window_spec *spec, size_t i,
                       struct sluice_window *out)
{
    int64_t start, next;
    if (spec->step.unit == SLUICE_STEP_MONTHS) {
        start = month_start(spec, (int64_t)i);
        next = month_start(spec, (int64_t)i + 1);
    } else {
        int64_t s = step_secs(&spec->step);
        start = spec->from + (int64_t)i * s;
        next = start + s;
    }
    out->index = i;
    out->group = 0;
    out->start = start;
    out->end_excl = next < spec->end ? next : spec->end;
    /* The last day the window touches: for windows aligned to midnight it
     * is end_excl - 1 day; a window ending mid-day includes that day. */
    out->end = spec->step.unit == SLUICE_STEP_HOURS
                   ? out->end_excl - 1
                   : sluice__day_floor(out->end_excl - 1);
}

size_t sluice__window_first_ending_after(const struct sluice_window_spec *spec,
                                         size_t count, int64_t t)
{
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct sluice_window w;
        sluice__window_at(spec, mid, &w);
        if (w.end_excl > t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}
