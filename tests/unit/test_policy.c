/*
 * Unit tests for the policy engine: decisions on a policy written after the
 * examples in Tailscale's SSH documentation, the ordering and user-matching
 * rules, and one test per parse error with its exact message and position.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "tap.h"

static const char doc_policy[] =
    "{\n"
    "  // after tailscale.com/kb/1193 and kb/1337\n"
    "  \"groups\": {\n"
    "    \"group:sre\": [\"carol@example.com\", \"dave@example.com\"],\n"
    "    \"group:dev\": [\"alice@example.com\", \"erin@other.org\"],\n"
    "  },\n"
    "  \"tagOwners\": {\n"
    "    \"tag:prod\": [\"group:sre\"],\n"
    "    \"tag:dev\": [\"group:dev\"],\n"
    "    \"tag:ci\": [\"group:sre\"],\n"
    "    \"tag:recorder\": [\"group:sre\"],\n"
    "  },\n"
    "  \"hosts\": {\"db-1\": \"100.64.0.10\"},\n"
    "  \"acls\": [{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"*:*\"]}],\n"
    "  \"ssh\": [\n"
    "    {\"action\": \"check\", \"src\": [\"autogroup:member\"], \"dst\": [\"autogroup:self\"],\n"
    "     \"users\": [\"autogroup:nonroot\", \"root\"]},\n"
    "    {\"action\": \"accept\", \"src\": [\"group:sre\"], \"dst\": [\"tag:prod\"],\n"
    "     \"users\": [\"ubuntu\", \"root\"], \"recorder\": [\"tag:recorder\"],\n"
    "     \"enforceRecorder\": true, \"acceptEnv\": [\"GIT_*\", \"LANG\", \"X?\"]},\n"
    "    {\"action\": \"accept\", \"src\": [\"group:dev\"], \"dst\": [\"tag:dev\"],\n"
    "     \"users\": [\"localpart:*@example.com\"]},\n"
    "    {\"action\": \"accept\", \"src\": [\"tag:ci\"], \"dst\": [\"tag:prod\"], \"users\": "
    "[\"deploy\"]},\n"
    "    {\"action\": \"check\", \"src\": [\"dave@example.com\"], \"dst\": [\"tag:prod\"],\n"
    "     \"users\": [\"root\"], \"checkPeriod\": \"1h\"},\n"
    "    {\"action\": \"accept\", \"src\": [\"autogroup:tagged\"], \"dst\": "
    "[\"autogroup:tagged\"],\n"
    "     \"users\": [\"autogroup:nonroot\"]},\n"
    "  ],\n"
    "  \"sshTests\": [\n"
    "    {\"src\": \"carol@example.com\", \"dst\": [\"tag:prod\"], \"accept\": [\"ubuntu\", "
    "\"root\"],\n"
    "     \"deny\": [\"postgres\"]},\n"
    "    {\"src\": \"dave@example.com\", \"dst\": [\"tag:prod\"], \"check\": [\"root\"]},\n"
    "    {\"src\": \"alice@example.com\", \"dst\": [\"tag:dev\"], \"accept\": [\"alice\"],\n"
    "     \"deny\": [\"root\", \"bob\"]},\n"
    "    {\"src\": \"alice@example.com\", \"dst\": [\"autogroup:self\"], \"check\": [\"alice\", "
    "\"root\"]},\n"
    "  ],\n"
    "}\n";

static struct netmap_node
node(const char *name, const char *owner, char **tags, size_t ntags)
{
	struct netmap_node n;

	memset(&n, 0, sizeof(n));
	n.name = (char *)name;
	n.owner = (char *)owner;
	n.tags = tags;
	n.ntags = ntags;
	return n;
}

static struct policy *
parse_ok(const char *text, const char *what)
{
	struct mesh_error err = {0};
	struct policy *p = NULL;
	char buf[512];
	int r;

	r = policy_parse(text, strlen(text), &p, &err);
	if (!ok(r == 0 && p != NULL, what))
		printf("#   %s\n", mesh_error_format(&err, buf, sizeof(buf)));
	return p;
}

/* Parse must fail with this line:col and message. */
static void
parse_fails(const char *text, unsigned line, unsigned col, const char *msg)
{
	struct mesh_error err = {0};
	struct policy *p = NULL;
	char name[300];
	int r;

	r = policy_parse(text, strlen(text), &p, &err);
	(void)snprintf(name, sizeof(name), "rejects: %s", msg);
	ok(r < 0 && p == NULL, name);
	is_str(err.text, msg, "error text");
	if (line) {
		is_int(err.line, line, "error line");
		is_int(err.col, col, "error column");
	}
	policy_free(p);
}

