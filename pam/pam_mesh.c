/*
 * pam_mesh.so: account and session rules for meshssh's provisioned accounts
 * (the userdb that libnss_mesh.so.2 serves).  Accounts that are not in the
 * userdb are none of our business: PAM_IGNORE.
 *
 *   account  A mesh account may log in only through meshsshd with a policy
 *            decision for this very connection: a one-time ticket handed
 *            over in the PAM environment (lib/meshauth.h), bound to the user
 *            and PAM_RHOST.  Services in services_allow= (default sudo,
 *            sudo-i, cron, systemd-user: things an already logged-in user
 *            or their crontab runs) need only an active account.  A removed
 *            (deprovisioned) account is refused everywhere.
 *   session  Strips the ticket from the environment the session gets, and
 *            creates the home from the skeleton (skel=, default /etc/skel)
 *            if it is missing.
 *   auth     With the `check` argument (for sudo): a fresh SSO check for
 *            the mesh person behind this SSH session, run by meshsshd (the
 *            module never speaks HTTP): it finds its session's meshsshd
 *            connection process, asks over that connection's root-only
 *            socket (sshd/checksock.h), shows the URL and code through the
 *            PAM conversation and waits, bounded by timeout=, for the
 *            verdict.  Outside a meshsshd session: PAM_IGNORE (or
 *            PAM_AUTH_ERR with `strict`), so a password module may follow.
 *
 * Links libc and libpam only; exports pam_sm_* only (pam/pam_mesh.sym).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "../sshd/checksock.h"
#include "homedir.h"
#include "meshauth.h"
#include "procinfo.h"
#include "userdb.h"

#define SERVICES_ALLOW_DEFAULT "sudo,sudo-i,cron,systemd-user"
#define ARG_MAX_BYTES	       256
/* auth check: the device code lives at most 30 minutes (lib/oidc.h OIDC_FLOW_MAX_S) */
#define CHECK_TIMEOUT_DEFAULT_S 1900
#define CHECK_TIMEOUT_MAX_S	3600
#define CHECK_LINE_MAX		4096
#define CHECK_TEXT_MAX		8192
#define CHECK_MS_PER_S		1000

struct args {
	bool debug;
	char skel[ARG_MAX_BYTES];
	char services_allow[ARG_MAX_BYTES];
	bool check, strict;
	char socket_dir[ARG_MAX_BYTES];
	unsigned timeout_s;
};

static void
args_parse(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	snprintf(a->skel, sizeof(a->skel), "%s", HOMEDIR_SKEL_DEFAULT);
	snprintf(a->services_allow, sizeof(a->services_allow), "%s", SERVICES_ALLOW_DEFAULT);
	snprintf(a->socket_dir, sizeof(a->socket_dir), "%s", SSHD_CHECKSOCK_DIR_DEFAULT);
	a->timeout_s = CHECK_TIMEOUT_DEFAULT_S;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0)
			a->debug = true;
		else if (strcmp(argv[i], "check") == 0)
			a->check = true;
		else if (strcmp(argv[i], "strict") == 0)
			a->strict = true;
		else if (strncmp(argv[i], "socket_dir=", 11) == 0 && argv[i][11] == '/' &&
		    strlen(argv[i] + 11) < sizeof(a->socket_dir))
			snprintf(a->socket_dir, sizeof(a->socket_dir), "%s", argv[i] + 11);
		else if (strncmp(argv[i], "timeout=", 8) == 0 && atoi(argv[i] + 8) > 0 &&
		    atoi(argv[i] + 8) <= CHECK_TIMEOUT_MAX_S)
			a->timeout_s = (unsigned)atoi(argv[i] + 8);
		else if (strncmp(argv[i], "skel=", 5) == 0 && strlen(argv[i] + 5) < sizeof(a->skel))
			snprintf(a->skel, sizeof(a->skel), "%s", argv[i] + 5);
		else if (strncmp(argv[i], "services_allow=", 15) == 0 &&
		    strlen(argv[i] + 15) < sizeof(a->services_allow))
			snprintf(a->services_allow, sizeof(a->services_allow), "%s", argv[i] + 15);
		else
			pam_syslog(pamh, LOG_ERR, "unknown option '%s'", argv[i]);
	}
}

