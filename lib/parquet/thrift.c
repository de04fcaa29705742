/* thrift.c: Thrift compact protocol encoder and bounded decoder for the
 * Parquet footer and page headers. See thrift.h for the usage pattern. */
#include "parquet/thrift.h"

#include "parquet/format.h"

int sluice__varint_put(struct sluice_buf *out, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return sluice__buf_append(out, tmp, n);
}

void sluice__thrift_w_init(struct sluice_thrift_w *w, struct sluice_buf *out)
{
    w->out = out;
    w->depth = 0;
}

static int push(struct sluice_thrift_w *w)
{
    /* Overflow is a programming error in our fixed metadata shapes, but the
     * library never aborts: report it as an encoding failure. */
    if (w->depth >= SLUICE_THRIFT_MAX_DEPTH)
        return SLUICE_EPARQUET;
    w->last[w->depth++] = 0;
    return SLUICE_OK;
}

int sluice__thrift_struct_begin(struct sluice_thrift_w *w)
{
    return push(w);
}

int sluice__thrift_struct_end(struct sluice_thrift_w *w)
{
    if (w->depth <= 0)
        return SLUICE_EPARQUET;
    w->depth--;
    return sluice__buf_addc(w->out, THRIFT_STOP);
}

/* Field header: one byte (delta << 4 | type) when the id is 1..15 above
 * the previous id of this struct, else the type byte and a zigzag id. */
static int field_header(struct sluice_thrift_w *w, int16_t id, int type)
{
    if (w->depth <= 0)
        return SLUICE_EPARQUET;
    int16_t *last = &w->last[w->depth - 1];
    int delta = id - *last;
    int rc;
    if (delta > 0 && delta <= 15) {
        rc = sluice__buf_addc(w->out, (char)(uint8_t)(delta << 4 | type));
    } else {
        rc = sluice__buf_addc(w->out, (char)(uint8_t)type);
        if (rc == SLUICE_OK)
            rc = sluice__varint_put(w->out, sluice__zigzag64(id));
    }
    if (rc == SLUICE_OK)
        *last = id;
    return rc;
}

int sluice__thrift_field_struct(struct sluice_thrift_w *w, int16_t id)
{
    int rc = field_header(w, id, THRIFT_STRUCT);
    return rc != SLUICE_OK ? rc : push(w);
}

int sluice__thrift_field_bool(struct sluice_thrift_w *w, int16_t id, bool v)
{
    return field_header(w, id, v ? THRIFT_TRUE : THRIFT_FALSE);
}

int sluice__thrift_field_i8(struct sluice_thrift_w *w, int16_t id, int8_t v)
{
    int rc = field_header(w, id, THRIFT_I8);
    return rc != SLUICE_OK ? rc : sluice__buf_addc(w->out, (char)v);
}

int sluice__thrift_field_i16(struct sluice_thrift_w *w, int16_t id, int16_t v)
{
    int rc = field_header(w, id, THRIFT_I16);
    return rc != SLUICE_OK ? rc
                           : sluice__varint_put(w->out, sluice__zigzag64(v));
}

int sluice__thrift_field_i32(struct sluice_thrift_w *w, int16_t id, int32_t v)
{
    int rc = field_header(w, id, THRIFT_I32);
    return rc != SLUICE_OK ? rc
                           : sluice__varint_put(w->out, sluice__zigzag64(v));
}

int sluice__thrift_field_i64(struct sluice_thrift_w *w, int16_t id, int64_t v)
{
    int rc = field_header(w, id, THRIFT_I64);
    return rc != SLUICE_OK ? rc
                           : sluice__varint_put(w->out, sluice__zigzag64(v));
}

int sluice__thrift_field_double(struct sluice_thrift_w *w, int16_t id, double v)
{
    uint8_t b[8];
    pq_put_u64le(b, pq_double_bits(v));
    int rc = field_header(w, id, THRIFT_DOUBLE);
    return rc != SLUICE_OK ? rc : sluice__buf_append(w->out, b, 8);
}

int sluice__thrift_elem_binary(struct sluice_thrift_w *w, const void *p,
                               size_t n)
{
    int rc = sluice__varint_put(w->out, n);
    return rc != SLUICE_OK ? rc : sluice__buf_append(w->out, p, n);
}