static const char *report_last;
static int report_count;
static char report_buf[512];

static void
report(void *ctx, const char *line)
{
	(void)ctx;
	report_count++;
	(void)snprintf(report_buf, sizeof(report_buf), "%s", line);
	report_last = report_buf;
	printf("# report: %s\n", line);
}

static void
test_decisions(void)
{
	char *prod[] = {"tag:prod"}, *dev[] = {"tag:dev"}, *ci[] = {"tag:ci"},
	     *prodci[] = {"tag:prod", "tag:unknown-to-policy"};
	struct netmap_node alice_laptop = node("laptop", "alice@example.com", NULL, 0);
	struct netmap_node alice_desk = node("desk", "alice@example.com", NULL, 0);
	struct netmap_node bob_laptop = node("bob-laptop", "bob@example.com", NULL, 0);
	struct netmap_node carol = node("carol-mac", "carol@example.com", NULL, 0);
	struct netmap_node dave = node("dave-mac", "dave@example.com", NULL, 0);
	struct netmap_node erin = node("erin-pc", "erin@other.org", NULL, 0);
	struct netmap_node web = node("web-1", NULL, prod, 1);
	struct netmap_node web2 = node("web-2", NULL, prodci, 2);
	struct netmap_node devbox = node("devbox", NULL, dev, 1);
	struct netmap_node runner = node("runner", "carol@example.com", ci, 1);
	struct netmap_node orphan = node("orphan", NULL, NULL, 0);
	struct policy_decision d;
	struct policy *p;

	if ((p = parse_ok(doc_policy, "the doc policy parses")) == NULL)
		return;
	is_int(policy_rule_count(p), 6, "six ssh rules");
	is_int(policy_test_count(p), 4, "four sshTests");

	/* autogroup:self in check mode, root named explicitly */
	is_int(policy_decide(p, NULL, &alice_laptop, &alice_desk, "alice", &d), 0, "decide ok");
	is_int(d.action, POLICY_CHECK, "member to own node: check");
	is_int(d.rule, 0, "... by ssh[0]");
	is_int(d.rule_line, 16, "... which starts on line 16");
	is_int(d.check_period_s, POLICY_CHECK_PERIOD_DEFAULT_S, "... default period 12h");
	ok(d.via_nonroot && !d.via_localpart, "... via autogroup:nonroot");
	is_str(d.reason,
	    "ssh[0] (line 16) lets alice@example.com on laptop reach alice@example.com on desk as "
	    "\"alice\" via autogroup:nonroot after a check, re-authenticating every 12h",
	    "... reason names rule, line, both ends, user and period");
	policy_decide(p, NULL, &alice_laptop, &alice_desk, "root", &d);
	ok(d.action == POLICY_CHECK && !d.via_nonroot, "root named: own node as root is check");

	/* autogroup:self is not someone else's node */
	policy_decide(p, NULL, &alice_laptop, &bob_laptop, "alice", &d);
	is_int(d.action, POLICY_REJECT, "member to another member's node: reject");
	is_int(d.rule, -1, "... no rule");
	is_str(d.reason,
	    "no ssh rule lets alice@example.com on laptop reach bob@example.com on "
	    "bob-laptop",
	    "... reason says no rule lets them");

	/* group to tag, literal users, recorder and acceptEnv */
	policy_decide(p, NULL, &carol, &web, "ubuntu", &d);
	is_int(d.action, POLICY_ACCEPT, "group:sre to tag:prod as ubuntu: accept");
	is_int(d.rule, 1, "... by ssh[1]");
	ok(d.enforce_recorder, "... recorder enforced");
	ok(d.recorders && d.recorders[0] && strcmp(d.recorders[0], "tag:recorder") == 0 &&
		d.recorders[1] == NULL,
	    "... recorder list");
	ok(policy_env_accepted(&d, "GIT_AUTHOR_NAME"), "acceptEnv GIT_* matches GIT_AUTHOR_NAME");
	ok(policy_env_accepted(&d, "LANG"), "acceptEnv LANG matches LANG");
	ok(!policy_env_accepted(&d, "LANGUAGE"), "acceptEnv LANG does not match LANGUAGE");
	ok(policy_env_accepted(&d, "XY"), "acceptEnv X? matches XY");
	ok(!policy_env_accepted(&d, "XYZ"), "acceptEnv X? does not match XYZ");
	ok(!policy_env_accepted(&d, "PATH"), "PATH not accepted");
	policy_decide(p, NULL, &carol, &web, "postgres", &d);
	is_int(d.action, POLICY_REJECT, "group:sre to tag:prod as postgres: reject");
	is_str(d.reason,
	    "ssh[1] (line 18) lets carol@example.com on carol-mac reach web-1 (tag:prod), but not "
	    "as \"postgres\"",
	    "... reason names the rule that matched all but the user");
	policy_decide(p, NULL, &carol, &web2, "root", &d);
	is_int(d.action, POLICY_ACCEPT, "a node with a tag the policy does not know still matches");
	ok(!policy_env_accepted(NULL, "LANG"), "env on NULL decision: no");

	/* check rules are tried before accept rules, whatever the file order */
	policy_decide(p, NULL, &dave, &web, "root", &d);
	is_int(d.action, POLICY_CHECK, "dave to prod as root: the later check rule wins");
	is_int(d.rule, 4, "... ssh[4]");
	is_int(d.check_period_s, 3600, "... checkPeriod 1h");
	ok(!d.enforce_recorder && d.recorders == NULL && d.accept_env == NULL,
	    "... with that rule's (empty) recorder and env");
	policy_decide(p, NULL, &dave, &web, "ubuntu", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 1, "dave as ubuntu: accept by ssh[1]");

	/* localpart:*@domain */
	policy_decide(p, NULL, &alice_laptop, &devbox, "alice", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 2 && d.via_localpart,
	    "localpart: alice@example.com as alice: accept, provisionable");
	is_str(d.reason,
	    "ssh[2] (line 21) lets alice@example.com on laptop reach devbox (tag:dev) as \"alice\" "
	    "via localpart:*@example.com",
	    "... reason names the localpart domain");
	policy_decide(p, NULL, &alice_laptop, &devbox, "bob", &d);
	is_int(d.action, POLICY_REJECT, "localpart: alice@example.com as bob: reject");
	policy_decide(p, NULL, &alice_laptop, &devbox, "root", &d);
	is_int(d.action, POLICY_REJECT, "localpart: not root");
	policy_decide(p, NULL, &erin, &devbox, "erin", &d);
	is_int(d.action, POLICY_REJECT, "localpart: other domain: reject");

	/* tagged sources: the tag, not the owner, is the identity */
	policy_decide(p, NULL, &runner, &web, "deploy", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 3, "tag:ci to tag:prod as deploy: accept");
	policy_decide(p, NULL, &runner, &web, "ubuntu", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 5 && d.via_nonroot,
	    "tagged to tagged as ubuntu: autogroup:tagged rule");
	policy_decide(p, NULL, &runner, &web, "root", &d);
	is_int(d.action, POLICY_REJECT, "tagged node owned by carol is not carol: root denied");
	policy_decide(p, NULL, &runner, &carol, "carol", &d);
	is_int(d.action, POLICY_REJECT, "tagged node cannot reach a user's node");

	/* nodes with neither owner nor tags match nothing */
	policy_decide(p, NULL, &orphan, &web, "ubuntu", &d);
	is_int(d.action, POLICY_REJECT, "ownerless untagged node: reject");

	/* invalid arguments: error and a reject */
	is_int(
	    policy_decide(p, NULL, &carol, &web, "", &d), MESH_ERR_INVALID, "empty user: EINVAL");
	is_int(d.action, POLICY_REJECT, "... and a reject");
	is_int(policy_decide(p, NULL, NULL, &web, "root", &d), MESH_ERR_INVALID, "NULL src");
	is_int(
	    policy_decide(NULL, NULL, &carol, &web, "root", &d), MESH_ERR_INVALID, "NULL policy");
	is_int(policy_decide(p, NULL, &carol, &web, "root", NULL), MESH_ERR_INVALID, "NULL out");

	/* sshTests in the file pass */
	report_count = 0;
	is_int(policy_run_tests(p, NULL, report, NULL, NULL, NULL), 0, "doc sshTests pass");
	is_int(report_count, 0, "... no failure lines");
	policy_free(p);
}

