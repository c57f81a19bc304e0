/*
 * Provisioning of host accounts into the userdb; see provision.h.
 *
 * The state file (DIR/accounts, root 0600) is the truth: one line per
 * account "user UID NAME active|removed ID LOGIN GROUPS GECOS" and one per
 * host group in use "group GID NAME mesh|system", fields %-encoded.  passwd,
 * group and their indexes are rendered from it on every change and replaced
 * by rename, state first: a crash between the renames leaves a state that the
 * next change renders again, and uids already published in passwd are
 * skipped by the allocator anyway (it asks NSS).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "provision.h"
#include "userdb_systemd.h"

#define STATE_FIELDS_MAX 9
#define SUFFIX_HEX_SHORT 4
#define SUFFIX_HEX_LONG	 8

struct acct {
	uint32_t uid;
	char name[USERDB_NAME_MAX + 1];
	bool removed;
	char *id, *login, *groups, *gecos;
};

struct hgroup {
	uint32_t gid;
	char name[USERDB_NAME_MAX + 1];
	bool system; /* an existing host group we only add members to */
};

struct state {
	struct acct *a;
	size_t na;
	struct hgroup *g;
	size_t ng;
};

/* ---- configuration ------------------------------------------------------ */

void
provision_conf_init(struct provision_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->uid_min = PROVISION_UID_MIN_DEFAULT;
	c->uid_max = PROVISION_UID_MAX_DEFAULT;
	snprintf(c->home_base, sizeof(c->home_base), "%s", PROVISION_HOME_BASE_DEFAULT);
	snprintf(c->shell, sizeof(c->shell), "%s", PROVISION_SHELL_DEFAULT);
	c->use_lckpwdf = true;
}

void
provision_conf_free(struct provision_conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nmap; i++) {
		free(c->map[i].idp_group);
		free(c->map[i].host_group);
	}
	free(c->map);
	c->map = NULL;
	c->nmap = 0;
}

static const char *
strip_group_prefix(const char *g)
{
	return strncmp(g, "group:", 6) == 0 ? g + 6 : g;
}

static bool
posix_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > USERDB_NAME_MAX || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
			s[i] == '-'))
			return false;
	return true;
}

int
provision_conf_add_map(
    struct provision_conf *c, const char *idp_group, const char *host_group, struct mesh_error *err)
{
	struct provision_group_map *m;

	if (!posix_name_ok(host_group))
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "'%s' is not a valid host group name", host_group);
	if (*strip_group_prefix(idp_group) == '\0')
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "empty IdP group name");
	if ((m = realloc(c->map, (c->nmap + 1) * sizeof(*m))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	c->map = m;
	m = &c->map[c->nmap];
	m->idp_group = strdup(strip_group_prefix(idp_group));
	m->host_group = strdup(host_group);
	if (m->idp_group == NULL || m->host_group == NULL) {
		free(m->idp_group);
		free(m->host_group);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	c->nmap++;
	return MESH_OK;
}

static int
conf_path_arg(const struct conf_line *l, char *out, size_t outlen, struct mesh_error *err)
{
	int r;

	if ((r = conf_want_args(l, 1, false, err)) != 0)
		return r;
	if (l->args[0][0] != '/' || strlen(l->args[0]) >= outlen)
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "%s: want an absolute path shorter than %zu bytes", l->keyword, outlen);
	snprintf(out, outlen, "%s", l->args[0]);
	return MESH_OK;
}

int
provision_conf_keyword(struct provision_conf *c, const struct conf_line *l, struct mesh_error *err)
{
	unsigned long lo, hi;
	int r, n = 0;

	if (strcasecmp(l->keyword, "ProvisionUsers") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		return conf_arg_bool(l, 0, &c->enabled, err);
	}
	if (strcasecmp(l->keyword, "ProvisionUidRange") == 0) {
		if ((r = conf_want_args(l, 1, false, err)) != 0)
			return r;
		if (sscanf(l->args[0], "%lu-%lu%n", &lo, &hi, &n) != 2 ||
		    (size_t)n != strlen(l->args[0]) || lo < 1000 || hi < lo || hi >= UINT32_MAX - 1)
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "ProvisionUidRange: want MIN-MAX with 1000 <= MIN <= MAX, got '%s'",
			    l->args[0]);
		c->uid_min = (uint32_t)lo;
		c->uid_max = (uint32_t)hi;
		return MESH_OK;
	}
	if (strcasecmp(l->keyword, "ProvisionHomeBase") == 0)
		return conf_path_arg(l, c->home_base, sizeof(c->home_base), err);
	if (strcasecmp(l->keyword, "ProvisionShell") == 0)
		return conf_path_arg(l, c->shell, sizeof(c->shell), err);
	if (strcasecmp(l->keyword, "ProvisionSystemdUserdb") == 0) {
		if (l->nargs == 1 && strcasecmp(l->args[0], "no") == 0) {
			c->systemd_userdb_dir[0] = '\0';
			return MESH_OK;
		}
		return conf_path_arg(l, c->systemd_userdb_dir, sizeof(c->systemd_userdb_dir), err);
	}
	if (strcasecmp(l->keyword, "ProvisionGroupMap") == 0) {
		if ((r = conf_want_args(l, 2, false, err)) != 0)
			return r;
		if ((r = provision_conf_add_map(c, l->args[0], l->args[1], err)) != 0)
			err->line = l->line;
		return r;
	}
	return MESH_ERR_NOTFOUND;
}

