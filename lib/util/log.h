/* log.h: the library's logger. The library never prints: it formats a
 * message, redacts every secret it knows, and hands the result to the
 * embedder's sluice_log_fn. SLUICE_LOG checks the level before evaluating
 * its arguments, so a trace line costs one comparison when tracing is off.
 *
 *     SLUICE_LOG(&job->log, SLUICE_LOG_DEBUG, "GET %s", url);
 *
 * A message longer than SLUICE_LOG_MAX bytes is cut (and ends in "...").
 * If redaction cannot allocate, the message is replaced by a fixed notice
 * rather than shown unredacted. */
#ifndef SLUICE_UTIL_LOG_H
#define SLUICE_UTIL_LOG_H

#include "util/redact.h"

#define SLUICE_LOG_MAX 16384

/* Caller-embedded; zero-initialised it logs nothing. All members are
 * borrowed: the callback's ud and the secret set must outlive the logger. */
struct sluice_logger {
    sluice_log_fn fn; /* NULL: logging off */
    void *ud;
    enum sluice_log_level max;            /* the most verbose level shown */
    const struct sluice_secrets *secrets; /* may be NULL */
};

void sluice__log_init(struct sluice_logger *lg, sluice_log_fn fn, void *ud,
                      enum sluice_log_level max,
                      const struct sluice_secrets *secrets);

/* True when a message at `level` would reach the callback. `lg` may be
 * NULL. */
static inline bool sluice__log_enabled(const struct sluice_logger *lg,
                                       enum sluice_log_level level)
{
    return lg && lg->fn && level <= lg->max;
}

/* Formats, redacts and delivers one message. Use SLUICE_LOG instead. */
void sluice__log_write(const struct sluice_logger *lg,
                       enum sluice_log_level level, const char *fmt, ...)
    SLUICE_PRINTF(3, 4);

/* SLUICE_LOG(logger, level, fmt, ...): the arguments after `level` are
 * evaluated only when the level is enabled. */
#define SLUICE_LOG(lg, level, ...)                                             \
    do {                                                                       \
        if (sluice__log_enabled((lg), (level)))                                \
            sluice__log_write((lg), (level), __VA_ARGS__);                     \
    } while (0)

#endif
