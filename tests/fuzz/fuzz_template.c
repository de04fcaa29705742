/* fuzz_template.c: libFuzzer target for per-window templates
 * (lib/plan/template.c; docs/testing.md says how to build and run it).
 *
 * The first HEADER bytes choose a window, the rest (up to a NUL) is the
 * template:
 *   byte 0     step unit (hours, days, months: % 3) and count (1 + / 3 % 8)
 *   bytes 1-3  the first window's start, days after 0001-01-01 (mod the
 *              range up to 9999-12-31), plus byte 4 % 24 hours for hours
 *   bytes 5-7  which window of the plan from there to 9999-12-31 (mod the
 *              plan's length: the last one is clipped)
 * The window comes from sluice__window_spec_make and sluice__window_at, as
 * a job's do. Seeds: the templates of examples/ and tests/unit/
 * test_template.c, in tests/data/fuzz/template/ (each with a header).
 *
 * Checked (a violation aborts):
 * - check and expand agree: expand never succeeds on what check refuses
 *   (it fails with the same code and message, or with ETOOBIG when a
 *   formatted time earlier in the template is too long); a template check
 *   accepts expands, or fails with ETOOBIG only; check's refusals are
 *   SLUICE_EJOB with a message, and any "byte N" in it is inside the
 *   template;
 * - expansion is deterministic and appends: twice, once into a buffer that
 *   already holds a prefix, the same bytes;
 * - `{{` and `}}` give literal braces: any text with its braces doubled is
 *   a template whose expansion is that text, and an accepted template's
 *   expansion is its literal runs (braces undoubled) and its placeholders
 *   each expanded on its own, concatenated;
 * - each placeholder is the right value: {index} the window's number in
 *   decimal, a time field the window's start, end or end_excl through
 *   strftime of its UTC struct tm (the default format when none is given,
 *   %s as the seconds since the epoch), ETOOBIG exactly when that is over
 *   SLUICE_TIME_OUT_MAX bytes. The process runs in a time zone five hours
 *   off UTC with summer time, so a result that followed the local zone
 *   would differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan/template.h"
#include "util/date.h"

#define HEADER 8
#define OUT_MAX ((size_t)16 << 20)
#define DAY0 INT64_C(-62135596800)     /* 0001-01-01T00:00:00Z */
#define LAST_DAY INT64_C(253402214400) /* 9999-12-31T00:00:00Z */

static void setup(void)
{
    static int done;
    if (done++)
        return;
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    tzset();
}

static void window_from(const uint8_t *h, struct sluice_window *w,
                        enum sluice_step_unit *unit)
{
    struct sluice_step step = {(enum sluice_step_unit)(h[0] % 3),
                               1 + h[0] / 3 % 8};
    int64_t days = (LAST_DAY - DAY0) / SLUICE_DAY_SECS + 1;
    int64_t d = ((int64_t)h[1] << 16 | h[2] << 8 | h[3]) % days;
    int64_t from = DAY0 + d * SLUICE_DAY_SECS;
    if (step.unit == SLUICE_STEP_HOURS)
        from += (h[4] % 24) * SLUICE_HOUR_SECS;
    struct sluice_window_spec spec;
    struct sluice_err err;
    if (sluice__window_spec_make(from, LAST_DAY, false, step, &spec, &err))
        abort(); /* from is never after the last day */
    size_t n = sluice__window_count(&spec);
    if (n == 0)
        abort();
    size_t i = ((size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7]) % n;
    sluice__window_at(&spec, i, w);
    if (w->index != i || w->start >= w->end_excl)
        abort();
    *unit = step.unit;
}

/* Expands into a fresh buffer holding `prefix`; returns the code. */
static int expand(const char *tpl, const struct sluice_window *w,
                  enum sluice_step_unit unit, const char *prefix,
                  struct sluice_buf *out, struct sluice_err *err)
{
    sluice__buf_init(out, OUT_MAX);
    if (prefix && sluice__buf_adds(out, prefix))
        abort();
    memset(err, 0, sizeof *err);
    return sluice__template_expand(tpl, w, unit, out, err);
}

/* Every "byte N" in msg names an offset inside the n-byte template. An
 * unknown placeholder's name is quoted in its message: only what follows
 * the quote counts. */
static void check_offsets(const char *msg, size_t n)
{
    static const char quoted[] = "unknown placeholder {";
    if (strncmp(msg, quoted, sizeof quoted - 1) == 0)
        for (const char *q = strstr(msg, "} at byte "); q;
             q = strstr(q + 1, "} at byte "))
            msg = q;
    for (const char *p = strstr(msg, "byte "); p; p = strstr(p + 1, "byte ")) {
        char *end;
        unsigned long long at = strtoull(p + 5, &end, 10);
        if (end != p + 5 && at >= n)
            abort();
    }
}

