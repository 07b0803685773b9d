/* Tests for auth/password: argon2id hashing and verification. Each fresh
 * hash costs ~40 ms (19 MiB), so the test makes only a handful. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/password.h"
#include "util/err.h"

/* Reference test vector of the argon2 reference implementation (src/test.c,
 * argon2id v1.3, t=2, m=256 KiB, p=1, password "password", salt "somesalt"):
 * proves we verify hashes made by other implementations and cost settings. */
#define KAT "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"

static void test_hash_verify(void **state)
{
  (void)state;
  char *h1 = NULL, *h2 = NULL;
  assert_int_equal(password_hash(&h1, "correct horse battery staple"), 0);
  assert_int_equal(password_hash(&h2, "correct horse battery staple"), 0);
  assert_memory_equal(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31);
  assert_string_not_equal(h1, h2); /* fresh salt */
  assert_null(strstr(h1, "horse"));
  assert_int_equal(password_verify(h1, "correct horse battery staple"), 0);
  assert_int_equal(password_verify(h2, "correct horse battery staple"), 0);
  assert_int_equal(password_verify(h1, "correct horse battery stapl"), ERR_DENIED);
  assert_int_equal(password_verify(h1, "correct horse battery staple "), ERR_DENIED);
  assert_int_equal(password_verify(h1, "Correct horse battery staple"), ERR_DENIED);
  assert_int_equal(password_verify(h1, ""), ERR_DENIED);
  assert_int_equal(password_verify(h1, NULL), ERR_DENIED);
  assert_int_equal(password_needs_rehash(h1), 0);
  free(h1);
  free(h2);
}

static void test_known_answer(void **state)
{
  (void)state;
  assert_int_equal(password_verify(KAT, "password"), 0);
  assert_int_equal(password_verify(KAT, "passwore"), ERR_DENIED);
  assert_int_equal(password_needs_rehash(KAT), 1);
  /* one bit of the stored hash changed */
  char bad[] = KAT;
  bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
  assert_int_equal(password_verify(bad, "password"), ERR_DENIED);
}

static void test_garbage_hash(void **state)
{
  (void)state;
  static const char *bad[] = {
    "",
    "nonsense",
    "$argon2id$",
    "$argon2id$v=19$",
    "$argon2id$v=19$m=256,t=2,p=1$",
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ",                     /* no hash */
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$",                    /* empty hash */
    "$argon2id$v=19$m=256,t=2,p=1$$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4$x",
    "$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=0,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    /* costs a hostile row could use to make one login take 4 GiB or minutes */
    "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=256,t=1000,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    "$argon2id$v=19$m=256,t=2,p=255$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
    /* other argon2 flavours are not accepted */
    "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", /* bcrypt */
    "password",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(password_verify(bad[i], "password"), ERR_INVALID);
    assert_int_equal(password_needs_rehash(bad[i]), 1);
  }
  assert_int_equal(password_verify(NULL, "password"), ERR_INVALID);
  char longhash[700];
  memset(longhash, 'A', sizeof(longhash) - 1);
  longhash[sizeof(longhash) - 1] = '\0';
  memcpy(longhash, "$argon2id$v=19$m=256,t=2,p=1$", 29);
  assert_int_equal(password_verify(longhash, "password"), ERR_INVALID);
}

static void test_length_caps(void **state)
{
  (void)state;
  char *h = (char *)0x1;
  assert_int_equal(password_hash(&h, ""), ERR_INVALID);
  assert_int_equal(password_hash(&h, NULL), ERR_INVALID);
  char pw[PASSWORD_MAX + 2];
  memset(pw, 'p', sizeof(pw) - 1);
  pw[PASSWORD_MAX + 1] = '\0';
  assert_int_equal(password_hash(&h, pw), ERR_TOOBIG);
  assert_ptr_equal(h, (char *)0x1); /* untouched on failure */
  assert_int_equal(password_verify(KAT, pw), ERR_DENIED);
  pw[PASSWORD_MAX] = '\0'; /* exactly at the cap is fine */
  assert_int_equal(password_hash(&h, pw), 0);
  assert_int_equal(password_verify(h, pw), 0);
  pw[PASSWORD_MAX - 1] = 'q';
  assert_int_equal(password_verify(h, pw), ERR_DENIED);
  free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hash_verify),
    cmocka_unit_test(test_known_answer),
    cmocka_unit_test(test_garbage_hash),
    cmocka_unit_test(test_length_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
