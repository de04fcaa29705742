/* mock_http.c: the HTTP side of neows-mock on libmicrohttpd. Every request
 * is decided in full once MHD has it whole (key, rate limits, fault rules,
 * then mock_route.c for the body), logged with its arrival time, and then
 * answered at once or held. In the default mode MHD runs an epoll thread
 * pool and --latency-ms and the timeout and hold faults suspend the connection
 * (MHD_suspend_connection) until one timer thread resumes it, so a held
 * request never blocks the other connections of its MHD thread; the slow
 * fault needs thread-per-connection mode, where holds are plain naps. The
 * hold fault keeps a decided answer until SIGUSR1 releases it, so a test can
 * keep a client mid-transfer for exactly as long as it needs.
 * Bodies come from the cache (mock_cache.c) and are handed to MHD without a
 * copy; the response holds a reference to its cache entry. */
#include "mock_server.h"

#include "mock_auth.h"
#include "mock_cache.h"
#include "mock_fault.h"
#include "mock_items.h"
#include "mock_limit.h"
#include "mock_pages.h"
#include "mock_route.h"
#include "mock_util.h"
#include "neows_gen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY (64u << 20)
#define BIG_HEADERS (1u << 20) /* huge-header / many-headers */
/* MHD builds a response's headers in the connection's memory pool
 * (32 KiB by default): room for BIG_HEADERS when those faults are used. */
#define BIG_HEADERS_POOL (4u << 20)
#define TIMEOUT_POKE_MS 500
#define SLOW_PERIOD_MS 100
#define HOLD_POKE_MS 20

/* Bumped by each release (SIGUSR1): a held request goes once the
 * generation differs from the one it arrived in. */
static atomic_uint hold_generation;

void http_release_holds(void)
{
    atomic_fetch_add(&hold_generation, 1);
}

struct mock_cfg mock_cfg;

/* ---- holding a request --------------------------------------------------- */

/* In the default pool mode a held connection is suspended and one timer
 * thread resumes it when due. In thread-per-connection mode (needed by the
 * slow fault, whose pacing happens inside MHD's content reader, where
 * suspending is fragile) a held request just naps in its own thread. */

enum tstate { T_IDLE, T_LISTED, T_RESUMED };

struct timer_node {
    int64_t deadline;
    struct MHD_Connection *conn;
    struct timer_node *next;
    enum tstate state;
};

static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tcond;     /* wakes the timer thread */
static pthread_cond_t held_cond; /* signals held == 0 */
static struct timer_node *tlist;
static int held; /* nodes listed or resumed and not yet taken back */
static int stopping;
static pthread_t timer_tid;

static int is_stopping(void)
{
    pthread_mutex_lock(&tlock);
    int s = stopping;
    pthread_mutex_unlock(&tlock);
    return s;
}

