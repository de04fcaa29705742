/* outpath.c: an output template's folder, the "stays inside" rule, lexical
 * normalisation and the "two windows, one file" check. See outpath.h.
 *
 * The check is exact in both of its ways. The analysis proves distinct
 * paths when three things hold:
 *   1. below the folder, no component is a literal "", "." or ".." (every
 *      other component holds a conversion's digits, so normalising leaves
 *      the rendered text as it is: equal paths are equal texts);
 *   2. the text parses back into its pieces: every conversion has a fixed
 *      width, or is a run of digits (%-d, %s, {index}) followed by a literal
 *      that is not a digit, or ends the path; locale-dependent conversions
 *      (%a %b %c %p %x ...) are not analysed;
 *   3. one placeholder is one-to-one over the plan's windows: {index}, or a
 *      date format naming the full year and every field down to a unit no
 *      longer than the step (%Y-%m for steps of 31 days or more, %Y%m%d for
 *      steps of a day or more, %s always). Starts of windows are a step
 *      apart; so are ends, but for the last window, clipped by the range's
 *      end, whose path is compared with the one before it.
 * Then equal paths would mean equal pieces, so equal placeholders, so the
 * same window. Otherwise every path is rendered, normalised and put in a
 * hash set (64-bit hashes; an equal hash is confirmed by rendering both),
 * for plans of at most a bound of windows. */
#include "plan/outpath.h"

#include <stdio.h>
#include <string.h>

#include "util/date.h"

/* ---- folder, inside, normal ------------------------------------------------ */

#define STOP_WALK 1000 /* a visitor's "enough": not an error code */

struct prefix {
    struct sluice_buf *buf;
    int rc;
};

static int prefix_part(void *ud, const struct sluice_tpl_part *p)
{
    struct prefix *x = ud;
    if (!p->literal)
        return STOP_WALK;
    x->rc = sluice__buf_append(x->buf, p->text, p->n);
    return x->rc == SLUICE_OK ? SLUICE_OK : STOP_WALK;
}

int sluice__outpath_folder(const char *tpl, struct sluice_buf *out,
                           struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf pre;
    sluice__buf_init(&pre, 1 << 16);
    struct prefix x = {&pre, SLUICE_OK};
    rc = sluice__template_visit(tpl, prefix_part, &x, err);
    if (rc == STOP_WALK)
        rc = SLUICE_OK;
    SLUICE_TRY(rc);
    SLUICE_FAIL_IF(x.rc != SLUICE_OK, x.rc, err, "%s",
                   x.rc == SLUICE_ENOMEM ? "out of memory"
                                         : "output path too long");
    const char *p = sluice__buf_str(&pre);
    const char *slash = strrchr(p, '/');
    if (!slash)
        rc = sluice__buf_addc(out, '.');
    else if (slash == p)
        rc = sluice__buf_addc(out, '/');
    else
        rc = sluice__buf_append(out, p, (size_t)(slash - p));
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "%s",
                   rc == SLUICE_ENOMEM ? "out of memory"
                                       : "output path too long");
out:
    sluice__buf_cleanup(&pre);
    return rc;
}

bool sluice__outpath_inside(const char *folder, const char *path)
{
    size_t fn = strlen(folder);
    const char *r;
    if (strcmp(folder, "/") == 0 && path[0] == '/')
        r = path + 1;
    else if (strncmp(path, folder, fn) == 0 && path[fn] == '/')
        r = path + fn + 1;
    else if (strcmp(folder, ".") == 0 && path[0] != '/')
        r = path; /* no '/' in the fixed prefix: relative to "." */
    else
        return false; /* absolute, or not below the folder at all */
    size_t depth = 0;
    bool named = false; /* the last component names something */
    while (*r) {
        size_t n = strcspn(r, "/");
        if (n == 2 && r[0] == '.' && r[1] == '.') {
            if (depth == 0)
                return false; /* climbs out */
            depth--;
            named = false;
        } else if (n == 0 || (n == 1 && r[0] == '.')) {
            named = false;
        } else {
            depth++;
            named = true;
        }
        r += n + (r[n] == '/');
    }
    return depth > 0 && named;
}

