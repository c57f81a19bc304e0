/*
 * Unit tests of the meshsshd -> pam_mesh ticket hand-off (lib/meshauth.c)
 * and of home creation from a skeleton (lib/homedir.c).
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "homedir.h"
#include "meshauth.h"
#include "tap.h"

static char dir[] = "/tmp/test_meshauth.XXXXXX";

static int
count_tickets(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *de;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dp);
	return n;
}

static void
test_tickets(void)
{
	char tdir[300], env[MESHAUTH_ENV_MAX], env2[MESHAUTH_ENV_MAX], forged[MESHAUTH_ENV_MAX];
	const char *v;
	int64_t now = 1700000000;
	struct stat st;

	snprintf(tdir, sizeof(tdir), "%s/auth", dir);
	is_int(meshauth_issue(tdir, "alice", "100.64.0.2", now, env, sizeof(env)), 0, "issue");
	ok(strncmp(env, MESHAUTH_ENV "=v1:", strlen(MESHAUTH_ENV) + 4) == 0, "env entry format");
	ok(stat(tdir, &st) == 0 && (st.st_mode & 0777) == 0700, "ticket dir 0700");
	is_int(count_tickets(tdir), 1, "one ticket file");
	v = strchr(env, '=') + 1;
	is_int(meshauth_verify(tdir, v, "bob", "100.64.0.2", now), MESH_ERR_DENIED,
	    "other user refused");
	is_int(meshauth_verify(tdir, v, "alice", "100.64.0.2", now), MESH_ERR_NOTFOUND,
	    "a ticket tried with the wrong user is spent");

	meshauth_issue(tdir, "alice", "100.64.0.2", now, env, sizeof(env));
	v = strchr(env, '=') + 1;
	is_int(meshauth_verify(tdir, v, "alice", "100.64.0.9", now), MESH_ERR_DENIED,
	    "other peer refused");

	meshauth_issue(tdir, "alice", "100.64.0.2", now, env, sizeof(env));
	v = strchr(env, '=') + 1;
	snprintf(forged, sizeof(forged), "%s", v);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	is_int(meshauth_verify(tdir, forged, "alice", "100.64.0.2", now), MESH_ERR_DENIED,
	    "wrong secret refused");
	is_int(meshauth_verify(tdir, v, "alice", "100.64.0.2", now + MESHAUTH_TTL_SEC + 1),
	    MESH_ERR_EXPIRED, "expired refused");

	meshauth_issue(tdir, "alice", "100.64.0.2", now, env, sizeof(env));
	v = strchr(env, '=') + 1;
	is_int(
	    meshauth_verify(tdir, v, "alice", "100.64.0.2", now + 5), 0, "valid ticket accepted");
	is_int(meshauth_verify(tdir, v, "alice", "100.64.0.2", now + 5), MESH_ERR_NOTFOUND,
	    "one use only");
	is_int(meshauth_verify(tdir, "v1:../../etc/passwd:00", "alice", "x", now), MESH_ERR_PARSE,
	    "path tricks refused");
	is_int(meshauth_verify(tdir, "", "alice", "x", now), MESH_ERR_PARSE, "empty refused");

	/* a ticket file readable by others is not trusted */
	meshauth_issue(tdir, "alice", "100.64.0.2", now, env, sizeof(env));
	v = strchr(env, '=') + 1;
	{
		char path[400];

		snprintf(path, sizeof(path), "%s/%.16s", tdir, v + 3);
		chmod(path, 0644);
	}
	is_int(meshauth_verify(tdir, v, "alice", "100.64.0.2", now), MESH_ERR_PERM,
	    "0644 ticket refused");
	meshauth_revoke(tdir, v);

	meshauth_issue(tdir, "carol", "h", now, env, sizeof(env));
	meshauth_issue(tdir, "dave", "h", now + 1000, env2, sizeof(env2));
	is_int(meshauth_sweep(tdir, now + MESHAUTH_TTL_SEC + 1), 1, "sweep removes expired only");
	meshauth_revoke(tdir, strchr(env2, '=') + 1);
	is_int(count_tickets(tdir), 0, "revoked");
	is_int(meshauth_issue(tdir, "bad user", "h", now, env, sizeof(env)), MESH_ERR_INVALID,
	    "user with a space refused");
	ok(meshauth_env_reserved("MESH_AUTH_INFO_0") && meshauth_env_reserved("MESH_AUTH_INFO_1") &&
		!meshauth_env_reserved("LANG"),
	    "reserved names");
}

