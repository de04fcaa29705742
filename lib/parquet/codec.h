/* codec.h: page compression for the Parquet writer and reader: ZSTD (one
 * standard frame), SNAPPY (raw block, not the framed format), GZIP (one RFC
 * 1952 member) and none (Compression.md). A context keeps the zstd and zlib
 * state so that pages reuse it instead of allocating per page. zlib's
 * allocations go through sluice__malloc; libzstd and libsnappy use libc's. */
#ifndef SLUICE_PARQUET_CODEC_H
#define SLUICE_PARQUET_CODEC_H

#include "util/buf.h"

enum sluice_pq_codec {
    SLUICE_PQ_CODEC_ZSTD = 0, /* the default */
    SLUICE_PQ_CODEC_SNAPPY,
    SLUICE_PQ_CODEC_GZIP,
    SLUICE_PQ_CODEC_NONE
};

struct sluice_pq_codec_ctx {
    enum sluice_pq_codec codec;
    int level;
    void *zc;  /* ZSTD_CCtx, created on first use */
    void *zd;  /* ZSTD_DCtx */
    void *def; /* z_stream for deflate */
    void *inf; /* z_stream for inflate */
};

/* `level` 0 means the codec's default (zstd 3, gzip 6). */
void sluice__pq_codec_init(struct sluice_pq_codec_ctx *c,
                           enum sluice_pq_codec codec, int level);
void sluice__pq_codec_cleanup(struct sluice_pq_codec_ctx *c);
/* parquet.thrift CompressionCodec value of a codec. */
int sluice__pq_codec_wire(enum sluice_pq_codec codec);

/* Compresses src[0..n) with the context's codec. *out and *out_n get the
 * result: src itself for NONE, else the content of `scratch` (reset first). */
SLUICE_NODISCARD int sluice__pq_compress(struct sluice_pq_codec_ctx *c,
                                         const void *src, size_t n,
                                         struct sluice_buf *scratch,
                                         const void **out, size_t *out_n,
                                         struct sluice_err *err);
/* Decompresses src[0..n), compressed with the wire codec `wire`, into
 * exactly dst_n bytes at dst; any other size is SLUICE_EPARQUET. */
SLUICE_NODISCARD int sluice__pq_decompress(struct sluice_pq_codec_ctx *c,
                                           int wire, const void *src, size_t n,
                                           void *dst, size_t dst_n,
                                           struct sluice_err *err);

#endif
