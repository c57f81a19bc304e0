/*
 * sshd/sso: the SSO check ("action": "check") as meshsshd runs it.  The OIDC
 * client itself is a helper program (meshssh-sso, sso_helper.c) that this
 * file runs per check over a pipe (sso_proto.h), so libcurl and cjose never
 * load into meshsshd.  This file shows the helper's URL and code to the
 * person (an SSH auth banner at login, the PAM conversation for sudo), bounds
 * the wait, emits the check.* audit events, and keeps passed checks:
 *
 *   The check cache lives in the listener's memory, per (owner, node, host
 *   user), honoured for the rule's checkPeriod.  A connection process reads
 *   the copy it inherited at fork; after a pass it writes one record line on
 *   its startup pipe, which the listener reads (sshd_sso_absorb) before it
 *   forgets the startup.  With OIDCCheckCacheFile the listener also stores
 *   the record in that root-only file, and connections consult it, so
 *   checks survive a restart; without it a restart forgets every check.
 */
#ifndef MESH_SSHD_SSO_H
#define MESH_SSHD_SSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "sso_proto.h"

#define SSHD_SSO_HELPER_DEFAULT LIBEXECDIR "/meshssh/meshssh-sso"
/* Test builds only: the helper's path (secure_getenv). */
#define SSHD_SSO_HELPER_ENV "MESHSSH_SSO_HELPER"
/* Bound before the instructions arrive: discovery, JWKS, device authorization. */
#define SSHD_SSO_START_REQUESTS 3
/* Bound after them: the code's lifetime plus a last poll and a JWKS refetch. */
#define SSHD_SSO_FLOW_REQUESTS 3
#define SSHD_SSO_SLACK_S       5
/* How long, milliseconds, to wait for the instructions to leave the socket. */
#define SSHD_SSO_FLUSH_MS 10000
/* The startup-pipe record of a passed check. */
#define SSHD_SSO_RECORD_TAG "sso-pass"
#define SSHD_SSO_RECORD_MAX 1024
#define SSHD_SSO_TEXT_MAX   (OIDC_INSTRUCTIONS_MAX + 256)

/* meshsshd -t: 0 when OIDC is off, or the helper reached discovery and the keys. */
int sshd_sso_test(const struct sshd_config *cfg);

/* Shows the instructions (URL and code) to the person; expires_at in unix seconds. */
typedef void (*sshd_sso_show_fn)(void *ctx, const char *text, int64_t expires_at);

struct sshd_sso_result {
	bool passed, timed_out;
	char subject[SSO_PROTO_LINE_MAX];  /* the IdP's sub, "" when unknown */
	char identity[SSO_PROTO_LINE_MAX]; /* the claim that matched the owner */
	char reason[SSO_PROTO_LINE_MAX];   /* one line for the person when not passed */
};

/*
 * One fresh check for c's owner as host user `user` (no cache), audited as
 * check.start then check.pass/fail/timeout with service ("ssh", "sudo").
 * Blocks; gives up when watch_fd (>= 0) hangs up.  0 when passed, else a
 * negative mesh_err with res->reason set.
 */
int sshd_sso_run(struct sshd_conn *c, const char *user, const char *service, sshd_sso_show_fn show,
    void *ctx, int watch_fd, struct sshd_sso_result *res);

/*
 * The login check for a `check` rule with checkPeriod period_s
 * (POLICY_CHECK_ALWAYS: every login): the cache, else sshd_sso_run with the
 * instructions as an auth banner; a pass is reported to the listener.  0 when
 * passed, else a negative mesh_err with a one-line reason for the person.
 */
int sshd_sso_check(
    struct sshd_conn *c, const char *user, int64_t period_s, char *reason, size_t reason_len);

/* Listener: take a passed-check record from a connection's startup pipe, if any. */
void sshd_sso_absorb(int fd, const struct sshd_config *cfg);

#endif
