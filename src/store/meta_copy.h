#ifndef WHARF_STORE_META_COPY_H
#define WHARF_STORE_META_COPY_H

/* Copying a whole SQLite metadata store into another store (PostgreSQL or
 * SQLite) for `wharf admin migrate`. Generic: the tables and their columns
 * are read from the source's schema (every table but schema_migrations,
 * the marker, and the transient upload sessions with whatever references
 * them), so tables added by later migrations are copied without a change
 * here. Both stores must already be at the same schema version (open each
 * with meta_open() first, which migrates it).
 *
 * The source is read in one read transaction held from meta_copy_open() to
 * meta_copy_free(): the blob list and the rows come from one snapshot.
 * The destination gets every row in one transaction (ids kept, identity
 * sequences moved past them), together with the marker table
 * wharf_migrate's "finished" mark, so a run killed at any point leaves the
 * destination either without rows or completely copied.
 *
 * Functions return 0 or an ERR_* code and, where they take err/errlen, put
 * a one-line explanation there on failure. */

#include <stddef.h>
#include <stdint.h>

struct meta_copy;

/* Where the destination stands. */
enum meta_copy_state {
  META_COPY_EMPTY = 0,   /* no rows, no marker: a first run */
  META_COPY_RESUME = 1,  /* a marker of an unfinished run from this source, no rows */
  META_COPY_DONE = 2,    /* a marker of a finished run from this source */
  META_COPY_FOREIGN = 3  /* rows or another source's marker: refuse */
};

/* Opens the source database of src_url ("sqlite://…", must exist) read-only
 * with a read transaction begun, and a connection of its own to the
 * database of dst_url (sqlite:// or postgres://). Free with meta_copy_free(). */
int meta_copy_open(struct meta_copy **out, const char *src_url, const char *dst_url, char *err,
                   size_t errlen);
/* Ends the read transaction and closes both connections. NULL ok. */
void meta_copy_free(struct meta_copy *mc);

/* Highest applied schema migration of the source and of the destination. */
int meta_copy_versions(struct meta_copy *mc, int *out_src, int *out_dst);
/* The destination's state; for META_COPY_FOREIGN err says why (the first
 * table holding rows, or the other source). */
int meta_copy_state(struct meta_copy *mc, enum meta_copy_state *out, char *err, size_t errlen);
/* Creates the marker table wharf_migrate on the destination (if missing)
 * and records that a migration from this source has begun. */
int meta_copy_mark_started(struct meta_copy *mc, char *err, size_t errlen);

/* Number and total size of the blob rows of the snapshot. */
int meta_copy_blob_totals(struct meta_copy *mc, int64_t *out_n, int64_t *out_bytes);
/* Calls fn(ctx, digest, size) for every blob row of the snapshot, in
 * digest order; stops at the first non-zero return of fn and returns it. */
int meta_copy_each_blob(struct meta_copy *mc,
                        int (*fn)(void *ctx, const char *digest, int64_t size), void *ctx);

/* Copies every table's rows in dependency order in one destination
 * transaction that first checks the marker and that the tables are still
 * empty (ERR_CONFLICT otherwise) and ends by marking the marker finished;
 * *out_tables and *out_rows count what was copied. */
int meta_copy_tables(struct meta_copy *mc, int *out_tables, int64_t *out_rows, char *err,
                     size_t errlen);

#endif
