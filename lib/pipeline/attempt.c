/* attempt.c: one transfer slot. A slot holds one window at a time, from
 * its first attempt to its end (done, failed, or not pulled), and owns what
 * the window's attempts reuse: a JSON reader, a selector and a sink; it
 * uses one transfer of the run's driver (http/driver.h), reused window
 * after window so connections stay warm. The slot decides; the driver
 * alone speaks to libcurl.
 *
 * A response is parsed while it arrives: the write callback feeds the
 * reader, whose events go through the selector into the sink, so a body is
 * never held whole. A 2xx body is read so by a parse worker (parse_pool.c:
 * the callback queues its bytes), except a page of a page group, read
 * here; the attempt is judged once the worker has read it. A non-2xx
 * body is kept (up to 64 KiB) for the server's message. When a transfer
 * ends, the retry policy decides: publish, try
 * again after a delay, fail the window, or stop the run (quota gone).
 *
 * A complete 2xx body is published only if the selector found the records
 * path's containers (json/select.h): a body where the path leads nowhere
 * (an error object in a 200, a changed API) fails the window, naming what
 * the body held instead, rather than publishing it as 0 records.
 *
 * A paginated window (source.pagination) is a sequence of pages in one
 * sink: its pager (http/paginate.h) reads each page's header lines and
 * body events beside the selector and, when the page has been read whole,
 * names the next request, which the slot then waits to send like any
 * attempt (governor, concurrency); the last page publishes the window. A
 * failed page is retried in place when none of its records reached the
 * sink (an error status, a refused connection); one that failed after its
 * records began (a reset mid-body) cannot be taken back out of the sink,
 * so the window starts again from its first page with a fresh sink. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http/error_body.h"
#include "http/redirect.h"
#include "http/transfer_error.h"
#include "pipeline/run.h"
#include "pipeline/window_io.h"

#define ERROR_BODY_MAX (64u * 1024u)

static bool is_success(long status) { return status >= 200 && status < 300; }

/* ---- selector -> sink ------------------------------------------------------*/

static int sink_begin(void *ud, const char *key, size_t key_n)
{
    struct slot *slot = ud;
    if (slot->run->incr.on)
        sluice__cursor_record_begin(&slot->incr);
    slot->page_wrote = true;
    return slot->sink->ops->record_begin(slot->sink, key, key_n);
}

/* Record data is redacted too: APIs echo the key back (every NeoWs object
 * carries it in links.self), and no file sluice writes may hold a secret. */
static int sink_event(void *ud, enum sluice_json_event ev, const char *p,
                      size_t n)
{
    struct slot *slot = ud;
    struct sluice_sink *s = slot->sink;
    const struct sluice_secrets *secrets = slot->run->job->secrets;
    if (slot->run->incr.on)
        sluice__cursor_event(&slot->incr, ev, p, n);
    if ((ev == SLUICE_JSON_STRING || ev == SLUICE_JSON_KEY) &&
        sluice__redact_needed(secrets, p, n)) {
        sluice__buf_reset(&slot->scratch);
        int rc = sluice__redact(secrets, p, n, &slot->scratch);
        if (rc != SLUICE_OK)
            return rc;
        return s->ops->event(s, ev, slot->scratch.p, slot->scratch.n);
    }
    return s->ops->event(s, ev, p, n);
}

static int sink_end(void *ud)
{
    struct slot *slot = ud;
    if (slot->run->incr.on)
        sluice__cursor_record_end(&slot->incr);
    return slot->sink->ops->record_end(slot->sink);
}

void sluice__slot_sink_consumer(struct slot *s,
                                struct sluice_record_consumer *c)
{
    c->record_begin = sink_begin;
    c->event = sink_event;
    c->record_end = sink_end;
    c->ud = s;
}

/* The selector's records go to the sink, or, for a page of a page group,
 * aside until their turn (pages.h). */
static int to_sink_begin(void *ud, const char *key, size_t key_n)
{
    struct slot *slot = ud;
    return slot->buffering ? sluice__pagebuf_begin(&slot->pagebuf, key, key_n)
                           : sink_begin(ud, key, key_n);
}

static int to_sink_event(void *ud, enum sluice_json_event ev, const char *p,
                         size_t n)
{
    struct slot *slot = ud;
    return slot->buffering ? sluice__pagebuf_event(&slot->pagebuf, ev, p, n)
                           : sink_event(ud, ev, p, n);
}

static int to_sink_end(void *ud)
{
    struct slot *slot = ud;
    return slot->buffering ? sluice__pagebuf_end(&slot->pagebuf)
                           : sink_end(ud);
}

/* A paginated window's reader events go to the records and to the pager,
 * which picks the next page's URL, cursor or total on the way. */
