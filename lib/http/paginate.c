/* paginate.c: the next request of a paginated window, or why it ends
 * (paginate.h). The values a page names are picked while it streams
 * (json/pick.h); the header lines that matter are kept as they pass; the
 * decision is made once, when the page has been read whole.
 *
 * Each stop condition is explicit, checked in this order: has_more false,
 * an empty page (stop_on_empty), then the type's own (no next link or URL;
 * a null, empty or absent cursor; offset reaching the total; the page
 * count reached; a page shorter than `limit`). Only then is max_pages
 * checked, so a window of exactly max_pages pages succeeds. */
#include "http/paginate.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/redirect.h"
#include "http/request.h"

#define URL_MAX (1u << 16)

struct sluice_pager {
    const struct sluice_pagination *cfg;
    struct sluice_pick *p_path, *p_more, *p_total;
    uint64_t pages;    /* read whole in this window */
    uint64_t position; /* offset or page number of the page requested */
    struct sluice_buf base;    /* the window's URL, params included */
    struct sluice_buf origin;  /* its origin */
    struct sluice_buf cursor;  /* the cursor sent with the current page */
    bool has_cursor;
    bool path_fit;     /* `path` fitted a page of this window */
    uint64_t page_records; /* of the page being judged */
    struct sluice_buf hval;    /* this response's Link next / cursor header */
    bool hseen;
    struct sluice_buf scratch;
    uint64_t total;    /* the last total or page count read */
    bool total_known;
    /* page with an item total (`total` + `limit`): the items it said; the
     * page count (`total`) is ceil(items / limit) */
    uint64_t items;
};

/* page pagination whose end is an item count, not a page count */
static bool page_items(const struct sluice_pagination *c)
{
    return c->type == SLUICE_PAGES_PAGE && !c->total_pages && c->total;
}

static int pick_opt(const char *path, struct sluice_pick **out,
                    struct sluice_err *err)
{
    *out = NULL;
    return path ? sluice__pick_new(path, out, err) : SLUICE_OK;
}

int sluice__pager_new(const struct sluice_pagination *cfg,
                      struct sluice_pager **out, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    if (cfg->type == SLUICE_PAGES_NONE)
        return SLUICE_OK;
    struct sluice_pager *p = sluice__calloc(1, sizeof *p);
    SLUICE_FAIL_IF(!p, SLUICE_ENOMEM, err, "out of memory");
    p->cfg = cfg;
    sluice__buf_init(&p->base, URL_MAX);
    sluice__buf_init(&p->origin, 4096);
    sluice__buf_init(&p->cursor, SLUICE_PICK_MAX + 1);
    sluice__buf_init(&p->hval, URL_MAX);
    sluice__buf_init(&p->scratch, URL_MAX);
    SLUICE_TRY(pick_opt(cfg->path, &p->p_path, err));
    SLUICE_TRY(pick_opt(cfg->has_more, &p->p_more, err));
    SLUICE_TRY(pick_opt(cfg->type == SLUICE_PAGES_PAGE && cfg->total_pages
                            ? cfg->total_pages
                                                        : cfg->total,
                        &p->p_total, err));
    *out = p;
    p = NULL;
out:
    sluice__pager_free(p);
    return rc;
}

void sluice__pager_free(struct sluice_pager *p)
{
    if (!p)
        return;
    sluice__pick_free(p->p_path);
    sluice__pick_free(p->p_more);
    sluice__pick_free(p->p_total);
    sluice__buf_cleanup(&p->base);
    sluice__buf_cleanup(&p->origin);
    sluice__buf_cleanup(&p->cursor);
    sluice__buf_cleanup(&p->hval);
    sluice__buf_cleanup(&p->scratch);
    sluice__free(p);
}

static int add_uint(struct sluice_buf *url, const char *name, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    return sluice__url_add_param(url, name, b);
}

/* base + the parameters of the request at `position` (offset, page) or
 * with `cursor` (NULL: the first), + limit. */
