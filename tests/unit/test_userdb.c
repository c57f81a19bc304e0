/*
 * Unit tests of the userdb reader and index (lib/userdb.c) and the mesh
 * hosts file (lib/hostsdb.c): parsing, buffer filling with ERANGE, indexed
 * lookups agreeing with scans, stale and damaged indexes, re-mapping a
 * replaced file, unsafe files refused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostsdb.h"
#include "netmap.h"
#include "tap.h"
#include "userdb.h"

static char dir[] = "/tmp/test_userdb.XXXXXX";

static void
write_file(const char *name, const void *buf, size_t len, mode_t mode)
{
	char path[256], tmp[300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		abort();
	fchmod(fd, mode);
	close(fd);
	rename(tmp, path);
}

/* Write text and an index that pins it. */
static void
publish(const char *name, enum userdb_kind kind, const char *text)
{
	char path[256], idxname[64];
	struct userdb_stamp s;
	struct stat st;
	uint8_t *idx;
	size_t idxlen;

	write_file(name, text, strlen(text), 0644);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	stat(path, &st);
	s.ino = st.st_ino;
	s.size = (uint64_t)st.st_size;
	s.mtime_sec = st.st_mtim.tv_sec;
	s.mtime_nsec = st.st_mtim.tv_nsec;
	if (userdb_index_build(kind, text, strlen(text), &s, &idx, &idxlen) != 0)
		abort();
	snprintf(idxname, sizeof(idxname), "%s.idx", name);
	write_file(idxname, idx, idxlen, 0644);
	free(idx);
}

static void
test_parse(void)
{
	struct userdb_pwent pw;
	struct userdb_grent gr;
	const char *l = "alice:*:70001:70001:Alice A:/home/alice:/bin/bash";

	is_int(userdb_parse_pw(l, strlen(l), &pw), 0, "parse passwd line");
	ok(userdb_span_eq(pw.name, "alice") && pw.uid == 70001 && pw.gid == 70001,
	    "name, uid, gid");
	ok(userdb_span_eq(pw.shell, "/bin/bash") && userdb_span_eq(pw.gecos, "Alice A"),
	    "gecos and shell");
	l = "alice:*:70001:70001:A:/home/alice";
	is_int(userdb_parse_pw(l, strlen(l), &pw), MESH_ERR_PARSE, "six fields refused");
	l = "alice:*:4294967295:1:A:/h:/s";
	is_int(userdb_parse_pw(l, strlen(l), &pw), MESH_ERR_PARSE, "uid -1 refused");
	l = "alice:*:-1:1:A:/h:/s";
	is_int(userdb_parse_pw(l, strlen(l), &pw), MESH_ERR_PARSE, "negative uid refused");
	l = "+alice:*:1:1:A:/h:/s";
	is_int(userdb_parse_pw(l, strlen(l), &pw), MESH_ERR_PARSE, "NIS compat name refused");
	l = "# comment";
	is_int(userdb_parse_pw(l, strlen(l), &pw), MESH_ERR_PARSE, "comment is not an entry");
	l = "admins:x:70100:alice,bob,,carol";
	is_int(userdb_parse_gr(l, strlen(l), &gr), 0, "parse group line");
	is_int(gr.nmembers, 3, "three members, empty one skipped");
	ok(userdb_gr_has_member(&gr, "bob") && !userdb_gr_has_member(&gr, "bo") &&
		!userdb_gr_has_member(&gr, "alice,bob"),
	    "member test is exact");
	l = "empty:x:70101:";
	is_int(userdb_parse_gr(l, strlen(l), &gr), 0, "group without members");
	is_int(gr.nmembers, 0, "zero members");
}