static void
test_flipped_assertion(void)
{
	const char *flip = strstr(doc_policy, "\"deny\": [\"postgres\"]");
	char *text = strdup(doc_policy);
	unsigned passed = 0, failed = 0;
	struct policy *p;

	/* move postgres from deny to accept: the assertion must fail */
	memcpy(text + (flip - doc_policy), "\"check\":[\"postgres\"]", 20);
	if ((p = parse_ok(text, "flipped policy parses")) == NULL) {
		free(text);
		return;
	}
	report_count = 0;
	is_int(policy_run_tests(p, NULL, report, NULL, &passed, &failed), 1, "flipped: tests fail");
	is_int(failed, 1, "... exactly one assertion");
	is_int(passed, 8, "... the other eight pass");
	is_int(report_count, 1, "... one line");
	is_str(report_last,
	    "31:15: sshTests[0]: carol@example.com -> tag:prod as \"postgres\": expected check, "
	    "got "
	    "deny: ssh[1] (line 18) lets carol@example.com reach tag:prod, but not as \"postgres\"",
	    "... the line says where, what was expected, what happened and why");
	policy_free(p);
	free(text);
}

static void
test_check_period(void)
{
	struct mesh_error err = {0};
	int64_t s = -1;

	ok(policy_parse_check_period("always", &s, &err) == 0 && s == POLICY_CHECK_ALWAYS,
	    "checkPeriod always");
	ok(policy_parse_check_period("12h", &s, &err) == 0 && s == 43200, "12h");
	ok(policy_parse_check_period("1h30m", &s, &err) == 0 && s == 5400, "1h30m");
	ok(policy_parse_check_period("1.5h", &s, &err) == 0 && s == 5400, "1.5h");
	ok(policy_parse_check_period("90s", &s, &err) == 0 && s == 90, "90s");
	ok(policy_parse_check_period("500ms", &s, &err) == 0 && s == 1, "500ms rounds up to 1s");
	ok(policy_parse_check_period("168h", &s, &err) == 0 && s == 168 * 3600, "168h is the max");
	ok(policy_parse_check_period("0", &s, &err) == 0 && s == POLICY_CHECK_ALWAYS,
	    "0 is every login");
	is_int(
	    policy_parse_check_period("168h0m1s", &s, &err), MESH_ERR_RANGE, "168h0m1s too long");
	is_str(err.text, "checkPeriod \"168h0m1s\" is above the max (168h)", "... message");
	is_int(policy_parse_check_period("-1m", &s, &err), MESH_ERR_RANGE, "-1m negative");
	is_str(err.text, "checkPeriod \"-1m\" must be a positive duration", "... message");
	is_int(policy_parse_check_period("abc", &s, &err), MESH_ERR_PARSE, "abc invalid");
	is_int(
	    policy_parse_check_period("12", &s, &err), MESH_ERR_PARSE, "12 without unit invalid");
	is_int(policy_parse_check_period("", &s, &err), MESH_ERR_PARSE, "empty invalid");
	is_int(policy_parse_check_period("1h1", &s, &err), MESH_ERR_PARSE, "1h1 invalid");
	is_int(policy_parse_check_period("99999999999999999999h", &s, &err), MESH_ERR_RANGE,
	    "overflow is out of range");
}

