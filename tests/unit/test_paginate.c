/* test_paginate.c: each paginator's next request and stop conditions
 * (http/paginate.h), page by page as the pipeline calls it: a response's
 * header lines and body events in, then the next URL or why it ends. The
 * degenerate cases are here: an empty first page, a last page exactly
 * `limit` long, a cursor given twice, a total that shrinks mid-way, a
 * path that never matches, a total that is not a number, a next URL on
 * another host, max_pages. Also the Link header parser and the pick
 * (json/pick.h) the pager reads values with. */
#include "harness.h"
#include "http/paginate.h"
#include "json/json_reader.h"

#define BASE "http://127.0.0.1:8080/v1/items?q=1"

struct cfg_holder {
    struct sluice_pagination c;
};

static struct sluice_pagination base_cfg(enum sluice_pages_type t)
{
    struct sluice_pagination c;
    memset(&c, 0, sizeof c);
    c.type = t;
    c.stop_on_empty = true;
    c.max_pages = SLUICE_PAGES_DEFAULT_MAX;
    c.start = t == SLUICE_PAGES_PAGE ? 1 : 0;
    return c;
}

/* One page: headers ("Name: value" lines, NULL-terminated list or NULL),
 * the body, its record count; returns the decision, `next` and `why`. */
static enum sluice_page_next page(struct sluice_pager *p, const char *url,
                                  const char *const *headers,
                                  const char *body, uint64_t records,
                                  struct sluice_buf *next,
                                  struct sluice_err *why)
{
    sluice__pager_page_begin(p);
    sluice__pager_header(p, "HTTP/1.1 200 OK\r\n", 17);
    for (size_t i = 0; headers && headers[i]; i++) {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s\r\n", headers[i]);
        sluice__pager_header(p, line, (size_t)n);
    }
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__pager_on_event, p);
    int rc = sluice__json_reader_feed(r, body, strlen(body));
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    sluice__json_reader_free(r);
    if (rc != SLUICE_OK) {
        sluice__err_set(why, "test body does not parse");
        return SLUICE_PAGE_ERROR;
    }
    return sluice__pager_next(p, url, records, next, why);
}

struct fixture {
    struct sluice_pager *p;
    struct sluice_buf url, next;
    struct sluice_err why;
};

static int fx_init(struct fixture *f, const struct sluice_pagination *c)
{
    struct sluice_err err = {{0}};
    memset(f, 0, sizeof *f);
    sluice__buf_init(&f->url, 1 << 16);
    sluice__buf_init(&f->next, 1 << 16);
    int rc = sluice__pager_new(c, &f->p, &err);
    if (rc == SLUICE_OK)
        rc = sluice__pager_start(f->p, BASE, &f->url);
    return rc;
}

/* The next page becomes the current one. */
static void fx_advance(struct fixture *f)
{
    sluice__buf_reset(&f->url);
    if (sluice__buf_adds(&f->url, f->next.p) != SLUICE_OK)
        abort();
}

static void fx_cleanup(struct fixture *f)
{
    sluice__pager_free(f->p);
    sluice__buf_cleanup(&f->url);
    sluice__buf_cleanup(&f->next);
}

static enum sluice_page_next fx_page(struct fixture *f,
                                     const char *const *headers,
                                     const char *body, uint64_t records)
{
    return page(f->p, f->url.p, headers, body, records, &f->next, &f->why);
}

/* ---- link_header ---------------------------------------------------- */