static void
test_ticket_parse(void)
{
	static const char sec[] =
	    "abababababababababababababababababababababababababababababababab";
	static const char *const bad[] = {
	    "v1 alice 100.64.0.1 0120 %s\n",		    /* leading zero */
	    "v1  alice 100.64.0.1 120 %s\n",		    /* two spaces */
	    "v1 alice 100.64.0.1 120 %s\ntrailing\n",	    /* more than one line */
	    "v1 alice 100.64.0.1 120 %s",		    /* no newline */
	    "v1 alice 100.64.0.1 -120 %s\n",		    /* negative */
	    "v1 alice 100.64.0.1 9999999999999999999 %s\n", /* 19 digits */
	    "v2 alice 100.64.0.1 120 %s\n",		    /* version */
	    "v1 alice 100.64.0.1 120 %sab\n",		    /* secret too long */
	    "v1 alice 100.64.0.1 120 %.63s\n",		    /* secret too short */
	};
	struct meshauth_ticket t;
	char buf[512];
	size_t i;

	snprintf(buf, sizeof(buf), "v1 alice 100.64.0.1 1800000120 %s\n", sec);
	is_int(meshauth_ticket_parse(buf, strlen(buf), &t), 0, "ticket parses");
	ok(strcmp(t.user, "alice") == 0 && strcmp(t.rhost, "100.64.0.1") == 0 &&
		t.expires == 1800000120 && strcmp(t.secret, sec) == 0,
	    "ticket fields");
	is_int(meshauth_ticket_parse(buf, strlen(buf) - 1, &t), MESH_ERR_PARSE,
	    "a ticket cut short is refused");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), bad[i], sec);
		is_int(meshauth_ticket_parse(buf, strlen(buf), &t), MESH_ERR_PARSE,
		    "malformed ticket refused");
	}
}

static void
test_homedir(void)
{
	char skel[300], home[300], path[400], buf[64];
	struct stat st;
	int fd;
	ssize_t n;

	snprintf(skel, sizeof(skel), "%s/skel", dir);
	snprintf(home, sizeof(home), "%s/home-alice", dir);
	mkdir(skel, 0755);
	snprintf(path, sizeof(path), "%s/.profile", skel);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (write(fd, "echo hi\n", 8) != 8)
		abort();
	close(fd);
	snprintf(path, sizeof(path), "%s/.config", skel);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.config/link", skel);
	ok(symlink("/etc/shadow", path) == 0, "skeleton symlink");

	is_int(homedir_create(home, skel, getuid(), getgid()), 0, "create home");
	ok(stat(home, &st) == 0 && (st.st_mode & 0777) == HOMEDIR_MODE && st.st_uid == getuid(),
	    "home mode and owner");
	snprintf(path, sizeof(path), "%s/.profile", home);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	ok(n == 8 && memcmp(buf, "echo hi\n", 8) == 0, "skeleton file copied");
	snprintf(path, sizeof(path), "%s/.config/link", home);
	ok(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "symlink copied as a link, not followed");
	is_int(homedir_create(home, skel, getuid(), getgid()), MESH_ERR_EXISTS,
	    "existing home left alone");
	snprintf(path, sizeof(path), "%s/no/such/home", dir);
	is_int(homedir_create(path, skel, getuid(), getgid()), MESH_ERR_NOTFOUND, "missing parent");
	is_int(homedir_create("relative", skel, 0, 0), MESH_ERR_INVALID, "relative refused");
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_tickets();
	test_ticket_parse();
	test_homedir();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
