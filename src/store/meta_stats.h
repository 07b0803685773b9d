#ifndef WHARF_STORE_META_STATS_H
#define WHARF_STORE_META_STATS_H

#include <stddef.h>

struct histo;

/* Per-process latency of the metadata store, one histogram per operation
 * of store/meta.h, timed where meta.c dispatches to the backend. */

/* Histogram of operation i (0, 1, ... until NULL), its name in *out_name
 * (a static string such as "manifest_put"). Owned by the store module. */
const struct histo *meta_stats_op(size_t i, const char **out_name);

#endif
