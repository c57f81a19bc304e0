/*
 * Unit tests of provisioning (lib/provision.c) against a temporary userdb:
 * names, collisions with local accounts, stable uids keyed by the IdP id,
 * tombstones, group map, configuration keywords, a damaged state file, and
 * two first logins at the same moment in two processes.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "provision.h"
#include "tap.h"
#include "userdb.h"

static char dir[] = "/tmp/test_provision.XXXXXX";

static void
conf_setup(struct provision_conf *c)
{
	provision_conf_init(c);
	c->enabled = true;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	/* lckpwdf needs root; the flock on the directory is taken either way */
	c->use_lckpwdf = geteuid() == 0;
}

static struct netmap_user
user(const char *id, const char *login, const char *display, char **groups, size_t ngroups)
{
	struct netmap_user u;

	memset(&u, 0, sizeof(u));
	u.id = (char *)id;
	u.login = (char *)login;
	u.display_name = (char *)display;
	u.groups = groups;
	u.ngroups = ngroups;
	return u;
}

/* Look a name up in the published passwd file through the reader. */
static int
published_uid(const char *name, char *passwd_field, size_t plen)
{
	char path[256];
	struct userdb_file f;
	struct userdb_span line;
	struct userdb_pwent e;
	int uid = -1;

	snprintf(path, sizeof(path), "%s/passwd", dir);
	userdb_file_init(&f, USERDB_PASSWD, path);
	if (userdb_file_refresh(&f) == 0 && userdb_lookup_name(&f, name, &line) == 0 &&
	    userdb_parse_pw(line.p, line.len, &e) == 0) {
		uid = (int)e.uid;
		if (passwd_field)
			snprintf(passwd_field, plen, "%.*s", (int)e.passwd.len, e.passwd.p);
		if (f.idx == NULL)
			uid = -2; /* the writer must publish an index */
	}
	userdb_file_close(&f);
	return uid;
}

static void
test_sanitize(void)
{
	char out[USERDB_NAME_MAX + 1];

	is_int(provision_sanitize_name("Alice.Smith@example.com", out, sizeof(out)), 0, "sanitize");
	is_str(out, "alice_smith", "lower case, dot to underscore");
	provision_sanitize_name("bob+ops@example.com", out, sizeof(out));
	is_str(out, "bob", "plus tag cut");
	provision_sanitize_name("9lives@example.com", out, sizeof(out));
	is_str(out, "_9lives", "leading digit gets an underscore");
	provision_sanitize_name("averyveryverylongnamethatgoesonandon@x", out, sizeof(out));
	ok(strlen(out) <= USERDB_NAME_MAX - 9, "room left for a suffix");
	is_int(provision_sanitize_name("@example.com", out, sizeof(out)), MESH_ERR_INVALID,
	    "empty local part refused");
	provision_sanitize_name("j\xc3\xa9r\xc3\xb4me@x", out, sizeof(out));
	is_str(out, "j__r__me", "non-ASCII bytes replaced");
}

static void
test_conf(void)
{
	struct provision_conf c;
	struct mesh_error err;
	struct conf_line l;

	provision_conf_init(&c);
	memset(&l, 0, sizeof(l));
	l.keyword = "provisionuidrange";
	l.args[0] = "80000-80100";
	l.nargs = 1;
	is_int(provision_conf_keyword(&c, &l, &err), 0, "ProvisionUidRange");
	ok(c.uid_min == 80000 && c.uid_max == 80100, "range set");
	l.args[0] = "100-50";
	is_int(provision_conf_keyword(&c, &l, &err), MESH_ERR_INVALID, "reversed range refused");
	l.args[0] = "0-5000";
	is_int(provision_conf_keyword(&c, &l, &err), MESH_ERR_INVALID, "system range refused");
	l.keyword = "ProvisionGroupMap";
	l.args[0] = "group:admins";
	l.args[1] = "mesh-admins";
	l.nargs = 2;
	is_int(provision_conf_keyword(&c, &l, &err), 0, "ProvisionGroupMap");
	is_str(c.map[0].idp_group, "admins", "group: prefix dropped");
	l.args[1] = "Bad:Name";
	is_int(provision_conf_keyword(&c, &l, &err), MESH_ERR_INVALID, "bad host group refused");
	l.keyword = "ProvisionHomeBase";
	l.args[0] = "relative";
	l.nargs = 1;
	is_int(provision_conf_keyword(&c, &l, &err), MESH_ERR_INVALID, "relative home refused");
	l.keyword = "Port";
	is_int(provision_conf_keyword(&c, &l, &err), MESH_ERR_NOTFOUND, "not our keyword");
	provision_conf_free(&c);
}