/* ---- names -------------------------------------------------------------- */

int
provision_sanitize_name(const char *login, char *out, size_t outlen)
{
	size_t i, n = 0, max = USERDB_NAME_MAX - 1 - SUFFIX_HEX_LONG;

	if (outlen < 2)
		return MESH_ERR_RANGE;
	if (max > outlen - 1)
		max = outlen - 1;
	for (i = 0; login[i] && login[i] != '@' && login[i] != '+' && n < max; i++) {
		char ch = login[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			ch == '_'))
			ch = '_';
		if (n == 0 && !((ch >= 'a' && ch <= 'z') || ch == '_')) {
			if (ch == '-')
				continue;
			out[n++] = '_';
			if (n == max)
				break;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return n > 0 && posix_name_ok(out) ? MESH_OK : MESH_ERR_INVALID;
}

/* ---- state file ------------------------------------------------------- */

static bool
enc_plain(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '.' || ch == '_' || ch == '-' || ch == '@' || ch == '+' || ch == ',';
}

static int
put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		char *nb;

		while (ncap < *len + n + 1)
			ncap *= 2;
		if ((nb = realloc(*buf, ncap)) == NULL)
			return MESH_ERR_NOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = '\0';
	return MESH_OK;
}

static int
put_enc(char **buf, size_t *len, size_t *cap, const char *s)
{
	char tmp[4];
	int r = MESH_OK;

	if (s == NULL || *s == '\0')
		return put(buf, len, cap, "%", 1); /* a lone '%' is the empty string */
	for (; *s && r == 0; s++) {
		if (enc_plain((unsigned char)*s)) {
			r = put(buf, len, cap, s, 1);
		} else {
			snprintf(tmp, sizeof(tmp), "%%%02X", (unsigned char)*s);
			r = put(buf, len, cap, tmp, 3);
		}
	}
	return r;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static char *
dec(const char *s)
{
	size_t i, n = 0, len = strlen(s);
	char *out;

	if (strcmp(s, "%") == 0)
		return strdup("");
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			char ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			if (ch == '\0' || ch == '\n') {
				free(out);
				return NULL;
			}
			out[n++] = ch;
			i += 2;
		} else if (s[i] == '%') {
			free(out);
			return NULL;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return out;
}

static void
state_free(struct state *s)
{
	size_t i;

	for (i = 0; i < s->na; i++) {
		free(s->a[i].id);
		free(s->a[i].login);
		free(s->a[i].groups);
		free(s->a[i].gecos);
	}
	free(s->a);
	free(s->g);
	memset(s, 0, sizeof(*s));
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-' || v >= UINT32_MAX)
		return MESH_ERR_PARSE;
	*out = (uint32_t)v;
	return MESH_OK;
}

/* Parse the state file text into s.  Pure. */
static int
state_parse(char *text, const char *path, struct state *s, struct mesh_error *err)
{
	char *line, *save = NULL;
	unsigned lineno = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[STATE_FIELDS_MAX], *save2 = NULL, *w;
		size_t nf = 0;

		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (w = strtok_r(line, " ", &save2); w && nf < STATE_FIELDS_MAX;
		     w = strtok_r(NULL, " ", &save2))
			f[nf++] = w;
		if (nf == 8 && strcmp(f[0], "user") == 0) {
			struct acct *na = realloc(s->a, (s->na + 1) * sizeof(*na)), *a;

			if (na == NULL)
				return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			s->a = na;
			a = &s->a[s->na];
			memset(a, 0, sizeof(*a));
			s->na++;
			if (parse_u32(f[1], &a->uid) != 0 || !posix_name_ok(f[2]) ||
			    (strcmp(f[3], "active") != 0 && strcmp(f[3], "removed") != 0))
				goto bad;
			snprintf(a->name, sizeof(a->name), "%s", f[2]);
			a->removed = strcmp(f[3], "removed") == 0;
			if ((a->id = dec(f[4])) == NULL || (a->login = dec(f[5])) == NULL ||
			    (a->groups = dec(f[6])) == NULL || (a->gecos = dec(f[7])) == NULL ||
			    a->id[0] == '\0')
				goto bad;
		} else if (nf == 4 && strcmp(f[0], "group") == 0) {
			struct hgroup *ng = realloc(s->g, (s->ng + 1) * sizeof(*ng)), *g;

			if (ng == NULL)
				return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			s->g = ng;
			g = &s->g[s->ng++];
			if (parse_u32(f[1], &g->gid) != 0 || !posix_name_ok(f[2]) ||
			    (strcmp(f[3], "mesh") != 0 && strcmp(f[3], "system") != 0))
				goto bad;
			snprintf(g->name, sizeof(g->name), "%s", f[2]);
			g->system = strcmp(f[3], "system") == 0;
		} else {
			goto bad;
		}
		continue;
bad:
		/* never guess with uids: a damaged state file stops provisioning */
		return mesh_error_set(err, MESH_ERR_PARSE, lineno, 0, "%s: malformed line", path);
	}
	return MESH_OK;
}

