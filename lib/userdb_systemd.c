/*
 * systemd userdb drop-in export of the mesh userdb; see userdb_systemd.h.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "userdb.h"
#include "userdb_systemd.h"

#define RECORD_MODE 0644

/* The names written in this run, to become the new manifest. */
struct names {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void
names_add(struct names *n, const char *name)
{
	size_t l = strlen(name) + 1;

	if (n->failed)
		return;
	if (n->len + l + 1 > n->cap) {
		size_t ncap = n->cap ? n->cap * 2 : 4096;
		char *nb;

		while (ncap < n->len + l + 1)
			ncap *= 2;
		if ((nb = realloc(n->buf, ncap)) == NULL) {
			n->failed = true;
			return;
		}
		n->buf = nb;
		n->cap = ncap;
	}
	memcpy(n->buf + n->len, name, l - 1);
	n->buf[n->len + l - 1] = '\n';
	n->len += l;
	n->buf[n->len] = '\0';
}

static bool
names_has(const char *list, const char *name)
{
	size_t l = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t pl = nl ? (size_t)(nl - p) : strlen(p);

		if (pl == l && strncmp(p, name, l) == 0)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static int
write_json(const char *dir, const char *file, json_t *rec, struct names *n, struct mesh_error *err)
{
	char path[PATH_MAX], *text;
	int r;

	if (rec == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	text = json_dumps(rec, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(rec);
	if (text == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		free(text);
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s/%s: path too long", dir, file);
	}
	r = mesh_file_write_atomic(path, text, strlen(text), RECORD_MODE, err);
	free(text);
	if (r == 0)
		names_add(n, file);
	return r;
}

/* dir/link -> target, replaced atomically. */
static int
write_link(
    const char *dir, const char *link, const char *target, struct names *n, struct mesh_error *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, link) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, link) >= (int)sizeof(tmp))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s/%s: path too long", dir, link);
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", path, strerror(errno));
	}
	names_add(n, link);
	return MESH_OK;
}

static char *
span_dup(struct userdb_span s)
{
	char *p = malloc(s.len + 1);

	if (p) {
		memcpy(p, s.p, s.len);
		p[s.len] = '\0';
	}
	return p;
}

static int
publish_user(const char *dir, const struct userdb_pwent *e, struct names *n, struct mesh_error *err)
{
	char *name = span_dup(e->name), *gecos = span_dup(e->gecos), *home = span_dup(e->dir);
	char *shell = span_dup(e->shell), file[USERDB_NAME_MAX + 16], link[32];
	int r;

	if (!name || !gecos || !home || !shell) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	snprintf(file, sizeof(file), "%s.user", name);
	snprintf(link, sizeof(link), "%u.user", e->uid);
	r = write_json(dir, file,
	    json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "userName", name, "uid",
		(json_int_t)e->uid, "gid", (json_int_t)e->gid, "realName", gecos, "homeDirectory",
		home, "shell", shell, "disposition", "regular", "service", USERDB_SYSTEMD_SERVICE,
		"locked", userdb_span_eq(e->passwd, "!")),
	    n, err);
	if (r == 0)
		r = write_link(dir, link, file, n, err);
out:
	free(name);
	free(gecos);
	free(home);
	free(shell);
	return r;
}

struct member_ctx {
	const char *dir, *group;
	struct names *n;
	struct mesh_error *err;
	int r;
};

/* The group's record (unless members_only) and one membership file per member. */
static int
publish_group(const char *dir, const struct userdb_grent *e, bool members_only, struct names *n,
    struct mesh_error *err)
{
	char *name = span_dup(e->name), *members = span_dup(e->members), *save = NULL, *m;
	char file[USERDB_NAME_MAX + 16], link[32], mfile[2 * USERDB_NAME_MAX + 16];
	int r = MESH_OK;

