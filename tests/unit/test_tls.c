/* Native HTTPS certificates (server/tls.h): loading, checks, reload. The
 * certificates are made here with GnuTLS (self-signed, serial chosen). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "server/tls.h"
#include "util/err.h"

static char dir[] = "/tmp/wharf-tls-unit-XXXXXX";

static void write_file(const char *path, const void *data, size_t len)
{
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

/* Writes DIR/NAME.crt and DIR/NAME.key: a self-signed P-256 certificate. */
static void make_cert(const char *name, unsigned char serial)
{
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  char path[256];
  unsigned char buf[8192];
  size_t len;
  assert_int_equal(gnutls_x509_privkey_init(&key), 0);
  assert_int_equal(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                                GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0), 0);
  assert_int_equal(gnutls_x509_crt_init(&crt), 0);
  assert_int_equal(gnutls_x509_crt_set_version(crt, 3), 0);
  assert_int_equal(gnutls_x509_crt_set_serial(crt, &serial, 1), 0);
  assert_int_equal(gnutls_x509_crt_set_activation_time(crt, time(NULL) - 60), 0);
  assert_int_equal(gnutls_x509_crt_set_expiration_time(crt, time(NULL) + 3600), 0);
  assert_int_equal(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9), 0);
  assert_int_equal(gnutls_x509_crt_set_key(crt, key), 0);
  assert_int_equal(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0), 0);
  len = sizeof(buf);
  assert_int_equal(gnutls_x509_crt_export(crt, GNUTLS_X509_FMT_PEM, buf, &len), 0);
  snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
  write_file(path, buf, len);
  len = sizeof(buf);
  assert_int_equal(gnutls_x509_privkey_export(key, GNUTLS_X509_FMT_PEM, buf, &len), 0);
  snprintf(path, sizeof(path), "%s/%s.key", dir, name);
  write_file(path, buf, len);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
}

static const char *p(const char *name)
{
  static char bufs[4][256];
  static int i;
  char *b = bufs[i++ % 4];
  snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
  return b;
}

static void copy(const char *from, const char *to)
{
  char cmd[700];
  snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", p(from), p(to));
  assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
  (void)state;
  umask(077); /* key files 0600, as tls_load() wants them */
  if (!mkdtemp(dir))
    return -1;
  make_cert("a", 0x0a);
  make_cert("b", 0x0b);
  copy("a.crt", "served.crt");
  copy("a.key", "served.key");
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[300];
  tls_unload();
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void test_bad_files_are_refused(void **state)
{
  (void)state;
  char err[512];
  if (!tls_supported())
    skip();
  assert_int_equal(tls_load(p("missing.crt"), p("a.key"), err, sizeof(err)), ERR_IO);
  assert_non_null(strstr(err, "missing.crt"));
  assert_int_equal(tls_load(p("a.crt"), p("b.key"), err, sizeof(err)), ERR_INVALID);
  assert_non_null(strstr(err, "does not fit"));
  assert_int_equal(tls_load(p("a.key"), p("a.key"), err, sizeof(err)), ERR_INVALID);
  assert_int_equal(tls_load(p("a.crt"), p("a.crt"), err, sizeof(err)), ERR_INVALID);
  assert_string_equal(tls_serial(), "");
  assert_int_equal(tls_reload(err, sizeof(err)), ERR_INVALID); /* nothing loaded yet */
}

static void test_load_and_reload(void **state)
{
  (void)state;
  char err[512];
  if (!tls_supported())
    skip();
  assert_int_equal(tls_load(p("served.crt"), p("served.key"), err, sizeof(err)), 0);
  assert_string_equal(tls_serial(), "0a");
  assert_non_null(tls_cert_callback());
  /* reload after replacing both files: the new serial */
  copy("b.crt", "served.crt");
  copy("b.key", "served.key");
  assert_int_equal(tls_reload(err, sizeof(err)), 0);
  assert_string_equal(tls_serial(), "0b");
  /* half-replaced (new cert, old key): refused, the last good one stays */
  copy("a.crt", "served.crt");
  assert_int_equal(tls_reload(err, sizeof(err)), ERR_INVALID);
  assert_string_equal(tls_serial(), "0b");
  copy("a.key", "served.key");
  assert_int_equal(tls_reload(err, sizeof(err)), 0);
  assert_string_equal(tls_serial(), "0a");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bad_files_are_refused),
    cmocka_unit_test(test_load_and_reload),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
