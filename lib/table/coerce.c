/* coerce.c: strict conversions of JSON scalars to column values
 * (coerce.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table/coerce.h"
#include "util/date.h"

bool sluice__parse_i64(const char *p, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') {
        neg = true;
        i++;
    }
    if (i == n)
        return false;
    uint64_t v = 0;
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (d > 9)
            return false;
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool json_number(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i == n)
        return false;
    if (p[i] == '0')
        i++;
    else if (p[i] >= '1' && p[i] <= '9')
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        size_t s = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    return i == n;
}

/* Exact powers of ten: every one up to 1e22 is a double without rounding
 * (5^22 < 2^53). */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                               1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
                               1e18, 1e19, 1e20, 1e21, 1e22};

/* The fast exact path (Clinger's): a number whose significant digits make
 * an integer w <= 2^53 and whose decimal exponent e is within +-22 is
 * w * 10^e or w / 10^-e, both operands exact doubles, so the one IEEE
 * operation rounds correctly: the same double strtod gives. It checks the
 * JSON number grammar as it reads (one pass over the text); anything it
 * does not take (not a number, more digits, a larger exponent) is false,
 * and parse_f64 then checks the grammar and uses strtod. */
static bool fast_f64(const char *p, size_t n, double *out)
{
    size_t i = 0;
    bool neg = n > 0 && p[0] == '-';
    uint64_t w = 0;
    int sig = 0;  /* significant digits in w (leading zeros not counted) */
    long e10 = 0; /* the decimal exponent w is scaled by */
    i += neg;
    if (i == n || p[i] < '0' || p[i] > '9' ||
        (p[i] == '0' && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9'))
        return false; /* no digit, or a leading zero */
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (w || p[i] != '0')
            sig++;
        w = w * 10 + (uint64_t)(p[i] - '0');
        if (sig > 16)
            return false; /* 10^16 < 2^53 < 10^17: past here it may not fit */
    }
    if (i < n && p[i] == '.') {
        size_t first = ++i;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            if (w || p[i] != '0')
                sig++;
            w = w * 10 + (uint64_t)(p[i] - '0');
            e10--;
            if (sig > 16)
                return false;
        }
        if (i == first)
            return false; /* "1." */
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        bool eneg = false;
        long x = 0;
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            eneg = p[i++] == '-';
        size_t first = i;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            x = x * 10 + (p[i] - '0');
            if (x > 1000)
                return false;
        }
        if (i == first)
            return false; /* "1e" */
        e10 += eneg ? -x : x;
    }
    if (i != n || w > (uint64_t)1 << 53 || e10 < -22 || e10 > 22)
        return false;
    double d = (double)w;
    d = e10 < 0 ? d / POW10[-e10] : d * POW10[e10];
    *out = neg ? -d : d;
    return true;
}

bool sluice__parse_f64(const char *p, size_t n, double *out)
{
    char small[64];
    char *s = small;
    if (fast_f64(p, n, out))
        return true;
    if (!json_number(p, n))
        return false;
    if (n >= sizeof small) {
        s = sluice__malloc(n + 1);
        if (!s)
            return false;
    }
    memcpy(s, p, n);
    s[n] = '\0';
    errno = 0;
    double d = strtod(s, NULL);
    bool ok = isfinite(d);
    if (s != small)
        sluice__free(s);
    if (ok)
        *out = d;
    return ok;
}

bool sluice__parse_integral_i64(const char *p, size_t n, int64_t *out)
{
    double d;
    if (sluice__parse_i64(p, n, out))
        return true;
    /* 9.2e18 < 2^63: every double inside converts exactly or not at all. */
    if (!sluice__parse_f64(p, n, &d) || !(d >= -9.2e18 && d <= 9.2e18) ||
        d != (double)(int64_t)d)
        return false;
    *out = (int64_t)d;
    return true;
}

static bool digits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

static bool civil(const char *p, size_t n, int64_t *days)
{
    int y, m, d;
    if (n != 10 || p[4] != '-' || p[7] != '-' || !digits(p, 4, &y) ||
        !digits(p + 5, 2, &m) || !digits(p + 8, 2, &d))
        return false;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > sluice__month_days(y, m))
        return false;
    *days = sluice__days_from_civil(y, m, d);
    return true;
}

bool sluice__parse_date(const char *p, size_t n, int32_t *days)
{
    int64_t d;
    if (!civil(p, n, &d))
        return false;
    *days = (int32_t)d;
    return true;
}

bool sluice__parse_timestamp(const char *p, size_t n, int64_t *us)
{
    int64_t days;
    int hh = 0, mi = 0, ss = 0, oh = 0, om = 0;
    int64_t frac = 0;
    if (n < 10 || !civil(p, 10, &days))
        return false;
    size_t i = 10;
    if (i < n) {
        if ((p[i] != 'T' && p[i] != ' ') || n - i < 6 || p[i + 3] != ':' ||
            !digits(p + i + 1, 2, &hh) || !digits(p + i + 4, 2, &mi))
            return false;
        i += 6;
        if (i < n && p[i] == ':') {
            if (n - i < 3 || !digits(p + i + 1, 2, &ss))
                return false;
            i += 3;
            if (i < n && p[i] == '.') {
                size_t s = ++i;
                int64_t scale = 100000;
                while (i < n && p[i] >= '0' && p[i] <= '9') {
                    if (i - s >= 9)
                        return false;
                    if (scale > 0)
                        frac += (p[i] - '0') * scale;
                    else if (p[i] != '0')
                        return false; /* below a µs: would be lost */
                    scale /= 10;
                    i++;
                }
                if (i == s)
                    return false;
            }
        }
        if (i < n && p[i] == 'Z') {
            i++;
        } else if (i < n && (p[i] == '+' || p[i] == '-')) {
            int sign = p[i] == '-' ? -1 : 1;
            if (n - i == 6 && p[i + 3] == ':' && digits(p + i + 1, 2, &oh) &&
                digits(p + i + 4, 2, &om))
                i += 6;
            else if (n - i == 5 && digits(p + i + 1, 2, &oh) &&
                     digits(p + i + 3, 2, &om))
                i += 5;
            else
                return false;
            if (oh > 23 || om > 59)
                return false;
            oh *= sign;
            om *= sign;
        }
        if (i != n || hh > 23 || mi > 59 || ss > 59)
            return false;
    }
    int64_t secs =
        days * 86400 + hh * 3600 + mi * 60 + ss - oh * 3600 - om * 60;
    *us = secs * 1000000 + frac;
    return true;
}

bool sluice__epoch_to_us(const char *p, size_t n, int64_t unit_us, int64_t *us)
{
    int64_t v;
    if (sluice__parse_i64(p, n, &v)) {
        if (v > INT64_MAX / unit_us || v < INT64_MIN / unit_us)
            return false;
        *us = v * unit_us;
        return true;
    }
    double d;
    if (!sluice__parse_f64(p, n, &d))
        return false;
    d = nearbyint(d * (double)unit_us);
    if (!(d > -9.2e18 && d < 9.2e18))
        return false;
    *us = (int64_t)d;
    return true;
}
