/* job_load_paths.c: the rules output.path must keep over the job's whole
 * plan, checked at load so that a bad path fails before any request
 * (plan/outpath.h has the mechanism):
 * - output.allow_outside (default false): unless it is true, every window's
 *   file stays in the path's folder (its fixed prefix up to the last '/'
 *   before the first placeholder). The first and the last windows are
 *   rendered here: a template whose literal text climbs out ("data/{start}
 *   /../../x") leaves for every window and is refused now; each window's
 *   path is checked again when it is rendered for the run;
 * - no two windows write one file: a file holds one window (it is replaced
 *   whole, NDJSON and Parquet files are never appended to), so a path that
 *   would collect several windows is refused naming two of them. */
#include <stdio.h>
#include <string.h>

#include "config/loader.h"
#include "plan/outpath.h"

/* "{start}..{end}" of window i, as plans and reports show it; a
 * partition's key when the job has other dimensions or no windows. */
static void window_label(const struct sluice_job *job, size_t i, char *out,
                         size_t n)
{
    struct sluice_window w;
    struct sluice_buf b;
    struct sluice_err err;
    sluice__buf_init(&b, 1024);
    sluice__part_at(&job->parts, i, &w);
    enum sluice_step_unit unit = job->windows.step.unit;
    if (job->parts.n_dims || !job->has_windows) {
        if (sluice__part_key(&job->parts, &w, &b) != SLUICE_OK)
            sluice__buf_reset(&b);
    } else if (sluice__template_expand("{start}..{end}", &w, unit, &b, &err) !=
               SLUICE_OK) {
        sluice__buf_reset(&b);
    }
    snprintf(out, n, "%s", b.p ? b.p : "?");
    sluice__buf_cleanup(&b);
}

/* Window i must stay in the folder. */
static int check_inside(struct loader *L, const struct sluice_ynode *path_n,
                        size_t i)
{
    struct sluice_job *job = L->job;
    struct sluice_window w;
    struct sluice_buf p;
    struct sluice_err err = {{0}};
    struct sluice_tpl_ctx ctx = sluice__cfg_tpl_ctx(L);
    char label[600];
    int rc = SLUICE_OK;
    ctx.escape = SLUICE_TPL_PATH;
    sluice__buf_init(&p, 1 << 16);
    sluice__part_at(&job->parts, i, &w);
    rc = sluice__template_expand_ctx(job->output.path, &w,
                                     job->windows.step.unit, &ctx, &p, &err);
    if (rc == SLUICE_ENOMEM) {
        sluice__err_set(L->err, "out of memory");
    } else if (rc != SLUICE_OK) {
        rc = sluice__cfg_fail(L, &path_n->mark, "output.path", "%s", err.msg);
    } else if (!sluice__outpath_inside(job->output.folder, p.p)) {
        window_label(job, i, label, sizeof label);
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "%s %s would be written to '%s', outside '%s' (the folder "
            "before the path's first placeholder); set "
            "output.allow_outside: true if that is meant",
            job->parts.n_dims || !job->has_windows ? "partition" : "window",
            label, p.p, job->output.folder);
    }
    sluice__buf_cleanup(&p);
    return rc;
}

int sluice__cfg_check_output_paths(struct loader *L)
{
    struct sluice_job *job = L->job;
    /* load_output read these: both exist */
    const struct sluice_ynode *out_n = sluice__ynode_get(L->root, "output");
    const struct sluice_ynode *path_n = sluice__ynode_get(out_n, "path");
    struct sluice_buf folder;
    struct sluice_err err = {{0}};
    struct sluice_outpath_clash clash;
    char a[600], b[600];
    int rc = SLUICE_OK;
    sluice__buf_init(&folder, 1 << 16);
    if (job->output.db)
        goto out; /* no files: nothing to check */

    SLUICE_TRY(sluice__cfg_opt_bool(L, out_n, "allow_outside", "output",
                                    &job->output.allow_outside));
    rc = sluice__cfg_path_folder(L, &folder, &err);
    if (rc == SLUICE_ENOMEM) {
        sluice__err_set(L->err, "out of memory");
        goto out;
    }
    if (rc != SLUICE_OK) {
        rc = sluice__cfg_fail(L, &path_n->mark, "output.path", "%s", err.msg);
        goto out;
    }
    job->output.folder = sluice__buf_take(&folder, NULL);
    SLUICE_FAIL_IF(!job->output.folder, SLUICE_ENOMEM, L->err,
                   "out of memory");
    size_t n = sluice__part_count(&job->parts);
    if (!job->output.allow_outside && n > 0) {
        SLUICE_TRY(check_inside(L, path_n, 0));
        SLUICE_TRY(check_inside(L, path_n, n - 1));
    }
    /* The other dimensions first (job_load_partitions.c): then the windows
     * of one group, whose path has that group's values as literal text. */
    bool proven = false;
    SLUICE_TRY(sluice__cfg_check_partition_paths(L, path_n, &proven));
    if (proven || !job->has_windows)
        goto out;
    SLUICE_TRY(sluice__cfg_path_literal(L, 0, &folder));
    rc = sluice__outpath_clash(folder.p, &job->windows,
                               SLUICE_OUTPATH_RENDER_MAX, &clash, NULL, &err);
    if (rc == SLUICE_ENOMEM) {
        sluice__err_set(L->err, "out of memory");
        goto out;
    }
    if (rc != SLUICE_OK) {
        rc = sluice__cfg_fail(L, &path_n->mark, "output.path",
                              "%s; put {start} or {index} in the path",
                              err.msg);
        goto out;
    }
    if (clash.found) {
        window_label(job, clash.a, a, sizeof a);
        window_label(job, clash.b, b, sizeof b);
        /* windows of group 0, whose indexes are the partitions' */
        rc = sluice__cfg_fail(
            L, &path_n->mark, "output.path",
            "%s %s and %s would both write '%s': a window's file is "
            "written whole and replaces the one there (NDJSON and Parquet "
            "files are never appended to), so one path cannot collect "
            "several windows; make the path as fine as the windows, e.g. "
            "with {start} or {index}",
            job->parts.n_dims ? "partitions" : "windows", a, b, clash.path);
    }
out:
    sluice__buf_cleanup(&folder);
    return rc;
}
