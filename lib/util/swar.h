/* swar.h: eight bytes at a time in a uint64_t (SIMD within a register).
 *
 * The classic has-zero-byte trick, for the scans that look for a few
 * special bytes in text (the JSON reader's strings, the writer's escapes,
 * the redaction's first bytes). Each function returns a mask with the top
 * bit set in lanes that match; the mask is exact about whether any lane
 * does, but may also mark a lane above a true one (a borrow), so a caller
 * that needs the position reads the word's bytes one by one. */
#ifndef SLUICE_UTIL_SWAR_H
#define SLUICE_UTIL_SWAR_H

#include <stdint.h>

#define SLUICE_SWAR_ONES 0x0101010101010101ULL
#define SLUICE_SWAR_HIGHS 0x8080808080808080ULL

/* Lanes equal to byte c. */
static inline uint64_t sluice__swar_eq(uint64_t x, uint8_t c)
{
    uint64_t y = x ^ (SLUICE_SWAR_ONES * c);
    return (y - SLUICE_SWAR_ONES) & ~y & SLUICE_SWAR_HIGHS;
}

/* Lanes below n (n at most 0x80). */
static inline uint64_t sluice__swar_below(uint64_t x, uint8_t n)
{
    return (x - SLUICE_SWAR_ONES * n) & ~x & SLUICE_SWAR_HIGHS;
}

/* Lanes from 0x80 up. */
static inline uint64_t sluice__swar_high(uint64_t x)
{
    return x & SLUICE_SWAR_HIGHS;
}

#endif
