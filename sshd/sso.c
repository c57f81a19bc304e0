/*
 * sshd/sso: the SSO check driven from the auth path (see sso.h).  The
 * instructions go out as SSH_MSG_USERAUTH_BANNER, which OpenSSH prints as
 * soon as it arrives; the connection then waits, polling the IdP at the
 * pace lib/oidc asks for, and LoginGraceTime is stretched to the device
 * code's lifetime so the alarm does not cut the flow short.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libssh/server.h>

#include "checkcache.h"
#include "log.h"
#include "oidc.h"
#include "sso.h"

static int64_t
sshd_sso_now(void)
{
	return (int64_t)time(NULL);
}

int
sshd_sso_test(const struct sshd_config *cfg)
{
	struct mesh_error err;
	char buf[MESH_ERROR_TEXT_MAX + 64];

	if (!oidc_config_enabled(&cfg->oidc))
		return 0;
	mesh_error_clear(&err);
	if (oidc_config_test(&cfg->oidc, sshd_sso_now(), &err) != 0) {
		log_error("OIDC: %s", mesh_error_format(&err, buf, sizeof(buf)));
		return -1;
	}
	log_info("OIDC: issuer %s reachable, discovery and keys good", cfg->oidc.issuer);
	return 0;
}

static void
sshd_sso_audit(json_t *event, void *ctx)
{
	char *s = json_dumps(event, JSON_COMPACT);

	(void)ctx;
	if (s != NULL)
		log_info("sso-check %s", s);
	free(s);
}

static void
sshd_sso_show(struct sshd_conn *c, const char *text)
{
	ssh_string s = ssh_string_from_char(text);

	if (s == NULL)
		return;
	(void)ssh_send_issue_banner(c->session, s);
	ssh_string_free(s);
	(void)ssh_blocking_flush(c->session, SSHD_SSO_FLUSH_MS);
}

int
sshd_sso_check(struct sshd_conn *c, const char *user, char *reason, size_t reason_len)
{
	static struct checkcache *cache; /* per process: connections fork */
	struct oidc_client *oc = NULL;
	struct oidc_check *ch = NULL;
	struct oidc_check_request req;
	struct mesh_error err;
	char buf[MESH_ERROR_TEXT_MAX + 64];
	bool cached = false;
	int64_t now, next;
	int r;

	mesh_error_clear(&err);
	if (!oidc_config_enabled(&c->cfg->oidc)) {
		(void)snprintf(reason, reason_len, "SSO check is not configured on this server");
		return MESH_ERR_UNSUPPORTED;
	}
	if (cache == NULL)
		cache = checkcache_new();
	memset(&req, 0, sizeof(req));
	req.owner = c->id.login;
	req.node = c->id.node;
	req.host_user = user;
	req.period_s = SSHD_SSO_CHECK_PERIOD_S;
	req.cache_file = c->cfg->oidc.check_cache_file;
	if ((r = oidc_client_new(&c->cfg->oidc, &oc, &err)) != 0)
		goto fail;
	now = sshd_sso_now();
	r = oidc_check_begin(oc, cache, &req, now, sshd_sso_audit, NULL, &ch, &cached, &err);
	if (r != 0)
		goto fail;
	if (cached) {
		log_info("SSO check for %s (node %s) still valid", c->id.login, c->id.node);
		goto out;
	}
	sshd_sso_show(c, oidc_check_instructions(ch));
	/* LoginGraceTime must not end a device flow in progress. */
	(void)alarm(0);
	for (;;) {
		now = sshd_sso_now();
		next = oidc_check_next_poll(ch);
		if (next > now)
			(void)sleep((unsigned)(next - now));
		r = oidc_check_step(ch, sshd_sso_now(), &err);
		if (r != MESH_ERR_AGAIN)
			break;
	}
	if (r != 0)
		goto fail;
	log_info("SSO check passed for %s (node %s) as %s", c->id.login, c->id.node, user);
	goto out;
fail:
	(void)snprintf(
	    reason, reason_len, "SSO check failed: %s", mesh_error_format(&err, buf, sizeof(buf)));
	log_info("SSO check for %s (node %s): %s", c->id.login, c->id.node, buf);
out:
	oidc_check_free(ch);
	oidc_client_free(oc);
	return r;
}