static int page_event(void *ud, enum sluice_json_event ev, const char *p,
                      size_t n)
{
    struct slot *slot = ud;
    int rc = sluice__selector_on_event(slot->selector, ev, p, n);
    return rc != 0 ? rc : sluice__pager_on_event(slot->pager, ev, p, n);
}

/* ---- the transfer's bytes ------------------------------------------------------*/

/* Header lines arrive whole. Their total is bounded: libcurl stops one line
 * over 100 KiB but keeps any number of shorter ones, so a server sending
 * header lines without end would never reach the body's size limit. */
static bool on_header(void *owner, const char *line, size_t n)
{
    struct slot *s = owner;
    s->header_bytes += n;
    if (s->header_bytes > SLUICE_HTTP_HEADERS_MAX) {
        sluice__err_set(&s->err, "response headers over %u KiB",
                        SLUICE_HTTP_HEADERS_MAX / 1024);
        s->failed_in_body = true;
        return false;
    }
    /* A blank line ends a block; after a 1xx or a redirect another may
     * follow, and the body's first byte settles it (on_body). */
    s->headers_done = n <= 2 && (line[0] == '\r' || line[0] == '\n');
    sluice__rate_headers_feed(&s->rate_headers, line, n);
    /* Trailers (after a body a worker reads) do not reach the pager: it
     * is the worker's until the slot is handed back. */
    if (s->pager && !s->deferred)
        sluice__pager_header(s->pager, line, n);
    return true;
}

static bool on_body(void *owner, const char *data, size_t n)
{
    struct slot *s = owner;
    const struct sluice_job *job = s->run->job;
    s->headers_done = true;
    if (s->status == 0)
        s->status = sluice__http_transfer_status(s->xfer);
    s->bytes_in += n;
    if (s->bytes_in > job->http.max_response_bytes) {
        sluice__err_set(&s->err,
                        "response larger than the %llu-byte limit "
                        "(http.max_response_size)",
                        (unsigned long long)job->http.max_response_bytes);
        s->failed_in_body = true;
        return false;
    }
    if (!is_success(s->status)) {
        size_t room = ERROR_BODY_MAX - s->errbody.n;
        if (room > 0 &&
            sluice__buf_append(&s->errbody, data, n < room ? n : room) !=
                SLUICE_OK)
            sluice__buf_reset(&s->errbody);
        return true;
    }
    /* A body read by a parse worker (parse_pool.c): queued for it. */
    if (s->deferred || (s->run->parse.n_threads > 0 && !s->group)) {
        s->deferred = true;
        enum sluice_feed f =
            sluice__parse_pool_feed(&s->run->parse, s, data, n);
        if (f == SLUICE_FEED_PAUSED)
            s->bytes_in -= n; /* not taken: libcurl gives them again */
        if (f != SLUICE_FEED_STOP)
            return true;
        /* the worker refused earlier bytes (its reason comes with the
         * slot), or the queue could not grow (s->err says so) */
        if (!atomic_load(&s->p_failed))
            s->failed_in_body = true;
        return false;
    }
    if (!sluice__slot_read_body(s, data, n, &s->err, &s->json_invalid)) {
        s->failed_in_body = true;
        return false;
    }
    return true;
}

bool sluice__slot_read_body(struct slot *s, const char *data, size_t n,
                            struct sluice_err *e, bool *json_invalid)
{
    int rc = sluice__json_reader_feed(s->reader, data, n);
    if (rc == SLUICE_OK)
        return true;
    if (rc == SLUICE_EJSON) {
        *json_invalid = true;
        sluice__err_set(e, "response: %s",
                        sluice__json_reader_error(s->reader));
    } else if (s->buffering && !sluice__json_reader_error(s->reader)[0]) {
        /* a page kept aside (pages.h): no sink of its own */
        sluice__err_set(e, "the page's records: %s", sluice_strerror(rc));
    } else if (!s->buffering && (s->sink->err.msg[0] ||
                                 !sluice__json_reader_error(s->reader)[0])) {
        /* the sink refused a record (its message, or the code's) */
        sluice__err_set(e, "%s", sluice__sink_reason(s->sink, rc));
    } else {
        sluice__err_set(e, "response: %s",
                        sluice__json_reader_error(s->reader));
    }
    return false;
}

bool sluice__slot_body_verdict(struct slot *s, struct sluice_err *e,
                               bool *json_invalid, bool *missing)
{
    const struct sluice_job *job = s->run->job;
    if (sluice__json_reader_finish(s->reader) != SLUICE_OK) {
        sluice__err_set(e, "response: %s",
                        sluice__json_reader_error(s->reader));
        *json_invalid = true;
        return false;
    }
    struct sluice_err why;
    if (sluice__selector_verdict(s->selector, job->source.allow_missing,
                                 &why) != SLUICE_SELECT_FOUND) {
        sluice__err_set(e, "records path %s: %s", job->source.records,
                        why.msg);
        *missing = true;
        return false;
    }
    return true;
}

