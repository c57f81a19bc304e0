/*
 * Logging to syslog and stderr.  Formatting happens once into a stack buffer;
 * no allocation, so it is safe to call after fork() in a child.  Control
 * characters are escaped as \ooo (as OpenSSH's logging does): messages quote
 * what peers send (user names, host names, variables), and a newline there
 * must not forge a second line such as "Accepted none for root".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX   1024
#define LOG_ESCAPE_LEN 4 /* "\ooo" */

static struct {
	char ident[32];
	enum mesh_log_level level;
	bool to_stderr;
	bool to_syslog;
	char tag[64];
} mesh_log_state = {"meshssh", MESH_LOG_INFO, true, false, ""};

static const char *const mesh_log_names[] = {
    "ERROR",
    "WARN",
    "INFO",
    "VERBOSE",
    "DEBUG",
    "DEBUG2",
    "DEBUG3",
};

void
mesh_log_init(const struct mesh_log_opts *opts)
{
	(void)snprintf(mesh_log_state.ident, sizeof(mesh_log_state.ident), "%s",
	    opts->ident ? opts->ident : "meshssh");
	mesh_log_state.level = opts->level;
	mesh_log_state.to_stderr = opts->to_stderr;
	mesh_log_state.to_syslog = opts->to_syslog;
	if (opts->to_syslog)
		openlog(mesh_log_state.ident, LOG_PID | LOG_NDELAY,
		    opts->facility ? opts->facility : LOG_DAEMON);
}

void
mesh_log_set_level(enum mesh_log_level level)
{
	mesh_log_state.level = level;
}

enum mesh_log_level
mesh_log_get_level(void)
{
	return mesh_log_state.level;
}

int
mesh_log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(mesh_log_names) / sizeof(mesh_log_names[0]); i++)
		if (strcasecmp(name, mesh_log_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "QUIET") == 0 || strcasecmp(name, "FATAL") == 0)
		return MESH_LOG_ERROR;
	if (strcasecmp(name, "DEBUG1") == 0)
		return MESH_LOG_DEBUG;
	return -1;
}

const char *
mesh_log_level_name(enum mesh_log_level level)
{
	if ((size_t)level >= sizeof(mesh_log_names) / sizeof(mesh_log_names[0]))
		return "INFO";
	return mesh_log_names[level];
}

void
mesh_log_set_tag(const char *tag)
{
	(void)snprintf(mesh_log_state.tag, sizeof(mesh_log_state.tag), "%s", tag ? tag : "");
}

static int
mesh_log_priority(enum mesh_log_level level)
{
	switch (level) {
	case MESH_LOG_ERROR:
		return LOG_ERR;
	case MESH_LOG_WARN:
		return LOG_WARNING;
	case MESH_LOG_INFO:
	case MESH_LOG_VERBOSE:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

/* Copy src to dst (cap bytes, NUL-terminated) with control bytes as \ooo. */
static void
mesh_log_escape(const char *src, char *dst, size_t cap)
{
	size_t o = 0;

	for (; *src != '\0'; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch >= 0x20 && ch != 0x7f) {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)ch;
		} else {
			if (o + LOG_ESCAPE_LEN >= cap)
				break;
			(void)snprintf(dst + o, cap - o, "\\%03o", ch);
			o += LOG_ESCAPE_LEN;
		}
	}
	dst[o] = '\0';
}

void
mesh_log(enum mesh_log_level level, const char *func, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
	size_t off = 0;
	int n;
	va_list ap;

	if (level > mesh_log_state.level)
		return;
	if (mesh_log_state.tag[0]) {
		n = snprintf(raw, sizeof(raw), "[%s] ", mesh_log_state.tag);
		if (n > 0)
			off = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
	}
	if (func != NULL) {
		n = snprintf(raw + off, sizeof(raw) - off, "%s: ", func);
		if (n > 0)
			off += (size_t)n < sizeof(raw) - off ? (size_t)n : sizeof(raw) - off - 1;
	}
	va_start(ap, fmt);
	(void)vsnprintf(raw + off, sizeof(raw) - off, fmt, ap);
	va_end(ap);
	mesh_log_escape(raw, line, sizeof(line));

	if (mesh_log_state.to_syslog)
		syslog(mesh_log_priority(level), "%s", line);
	if (mesh_log_state.to_stderr) {
		/* one write() per line so concurrent processes do not interleave */
		char out[LOG_LINE_MAX + 64];
		n = snprintf(out, sizeof(out), "%s: %s\n", mesh_log_state.ident, line);
		if (n > 0) {
			size_t len = (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
			ssize_t w = write(STDERR_FILENO, out, len);
			(void)w;
		}
	}
}
