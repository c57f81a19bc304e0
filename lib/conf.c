/*
 * sshd_config-style tokenizer: "Keyword arg arg" per line, '#' comments,
 * double-quoted arguments (no escapes, as in sshd_config), and "Keyword=arg".
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "fileio.h"

#define CONF_LINE_MAX	    4096
#define CONF_FILE_MAX_BYTES (1024u * 1024u)

static int
conf_tokenize(char *s, unsigned lineno, struct conf_line *l, struct mesh_error *err)
{
	size_t n = 0;
	char *p = s;

	memset(l, 0, sizeof(*l));
	l->line = lineno;
	for (;;) {
		while (*p == ' ' || *p == '\t' || (n == 1 && *p == '='))
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n > CONF_MAX_ARGS)
			return mesh_error_set(err, MESH_ERR_PARSE, lineno, (unsigned)(p - s) + 1,
			    "too many arguments (at most %d)", CONF_MAX_ARGS);
		if (*p == '"') {
			char *start = ++p;

			while (*p && *p != '"')
				p++;
			if (*p != '"')
				return mesh_error_set(err, MESH_ERR_PARSE, lineno,
				    (unsigned)(start - s), "unterminated quoted argument");
			*p++ = '\0';
			if (n == 0)
				return mesh_error_set(
				    err, MESH_ERR_PARSE, lineno, 1, "keyword must not be quoted");
			l->args[n - 1] = start;
		} else {
			char *start = p;

			while (*p && *p != ' ' && *p != '\t' && !(n == 0 && *p == '='))
				p++;
			if (*p)
				*p++ = '\0';
			if (n == 0)
				l->keyword = start;
			else
				l->args[n - 1] = start;
		}
		n++;
	}
	l->nargs = n ? n - 1 : 0;
	return MESH_OK;
}

int
conf_parse(const char *buf, size_t len, conf_line_fn fn, void *ctx, struct mesh_error *err)
{
	char line[CONF_LINE_MAX];
	struct conf_line l;
	unsigned lineno = 0;
	size_t off = 0;
	int r;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

		lineno++;
		if (n >= sizeof(line))
			return mesh_error_set(err, MESH_ERR_PARSE, lineno, 0, "line too long");
		if (memchr(buf + off, '\0', n) != NULL)
			return mesh_error_set(err, MESH_ERR_PARSE, lineno, 0, "NUL byte in line");
		memcpy(line, buf + off, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		off += n + (nl ? 1 : 0);
		if ((r = conf_tokenize(line, lineno, &l, err)) != 0)
			return r;
		if (l.keyword == NULL)
			continue;
		if ((r = fn(&l, ctx, err)) != 0) {
			if (err && err->line == 0)
				err->line = lineno;
			if (err && err->code == 0)
				err->code = r;
			return r;
		}
	}
	return MESH_OK;
}

int
conf_load(const char *path, conf_line_fn fn, void *ctx, struct mesh_error *err)
{
	uint8_t *buf;
	size_t len;
	int r;

	if (err)
		(void)snprintf(err->source, sizeof(err->source), "%s", path);
	if ((r = mesh_file_read(path, CONF_FILE_MAX_BYTES, MESH_FILE_TRUSTED, &buf, &len, err)) !=
	    0)
		return r;
	r = conf_parse((const char *)buf, len, fn, ctx, err);
	free(buf);
	return r;
}

int
conf_want_args(const struct conf_line *l, size_t n, bool at_least, struct mesh_error *err)
{
	if (l->nargs == n || (at_least && l->nargs > n))
		return MESH_OK;
	return mesh_error_set(err, MESH_ERR_PARSE, l->line, 0,
	    "%s: expected %s%zu argument%s, got %zu", l->keyword, at_least ? "at least " : "", n,
	    n == 1 ? "" : "s", l->nargs);
}

int
conf_arg_bool(const struct conf_line *l, size_t i, bool *out, struct mesh_error *err)
{
	const char *a = i < l->nargs ? l->args[i] : NULL;

	if (a && (strcasecmp(a, "yes") == 0 || strcasecmp(a, "true") == 0)) {
		*out = true;
		return MESH_OK;
	}
	if (a && (strcasecmp(a, "no") == 0 || strcasecmp(a, "false") == 0)) {
		*out = false;
		return MESH_OK;
	}
	return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
	    "%s: expected yes or no, got \"%s\"", l->keyword, a ? a : "");
}

int
conf_arg_uint(const struct conf_line *l, size_t i, uint64_t min, uint64_t max, uint64_t *out,
    struct mesh_error *err)
{
	const char *a = i < l->nargs ? l->args[i] : "";
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(a, &end, 10);
	if (!isdigit((unsigned char)a[0]) || *end != '\0' || errno == ERANGE || v < min || v > max)
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "%s: \"%s\" is not a number between %llu and %llu", l->keyword, a,
		    (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return MESH_OK;
}

int
conf_arg_seconds(const struct conf_line *l, size_t i, uint64_t *out, struct mesh_error *err)
{
	const char *a = i < l->nargs ? l->args[i] : "";
	const char *p = a;
	uint64_t total = 0;

	if (*p == '\0')
		goto bad;
	while (*p) {
		uint64_t v = 0, mult = 1;

		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p)) {
			if (v > (UINT64_MAX - 9) / 10)
				goto bad;
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		switch (*p) {
		case '\0':
			break;
		case 's':
		case 'S':
			p++;
			break;
		case 'm':
		case 'M':
			mult = 60;
			p++;
			break;
		case 'h':
		case 'H':
			mult = 3600;
			p++;
			break;
		case 'd':
		case 'D':
			mult = 86400;
			p++;
			break;
		case 'w':
		case 'W':
			mult = 604800;
			p++;
			break;
		default:
			goto bad;
		}
		if (v > UINT64_MAX / mult || total > UINT64_MAX - v * mult)
			goto bad;
		total += v * mult;
	}
	*out = total;
	return MESH_OK;
bad:
	return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
	    "%s: \"%s\" is not a time (e.g. 30, 90s, 5m, 1h30m)", l->keyword, a);
}
