/* rate_headers.c: picks the rate-limit fields out of raw response header
 * lines (see rate_headers.h). Everything here is a bounded scan over the
 * bytes curl hands us: no allocation, no copies beyond a policy name, and
 * a value that does not parse leaves the field absent rather than guessed.
 *
 * The structured headers of the newer IETF drafts are RFC 8941 lists; we
 * parse the subset they use (string or token or integer items, parameters
 * with integer, decimal, string, token, byte-sequence or boolean values)
 * and skip a malformed item up to the next comma, so one bad item cannot
 * hide the good ones. */
#include "http/rate_headers.h"

#include <math.h>
#include <string.h>

#include "util/date.h"

struct scan {
    const char *p;
    size_t n, i;
};

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool ci_eq(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != lower(lit[i]))
            return false;
    return true;
}

static void trim(const char **p, size_t *n)
{
    while (*n && (is_ows(**p)))
        (*p)++, (*n)--;
    while (*n && (is_ows((*p)[*n - 1]) || (*p)[*n - 1] == '\r' ||
                  (*p)[*n - 1] == '\n'))
        (*n)--;
}

static void skip_ows(struct scan *s)
{
    while (s->i < s->n && is_ows(s->p[s->i]))
        s->i++;
}

/* An unsigned decimal ("12", "0.5"), clamped to `max`. Digits beyond the
 * 18th no longer change a double's value meaningfully, so we stop adding
 * them but keep scaling, which is what makes huge numbers clamp instead of
 * overflow. */
static bool scan_number(struct scan *s, double max, double *out)
{
    size_t start = s->i;
    double v = 0;
    while (s->i < s->n && is_digit(s->p[s->i])) {
        v = v * 10 + (s->p[s->i] - '0');
        if (v > max)
            v = max * 10; /* stays above max however many digits follow */
        s->i++;
    }
    if (s->i == start)
        return false;
    if (s->i < s->n && s->p[s->i] == '.') {
        size_t f = ++s->i;
        double scale = 0.1;
        while (s->i < s->n && is_digit(s->p[s->i])) {
            v += (s->p[s->i] - '0') * scale;
            scale /= 10;
            s->i++;
        }
        if (s->i == f)
            return false;
    }
    *out = v > max ? max : v;
    return true;
}

/* The whole field must be one number. */
static bool parse_number(const char *p, size_t n, double max, double *out)
{
    trim(&p, &n);
    struct scan s = {p, n, 0};
    double v;
    if (!scan_number(&s, max, &v) || s.i != n)
        return false;
    *out = v;
    return true;
}

/* ---- RFC 8941 list subset ------------------------------------------------ */

static bool is_tchar(char c)
{
    return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~:/", c));
}

/* A string or token into `name` (truncated); false if malformed. */
static bool scan_name(struct scan *s, char *name)
{
    size_t k = 0;
    if (s->p[s->i] == '"') {
        s->i++;
        while (s->i < s->n && s->p[s->i] != '"') {
            if (s->p[s->i] == '\\') {
                if (++s->i == s->n)
                    return false;
            }
            if (name && k + 1 < SLUICE_RATE_NAME_MAX)
                name[k++] = s->p[s->i];
            s->i++;
        }
        if (s->i == s->n)
            return false;
        s->i++;
    } else {
        while (s->i < s->n && is_tchar(s->p[s->i])) {
            if (name && k + 1 < SLUICE_RATE_NAME_MAX)
                name[k++] = s->p[s->i];
            s->i++;
        }
    }
    if (name)
        name[k] = '\0';
    return true;
}

/* A bare item: a number goes to *num, a string or token to `name`. */
static bool scan_bare(struct scan *s, char *name, double *num)
{
    if (s->i >= s->n)
        return false;
    char c = s->p[s->i];
    if (is_digit(c))
        return scan_number(s, SLUICE_RATE_NUM_MAX, num);
    if (c == '-') { /* a negative number means nothing to us: skip it */
        double ignored;
        s->i++;
        return scan_number(s, SLUICE_RATE_NUM_MAX, &ignored);
    }
    if (c == '"' || is_alpha(c) || c == '*')
        return scan_name(s, name);
    if (c == ':') { /* byte sequence */
        const char *end = memchr(s->p + s->i + 1, ':', s->n - s->i - 1);
        if (!end)
            return false;
        s->i = (size_t)(end - s->p) + 1;
        return true;
    }
    if (c == '?' && s->i + 1 < s->n &&
        (s->p[s->i + 1] == '0' || s->p[s->i + 1] == '1')) {
        s->i += 2;
        return true;
    }
    return false;
}

