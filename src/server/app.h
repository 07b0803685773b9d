#ifndef WHARF_SERVER_APP_H
#define WHARF_SERVER_APP_H

#include <stddef.h>
#include <stdint.h>

/* What every handler can reach, passed explicitly through the request
 * (no global god-struct). Owned by `wharf serve`. */
struct app {
  struct meta *meta;
  struct blob_store *blobs;
  const struct config *cfg;
  struct keys *keys;       /* server key: token index, encryption, JWT signing */
  struct tokencache *tokens; /* verified registry JWTs (auth/tokencache.h); NULL: none */
  struct audit *audit;     /* audit log queue and writer (audit/audit.h); NULL: write directly */
  int robots_disabled;     /* Quay's ROBOTS_DISALLOW */
  size_t manifest_max;     /* bytes */
  size_t json_max;         /* bytes of a JSON request body */
  size_t page_max;         /* largest n for tags list and catalog */
  int64_t upload_ttl;      /* seconds an idle upload session lives */
};

#endif
