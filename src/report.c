/* report.c: the run report (--report FILE.json) and the failure list the
 * summary prints. Windows are appended to a temporary file as they finish
 * (memory does not grow with the number of windows); the summary is added
 * at the end and the file renamed into place. Every string here came from
 * the library already redacted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct failure {
    char *start, *end, *error;
};

struct report {
    char *path, *tmp;
    FILE *f;
    size_t n_windows;
    struct failure *fail;
    size_t n_fail, cap_fail;
    bool io_error;
};

static void put_json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static char *dup_or_empty(const char *s)
{
    char *d = strdup(s ? s : "");
    return d;
}

struct report *report_new(const char *path, const char *job)
{
    struct report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (path) {
        size_t n = strlen(path) + 32;
        r->path = strdup(path);
        r->tmp = malloc(n);
        if (!r->path || !r->tmp) {
            report_free(r);
            return NULL;
        }
        snprintf(r->tmp, n, "%s.tmp-%ld", path, (long)getpid());
        r->f = fopen(r->tmp, "w");
        if (!r->f) {
            msg_error("cannot write the report %s", path);
            report_free(r);
            return NULL;
        }
        char when[32];
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fputs("{\"job\":", r->f);
        put_json_string(r->f, job);
        fprintf(r->f, ",\"sluice\":\"%s\",\"started\":\"%s\",\"windows\":[",
                sluice_version(), when);
    }
    return r;
}

static const char *status_name(enum sluice_window_status s)
{
    switch (s) {
    case SLUICE_WINDOW_DONE: return "done";
    case SLUICE_WINDOW_FAILED: return "failed";
    default: return "not_pulled";
    }
}

void report_window(struct report *r, const struct sluice_window_result *w)
{
    if (!r)
        return;
    if (w->status == SLUICE_WINDOW_FAILED) {
        if (r->n_fail == r->cap_fail) {
            size_t cap = r->cap_fail ? r->cap_fail * 2 : 16;
            struct failure *f = realloc(r->fail, cap * sizeof *f);
            if (f) {
                r->fail = f;
                r->cap_fail = cap;
            }
        }
        if (r->n_fail < r->cap_fail) {
            struct failure *f = &r->fail[r->n_fail++];
            f->start = dup_or_empty(w->start);
            f->end = dup_or_empty(w->end);
            f->error = dup_or_empty(w->error);
        }
    }
    if (!r->f)
        return;
    FILE *f = r->f;
    fputs(r->n_windows++ ? ",\n" : "\n", f);
    fprintf(f, "{\"index\":%zu,\"start\":", w->index);
    put_json_string(f, w->start);
    fputs(",\"end\":", f);
    put_json_string(f, w->end);
    fprintf(f, ",\"status\":\"%s\",\"http_status\":%ld,\"attempts\":%u,"
               "\"statuses\":[",
            status_name(w->status), w->http_status, w->attempts);
    for (size_t i = 0; i < w->n_statuses; i++)
        fprintf(f, "%s%ld", i ? "," : "", w->statuses[i]);
    fprintf(f, "],\"rows\":%llu,\"bytes_in\":%llu,\"bytes_out\":%llu,"
               "\"bad_values\":%llu,\"seconds\":%.3f,\"output\":",
            (unsigned long long)w->rows, (unsigned long long)w->bytes_in,
            (unsigned long long)w->bytes_out,
            (unsigned long long)w->bad_values, w->seconds);
    put_json_string(f, w->output);
    fputs(",\"url\":", f);
    put_json_string(f, w->url);
    fputs(",\"error\":", f);
    put_json_string(f, w->error);
    fputc('}', f);
}

int report_finish(struct report *r, const struct sluice_run_summary *s,
                  const char *outcome)
{
    if (!r || !r->f)
        return 0;
    FILE *f = r->f;
    fprintf(f,
            "\n],\"summary\":{\"outcome\":\"%s\",\"planned\":%zu,"
            "\"skipped\":%zu,\"windows\":%zu,\"done\":%zu,"
            "\"failed\":%zu,\"not_pulled\":%zu,\"rows\":%llu,\"bytes_in\":%llu,"
            "\"bytes_out\":%llu,\"requests\":%llu,\"retries\":%llu,"
            "\"responses_429\":%llu,\"concurrency\":%u,\"resume_at\":%lld,"
            "\"bad_values\":%llu,\"seconds\":%.3f}}\n",
            outcome, s->total, s->skipped, s->due, s->done, s->failed,
            s->not_pulled, (unsigned long long)s->rows,
            (unsigned long long)s->bytes_in, (unsigned long long)s->bytes_out,
            (unsigned long long)s->requests, (unsigned long long)s->retries,
            (unsigned long long)s->responses_429, s->concurrency,
            (long long)s->resume_at, (unsigned long long)s->bad_values,
            s->seconds);
    r->f = NULL;
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(r->tmp, r->path) != 0) {
        msg_error("cannot write the report %s", r->path);
        unlink(r->tmp);
        return -1;
    }
    return 0;
}

void report_print_failures(const struct report *r, FILE *f)
{
    if (!r || r->n_fail == 0)
        return;
    fprintf(f, "sluice: failed windows:\n");
    for (size_t i = 0; i < r->n_fail; i++)
        fprintf(f, "  %s..%s  %s\n", r->fail[i].start, r->fail[i].end,
                r->fail[i].error);
}

void report_free(struct report *r)
{
    if (!r)
        return;
    if (r->f) {
        fclose(r->f);
        unlink(r->tmp);
    }
    for (size_t i = 0; i < r->n_fail; i++) {
        free(r->fail[i].start);
        free(r->fail[i].end);
        free(r->fail[i].error);
    }
    free(r->fail);
    free(r->path);
    free(r->tmp);
    free(r);
}