static void test_link_header_parser(void)
{
    const char *u;
    size_t n;
    const char *v = "<https://api.github.com/r?page=2>; rel=\"next\", "
                    "<https://api.github.com/r?page=5>; rel=\"last\"";
    ASSERT_TRUE(sluice__link_next(v, strlen(v), &u, &n));
    ASSERT_MEM_EQ(u, n, "https://api.github.com/r?page=2", 31);
    v = "<a>; rel=\"prev\", <b>; title=\"x, y\"; rel=\"last NEXT\"";
    ASSERT_TRUE(sluice__link_next(v, strlen(v), &u, &n));
    ASSERT_MEM_EQ(u, n, "b", 1);
    v = "<c>;rel=next";
    ASSERT_TRUE(sluice__link_next(v, strlen(v), &u, &n));
    ASSERT_MEM_EQ(u, n, "c", 1);
    v = "<a>; rel=\"prev\", <z>; rel=\"last\"";
    ASSERT_TRUE(!sluice__link_next(v, strlen(v), &u, &n));
    v = "<a>; rel=\"nextish\"";
    ASSERT_TRUE(!sluice__link_next(v, strlen(v), &u, &n));
    v = "garbage";
    ASSERT_TRUE(!sluice__link_next(v, strlen(v), &u, &n));
}

static void test_link_header_pages(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_LINK_HEADER);
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE);
    const char *h1[] = {"Content-Type: application/json",
                        "link: </v1/items?q=1&page=2>; rel=\"next\"", NULL};
    ASSERT_EQ(fx_page(&f, h1, "[1,2]", 2), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, "http://127.0.0.1:8080/v1/items?q=1&page=2");
    fx_advance(&f);
    const char *h2[] = {"Link: <http://127.0.0.1:8080/v1/items?q=1&page=1>; "
                        "rel=\"prev\"",
                        NULL};
    ASSERT_EQ(fx_page(&f, h2, "[3]", 1), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "no Link rel=\"next\"");
    ASSERT_EQ(sluice__pager_pages(f.p), 2);
    fx_cleanup(&f);
}

/* A Link to the page just read is a loop; a Link to another host is
 * refused unless allowed. */
static void test_link_header_loop_and_host(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_LINK_HEADER);
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    const char *same[] = {"Link: <" BASE ">; rel=\"next\"", NULL};
    ASSERT_EQ(fx_page(&f, same, "[1]", 1), SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg,
                  "the API returned the same next URL twice (a loop)");
    fx_cleanup(&f);

    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    const char *other[] = {"Link: <https://evil.example/x?page=2>; rel=next",
                           NULL};
    ASSERT_EQ(fx_page(&f, other, "[1]", 1), SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg,
                  "the next page's URL goes to another host, "
                  "https://evil.example:443: not followed "
                  "(pagination.allow_other_hosts: true follows it)");
    fx_cleanup(&f);

    c.allow_other_hosts = true;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, other, "[1]", 1), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, "https://evil.example/x?page=2");
    fx_cleanup(&f);
}

/* ---- next_url --------------------------------------------------------- */

static void test_next_url(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_NEXT_URL);
    c.path = "$.next";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"items\":[1,2],\"next\":\"http://127.0.0.1:8080/"
                      "v1/items?offset=2&limit=2\"}",
                      2),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, "http://127.0.0.1:8080/v1/items?offset=2&limit=2");
    fx_advance(&f);
    /* relative to the page just read */
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"next\":\"items?offset=4&limit=2\",\"items\":[3,4]}",
                      2),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, "http://127.0.0.1:8080/v1/items?offset=4&limit=2");
    fx_advance(&f);
    /* Spotify's last page: shorter, next null */
    ASSERT_EQ(fx_page(&f, NULL, "{\"items\":[5],\"next\":null}", 1),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "$.next is null, empty or absent");
    ASSERT_EQ(sluice__pager_pages(f.p), 3);
    fx_cleanup(&f);

    /* absent and empty end too; a number is an error */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"items\":[5]}", 1), SLUICE_PAGE_END);
    fx_cleanup(&f);
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"items\":[5],\"next\":\"\"}", 1),
              SLUICE_PAGE_END);
    fx_cleanup(&f);
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"items\":[5],\"next\":7}", 1),
              SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg, "pagination.path $.next is a number, not a URL");
    fx_cleanup(&f);
}

