/*
 * One SSH connection, served by a root-owned per-connection process that
 * never runs user code: libssh session, auth (none, decided by the policy),
 * the PAM session (login.h), channels, forwardings.  Everything the user
 * runs is forked from it and drops root before it execs; pipes, the pty
 * master and sockets are the only links to it.
 */
#ifndef MESH_SSHD_CONN_H
#define MESH_SSHD_CONN_H

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "authz.h"
#include "login.h"
#include "session_env.h"
#include "sshd_config.h"

#define SSHD_ADDR_MAX		 64
#define SSHD_TTY_MAX		 64
#define SSHD_CHAN_INBUF_MAX	 (256u * 1024u) /* bytes buffered towards a child */
#define SSHD_CHAN_READ_MAX	 (64u * 1024u)	/* one read() from a child */
#define SSHD_CHAN_READS_PER_WAKE 4
#define SSHD_MAX_AUTH_TRIES	 6
#define SSHD_MAX_FORWARDS	 64

struct sshd_chan;
struct sshd_fwd;

struct sshd_conn {
	const struct sshd_config *cfg;
	const struct sshd_authz *authz;
	ssh_bind bind;
	ssh_session session;
	ssh_event event;
	int fd;
	int startup_fd; /* tells the listener when auth is done; -1 after */
	struct sshd_identity id;
	char client_addr[SSHD_ADDR_MAX], server_addr[SSHD_ADDR_MAX];
	unsigned client_port, server_port;
	bool authenticated;
	bool setup_phase; /* re-arm TCP_QUICKACK until the first session starts */
	unsigned auth_failures;
	bool banner_sent;
	bool refused; /* policy said no: disconnect with the reason once the reply is out */
	/* the host user, once authenticated */
	char *user, *home, *shell;
	uid_t uid;
	gid_t gid;
	struct sshd_decision decision;
	struct sshd_chan *chans;
	struct sshd_fwd *fwds;
	int agent_fd;
	char *agent_dir, *agent_path;
	struct sshd_pam pam; /* opened at the first session, closed at the end */
	struct ssh_server_callbacks_struct server_cb;
	struct ssh_callbacks_struct cb;
};

enum sshd_chan_kind {
	SSHD_CHAN_SESSION,
	SSHD_CHAN_TCP,	 /* direct-tcpip (ssh -L) or forwarded-tcpip (ssh -R) */
	SSHD_CHAN_AGENT, /* auth-agent@openssh.com */
};

/* The watched fds of a channel and the mask registered for each. */
#define SSHD_CHAN_FDS 4

struct sshd_chan {
	struct sshd_conn *conn;
	struct sshd_chan *next;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	enum sshd_chan_kind kind;
	bool opening;		    /* server-initiated open still pending */
	char *fwd_host, *orig_host; /* for forwarded-tcpip opens */
	unsigned fwd_port, orig_port;
	/* data path: in_fd gets client data; out_fd/err_fd go to the client */
	int in_fd, out_fd, err_fd;
	uint8_t *inbuf;
	size_t inlen, pending_in; /* pending_in: still in libssh's buffer */
	bool out_eof, err_eof, client_eof, in_shut, eof_sent, close_sent, client_closed;
	bool dead;
	int watched_fd[SSHD_CHAN_FDS];
	short watched_ev[SSHD_CHAN_FDS];
	/* session state */
	bool started, pty, agent_req;
	int ptm, pts;
	char tty[SSHD_TTY_MAX];
	char *term;
	struct winsize ws;
	struct sshd_env client_env;
	pid_t child;   /* the session leader while it runs */
	int status_fd; /* its pidfd */
	bool exited;
	int wstatus;
	/* recording and audit (chan.c): the session's id names its recording */
	struct rec_session *rec;
	char session_id[33];
	bool sftp, audited_start, audited_end;
	bool rec_refused;    /* enforceRecorder and no recording: refused at start */
	bool rec_ended;	     /* enforceRecorder and the recording broke: ended */
	const char *end_msg; /* told on stderr when a session is refused or ended (PAM, recorder) */
	bool end_msg_sent;
	char *fwd_audit_host; /* direct-tcpip target, for forward.close */
	unsigned fwd_audit_port;
};

/* Serve one accepted connection; never returns (exits the process). */
void sshd_conn_run(const struct sshd_config *cfg, const struct sshd_authz *authz, ssh_bind bind,
    int fd, const struct sshd_identity *id, int startup_fd) __attribute__((noreturn));

/* Send an auth banner; with flush_ms > 0 wait up to that long for it to leave. */
void sshd_conn_send_banner(struct sshd_conn *c, const char *text, int flush_ms);

/* chan.c */
struct sshd_chan *sshd_chan_new(struct sshd_conn *c, enum sshd_chan_kind kind);
void sshd_chan_set_callbacks(struct sshd_chan *ch);
void sshd_chan_start_io(struct sshd_chan *ch, int in_fd, int out_fd, int err_fd);
void sshd_chan_update(struct sshd_chan *ch); /* after each poll: progress + fd watches */
void sshd_chan_free(struct sshd_chan *ch);
/* The session's process ended (wait status st). */
void sshd_chan_child_exited(struct sshd_chan *ch, int st);
/* forward.open for a direct-tcpip channel now; forward.close when it is freed. */
void sshd_chan_audit_forward(struct sshd_chan *ch, const char *host, unsigned port);

/* forward.c */
int sshd_fwd_connect(const char *host, unsigned port, int *fd);
int sshd_fwd_global_request(struct sshd_conn *c, ssh_message msg);
void sshd_fwd_sweep(struct sshd_conn *c); /* free cancelled listeners */
void sshd_fwd_close_all(struct sshd_conn *c);

/* agent.c */
int sshd_agent_start(struct sshd_conn *c);
void sshd_agent_stop(struct sshd_conn *c);

#endif
