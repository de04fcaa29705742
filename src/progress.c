/* progress.c: progress on stderr. On a terminal, one line rewritten in
 * place at most 10 times a second; otherwise a plain line every 5 seconds,
 * so logs of scheduled runs show that it moves. -q shows none. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

#define PIPE_INTERVAL 5.0

struct progress {
    bool tty;
    bool quiet;
    bool drawn;       /* a live line is on screen */
    double last_plain;
    uint64_t last_bytes;
    double last_t;
    double rate;      /* smoothed bytes/s */
};

struct progress *progress_new(const struct cli_opts *o, const char *job)
{
    (void)job;
    struct progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->quiet = o->verbosity < 0;
    p->tty = isatty(STDERR_FILENO);
    return p;
}

static void format_eta(double secs, char *out, size_t n)
{
    if (secs < 0 || secs > 360000)
        snprintf(out, n, "--");
    else if (secs < 60)
        snprintf(out, n, "%.0fs", secs);
    else if (secs < 3600)
        snprintf(out, n, "%.0fm%02.0fs", secs / 60 - 0.5, (double)((long)secs % 60));
    else
        snprintf(out, n, "%.0fh%02ldm", secs / 3600 - 0.5, ((long)secs % 3600) / 60);
}

void progress_update(struct progress *p, const struct sluice_progress *pr)
{
    if (!p || p->quiet)
        return;
    double dt = pr->elapsed - p->last_t;
    if (dt > 0.05) {
        double inst = (double)(pr->bytes_in - p->last_bytes) / dt;
        p->rate = p->last_t == 0 ? inst : 0.7 * p->rate + 0.3 * inst;
        p->last_bytes = pr->bytes_in;
        p->last_t = pr->elapsed;
    }
    size_t finished = pr->done + pr->failed;
    double eta = finished ? pr->elapsed / (double)finished *
                                (double)(pr->total - finished)
                          : -1;
    char rate[32], etas[32], learned[48] = "";
    msg_human_bytes(p->rate, rate, sizeof rate);
    format_eta(eta, etas, sizeof etas);
    if (pr->learned_rate > 0)
        snprintf(learned, sizeof learned, "  %.1f req/s %s", pr->learned_rate,
                 pr->learned_from ? pr->learned_from : "learned");
    if (p->tty) {
        fprintf(stderr,
                "\r\033[Kwindows %zu/%zu  rows %llu  %s/s  in flight %zu/%u  "
                "failed %zu  ETA %s%s",
                finished, pr->total, (unsigned long long)pr->rows, rate,
                pr->in_flight, pr->concurrency, pr->failed, etas, learned);
        p->drawn = true;
    } else if (pr->elapsed - p->last_plain >= PIPE_INTERVAL) {
        p->last_plain = pr->elapsed;
        fprintf(stderr,
                "sluice: %zu/%zu windows, %llu rows, %s/s, %zu in flight "
                "(limit %u), %zu failed, ETA %s%s\n",
                finished, pr->total, (unsigned long long)pr->rows, rate,
                pr->in_flight, pr->concurrency, pr->failed, etas, learned);
    }
    fflush(stderr);
}

void progress_clear(struct progress *p)
{
    if (p && p->drawn) {
        fputs("\r\033[K", stderr);
        p->drawn = false;
    }
}

void progress_free(struct progress *p)
{
    progress_clear(p);
    free(p);
}
