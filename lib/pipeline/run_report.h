/* run_report.h: the run report (sluice_run_opts.report_path, the command's
 * --report): every window's result as it ends, then the run's summary, as
 * one JSON document published atomically like every output (sink/publish.h:
 * a hidden temporary file beside it, fsync, rename, fsync of the folder).
 * The layout is docs/cli.md's; strings are written by json/json_writer.h.
 *
 * Lifetime, in sluice_run(): _new at the start (memory only, so a run that
 * is refused before it pulls still gets its report), _begin after the
 * sweep (the temporary file is created there, so that the sweep never
 * meets this run's own file and a report that cannot be created stops the
 * run before any request), _window for each window reported, _finish at
 * the end (creates the file if _begin was never reached), _free.
 *
 * One thread (the run's). Memory does not grow with the number of windows:
 * each window is written to the file as it ends. */
#ifndef SLUICE_PIPELINE_RUN_REPORT_H
#define SLUICE_PIPELINE_RUN_REPORT_H

#include "sluice/sluice.h"
#include "util/buf.h"
#include "util/log.h"

struct sluice_run_report;

/* A report to `path` for job `job` (both copied), "started" now. *out is
 * NULL (and SLUICE_OK) when path is NULL: every other call accepts NULL and
 * does nothing. SLUICE_ENOMEM. */
SLUICE_NODISCARD int sluice__report_new(const char *path, const char *job,
                                        struct sluice_run_report **out,
                                        struct sluice_err *err);
/* Creates the temporary file (and the report's folders) and writes the
 * head. SLUICE_EIO "cannot write the report PATH: why". */
SLUICE_NODISCARD int sluice__report_begin(struct sluice_run_report *r,
                                          struct sluice_err *err);
/* Appends one window (its strings already redacted). A failure is kept
 * and told by _finish; the run goes on. */
void sluice__report_window(struct sluice_run_report *r,
                           const struct sluice_window_result *w);
/* Appends the summary of a run that sluice_run() ends with `rc` and
 * publishes the report. SLUICE_EIO (err: "cannot write the report PATH:
 * why") when it could not be published; no temporary file is left. A
 * failure _begin already returned is returned again with err untouched
 * (the run ended with it: it need not be told twice). */
SLUICE_NODISCARD int sluice__report_finish(struct sluice_run_report *r,
                                           int rc,
                                           const struct sluice_run_summary *s,
                                           struct sluice_err *err);
/* Removes the temporary file if still there (the report not published). */
void sluice__report_free(struct sluice_run_report *r);
/* The folder the report goes into ("." when none is named), appended to
 * out: the run sweeps it like an output folder. */
SLUICE_NODISCARD int sluice__report_folder(const char *path,
                                           struct sluice_buf *out);

#endif
