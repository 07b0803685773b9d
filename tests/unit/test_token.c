/* Tests for auth/token: robot tokens, constant-time compare, bootstrap passwords. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/token.h"
#include "util/err.h"

#define ALPHA "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define N_TOKENS 10000

static void test_length_and_alphabet(void **state)
{
  (void)state;
  char t[TOKEN_LEN + 1];
  for (int i = 0; i < 100; i++) {
    memset(t, 'x', sizeof(t));
    assert_int_equal(token_generate(t), 0);
    assert_int_equal(strlen(t), 64);
    assert_int_equal(strspn(t, ALPHA), 64);
  }
}

static int cmp_tok(const void *a, const void *b)
{
  return memcmp(a, b, TOKEN_LEN);
}

/* 10000 tokens: all distinct, and every character about equally frequent
 * overall and at the first and last positions. */
static void test_distinct_and_uniform(void **state)
{
  (void)state;
  char (*toks)[TOKEN_LEN + 1] = malloc(N_TOKENS * sizeof(*toks));
  assert_non_null(toks);
  long count[36] = {0}, first[36] = {0}, last[36] = {0};
  for (int i = 0; i < N_TOKENS; i++) {
    assert_int_equal(token_generate(toks[i]), 0);
    for (int j = 0; j < TOKEN_LEN; j++) {
      const char *c = strchr(ALPHA, toks[i][j]);
      assert_non_null(c);
      count[c - ALPHA]++;
      if (j == 0)
        first[c - ALPHA]++;
      if (j == TOKEN_LEN - 1)
        last[c - ALPHA]++;
    }
  }
  qsort(toks, N_TOKENS, sizeof(*toks), cmp_tok);
  for (int i = 1; i < N_TOKENS; i++)
    assert_true(memcmp(toks[i - 1], toks[i], TOKEN_LEN) != 0);
  free(toks);

  /* chi-square, 35 degrees of freedom: mean 35, sd ~8.4; 100 is beyond
   * p = 1e-9, so a failure means bias (plain modulo bias would give ~1250). */
  double chi = 0, chi_first = 0, chi_last = 0;
  double e = (double)N_TOKENS * TOKEN_LEN / 36, e1 = (double)N_TOKENS / 36;
  for (int i = 0; i < 36; i++) {
    chi += (count[i] - e) * (count[i] - e) / e;
    chi_first += (first[i] - e1) * (first[i] - e1) / e1;
    chi_last += (last[i] - e1) * (last[i] - e1) / e1;
  }
  assert_true(chi < 100);
  assert_true(chi_first < 100);
  assert_true(chi_last < 100);
}

static void test_token_equal(void **state)
{
  (void)state;
  char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
  assert_int_equal(token_generate(a), 0);
  memcpy(b, a, sizeof(a));
  assert_int_equal(token_equal(a, b), 1);
  b[63] = b[63] == 'A' ? 'B' : 'A';
  assert_int_equal(token_equal(a, b), 0);
  memcpy(b, a, sizeof(a));
  b[0] = b[0] == 'A' ? 'B' : 'A';
  assert_int_equal(token_equal(a, b), 0);
  memcpy(b, a, sizeof(a));
  b[63] = '\0';
  assert_int_equal(token_equal(a, b), 0); /* prefix */
  assert_int_equal(token_equal(b, a), 0);
  assert_int_equal(token_equal("", ""), 1);
  assert_int_equal(token_equal(a, ""), 0);
  assert_int_equal(token_equal(NULL, a), 0);
  assert_int_equal(token_equal(a, NULL), 0);
  assert_int_equal(token_equal(NULL, NULL), 0);
}

static void test_password_generate(void **state)
{
  (void)state;
  char pw[25], pw2[25];
  assert_int_equal(password_generate(pw, sizeof(pw)), 0);
  assert_int_equal(password_generate(pw2, sizeof(pw2)), 0);
  assert_int_equal(strlen(pw), 24);
  assert_string_not_equal(pw, pw2);
  /* no look-alikes across many draws */
  for (int i = 0; i < 200; i++) {
    assert_int_equal(password_generate(pw, sizeof(pw)), 0);
    assert_null(strpbrk(pw, "0O1lI"));
    for (int j = 0; j < 24; j++)
      assert_true((pw[j] >= 'A' && pw[j] <= 'Z') || (pw[j] >= 'a' && pw[j] <= 'z') ||
                  (pw[j] >= '2' && pw[j] <= '9'));
  }
  char big[1026];
  memset(big, 'x', sizeof(big));
  assert_int_equal(password_generate(big, 16), ERR_INVALID);
  assert_int_equal(big[0], 'x'); /* untouched on failure */
  assert_int_equal(password_generate(big, 1026), ERR_INVALID);
  assert_int_equal(password_generate(NULL, 25), ERR_INVALID);
  assert_int_equal(password_generate(big, 17), 0);
  assert_int_equal(strlen(big), 16);
  assert_int_equal(password_generate(big, 1025), 0);
  assert_int_equal(strlen(big), 1024);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_length_and_alphabet),
    cmocka_unit_test(test_distinct_and_uniform),
    cmocka_unit_test(test_token_equal),
    cmocka_unit_test(test_password_generate),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
