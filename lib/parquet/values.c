/* values.c: UTF-8 validation and the reader's JSON value formatting. The
 * calendar conversion is the usual era-based civil-from-days arithmetic,
 * exact over the whole int64 day range we accept. */
#include "parquet/values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sluice__utf8_valid(const void *vp, size_t n, size_t *bad)
{
    const uint8_t *p = vp;
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            /* ASCII runs, 8 bytes at a time (most API text is ASCII). */
            uint64_t w8;
            while (n - i >= 8 &&
                   (memcpy(&w8, p + i, 8), (w8 & 0x8080808080808080u) == 0))
                i += 8;
            if (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            goto fail;
        }
        if (n - i < len)
            goto fail;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                goto fail;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto fail;
        i += len;
    }
    return true;
fail:
    if (bad)
        *bad = i;
    return false;
}

int sluice__pq_json_string(struct sluice_buf *out, const void *vp, size_t n)
{
    const uint8_t *p = vp;
    int rc = sluice__buf_addc(out, '"');
    size_t run = 0; /* start of the pending unescaped stretch */
    for (size_t i = 0; rc == SLUICE_OK && i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = sluice__buf_append(out, p + run, i - run);
        run = i + 1;
        if (rc != SLUICE_OK)
            break;
        switch (c) {
        case '"':
            rc = sluice__buf_adds(out, "\\\"");
            break;
        case '\\':
            rc = sluice__buf_adds(out, "\\\\");
            break;
        case '\n':
            rc = sluice__buf_adds(out, "\\n");
            break;
        case '\t':
            rc = sluice__buf_adds(out, "\\t");
            break;
        case '\r':
            rc = sluice__buf_adds(out, "\\r");
            break;
        case '\b':
            rc = sluice__buf_adds(out, "\\b");
            break;
        case '\f':
            rc = sluice__buf_adds(out, "\\f");
            break;
        default:
            rc = sluice__buf_appendf(out, "\\u%04x", c);
            break;
        }
    }
    if (rc == SLUICE_OK)
        rc = sluice__buf_append(out, p + run, n - run);
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(out, '"');
    return rc;
}

/* Floor division for the calendar arithmetic. */
static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468; /* shift the epoch to 0000-03-01 */
    int64_t era = fdiv(z, 146097);
    int64_t doe = z - era * 146097; /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100); /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                      /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int put_ymd(struct sluice_buf *out, int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999)
        return sluice__buf_appendf(out, "%04d-%02d-%02d", (int)y, m, d);
    return sluice__buf_appendf(out, "%+05lld-%02d-%02d", (long long)y, m, d);
}

int sluice__pq_fmt_date(struct sluice_buf *out, int64_t days)
{
    int rc = sluice__buf_addc(out, '"');
    if (rc == SLUICE_OK)
        rc = put_ymd(out, days);
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(out, '"');
    return rc;
}

int sluice__pq_fmt_timestamp(struct sluice_buf *out, int64_t t, int64_t per_sec,
                             bool utc)
{
    int64_t secs = fdiv(t, per_sec);
    int64_t frac = t - secs * per_sec;
    int64_t days = fdiv(secs, 86400);
    int64_t sod = secs - days * 86400;
    int rc = sluice__buf_addc(out, '"');
    if (rc == SLUICE_OK)
        rc = put_ymd(out, days);
    if (rc == SLUICE_OK)
        rc = sluice__buf_appendf(out, "T%02d:%02d:%02d", (int)(sod / 3600),
                                 (int)(sod / 60 % 60), (int)(sod % 60));
    if (rc == SLUICE_OK && frac) {
        int digits = per_sec == 1000 ? 3 : per_sec == 1000000 ? 6 : 9;
        while (frac % 10 == 0) {
            frac /= 10;
            digits--;
        }
        rc = sluice__buf_appendf(out, ".%0*lld", digits, (long long)frac);
    }
    if (rc == SLUICE_OK && utc)
        rc = sluice__buf_addc(out, 'Z');
    if (rc == SLUICE_OK)
        rc = sluice__buf_addc(out, '"');
    return rc;
}

int sluice__pq_fmt_double(struct sluice_buf *out, double d)
{
    if (isnan(d))
        return sluice__buf_adds(out, "\"NaN\"");
    if (isinf(d))
        return sluice__buf_adds(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    int rc = sluice__buf_adds(out, tmp);
    if (rc == SLUICE_OK && !strpbrk(tmp, ".e"))
        rc = sluice__buf_adds(out, ".0");
    return rc;
}
