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

#include "plan/partition.h"
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

/* Templates of a job with partitions (plan/partition.h): the names its
 * other dimensions declare ({region}, {lo}, {hi}) and {partition} (the
 * partition's key) are placeholders too, without a format; a job without
 * windows has no {start}, {end} or {end_excl} (an error naming the
 * placeholder). A value is written as the field it goes into needs it:
 * - RAW: as it is (query params, which the request builder encodes, and
 *   header values, in which the loader refused line breaks);
 * - URL_PATH: bytes other than A-Z a-z 0-9 - . _ ~ and '/' as %XX, so a
 *   value "a b?c" stays one path segment's text and "owner/repo" spans two;
 * - PATH (output paths): as in a key (partition.h), and a value made of
 *   dots only ("." "..") all %2E, so no value climbs out of a folder;
 * - JSON: JSON-string escaped (a request body's string).
 * {partition} is written as the key is (it is safe already), JSON-escaped
 * for JSON. */
enum sluice_tpl_escape {
    SLUICE_TPL_RAW,
    SLUICE_TPL_URL_PATH,
    SLUICE_TPL_PATH,
    SLUICE_TPL_JSON
};
struct sluice_tpl_ctx {
    const struct sluice_part_spec *parts; /* NULL: no other dimension, and
                                             no {partition} */
    bool no_window;                       /* the job has no windows */
    enum sluice_tpl_escape escape;
    /* JSON text (a body): only {name} and {name:format} are placeholders;
     * every other brace is literal and {{ }} are not escapes. */
    bool json_braces;
    /* {cursor}: the incremental cursor this run sends (a body's; escaped
     * as the field needs it); NULL: no such placeholder. */
    const char *cursor;
};
SLUICE_NODISCARD int sluice__template_check_ctx(const char *tpl,
                                                const struct sluice_tpl_ctx *c,
                                                struct sluice_err *err);
SLUICE_NODISCARD int sluice__template_expand_ctx(const char *tpl,
                                                 const struct sluice_window *w,
                                                 enum sluice_step_unit unit,
                                                 const struct sluice_tpl_ctx *c,
                                                 struct sluice_buf *out,
                                                 struct sluice_err *err);
/* The length of a {name} or {name:format} placeholder at s (a name:
 * letters, digits and '_', not starting with a digit), 0 if none starts
 * there: what json_braces counts as a placeholder. */
size_t sluice__template_placeholder_at(const char *s);
/* A JSON text template (a request body), read with json_braces: a
 * placeholder inside a JSON string of the literal text is written
 * JSON-escaped, one outside every string as it is (for numbers:
 * {"lo": {lo}, "q": "{region}"}). `c`'s escape is ignored. The result is
 * not checked to be JSON. */
SLUICE_NODISCARD int sluice__template_expand_json(const char *tpl,
                                                  const struct sluice_window *w,
                                                  enum sluice_step_unit unit,
                                                  const struct sluice_tpl_ctx *c,
                                                  struct sluice_buf *out,
                                                  struct sluice_err *err);
/* Whether a valid template uses placeholder `name` (a dimension's, or
 * "partition", "index", "start"...). */
bool sluice__template_uses(const char *tpl, const struct sluice_tpl_ctx *c,
                           const char *name);

/* True when the template mentions at least one window placeholder (an
 * output path without one would make every window write the same file). */
bool sluice__template_has_window_field(const char *tpl);

/* One piece of a template, in order: a run of literal bytes (`{{` and `}}`
 * come as one brace each), or a placeholder with its format (fmt_n 0: the
 * default format for the step). Pointers are into the template. */
enum sluice_tpl_field {
    SLUICE_TPL_START,
    SLUICE_TPL_END,
    SLUICE_TPL_END_EXCL,
    SLUICE_TPL_INDEX
};
struct sluice_tpl_part {
    bool literal;
    const char *text; /* the literal bytes, or the format */
    size_t n;
    enum sluice_tpl_field field; /* placeholders only */
};
typedef int (*sluice_tpl_visit_fn)(void *ud, const struct sluice_tpl_part *p);
/* Checks the template as _check does and hands each piece to `fn`; a
 * non-zero return from fn stops the walk and is returned. */
SLUICE_NODISCARD int sluice__template_visit(const char *tpl,
                                            sluice_tpl_visit_fn fn, void *ud,
                                            struct sluice_err *err);

#endif
