/* thrift.h: the Thrift compact protocol, as far as Parquet metadata needs
 * it (apache/thrift doc/specs/thrift-compact-protocol.md).
 *
 * The encoder appends to a bounded sluice_buf. It keeps a stack of the last
 * field id per open struct, because field headers are delta-encoded against
 * the previous id of the *same* struct. Usage:
 *
 *   sluice__thrift_struct_begin(&w);        top-level struct or list element
 *   sluice__thrift_field_i32(&w, 1, 7);
 *   sluice__thrift_field_struct(&w, 5);     nested struct field
 *     ... fields ...
 *   sluice__thrift_struct_end(&w);          writes the stop byte, pops
 *   sluice__thrift_struct_end(&w);
 *
 * The decoder reads from a memory range and never looks past it; every
 * failure is SLUICE_EPARQUET with the byte offset in `err`. */
#ifndef SLUICE_PARQUET_THRIFT_H
#define SLUICE_PARQUET_THRIFT_H

#include "util/buf.h"

/* Compact protocol type nibbles. */
enum {
    THRIFT_STOP = 0,
    THRIFT_TRUE = 1,
    THRIFT_FALSE = 2,
    THRIFT_I8 = 3,
    THRIFT_I16 = 4,
    THRIFT_I32 = 5,
    THRIFT_I64 = 6,
    THRIFT_DOUBLE = 7,
    THRIFT_BINARY = 8,
    THRIFT_LIST = 9,
    THRIFT_SET = 10,
    THRIFT_MAP = 11,
    THRIFT_STRUCT = 12
};

/* Deeper nesting than this is refused by both sides (Parquet needs 4). */
#define SLUICE_THRIFT_MAX_DEPTH 32

struct sluice_thrift_w {
    struct sluice_buf *out; /* borrowed */
    int depth;              /* open structs */
    int16_t last[SLUICE_THRIFT_MAX_DEPTH];
};

void sluice__thrift_w_init(struct sluice_thrift_w *w, struct sluice_buf *out);
/* Opens a struct that has no field header: the top-level one or a list
 * element. */
SLUICE_NODISCARD int sluice__thrift_struct_begin(struct sluice_thrift_w *w);
/* Writes the stop byte of the innermost struct. */
SLUICE_NODISCARD int sluice__thrift_struct_end(struct sluice_thrift_w *w);
/* A struct-typed field: header, then the struct is open. */
SLUICE_NODISCARD int sluice__thrift_field_struct(struct sluice_thrift_w *w,
                                                 int16_t id);
SLUICE_NODISCARD int sluice__thrift_field_bool(struct sluice_thrift_w *w,
                                               int16_t id, bool v);
SLUICE_NODISCARD int sluice__thrift_field_i8(struct sluice_thrift_w *w,
                                             int16_t id, int8_t v);
SLUICE_NODISCARD int sluice__thrift_field_i16(struct sluice_thrift_w *w,
                                              int16_t id, int16_t v);
SLUICE_NODISCARD int sluice__thrift_field_i32(struct sluice_thrift_w *w,
                                              int16_t id, int32_t v);
SLUICE_NODISCARD int sluice__thrift_field_i64(struct sluice_thrift_w *w,
                                              int16_t id, int64_t v);
SLUICE_NODISCARD int sluice__thrift_field_double(struct sluice_thrift_w *w,
                                                 int16_t id, double v);
SLUICE_NODISCARD int sluice__thrift_field_binary(struct sluice_thrift_w *w,
                                                 int16_t id, const void *p,
                                                 size_t n);
/* A list field header; the `size` elements follow without field headers
 * (use the sluice__thrift_elem_* calls, or struct_begin/_end per element). */
SLUICE_NODISCARD int sluice__thrift_field_list(struct sluice_thrift_w *w,
                                               int16_t id, int elem_type,
                                               uint32_t size);
/* A list header alone, for callers that assemble a list by hand. */
SLUICE_NODISCARD int sluice__thrift_list_header(struct sluice_buf *out,
                                                int elem_type, uint32_t size);
SLUICE_NODISCARD int sluice__thrift_elem_i32(struct sluice_thrift_w *w,
                                             int32_t v);
SLUICE_NODISCARD int sluice__thrift_elem_binary(struct sluice_thrift_w *w,
                                                const void *p, size_t n);
/* ULEB128 varint and zigzag helpers, shared with the RLE encoder. */
SLUICE_NODISCARD int sluice__varint_put(struct sluice_buf *out, uint64_t v);
static inline uint64_t sluice__zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t sluice__unzigzag64(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* ---- decoder ---------------------------------------------------------- */

struct sluice_thrift_r {
    const uint8_t *p;
    size_t n;
    size_t pos;
    int depth;
    struct sluice_err *err; /* borrowed */
};

/* A decoded field header. For bool fields `bval` holds the value. */
struct sluice_thrift_field {
    int16_t id;
    int type; /* THRIFT_STOP at the end of a struct */
    bool bval;
};

void sluice__thrift_r_init(struct sluice_thrift_r *r, const void *p, size_t n,
                           struct sluice_err *err);
/* Reads the next field header of the current struct; `last_id` is the
 * caller's per-struct previous id (start at 0), updated in place. */
SLUICE_NODISCARD int sluice__thrift_read_field(struct sluice_thrift_r *r,
                                               int16_t *last_id,
                                               struct sluice_thrift_field *f);
SLUICE_NODISCARD int sluice__thrift_read_varint(struct sluice_thrift_r *r,
                                                uint64_t *v);
SLUICE_NODISCARD int sluice__thrift_read_i64(struct sluice_thrift_r *r,
                                             int64_t *v);
SLUICE_NODISCARD int sluice__thrift_read_double(struct sluice_thrift_r *r,
                                                double *v);
/* A binary value: *p points into the input (valid as long as it is). */
SLUICE_NODISCARD int sluice__thrift_read_binary(struct sluice_thrift_r *r,
                                                const uint8_t **p, size_t *n);
SLUICE_NODISCARD int sluice__thrift_read_list(struct sluice_thrift_r *r,
                                              int *elem_type, uint32_t *size);
/* Reads an i32 (or i16/i8) field value of the given wire type. */
SLUICE_NODISCARD int sluice__thrift_read_int(struct sluice_thrift_r *r,
                                             int type, int64_t *v);
/* Skips one value of wire type `type` (structs and lists recursively, to
 * SLUICE_THRIFT_MAX_DEPTH). */
SLUICE_NODISCARD int sluice__thrift_skip(struct sluice_thrift_r *r, int type);
/* Nesting guard for callers that descend into structs themselves. */
SLUICE_NODISCARD int sluice__thrift_enter(struct sluice_thrift_r *r);
void sluice__thrift_leave(struct sluice_thrift_r *r);

#endif
