/* test_driver.c: the transfer driver (http/driver.h) against a scripted
 * HTTP server in a thread of the test, on 127.0.0.1: a transfer's header
 * lines and body reach its owner, the step reports its end with the owner,
 * curl's code and text, status and redirect URL are asked through the
 * driver, a transfer restarted from its report reuses its connection, an
 * owner can stop a transfer, a cancelled one is never reported, and a
 * wakeup from another thread ends the step's wait. The server answers a
 * fixed script and stops by itself (each wait is bounded). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "http/driver.h"

#define WAIT_MS 10000 /* the server's bound on every wait: it never hangs */

/* ---- the scripted server -------------------------------------------------------*/

/* One answer per request, in order, over as many connections as the client
 * opens; NULL as an answer: read the request, then answer nothing until the
 * client goes away. */
struct server {
    int fd;
    int port;
    const char *const *answers;
    size_t n_answers;
    pthread_t thread;
    atomic_int requests;    /* requests read so far */
    int connections;        /* accepted (read after the join) */
    char request[8][512];   /* each request's head, cut */
};

static bool wait_readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, WAIT_MS) == 1;
}

/* Reads one request head; false when the client closed or went quiet. */
static bool read_request(int c, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    while (!strstr(out, "\r\n\r\n")) {
        if (n + 1 >= cap || !wait_readable(c))
            return false;
        ssize_t got = read(c, out + n, cap - 1 - n);
        if (got <= 0)
            return false;
        n += (size_t)got;
        out[n] = '\0';
    }
    return true;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    size_t next = 0;
    while (next < s->n_answers && wait_readable(s->fd)) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        s->connections++;
        while (next < s->n_answers) {
            char head[512];
            if (!read_request(c, head, sizeof head))
                break;
            size_t k = (size_t)atomic_load(&s->requests);
            if (k < 8)
                snprintf(s->request[k], sizeof s->request[k], "%s", head);
            atomic_fetch_add(&s->requests, 1);
            const char *a = s->answers[next++];
            if (!a) { /* hold: until the client closes */
                char sink[256];
                while (wait_readable(c) && read(c, sink, sizeof sink) > 0) {
                }
                break;
            }
            if (write(c, a, strlen(a)) != (ssize_t)strlen(a))
                break;
        }
        close(c);
    }
    close(s->fd);
    return NULL;
}

static bool server_start(struct server *s, const char *const *answers,
                         size_t n)
{
    memset(s, 0, sizeof *s);
    s->answers = answers;
    s->n_answers = n;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->fd, 8) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &len) != 0)
        return false;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, serve, s) == 0;
}

/* ---- an owner ------------------------------------------------------------------*/

struct owner {
    struct sluice_buf headers, body;
    bool stop_in_body;
    size_t done;
    int curlcode;
    char error[CURL_ERROR_SIZE];
    void *reported_owner;
    /* a redirect followed from inside the report, as the pipeline does */
    struct sluice_http_transfer *t;
    char hop[256];
    long first_status;
};

static bool own_header(void *o, const char *line, size_t n)
{
    struct owner *w = o;
    return sluice__buf_append(&w->headers, line, n) == SLUICE_OK;
}

static bool own_body(void *o, const char *data, size_t n)
{
    struct owner *w = o;
    if (w->stop_in_body)
        return false;
    return sluice__buf_append(&w->body, data, n) == SLUICE_OK;
}

static const struct sluice_http_callbacks cbs = {own_header, own_body};

static void on_done(void *ud, const struct sluice_http_done *d)
{
    (void)ud;
    struct owner *w = d->owner;
    w->reported_owner = d->owner;
    w->done++;
    w->curlcode = d->curlcode;
    snprintf(w->error, sizeof w->error, "%s", d->error);
    const char *loc = sluice__http_transfer_redirect_url(w->t);
    if (w->done == 1 && loc) {
        w->first_status = sluice__http_transfer_status(w->t);
        snprintf(w->hop, sizeof w->hop, "%s", loc);
        struct sluice_err err;
        /* the hop's end is the second report; a refused start, none */
        if (sluice__http_transfer_start(w->t, w->hop, NULL, &cbs, w, &err) !=
            SLUICE_OK)
            w->curlcode = -1;
    }
}