/* Sleeps ms in short naps; -1 as soon as the server stops. */
static int nap(int64_t ms)
{
    int64_t end = mock_mono_ms() + ms;
    for (;;) {
        if (is_stopping())
            return -1;
        int64_t left = end - mock_mono_ms();
        if (left <= 0)
            return 0;
        if (left > 50)
            left = 50;
        struct timespec ts = {0, (long)left * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* Pool mode: suspends c until delay_ms from now. Only called from the
 * access handler. Returns -1, without suspending, once the server is
 * stopping: MHD must not be stopped with suspended connections. */
static int timer_hold(struct timer_node *t, struct MHD_Connection *c,
                      int64_t delay_ms)
{
    pthread_mutex_lock(&tlock);
    if (stopping) {
        pthread_mutex_unlock(&tlock);
        return -1;
    }
    t->deadline = mock_mono_ms() + delay_ms;
    t->conn = c;
    struct timer_node **pp = &tlist;
    while (*pp && (*pp)->deadline <= t->deadline)
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
    t->state = T_LISTED;
    held++;
    MHD_suspend_connection(c);
    if (tlist == t)
        pthread_cond_signal(&tcond);
    pthread_mutex_unlock(&tlock);
    return 0;
}

/* The handler runs again for a resumed node, or MHD is done with it: the
 * node leaves the list and the held count. */
static void timer_release(struct timer_node *t)
{
    pthread_mutex_lock(&tlock);
    if (t->state == T_LISTED) {
        struct timer_node **pp = &tlist;
        while (*pp && *pp != t)
            pp = &(*pp)->next;
        if (*pp)
            *pp = t->next;
    }
    if (t->state != T_IDLE && --held == 0)
        pthread_cond_broadcast(&held_cond);
    t->state = T_IDLE;
    pthread_mutex_unlock(&tlock);
}

static void *timer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&tlock);
    while (!stopping || tlist) {
        if (!tlist) {
            pthread_cond_wait(&tcond, &tlock);
            continue;
        }
        int64_t now = mock_mono_ms();
        if (stopping || tlist->deadline <= now) {
            struct timer_node *t = tlist;
            tlist = t->next;
            t->state = T_RESUMED;
            MHD_resume_connection(t->conn);
            continue;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t wait = tlist->deadline - now;
        ts.tv_sec += (time_t)(wait / 1000);
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&tcond, &tlock, &ts);
    }
    pthread_mutex_unlock(&tlock);
    return NULL;
}

/* ---- request state ------------------------------------------------------- */

enum phase { PH_HEADERS, PH_NEW, PH_DELAY, PH_TIMEOUT, PH_HOLD };

struct mreq {
    char *uri; /* raw, as sent: path?query */
    int64_t arrival_ms;
    enum phase phase;
    struct MHD_Response *resp;
    unsigned status;
    unsigned hold_gen; /* the release generation it arrived in */
    struct timer_node tn;
    struct mbuf body;  /* the request's body (POST, a token request's
                          form), at most BODY_MAX: past it, failed */
};

#define BODY_MAX (1u << 20)

static struct MHD_Daemon *mhd;
static atomic_llong last_request_ms;
static atomic_ullong nrequests;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t http_last_request_ms(void)
{
    return atomic_load(&last_request_ms);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    atomic_store(&last_request_ms, mock_mono_ms());
    struct mreq *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->uri = strdup(uri ? uri : "");
    r->arrival_ms = mock_wall_ms();
    mbuf_init(&r->body, BODY_MAX);
    if (!r->uri) {
        free(r);
        return NULL;
    }
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct mreq *r = *req_cls;
    if (!r)
        return;
    timer_release(&r->tn);
    if (r->resp)
        MHD_destroy_response(r->resp);
    mbuf_free(&r->body);
    free(r->uri);
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result log_header(void *cls, enum MHD_ValueKind kind,
                                  const char *name, const char *value)
{
    (void)cls;
    (void)kind;
    fprintf(mock_cfg.log, "\t%s: %s\n", name, value ? value : "");
    return MHD_YES;
}

/* One line per request; with --log-headers its headers follow, so a test
 * can tell which credentials reached this server. */
static void log_request(struct MHD_Connection *c, const struct mreq *r,
                        const char *method, unsigned status)
{
    if (!mock_cfg.log)
        return;
    pthread_mutex_lock(&log_lock);
    fprintf(mock_cfg.log, "%lld.%03lld %s %s %u\n",
            (long long)(r->arrival_ms / 1000),
            (long long)(r->arrival_ms % 1000), method, r->uri, status);
    if (mock_cfg.log_headers)
        MHD_get_connection_values(c, MHD_HEADER_KIND, log_header, NULL);
    fflush(mock_cfg.log);
    pthread_mutex_unlock(&log_lock);
}

/* --hold-fifo: a held request's URI, as one line, so that a test waits for
 * the hold by reading (no polling of the log). The reader keeps the FIFO
 * open (read-write), so this open never blocks; without a reader the line
 * is dropped (ENXIO), which the test then notices by never reading it. */
static void announce_hold(const char *uri)
{
    int fd = open(mock_cfg.hold_fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    char line[4096];
    int n = snprintf(line, sizeof line, "%s\n", uri);
    if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) < 0)
        perror("neows-mock: --hold-fifo");
    close(fd);
}

/* /moved<rest>?<query> -> 302 to --redirect-base<rest>?<query>, before any
 * key check (a gateway redirects whoever asks). Returns 1 when it is one
 * (o is set), 0 when not, -1 out of memory. */
static int moved(const char *uri, struct outcome *o)
{
    static const char prefix[] = "/moved";
    if (strncmp(uri, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *base = mock_cfg.redirect_base ? mock_cfg.redirect_base : "";
    const char *rest = uri + sizeof prefix - 1;
    size_t n = strlen(base) + strlen(rest) + 1;
    o->location = malloc(n);
    if (!o->location)
        return -1;
    snprintf(o->location, n, "%s%s", base, rest);
    o->status = 302;
    o->ctype = "text/html";
    o->own = strdup("<html><body>Moved</body></html>");
    o->n = o->own ? strlen(o->own) : 0;
    return o->own ? 1 : -1;
}

/* A connection closed without an answer that no fault asked for would
 * reach the client as an "empty reply" (curl: 52) with nothing to explain
 * it: say why on stderr, so that a test failing that way shows its cause. */
static void note_dropped(const struct mreq *r, const char *why)
{
    fprintf(stderr, "neows-mock: %s closed without a response: %s\n", r->uri,
            why);
}

/* A body dripped or cut by a content reader (slow, truncate). */
struct drip {
    struct cache_entry *entry;
    char *own;
    const char *body;
    size_t n;     /* Content-Length announced */
    size_t cut;   /* bytes sent before closing (n unless truncated) */
    size_t chunk; /* per SLOW_PERIOD_MS, 0 = no pacing */
};

static ssize_t drip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct drip *d = cls;
    if (pos >= d->cut)
        return d->cut < d->n ? MHD_CONTENT_READER_END_WITH_ERROR
                             : MHD_CONTENT_READER_END_OF_STREAM;
    size_t k = d->cut - (size_t)pos;
    if (k > max)
        k = max;
    if (d->chunk) {
        if (k > d->chunk)
            k = d->chunk;
        /* Thread-per-connection mode: this nap holds only this client. */
        if (nap(SLOW_PERIOD_MS) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    memcpy(buf, d->body + pos, k);
    return (ssize_t)k;
}

static void drip_free(void *cls)
{
    struct drip *d = cls;
    cache_release(d->entry);
    free(d->own);
    free(d);
}

static void entry_release(void *cls)
{
    cache_release(cls);
}

static int wants_gzip(struct MHD_Connection *c)
{
    const char *ae = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    return ae && strstr(ae, "gzip") != NULL;
}

/* Turns the outcome into an MHD response, applying a body fault. Consumes
 * the outcome's body. NULL when out of memory. */
static struct MHD_Response *respond(struct MHD_Connection *c, struct outcome *o,
                                    enum fault_kind fk, long remaining)
{
    struct MHD_Response *resp = NULL;
    const char *body = o->entry ? cache_body(o->entry, &o->n) : o->own;
    int gz = 0;
    if (fk == FAULT_TRUNCATE || fk == FAULT_SLOW) {
        struct drip *d = calloc(1, sizeof(*d));
        if (!d)
            goto out;
        d->entry = o->entry;
        d->own = o->own;
        d->body = body;
        d->n = o->n;
        d->cut = fk == FAULT_TRUNCATE ? o->n / 2 : o->n;
        d->chunk = fk == FAULT_SLOW ? mock_cfg.slow_bytes : 0;
        o->entry = NULL;
        o->own = NULL;
        size_t block = d->chunk > 4096 ? d->chunk : 4096;
        resp = MHD_create_response_from_callback(o->n, block, drip_read, d,
                                                 drip_free);
        if (!resp)
            drip_free(d);
    } else if (fk == FAULT_INVALID_JSON) {
        struct mbuf b;
        mbuf_init(&b, MAX_BODY);
        mbuf_add(&b, body, o->n / 2);
        mbuf_adds(&b, "}]]}<!-- neows-mock: invalid json -->");
        size_t n = 0;
        char *p = mbuf_take(&b, &n);
        if (p) {
            resp = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
            if (!resp)
                free(p);
        }
    } else if (o->entry) {
        size_t n = o->n;
        const char *p = body;
        if (n >= 1000 && wants_gzip(c)) {
            size_t gn = 0;
            const char *g = cache_gzip(o->entry, &gn);
            if (g) {
                p = g;
                n = gn;
                gz = 1;
            }
        }
        resp = MHD_create_response_from_buffer_with_free_callback_cls(
            n, (void *)(uintptr_t)p, entry_release, o->entry);
        if (resp)
            o->entry = NULL;
    } else {
        resp = MHD_create_response_from_buffer(o->n, o->own,
                                               MHD_RESPMEM_MUST_FREE);
        if (resp)
            o->own = NULL;
    }
    if (!resp)
        goto out;
    char num[32];
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, o->ctype);
    if (o->location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, o->location);
    if (o->hdr_name && o->hdr_value)
        MHD_add_response_header(resp, o->hdr_name, o->hdr_value);
    if (!mock_cfg.bare_limits) {
        snprintf(num, sizeof(num), "%ld", mock_cfg.hourly_limit);
        MHD_add_response_header(resp, "X-RateLimit-Limit", num);
        snprintf(num, sizeof(num), "%ld", remaining);
        MHD_add_response_header(resp, "X-RateLimit-Remaining", num);
    }
    if (mock_cfg.rate_per_s > 0 && !mock_cfg.bare_limits) {
        /* The per-second bucket, described as the IETF RateLimit-Policy
         * header does (quota q per window w seconds), so a client can
         * learn it without being told. */
        char pol[64];
        snprintf(pol, sizeof(pol), "\"per-second\";q=%.0f;w=1",
                 mock_cfg.rate_per_s);
        MHD_add_response_header(resp, "RateLimit-Policy", pol);
    }
    if (o->n >= 1000)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
                                MHD_HTTP_HEADER_ACCEPT_ENCODING);
    if (gz)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (o->retry_after >= 0 && !mock_cfg.bare_limits) {
        snprintf(num, sizeof(num), "%ld", o->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (fk == FAULT_HUGE_HEADER || fk == FAULT_MANY_HEADERS) {
        size_t line = fk == FAULT_HUGE_HEADER ? BIG_HEADERS : 1024;
        char *pad = malloc(line + 1);
        if (!pad) {
            MHD_destroy_response(resp);
            resp = NULL;
            goto out;
        }
        memset(pad, 'a', line);
        pad[line] = '\0';
        for (size_t i = 0; i < BIG_HEADERS / line; i++) {
            char name[32];
            snprintf(name, sizeof(name), "X-Padding-%zu", i);
            MHD_add_response_header(resp, name, pad);
        }
        free(pad);
    }
out:
    cache_release(o->entry);
    free(o->own);
    o->entry = NULL;
    o->own = NULL;
    return resp;
}

static int key_accepted(const char *key)
{
    if (!key[0])
        return 0;
    if (mock_cfg.any_key)
        return 1;
    for (int i = 0; i < mock_cfg.nkeys; i++)
        if (strcmp(mock_cfg.keys[i], key) == 0)
            return 1;
    return 0;
}

/* Decides the whole answer of a request: sets r->resp and r->status, or
 * returns the connection-level fault (reset, timeout) to act out. */
static enum fault_kind decide(struct MHD_Connection *c, struct mreq *r,
                              const char *method)
{
    uint64_t nth = atomic_fetch_add(&nrequests, 1) + 1;
    struct outcome o = {0, "application/json", NULL, NULL, 0, -1, NULL,
                        NULL, NULL};
    struct fault_hit fh = {FAULT_NONE, 0, 0};
    long remaining = mock_cfg.hourly_limit;
    char *key = NULL;
    struct query q;
    int paged = 0; /* a paginated endpoint (mock_pages.c) */

    int mv = moved(r->uri, &o);
    if (mv != 0) {
        memset(&q, 0, sizeof q);
        if (mv < 0)
            html_error(&o, 500);
        goto respond;
    }
    /* Credentials other than the api key (mock_auth.c): a token endpoint,
     * and the feed under /oauth, /bearer, /basic. */
    size_t auth_strip = 0;
    int au = auth_decide(c, method, r->uri, r->body.p ? r->body.p : "",
                         r->body.n, &o, &auth_strip);
    if (au > 0 || au == -2) {
        memset(&q, 0, sizeof q);
        if (au == -2)
            html_error(&o, 500);
        goto respond;
    }
    if (query_parse(r->uri, &q) != 0) {
        html_error(&o, 500);
        goto respond;
    }
    q.body = r->body.failed ? NULL : r->body.p;
    q.body_n = r->body.failed ? 0 : r->body.n;
    q.content_type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    /* --path-prefix: the API under another root (a token in the path) */
    size_t pre = mock_cfg.path_prefix ? strlen(mock_cfg.path_prefix) : 0;
    if (pre && q.path && strncmp(q.path, mock_cfg.path_prefix, pre) == 0)
        memmove(q.path, q.path + pre, strlen(q.path + pre) + 1);
    if (au == 0) {
        /* authorised by mock_auth.c: no api key is asked for */
        if (q.path && strlen(q.path) >= auth_strip)
            memmove(q.path, q.path + auth_strip,
                    strlen(q.path + auth_strip) + 1);
        key = strdup("credentials");
        if (!key) {
            html_error(&o, 500);
            goto respond;
        }
        goto limits;
    }
    /* The paginated endpoints (mock_pages.c) check their own keys, if
     * any; faults and latency apply to them as to the feed. */
    paged = pages_is(q.path);
    if (paged)
        goto faults;
    /* The gateway reads the X-Api-Key header first, then the query. */
    const char *hdr =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Api-Key");
    const char *key_echo = q.key ? q.key : hdr ? hdr : "";
    key = strdup(hdr ? hdr : q.key ? q.key : "");
    if (!key) {
        html_error(&o, 500);
        goto respond;
    }
    if (!hdr)
        url_decode(key);
    if (!key[0]) {
        gateway_error(&o, 403, "API_KEY_MISSING",
                      "No api_key was supplied. Get one at "
                      "https://api.nasa.gov:443");
        goto respond;
    }
    if (!key_accepted(key)) {
        gateway_error(&o, 403, "API_KEY_INVALID",
                      "An invalid api_key was supplied. Get one at "
                      "https://api.nasa.gov:443");
        goto respond;
    }
    const char *key_echo_auth;
limits:
    /* As NeoWs echoes the api key in every record's links, the credential
     * routes echo what was presented (a bearer token, Basic's base64): a
     * client must hide it in the records it writes. */
    if (au == 0) {
        const char *authz =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        const char *sp = authz ? strchr(authz, ' ') : NULL;
        key_echo_auth = sp ? sp + 1 : "";
    } else {
        key_echo_auth = key_echo;
    }
    long retry = 1;
    if (limit_take(key, mock_mono_ms(), &remaining, &retry) != LIMIT_OK) {
        rate_limited(&o, retry);
        o.status = (unsigned)mock_cfg.limit_status;
        goto respond;
    }
faults:
    fh = fault_match(nth, q.start, r->uri);
    r->hold_gen = atomic_load(&hold_generation);
    switch (fh.kind) {
    case FAULT_RESET:
    case FAULT_TIMEOUT:
        log_request(c, r, method, 0);
        goto done;
    case FAULT_STATUS:
        if (fh.status == 429 && fh.no_retry_after)
            gateway_error(&o, 429, "OVER_RATE_LIMIT",
                          "You have exceeded your rate limit.");
        else if (fh.status == 429)
            rate_limited(&o, 1);
        else if (fh.status == 400)
            bad_request(&o, q.path, &q);
        else if (fh.status == 403)
            gateway_error(&o, 403, "API_KEY_INVALID",
                          "An invalid api_key was supplied. Get one at "
                          "https://api.nasa.gov:443");
        else
            html_error(&o, fh.status);
        fh.kind = FAULT_NONE;
        goto respond;
    default:
        break;
    }
    if (paged)
        pages_route(&o, r->uri,
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
                    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "apikey"));
    else if (!items_route(&o, method, q.path, r->uri, q.body, q.body_n))
        route(&o, method, &q, key_echo_auth);

respond:
    r->status = o.status;
    r->resp = respond(c, &o, fh.kind == FAULT_HOLD ? FAULT_NONE : fh.kind,
                      remaining);
    if (!r->resp) {
        fh.kind = FAULT_RESET; /* out of memory: nothing better to do */
        r->status = 0;
        note_dropped(r, "out of memory");
    } else if (fh.kind != FAULT_HOLD) {
        fh.kind = FAULT_NONE;
    }
    log_request(c, r, method, r->status);
    if (fh.kind == FAULT_HOLD && mock_cfg.hold_fifo)
        announce_hold(r->uri); /* logged first: the log has it too */
done:
    free(key);
    free(o.location);
    free(o.hdr_name);
    free(o.hdr_value);
    query_free(&q);
    return fh.kind;
}

static enum MHD_Result send_now(struct MHD_Connection *c, struct mreq *r)
{
    enum MHD_Result ret = MHD_queue_response(c, r->status, r->resp);
    MHD_destroy_response(r->resp);
    r->resp = NULL;
    if (ret != MHD_YES)
        note_dropped(r, "MHD refused the response");
    return ret;
}

/* MHD's own reasons for closing or refusing a connection (epoll, accept,
 * wrong-thread errors) on stderr, marked as MHD's. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    /* The handler says MHD_NO on purpose (the reset fault, a held request
     * at stop), and so does the truncate fault's content reader: an
     * unintended close is named by note_dropped instead. */
    if (strstr(msg, "pplication reported"))
        return;
    /* A client that leaves mid-answer is its own business. */
    if (strstr(msg, "no longer available"))
        return;
    fprintf(stderr, "neows-mock: mhd: %s\n", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    struct mreq *r = *req_cls;
    if (!r) {
        fprintf(stderr,
                "neows-mock: %s closed without a response: "
                "out of memory\n",
                url);
        return MHD_NO;
    }
    if (*upload_data_size) {
        /* A body is kept (bounded) for the routes that read one. */
        mbuf_add(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    switch (r->phase) {
    case PH_HEADERS:
        /* Answering before MHD has the whole request would make it close
         * the connection: wait for the second call, keep-alive works. */
        r->phase = PH_NEW;
        return MHD_YES;
    case PH_NEW:
        switch (decide(c, r, method)) {
        case FAULT_RESET:
            return MHD_NO;
        case FAULT_TIMEOUT:
            if (mock_cfg.per_connection) {
                while (nap(1000) == 0)
                    ;
                return MHD_NO;
            }
            r->phase = PH_TIMEOUT;
            return timer_hold(&r->tn, c, TIMEOUT_POKE_MS) == 0 ? MHD_YES
                                                               : MHD_NO;
        case FAULT_HOLD:
            if (mock_cfg.per_connection) {
                while (atomic_load(&hold_generation) == r->hold_gen &&
                       nap(HOLD_POKE_MS) == 0)
                    ;
                return send_now(c, r);
            }
            r->phase = PH_HOLD;
            if (timer_hold(&r->tn, c, HOLD_POKE_MS) == 0)
                return MHD_YES;
            return send_now(c, r); /* stopping: answer now */
        default:
            break;
        }
        if (mock_cfg.latency_ms > 0) {
            if (mock_cfg.per_connection) {
                nap(mock_cfg.latency_ms); /* answered early if stopping */
                return send_now(c, r);
            }
            r->phase = PH_DELAY;
            if (timer_hold(&r->tn, c, mock_cfg.latency_ms) == 0)
                return MHD_YES;
        }
        return send_now(c, r);
    case PH_DELAY:
        timer_release(&r->tn);
        return send_now(c, r);
    case PH_TIMEOUT:
        /* Woken now and then so that MHD can notice a client that gave
         * up; held again until the server stops. */
        timer_release(&r->tn);
        return timer_hold(&r->tn, c, TIMEOUT_POKE_MS) == 0 ? MHD_YES : MHD_NO;
    case PH_HOLD:
        /* Polled: a release is a counter, not a list of connections. */
        timer_release(&r->tn);
        if (atomic_load(&hold_generation) == r->hold_gen &&
            timer_hold(&r->tn, c, HOLD_POKE_MS) == 0)
            return MHD_YES;
        return send_now(c, r);
    }
    return MHD_NO;
}

int http_start(unsigned *port)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tcond, &ca);
    pthread_cond_init(&held_cond, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&last_request_ms, mock_mono_ms());

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)mock_cfg.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    /* No pool (one thread, or thread per connection): the option is left
     * out, as MHD warns about a pool size of 0 or 1. */
    struct MHD_OptionItem pool[] = {
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)mock_cfg.threads, NULL},
        {MHD_OPTION_END, 0, NULL}};
    if (mock_cfg.per_connection) {
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
        pool[0].option = MHD_OPTION_END; /* MHD refuses a pool here */
    } else {
        flags |= MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    }
    if (mock_cfg.threads < 2)
        pool[0].option = MHD_OPTION_END;
    /* HTTPS with the given certificate (tests of TLS verification). */
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, mock_cfg.tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, mock_cfg.tls_cert},
        {MHD_OPTION_END, 0, NULL}};
    if (mock_cfg.tls_cert && mock_cfg.tls_key)
        flags |= MHD_USE_TLS;
    else
        tls[0].option = MHD_OPTION_END;
    size_t pool_bytes =
        fault_uses(FAULT_HUGE_HEADER) || fault_uses(FAULT_MANY_HEADERS)
            ? BIG_HEADERS_POOL
            : 32u * 1024u;
    mhd = MHD_start_daemon(
        flags, (uint16_t)mock_cfg.port, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_ARRAY, pool, MHD_OPTION_ARRAY, tls,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_bytes, MHD_OPTION_END);
    if (!mhd) {
        fprintf(stderr, "neows-mock: cannot listen on 127.0.0.1:%u\n",
                mock_cfg.port);
        return -1;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(mhd, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : mock_cfg.port;
    if (pthread_create(&timer_tid, NULL, timer_main, NULL) != 0) {
        MHD_stop_daemon(mhd);
        mhd = NULL;
        fprintf(stderr, "neows-mock: cannot start the timer thread\n");
        return -1;
    }
    return 0;
}

void http_stop(void)
{
    if (!mhd)
        return;
    pthread_mutex_lock(&tlock);
    stopping = 1;
    pthread_cond_signal(&tcond);
    pthread_mutex_unlock(&tlock);
    pthread_join(timer_tid, NULL);
    /* Resumed connections must be taken back by MHD before it stops
     * (it aborts on suspended ones): wait for their handlers, a while. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += 10;
    pthread_mutex_lock(&tlock);
    while (held > 0)
        if (pthread_cond_timedwait(&held_cond, &tlock, &ts) != 0)
            break;
    int left = held;
    pthread_mutex_unlock(&tlock);
    if (left > 0)
        fprintf(stderr, "neows-mock: %d held connections at exit\n", left);
    MHD_stop_daemon(mhd);
    mhd = NULL;
    pthread_cond_destroy(&tcond);
    pthread_cond_destroy(&held_cond);
}
