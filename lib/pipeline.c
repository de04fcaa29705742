/* pipeline.c: one run of a job. The only file that knows every stage:
 *
 *   plan (windows) -> curl multi loop -> JSON reader -> record selector
 *                  -> sink (temp file, fsync, rename) -> result callbacks
 *
 * One thread, one curl multi handle, `concurrency` transfer slots. Each slot
 * owns a reusable easy handle (so connections stay warm), a JSON reader, a
 * selector and a sink. A response is parsed while it arrives: the write
 * callback feeds the reader, whose events flow through the selector into
 * the sink; nothing is buffered whole. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/error_body.h"
#include "http/request.h"
#include "json/select.h"
#include "pipeline.h"
#include "sink/sink.h"
#include "util/log.h"

#define ERROR_BODY_MAX (64u * 1024u)   /* kept of a non-2xx body */
#define DRAIN_GRACE_SECONDS 10.0       /* first interrupt: let transfers end */

struct run;

struct slot {
    struct run *run;
    CURL *easy;
    struct sluice_json_reader *reader;
    struct sluice_selector *selector;
    struct sluice_sink *sink;
    struct curl_slist *headers;
    struct sluice_buf url, path, errbody, start, end;
    struct sluice_buf scratch; /* a redacted string value */
    char curl_error[CURL_ERROR_SIZE];

    bool busy;
    struct sluice_window w;
    long status;          /* 0 until the first body byte */
    bool failed_in_body;  /* the write callback stopped the transfer */
    bool sink_open;
    uint64_t bytes_in;
    unsigned attempts;
    double t0;
    struct sluice_err err;
};

struct run {
    struct sluice_job *job;
    const struct sluice_run_opts *opts;
    struct sluice_logger log;
    CURLM *multi;
    struct slot *slots;
    size_t n_slots;
    size_t next;          /* next window to start */
    size_t count;         /* windows in this run */
    size_t in_flight;
    struct sluice_run_summary sum;
    double t_start;
    double t_last_progress;
    double t_drain;       /* when draining began, 0 if not */
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- selector -> sink trampolines ---------------------------------------- */

static int tramp_begin(void *ud, const char *key, size_t key_n)
{
    struct slot *slot = ud;
    return slot->sink->ops->record_begin(slot->sink, key, key_n);
}

/* Record data is redacted too: APIs echo the key back (every NeoWs object
 * carries it in links.self), and no file sluice writes may hold a secret. */
static int tramp_event(void *ud, enum sluice_json_event ev, const char *p,
                       size_t n)
{
    struct slot *slot = ud;
    struct sluice_sink *s = slot->sink;
    const struct sluice_secrets *secrets = slot->run->job->secrets;
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

static int tramp_end(void *ud)
{
    struct slot *slot = ud;
    return slot->sink->ops->record_end(slot->sink);
}

/* ---- the write callback: bytes in, records out ---------------------------- */

static bool is_success(long status) { return status >= 200 && status < 300; }

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    struct slot *s = ud;
    size_t n = size * nmemb;
    const struct sluice_job *job = s->run->job;
    if (s->status == 0)
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
    s->bytes_in += n;
    if (s->bytes_in > job->http.max_response_bytes) {
        sluice__err_set(&s->err,
                        "response larger than the %llu-byte limit "
                        "(http.max_response_size)",
                        (unsigned long long)job->http.max_response_bytes);
        s->failed_in_body = true;
        return 0;
    }
    if (!is_success(s->status)) {
        size_t room = ERROR_BODY_MAX - s->errbody.n;
        if (room > 0 &&
            sluice__buf_append(&s->errbody, data, n < room ? n : room) !=
                SLUICE_OK)
            sluice__buf_reset(&s->errbody);
        return n;
    }
    int rc = sluice__json_reader_feed(s->reader, data, n);
    if (rc != SLUICE_OK) {
        if (s->sink->err.msg[0] && rc != SLUICE_EJSON && rc != SLUICE_ETOOBIG)
            sluice__err_set(&s->err, "%s", s->sink->err.msg);
        else
            sluice__err_set(&s->err, "response: %s",
                            sluice__json_reader_error(s->reader));
        s->failed_in_body = true;
        return 0;
    }
    return n;
}

/* ---- slots ------------------------------------------------------------------*/

static int slot_init(struct slot *s, struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    const struct sluice_job *job = r->job;
    s->run = r;
    sluice__buf_init(&s->url, 1 << 16);
    sluice__buf_init(&s->path, 1 << 12);
    sluice__buf_init(&s->errbody, ERROR_BODY_MAX + 1);
    sluice__buf_init(&s->start, 256);
    sluice__buf_init(&s->end, 256);
    sluice__buf_init(&s->scratch, 128u << 20);

    struct sluice_sink_opts so = {job->source.record_key_as, 0};
    if (job->output.format == SLUICE_FORMAT_PARQUET) {
        struct sluice_sink_parquet_opts po = {
            .job_name = job->name,
            .output_template = job->output.path,
            .columns = job->columns,
            .n_columns = job->n_columns,
            .codec = (int)job->output.compression,
            .level = job->output.compression_level,
            .row_group_bytes = job->output.row_group_bytes,
            .flatten = job->output.flatten,
            .skip_empty = job->output.skip_empty,
            .fail_on_bad = job->bad_value_fail,
        };
        SLUICE_TRY(sluice__sink_parquet_new(&so, &po, &s->sink));
    } else {
        SLUICE_TRY(sluice__sink_ndjson_new(&so, &s->sink));
    }
    struct sluice_record_consumer c = {tramp_begin, tramp_event, tramp_end,
                                       s};
    SLUICE_TRY(sluice__selector_new(job->source.records, &c, &s->selector,
                                    err));
    s->reader = sluice__json_reader_new(NULL, sluice__selector_on_event,
                                        s->selector);
    SLUICE_FAIL_IF(!s->reader, SLUICE_ENOMEM, err, "out of memory");

    s->easy = curl_easy_init();
    SLUICE_FAIL_IF(!s->easy, SLUICE_ENOMEM, err, "cannot create a transfer");
    struct sluice_http_policy pol = {
        job->http.connect_timeout_ms, job->http.timeout_ms,
        job->http.low_speed_bytes, job->http.low_speed_secs,
        job->http.insecure || (r->opts && r->opts->insecure)};
    SLUICE_TRY(sluice__http_easy_setup(s->easy, &pol, err));
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->curl_error);
out:
    return rc;
}