static int
state_render(const struct state *s, char **out, size_t *outlen)
{
	char *buf = NULL, num[32];
	size_t len = 0, cap = 0, i;
	static const char header[] =
	    "# meshssh userdb state: written by meshsshd; see meshssh-userdb(5)\n";
	int r = put(&buf, &len, &cap, header, sizeof(header) - 1);

	for (i = 0; i < s->ng && r == 0; i++) {
		snprintf(num, sizeof(num), "%u", s->g[i].gid);
		r = put(&buf, &len, &cap, "group ", 6);
		r = r ? r : put(&buf, &len, &cap, num, strlen(num));
		r = r ? r : put(&buf, &len, &cap, " ", 1);
		r = r ? r : put(&buf, &len, &cap, s->g[i].name, strlen(s->g[i].name));
		r = r ? r
		      : put(&buf, &len, &cap, s->g[i].system ? " system\n" : " mesh\n",
			    s->g[i].system ? 8 : 6);
	}
	for (i = 0; i < s->na && r == 0; i++) {
		const struct acct *a = &s->a[i];

		snprintf(num, sizeof(num), "%u", a->uid);
		r = put(&buf, &len, &cap, "user ", 5);
		r = r ? r : put(&buf, &len, &cap, num, strlen(num));
		r = r ? r : put(&buf, &len, &cap, " ", 1);
		r = r ? r : put(&buf, &len, &cap, a->name, strlen(a->name));
		r = r ? r
		      : put(&buf, &len, &cap, a->removed ? " removed " : " active ",
			    a->removed ? 9 : 8);
		r = r ? r : put_enc(&buf, &len, &cap, a->id);
		r = r ? r : put(&buf, &len, &cap, " ", 1);
		r = r ? r : put_enc(&buf, &len, &cap, a->login);
		r = r ? r : put(&buf, &len, &cap, " ", 1);
		r = r ? r : put_enc(&buf, &len, &cap, a->groups);
		r = r ? r : put(&buf, &len, &cap, " ", 1);
		r = r ? r : put_enc(&buf, &len, &cap, a->gecos);
		r = r ? r : put(&buf, &len, &cap, "\n", 1);
	}
	if (r != 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*outlen = len;
	return MESH_OK;
}

/* Does the comma-separated list contain name? */
static bool
list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);

		if (l == n && strncmp(p, name, n) == 0)
			return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

static void
home_of(const struct provision_conf *c, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", strcmp(c->home_base, "/") == 0 ? "" : c->home_base, name);
}

