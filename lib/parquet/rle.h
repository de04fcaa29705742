/* rle.h: Parquet's RLE / bit-packed hybrid encoding (Encodings.md), used
 * for definition and repetition levels and for dictionary indices.
 *
 * Values are given as an array of uint8_t (levels) or uint32_t (indices),
 * chosen by `esize` (1 or 4). Bit widths are 0..32. */
#ifndef SLUICE_PARQUET_RLE_H
#define SLUICE_PARQUET_RLE_H

#include "util/buf.h"

/* Bits needed to store `max` (0 for 0). */
int sluice__rle_width(uint32_t max);

/* Appends the hybrid encoding of n values (no length prefix, no width
 * byte). A run of 8 or more equal values becomes an RLE run; everything
 * else goes into bit-packed groups of 8, the last one zero-padded. */
SLUICE_NODISCARD int sluice__rle_encode(struct sluice_buf *out, const void *v,
                                        size_t esize, size_t n, int width);

/* Decodes exactly `count` values into `out` (esize 1 or 4) from p[0..n).
 * Fails with SLUICE_EPARQUET (detail in err) if the input ends early
 * (bit-packed groups must be whole), a run header is malformed or a value
 * does not fit the width. Input after the run holding the last value is
 * ignored; *used (may be NULL) receives how many bytes were consumed. */
SLUICE_NODISCARD int sluice__rle_decode(const uint8_t *p, size_t n, int width,
                                        void *out, size_t esize, size_t count,
                                        size_t *used, struct sluice_err *err);

#endif
