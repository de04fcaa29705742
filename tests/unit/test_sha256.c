/* test_sha256.c: SHA-256 against the FIPS 180-4 / NIST example vectors,
 * HMAC-SHA-256 against RFC 4231 and PBKDF2-HMAC-SHA-256 against RFC 7914
 * section 11; streaming must give the same digest however input is split. */
#include "harness.h"
#include "util/sha256.h"

static void digest_hex(const void *p, size_t n, char hex[65])
{
    unsigned char d[SLUICE_SHA256_LEN];
    sluice__sha256(p, n, d);
    sluice__hex(d, sizeof d, hex);
}

static void test_fips_vectors(void)
{
    static const struct {
        const char *msg, *hex;
    } cases[] = {
        {"",
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc",
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
         "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    FOR_CASES(i, cases) {
        char hex[65];
        digest_hex(cases[i].msg, strlen(cases[i].msg), hex);
        ASSERT_STR_EQ(hex, cases[i].hex);
    }
}

static void test_million_a_streamed_in_odd_chunks(void)
{
    static char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    struct sluice_sha256 s;
    sluice__sha256_init(&s);
    size_t left = 1000000;
    for (size_t step = 1; left > 0; step = step % 971 + 13) {
        size_t n = step < left ? step : left;
        sluice__sha256_update(&s, chunk, n);
        left -= n;
    }
    unsigned char d[SLUICE_SHA256_LEN];
    char hex[65];
    sluice__sha256_final(&s, d);
    sluice__hex(d, sizeof d, hex);
    ASSERT_STR_EQ(
        hex,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length across the padding boundaries (55, 56, 63, 64 bytes) hashes
 * the same one-shot and byte by byte. */
static void test_split_independence(void)
{
    unsigned char msg[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (unsigned char)(i * 7 + 1);
    for (size_t n = 0; n <= sizeof msg; n++) {
        unsigned char a[SLUICE_SHA256_LEN], b[SLUICE_SHA256_LEN];
        sluice__sha256(msg, n, a);
        struct sluice_sha256 s;
        sluice__sha256_init(&s);
        for (size_t i = 0; i < n; i++)
            sluice__sha256_update(&s, msg + i, 1);
        sluice__sha256_final(&s, b);
        ASSERT_MEM_EQ(a, sizeof a, b, sizeof b);
    }
}

static void test_hmac_rfc4231(void)
{
    unsigned char key[131], d[SLUICE_SHA256_LEN];
    char hex[65];
    memset(key, 0x0b, 20);
    sluice__hmac_sha256(key, 20, "Hi There", 8, d);
    sluice__hex(d, sizeof d, hex);
    ASSERT_STR_EQ(
        hex,
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    const char *msg2 = "what do ya want for nothing?";
    sluice__hmac_sha256("Jefe", 4, msg2, strlen(msg2), d);
    sluice__hex(d, sizeof d, hex);
    ASSERT_STR_EQ(
        hex,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, sizeof key); /* longer than a block: hashed first */
    const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    sluice__hmac_sha256(key, sizeof key, msg6, strlen(msg6), d);
    sluice__hex(d, sizeof d, hex);
    ASSERT_STR_EQ(
        hex,
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_pbkdf2_rfc7914(void)
{
    unsigned char dk[64];
    char hex[129];
    sluice__pbkdf2_sha256("passwd", 6, "salt", 4, 1, dk, sizeof dk);
    sluice__hex(dk, sizeof dk, hex);
    ASSERT_STR_EQ(hex, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d"
                       "57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e3"
                       "0bd509112041d3a19783");
    sluice__pbkdf2_sha256("Password", 8, "NaCl", 4, 80000, dk, sizeof dk);
    sluice__hex(dk, sizeof dk, hex);
    ASSERT_STR_EQ(hex, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08"
                       "876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1"
                       "d078478f62b397f33c8d");
}

static const struct harness_test TESTS[] = {
    TEST(test_fips_vectors),       TEST(test_million_a_streamed_in_odd_chunks),
    TEST(test_split_independence), TEST(test_hmac_rfc4231),
    TEST(test_pbkdf2_rfc7914),
};
HARNESS_MAIN(TESTS)
