/* sha256.c: SHA-256, HMAC-SHA-256 and PBKDF2-HMAC-SHA-256 from their
 * specifications (FIPS 180-4 section 6.2, RFC 2104, RFC 8018 section 5.2).
 * See sha256.h. */
#include "util/sha256.h"

#include <string.h>

/* FIPS 180-4 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const unsigned char *b)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)b[4 * t] << 24 | (uint32_t)b[4 * t + 1] << 16 |
               (uint32_t)b[4 * t + 2] << 8 | (uint32_t)b[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 =
            rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 =
            rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], bb = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
             g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[t] + w[t];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        uint32_t maj = (a & bb) ^ (a & c) ^ (bb & c);
        uint32_t t2 = S0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = bb;
        bb = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += bb;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void sluice__sha256_init(struct sluice_sha256 *s)
{
    /* FIPS 180-4 5.3.3: square roots of the first 8 primes. */
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                   0xa54ff53a, 0x510e527f, 0x9b05688c,
                                   0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, H0, sizeof H0);
    s->total = 0;
    s->used = 0;
}

void sluice__sha256_update(struct sluice_sha256 *s, const void *p, size_t n)
{
    const unsigned char *c = p;
    s->total += n;
    if (s->used) {
        size_t take = SLUICE_SHA256_BLOCK - s->used;
        if (take > n)
            take = n;
        memcpy(s->block + s->used, c, take);
        s->used += take;
        c += take;
        n -= take;
        if (s->used < SLUICE_SHA256_BLOCK)
            return;
        compress(s->h, s->block);
        s->used = 0;
    }
    for (; n >= SLUICE_SHA256_BLOCK;
         c += SLUICE_SHA256_BLOCK, n -= SLUICE_SHA256_BLOCK)
        compress(s->h, c);
    if (n) {
        memcpy(s->block, c, n);
        s->used = n;
    }
}

void sluice__sha256_final(struct sluice_sha256 *s,
                          unsigned char out[SLUICE_SHA256_LEN])
{
    uint64_t bits = s->total * 8;
    /* Padding (5.1.1): 0x80, zeros up to 56 mod 64, the 64-bit length. */
    s->block[s->used++] = 0x80;
    if (s->used > 56) {
        memset(s->block + s->used, 0, SLUICE_SHA256_BLOCK - s->used);
        compress(s->h, s->block);
        s->used = 0;
    }
    memset(s->block + s->used, 0, 56 - s->used);
    for (int i = 0; i < 8; i++)
        s->block[56 + i] = (unsigned char)(bits >> (56 - 8 * i));
    compress(s->h, s->block);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(s->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(s->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(s->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)s->h[i];
    }
    memset(s, 0, sizeof *s);
}

void sluice__sha256(const void *p, size_t n,
                    unsigned char out[SLUICE_SHA256_LEN])
{
    struct sluice_sha256 s;
    sluice__sha256_init(&s);
    sluice__sha256_update(&s, p, n);
    sluice__sha256_final(&s, out);
}

void sluice__hmac_sha256(const void *key, size_t key_n, const void *msg,
                         size_t msg_n, unsigned char out[SLUICE_SHA256_LEN])
{
    unsigned char k[SLUICE_SHA256_BLOCK] = {0};
    unsigned char pad[SLUICE_SHA256_BLOCK];
    unsigned char inner[SLUICE_SHA256_LEN];
    struct sluice_sha256 s;
    if (key_n > SLUICE_SHA256_BLOCK)
        sluice__sha256(key, key_n, k);
    else if (key_n)
        memcpy(k, key, key_n);

    for (int i = 0; i < SLUICE_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    sluice__sha256_init(&s);
    sluice__sha256_update(&s, pad, sizeof pad);
    sluice__sha256_update(&s, msg, msg_n);
    sluice__sha256_final(&s, inner);

    for (int i = 0; i < SLUICE_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    sluice__sha256_init(&s);
    sluice__sha256_update(&s, pad, sizeof pad);
    sluice__sha256_update(&s, inner, sizeof inner);
    sluice__sha256_final(&s, out);
    memset(k, 0, sizeof k);
    memset(pad, 0, sizeof pad);
}

/* HMAC with the key's padded blocks hashed once: PBKDF2 calls the PRF
 * thousands of times with the same key, so this halves its cost. */
struct hmac_key {
    struct sluice_sha256 inner, outer;
};

static void hmac_key_init(struct hmac_key *hk, const void *key, size_t key_n)
{
    unsigned char k[SLUICE_SHA256_BLOCK] = {0};
    unsigned char pad[SLUICE_SHA256_BLOCK];
    if (key_n > SLUICE_SHA256_BLOCK)
        sluice__sha256(key, key_n, k);
    else if (key_n)
        memcpy(k, key, key_n);
    for (int i = 0; i < SLUICE_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x36;
    sluice__sha256_init(&hk->inner);
    sluice__sha256_update(&hk->inner, pad, sizeof pad);
    for (int i = 0; i < SLUICE_SHA256_BLOCK; i++)
        pad[i] = k[i] ^ 0x5c;
    sluice__sha256_init(&hk->outer);
    sluice__sha256_update(&hk->outer, pad, sizeof pad);
    memset(k, 0, sizeof k);
    memset(pad, 0, sizeof pad);
}

static void hmac_keyed(const struct hmac_key *hk, const void *m1, size_t n1,
                       const void *m2, size_t n2,
                       unsigned char out[SLUICE_SHA256_LEN])
{
    struct sluice_sha256 s = hk->inner;
    unsigned char inner[SLUICE_SHA256_LEN];
    sluice__sha256_update(&s, m1, n1);
    if (n2)
        sluice__sha256_update(&s, m2, n2);
    sluice__sha256_final(&s, inner);
    s = hk->outer;
    sluice__sha256_update(&s, inner, sizeof inner);
    sluice__sha256_final(&s, out);
}

void sluice__pbkdf2_sha256(const void *pw, size_t pw_n, const void *salt,
                           size_t salt_n, uint32_t iterations,
                           unsigned char *out, size_t out_n)
{
    struct hmac_key hk;
    hmac_key_init(&hk, pw, pw_n);
    for (uint32_t block = 1; out_n > 0; block++) {
        unsigned char be[4] = {
            (unsigned char)(block >> 24), (unsigned char)(block >> 16),
            (unsigned char)(block >> 8), (unsigned char)block};
        unsigned char u[SLUICE_SHA256_LEN], t[SLUICE_SHA256_LEN];
        hmac_keyed(&hk, salt, salt_n, be, sizeof be, u);
        memcpy(t, u, sizeof t);
        for (uint32_t i = 1; i < iterations; i++) {
            hmac_keyed(&hk, u, sizeof u, NULL, 0, u);
            for (int j = 0; j < SLUICE_SHA256_LEN; j++)
                t[j] ^= u[j];
        }
        size_t take = out_n < sizeof t ? out_n : sizeof t;
        memcpy(out, t, take);
        out += take;
        out_n -= take;
    }
    memset(&hk, 0, sizeof hk);
}

void sluice__hex(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}
