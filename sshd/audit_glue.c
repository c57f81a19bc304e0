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

static struct audit *sshd_audit;
static char sshd_audit_cid[AUDIT_ID_CHARS + 1];

static uint64_t
sshd_audit_wall_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * SSHD_AUDIT_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static struct audit *
sshd_audit_get(const struct sshd_conn *c)
{
	char host[SSHD_AUDIT_HOST_MAX];
	char buf[MESH_ERROR_TEXT_MAX + 256];
	struct mesh_error err;
	const char *spool = c->cfg->rec.spool_dir ? c->cfg->rec.spool_dir : REC_DEFAULT_SPOOL_DIR;

	if (sshd_audit != NULL)
		return sshd_audit;
	if (c->cfg->node_name != NULL)
		(void)snprintf(host, sizeof(host), "%s", c->cfg->node_name);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	mesh_error_clear(&err);
	if (audit_open(spool, c->cfg->rec.spool_max, host, &sshd_audit, &err) != 0) {
		log_error("audit: %s", mesh_error_format(&err, buf, sizeof(buf)));
		sshd_audit = NULL;
	}
	return sshd_audit;
}

static void
sshd_audit_emit(const struct sshd_conn *c, struct audit_event *ev)
{
	char buf[MESH_ERROR_TEXT_MAX + 256];
	struct mesh_error err;
	struct audit *a = sshd_audit_get(c);

	if (a == NULL) {
		audit_event_free(ev);
		return;
	}
	mesh_error_clear(&err);
	if (audit_emit(a, ev, sshd_audit_wall_ns(), NULL, &err) != 0)
		log_error("audit: %s", mesh_error_format(&err, buf, sizeof(buf)));
}

/* A new event with the connection's common fields. */
static struct audit_event *
sshd_audit_new(const struct sshd_conn *c, enum audit_type t)
{
	struct audit_event *ev = audit_event_new(t);

	if (ev == NULL)
		return NULL;
	if (sshd_audit_cid[0] == '\0')
		audit_new_id(sshd_audit_cid);
	if (audit_set_str(ev, "connectionID", sshd_audit_cid) != 0 ||
	    audit_set_str(ev, "srcAddr", c->client_addr) != 0 ||
	    audit_set_str(ev, "srcNode", c->id.node) != 0 ||
	    audit_set_str(ev, "srcNodeUser", c->id.login) != 0) {
		audit_event_free(ev);
		return NULL;
	}
	return ev;
}

void
sshd_audit_accept(const struct sshd_conn *c)
{
	struct audit_event *ev = sshd_audit_new(c, AUDIT_CONNECTION_ACCEPT);

	if (ev != NULL)
		sshd_audit_emit(c, ev);
}

void
sshd_audit_refuse(const struct sshd_conn *c, const char *user, const char *reason)
{
	struct audit_event *ev = sshd_audit_new(c, AUDIT_CONNECTION_REFUSE);

	if (ev == NULL)
		return;
	if (audit_set_str(ev, "sshUser", user) != 0 || audit_set_str(ev, "reason", reason) != 0) {
		audit_event_free(ev);
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
	struct audit_event *ev = sshd_audit_new(c, AUDIT_POLICY_DECISION);

	if (ev == NULL)
		return;
	if (audit_set_str(ev, "action", actions[d->action]) != 0 ||
	    audit_set_int(ev, "rule", d->rule) != 0 || audit_set_str(ev, "sshUser", user) != 0 ||
	    (local_user != NULL && audit_set_str(ev, "localUser", local_user) != 0) ||
	    (d->reason[0] != '\0' && audit_set_str(ev, "reason", d->reason) != 0)) {
		audit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

const char *
sshd_audit_conn_id(void)
{
	return sshd_audit_cid;
}

void
sshd_audit_close(void)
{
	audit_free(sshd_audit);
	sshd_audit = NULL;
}

void
sshd_audit_check(const struct sshd_conn *c, enum sshd_audit_check_kind kind, const char *user,
    const char *service, const char *issuer, const char *subject, const char *reason)
{
	static const enum audit_type types[] = {
	    [SSHD_AUDIT_CHECK_START] = AUDIT_CHECK_START,
	    [SSHD_AUDIT_CHECK_PASS] = AUDIT_CHECK_PASS,
	    [SSHD_AUDIT_CHECK_FAIL] = AUDIT_CHECK_FAIL,
	    [SSHD_AUDIT_CHECK_TIMEOUT] = AUDIT_CHECK_TIMEOUT,
	};
	struct audit_event *ev = sshd_audit_new(c, types[kind]);

	if (ev == NULL)
		return;
	if (audit_set_str(ev, "localUser", user) != 0 ||
	    audit_set_str(ev, "service", service) != 0 ||
	    (issuer != NULL && audit_set_str(ev, "issuer", issuer) != 0) ||
	    (subject != NULL && audit_set_str(ev, "subject", subject) != 0) ||
	    (reason != NULL && audit_set_str(ev, "reason", reason) != 0)) {
		audit_event_free(ev);
		return;
	}
	sshd_audit_emit(c, ev);
}

void
sshd_audit_forked(void)
{
	sshd_audit_close();
}
