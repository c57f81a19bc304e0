/*
 * Locate a value in JSON text by path, for error messages with line:column.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "error.h"
#include "jsonpos.h"

static size_t
jsonpos_ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

/* i at the opening quote; returns the index after the closing quote or len. */
static size_t
jsonpos_string_end(const char *b, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (b[i] == '\\')
			i++;
		else if (b[i] == '"')
			return i + 1;
	}
	return len;
}

/* Skip one value starting at i; returns the index after it or len. */
static size_t
jsonpos_skip(const char *b, size_t len, size_t i)
{
	size_t depth = 0;

	if (i < len && b[i] != '{' && b[i] != '[' && b[i] != '"') {
		/* a number or literal: up to the next delimiter */
		while (i < len && b[i] != '\0' && strchr(",}] \t\n\r", b[i]) == NULL)
			i++;
		return i;
	}
	while (i < len) {
		if (b[i] == '"') {
			i = jsonpos_string_end(b, len, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (b[i] == '{' || b[i] == '[') {
			depth++;
		} else if (b[i] == '}' || b[i] == ']') {
			if (depth <= 1)
				return i + 1;
			depth--;
		}
		i++;
	}
	return len;
}

/* Is the string token at i exactly key (no escapes)? */
static bool
jsonpos_key_is(const char *b, size_t len, size_t i, const char *key)
{
	size_t klen = strlen(key);

	return i + klen + 2 <= len && b[i] == '"' && memcmp(b + i + 1, key, klen) == 0 &&
	    b[i + 1 + klen] == '"';
}

/* Step into member key of the object at i; returns the value's index or len. */
static size_t
jsonpos_member(const char *b, size_t len, size_t i, const char *key)
{
	if (i >= len || b[i] != '{')
		return len;
	i = jsonpos_ws(b, len, i + 1);
	while (i < len && b[i] == '"') {
		bool match = jsonpos_key_is(b, len, i, key);

		i = jsonpos_ws(b, len, jsonpos_string_end(b, len, i));
		if (i >= len || b[i] != ':')
			return len;
		i = jsonpos_ws(b, len, i + 1);
		if (match)
			return i;
		i = jsonpos_ws(b, len, jsonpos_skip(b, len, i));
		if (i >= len || b[i] != ',')
			return len;
		i = jsonpos_ws(b, len, i + 1);
	}
	return len;
}

/* Step into element index of the array at i. */
static size_t
jsonpos_element(const char *b, size_t len, size_t i, size_t index)
{
	size_t k;

	if (i >= len || b[i] != '[')
		return len;
	i = jsonpos_ws(b, len, i + 1);
	if (i >= len || b[i] == ']')
		return len;
	for (k = 0; k < index; k++) {
		i = jsonpos_ws(b, len, jsonpos_skip(b, len, i));
		if (i >= len || b[i] != ',')
			return len;
		i = jsonpos_ws(b, len, i + 1);
	}
	return i;
}

int
jsonpos_locate(const char *buf, size_t len, const struct jsonpos_step *path, size_t depth,
    unsigned *line, unsigned *col)
{
	size_t i = jsonpos_ws(buf, len, 0), k, lstart = 0;
	unsigned ln = 1;

	for (k = 0; k < depth && i < len; k++)
		i = path[k].key ? jsonpos_member(buf, len, i, path[k].key)
				: jsonpos_element(buf, len, i, path[k].index);
	if (i >= len)
		return MESH_ERR_NOTFOUND;
	for (k = 0; k < i; k++)
		if (buf[k] == '\n') {
			ln++;
			lstart = k + 1;
		}
	*line = ln;
	*col = (unsigned)(i - lstart) + 1;
	return MESH_OK;
}
