/* paginate.h: the pages of one partition (a window): given the request
 * just made and the page it returned, the next request or the reason to
 * stop (docs/internals/paginate.md, docs/job-file.md#pagination). Pure
 * logic: no transfer, no clock; the pipeline (attempt.c) sequences the
 * pages and streams their records.
 *
 * A pager is fed each page as it streams: the reader's events
 * (sluice__pager_on_event, beside the record selector: the values it needs,
 * `$.next`, `$.data[-1].id`, `$.has_more`, a total, are picked on the way,
 * the page is never held) and its header lines (sluice__pager_header: Link,
 * a cursor header). After the page's last byte, sluice__pager_next() says
 * what comes next. Seven shapes:
 *
 *   link_header  RFC 8288 Link rel="next" (GitHub, Shopify)
 *   next_url     a URL in the body, absolute or relative (Spotify)
 *   cursor       a value from the body (`path`) or a header (`header`)
 *                sent back in the query parameter `param` (Reddit, Stripe,
 *                HubSpot), optionally gated by `has_more`
 *   offset       `param`=0, `limit`, 2 `limit`, ... (RIDB), ends by
 *                `total`, a short page or an empty one
 *   page         `param`=start, start+1, ... ends by `total_pages`, a
 *                short page or an empty one
 *
 * Errors (SLUICE_PAGE_ERROR, `why` set) are the API's, never sluice's: a
 * path that does not fit the page, a total that is not a number, the same
 * cursor or URL twice, a next URL on another host, more than max_pages
 * pages. Ownership: the pager borrows its configuration, which outlives
 * it; it copies every string it keeps. */
#ifndef SLUICE_HTTP_PAGINATE_H
#define SLUICE_HTTP_PAGINATE_H

#include "json/pick.h"
#include "util/buf.h"

enum sluice_pages_type {
    SLUICE_PAGES_NONE, /* one request per window */
    SLUICE_PAGES_LINK_HEADER,
    SLUICE_PAGES_NEXT_URL,
    SLUICE_PAGES_CURSOR,
    SLUICE_PAGES_OFFSET,
    SLUICE_PAGES_PAGE
};

#define SLUICE_PAGES_DEFAULT_MAX 10000

/* source.pagination, as loaded (config/job_load_pagination.c checks which
 * fields each type takes). Strings owned by the job. */
struct sluice_pagination {
    enum sluice_pages_type type;
    char *path;         /* next_url, cursor: where the body names it */
    char *header;       /* cursor: a response header names it instead */
    char *param;        /* cursor, offset, page: the query parameter */
    char *has_more;     /* cursor: a boolean; false ends */
    char *limit_param;  /* offset, page, cursor: sent with `limit` */
    uint64_t limit;     /* 0: none; a shorter page ends offset and page */
    char *total;        /* offset: the item count */
    char *total_pages;  /* page: the page count */
    uint64_t start;     /* offset: 0, page: 1 by default */
    bool stop_on_empty; /* an empty page ends (default true) */
    uint64_t max_pages; /* more fails the window (default 10,000) */
    bool allow_other_hosts; /* next URLs may go to another origin */
    bool parallel;      /* offset, page: predictable pages at once
                           (default true) */
};

enum sluice_page_next {
    SLUICE_PAGE_NEXT, /* `next` holds the next request's URL */
    SLUICE_PAGE_END,  /* the last page was read; `why` says why it ended */
    SLUICE_PAGE_ERROR /* the window fails; `why` says why */
};

struct sluice_pager;

/* NULL *out for SLUICE_PAGES_NONE. A path that does not compile is
 * SLUICE_EPATH (the loader checked them: this is for embedders). */
SLUICE_NODISCARD int sluice__pager_new(const struct sluice_pagination *cfg,
                                       struct sluice_pager **out,
                                       struct sluice_err *err);
void sluice__pager_free(struct sluice_pager *p);

/* The first request of a window whose URL (params included) is `base`:
 * appended to `out`. Pure: for the plan as well as the run. */
SLUICE_NODISCARD int sluice__pagination_first_url(
    const struct sluice_pagination *cfg, const char *base,
    struct sluice_buf *out);

/* A window starts: `base` is its URL; `out` gets its first request. */
SLUICE_NODISCARD int sluice__pager_start(struct sluice_pager *p,
                                         const char *base,
                                         struct sluice_buf *out);
/* A response starts (each attempt of each page). */
void sluice__pager_page_begin(struct sluice_pager *p);
/* One header line of the response, as libcurl gives it (with its CRLF). */
void sluice__pager_header(struct sluice_pager *p, const char *line,
                          size_t n);
/* A reader event of the response's body (the reader callback's shape). */
int sluice__pager_on_event(void *pager, enum sluice_json_event ev,
                           const char *s, size_t n);
/* The page requested at `url` was read whole, with `records` records:
 * what comes next. On SLUICE_PAGE_NEXT the page counts as read and `next`
 * (reset first) holds the next URL. */
enum sluice_page_next sluice__pager_next(struct sluice_pager *p,
                                         const char *url, uint64_t records,
                                         struct sluice_buf *next,
                                         struct sluice_err *why);
/* Pages read whole so far in this window (the one just judged included). */
uint64_t sluice__pager_pages(const struct sluice_pager *p);

/* Parallel pages. After sluice__pager_next said NEXT for a window's first
 * page: how many pages are still to come when they are predictable, so
 * that they may be requested at once (`parallel` on; offset with a total
 * and a first page holding `limit` records; page with total_pages), else
 * 0. The pages to come are numbered 2 .. 1 + that. */
uint64_t sluice__pager_predict(const struct sluice_pager *p,
                               uint64_t first_records);
/* The request of page k (1-based) of the window, predicted; appended to
 * out. */
SLUICE_NODISCARD int sluice__pager_page_url(const struct sluice_pager *p,
                                            uint64_t k,
                                            struct sluice_buf *out);
/* The records predicted page k must hold: `limit`, the last page what is
 * left of the total; UINT64_MAX when no count is predicted (page with
 * total_pages and no limit). A page holding another count means the
 * collection changed while it was paged: the window fails. */
uint64_t sluice__pager_expect(const struct sluice_pager *p, uint64_t k,
                              uint64_t npages);

/* The target of the first rel="next" link in a Link header's value
 * (RFC 8288: `<uri>; rel="next"`, rel a space-separated list, any case),
 * or false. Exposed for its unit test. */
bool sluice__link_next(const char *v, size_t n, const char **uri,
                       size_t *uri_n);

#endif