static double *param_slot(struct sluice_rate_item *it, const char *k, size_t n)
{
    if (n != 1)
        return NULL;
    switch (k[0]) {
    case 'q':
        return &it->q;
    case 'w':
        return &it->w;
    case 'r':
        return &it->r;
    case 't':
        return &it->t;
    default:
        return NULL;
    }
}

static bool scan_item(struct scan *s, struct sluice_rate_item *it)
{
    memset(it, 0, sizeof *it);
    it->num = it->q = it->w = it->r = it->t = -1;
    if (!scan_bare(s, it->name, &it->num))
        return false;
    for (;;) {
        skip_ows(s);
        if (s->i >= s->n || s->p[s->i] != ';')
            return true;
        s->i++;
        skip_ows(s);
        size_t k = s->i;
        while (s->i < s->n && (is_alpha(s->p[s->i]) || is_digit(s->p[s->i]) ||
                               (s->p[s->i] && strchr("_-.*", s->p[s->i]))))
            s->i++;
        if (s->i == k)
            return false;
        double *slot = param_slot(it, s->p + k, s->i - k);
        if (s->i < s->n && s->p[s->i] == '=') {
            s->i++;
            double v = -1;
            if (!scan_bare(s, NULL, &v))
                return false;
            if (slot)
                *slot = v;
        }
    }
}

/* Skips to just past the next comma outside a string. */
static void skip_item(struct scan *s)
{
    bool quoted = false;
    for (; s->i < s->n; s->i++) {
        char c = s->p[s->i];
        if (quoted && c == '\\')
            s->i++;
        else if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            return;
    }
}

/* Appends the list's well-formed items to items[*count] (up to the max). */
static void parse_list(const char *p, size_t n, struct sluice_rate_item *items,
                       size_t *count)
{
    struct scan s = {p, n, 0};
    while (s.i < s.n) {
        skip_ows(&s);
        struct sluice_rate_item it;
        bool ok = scan_item(&s, &it);
        skip_ows(&s);
        if (ok && s.i < s.n && s.p[s.i] != ',')
            ok = false;
        if (!ok)
            skip_item(&s);
        if (ok && *count < SLUICE_RATE_ITEMS)
            items[(*count)++] = it;
        if (s.i < s.n)
            s.i++; /* the comma */
    }
}

/* "10" or "10, 10;w=1, 50;w=60": the first number is the limit; a window
 * is the w of the item restating that number. */
static void parse_limit(const char *p, size_t n, double *limit, double *window)
{
    struct sluice_rate_item items[SLUICE_RATE_ITEMS];
    size_t k = 0;
    parse_list(p, n, items, &k);
    if (k == 0 || items[0].num < 0)
        return;
    double w = -1;
    for (size_t i = 0; i < k; i++)
        if (items[i].num == items[0].num && items[i].w >= 0) {
            w = items[i].w;
            break;
        }
    if (*limit < 0 || items[0].num < *limit) {
        *limit = items[0].num;
        *window = w;
    }
}

static void keep_min(double *slot, double v)
{
    if (*slot < 0 || v < *slot)
        *slot = v;
}

static void keep_max(double *slot, double v)
{
    if (v > *slot)
        *slot = v;
}

static void num_min(const char *p, size_t n, double *slot)
{
    double v;
    if (parse_number(p, n, SLUICE_RATE_NUM_MAX, &v))
        keep_min(slot, v);
}

/* Resets may be epoch milliseconds: allow the larger clamp. */
static void num_max(const char *p, size_t n, double *slot)
{
    double v;
    if (parse_number(p, n, 1e15, &v))
        keep_max(slot, v);
}

void sluice__rate_headers_reset(struct sluice_rate_headers *h)
{
    memset(h, 0, sizeof *h);
    h->x_limit = h->x_window = h->x_remaining = h->x_reset = -1;
    h->o_limit = h->o_window = h->o_remaining = h->o_reset = -1;
    h->retry_after = -1;
}

void sluice__rate_headers_feed(struct sluice_rate_headers *h, const char *line,
                               size_t n)
{
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        sluice__rate_headers_reset(h); /* a new response begins */
        return;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon)
        return;
    const char *name = line;
    size_t nn = (size_t)(colon - line);
    const char *v = colon + 1;
    size_t vn = n - nn - 1;
    trim(&name, &nn);
    trim(&v, &vn);

    if (ci_eq(name, nn, "X-RateLimit-Limit"))
        parse_limit(v, vn, &h->x_limit, &h->x_window);
    else if (ci_eq(name, nn, "X-RateLimit-Remaining"))
        num_min(v, vn, &h->x_remaining);
    else if (ci_eq(name, nn, "X-RateLimit-Reset"))
        num_max(v, vn, &h->x_reset);
    else if (ci_eq(name, nn, "RateLimit-Limit"))
        parse_limit(v, vn, &h->o_limit, &h->o_window);
    else if (ci_eq(name, nn, "RateLimit-Remaining"))
        num_min(v, vn, &h->o_remaining);
    else if (ci_eq(name, nn, "RateLimit-Reset"))
        num_max(v, vn, &h->o_reset);
    else if (ci_eq(name, nn, "RateLimit"))
        parse_list(v, vn, h->rl, &h->n_rl);
    else if (ci_eq(name, nn, "RateLimit-Policy"))
        parse_list(v, vn, h->pol, &h->n_pol);
    else if (ci_eq(name, nn, "Retry-After")) {
        double secs;
        if (parse_number(v, vn, SLUICE_RATE_SECS_MAX, &secs))
            keep_max(&h->retry_after, secs);
        else if (vn < sizeof h->retry_date) {
            memcpy(h->retry_date, v, vn);
            h->retry_date[vn] = '\0';
        }
    }
}