/* The rendered userdb texts. */
struct rendered {
	char *pw, *gr, *sys; /* passwd, group, group.system */
	size_t pwlen, grlen, syslen;
};

static void
rendered_free(struct rendered *t)
{
	free(t->pw);
	free(t->gr);
	free(t->sys);
	memset(t, 0, sizeof(*t));
}

/*
 * passwd(5) and group(5) text from the state.  Memberships of host groups
 * that exist in another NSS source (system groups such as sudo) go to
 * group.system, which the NSS module serves to initgroups only: their entry
 * stays the one from /etc/group, never a second one.  Pure.
 */
static int
render_userdb(const struct provision_conf *c, const struct state *s, struct rendered *t)
{
	char *pb = NULL, *gb = NULL, *sb = NULL, line[USERDB_PWLINE_MAX];
	size_t pl = 0, pc = 0, gl = 0, gc = 0, sl = 0, sc = 0, i, j;
	int r = MESH_OK, n;

	for (i = 0; i < s->na && r == 0; i++) {
		const struct acct *a = &s->a[i];
		char home[2 * PROVISION_PATH_MAX];

		home_of(c, a->name, home, sizeof(home));
		n = snprintf(line, sizeof(line), "%s:%s:%u:%u:%s:%s:%s\n", a->name,
		    a->removed ? "!" : "*", a->uid, a->uid, a->gecos, home,
		    a->removed ? PROVISION_NOLOGIN_SHELL : c->shell);
		if (n < 0 || (size_t)n >= sizeof(line))
			r = MESH_ERR_RANGE;
		else
			r = put(&pb, &pl, &pc, line, (size_t)n);
		n = snprintf(line, sizeof(line), "%s:x:%u:\n", a->name, a->uid);
		r = r ? r : put(&gb, &gl, &gc, line, (size_t)n);
	}
	for (i = 0; i < s->ng && r == 0; i++) {
		char **b = s->g[i].system ? &sb : &gb;
		size_t *bl = s->g[i].system ? &sl : &gl, *bc = s->g[i].system ? &sc : &gc;
		bool first = true;

		n = snprintf(line, sizeof(line), "%s:x:%u:", s->g[i].name, s->g[i].gid);
		r = put(b, bl, bc, line, (size_t)n);
		for (j = 0; j < s->na && r == 0; j++) {
			if (s->a[j].removed || !list_has(s->a[j].groups, s->g[i].name))
				continue;
			if (!first)
				r = put(b, bl, bc, ",", 1);
			r = r ? r : put(b, bl, bc, s->a[j].name, strlen(s->a[j].name));
			first = false;
		}
		r = r ? r : put(b, bl, bc, "\n", 1);
	}
	/* an empty database is an empty file, not a missing one */
	if (r == 0 && pb == NULL)
		r = put(&pb, &pl, &pc, "", 0);
	if (r == 0 && gb == NULL)
		r = put(&gb, &gl, &gc, "", 0);
	if (r == 0 && sb == NULL)
		r = put(&sb, &sl, &sc, "", 0);
	if (r != 0) {
		free(pb);
		free(gb);
		free(sb);
		return r;
	}
	t->pw = pb;
	t->pwlen = pl;
	t->gr = gb;
	t->grlen = gl;
	t->sys = sb;
	t->syslen = sl;
	return MESH_OK;
}

/* ---- I/O shell ---------------------------------------------------------- */

static const char *
conf_dir(const struct provision_conf *c)
{
	return c->dir[0] ? c->dir : userdb_dir();
}

static int
dir_path(const struct provision_conf *c, const char *file, char *out, size_t outlen,
    struct mesh_error *err)
{
	if (snprintf(out, outlen, "%s/%s", conf_dir(c), file) >= (int)outlen)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "%s/%s: path too long", conf_dir(c), file);
	return MESH_OK;
}

static int
state_load(const struct provision_conf *c, struct state *s, struct mesh_error *err)
{
	char path[2 * PROVISION_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len;
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = dir_path(c, PROVISION_STATE_FILE, path, sizeof(path), err)) != 0)
		return r;
	r = mesh_file_read(path, MESH_FILE_MAX_BYTES, MESH_FILE_TRUSTED, &buf, &len, err);
	if (r == MESH_ERR_NOTFOUND) {
		mesh_error_clear(err);
		return MESH_OK;
	}
	if (r != 0)
		return r;
	r = state_parse((char *)buf, path, s, err);
	free(buf);
	if (r != 0)
		state_free(s);
	return r;
}

