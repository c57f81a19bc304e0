/*
 * HuJSON ("human JSON", as used by Tailscale policy files): JSON plus
 * line and block comments and trailing commas.  hujson_standardize() turns it
 * into standard JSON of exactly the same length, replacing comments and
 * trailing commas with blanks and keeping newlines, so every line:column that
 * jansson reports points at the operator's own text.
 */
#ifndef MESH_HUJSON_H
#define MESH_HUJSON_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* In-place conversion of buf[0..len) to standard JSON.  Pure; no allocation. */
int hujson_standardize(char *buf, size_t len, struct mesh_error *err);

/*
 * Parse HuJSON into a jansson value (duplicate object keys are rejected).
 * Returns NULL with err filled ("line:col: message").  The input is not
 * modified.
 */
json_t *hujson_parse(const char *buf, size_t len, struct mesh_error *err);

#endif
