/* signals.c: SIGINT/SIGTERM ask the run to stop. The first asks it to stop
 * starting transfers and let those in flight finish; the second to abandon
 * them at once. The handler only bumps a counter the run loop polls. */
#include <string.h>

#include "cli.h"

volatile sig_atomic_t g_cancel;
volatile sig_atomic_t g_last_signal;

static void on_signal(int sig)
{
    g_last_signal = sig;
    if (g_cancel < 2)
        g_cancel++;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}