static const struct sluice_http_callbacks slot_callbacks = {on_header,
                                                            on_body};

/* ---- life of a slot ----------------------------------------------------------*/

int sluice__slot_init(struct slot *s, struct run *r,
                      struct sluice_http_transfer *xfer,
                      struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_job *job = r->job;
    s->run = r;
    s->xfer = xfer;
    s->state = SLOT_IDLE;
    sluice__buf_init(&s->url, 1 << 16);
    sluice__buf_init(&s->path, 1 << 12);
    sluice__buf_init(&s->errbody, ERROR_BODY_MAX + 1);
    sluice__buf_init(&s->start, 256);
    sluice__buf_init(&s->end, 256);
    sluice__buf_init(&s->scratch, 128u << 20);
    sluice__buf_init(&s->origin, 4096);
    sluice__buf_init(&s->hop_url, 1 << 16);
    sluice__buf_init(&s->hop_origin, 4096);
    sluice__buf_init(&s->body, 1u << 20);
    sluice__buf_init(&s->base, 1 << 16);
    sluice__buf_init(&s->next_url, 1 << 16);
    sluice__buf_init(&s->pagebuf,
                     SLUICE_PAGEBUF_MAX(job->http.max_response_bytes));
    sluice__buf_init(&s->feed, job->http.max_response_bytes + 1);
    atomic_init(&s->p_failed, false);

    /* The sink comes from the run's pool at each window's first byte. */
    struct sluice_record_consumer c = {to_sink_begin, to_sink_event,
                                       to_sink_end, s};
    SLUICE_TRY(sluice__selector_new(job->source.records, &c, &s->selector,
                                    err));
    SLUICE_TRY(sluice__pager_new(&job->source.pagination, &s->pager, err));
    if (s->pager)
        s->reader = sluice__json_reader_new(NULL, page_event, s);
    else
        s->reader = sluice__json_reader_new(NULL, sluice__selector_on_event,
                                            s->selector);
    SLUICE_FAIL_IF(!s->reader, SLUICE_ENOMEM, err, "out of memory");
out:
    return rc;
}

void sluice__slot_cleanup(struct slot *s)
{
    if (s->xfer && s->state == SLOT_RUNNING)
        sluice__http_transfer_cancel(s->xfer);
    if (s->sink_open)
        s->sink->ops->abort(s->sink);
    curl_slist_free_all(s->headers);
    curl_slist_free_all(s->hop_headers);
    sluice__json_reader_free(s->reader);
    sluice__selector_free(s->selector);
    sluice__pager_free(s->pager);
    sluice__buf_cleanup(&s->base);
    sluice__buf_cleanup(&s->next_url);
    sluice__buf_cleanup(&s->pagebuf);
    sluice__page_group_unref(s->group);
    s->group = NULL;
    sluice__sink_free(s->sink);
    s->sink = NULL;
    sluice__buf_cleanup(&s->url);
    sluice__buf_cleanup(&s->path);
    sluice__buf_cleanup(&s->errbody);
    sluice__buf_cleanup(&s->start);
    sluice__buf_cleanup(&s->end);
    sluice__buf_cleanup(&s->scratch);
    sluice__buf_cleanup(&s->origin);
    sluice__buf_cleanup(&s->hop_url);
    sluice__buf_cleanup(&s->hop_origin);
    sluice__buf_cleanup(&s->body);
    sluice__buf_cleanup(&s->feed);
}

/* A paginated window's first page: the window URL (in s->url) becomes
 * the base its pages start from; s->url the first page's request. */
static int first_page(struct slot *s)
{
    s->rows = 0;
    sluice__buf_reset(&s->base);
    int rc = sluice__buf_append(&s->base, s->url.p, s->url.n);
    sluice__buf_reset(&s->url);
    if (rc == SLUICE_OK)
        rc = sluice__pager_start(s->pager, s->base.p, &s->url);
    if (rc != SLUICE_OK)
        sluice__err_set(&s->err, "%s",
                        sluice__buf_failure(rc, "request URL too long"));
    return rc;
}

/* The window starts again from its first page (a page failed after its
 * records began to reach the sink). */
static int restart_pages(struct slot *s)
{
    s->rows = 0;
    sluice__buf_reset(&s->url);
    int rc = sluice__pager_start(s->pager, s->base.p, &s->url);
    if (rc != SLUICE_OK)
        sluice__err_set(&s->err, "%s",
                        sluice__buf_failure(rc, "request URL too long"));
    return rc;
}