/* Write data and its index; the index pins the data file's new inode. */
static int
publish(
    const char *path, enum userdb_kind kind, const char *text, size_t len, struct mesh_error *err)
{
	char idx_path[2 * PROVISION_PATH_MAX + 8];
	struct userdb_stamp stamp;
	uint8_t *idx = NULL;
	size_t idxlen;
	struct stat st;
	int r;

	snprintf(idx_path, sizeof(idx_path), "%s%s", path, USERDB_INDEX_SUFFIX);
	/* readers that map the old index re-check the files from now on */
	if ((r = userdb_index_supersede(idx_path)) != 0)
		return mesh_error_set(
		    err, r, 0, 0, "%s: cannot mark superseded: %s", idx_path, strerror(errno));
	if ((r = mesh_file_write_atomic(path, text, len, 0644, err)) != 0)
		return r;
	if (stat(path, &st) != 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", path, strerror(errno));
	stamp.ino = (uint64_t)st.st_ino;
	stamp.size = (uint64_t)st.st_size;
	stamp.mtime_sec = (int64_t)st.st_mtim.tv_sec;
	stamp.mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
	if ((r = userdb_index_build(kind, text, len, &stamp, &idx, &idxlen)) != 0)
		return mesh_error_set(err, r, 0, 0, "%s: cannot index: %s", path, mesh_strerror(r));
	r = mesh_file_write_atomic(idx_path, idx, idxlen, 0644, err);
	free(idx);
	return r;
}

static int
state_store(const struct provision_conf *c, const struct state *s, struct mesh_error *err)
{
	char path[2 * PROVISION_PATH_MAX], *text = NULL;
	struct rendered t = {0};
	size_t len;
	int r;

	if ((r = state_render(s, &text, &len)) != 0 || (r = render_userdb(c, s, &t)) != 0) {
		mesh_error_set(err, r, 0, 0, "cannot render the userdb: %s", mesh_strerror(r));
		goto out;
	}
	if ((r = dir_path(c, PROVISION_STATE_FILE, path, sizeof(path), err)) != 0 ||
	    (r = mesh_file_write_atomic(path, text, len, 0600, err)) != 0 ||
	    (r = dir_path(c, "passwd", path, sizeof(path), err)) != 0 ||
	    (r = publish(path, USERDB_PASSWD, t.pw, t.pwlen, err)) != 0 ||
	    (r = dir_path(c, USERDB_GROUP_SYSTEM_FILE, path, sizeof(path), err)) != 0 ||
	    (r = publish(path, USERDB_GROUP, t.sys, t.syslen, err)) != 0 ||
	    (r = dir_path(c, "group", path, sizeof(path), err)) != 0 ||
	    (r = publish(path, USERDB_GROUP, t.gr, t.grlen, err)) != 0)
		goto out;
	/* optional, after the userdb itself: a failure here costs no login */
	if (c->systemd_userdb_dir[0] != '\0') {
		struct mesh_error serr;
		char msg[512];

		mesh_error_clear(&serr);
		if (userdb_systemd_publish(c->systemd_userdb_dir, t.pw, t.pwlen, t.gr, t.grlen,
			t.sys, t.syslen, &serr) != 0)
			log_warn("provision: systemd userdb export: %s",
			    mesh_error_format(&serr, msg, sizeof(msg)));
	}
out:
	free(text);
	rendered_free(&t);
	return r;
}

struct lock {
	int fd;
	bool pwd;
};

static int
lock_take(const struct provision_conf *c, struct lock *l, struct mesh_error *err)
{
	char path[2 * PROVISION_PATH_MAX];
	int r;

	l->fd = -1;
	l->pwd = false;
	if (mkdir(conf_dir(c), 0755) != 0 && errno != EEXIST)
		return mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "%s: %s", conf_dir(c), strerror(errno));
	if ((r = dir_path(c, PROVISION_LOCK_FILE, path, sizeof(path), err)) != 0)
		return r;
	l->fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", path, strerror(errno));
	while (flock(l->fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(l->fd);
			l->fd = -1;
			return mesh_error_set(
			    err, MESH_ERR_IO, 0, 0, "%s: flock: %s", path, strerror(errno));
		}
	/* the shadow-utils lock: useradd on this host waits for us and we for it */
	if (c->use_lckpwdf) {
		if (lckpwdf() != 0) {
			close(l->fd);
			l->fd = -1;
			return mesh_error_set(err, MESH_ERR_TIMEOUT, 0, 0,
			    "lckpwdf: cannot lock the password files: %s", strerror(errno));
		}
		l->pwd = true;
	}
	return MESH_OK;
}

static void
lock_release(struct lock *l)
{
	if (l->pwd)
		ulckpwdf();
	if (l->fd >= 0)
		close(l->fd); /* drops the flock */
	l->fd = -1;
	l->pwd = false;
}

static uint64_t
hash64(const char *a, const char *b)
{
	uint8_t h[8];
	crypto_generichash_state st;
	uint64_t v = 0;
	size_t i;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)a, strlen(a));
	crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
	crypto_generichash_update(&st, (const uint8_t *)b, strlen(b));
	crypto_generichash_final(&st, h, sizeof(h));
	for (i = 0; i < sizeof(h); i++)
		v = (v << 8) | h[i];
	return v;
}

