/* pages.h: parallel pages of one window (docs/internals/paginate.md). When
 * a window's first page makes its other pages predictable (an offset API
 * with a total, numbered pages with a page count: paginate.h's
 * sluice__pager_predict), they become the tasks of a **page group**: any
 * slot free, the window's own first, takes the next task, and each page's
 * records are kept aside (encoded events, bounded by the response size)
 * until the pages before it are in the window's sink, then written in page
 * order. The window's slot (the owner) keeps the sink, the result and the
 * outcome; the helpers report nothing of their own.
 *
 * Shared by attempt.c and run.c only; the group belongs to the slots that
 * hold it (refs), freed with the last. */
#ifndef SLUICE_PIPELINE_PAGES_H
#define SLUICE_PIPELINE_PAGES_H

#include "json/select.h"
#include "util/buf.h"

struct slot;
struct run;

struct page_group {
    struct slot *owner;  /* NULL once the window ended (failed, abandoned) */
    uint64_t npages;     /* the window's pages in all, the first included */
    uint64_t next_task;  /* the next page to hand out (2 .. npages) */
    uint64_t next_write; /* the next page to write into the sink */
    struct sluice_buf *bufs; /* per page (index k - 2): its records */
    uint8_t *ready;      /* per page: read whole, waiting its turn */
    uint64_t *records;   /* per page */
    unsigned refs;       /* slots holding the group */
};

/* The most one page's kept-aside records may take: an encoded event is
 * its payload and 6 bytes, and the smallest JSON token plus separator is 2
 * bytes, so 8 times the response size always holds a page that passed
 * http.max_response_size (typical pages take about their own size). */
#define SLUICE_PAGEBUF_MAX(response_max) ((size_t)(response_max) * 8 + 4096)

/* A group for pages 2..npages of `owner`'s window; NULL when out of
 * memory. The caller sets owner->group. */
struct page_group *sluice__page_group_new(struct slot *owner,
                                          uint64_t npages);
/* A slot lets go of the group (freed with the last). */
void sluice__page_group_unref(struct page_group *g);
/* The next page to request, 0 when all are handed out. */
uint64_t sluice__page_group_take(struct page_group *g);
/* Some idle slot's turn: gives it a task of a group in the run, if any
 * (true: the slot now holds the group and a page, SLOT_WAITING). */
bool sluice__pages_assign(struct run *r, struct slot *s);

/* A page's records, kept aside: the consumer calls of the page, encoded. */
SLUICE_NODISCARD int sluice__pagebuf_begin(struct sluice_buf *b,
                                           const char *key, size_t n);
SLUICE_NODISCARD int sluice__pagebuf_event(struct sluice_buf *b,
                                           enum sluice_json_event ev,
                                           const char *p, size_t n);
SLUICE_NODISCARD int sluice__pagebuf_end(struct sluice_buf *b);
/* Replays them, in order, into `c`; its first non-zero return stops it. */
int sluice__pagebuf_replay(const struct sluice_buf *b,
                           const struct sluice_record_consumer *c);

#endif
