/*
 * The JSON pull reader and the path locator: structure, numbers, strings,
 * error positions, and locating values past strings that hold brackets,
 * commas and escaped quotes.
 */
#include "config.h"

#include <string.h>

#include "jsonpos.h"
#include "jsonr.h"
#include "tap.h"

static void
test_reader(void)
{
	static const char doc[] = "{\"a\": [1, -2, 3.5, 1e3, 0],\n \"b\": \"x\\u00e9\\n\"}";
	struct mesh_error err = {0};
	struct jsonr r;
	const char *key, *s;
	long long v[5];
	int is_int[5];
	size_t i, len;

	jsonr_init(&r, (const uint8_t *)doc, strlen(doc), &err);
	ok(jsonr_peek(&r, NULL, NULL) == JSONR_OBJECT, "peek object");
	ok(jsonr_object_begin(&r) == 0, "object begin");
	ok(jsonr_object_next(&r, 0, &key) == 1 && strcmp(key, "a") == 0, "first key");
	ok(jsonr_array_begin(&r) == 0, "array begin");
	for (i = 0; jsonr_array_next(&r, i) == 1 && i < 5; i++)
		(void)jsonr_number(&r, &v[i], &is_int[i]);
	is_int(i, 5, "five numbers");
	ok(is_int[0] && v[0] == 1 && is_int[1] && v[1] == -2 && is_int[4] && v[4] == 0, "integers");
	ok(!is_int[2] && !is_int[3], "fraction and exponent are not integers");
	ok(jsonr_object_next(&r, 1, &key) == 1 && strcmp(key, "b") == 0, "second key");
	ok(jsonr_string(&r, &s, &len) == 0 && strcmp(s, "x\xc3\xa9\n") == 0 && len == 4,
	    "escapes decoded");
	ok(jsonr_object_next(&r, 2, &key) == 0, "object end");
	ok(jsonr_end(&r) == 0, "end of input");
	jsonr_fini(&r);
}

struct bad_doc {
	const char *doc;
	unsigned line, col;
	const char *text;
};

static int
walk(struct jsonr *r)
{
	enum jsonr_type t = jsonr_peek(r, NULL, NULL);
	const char *s;
	size_t i, len;
	long long v;
	int n, is_int;

	switch (t) {
	case JSONR_OBJECT:
		if ((n = jsonr_object_begin(r)) != 0)
			return n;
		for (i = 0; (n = jsonr_object_next(r, i, &s)) > 0; i++)
			if ((n = walk(r)) != 0)
				return n;
		return n;
	case JSONR_ARRAY:
		if ((n = jsonr_array_begin(r)) != 0)
			return n;
		for (i = 0; (n = jsonr_array_next(r, i)) > 0; i++)
			if ((n = walk(r)) != 0)
				return n;
		return n;
	case JSONR_STRING:
		return jsonr_string(r, &s, &len);
	case JSONR_NUMBER:
		return jsonr_number(r, &v, &is_int);
	default:
		return MESH_ERR_PARSE;
	}
}

static void
test_errors(void)
{
	static const struct bad_doc bad[] = {
	    {"[1,]", 1, 4, "trailing comma"},
	    {"{\"a\" 1}", 1, 6, "':' expected"},
	    {"{\"a\": 1,\n \"b\": 2 \"c\": 3}", 2, 9, "',' or '}' expected"},
	    {"[1 2]", 1, 4, "',' or ']' expected"},
	    {"[\"abc", 1, 2, "unterminated string"},
	    {"[\"a\\q\"]", 1, 4, "invalid escape"},
	    {"[\"\\u12\"]", 1, 3, "invalid \\u escape"},
	    {"[\"\\udc00\"]", 1, 3, "invalid surrogate pair"},
	    {"[\"\xc0\xaf\"]", 1, 3, "invalid UTF-8"},
	    {"[-]", 1, 2, "number expected"},
	    {"[1.]", 1, 4, "digit expected"},
	    {"[1e]", 1, 4, "digit expected"},
	    {"[", 1, 2, "unexpected end of input"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mesh_error err = {0};
		struct jsonr r;
		char name[96];
		int n;

		jsonr_init(&r, (const uint8_t *)bad[i].doc, strlen(bad[i].doc), &err);
		n = walk(&r);
		(void)snprintf(name, sizeof(name), "refused with %s", bad[i].text);
		ok(n == MESH_ERR_PARSE && strcmp(err.text, bad[i].text) == 0, name);
		if (strcmp(err.text, bad[i].text) != 0)
			printf("#   got \"%s\"\n", err.text);
		is_int(err.line, bad[i].line, name);
		is_int(err.col, bad[i].col, name);
		jsonr_fini(&r);
	}
}

static void
test_locate(void)
{
	static const char doc[] = "{\"s\": \"}],{\\\"x\", \"n\": [1, {\"k\": [true, \"a,]\"]},\n"
				  "  {\"k\": [null, 7]}], \"k\": 2}";
	const struct jsonpos_step deep[] = {{"n", 0}, {NULL, 2}, {"k", 0}, {NULL, 1}};
	const struct jsonpos_step top[] = {{"k", 0}};
	const struct jsonpos_step missing[] = {{"n", 0}, {NULL, 3}};
	unsigned line = 0, col = 0;

	ok(jsonpos_locate(doc, strlen(doc), deep, 4, &line, &col) == 0 && line == 2 && col == 16,
	    "n[2].k[1] found past strings with brackets and escaped quotes");
	ok(jsonpos_locate(doc, strlen(doc), top, 1, &line, &col) == 0 && line == 2 && col == 27,
	    "top-level k found after nested values");
	ok(jsonpos_locate(doc, strlen(doc), missing, 2, &line, &col) == MESH_ERR_NOTFOUND,
	    "a missing element is not found");
	ok(jsonpos_locate(doc, strlen(doc), deep, 0, &line, &col) == 0 && line == 1 && col == 1,
	    "the empty path is the document");
}

int
main(void)
{
	test_reader();
	test_errors();
	test_locate();
	return tap_done();
}