static void owner_init(struct owner *w)
{
    memset(w, 0, sizeof *w);
    sluice__buf_init(&w->headers, 1 << 16);
    sluice__buf_init(&w->body, 1 << 16);
}

static void owner_cleanup(struct owner *w)
{
    sluice__buf_cleanup(&w->headers);
    sluice__buf_cleanup(&w->body);
}

static const struct sluice_http_policy policy = {5000, 10000, 1, 10, false,
                                                 NULL};

/* Steps until `w` heard `want` reports (each step waits at most 100 ms;
 * the server's bounds end any transfer). */
static bool run_until(struct sluice_http_driver *d, struct owner *w,
                      size_t want)
{
    for (int i = 0; i < 1000 && w->done < want; i++) {
        struct sluice_err err;
        if (sluice__http_driver_step(d, 100, on_done, NULL, NULL, &err) !=
            SLUICE_OK)
            return false;
    }
    return w->done >= want;
}

/* ---- tests ---------------------------------------------------------------------*/

static void test_get_reports_bytes_and_end(void)
{
    static const char *const answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Rate: 7\r\n\r\nhello"};
    struct server srv;
    ASSERT_TRUE(server_start(&srv, answers, 1));
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 2, &d, &err), SLUICE_OK);
    struct owner w;
    owner_init(&w);
    w.t = sluice__http_driver_transfer(d, 1);
    ASSERT_TRUE(sluice__http_driver_transfer(d, 2) == NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/a?x=1", srv.port);
    struct curl_slist *h = curl_slist_append(NULL, "X-Test: yes");
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, h, &cbs, &w, &err),
              SLUICE_OK);
    bool ended = run_until(d, &w, 1);
    long status = sluice__http_transfer_status(w.t);
    const char *loc = sluice__http_transfer_redirect_url(w.t);
    sluice__http_driver_free(d);
    pthread_join(srv.thread, NULL);
    curl_slist_free_all(h);
    ASSERT_TRUE(ended);
    ASSERT_EQ(w.done, 1);
    ASSERT_TRUE(w.reported_owner == &w);
    ASSERT_EQ(w.curlcode, 0);
    ASSERT_EQ(status, 200);
    ASSERT_TRUE(loc == NULL);
    ASSERT_STR_EQ(sluice__buf_str(&w.body), "hello");
    ASSERT_TRUE(strstr(sluice__buf_str(&w.headers), "X-Rate: 7\r\n") != NULL);
    ASSERT_TRUE(strncmp(srv.request[0], "GET /a?x=1 HTTP/1.1\r\n", 21) == 0);
    ASSERT_TRUE(strstr(srv.request[0], "\r\nX-Test: yes\r\n") != NULL);
    ASSERT_TRUE(strstr(srv.request[0], "\r\nUser-Agent: sluice/") != NULL);
    owner_cleanup(&w);
}

static void test_restart_from_report_reuses_connection(void)
{
    static const char *const answers[] = {
        "HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    struct server srv;
    ASSERT_TRUE(server_start(&srv, answers, 2));
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 1, &d, &err), SLUICE_OK);
    struct owner w;
    owner_init(&w);
    w.t = sluice__http_driver_transfer(d, 0);
    char url[64], want[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/a", srv.port);
    snprintf(want, sizeof want, "http://127.0.0.1:%d/b", srv.port);
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, NULL, &cbs, &w, &err),
              SLUICE_OK);
    bool ended = run_until(d, &w, 2);
    long status = sluice__http_transfer_status(w.t);
    sluice__http_driver_free(d);
    pthread_join(srv.thread, NULL);
    ASSERT_TRUE(ended);
    ASSERT_EQ(w.first_status, 302);
    ASSERT_STR_EQ(w.hop, want);
    ASSERT_EQ(status, 200);
    ASSERT_STR_EQ(sluice__buf_str(&w.body), "ok");
    ASSERT_TRUE(strncmp(srv.request[1], "GET /b HTTP/1.1\r\n", 17) == 0);
    ASSERT_EQ(srv.connections, 1); /* the easy handle kept it warm */
    owner_cleanup(&w);
}

