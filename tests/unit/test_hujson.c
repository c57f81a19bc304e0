/*
 * HuJSON: comments and trailing commas become blanks, positions survive,
 * errors carry line:column.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hujson.h"
#include "tap.h"

static void
check_standard(const char *in, const char *want, const char *name)
{
	char *buf = strdup(in);
	struct mesh_error err = {0};

	is_int(hujson_standardize(buf, strlen(buf), &err), 0, name);
	is_str(buf, want, name);
	free(buf);
}

static void
check_error(const char *in, unsigned line, unsigned col, const char *text, const char *name)
{
	struct mesh_error err = {0};
	json_t *j = hujson_parse(in, strlen(in), &err);

	ok(j == NULL, name);
	is_int(err.code, MESH_ERR_PARSE, name);
	is_int(err.line, line, name);
	is_int(err.col, col, name);
	ok(strstr(err.text, text) != NULL, name);
	if (!strstr(err.text, text))
		printf("#   text: %s\n", err.text);
	json_decref(j);
}

int
main(void)
{
	struct mesh_error err = {0};
	json_t *j;
	const char *policy = "{\n"
			     "  // who may ssh\n"
			     "  \"ssh\": [\n"
			     "    {\"action\": \"accept\", /* inline */ \"src\": [\"a\",],},\n"
			     "  ],\n"
			     "}\n";

	check_standard("{\"a\": 1,}", "{\"a\": 1 }", "trailing comma in object");
	check_standard("[1, 2, ]", "[1, 2  ]", "trailing comma with space in array");
	check_standard("[1,\n// c\n]", "[1 \n    \n]", "trailing comma before comment");
	check_standard("{\"u\": \"http://x\"}", "{\"u\": \"http://x\"}", "// inside a string kept");
	check_standard("{\"s\": \"a\\\"//b\"}", "{\"s\": \"a\\\"//b\"}", "escaped quote in string");
	check_standard("/*a\nb*/1", "   \n   1", "block comment keeps newline");
	check_standard("/*/ x */1", "        1", "/*/ does not close a comment");
	check_standard("[\"a,]\"]", "[\"a,]\"]", "comma inside a string is not trailing");

	j = hujson_parse(policy, strlen(policy), &err);
	ok(j != NULL, "policy-like HuJSON parses");
	ok(json_is_array(json_object_get(j, "ssh")), "ssh is an array");
	is_int(
	    json_array_size(json_object_get(json_array_get(json_object_get(j, "ssh"), 0), "src")),
	    1, "src has one element");
	json_decref(j);

	check_error("{\n  \"a\": 1\n  \"b\": 2\n}", 3, 5, "expected", "missing comma: line 3");
	check_error("{\n\n  /* never closed\n", 3, 3, "unterminated /* comment",
	    "unterminated block comment");
	check_error("{\"a\": \"x\n\"}", 1, 7, "unterminated string", "newline in string");
	check_error("{\"a\": 1, \"a\": 2}", 1, 12, "duplicate", "duplicate key");
	check_error("", 1, 0, "", "empty input");
	return tap_done();
}