void sluice__slot_assign(struct slot *s, size_t i)
{
    struct run *r = s->run;
    sluice__part_at(&r->job->parts, i, &s->w);
    memset(&s->retry, 0, sizeof s->retry);
    s->n_statuses = 0;
    s->not_before = 0;
    s->t_first = sluice__now();
    s->status = 0;
    s->bytes_in = 0;
    s->auth_renewed = false;
    s->err.msg[0] = '\0';
    sluice__buf_reset(&s->url);
    sluice__buf_reset(&s->start);
    sluice__buf_reset(&s->end);
    sluice__buf_reset(&s->body);
    s->rows = 0;
    s->requests = 0;
    s->page_high = 0;
    s->pages_par = 0;
    s->state = SLOT_WAITING;
    if (sluice__window_label(r->job, &s->w, &s->start, &s->end, &s->err) !=
            SLUICE_OK ||
        sluice__window_url(r->job, &s->w, &s->url, &s->err) != SLUICE_OK ||
        (r->job->source.post &&
         sluice__window_body(r->job, &s->w, &s->body, &s->err) !=
             SLUICE_OK) ||
        (s->pager && first_page(s) != SLUICE_OK)) {
        s->state = SLOT_IDLE;
        sluice__result_failed(r, s, s->err.msg);
    }
}

/* Frees the slot of its window's attempt: a ticket the governor counted
 * as sent gets its answer ("stopped here"), an open output is removed. */
static void release(struct slot *s, bool ticket_out)
{
    struct run *r = s->run;
    if (ticket_out)
        sluice__governor_on_response(&r->gov, sluice__now(),
                                     sluice__wall_now(), s->ticket, 0,
                                     SLUICE_XFER_LOCAL, NULL);
    if (s->sink_open)
        s->sink->ops->abort(s->sink);
    s->sink_open = false;
    s->state = SLOT_IDLE;
}

void sluice__slot_start(struct slot *s)
{
    int rc = SLUICE_OK;
    struct run *r = s->run;
    const struct sluice_job *job = r->job;
    s->status = 0;
    s->failed_in_body = false;
    s->json_invalid = false;
    s->records_missing = false;
    s->header_bytes = 0;
    s->headers_done = false;
    s->bytes_in = 0;
    s->err.msg[0] = '\0';
    sluice__buf_reset(&s->errbody);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    curl_slist_free_all(s->hop_headers);
    s->hop_headers = NULL;
    s->hops = 0;
    s->as_get = false;
    s->redirect_refused = false;
    s->page_wrote = false;
    s->buffering = s->group != NULL;
    s->deferred = false;
    s->feed_eof = false;
    s->feed_paused = false;
    atomic_store(&s->p_failed, false);
    s->p_json_invalid = false;
    s->p_missing = false;
    s->p_err.msg[0] = '\0';
    s->done_cc = 0;
    s->done_error = NULL;
    sluice__buf_reset(&s->pagebuf);
    /* The origin the job's secrets belong to (the window URL's, also for
     * its later pages); none known (unparsable): every redirect is then
     * to another origin, the safe side. */
    if (sluice__url_origin(s->pager ? s->base.p : s->url.p, &s->origin) !=
        SLUICE_OK)
        sluice__buf_reset(&s->origin);
    sluice__json_reader_reset(s->reader);
    sluice__selector_reset(s->selector);
    sluice__rate_headers_reset(&s->rate_headers);
    if (s->pager)
        sluice__pager_page_begin(s->pager);

    /* A next page on another host (pagination.allow_other_hosts) gets
     * what a redirect there gets: no secret. */
    bool home = true;
    if (s->pager) {
        sluice__buf_reset(&s->hop_origin);
        home = s->origin.n &&
               sluice__url_origin(s->url.p, &s->hop_origin) == SLUICE_OK &&
               strcmp(s->hop_origin.p, s->origin.p) == 0;
    }
    SLUICE_FAIL_IF(!home && sluice__redact_needed(job->secrets, s->url.p,
                                                  s->url.n),
                   SLUICE_EJOB, &s->err,
                   "page %llu: the next page's URL on another host carries a "
                   "secret: not followed",
                   (unsigned long long)sluice__pager_pages(s->pager) + 1);
    SLUICE_TRY(
        sluice__window_headers(job, &s->w, home, &s->headers, &s->err));
    if (r->auth.oauth2 && home) { /* never to another host */
        const char *line = sluice__run_auth_header(r, &s->auth_gen);
        if (!line) {
            /* The token endpoint failed: the run stops (run.c); this
             * window is not pulled rather than failed. */
            release(s, true);
            sluice__result_not_pulled(r, s, r->auth.failed_msg);
            return;
        }
        struct curl_slist *n = curl_slist_append(s->headers, line);
        SLUICE_FAIL_IF(!n, SLUICE_ENOMEM, &s->err, "out of memory");
        s->headers = n;
    }
    if (!s->sink_open && !s->group) {
        /* The window's output starts (again): so does the tracking of its
         * incremental cursor, which spans all of its pages. */
        sluice__cursor_tracker_init(&s->incr, &job->incremental.path,
                                    job->incremental.type);
        sluice__buf_reset(&s->path);
        SLUICE_TRY(sluice__window_output(job, &s->w, &s->path, &s->err));
        if (!s->sink)
            SLUICE_TRY(sluice__run_sink_take(r, &s->sink, &s->err));
        s->sink->err.msg[0] = '\0';
        rc = s->sink->ops->open(s->sink, s->path.p);
        SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &s->err, "%s",
                       sluice__sink_reason(s->sink, rc));
        s->sink_open = true;
    }

    if (job->source.post) {
        /* A page another slot pulls for a window sends that window's
         * body (pages.c). */
        const struct slot *ws = sluice__slot_window(s);
        sluice__http_transfer_set_body(s->xfer, ws->body.p ? ws->body.p : "",
                                       ws->body.n);
    }
    SLUICE_TRY(sluice__http_transfer_start(s->xfer, s->url.p, s->headers,
                                           &slot_callbacks, s, &s->err));
    s->state = SLOT_RUNNING;
    r->in_flight++;
    r->sum.requests++;
    sluice__slot_window(s)->requests++;
    SLUICE_LOG(&r->log, SLUICE_LOG_DEBUG, "%s %s",
               job->source.post ? "POST" : "GET", s->url.p);
