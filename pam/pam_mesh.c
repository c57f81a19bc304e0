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
 *
 * Links libc and libpam only; exports pam_sm_* only (pam/pam_mesh.sym).
 */
#include "config.h"

#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#define PAM_SM_ACCOUNT
#define PAM_SM_SESSION
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "homedir.h"
#include "meshauth.h"
#include "userdb.h"

#define SERVICES_ALLOW_DEFAULT "sudo,sudo-i,cron,systemd-user"
#define ARG_MAX_BYTES	       256

struct args {
	bool debug;
	char skel[ARG_MAX_BYTES];
	char services_allow[ARG_MAX_BYTES];
};

static void
args_parse(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	snprintf(a->skel, sizeof(a->skel), "%s", HOMEDIR_SKEL_DEFAULT);
	snprintf(a->services_allow, sizeof(a->services_allow), "%s", SERVICES_ALLOW_DEFAULT);
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0)
			a->debug = true;
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
