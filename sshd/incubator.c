/*
 * The incubator process (see incubator.h).  It stays root and non-dumpable,
 * so the user can neither signal nor ptrace it; it holds no connection
 * state: every descriptor but the session's and the status pipe is closed
 * before PAM runs.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "incubator.h"
#include "log.h"
#include "meshauth.h"
#include "utmp.h"

#define SSHD_MOTD_PATH	     "/etc/motd"
#define SSHD_MOTD_MAX	     (64u * 1024u)
#define SSHD_MSG_MAX	     4096
#define SSHD_FD_HIGH	     64 /* the incubator's few descriptors are moved up here */
#define SSHD_ARGV0_MAX	     256
#define SSHD_LASTLOG_MSG_MAX 512

struct sshd_incubator {
	const struct sshd_spawn *s;
	int fd_in, fd_out, fd_err, status_fd;
	bool interactive;
	char msgs[SSHD_MSG_MAX];       /* PAM's informational messages (pam_motd) */
	char ticket[MESHAUTH_ENV_MAX]; /* "MESH_AUTH_INFO_0=..." handed to pam_mesh */
	size_t msglen;
};

static void
sshd_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* A line for the user, on the session's stderr ("\r\n" on a terminal). */
static void
sshd_incubator_say(struct sshd_incubator *inc, const char *what, const char *why)
{
	char line[SSHD_MSG_MAX];
	int n = snprintf(line, sizeof(line), "meshsshd: %s%s%s%s", what, why ? ": " : "",
	    why ? why : "", inc->s->tty ? "\r\n" : "\n");

	if (n > 0)
		sshd_write_all(
		    inc->fd_err, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int
sshd_pam_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct sshd_incubator *inc = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG: {
			int w = snprintf(inc->msgs + inc->msglen, sizeof(inc->msgs) - inc->msglen,
			    "%s\n", msg[i]->msg ? msg[i]->msg : "");

			if (w > 0)
				inc->msglen += (size_t)w < sizeof(inc->msgs) - inc->msglen
				    ? (size_t)w
				    : sizeof(inc->msgs) - inc->msglen - 1;
			break;
		}
		default:
			/* No one to answer a prompt: meshsshd never asks for secrets. */
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* Terminal output wants CRLF; the pty would convert, but we write before the shell sets it. */
static void
sshd_incubator_show(struct sshd_incubator *inc, const char *buf, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		sshd_write_all(inc->fd_out, buf + start, i - start);
		sshd_write_all(inc->fd_out, "\r\n", 2);
		start = i + 1;
	}
	sshd_write_all(inc->fd_out, buf + start, len - start);
}

static void
sshd_incubator_motd(struct sshd_incubator *inc)
{
	char buf[SSHD_MOTD_MAX];
	int fd = open(SSHD_MOTD_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	if (n > 0)
		sshd_incubator_show(inc, buf, (size_t)n);
}

/* Keep exactly the descriptors we need, moved above SSHD_FD_HIGH; close the rest. */
static int
sshd_incubator_fds(struct sshd_incubator *inc)
{
	int *fds[] = {&inc->fd_in, &inc->fd_out, &inc->fd_err, &inc->status_fd};
	int moved[4];
	size_t i;

	for (i = 0; i < 4; i++) {
		moved[i] = fcntl(*fds[i], F_DUPFD_CLOEXEC, SSHD_FD_HIGH);
		if (moved[i] < 0)
			return -1;
	}
	for (i = 0; i < 4; i++)
		*fds[i] = moved[i];
	/*
	 * 0-2 stay (the daemon's log stream); every other descriptor of the
	 * connection (other channels' pipes too) goes, including any that sit
	 * between the moved ones.
	 */
	for (i = 1; i < 4; i++) {
		int v = moved[i];
		size_t j = i;

		for (; j > 0 && moved[j - 1] > v; j--)
			moved[j] = moved[j - 1];
		moved[j] = v;
	}
	{
		unsigned lo = 3;

		for (i = 0; i < 4; i++) {
			if ((unsigned)moved[i] > lo &&
			    close_range(lo, (unsigned)moved[i] - 1, 0) != 0)
				return -1;
			if ((unsigned)moved[i] + 1 > lo)
				lo = (unsigned)moved[i] + 1;
		}
		if (close_range(lo, ~0U, 0) != 0)
			return -1;
	}
	return 0;
}

static void __attribute__((noreturn)) sshd_user_exec(struct sshd_incubator *inc, char *const *envp)
{
	const struct sshd_spawn *s = inc->s;
	const char *base = strrchr(s->shell, '/');
	char argv0[SSHD_ARGV0_MAX];
	char *argv[4];
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	{
		sigset_t none;

		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
	}
	if (setsid() < 0)
		_exit(SSHD_EXIT_SETUP_FAILED);
	if (s->tty && ioctl(inc->fd_in, TIOCSCTTY, 0) < 0) {
		sshd_incubator_say(inc, "cannot set controlling terminal", strerror(errno));
		_exit(SSHD_EXIT_SETUP_FAILED);
	}
	if (dup2(inc->fd_in, 0) < 0 || dup2(inc->fd_out, 1) < 0 || dup2(inc->fd_err, 2) < 0)
		_exit(SSHD_EXIT_SETUP_FAILED);
	/*
	 * Login records before any user code runs (as sshd's child does), so
	 * that a `who` in the session sees itself; still root here.
	 */
	if (s->tty) {
		sshd_utmp_login(s->tty, s->user, s->rhost, getpid());
		sshd_lastlog_put(s->uid, s->tty, s->rhost);
	}
	(void)close_range(3, ~0U, 0);
	inc->fd_in = 0;
	inc->fd_out = 1;
	inc->fd_err = 2;
	if (initgroups(s->user, s->gid) != 0 || setgid(s->gid) != 0 || setuid(s->uid) != 0) {
		sshd_incubator_say(inc, "cannot switch to the user", strerror(errno));
		_exit(SSHD_EXIT_SETUP_FAILED);
	}
	if (s->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		_exit(SSHD_EXIT_SETUP_FAILED); /* privileges must be gone for good */
	if (chdir(s->home) != 0) {
		char why[SSHD_MSG_MAX];

		(void)snprintf(why, sizeof(why), "%s: %s", s->home, strerror(errno));
		sshd_incubator_say(inc, "could not chdir to home directory", why);
		if (chdir("/") != 0)
			_exit(SSHD_EXIT_SETUP_FAILED);
	}
	base = base ? base + 1 : s->shell;
	if (s->command == NULL) {
		if (snprintf(argv0, sizeof(argv0), "-%s", base) >= (int)sizeof(argv0))
			_exit(SSHD_EXIT_SETUP_FAILED);
		argv[0] = argv0;
		argv[1] = NULL;
	} else {
		(void)snprintf(argv0, sizeof(argv0), "%s", base);
		argv[0] = argv0;
		argv[1] = (char *)"-c";
		argv[2] = (char *)s->command;
		argv[3] = NULL;
	}
	execve(s->shell, argv, envp);
	sshd_incubator_say(inc, s->shell, strerror(errno));
	_exit(SSHD_EXIT_EXEC_FAILED);
}

/* The hand-off ticket never reaches the user's environment. */
static void
sshd_incubator_drop_reserved(char **env)
{
	size_t i, j = 0;

	for (i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char name[SSHD_ENV_NAME_MAX + 1];
		size_t n = eq ? (size_t)(eq - env[i]) : strlen(env[i]);

		if (n < sizeof(name)) {
			memcpy(name, env[i], n);
			name[n] = '\0';
			if (meshauth_env_reserved(name)) {
				explicit_bzero(env[i], strlen(env[i]));
				free(env[i]);
				continue;
			}
		}
		env[j++] = env[i];
	}
	if (env)
		env[j] = NULL;
}

static int
sshd_pam_open(struct sshd_incubator *inc, pam_handle_t **pamh)
{
	const struct sshd_spawn *s = inc->s;
	struct pam_conv conv = {sshd_pam_conv, inc};
	int r;

	r = pam_start(s->pam_service, s->user, &conv, pamh);
	if (r != PAM_SUCCESS) {
		*pamh = NULL;
		return r;
	}
	if ((r = pam_set_item(*pamh, PAM_RHOST, s->rhost)) != PAM_SUCCESS ||
	    (r = pam_set_item(*pamh, PAM_TTY, s->tty ? s->tty : "ssh")) != PAM_SUCCESS)
		return r;
	/* the policy's decision, for pam_mesh's account step (one-time ticket) */
	if (meshauth_issue(meshauth_dir(), s->user, s->rhost, (int64_t)time(NULL), inc->ticket,
		sizeof(inc->ticket)) != 0 ||
	    pam_putenv(*pamh, inc->ticket) != PAM_SUCCESS)
		inc->ticket[0] = '\0';
	r = pam_acct_mgmt(*pamh, 0);
	if (r != PAM_SUCCESS)
		return r;
	if ((r = pam_setcred(*pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS)
		return r;
	return pam_open_session(*pamh, 0);
}

static void __attribute__((noreturn)) sshd_incubator_main(const struct sshd_spawn *s)
{
	struct sshd_incubator inc = {.s = s};
	struct sshd_env env;
	pam_handle_t *pamh = NULL;
	bool session_open = false;
	char **pam_env = NULL;
	char lastlog[SSHD_LASTLOG_MSG_MAX];
	bool have_lastlog = false;
	uint32_t word;
	pid_t pid;
	int status = SSHD_EXIT_SETUP_FAILED << 8, r;

	sshd_env_init(&env);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);
	(void)signal(SIGHUP, SIG_IGN); /* outlive the connection: the PAM session must close */
	(void)signal(SIGTERM, SIG_IGN);
	(void)prctl(PR_SET_DUMPABLE, 0);
	inc.fd_in = s->fd_in;
	inc.fd_out = s->fd_out;
	inc.fd_err = s->fd_err;
	inc.status_fd = s->status_fd;
	inc.interactive = s->tty != NULL && s->command == NULL;
	if (sshd_incubator_fds(&inc) != 0)
		_exit(SSHD_EXIT_SETUP_FAILED);

	if (s->use_pam) {
		r = sshd_pam_open(&inc, &pamh);
		if (inc.ticket[0]) {
			/* consumed by pam_mesh when it ran; never left behind */
			meshauth_revoke(meshauth_dir(), strchr(inc.ticket, '=') + 1);
			explicit_bzero(inc.ticket, sizeof(inc.ticket));
		}
		if (r != PAM_SUCCESS) {
			log_error("PAM: %s for %s from %s",
			    pamh ? pam_strerror(pamh, r) : "pam_start failed", s->user, s->rhost);
			sshd_incubator_say(
			    &inc, "access denied by PAM", pamh ? pam_strerror(pamh, r) : NULL);
			goto report;
		}
		session_open = true;
		pam_env = pam_getenvlist(pamh);
		sshd_incubator_drop_reserved(pam_env);
	}
	if (s->tty) {
		struct group *tty_group = getgrnam("tty");

		/* by descriptor (fd_in is the pty slave): no path lookup as root */
		if (fchown(inc.fd_in, s->uid, tty_group ? tty_group->gr_gid : s->gid) != 0 ||
		    fchmod(inc.fd_in, SSHD_TTY_MODE) != 0) {
			sshd_incubator_say(&inc, "cannot hand over the terminal", strerror(errno));
			goto report;
		}
		have_lastlog =
		    s->print_last_log && sshd_lastlog_get(s->uid, lastlog, sizeof(lastlog));
	}
	{
		struct sshd_env_params p = s->env;

		p.pam_env = pam_env;
		if (sshd_env_build(&p, &env) != 0) {
			sshd_incubator_say(&inc, "cannot build the environment", NULL);
			goto report;
		}
	}
	if (inc.interactive) {
		if (inc.msglen)
			sshd_incubator_show(&inc, inc.msgs, inc.msglen);
		if (have_lastlog)
			sshd_write_all(inc.fd_out, lastlog, strlen(lastlog));
		/* pam_motd already showed it when it says so: never twice */
		if (s->print_motd && !(pamh && pam_getenv(pamh, "MOTD_SHOWN")))
			sshd_incubator_motd(&inc);
	}

	pid = fork();
	if (pid < 0) {
		sshd_incubator_say(&inc, "fork", strerror(errno));
		goto report;
	}
	if (pid == 0)
		sshd_user_exec(&inc, env.v);
	word = (uint32_t)pid;
	sshd_write_all(inc.status_fd, &word, sizeof(word));
	/* Our copies of the session's descriptors must not keep it open. */
	(void)close(inc.fd_in);
	if (inc.fd_out != inc.fd_in)
		(void)close(inc.fd_out);
	if (inc.fd_err != inc.fd_in && inc.fd_err != inc.fd_out)
		(void)close(inc.fd_err);
	inc.fd_in = inc.fd_out = inc.fd_err = -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_error("incubator: waitpid %ld: %s", (long)pid, strerror(errno));
			status = SSHD_EXIT_SETUP_FAILED << 8;
			break;
		}
	}
	if (s->tty)
		sshd_utmp_logout(s->tty, pid);
report:
	word = (uint32_t)status;
	if (inc.fd_in >= 0) {
		/* nothing ran: still say "no pid" (0) so the reader's framing holds */
		uint32_t none = 0;

		sshd_write_all(inc.status_fd, &none, sizeof(none));
	}
	sshd_write_all(inc.status_fd, &word, sizeof(word));
	if (pamh) {
		if (session_open) {
			(void)pam_close_session(pamh, 0);
			(void)pam_setcred(pamh, PAM_DELETE_CRED);
		}
		(void)pam_end(pamh, PAM_SUCCESS);
	}
	if (pam_env) {
		size_t i;

		for (i = 0; pam_env[i]; i++)
			free(pam_env[i]);
		free(pam_env);
	}
	sshd_env_clear(&env);
	_exit(0);
}

pid_t
sshd_incubator_start(const struct sshd_spawn *s)
{
	pid_t pid = fork();

	if (pid == 0)
		sshd_incubator_main(s);
	return pid;
}