static bool
list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == n && strncmp(p, item, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

enum mesh_acct {
	ACCT_NOT_MESH,
	ACCT_ACTIVE,
	ACCT_REMOVED,
	ACCT_UNKNOWN, /* userdb unreadable: fail closed for accounts we cannot rule out */
};

/* Is user a mesh account?  Fills pw fields (home, uid, gid) into out. */
static enum mesh_acct
mesh_account(const char *user, struct passwd *out, char *buf, size_t buflen)
{
	struct userdb_file f;
	struct userdb_span line;
	struct userdb_pwent e;
	char path[512];
	enum mesh_acct r = ACCT_NOT_MESH;
	int rr;

	if (snprintf(path, sizeof(path), "%s/passwd", userdb_dir()) >= (int)sizeof(path) ||
	    userdb_file_init(&f, USERDB_PASSWD, path) != 0)
		return ACCT_UNKNOWN;
	rr = userdb_file_refresh(&f);
	if (rr == MESH_ERR_NOTFOUND)
		return ACCT_NOT_MESH;
	if (rr != 0)
		return ACCT_UNKNOWN;
	if (userdb_lookup_name(&f, user, &line) == 0 &&
	    userdb_parse_pw(line.p, line.len, &e) == 0 &&
	    userdb_fill_passwd(&e, out, buf, buflen) == 0)
		r = strcmp(out->pw_passwd, "!") == 0 ? ACCT_REMOVED : ACCT_ACTIVE;
	userdb_file_close(&f);
	return r;
}

PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL, *service = NULL, *rhost = NULL, *ticket;
	struct passwd pw;
	char buf[USERDB_PWLINE_MAX];
	struct args a;
	int r;

	args_parse(pamh, argc, argv, &a);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_USER_UNKNOWN;
	switch (mesh_account(user, &pw, buf, sizeof(buf))) {
	case ACCT_NOT_MESH:
		return PAM_IGNORE;
	case ACCT_UNKNOWN:
		pam_syslog(pamh, LOG_ERR, "cannot read the mesh userdb in %s", userdb_dir());
		return PAM_AUTHINFO_UNAVAIL;
	case ACCT_REMOVED:
		pam_syslog(pamh, LOG_NOTICE, "mesh account %s was deprovisioned: refused", user);
		return PAM_ACCT_EXPIRED;
	case ACCT_ACTIVE:
		break;
	}
	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	(void)pam_get_item(pamh, PAM_RHOST, (const void **)&rhost);
	ticket = pam_getenv(pamh, MESHAUTH_ENV);
	if (ticket == NULL) {
		if (service != NULL && list_has(a.services_allow, service)) {
			if (a.debug)
				pam_syslog(pamh, LOG_DEBUG, "mesh account %s via %s: allowed", user,
				    service);
			return PAM_SUCCESS;
		}
		pam_syslog(pamh, LOG_NOTICE,
		    "mesh account %s refused for service %s: no meshsshd policy decision", user,
		    service ? service : "?");
		return PAM_PERM_DENIED;
	}
	r = meshauth_verify(meshauth_dir(), ticket, user, rhost, (int64_t)time(NULL));
	/* spent or not, it must not reach the session environment */
	(void)pam_putenv(pamh, MESHAUTH_ENV);
	if (r != 0) {
		pam_syslog(pamh, LOG_NOTICE, "mesh account %s from %s refused: ticket %s", user,
		    rhost ? rhost : "?", mesh_strerror(r));
		return PAM_PERM_DENIED;
	}
	if (a.debug)
		pam_syslog(pamh, LOG_DEBUG, "mesh account %s from %s: policy ticket accepted", user,
		    rhost ? rhost : "?");
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL;
	struct passwd pw;
	char buf[USERDB_PWLINE_MAX];
	struct args a;
	int r;

	args_parse(pamh, argc, argv, &a);
	(void)pam_putenv(pamh, MESHAUTH_ENV);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_SESSION_ERR;
	if (mesh_account(user, &pw, buf, sizeof(buf)) != ACCT_ACTIVE)
		return PAM_IGNORE;
	r = homedir_create(pw.pw_dir, a.skel, pw.pw_uid, pw.pw_gid);
	if (r == MESH_ERR_EXISTS)
		return PAM_SUCCESS;
	if (r != 0) {
		pam_syslog(pamh, LOG_ERR, "cannot create home %s for %s: %s", pw.pw_dir, user,
		    mesh_strerror(r));
		return PAM_SESSION_ERR;
	}
	pam_syslog(pamh, LOG_INFO, "created home %s for %s from %s", pw.pw_dir, user, a.skel);
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

/* ---- auth: the SSO check for sudo, through meshsshd ------------------------ */

/*
 * Connect to the check socket of the meshsshd connection this process runs
 * under: the session leader's parent is the connection process.  -1 with
 * errno ENOENT when this is not a meshsshd session.
 */
static int
check_connect(const struct args *a)
{
	struct sockaddr_un sa;
	pid_t sid = getsid(0), conn;
	int fd;

	if (sid <= 0 || procinfo_parent(sid, &conn) != 0 || conn <= 1) {
		errno = ENOENT;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%ld%s", a->socket_dir, (long)conn,
		SSHD_CHECKSOCK_SUFFIX) >= (int)sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static long
check_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * CHECK_MS_PER_S + ts.tv_nsec / 1000000;
}

/* One reply line (sso_proto.h) into line; 0, or -1 on EOF, error or deadline. */
static int
check_read_line(int fd, char *buf, size_t cap, size_t *len, long deadline, char *line, size_t ll)
{
	for (;;) {
		char *nl = memchr(buf, '\n', *len);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long left;
		ssize_t n;

		if (nl != NULL) {
			size_t k = (size_t)(nl - buf);

			snprintf(line, ll, "%.*s", (int)k, buf);
			memmove(buf, nl + 1, *len - k - 1);
			*len -= k + 1;
			return 0;
		}
		if (*len == cap || (left = deadline - check_now_ms()) <= 0)
			return -1;
		if (poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left) <= 0)
			continue;
		n = read(fd, buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
}

static int
check_run(pam_handle_t *pamh, const struct args *a, int fd, const char *user, const char *service)
{
	static char buf[2 * CHECK_LINE_MAX], line[CHECK_LINE_MAX], text[CHECK_TEXT_MAX];
	char req[SSHD_CHECKSOCK_REQUEST_MAX];
	long deadline = check_now_ms() + (long)a->timeout_s * CHECK_MS_PER_S;
	size_t len = 0;
	int n;

	text[0] = '\0';
	n = snprintf(req, sizeof(req), "%s %s %s\n", SSHD_CHECKSOCK_VERB, user, service);
	if (n < 0 || (size_t)n >= sizeof(req) || write(fd, req, (size_t)n) != n)
		return PAM_AUTHINFO_UNAVAIL;
	while (check_read_line(fd, buf, sizeof(buf), &len, deadline, line, sizeof(line)) == 0) {
		if (strncmp(line, "show ", 5) == 0) {
			size_t used = strlen(text);

			snprintf(text + used, sizeof(text) - used, "%s\n", line + 5);
		} else if (strncmp(line, "started ", 8) == 0) {
			pam_info(pamh, "%s", text);
		} else if (strncmp(line, "pass ", 5) == 0) {
			pam_syslog(pamh, LOG_INFO, "SSO check passed for %s (%s)", user, service);
			return PAM_SUCCESS;
		} else if (strncmp(line, "fail ", 5) == 0 || strncmp(line, "timeout ", 8) == 0) {
			/* "fail SUBJECT REASON...": the reason is for the person */
			const char *reason = strchr(strchr(line, ' ') + 1, ' ');

			reason = reason ? reason + 1 : "no reason given";
			pam_error(pamh, "SSO check failed: %s", reason);
			pam_syslog(pamh, LOG_NOTICE, "SSO check failed for %s (%s): %s", user,
			    service, reason);
			return PAM_AUTH_ERR;
		}
	}
	pam_error(pamh, "SSO check: no verdict from meshsshd");
	pam_syslog(pamh, LOG_ERR, "SSO check for %s: no verdict from meshsshd", user);
	return PAM_AUTH_ERR;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const char *user = NULL, *service = NULL;
	struct args a;
	int fd, r;

	(void)flags;
	args_parse(pamh, argc, argv, &a);
	if (!a.check)
		return PAM_IGNORE;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || user == NULL)
		return PAM_USER_UNKNOWN;
	(void)pam_get_item(pamh, PAM_SERVICE, (const void **)&service);
	if (service == NULL || strchr(service, ' ') != NULL || strchr(user, ' ') != NULL)
		return PAM_AUTH_ERR;
	if ((fd = check_connect(&a)) < 0) {
		if (errno == ENOENT && !a.strict) {
			if (a.debug)
				pam_syslog(pamh, LOG_DEBUG, "%s: not a meshsshd session", user);
			return PAM_IGNORE;
		}
		pam_syslog(pamh, LOG_NOTICE, "SSO check for %s: cannot reach meshsshd: %s", user,
		    strerror(errno));
		pam_error(pamh, "SSO check: cannot reach meshsshd for this session (%s)",
		    strerror(errno));
		return a.strict || errno != ENOENT ? PAM_AUTH_ERR : PAM_IGNORE;
	}
	r = check_run(pamh, &a, fd, user, service);
	close(fd);
	return r;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