/* ---- cursor ----------------------------------------------------------- */

/* Reddit: $.data.after into ?after=, null at the end. */
static void test_cursor_body(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_CURSOR);
    c.path = "$.data.after";
    c.param = "after";
    c.limit_param = "limit";
    c.limit = 2;
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE "&limit=2");
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"data\":{\"children\":[1,2],\"after\":\"t3_b c\"}}",
                      2),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=2&after=t3_b%20c");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"data\":{\"children\":[3,4],\"after\":\"t3_d\"}}", 2),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=2&after=t3_d");
    fx_advance(&f);
    /* the last page exactly `limit` long: the cursor alone says it ends */
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"data\":{\"children\":[5,6],\"after\":null}}", 2),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "the cursor $.data.after is null, empty or "
                             "absent");
    fx_cleanup(&f);
}

static void test_cursor_repeated(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_CURSOR);
    c.path = "$.paging.next.after";
    c.param = "after";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    const char *body = "{\"results\":[1],\"paging\":{\"next\":{\"after\":"
                       "\"42\"}}}";
    ASSERT_EQ(fx_page(&f, NULL, body, 1), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, body, 1), SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg, "the API returned the same cursor twice "
                             "($.paging.next.after): a loop");
    fx_cleanup(&f);

    /* HubSpot's last page has no paging at all: once the path fitted a
     * page, that is the end... */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, body, 1), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"results\":[2]}", 1), SLUICE_PAGE_END);
    fx_cleanup(&f);
    /* ... and so does a first page shorter than the limit (a window of
     * one page: HubSpot sends no paging at all) ... */
    c.limit_param = "limit";
    c.limit = 10;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"results\":[1,2,3]}", 3), SLUICE_PAGE_END);
    fx_cleanup(&f);
    /* ... but a path that fits no page (a typo) fails a full first page,
     * rather than cutting every window to one page */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"results\":[1]}", 10), SLUICE_PAGE_ERROR);
    fx_cleanup(&f);
    c.limit_param = NULL;
    c.limit = 0;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"results\":[1]}", 1), SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg,
                  "pagination.path $.paging.next.after: $.paging absent; the "
                  "response holds key \"results\"");
    fx_cleanup(&f);
    /* ... while {"paging":{"next":{}}} and a null next end it */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"results\":[1],\"paging\":{\"next\":{}}}",
                      1),
              SLUICE_PAGE_END);
    fx_cleanup(&f);
}

/* Stripe: the last element's id, gated by has_more. */
static void test_cursor_has_more(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_CURSOR);
    c.path = "$.data[-1].id";
    c.param = "starting_after";
    c.has_more = "$.has_more";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"object\":\"list\",\"data\":[{\"id\":\"cus_1\"},"
                      "{\"id\":\"cus_2\"}],\"has_more\":true}",
                      2),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&starting_after=cus_2");
    fx_advance(&f);
    /* has_more false ends even though the page is full and has ids */
    ASSERT_EQ(fx_page(&f, NULL,
                      "{\"data\":[{\"id\":\"cus_3\"},{\"id\":\"cus_4\"}],"
                      "\"has_more\":false}",
                      2),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "$.has_more is false");
    fx_cleanup(&f);

    /* an empty first page ends at once */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"data\":[],\"has_more\":true}", 0),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "an empty page");
    fx_cleanup(&f);

    /* has_more true with no cursor, and has_more not a boolean */
    c.stop_on_empty = false;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"data\":[],\"has_more\":true}", 0),
              SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg,
                  "pagination.path $.data[-1].id: $.data[-1] absent (the "
                  "array has 0 elements); the response holds keys \"data\", "
                  "\"has_more\"");
    fx_cleanup(&f);
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"data\":[{\"id\":1}],\"has_more\":\"y\"}",
                      1),
              SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg,
                  "pagination.has_more $.has_more is a string, not true or "
                  "false");
    fx_cleanup(&f);
}

