/* log.c: formatting, redaction and delivery of log messages. See log.h.
 *
 * Most messages fit a stack buffer; a longer one is formatted once more
 * into a heap buffer. Redaction runs before the message is cut to
 * SLUICE_LOG_MAX, so the cut can never leave the visible head of a secret
 * that straddled it. The formatted text itself is bounded by FORMAT_MAX, so
 * logging a huge value neither overflows nor allocates without limit. */
#include "util/log.h"

#include <stdio.h>
#include <string.h>

#define FORMAT_MAX (SLUICE_LOG_MAX * 4)
#define OOM_NOTICE "(log message dropped: out of memory)"

void sluice__log_init(struct sluice_logger *lg, sluice_log_fn fn, void *ud,
                      enum sluice_log_level max,
                      const struct sluice_secrets *secrets)
{
    lg->fn = fn;
    lg->ud = ud;
    lg->max = max;
    lg->secrets = secrets;
}

void sluice__log_write(const struct sluice_logger *lg,
                       enum sluice_log_level level, const char *fmt, ...)
{
    if (!sluice__log_enabled(lg, level))
        return;
    char small[512];
    char *heap = NULL;
    const char *msg = small;
    bool cut = false;
    /* Until redaction succeeds, only the fixed notice may be shown. */
    const char *shown = OOM_NOTICE;
    struct sluice_buf out;
    sluice__buf_init(&out, FORMAT_MAX * 3 + 16);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0) {
        shown = "(log message could not be formatted)";
        goto out;
    }
    size_t n = (size_t)len;
    if (n >= sizeof small) {
        cut = n > FORMAT_MAX;
        if (cut)
            n = FORMAT_MAX;
        heap = sluice__malloc(n + 1);
        if (!heap)
            goto out;
        va_start(ap, fmt);
        vsnprintf(heap, n + 1, fmt, ap);
        va_end(ap);
        msg = heap;
    }
    if (sluice__redact(lg->secrets, msg, n, &out) != SLUICE_OK)
        goto out;
    if (cut || out.n > SLUICE_LOG_MAX) {
        if (out.n > SLUICE_LOG_MAX - 3) {
            out.n = SLUICE_LOG_MAX - 3;
            out.p[out.n] = '\0';
        }
        if (sluice__buf_adds(&out, "...") != SLUICE_OK)
            goto out;
    }
    shown = sluice__buf_str(&out);
out:
    lg->fn(lg->ud, level, shown);
    sluice__buf_cleanup(&out);
    sluice__free(heap);
}
