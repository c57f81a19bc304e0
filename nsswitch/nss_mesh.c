/*
 * libnss_mesh.so.2: glibc NSS module for meshssh's host accounts (passwd,
 * group, initgroups from the userdb) and mesh node names (hosts).
 *
 * glibc's rules, kept here: ERANGE (with TRYAGAIN) only when the caller's
 * buffer is too small, *errnop set on every return, thread-safe (one mutex
 * per database), no network, no blocking, no call back into NSS, links libc
 * alone.  A missing or unsafe data file means UNAVAIL.  The maps are kept
 * across calls: a lookup makes no system call; a replaced file is picked
 * up on the next call (the writer flags the mapped index as superseded) or,
 * for hand edits, within USERDB_RECHECK_MS; a busy process gets its maps
 * pre-faulted once (lib/userdb.h), so lookups take no page faults either.  Only _nss_mesh_* symbols
 * are exported (nsswitch/nss_mesh.sym).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nss.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostsdb.h"
#include "userdb.h"

#define NSS_PATH_MAX 512

struct db {
	pthread_mutex_t lock;
	struct userdb_file file;
	const char *base; /* "passwd" or "group" */
	enum userdb_kind kind;
	bool inited;
	size_t enum_pos; /* getpwent/getgrent cursor */
};

static struct db db_passwd = {PTHREAD_MUTEX_INITIALIZER, {0}, "passwd", USERDB_PASSWD, false, 0};
static struct db db_group = {PTHREAD_MUTEX_INITIALIZER, {0}, "group", USERDB_GROUP, false, 0};
/* memberships of groups served by another source: initgroups only */
static struct db db_gsys = {
    PTHREAD_MUTEX_INITIALIZER, {0}, USERDB_GROUP_SYSTEM_FILE, USERDB_GROUP, false, 0};

