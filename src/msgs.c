/* msgs.c: the command's voice on stderr. The library hands us messages
 * already redacted; the command adds nothing secret of its own. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void msg_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sluice: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int msg_write_stdout(void *ud, const void *p, size_t n)
{
    (void)ud;
    return fwrite(p, 1, n, stdout) == n ? 0 : -1;
}

void msg_info(const struct cli_opts *o, const char *fmt, ...)
{
    if (o->verbosity < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The library's log callback. `ud` is the cli_opts. Warnings about single
 * windows are not printed as they happen (the summary lists failures);
 * -v shows them, -vv shows debug lines (each request). */
void msg_log(void *ud, enum sluice_log_level level, const char *msg)
{
    const struct cli_opts *o = ud;
    static const char *const names[] = {"error", "warning", "info", "debug",
                                        "trace"};
    int shown = o->verbosity < 0 ? SLUICE_LOG_ERROR
                                 : SLUICE_LOG_INFO + o->verbosity - 1;
    if ((int)level > shown)
        return;
    fprintf(stderr, "sluice: %s: %s\n", names[level], msg);
}

void msg_human_bytes(double bytes, char *out, size_t n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    size_t u = 0;
    while (bytes >= 1000 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1000;
        u++;
    }
    snprintf(out, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}
