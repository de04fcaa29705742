/* units.c: duration and size parsing for job files. Whole numbers only:
 * "1.5s" reads better as "1500ms" and keeps the parser exact. */
#include "config/units.h"

#include <string.h>

/* Reads leading decimal digits; false when there are none or the number
 * exceeds `max`. */
static bool read_number(const char *s, uint64_t max, uint64_t *v,
                        const char **rest)
{
    uint64_t n = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (max - (uint64_t)(*p - '0')) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *v = n;
    *rest = p;
    return p != s;
}

int sluice__duration_parse(const char *s, int64_t *ms, struct sluice_err *err)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    uint64_t n = 0;
    const char *rest = NULL;
    if (!read_number(s, (uint64_t)SLUICE_DURATION_MAX_MS, &n, &rest)) {
        sluice__err_set(err,
                        "'%s' is not a duration (expected a whole number "
                        "and a unit, like 10s, 500ms, 2m or 1h)",
                        s);
        return SLUICE_EJOB;
    }
    if (!*rest) {
        sluice__err_set(err, "'%s' has no unit (write %ss, %sms, %sm or %sh)",
                        s, s, s, s, s);
        return SLUICE_EJOB;
    }
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(units); i++) {
        if (strcmp(rest, units[i].unit) != 0)
            continue;
        if (n > (uint64_t)SLUICE_DURATION_MAX_MS / units[i].ms) {
            sluice__err_set(err, "'%s' is longer than 30 days", s);
            return SLUICE_EJOB;
        }
        *ms = (int64_t)(n * units[i].ms);
        return SLUICE_OK;
    }
    sluice__err_set(err, "unknown unit '%s' in '%s' (use ms, s, m or h)", rest,
                    s);
    return SLUICE_EJOB;
}

int sluice__size_parse(const char *s, uint64_t *bytes, struct sluice_err *err)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {
        {"", 1},
        {"B", 1},
        {"KiB", 1ULL << 10},
        {"MiB", 1ULL << 20},
        {"GiB", 1ULL << 30},
        {"TiB", 1ULL << 40},
        {"kB", 1000ULL},
        {"KB", 1000ULL},
        {"MB", 1000ULL * 1000},
        {"GB", 1000ULL * 1000 * 1000},
        {"TB", 1000ULL * 1000 * 1000 * 1000},
    };
    uint64_t n = 0;
    const char *rest = NULL;
    if (!read_number(s, SLUICE_SIZE_MAX, &n, &rest)) {
        sluice__err_set(err,
                        "'%s' is not a size (expected a whole number of "
                        "bytes, optionally with a unit, like 1000, 64KiB or "
                        "256MiB)",
                        s);
        return SLUICE_EJOB;
    }
    for (size_t i = 0; i < SLUICE_ARRAY_LEN(units); i++) {
        if (strcmp(rest, units[i].unit) != 0)
            continue;
        if (n > SLUICE_SIZE_MAX / units[i].mult) {
            sluice__err_set(err, "'%s' is larger than 1TiB", s);
            return SLUICE_EJOB;
        }
        *bytes = n * units[i].mult;
        return SLUICE_OK;
    }
    sluice__err_set(err,
                    "unknown unit '%s' in '%s' (use B, KiB, MiB, GiB, kB, MB "
                    "or GB)",
                    rest, s);
    return SLUICE_EJOB;
}
