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

static struct maudit *
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
	if (maudit_open(spool, c->cfg->rec.spool_max, host, &sshd_audit, &err) != 0) {
		log_error("audit: %s", mesh_error_format(&err, buf, sizeof(buf)));
		sshd_audit = NULL;
	}
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
	if (maudit_set_str(ev, "action", actions[d->action]) != 0 ||
	    maudit_set_int(ev, "rule", d->rule) != 0 || maudit_set_str(ev, "sshUser", user) != 0 ||
	    (local_user != NULL && maudit_set_str(ev, "localUser", local_user) != 0) ||
	    (d->reason[0] != '\0' && maudit_set_str(ev, "reason", d->reason) != 0)) {
		maudit_event_free(ev);
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
	maudit_free(sshd_audit);
	sshd_audit = NULL;
}
