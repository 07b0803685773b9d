/* The config file (config/config.h config_load): YAML written to an
 * in-memory file (memfd) and loaded as `wharf serve --config FILE` would;
 * the input is also tried as a listen address (config_parse_listen). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "helpers.h"
#include "util/err.h"

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc, (void)argv;
  /* only the file may change the configuration */
  size_t n;
  const struct config_row *rows = config_rows(&n);
  for (size_t i = 0; i < n; i++)
    unsetenv(rows[i].env);
  unsetenv("WHARF_CONFIG");
  memfd = memfd_create("wharf-fuzz-config", MFD_CLOEXEC);
  if (memfd < 0)
    abort();
  snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
  return 0;
}

static void check_loaded(const struct config *c)
{
  size_t n;
  const struct config_row *rows = config_rows(&n);
  for (size_t i = 0; i < n; i++) {
    const char *base = (const char *)c + rows[i].offset;
    if (rows[i].type == CONFIG_INT) {
      long v = *(const long *)(const void *)base;
      FUZZ_CHECK(v >= rows[i].min && v <= rows[i].max);
    } else if (rows[i].type == CONFIG_BOOL) {
      int v = *(const int *)(const void *)base;
      FUZZ_CHECK(v == 0 || v == 1);
    }
  }
  char host[256];
  int port = 0;
  FUZZ_CHECK(c->listen && config_parse_listen(c->listen, host, sizeof(host), &port) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (ftruncate(memfd, 0) != 0 || (size && pwrite(memfd, data, size, 0) != (ssize_t)size))
    abort();
  struct config c;
  config_init(&c);
  char *argv[] = { "serve", "--config", path, NULL };
  char err[512];
  err[0] = '\0';
  int rc = config_load(&c, 3, argv, err, sizeof(err));
  FUZZ_CHECK(rc == 0 || rc == ERR_INVALID);
  if (rc == 0)
    check_loaded(&c);
  else
    FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
  config_free(&c);

  char *s = fuzz_cstr(data, size);
  char host[256];
  int port = -1;
  if (config_parse_listen(s, host, sizeof(host), &port) == 0) {
    FUZZ_CHECK(port >= 1 && port <= 65535);
    FUZZ_CHECK(host[0] && strlen(host) < sizeof(host));
  } else {
    FUZZ_CHECK(port == -1);
  }
  free(s);
  return 0;
}
