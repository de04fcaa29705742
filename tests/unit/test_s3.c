/* test_s3.c: S3 requests and answers (lib/http/s3.c): key encoding, path-
 * style and virtual-hosted URLs, reading S3's XML (UploadId, <Error>),
 * CompleteMultipartUpload's body, which answers refuse the job; and the
 * signature libcurl makes with what sluice__s3_sign gives it, checked
 * against AWS's published SigV4 example for S3 (GET /test.txt with a
 * Range header, "Example: GET Object" in the S3 API reference's
 * "Signature Calculations for the Authorization Header"), captured from
 * the request as it reaches a socket of the test's own on 127.0.0.1. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "http/driver.h"
#include "http/s3.h"

static struct sluice_s3_dest dest(bool path_style)
{
    struct sluice_s3_dest d = {0};
    d.bucket = "examplebucket";
    d.endpoint =
        path_style ? "http://127.0.0.1:9000" : "https://s3.amazonaws.com";
    d.region = "us-east-1";
    d.path_style = path_style;
    d.access_key_id = "AKIAIOSFODNN7EXAMPLE";
    d.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    return d;
}

static void test_urls(void)
{
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    struct sluice_s3_dest d = dest(true);
    ASSERT_EQ(sluice__s3_url(&d, "neos/year=2020/a b+c~é.parquet", NULL, &b),
              SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://127.0.0.1:9000/examplebucket/neos/"
                       "year%3D2020/a%20b%2Bc~%C3%A9.parquet");
    sluice__buf_reset(&b);
    ASSERT_EQ(
        sluice__s3_url(&d, NULL, "max-uploads=1&prefix=a%2F&uploads=", &b),
        SLUICE_OK);
    ASSERT_STR_EQ(b.p, "http://127.0.0.1:9000/examplebucket?max-uploads=1&"
                       "prefix=a%2F&uploads=");
    d = dest(false);
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__s3_url(&d, "x/y.csv", "uploads=", &b), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "https://examplebucket.s3.amazonaws.com/x/y.csv?"
                       "uploads=");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__s3_url(&d, "", "uploads=", &b), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "https://examplebucket.s3.amazonaws.com/?uploads=");
    sluice__buf_reset(&b);
    ASSERT_EQ(sluice__s3_display(&d, "x/y.csv", &b), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "s3://examplebucket/x/y.csv");
    sluice__buf_cleanup(&b);
}

static void test_xml(void)
{
    static const char init[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
        "<UploadId>VXBsb2FkIElE&amp;x=&lt;1&gt;</UploadId>"
        "</InitiateMultipartUploadResult>";
    static const char err[] =
        "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
        "<Message>The request signature we calculated does not match\n"
        "the signature you provided.</Message></Error>";
    struct sluice_buf v;
    sluice__buf_init(&v, 4096);
    ASSERT_TRUE(sluice__s3_xml_value(init, strlen(init), "UploadId", &v));
    ASSERT_STR_EQ(v.p, "VXBsb2FkIElE&x=<1>");
    ASSERT_TRUE(!sluice__s3_xml_value(init, strlen(init), "ETag", &v));
    /* A tag cut off by the body's end is not a value. */
    ASSERT_TRUE(!sluice__s3_xml_value(init, 120, "UploadId", &v));
    ASSERT_TRUE(!sluice__s3_is_error(init, strlen(init)));
    ASSERT_TRUE(sluice__s3_is_error(err, strlen(err)));
    sluice__buf_cleanup(&v);

    char text[600];
    sluice__s3_error_text(403, err, strlen(err), text, sizeof text);
    ASSERT_STR_EQ(text, "HTTP 403 SignatureDoesNotMatch: The request "
                        "signature we calculated does not match the "
                        "signature you provided.");
    sluice__s3_error_text(503, "", 0, text, sizeof text);
    ASSERT_STR_EQ(text, "HTTP 503");

    /* The credentials, the bucket, the region: the job's; a slow-down or a
     * server error is the request's. */
    ASSERT_TRUE(sluice__s3_refuses_job(403, err, strlen(err)));
    static const char nsb[] = "<Error><Code>NoSuchBucket</Code></Error>";
    ASSERT_TRUE(sluice__s3_refuses_job(404, nsb, strlen(nsb)));
    static const char slow[] = "<Error><Code>SlowDown</Code></Error>";
    ASSERT_TRUE(!sluice__s3_refuses_job(503, slow, strlen(slow)));
    ASSERT_TRUE(!sluice__s3_refuses_job(500, "", 0));
}

static void test_complete_body(void)
{
    const char *etags[] = {"\"a54357aff0632cce46d942af68356b38\"", "\"0c78\""};
    struct sluice_buf b;
    sluice__buf_init(&b, 4096);
    ASSERT_EQ(sluice__s3_complete_body(etags, 2, &b), SLUICE_OK);
    ASSERT_STR_EQ(b.p, "<CompleteMultipartUpload>"
                       "<Part><PartNumber>1</PartNumber><ETag>&quot;"
                       "a54357aff0632cce46d942af68356b38&quot;</ETag></Part>"
                       "<Part><PartNumber>2</PartNumber><ETag>&quot;0c78"
                       "&quot;</ETag></Part></CompleteMultipartUpload>");
    sluice__buf_cleanup(&b);
}

/* Runs one request on `e` to a listening socket of ours, answers it with
 * an empty 200, and returns what was sent (the request head). */
