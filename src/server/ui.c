/* The web UI's files (issue 10). They are embedded at build time
 * (cmake/embed_ui.cmake), so a deployment is the one binary, works
 * air-gapped, and what the browser runs is what was reviewed.
 *
 * Every response carries a strict Content-Security-Policy: scripts, styles,
 * images and API calls from this origin only, no inline script or style
 * (the UI builds its DOM with textContent, never innerHTML with data), no
 * framing. Files are revalidated on each use (Cache-Control: no-cache) and
 * answered 304 when the ETag (the file's SHA-256) matches: the module URLs
 * carry no hash, so a longer max-age would mix files of two builds after an
 * upgrade. */
#include "server/ui.h"

#include <string.h>
#include <strings.h>

#define UI_INDEX "index.html"

const char ui_csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                      "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const struct ui_asset *ui_asset_find(const char *name)
{
  if (!name)
    return NULL;
  for (size_t i = 0; i < ui_assets_len; i++)
    if (strcmp(ui_assets[i].name, name) == 0)
      return &ui_assets[i];
  return NULL;
}

const char *ui_content_type(const char *name)
{
  static const struct { const char *ext, *type; } types[] = {
    { ".html", "text/html; charset=utf-8" },
    { ".js", "text/javascript; charset=utf-8" },
    { ".mjs", "text/javascript; charset=utf-8" },
    { ".css", "text/css; charset=utf-8" },
    { ".svg", "image/svg+xml" },
    { ".png", "image/png" },
    { ".ico", "image/x-icon" },
    { ".json", "application/json" },
    { ".txt", "text/plain; charset=utf-8" },
  };
  const char *dot = name ? strrchr(name, '.') : NULL;
  for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
    if (strcasecmp(dot, types[i].ext) == 0)
      return types[i].type;
  return "application/octet-stream";
}

int ui_etag_matches(const char *inm, const char *etag)
{
  if (!inm || !etag)
    return 0;
  size_t el = strlen(etag);
  for (const char *c = inm; *c;) {
    c += strspn(c, " \t,");
    size_t len = strcspn(c, ",");
    size_t end = len;
    while (end && (c[end - 1] == ' ' || c[end - 1] == '\t'))
      end--;
    const char *tag = c;
    /* If-None-Match compares weakly (RFC 9110 13.1.2) */
    if (end >= 2 && strncmp(tag, "W/", 2) == 0)
      tag += 2, end -= 2;
    if ((end == 1 && tag[0] == '*') || (end == el && memcmp(tag, etag, el) == 0))
      return 1;
    c += len;
  }
  return 0;
}

/* Headers every UI answer carries, 304s included. */
static void ui_headers(struct req *r, const struct ui_asset *a)
{
  req_set_header(r, "Content-Security-Policy", ui_csp);
  /* X-Content-Type-Options: nosniff is on every response (http.c) */
  req_set_header(r, "X-Frame-Options", "DENY");
  req_set_header(r, "Referrer-Policy", "no-referrer");
  req_set_header(r, "Cache-Control", "no-cache");
  req_set_header(r, "ETag", a->etag);
}

static int ui_send(struct req *r, const struct ui_asset *a)
{
  if (!a) {
    req_set_header(r, "Content-Security-Policy", ui_csp);
    return req_error(r, 404, "NOT_FOUND", "no such file in the web UI", NULL);
  }
  ui_headers(r, a);
  if (ui_etag_matches(req_header(r, "If-None-Match"), a->etag))
    return req_respond(r, 304, NULL, NULL, 0);
  return req_respond(r, 200, ui_content_type(a->name), a->data, a->len);
}

int ui_index(struct req *r)
{
  return ui_send(r, ui_asset_find(UI_INDEX));
}

int ui_file(struct req *r)
{
  return ui_send(r, ui_asset_find(req_param(r, "asset")));
}
