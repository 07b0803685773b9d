#ifndef WHARF_UTIL_UTF8_H
#define WHARF_UTIL_UTF8_H

#include <stddef.h>

/* UTF-8 for text that goes into JSON: jansson refuses strings that are not
 * valid UTF-8, and client bytes (a path segment, a query value, the input a
 * JSON parser error quotes) or a "%.300s" cut through a character are not. */

struct pool;

/* 1 if s[0..n) is valid UTF-8 as JSON needs it (no overlong forms, no
 * surrogates, nothing above U+10FFFF), else 0. */
int utf8_valid(const char *s, size_t n);

/* s as valid UTF-8 of at most max bytes: s itself when it already is, else
 * a copy in p cut at a character boundary, every byte of an invalid
 * sequence replaced by '?' (the static "?" if that copy cannot be made).
 * NULL only when s is NULL. */
const char *utf8_clean(struct pool *p, const char *s, size_t max);

#endif
