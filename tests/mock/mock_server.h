/* mock_server.h: configuration of neows-mock and the interface between its
 * command line (mock_main.c) and its HTTP side (mock_http.c). */
#ifndef NEOWS_MOCK_SERVER_H
#define NEOWS_MOCK_SERVER_H

#include <stdint.h>
#include <stdio.h>

#define MOCK_MAX_KEYS 32

struct mock_cfg {
    unsigned port;
    const char *port_file;
    long idle_timeout_s; /* 0 = never */
    const char *keys[MOCK_MAX_KEYS];
    int nkeys;
    int any_key;
    long hourly_limit;
    double rate_per_s;  /* 0 = no per-second bucket */
    long rate_burst;    /* the bucket's capacity; 0 = rate_per_s */
    int bare_limits;    /* --bare-limits: no rate headers, 429s bare */
    long limit_status;  /* --limit-status: the limiter's status (429) */
    long retry_after_s; /* -1 = computed */
    long latency_ms;
    const char *replay_dir;
    FILE *log;
    const char *link_base; /* "http://api.nasa.gov" */
    unsigned threads;
    int per_connection; /* MHD thread per connection instead of a pool */
    size_t cache_bytes;
    size_t slow_bytes; /* per 100 ms for the slow fault */
    char *tls_cert;    /* PEM text: serve HTTPS (NULL: plain HTTP) */
    char *tls_key;
    int log_headers;          /* --log-headers: each request's headers too */
    const char *redirect_base;/* --redirect-base: Location of /moved/...;
                                 NULL: "" (a relative, same-origin one) */
    const char *path_prefix;  /* --path-prefix: the API lives under it */
    const char *hold_fifo;    /* --hold-fifo: a FIFO told each held URI */
};

extern struct mock_cfg mock_cfg;

/* Starts the daemon on 127.0.0.1; *port receives the bound port.
 * Returns 0 or -1 (message printed). */
int http_start(unsigned *port);
/* Monotonic ms of the last request received (start time before any). */
int64_t http_last_request_ms(void);
/* Releases the requests the hold fault holds now (SIGUSR1): they are
 * answered; requests arriving later are held until the next release. */
void http_release_holds(void);
/* Resumes every held connection, stops the daemon, frees everything. */
void http_stop(void);

#endif