int sluice__thrift_field_binary(struct sluice_thrift_w *w, int16_t id,
                                const void *p, size_t n)
{
    int rc = field_header(w, id, THRIFT_BINARY);
    return rc != SLUICE_OK ? rc : sluice__thrift_elem_binary(w, p, n);
}

int sluice__thrift_elem_i32(struct sluice_thrift_w *w, int32_t v)
{
    return sluice__varint_put(w->out, sluice__zigzag64(v));
}

int sluice__thrift_list_header(struct sluice_buf *out, int elem_type,
                               uint32_t size)
{
    if (size <= 14)
        return sluice__buf_addc(out, (char)(uint8_t)(size << 4 | elem_type));
    int rc = sluice__buf_addc(out, (char)(uint8_t)(0xF0 | elem_type));
    return rc != SLUICE_OK ? rc : sluice__varint_put(out, size);
}

int sluice__thrift_field_list(struct sluice_thrift_w *w, int16_t id,
                              int elem_type, uint32_t size)
{
    int rc = field_header(w, id, THRIFT_LIST);
    return rc != SLUICE_OK
               ? rc
               : sluice__thrift_list_header(w->out, elem_type, size);
}

/* ---- decoder ---------------------------------------------------------- */

void sluice__thrift_r_init(struct sluice_thrift_r *r, const void *p, size_t n,
                           struct sluice_err *err)
{
    r->p = p;
    r->n = n;
    r->pos = 0;
    r->depth = 0;
    r->err = err;
}

static int fail(struct sluice_thrift_r *r, const char *what)
{
    sluice__err_set(r->err, "thrift: byte %zu: %s", r->pos, what);
    return SLUICE_EPARQUET;
}

int sluice__thrift_read_varint(struct sluice_thrift_r *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->pos >= r->n)
            return fail(r, "truncated varint");
        uint8_t b = r->p[r->pos++];
        x |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return SLUICE_OK;
        }
    }
    return fail(r, "varint longer than 10 bytes");
}

int sluice__thrift_read_i64(struct sluice_thrift_r *r, int64_t *v)
{
    uint64_t u;
    int rc = sluice__thrift_read_varint(r, &u);
    if (rc == SLUICE_OK)
        *v = sluice__unzigzag64(u);
    return rc;
}


int sluice__thrift_read_int(struct sluice_thrift_r *r, int type, int64_t *v)
{
    if (type == THRIFT_I8) {
        if (r->pos >= r->n)
            return fail(r, "truncated i8");
        *v = (int8_t)r->p[r->pos++];
        return SLUICE_OK;
    }
    if (type != THRIFT_I16 && type != THRIFT_I32 && type != THRIFT_I64)
        return fail(r, "expected an integer field");
    return sluice__thrift_read_i64(r, v);
}

int sluice__thrift_read_double(struct sluice_thrift_r *r, double *v)
{
    if (r->n - r->pos < 8)
        return fail(r, "truncated double");
    *v = pq_bits_double(pq_get_u64le(r->p + r->pos));
    r->pos += 8;
    return SLUICE_OK;
}

int sluice__thrift_read_binary(struct sluice_thrift_r *r, const uint8_t **p,
                               size_t *n)
{
    uint64_t len;
    int rc = sluice__thrift_read_varint(r, &len);
    if (rc != SLUICE_OK)
        return rc;
    if (len > r->n - r->pos)
        return fail(r, "binary runs past the end");
    *p = r->p + r->pos;
    *n = (size_t)len;
    r->pos += (size_t)len;
    return SLUICE_OK;
}

int sluice__thrift_read_field(struct sluice_thrift_r *r, int16_t *last_id,
                              struct sluice_thrift_field *f)
{
    if (r->pos >= r->n)
        return fail(r, "truncated struct");
    uint8_t b = r->p[r->pos++];
    f->type = b & 0x0F;
    f->bval = false;
    if (f->type == THRIFT_STOP) {
        f->id = 0;
        return SLUICE_OK;
    }
    int delta = b >> 4;
    if (delta) {
        int id = *last_id + delta;
        if (id > INT16_MAX)
            return fail(r, "field id out of range");
        f->id = (int16_t)id;
    } else {
        int64_t id;
        int rc = sluice__thrift_read_i64(r, &id);
        if (rc != SLUICE_OK)
            return rc;
        if (id < INT16_MIN || id > INT16_MAX)
            return fail(r, "field id out of range");
        f->id = (int16_t)id;
    }
    if (f->type == THRIFT_TRUE || f->type == THRIFT_FALSE)
        f->bval = f->type == THRIFT_TRUE;
    if (f->type > THRIFT_STRUCT)
        return fail(r, "unknown field type");
    *last_id = f->id;
    return SLUICE_OK;
}