int sluice__outpath_normal(const char *path, struct sluice_buf *out)
{
    int rc = SLUICE_OK;
    size_t root = out->n; /* where this path starts in out */
    bool abs = path[0] == '/';
    if (abs)
        SLUICE_TRY(sluice__buf_addc(out, '/'));
    size_t base = out->n; /* components start here */
    const char *r = path;
    while (*r) {
        size_t n = strcspn(r, "/");
        bool dotdot = n == 2 && r[0] == '.' && r[1] == '.';
        if (n == 0 || (n == 1 && r[0] == '.')) {
            /* nothing */
        } else if (dotdot && out->n > base) {
            /* Remove the last component, unless it is a leading "..". */
            size_t k = out->n;
            while (k > base && out->p[k - 1] != '/')
                k--;
            bool last_dotdot =
                out->n - k == 2 && out->p[k] == '.' && out->p[k + 1] == '.';
            if (last_dotdot) {
                SLUICE_TRY(sluice__buf_adds(out, "/.."));
            } else {
                out->n = k > base ? k - 1 : base;
                out->p[out->n] = '\0';
            }
        } else if (dotdot && abs) {
            /* ".." at the root is the root */
        } else {
            if (out->n > base)
                SLUICE_TRY(sluice__buf_addc(out, '/'));
            SLUICE_TRY(sluice__buf_append(out, r, n));
        }
        r += n + (r[n] == '/');
    }
    if (out->n == root)
        SLUICE_TRY(sluice__buf_addc(out, '.'));
out:
    return rc;
}

/* ---- the analysis ----------------------------------------------------------- */

enum cover {
    C_YEAR = 1 << 0,
    C_CENT = 1 << 1,
    C_YY = 1 << 2,
    C_MON = 1 << 3,
    C_MDAY = 1 << 4,
    C_YDAY = 1 << 5,
    C_HOUR = 1 << 6,
    C_MIN = 1 << 7,
    C_SEC = 1 << 8,
    C_EPOCH = 1 << 9
};

/* The finest unit a format pins a date down to; NONE when it does not
 * name the whole year (or the epoch). */
enum unit { U_NONE, U_YEAR, U_MONTH, U_DAY, U_HOUR, U_MIN, U_SEC };

#define W_VAR 0      /* a run of digits of varying width (maybe a '-') */
#define W_UNKNOWN -1 /* not analysed: locale text, flags on composites */

static const struct conv {
    char c;
    int width;
    unsigned cover;
    bool numeric; /* one number: the '-' flag makes its width vary */
} CONVS[] = {
    {'Y', 4, C_YEAR, true},   {'C', 2, C_CENT, true},
    {'y', 2, C_YY, true},     {'G', 4, 0, true},
    {'g', 2, 0, true},        {'m', 2, C_MON, true},
    {'d', 2, C_MDAY, true},   {'e', 2, C_MDAY, true},
    {'j', 3, C_YDAY, true},   {'H', 2, C_HOUR, true},
    {'I', 2, 0, true},        {'M', 2, C_MIN, true},
    {'S', 2, C_SEC, true},    {'u', 1, 0, true},
    {'w', 1, 0, true},        {'U', 2, 0, true},
    {'W', 2, 0, true},        {'V', 2, 0, true},
    {'s', W_VAR, C_EPOCH, true},
    {'F', 10, C_YEAR | C_MON | C_MDAY, false},
    {'T', 8, C_HOUR | C_MIN | C_SEC, false},
    {'R', 5, C_HOUR | C_MIN, false},
    {'D', 8, C_MON | C_MDAY | C_YY, false},
};

enum item_kind { I_LIT, I_FIX, I_VAR, I_UNKNOWN };

/* What the analysis keeps of the template, piece by piece. */
struct shape {
    const struct sluice_window_spec *spec;
    bool year5;      /* end_excl of the last window is in year 10000 */
    /* the stream: its last item, for the "a digit run ends at a non-digit"
     * rule, and whether a digit run waits for its end */
    bool parseable;  /* rule 2 so far */
    bool var_open;   /* the last item is a digit run */
    /* components below the folder (rule 1) */
    bool seen_field; /* a placeholder was seen (the folder is behind) */
    bool comp_literal; /* the current component is literal so far */
    char comp[3];    /* its first bytes, to tell "", "." and ".." */
    size_t comp_n;
    bool normal;     /* rule 1 so far */
    /* rule 3 */
    bool start_ok, end_ok; /* a one-to-one {start}/{index}, {end}/{end_excl} */
};

static void shape_item(struct shape *s, enum item_kind k, char lit)
{
    if (k == I_UNKNOWN) {
        s->parseable = false;
        return;
    }
    if (s->var_open && !(k == I_LIT && (lit < '0' || lit > '9')))
        s->parseable = false; /* a digit run followed by more digits */
    s->var_open = k == I_VAR;
    if (k != I_LIT) {
        s->comp_literal = false;
        return;
    }
    if (lit == '/') {
        /* A component ends. The folder's own components are not judged:
         * they are the same for every window. */
        if (s->seen_field && s->comp_literal &&
            (s->comp_n == 0 || (s->comp_n <= 2 && s->comp[0] == '.' &&
                                (s->comp_n == 1 || s->comp[1] == '.'))))
            s->normal = false;
        s->comp_literal = true;
        s->comp_n = 0;
        return;
    }
    if (s->comp_n < sizeof s->comp)
        s->comp[s->comp_n] = lit;
    s->comp_n++;
}

