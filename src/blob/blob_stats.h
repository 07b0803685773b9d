#ifndef WHARF_BLOB_BLOB_STATS_H
#define WHARF_BLOB_BLOB_STATS_H

#include <stddef.h>

struct histo;

/* Per-process latency of the blob store, one histogram per kind of backend
 * call, timed where blob.c dispatches to the backend. */

/* Histogram of operation i (0, 1, ... until NULL), its name in *out_name
 * (a static string such as "commit"). Owned by the blob module. */
const struct histo *blob_stats_op(size_t i, const char **out_name);

#endif
