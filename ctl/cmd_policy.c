/*
 * meshctl policy commands: "policy check" validates a policy file, "policy
 * test" runs its sshTests (one stderr line per failed assertion, exit 1),
 * "explain SRC DST USER" says which rule decides a login and why.
 *
 * Exit codes follow ctl/meshctl.h: 0 ok / allowed, 1 invalid policy, failed
 * test or denied login, 2 usage.  Everything here is a thin shell over the
 * pure functions in lib/policy.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "meshctl.h"
#include "netmap.h"
#include "policy.h"

#define POLICY_DEFAULT_PATH SYSCONFDIR "/meshssh/policy.hujson"
#define POLICY_FILE_MAX	    (16u * 1024u * 1024u)
#define CMD_POSITIONAL_MAX  3
#define SECONDS_PER_HOUR    3600
#define SECONDS_PER_MINUTE  60

struct cmd_args {
	const char *policy;
	const char *netmap;
	const char *pos[CMD_POSITIONAL_MAX];
	int npos;
};

/* --policy FILE, --netmap FILE (or =FILE), then positional arguments. */
static int
cmd_args_parse(const char *name, int argc, char **argv, int want_pos, struct cmd_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->policy = POLICY_DEFAULT_PATH;
	for (i = 1; i < argc; i++) {
		const char **slot = NULL;
		const char *opt = argv[i];

		if (strncmp(opt, "--policy", 8) == 0)
			slot = &a->policy;
		else if (strncmp(opt, "--netmap", 8) == 0)
			slot = &a->netmap;
		if (slot && opt[8] == '=') {
			*slot = opt + 9;
		} else if (slot && opt[8] == '\0') {
			if (++i >= argc) {
				meshctl_err("%s: %s needs a file", name, opt);
				return meshctl_usage(name);
			}
			*slot = argv[i];
		} else if (opt[0] == '-' && opt[1] != '\0') {
			meshctl_err("%s: unknown option '%s'", name, opt);
			return meshctl_usage(name);
		} else if (a->npos < want_pos) {
			a->pos[a->npos++] = opt;
		} else {
			meshctl_err("%s: unexpected argument '%s'", name, opt);
			return meshctl_usage(name);
		}
	}
	if (a->npos != want_pos) {
		meshctl_err("%s: expected %d argument%s", name, want_pos, want_pos == 1 ? "" : "s");
		return meshctl_usage(name);
	}
	return MESHCTL_EXIT_OK;
}

/* "FILE:LINE:COL: what", not through err.source, which would cut a long path. */
static void
cmd_print_parse_error(const char *path, const struct mesh_error *err, int r)
{
	if (err->line && err->col)
		meshctl_err("%s:%u:%u: %s", path, err->line, err->col, err->text);
	else if (err->line)
		meshctl_err("%s:%u: %s", path, err->line, err->text);
	else
		meshctl_err("%s: %s", path, err->text[0] ? err->text : mesh_strerror(r));
}

/* Read a whole file; on failure say why (the message names the path). */
static int
cmd_read(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct mesh_error err = {0};

	if (mesh_file_read(path, max, 0, buf, len, &err) != 0) {
		meshctl_err("%s", err.text);
		return MESHCTL_EXIT_FAIL;
	}
	return MESHCTL_EXIT_OK;
}

static int
cmd_load_policy(const char *path, struct policy **p)
{
	struct mesh_error err = {0};
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (cmd_read(path, POLICY_FILE_MAX, &buf, &len) != 0)
		return MESHCTL_EXIT_FAIL;
	r = policy_parse((const char *)buf, len, p, &err);
	free(buf);
	if (r != 0)
		cmd_print_parse_error(path, &err, r);
	return r ? MESHCTL_EXIT_FAIL : MESHCTL_EXIT_OK;
}

/* A netmap file, read for its names and addresses (not its signature). */
static int
cmd_load_netmap(const char *path, struct netmap **nm)
{
	struct mesh_error err = {0};
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*nm = NULL;
	if (path == NULL)
		return MESHCTL_EXIT_OK;
	if (cmd_read(path, MESH_FILE_MAX_BYTES, &buf, &len) != 0)
		return MESHCTL_EXIT_FAIL;
	r = netmap_parse(buf, len, nm, &err);
	free(buf);
	if (r != 0)
		cmd_print_parse_error(path, &err, r);
	return r ? MESHCTL_EXIT_FAIL : MESHCTL_EXIT_OK;
}

static int
cmd_policy_check(int argc, char **argv)
{
	struct policy *p = NULL;
	struct cmd_args a;
	int r;

	if ((r = cmd_args_parse("policy check", argc, argv, 0, &a)) != 0)
		return r;
	if ((r = cmd_load_policy(a.policy, &p)) != 0)
		return r;
	printf("%s: ok: %zu ssh rule%s, %zu sshTests\n", a.policy, policy_rule_count(p),
	    policy_rule_count(p) == 1 ? "" : "s", policy_test_count(p));
	policy_free(p);
	return MESHCTL_EXIT_OK;
}

