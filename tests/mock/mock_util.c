/* mock_util.c: the bounded buffer, date arithmetic and formatting helpers of
 * neows-mock (see mock_util.h). The civil-date conversion counts in 400-year
 * eras of 146097 days, with years starting in March so that the leap day is
 * the last day of a year; that keeps it exact for negative day numbers. */
#include "mock_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void mbuf_init(struct mbuf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void mbuf_free(struct mbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static int mbuf_grow(struct mbuf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (more > b->max || b->n > b->max - more) {
        b->failed = 1;
        return -1;
    }
    size_t need = b->n + more + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void mbuf_add(struct mbuf *b, const void *p, size_t n)
{
    if (mbuf_grow(b, n) != 0)
        return;
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

void mbuf_adds(struct mbuf *b, const char *s)
{
    mbuf_add(b, s, strlen(s));
}

void mbuf_addc(struct mbuf *b, char c)
{
    mbuf_add(b, &c, 1);
}

void mbuf_printf(struct mbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)k < sizeof(tmp)) {
        mbuf_add(b, tmp, (size_t)k);
        return;
    }
    /* Rare long output: format straight into the buffer. */
    if (mbuf_grow(b, (size_t)k) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
}

void mbuf_add_json(struct mbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        mbuf_add(b, s + run, i - run);
        run = i + 1;
        if (c == '"')
            mbuf_adds(b, "\\\"");
        else if (c == '\\')
            mbuf_adds(b, "\\\\");
        else
            mbuf_printf(b, "\\u%04x", c);
    }
    mbuf_add(b, s + run, n - run);
}

void mbuf_add_decimal(struct mbuf *b, double v, int decimals)
{
    char tmp[64];
    int k = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
    if (k <= 0 || (size_t)k >= sizeof(tmp)) {
        b->failed = 1;
        return;
    }
    if (strchr(tmp, '.')) {
        while (k > 0 && tmp[k - 1] == '0')
            k--;
        if (tmp[k - 1] == '.')
            tmp[k++] = '0';
    }
    mbuf_add(b, tmp, (size_t)k);
}

char *mbuf_take(struct mbuf *b, size_t *n)
{
    if (b->failed || !b->p) {
        mbuf_free(b);
        return NULL;
    }
    char *p = b->p;
    if (n)
        *n = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

int64_t mock_days_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                        /* [0, 399] */
    int64_t mp = (m + 9) % 12;                           /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void mock_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

/* Reads 1..maxd digits; returns the count read or 0. */
static size_t read_digits(const char *s, size_t n, size_t maxd, int *out)
{
    size_t i = 0;
    int v = 0;
    while (i < n && i < maxd && s[i] >= '0' && s[i] <= '9')
        v = v * 10 + (s[i++] - '0');
    *out = v;
    return i;
}

int mock_date_parse(const char *s, size_t n, int64_t *day)
{
    int y, m, d;
    size_t i = read_digits(s, n, 4, &y);
    if (i != 4 || i >= n || s[i] != '-')
        return -1;
    i++;
    size_t k = read_digits(s + i, n - i, 2, &m);
    if (k == 0 || i + k >= n || s[i + k] != '-')
        return -1;
    i += k + 1;
    k = read_digits(s + i, n - i, 2, &d);
    if (k == 0 || i + k != n)
        return -1;
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 ||
        d > days_in_month(y, m))
        return -1;
    *day = mock_days_from_civil(y, m, d);
    return 0;
}

void mock_date_format(int64_t day, char out[11])
{
    int y, m, d;
    mock_civil_from_days(day, &y, &m, &d);
    /* Digit by digit: callers keep days within 1900..2200. */
    unsigned uy = (unsigned)y % 10000, um = (unsigned)m, ud = (unsigned)d;
    out[0] = (char)('0' + uy / 1000);
    out[1] = (char)('0' + uy / 100 % 10);
    out[2] = (char)('0' + uy / 10 % 10);
    out[3] = (char)('0' + uy % 10);
    out[4] = '-';
    out[5] = (char)('0' + um / 10);
    out[6] = (char)('0' + um % 10);
    out[7] = '-';
    out[8] = (char)('0' + ud / 10);
    out[9] = (char)('0' + ud % 10);
    out[10] = '\0';
}

int64_t mock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