double sluice__rate_headers_retry_after(const struct sluice_rate_headers *h,
                                        double wall_now)
{
    double wait = h->retry_after;
    int64_t t;
    if (h->retry_date[0] &&
        sluice__http_date_parse(h->retry_date, strlen(h->retry_date), wall_now,
                                &t)) {
        double d = (double)t - wall_now;
        if (d < 0)
            d = 0;
        if (d > SLUICE_RATE_SECS_MAX)
            d = SLUICE_RATE_SECS_MAX;
        keep_max(&wait, d);
    }
    return wait;
}

/* Delta-seconds, epoch seconds or epoch milliseconds, as a delta. */
static double reset_delta(double v, double wall_now)
{
    if (v < 0)
        return -1;
    if (v >= 1e12)
        v = v / 1000 - wall_now;
    else if (v >= 1e9)
        v = v - wall_now;
    if (v < 0)
        v = 0;
    return v > SLUICE_RATE_SECS_MAX ? SLUICE_RATE_SECS_MAX : v;
}

static const struct sluice_rate_item *
find_policy(const struct sluice_rate_headers *h, const char *name)
{
    for (size_t i = 0; i < h->n_pol; i++)
        if (h->pol[i].q >= 0 && strcmp(h->pol[i].name, name) == 0)
            return &h->pol[i];
    return NULL;
}

size_t sluice__rate_headers_quotas(const struct sluice_rate_headers *h,
                                   double wall_now,
                                   struct sluice_rate_quota *out)
{
    size_t k = 0;
    /* Newer drafts: RateLimit items, joined to their policies by name. */
    for (size_t i = 0; i < h->n_rl; i++) {
        const struct sluice_rate_item *it = &h->rl[i];
        const struct sluice_rate_item *pol = find_policy(h, it->name);
        struct sluice_rate_quota *q = &out[k++];
        q->family = SLUICE_RATE_FAMILY_IETF;
        memcpy(q->name, it->name, sizeof q->name);
        q->limit = pol ? pol->q : -1;
        q->window = pol ? pol->w : -1;
        q->remaining = it->r;
        q->reset = it->t >= 0 ? reset_delta(it->t, wall_now) : -1;
    }
    /* Policies no RateLimit item spoke of still teach a limit. */
    for (size_t i = 0; i < h->n_pol && k < SLUICE_RATE_ITEMS; i++) {
        const struct sluice_rate_item *pol = &h->pol[i];
        bool seen = false;
        for (size_t j = 0; j < h->n_rl; j++)
            seen = seen || strcmp(h->rl[j].name, pol->name) == 0;
        if (pol->q < 0 || seen)
            continue;
        struct sluice_rate_quota *q = &out[k++];
        q->family = SLUICE_RATE_FAMILY_IETF;
        memcpy(q->name, pol->name, sizeof q->name);
        q->limit = pol->q;
        q->window = pol->w;
        q->remaining = q->reset = -1;
    }
    /* Older drafts; their RateLimit-Policy items were "10;w=1". */
    if (h->o_limit >= 0 || h->o_remaining >= 0 || h->o_reset >= 0) {
        struct sluice_rate_quota *q = &out[k++];
        q->family = SLUICE_RATE_FAMILY_IETF_OLD;
        q->name[0] = '\0';
        q->limit = h->o_limit;
        q->window = h->o_window;
        for (size_t i = 0; q->window < 0 && i < h->n_pol; i++)
            if (h->pol[i].num >= 0 &&
                (h->pol[i].num == h->o_limit || h->n_pol == 1))
                q->window = h->pol[i].w;
        q->remaining = h->o_remaining;
        q->reset = reset_delta(h->o_reset, wall_now);
    }
    if (h->x_limit >= 0 || h->x_remaining >= 0 || h->x_reset >= 0) {
        struct sluice_rate_quota *q = &out[k++];
        q->family = SLUICE_RATE_FAMILY_X;
        q->name[0] = '\0';
        q->limit = h->x_limit;
        q->window = h->x_window;
        q->remaining = h->x_remaining;
        q->reset = reset_delta(h->x_reset, wall_now);
    }
    return k;
}

