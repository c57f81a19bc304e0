/*
 * Unit tests for sshd/sso_proto: the request meshsshd sends its SSO helper
 * (meshsshd.conf lines the helper parses back) and the reply lines.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "procinfo.h"
#include "sso_proto.h"
#include "tap.h"

struct parsed {
	struct oidc_config cfg;
	char verb[32];
	char args[3][64];
	size_t nargs;
};

static int
on_line(const struct conf_line *l, void *ctx, struct mesh_error *err)
{
	struct parsed *p = ctx;
	size_t i;

	if (strcmp(l->keyword, SSO_PROTO_VERB_CHECK) == 0 ||
	    strcmp(l->keyword, SSO_PROTO_VERB_TEST) == 0) {
		snprintf(p->verb, sizeof(p->verb), "%s", l->keyword);
		for (i = 0; i < l->nargs && i < 3; i++)
			snprintf(p->args[i], sizeof(p->args[i]), "%s", l->args[i]);
		p->nargs = l->nargs;
		return 0;
	}
	return oidc_config_keyword(&p->cfg, l, err);
}

static void
test_request(void)
{
	struct oidc_config cfg;
	struct parsed p;
	struct mesh_error err;
	char buf[SSO_PROTO_REQUEST_MAX];
	const char *args[3] = {"alice@example.com", "laptop", "alice"};
	const char *bad[3] = {"alice@example.com", "lap\"top", "alice"};
	const char *nl[3] = {"alice@example.com", "laptop", "ali\nce"};

	oidc_config_init(&cfg);
	cfg.issuer = strdup("https://idp.example.com/realm one");
	cfg.client_id = strdup("meshsshd");
	cfg.ca_bundle = strdup("/etc/ssl/idp.pem");
	cfg.claim = OIDC_CLAIM_PREFERRED_USERNAME;
	cfg.timeout_s = 7;
	mesh_error_clear(&err);
	is_int(sso_proto_request(&cfg, SSO_PROTO_VERB_CHECK, args, 3, buf, sizeof(buf), &err), 0,
	    "request formats");
	memset(&p, 0, sizeof(p));
	oidc_config_init(&p.cfg);
	is_int(
	    conf_parse(buf, strlen(buf), on_line, &p, &err), 0, "request parses as config lines");
	is_str(p.cfg.issuer, cfg.issuer, "issuer with a space survives quoting");
	is_str(p.cfg.client_id, "meshsshd", "client id");
	is_str(p.cfg.ca_bundle, "/etc/ssl/idp.pem", "CA bundle");
	is_int(p.cfg.claim, OIDC_CLAIM_PREFERRED_USERNAME, "claim");
	is_int(p.cfg.timeout_s, 7, "timeout");
	ok(p.cfg.client_secret_file == NULL, "no secret file line when unset");
	is_str(p.verb, "Check", "verb last");
	is_int(p.nargs, 3, "three arguments");
	is_str(p.args[0], "alice@example.com", "owner");
	is_str(p.args[1], "laptop", "node");
	is_str(p.args[2], "alice", "host user");
	oidc_config_clear(&p.cfg);

	is_int(sso_proto_request(&cfg, SSO_PROTO_VERB_CHECK, bad, 3, buf, sizeof(buf), &err),
	    MESH_ERR_INVALID, "a quote in an argument is refused");
	is_int(sso_proto_request(&cfg, SSO_PROTO_VERB_CHECK, nl, 3, buf, sizeof(buf), &err),
	    MESH_ERR_INVALID, "a newline in an argument is refused (no line injection)");
	is_int(sso_proto_request(&cfg, SSO_PROTO_VERB_TEST, NULL, 0, buf, 40, &err), MESH_ERR_RANGE,
	    "a short buffer is a range error");
	oidc_config_clear(&cfg);
}

static void
test_replies(void)
{
	struct sso_reply r, q;
	char line[SSO_PROTO_LINE_MAX + 64];
	static const char *bad[] = {"", "hello there", "started", "started x", "started 0", "pass",
	    "pass sub", "fail", NULL};
	size_t i;

	memset(&r, 0, sizeof(r));
	r.kind = SSO_REPLY_PASS;
	snprintf(r.subject, sizeof(r.subject), "sub with space");
	snprintf(r.text, sizeof(r.text), "alice@example.com");
	is_int(sso_proto_reply_format(&r, line, sizeof(line)), 0, "pass formats");
	is_str(line, "pass sub?with?space alice@example.com", "subject is one word");
	is_int(sso_proto_reply_parse(line, strlen(line), &q), 0, "pass parses");
	is_int(q.kind, SSO_REPLY_PASS, "kind pass");
	is_str(q.text, "alice@example.com", "identity");

	memset(&r, 0, sizeof(r));
	r.kind = SSO_REPLY_FAIL;
	snprintf(r.text, sizeof(r.text), "cannot reach\nthe IdP");
	is_int(sso_proto_reply_format(&r, line, sizeof(line)), 0, "fail formats");
	is_str(line, "fail - cannot reach?the IdP", "no subject is '-', newline cleaned");
	is_int(sso_proto_reply_parse(line, strlen(line), &q), 0, "fail parses");
	is_str(q.subject, "", "unknown subject parses as empty");
	is_str(q.text, "cannot reach?the IdP", "reason keeps its spaces");

	is_int(sso_proto_reply_parse("started 1700000000", 18, &q), 0, "started parses");
	is_int(q.expires_at, 1700000000, "expiry");
	is_int(sso_proto_reply_parse("show go to https://x/device", 27, &q), 0, "show parses");
	is_str(q.text, "go to https://x/device", "show text");
	is_int(sso_proto_reply_parse("timeout bob-sub device code expired", 35, &q), 0,
	    "timeout parses");
	is_str(q.subject, "bob-sub", "timeout subject");
	for (i = 0; bad[i]; i++)
		ok(sso_proto_reply_parse(bad[i], strlen(bad[i]), &q) == MESH_ERR_PARSE, bad[i]);
}

static void
test_procinfo(void)
{
	static const char odd[] = "4242 (a) b (c) 1 2) S 77 4242 4242 0 -1 4194560\n";
	static const char plain[] = "10 (bash) S 9 10 10 34816 10 4194560";
	pid_t pp = 0, self = 0;

	is_int(procinfo_parse_ppid(odd, sizeof(odd) - 1, &pp), 0, "comm with spaces and parens");
	is_int(pp, 77, "ppid after the last ')'");
	is_int(procinfo_parse_ppid(plain, sizeof(plain) - 1, &pp), 0, "plain stat line");
	is_int(pp, 9, "ppid 9");
	is_int(procinfo_parse_ppid("10 bash S 9", 11, &pp), MESH_ERR_PARSE, "no parens: refused");
	is_int(procinfo_parse_ppid("10 (bash) S", 11, &pp), MESH_ERR_PARSE, "no ppid: refused");
	is_int(procinfo_parse_ppid("10 (bash) S x", 13, &pp), MESH_ERR_PARSE, "bad ppid: refused");
	is_int(procinfo_parent(getpid(), &self), 0, "our own /proc entry reads");
	is_int(self, getppid(), "our parent is getppid()");
}

int
main(void)
{
	test_request();
	test_replies();
	test_procinfo();
	return tap_done();
}