static bool
name_taken(const struct state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->na; i++)
		if (strcmp(s->a[i].name, name) == 0)
			return true;
	for (i = 0; i < s->ng; i++)
		if (strcmp(s->g[i].name, name) == 0)
			return true;
	/* any NSS source: /etc/passwd, LDAP, sssd, systemd, ... */
	return getpwnam(name) != NULL || getgrnam(name) != NULL;
}

static bool
id_taken(const struct state *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->na; i++)
		if (s->a[i].uid == id)
			return true;
	for (i = 0; i < s->ng; i++)
		if (s->g[i].gid == id)
			return true;
	return getpwuid((uid_t)id) != NULL || getgrgid((gid_t)id) != NULL;
}

static int
alloc_id(const struct provision_conf *c, const struct state *s, const char *kind, const char *key,
    uint32_t *out, struct mesh_error *err)
{
	uint64_t span = (uint64_t)c->uid_max - c->uid_min + 1, i;
	uint64_t start = hash64(kind, key) % span;

	for (i = 0; i < span; i++) {
		uint32_t id = (uint32_t)(c->uid_min + (start + i) % span);

		if (!id_taken(s, id)) {
			*out = id;
			return MESH_OK;
		}
	}
	return mesh_error_set(
	    err, MESH_ERR_RANGE, 0, 0, "no free id left in %u-%u", c->uid_min, c->uid_max);
}

static int
alloc_name(const struct state *s, const struct netmap_user *u, char *out, size_t outlen,
    struct mesh_error *err)
{
	char base[USERDB_NAME_MAX + 1], hex[17];
	size_t lens[] = {0, SUFFIX_HEX_SHORT, SUFFIX_HEX_LONG}, i;

	if (provision_sanitize_name(u->login, base, sizeof(base)) != 0)
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "login '%s' gives no usable POSIX name", u->login);
	snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash64("name", u->id));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		int n;

		if (lens[i] == 0)
			n = snprintf(out, outlen, "%s", base);
		else
			n = snprintf(out, outlen, "%s-%.*s", base, (int)lens[i], hex);
		if (n < 0 || (size_t)n >= outlen)
			break;
		if (!name_taken(s, out))
			return MESH_OK;
	}
	return mesh_error_set(err, MESH_ERR_EXISTS, 0, 0,
	    "no free name for '%s' (tried %s and suffixes)", u->login, base);
}