/* ---- HTTP-date ----------------------------------------------------------- */

static const char *const MONTHS[12] = {"Jan", "Feb", "Mar", "Apr",
                                       "May", "Jun", "Jul", "Aug",
                                       "Sep", "Oct", "Nov", "Dec"};
static const char *const DAYS[7] = {"Mon", "Tue", "Wed", "Thu",
                                    "Fri", "Sat", "Sun"};
static const char *const LONG_DAYS[7] = {"Monday",   "Tuesday", "Wednesday",
                                         "Thursday", "Friday",  "Saturday",
                                         "Sunday"};

static bool lit(struct scan *s, char c)
{
    if (s->i < s->n && s->p[s->i] == c) {
        s->i++;
        return true;
    }
    return false;
}

/* Exactly `k` digits. */
static bool digits(struct scan *s, int k, int *out)
{
    int v = 0;
    for (int j = 0; j < k; j++, s->i++) {
        if (s->i >= s->n || !is_digit(s->p[s->i]))
            return false;
        v = v * 10 + (s->p[s->i] - '0');
    }
    *out = v;
    return true;
}

static bool month(struct scan *s, int *m)
{
    if (s->n - s->i < 3)
        return false;
    for (int j = 0; j < 12; j++)
        if (ci_eq(s->p + s->i, 3, MONTHS[j])) {
            *m = j + 1;
            s->i += 3;
            return true;
        }
    return false;
}

static bool day_name(const char *p, size_t n, bool long_form)
{
    for (int j = 0; j < 7; j++)
        if (ci_eq(p, n, long_form ? LONG_DAYS[j] : DAYS[j]))
            return true;
    return false;
}

static bool clock_time(struct scan *s, int *hh, int *mm, int *ss)
{
    return digits(s, 2, hh) && lit(s, ':') && digits(s, 2, mm) && lit(s, ':') &&
           digits(s, 2, ss) && *hh < 24 && *mm < 60 &&
           *ss < 61; /* a leap second is representable, as RFC 9110 says */
}

static bool gmt(struct scan *s)
{
    if (!lit(s, ' ') || s->n - s->i < 3 || memcmp(s->p + s->i, "GMT", 3))
        return false;
    s->i += 3;
    return true;
}

bool sluice__http_date_parse(const char *p, size_t n, double wall_now,
                             int64_t *out)
{
    trim(&p, &n);
    struct scan s = {p, n, 0};
    int y = 0, mo = 0, d = 0, hh = 0, mm = 0, ss = 0;
    while (s.i < s.n && is_alpha(s.p[s.i]))
        s.i++;
    size_t name_n = s.i;
    if (lit(&s, ',')) {
        if (!lit(&s, ' ') || !digits(&s, 2, &d))
            return false;
        if (lit(&s, ' ')) { /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
            if (!day_name(p, name_n, false) || !month(&s, &mo) ||
                !lit(&s, ' ') || !digits(&s, 4, &y) || !lit(&s, ' ') ||
                !clock_time(&s, &hh, &mm, &ss) || !gmt(&s))
                return false;
        } else { /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
            if (!day_name(p, name_n, true) || !lit(&s, '-') ||
                !month(&s, &mo) || !lit(&s, '-') || !digits(&s, 2, &y) ||
                !lit(&s, ' ') || !clock_time(&s, &hh, &mm, &ss) || !gmt(&s))
                return false;
            int64_t now_y;
            int now_m, now_d;
            sluice__civil_from_days(
                sluice__floor_div((int64_t)floor(wall_now), SLUICE_DAY_SECS),
                &now_y, &now_m, &now_d);
            int64_t cand = now_y - now_y % 100 + y;
            if (cand > now_y + 50)
                cand -= 100;
            y = (int)cand;
        }
    } else { /* asctime: Sun Nov  6 08:49:37 1994 */
        if (!day_name(p, name_n, false) || !lit(&s, ' ') || !month(&s, &mo) ||
            !lit(&s, ' '))
            return false;
        if (lit(&s, ' ')) {
            if (!digits(&s, 1, &d))
                return false;
        } else if (!digits(&s, 2, &d)) {
            return false;
        }
        if (!lit(&s, ' ') || !clock_time(&s, &hh, &mm, &ss) || !lit(&s, ' ') ||
            !digits(&s, 4, &y))
            return false;
    }
    if (s.i != s.n || d < 1 || d > sluice__month_days(y, mo))
        return false;
    *out = sluice__days_from_civil(y, mo, d) * SLUICE_DAY_SECS +
           hh * INT64_C(3600) + mm * INT64_C(60) + ss;
    return true;
}
