/*
 * sshd/checksock: the sudo check door of one connection (see checksock.h).
 * Each accepted request is served by a forked child so the channel loop
 * keeps running while the person signs in; the child talks to the PAM
 * module, runs the check through sso.c and exits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit_glue.h"
#include "checksock.h"
#include "conn.h"
#include "log.h"
#include "procinfo.h"
#include "sso.h"

#define SSHD_CHECKSOCK_MS_PER_S 1000
#define SSHD_CHECKSOCK_CHILD_FD 3 /* the caller's socket in the serving child */

static int sshd_checksock_fd = -1;
static pid_t sshd_checksock_owner;
static char sshd_checksock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

static const char *
sshd_checksock_dir(void)
{
#ifdef MESH_TEST_BUILD
	const char *d = secure_getenv(SSHD_CHECKSOCK_DIR_ENV);

	if (d != NULL && d[0] == '/')
		return d;
#endif
	return SSHD_CHECKSOCK_DIR_DEFAULT;
}

static void
sshd_checksock_say(int fd, enum sso_reply_kind kind, const char *subject, const char *text)
{
	static struct sso_reply r;
	char line[SSO_PROTO_LINE_MAX + 64];
	size_t len;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	(void)snprintf(r.subject, sizeof(r.subject), "%s", subject ? subject : "");
	(void)snprintf(r.text, sizeof(r.text), "%s", text ? text : "");
	if (sso_proto_reply_format(&r, line, sizeof(line)) != 0)
		return;
	len = strlen(line);
	line[len++] = '\n';
	(void)send(fd, line, len, MSG_NOSIGNAL);
}

/* The instructions go to the PAM module line by line, then "started". */
static void
sshd_checksock_show(void *ctx, const char *text, int64_t expires_at)
{
	int fd = *(int *)ctx;
	char line[SSO_PROTO_LINE_MAX];
	const char *p = text;
	struct sso_reply r;
	char out[64];
	int n;

	while (*p) {
		size_t k = strcspn(p, "\n");

		(void)snprintf(line, sizeof(line), "%.*s", (int)k, p);
		sshd_checksock_say(fd, SSO_REPLY_SHOW, NULL, line);
		p += k + (p[k] == '\n');
	}
	memset(&r, 0, sizeof(r));
	r.kind = SSO_REPLY_STARTED;
	r.expires_at = expires_at;
	if (sso_proto_reply_format(&r, out, sizeof(out) - 1) == 0) {
		n = (int)strlen(out);
		out[n++] = '\n';
		(void)send(fd, out, (size_t)n, MSG_NOSIGNAL);
	}
}

/* The request line, within SSHD_CHECKSOCK_REQUEST_MS. */
static int
sshd_checksock_read_request(int fd, char *buf, size_t len)
{
	struct timespec t0, t;
	size_t off = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long waited;
		ssize_t n;
		char *nl;

		(void)clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (long)(t.tv_sec - t0.tv_sec) * SSHD_CHECKSOCK_MS_PER_S +
		    (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (waited >= SSHD_CHECKSOCK_REQUEST_MS)
			return MESH_ERR_TIMEOUT;
		if (poll(&pfd, 1, (int)(SSHD_CHECKSOCK_REQUEST_MS - waited)) <= 0)
			continue;
		n = recv(fd, buf + off, len - 1 - off, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MESH_ERR_IO;
		off += (size_t)n;
		buf[off] = '\0';
		if ((nl = strchr(buf, '\n')) != NULL) {
			*nl = '\0';
			return 0;
		}
		if (off + 1 >= len)
			return MESH_ERR_RANGE;
	}
}

/* Is the peer a root process in one of this connection's sessions? */
static int
sshd_checksock_peer_ok(const struct sshd_conn *c, int fd, char *why, size_t why_len)
{
	struct ucred cred;
	socklen_t sl = sizeof(cred);
	const struct sshd_chan *ch;
	pid_t sid, parent;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) != 0) {
		(void)snprintf(why, why_len, "cannot identify the caller");
		return MESH_ERR_PERM;
	}
	if (cred.uid != 0) {
		(void)snprintf(why, why_len, "caller is not root (uid %u)", (unsigned)cred.uid);
		return MESH_ERR_PERM;
	}
	/* the caller's session leader: one this connection started (and still its child) */
	if ((sid = getsid(cred.pid)) <= 0 || procinfo_parent(sid, &parent) != 0 || parent <= 1) {
		(void)snprintf(why, why_len, "caller's session is gone");
		return MESH_ERR_PERM;
	}
	for (ch = c->chans; ch != NULL; ch = ch->next)
		if (ch->kind == SSHD_CHAN_SESSION && ch->child > 0 && ch->child == sid &&
		    parent == getppid())
			return 0;
	(void)snprintf(why, why_len, "caller (pid %ld) is not in a session of this connection",
	    (long)cred.pid);
	return MESH_ERR_PERM;
}