static void
test_ensure(void)
{
	struct provision_conf c;
	struct provision_result r, r2;
	struct mesh_error err;
	char *admins[] = {"admins", "staff"};
	struct netmap_user alice = user("idp|alice", "alice@example.com", "Alice: A", admins, 2);
	struct netmap_user alice2 = user("idp|alice", "alice.new@example.com", "Alice", admins, 1);
	struct netmap_user other = user("idp|alice-other", "alice@other.org", NULL, NULL, 0);
	struct netmap_user rootish = user("idp|root", "root@example.com", NULL, NULL, 0);
	struct netmap_user noid = user("", "x@example.com", NULL, NULL, 0);
	char pf[8];

	conf_setup(&c);
	provision_conf_add_map(&c, "group:admins", "mesh-admins", &err);
	is_int(provision_ensure(&c, &alice, &r, &err), 0, "first login provisions");
	is_str(r.name, "alice", "name from the local part");
	ok(r.uid >= PROVISION_UID_MIN_DEFAULT && r.uid <= PROVISION_UID_MAX_DEFAULT,
	    "uid in the default range");
	ok(r.created, "created");
	is_int(r.gid, r.uid, "personal group gid = uid");
	is_str(r.home, "/home/alice", "home under the base");
	is_int(r.ngroups, 1, "one mapped group");
	ok(r.groups[0] >= PROVISION_UID_MIN_DEFAULT && r.groups[0] != r.uid,
	    "mesh-admins got its own gid from the range");
	is_int(published_uid("alice", pf, sizeof(pf)), (int)r.uid, "published with an index");
	is_str(pf, "*", "no password, not locked");

	is_int(provision_ensure(&c, &alice, &r2, &err), 0, "second login");
	ok(!r2.created && r2.uid == r.uid, "same uid, not created again");
	is_int(provision_ensure(&c, &alice2, &r2, &err), 0, "login renamed at the IdP");
	ok(r2.uid == r.uid && strcmp(r2.name, "alice") == 0, "account follows the id");
	is_int(r2.ngroups, 1, "still admin");

	is_int(provision_ensure(&c, &other, &r2, &err), 0, "another alice");
	ok(strncmp(r2.name, "alice-", 6) == 0 && strlen(r2.name) == 10, "deterministic suffix");
	ok(r2.uid != r.uid, "distinct uid");
	is_int(provision_ensure(&c, &rootish, &r2, &err), 0, "login root@...");
	ok(strncmp(r2.name, "root-", 5) == 0, "local root never taken over");
	ok(getpwnam("root") != NULL && getpwnam("root")->pw_uid == 0, "root untouched");
	is_int(provision_ensure(&c, &noid, &r2, &err), MESH_ERR_INVALID, "user without id refused");

	/* deprovision: entry stays, locked, uid kept */
	is_int(provision_remove(&c, "alice.new@example.com", &err), 0, "remove by login");
	is_int(published_uid("alice", pf, sizeof(pf)), (int)r.uid, "entry kept after removal");
	is_str(pf, "!", "locked");
	is_int(provision_remove(&c, "nobody-here", &err), MESH_ERR_NOTFOUND, "remove unknown");
	{
		struct provision_account *a;
		size_t n, i;
		int removed = 0;

		is_int(provision_list(&c, &a, &n, &err), 0, "list");
		is_int(n, 3, "three accounts");
		for (i = 0; i < n; i++)
			removed += a[i].removed;
		is_int(removed, 1, "one tombstone");
		ok(n > 1 && a[0].uid < a[1].uid, "sorted by uid");
		provision_accounts_free(a, n);
	}
	/* the same identity comes back: refused until an operator restores it */
	is_int(provision_ensure(&c, &alice, &r2, &err), MESH_ERR_PERM, "removed: login refused");
	ok(strstr(err.text, "deprovisioned") != NULL, "the refusal says why");
	is_int(provision_lookup(&c, "alice"), 0, "removed account is still a mesh account");
	is_int(provision_lookup(&c, "root"), MESH_ERR_NOTFOUND, "root is not a mesh account");
	is_int(provision_restore(&c, "alice", &err), 0, "restore");
	is_int(provision_ensure(&c, &alice, &r2, &err), 0, "returning identity");
	ok(r2.uid == r.uid && !r2.created, "reactivated with the same uid");
	is_int(published_uid("alice", pf, sizeof(pf)), (int)r.uid, "published again");
	is_str(pf, "*", "unlocked");
	/* systemd userdb drop-ins, when asked for */
	{
		char sd[256], p[400], buf[1024], target[64];
		struct netmap_user alice3 =
		    user("idp|alice", "alice.new@example.com", "Alice", NULL, 0);
		FILE *fp;
		size_t n;
		ssize_t l;

		snprintf(sd, sizeof(sd), "%s/userdb", dir);
		snprintf(c.systemd_userdb_dir, sizeof(c.systemd_userdb_dir), "%s", sd);
		is_int(provision_ensure(&c, &alice3, &r2, &err), 0, "provision with drop-ins");
		snprintf(p, sizeof(p), "%s/alice.user", sd);
		fp = fopen(p, "r");
		n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
		buf[n] = '\0';
		if (fp)
			fclose(fp);
		snprintf(p, sizeof(p), "\"uid\": %u", r.uid);
		ok(strstr(buf, p) != NULL && strstr(buf, "\"userName\": \"alice\"") != NULL,
		    "NAME.user record with the uid");
		snprintf(p, sizeof(p), "%s/%u.user", sd, r.uid);
		l = readlink(p, target, sizeof(target) - 1);
		target[l > 0 ? l : 0] = '\0';
		is_str(target, "alice.user", "UID.user links to it");
		snprintf(p, sizeof(p), "%s/alice.group", sd);
		ok(access(p, F_OK) == 0, "personal group record");
		snprintf(p, sizeof(p), "%s/alice:mesh-admins.membership", sd);
		ok(access(p, F_OK) != 0, "no admin membership (left admins)");
		is_int(provision_ensure(&c, &alice, &r2, &err), 0, "back in admins");
		ok(access(p, F_OK) == 0, "membership file written");
		is_int(provision_ensure(&c, &alice3, &r2, &err), 0, "out of admins again");
		ok(access(p, F_OK) != 0, "stale membership removed");
		c.systemd_userdb_dir[0] = '\0';
	}
	c.enabled = false;
	is_int(provision_ensure(&c, &alice, &r2, &err), MESH_ERR_UNSUPPORTED, "off means off");
	provision_conf_free(&c);
}

