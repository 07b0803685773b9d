/* digest_parse (util/digest.h): digests in URLs, query strings, manifests. */
#include <string.h>

#include "helpers.h"
#include "util/digest.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* the slice exactly as given: ASan sees any read past its end */
  enum digest_algo algo = 0;
  int rc = digest_parse(&algo, (const char *)data, size);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_UNSUPPORTED);
  FUZZ_CHECK(digest_parse(NULL, (const char *)data, size) == rc);
  if (rc == 0) {
    FUZZ_CHECK(size < DIGEST_MAX);
    FUZZ_CHECK((algo == DIGEST_SHA256 && size == 71 && memcmp(data, "sha256:", 7) == 0) ||
               (algo == DIGEST_SHA512 && size == 135 && memcmp(data, "sha512:", 7) == 0));
    for (size_t i = 7; i < size; i++)
      FUZZ_CHECK((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f'));
  } else {
    FUZZ_CHECK(algo == 0); /* out written only on success */
  }

  /* what we compute ourselves always parses back */
  char d[DIGEST_MAX];
  enum digest_algo mine = (size && (data[0] & 1)) ? DIGEST_SHA512 : DIGEST_SHA256;
  FUZZ_CHECK(digest_buffer(d, mine, data, size) == 0);
  FUZZ_CHECK(digest_parse(NULL, d, strlen(d)) == 0);
  return 0;
}