out:
    if (rc != SLUICE_OK && s->group) {
        /* a page of a group: the window fails, the slot goes free */
        sluice__governor_on_response(&r->gov, sluice__now(),
                                     sluice__wall_now(), s->ticket, 0,
                                     SLUICE_XFER_LOCAL, NULL);
        sluice__pages_fail(r, s->group, s->err.msg);
        sluice__pages_leave(r, s);
    } else if (rc != SLUICE_OK) {
        /* The governor counted this attempt as sent: close its account. */
        release(s, true);
        sluice__result_failed(r, s, s->err.msg);
    }
}

struct slot *sluice__slot_window(struct slot *s)
{
    return s->group && s->group->owner ? s->group->owner : s;
}

/* ---- redirects --------------------------------------------------------------*/

static bool is_redirect(long st)
{
    return st == 301 || st == 302 || st == 303 || st == 307 || st == 308;
}

/* A redirect not followed: the attempt fails with this reason (a 3xx is
 * never retried, so the window fails at once). */
static bool refuse(struct slot *s, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static bool refuse(struct slot *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sluice__err_vset(&s->err, fmt, ap);
    va_end(ap);
    s->redirect_refused = true;
    return false;
}

/* Judges a 3xx answer by http.follow_redirects and, when it may be
 * followed, starts the next hop at once (true). A hop to the job's own
 * origin is sent as the first request was; a hop to another origin
 * (`any` only) gets no secret: no userinfo, no secret-bearing query
 * parameter or header, and is refused if a secret is still in its URL.
 * Secrets belong to the window URL's origin, so a later hop back to it
 * gets them again. False: refused (s->err says why), or no Location (the
 * 3xx is then judged as any other status). */
static bool follow_redirect(struct slot *s)
{
    struct run *r = s->run;
    const struct sluice_job *job = r->job;
    long st = s->status;
    const char *loc = sluice__http_transfer_redirect_url(s->xfer);
    if (!loc)
        return false;
    if (job->http.follow_redirects == SLUICE_REDIRECT_NONE)
        return refuse(s,
                      "HTTP %ld: redirect to %s not followed "
                      "(http.follow_redirects: none)",
                      st, loc);
    if (sluice__url_origin(loc, &s->hop_origin) != SLUICE_OK)
        return refuse(s, "HTTP %ld: redirect to a URL sluice cannot parse",
                      st);
    if (s->hops >= SLUICE_REDIRECTS_MAX)
        return refuse(s, "HTTP %ld: more than %d redirects (the last to %s)",
                      st, SLUICE_REDIRECTS_MAX, s->hop_origin.p);
    bool same = s->origin.n && strcmp(s->origin.p, s->hop_origin.p) == 0;
    struct curl_slist *headers = s->headers;
    sluice__buf_reset(&s->hop_url);
    if (same) {
        if (sluice__buf_adds(&s->hop_url, loc) != SLUICE_OK)
            return refuse(s, "HTTP %ld: redirect URL too long", st);
    } else if (job->http.follow_redirects == SLUICE_REDIRECT_SAME_ORIGIN) {
        return refuse(s,
                      "HTTP %ld: redirected to another origin, %s: not "
                      "followed, so that the job's secrets go nowhere else "
                      "(http.follow_redirects: any follows it, without them)",
                      st, s->hop_origin.p);
    } else {
        if (sluice__redirect_strip(loc, job->secrets, &s->hop_url) !=
            SLUICE_OK)
            return refuse(s, "HTTP %ld: redirect to a URL sluice cannot parse",
                          st);
        if (sluice__redact_needed(job->secrets, s->hop_url.p, s->hop_url.n))
            return refuse(s,
                          "HTTP %ld: the redirect to %s would carry a secret "
                          "in its URL: not followed",
                          st, s->hop_origin.p);
        struct sluice_err herr = {{0}};
        if (!s->hop_headers &&
            sluice__window_headers(job, &s->w, false, &s->hop_headers,
                                   &herr) != SLUICE_OK)
            return refuse(s, "%s", herr.msg);
        headers = s->hop_headers;
    }
    /* A POST goes on as a POST with its body after 307 and 308 only, and
     * only to the job's origin (the body may hold a secret); after 301,
     * 302 and 303 the next hops are GETs without a body, as browsers and
     * curl do. */
    bool post = job->source.post && !s->as_get;
    if (post && (st == 307 || st == 308) && !same)
        return refuse(s,
                      "HTTP %ld: a POST redirected to another origin, %s: "
                      "not followed, so that its body goes nowhere else",
                      st, s->hop_origin.p);
    if (post && st != 307 && st != 308) {
        s->as_get = true;
        post = false;
    }
    if (post)
        sluice__http_transfer_set_body(s->xfer, s->body.p ? s->body.p : "",
                                       s->body.n);
    /* The next hop is a fresh answer; the window's sink stays open. */
    s->hops++;
    s->status = 0;
    s->bytes_in = 0;
    sluice__buf_reset(&s->errbody);
    sluice__rate_headers_reset(&s->rate_headers);
    struct sluice_err serr = {{0}};
    if (sluice__http_transfer_start(s->xfer, s->hop_url.p, headers,
                                    &slot_callbacks, s, &serr) != SLUICE_OK)
        return refuse(s, "%s", serr.msg);
    s->state = SLOT_RUNNING;
    r->in_flight++;
    r->sum.requests++;
    SLUICE_LOG(&r->log, SLUICE_LOG_DEBUG, "%s %s (HTTP %ld from the last%s)",
               post ? "POST" : "GET", s->hop_url.p, st,
               same ? "" : ", another origin: no secrets");
    return true;
}

/* Explains an attempt that did not yield a publishable body. */
static void describe_failure(struct slot *s, int cc, const char *curl_text)
{
    if (s->failed_in_body || s->redirect_refused)
        return; /* s->err already says why */
    if (cc != 0) {
        struct sluice_transfer_failure f = {cc, curl_text, !s->headers_done};
        sluice__http_describe_failure(&f, &s->err);
        return;
    }
    if (s->json_invalid || s->records_missing)
        return;
    struct sluice_buf msg;
    sluice__buf_init(&msg, 1024);
    int rc = sluice__http_error_message(s->errbody.p, s->errbody.n, &msg);
    if (rc == SLUICE_OK && msg.n)
        sluice__err_set(&s->err, "HTTP %ld: %s", s->status, msg.p);
    else
        sluice__err_set(&s->err, "HTTP %ld", s->status);
    sluice__buf_cleanup(&msg);
}

static enum sluice_xfer classify(const struct slot *s, int cc)
{
    if (s->failed_in_body)
        return s->json_invalid ? SLUICE_XFER_OK : SLUICE_XFER_LOCAL;
    return sluice__xfer_from_curl(cc);
}

/* Hands the finished window's sink to the committer thread; the slot goes
 * on with a fresh sink. The window is reported when the commit is done
 * (run.c). */
void sluice__slot_publish(struct run *r, struct slot *s)
{
    s->sink_open = false;
    s->state = SLOT_IDLE;
    struct commit_item *it = sluice__calloc(1, sizeof *it);
    if (!it || sluice__outcome_take(s, &it->out) != SLUICE_OK) {
        sluice__free(it);
        s->sink->ops->abort(s->sink);
        sluice__result_failed(r, s, "out of memory");
        return;
    }
    it->sink = s->sink;
    it->rows = s->pager ? s->rows : sluice__selector_records(s->selector);
    sluice__run_incr_published(r, s);
    s->sink = NULL;
    sluice__committer_submit(&r->committer, it);
}

/* A page was read whole: the pager names the next request (the slot
 * waits to send it, the sink stays open), or the window ends (published)
 * or fails. False when the window is published, so the caller does too. */
static bool next_page(struct run *r, struct slot *s)
{
    uint64_t recs = sluice__selector_records(s->selector);
    uint64_t n = sluice__pager_pages(s->pager) + 1;
    struct sluice_err why;
    s->rows += recs;
    enum sluice_page_next nx =
        sluice__pager_next(s->pager, s->url.p, recs, &s->next_url, &why);
    SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
               "window %s..%s page %llu: HTTP %ld, %llu records (%s)%s%s",
               sluice__buf_str(&s->start), sluice__buf_str(&s->end),
               (unsigned long long)n, s->status, (unsigned long long)recs,
               s->url.p, nx == SLUICE_PAGE_END ? ", the last: " : "",
               nx == SLUICE_PAGE_END ? why.msg : "");
    if (nx == SLUICE_PAGE_END)
        return false;
    uint64_t left = nx == SLUICE_PAGE_NEXT
                        ? sluice__pager_predict(s->pager, recs)
                        : 0;
    if (left > 0 && sluice__pages_begin(r, s, left + 1))
        return true; /* its pages go at once (pages.c) */
    if (nx == SLUICE_PAGE_ERROR) {
        char msg[SLUICE_ERR_MAX];
        snprintf(msg, sizeof msg, "page %llu (%.300s): %.600s",
                 (unsigned long long)n, s->url.p, why.msg);
        s->sink->ops->abort(s->sink);
        s->sink_open = false;
        s->state = SLOT_IDLE;
        sluice__result_failed(r, s, msg);
        return true;
    }
    /* The next page is a new request with its own retries (unless the
     * window started over: then the failed page's go on). */
    sluice__buf_reset(&s->url);
    if (sluice__buf_append(&s->url, s->next_url.p, s->next_url.n) !=
        SLUICE_OK) {
        s->sink->ops->abort(s->sink);
        s->sink_open = false;
        s->state = SLOT_IDLE;
        sluice__result_failed(r, s, "the next page's URL is too long");
        return true;
    }
    if (n > s->page_high) {
        s->page_high = n;
        memset(&s->retry, 0, sizeof s->retry);
    }
    s->not_before = 0;
    s->state = SLOT_WAITING;
    return true;
}

