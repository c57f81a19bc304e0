/*
 * sshd/sso: the SSO check ("action": "check") as meshsshd runs it.  Glue
 * between the connection's auth path and lib/oidc: start a device flow,
 * show the URL and user code to the stock OpenSSH client as an auth banner,
 * poll the IdP until the ID token vouches for the node owner, the code
 * expires, or the person refuses.  The OIDC keywords and their parsing are
 * lib/oidc's (oidc_config_keyword); this file only drives the check.
 */
#ifndef MESH_SSHD_SSO_H
#define MESH_SSHD_SSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"

/* Used as checkPeriod until the policy carries one per rule (Tailscale's default). */
#define SSHD_SSO_CHECK_PERIOD_S (12 * 3600)
/* Extra grace, seconds, on top of the device code's lifetime. */
/* How long, milliseconds, to wait for the instructions to leave the socket. */
#define SSHD_SSO_FLUSH_MS 10000

/* meshsshd -t: 0 when OIDC is off or its config and discovery are good. */
int sshd_sso_test(const struct sshd_config *cfg);

/*
 * Run the check for c (blocking).  0 when the IdP vouched for c->id.login,
 * else a negative mesh_err with a one-line reason for the person in reason.
 */
int sshd_sso_check(struct sshd_conn *c, const char *user, char *reason, size_t reason_len);

#endif
