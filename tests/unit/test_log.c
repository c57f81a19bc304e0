/*
 * Unit tests of lib/log.c: a line that quotes what a peer sent stays one
 * line (control characters escaped as \ooo), long lines are cut, not
 * overrun, and other bytes pass unchanged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

#define TEST_LOG_BUF 8192

/* Run one log call with stderr on a pipe; the bytes written into out. */
static size_t
capture(const char *user, char *out, size_t cap)
{
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	if (saved < 0 || pipe(p) != 0 || dup2(p[1], STDERR_FILENO) < 0)
		abort();
	log_info("Invalid user %s from 100.64.0.9 port 50000", user);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, cap - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

int
main(void)
{
	struct mesh_log_opts o = {"t", MESH_LOG_INFO, true, false, 0};
	char out[TEST_LOG_BUF], *big;
	size_t n;

	mesh_log_init(&o);
	capture("x\nAccepted none for root from 100.64.0.1 port 1 ssh2", out, sizeof(out));
	is_int(count_char(out, '\n'), 1, "a newline in a user name does not start a log line");
	ok(strstr(out, "x\\012Accepted none for root") != NULL, "it is shown as \\012");
	capture("a\rb\tc\x1b[2Jd\x7f", out, sizeof(out));
	ok(strstr(out, "a\\015b\\011c\\033[2Jd\\177 from") != NULL,
	    "CR, TAB, ESC and DEL are escaped too");
	capture("\xc3\xa9l\xc3\xa8ve", out, sizeof(out));
	ok(strstr(out, "user \xc3\xa9l\xc3\xa8ve from") != NULL, "UTF-8 passes unchanged");

	if ((big = malloc(3000)) == NULL)
		return 1;
	memset(big, '\n', 2999);
	big[2999] = '\0';
	n = capture(big, out, sizeof(out));
	ok(n > 0 && n < 1024 + 64 && out[n - 1] == '\n' && count_char(out, '\n') == 1,
	    "a line of escapes is cut at the line limit, still one line");
	memset(big, 'u', 2999);
	n = capture(big, out, sizeof(out));
	ok(n > 0 && n < 1024 + 64 && count_char(out, '\n') == 1, "a long plain line is cut");
	free(big);
	return tap_done();
}
