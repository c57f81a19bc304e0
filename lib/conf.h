/*
 * sshd_config-style configuration files: one "Keyword argument..." per line,
 * keywords case-insensitive, '#' comments, arguments optionally in double
 * quotes.  The tokenizer is shared; each program (meshsshd, meshd) owns its
 * keyword table and the struct it fills.  Errors quote file:line.
 */
#ifndef MESH_CONF_H
#define MESH_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CONF_MAX_ARGS 16

struct conf_line {
	const char *keyword;
	const char *args[CONF_MAX_ARGS];
	size_t nargs;
	unsigned line;
};

/*
 * Called once per non-empty line.  Return 0 to go on, or a negative mesh_err
 * after filling err (line and source are filled in by conf_parse if unset).
 */
typedef int (*conf_line_fn)(const struct conf_line *l, void *ctx, struct mesh_error *err);

/* Tokenize buf[0..len) and call fn per line.  Pure. */
int conf_parse(const char *buf, size_t len, conf_line_fn fn, void *ctx, struct mesh_error *err);

/* Read path (root-owned, not group/world-writable) and conf_parse it. */
int conf_load(const char *path, conf_line_fn fn, void *ctx, struct mesh_error *err);

/* Argument helpers: fill *out or return MESH_ERR_INVALID with a message. */
int conf_arg_bool(const struct conf_line *l, size_t i, bool *out, struct mesh_error *err);
int conf_arg_uint(const struct conf_line *l, size_t i, uint64_t min, uint64_t max, uint64_t *out,
    struct mesh_error *err);
/* "30", "30s", "5m", "1h", "2d" (sshd TIME FORMATS) -> seconds */
int conf_arg_seconds(const struct conf_line *l, size_t i, uint64_t *out, struct mesh_error *err);
/* exactly n arguments (or at least n when at_least) */
int conf_want_args(const struct conf_line *l, size_t n, bool at_least, struct mesh_error *err);

#endif