static void slot_cleanup(struct slot *s)
{
    if (s->easy) {
        if (s->busy)
            curl_multi_remove_handle(s->run->multi, s->easy);
        curl_easy_cleanup(s->easy);
    }
    if (s->sink_open)
        s->sink->ops->abort(s->sink);
    curl_slist_free_all(s->headers);
    sluice__json_reader_free(s->reader);
    sluice__selector_free(s->selector);
    sluice__sink_free(s->sink);
    sluice__buf_cleanup(&s->url);
    sluice__buf_cleanup(&s->path);
    sluice__buf_cleanup(&s->errbody);
    sluice__buf_cleanup(&s->start);
    sluice__buf_cleanup(&s->end);
    sluice__buf_cleanup(&s->scratch);
}

/* ---- results -----------------------------------------------------------------*/

static void report(struct run *r, struct slot *s,
                   enum sluice_window_status status, uint64_t rows,
                   uint64_t bytes_out, const char *error)
{
    const struct sluice_job *job = r->job;
    struct sluice_window_result res = {0};
    char *url = sluice__redact_dup(job->secrets, sluice__buf_str(&s->url));
    char *out = status == SLUICE_WINDOW_DONE
                    ? sluice__redact_dup(job->secrets, sluice__buf_str(&s->path))
                    : NULL;
    char *msg = error ? sluice__redact_dup(job->secrets, error) : NULL;
    res.index = s->w.index;
    res.start = sluice__buf_str(&s->start);
    res.end = sluice__buf_str(&s->end);
    res.status = status;
    res.http_status = s->status;
    res.attempts = s->attempts;
    res.rows = rows;
    res.bytes_in = s->bytes_in;
    res.bytes_out = bytes_out;
    res.output = out;
    res.seconds = s->t0 > 0 ? now_seconds() - s->t0 : 0;
    res.url = url ? url : "***";
    res.error = error ? (msg ? msg : "(message lost: out of memory)") : NULL;
    res.bad_values = status == SLUICE_WINDOW_DONE ? s->sink->bad_values : 0;

    if (status == SLUICE_WINDOW_DONE) {
        r->sum.done++;
        r->sum.rows += rows;
        r->sum.bytes_out += bytes_out;
    } else if (status == SLUICE_WINDOW_FAILED) {
        r->sum.failed++;
        SLUICE_LOG(&r->log, SLUICE_LOG_WARN, "window %s..%s failed: %s",
                   res.start, res.end, res.error);
    } else {
        r->sum.not_pulled++;
    }
    r->sum.bytes_in += s->bytes_in;
    if (r->opts && r->opts->on_window)
        r->opts->on_window(r->opts->ud, &res);
    sluice__free(url);
    sluice__free(out);
    sluice__free(msg);
}

