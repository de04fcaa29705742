/* sha256.h: SHA-256 (FIPS 180-4), HMAC-SHA-256 (RFC 2104) and
 * PBKDF2-HMAC-SHA-256 (RFC 8018), written here so the library does not
 * depend on OpenSSL for the one place it needs a hash: the state ledger
 * stores a secret's fingerprint, never the secret (docs/internals/state.md).
 *
 * Plain, portable C; no allocation; not constant-time beyond what the
 * algorithm gives naturally (we compare digests we computed ourselves, not
 * attacker-supplied MACs). */
#ifndef SLUICE_UTIL_SHA256_H
#define SLUICE_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SLUICE_SHA256_LEN 32
#define SLUICE_SHA256_BLOCK 64

/* Caller-embedded streaming state. */
struct sluice_sha256 {
    uint32_t h[8];
    uint64_t total; /* bytes fed so far */
    unsigned char block[SLUICE_SHA256_BLOCK];
    size_t used; /* bytes waiting in block */
};

void sluice__sha256_init(struct sluice_sha256 *s);
void sluice__sha256_update(struct sluice_sha256 *s, const void *p, size_t n);
/* Writes the digest; the state must be re-initialised before reuse. */
void sluice__sha256_final(struct sluice_sha256 *s,
                          unsigned char out[SLUICE_SHA256_LEN]);
/* One-shot digest of p/n. */
void sluice__sha256(const void *p, size_t n,
                    unsigned char out[SLUICE_SHA256_LEN]);

/* HMAC-SHA-256 of msg under key (any length). */
void sluice__hmac_sha256(const void *key, size_t key_n, const void *msg,
                         size_t msg_n, unsigned char out[SLUICE_SHA256_LEN]);

/* PBKDF2 with HMAC-SHA-256: derives out_n bytes from password and salt
 * with `iterations` rounds (>= 1). */
void sluice__pbkdf2_sha256(const void *pw, size_t pw_n, const void *salt,
                           size_t salt_n, uint32_t iterations,
                           unsigned char *out, size_t out_n);

/* Lowercase hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void sluice__hex(const unsigned char *p, size_t n, char *out);

#endif