static int build(const struct sluice_pagination *cfg, const char *base,
                 uint64_t position, const char *cursor, struct sluice_buf *out)
{
    int rc = sluice__buf_adds(out, base);
    if (rc == SLUICE_OK && cfg->limit_param && cfg->limit)
        rc = add_uint(out, cfg->limit_param, cfg->limit);
    if (rc != SLUICE_OK)
        return rc;
    switch (cfg->type) {
    case SLUICE_PAGES_OFFSET:
    case SLUICE_PAGES_PAGE:
        return add_uint(out, cfg->param, position);
    case SLUICE_PAGES_CURSOR:
        return cursor ? sluice__url_add_param(out, cfg->param, cursor)
                      : SLUICE_OK;
    default:
        return SLUICE_OK;
    }
}

static uint64_t first_position(const struct sluice_pagination *cfg)
{
    return cfg->start;
}

int sluice__pagination_first_url(const struct sluice_pagination *cfg,
                                 const char *base, struct sluice_buf *out)
{
    return build(cfg, base, first_position(cfg), NULL, out);
}

int sluice__pager_start(struct sluice_pager *p, const char *base,
                        struct sluice_buf *out)
{
    p->pages = 0;
    p->position = first_position(p->cfg);
    p->has_cursor = false;
    p->path_fit = false;
    p->total_known = false;
    sluice__buf_reset(&p->cursor);
    sluice__buf_reset(&p->base);
    sluice__buf_reset(&p->origin);
    int rc = sluice__buf_adds(&p->base, base);
    if (rc == SLUICE_OK && sluice__url_origin(base, &p->origin) != SLUICE_OK)
        sluice__buf_reset(&p->origin); /* unknown: every host is another */
    if (rc == SLUICE_OK)
        rc = build(p->cfg, base, p->position, NULL, out);
    sluice__pager_page_begin(p);
    return rc;
}

void sluice__pager_page_begin(struct sluice_pager *p)
{
    if (p->p_path)
        sluice__pick_reset(p->p_path);
    if (p->p_more)
        sluice__pick_reset(p->p_more);
    if (p->p_total)
        sluice__pick_reset(p->p_total);
    sluice__buf_reset(&p->hval);
    p->hseen = false;
}

int sluice__pager_on_event(void *pager, enum sluice_json_event ev,
                           const char *s, size_t n)
{
    struct sluice_pager *p = pager;
    int rc = 0;
    if (p->p_path)
        rc = sluice__pick_on_event(p->p_path, ev, s, n);
    if (rc == 0 && p->p_more)
        rc = sluice__pick_on_event(p->p_more, ev, s, n);
    if (rc == 0 && p->p_total)
        rc = sluice__pick_on_event(p->p_total, ev, s, n);
    return rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* Does the rel value p/n (quotes removed) hold the token "next"? */
static bool rel_has_next(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(p[i]))
            i++;
        size_t b = i;
        while (i < n && !is_space(p[i]))
            i++;
        if (i - b == 4 && strncasecmp(p + b, "next", 4) == 0)
            return true;
    }
    return false;
}

bool sluice__link_next(const char *v, size_t n, const char **uri,
                       size_t *uri_n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (is_space(v[i]) || v[i] == ','))
            i++;
        if (i >= n || v[i] != '<')
            return false; /* not a link-value: give up on the header */
        size_t ub = ++i;
        while (i < n && v[i] != '>')
            i++;
        if (i >= n)
            return false;
        size_t ue = i++;
        bool next = false;
        /* parameters up to the ',' that ends this link-value */
        while (i < n && v[i] != ',') {
            while (i < n && (is_space(v[i]) || v[i] == ';'))
                i++;
            size_t nb = i;
            while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ',' &&
                   !is_space(v[i]))
                i++;
            size_t ne = i;
            while (i < n && is_space(v[i]))
                i++;
            const char *val = "";
            size_t vn = 0;
            if (i < n && v[i] == '=') {
                i++;
                while (i < n && is_space(v[i]))
                    i++;
                if (i < n && v[i] == '"') {
                    size_t vb = ++i;
                    while (i < n && v[i] != '"')
                        i++;
                    val = v + vb;
                    vn = i - vb;
                    if (i < n)
                        i++;
                } else {
                    size_t vb = i;
                    while (i < n && v[i] != ';' && v[i] != ',' &&
                           !is_space(v[i]))
                        i++;
                    val = v + vb;
                    vn = i - vb;
                }
            }
            if (ne - nb == 3 && strncasecmp(v + nb, "rel", 3) == 0 &&
                rel_has_next(val, vn))
                next = true;
            if (ne == nb && i < n && v[i] != ',' && v[i] != ';')
                i++; /* a stray byte: step over it */
        }
        if (next) {
            *uri = v + ub;
            *uri_n = ue - ub;
            return true;
        }
    }
    return false;
}