/* Prepares window i in slot s and hands it to curl. A window that cannot
 * even be prepared (a template or file error) fails on its own. */
static void slot_start(struct run *r, struct slot *s, size_t i)
{
    int rc = SLUICE_OK;
    const struct sluice_job *job = r->job;
    sluice__window_at(&job->windows, i, &s->w);
    s->status = 0;
    s->failed_in_body = false;
    s->bytes_in = 0;
    s->attempts = 0;
    s->t0 = now_seconds();
    s->err.msg[0] = '\0';
    s->curl_error[0] = '\0';
    s->sink->err.msg[0] = '\0';
    sluice__buf_reset(&s->url);
    sluice__buf_reset(&s->path);
    sluice__buf_reset(&s->errbody);
    sluice__buf_reset(&s->start);
    sluice__buf_reset(&s->end);
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    sluice__json_reader_reset(s->reader);
    sluice__selector_reset(s->selector);

    SLUICE_TRY(sluice__window_label(job, &s->w, &s->start, &s->end, &s->err));
    SLUICE_TRY(sluice__window_url(job, &s->w, &s->url, &s->err));
    SLUICE_TRY(sluice__window_headers(job, &s->w, &s->headers, &s->err));
    SLUICE_TRY(sluice__window_output(job, &s->w, &s->path, &s->err));
    rc = s->sink->ops->open(s->sink, s->path.p);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, &s->err, "%s", s->sink->err.msg);
    s->sink_open = true;

    curl_easy_setopt(s->easy, CURLOPT_URL, s->url.p);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
    CURLMcode mc = curl_multi_add_handle(r->multi, s->easy);
    SLUICE_FAIL_IF(mc != CURLM_OK, SLUICE_EHTTP, &s->err,
                   "cannot start the transfer: %s", curl_multi_strerror(mc));
    s->attempts++;
    s->busy = true;
    r->in_flight++;
    r->sum.requests++;
    SLUICE_LOG(&r->log, SLUICE_LOG_DEBUG, "GET %s", s->url.p);
out:
    if (rc != SLUICE_OK) {
        if (s->sink_open)
            s->sink->ops->abort(s->sink);
        s->sink_open = false;
        report(r, s, SLUICE_WINDOW_FAILED, 0, 0, s->err.msg);
    }
}

/* Explains a finished transfer that did not yield a publishable body. */
static void describe_failure(struct slot *s, CURLcode cc)
{
    if (s->failed_in_body)
        return; /* s->err already says why */
    if (cc != CURLE_OK) {
        sluice__err_set(&s->err, "%s%s%s", curl_easy_strerror(cc),
                        s->curl_error[0] ? ": " : "", s->curl_error);
        return;
    }
    struct sluice_buf msg;
    sluice__buf_init(&msg, 1024);
    int rc = sluice__http_error_message(s->errbody.p, s->errbody.n, &msg);
    if (rc == SLUICE_OK && msg.n)
        sluice__err_set(&s->err, "HTTP %ld: %s", s->status, msg.p);
    else
        sluice__err_set(&s->err, "HTTP %ld", s->status);
    sluice__buf_cleanup(&msg);
}