/* A cursor in a response header. */
static void test_cursor_header(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_CURSOR);
    c.header = "X-Next-Cursor";
    c.param = "cursor";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    const char *h[] = {"x-next-cursor:  abc== ", NULL};
    ASSERT_EQ(fx_page(&f, h, "[1]", 1), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&cursor=abc%3D%3D");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "[2]", 1), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "the cursor X-Next-Cursor is null, empty or "
                             "absent");
    fx_cleanup(&f);
}

/* ---- offset ----------------------------------------------------------- */

/* RIDB: offset/limit, METADATA.RESULTS.TOTAL_COUNT. */
static void test_offset_total(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_OFFSET);
    c.param = "offset";
    c.limit_param = "limit";
    c.limit = 2;
    c.total = "$.METADATA.RESULTS.TOTAL_COUNT";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE "&limit=2&offset=0");
    const char *p5 = "{\"RECDATA\":[1,2],\"METADATA\":{\"RESULTS\":"
                     "{\"CURRENT_COUNT\":2,\"TOTAL_COUNT\":5}}}";
    ASSERT_EQ(fx_page(&f, NULL, p5, 2), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=2&offset=2");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, p5, 2), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=2&offset=4");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, p5, 1), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "offset 5 reached the total, 5");
    fx_cleanup(&f);
}

/* The last page exactly `limit` long: the total ends it, with no request
 * for an empty page after it. */
static void test_offset_last_page_full(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_OFFSET);
    c.param = "offset";
    c.limit_param = "limit";
    c.limit = 2;
    c.total = "$.total";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":4,\"d\":[1,2]}", 2),
              SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":4,\"d\":[3,4]}", 2),
              SLUICE_PAGE_END);
    fx_cleanup(&f);

    /* without a total a full last page needs one more request, which
     * comes back empty */
    c.total = NULL;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "[1,2]", 2), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "[3,4]", 2), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=2&offset=4");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "[]", 0), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "an empty page");
    fx_cleanup(&f);

    /* and a short page ends it */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "[1]", 1), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "a page shorter than the limit (1 < 2)");
    fx_cleanup(&f);
}

/* Items deleted while we page: the total shrinks and ends it sooner. A
 * server that caps the page below `limit` still gets walked when the
 * total is known (the offset moves by what came). */
static void test_offset_total_shrinks_and_cap(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_OFFSET);
    c.param = "offset";
    c.limit_param = "limit";
    c.limit = 10;
    c.total = "$.total";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":100,\"d\":[]}", 10),
              SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":15,\"d\":[]}", 10),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "offset 20 reached the total, 15");
    fx_cleanup(&f);

    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":12,\"d\":[]}", 5),
              SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&limit=10&offset=5");
    fx_cleanup(&f);
}

static void test_offset_total_not_a_number(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_OFFSET);
    c.param = "offset";
    c.limit_param = "limit";
    c.limit = 2;
    c.total = "$.meta.total";
    const struct {
        const char *body;
        const char *why;
    } cases[] = {
        {"{\"meta\":{\"total\":\"5\"}}",
         "pagination.total $.meta.total is a string, not a number"},
        {"{\"meta\":{\"total\":1.5}}",
         "pagination.total $.meta.total is 1.5, not a whole number"},
        {"{\"meta\":{\"total\":-3}}",
         "pagination.total $.meta.total is -3, not a whole number"},
        {"{\"meta\":{}}", "pagination.total $.meta.total is absent, not a "
                          "number"},
        {"{\"data\":[]}", "pagination.total $.meta.total: $.meta absent; the "
                          "response holds key \"data\""},
    };
    FOR_CASES(i, cases)
    {
        struct fixture f;
        ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
        ASSERT_EQ(fx_page(&f, NULL, cases[i].body, 2), SLUICE_PAGE_ERROR);
        ASSERT_STR_EQ(f.why.msg, cases[i].why);
        fx_cleanup(&f);
    }
}

