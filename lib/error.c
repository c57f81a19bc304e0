/*
 * Error codes and parser error records shared by every meshssh component.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const mesh_err_text[] = {
    [0] = "success",
    [1] = "out of memory",
    [2] = "input/output error",
    [3] = "malformed input",
    [4] = "invalid value",
    [5] = "bad signature",
    [6] = "signer is not trusted",
    [7] = "serial is lower than the last accepted (rollback)",
    [8] = "expired",
    [9] = "duplicate entry",
    [10] = "not found",
    [11] = "unsafe file ownership or mode",
    [12] = "out of range",
    [13] = "not supported",
    [14] = "denied by policy",
    [15] = "cryptographic library failure",
    [16] = "timed out",
    [17] = "protocol violation",
    [18] = "try again",
    [19] = "usage error",
    [20] = "already exists",
};

const char *
mesh_strerror(int err)
{
	int i = -err;

	if (i < 0 || i >= (int)(sizeof(mesh_err_text) / sizeof(mesh_err_text[0])) ||
	    mesh_err_text[i] == NULL)
		return "unknown error";
	return mesh_err_text[i];
}

void
mesh_error_clear(struct mesh_error *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->line = e->col = 0;
	e->text[0] = '\0';
	/* source is kept: callers set it once per document */
}

int
mesh_error_set(struct mesh_error *e, int code, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	/* truncation is acceptable for a message; it stays NUL-terminated */
	(void)vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return code;
}

const char *
mesh_error_format(const struct mesh_error *e, char *buf, size_t len)
{
	const char *src = e->source[0] ? e->source : "<input>";
	const char *text = e->text[0] ? e->text : mesh_strerror(e->code);

	if (len == 0)
		return buf;
	if (e->line && e->col)
		(void)snprintf(buf, len, "%s:%u:%u: %s", src, e->line, e->col, text);
	else if (e->line)
		(void)snprintf(buf, len, "%s:%u: %s", src, e->line, text);
	else
		(void)snprintf(buf, len, "%s: %s", src, text);
	return buf;
}