static void
cmd_report_line(void *ctx, const char *line)
{
	meshctl_err("%s:%s", (const char *)ctx, line);
}

static int
cmd_policy_test(int argc, char **argv)
{
	struct netmap *nm = NULL;
	struct policy *p = NULL;
	unsigned passed = 0, failed = 0;
	struct cmd_args a;
	int r;

	if ((r = cmd_args_parse("policy test", argc, argv, 0, &a)) != 0)
		return r;
	if ((r = cmd_load_netmap(a.netmap, &nm)) != 0 || (r = cmd_load_policy(a.policy, &p)) != 0)
		goto out;
	if (policy_test_count(p) == 0) {
		printf("%s: no sshTests\n", a.policy);
		goto out;
	}
	if ((r = policy_run_tests(p, nm, cmd_report_line, (void *)a.policy, &passed, &failed)) <
	    0) {
		meshctl_err("policy test: %s", mesh_strerror(r));
		r = MESHCTL_EXIT_FAIL;
		goto out;
	}
	printf("%s: %u assertion%s passed, %u failed\n", a.policy, passed, passed == 1 ? "" : "s",
	    failed);
	r = failed ? MESHCTL_EXIT_FAIL : MESHCTL_EXIT_OK;
out:
	policy_free(p);
	netmap_free(nm);
	return r;
}

static const char *
cmd_action_name(enum policy_action a)
{
	return a == POLICY_ACCEPT ? "accept" : a == POLICY_CHECK ? "check" : "reject";
}

static void
cmd_print_list(const char *label, const char *const *v)
{
	if (v == NULL)
		return;
	printf("%s:", label);
	for (; *v; v++)
		printf(" %s", *v);
	printf("\n");
}

static int
cmd_explain(int argc, char **argv)
{
	struct policy_scratch_node ssc, dsc;
	const struct netmap_node *src, *dst;
	struct netmap *nm = NULL;
	struct mesh_error err = {0};
	struct policy_decision d;
	struct policy *p = NULL;
	const char *src_login;
	struct cmd_args a;
	int r;

	if ((r = cmd_args_parse("explain", argc, argv, 3, &a)) != 0)
		return r;
	if ((r = cmd_load_netmap(a.netmap, &nm)) != 0 || (r = cmd_load_policy(a.policy, &p)) != 0)
		goto out;
	r = MESHCTL_EXIT_FAIL;
	if (policy_resolve_node(p, nm, a.pos[0], NULL, &ssc, &src, &err) != 0) {
		meshctl_err("explain: src: %s", err.text);
		goto out;
	}
	src_login = src->ntags ? NULL
	    : src->owner       ? src->owner
	    : src->user	       ? src->user->login
			       : NULL;
	if (policy_resolve_node(p, nm, a.pos[1], src_login, &dsc, &dst, &err) != 0) {
		meshctl_err("explain: dst: %s", err.text);
		goto out;
	}
	if (policy_decide(p, nm, src, dst, a.pos[2], &d) != 0) {
		meshctl_err("explain: %s", d.reason);
		r = MESHCTL_EXIT_USAGE;
		goto out;
	}
	printf("decision: %s\n", cmd_action_name(d.action));
	if (d.rule >= 0)
		printf("rule: ssh[%d] (%s line %u)\n", d.rule, a.policy, d.rule_line);
	else
		printf("rule: none\n");
	if (d.action == POLICY_CHECK && d.check_period_s == POLICY_CHECK_ALWAYS)
		printf("check period: every login\n");
	else if (d.action == POLICY_CHECK && d.check_period_s % SECONDS_PER_HOUR == 0)
		printf("check period: %lldh\n", (long long)(d.check_period_s / SECONDS_PER_HOUR));
	else if (d.action == POLICY_CHECK && d.check_period_s % SECONDS_PER_MINUTE == 0)
		printf("check period: %lldm\n", (long long)(d.check_period_s / SECONDS_PER_MINUTE));
	else if (d.action == POLICY_CHECK)
		printf("check period: %llds\n", (long long)d.check_period_s);
	cmd_print_list("recorder", d.recorders);
	if (d.enforce_recorder)
		printf("enforce recorder: yes\n");
	cmd_print_list("acceptEnv", d.accept_env);
	if (d.via_localpart)
		printf("host account: may be provisioned (localpart)\n");
	printf("reason: %s\n", d.reason);
	r = d.action == POLICY_REJECT ? MESHCTL_EXIT_FAIL : MESHCTL_EXIT_OK;
out:
	policy_free(p);
	netmap_free(nm);
	return r;
}

const struct meshctl_cmd meshctl_cmds_policy[] = {
    {"policy check", "[--policy FILE]", "validate a policy file", cmd_policy_check},
    {"policy test", "[--policy FILE] [--netmap FILE]",
	"run the policy's sshTests; exit 1 if an assertion fails", cmd_policy_test},
    {"explain", "[--netmap FILE] [--policy FILE] SRC DST USER",
	"which ssh rule decides SRC logging in to DST as USER, and why", cmd_explain},
    {NULL, NULL, NULL, NULL},
};
