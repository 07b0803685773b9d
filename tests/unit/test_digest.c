/* Tests for util/digest: the OCI digest grammar and the streaming hasher. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/digest.h"
#include "util/err.h"

#define HEX64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX128                                                                   \
  "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85" \
  "f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"

static int parse(enum digest_algo *out, const char *s)
{
  return digest_parse(out, s, strlen(s));
}

static void test_parse_accepts_registered(void **state)
{
  (void)state;
  enum digest_algo a = 0;
  assert_int_equal(parse(&a, "sha256:" HEX64), 0);
  assert_int_equal(a, DIGEST_SHA256);
  assert_int_equal(parse(&a, "sha512:" HEX128), 0);
  assert_int_equal(a, DIGEST_SHA512);
  assert_int_equal(parse(NULL, "sha256:" HEX64), 0); /* out may be NULL */
  /* n bounds the string: trailing bytes past n are not looked at */
  const char *s = "sha256:" HEX64 "trailing";
  assert_int_equal(digest_parse(NULL, s, 7 + 64), 0);
}

static void test_parse_unsupported_algorithms(void **state)
{
  (void)state;
  static const char *cases[] = {
    "md5:d41d8cd98f00b204e9800998ecf8427e",
    "sha384:38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
    "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
    "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
    "a.b-c_d+e:ABC=xyz",
    "sha1:A",
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    enum digest_algo a = 77;
    assert_int_equal(parse(&a, cases[i]), ERR_UNSUPPORTED);
    assert_int_equal(a, 77); /* out untouched on failure */
  }
}

static void test_parse_rejects_malformed(void **state)
{
  (void)state;
  static const char *cases[] = {
    "",
    "sha256",
    "sha256:",
    ":" HEX64,
    "SHA256:" HEX64,             /* algorithm components are lowercase */
    "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852B855",
    "sha256:" HEX64 "0",         /* 65 hex */
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", /* 63 */
    "sha256:" HEX128,            /* sha512 length under sha256 */
    "sha512:" HEX64,
    "sha256:g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha256:../../x",
    "sha256:ab/cd",
    "sha256:" HEX64 ":",
    "sha256 :" HEX64,
    "-sha256:" HEX64,            /* separator first */
    "sha256-:" HEX64,            /* separator last */
    "sha__256:abc",              /* two separators in a row */
    "sha256::" HEX64,
    "foo:ab cd",
    "foo:ab.cd",                 /* '.' is not in the encoded alphabet */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    enum digest_algo a = 77;
    int rc = parse(&a, cases[i]);
    if (rc != ERR_INVALID)
      fail_msg("case %zu \"%s\": got %d", i, cases[i], rc);
    assert_int_equal(a, 77);
  }
  /* an embedded NUL inside n is not a valid character */
  char buf[7 + 64];
  memcpy(buf, "sha256:" HEX64, sizeof(buf));
  buf[20] = '\0';
  assert_int_equal(digest_parse(NULL, buf, sizeof(buf)), ERR_INVALID);
  /* n shorter than the string cuts the hex */
  assert_int_equal(digest_parse(NULL, "sha256:" HEX64, 7 + 63), ERR_INVALID);
}

struct vector {
  enum digest_algo algo;
  const char *input;
  const char *want;
};

static const struct vector vectors[] = {
  { DIGEST_SHA256, "", "sha256:" HEX64 },
  { DIGEST_SHA256, "abc", "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { DIGEST_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
    "sha256:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  { DIGEST_SHA512, "", "sha512:" HEX128 },
  { DIGEST_SHA512, "abc",
    "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
};

static void test_known_vectors(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
    const struct vector *v = &vectors[i];
    char out[DIGEST_MAX];
    assert_int_equal(digest_buffer(out, v->algo, v->input, strlen(v->input)), 0);
    assert_string_equal(out, v->want);
    /* byte-at-a-time streaming gives the same */
    struct hasher *h = hasher_new(v->algo);
    assert_non_null(h);
    for (size_t k = 0; v->input[k]; k++)
      assert_int_equal(hasher_update(h, v->input + k, 1), 0);
    assert_int_equal(hasher_final(h, out), 0);
    assert_string_equal(out, v->want);
    hasher_free(h);
    /* and the result parses back */
    enum digest_algo a;
    assert_int_equal(parse(&a, out), 0);
    assert_int_equal(a, v->algo);
  }
}

static void test_million_a(void **state)
{
  (void)state;
  char chunk[1000];
  memset(chunk, 'a', sizeof(chunk));
  struct hasher *h256 = hasher_new(DIGEST_SHA256), *h512 = hasher_new(DIGEST_SHA512);
  assert_non_null(h256);
  assert_non_null(h512);
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(hasher_update(h256, chunk, sizeof(chunk)), 0);
    assert_int_equal(hasher_update(h512, chunk, sizeof(chunk)), 0);
  }
  char out[DIGEST_MAX];
  assert_int_equal(hasher_final(h256, out), 0);
  assert_string_equal(out, "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  assert_int_equal(hasher_final(h512, out), 0);
  assert_string_equal(out, "sha512:e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                           "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
  hasher_free(h256);
  hasher_free(h512);
}

static void test_hasher_dup(void **state)
{
  (void)state;
  enum digest_algo algos[] = { DIGEST_SHA256, DIGEST_SHA512 };
  for (size_t i = 0; i < 2; i++) {
    struct hasher *h = hasher_new(algos[i]);
    assert_non_null(h);
    assert_int_equal(hasher_update(h, "ab", 2), 0);
    struct hasher *d = hasher_dup(h);
    assert_non_null(d);
    /* the two diverge independently from the shared prefix */
    assert_int_equal(hasher_update(h, "c", 1), 0);
    assert_int_equal(hasher_update(d, "x", 1), 0);
    char got_h[DIGEST_MAX], got_d[DIGEST_MAX], want[DIGEST_MAX];
    assert_int_equal(hasher_final(h, got_h), 0);
    assert_int_equal(digest_buffer(want, algos[i], "abc", 3), 0);
    assert_string_equal(got_h, want);
    assert_int_equal(hasher_final(d, got_d), 0);
    assert_int_equal(digest_buffer(want, algos[i], "abx", 3), 0);
    assert_string_equal(got_d, want);
    hasher_free(h);
    hasher_free(d);
  }
  hasher_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_accepts_registered),
    cmocka_unit_test(test_parse_unsupported_algorithms),
    cmocka_unit_test(test_parse_rejects_malformed),
    cmocka_unit_test(test_known_vectors),
    cmocka_unit_test(test_million_a),
    cmocka_unit_test(test_hasher_dup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