/* The format with each %s conversion replaced by t in decimal (glibc's %s
 * would read the struct tm as local time). */
static void subst_epoch(const char *f, size_t n, int64_t t, char *out,
                        size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = i;
        if (f[i] == '%') {
            i++;
            while (i < n && strchr("-_0^#EO", f[i]))
                i++;
            if (i < n && f[i] == 's') {
                o += (size_t)snprintf(out + o, cap - o, "%lld", (long long)t);
                continue;
            }
            /* copy the conversion as it is */
            for (; at <= i && at < n; at++)
                out[o++] = f[at];
            continue;
        }
        out[o++] = f[i];
    }
    out[o] = '\0';
}

/* Whether fmt/n has a conversion that prints the year (%Y %G %C %F %c %x
 * %X, with flags or a modifier): glibc writes years below 1000 unpadded
 * where sluice pads them (docs/internals/util.md), so glibc is no reference
 * for those (test_date checks the padding). */
static bool prints_year(const char *fmt, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (fmt[i] != '%')
            continue;
        size_t j = i + 1;
        while (j < n && strchr("-_0^#EO", fmt[j]))
            j++;
        if (j < n && strchr("YGCFcxX", fmt[j]))
            return true;
        i = j;
    }
    return false;
}

/* What one placeholder "{...}" (the braces included) must give: sets
 * *want and returns SLUICE_OK, or returns SLUICE_ETOOBIG; SLUICE_EINVAL
 * when there is no reference for it (a year below 1000 in a format that
 * prints it). */
static int placeholder_value(const char *ph, size_t n,
                             const struct sluice_window *w,
                             enum sluice_step_unit unit, char *want, size_t cap)
{
    const char *colon = memchr(ph, ':', n);
    size_t name_n = (colon ? (size_t)(colon - ph) : n - 1) - 1;
    if (name_n == 5 && memcmp(ph + 1, "index", 5) == 0) {
        snprintf(want, cap, "%zu", w->index);
        return SLUICE_OK;
    }
    int64_t t = name_n == 5 && memcmp(ph + 1, "start", 5) == 0 ? w->start
                : name_n == 3 && memcmp(ph + 1, "end", 3) == 0 ? w->end
                : name_n == 8 && memcmp(ph + 1, "end_excl", 8) == 0
                    ? w->end_excl
                    : (abort(), 0);
    char fmt[SLUICE_TIME_FMT_MAX * 24 + 2];
    bool early = t < INT64_C(-30610224000); /* before 1000-01-01 */
    if (early && (!colon || prints_year(colon + 1,
                                        (size_t)(ph + n - 1 - (colon + 1)))))
        return SLUICE_EINVAL;
    if (colon)
        subst_epoch(colon + 1, (size_t)(ph + n - 1 - (colon + 1)), t, fmt + 1,
                    sizeof fmt - 1);
    else
        snprintf(fmt + 1, sizeof fmt - 1, "%s",
                 unit == SLUICE_STEP_HOURS ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d");
    fmt[0] = '#'; /* strftime's 0 means "too long" only on a marked format */
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        abort();
    char res[8192];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t rn = strftime(res, sizeof res, fmt, &tm);
#pragma GCC diagnostic pop
    if (rn == 0)
        abort();
    if (rn - 1 > SLUICE_TIME_OUT_MAX)
        return SLUICE_ETOOBIG;
    if (rn > cap)
        abort();
    memcpy(want, res + 1, rn); /* with the NUL */
    return SLUICE_OK;
}

/* The expansion of an accepted template rebuilt piece by piece; returns
 * SLUICE_ETOOBIG when a placeholder's value must be too long. */
static int rebuild(const char *tpl, size_t n, const struct sluice_window *w,
                   enum sluice_step_unit unit, struct sluice_buf *out)
{
    char want[SLUICE_TIME_OUT_MAX + 1];
    sluice__buf_init(out, OUT_MAX);
    for (size_t i = 0; i < n;) {
        char c = tpl[i];
        if ((c == '{' || c == '}') && i + 1 < n && tpl[i + 1] == c) {
            if (sluice__buf_addc(out, c))
                abort();
            i += 2;
        } else if (c == '{') {
            const char *close = memchr(tpl + i, '}', n - i);
            if (!close)
                abort(); /* check accepted it */
            size_t len = (size_t)(close - (tpl + i)) + 1;
            int pv = placeholder_value(tpl + i, len, w, unit, want, sizeof want);
            if (pv != SLUICE_OK)
                return pv;
            /* the placeholder alone gives the same */
            char one[SLUICE_TIME_FMT_MAX + 32];
            struct sluice_buf b;
            struct sluice_err err;
            if (len >= sizeof one)
                abort(); /* check bounds formats */
            memcpy(one, tpl + i, len);
            one[len] = '\0';
            if (expand(one, w, unit, NULL, &b, &err) != SLUICE_OK ||
                strcmp(sluice__buf_str(&b), want) != 0)
                abort();
            sluice__buf_cleanup(&b);
            if (sluice__buf_adds(out, want))
                abort();
            i += len;
        } else if (c == '}') {
            abort(); /* check accepted a lone '}' */
        } else {
            if (sluice__buf_addc(out, c))
                abort();
            i++;
        }
    }
    return SLUICE_OK;
}

/* Text with its braces doubled is a template that gives the text. */
static void check_literal(const char *text, size_t n,
                          const struct sluice_window *w,
                          enum sluice_step_unit unit)
{
    struct sluice_buf esc, out;
    struct sluice_err err = {{0}};
    sluice__buf_init(&esc, OUT_MAX);
    for (size_t i = 0; i < n; i++) {
        if (((text[i] == '{' || text[i] == '}') &&
             sluice__buf_addc(&esc, text[i])) ||
            sluice__buf_addc(&esc, text[i]))
            abort();
    }
    if (esc.n <= 65536) { /* the longest template */
        if (sluice__template_check(sluice__buf_str(&esc), &err) != SLUICE_OK ||
            expand(sluice__buf_str(&esc), w, unit, NULL, &out, &err) !=
                SLUICE_OK ||
            out.n != n || memcmp(sluice__buf_str(&out), text, n) != 0)
            abort();
        sluice__buf_cleanup(&out);
    }
    sluice__buf_cleanup(&esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER)
        return 0;
    setup();
    struct sluice_window w;
    enum sluice_step_unit unit;
    window_from(data, &w, &unit);
    size_t n = strnlen((const char *)data + HEADER, size - HEADER);
    char *tpl = malloc(n + 1);
    if (!tpl)
        abort();
    memcpy(tpl, data + HEADER, n);
    tpl[n] = '\0';