static void __attribute__((noreturn)) sshd_checksock_serve(struct sshd_conn *c, int fd)
{
	static struct sshd_sso_result res;
	char req[SSHD_CHECKSOCK_REQUEST_MAX], why[SSO_PROTO_LINE_MAX];
	char *verb, *user, *service, *save = NULL;

	sshd_audit_forked();
	if (sshd_checksock_peer_ok(c, fd, why, sizeof(why)) != 0) {
		log_info("sudo check refused: %s", why);
		sshd_checksock_say(fd, SSO_REPLY_FAIL, NULL, why);
		_exit(1);
	}
	if (sshd_checksock_read_request(fd, req, sizeof(req)) != 0 ||
	    (verb = strtok_r(req, " ", &save)) == NULL || strcmp(verb, SSHD_CHECKSOCK_VERB) != 0 ||
	    (user = strtok_r(NULL, " ", &save)) == NULL ||
	    (service = strtok_r(NULL, " ", &save)) == NULL || strtok_r(NULL, " ", &save) != NULL) {
		sshd_checksock_say(fd, SSO_REPLY_FAIL, NULL, "bad request");
		_exit(1);
	}
	if (c->user == NULL || strcmp(user, c->user) != 0) {
		(void)snprintf(why, sizeof(why), "%s is not the user of this SSH session", user);
		log_info("sudo check refused for %s: %s", c->id.login, why);
		sshd_checksock_say(fd, SSO_REPLY_FAIL, NULL, why);
		_exit(1);
	}
	if (sshd_sso_run(c, user, service, sshd_checksock_show, &fd, fd, &res) == 0)
		sshd_checksock_say(fd, SSO_REPLY_PASS, res.subject, res.identity);
	else
		sshd_checksock_say(fd, res.timed_out ? SSO_REPLY_TIMEOUT : SSO_REPLY_FAIL,
		    res.subject, res.reason);
	_exit(0);
}

static int
sshd_checksock_accept(socket_t fd, int revents, void *userdata)
{
	struct sshd_conn *c = userdata;
	pid_t pid;
	int cfd;

	if (!(revents & POLLIN))
		return 0;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		/*
		 * Keep only stderr and the caller: the SSH socket, ptys and pipes
		 * held here would keep the session alive after the connection.
		 */
		sshd_checksock_fd = -1;
		if (cfd != SSHD_CHECKSOCK_CHILD_FD &&
		    dup2(cfd, SSHD_CHECKSOCK_CHILD_FD) != SSHD_CHECKSOCK_CHILD_FD)
			_exit(1);
		(void)close_range(SSHD_CHECKSOCK_CHILD_FD + 1, ~0U, 0);
		sshd_checksock_serve(c, SSHD_CHECKSOCK_CHILD_FD);
	}
	if (pid < 0)
		log_error("sudo check: fork: %s", strerror(errno));
	(void)close(cfd);
	return 0;
}

int
sshd_checksock_open(struct sshd_conn *c)
{
	struct sockaddr_un sa;
	const char *dir = sshd_checksock_dir();
	struct stat st;
	int fd = -1;

	if (!oidc_config_enabled(&c->cfg->oidc) || sshd_checksock_fd >= 0)
		return 0;
	if (mkdir(dir, SSHD_CHECKSOCK_DIR_MODE) != 0 && errno != EEXIST)
		goto fail;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0) {
		log_error("sudo check: %s must be a root-only (0700) directory", dir);
		return MESH_ERR_PERM;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%ld%s", dir, (long)getpid(),
		SSHD_CHECKSOCK_SUFFIX) >= (int)sizeof(sa.sun_path)) {
		log_error("sudo check: socket path in %s too long", dir);
		return MESH_ERR_RANGE;
	}
	(void)unlink(sa.sun_path); /* a stale one from a process with our pid */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(sa.sun_path, SSHD_CHECKSOCK_SOCK_MODE) != 0 ||
	    listen(fd, SSHD_CHECKSOCK_BACKLOG) != 0)
		goto fail;
	if (ssh_event_add_fd(c->event, fd, POLLIN, sshd_checksock_accept, c) != SSH_OK) {
		(void)unlink(sa.sun_path);
		(void)close(fd);
		return MESH_ERR_NOMEM;
	}
	sshd_checksock_fd = fd;
	sshd_checksock_owner = getpid();
	(void)snprintf(sshd_checksock_path, sizeof(sshd_checksock_path), "%s", sa.sun_path);
	log_debug("sudo check socket %s", sshd_checksock_path);
	return 0;
fail:
	log_error("sudo check socket in %s: %s", dir, strerror(errno));
	if (fd >= 0)
		(void)close(fd);
	return MESH_ERR_IO;
}

void
sshd_checksock_close(struct sshd_conn *c)
{
	if (sshd_checksock_fd < 0 || getpid() != sshd_checksock_owner)
		return;
	if (c->event != NULL)
		(void)ssh_event_remove_fd(c->event, sshd_checksock_fd);
	(void)unlink(sshd_checksock_path);
	(void)close(sshd_checksock_fd);
	sshd_checksock_fd = -1;
}
