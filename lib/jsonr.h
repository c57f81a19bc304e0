/*
 * A pull reader for JSON text (RFC 8259): the caller walks the document
 * value by value, so a schema-driven parser builds its own structures
 * directly, with no intermediate tree, and every error carries the exact
 * line:column.  Strings are checked to be UTF-8 without NUL and decoded
 * (escapes, surrogate pairs); numbers follow the JSON grammar.  Bounds are
 * checked on every byte; the reader never reads past len.
 */
#ifndef MESH_JSONR_H
#define MESH_JSONR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum jsonr_type {
	JSONR_END = 0, /* no more input */
	JSONR_OBJECT,
	JSONR_ARRAY,
	JSONR_STRING,
	JSONR_NUMBER,
	JSONR_LITERAL, /* true, false, null */
	JSONR_INVALID,
};

struct jsonr {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned line;
	size_t line_start;
	struct mesh_error *err;
	char *scratch; /* decoded strings */
	size_t scratch_cap;
};

void jsonr_init(struct jsonr *r, const uint8_t *buf, size_t len, struct mesh_error *err);
void jsonr_fini(struct jsonr *r);

/* Skip whitespace; the type of the next value and its line:col (either may be NULL). */
enum jsonr_type jsonr_peek(struct jsonr *r, unsigned *line, unsigned *col);

/* Consume '{'.  Then jsonr_object_next(r, i) for i = 0, 1, ...: 1 with *key
 * (valid until the next string is read) and the reader at the member's value,
 * 0 after the closing '}', or a negative mesh_err. */
int jsonr_object_begin(struct jsonr *r);
int jsonr_object_next(struct jsonr *r, size_t i, const char **key);

/* Consume '['.  Then jsonr_array_next(r, i): 1 at element i, 0 after ']'. */
int jsonr_array_begin(struct jsonr *r);
int jsonr_array_next(struct jsonr *r, size_t i);

/* A string value, decoded and NUL-terminated, valid until the next string. */
int jsonr_string(struct jsonr *r, const char **out, size_t *len);

/* A number; *is_int says whether it is an integer that fits *out. */
int jsonr_number(struct jsonr *r, long long *out, int *is_int);

/* Only whitespace may follow. */
int jsonr_end(struct jsonr *r);

#endif