static void
test_fill(void)
{
	const char *l = "alice:*:70001:70002:Alice:/home/alice:/bin/bash";
	const char *g = "admins:x:70100:alice,bob";
	struct userdb_pwent pw;
	struct userdb_grent gr;
	struct passwd p;
	struct group grp;
	char buf[256];
	size_t need = 6 + 2 + 6 + 12 + 10, i;
	int small = 0;

	userdb_parse_pw(l, strlen(l), &pw);
	is_int(userdb_fill_passwd(&pw, &p, buf, sizeof(buf)), 0, "fill passwd");
	is_str(p.pw_name, "alice", "pw_name");
	is_str(p.pw_dir, "/home/alice", "pw_dir");
	is_int(p.pw_gid, 70002, "pw_gid");
	for (i = 0; i < need; i++)
		small += userdb_fill_passwd(&pw, &p, buf, i) == MESH_ERR_RANGE;
	is_int(small, (int)need, "every too-small buffer gives ERANGE");
	is_int(userdb_fill_passwd(&pw, &p, buf, need), 0, "exact buffer suffices");
	userdb_parse_gr(g, strlen(g), &gr);
	is_int(userdb_fill_group(&gr, &grp, buf + 1, sizeof(buf) - 1), 0,
	    "fill group into unaligned buffer");
	is_str(grp.gr_mem[1], "bob", "second member");
	ok(grp.gr_mem[2] == NULL, "member list terminated");
	ok(((uintptr_t)grp.gr_mem % sizeof(char *)) == 0, "member array aligned");
	is_int(userdb_fill_group(&gr, &grp, buf, 20), MESH_ERR_RANGE, "small group buffer");
}

static void
test_lookups(void)
{
	char path[256];
	struct userdb_file f;
	struct userdb_span line;
	struct userdb_pwent e;
	char *big;
	size_t i, off = 0, pos;
	int found = 0, n = 0;

	big = malloc(5000 * 64);
	for (i = 0; i < 5000; i++)
		off += (size_t)sprintf(big + off, "user%zu:*:%zu:%zu::/home/user%zu:/bin/sh\n", i,
		    70000 + i, 70000 + i, i);
	off += (size_t)sprintf(big + off, "junk line\nuser7:*:1:1::/dup:/bin/sh\n");
	publish("passwd", USERDB_PASSWD, big);
	snprintf(path, sizeof(path), "%s/passwd", dir);
	is_int(userdb_file_init(&f, USERDB_PASSWD, path), 0, "init");
	is_int(userdb_file_refresh(&f), 0, "map passwd");
	ok(f.idx != NULL, "index in use");
	for (i = 0; i < 5000; i += 7) {
		char name[32];

		snprintf(name, sizeof(name), "user%zu", i);
		if (userdb_lookup_name(&f, name, &line) == 0 &&
		    userdb_parse_pw(line.p, line.len, &e) == 0 && e.uid == 70000 + i &&
		    userdb_lookup_id(&f, (uint32_t)(70000 + i), &line) == 0 &&
		    userdb_parse_pw(line.p, line.len, &e) == 0 && userdb_span_eq(e.name, name))
			found++;
	}
	is_int(found, 715, "every sampled name and uid found through the index");
	is_int(userdb_lookup_name(&f, "user7", &line), 0, "duplicate name");
	userdb_parse_pw(line.p, line.len, &e);
	is_int(e.uid, 70007, "first line wins, as in files");
	is_int(userdb_lookup_name(&f, "nobody", &line), MESH_ERR_NOTFOUND, "unknown name");
	is_int(userdb_lookup_id(&f, 1, &line), 0, "uid of the later duplicate");
	for (pos = 0; userdb_next(&f, &pos, &line) == 0;)
		n++;
	is_int(n, 5001, "enumeration skips junk");
	/* a busy mapping is pre-faulted once; answers stay the same */
	ok(!f.populated, "not pre-faulted after a few lookups");
	for (i = 0; i < USERDB_POPULATE_AFTER; i++)
		userdb_file_refresh(&f);
	ok(f.populated, "pre-faulted after USERDB_POPULATE_AFTER lookups");
	ok(userdb_lookup_id(&f, 74999, &line) == 0 && userdb_parse_pw(line.p, line.len, &e) == 0 &&
		userdb_span_eq(e.name, "user4999"),
	    "lookups after pre-faulting");

	/* a hand edit that does not mark the index is seen at the next recheck */
	big[0] = 'U';
	write_file("passwd", big, strlen(big), 0644);
	userdb_file_refresh(&f);
	ok(f.idx != NULL && userdb_lookup_name(&f, "user0", &line) == 0,
	    "no stat before the recheck interval");
	/* the writer marks the index superseded: seen at once, in every process */
	{
		char ip[300];

		snprintf(ip, sizeof(ip), "%s.idx", path);
		is_int(userdb_index_supersede(ip), 0, "supersede the index");
	}
	/* replace the text but keep the old index: stale -> scan, same answers */
	is_int(userdb_file_refresh(&f), 0, "re-map replaced file");
	ok(f.idx == NULL, "stale index not used");
	is_int(userdb_lookup_name(&f, "user4999", &line), 0, "scan finds entry");
	is_int(userdb_lookup_name(&f, "User0", &line), 0, "scan sees new content");
	is_int(userdb_lookup_name(&f, "user0", &line), MESH_ERR_NOTFOUND, "old name gone");
	is_int(userdb_index_supersede("/nonexistent/passwd.idx"), 0, "no index to supersede");
	/* a fresh index arrives later: picked up without a data change */
	publish("passwd", USERDB_PASSWD, big);
	userdb_file_refresh(&f);
	ok(f.idx != NULL, "new index picked up");
	/* with no recheck interval a hand edit is seen at the next lookup */
	f.recheck_ms = 0;
	big[0] = 'u';
	write_file("passwd", big, strlen(big), 0644);
	userdb_file_refresh(&f);
	ok(f.idx == NULL && userdb_lookup_name(&f, "user0", &line) == 0, "hand edit seen");
	publish("passwd", USERDB_PASSWD, big);
	userdb_file_refresh(&f);
	/* a corrupt index that pins the file: lookups re-check every hit */
	{
		char ip[300];
		int fd;
		struct stat st;
		uint8_t *m;

		snprintf(ip, sizeof(ip), "%s.idx", path);
		stat(ip, &st);
		m = malloc((size_t)st.st_size);
		fd = open(ip, O_RDONLY);
		if (read(fd, m, (size_t)st.st_size) != st.st_size)
			abort();
		close(fd);
		for (i = 64; i + 8 <= (size_t)st.st_size; i += 8)
			memcpy(m + i + 4, &(uint32_t){(uint32_t)(i * 31) % 200000}, 4);
		write_file("passwd.idx", m, (size_t)st.st_size, 0644);
		free(m);
		userdb_file_refresh(&f);
		userdb_file_close(&f);
		userdb_file_init(&f, USERDB_PASSWD, path);
		userdb_file_refresh(&f);
		found = 0;
		for (i = 0; i < 5000; i += 97)
			if (userdb_lookup_id(&f, (uint32_t)(70000 + i), &line) == 0 &&
			    userdb_parse_pw(line.p, line.len, &e) == 0 && e.uid != 70000 + i)
				found++;
		is_int(found, 0, "damaged index never gives a wrong entry");
	}
	userdb_file_close(&f);

	/* unsafe file refused */
	write_file("passwd", big, strlen(big), 0664);
	userdb_file_init(&f, USERDB_PASSWD, path);
	is_int(userdb_file_refresh(&f), MESH_ERR_PERM, "group-writable file refused");
	unlink(path);
	is_int(userdb_file_refresh(&f), MESH_ERR_NOTFOUND, "missing file");
	is_int(userdb_lookup_name(&f, "user1", &line), MESH_ERR_NOTFOUND, "nothing when missing");
	ok(symlink("/etc/passwd", path) == 0, "make symlink");
	is_int(userdb_file_refresh(&f), MESH_ERR_IO, "symlink not followed");
	unlink(path);
	userdb_file_close(&f);
	free(big);
}

