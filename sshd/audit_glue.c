/*
 * Audit events of one meshsshd connection (see audit_glue.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_glue.h"
#include "log.h"
#include "recorder.h"

#define SSHD_AUDIT_NS_PER_S 1000000000ULL
#define SSHD_AUDIT_HOST_MAX 256

static struct maudit *sshd_audit;
static char sshd_audit_cid[MAUDIT_ID_CHARS + 1];

static uint64_t
sshd_audit_wall_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SSHD_AUDIT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

const char *
sshd_audit_host(const struct sshd_config *cfg)
{
	static char host[SSHD_AUDIT_HOST_MAX];

	if (cfg->node_name != NULL)
		(void)snprintf(host, sizeof(host), "%s", cfg->node_name);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	return host;
}

static struct maudit *
sshd_audit_get(const struct sshd_conn *c)
{
	char buf[MESH_ERROR_TEXT_MAX + 256];
	struct mesh_error err;
	const char *spool = c->cfg->rec.spool_dir ? c->cfg->rec.spool_dir : REC_DEFAULT_SPOOL_DIR;

	if (sshd_audit != NULL)
		return sshd_audit;
	mesh_error_clear(&err);
	if (maudit_open(spool, c->cfg->rec.spool_max, sshd_audit_host(c->cfg), &sshd_audit, &err) !=
	    0) {
		log_error("audit: %s", mesh_error_format(&err, buf, sizeof(buf)));
		sshd_audit = NULL;
		return NULL;
	}
	/*
	 * Until the policy has decided, never drop spooled records to make room:
	 * they may be recordings that enforceRecorder made mandatory.
	 */
	maudit_set_enforce(sshd_audit, true);
	return sshd_audit;
}

static void
sshd_audit_emit(const struct sshd_conn *c, struct maudit_event *ev)
{
	char buf[MESH_ERROR_TEXT_MAX + 256];
	struct mesh_error err;
	struct maudit *a = sshd_audit_get(c);

	if (a == NULL) {
		maudit_event_free(ev);
		return;
	}
	mesh_error_clear(&err);
	if (maudit_emit(a, ev, sshd_audit_wall_ns(), NULL, &err) != 0)
		log_error("audit: %s", mesh_error_format(&err, buf, sizeof(buf)));
}

/* A new event with the connection's common fields. */
static struct maudit_event *
sshd_audit_new(const struct sshd_conn *c, enum maudit_type t)
{
	struct maudit_event *ev = maudit_event_new(t);

	if (ev == NULL)
		return NULL;
	if (sshd_audit_cid[0] == '\0')
		maudit_new_id(sshd_audit_cid);
	if (maudit_set_str(ev, "connectionID", sshd_audit_cid) != 0 ||
	    maudit_set_str(ev, "srcAddr", c->client_addr) != 0 ||
	    maudit_set_str(ev, "srcNode", c->id.node) != 0 ||
	    maudit_set_str(ev, "srcNodeUser", c->id.login) != 0) {
		maudit_event_free(ev);
		return NULL;
	}
	return ev;
}

void
sshd_audit_accept(const struct sshd_conn *c)
{
	struct maudit_event *ev = sshd_audit_new(c, MAUDIT_CONNECTION_ACCEPT);

	if (ev != NULL)
		sshd_audit_emit(c, ev);
}

