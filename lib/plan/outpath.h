/* outpath.h: the rules an output path template must keep, over every
 * window of a plan:
 *
 * - Its windows stay in its folder. The folder is the template's fixed
 *   prefix up to its last '/' before the first placeholder ("data" for
 *   "data/{start:%Y}/x_{start}.ndjson", "." when there is no '/'; a fixed
 *   prefix is the user's own choice, "../x" and "/abs" included). A rendered
 *   path whose part after that folder climbs out of it once normalised (a
 *   ".." too many), is absolute where the folder is "." (a placeholder
 *   rendering "/..."), or names no file in it, leaves the folder.
 * - No two windows write one file. Sinks replace a window's file whole and
 *   never append (NDJSON and Parquet files cannot collect windows), so two
 *   windows rendering the same path (a monthly path over daily windows)
 *   would keep only the last. The check is exact: the template is analysed
 *   first (it proves most templates distinct for any number of windows at
 *   no cost); only when the analysis cannot tell are the paths rendered and
 *   compared, normalised, through a hash set, for plans of at most a bound
 *   of windows.
 *
 * Paths are compared as text after lexical normalisation (no symbolic
 * links are resolved: a link inside the folder may point anywhere, which is
 * the user's own doing). */
#ifndef SLUICE_PLAN_OUTPATH_H
#define SLUICE_PLAN_OUTPATH_H

#include "plan/template.h"

/* Windows compared one by one when the template's analysis cannot show its
 * paths are distinct; a longer plan with such a template is refused. */
#define SLUICE_OUTPATH_RENDER_MAX 1000000

/* The template's fixed folder, appended to out ("." when none; the
 * template is valid). */
SLUICE_NODISCARD int sluice__outpath_folder(const char *tpl,
                                            struct sluice_buf *out,
                                            struct sluice_err *err);

/* Whether `path`, a rendering of a template whose fixed folder is
 * `folder` (as _folder gives it), names a file inside that folder. */
bool sluice__outpath_inside(const char *folder, const char *path);

/* Lexical normalisation appended to out: empty and "." components go,
 * ".." removes the component before it (kept at the start of a relative
 * path, dropped at the root), "/" stays at the start of an absolute one.
 * "." for an empty result. */
SLUICE_NODISCARD int sluice__outpath_normal(const char *path,
                                            struct sluice_buf *out);

/* Two windows of the plan that write one path. */
struct sluice_outpath_clash {
    bool found;
    size_t a, b;     /* window indexes, a < b */
    char path[1024]; /* the path both render (cut if longer) */
};

/* Looks for two windows of `spec` whose paths (normalised) are equal.
 * SLUICE_OK with clash->found telling; SLUICE_ETOOBIG when the analysis
 * cannot tell and the plan has more than `render_max` windows (err says
 * so); a template that fails to expand gives that error. `proven` (may be
 * NULL) tells whether the analysis settled it without rendering every
 * window. */
SLUICE_NODISCARD int
sluice__outpath_clash(const char *tpl, const struct sluice_window_spec *spec,
                      size_t render_max, struct sluice_outpath_clash *clash,
                      bool *proven, struct sluice_err *err);

#endif
