/*
 * HuJSON to JSON, byte for byte: comments and trailing commas become spaces.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hujson.h"

struct hj_pos {
	unsigned line;
	unsigned col;
};

static void
hj_advance(struct hj_pos *p, char c)
{
	if (c == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
}

int
hujson_standardize(char *buf, size_t len, struct mesh_error *err)
{
	struct hj_pos pos = {1, 1}, start;
	size_t i = 0, comma = SIZE_MAX;

	while (i < len) {
		char c = buf[i];

		if (c == '"') {
			/* copy the string verbatim, honouring escapes */
			start = pos;
			hj_advance(&pos, buf[i++]);
			while (i < len && buf[i] != '"') {
				if (buf[i] == '\n')
					return mesh_error_set(err, MESH_ERR_PARSE, start.line,
					    start.col, "unterminated string");
				if (buf[i] == '\\' && i + 1 < len)
					hj_advance(&pos, buf[i++]);
				hj_advance(&pos, buf[i++]);
			}
			if (i >= len)
				return mesh_error_set(err, MESH_ERR_PARSE, start.line, start.col,
				    "unterminated string");
			hj_advance(&pos, buf[i++]);
			comma = SIZE_MAX;
			continue;
		}
		if (c == '/' && i + 1 < len && buf[i + 1] == '/') {
			while (i < len && buf[i] != '\n') {
				hj_advance(&pos, buf[i]);
				buf[i++] = ' ';
			}
			continue;
		}
		if (c == '/' && i + 1 < len && buf[i + 1] == '*') {
			start = pos;
			buf[i] = buf[i + 1] = ' ';
			hj_advance(&pos, '/');
			hj_advance(&pos, '*');
			i += 2;
			while (!(i + 1 < len && buf[i] == '*' && buf[i + 1] == '/')) {
				if (i + 1 >= len)
					return mesh_error_set(err, MESH_ERR_PARSE, start.line,
					    start.col, "unterminated /* comment");
				hj_advance(&pos, buf[i]);
				if (buf[i] != '\n')
					buf[i] = ' ';
				i++;
			}
			buf[i] = buf[i + 1] = ' ';
			hj_advance(&pos, '*');
			hj_advance(&pos, '/');
			i += 2;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			hj_advance(&pos, buf[i++]);
			continue;
		}
		if ((c == ']' || c == '}') && comma != SIZE_MAX)
			buf[comma] = ' ';
		comma = c == ',' ? i : SIZE_MAX;
		hj_advance(&pos, buf[i++]);
	}
	return MESH_OK;
}

json_t *
hujson_parse(const char *buf, size_t len, struct mesh_error *err)
{
	json_error_t jerr;
	json_t *root;
	char *copy;

	if ((copy = malloc(len + 1)) == NULL) {
		mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		return NULL;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (hujson_standardize(copy, len, err) != 0) {
		free(copy);
		return NULL;
	}
	root = json_loadb(copy, len, JSON_REJECT_DUPLICATES, &jerr);
	free(copy);
	if (root == NULL) {
		mesh_error_set(err, MESH_ERR_PARSE, jerr.line > 0 ? (unsigned)jerr.line : 0,
		    jerr.column > 0 ? (unsigned)jerr.column : 0, "%s", jerr.text);
		return NULL;
	}
	return root;
}
