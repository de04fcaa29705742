/* signals.c: SIGINT/SIGTERM ask the run to stop, through the library's
 * sluice_run_cancel(), which is async-signal-safe. The first asks it to
 * stop starting transfers and let those in flight finish; the second to
 * abandon them at once. The handler touches only the run handle and two
 * sig_atomic_t flags. */
#include <pthread.h>
#include <string.h>

#include "cli.h"

volatile sig_atomic_t g_last_signal;
static volatile sig_atomic_t g_signals; /* how many arrived */
/* The run the handler cancels; NULL outside a run. Set and cleared only
 * while the handler cannot run (see signals_release). */
static struct sluice_run *volatile g_run;

static void on_signal(int sig)
{
    g_last_signal = sig;
    if (g_signals < 2)
        g_signals++;
    struct sluice_run *run = g_run;
    if (run)
        sluice_run_cancel(run, g_signals >= 2 ? SLUICE_CANCEL_ABANDON
                                              : SLUICE_CANCEL_DRAIN);
}

void signals_install(struct sluice_run *run)
{
    g_run = run;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void signals_release(void)
{
    /* The run is over and the library's threads have ended, so only this
     * thread can take the signal: with it blocked here, no handler is
     * between reading g_run and cancelling when the handle goes away. A
     * signal that arrives meanwhile is delivered when unblocked, and then
     * only counts. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    g_run = NULL;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}