static int
collect(const struct userdb_grent *g, void *ctx)
{
	int *sum = ctx;

	*sum += (int)g->gid;
	return 0;
}

static void
test_groups(void)
{
	const char *text = "alice:x:70001:\n"
			   "admins:x:100:alice,bob\n"
			   "dev:x:200:bob,alice\n"
			   "ops:x:300:carol\n"
			   "al:x:400:alic,alice2\n";
	char path[256];
	struct userdb_file f;
	int sum = 0;

	publish("group", USERDB_GROUP, text);
	snprintf(path, sizeof(path), "%s/group", dir);
	userdb_file_init(&f, USERDB_GROUP, path);
	is_int(userdb_file_refresh(&f), 0, "map group");
	ok(f.idx != NULL, "group index in use");
	userdb_groups_of(&f, "alice", collect, &sum);
	is_int(sum, 300, "alice in admins and dev (indexed)");
	sum = 0;
	userdb_groups_of(&f, "carol", collect, &sum);
	is_int(sum, 300, "carol in ops");
	sum = 0;
	userdb_groups_of(&f, "nobody", collect, &sum);
	is_int(sum, 0, "no groups");
	userdb_file_close(&f);
	unlink(path);
}

static void
test_hosts(void)
{
	struct netmap_addr a1[2] = {{AF_INET, {100, 64, 0, 1}}, {AF_INET6, {0xfd, 0x7a}}};
	struct netmap_addr a2[1] = {{AF_INET, {100, 64, 0, 2}}};
	struct netmap_node nodes[3];
	struct netmap nm;
	struct hostsdb_ent e;
	char *out;
	size_t len;
	const char *l;

	memset(nodes, 0, sizeof(nodes));
	memset(&nm, 0, sizeof(nm));
	nodes[0].name = "web-1";
	nodes[0].addrs = a1;
	nodes[0].naddrs = 2;
	nodes[1].name = "bad name\n127.0.0.1 evil";
	nodes[1].addrs = a2;
	nodes[1].naddrs = 1;
	nodes[2].name = "db";
	nodes[2].addrs = a2;
	nodes[2].naddrs = 1;
	nm.nodes = nodes;
	nm.nnodes = 3;
	is_int(hostsdb_format(&nm, "mesh.example", &out, &len), 0, "format hosts");
	ok(strstr(out, "100.64.0.1 web-1 web-1.mesh.example\n") != NULL, "v4 line");
	ok(strstr(out, "fd7a:: web-1 web-1.mesh.example\n") != NULL, "v6 line");
	ok(strstr(out, "evil") == NULL, "invalid node name left out");
	ok(strstr(out, "100.64.0.2 db db.mesh.example\n") != NULL, "second node");
	/* published: the same text, 0644, replaced only when it changes */
	{
		char path[256], nodir[300], *text = NULL;
		struct mesh_error err;
		struct stat st1, st2;
		FILE *fp;

		nm.domain = "mesh.example";
		snprintf(path, sizeof(path), "%s/%s", dir, HOSTSDB_FILE);
		is_int(hostsdb_publish(&nm, dir, &err), 0, "publish hosts");
		ok(stat(path, &st1) == 0 && (st1.st_mode & 07777) == 0644, "hosts file mode 0644");
		if ((fp = fopen(path, "r")) != NULL) {
			text = calloc(1, len + 2);
			if (text && fread(text, 1, len + 1, fp) != len)
				text[0] = '\0';
			fclose(fp);
		}
		ok(text != NULL && strcmp(text, out) == 0, "published text is hostsdb_format's");
		free(text);
		is_int(hostsdb_publish(&nm, dir, &err), 0, "publish again");
		ok(stat(path, &st2) == 0 && st2.st_ino == st1.st_ino, "unchanged: not rewritten");
		nodes[2].name = "db-2";
		is_int(hostsdb_publish(&nm, dir, &err), 0, "publish a changed netmap");
		ok(stat(path, &st2) == 0 && st2.st_ino != st1.st_ino, "changed: replaced");
		snprintf(nodir, sizeof(nodir), "%s/missing", dir);
		is_int(hostsdb_publish(&nm, nodir, &err), MESH_ERR_NOTFOUND,
		    "a missing directory is not created");
		unlink(path);
	}
	free(out);
	l = "100.64.0.1 web-1 web-1.mesh";
	is_int(hostsdb_parse_line(l, strlen(l), &e), 0, "parse hosts line");
	ok(e.family == AF_INET && e.addr[3] == 1 && e.nnames == 2, "address and names");
	ok(hostsdb_ent_has_name(&e, "WEB-1") && hostsdb_ent_has_name(&e, "web-1.mesh.") &&
		!hostsdb_ent_has_name(&e, "web"),
	    "case-insensitive exact match");
	l = "300.1.1.1 x";
	is_int(hostsdb_parse_line(l, strlen(l), &e), MESH_ERR_PARSE, "bad address");
	l = "10.0.0.1";
	is_int(hostsdb_parse_line(l, strlen(l), &e), MESH_ERR_PARSE, "no name");
	l = "  # c";
	is_int(hostsdb_parse_line(l, strlen(l), &e), MESH_ERR_PARSE, "comment");
	ok(!hostsdb_name_valid("-a", 2) && !hostsdb_name_valid("a..b", 4) &&
		hostsdb_name_valid("a-1.b", 5),
	    "host name rules");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_parse();
	test_fill();
	test_lookups();
	test_groups();
	test_hosts();
	rmdir(dir);
	return tap_done();
}