#define RULE(body) \
	"{\"tagOwners\": {\"tag:prod\": []}, \"groups\": {\"group:a\": []},\n\"ssh\": [" body "]}"

static void
test_parse_errors(void)
{
	struct policy *p;

	/* the brief's example: path and position of the offending selector */
	parse_fails("{\n"
		    "  \"tagOwners\": {\"tag:prod\": []},\n"
		    "  \"ssh\": [\n"
		    "    {\"action\": \"accept\", \"src\": [\"autogroup:member\"], \"dst\": "
		    "[\"autogroup:self\"], \"users\": [\"root\"]},\n"
		    "    {\"action\": \"accept\", \"src\": [\"autogroup:member\"], \"dst\": "
		    "[\"autogroup:self\"], \"users\": [\"root\"]},\n"
		    "    {\"action\": \"accept\", \"src\": [\"autogroup:member\"],\n"
		    "     \"dst\": [\"tag:prod\"],\n"
		    "     \"users\": [\"root\", \"autogroup:foo\"]},\n"
		    "  ],\n"
		    "}\n",
	    8, 24,
	    "ssh[2].users[1]: unsupported selector \"autogroup:foo\": users takes host account "
	    "names, root, autogroup:nonroot or localpart:*@domain");
	parse_fails("{\"hosts\": {}, \"bogus\": 1}", 1, 24, "bogus: unknown key");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"actoin\": 1}"),
	    2, 100, "ssh[0].actoin: unknown key");
	parse_fails("[1]", 1, 1, "a policy file is a JSON object");
	parse_fails("{\"ssh\": [}", 0, 0, "unexpected token near '}'");
	parse_fails("{\"ssh\": {}}", 1, 9, "ssh: must be an array of rules");

	/* action */
	parse_fails(RULE("{\"action\": \"deny\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"]}"),
	    2, 20, "ssh[0].action: \"deny\" is not a valid action (accept or check)");
	parse_fails(
	    RULE("{\"action\": \"ACCEPT\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"]}"),
	    0, 0, "ssh[0].action: \"ACCEPT\" is not a valid action (accept or check)");
	parse_fails(
	    RULE("{\"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], \"users\": [\"root\"]}"), 2, 9,
	    "ssh[0]: action must be specified");
	parse_fails(RULE("{\"action\": \"\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0, "ssh[0].action: action must be specified");

	/* src */
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"*\"], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].src[0]: unsupported selector \"*\": ssh src takes logins, groups, tags, "
	    "autogroup:member or autogroup:tagged");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"autogroup:admin\"], \"dst\": "
			 "[\"tag:prod\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].src[0]: unsupported selector \"autogroup:admin\": ssh src takes logins, "
	    "groups, tags, autogroup:member or autogroup:tagged");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:nope\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"]}"),
	    0, 0, "ssh[0].src[0]: group \"group:nope\" is not defined");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"tag:nope\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"]}"),
	    0, 0, "ssh[0].src[0]: tag \"tag:nope\" is not defined in tagOwners");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0, "ssh[0].src: src must not be empty");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"@example.com\"], \"dst\": "
			 "[\"tag:prod\"], \"users\": [\"root\"]}"),
	    0, 0, "ssh[0].src[0]: \"@example.com\" is not a login (user@domain)");

	/* dst */
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"*\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: wildcard (*) is not supported as ssh destination; use "
	    "autogroup:member, autogroup:tagged or tags");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"db-1\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: invalid dst \"db-1\": hosts, addresses and node names cannot be ssh "
	    "destinations; tag the node");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": "
			 "[\"100.64.0.1\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: invalid dst \"100.64.0.1\": hosts, addresses and node names cannot "
	    "be ssh destinations; tag the node");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"tag:prod\"], \"dst\": "
			 "[\"bob@example.com\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: tags in ssh src cannot access user-owned devices (bob@example.com); "
	    "use autogroup:tagged or tags as destinations instead");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"alice@example.com\"], \"dst\": "
			 "[\"bob@example.com\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: user destination \"bob@example.com\" requires the src to be only "
	    "that same user; use autogroup:self for same-user access");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"autogroup:tagged\"], \"dst\": "
			 "[\"autogroup:self\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: autogroup:self destination requires a src of only users or groups, "
	    "not tags or autogroup:tagged");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"tag:prod\"], \"dst\": "
			 "[\"autogroup:member\"], \"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: tags in ssh src cannot access autogroup:member (user-owned "
	    "devices)");
	parse_fails(RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"group:a\"], "
			 "\"users\": [\"root\"]}"),
	    0, 0,
	    "ssh[0].dst[0]: unsupported selector \"group:a\": ssh dst takes tags, "
	    "autogroup:self, autogroup:member, autogroup:tagged or the src user");

	/* users */
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": []}"),
	    0, 0, "ssh[0].users: users must be specified");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"]}"), 0, 0,
	    "ssh[0]: users must be specified");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"*\"]}"),
	    0, 0, "ssh[0].users[0]: user \"*\" is not valid; use autogroup:nonroot");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\", \"  \"]}"),
	    0, 0, "ssh[0].users[1]: user \"\" is not valid");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"localpart:alice@example.com\"]}"),
	    0, 0,
	    "ssh[0].users[0]: invalid selector \"localpart:alice@example.com\": want "
	    "localpart:*@domain");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"localpart:*@\"]}"),
	    0, 0, "ssh[0].users[0]: invalid selector \"localpart:*@\": want localpart:*@domain");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"group:a\"]}"),
	    0, 0,
	    "ssh[0].users[0]: unsupported selector \"group:a\": users takes host account names, "
	    "root, autogroup:nonroot or localpart:*@domain");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [1]}"),
	    0, 0, "ssh[0].users[0]: must be a string");

	/* checkPeriod, acceptEnv, recorder */
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"checkPeriod\": \"1h\"}"),
	    0, 0, "ssh[0].checkPeriod: checkPeriod is only valid with action \"check\"");
	parse_fails(RULE("{\"action\": \"check\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"], \"checkPeriod\": \"200h\"}"),
	    0, 0, "ssh[0].checkPeriod: checkPeriod \"200h\" is above the max (168h)");
	parse_fails(RULE("{\"action\": \"check\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
			 "\"users\": [\"root\"], \"checkPeriod\": \"abc\"}"),
	    0, 0,
	    "ssh[0].checkPeriod: invalid checkPeriod \"abc\": want a duration such as \"12h\" "
	    "or \"always\"");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"acceptEnv\": [\"\"]}"),
	    0, 0, "ssh[0].acceptEnv[0]: acceptEnv values cannot be empty");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"enforceRecorder\": true}"),
	    0, 0, "ssh[0].enforceRecorder: enforceRecorder needs a recorder");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"recorder\": [\"100.64.0.9\"]}"),
	    0, 0, "ssh[0].recorder[0]: \"100.64.0.9\": tags must start with 'tag:'");
	parse_fails(
	    RULE("{\"action\": \"accept\", \"src\": [\"group:a\"], \"dst\": [\"tag:prod\"], "
		 "\"users\": [\"root\"], \"enforceRecorder\": \"yes\", \"recorder\": "
		 "[\"tag:prod\"]}"),
	    0, 0, "ssh[0].enforceRecorder: must be true or false");

	/* groups, tagOwners, hosts */
	parse_fails("{\"groups\": {\"group:b\": [\"group:a\"]}}", 1, 25,
	    "groups[\"group:b\"][0]: \"group:a\": group members cannot be recursive");
	parse_fails("{\"groups\": {\"admins\": []}}", 1, 23,
	    "groups.admins: group names must start with \"group:\" and name something");
	parse_fails("{\"groups\": {\"group:b\": [\"bob\"]}}", 0, 0,
	    "groups[\"group:b\"][0]: \"bob\" is not a login (user@domain)");
	parse_fails("{\"tagOwners\": {\"tag:1x\": []}}", 1, 26,
	    "tagOwners[\"tag:1x\"]: \"tag:1x\": tag names must start with a letter, after 'tag:'");
	parse_fails("{\"tagOwners\": {\"tag:a_b\": []}}", 0, 0,
	    "tagOwners[\"tag:a_b\"]: \"tag:a_b\": tag names can only contain numbers, letters, or "
	    "dashes");
	parse_fails("{\"tagOwners\": {\"tag:a\": \"x\"}}", 0, 0,
	    "tagOwners[\"tag:a\"]: must be an array of strings");
	parse_fails("{\"hosts\": {\"db\": \"300.1.1.1\"}}", 0, 0,
	    "hosts.db: \"300.1.1.1\" is not an IP address or prefix");

	/* sshTests */
	parse_fails("{\"tagOwners\": {\"tag:prod\": []}, \"sshTests\": [{\"src\": \"a@b.c\", "
		    "\"dst\": [\"tag:prod\"]}]}",
	    0, 0, "sshTests[0]: no accept, check or deny assertions");
	parse_fails("{\"sshTests\": [{\"src\": \"a@b.c\", \"dst\": [\"100.64.0.0/24\"], "
		    "\"accept\": [\"x\"]}]}",
	    0, 0, "sshTests[0].dst[0]: dst \"100.64.0.0/24\" must name one host, not a range");
	parse_fails("{\"sshTests\": [{\"src\": \"a@b.c\", \"dst\": [\"tag:server:22\"], "
		    "\"accept\": [\"x\"]}]}",
	    0, 0,
	    "sshTests[0].dst[0]: \"tag:server:22\": tag names can only contain numbers, letters, "
	    "or dashes");
	parse_fails(
	    "{\"sshTests\": [{\"src\": \"group:x\", \"dst\": [\"h\"], \"accept\": [\"x\"]}]}", 0, 0,
	    "sshTests[0].src: unsupported selector \"group:x\": sshTests src is one login, tag, "
	    "host, address or node name");
	parse_fails("{\"sshTests\": [{\"src\": \"a@b.c\", \"dst\": [\"h\"], \"allow\": [\"x\"]}]}",
	    0, 0, "sshTests[0].allow: unknown key");
	parse_fails("{\"sshTests\": [{\"src\": \"a@b.c\", \"dst\": [\"h\"], \"accept\": [\"\"]}]}",
	    0, 0, "sshTests[0].accept[0]: user \"\" is not valid");
	parse_fails(
	    "{\"sshTests\": [{\"src\": \"tag:x\", \"dst\": [\"autogroup:self\"], \"accept\": "
	    "[\"a\"]}], \"tagOwners\": {\"tag:x\": []}}",
	    0, 0, "sshTests[0].dst[0]: autogroup:self needs a login as src");

	/* valid Tailscale keys that are not about SSH are accepted and ignored */
	p = parse_ok("{\"ACLs\": [{\"action\": \"accept\", \"users\": [\"*\"], \"ports\": "
		     "[\"*:*\"]}], \"grants\": [], \"tests\": [], \"nodeAttrs\": [], \"postures\": "
		     "{}, \"derpMap\": {}, \"autoApprovers\": {}, \"ipsets\": {}, "
		     "\"randomizeClientPort\": true, \"disableIPv4\": false, \"Hosts\": {\"h\": "
		     "\"100.64.0.1\"}}",
	    "non-SSH Tailscale keys are accepted, keys match without case");
	is_int(policy_rule_count(p), 0, "... and give no ssh rules");
	policy_free(p);
	parse_fails("{\"ssh\": [], \"SSH\": []}", 0, 0, "SSH: \"ssh\" given twice (as \"ssh\")");
	p = parse_ok("{}", "an empty policy parses");
	policy_free(p);
	policy_free(NULL);
}

