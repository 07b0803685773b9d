#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/meta.h"

int cli_key_path(char *out, size_t len, const char *key_file, const char *db)
{
  if (key_file && *key_file) {
    if ((size_t)snprintf(out, len, "%s", key_file) >= len)
      return -1;
    return 0;
  }
  if (strncmp(db, "sqlite://", 9) != 0)
    return -1;
  const char *path = db + 9;
  const char *slash = strrchr(path, '/');
  int n = slash ? snprintf(out, len, "%.*s/wharf.key", (int)(slash - path), path)
                : snprintf(out, len, "./wharf.key");
  return n < 0 || (size_t)n >= len ? -1 : 0;
}

const char *cli_db_shown(char *out, size_t len, const char *db)
{
  if (meta_url_redact(out, len, db) != 0)
    snprintf(out, len, "(the --db URL)");
  return out;
}
