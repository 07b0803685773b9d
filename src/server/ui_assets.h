#ifndef WHARF_SERVER_UI_ASSETS_H
#define WHARF_SERVER_UI_ASSETS_H

#include <stddef.h>

/* One file of the web UI, embedded at build time (cmake/embed_ui.cmake
 * generates the table from the files in ui/). Everything is static, read-only data. */
struct ui_asset {
  const char *name;            /* file name under ui/, e.g. "app.js" */
  const unsigned char *data;   /* its bytes (NUL-terminated, len excludes it) */
  size_t len;
  const char *etag;            /* quoted strong ETag from its SHA-256 */
};

/* The embedded files, sorted by name. */
extern const struct ui_asset ui_assets[];
/* How many rows ui_assets has. */
extern const size_t ui_assets_len;

#endif