static void
test_many_groups(void)
{
	/* group membership is a bitset: a group past the first word must work */
	char text[8192];
	size_t used = 0;
	struct netmap_node z = node("z", "z@example.com", NULL, 0),
			   y = node("y", "y@example.com", NULL, 0);
	char *t[] = {"tag:t"};
	struct netmap_node dst = node("d", NULL, t, 1);
	struct policy_decision d;
	struct policy *p;
	int i;

	used += (size_t)snprintf(text + used, sizeof(text) - used, "{\"groups\": {");
	for (i = 0; i < 70; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
		    "\"group:g%d\": [\"u%d@example.com\"%s],", i, i,
		    i == 69 ? ", \"z@example.com\"" : "");
	used += (size_t)snprintf(text + used, sizeof(text) - used,
	    "}, \"tagOwners\": {\"tag:t\": []}, \"ssh\": [{\"action\": \"accept\", \"src\": "
	    "[\"group:g69\"], \"dst\": [\"tag:t\"], \"users\": [\"z\"]}]}");
	if ((p = parse_ok(text, "70 groups parse")) == NULL)
		return;
	policy_decide(p, NULL, &z, &dst, "z", &d);
	is_int(d.action, POLICY_ACCEPT, "member of group 69 matches");
	policy_decide(p, NULL, &y, &dst, "z", &d);
	is_int(d.action, POLICY_REJECT, "non-member does not");
	policy_free(p);
}

