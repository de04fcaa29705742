/* rle.c: RLE / bit-packed hybrid encoder and bounded decoder. The encoder
 * prefers RLE runs for stretches of >= 8 equal values (levels of a mostly
 * non-null column become a handful of bytes) and packs the rest 8 at a
 * time, which is how the format wants literal groups to be sized. */
#include "parquet/rle.h"

#include "parquet/thrift.h"

int sluice__rle_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

static inline uint32_t get(const void *v, size_t esize, size_t i)
{
    return esize == 1 ? ((const uint8_t *)v)[i] : ((const uint32_t *)v)[i];
}

static size_t run_length(const void *v, size_t esize, size_t i, size_t n)
{
    uint32_t x = get(v, esize, i);
    size_t j = i + 1;
    while (j < n && get(v, esize, j) == x)
        j++;
    return j - i;
}

static int put_rle(struct sluice_buf *out, uint32_t value, size_t count,
                   int width)
{
    /* Run lengths must stay below 2^31 (readers use signed 32-bit ints). */
    while (count) {
        size_t c = count > (1u << 30) ? (1u << 30) : count;
        int rc = sluice__varint_put(out, (uint64_t)c << 1);
        if (rc != SLUICE_OK)
            return rc;
        uint8_t b[4];
        int nb = (width + 7) / 8;
        for (int k = 0; k < nb; k++)
            b[k] = (uint8_t)(value >> (8 * k));
        rc = sluice__buf_append(out, b, (size_t)nb);
        if (rc != SLUICE_OK)
            return rc;
        count -= c;
    }
    return SLUICE_OK;
}

/* Bit-packs v[start..end) as ceil((end-start)/8) groups, zero-padded. */
static int put_packed(struct sluice_buf *out, const void *v, size_t esize,
                      size_t start, size_t end, int width)
{
    size_t groups = (end - start + 7) / 8;
    int rc = sluice__varint_put(out, (uint64_t)groups << 1 | 1);
    if (rc != SLUICE_OK)
        return rc;
    rc = sluice__buf_reserve(out, groups * (size_t)width);
    if (rc != SLUICE_OK)
        return rc;
    uint64_t acc = 0;
    int nbits = 0;
    for (size_t i = start; i < start + groups * 8; i++) {
        uint64_t x = i < end ? get(v, esize, i) : 0;
        acc |= x << nbits;
        nbits += width;
        while (nbits >= 8) {
            out->p[out->n++] = (char)(uint8_t)acc;
            acc >>= 8;
            nbits -= 8;
        }
    }
    /* groups * 8 * width bits is a whole number of bytes: nothing left. */
    out->p[out->n] = '\0';
    return SLUICE_OK;
}

int sluice__rle_encode(struct sluice_buf *out, const void *v, size_t esize,
                       size_t n, int width)
{
    size_t i = 0;
    while (i < n) {
        size_t r = run_length(v, esize, i, n);
        if (r >= 8) {
            int rc = put_rle(out, get(v, esize, i), r, width);
            if (rc != SLUICE_OK)
                return rc;
            i += r;
            continue;
        }
        /* A literal stretch: whole groups of 8 until a long run starts at
         * a group boundary; only the final group may be short. */
        size_t start = i;
        do {
            i = n - i > 8 ? i + 8 : n;
        } while (i < n && run_length(v, esize, i, n) < 8);
        int rc = put_packed(out, v, esize, start, i, width);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int dec_fail(struct sluice_err *err, size_t pos, const char *what)
{
    sluice__err_set(err, "rle: byte %zu: %s", pos, what);
    return SLUICE_EPARQUET;
}

static inline void put(void *out, size_t esize, size_t i, uint32_t x)
{
    if (esize == 1)
        ((uint8_t *)out)[i] = (uint8_t)x;
    else
        ((uint32_t *)out)[i] = x;
}

int sluice__rle_decode(const uint8_t *p, size_t n, int width, void *out,
                       size_t esize, size_t count, size_t *used,
                       struct sluice_err *err)
{
    if (width < 0 || width > 32 || (esize == 1 && width > 8))
        return dec_fail(err, 0, "bad bit width");
    size_t pos = 0, got = 0;
    size_t vbytes = (size_t)(width + 7) / 8;
    uint64_t mask = width == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << width) - 1;
    while (got < count) {
        uint64_t h = 0;
        int shift = 0;
        for (;;) {
            if (pos >= n)
                return dec_fail(err, pos, "input ends inside the data");
            if (shift > 35)
                return dec_fail(err, pos, "run header too long");
            uint8_t b = p[pos++];
            h |= (uint64_t)(b & 0x7F) << shift;
            shift += 7;
            if (!(b & 0x80))
                break;
        }
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > (n - pos) / (width ? width : 1) + 1)
                return dec_fail(err, pos, "bad bit-packed run length");
            uint64_t nvals = groups * 8;
            size_t nbytes = (size_t)groups * (size_t)width;
            if (nbytes > n - pos)
                return dec_fail(err, pos, "bit-packed run truncated");
            uint64_t acc = 0;
            int nbits = 0;
            size_t bp = pos;
            for (uint64_t k = 0; k < nvals && got < count; k++) {
                while (nbits < width) {
                    acc |= (uint64_t)p[bp++] << nbits;
                    nbits += 8;
                }
                put(out, esize, got++, (uint32_t)(acc & mask));
                acc >>= width;
                nbits -= width;
            }
            pos += nbytes;
        } else {
            uint64_t c = h >> 1;
            if (c == 0)
                return dec_fail(err, pos, "empty RLE run");
            if (vbytes > n - pos)
                return dec_fail(err, pos, "RLE value truncated");
            uint32_t x = 0;
            for (size_t k = 0; k < vbytes; k++)
                x |= (uint32_t)p[pos + k] << (8 * k);
            pos += vbytes;
            if (x & ~mask)
                return dec_fail(err, pos, "RLE value wider than bit width");
            for (uint64_t k = 0; k < c && got < count; k++)
                put(out, esize, got++, x);
        }
    }
    if (used)
        *used = pos;
    return SLUICE_OK;
}
