#ifndef WHARF_SERVER_CLIENTIP_H
#define WHARF_SERVER_CLIENTIP_H

#include <stddef.h>

/* The client address of a request: the connection's peer, or, when the
 * peer is a trusted reverse proxy (config trusted_proxies), the address
 * X-Forwarded-For names. Pure functions over text, unit tested. */

/* Longest trusted-proxy list taken, normalized (bytes with the NUL). */
#define CLIENTIP_LIST_MAX 4096

/* Normalizes spec, comma-separated addresses and CIDRs with optional blanks
 * ("10.0.0.1, 10.1.0.0/16, ::1"), into out (len bytes): the same entries
 * without blanks, as util/cidr.h's cidr_list_match() takes them. NULL or
 * "" gives "". ERR_INVALID for an entry that is not an address or CIDR (or
 * an empty one), ERR_TOOBIG when it does not fit; out is written only on
 * success. */
int clientip_list_parse(char *out, size_t len, const char *spec);

/* Writes the client address to out (len bytes): peer, unless peer is in
 * trusted (a normalized list) and xff (the X-Forwarded-For values joined by
 * ',', may be NULL) names hops; then the rightmost hop that is not trusted,
 * the leftmost one when all are, stopping at a hop that is not an address
 * (the last trusted one is then the client). */
void clientip_resolve(char *out, size_t len, const char *peer, const char *xff,
                      const char *trusted);

#endif