/* GECOS from the display name: no ':' ',' or control characters. */
static char *
gecos_of(const struct netmap_user *u)
{
	const char *src = u->display_name ? u->display_name : "";
	char *g = strdup(src), *p;

	if (g == NULL)
		return NULL;
	for (p = g; *p; p++)
		if (*p == ':' || *p == ',' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return g;
}

/* Host groups of u per the map, as a comma list; registers them in s. */
static int
groups_of(const struct provision_conf *c, struct state *s, const struct netmap_user *u, char **out,
    struct mesh_error *err)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, i, j, k;
	int r = put(&buf, &len, &cap, "", 0);

	for (i = 0; i < c->nmap && r == 0; i++) {
		const char *host = c->map[i].host_group;
		bool member = false;

		for (j = 0; j < u->ngroups; j++)
			if (strcmp(strip_group_prefix(u->groups[j]), c->map[i].idp_group) == 0)
				member = true;
		if (!member || list_has(buf, host))
			continue;
		for (k = 0; k < s->ng && strcmp(s->g[k].name, host) != 0; k++)
			;
		if (k == s->ng) {
			struct hgroup *ng = realloc(s->g, (s->ng + 1) * sizeof(*ng));
			struct group *sys = getgrnam(host);

			if (ng == NULL) {
				r = MESH_ERR_NOMEM;
				break;
			}
			s->g = ng;
			memset(&s->g[k], 0, sizeof(s->g[k]));
			snprintf(s->g[k].name, sizeof(s->g[k].name), "%s", host);
			if (sys != NULL) {
				s->g[k].gid = (uint32_t)sys->gr_gid;
				s->g[k].system = true;
			} else if ((r = alloc_id(c, s, "group", host, &s->g[k].gid, err)) != 0) {
				break;
			}
			s->ng++;
		}
		if (len > 0)
			r = put(&buf, &len, &cap, ",", 1);
		r = r ? r : put(&buf, &len, &cap, host, strlen(host));
	}
	if (r != 0) {
		free(buf);
		if (err && err->code == 0)
			mesh_error_set(err, r, 0, 0, "%s", mesh_strerror(r));
		return r;
	}
	*out = buf;
	return MESH_OK;
}

static void
result_fill(const struct provision_conf *c, const struct state *s, const struct acct *a,
    struct provision_result *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", a->name);
	r->uid = r->gid = a->uid;
	home_of(c, a->name, r->home, sizeof(r->home));
	snprintf(r->shell, sizeof(r->shell), "%s", c->shell);
	for (i = 0; i < s->ng && r->ngroups < PROVISION_GROUPS_MAX; i++)
		if (list_has(a->groups, s->g[i].name))
			r->groups[r->ngroups++] = s->g[i].gid;
}

static bool
str_changed(char **field, char *now)
{
	if (strcmp(*field, now) == 0) {
		free(now);
		return false;
	}
	free(*field);
	*field = now;
	return true;
}

int
provision_ensure(const struct provision_conf *c, const struct netmap_user *u,
    struct provision_result *res, struct mesh_error *err)
{
	struct state s;
	struct lock lk;
	struct acct *a = NULL;
	char *groups = NULL, *gecos = NULL, *login = NULL;
	bool dirty = false, created = false;
	size_t i;
	int r;

