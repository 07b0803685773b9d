#ifndef WHARF_UTIL_CIDR_H
#define WHARF_UTIL_CIDR_H

#include <stddef.h>

/* IPv4/IPv6 CIDR blocks, for robot IP allow-lists. */

/* Longest allow-list text accepted (comma-separated CIDRs). */
#define CIDR_LIST_MAX 4096
/* Most CIDRs in one list. */
#define CIDR_LIST_COUNT 64

/* 0 when s (len bytes) is one valid CIDR ("10.0.0.0/8", "::1/128") or a
 * bare address (a /32 or /128); ERR_INVALID otherwise. */
int cidr_valid(const char *s, size_t len);
/* 1 when address ip (text, IPv4 or IPv6; an IPv4-mapped IPv6 address counts
 * as its IPv4 address) is inside one CIDR of the comma-separated list, 0
 * when it is not or ip cannot be parsed. An empty list matches nothing. */
int cidr_list_match(const char *list, const char *ip);

#endif