static void
test_netmap_resolution(void)
{
	static const char text[] =
	    "{\"tagOwners\": {\"tag:server\": [], \"tag:db\": []},\n"
	    " \"hosts\": {\"srv\": \"100.64.0.16\"},\n"
	    " \"ssh\": [{\"action\": \"accept\", \"src\": [\"thor@example.org\"], \"dst\": "
	    "[\"tag:server\"], \"users\": [\"root\"]}],\n"
	    " \"sshTests\": [\n"
	    "  {\"src\": \"thor@example.org\", \"dst\": [\"srv\", \"beedrill\", \"100.64.0.16\", "
	    "\"tag:server\"], \"accept\": [\"root\"]},\n"
	    "  {\"src\": \"thor@example.org\", \"dst\": [\"tag:db\"], \"deny\": [\"root\"]},\n"
	    "  {\"src\": \"thor-laptop\", \"dst\": [\"tag:server\"], \"accept\": [\"root\"]},\n"
	    " ]}\n";
	char *server[] = {"tag:server"}, *db[] = {"tag:db", "tag:server"};
	struct netmap_addr a16 = {AF_INET, {100, 64, 0, 16}}, a17 = {AF_INET, {100, 64, 0, 17}};
	struct netmap_node nodes[3];
	struct netmap nm;
	struct policy_scratch_node sc;
	const struct netmap_node *n = NULL;
	struct mesh_error err = {0};
	unsigned passed = 0, failed = 0;
	struct policy *p;

	memset(&nm, 0, sizeof(nm));
	nodes[0] = node("beedrill", NULL, server, 1);
	nodes[0].addrs = &a16;
	nodes[0].naddrs = 1;
	nodes[1] = node("thor-laptop", "thor@example.org", NULL, 0);
	nodes[1].addrs = &a17;
	nodes[1].naddrs = 1;
	/* a db node that is also a server: tag:db resolves to it */
	nodes[2] = node("pg", NULL, db, 2);
	nm.nodes = nodes;
	nm.nnodes = 3;
	if ((p = parse_ok(text, "hosts policy parses")) == NULL)
		return;
	report_count = 0;
	is_int(policy_run_tests(p, &nm, report, NULL, &passed, &failed), 1,
	    "tag:db also tagged tag:server is reachable: the deny fails");
	is_int(failed, 1, "... one failure");
	is_int(passed, 5, "... hosts alias, node name, address, tag and node src pass");
	report_count = 0;
	is_int(policy_run_tests(p, NULL, report, NULL, &passed, &failed), 1,
	    "without a netmap, hosts cannot resolve");
	is_int(failed, 4, "... srv, beedrill, the address and the node src fail");
	is_str(report_last,
	    "7:3: sshTests[2]: src thor-laptop: \"thor-laptop\" names a host: give "
	    "a netmap to resolve it",
	    "... with a clear line");

	ok(policy_resolve_node(p, &nm, "srv", NULL, &sc, &n, &err) == 0 && n == &nodes[0],
	    "resolve hosts alias to its node");
	ok(policy_resolve_node(p, &nm, "alice@example.com", NULL, &sc, &n, &err) == 0 &&
		n == &sc.node && strcmp(n->owner, "alice@example.com") == 0 && n->ntags == 0,
	    "resolve a login to a stand-in node it owns");
	ok(policy_resolve_node(p, NULL, "tag:db", NULL, &sc, &n, &err) == 0 && n == &sc.node &&
		n->ntags == 1 && strcmp(n->tags[0], "tag:db") == 0,
	    "resolve a tag without a netmap to a stand-in tagged node");
	is_int(policy_resolve_node(p, &nm, "nope", NULL, &sc, &n, &err), MESH_ERR_NOTFOUND,
	    "unknown name: not found");
	is_str(err.text, "no node in the netmap is \"nope\"", "... message");
	policy_free(p);
}

