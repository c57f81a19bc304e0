/*
 * Tailscale-compatible SSH policy (contract 3 of DESIGN.md; format in
 * man/meshssh-policy.5): groups, tagOwners, hosts, ssh rules and sshTests.
 *
 * policy_decide() is a pure function of (policy, source node, destination
 * node, requested host user): no I/O, no clock, no globals.  Rules are
 * evaluated in order as Tailscale does; the first rule whose src, dst and
 * users match decides.  No match is a reject.
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

struct policy_decision {
	enum policy_action action;
	int rule;		/* 0-based index into "ssh", -1 when no rule matched */
	int64_t check_period_s; /* for POLICY_CHECK; Tailscale's default is 12h */
	bool via_localpart;	/* granted through localpart:*@domain (provisionable) */
	bool enforce_recorder;
	const char *const *accept_env;	/* NULL-terminated patterns from the rule; NULL if none */
	const char *const *recorders;	/* NULL-terminated "recorder" entries; NULL if none */
	char reason[POLICY_REASON_MAX]; /* human: why accept/check/reject */
};

/* Parse a policy file (HuJSON).  Unknown keys and selectors are errors. */
int policy_parse(const char *buf, size_t len, struct policy **out, struct mesh_error *err);
void policy_free(struct policy *p);

/*
 * Decide for a connection from src (with its owner and tags from the netmap)
 * to dst as host_user.  Always fills *out; returns 0, or a negative mesh_err
 * only for invalid arguments.
 */
int policy_decide(const struct policy *p, const struct netmap *nm, const struct netmap_node *src,
    const struct netmap_node *dst, const char *host_user, struct policy_decision *out);

/* Does an env var name match one of the decision's acceptEnv patterns? */
bool policy_env_accepted(const struct policy_decision *d, const char *name);

#endif
