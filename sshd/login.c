/*
 * The login (see login.h): PAM once per connection, and the user's
 * processes forked from the connection process.  The child keeps only the
 * session's descriptors (and the daemon's stderr) before it looks anything
 * up, and drops root for good before it execs.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "login.h"
#include "meshauth.h"
#include "utmp.h"

#define SSHD_MOTD_PATH	     "/etc/motd"
#define SSHD_MOTD_MAX	     (64u * 1024u)
#define SSHD_FD_HIGH	     64 /* the child's few descriptors are moved up here */
#define SSHD_ARGV0_MAX	     256
#define SSHD_LASTLOG_MSG_MAX 512

/* The forked child, before it execs. */
struct sshd_child {
	const struct sshd_spawn *s;
	int fd_in, fd_out, fd_err;
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
sshd_child_say(struct sshd_child *inc, const char *what, const char *why)
{
	char line[SSHD_LOGIN_MSG_MAX];
	int n = snprintf(line, sizeof(line), "meshsshd: %s%s%s%s", what, why ? ": " : "",
	    why ? why : "", inc->s->tty ? "\r\n" : "\n");

	if (n > 0)
		sshd_write_all(
		    inc->fd_err, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static int
sshd_pam_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct sshd_pam *p = data;
	struct pam_response *r;
	int i;

	if (n <= 0 || n > PAM_MAX_NUM_MSG || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG: {
			int w = snprintf(p->msgs + p->msglen, sizeof(p->msgs) - p->msglen, "%s\n",
			    msg[i]->msg ? msg[i]->msg : "");

			if (w > 0)
				p->msglen += (size_t)w < sizeof(p->msgs) - p->msglen
				    ? (size_t)w
				    : sizeof(p->msgs) - p->msglen - 1;
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
sshd_child_show(struct sshd_child *inc, const char *buf, size_t len)
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
sshd_child_motd(struct sshd_child *inc)
{
	char buf[SSHD_MOTD_MAX];
	int fd = open(SSHD_MOTD_PATH, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	if (n > 0)
		sshd_child_show(inc, buf, (size_t)n);
}

/*
 * Keep exactly the session's descriptors, moved above SSHD_FD_HIGH, and
 * 0-2 (the daemon's log stream); close every other descriptor of the
 * connection (its socket, other channels' pipes).
 */
static int
sshd_child_fds(struct sshd_child *inc)
{
	int *fds[] = {&inc->fd_in, &inc->fd_out, &inc->fd_err};
	int moved[3];
	size_t i;

	for (i = 0; i < 3; i++) {
		moved[i] = fcntl(*fds[i], F_DUPFD_CLOEXEC, SSHD_FD_HIGH);
		if (moved[i] < 0)
			return -1;
	}
	for (i = 0; i < 3; i++)
		*fds[i] = moved[i];
	for (i = 1; i < 3; i++) {
		int v = moved[i];
		size_t j = i;

		for (; j > 0 && moved[j - 1] > v; j--)
			moved[j] = moved[j - 1];
		moved[j] = v;
	}
	{
		unsigned lo = 3;

		for (i = 0; i < 3; i++) {
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

static void __attribute__((noreturn)) sshd_user_exec(struct sshd_child *inc, char *const *envp)
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
		sshd_child_say(inc, "cannot set controlling terminal", strerror(errno));
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
		sshd_child_say(inc, "cannot switch to the user", strerror(errno));
		_exit(SSHD_EXIT_SETUP_FAILED);
	}
	if (s->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		_exit(SSHD_EXIT_SETUP_FAILED); /* privileges must be gone for good */
	if (chdir(s->home) != 0) {
		char why[SSHD_LOGIN_MSG_MAX];

		(void)snprintf(why, sizeof(why), "%s: %s", s->home, strerror(errno));
		sshd_child_say(inc, "could not chdir to home directory", why);
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
	sshd_child_say(inc, s->shell, strerror(errno));
	_exit(SSHD_EXIT_EXEC_FAILED);
}

/* The hand-off ticket never reaches the user's environment. */
static void
sshd_login_drop_reserved(char **env)
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

/* A failed step: remember and log it, and say it for the user. */
static int
sshd_pam_fail(struct sshd_pam *p, const char *step, int r)
{
	p->result = r == PAM_SUCCESS ? PAM_SYSTEM_ERR : r;
	log_error("PAM: %s: %s for %s from %s", step,
	    p->pamh ? pam_strerror(p->pamh, r) : "pam_start failed", p->user, p->rhost);
	(void)snprintf(p->why, sizeof(p->why), "access denied by PAM (%s): %s", step,
	    p->pamh ? pam_strerror(p->pamh, r) : "pam_start failed");
	(void)snprintf(p->say, sizeof(p->say), "meshsshd: %s", p->why);
	return -1;
}

int
sshd_pam_account(struct sshd_pam *p, const char *service, const char *user, const char *rhost)
{
	struct pam_conv conv = {sshd_pam_conv, p};
	int r;

	if (p->tried)
		return p->result == PAM_SUCCESS ? 0 : -1;
	p->tried = true;
	(void)snprintf(p->user, sizeof(p->user), "%s", user);
	(void)snprintf(p->rhost, sizeof(p->rhost), "%s", rhost);
	r = pam_start(service, user, &conv, &p->pamh);
	if (r != PAM_SUCCESS) {
		p->pamh = NULL;
		return sshd_pam_fail(p, "start", r);
	}
	if ((r = pam_set_item(p->pamh, PAM_RHOST, rhost)) != PAM_SUCCESS ||
	    (r = pam_set_item(p->pamh, PAM_TTY, "ssh")) != PAM_SUCCESS)
		return sshd_pam_fail(p, "start", r);
	/* the policy's decision, for pam_mesh's account step (one-time ticket) */
	if (meshauth_issue(meshauth_dir(), user, rhost, (int64_t)time(NULL), p->ticket,
		sizeof(p->ticket)) != 0 ||
	    pam_putenv(p->pamh, p->ticket) != PAM_SUCCESS)
		p->ticket[0] = '\0';
	r = pam_acct_mgmt(p->pamh, 0);
	if (p->ticket[0]) {
		/* consumed by pam_mesh when it ran; never left behind */
		meshauth_revoke(meshauth_dir(), strchr(p->ticket, '=') + 1);
		explicit_bzero(p->ticket, sizeof(p->ticket));
	}
	if (r != PAM_SUCCESS)
		return sshd_pam_fail(p, "account", r);
	p->result = PAM_SUCCESS;
	return 0;
}

int
sshd_pam_session(struct sshd_pam *p, const char *tty)
{
	int r;

	if (p->pamh == NULL || p->result != PAM_SUCCESS)
		return -1;
	if (p->open)
		return 0;
	if (tty && (r = pam_set_item(p->pamh, PAM_TTY, tty)) != PAM_SUCCESS)
		return sshd_pam_fail(p, "session", r);
	if ((r = pam_setcred(p->pamh, PAM_ESTABLISH_CRED)) != PAM_SUCCESS)
		return sshd_pam_fail(p, "setcred", r);
	if ((r = pam_open_session(p->pamh, 0)) != PAM_SUCCESS)
		return sshd_pam_fail(p, "session", r);
	p->open = true;
	p->env = pam_getenvlist(p->pamh);
	sshd_login_drop_reserved(p->env);
	return 0;
}

void
sshd_pam_logout(struct sshd_pam *p)
{
	size_t i;

	if (p->pamh) {
		if (p->open) {
			(void)pam_close_session(p->pamh, 0);
			(void)pam_setcred(p->pamh, PAM_DELETE_CRED);
		}
		(void)pam_end(p->pamh, PAM_SUCCESS);
		p->pamh = NULL;
	}
	p->open = false;
	if (p->env) {
		for (i = 0; p->env[i]; i++) {
			explicit_bzero(p->env[i], strlen(p->env[i]));
			free(p->env[i]);
		}
		free(p->env);
		p->env = NULL;
	}
}

static void __attribute__((noreturn)) sshd_login_child(const struct sshd_spawn *s)
{
	struct sshd_child inc = {.s = s};
	struct sshd_env env;
	char lastlog[SSHD_LASTLOG_MSG_MAX];
	bool have_lastlog = false, interactive = s->tty != NULL && s->command == NULL;

	sshd_env_init(&env);
	inc.fd_in = s->fd_in;
	inc.fd_out = s->fd_out;
	inc.fd_err = s->fd_err;
	if (sshd_child_fds(&inc) != 0)
		_exit(SSHD_EXIT_SETUP_FAILED);
	if (s->tty) {
		struct group *tty_group = getgrnam("tty");

		/* by descriptor (fd_in is the pty slave): no path lookup as root */
		if (fchown(inc.fd_in, s->uid, tty_group ? tty_group->gr_gid : s->gid) != 0 ||
		    fchmod(inc.fd_in, SSHD_TTY_MODE) != 0) {
			sshd_child_say(&inc, "cannot hand over the terminal", strerror(errno));
			_exit(SSHD_EXIT_SETUP_FAILED);
		}
		have_lastlog =
		    s->print_last_log && sshd_lastlog_get(s->uid, lastlog, sizeof(lastlog));
	}
	if (sshd_env_build(&s->env, &env) != 0) {
		sshd_child_say(&inc, "cannot build the environment", NULL);
		_exit(SSHD_EXIT_SETUP_FAILED);
	}
	if (interactive) {
		if (s->msgs && s->msglen)
			sshd_child_show(&inc, s->msgs, s->msglen);
		if (have_lastlog)
			sshd_write_all(inc.fd_out, lastlog, strlen(lastlog));
		/* pam_motd already showed it when it says so: never twice */
		if (s->print_motd && !s->motd_shown)
			sshd_child_motd(&inc);
	}
	sshd_user_exec(&inc, env.v);
}

pid_t
sshd_login_spawn(const struct sshd_spawn *s)
{
	pid_t pid = fork();

	if (pid == 0)
		sshd_login_child(s);
	return pid;
}