/* "Name:" at the start of a header line, any case. */
static bool header_is(const char *line, size_t n, const char *name,
                      const char **val, size_t *vn)
{
    size_t k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
        return false;
    size_t b = k + 1, e = n;
    while (b < e && is_space(line[b]))
        b++;
    while (e > b && (line[e - 1] == '\r' || line[e - 1] == '\n' ||
                     is_space(line[e - 1])))
        e--;
    *val = line + b;
    *vn = e - b;
    return true;
}

void sluice__pager_header(struct sluice_pager *p, const char *line, size_t n)
{
    const char *v, *u;
    size_t vn, un;
    /* A new header block (after a 1xx or a redirect's) starts over. */
    if (n >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        sluice__buf_reset(&p->hval);
        p->hseen = false;
        return;
    }
    if (p->hseen)
        return; /* the first wins */
    if (p->cfg->type == SLUICE_PAGES_LINK_HEADER &&
        header_is(line, n, "link", &v, &vn) &&
        sluice__link_next(v, vn, &u, &un)) {
        p->hseen = sluice__buf_append(&p->hval, u, un) == SLUICE_OK;
    } else if (p->cfg->type == SLUICE_PAGES_CURSOR && p->cfg->header &&
               header_is(line, n, p->cfg->header, &v, &vn)) {
        p->hseen = sluice__buf_append(&p->hval, v, vn) == SLUICE_OK;
    }
}

uint64_t sluice__pager_pages(const struct sluice_pager *p)
{
    return p->pages;
}

uint64_t sluice__pager_predict(const struct sluice_pager *p,
                               uint64_t first_records)
{
    const struct sluice_pagination *c = p->cfg;
    if (!c->parallel || p->pages != 1 || !p->total_known)
        return 0;
    /* an item total predicts the pages only if the first page held what
     * was asked (an API capping the page size lower would page otherwise) */
    if (page_items(c) && first_records != c->limit)
        return 0;
    if (c->type == SLUICE_PAGES_PAGE)
        return p->total > 1 && p->total <= c->max_pages ? p->total - 1 : 0;
    if (c->type != SLUICE_PAGES_OFFSET || first_records != c->limit ||
        p->total <= c->start + c->limit)
        return 0;
    /* ceil((total - start) / limit) pages in all, the first read */
    uint64_t items = p->total - c->start;
    uint64_t all = items / c->limit + (items % c->limit != 0);
    /* past the cap: serial pages reach it and fail, saying so */
    return all > c->max_pages ? 0 : all - 1;
}

int sluice__pager_page_url(const struct sluice_pager *p, uint64_t k,
                           struct sluice_buf *out)
{
    const struct sluice_pagination *c = p->cfg;
    uint64_t pos = c->type == SLUICE_PAGES_PAGE ? c->start + (k - 1)
                                                : c->start + (k - 1) * c->limit;
    return build(c, p->base.p, pos, NULL, out);
}

uint64_t sluice__pager_expect(const struct sluice_pager *p, uint64_t k,
                              uint64_t npages)
{
    const struct sluice_pagination *c = p->cfg;
    if (page_items(c)) /* pages of limit, the last what is left */
        return k < npages ? c->limit : p->items - (npages - 1) * c->limit;
    if (c->type != SLUICE_PAGES_OFFSET)
        return UINT64_MAX;
    if (k < npages)
        return c->limit;
    return p->total - c->start - (npages - 1) * c->limit;
}