static void capture(CURL *e, int lfd, char *got, size_t got_n)
{
    CURLM *m = curl_multi_init();
    ASSERT_TRUE(m != NULL);
    ASSERT_EQ(curl_multi_add_handle(m, e), CURLM_OK);
    int cfd = -1, running = 1;
    size_t n = 0;
    bool answered = false;
    got[0] = 0;
    while (running) {
        ASSERT_EQ(curl_multi_perform(m, &running), CURLM_OK);
        if (cfd < 0)
            cfd = accept(lfd, NULL, NULL); /* non-blocking */
        if (cfd >= 0 && !answered) {
            ssize_t r = recv(cfd, got + n, got_n - 1 - n, MSG_DONTWAIT);
            if (r > 0) {
                n += (size_t)r;
                got[n] = 0;
            }
            if (strstr(got, "\r\n\r\n")) {
                static const char ok[] =
                    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
                ASSERT_EQ(send(cfd, ok, sizeof ok - 1, 0),
                          (ssize_t)(sizeof ok - 1));
                answered = true;
            }
        }
        if (running) {
            struct curl_waitfd w = {cfd >= 0 ? cfd : lfd, CURL_WAIT_POLLIN, 0};
            ASSERT_EQ(curl_multi_poll(m, &w, 1, 1000, NULL), CURLM_OK);
        }
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)))
        ASSERT_EQ(msg->data.result, CURLE_OK);
    curl_multi_remove_handle(m, e);
    curl_multi_cleanup(m);
    if (cfd >= 0)
        close(cfd);
}

static void test_aws_example_signature(void)
{
    struct sluice_err err;
    ASSERT_EQ(sluice__http_global_init(&err), SLUICE_OK);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_TRUE(lfd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    ASSERT_EQ(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    ASSERT_EQ(listen(lfd, 1), 0);
    ASSERT_EQ(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
    ASSERT_EQ(fcntl(lfd, F_SETFL, O_NONBLOCK), 0);
    char connect_to[128];
    snprintf(connect_to, sizeof connect_to,
             "examplebucket.s3.amazonaws.com:80:127.0.0.1:%u",
             (unsigned)ntohs(a.sin_port));

    struct sluice_s3_dest d = dest(false);
    d.endpoint = "http://s3.amazonaws.com";
    struct sluice_buf url;
    sluice__buf_init(&url, 4096);
    ASSERT_EQ(sluice__s3_url(&d, "test.txt", NULL, &url), SLUICE_OK);
    ASSERT_STR_EQ(url.p, "http://examplebucket.s3.amazonaws.com/test.txt");

    CURL *e = curl_easy_init();
    ASSERT_TRUE(e != NULL);
    /* The example's request time and Range header; the rest is ours. */
    struct curl_slist *h = curl_slist_append(NULL, "Range: bytes=0-9");
    h = curl_slist_append(h, "x-amz-date: 20130524T000000Z");
    ASSERT_EQ(sluice__s3_sign(e, &d, SLUICE_S3_EMPTY_SHA256, &h, &err),
              SLUICE_OK);
    struct curl_slist *ct = curl_slist_append(NULL, connect_to);
    curl_easy_setopt(e, CURLOPT_URL, url.p);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, ct);
    char got[8192];
    capture(e, lfd, got, sizeof got);
    /* AWS's expected Authorization, field for field. */
    ASSERT_TRUE(strstr(got, "Authorization: AWS4-HMAC-SHA256 "
                            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                            "us-east-1/s3/aws4_request, ") != NULL);
    ASSERT_TRUE(strstr(got, "SignedHeaders=host;range;x-amz-content-sha256;"
                            "x-amz-date, ") != NULL);
    ASSERT_TRUE(strstr(got, "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f"
                            "0170aba48dd91039c6036bdb41\r\n") != NULL);
    ASSERT_TRUE(strstr(got, "x-amz-content-sha256: " SLUICE_S3_EMPTY_SHA256
                            "\r\n") != NULL);
    /* No header without a value: 7.88's SigV4 would sign it wrongly. */
    ASSERT_TRUE(strstr(got, "Expect:\r\n") == NULL);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    curl_slist_free_all(ct);
    sluice__buf_cleanup(&url);

    /* A session token travels as x-amz-security-token, signed. */
    d.session_token = "FQoGZXIvYXdzEXAMPLETOKEN";
    e = curl_easy_init();
    h = curl_slist_append(NULL, "x-amz-date: 20130524T000000Z");
    ASSERT_EQ(sluice__s3_sign(e, &d, SLUICE_S3_EMPTY_SHA256, &h, &err),
              SLUICE_OK);
    ct = curl_slist_append(NULL, connect_to);
    curl_easy_setopt(e, CURLOPT_URL,
                     "http://examplebucket.s3.amazonaws.com/test.txt");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, ct);
    capture(e, lfd, got, sizeof got);
    ASSERT_TRUE(strstr(got, "x-amz-security-token: FQoGZXIvYXdzEXAMPLETOKEN"
                            "\r\n") != NULL);
    ASSERT_TRUE(strstr(got, "SignedHeaders=host;x-amz-content-sha256;"
                            "x-amz-date;x-amz-security-token, ") != NULL);
    curl_easy_cleanup(e);
    curl_slist_free_all(h);
    curl_slist_free_all(ct);
    close(lfd);
}

static const struct harness_test TESTS[] = {
    TEST(test_urls),
    TEST(test_xml),
    TEST(test_complete_body),
    TEST(test_aws_example_signature),
};
HARNESS_MAIN(TESTS)
