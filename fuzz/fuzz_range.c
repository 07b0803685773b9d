/* Range (registry/blob.c reg_parse_range) and Content-Range
 * (registry/common.c reg_parse_content_range) headers.
 * Input: the blob size in decimal on the first line, then the header value. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "registry/registry.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *line;
  const uint8_t *rest;
  size_t rest_len;
  fuzz_split_line(&line, &rest, &rest_len, data, size);
  char *h = fuzz_cstr(rest, rest_len);
  /* blob sizes are what stat says: 0 .. INT64_MAX */
  long long v = strtoll(line, NULL, 10);
  int64_t blob_size = v < 0 ? (v == INT64_MIN ? INT64_MAX : -v) : v;

  int64_t start = -7, len = -7;
  int rc = reg_parse_range(h, blob_size, &start, &len);
  FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
  if (rc == 1) {
    FUZZ_CHECK(start >= 0 && start < blob_size);
    FUZZ_CHECK(len >= 1 && len <= blob_size - start);
    /* what blob.c derives for the Content-Range it sends */
    FUZZ_CHECK(start + len - 1 < blob_size);
  } else {
    FUZZ_CHECK(start == -7 && len == -7);
  }

  int64_t cs = -7, ce = -7;
  rc = reg_parse_content_range(h, &cs, &ce);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc == 0) {
    FUZZ_CHECK(cs >= 0 && ce >= cs);
    /* upload.c compares the chunk length ce - cs + 1 with Content-Length
     * and with what arrived: it must be representable */
    FUZZ_CHECK(ce - cs < INT64_MAX);
  } else {
    FUZZ_CHECK(cs == -7 && ce == -7);
  }
  free(h);
  free(line);
  return 0;
}
