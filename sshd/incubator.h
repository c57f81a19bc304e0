/*
 * The incubator: the only way user code starts.  A root child of the
 * connection process runs the PAM account and session stacks, writes utmp,
 * wtmp and lastlog for terminal sessions, then forks the user's process,
 * which does initgroups/setgid/setuid, chdir home and execs the login shell
 * (argv[0] "-sh") or "shell -c command".  The incubator waits for it, closes
 * the PAM session and reports on status_fd: the user pid (4 bytes) when it
 * starts and the wait status (4 bytes) when it ends.
 */
#ifndef MESH_SSHD_INCUBATOR_H
#define MESH_SSHD_INCUBATOR_H

#include <stdbool.h>
#include <sys/types.h>

#include "session_env.h"

#define SSHD_PAM_SERVICE       "meshsshd"
#define SSHD_EXIT_SETUP_FAILED 254 /* PAM or setuid failed: no user code ran */
#define SSHD_EXIT_EXEC_FAILED  127
#define SSHD_TTY_MODE	       0620

struct sshd_spawn {
	const char *user;
	uid_t uid;
	gid_t gid;
	const char *home, *shell;
	const char *command; /* NULL: interactive login shell */
	const char *pam_service;
	bool use_pam;
	const char *rhost;
	const char *tty; /* "/dev/pts/N" when pts >= 0 */
	bool print_motd, print_last_log;
	struct sshd_env_params env; /* pam_env is filled in by the incubator */
	/* the child's ends: stdin, stdout, stderr (all pts for a pty) */
	int fd_in, fd_out, fd_err;
	int status_fd;
};

/* Fork the incubator.  Returns its pid, or -1.  The caller closes its copies of the fds. */
pid_t sshd_incubator_start(const struct sshd_spawn *s);

#endif