static void slot_finish(struct run *r, struct slot *s, CURLcode cc)
{
    curl_multi_remove_handle(r->multi, s->easy);
    s->busy = false;
    r->in_flight--;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);

    bool ok = cc == CURLE_OK && !s->failed_in_body && is_success(s->status);
    if (ok && sluice__json_reader_finish(s->reader) != SLUICE_OK) {
        sluice__err_set(&s->err, "response: %s",
                        sluice__json_reader_error(s->reader));
        ok = false;
    }
    if (!ok) {
        describe_failure(s, cc);
        s->sink->ops->abort(s->sink);
        s->sink_open = false;
        report(r, s, SLUICE_WINDOW_FAILED, 0, 0, s->err.msg);
        return;
    }
    uint64_t bytes_out = 0;
    s->sink_open = false;
    if (s->sink->ops->commit(s->sink, &bytes_out) != SLUICE_OK) {
        report(r, s, SLUICE_WINDOW_FAILED, 0, 0, s->sink->err.msg);
        return;
    }
    /* Schema warnings (a field kept as JSON text, a renamed column). */
    for (const char *w = s->sink->warnings; w && *w;) {
        const char *nl = strchr(w, '\n');
        int len = nl ? (int)(nl - w) : (int)strlen(w);
        SLUICE_LOG(&r->log, SLUICE_LOG_WARN, "window %s..%s: %.*s",
                   sluice__buf_str(&s->start), sluice__buf_str(&s->end), len,
                   w);
        w += len + (nl != NULL);
    }
    report(r, s, SLUICE_WINDOW_DONE, sluice__selector_records(s->selector),
           bytes_out, NULL);
}

static void emit_progress(struct run *r, bool force)
{
    if (!r->opts || !r->opts->on_progress)
        return;
    double t = now_seconds();
    double every = r->opts->progress_interval > 0 ? r->opts->progress_interval
                                                   : 0.1;
    if (!force && t - r->t_last_progress < every)
        return;
    r->t_last_progress = t;
    struct sluice_progress p = {r->count, r->sum.done, r->sum.failed,
                                r->in_flight, r->sum.rows, r->sum.bytes_in,
                                t - r->t_start};
    r->opts->on_progress(r->opts->ud, &p);
}

static struct slot *free_slot(struct run *r)
{
    for (size_t i = 0; i < r->n_slots; i++)
        if (!r->slots[i].busy)
            return &r->slots[i];
    return NULL;
}

static int cancel_level(const struct run *r)
{
    return r->opts && r->opts->cancel ? *r->opts->cancel : 0;
}

/* Abandons every transfer in flight: their windows are not pulled. */
static void abandon_in_flight(struct run *r)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        struct slot *s = &r->slots[i];
        if (!s->busy)
            continue;
        curl_multi_remove_handle(r->multi, s->easy);
        s->busy = false;
        r->in_flight--;
        s->sink->ops->abort(s->sink);
        s->sink_open = false;
        report(r, s, SLUICE_WINDOW_NOT_PULLED, 0, 0, "interrupted");
    }
}