/* Called with db->lock held. */
static enum nss_status
db_refresh(struct db *db, int *errnop)
{
	char path[NSS_PATH_MAX];
	int r;

	if (!db->inited) {
		if (snprintf(path, sizeof(path), "%s/%s", userdb_dir(), db->base) >=
			(int)sizeof(path) ||
		    userdb_file_init(&db->file, db->kind, path) != 0) {
			*errnop = ENAMETOOLONG;
			return NSS_STATUS_UNAVAIL;
		}
		db->inited = true;
	}
	r = userdb_file_refresh(&db->file);
	if (r == 0)
		return NSS_STATUS_SUCCESS;
	*errnop = r == MESH_ERR_NOTFOUND ? ENOENT : r == MESH_ERR_PERM ? EACCES : EIO;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status
fill_pw(struct userdb_span line, struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	struct userdb_pwent e;

	if (userdb_parse_pw(line.p, line.len, &e) != 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (userdb_fill_passwd(&e, pw, buf, buflen) != 0) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	*errnop = 0;
	return NSS_STATUS_SUCCESS;
}

static enum nss_status
fill_gr(struct userdb_span line, struct group *gr, char *buf, size_t buflen, int *errnop)
{
	struct userdb_grent e;

	if (userdb_parse_gr(line.p, line.len, &e) != 0) {
		*errnop = ENOENT;
		return NSS_STATUS_NOTFOUND;
	}
	if (userdb_fill_group(&e, gr, buf, buflen) != 0) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	*errnop = 0;
	return NSS_STATUS_SUCCESS;
}

/* One lookup by name or id under the lock; fill is fill_pw or fill_gr. */
static enum nss_status
db_get(struct db *db, const char *name, uint32_t id, void *result, char *buf, size_t buflen,
    int *errnop)
{
	struct userdb_span line;
	enum nss_status st;
	int r;

	pthread_mutex_lock(&db->lock);
	if ((st = db_refresh(db, errnop)) != NSS_STATUS_SUCCESS)
		goto out;
	r = name ? userdb_lookup_name(&db->file, name, &line)
		 : userdb_lookup_id(&db->file, id, &line);
	if (r != 0) {
		*errnop = ENOENT;
		st = NSS_STATUS_NOTFOUND;
		goto out;
	}
	st = db->kind == USERDB_PASSWD ? fill_pw(line, result, buf, buflen, errnop)
				       : fill_gr(line, result, buf, buflen, errnop);
out:
	pthread_mutex_unlock(&db->lock);
	return st;
}

static enum nss_status
db_setent(struct db *db)
{
	pthread_mutex_lock(&db->lock);
	db->enum_pos = 0;
	pthread_mutex_unlock(&db->lock);
	return NSS_STATUS_SUCCESS;
}

static enum nss_status
db_getent(struct db *db, void *result, char *buf, size_t buflen, int *errnop)
{
	struct userdb_span line;
	enum nss_status st;
	size_t pos;

	pthread_mutex_lock(&db->lock);
	if ((st = db_refresh(db, errnop)) != NSS_STATUS_SUCCESS)
		goto out;
	pos = db->enum_pos;
	if (userdb_next(&db->file, &pos, &line) != 0) {
		*errnop = ENOENT;
		st = NSS_STATUS_NOTFOUND;
		goto out;
	}
	st = db->kind == USERDB_PASSWD ? fill_pw(line, result, buf, buflen, errnop)
				       : fill_gr(line, result, buf, buflen, errnop);
	/* advance only on success: after ERANGE glibc retries the same entry */
	if (st != NSS_STATUS_TRYAGAIN)
		db->enum_pos = pos;
out:
	pthread_mutex_unlock(&db->lock);
	return st;
}

/* ---- passwd ------------------------------------------------------------ */

enum nss_status _nss_mesh_getpwnam_r(const char *, struct passwd *, char *, size_t, int *);
enum nss_status _nss_mesh_getpwuid_r(uid_t, struct passwd *, char *, size_t, int *);
enum nss_status _nss_mesh_setpwent(int);
enum nss_status _nss_mesh_endpwent(void);
enum nss_status _nss_mesh_getpwent_r(struct passwd *, char *, size_t, int *);
enum nss_status _nss_mesh_getgrnam_r(const char *, struct group *, char *, size_t, int *);
enum nss_status _nss_mesh_getgrgid_r(gid_t, struct group *, char *, size_t, int *);
enum nss_status _nss_mesh_setgrent(int);
enum nss_status _nss_mesh_endgrent(void);
enum nss_status _nss_mesh_getgrent_r(struct group *, char *, size_t, int *);
enum nss_status _nss_mesh_initgroups_dyn(
    const char *, gid_t, long int *, long int *, gid_t **, long int, int *);
enum nss_status _nss_mesh_gethostbyname4_r(
    const char *, struct gaih_addrtuple **, char *, size_t, int *, int *, int32_t *);
enum nss_status _nss_mesh_gethostbyname3_r(
    const char *, int, struct hostent *, char *, size_t, int *, int *, int32_t *, char **);
enum nss_status _nss_mesh_gethostbyname2_r(
    const char *, int, struct hostent *, char *, size_t, int *, int *);
enum nss_status _nss_mesh_gethostbyname_r(
    const char *, struct hostent *, char *, size_t, int *, int *);
enum nss_status _nss_mesh_gethostbyaddr2_r(
    const void *, socklen_t, int, struct hostent *, char *, size_t, int *, int *, int32_t *);
enum nss_status _nss_mesh_gethostbyaddr_r(
    const void *, socklen_t, int, struct hostent *, char *, size_t, int *, int *);

enum nss_status
_nss_mesh_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	return db_get(&db_passwd, name, 0, pw, buf, buflen, errnop);
}

enum nss_status
_nss_mesh_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	return db_get(&db_passwd, NULL, (uint32_t)uid, pw, buf, buflen, errnop);
}

enum nss_status
_nss_mesh_setpwent(int stayopen)
{
	return db_setent(&db_passwd);
}

enum nss_status
_nss_mesh_endpwent(void)
{
	return db_setent(&db_passwd);
}

enum nss_status
_nss_mesh_getpwent_r(struct passwd *pw, char *buf, size_t buflen, int *errnop)
{
	return db_getent(&db_passwd, pw, buf, buflen, errnop);
}

/* ---- group ------------------------------------------------------------- */

enum nss_status
_nss_mesh_getgrnam_r(const char *name, struct group *gr, char *buf, size_t buflen, int *errnop)
{
	return db_get(&db_group, name, 0, gr, buf, buflen, errnop);
}

