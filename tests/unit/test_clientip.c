/* Client addresses behind trusted proxies (server/clientip.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/clientip.h"
#include "util/err.h"

static void test_list_parse(void **state)
{
  (void)state;
  char out[CLIENTIP_LIST_MAX];
  assert_int_equal(clientip_list_parse(out, sizeof(out), NULL), 0);
  assert_string_equal(out, "");
  assert_int_equal(clientip_list_parse(out, sizeof(out), ""), 0);
  assert_string_equal(out, "");
  assert_int_equal(clientip_list_parse(out, sizeof(out), " 10.0.0.1 ,\t10.1.0.0/16,::1/128 "), 0);
  assert_string_equal(out, "10.0.0.1,10.1.0.0/16,::1/128");
  strcpy(out, "unchanged");
  static const char *const bad[] = { "10.0.0.1,", ",10.0.0.1", "10.0.0.1,,10.0.0.2", "proxy.local",
                                     "10.0.0.0/33", "10.0.0.1 10.0.0.2", " " };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(clientip_list_parse(out, sizeof(out), bad[i]), ERR_INVALID);
  assert_string_equal(out, "unchanged");
  assert_int_equal(clientip_list_parse(out, 8, "10.0.0.1"), ERR_TOOBIG);
}

static const char *resolve(const char *peer, const char *xff, const char *trusted)
{
  static char out[64];
  clientip_resolve(out, sizeof(out), peer, xff, trusted);
  return out;
}

static void test_resolve(void **state)
{
  (void)state;
  /* no trusted proxies: the header is the client's to forge, ignored */
  assert_string_equal(resolve("192.0.2.7", "203.0.113.9", ""), "192.0.2.7");
  assert_string_equal(resolve("192.0.2.7", "203.0.113.9", NULL), "192.0.2.7");
  /* an untrusted peer's header is ignored too */
  assert_string_equal(resolve("192.0.2.7", "203.0.113.9", "10.0.0.0/8"), "192.0.2.7");
  /* behind a trusted proxy: the hop it appended */
  assert_string_equal(resolve("10.0.0.5", "203.0.113.9", "10.0.0.0/8"), "203.0.113.9");
  /* several proxies: the rightmost hop that is not trusted; what the client
   * wrote further left does not count */
  assert_string_equal(resolve("10.0.0.5", "1.1.1.1, 203.0.113.9, 10.0.0.9", "10.0.0.0/8"),
                      "203.0.113.9");
  /* several headers, joined in order */
  assert_string_equal(resolve("10.0.0.5", "1.1.1.1,203.0.113.9", "10.0.0.0/8"), "203.0.113.9");
  /* every hop trusted: the leftmost */
  assert_string_equal(resolve("10.0.0.5", "10.0.0.7, 10.0.0.9", "10.0.0.0/8"), "10.0.0.7");
  /* garbage stops the walk at the last trusted hop */
  assert_string_equal(resolve("10.0.0.5", "203.0.113.9, nonsense", "10.0.0.0/8"), "10.0.0.5");
  assert_string_equal(resolve("10.0.0.5", "203.0.113.9, 10.0.0.9, 1.2.3.4:80", "10.0.0.0/8"),
                      "10.0.0.5");
  assert_string_equal(resolve("10.0.0.5", "", "10.0.0.0/8"), "10.0.0.5");
  assert_string_equal(resolve("10.0.0.5", NULL, "10.0.0.0/8"), "10.0.0.5");
  /* IPv6, and an IPv4 peer seen on an IPv6 socket */
  assert_string_equal(resolve("::1", "2001:db8::1", "::1"), "2001:db8::1");
  assert_string_equal(resolve("::ffff:10.0.0.5", "203.0.113.9", "10.0.0.0/8"), "203.0.113.9");
  /* an unknown peer */
  assert_string_equal(resolve(NULL, "203.0.113.9", "10.0.0.0/8"), "-");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_list_parse),
    cmocka_unit_test(test_resolve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