static void
test_tombstones(void)
{
	struct provision_conf c;
	struct provision_result r;
	struct mesh_error err;
	struct netmap_user u1 = user("t1", "t1@x", NULL, NULL, 0);
	struct netmap_user u2 = user("t2", "t2@x", NULL, NULL, 0);
	struct netmap_user u3 = user("t3", "t3@x", NULL, NULL, 0);
	char sub[200];

	conf_setup(&c);
	snprintf(sub, sizeof(sub), "%s/tomb", dir);
	snprintf(c.dir, sizeof(c.dir), "%s", sub);
	c.uid_min = 91000;
	c.uid_max = 91001;
	is_int(provision_ensure(&c, &u1, &r, &err), 0, "t1");
	is_int(provision_ensure(&c, &u2, &r, &err), 0, "t2");
	is_int(provision_remove(&c, "t1", &err), 0, "remove t1");
	is_int(provision_ensure(&c, &u3, &r, &err), MESH_ERR_RANGE,
	    "a removed account's uid is never reused");
	provision_conf_free(&c);
}

static void
test_damaged(void)
{
	struct provision_conf c;
	struct provision_result r;
	struct mesh_error err;
	struct netmap_user u = user("d1", "d1@x", NULL, NULL, 0);
	char sub[200], path[400];
	FILE *f;

	conf_setup(&c);
	snprintf(sub, sizeof(sub), "%s/damaged", dir);
	mkdir(sub, 0755);
	snprintf(c.dir, sizeof(c.dir), "%s", sub);
	snprintf(path, sizeof(path), "%s/accounts", sub);
	f = fopen(path, "w");
	fputs("user 70001 zed active id login % %\nuser what\n", f);
	fclose(f);
	chmod(path, 0600);
	is_int(provision_ensure(&c, &u, &r, &err), MESH_ERR_PARSE, "damaged state stops");
	is_int(err.line, 2, "error names the line");
	chmod(path, 0666);
	is_int(provision_ensure(&c, &u, &r, &err), MESH_ERR_PERM, "world-writable state refused");
	provision_conf_free(&c);
}