/* Reports the windows never started as not pulled. */
static void report_unstarted(struct run *r)
{
    struct slot *s = &r->slots[0]; /* idle now: used as scratch */
    for (; r->next < r->count; r->next++) {
        sluice__window_at(&r->job->windows, r->next, &s->w);
        sluice__buf_reset(&s->start);
        sluice__buf_reset(&s->end);
        sluice__buf_reset(&s->url);
        s->status = 0;
        s->attempts = 0;
        s->bytes_in = 0;
        s->t0 = 0;
        if (sluice__window_label(r->job, &s->w, &s->start, &s->end,
                                 &s->err) != SLUICE_OK ||
            sluice__window_url(r->job, &s->w, &s->url, &s->err) != SLUICE_OK)
            sluice__buf_reset(&s->url);
        report(r, s, SLUICE_WINDOW_NOT_PULLED, 0, 0, "interrupted");
    }
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;
static void curl_init(void) { curl_init_code = curl_global_init(CURL_GLOBAL_ALL); }

static int run_loop(struct run *r, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    while (r->next < r->count || r->in_flight > 0) {
        int cancel = cancel_level(r);
        if (cancel && r->t_drain == 0) {
            r->t_drain = now_seconds();
            SLUICE_LOG(&r->log, SLUICE_LOG_INFO,
                       "interrupted: finishing %zu transfers in flight",
                       r->in_flight);
        }
        if (cancel >= 2 ||
            (cancel && now_seconds() - r->t_drain > DRAIN_GRACE_SECONDS)) {
            abandon_in_flight(r);
            break;
        }
        if (cancel && r->in_flight == 0)
            break;
        struct slot *s;
        while (!cancel && r->next < r->count && (s = free_slot(r)) != NULL)
            slot_start(r, s, r->next++);

        int running = 0;
        CURLMcode mc = curl_multi_perform(r->multi, &running);
        SLUICE_FAIL_IF(mc != CURLM_OK, SLUICE_EHTTP, err, "curl: %s",
                       curl_multi_strerror(mc));
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(r->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct slot *done = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&done);
            slot_finish(r, done, m->data.result);
        }
        emit_progress(r, false);
        if (r->in_flight > 0) {
            /* Wakes for socket activity or curl's timers; the cap keeps
             * progress and interrupts responsive. */
            mc = curl_multi_poll(r->multi, NULL, 0, 100, NULL);
            SLUICE_FAIL_IF(mc != CURLM_OK, SLUICE_EHTTP, err, "curl: %s",
                           curl_multi_strerror(mc));
        }
    }
    if (cancel_level(r)) {
        report_unstarted(r);
        rc = SLUICE_ECANCELED;
    }
out:
    return rc;
}

int sluice_run(struct sluice_job *job, const struct sluice_run_opts *o,
               struct sluice_run_summary *sum, char *errbuf, size_t errlen)
{
    int rc = SLUICE_OK;
    struct sluice_err err = {{0}};
    struct run r;
    memset(&r, 0, sizeof r);
    r.job = job;
    r.opts = o;
    sluice__log_init(&r.log, o ? o->log : NULL, o ? o->log_ud : NULL,
                        o ? o->log_level : SLUICE_LOG_WARN, job->secrets);
    r.t_start = now_seconds();
    r.count = sluice_job_window_count(job);
    if (o && o->limit && o->limit < r.count)
        r.count = o->limit;
    r.sum.total = r.count;

    pthread_once(&curl_once, curl_init);
    SLUICE_FAIL_IF(curl_init_code != CURLE_OK, SLUICE_EHTTP, &err,
                   "cannot initialise libcurl: %s",
                   curl_easy_strerror(curl_init_code));
    r.multi = curl_multi_init();
    SLUICE_FAIL_IF(!r.multi, SLUICE_ENOMEM, &err, "out of memory");
    curl_multi_setopt(r.multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);

    r.n_slots = job->concurrency ? job->concurrency : 1;
    if (r.n_slots > r.count && r.count > 0)
        r.n_slots = r.count;
    r.slots = sluice__calloc(r.n_slots ? r.n_slots : 1, sizeof *r.slots);
    SLUICE_FAIL_IF(!r.slots, SLUICE_ENOMEM, &err, "out of memory");
    for (size_t i = 0; i < r.n_slots; i++)
        SLUICE_TRY(slot_init(&r.slots[i], &r, &err));

    rc = run_loop(&r, &err);
    emit_progress(&r, true);
out:
    if (r.slots)
        for (size_t i = 0; i < r.n_slots; i++)
            slot_cleanup(&r.slots[i]);
    sluice__free(r.slots);
    if (r.multi)
        curl_multi_cleanup(r.multi);
    r.sum.seconds = now_seconds() - r.t_start;
    if (sum)
        *sum = r.sum;
    if (rc != SLUICE_OK && rc != SLUICE_ECANCELED)
        sluice__copy_err(job, err.msg, errbuf, errlen);
    return rc;
}
