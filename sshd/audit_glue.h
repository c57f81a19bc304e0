/*
 * Audit events (recorder/audit.h) from meshsshd's per-connection process:
 * one struct audit per process, opened lazily on the recording spool, and
 * the connection's id shared by every event.  Failures are logged, never
 * fatal here: enforcement (enforceRecorder) is the recorder's business.
 */
#ifndef MESH_SSHD_AUDIT_GLUE_H
#define MESH_SSHD_AUDIT_GLUE_H

#include "conn.h"

/* connection.accept; opens the emitter for this process. */
void sshd_audit_accept(const struct sshd_conn *c);
/* connection.refuse with the user asked for and the reason told to the client. */
void sshd_audit_refuse(const struct sshd_conn *c, const char *user, const char *reason);
/* policy.decision for user (the SSH user name); local_user may be NULL. */
void sshd_audit_decision(const struct sshd_conn *c, const char *user, const struct sshd_decision *d,
    const char *local_user);
/* The connection id of the current process ("" before sshd_audit_accept). */
const char *sshd_audit_conn_id(void);
void sshd_audit_close(void);

/* SSO check events (check.start, check.pass, check.fail, check.timeout). */
enum sshd_audit_check_kind {
	SSHD_AUDIT_CHECK_START = 0,
	SSHD_AUDIT_CHECK_PASS,
	SSHD_AUDIT_CHECK_FAIL,
	SSHD_AUDIT_CHECK_TIMEOUT,
};
/*
 * One check event for host user `user`; service is "ssh" (login) or the PAM
 * service (sudo); subject (the IdP's sub) and reason may be NULL.
 */
void sshd_audit_check(const struct sshd_conn *c, enum sshd_audit_check_kind kind, const char *user,
    const char *service, const char *issuer, const char *subject, const char *reason);
/* After fork(): the child opens its own emitter (a spool is not shared across fork). */
void sshd_audit_forked(void);

#endif
