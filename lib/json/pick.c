/* pick.c: one value read out of a streaming document (pick.h). The
 * selector does the matching; the consumer here keeps the first record's
 * first event: its kind, and for a scalar its text (copied, since a
 * reader payload lives only for its call). Whether a value that is not
 * there is merely not given or a sign the path does not fit comes from the
 * selector's verdict (sluice__selector_absent_last). */
#include "json/pick.h"

#include <string.h>

#include "util/buf.h"

struct sluice_pick {
    struct sluice_selector *sel;
    bool have;      /* the first record's first event was seen */
    enum sluice_pick_kind kind;
    struct sluice_buf text;
};

static int pk_begin(void *ud, const char *key, size_t key_n)
{
    (void)ud;
    (void)key;
    (void)key_n;
    return 0;
}

static enum sluice_pick_kind kind_of(enum sluice_json_event ev)
{
    switch (ev) {
    case SLUICE_JSON_NULL:
        return SLUICE_PICK_NULL;
    case SLUICE_JSON_FALSE:
        return SLUICE_PICK_FALSE;
    case SLUICE_JSON_TRUE:
        return SLUICE_PICK_TRUE;
    case SLUICE_JSON_NUMBER:
        return SLUICE_PICK_NUMBER;
    case SLUICE_JSON_STRING:
        return SLUICE_PICK_STRING;
    case SLUICE_JSON_ARRAY_BEGIN:
        return SLUICE_PICK_ARRAY;
    default:
        return SLUICE_PICK_OBJECT;
    }
}

static int pk_event(void *ud, enum sluice_json_event ev, const char *p,
                    size_t n)
{
    struct sluice_pick *pk = ud;
    if (pk->have)
        return 0; /* inside the container picked, or a later match */
    pk->have = true;
    pk->kind = kind_of(ev);
    if (ev == SLUICE_JSON_NUMBER || ev == SLUICE_JSON_STRING) {
        if (n > SLUICE_PICK_MAX) {
            pk->kind = SLUICE_PICK_TOO_LONG;
            return 0;
        }
        return sluice__buf_append(&pk->text, p, n);
    }
    return 0;
}

static int pk_end(void *ud)
{
    (void)ud;
    return 0;
}

int sluice__pick_new(const char *path, struct sluice_pick **out,
                     struct sluice_err *err)
{
    int rc = SLUICE_OK;
    *out = NULL;
    struct sluice_pick *pk = sluice__calloc(1, sizeof *pk);
    SLUICE_FAIL_IF(!pk, SLUICE_ENOMEM, err, "out of memory");
    sluice__buf_init(&pk->text, SLUICE_PICK_MAX + 1);
    struct sluice_record_consumer c = {pk_begin, pk_event, pk_end, pk};
    SLUICE_TRY(sluice__selector_new(path, &c, &pk->sel, err));
    *out = pk;
    pk = NULL;
out:
    sluice__pick_free(pk);
    return rc;
}

void sluice__pick_free(struct sluice_pick *p)
{
    if (!p)
        return;
    sluice__selector_free(p->sel);
    sluice__buf_cleanup(&p->text);
    sluice__free(p);
}

void sluice__pick_reset(struct sluice_pick *p)
{
    sluice__selector_reset(p->sel);
    sluice__buf_reset(&p->text);
    p->have = false;
}

int sluice__pick_on_event(void *pick, enum sluice_json_event ev,
                          const char *p, size_t n)
{
    struct sluice_pick *pk = pick;
    return sluice__selector_on_event(pk->sel, ev, p, n);
}

enum sluice_pick_kind sluice__pick_result(const struct sluice_pick *p,
                                          const char **text, size_t *n,
                                          struct sluice_err *why)
{
    if (text)
        *text = sluice__buf_str(&p->text);
    if (n)
        *n = p->text.n;
    if (why)
        why->msg[0] = '\0';
    if (p->have)
        return p->kind;
    if (sluice__selector_absent_last(p->sel))
        return SLUICE_PICK_ABSENT;
    struct sluice_err w = {{0}};
    if (sluice__selector_verdict(p->sel, false, &w) == SLUICE_SELECT_FOUND)
        return SLUICE_PICK_ABSENT; /* a wildcard matched nothing */
    if (why)
        sluice__err_set(why, "%s", w.msg);
    return SLUICE_PICK_NO_PATH;
}

const char *sluice__pick_kind_name(enum sluice_pick_kind k)
{
    static const char *const names[] = {
        "absent", "not there",  "null",     "false",     "true",
        "a number", "a string", "an object", "an array", "too long"};
    return (size_t)k < SLUICE_ARRAY_LEN(names) ? names[k] : "?";
}
