/* mock_util.h: the small helpers of neows-mock, the bundled NeoWs-compatible
 * test server: a bounded growable text buffer, civil-date arithmetic on day
 * numbers (days since 1970-01-01, proleptic Gregorian, negative before 1970),
 * strict date parsing, JSON string escaping and the splitmix64 generator.
 * The server is standalone on purpose (it must not share bugs with the
 * client it tests), so none of this comes from lib/. */
#ifndef NEOWS_MOCK_UTIL_H
#define NEOWS_MOCK_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct mbuf {
    char *p;    /* NULL until the first append; NUL-terminated after */
    size_t n;   /* bytes used */
    size_t cap; /* bytes allocated */
    size_t max; /* the most n may be; past it the buffer fails */
    int failed; /* an append failed (no memory or too big): content lost */
};

void mbuf_init(struct mbuf *b, size_t max);
void mbuf_free(struct mbuf *b);
void mbuf_add(struct mbuf *b, const void *p, size_t n);
void mbuf_adds(struct mbuf *b, const char *s);
void mbuf_addc(struct mbuf *b, char c);
void mbuf_printf(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as JSON string content (no quotes), escaping what JSON needs. */
void mbuf_add_json(struct mbuf *b, const char *s, size_t n);
/* Appends a decimal with at most `decimals` places, trailing zeros stripped
 * but at least one digit after the point ("26.2", "20.0"), as Java's
 * Double/BigDecimal printing in the real API does. */
void mbuf_add_decimal(struct mbuf *b, double v, int decimals);
/* Hands the memory over (caller frees with free()); NULL if failed. */
char *mbuf_take(struct mbuf *b, size_t *n);

/* Day numbers. */
#define MOCK_DAY_MIN (-25567) /* 1900-01-01 */
#define MOCK_DAY_MAX 84370    /* 2200-12-31 */
int64_t mock_days_from_civil(int y, int m, int d);
void mock_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Parses YYYY-M-D with 1-2 digit month/day (the real API accepts
 * "2025-9-27"), checking the calendar and the 1900..2200 range.
 * Returns 0 on success, -1 otherwise. */
int mock_date_parse(const char *s, size_t n, int64_t *day);
/* Writes "YYYY-MM-DD" and a NUL into out[11]. */
void mock_date_format(int64_t day, char out[11]);

static inline uint64_t mock_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1) from the generator. */
static inline double mock_unit(uint64_t *s)
{
    return (double)(mock_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* Milliseconds of CLOCK_MONOTONIC and of the wall clock. */
int64_t mock_mono_ms(void);
int64_t mock_wall_ms(void);

#endif