enum nss_status
_nss_mesh_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t buflen, int *errnop)
{
	return db_get(&db_group, NULL, (uint32_t)gid, gr, buf, buflen, errnop);
}

enum nss_status
_nss_mesh_setgrent(int stayopen)
{
	return db_setent(&db_group);
}

enum nss_status
_nss_mesh_endgrent(void)
{
	return db_setent(&db_group);
}

enum nss_status
_nss_mesh_getgrent_r(struct group *gr, char *buf, size_t buflen, int *errnop)
{
	return db_getent(&db_group, gr, buf, buflen, errnop);
}

struct initgroups_ctx {
	gid_t skip;
	long int *start, *size, limit;
	gid_t **groupsp;
	bool nomem;
};

static int
initgroups_add(const struct userdb_grent *g, void *arg)
{
	struct initgroups_ctx *c = arg;
	gid_t gid = (gid_t)g->gid;
	long int i;

	if (gid == c->skip)
		return 0;
	for (i = 0; i < *c->start; i++)
		if ((*c->groupsp)[i] == gid)
			return 0;
	if (*c->start == *c->size) {
		long int nsize;
		gid_t *ng;

		if (c->limit > 0 && *c->size >= c->limit)
			return 1; /* full: glibc's limit reached, stop quietly */
		nsize = *c->size > 0 ? 2 * *c->size : 16;
		if (c->limit > 0 && nsize > c->limit)
			nsize = c->limit;
		if ((ng = realloc(*c->groupsp, (size_t)nsize * sizeof(gid_t))) == NULL) {
			c->nomem = true;
			return 1;
		}
		*c->groupsp = ng;
		*c->size = nsize;
	}
	(*c->groupsp)[(*c->start)++] = gid;
	return 0;
}

/* Add the groups of one database that list user; UNAVAIL if it is missing. */
static enum nss_status
initgroups_from(struct db *db, const char *user, struct initgroups_ctx *c, int *errnop)
{
	enum nss_status st;

	pthread_mutex_lock(&db->lock);
	if ((st = db_refresh(db, errnop)) == NSS_STATUS_SUCCESS)
		userdb_groups_of(&db->file, user, initgroups_add, c);
	pthread_mutex_unlock(&db->lock);
	return st;
}

enum nss_status
_nss_mesh_initgroups_dyn(const char *user, gid_t group, long int *start, long int *size,
    gid_t **groupsp, long int limit, int *errnop)
{
	struct initgroups_ctx c = {group, start, size, limit, groupsp, false};
	enum nss_status st, st_sys;
	int err_sys;

	st = initgroups_from(&db_group, user, &c, errnop);
	/* mapped system groups (sudo, docker): memberships without an entry of ours */
	st_sys = c.nomem ? NSS_STATUS_SUCCESS : initgroups_from(&db_gsys, user, &c, &err_sys);
	if (c.nomem) {
		*errnop = ENOMEM;
		return NSS_STATUS_TRYAGAIN;
	}
	if (st != NSS_STATUS_SUCCESS && st_sys != NSS_STATUS_SUCCESS)
		return st;
	*errnop = 0;
	return NSS_STATUS_SUCCESS;
}

/* ---- hosts ------------------------------------------------------------- */

/*
 * Walk the hosts file; fn returns non-zero to stop.  The file is small
 * (one line per node address) and read fresh each call, so a new netmap
 * shows at once; no lock needed, nothing is shared.
 */
typedef int (*hosts_fn)(const struct hostsdb_ent *e, void *ctx);