static void test_owner_stops_transfer(void)
{
    static const char *const answers[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"};
    struct server srv;
    ASSERT_TRUE(server_start(&srv, answers, 1));
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 1, &d, &err), SLUICE_OK);
    struct owner w;
    owner_init(&w);
    w.stop_in_body = true;
    w.t = sluice__http_driver_transfer(d, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", srv.port);
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, NULL, &cbs, &w, &err),
              SLUICE_OK);
    bool ended = run_until(d, &w, 1);
    sluice__http_driver_free(d);
    pthread_join(srv.thread, NULL);
    ASSERT_TRUE(ended);
    ASSERT_EQ(w.curlcode, CURLE_WRITE_ERROR);
    ASSERT_EQ(w.body.n, 0);
    owner_cleanup(&w);
}

static void test_cancelled_is_not_reported(void)
{
    /* The first connection's request is never answered; the second is. */
    static const char *const answers[] = {
        NULL, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes"};
    struct server srv;
    ASSERT_TRUE(server_start(&srv, answers, 2));
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 1, &d, &err), SLUICE_OK);
    struct owner w;
    owner_init(&w);
    w.t = sluice__http_driver_transfer(d, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", srv.port);
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, NULL, &cbs, &w, &err),
              SLUICE_OK);
    /* Until the server holds the request (bounded: the server's timeout
     * ends the transfer otherwise, which the assertions below catch). */
    for (int i = 0; i < 200 && atomic_load(&srv.requests) == 0 && !w.done;
         i++)
        ASSERT_EQ(sluice__http_driver_step(d, 50, on_done, NULL, NULL, &err),
                  SLUICE_OK);
    ASSERT_EQ(atomic_load(&srv.requests), 1);
    sluice__http_transfer_cancel(w.t);
    size_t finished = 99;
    ASSERT_EQ(sluice__http_driver_step(d, 0, on_done, NULL, &finished, &err),
              SLUICE_OK);
    ASSERT_EQ(finished, 0);
    /* The same transfer serves the next request. */
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, NULL, &cbs, &w, &err),
              SLUICE_OK);
    bool ended = run_until(d, &w, 1);
    sluice__http_driver_free(d);
    pthread_join(srv.thread, NULL);
    ASSERT_TRUE(ended);
    ASSERT_EQ(w.done, 1);
    ASSERT_EQ(w.curlcode, 0);
    ASSERT_STR_EQ(sluice__buf_str(&w.body), "yes");
    owner_cleanup(&w);
}

static void test_failure_code_and_text(void)
{
    /* A port nothing listens on: bound, then closed. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_TRUE(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 1, &d, &err), SLUICE_OK);
    struct owner w;
    owner_init(&w);
    w.t = sluice__http_driver_transfer(d, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    ASSERT_EQ(sluice__http_transfer_start(w.t, url, NULL, &cbs, &w, &err),
              SLUICE_OK);
    bool ended = run_until(d, &w, 1);
    long status = sluice__http_transfer_status(w.t);
    sluice__http_driver_free(d);
    ASSERT_TRUE(ended);
    ASSERT_EQ(w.curlcode, CURLE_COULDNT_CONNECT);
    ASSERT_TRUE(w.error[0] != '\0');
    ASSERT_EQ(status, 0);
    owner_cleanup(&w);
}

static void *wake(void *d)
{
    sluice__http_driver_wakeup(d);
    return NULL;
}

/* A step with nothing in flight waits its whole timeout (a minute here)
 * unless woken: a broken wakeup hangs this test instead of passing it. */
static void test_wakeup_from_another_thread(void)
{
    struct sluice_http_driver *d = NULL;
    struct sluice_err err;
    ASSERT_EQ(sluice__http_driver_new(&policy, 1, &d, &err), SLUICE_OK);
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, wake, d), 0);
    size_t finished = 99;
    int rc = sluice__http_driver_step(d, 60000, on_done, NULL, &finished,
                                      &err);
    pthread_join(th, NULL);
    sluice__http_driver_free(d);
    ASSERT_EQ(rc, SLUICE_OK);
    ASSERT_EQ(finished, 0);
}

static const struct harness_test tests[] = {
    TEST(test_get_reports_bytes_and_end),
    TEST(test_restart_from_report_reuses_connection),
    TEST(test_owner_stops_transfer),
    TEST(test_cancelled_is_not_reported),
    TEST(test_failure_code_and_text),
    TEST(test_wakeup_from_another_thread),
};
HARNESS_MAIN(tests)