static enum unit unit_of(unsigned cover)
{
    if (cover & C_EPOCH)
        return U_SEC;
    if (!(cover & C_YEAR) && (cover & (C_CENT | C_YY)) != (C_CENT | C_YY))
        return U_NONE;
    bool day = (cover & C_MON && cover & C_MDAY) || cover & C_YDAY;
    if (!day)
        return cover & C_MON ? U_MONTH : U_YEAR;
    if (!(cover & C_HOUR))
        return U_DAY;
    if (!(cover & C_MIN))
        return U_HOUR;
    return cover & C_SEC ? U_SEC : U_MIN;
}

/* Whether instants a step apart always differ at unit u. */
static bool step_separates(const struct sluice_step *st, enum unit u)
{
    static const int64_t secs[] = {0,
                                   366 * SLUICE_DAY_SECS,
                                   31 * SLUICE_DAY_SECS,
                                   SLUICE_DAY_SECS,
                                   SLUICE_HOUR_SECS,
                                   60,
                                   1};
    if (u == U_NONE)
        return false;
    if (st->unit == SLUICE_STEP_MONTHS) /* starts in distinct months */
        return u != U_YEAR || st->count >= 12;
    int64_t step = st->count * (st->unit == SLUICE_STEP_HOURS
                                    ? SLUICE_HOUR_SECS
                                    : SLUICE_DAY_SECS);
    return step >= secs[u];
}

/* Feeds one placeholder's format into the shape; *cover gets what it
 * names. */
static void shape_format(struct shape *s, const char *f, size_t n,
                         bool year5, unsigned *cover)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '%') {
            shape_item(s, I_LIT, f[i]);
            continue;
        }
        i++;
        char flag = 0;
        for (; i < n && strchr("-_0^#", f[i]); i++)
            if (flag != '-')
                flag = f[i]; /* '-' (a varying width) wins */
        if (i >= n || f[i] == 'E' || f[i] == 'O') {
            shape_item(s, I_UNKNOWN, 0);
            i += i < n; /* skip the modified conversion too */
            continue;
        }
        char c = f[i];
        if (c == 'n' || c == 't' || c == '%') {
            shape_item(s, I_LIT, c == 'n' ? '\n' : c == 't' ? '\t' : '%');
            continue;
        }
        if (c == 'z') { /* UTC: always +0000 */
            for (const char *z = "+0000"; *z; z++)
                shape_item(s, I_LIT, *z);
            continue;
        }
        const struct conv *cv = NULL;
        for (size_t k = 0; k < SLUICE_ARRAY_LEN(CONVS); k++)
            if (CONVS[k].c == c)
                cv = &CONVS[k];
        int width = cv ? cv->width : W_UNKNOWN;
        if (cv && flag && !cv->numeric)
            width = W_UNKNOWN; /* flags on %F %T %R %D: not analysed */
        if (cv && flag == '-' && cv->numeric)
            width = W_VAR;
        if (cv && year5 && strchr("YGC", c))
            width = W_VAR; /* year 10000 has five digits */
        if (cv && year5 && c == 'F')
            width = W_UNKNOWN;
        if (cv)
            *cover |= cv->cover;
        shape_item(s, width == W_UNKNOWN ? I_UNKNOWN
                      : width == W_VAR   ? I_VAR
                                         : I_FIX,
                   0);
    }
}

static int shape_part(void *ud, const struct sluice_tpl_part *p)
{
    struct shape *s = ud;
    if (p->literal) {
        for (size_t i = 0; i < p->n; i++)
            shape_item(s, I_LIT, p->text[i]);
        return SLUICE_OK;
    }
    if (!s->seen_field) {
        /* The folder ends at the last '/' before here: the component
         * being read is the first below it. */
        s->seen_field = true;
    }
    bool one_to_one;
    if (p->field == SLUICE_TPL_INDEX) {
        shape_item(s, I_VAR, 0);
        one_to_one = true;
    } else {
        const char *def = s->spec->step.unit == SLUICE_STEP_HOURS
                              ? "%Y-%m-%dT%H:%M:%SZ"
                              : "%Y-%m-%d";
        const char *f = p->n ? p->text : def;
        size_t n = p->n ? p->n : strlen(def);
        unsigned cover = 0;
        shape_format(s, f, n, p->field == SLUICE_TPL_END_EXCL && s->year5,
                     &cover);
        one_to_one = step_separates(&s->spec->step, unit_of(cover));
    }
    s->comp_literal = false;
    if (one_to_one && (p->field == SLUICE_TPL_START ||
                       p->field == SLUICE_TPL_INDEX))
        s->start_ok = true;
    else if (one_to_one)
        s->end_ok = true;
    return SLUICE_OK;
}

