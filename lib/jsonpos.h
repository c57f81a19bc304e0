/*
 * Where is nodes[3].key?  jansson keeps no positions for values, so a
 * semantic error found after parsing ("not a valid WireGuard key") would have
 * no line:column.  jsonpos_locate() walks the original text along a path of
 * object keys and array indexes and returns the 1-based line and column where
 * that value starts.  It only reads; on text that is not valid JSON or a path
 * that does not exist it fails rather than guess.
 */
#ifndef MESH_JSONPOS_H
#define MESH_JSONPOS_H

#include <stddef.h>

/* One step of a path: an object member (key != NULL) or an array element. */
struct jsonpos_step {
	const char *key;
	size_t index;
};

/* 0 with line and col set, or MESH_ERR_NOTFOUND. */
int jsonpos_locate(const char *buf, size_t len, const struct jsonpos_step *path, size_t depth,
    unsigned *line, unsigned *col);

#endif