/* ---- page ------------------------------------------------------------- */

static void test_page_total_pages(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_PAGE);
    c.param = "page";
    c.total_pages = "$.meta.total_pages";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE "&page=1");
    const char *b = "{\"meta\":{\"total_pages\":3},\"d\":[1]}";
    ASSERT_EQ(fx_page(&f, NULL, b, 1), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&page=2");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, b, 1), SLUICE_PAGE_NEXT);
    ASSERT_STR_EQ(f.next.p, BASE "&page=3");
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, b, 1), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "page 3 of 3");
    fx_cleanup(&f);

    /* pages counted from 0 */
    c.start = 0;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE "&page=0");
    ASSERT_EQ(fx_page(&f, NULL, "{\"meta\":{\"total_pages\":2},\"d\":[1]}",
                      1),
              SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"meta\":{\"total_pages\":2},\"d\":[1]}",
                      1),
              SLUICE_PAGE_END);
    fx_cleanup(&f);

    /* an empty first page with total_pages 0 */
    c.start = 1;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"meta\":{\"total_pages\":0},\"d\":[]}", 0),
              SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "an empty page");
    fx_cleanup(&f);
}

static void test_max_pages(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_PAGE);
    c.param = "page";
    c.max_pages = 3;
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "[1]", 1), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "[1]", 1), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "[1]", 1), SLUICE_PAGE_ERROR);
    ASSERT_STR_EQ(f.why.msg, "more than 3 pages (pagination.max_pages): a "
                             "safety cap, raise it if the API really has "
                             "more");
    fx_cleanup(&f);

    /* exactly max_pages pages is fine */
    c.total_pages = "$.n";
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(fx_page(&f, NULL, "{\"n\":3}", 1), SLUICE_PAGE_NEXT);
        fx_advance(&f);
    }
    ASSERT_EQ(fx_page(&f, NULL, "{\"n\":3}", 1), SLUICE_PAGE_END);
    fx_cleanup(&f);
}

/* A new window starts over: page count, cursor, position. */
static void test_start_resets(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_CURSOR);
    c.path = "$.c";
    c.param = "c";
    struct fixture f;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"c\":\"x\"}", 1), SLUICE_PAGE_NEXT);
    sluice__buf_reset(&f.url);
    ASSERT_EQ(sluice__pager_start(f.p, BASE, &f.url), SLUICE_OK);
    ASSERT_STR_EQ(f.url.p, BASE);
    ASSERT_EQ(sluice__pager_pages(f.p), 0);
    /* the same cursor in a new window is no loop */
    ASSERT_EQ(fx_page(&f, NULL, "{\"c\":\"x\"}", 1), SLUICE_PAGE_NEXT);
    fx_cleanup(&f);
}

/* Parallel pages: what the first page makes predictable. */
/* page with an item total and a limit: ceil(items / limit) pages, the
 * degenerate cases (an exact multiple, 0 items, a short page before the
 * last, a short first page), and the prediction. */