	if (!name || !members) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	snprintf(file, sizeof(file), "%s.group", name);
	snprintf(link, sizeof(link), "%u.group", e->gid);
	if (!members_only)
		r = write_json(dir, file,
		    json_pack("{s:s, s:I, s:s, s:s}", "groupName", name, "gid", (json_int_t)e->gid,
			"disposition", "regular", "service", USERDB_SYSTEMD_SERVICE),
		    n, err);
	if (r == 0 && !members_only)
		r = write_link(dir, link, file, n, err);
	for (m = strtok_r(members, ",", &save); m && r == 0; m = strtok_r(NULL, ",", &save)) {
		char path[PATH_MAX];

		snprintf(mfile, sizeof(mfile), "%s:%s.membership", m, name);
		if (snprintf(path, sizeof(path), "%s/%s", dir, mfile) >= (int)sizeof(path))
			continue;
		if ((r = mesh_file_write_atomic(path, "", 0, RECORD_MODE, err)) == 0)
			names_add(n, mfile);
	}
out:
	free(name);
	free(members);
	return r;
}

/* Remove what the old manifest lists and this run did not write. */
static void
remove_stale(const char *dir, const char *old, const char *now)
{
	char *copy = old ? strdup(old) : NULL, *save = NULL, *f;

	if (copy == NULL)
		return;
	for (f = strtok_r(copy, "\n", &save); f; f = strtok_r(NULL, "\n", &save)) {
		char path[PATH_MAX];

		/* our names never contain '/' or start with '.' */
		if (strchr(f, '/') || f[0] == '.' || names_has(now, f))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, f) < (int)sizeof(path))
			(void)unlink(path);
	}
	free(copy);
}

int
userdb_systemd_publish(const char *dir, const char *passwd, size_t pwlen, const char *group,
    size_t grlen, const char *sys, size_t syslen, struct mesh_error *err)
{
	struct names n = {NULL, 0, 0, false};
	char mpath[PATH_MAX];
	uint8_t *old = NULL;
	size_t oldlen = 0, pos = 0;
	struct userdb_file f;
	struct userdb_span line;
	int r = MESH_OK;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", dir, strerror(errno));
	if (snprintf(mpath, sizeof(mpath), "%s/%s", dir, USERDB_SYSTEMD_MANIFEST) >=
	    (int)sizeof(mpath))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", dir);
	r = mesh_file_read(mpath, MESH_FILE_MAX_BYTES, MESH_FILE_TRUSTED, &old, &oldlen, err);
	if (r != 0 && r != MESH_ERR_NOTFOUND)
		return r;
	mesh_error_clear(err);
	r = MESH_OK;
	/* iterate the texts through the reader (no file: data spans only) */
	memset(&f, 0, sizeof(f));
	f.kind = USERDB_PASSWD;
	f.data = passwd;
	f.len = pwlen;
	while (r == 0 && userdb_next(&f, &pos, &line) == 0) {
		struct userdb_pwent e;

		if (userdb_parse_pw(line.p, line.len, &e) == 0)
			r = publish_user(dir, &e, &n, err);
	}
	f.kind = USERDB_GROUP;
	f.data = group;
	f.len = grlen;
	pos = 0;
	while (r == 0 && userdb_next(&f, &pos, &line) == 0) {
		struct userdb_grent e;

		if (userdb_parse_gr(line.p, line.len, &e) == 0)
			r = publish_group(dir, &e, false, &n, err);
	}
	f.data = sys;
	f.len = sys ? syslen : 0;
	pos = 0;
	while (r == 0 && userdb_next(&f, &pos, &line) == 0) {
		struct userdb_grent e;

		if (userdb_parse_gr(line.p, line.len, &e) == 0)
			r = publish_group(dir, &e, true, &n, err);
	}
	if (r == 0 && n.failed)
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	if (r == 0)
		r = mesh_file_write_atomic(mpath, n.buf ? n.buf : "", n.len, 0644, err);
	if (r == 0)
		remove_stale(dir, (const char *)old, n.buf ? n.buf : "");
	free(old);
	free(n.buf);
	return r;
}
