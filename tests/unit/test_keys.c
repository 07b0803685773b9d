/* Tests for auth/keys: the key file (creation, permissions, format, races)
 * and what is derived from it (index, encryption, kid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/keys.h"
#include "util/err.h"

#include "keys_fixture.h"

struct fx {
  char dir[64];
  char path[160]; /* key file two missing directory levels down */
  struct keys *k;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  kfx_mkdir(f->dir, sizeof(f->dir), "keys");
  snprintf(f->path, sizeof(f->path), "%s/a/b/wharf.key", f->dir);
  char err[256] = "";
  assert_int_equal(keys_load_or_create(&f->k, f->path, err, sizeof(err)), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  keys_free(f->k);
  kfx_rmdir(f->dir);
  free(f);
  return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
  assert_int_equal(chmod(path, mode), 0);
}

/* Whole file into a malloc'd string. */
static char *slurp(const char *path)
{
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  char *s = calloc(1, 65536);
  assert_non_null(s);
  size_t n = fread(s, 1, 65535, fp);
  s[n] = '\0';
  fclose(fp);
  return s;
}

static void test_create_mode_and_format(void **state)
{
  struct fx *f = *state;
  struct stat st;
  assert_int_equal(stat(f->path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  char parent[200];
  snprintf(parent, sizeof(parent), "%s/a/b", f->dir);
  assert_int_equal(stat(parent, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);

  char *text = slurp(f->path);
  assert_memory_equal(text, "wharf-key v1\nsecret ", 20);
  assert_non_null(strstr(text, "\n-----BEGIN PRIVATE KEY-----\n"));
  free(text);

  EVP_PKEY *pk = keys_rsa_key(f->k);
  assert_true(EVP_PKEY_is_a(pk, "RSA"));
  assert_int_equal(EVP_PKEY_get_bits(pk), 2048);
  pk = keys_signing_key(f->k); /* derived from the secret, not in the file */
  assert_true(EVP_PKEY_is_a(pk, "EC"));
  assert_int_equal(EVP_PKEY_get_bits(pk), 256);
  assert_string_not_equal(keys_kid(f->k), keys_rsa_kid(f->k));
  const char *kid = keys_kid(f->k);
  assert_int_equal(strlen(kid), KEYS_KID_LEN);
  assert_int_equal(strspn(kid, "0123456789abcdef"), KEYS_KID_LEN);

  /* no temporary file left behind */
  snprintf(parent, sizeof(parent), "%s/a/b", f->dir);
  DIR *d = opendir(parent);
  assert_non_null(d);
  int entries = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.')
      entries++;
  closedir(d);
  assert_int_equal(entries, 1);
}

static void test_reload_same_keys(void **state)
{
  struct fx *f = *state;
  struct keys *k2 = NULL;
  char err[256] = "";
  assert_int_equal(keys_load_or_create(&k2, f->path, err, sizeof(err)), 0);
  assert_string_equal(keys_kid(f->k), keys_kid(k2)); /* same derived ES256 key */
  assert_string_equal(keys_rsa_kid(f->k), keys_rsa_kid(k2));

  char a[65], b[65], c[65];
  assert_int_equal(keys_index(f->k, a, "TOKEN123", 8), 0);
  assert_int_equal(keys_index(k2, b, "TOKEN123", 8), 0);
  assert_string_equal(a, b);
  assert_int_equal(strlen(a), 64);
  assert_int_equal(strspn(a, "0123456789abcdef"), 64);
  assert_int_equal(keys_index(f->k, c, "TOKEN124", 8), 0);
  assert_string_not_equal(a, c);
  /* len bounds the input: bytes past it do not count */
  assert_int_equal(keys_index(k2, c, "TOKEN123garbage", 8), 0);
  assert_string_equal(a, c);

  unsigned char d1[32], d2[32], d3[32];
  assert_int_equal(keys_derive(f->k, d1, sizeof(d1), "login-cache v1"), 0);
  assert_int_equal(keys_derive(k2, d2, sizeof(d2), "login-cache v1"), 0);
  assert_memory_equal(d1, d2, sizeof(d1));
  assert_int_equal(keys_derive(k2, d3, sizeof(d3), "other v1"), 0);
  assert_memory_not_equal(d1, d3, sizeof(d1));
  assert_int_equal(keys_derive(k2, d3, sizeof(d3), "enc v1"), ERR_INVALID);
  assert_int_equal(keys_derive(k2, d3, sizeof(d3), "index v1"), ERR_INVALID);
  assert_int_equal(keys_derive(k2, d3, 0, "x"), ERR_INVALID);
  assert_int_equal(keys_derive(k2, d3, sizeof(d3), ""), ERR_INVALID);

  /* a blob made by one instance is readable by another */
  char *blob = NULL, *plain = NULL;
  size_t n = 0;
  assert_int_equal(keys_encrypt(f->k, &blob, "s3cret-token", 12), 0);
  assert_int_equal(keys_decrypt(k2, &plain, &n, blob), 0);
  assert_int_equal(n, 12);
  assert_string_equal(plain, "s3cret-token");
  free(blob);
  free(plain);
  keys_free(k2);
}

static void test_encrypt_roundtrip(void **state)
{
  struct fx *f = *state;
  const char *tok = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ01";
  char *b1 = NULL, *b2 = NULL, *p = NULL;
  size_t n = 0;
  assert_int_equal(keys_encrypt(f->k, &b1, tok, 64), 0);
  assert_int_equal(keys_encrypt(f->k, &b2, tok, 64), 0);
  assert_memory_equal(b1, "v1$", 3);
  assert_int_equal(strlen(b1), 3 + 4 * ((12 + 64 + 16 + 2) / 3));
  assert_string_not_equal(b1, b2); /* fresh nonce each time */
  assert_null(strstr(b1, "ABCDEFGH"));
  assert_int_equal(keys_decrypt(f->k, &p, &n, b2), 0);
  assert_int_equal(n, 64);
  assert_string_equal(p, tok);
  free(p);
  p = NULL;
  free(b1);
  free(b2);

  /* empty and binary plaintexts; out_len may be NULL */
  assert_int_equal(keys_encrypt(f->k, &b1, "", 0), 0);
  assert_int_equal(keys_decrypt(f->k, &p, NULL, b1), 0);
  assert_string_equal(p, "");
  free(p);
  free(b1);
  const char bin[5] = {'a', '\0', 'b', '\xff', '\0'};
  assert_int_equal(keys_encrypt(f->k, &b1, bin, sizeof(bin)), 0);
  assert_int_equal(keys_decrypt(f->k, &p, &n, b1), 0);
  assert_int_equal(n, sizeof(bin));
  assert_memory_equal(p, bin, sizeof(bin));
  free(p);
  free(b1);

  char *big = calloc(1, KEYS_PLAIN_MAX + 1);
  assert_non_null(big);
  b1 = (char *)0x1;
  assert_int_equal(keys_encrypt(f->k, &b1, big, KEYS_PLAIN_MAX + 1), ERR_TOOBIG);
  assert_ptr_equal(b1, (char *)0x1); /* untouched on failure */
  assert_int_equal(keys_encrypt(f->k, &b1, big, KEYS_PLAIN_MAX), 0);
  assert_int_equal(keys_decrypt(f->k, &p, &n, b1), 0);
  assert_int_equal(n, KEYS_PLAIN_MAX);
  free(p);
  free(b1);
  free(big);
}

/* Another base64 character than c, keeping the encoding canonical where
 * possible (the last character of a group carries unused bits). */
static char other_b64(char c)
{
  return c == 'A' ? 'Q' : 'A';
}

static void test_tamper(void **state)
{
  struct fx *f = *state;
  char *blob = NULL, *p = (char *)0x1;
  size_t n = 99;
  assert_int_equal(keys_encrypt(f->k, &blob, "robot-token-value", 17), 0);
  size_t len = strlen(blob);
  /* every character: nonce, ciphertext, tag (and the version prefix) */
  for (size_t i = 0; i < len; i++) {
    if (blob[i] == '=')
      continue;
    char *t = strdup(blob);
    assert_non_null(t);
    t[i] = i < 3 ? (t[i] == 'v' ? 'w' : t[i] == '1' ? '2' : '#') : other_b64(t[i]);
    assert_int_equal(keys_decrypt(f->k, &p, &n, t), ERR_INVALID);
    free(t);
  }
  assert_ptr_equal(p, (char *)0x1);
  assert_int_equal(n, 99);

  /* truncations, extensions, format errors */
  char buf[512];
  for (size_t cut = 0; cut < len; cut++) {
    snprintf(buf, sizeof(buf), "%.*s", (int)cut, blob);
    assert_int_equal(keys_decrypt(f->k, &p, &n, buf), ERR_INVALID);
  }
  snprintf(buf, sizeof(buf), "%sAAAA", blob);
  assert_int_equal(keys_decrypt(f->k, &p, &n, buf), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s\n", blob);
  assert_int_equal(keys_decrypt(f->k, &p, &n, buf), ERR_INVALID);
  snprintf(buf, sizeof(buf), "%s", blob + 3);
  assert_int_equal(keys_decrypt(f->k, &p, &n, buf), ERR_INVALID);
  assert_int_equal(keys_decrypt(f->k, &p, &n, "v1$"), ERR_INVALID);
  assert_int_equal(keys_decrypt(f->k, &p, &n, "v1$AAAA"), ERR_INVALID);
  assert_int_equal(keys_decrypt(f->k, &p, &n, "v1$!!!!"), ERR_INVALID);
  assert_int_equal(keys_decrypt(f->k, &p, &n, ""), ERR_INVALID);
  assert_int_equal(keys_decrypt(f->k, &p, &n, NULL), ERR_INVALID);
  /* 28 zero bytes: the shortest well-formed blob, wrong tag */
  snprintf(buf, sizeof(buf), "v1$%.38s==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_int_equal(keys_decrypt(f->k, &p, &n, buf), ERR_INVALID);
  assert_ptr_equal(p, (char *)0x1);

  /* a blob from another server key */
  char path2[200], err[256] = "";
  struct keys *k2 = NULL;
  snprintf(path2, sizeof(path2), "%s/other.key", f->dir);
  assert_int_equal(keys_load_or_create(&k2, path2, err, sizeof(err)), 0);
  assert_string_not_equal(keys_kid(k2), keys_kid(f->k));
  char i1[65], i2[65];
  assert_int_equal(keys_index(f->k, i1, "x", 1), 0);
  assert_int_equal(keys_index(k2, i2, "x", 1), 0);
  assert_string_not_equal(i1, i2);
  assert_int_equal(keys_decrypt(k2, &p, &n, blob), ERR_INVALID);
  keys_free(k2);
  free(blob);
}

static void test_refuse_open_modes(void **state)
{
  struct fx *f = *state;
  static const mode_t modes[] = {0644, 0640, 0604, 0620, 0660, 0601};
  for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
    assert_int_equal(chmod(f->path, modes[i]), 0);
    struct keys *k = (struct keys *)0x1;
    char err[512] = "";
    assert_int_equal(keys_load_or_create(&k, f->path, err, sizeof(err)), ERR_DENIED);
    assert_ptr_equal(k, (struct keys *)0x1);
    char want[300];
    snprintf(want, sizeof(want), "chmod 600 %s", f->path);
    assert_non_null(strstr(err, want));
    assert_null(strchr(err, '\n'));
  }
  /* 0400 is fine */
  assert_int_equal(chmod(f->path, 0400), 0);
  struct keys *k = NULL;
  char err[512] = "";
  assert_int_equal(keys_load_or_create(&k, f->path, err, sizeof(err)), 0);
  assert_string_equal(keys_kid(k), keys_kid(f->k));
  keys_free(k);
  assert_int_equal(chmod(f->path, 0600), 0);
}

static void test_bad_files(void **state)
{
  struct fx *f = *state;
  char *good = slurp(f->path);
  char *pem = strstr(good, "-----BEGIN");
  assert_non_null(pem);
  char *secret_line = strstr(good, "secret ");
  assert_non_null(secret_line);
  char secret[64] = "";
  sscanf(secret_line, "secret %63s", secret);
  assert_int_equal(strlen(secret), 44);

  char path[200], text[8192], line2[128];
  snprintf(path, sizeof(path), "%s/bad.key", f->dir);
  snprintf(line2, sizeof(line2), "secret %s\n", secret);
  const char *short_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  const char *bad[][3] = {
    {"", "", ""},
    {"wharf-key v2\n", line2, pem},
    {"wharf-key v1\n", line2, ""},                       /* no PEM */
    {"wharf-key v1\n", "secret AAAA\n", pem},            /* short secret */
    {"wharf-key v1\n", "secret AAAA AAAA\n", pem},
    {"wharf-key v1\n", "sekret AAAA\n", pem},
    {"wharf-key v1\n", line2, short_pem},
    {"wharf-key v1", "", ""},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(text, sizeof(text), "%s%s%s", bad[i][0], bad[i][1], bad[i][2]);
    write_file(path, text, 0600);
    struct keys *k = (struct keys *)0x1;
    char err[512] = "";
    assert_int_equal(keys_load_or_create(&k, path, err, sizeof(err)), ERR_INVALID);
    assert_ptr_equal(k, (struct keys *)0x1);
    assert_non_null(strstr(err, path));
    assert_null(strstr(err, secret)); /* no key material in messages */
    assert_null(strstr(err, "MII"));
    assert_null(strchr(err, '\n'));
  }
  /* the good text under another name loads, with the same kid */
  write_file(path, good, 0600);
  struct keys *k = NULL;
  char err[512] = "";
  assert_int_equal(keys_load_or_create(&k, path, err, sizeof(err)), 0);
  assert_string_equal(keys_kid(k), keys_kid(f->k));
  keys_free(k);
  free(good);

  /* a directory where the file should be; empty path */
  char dpath[200];
  snprintf(dpath, sizeof(dpath), "%s/a", f->dir);
  assert_int_not_equal(keys_load_or_create(&k, dpath, err, sizeof(err)), 0);
  assert_int_equal(keys_load_or_create(&k, "", err, sizeof(err)), ERR_INVALID);
}

/* Two processes creating the same new key file at once end with one key. */
static void test_race(void **state)
{
  struct fx *f = *state;
  char path[200];
  snprintf(path, sizeof(path), "%s/race/x/wharf.key", f->dir);
  int fds[2][2];
  pid_t pids[2];
  for (int i = 0; i < 2; i++) {
    assert_int_equal(pipe(fds[i]), 0);
    pids[i] = fork();
    assert_true(pids[i] >= 0);
    if (pids[i] == 0) {
      struct keys *k = NULL;
      char err[256], out[128] = "";
      if (keys_load_or_create(&k, path, err, sizeof(err)) == 0) {
        char idx[65];
        keys_index(k, idx, "probe", 5);
        snprintf(out, sizeof(out), "%s %s", keys_kid(k), idx);
      }
      ssize_t w = write(fds[i][1], out, strlen(out));
      _exit(w > 0 ? 0 : 1);
    }
    close(fds[i][1]);
  }
  char got[2][128];
  for (int i = 0; i < 2; i++) {
    int status = 0;
    assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ssize_t n = read(fds[i][0], got[i], sizeof(got[i]) - 1);
    assert_true(n > 0);
    got[i][n] = '\0';
    close(fds[i][0]);
  }
  assert_string_equal(got[0], got[1]);

  struct keys *k = NULL;
  char err[256] = "", idx[65], mine[128];
  assert_int_equal(keys_load_or_create(&k, path, err, sizeof(err)), 0);
  keys_index(k, idx, "probe", 5);
  snprintf(mine, sizeof(mine), "%s %s", keys_kid(k), idx);
  assert_string_equal(mine, got[0]);
  keys_free(k);

  char dir[200];
  snprintf(dir, sizeof(dir), "%s/race/x", f->dir);
  DIR *d = opendir(dir);
  assert_non_null(d);
  int entries = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.')
      entries++;
  closedir(d);
  assert_int_equal(entries, 1); /* the loser's temporary file is gone */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_create_mode_and_format),
    cmocka_unit_test(test_reload_same_keys),
    cmocka_unit_test(test_encrypt_roundtrip),
    cmocka_unit_test(test_tamper),
    cmocka_unit_test(test_refuse_open_modes),
    cmocka_unit_test(test_bad_files),
    cmocka_unit_test(test_race),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
