/* fuzz_json.c: libFuzzer target for the push reader, the selector and the
 * writer (docs/testing.md says how to build and run it).
 *
 * fuzz-corpus: tests/data/jsontestsuite/test_parsing
 *
 * Each input is parsed whole and again cut at a split point taken from its
 * first byte; both runs must give the same events and the same error. The
 * events also go through a selector, and accepted documents through the
 * writer, whose output must parse back to the same events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json_reader.h"
#include "json/select.h"
#include "json/json_writer.h"

struct run {
    struct sluice_buf events;
    struct sluice_json_writer w;
    struct sluice_buf text;
    struct sluice_selector *sel;
};

static int noop_begin(void *ud, const char *k, size_t n)
{
    (void)ud;
    (void)k;
    (void)n;
    return 0;
}
static int noop_event(void *ud, enum sluice_json_event ev, const char *p,
                      size_t n)
{
    (void)ud;
    (void)ev;
    (void)p;
    (void)n;
    return 0;
}
static int noop_end(void *ud)
{
    (void)ud;
    return 0;
}

static int on_event(void *ud, enum sluice_json_event ev, const char *p,
                    size_t n)
{
    struct run *r = ud;
    if (sluice__buf_appendf(&r->events, "%d:%zu:", (int)ev, n) ||
        (n && sluice__buf_append(&r->events, p, n)) ||
        sluice__json_writer_event(&r->w, ev, p, n))
        return 99;
    return sluice__selector_on_event(r->sel, ev, p, n);
}

/* Parses data cut at `cut`; fills r; returns the code, err in errbuf. */
static int parse(const uint8_t *data, size_t n, size_t cut, struct run *r,
                 char *errbuf, size_t errlen)
{
    static const struct sluice_record_consumer c = {noop_begin, noop_event,
                                                    noop_end, NULL};
    struct sluice_err err;
    sluice__buf_init(&r->events, 1 << 26);
    sluice__buf_init(&r->text, 1 << 26);
    sluice__json_writer_init(&r->w, &r->text);
    if (sluice__selector_new("$.a.*[*]", &c, &r->sel, &err))
        abort();
    struct sluice_json_reader *rd = sluice__json_reader_new(NULL, on_event, r);
    /* the pieces live in their own allocations so ASan sees over-reads */
    char *a = malloc(cut ? cut : 1), *b = malloc(n - cut ? n - cut : 1);
    memcpy(a, data, cut);
    memcpy(b, data + cut, n - cut);
    int rc = sluice__json_reader_feed(rd, a, cut);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_feed(rd, b, n - cut);
    if (rc == SLUICE_OK)
        rc = sluice__json_reader_finish(rd);
    snprintf(errbuf, errlen, "%s", sluice__json_reader_error(rd));
    free(a);
    free(b);
    sluice__json_reader_free(rd);
    sluice__selector_free(r->sel);
    return rc;
}

static void done(struct run *r)
{
    sluice__buf_cleanup(&r->events);
    sluice__buf_cleanup(&r->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    struct run whole, split, again;
    char e1[SLUICE_ERR_MAX], e2[SLUICE_ERR_MAX], e3[SLUICE_ERR_MAX];
    size_t cut = n ? (size_t)data[0] * n / 256 : 0;
    int rc1 = parse(data, n, n, &whole, e1, sizeof e1);
    int rc2 = parse(data, n, cut, &split, e2, sizeof e2);
    if (rc1 != rc2 || strcmp(e1, e2) != 0 ||
        whole.events.n != split.events.n ||
        memcmp(sluice__buf_str(&whole.events), sluice__buf_str(&split.events),
               whole.events.n) != 0)
        abort();
    if (rc1 == SLUICE_OK) {
        int rc3 = parse((const uint8_t *)sluice__buf_str(&whole.text),
                        whole.text.n, whole.text.n, &again, e3, sizeof e3);
        if (rc3 != SLUICE_OK || again.events.n != whole.events.n ||
            memcmp(sluice__buf_str(&again.events),
                   sluice__buf_str(&whole.events), whole.events.n) != 0)
            abort();
        done(&again);
    }
    done(&whole);
    done(&split);
    return 0;
}