static void judge(struct slot *s, int cc, const char *curl_text, double now,
                  double wall);

void sluice__slot_finish(struct slot *s, const struct sluice_http_done *done)
{
    struct run *r = s->run;
    int cc = done->curlcode;
    s->state = SLOT_WAITING;
    r->in_flight--;
    s->status = sluice__http_transfer_status(s->xfer);
    /* A followed redirect is part of this attempt: only its last answer
     * counts (as the governor and the statuses saw it when libcurl
     * followed redirects itself). */
    if (cc == 0 && !s->failed_in_body && is_redirect(s->status) &&
        follow_redirect(s))
        return;
    /* A body a worker reads: judged once it has read the last byte, as of
     * now (the governor reads the rate headers' deltas against it). */
    if (s->deferred) {
        s->t_done = sluice__now();
        s->t_done_wall = sluice__wall_now();
        sluice__parse_pool_end(&r->parse, s, cc, done->error);
        return;
    }
    judge(s, cc, done->error, sluice__now(), sluice__wall_now());
}

void sluice__slot_parsed(struct slot *s)
{
    s->state = SLOT_WAITING;
    if (atomic_load(&s->p_failed)) {
        /* as on_body would have said, had it read the bytes itself: the
         * worker's bytes came before any the loop refused later (a size
         * limit), so its reason wins */
        s->failed_in_body = true;
        s->json_invalid = s->p_json_invalid;
        s->err = s->p_err;
    }
    judge(s, s->done_cc, s->done_error, s->t_done, s->t_done_wall);
}