static void test_page_item_total(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_PAGE);
    c.param = "page";
    c.limit_param = "per_page";
    c.limit = 10;
    c.total = "$.total";
    c.parallel = true;
    struct fixture f;
    struct sluice_buf u;
    sluice__buf_init(&u, 1 << 16);
    /* 25 items: 3 pages, the last of 5 */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":25}", 10), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 10), 2);
    ASSERT_EQ(sluice__pager_page_url(f.p, 3, &u), SLUICE_OK);
    ASSERT_STR_EQ(u.p, BASE "&per_page=10&page=3");
    ASSERT_EQ(sluice__pager_expect(f.p, 2, 3), 10);
    ASSERT_EQ(sluice__pager_expect(f.p, 3, 3), 5);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":25}", 10), SLUICE_PAGE_NEXT);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":25}", 5), SLUICE_PAGE_END);
    ASSERT_STR_EQ(f.why.msg, "page 3 of 3");
    fx_cleanup(&f);
    /* 20 items: exactly 2 full pages, no third request */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":20}", 10), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 10), 1);
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":20}", 10), SLUICE_PAGE_END);
    fx_cleanup(&f);
    /* 0 items: the first page ends it */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":0}", 0), SLUICE_PAGE_END);
    fx_cleanup(&f);
    /* a short first page (the API caps the size): not predicted, and
     * paging on would lose items: the window fails */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":25}", 4), SLUICE_PAGE_ERROR);
    ASSERT_EQ(sluice__pager_predict(f.p, 4), 0);
    ASSERT_STR_EQ(f.why.msg, "page 1 holds 4 records where the total (25 "
                             "items) and the limit predict 10: the API pages "
                             "otherwise (a smaller page size?)");
    fx_cleanup(&f);
    sluice__buf_cleanup(&u);
}

static void test_predict(void)
{
    struct sluice_pagination c = base_cfg(SLUICE_PAGES_OFFSET);
    c.param = "offset";
    c.limit_param = "limit";
    c.limit = 50;
    c.total = "$.total";
    c.parallel = true;
    struct fixture f;
    struct sluice_buf u;
    sluice__buf_init(&u, 1 << 16);
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":1001}", 50), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 50), 20); /* 21 pages in all */
    ASSERT_EQ(sluice__pager_page_url(f.p, 21, &u), SLUICE_OK);
    ASSERT_STR_EQ(u.p, BASE "&limit=50&offset=1000");
    ASSERT_EQ(sluice__pager_expect(f.p, 2, 21), 50);
    ASSERT_EQ(sluice__pager_expect(f.p, 21, 21), 1);
    fx_cleanup(&f);
    /* a short first page (a server capping the limit): not predictable */
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":1001}", 20), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 20), 0);
    fx_cleanup(&f);
    /* no total, parallel off, past max_pages: none */
    c.parallel = false;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":1001}", 50), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 50), 0);
    fx_cleanup(&f);
    c.parallel = true;
    c.max_pages = 20;
    ASSERT_EQ(fx_init(&f, &c), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"total\":1001}", 50), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 50), 0);
    fx_cleanup(&f);

    struct sluice_pagination pc = base_cfg(SLUICE_PAGES_PAGE);
    pc.param = "page";
    pc.total_pages = "$.n";
    pc.parallel = true;
    ASSERT_EQ(fx_init(&f, &pc), SLUICE_OK);
    ASSERT_EQ(fx_page(&f, NULL, "{\"n\":4}", 7), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 7), 3);
    sluice__buf_reset(&u);
    ASSERT_EQ(sluice__pager_page_url(f.p, 4, &u), SLUICE_OK);
    ASSERT_STR_EQ(u.p, BASE "&page=4");
    ASSERT_EQ(sluice__pager_expect(f.p, 4, 4), UINT64_MAX);
    /* only after the first page */
    fx_advance(&f);
    ASSERT_EQ(fx_page(&f, NULL, "{\"n\":4}", 7), SLUICE_PAGE_NEXT);
    ASSERT_EQ(sluice__pager_predict(f.p, 7), 0);
    fx_cleanup(&f);
    sluice__buf_cleanup(&u);
}

/* ---- pick ------------------------------------------------------------- */

