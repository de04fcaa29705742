/* transfer_error.h: what a failed transfer's CURLcode means, in words that
 * say what happened and which job field governs it. libcurl passes some
 * causes through under a misleading name: a response header line over its
 * 100 KiB limit (CURL_MAX_HTTP_HEADER) comes back as "Out of memory". */
#ifndef SLUICE_HTTP_TRANSFER_ERROR_H
#define SLUICE_HTTP_TRANSFER_ERROR_H

#include "util/common.h"

/* The most response header bytes sluice accepts from one answer (all its
 * header lines); past it the transfer is stopped. libcurl itself stops at
 * one line over 100 KiB; this bounds the total, which it does not. */
#define SLUICE_HTTP_HEADERS_MAX (256u * 1024u)

struct sluice_transfer_failure {
    int curlcode;          /* the transfer's CURLcode, not CURLE_OK */
    const char *curl_text; /* curl's error buffer ("" or NULL if none) */
    bool in_headers;       /* the headers had not all arrived */
};

/* Writes the reason to err: curl's words, plus the job field that set the
 * limit for a timeout (http.connect_timeout, http.timeout,
 * http.low_speed_limit/low_speed_time), or the header limit for an "Out of
 * memory" before the headers ended. */
void sluice__http_describe_failure(const struct sluice_transfer_failure *f,
                                   struct sluice_err *err);

#endif