static void
test_candidate_order(void)
{
	/* rules reach a decision through several candidate lists (one per dst
	 * tag, one for autogroup:tagged): they must still come in evaluation
	 * order, each once */
	static const char text[] =
	    "{\"tagOwners\": {\"tag:a\": [], \"tag:b\": [], \"tag:c\": []},\n"
	    " \"ssh\": [\n"
	    "  {\"action\": \"accept\", \"src\": [\"tag:c\"], \"dst\": [\"tag:b\"], \"users\": "
	    "[\"y\"]},\n"
	    "  {\"action\": \"accept\", \"src\": [\"tag:c\"], \"dst\": [\"tag:a\", \"tag:b\"], "
	    "\"users\": [\"x\", \"y\"]},\n"
	    "  {\"action\": \"check\", \"src\": [\"tag:c\"], \"dst\": [\"autogroup:tagged\"], "
	    "\"users\": [\"x\"]},\n"
	    "  {\"action\": \"accept\", \"src\": [\"tag:c\"], \"dst\": [\"tag:a\"], \"users\": "
	    "[\"z\"]},\n"
	    " ]}\n";
	char *ba[] = {"tag:b", "tag:a"}, *c[] = {"tag:c"}, *a[] = {"tag:a"};
	struct netmap_node src = node("c", NULL, c, 1), both = node("ab", NULL, ba, 2),
			   only_a = node("a", NULL, a, 1);
	struct policy_decision d;
	struct policy *p;

	if ((p = parse_ok(text, "candidate-order policy parses")) == NULL)
		return;
	policy_decide(p, NULL, &src, &both, "x", &d);
	ok(d.action == POLICY_CHECK && d.rule == 2, "check via autogroup:tagged comes first");
	policy_decide(p, NULL, &src, &both, "y", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 0, "then accept rules in file order");
	policy_decide(p, NULL, &src, &both, "z", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 3, "a rule on the second tag's list");
	policy_decide(p, NULL, &src, &only_a, "y", &d);
	ok(d.action == POLICY_ACCEPT && d.rule == 1, "rule naming both tags matches one of them");
	policy_decide(p, NULL, &src, &src, "x", &d);
	ok(d.action == POLICY_CHECK && d.rule == 2,
	    "a node with no listed tag: autogroup:tagged only");
	policy_decide(p, NULL, &src, &src, "y", &d);
	is_int(d.action, POLICY_REJECT, "... and nothing else");
	policy_free(p);
}

int
main(void)
{
	test_decisions();
	test_flipped_assertion();
	test_check_period();
	test_parse_errors();
	test_many_groups();
	test_candidate_order();
	test_netmap_resolution();
	return tap_done();
}
