/*
 * Fuzz target for the JSON pull reader (lib/jsonr.c): a generic walker visits
 * every value of any input, depth-limited as the schema parsers are.
 * Invariants: a decoded string is as long as its strlen (no NUL slipped
 * through \u0000) and is valid UTF-8, an integer keeps its sign, and an error
 * is one line with a column inside the input's line.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_JSONR_DEPTH_MAX 64

/* Strict UTF-8 check, written apart from jsonr's so the two can disagree. */
static int
fuzz_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t k, len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xE0) == 0xC0)
			len = 2, cp = c & 0x1F;
		else if ((c & 0xF0) == 0xE0)
			len = 3, cp = c & 0x0F;
		else if ((c & 0xF8) == 0xF0)
			len = 4, cp = c & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += len;
	}
	return 1;
}

static void
fuzz_check_string(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len || !fuzz_utf8_valid((const unsigned char *)s, len))
		abort();
}

static int
fuzz_walk(struct jsonr *r, unsigned depth)
{
	const char *s;
	long long v;
	size_t len, i;
	int is_int, n;

	if (depth > FUZZ_JSONR_DEPTH_MAX)
		return -1;
	switch (jsonr_peek(r, NULL, NULL)) {
	case JSONR_OBJECT:
		if (jsonr_object_begin(r) != 0)
			abort(); /* peek said '{' */
		for (i = 0; (n = jsonr_object_next(r, i, &s)) == 1; i++) {
			fuzz_check_string(s, strlen(s));
			if (fuzz_walk(r, depth + 1) != 0)
				return -1;
		}
		return n;
	case JSONR_ARRAY:
		if (jsonr_array_begin(r) != 0)
			abort();
		for (i = 0; (n = jsonr_array_next(r, i)) == 1; i++)
			if (fuzz_walk(r, depth + 1) != 0)
				return -1;
		return n;
	case JSONR_STRING:
		if ((n = jsonr_string(r, &s, &len)) != 0)
			return n;
		fuzz_check_string(s, len);
		return 0;
	case JSONR_NUMBER: {
		const char *at = r->buf + r->pos;

		if ((n = jsonr_number(r, &v, &is_int)) != 0)
			return n;
		if (is_int && (v < 0) != (at[0] == '-') && v != 0)
			abort();
		return 0;
	}
	default:
		return -1; /* literals and garbage end the walk */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_error err = {0};
	struct jsonr r;

	jsonr_init(&r, data, size, &err);
	if (fuzz_walk(&r, 0) == 0)
		(void)jsonr_end(&r);
	if (r.pos > size)
		abort();
	if (err.code != 0 && memchr(err.text, '\n', strnlen(err.text, sizeof(err.text))) != NULL)
		abort();
	jsonr_fini(&r);
	return 0;
}