    struct sluice_err cerr = {{0}}, e1, e2, e3;
    struct sluice_buf o1, o2, o3, want;
    int crc = sluice__template_check(tpl, &cerr);
    int rc1 = expand(tpl, &w, unit, NULL, &o1, &e1);
    int rc2 = expand(tpl, &w, unit, NULL, &o2, &e2);
    int rc3 = expand(tpl, &w, unit, "prefix:", &o3, &e3);
    if (rc1 != rc2 || rc1 != rc3 || strcmp(e1.msg, e2.msg) != 0 ||
        strcmp(e1.msg, e3.msg) != 0)
        abort();
    if (crc != SLUICE_OK) {
        if (crc != SLUICE_EJOB || !cerr.msg[0] || rc1 == SLUICE_OK ||
            (rc1 != SLUICE_ETOOBIG &&
             (rc1 != crc || strcmp(e1.msg, cerr.msg) != 0)))
            abort();
        check_offsets(cerr.msg, n);
    } else if (rc1 == SLUICE_OK) {
        if (o1.n != o2.n || memcmp(o1.p, o2.p, o1.n) != 0 || o3.n != o1.n + 7 ||
            memcmp(o3.p, "prefix:", 7) != 0 || memcmp(o3.p + 7, o1.p, o1.n))
            abort();
        int rb = rebuild(tpl, n, &w, unit, &want);
        if (rb == SLUICE_EINVAL)
            ; /* no reference for a year below 1000 (prints_year) */
        else if (rb != SLUICE_OK || want.n != o1.n ||
                 memcmp(sluice__buf_str(&want), o1.p, o1.n) != 0)
            abort();
        sluice__buf_cleanup(&want);
    } else {
        /* accepted but not expanded: only a formatted time too long */
        int rb = rebuild(tpl, n, &w, unit, &want);
        if (rc1 != SLUICE_ETOOBIG || !e1.msg[0] ||
            (rb != SLUICE_ETOOBIG && rb != SLUICE_EINVAL))
            abort();
        sluice__buf_cleanup(&want);
        check_offsets(e1.msg, n);
    }
    check_literal(tpl, n, &w, unit);
    sluice__buf_cleanup(&o1);
    sluice__buf_cleanup(&o2);
    sluice__buf_cleanup(&o3);
    free(tpl);
    return 0;
}
