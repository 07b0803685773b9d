/* Secrets clients send back to us, before any store lookup: Quay's
 * "encrypted_password", accepted as a Basic password (auth/keys.h
 * keys_decrypt), and the session cookie id and CSRF token of /api/v1
 * (auth/websession.h). Byte 0 even: the rest is a client's blob and a
 * "sid\ntoken" pair, none of which may pass; odd: the rest is a password
 * encrypted, optionally edited, which must decrypt exactly when unedited.
 * The two modes use two keys, generated into temporary files at start-up:
 * libFuzzer learns the operands of compares (base64_decode compares a valid
 * blob with its re-encoding) and would otherwise replay a blob of the second
 * mode as a "client" blob of the first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auth/keys.h"
#include "auth/websession.h"
#include "helpers.h"
#include "util/err.h"

static struct keys *key, *own_key; /* client mode, round-trip mode */

static struct keys *new_key(void)
{
  char dir[] = "/tmp/wharf-fuzz-cred-XXXXXX", path[64], err[256];
  struct keys *k = NULL;
  if (!mkdtemp(dir))
    abort();
  snprintf(path, sizeof(path), "%s/wharf.key", dir);
  if (keys_load_or_create(&k, path, err, sizeof(err)) != 0) {
    fprintf(stderr, "fuzz_credentials: %s\n", err);
    abort();
  }
  /* the key lives on in memory only */
  unlink(path);
  rmdir(dir);
  return k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  key = new_key();
  own_key = new_key();
  return 0;
}

static void client_input(const uint8_t *data, size_t size)
{
  char *s = fuzz_cstr(data, size);
  char *plain = (char *)1;
  size_t n = 99;
  int rc = keys_decrypt(key, &plain, &n, s);
  FUZZ_CHECK(rc == ERR_INVALID); /* no forgery under AES-GCM */
  FUZZ_CHECK(plain == (char *)1 && n == 99);

  char *nl = strchr(s, '\n');
  const char *sid = s, *token = nl ? nl + 1 : "";
  if (nl)
    *nl = '\0';
  int valid = websession_id_valid(sid);
  FUZZ_CHECK(!valid || strlen(sid) == WEBSESSION_ID_LEN);
  char want[WEBSESSION_CSRF_LEN + 1];
  FUZZ_CHECK((websession_csrf(want, key, sid) == 0) == valid);
  FUZZ_CHECK(websession_csrf_ok(key, sid, token) == (valid && strcmp(want, token) == 0));
  if (valid)
    FUZZ_CHECK(websession_csrf_ok(key, sid, want));
  free(s);
}

static void own_blob(const uint8_t *data, size_t size)
{
  /* first half: the password; second half: (position, byte) edits */
  size_t half = size / 2;
  char *pw = NULL;
  FUZZ_CHECK(keys_encrypt(own_key, &pw, (const char *)data, half) == 0);
  char *blob = strdup(pw);
  FUZZ_CHECK(blob != NULL);
  size_t n = strlen(blob);
  for (size_t i = half; i + 1 < size; i += 2)
    blob[data[i] % n] = (char)(data[i + 1] ? data[i + 1] : 'A');
  char *plain = NULL;
  size_t len = 0;
  int rc = keys_decrypt(own_key, &plain, &len, blob);
  /* CRYPTO_memcmp: no need to show libFuzzer the valid blob either */
  if (CRYPTO_memcmp(blob, pw, n) == 0) {
    FUZZ_CHECK(rc == 0 && len == half && memcmp(plain, data, half) == 0 && plain[len] == '\0');
  } else {
    FUZZ_CHECK(rc == ERR_INVALID);
  }
  free(plain);
  free(blob);
  free(pw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  if (data[0] % 2 == 0)
    client_input(data + 1, size - 1);
  else
    own_blob(data + 1, size - 1);
  return 0;
}