int sluice__thrift_read_list(struct sluice_thrift_r *r, int *elem_type,
                             uint32_t *size)
{
    if (r->pos >= r->n)
        return fail(r, "truncated list header");
    uint8_t b = r->p[r->pos++];
    *elem_type = b & 0x0F;
    uint64_t sz = b >> 4;
    if (sz == 15) {
        int rc = sluice__thrift_read_varint(r, &sz);
        if (rc != SLUICE_OK)
            return rc;
    }
    /* Every element takes at least one byte, so a size beyond the rest of
     * the input is corrupt; this also bounds what callers allocate. */
    if (sz > r->n - r->pos)
        return fail(r, "list longer than its input");
    *size = (uint32_t)sz;
    return SLUICE_OK;
}

int sluice__thrift_enter(struct sluice_thrift_r *r)
{
    if (r->depth >= SLUICE_THRIFT_MAX_DEPTH)
        return fail(r, "nested too deeply");
    r->depth++;
    return SLUICE_OK;
}

void sluice__thrift_leave(struct sluice_thrift_r *r)
{
    r->depth--;
}

static int skip_list(struct sluice_thrift_r *r)
{
    int et;
    uint32_t n;
    int rc = sluice__thrift_read_list(r, &et, &n);
    for (uint32_t i = 0; rc == SLUICE_OK && i < n; i++)
        rc = et == THRIFT_TRUE || et == THRIFT_FALSE
                 ? sluice__thrift_skip(r, THRIFT_I8)
                 : sluice__thrift_skip(r, et);
    return rc;
}

static int skip_map(struct sluice_thrift_r *r)
{
    uint64_t n;
    int rc = sluice__thrift_read_varint(r, &n);
    if (rc != SLUICE_OK || n == 0)
        return rc;
    if (n > r->n - r->pos)
        return fail(r, "map longer than its input");
    if (r->pos >= r->n)
        return fail(r, "truncated map");
    uint8_t kv = r->p[r->pos++];
    for (uint64_t i = 0; rc == SLUICE_OK && i < n; i++) {
        rc = sluice__thrift_skip(r, kv >> 4);
        if (rc == SLUICE_OK)
            rc = sluice__thrift_skip(r, kv & 0x0F);
    }
    return rc;
}

int sluice__thrift_skip(struct sluice_thrift_r *r, int type)
{
    int rc = SLUICE_OK;
    uint64_t u;
    const uint8_t *p;
    size_t n;
    switch (type) {
    case THRIFT_TRUE:
    case THRIFT_FALSE:
        return SLUICE_OK; /* a bool field carries its value in the header */
    case THRIFT_I8:
        if (r->pos >= r->n)
            return fail(r, "truncated i8");
        r->pos++;
        return SLUICE_OK;
    case THRIFT_I16:
    case THRIFT_I32:
    case THRIFT_I64:
        return sluice__thrift_read_varint(r, &u);
    case THRIFT_DOUBLE:
        if (r->n - r->pos < 8)
            return fail(r, "truncated double");
        r->pos += 8;
        return SLUICE_OK;
    case THRIFT_BINARY:
        return sluice__thrift_read_binary(r, &p, &n);
    case THRIFT_LIST:
    case THRIFT_SET:
    case THRIFT_MAP:
    case THRIFT_STRUCT:
        break;
    default:
        return fail(r, "unknown type");
    }
    rc = sluice__thrift_enter(r);
    if (rc != SLUICE_OK)
        return rc;
    if (type == THRIFT_LIST || type == THRIFT_SET) {
        rc = skip_list(r);
    } else if (type == THRIFT_MAP) {
        rc = skip_map(r);
    } else {
        int16_t last = 0;
        struct sluice_thrift_field f;
        for (;;) {
            rc = sluice__thrift_read_field(r, &last, &f);
            if (rc != SLUICE_OK || f.type == THRIFT_STOP)
                break;
            rc = sluice__thrift_skip(r, f.type);
            if (rc != SLUICE_OK)
                break;
        }
    }
    sluice__thrift_leave(r);
    return rc;
}
