/*
 * Who is calling and what may they do: whois(source address) against the
 * netmap, then the policy for (node, owner, host user).  The state (netmap,
 * policy, which node this server is) is loaded by the daemon at start and on
 * SIGHUP; a reload that fails keeps the previous state in force.
 */
#ifndef MESH_SSHD_AUTHZ_H
#define MESH_SSHD_AUTHZ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "sshd_config.h"

#define SSHD_ID_MAX	  256
#define SSHD_REASON_MAX	  256
#define SSHD_ENV_PATTERNS 32

struct sshd_identity {
	char login[SSHD_ID_MAX]; /* owner login, or "tagged-devices" */
	char node[SSHD_ID_MAX];	 /* source node name */
	char addr[SSHD_ID_MAX];	 /* source address, as text */
};

enum sshd_action {
	SSHD_REJECT = 0,
	SSHD_ACCEPT,
	SSHD_CHECK,
};

struct sshd_decision {
	enum sshd_action action;
	int rule;	       /* 0-based policy rule, -1 when none matched */
	unsigned rule_line;    /* its line in the policy file, 0 if none */
	bool via_nonroot;      /* granted by autogroup:nonroot: uid 0 must be refused */
	bool via_localpart;    /* granted by localpart:*@domain: the account may be provisioned */
	bool enforce_recorder; /* enforceRecorder: no session unless it is recorded */
	bool recorder;	       /* the rule names a recorder: record its sessions */
	/* SSHD_CHECK: the rule's checkPeriod in seconds; 0 (always) = every login */
	int64_t check_period_s;
	char reason[SSHD_REASON_MAX];
	/* acceptEnv patterns copied out of the policy, NULL-terminated */
	char *accept_env[SSHD_ENV_PATTERNS + 1];
};

struct sshd_authz;

/* Load netmap (signature, serial >= prev's, expiry) and policy; prev may be NULL. */
int sshd_authz_load(const struct sshd_config *c, const struct sshd_authz *prev,
    struct sshd_authz **out, struct mesh_error *err);
void sshd_authz_free(struct sshd_authz *a);

/*
 * 0 and *id filled, MESH_ERR_NOTFOUND when sa is not a mesh node, or
 * MESH_ERR_EXPIRED when the netmap is past its expiry at now (unix seconds).
 */
int sshd_authz_whois(
    const struct sshd_authz *a, const struct sockaddr *sa, int64_t now, struct sshd_identity *id);

/* Always fills *d; returns 0 or a negative mesh_err for invalid arguments. */
int sshd_authz_decide(const struct sshd_authz *a, const struct sshd_identity *id,
    const char *host_user, struct sshd_decision *d);
void sshd_decision_clear(struct sshd_decision *d);

struct netmap_user;
/* The netmap user owning the source node (NULL for tagged nodes or test identities). */
const struct netmap_user *sshd_authz_user(
    const struct sshd_authz *a, const struct sshd_identity *id);

#endif
