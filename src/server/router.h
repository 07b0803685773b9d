#ifndef WHARF_SERVER_ROUTER_H
#define WHARF_SERVER_ROUTER_H

#include <stddef.h>

#include "server/req.h"

/* The route table: every route wharf serves is one row of it, so the
 * dispatcher, the authorization check and docs/api.md share one source. */
extern const struct route router_table[];
extern const size_t router_table_len;

enum router_result { ROUTE_FOUND = 0, ROUTE_NO_PATH = 1, ROUTE_NO_METHOD = 2 };

/* Finds the row for method + decoded path and fills r->route and r->params
 * (values allocated in r->pool). ROUTE_NO_METHOD when the path matches a row
 * of another method (405), ROUTE_NO_PATH when nothing matches (404). */
enum router_result router_match(struct req *r, const char *method, const char *path);

/* Matches one pattern against a path; fills names/values (up to max) and
 * returns the count, or -1 when it does not match. Values live in pool. */
int router_match_pattern(struct pool *pool, const char *pattern, const char *path,
                         const char **names, const char **values, int max);

/* Percent-decodes a request path into the pool. NULL for malformed escapes,
 * an encoded '/', NUL or control characters. */
char *router_decode_path(struct pool *pool, const char *raw);
/* Percent-decodes a query value into the pool ('+' stays '+'). NULL if malformed. */
char *router_decode_query(struct pool *pool, const char *raw);

#include <stdio.h>
/* Writes the route table as a Markdown table (docs/api.md). */
void router_print_markdown(FILE *f);

#endif