static void
test_concurrent(void)
{
	struct provision_conf c;
	struct provision_result r;
	struct mesh_error err;
	char sub[200];
	int go[2], res[2], i, status, okc = 0;
	uint32_t uids[2] = {0, 0};
	const char *ids[2] = {"conc-a", "conc-b"}, *logins[2] = {"ann@x", "ben@x"};
	pid_t pids[2];

	conf_setup(&c);
	snprintf(sub, sizeof(sub), "%s/conc", dir);
	snprintf(c.dir, sizeof(c.dir), "%s", sub);
	/* both hash into one tiny range: the probe must see the other's uid */
	c.uid_min = 92000;
	c.uid_max = 92001;
	if (pipe(go) != 0 || pipe(res) != 0)
		abort();
	for (i = 0; i < 2; i++) {
		if ((pids[i] = fork()) == 0) {
			struct netmap_user u = user(ids[i], logins[i], NULL, NULL, 0);
			char b;
			uint32_t v = 0;

			close(go[1]);
			if (read(go[0], &b, 1) != 1) /* both start together */
				_exit(2);
			if (provision_ensure(&c, &u, &r, &err) == 0)
				v = r.uid;
			if (write(res[1], &v, sizeof(v)) != sizeof(v))
				_exit(2);
			_exit(0);
		}
	}
	close(go[0]);
	if (write(go[1], "xx", 2) != 2)
		abort();
	close(go[1]);
	for (i = 0; i < 2; i++) {
		waitpid(pids[i], &status, 0);
		okc += WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (read(res[0], &uids[i], sizeof(uids[i])) != sizeof(uids[i]))
			uids[i] = 0;
	}
	is_int(okc, 2, "two simultaneous first logins");
	ok(uids[0] && uids[1] && uids[0] != uids[1], "distinct uids");
	{
		struct netmap_user a = user(ids[0], logins[0], NULL, NULL, 0);
		struct netmap_user b = user(ids[1], logins[1], NULL, NULL, 0);
		uint32_t ua = 0, ub = 0;

		if (provision_ensure(&c, &a, &r, &err) == 0)
			ua = r.uid;
		if (provision_ensure(&c, &b, &r, &err) == 0)
			ub = r.uid;
		ok(ua && ub && ua != ub && (ua == uids[0] || ua == uids[1]) &&
			(ub == uids[0] || ub == uids[1]),
		    "both stable afterwards");
	}
	provision_conf_free(&c);
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	chmod(dir, 0755);
	test_sanitize();
	test_conf();
	test_ensure();
	test_tombstones();
	test_damaged();
	test_concurrent();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done();
}
