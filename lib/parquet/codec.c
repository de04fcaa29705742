/* codec.c: zstd / snappy / gzip page (de)compression behind one call. */
#include "parquet/codec.h"

#include "parquet/format.h"

#include <limits.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

void sluice__pq_codec_init(struct sluice_pq_codec_ctx *c,
                           enum sluice_pq_codec codec, int level)
{
    c->codec = codec;
    c->level = level;
    c->zc = c->zd = c->def = c->inf = NULL;
}

void sluice__pq_codec_cleanup(struct sluice_pq_codec_ctx *c)
{
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    if (c->def) {
        deflateEnd(c->def);
        sluice__free(c->def);
    }
    if (c->inf) {
        inflateEnd(c->inf);
        sluice__free(c->inf);
    }
    c->zc = c->zd = c->def = c->inf = NULL;
}

int sluice__pq_codec_wire(enum sluice_pq_codec codec)
{
    switch (codec) {
    case SLUICE_PQ_CODEC_ZSTD:
        return PQ_CODEC_ZSTD;
    case SLUICE_PQ_CODEC_SNAPPY:
        return PQ_CODEC_SNAPPY;
    case SLUICE_PQ_CODEC_GZIP:
        return PQ_CODEC_GZIP;
    default:
        return PQ_CODEC_UNCOMPRESSED;
    }
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return sluice__calloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    sluice__free(p);
}

static z_stream *new_zstream(void)
{
    z_stream *zs = sluice__calloc(1, sizeof *zs);
    if (zs) {
        zs->zalloc = z_alloc;
        zs->zfree = z_free;
    }
    return zs;
}

