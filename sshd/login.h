/*
 * The login: the connection's PAM transaction and the start of the user's
 * processes.
 *
 * As OpenSSH's sshd does, the connection process runs the PAM account
 * stack once, when the policy has accepted the login, and the session stack
 * once, when the connection's first session starts, and keeps the PAM
 * handle until the connection ends (then the session is closed).  Every shell, command or subsystem
 * is a child of the connection process: sshd_login_spawn forks it, and the child, still root,
 * writes the login records (utmp, wtmp, lastlog) for a terminal, shows PAM's messages, the last
 * login and the MOTD to an interactive session, then does initgroups/setgid/setuid, chdir home and
 * execs the login shell (argv[0]
 * "-sh") or "shell -c command".  The connection learns of its end by a pidfd
 * and waitpid.  The connection process is non-dumpable, so the user can
 * neither signal nor ptrace it.
 */
#ifndef MESH_SSHD_LOGIN_H
#define MESH_SSHD_LOGIN_H

#include <security/pam_appl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "meshauth.h"
#include "session_env.h"

#define SSHD_PAM_SERVICE       "meshsshd"
#define SSHD_EXIT_SETUP_FAILED 254 /* PAM or setuid failed: no user code ran */
#define SSHD_EXIT_EXEC_FAILED  127
#define SSHD_TTY_MODE	       0620
#define SSHD_LOGIN_MSG_MAX     4096

/* The connection's PAM transaction. */
struct sshd_pam {
	pam_handle_t *pamh;
	bool tried;			   /* sshd_pam_account ran (it runs once per connection) */
	char user[256], rhost[64];	   /* for the log lines */
	bool open;			   /* the session is open: close it at the end */
	int result;			   /* PAM_SUCCESS, or why the login was refused */
	char **env;			   /* pam_getenvlist(), the hand-off ticket dropped */
	char why[SSHD_LOGIN_MSG_MAX];	   /* the refusal: "access denied by PAM (step): ..." */
	char say[SSHD_LOGIN_MSG_MAX + 16]; /* the same for a session's stderr: "meshsshd: " why */
	char msgs[SSHD_LOGIN_MSG_MAX];	   /* PAM's informational messages (pam_motd) */
	size_t msglen;
	bool msgs_shown;	       /* to the first interactive session only */
	char ticket[MESHAUTH_ENV_MAX]; /* "MESH_AUTH_INFO_0=..." handed to pam_mesh */
};

/*
 * The account stack for user from rhost, once per connection, when the
 * policy has accepted the login (as sshd runs it at authentication, so a
 * forwarding-only connection is checked too).  0, or -1 with p->why set and
 * PAM's messages (pam_nologin: the file) in p->msgs.
 */
int sshd_pam_account(struct sshd_pam *p, const char *service, const char *user, const char *rhost);
/*
 * Credentials and the session, at the connection's first session (tty: its
 * pty, or NULL); later calls return at once.  0, or -1 with p->why set.
 */
int sshd_pam_session(struct sshd_pam *p, const char *tty);
/* Close the session and end the transaction (the connection is ending). */
void sshd_pam_logout(struct sshd_pam *p);

struct sshd_spawn {
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *home, *shell;
	const char *command; /* NULL: interactive login shell */
	const char *rhost;
	const char *tty; /* "/dev/pts/N" for a pty session */
	bool print_motd, print_last_log;
	const char *msgs; /* PAM's messages for an interactive session, or NULL */
	size_t msglen;
	bool motd_shown; /* pam_motd showed it already */
	struct sshd_env_params env;
	/* the child's ends: stdin, stdout, stderr (all pts for a pty) */
	int fd_in, fd_out, fd_err;
};

/*
 * Fork the session's process (a session leader).  Returns its pid, or -1.
 * The caller closes its copies of the fds.
 */
pid_t sshd_login_spawn(const struct sshd_spawn *s);

#endif
