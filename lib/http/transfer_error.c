/* transfer_error.c: a failed transfer's CURLcode in words (see
 * transfer_error.h). curl's own message is kept, so what its
 * documentation says still applies, and what it leaves unsaid is added:
 * which job field set the limit that stopped the transfer, or that "Out of
 * memory" was a header line over libcurl's limit. */
#include "http/transfer_error.h"

#include <curl/curl.h>
#include <string.h>

/* The job field behind a timeout, told from curl's text (curl gives all
 * three the same code). */
static const char *timeout_field(const char *text)
{
    if (strstr(text, "too slow"))
        return "http.low_speed_limit and http.low_speed_time";
    if (strncmp(text, "Connection timed out", 20) == 0 ||
        strncmp(text, "Resolving timed out", 19) == 0 ||
        strncmp(text, "Failed to connect", 17) == 0)
        return "http.connect_timeout";
    return "http.timeout";
}

void sluice__http_describe_failure(const struct sluice_transfer_failure *f,
                                   struct sluice_err *err)
{
    const char *text = f->curl_text ? f->curl_text : "";
    CURLcode cc = (CURLcode)f->curlcode;
    /* curl 7.88 answers a header line longer than CURL_MAX_HTTP_HEADER
     * (100 KiB) with CURLE_OUT_OF_MEMORY and no text: nothing ran out. */
    if (cc == CURLE_OUT_OF_MEMORY && f->in_headers) {
        sluice__err_set(err,
                        "response header line over %d KiB, the most libcurl "
                        "accepts (it reports this as \"%s\")",
                        CURL_MAX_HTTP_HEADER / 1024, curl_easy_strerror(cc));
        return;
    }
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        sluice__err_set(err, "%s%s%s (%s)", curl_easy_strerror(cc),
                        text[0] ? ": " : "", text, timeout_field(text));
        return;
    }
    sluice__err_set(err, "%s%s%s", curl_easy_strerror(cc), text[0] ? ": " : "",
                    text);
}
