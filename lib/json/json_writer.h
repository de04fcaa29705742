/* json_writer.h: serialises reader events back to compact JSON text (no spaces,
 * strings re-escaped minimally: `"` `\\` and control characters, U+2028/9
 * left as is; numbers copied verbatim). Used for NDJSON output, for
 * keeping an irregular value as JSON text, and for the strings of the
 * documents the library composes itself (the run report, status JSON). */
#ifndef SLUICE_JSON_WRITER_H
#define SLUICE_JSON_WRITER_H

#include "json/json_reader.h"
#include "util/buf.h"

struct sluice_json_writer {
    struct sluice_buf *out; /* borrowed; text is appended */
    uint32_t depth;
    bool need_comma;        /* before the next value or key */
    bool after_key;         /* a key was written; its value comes next */
};

void sluice__json_writer_init(struct sluice_json_writer *w,
                              struct sluice_buf *out);
/* Appends one event. Returns a buf error (SLUICE_ETOOBIG, SLUICE_ENOMEM). */
SLUICE_NODISCARD int sluice__json_writer_event(struct sluice_json_writer *w,
                                               enum sluice_json_event ev,
                                               const char *p, size_t n);
/* Appends a JSON string literal for bytes `p`/`n` (quotes included). This
 * is the library's one string escaper: the outputs, the run report and
 * `status --json` all write their strings with it. */
SLUICE_NODISCARD int sluice__json_write_string(struct sluice_buf *out,
                                               const char *p, size_t n);
/* The same for a C string; NULL is written as `null`. */
SLUICE_NODISCARD int sluice__json_write_cstr(struct sluice_buf *out,
                                             const char *s);

#endif
