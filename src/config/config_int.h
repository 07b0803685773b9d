#ifndef WHARF_CONFIG_CONFIG_INT_H
#define WHARF_CONFIG_CONFIG_INT_H

/* Internals of config/: the table of rows (config_table.c) that the loader
 * (config.c) and the --help/sample generator (config_doc.c, through
 * config_rows()) read. Nothing outside config/ includes this. */

#include <stddef.h>

#include "config/config.h"

/* Most rows the table may have: the YAML loader keeps a fixed array of this
 * many "line each key was set on" entries (a static assertion checks it). */
#define CONFIG_ROWS_MAX 128

/* Every setting, one row each, and how many there are. */
extern const struct config_row config_table[];
extern const size_t config_table_n;

#endif