/* The attempt's end: publish, the next page, retry, fail or stop. */
static void judge(struct slot *s, int cc, const char *curl_text, double now,
                  double wall)
{
    struct run *r = s->run;
    struct slot *ws = sluice__slot_window(s); /* whose statuses */
    if (ws->n_statuses < SLUICE_MAX_STATUSES)
        ws->statuses[ws->n_statuses++] = s->status;

    enum sluice_xfer xfer = classify(s, cc);
    bool ok = xfer == SLUICE_XFER_OK && !s->failed_in_body &&
              is_success(s->status);
    if (ok) {
        /* the reader's end and the records path: the worker's findings
         * for a deferred body, else read here */
        struct sluice_err e = {{0}};
        bool invalid = false, missing = false;
        bool whole;
        if (s->deferred) {
            invalid = s->p_json_invalid;
            missing = s->p_missing;
            e = s->p_err;
            whole = !invalid && !missing;
        } else {
            whole = sluice__slot_body_verdict(s, &e, &invalid, &missing);
        }
        if (!whole) {
            s->err = e;
            s->json_invalid = invalid;
            s->records_missing = missing;
            ok = false;
        }
    }
    sluice__governor_on_response(&r->gov, now, wall, s->ticket, s->status,
                                 xfer, &s->rate_headers);
    if (s->group && !s->group->owner) {
        sluice__pages_leave(r, s); /* its window ended meanwhile */
        return;
    }
    if (ok) {
        if (s->group)
            sluice__pages_done(r, s);
        else if (!s->pager || !next_page(r, s))
            sluice__slot_publish(r, s);
        return;
    }
    describe_failure(s, cc, curl_text);
    if (s->group) {
        char msg[SLUICE_ERR_MAX];
        snprintf(msg, sizeof msg, "page %llu: %.900s",
                 (unsigned long long)s->task, s->err.msg);
        sluice__err_set(&s->err, "%s", msg);
    } else if (s->pager) {
        /* The page's number goes with its reason. A page whose records
         * began to reach the sink cannot be taken back out: the window
         * starts again from its first page, with a fresh sink. */
        char msg[SLUICE_ERR_MAX];
        snprintf(msg, sizeof msg, "page %llu: %.900s",
                 (unsigned long long)sluice__pager_pages(s->pager) + 1,
                 s->err.msg);
        sluice__err_set(&s->err, "%s", msg);
    }
    /* (a page of a group is kept aside: its retry starts it afresh) */
    if (!s->group && (!s->pager || s->page_wrote)) {
        s->sink->ops->abort(s->sink);
        s->sink_open = false;
        if (s->pager && restart_pages(s) != SLUICE_OK) {
            s->state = SLOT_IDLE;
            sluice__result_failed(r, s, s->err.msg);
            return;
        }
    }
    /* An OAuth2 token refused: renewed once per window and the request
     * sent again at once, not counted as a retry. A second 401 is judged
     * as any 401 (the credentials are wrong, not stale). */
    if (s->status == 401 && r->auth.oauth2 && !s->auth_renewed) {
        s->auth_renewed = true;
        s->not_before = now;
        if (!sluice__run_auth_on_401(r, s->auth_gen))
            sluice__err_set(&s->err, "%s", r->auth.failed_msg);
        return; /* WAITING: it goes again, or the run stops */
    }

    struct sluice_attempt a = {
        xfer, s->status, s->json_invalid,
        sluice__rate_headers_retry_after(&s->rate_headers, wall),
        s->records_missing};
    struct sluice_retry_decision d;
    sluice__retry_decide(&r->job->retry, &s->retry, &a, &r->rng, &d);
    switch (d.action) {
    case SLUICE_RETRY_AGAIN:
        SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                   "window %s..%s: %s; attempt %u of %u in %.1f s",
                   sluice__buf_str(&s->start), sluice__buf_str(&s->end),
                   s->err.msg, s->retry.attempts + 1, r->job->retry.attempts,
                   d.delay);
        s->not_before = now + d.delay;
        r->sum.retries++;
        break;
    case SLUICE_RETRY_QUOTA: {
        /* The window waits, unstarted, until the run stops and reports it
         * with the final time to come back (a later answer may name a
         * later one). */
        r->quota_gone = true;
        if (wall + d.delay > r->quota_wall)
            r->quota_wall = wall + d.delay;
        s->not_before = now + d.delay;
        break;
    }
    case SLUICE_RETRY_DONE: /* cannot happen for a failed attempt */
    case SLUICE_RETRY_FAIL:
    default: {
        if (s->group) {
            char why[SLUICE_ERR_MAX];
            snprintf(why, sizeof why, "%.900s (after %u attempts)",
                     s->err.msg, s->retry.attempts);
            sluice__pages_fail(r, s->group,
                               s->retry.attempts > 1 ? why : s->err.msg);
            sluice__pages_leave(r, s);
            break;
        }
        s->state = SLOT_IDLE;
        if (s->sink_open) /* a page kept it open for its retry */
            s->sink->ops->abort(s->sink);
        s->sink_open = false;
        if (s->retry.attempts > 1) {
            char why[SLUICE_ERR_MAX];
            snprintf(why, sizeof why, "%.900s (after %u attempts)",
                     s->err.msg, s->retry.attempts);
            sluice__result_failed(r, s, why);
        } else {
            sluice__result_failed(r, s, s->err.msg);
        }
        break;
    }
    }
}

void sluice__slot_abandon(struct slot *s, const char *why)
{
    struct run *r = s->run;
    /* the governor counted it as sent and has not heard of its end */
    bool ticket_out = s->state == SLOT_RUNNING || s->state == SLOT_PARSING;
    if (s->state == SLOT_RUNNING) {
        sluice__http_transfer_cancel(s->xfer);
        r->in_flight--;
    }
    /* a parse worker reading its body lets go of it first */
    sluice__parse_pool_detach(&r->parse, s);
    if (s->group && s->group->owner != s) {
        /* a helper: its page is dropped; the window's slot reports */
        struct page_group *g = s->group;
        s->group = NULL;
        sluice__page_group_unref(g);
        release(s, ticket_out);
        return;
    }
    if (s->group) {
        s->group->owner = NULL; /* its helpers drop their pages */
        sluice__page_group_unref(s->group);
        s->group = NULL;
    }
    release(s, ticket_out);
    sluice__result_not_pulled(r, s, why);
}
