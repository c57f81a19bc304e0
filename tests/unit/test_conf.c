/*
 * The sshd_config-style tokenizer and its argument helpers.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "conf.h"
#include "tap.h"

struct seen {
	char kw[8][32];
	char args[8][64];
	unsigned lines[8];
	size_t nargs[8];
	int n;
};

static int
record(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	struct seen *s = ctx;
	size_t i;

	(void)err;
	if (s->n >= 8)
		return MESH_ERR_RANGE;
	snprintf(s->kw[s->n], sizeof(s->kw[0]), "%s", l->keyword);
	s->args[s->n][0] = '\0';
	for (i = 0; i < l->nargs; i++) {
		strncat(s->args[s->n], "|", sizeof(s->args[0]) - strlen(s->args[s->n]) - 1);
		strncat(s->args[s->n], l->args[i], sizeof(s->args[0]) - strlen(s->args[s->n]) - 1);
	}
	s->nargs[s->n] = l->nargs;
	s->lines[s->n] = l->line;
	s->n++;
	return 0;
}

static int
reject_port(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	uint64_t v;

	(void)ctx;
	if (strcasecmp(l->keyword, "Port") == 0)
		return conf_arg_uint(l, 0, 1, 65535, &v, err);
	return 0;
}

static struct conf_line
line_with(const char *kw, const char *arg)
{
	struct conf_line l = {0};

	l.keyword = kw;
	l.args[0] = arg;
	l.nargs = 1;
	l.line = 7;
	return l;
}

int
main(void)
{
	const char *text = "# comment\n"
			   "Port 2222\n"
			   "\n"
			   "  ListenAddress 100.64.0.1   fd7a::1 # trailing\n"
			   "Banner \"/etc/a b\"\r\n"
			   "LogLevel=DEBUG3\n";
	struct seen s = {0};
	struct mesh_error err = {0};
	struct conf_line l;
	uint64_t v;
	bool b;

	is_int(conf_parse(text, strlen(text), record, &s, &err), 0, "parses");
	is_int(s.n, 4, "four keyword lines");
	is_str(s.kw[0], "Port", "keyword");
	is_str(s.args[0], "|2222", "one argument");
	is_int(s.lines[1], 4, "line numbers count comments and blanks");
	is_str(s.args[1], "|100.64.0.1|fd7a::1", "two arguments, comment dropped");
	is_str(s.args[2], "|/etc/a b", "quoted argument keeps spaces, CR stripped");
	is_str(s.kw[3], "LogLevel", "Keyword=value form");
	is_str(s.args[3], "|DEBUG3", "Keyword=value argument");

	memset(&err, 0, sizeof(err));
	is_int(conf_parse("Banner \"open\n", 13, record, &s, &err), MESH_ERR_PARSE,
	    "unterminated quote");
	is_int(err.line, 1, "error line");
	memset(&err, 0, sizeof(err));
	is_int(conf_parse("X 1\nPort 99999\n", 15, reject_port, NULL, &err), MESH_ERR_INVALID,
	    "callback error propagates");
	is_int(err.line, 2, "callback error gets its line");
	ok(strstr(err.text, "Port: \"99999\" is not a number between 1 and 65535") != NULL,
	    "range message names keyword and value");
	memset(&err, 0, sizeof(err));
	is_int(
	    conf_parse("Port 1\0x\n", 9, reject_port, NULL, &err), MESH_ERR_PARSE, "NUL refused");

	l = line_with("LoginGraceTime", "1m30s");
	is_int(conf_arg_seconds(&l, 0, &v, &err), 0, "1m30s parses");
	is_int(v, 90, "1m30s is 90 s");
	l = line_with("LoginGraceTime", "120");
	is_int(conf_arg_seconds(&l, 0, &v, &err), 0, "plain number is seconds");
	is_int(v, 120, "120 s");
	l = line_with("LoginGraceTime", "5x");
	is_int(conf_arg_seconds(&l, 0, &v, &err), MESH_ERR_INVALID, "bad unit refused");
	l = line_with("LoginGraceTime", "99999999999999999999");
	is_int(conf_arg_seconds(&l, 0, &v, &err), MESH_ERR_INVALID, "overflow refused");
	l = line_with("UseDNS", "yes");
	is_int(conf_arg_bool(&l, 0, &b, &err), 0, "yes parses");
	ok(b, "yes is true");
	l = line_with("UseDNS", "maybe");
	is_int(conf_arg_bool(&l, 0, &b, &err), MESH_ERR_INVALID, "maybe refused");
	l = line_with("Port", "-1");
	is_int(conf_arg_uint(&l, 0, 1, 65535, &v, &err), MESH_ERR_INVALID, "negative refused");
	l.nargs = 2;
	is_int(conf_want_args(&l, 1, false, &err), MESH_ERR_PARSE, "too many args refused");
	is_int(conf_want_args(&l, 1, true, &err), 0, "at least one arg ok");
	return tap_done();
}
