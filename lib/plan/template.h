/* template.h: per-window templates in URLs, params, headers and output
 * paths: {start}, {end}, {end_excl}, each with an optional strftime format
 * after a colon ({start:%Y%m%d}), and {index} (the window's 0-based
 * number). `{{` and `}}` are literal braces. The default format is
 * %Y-%m-%d for day and month steps and %Y-%m-%dT%H:%M:%SZ for hour steps.
 *
 * ${VAR} references are not templates: the job loader expands them before
 * any template is seen. */
#ifndef SLUICE_PLAN_TEMPLATE_H
#define SLUICE_PLAN_TEMPLATE_H

#include "plan/window.h"
#include "util/buf.h"

/* Checks a template without expanding it (at job load, so errors come
 * before any request): unknown names (case-sensitive), unbalanced braces,
 * a format on {index}, empty or over-long formats (SLUICE_TIME_FMT_MAX),
 * strftime conversions C17 does not define. SLUICE_EJOB with
 * "unknown placeholder {stat} at byte 12" style messages (0-based offset of
 * the offending byte or of the placeholder's '{'). Templates are at most
 * 64 KiB. */
SLUICE_NODISCARD int sluice__template_check(const char *tpl,
                                            struct sluice_err *err);

/* Appends the expansion of `tpl` for window `w` to `out`. Each formatted
 * time is at most SLUICE_TIME_OUT_MAX bytes (else SLUICE_ETOOBIG); `out`'s
 * own maximum bounds the whole. Refuses what _check refuses. */
SLUICE_NODISCARD int sluice__template_expand(const char *tpl,
                                             const struct sluice_window *w,
                                             enum sluice_step_unit unit,
                                             struct sluice_buf *out,
                                             struct sluice_err *err);

/* True when the template mentions at least one window placeholder (an
 * output path without one would make every window write the same file). */
bool sluice__template_has_window_field(const char *tpl);

#endif
