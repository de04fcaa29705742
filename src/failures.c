/* failures.c: the failed windows the summary lists at the end of a run
 * (with -q too: failures are errors). Kept from the library's on_window
 * callback; every string came from the library already redacted. The run
 * report (--report) is the library's (sluice_run_opts.report_path). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct failure {
    char *start, *end, *error, *key;
};

struct failures {
    struct failure *v;
    size_t n, cap;
};

struct failures *failures_new(void) { return calloc(1, sizeof(struct failures)); }

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

void failures_add(struct failures *fs, const struct sluice_window_result *w)
{
    if (!fs || w->status != SLUICE_WINDOW_FAILED)
        return;
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 16;
        struct failure *v = realloc(fs->v, cap * sizeof *v);
        if (!v)
            return; /* out of memory: the report and the ledger still have it */
        fs->v = v;
        fs->cap = cap;
    }
    struct failure *f = &fs->v[fs->n++];
    f->start = dup_or_empty(w->start);
    f->end = dup_or_empty(w->end);
    f->error = dup_or_empty(w->error);
    /* A key that is not the window's start names a partition of other
     * dimensions (or of a job without windows): shown instead of dates. */
    bool has_key = w->size >= offsetof(struct sluice_window_result, key) +
                                  sizeof w->key &&
                   w->key && (!w->start || strcmp(w->key, w->start) != 0);
    f->key = has_key ? strdup(w->key) : NULL;
}

void failures_print(const struct failures *fs, FILE *f)
{
    if (!fs || fs->n == 0)
        return;
    fprintf(f, "sluice: failed windows:\n");
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->v[i].key)
            fprintf(f, "  %s  %s\n", fs->v[i].key,
                    fs->v[i].error ? fs->v[i].error : "");
        else
            fprintf(f, "  %s..%s  %s\n", fs->v[i].start ? fs->v[i].start : "",
                    fs->v[i].end ? fs->v[i].end : "",
                    fs->v[i].error ? fs->v[i].error : "");
    }
}

void failures_free(struct failures *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->v[i].start);
        free(fs->v[i].end);
        free(fs->v[i].error);
        free(fs->v[i].key);
    }
    free(fs->v);
    free(fs);
}
