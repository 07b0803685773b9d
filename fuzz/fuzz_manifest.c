/* manifest_parse (registry/manifest_parse.h): OCI image manifests and
 * indexes, Docker schema2 manifests and manifest lists.
 * Input: the Content-Type header on the first line ("-" for none), then
 * the body. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "registry/manifest_parse.h"
#include "util/digest.h"
#include "util/err.h"
#include "util/pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *ct;
  const uint8_t *body;
  size_t len;
  fuzz_split_line(&ct, &body, &len, data, size);
  /* the body exactly sized, so ASan sees reads past it */
  uint8_t *copy = malloc(len ? len : 1);
  FUZZ_CHECK(copy != NULL);
  if (len)
    memcpy(copy, body, len);
  struct pool *p = pool_new();
  FUZZ_CHECK(p != NULL);

  struct manifest_info info;
  char err[256];
  /* short and absent error buffers too */
  size_t errlen = size % 7 == 0 ? 0 : size % 7 == 1 ? 8 : sizeof(err);
  memset(&info, 0xa5, sizeof(info));
  memset(err, 'x', sizeof(err));
  int rc = manifest_parse(&info, p, strcmp(ct, "-") == 0 ? NULL : ct, copy, len, err, errlen);
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID || rc == ERR_UNSUPPORTED);
  if (rc == 0) {
    FUZZ_CHECK(manifest_type_known(info.media_type));
    FUZZ_CHECK(info.is_index == (strcmp(info.media_type, MT_OCI_INDEX) == 0 ||
                                 strcmp(info.media_type, MT_DOCKER_LIST) == 0));
    /* an image manifest always references its config */
    FUZZ_CHECK(info.is_index || info.nrefs >= 1);
    for (size_t i = 0; i < info.nrefs; i++) {
      const char *d = info.refs[i].digest;
      FUZZ_CHECK(digest_parse(NULL, d, strlen(d)) == 0);
      FUZZ_CHECK(info.refs[i].is_manifest == info.is_index);
      for (size_t j = 0; j < i; j++) /* deduplicated */
        FUZZ_CHECK(strcmp(info.refs[j].digest, d) != 0);
    }
    if (info.subject)
      FUZZ_CHECK(digest_parse(NULL, info.subject, strlen(info.subject)) == 0);
    if (info.annotations_json)
      FUZZ_CHECK(info.annotations_json[0] == '{');
  } else if (errlen) {
    FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
  } else {
    FUZZ_CHECK(err[0] == 'x'); /* errlen 0: nothing written */
  }
  pool_free(p);
  free(copy);
  free(ct);
  return 0;
}