static enum sluice_pick_kind pick(const char *path, const char *doc,
                                  struct sluice_buf *text,
                                  struct sluice_err *why)
{
    struct sluice_pick *p = NULL;
    struct sluice_err err = {{0}};
    if (sluice__pick_new(path, &p, &err) != SLUICE_OK)
        return (enum sluice_pick_kind)-1;
    struct sluice_json_reader *r =
        sluice__json_reader_new(NULL, sluice__pick_on_event, p);
    /* one byte at a time: the value may straddle any chunk */
    int rc = SLUICE_OK;
    for (size_t i = 0; doc[i] && rc == SLUICE_OK; i++)
        rc = sluice__json_reader_feed(r, doc + i, 1);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(r);
    const char *t;
    size_t n;
    enum sluice_pick_kind k = sluice__pick_result(p, &t, &n, why);
    sluice__buf_reset(text);
    if (sluice__buf_append(text, t, n) != SLUICE_OK)
        abort();
    sluice__json_reader_free(r);
    sluice__pick_free(p);
    return rc == SLUICE_OK ? k : (enum sluice_pick_kind)-1;
}

static void test_pick(void)
{
    struct sluice_buf t;
    struct sluice_err why;
    sluice__buf_init(&t, 1 << 20);
    ASSERT_EQ(pick("$.next", "{\"a\":[1],\"next\":\"u\\u0041\"}", &t, &why),
              SLUICE_PICK_STRING);
    ASSERT_STR_EQ(sluice__buf_str(&t), "uA");
    ASSERT_EQ(pick("$.n", "{\"n\":12345678901234}", &t, &why),
              SLUICE_PICK_NUMBER);
    ASSERT_STR_EQ(sluice__buf_str(&t), "12345678901234");
    ASSERT_EQ(pick("$.m", "{\"m\":false}", &t, &why), SLUICE_PICK_FALSE);
    ASSERT_EQ(pick("$.m", "{\"m\":null}", &t, &why), SLUICE_PICK_NULL);
    ASSERT_EQ(pick("$.m", "{\"m\":{\"x\":\"y\"}}", &t, &why),
              SLUICE_PICK_OBJECT);
    ASSERT_EQ(pick("$.m", "{\"x\":1}", &t, &why), SLUICE_PICK_ABSENT);
    ASSERT_EQ(pick("$.a.m", "{\"x\":1}", &t, &why), SLUICE_PICK_NO_PATH);
    ASSERT_STR_EQ(why.msg, "$.a absent; the response holds key \"x\"");
    ASSERT_EQ(pick("$.a.m", "{\"a\":null}", &t, &why), SLUICE_PICK_NO_PATH);
    ASSERT_EQ(pick("$.a.m", "{\"a\":[1]}", &t, &why), SLUICE_PICK_NO_PATH);
    ASSERT_EQ(pick("$.d[-1].id", "{\"d\":[{\"id\":\"a\"},{\"id\":\"b\"}]}",
                   &t, &why),
              SLUICE_PICK_STRING);
    ASSERT_STR_EQ(sluice__buf_str(&t), "b");
    ASSERT_EQ(pick("$.d[-1].id", "{\"d\":[{\"id\":\"a\"},{\"x\":1}]}", &t,
                   &why),
              SLUICE_PICK_ABSENT);
    /* the first of several matches */
    ASSERT_EQ(pick("$.d[*].id", "{\"d\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", &t,
                   &why),
              SLUICE_PICK_STRING);
    ASSERT_STR_EQ(sluice__buf_str(&t), "a");
    sluice__buf_cleanup(&t);
}

static const struct harness_test TESTS[] = {
    TEST(test_link_header_parser),
    TEST(test_link_header_pages),
    TEST(test_link_header_loop_and_host),
    TEST(test_next_url),
    TEST(test_cursor_body),
    TEST(test_cursor_repeated),
    TEST(test_cursor_has_more),
    TEST(test_cursor_header),
    TEST(test_offset_total),
    TEST(test_offset_last_page_full),
    TEST(test_offset_total_shrinks_and_cap),
    TEST(test_offset_total_not_a_number),
    TEST(test_page_total_pages),
    TEST(test_page_item_total),
    TEST(test_max_pages),
    TEST(test_start_resets),
    TEST(test_predict),
    TEST(test_pick),
};

HARNESS_MAIN(TESTS)