/* ---- deciding ----------------------------------------------------------- */

static enum sluice_page_next end(struct sluice_err *why, const char *fmt, ...)
    SLUICE_PRINTF(2, 3);
static enum sluice_page_next end(struct sluice_err *why, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sluice__err_vset(why, fmt, ap);
    va_end(ap);
    return SLUICE_PAGE_END;
}

static enum sluice_page_next fail(struct sluice_err *why, const char *fmt,
                                  ...) SLUICE_PRINTF(2, 3);
static enum sluice_page_next fail(struct sluice_err *why, const char *fmt,
                                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    sluice__err_vset(why, fmt, ap);
    va_end(ap);
    return SLUICE_PAGE_ERROR;
}

/* A count in a JSON number: digits only. */
static bool parse_count(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* The total (offset) or page count (page), re-read on every page: a total
 * that shrinks mid-way ends sooner. */
static enum sluice_page_next read_total(struct sluice_pager *p, bool *known,
                                        uint64_t *total,
                                        struct sluice_err *why)
{
    *known = false;
    if (!p->p_total)
        return SLUICE_PAGE_NEXT;
    bool pages = p->cfg->type == SLUICE_PAGES_PAGE && !page_items(p->cfg);
    const char *field = pages ? "pagination.total_pages" : "pagination.total";
    const char *path = pages ? p->cfg->total_pages : p->cfg->total;
    const char *t;
    size_t tn;
    struct sluice_err w;
    enum sluice_pick_kind k = sluice__pick_result(p->p_total, &t, &tn, &w);
    if (k == SLUICE_PICK_NO_PATH)
        return fail(why, "%s %s: %s", field, path, w.msg);
    if (k != SLUICE_PICK_NUMBER)
        return fail(why, "%s %s is %s, not a number", field, path,
                    sluice__pick_kind_name(k));
    if (!parse_count(t, tn, total))
        return fail(why, "%s %s is %.40s, not a whole number", field, path, t);
    if (page_items(p->cfg)) { /* the load made sure limit > 0 */
        p->items = *total;
        *total = *total / p->cfg->limit + (*total % p->cfg->limit != 0);
    }
    *known = true;
    return SLUICE_PAGE_NEXT;
}

/* Resolves `ref` against the page's URL into `next` and checks its host. */
static enum sluice_page_next resolve(struct sluice_pager *p, const char *url,
                                     const char *ref, struct sluice_buf *next,
                                     struct sluice_err *why)
{
    CURLU *u = curl_url();
    char *full = NULL;
    enum sluice_page_next r = SLUICE_PAGE_NEXT;
    if (!u)
        return fail(why, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
        r = fail(why, "the next page's URL %.200s does not parse", ref);
        goto out;
    }
    sluice__buf_reset(&p->scratch);
    bool other = !p->origin.n ||
                 sluice__url_origin(full, &p->scratch) != SLUICE_OK ||
                 strcmp(p->scratch.p, p->origin.p) != 0;
    if (other && !p->cfg->allow_other_hosts) {
        r = fail(why,
                 "the next page's URL goes to another host, %.200s: not "
                 "followed (pagination.allow_other_hosts: true follows it)",
                 p->scratch.n ? p->scratch.p : full);
        goto out;
    }
    if (strcmp(full, url) == 0) {
        r = fail(why, "the API returned the same next URL twice (a loop)");
        goto out;
    }
    if (sluice__buf_adds(next, full) != SLUICE_OK)
        r = fail(why, "the next page's URL is too long");
out:
    curl_free(full);
    curl_url_cleanup(u);
    return r;
}

/* `path`'s value on this page. A path that does not fit the first page
 * is an error (a mistyped path would otherwise end every window after its
 * first page); once it has fitted a page, a later page without its
 * container is the last (HubSpot drops `paging` there), and so is a first
 * page shorter than `limit` (a window of one page: HubSpot has no
 * `paging` at all then). */
static enum sluice_page_next read_path(struct sluice_pager *p,
                                       enum sluice_pick_kind *k,
                                       const char **t, size_t *tn,
                                       struct sluice_err *why)
{
    struct sluice_err w;
    *k = sluice__pick_result(p->p_path, t, tn, &w);
    if (*k == SLUICE_PICK_NO_PATH &&
        (p->path_fit || (p->cfg->limit && p->page_records < p->cfg->limit)))
        *k = SLUICE_PICK_ABSENT;
    else if (*k == SLUICE_PICK_NO_PATH)
        return fail(why, "pagination.path %s: %s", p->cfg->path, w.msg);
    p->path_fit = true;
    return SLUICE_PAGE_NEXT;
}

/* The cursor for the next request into p->scratch; END when none. */
static enum sluice_page_next read_cursor(struct sluice_pager *p,
                                         bool more_said_true,
                                         struct sluice_err *why)
{
    const struct sluice_pagination *c = p->cfg;
    const char *where = c->header ? c->header : c->path;
    const char *t = "";
    size_t tn = 0;
    if (c->header) {
        if (p->hseen) {
            t = p->hval.p;
            tn = p->hval.n;
        }
    } else {
        enum sluice_pick_kind k;
        enum sluice_page_next r = read_path(p, &k, &t, &tn, why);
        if (r != SLUICE_PAGE_NEXT)
            return r;
        if (k == SLUICE_PICK_ABSENT || k == SLUICE_PICK_NULL)
            tn = 0;
        else if (k != SLUICE_PICK_STRING && k != SLUICE_PICK_NUMBER)
            return fail(why, "pagination.path %s is %s, not a string or a "
                             "number", c->path, sluice__pick_kind_name(k));
    }
    if (tn == 0) {
        if (more_said_true)
            return fail(why, "%s says there is more, but the cursor %s is "
                             "null, empty or absent",
                        c->has_more, where);
        return end(why, "the cursor %s is null, empty or absent", where);
    }
    if (p->has_cursor && p->cursor.n == tn && memcmp(p->cursor.p, t, tn) == 0)
        return fail(why, "the API returned the same cursor twice (%s): a "
                         "loop", where);
    sluice__buf_reset(&p->scratch);
    if (sluice__buf_append(&p->scratch, t, tn) != SLUICE_OK)
        return fail(why, "the cursor is too long");
    return SLUICE_PAGE_NEXT;
}

enum sluice_page_next sluice__pager_next(struct sluice_pager *p,
                                         const char *url, uint64_t records,
                                         struct sluice_buf *next,
                                         struct sluice_err *why)
{
    const struct sluice_pagination *c = p->cfg;
    enum sluice_page_next r;
    bool more_true = false;
    sluice__buf_reset(next);
    why->msg[0] = '\0';
    p->pages++;
    p->page_records = records;
    if (p->p_more) {
        struct sluice_err w;
        enum sluice_pick_kind k = sluice__pick_result(p->p_more, NULL, NULL,
                                                      &w);
        if (k == SLUICE_PICK_NO_PATH)
            return fail(why, "pagination.has_more %s: %s", c->has_more, w.msg);
        if (k == SLUICE_PICK_FALSE)
            return end(why, "%s is false", c->has_more);
        if (k != SLUICE_PICK_TRUE)
            return fail(why, "pagination.has_more %s is %s, not true or false",
                        c->has_more, sluice__pick_kind_name(k));
        more_true = true;
    }
    if (records == 0 && c->stop_on_empty)
        return end(why, "an empty page");

    bool known = false;
    uint64_t total = 0;
    p->total_known = false;
    switch (c->type) {
    case SLUICE_PAGES_LINK_HEADER:
        if (!p->hseen)
            return end(why, "no Link rel=\"next\"");
        r = resolve(p, url, p->hval.p, next, why);
        break;
    case SLUICE_PAGES_NEXT_URL: {
        const char *t;
        size_t tn;
        enum sluice_pick_kind k;
        r = read_path(p, &k, &t, &tn, why);
        if (r != SLUICE_PAGE_NEXT)
            return r;
        if (k == SLUICE_PICK_ABSENT || k == SLUICE_PICK_NULL ||
            (k == SLUICE_PICK_STRING && tn == 0))
            return end(why, "%s is null, empty or absent", c->path);
        if (k != SLUICE_PICK_STRING)
            return fail(why, "pagination.path %s is %s, not a URL", c->path,
                        sluice__pick_kind_name(k));
        if (memchr(t, '\0', tn))
            return fail(why, "pagination.path %s holds a NUL byte", c->path);
        r = resolve(p, url, t, next, why);
        break;
    }
    case SLUICE_PAGES_CURSOR:
        r = read_cursor(p, more_true, why);
        if (r != SLUICE_PAGE_NEXT)
            return r;
        sluice__buf_reset(&p->cursor);
        if (sluice__buf_append(&p->cursor, p->scratch.p, p->scratch.n) !=
                SLUICE_OK ||
            build(c, p->base.p, 0, p->cursor.p, next) != SLUICE_OK)
            return fail(why, "the next request's URL is too long");
        p->has_cursor = true;
        break;
    case SLUICE_PAGES_OFFSET: {
        r = read_total(p, &known, &total, why);
        if (r != SLUICE_PAGE_NEXT)
            return r;
        p->total_known = known;
        p->total = total;
        /* The offset moves by what came, not by `limit`: an API that caps
         * the page size lower than asked still gets every item. */
        uint64_t at = p->position + records;
        if (known && at >= total)
            return end(why, "offset %llu reached the total, %llu",
                       (unsigned long long)at, (unsigned long long)total);
        if (records == 0)
            return end(why, "an empty page (the offset cannot move)");
        if (!known && c->limit && records < c->limit)
            return end(why, "a page shorter than the limit (%llu < %llu)",
                       (unsigned long long)records,
                       (unsigned long long)c->limit);
        p->position = at;
        if (build(c, p->base.p, p->position, NULL, next) != SLUICE_OK)
            return fail(why, "the next request's URL is too long");
        r = SLUICE_PAGE_NEXT;
        break;
    }
    case SLUICE_PAGES_PAGE: {
        r = read_total(p, &known, &total, why);
        if (r != SLUICE_PAGE_NEXT)
            return r;
        p->total_known = known;
        p->total = total;
        uint64_t read = p->position - c->start + 1;
        if (known && read >= total)
            return end(why, "page %llu of %llu", (unsigned long long)read,
                       (unsigned long long)total);
        /* An item total turned into pages holds only if every page but
         * the last is full: a shorter one would lose the rest. */
        if (known && page_items(c) && records != c->limit)
            return fail(why,
                        "page %llu holds %llu records where the total (%llu "
                        "items) and the limit predict %llu: the API pages "
                        "otherwise (a smaller page size?)",
                        (unsigned long long)read, (unsigned long long)records,
                        (unsigned long long)p->items,
                        (unsigned long long)c->limit);
        if (!known && c->limit && records < c->limit)
            return end(why, "a page shorter than the limit (%llu < %llu)",
                       (unsigned long long)records,
                       (unsigned long long)c->limit);
        if (records == 0 && !known)
            return end(why, "an empty page");
        p->position++;
        if (build(c, p->base.p, p->position, NULL, next) != SLUICE_OK)
            return fail(why, "the next request's URL is too long");
        r = SLUICE_PAGE_NEXT;
        break;
    }
    default:
        return end(why, "one page");
    }
    if (r == SLUICE_PAGE_NEXT && p->pages >= c->max_pages)
        return fail(why,
                    "more than %llu pages (pagination.max_pages): a safety "
                    "cap, raise it if the API really has more",
                    (unsigned long long)c->max_pages);
    return r;
}
