/*
 * Tailscale-compatible SSH policy (contract 3 of DESIGN.md; format in
 * man/meshssh-policy.5): groups, tagOwners, hosts, ssh rules and sshTests.
 *
 * policy_parse() validates everything it reads (unknown keys and unsupported
 * selectors are errors with file:line:col) and compiles selectors to interned
 * indices, so policy_decide() is a pure function of (policy, source node,
 * destination node, requested host user): no I/O, no clock, no globals, no
 * allocation.  As in Tailscale, every "check" rule is tried before every
 * "accept" rule, each group in file order; the first rule whose src, dst and
 * users all match decides.  No match is a reject.
 */
#ifndef MESH_POLICY_H
#define MESH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "netmap.h"

struct policy; /* opaque */

enum policy_action {
	POLICY_REJECT = 0,
	POLICY_ACCEPT,
	POLICY_CHECK, /* accept after a fresh IdP re-authentication */
};

#define POLICY_REASON_MAX 256
/* Tailscale's checkPeriod default and maximum. */
#define POLICY_CHECK_PERIOD_DEFAULT_S (12 * 3600)
#define POLICY_CHECK_PERIOD_MAX_S     (168 * 3600)
/* check_period_s value for checkPeriod "always": re-authenticate every login. */
#define POLICY_CHECK_ALWAYS 0
/* A node with more tags than this is refused by policy_decide (MESH_ERR_RANGE). */
#define POLICY_NODE_TAGS_MAX 64

struct policy_decision {
	enum policy_action action;
	int rule;		/* 0-based index into "ssh", -1 when no rule matched */
	unsigned rule_line;	/* line of that rule in the policy file, 0 if none */
	int64_t check_period_s; /* for POLICY_CHECK; POLICY_CHECK_ALWAYS = every login */
	bool via_localpart;	/* granted through localpart:*@domain (provisionable) */
	bool via_nonroot;	/* granted through autogroup:nonroot: the caller must
				   still refuse an account with uid 0 */
	bool enforce_recorder;
	const char *const *accept_env;	/* NULL-terminated patterns from the rule; NULL if none */
	const char *const *recorders;	/* NULL-terminated "recorder" entries; NULL if none */
	char reason[POLICY_REASON_MAX]; /* human: why accept/check/reject */
};

/*
 * Parse a policy file (HuJSON).  Unknown keys and selectors are errors; err
 * gets line:col and a path such as ssh[2].users[1].  err->source is left as
 * the caller set it (the file name).
 */
int policy_parse(const char *buf, size_t len, struct policy **out, struct mesh_error *err);
void policy_free(struct policy *p);

size_t policy_rule_count(const struct policy *p);
size_t policy_test_count(const struct policy *p);

/*
 * Decide for a connection from src (with its owner and tags from the netmap)
 * to dst as host_user.  A node with tags is a tagged node (its owner is not
 * consulted), as in Tailscale.  nm may be NULL.  Always fills *out; returns 0,
 * or a negative mesh_err only for invalid arguments (then *out is a reject).
 */
int policy_decide(const struct policy *p, const struct netmap *nm, const struct netmap_node *src,
    const struct netmap_node *dst, const char *host_user, struct policy_decision *out);

/* Does an env var name match one of the decision's acceptEnv patterns (* and ?)? */
bool policy_env_accepted(const struct policy_decision *d, const char *name);

/*
 * Run the policy's sshTests.  Names in src/dst resolve as follows: a login
 * (alice@example.com) is a node that login owns; tag:x is every netmap node
 * with that tag, or a node tagged only tag:x when there is no such node;
 * autogroup:self is a node the src login owns; a hosts entry, a mesh address
 * or a node name needs nm (may be NULL) and resolves to that netmap node.
 * report() gets one line per failed assertion ("LINE:COL: sshTests[i]: ...",
 * without the file name).  Returns 0 when every assertion passed, 1 when one
 * failed, or a negative mesh_err.  Counts are optional.
 */
typedef void (*policy_report_fn)(void *ctx, const char *line);
int policy_run_tests(const struct policy *p, const struct netmap *nm, policy_report_fn report,
    void *ctx, unsigned *passed, unsigned *failed);

/*
 * Resolve a name for meshctl explain the same way sshTests do (first match);
 * *node points into nm or into *scratch (which must outlive its use).
 */
struct policy_scratch_node {
	struct netmap_node node;
	char *tags[1];
};
int policy_resolve_node(const struct policy *p, const struct netmap *nm, const char *name,
    const char *src_login, struct policy_scratch_node *scratch, const struct netmap_node **node,
    struct mesh_error *err);

/* "12h", "1h30m", "always" (→ POLICY_CHECK_ALWAYS): Go-style durations in seconds. */
int policy_parse_check_period(const char *s, int64_t *out_s, struct mesh_error *err);

#endif
