#ifndef WHARF_UTIL_RFC3339_H
#define WHARF_UTIL_RFC3339_H

#include <stdint.h>

/* Parses an RFC 3339 date-time ("2026-12-04T17:05:28Z", fraction and a
 * "+01:00" offset allowed, 't'/'z' lower case too) into epoch seconds
 * (fraction dropped); ERR_INVALID for anything else. */
int rfc3339_parse(int64_t *out, const char *s);
/* Buffer size rfc3339_format() needs (room for any int64 input). */
#define RFC3339_BUF 80
/* Formats epoch seconds as "YYYY-MM-DDTHH:MM:SSZ" into buf (RFC3339_BUF
 * bytes); returns buf. */
char *rfc3339_format(char *buf, int64_t t);

#endif