void
sshd_audit_refuse(const struct sshd_conn *c, const char *user, const char *reason)
{
	struct maudit_event *ev = sshd_audit_new(c, MAUDIT_CONNECTION_REFUSE);

	if (ev == NULL)
		return;
	if (maudit_set_str(ev, "sshUser", user) != 0 || maudit_set_str(ev, "reason", reason) != 0) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_decision(const struct sshd_conn *c, const char *user, const struct sshd_decision *d,
    const char *local_user)
{
	static const char *const actions[] = {
	    [SSHD_REJECT] = "reject", [SSHD_ACCEPT] = "accept", [SSHD_CHECK] = "check"};
	struct maudit_event *ev = sshd_audit_new(c, MAUDIT_POLICY_DECISION);

	if (ev == NULL)
		return;
	sshd_audit_enforce(c, d->enforce_recorder);
	if (maudit_set_str(ev, "action", actions[d->action]) != 0 ||
	    maudit_set_int(ev, "rule", d->rule) != 0 || maudit_set_str(ev, "sshUser", user) != 0 ||
	    maudit_set_bool(ev, "enforceRecorder", d->enforce_recorder) != 0 ||
	    (local_user != NULL && maudit_set_str(ev, "localUser", local_user) != 0) ||
	    (d->reason[0] != '\0' && maudit_set_str(ev, "reason", d->reason) != 0)) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_provision(const struct sshd_conn *c, const char *local_user, unsigned uid, bool created)
{
	struct maudit_event *ev = sshd_audit_new(c, MAUDIT_PROVISION);

	if (ev == NULL)
		return;
	if (maudit_set_str(ev, "localUser", local_user) != 0 ||
	    maudit_set_int(ev, "uid", uid) != 0 || maudit_set_bool(ev, "created", created) != 0) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_session(const struct sshd_conn *c, bool start, const char *session_id,
    const char *command, bool pty, int exit_status)
{
	struct maudit_event *ev =
	    sshd_audit_new(c, start ? MAUDIT_SESSION_START : MAUDIT_SESSION_END);
	int r;

	if (ev == NULL)
		return;
	r = maudit_set_str(ev, "sessionID", session_id);
	if (r == 0 && c->user != NULL)
		r = maudit_set_str(ev, "localUser", c->user);
	if (r == 0 && start)
		r = maudit_set_bool(ev, "pty", pty);
	if (r == 0 && start && command != NULL)
		r = maudit_set_str(ev, "command", command);
	if (r == 0 && !start)
		r = maudit_set_int(ev, "exitStatus", exit_status);
	if (r != 0) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_sftp(const struct sshd_conn *c, bool start, const char *session_id)
{
	struct maudit_event *ev = sshd_audit_new(c, start ? MAUDIT_SFTP_START : MAUDIT_SFTP_END);

	if (ev == NULL)
		return;
	if (maudit_set_str(ev, "sessionID", session_id) != 0 ||
	    (c->user != NULL && maudit_set_str(ev, "localUser", c->user) != 0)) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_forward(
    const struct sshd_conn *c, bool open, const char *direction, const char *host, unsigned port)
{
	struct maudit_event *ev =
	    sshd_audit_new(c, open ? MAUDIT_FORWARD_OPEN : MAUDIT_FORWARD_CLOSE);
	char target[SSHD_AUDIT_HOST_MAX + 16];

	if (ev == NULL)
		return;
	(void)snprintf(target, sizeof(target), "%s:%u", host ? host : "", port);
	if (maudit_set_str(ev, "direction", direction) != 0 ||
	    maudit_set_str(ev, "target", target) != 0 ||
	    (c->user != NULL && maudit_set_str(ev, "localUser", c->user) != 0)) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_enforce(const struct sshd_conn *c, bool enforce)
{
	struct maudit *a = sshd_audit_get(c);

	if (a != NULL)
		maudit_set_enforce(a, enforce);
}

const char *
sshd_audit_conn_id(void)
{
	return sshd_audit_cid;
}

void
sshd_audit_close(void)
{
	maudit_free(sshd_audit);
	sshd_audit = NULL;
}

void
sshd_audit_check(const struct sshd_conn *c, enum sshd_audit_check_kind kind, const char *user,
    const char *service, const char *issuer, const char *subject, const char *reason)
{
	static const enum maudit_type types[] = {
	    [SSHD_AUDIT_CHECK_START] = MAUDIT_CHECK_START,
	    [SSHD_AUDIT_CHECK_PASS] = MAUDIT_CHECK_PASS,
	    [SSHD_AUDIT_CHECK_FAIL] = MAUDIT_CHECK_FAIL,
	    [SSHD_AUDIT_CHECK_TIMEOUT] = MAUDIT_CHECK_TIMEOUT,
	};
	struct maudit_event *ev = sshd_audit_new(c, types[kind]);

	if (ev == NULL)
		return;
	if (maudit_set_str(ev, "localUser", user) != 0 ||
	    maudit_set_str(ev, "service", service) != 0 ||
	    (issuer != NULL && maudit_set_str(ev, "issuer", issuer) != 0) ||
	    (subject != NULL && maudit_set_str(ev, "subject", subject) != 0) ||
	    (reason != NULL && maudit_set_str(ev, "reason", reason) != 0)) {
		maudit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_forked(void)
{
	sshd_audit_close();
}
