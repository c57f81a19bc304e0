/*
 * sshd/checksock: the SSO check for sudo, served by the connection process
 * of the SSH session that sudo runs in, so that pam_mesh.so never speaks
 * HTTP: pam_mesh's auth step (running as root inside sudo) connects to this
 * connection's root-only unix socket, asks for a check for the invoking
 * user, relays the URL and code through the PAM conversation, and waits for
 * the verdict.  The socket is DIR/PID.sock (PID: the connection process),
 * DIR root-only 0700; the module finds PID from its own session: the
 * session leader's parent is the connection process.  That is only how it finds the door: the
 * connection process itself checks that the caller is root (SO_PEERCRED) and that the caller's
 * session (getsid) is one of this connection's sessions, and that the user
 * asked for is the connection's host user; the check then runs fresh (no
 * cache) for the connection's mesh owner, audited with service "sudo".
 *
 * Protocol: the module sends one line "sudo USER SERVICE"; the replies are
 * sso_proto.h's show/started/pass/fail/timeout lines.
 */
#ifndef MESH_SSHD_CHECKSOCK_H
#define MESH_SSHD_CHECKSOCK_H

#define SSHD_CHECKSOCK_DIR_DEFAULT RUNSTATEDIR "/meshssh/check"
/* Test builds only: meshsshd's socket directory (secure_getenv). */
#define SSHD_CHECKSOCK_DIR_ENV	   "MESH_CHECK_DIR"
#define SSHD_CHECKSOCK_SUFFIX	   ".sock"
#define SSHD_CHECKSOCK_VERB	   "sudo"
#define SSHD_CHECKSOCK_REQUEST_MAX 512
#define SSHD_CHECKSOCK_REQUEST_MS  5000 /* the module's request line must arrive by then */
#define SSHD_CHECKSOCK_BACKLOG	   8
#define SSHD_CHECKSOCK_DIR_MODE	   0700
#define SSHD_CHECKSOCK_SOCK_MODE   0600

struct sshd_conn;

/* After authentication, when OIDC is configured: open DIR/PID.sock and serve it. */
int sshd_checksock_open(struct sshd_conn *c);
/* At the end of the connection: close and unlink (only in the process that opened it). */
void sshd_checksock_close(struct sshd_conn *c);

#endif