static int gzip_compress(struct sluice_pq_codec_ctx *c, const void *src,
                         size_t n, struct sluice_buf *dst,
                         struct sluice_err *err)
{
    int rc = SLUICE_OK;
    z_stream *zs = c->def;
    if (!zs) {
        zs = new_zstream();
        SLUICE_FAIL_IF(!zs, SLUICE_ENOMEM, err, "gzip: out of memory");
        /* windowBits 15 + 16 selects the gzip wrapper (RFC 1952). */
        if (deflateInit2(zs, c->level ? c->level : Z_DEFAULT_COMPRESSION,
                         Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            sluice__free(zs);
            SLUICE_FAIL_IF(true, SLUICE_ENOMEM, err,
                           "gzip: deflateInit2 failed");
        }
        c->def = zs;
    } else {
        SLUICE_FAIL_IF(deflateReset(zs) != Z_OK, SLUICE_EPARQUET, err,
                       "gzip: deflateReset failed");
    }
    SLUICE_FAIL_IF(n > UINT_MAX / 2, SLUICE_ETOOBIG, err, "gzip: page too big");
    uLong bound = deflateBound(zs, (uLong)n);
    SLUICE_TRY(sluice__buf_reserve(dst, bound));
    zs->next_in = (Bytef *)(uintptr_t)src;
    zs->avail_in = (uInt)n;
    zs->next_out = (Bytef *)dst->p;
    zs->avail_out = (uInt)bound;
    SLUICE_FAIL_IF(deflate(zs, Z_FINISH) != Z_STREAM_END, SLUICE_EPARQUET, err,
                   "gzip: deflate did not finish");
    dst->n = zs->total_out;
    dst->p[dst->n] = '\0';
out:
    return rc;
}

int sluice__pq_compress(struct sluice_pq_codec_ctx *c, const void *src,
                        size_t n, struct sluice_buf *scratch, const void **out,
                        size_t *out_n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    sluice__buf_reset(scratch);
    switch (c->codec) {
    case SLUICE_PQ_CODEC_ZSTD: {
        if (!c->zc)
            c->zc = ZSTD_createCCtx();
        SLUICE_FAIL_IF(!c->zc, SLUICE_ENOMEM, err, "zstd: out of memory");
        size_t bound = ZSTD_compressBound(n);
        SLUICE_TRY(sluice__buf_reserve(scratch, bound));
        size_t z = ZSTD_compressCCtx(c->zc, scratch->p, bound, src, n,
                                     c->level ? c->level : 3);
        SLUICE_FAIL_IF(ZSTD_isError(z), SLUICE_EPARQUET, err, "zstd: %s",
                       ZSTD_getErrorName(z));
        scratch->n = z;
        scratch->p[z] = '\0';
        break;
    }
    case SLUICE_PQ_CODEC_SNAPPY: {
        size_t bound = snappy_max_compressed_length(n);
        SLUICE_TRY(sluice__buf_reserve(scratch, bound));
        size_t z = bound;
        SLUICE_FAIL_IF(snappy_compress(src, n, scratch->p, &z) != SNAPPY_OK,
                       SLUICE_EPARQUET, err, "snappy: compression failed");
        scratch->n = z;
        scratch->p[z] = '\0';
        break;
    }
    case SLUICE_PQ_CODEC_GZIP:
        SLUICE_TRY(gzip_compress(c, src, n, scratch, err));
        break;
    default:
        *out = src;
        *out_n = n;
        return SLUICE_OK;
    }
    *out = scratch->p;
    *out_n = scratch->n;
out:
    return rc;
}

static int gunzip(struct sluice_pq_codec_ctx *c, const void *src, size_t n,
                  void *dst, size_t dst_n, struct sluice_err *err)
{
    int rc = SLUICE_OK;
    z_stream *zs = c->inf;
    if (!zs) {
        zs = new_zstream();
        SLUICE_FAIL_IF(!zs, SLUICE_ENOMEM, err, "gzip: out of memory");
        if (inflateInit2(zs, 15 + 16) != Z_OK) {
            sluice__free(zs);
            SLUICE_FAIL_IF(true, SLUICE_ENOMEM, err,
                           "gzip: inflateInit2 failed");
        }
        c->inf = zs;
    } else {
        SLUICE_FAIL_IF(inflateReset(zs) != Z_OK, SLUICE_EPARQUET, err,
                       "gzip: inflateReset failed");
    }
    SLUICE_FAIL_IF(n > UINT_MAX || dst_n > UINT_MAX, SLUICE_EPARQUET, err,
                   "gzip: page too big");
    zs->next_in = (Bytef *)(uintptr_t)src;
    zs->avail_in = (uInt)n;
    zs->next_out = dst;
    zs->avail_out = (uInt)dst_n;
    int zr = inflate(zs, Z_FINISH);
    SLUICE_FAIL_IF(
        zr != Z_STREAM_END || zs->total_out != dst_n, SLUICE_EPARQUET, err,
        "gzip: page does not inflate to its declared %zu bytes", dst_n);
out:
    return rc;
}

int sluice__pq_decompress(struct sluice_pq_codec_ctx *c, int wire,
                          const void *src, size_t n, void *dst, size_t dst_n,
                          struct sluice_err *err)
{
    int rc = SLUICE_OK;
    switch (wire) {
    case PQ_CODEC_UNCOMPRESSED:
        SLUICE_FAIL_IF(n != dst_n, SLUICE_EPARQUET, err,
                       "page: compressed size %zu != uncompressed size %zu", n,
                       dst_n);
        if (n)
            memcpy(dst, src, n);
        break;
    case PQ_CODEC_ZSTD: {
        if (!c->zd)
            c->zd = ZSTD_createDCtx();
        SLUICE_FAIL_IF(!c->zd, SLUICE_ENOMEM, err, "zstd: out of memory");
        size_t z = ZSTD_decompressDCtx(c->zd, dst, dst_n, src, n);
        SLUICE_FAIL_IF(ZSTD_isError(z), SLUICE_EPARQUET, err, "zstd: %s",
                       ZSTD_getErrorName(z));
        SLUICE_FAIL_IF(z != dst_n, SLUICE_EPARQUET, err,
                       "zstd: page inflates to %zu bytes, not %zu", z, dst_n);
        break;
    }
    case PQ_CODEC_SNAPPY: {
        size_t len = 0;
        SLUICE_FAIL_IF(snappy_uncompressed_length(src, n, &len) != SNAPPY_OK ||
                           len != dst_n,
                       SLUICE_EPARQUET, err,
                       "snappy: page does not inflate to %zu bytes", dst_n);
        SLUICE_FAIL_IF(snappy_uncompress(src, n, dst, &len) != SNAPPY_OK ||
                           len != dst_n,
                       SLUICE_EPARQUET, err, "snappy: corrupt page");
        break;
    }
    case PQ_CODEC_GZIP:
        SLUICE_TRY(gunzip(c, src, n, dst, dst_n, err));
        break;
    default:
        SLUICE_FAIL_IF(true, SLUICE_EPARQUET, err,
                       "unsupported compression codec %d", wire);
    }
out:
    return rc;
}