	if (!c->enabled)
		return mesh_error_set(
		    err, MESH_ERR_UNSUPPORTED, 0, 0, "provisioning is off (ProvisionUsers no)");
	if (u == NULL || u->id == NULL || u->id[0] == '\0' || u->login == NULL)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "netmap user without an immutable id cannot be provisioned");
	if (c->uid_min == 0 || c->uid_max < c->uid_min)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "bad uid range");
	if (sodium_init() < 0)
		return mesh_error_set(err, MESH_ERR_CRYPTO, 0, 0, "libsodium failed to start");
	if ((r = lock_take(c, &lk, err)) != 0)
		return r;
	if ((r = state_load(c, &s, err)) != 0)
		goto out;
	for (i = 0; i < s.na; i++)
		if (strcmp(s.a[i].id, u->id) == 0)
			a = &s.a[i];
	if ((r = groups_of(c, &s, u, &groups, err)) != 0)
		goto out;
	if ((gecos = gecos_of(u)) == NULL || (login = strdup(u->login)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	if (a == NULL) {
		struct acct *na = realloc(s.a, (s.na + 1) * sizeof(*na));

		if (na == NULL) {
			r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			goto out;
		}
		s.a = na;
		a = &s.a[s.na];
		memset(a, 0, sizeof(*a));
		if ((r = alloc_name(&s, u, a->name, sizeof(a->name), err)) != 0 ||
		    (r = alloc_id(c, &s, "user", u->id, &a->uid, err)) != 0)
			goto out;
		if ((a->id = strdup(u->id)) == NULL) {
			r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			goto out;
		}
		a->login = login;
		a->groups = groups;
		a->gecos = gecos;
		login = groups = gecos = NULL;
		s.na++;
		dirty = created = true;
		log_info("provision: new account %s uid %u for %s", a->name, a->uid, u->login);
	} else {
		if (a->removed) {
			/* an operator's removal sticks until an operator undoes it */
			r = mesh_error_set(err, MESH_ERR_PERM, 0, 0,
			    "account %s (uid %u) was deprovisioned on this host; "
			    "an administrator can run 'meshctl users restore %s'",
			    a->name, a->uid, a->name);
			goto out;
		}
		dirty |= str_changed(&a->login, login);
		dirty |= str_changed(&a->groups, groups);
		dirty |= str_changed(&a->gecos, gecos);
		login = groups = gecos = NULL;
	}
	if (dirty && (r = state_store(c, &s, err)) != 0)
		goto out;
	result_fill(c, &s, a, res);
	res->created = created;
	r = MESH_OK;
out:
	free(groups);
	free(gecos);
	free(login);
	state_free(&s);
	lock_release(&lk);
	return r;
}

/* Set the removed flag of the account named by key (name, login or id). */
static int
set_removed(const struct provision_conf *c, const char *key, bool removed, struct mesh_error *err)
{
	struct state s;
	struct lock lk;
	size_t i, hit = SIZE_MAX;
	int r;

	if ((r = lock_take(c, &lk, err)) != 0)
		return r;
	if ((r = state_load(c, &s, err)) != 0)
		goto out;
	for (i = 0; i < s.na; i++)
		if (strcmp(s.a[i].name, key) == 0 || strcmp(s.a[i].login, key) == 0 ||
		    strcmp(s.a[i].id, key) == 0) {
			if (hit != SIZE_MAX) {
				r = mesh_error_set(err, MESH_ERR_DUPLICATE, 0, 0,
				    "'%s' names more than one account; use the name", key);
				goto out;
			}
			hit = i;
		}
	if (hit == SIZE_MAX) {
		r = mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0, "no mesh account '%s'", key);
		goto out;
	}
	if (s.a[hit].removed == removed) {
		r = MESH_OK;
		goto out;
	}
	s.a[hit].removed = removed;
	/* groups come back from the netmap at the next login */
	s.a[hit].groups[0] = '\0';
	if ((r = state_store(c, &s, err)) != 0)
		goto out;
	if (removed)
		log_info("provision: account %s uid %u removed (files kept, login refused)",
		    s.a[hit].name, s.a[hit].uid);
	else
		log_info("provision: account %s uid %u restored", s.a[hit].name, s.a[hit].uid);
out:
	state_free(&s);
	lock_release(&lk);
	return r;
}

int
provision_remove(const struct provision_conf *c, const char *key, struct mesh_error *err)
{
	return set_removed(c, key, true, err);
}

int
provision_restore(const struct provision_conf *c, const char *key, struct mesh_error *err)
{
	return set_removed(c, key, false, err);
}

int
provision_lookup(const struct provision_conf *c, const char *name)
{
	struct userdb_file f;
	struct userdb_span line;
	char path[2 * PROVISION_PATH_MAX];
	int r;

	if (snprintf(path, sizeof(path), "%s/passwd", conf_dir(c)) >= (int)sizeof(path) ||
	    userdb_file_init(&f, USERDB_PASSWD, path) != 0)
		return MESH_ERR_RANGE;
	if ((r = userdb_file_refresh(&f)) == 0)
		r = userdb_lookup_name(&f, name, &line);
	userdb_file_close(&f);
	return r;
}

static int
acct_cmp(const void *x, const void *y)
{
	const struct provision_account *a = x, *b = y;

	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

int
provision_list(const struct provision_conf *c, struct provision_account **out, size_t *n,
    struct mesh_error *err)
{
	struct provision_account *v;
	struct state s;
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = state_load(c, &s, err)) != 0)
		return r;
	if ((v = calloc(s.na + 1, sizeof(*v))) == NULL) {
		state_free(&s);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	for (i = 0; i < s.na; i++) {
		v[i].uid = s.a[i].uid;
		snprintf(v[i].name, sizeof(v[i].name), "%s", s.a[i].name);
		v[i].removed = s.a[i].removed;
		/* ownership moves to the caller */
		v[i].id = s.a[i].id;
		v[i].login = s.a[i].login;
		v[i].groups = s.a[i].groups;
		s.a[i].id = s.a[i].login = s.a[i].groups = NULL;
	}
	qsort(v, s.na, sizeof(*v), acct_cmp);
	*out = v;
	*n = s.na;
	state_free(&s);
	return MESH_OK;
}

void
provision_accounts_free(struct provision_account *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(a[i].id);
		free(a[i].login);
		free(a[i].groups);
	}
	free(a);
}
