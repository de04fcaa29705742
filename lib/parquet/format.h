/* format.h: the numbers the Parquet format fixes (parquet.thrift enums and
 * field ids we use) and little-endian load/store helpers shared by the
 * writer and the reader. Internal to lib/parquet. */
#ifndef SLUICE_PARQUET_FORMAT_H
#define SLUICE_PARQUET_FORMAT_H

#include <stdint.h>
#include <string.h>

/* parquet.thrift `Type` */
enum {
    PQ_T_BOOLEAN = 0,
    PQ_T_INT32 = 1,
    PQ_T_INT64 = 2,
    PQ_T_INT96 = 3,
    PQ_T_FLOAT = 4,
    PQ_T_DOUBLE = 5,
    PQ_T_BYTE_ARRAY = 6,
    PQ_T_FIXED = 7
};

/* `FieldRepetitionType` */
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

/* `ConvertedType` (the ones we write or recognise) */
enum {
    PQ_CT_UTF8 = 0,
    PQ_CT_MAP = 1,
    PQ_CT_LIST = 3,
    PQ_CT_DATE = 6,
    PQ_CT_TIMESTAMP_MILLIS = 9,
    PQ_CT_TIMESTAMP_MICROS = 10,
    PQ_CT_JSON = 19
};

/* `LogicalType` union member ids */
enum {
    PQ_LT_STRING = 1,
    PQ_LT_LIST = 3,
    PQ_LT_DATE = 6,
    PQ_LT_TIMESTAMP = 8,
    PQ_LT_JSON = 12
};

/* `Encoding` */
enum {
    PQ_ENC_PLAIN = 0,
    PQ_ENC_PLAIN_DICTIONARY = 2,
    PQ_ENC_RLE = 3,
    PQ_ENC_RLE_DICTIONARY = 8
};

/* `CompressionCodec` */
enum {
    PQ_CODEC_UNCOMPRESSED = 0,
    PQ_CODEC_SNAPPY = 1,
    PQ_CODEC_GZIP = 2,
    PQ_CODEC_ZSTD = 6
};

/* `PageType` */
enum { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2, PQ_PAGE_DATA_V2 = 3 };

static inline void pq_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void pq_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t pq_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t pq_get_u64le(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t pq_double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double pq_bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#endif
