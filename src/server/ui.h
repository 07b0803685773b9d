#ifndef WHARF_SERVER_UI_H
#define WHARF_SERVER_UI_H

#include <stddef.h>

#include "server/req.h"
#include "server/ui_assets.h"

/* The web UI (issue 10): static files embedded in the binary, served with a
 * strict Content-Security-Policy. The UI is a client of /api/v1 like any
 * other; these handlers only hand out its files. */

/* The Content-Security-Policy every UI response carries. */
extern const char ui_csp[];

/* The embedded file called name, or NULL. */
const struct ui_asset *ui_asset_find(const char *name);
/* The Content-Type for a file name, by its extension (octet-stream if unknown). */
const char *ui_content_type(const char *name);
/* Whether an If-None-Match header value (a list, W/ tags, or *) names etag. */
int ui_etag_matches(const char *if_none_match, const char *etag);

/* GET /: the UI's page (index.html). */
int ui_index(struct req *r);
/* GET /ui/{asset}: one embedded file; 404 for a name not embedded. */
int ui_file(struct req *r);

#endif