static enum nss_status
hosts_walk(hosts_fn fn, void *ctx, int *errnop, int *herrnop)
{
	char path[NSS_PATH_MAX];
	const void *map = NULL;
	const char *p, *end;
	size_t len = 0;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", userdb_dir(), HOSTSDB_FILE) >=
	    (int)sizeof(path)) {
		*errnop = ENAMETOOLONG;
		*herrnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	if ((r = userdb_map_trusted(path, &map, &len, NULL)) != 0) {
		*errnop = r == MESH_ERR_NOTFOUND ? ENOENT : r == MESH_ERR_PERM ? EACCES : EIO;
		*herrnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	for (p = map, end = p + len; p && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct hostsdb_ent e;

		if (hostsdb_parse_line(p, l, &e) == 0 && (r = fn(&e, ctx)) != 0)
			break;
		p += l + 1;
	}
	userdb_unmap(map, len);
	return NSS_STATUS_SUCCESS;
}

/* Collect up to HOSTS_ADDRS_MAX addresses of a name, in file order. */
#define HOSTS_ADDRS_MAX 16

struct hosts_query {
	const char *name; /* or NULL for a reverse lookup */
	int family;	  /* AF_INET, AF_INET6 or AF_UNSPEC */
	uint8_t want[16]; /* reverse: the address */
	char canon[HOSTSDB_NAME_MAX + 1];
	int fam[HOSTS_ADDRS_MAX];
	uint8_t addr[HOSTS_ADDRS_MAX][16];
	size_t n;
};

static int
hosts_collect(const struct hostsdb_ent *e, void *arg)
{
	struct hosts_query *q = arg;
	size_t alen = e->family == AF_INET ? 4 : 16;

	if (q->family != AF_UNSPEC && e->family != q->family)
		return 0;
	if (q->name ? !hostsdb_ent_has_name(e, q->name) : memcmp(e->addr, q->want, alen) != 0)
		return 0;
	if (q->n == 0) {
		memcpy(q->canon, e->names[0], e->name_lens[0]);
		q->canon[e->name_lens[0]] = '\0';
	}
	q->fam[q->n] = e->family;
	memcpy(q->addr[q->n], e->addr, alen);
	q->n++;
	/* a reverse lookup needs only the first name */
	return q->n == HOSTS_ADDRS_MAX || q->name == NULL;
}

static enum nss_status
hosts_query_run(struct hosts_query *q, int *errnop, int *herrnop)
{
	enum nss_status st;

	if (q->name != NULL && !hostsdb_name_valid(q->name, strlen(q->name))) {
		*errnop = ENOENT;
		*herrnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	if ((st = hosts_walk(hosts_collect, q, errnop, herrnop)) != NSS_STATUS_SUCCESS)
		return st;
	if (q->n == 0) {
		*errnop = ENOENT;
		*herrnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	}
	return NSS_STATUS_SUCCESS;
}

/* Take n bytes aligned for pointers from the caller's buffer. */
static void *
buf_take(char **p, size_t *left, size_t n)
{
	size_t pad = (sizeof(void *) - ((uintptr_t)*p % sizeof(void *))) % sizeof(void *);
	void *r;

	if (*left < pad || *left - pad < n)
		return NULL;
	r = *p + pad;
	*p += pad + n;
	*left -= pad + n;
	return r;
}

static enum nss_status
erange(int *errnop, int *herrnop)
{
	*errnop = ERANGE;
	*herrnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

enum nss_status
_nss_mesh_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat, char *buf, size_t buflen,
    int *errnop, int *herrnop, int32_t *ttlp)
{
	struct hosts_query q;
	struct gaih_addrtuple *prev = NULL;
	enum nss_status st;
	size_t i, nlen;
	char *canon;

	memset(&q, 0, sizeof(q));
	q.name = name;
	q.family = AF_UNSPEC;
	if ((st = hosts_query_run(&q, errnop, herrnop)) != NSS_STATUS_SUCCESS)
		return st;
	nlen = strlen(q.canon) + 1;
	if ((canon = buf_take(&buf, &buflen, nlen)) == NULL)
		return erange(errnop, herrnop);
	memcpy(canon, q.canon, nlen);
	for (i = 0; i < q.n; i++) {
		struct gaih_addrtuple *t = buf_take(&buf, &buflen, sizeof(*t));

		if (t == NULL)
			return erange(errnop, herrnop);
		memset(t, 0, sizeof(*t));
		t->name = i == 0 ? canon : NULL;
		t->family = q.fam[i];
		memcpy(t->addr, q.addr[i], q.fam[i] == AF_INET ? 4 : 16);
		if (prev)
			prev->next = t;
		else
			*pat = t;
		prev = t;
	}
	if (ttlp)
		*ttlp = 0;
	*errnop = 0;
	*herrnop = NETDB_SUCCESS;
	return NSS_STATUS_SUCCESS;
}

/* Fill a hostent from q (addresses of family af only). */
static enum nss_status
hostent_fill(const struct hosts_query *q, int af, struct hostent *h, char *buf, size_t buflen,
    int *errnop, int *herrnop)
{
	size_t alen = af == AF_INET ? 4 : 16, i, n = 0, nlen = strlen(q->canon) + 1;
	char **aliases, **list;

	for (i = 0; i < q->n; i++)
		n += q->fam[i] == af;
	if (n == 0) {
		*errnop = ENOENT;
		*herrnop = NO_ADDRESS;
		return NSS_STATUS_NOTFOUND;
	}
	if ((aliases = buf_take(&buf, &buflen, sizeof(char *))) == NULL ||
	    (list = buf_take(&buf, &buflen, (n + 1) * sizeof(char *))) == NULL ||
	    (h->h_name = buf_take(&buf, &buflen, nlen)) == NULL)
		return erange(errnop, herrnop);
	memcpy(h->h_name, q->canon, nlen);
	aliases[0] = NULL;
	for (i = 0, n = 0; i < q->n; i++) {
		if (q->fam[i] != af)
			continue;
		if ((list[n] = buf_take(&buf, &buflen, alen)) == NULL)
			return erange(errnop, herrnop);
		memcpy(list[n++], q->addr[i], alen);
	}
	list[n] = NULL;
	h->h_aliases = aliases;
	h->h_addrtype = af;
	h->h_length = (int)alen;
	h->h_addr_list = list;
	*errnop = 0;
	*herrnop = NETDB_SUCCESS;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_mesh_gethostbyname3_r(const char *name, int af, struct hostent *h, char *buf, size_t buflen,
    int *errnop, int *herrnop, int32_t *ttlp, char **canonp)
{
	struct hosts_query q;
	enum nss_status st;

	if (af != AF_INET && af != AF_INET6) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_DATA;
		return NSS_STATUS_UNAVAIL;
	}
	memset(&q, 0, sizeof(q));
	q.name = name;
	q.family = af;
	if ((st = hosts_query_run(&q, errnop, herrnop)) != NSS_STATUS_SUCCESS)
		return st;
	if ((st = hostent_fill(&q, af, h, buf, buflen, errnop, herrnop)) != NSS_STATUS_SUCCESS)
		return st;
	if (ttlp)
		*ttlp = 0;
	if (canonp)
		*canonp = h->h_name;
	return NSS_STATUS_SUCCESS;
}

enum nss_status
_nss_mesh_gethostbyname2_r(const char *name, int af, struct hostent *h, char *buf, size_t buflen,
    int *errnop, int *herrnop)
{
	return _nss_mesh_gethostbyname3_r(name, af, h, buf, buflen, errnop, herrnop, NULL, NULL);
}

enum nss_status
_nss_mesh_gethostbyname_r(
    const char *name, struct hostent *h, char *buf, size_t buflen, int *errnop, int *herrnop)
{
	return _nss_mesh_gethostbyname3_r(
	    name, AF_INET, h, buf, buflen, errnop, herrnop, NULL, NULL);
}

enum nss_status
_nss_mesh_gethostbyaddr2_r(const void *addr, socklen_t len, int af, struct hostent *h, char *buf,
    size_t buflen, int *errnop, int *herrnop, int32_t *ttlp)
{
	struct hosts_query q;
	enum nss_status st;

	if (!((af == AF_INET && len == 4) || (af == AF_INET6 && len == 16))) {
		*errnop = EAFNOSUPPORT;
		*herrnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	memset(&q, 0, sizeof(q));
	q.family = af;
	memcpy(q.want, addr, len);
	if ((st = hosts_query_run(&q, errnop, herrnop)) != NSS_STATUS_SUCCESS)
		return st;
	if (ttlp)
		*ttlp = 0;
	return hostent_fill(&q, af, h, buf, buflen, errnop, herrnop);
}

enum nss_status
_nss_mesh_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *h, char *buf,
    size_t buflen, int *errnop, int *herrnop)
{
	return _nss_mesh_gethostbyaddr2_r(addr, len, af, h, buf, buflen, errnop, herrnop, NULL);
}