/* ---- rendering and comparing ---------------------------------------------- */

/* Window i's path, normalised, into out (reset first). */
static int render(const char *tpl, const struct sluice_window_spec *spec,
                  size_t i, struct sluice_buf *tmp, struct sluice_buf *out,
                  struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_window w;
    sluice__window_at(spec, i, &w);
    sluice__buf_reset(tmp);
    sluice__buf_reset(out);
    SLUICE_TRY(sluice__template_expand(tpl, &w, spec->step.unit, tmp, err));
    rc = sluice__outpath_normal(sluice__buf_str(tmp), out);
    SLUICE_FAIL_IF(rc != SLUICE_OK, rc, err, "output path too long");
out:
    return rc;
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, then a finaliser */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    return h ^ (h >> 33);
}

static void clash_set(struct sluice_outpath_clash *c, size_t a, size_t b,
                      const char *path)
{
    c->found = true;
    c->a = a;
    c->b = b;
    snprintf(c->path, sizeof c->path, "%s", path);
}

struct slot {
    uint64_t h;
    size_t idx1; /* window index + 1; 0: empty */
};

/* Renders every window and looks for two equal paths. */
static int compare_all(const char *tpl, const struct sluice_window_spec *spec,
                       size_t n, struct sluice_outpath_clash *clash,
                       struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf tmp, path, other;
    sluice__buf_init(&tmp, 1 << 16);
    sluice__buf_init(&path, 1 << 16);
    sluice__buf_init(&other, 1 << 16);
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    struct slot *t = sluice__calloc(cap, sizeof *t);
    SLUICE_FAIL_IF(!t, SLUICE_ENOMEM, err, "out of memory");
    for (size_t i = 0; i < n && !clash->found; i++) {
        SLUICE_TRY(render(tpl, spec, i, &tmp, &path, err));
        uint64_t h = hash_bytes(path.p, path.n);
        size_t k = (size_t)h & (cap - 1);
        for (; t[k].idx1; k = (k + 1) & (cap - 1)) {
            if (t[k].h != h)
                continue;
            SLUICE_TRY(render(tpl, spec, t[k].idx1 - 1, &tmp, &other, err));
            if (strcmp(other.p, path.p) == 0) {
                clash_set(clash, t[k].idx1 - 1, i, path.p);
                break;
            }
        }
        t[k].h = h;
        t[k].idx1 = i + 1;
    }
out:
    sluice__free(t);
    sluice__buf_cleanup(&tmp);
    sluice__buf_cleanup(&path);
    sluice__buf_cleanup(&other);
    return rc;
}

int sluice__outpath_clash(const char *tpl, const struct sluice_window_spec *spec,
                          size_t render_max, struct sluice_outpath_clash *clash,
                          bool *proven, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    struct sluice_buf tmp, a, b;
    sluice__buf_init(&tmp, 1 << 16);
    sluice__buf_init(&a, 1 << 16);
    sluice__buf_init(&b, 1 << 16);
    memset(clash, 0, sizeof *clash);
    if (proven)
        *proven = true;
    size_t n = sluice__window_count(spec);
    if (n < 2)
        goto out;
    struct shape s;
    memset(&s, 0, sizeof s);
    s.spec = spec;
    s.year5 = spec->end > INT64_C(253402300799); /* after 9999-12-31 */
    s.parseable = true;
    s.normal = true;
    s.comp_literal = true;
    SLUICE_TRY(sluice__template_visit(tpl, shape_part, &s, err));
    shape_item(&s, I_LIT, '/'); /* the last component ends */
    if (s.parseable && s.normal && (s.start_ok || s.end_ok)) {
        /* Ends are a step apart but for the last window, clipped by the
         * range's end: its path against the one before it. */
        if (!s.start_ok) {
            SLUICE_TRY(render(tpl, spec, n - 2, &tmp, &a, err));
            SLUICE_TRY(render(tpl, spec, n - 1, &tmp, &b, err));
            if (strcmp(a.p, b.p) == 0)
                clash_set(clash, n - 2, n - 1, a.p);
        }
        goto out;
    }
    if (proven)
        *proven = false;
    /* Past the bound, the first windows still name a clash when there is
     * one there (there usually is: a path too coarse for the step). */
    SLUICE_TRY(compare_all(tpl, spec, n < render_max ? n : render_max, clash,
                           err));
    SLUICE_FAIL_IF(!clash->found && n > render_max, SLUICE_ETOOBIG, err,
                   "cannot show that the %zu windows write distinct files: "
                   "the path's placeholders do not prove it, and more than "
                   "%zu windows are not compared one by one",
                   n, render_max);
out:
    sluice__buf_cleanup(&tmp);
    sluice__buf_cleanup(&a);
    sluice__buf_cleanup(&b);
    return rc;
}
