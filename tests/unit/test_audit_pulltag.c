/* audit/pulltag: the tag a HEAD resolved is recalled by the same caller's GET
 * by digest within the TTL, and by nobody else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "audit/pulltag.h"
#include "util/err.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void test_recall_same_caller(void **state)
{
  (void)state;
  char tag[AUDIT_PULLTAG_TAG_MAX];
  audit_pulltag_remember("acme/app", D1, "acme+ci", "10.0.0.1", "v1", 1000);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+ci", "10.0.0.1",
                                        1000 + AUDIT_PULLTAG_TTL), 0);
  assert_string_equal(tag, "v1");
  /* a newer HEAD of another tag to the same digest wins */
  audit_pulltag_remember("acme/app", D1, "acme+ci", "10.0.0.1", "latest", 1001);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+ci", "10.0.0.1",
                                        1002), 0);
  assert_string_equal(tag, "latest");
  /* anonymous callers are a performer of their own */
  audit_pulltag_remember("acme/pub", D1, NULL, "10.0.0.1", "v2", 1000);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/pub", D1, NULL, "10.0.0.1", 1001),
                   0);
  assert_string_equal(tag, "v2");
}

static void test_no_recall_for_others(void **state)
{
  (void)state;
  char tag[AUDIT_PULLTAG_TAG_MAX];
  audit_pulltag_remember("acme/app", D1, "acme+ci", "10.0.0.1", "v1", 5000);
  /* other performer, address, digest, repository; or too late */
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+cd", "10.0.0.1",
                                        5001), ERR_NOTFOUND);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, NULL, "10.0.0.1", 5001),
                   ERR_NOTFOUND);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+ci", "10.0.0.2",
                                        5001), ERR_NOTFOUND);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D2, "acme+ci", "10.0.0.1",
                                        5001), ERR_NOTFOUND);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/ap", D1, "acme+ci", "10.0.0.1",
                                        5001), ERR_NOTFOUND);
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+ci", "10.0.0.1",
                                        5001 + AUDIT_PULLTAG_TTL), ERR_NOTFOUND);
  /* a clock that went back does not recall either */
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/app", D1, "acme+ci", "10.0.0.1",
                                        4999), ERR_NOTFOUND);
  /* a buffer too small for the tag */
  assert_int_equal(audit_pulltag_recall(tag, 2, "acme/app", D1, "acme+ci", "10.0.0.1", 5001),
                   ERR_NOTFOUND);
}

static void test_caps(void **state)
{
  (void)state;
  char tag[AUDIT_PULLTAG_TAG_MAX], longtag[200], longname[1100];
  memset(longtag, 'a', sizeof(longtag) - 1);
  longtag[sizeof(longtag) - 1] = '\0';
  memset(longname, 'n', sizeof(longname) - 1);
  longname[sizeof(longname) - 1] = '\0';
  audit_pulltag_remember("acme/caps", D1, "u", "ip", longtag, 100); /* tag too long: ignored */
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/caps", D1, "u", "ip", 100),
                   ERR_NOTFOUND);
  audit_pulltag_remember(longname, D1, "u", "ip", "v1", 100); /* key too long: ignored */
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), longname, D1, "u", "ip", 100),
                   ERR_NOTFOUND);
  audit_pulltag_remember("acme/caps", D1, "u", "ip", "", 100); /* empty tag: ignored */
  assert_int_equal(audit_pulltag_recall(tag, sizeof(tag), "acme/caps", D1, "u", "ip", 100),
                   ERR_NOTFOUND);
  /* many keys: the table is fixed; recent ones are mostly still there */
  char repo[64];
  int found = 0;
  for (int i = 0; i < 2000; i++) {
    snprintf(repo, sizeof(repo), "org/r%d", i);
    audit_pulltag_remember(repo, D2, "u", "ip", "t", 200);
  }
  for (int i = 1990; i < 2000; i++) {
    snprintf(repo, sizeof(repo), "org/r%d", i);
    found += audit_pulltag_recall(tag, sizeof(tag), repo, D2, "u", "ip", 200) == 0;
  }
  assert_true(found >= 8);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_recall_same_caller),
    cmocka_unit_test(test_no_recall_for_others),
    cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
