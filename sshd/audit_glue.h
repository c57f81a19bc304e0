/*
 * Audit events (recorder/audit.h) from meshsshd's per-connection process:
 * one struct maudit per process, opened lazily on the recording spool, and
 * the connection's id shared by every event.  Failures are logged, never
 * fatal here: enforcement (enforceRecorder) is the recorder's business.
 */
#ifndef MESH_SSHD_AUDIT_GLUE_H
#define MESH_SSHD_AUDIT_GLUE_H

#include <stdbool.h>

#include "conn.h"

/* connection.accept; opens the emitter for this process. */
void sshd_audit_accept(const struct sshd_conn *c);
/* connection.refuse with the user asked for and the reason told to the client. */
void sshd_audit_refuse(const struct sshd_conn *c, const char *user, const char *reason);
/* policy.decision for user (the SSH user name); local_user may be NULL. */
void sshd_audit_decision(const struct sshd_conn *c, const char *user, const struct sshd_decision *d,
    const char *local_user);
/* provision: the host account made (or found) for the caller. */
void sshd_audit_provision(
    const struct sshd_conn *c, const char *local_user, unsigned uid, bool created);
/* session.start (exit_status ignored) or session.end; command NULL for a shell. */
void sshd_audit_session(const struct sshd_conn *c, bool start, const char *session_id,
    const char *command, bool pty, int exit_status);
/* sftp.start or sftp.end. */
void sshd_audit_sftp(const struct sshd_conn *c, bool start, const char *session_id);
/* forward.open or forward.close; direction "local" (ssh -L) or "remote" (ssh -R). */
void sshd_audit_forward(
    const struct sshd_conn *c, bool open, const char *direction, const char *host, unsigned port);
/*
 * enforceRecorder for this connection: a full spool then fails an event
 * instead of dropping the oldest records (which may be enforced recordings).
 */
void sshd_audit_enforce(const struct sshd_conn *c, bool enforce);
/* This server's name in events and recordings: NodeName, else the host name. */
const char *sshd_audit_host(const struct sshd_config *cfg);
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
