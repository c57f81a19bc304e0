/*
 * The userdb reader and index builder: passwd/group text plus a sorted
 * on-disk index.  libc only; never prints; see userdb.h for the guarantees.
 *
 * Index layout (host byte order, the file never leaves the host):
 *   struct idx_hdr, then `count` idx_ent sorted by id, `count` sorted by
 *   name hash, and (group only) `nmember` sorted by member-name hash whose
 *   offset is the group's line.  Each offset is the start of a line.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "userdb.h"

#define IDX_MAGIC   "MSHUDBX1"
#define IDX_VERSION 1u
/* offsets are 32-bit: a userdb file beyond this is refused */
#define USERDB_DATA_MAX_BYTES 0xffffffffu

struct idx_hdr {
	char magic[8];
	uint32_t version;
	uint32_t kind;
	uint64_t data_ino;
	uint64_t data_size;
	int64_t data_mtime_sec;
	int64_t data_mtime_nsec;
	uint32_t count;
	uint32_t nmember;
	uint32_t superseded; /* set in place by the writer before a replacement */
	uint32_t reserved;
};

struct idx_ent {
	uint32_t key;
	uint32_t off;
};

/* ---- pure parsing ---------------------------------------------------- */

static int
span_uint32(struct userdb_span s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s.len == 0 || s.len > 10)
		return MESH_ERR_PARSE;
	for (i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return MESH_ERR_PARSE;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	/* (uid_t)-1 means "no change" to chown and friends: never an id */
	if (v >= UINT32_MAX)
		return MESH_ERR_PARSE;
	*out = (uint32_t)v;
	return MESH_OK;
}

/* Split line into exactly n ':'-separated fields. */
static int
split_fields(const char *line, size_t len, struct userdb_span *f, size_t n)
{
	size_t i = 0, start = 0, k;

	for (k = 0; k <= len; k++) {
		if (k < len && line[k] == '\0')
			return MESH_ERR_PARSE;
		if (k == len || line[k] == ':') {
			if (i >= n)
				return MESH_ERR_PARSE;
			f[i].p = line + start;
			f[i].len = k - start;
			i++;
			start = k + 1;
		}
	}
	return i == n ? MESH_OK : MESH_ERR_PARSE;
}

static bool
valid_name(struct userdb_span s)
{
	size_t i;

	if (s.len == 0 || s.len > USERDB_NAME_MAX || s.p[0] == '+' || s.p[0] == '-')
		return false;
	for (i = 0; i < s.len; i++)
		if (s.p[i] == ',' || s.p[i] == ' ' || s.p[i] == '\t' || s.p[i] == '\n')
			return false;
	return true;
}

int
userdb_parse_pw(const char *line, size_t len, struct userdb_pwent *e)
{
	struct userdb_span f[7];

	if (len == 0 || line[0] == '#' || len > USERDB_LINE_MAX)
		return MESH_ERR_PARSE;
	if (split_fields(line, len, f, 7) != 0 || !valid_name(f[0]) ||
	    span_uint32(f[2], &e->uid) != 0 || span_uint32(f[3], &e->gid) != 0)
		return MESH_ERR_PARSE;
	e->name = f[0];
	e->passwd = f[1];
	e->gecos = f[4];
	e->dir = f[5];
	e->shell = f[6];
	return MESH_OK;
}

int
userdb_parse_gr(const char *line, size_t len, struct userdb_grent *e)
{
	struct userdb_span f[4];
	size_t i, start;

	if (len == 0 || line[0] == '#' || len > USERDB_LINE_MAX)
		return MESH_ERR_PARSE;
	if (split_fields(line, len, f, 4) != 0 || !valid_name(f[0]) ||
	    span_uint32(f[2], &e->gid) != 0)
		return MESH_ERR_PARSE;
	e->name = f[0];
	e->passwd = f[1];
	e->members = f[3];
	e->nmembers = 0;
	for (i = 0, start = 0; i <= f[3].len; i++)
		if (i == f[3].len || f[3].p[i] == ',') {
			if (i > start)
				e->nmembers++;
			start = i + 1;
		}
	return MESH_OK;
}

bool
userdb_span_eq(struct userdb_span a, const char *s)
{
	size_t n = strlen(s);

	return n == a.len && memcmp(a.p, s, n) == 0;
}

/* Call fn on each non-empty member; stop when it returns non-zero. */
static int
members_each(struct userdb_span m, int (*fn)(struct userdb_span, void *), void *ctx)
{
	size_t i, start = 0;
	int r;

	for (i = 0; i <= m.len; i++)
		if (i == m.len || m.p[i] == ',') {
			if (i > start) {
				struct userdb_span s = {m.p + start, i - start};
				if ((r = fn(s, ctx)) != 0)
					return r;
			}
			start = i + 1;
		}
	return 0;
}

static int
member_is(struct userdb_span s, void *ctx)
{
	return userdb_span_eq(s, ctx) ? 1 : 0;
}

bool
userdb_gr_has_member(const struct userdb_grent *e, const char *user)
{
	return members_each(e->members, member_is, (void *)(uintptr_t)user) == 1;
}

/* A bump allocator over the caller's buffer. */
struct bufwriter {
	char *p;
	size_t left;
};

static char *
bw_str(struct bufwriter *w, struct userdb_span s)
{
	char *r;

	if (w->left < s.len + 1)
		return NULL;
	r = w->p;
	memcpy(r, s.p, s.len);
	r[s.len] = '\0';
	w->p += s.len + 1;
	w->left -= s.len + 1;
	return r;
}

int
userdb_fill_passwd(const struct userdb_pwent *e, struct passwd *pw, char *buf, size_t buflen)
{
	struct bufwriter w = {buf, buflen};

	if ((pw->pw_name = bw_str(&w, e->name)) == NULL ||
	    (pw->pw_passwd = bw_str(&w, e->passwd)) == NULL ||
	    (pw->pw_gecos = bw_str(&w, e->gecos)) == NULL ||
	    (pw->pw_dir = bw_str(&w, e->dir)) == NULL ||
	    (pw->pw_shell = bw_str(&w, e->shell)) == NULL)
		return MESH_ERR_RANGE;
	pw->pw_uid = (uid_t)e->uid;
	pw->pw_gid = (gid_t)e->gid;
	return MESH_OK;
}

struct memfill {
	struct bufwriter *w;
	char **mem;
	size_t i;
};

static int
member_fill(struct userdb_span s, void *ctx)
{
	struct memfill *m = ctx;

	if ((m->mem[m->i] = bw_str(m->w, s)) == NULL)
		return MESH_ERR_RANGE;
	m->i++;
	return 0;
}

int
userdb_fill_group(const struct userdb_grent *e, struct group *gr, char *buf, size_t buflen)
{
	struct bufwriter w = {buf, buflen};
	struct memfill m;
	size_t pad = (sizeof(char *) - ((uintptr_t)buf % sizeof(char *))) % sizeof(char *);
	size_t need = (e->nmembers + 1) * sizeof(char *);

	/* the member pointer array first, aligned */
	if (buflen < pad || buflen - pad < need)
		return MESH_ERR_RANGE;
	gr->gr_mem = (char **)(void *)(buf + pad);
	w.p = buf + pad + need;
	w.left = buflen - pad - need;
	m.w = &w;
	m.mem = gr->gr_mem;
	m.i = 0;
	if (members_each(e->members, member_fill, &m) != 0)
		return MESH_ERR_RANGE;
	gr->gr_mem[m.i] = NULL;
	if ((gr->gr_name = bw_str(&w, e->name)) == NULL ||
	    (gr->gr_passwd = bw_str(&w, e->passwd)) == NULL)
		return MESH_ERR_RANGE;
	gr->gr_gid = (gid_t)e->gid;
	return MESH_OK;
}

uint32_t
userdb_hash(const char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)p[i];
		h *= 16777619u;
	}
	return h;
}

/* ---- index building (pure) ------------------------------------------- */

static int
ent_cmp(const void *a, const void *b)
{
	const struct idx_ent *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

struct member_ctx {
	struct idx_ent *arr;
	size_t n;
	uint32_t off;
};

static int
member_add(struct userdb_span s, void *ctx)
{
	struct member_ctx *m = ctx;

	m->arr[m->n].key = userdb_hash(s.p, s.len);
	m->arr[m->n].off = m->off;
	m->n++;
	return 0;
}

/* Visit each line: its start offset and length (without '\n'). */
static bool
line_at(const char *data, size_t len, size_t *pos, size_t *start, size_t *llen)
{
	const char *nl;

	if (*pos >= len)
		return false;
	*start = *pos;
	nl = memchr(data + *pos, '\n', len - *pos);
	*llen = (nl ? (size_t)(nl - data) : len) - *start;
	*pos = *start + *llen + 1;
	return true;
}

int
userdb_index_build(enum userdb_kind kind, const char *data, size_t len,
    const struct userdb_stamp *stamp, uint8_t **out, size_t *outlen)
{
	struct idx_ent *byid = NULL, *byname = NULL, *bymem = NULL;
	size_t pos = 0, start, llen, count = 0, nmem = 0, total;
	struct member_ctx mc;
	struct idx_hdr hdr;
	uint8_t *buf = NULL;
	int r = MESH_ERR_NOMEM;

	*out = NULL;
	*outlen = 0;
	if (len > USERDB_DATA_MAX_BYTES)
		return MESH_ERR_RANGE;
	/* pass 1: count */
	while (line_at(data, len, &pos, &start, &llen)) {
		struct userdb_pwent pw;
		struct userdb_grent gr;

		if (kind == USERDB_PASSWD && userdb_parse_pw(data + start, llen, &pw) == 0)
			count++;
		else if (kind == USERDB_GROUP && userdb_parse_gr(data + start, llen, &gr) == 0) {
			count++;
			nmem += gr.nmembers;
		}
	}
	if ((byid = calloc(count + 1, sizeof(*byid))) == NULL ||
	    (byname = calloc(count + 1, sizeof(*byname))) == NULL ||
	    (bymem = calloc(nmem + 1, sizeof(*bymem))) == NULL)
		goto out;
	/* pass 2: fill */
	count = 0;
	mc.arr = bymem;
	mc.n = 0;
	pos = 0;
	while (line_at(data, len, &pos, &start, &llen)) {
		struct userdb_pwent pw;
		struct userdb_grent gr;
		struct userdb_span name;
		uint32_t id;

		if (kind == USERDB_PASSWD) {
			if (userdb_parse_pw(data + start, llen, &pw) != 0)
				continue;
			name = pw.name;
			id = pw.uid;
		} else {
			if (userdb_parse_gr(data + start, llen, &gr) != 0)
				continue;
			name = gr.name;
			id = gr.gid;
			mc.off = (uint32_t)start;
			members_each(gr.members, member_add, &mc);
		}
		byid[count].key = id;
		byid[count].off = (uint32_t)start;
		byname[count].key = userdb_hash(name.p, name.len);
		byname[count].off = (uint32_t)start;
		count++;
	}
	nmem = mc.n;
	qsort(byid, count, sizeof(*byid), ent_cmp);
	qsort(byname, count, sizeof(*byname), ent_cmp);
	qsort(bymem, nmem, sizeof(*bymem), ent_cmp);

	total = sizeof(hdr) + (2 * count + nmem) * sizeof(struct idx_ent);
	if ((buf = malloc(total)) == NULL)
		goto out;
	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, IDX_MAGIC, sizeof(hdr.magic));
	hdr.version = IDX_VERSION;
	hdr.kind = (uint32_t)kind;
	hdr.data_ino = stamp->ino;
	hdr.data_size = stamp->size;
	hdr.data_mtime_sec = stamp->mtime_sec;
	hdr.data_mtime_nsec = stamp->mtime_nsec;
	hdr.count = (uint32_t)count;
	hdr.nmember = (uint32_t)nmem;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + sizeof(hdr), byid, count * sizeof(*byid));
	memcpy(buf + sizeof(hdr) + count * sizeof(*byid), byname, count * sizeof(*byname));
	memcpy(buf + sizeof(hdr) + 2 * count * sizeof(*byid), bymem, nmem * sizeof(*bymem));
	*out = buf;
	*outlen = total;
	r = MESH_OK;
out:
	free(byid);
	free(byname);
	free(bymem);
	return r;
}

/* ---- the mapped file ------------------------------------------------- */

int
userdb_file_init(struct userdb_file *f, enum userdb_kind kind, const char *path)
{
	size_t n = strlen(path);

	memset(f, 0, sizeof(*f));
	if (n >= sizeof(f->path))
		return MESH_ERR_RANGE;
	memcpy(f->path, path, n + 1);
	memcpy(f->idx_path, path, n);
	memcpy(f->idx_path + n, USERDB_INDEX_SUFFIX, sizeof(USERDB_INDEX_SUFFIX));
	f->kind = kind;
	f->missing = true;
	f->recheck_ms = USERDB_RECHECK_MS;
	return MESH_OK;
}

static void
stamp_of(const struct stat *st, struct userdb_stamp *s)
{
	s->ino = (uint64_t)st->st_ino;
	s->size = (uint64_t)st->st_size;
	s->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	s->mtime_nsec = (int64_t)st->st_mtim.tv_nsec;
}

static bool
stamp_eq(const struct userdb_stamp *a, const struct userdb_stamp *b)
{
	return a->ino == b->ino && a->size == b->size && a->mtime_sec == b->mtime_sec &&
	    a->mtime_nsec == b->mtime_nsec;
}

static bool
owner_ok(const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || (st->st_mode & (S_IWGRP | S_IWOTH)))
		return false;
#ifdef MESH_TEST_BUILD
	if (st->st_uid == geteuid())
		return true;
#endif
	return st->st_uid == 0;
}

static void
unmap_index(struct userdb_file *f)
{
	if (f->idx)
		munmap((void *)(uintptr_t)f->idx, f->idx_len);
	f->idx = NULL;
	f->idx_len = 0;
	memset(&f->idx_stamp, 0, sizeof(f->idx_stamp));
}

static void
unmap_data(struct userdb_file *f)
{
	if (f->data && f->len)
		munmap((void *)(uintptr_t)f->data, f->len);
	f->data = NULL;
	f->len = 0;
	memset(&f->stamp, 0, sizeof(f->stamp));
}

/* Open path safely and map it; *len 0 maps nothing. */
static int
map_file(const char *path, const void **map, size_t *len, struct stat *st)
{
	int fd, r = MESH_OK;

	*map = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? MESH_ERR_NOTFOUND : MESH_ERR_IO;
	if (fstat(fd, st) != 0) {
		r = MESH_ERR_IO;
		goto out;
	}
	if (!owner_ok(st)) {
		r = MESH_ERR_PERM;
		goto out;
	}
	if ((uint64_t)st->st_size > USERDB_DATA_MAX_BYTES) {
		r = MESH_ERR_RANGE;
		goto out;
	}
	if (st->st_size > 0) {
		void *m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_SHARED, fd, 0);
		if (m == MAP_FAILED) {
			r = MESH_ERR_IO;
			goto out;
		}
		*map = m;
		*len = (size_t)st->st_size;
	}
out:
	close(fd);
	return r;
}

int
userdb_map_trusted(const char *path, const void **map, size_t *len, struct userdb_stamp *stamp)
{
	struct stat st;
	int r;

	if ((r = map_file(path, map, len, &st)) == 0 && stamp != NULL)
		stamp_of(&st, stamp);
	return r;
}

void
userdb_unmap(const void *map, size_t len)
{
	if (map != NULL && len > 0)
		munmap((void *)(uintptr_t)map, len);
}

/* Map the index if it pins the current data file; otherwise leave it off. */
static void
load_index(struct userdb_file *f)
{
	const struct idx_hdr *h;
	const void *m;
	struct stat st;
	size_t len;

	unmap_index(f);
	if (map_file(f->idx_path, &m, &len, &st) != 0)
		return;
	stamp_of(&st, &f->idx_stamp);
	f->idx = m;
	f->idx_len = len;
	if (len < sizeof(*h))
		goto bad;
	h = m;
	if (memcmp(h->magic, IDX_MAGIC, sizeof(h->magic)) != 0 || h->version != IDX_VERSION ||
	    h->kind != (uint32_t)f->kind || h->data_ino != f->stamp.ino ||
	    h->data_size != f->stamp.size || h->data_mtime_sec != f->stamp.mtime_sec ||
	    h->data_mtime_nsec != f->stamp.mtime_nsec)
		goto bad;
	if (h->count > (len - sizeof(*h)) / sizeof(struct idx_ent) / 2 ||
	    h->nmember > (len - sizeof(*h)) / sizeof(struct idx_ent) - 2 * (size_t)h->count ||
	    len != sizeof(*h) + (2 * (size_t)h->count + h->nmember) * sizeof(struct idx_ent))
		goto bad;
	return;
bad:
	/* keep idx_stamp so we do not retry until the index file changes */
	if (f->idx)
		munmap((void *)(uintptr_t)f->idx, f->idx_len);
	f->idx = NULL;
	f->idx_len = 0;
}

static int64_t
coarse_ms(void)
{
	struct timespec ts;

	/* from the vDSO: no system call */
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
index_superseded(const struct userdb_file *f)
{
	const volatile struct idx_hdr *h = (const volatile void *)f->idx;

	return h->superseded != 0;
}

int
userdb_index_supersede(const char *idx_path)
{
	struct idx_hdr h;
	uint32_t one = 1;
	int fd, r = MESH_OK;

	fd = open(idx_path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? MESH_OK : MESH_ERR_IO;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, IDX_MAGIC, sizeof(h.magic)) != 0)
		goto out; /* not an index of ours: readers do not trust it anyway */
	if (pwrite(fd, &one, sizeof(one), offsetof(struct idx_hdr, superseded)) !=
	    (ssize_t)sizeof(one))
		r = MESH_ERR_IO;
out:
	close(fd);
	return r;
}

/*
 * Pre-fault a busy mapping once, so that its later lookups take no minor
 * page faults (the tail of a lookup is otherwise its first touch of a page).
 * Best effort: an older kernel without MADV_POPULATE_READ just faults lazily.
 */
static void
maybe_populate(struct userdb_file *f)
{
	if (f->populated || ++f->uses < USERDB_POPULATE_AFTER)
		return;
	f->populated = true;
#ifdef MADV_POPULATE_READ
	if (f->data != NULL && f->len > 0)
		(void)madvise((void *)(uintptr_t)f->data, f->len, MADV_POPULATE_READ);
	if (f->idx != NULL && f->idx_len > 0)
		(void)madvise((void *)(uintptr_t)f->idx, f->idx_len, MADV_POPULATE_READ);
#endif
}

int
userdb_file_refresh(struct userdb_file *f)
{
	struct stat st;
	struct userdb_stamp now;
	const void *m;
	size_t len;
	int64_t t = coarse_ms();
	int r;

	if (!f->missing && f->idx != NULL && !index_superseded(f) &&
	    t - f->checked_ms < f->recheck_ms && t >= f->checked_ms) {
		maybe_populate(f);
		return MESH_OK;
	}
	f->checked_ms = t;
	if (stat(f->path, &st) != 0) {
		if (errno != ENOENT)
			return MESH_ERR_IO;
		unmap_index(f);
		unmap_data(f);
		f->missing = true;
		return MESH_ERR_NOTFOUND;
	}
	stamp_of(&st, &now);
	if (!f->missing && stamp_eq(&now, &f->stamp)) {
		struct stat ist;
		struct userdb_stamp inow;

		if (f->idx != NULL) {
			maybe_populate(f);
			return MESH_OK;
		}
		/* degraded (no usable index): look whether one has arrived */
		if (stat(f->idx_path, &ist) == 0) {
			stamp_of(&ist, &inow);
			if (!stamp_eq(&inow, &f->idx_stamp))
				load_index(f);
		}
		return MESH_OK;
	}
	unmap_index(f);
	unmap_data(f);
	f->missing = true;
	if ((r = map_file(f->path, &m, &len, &st)) != 0)
		return r;
	f->data = m;
	f->len = len;
	stamp_of(&st, &f->stamp);
	f->missing = false;
	f->generation++;
	f->uses = 0;
	f->populated = false;
	load_index(f);
	return MESH_OK;
}

void
userdb_file_close(struct userdb_file *f)
{
	unmap_index(f);
	unmap_data(f);
	f->missing = true;
}

/* ---- lookups ---------------------------------------------------------- */

static const struct idx_ent *
idx_section(const struct userdb_file *f, int which, size_t *n)
{
	const struct idx_hdr *h = (const void *)f->idx;
	const struct idx_ent *base = (const void *)(f->idx + sizeof(*h));

	switch (which) {
	case 0:
		*n = h->count;
		return base;
	case 1:
		*n = h->count;
		return base + h->count;
	default:
		*n = h->nmember;
		return base + 2 * (size_t)h->count;
	}
}

/* First entry with key >= k. */
static size_t
idx_lower_bound(const struct idx_ent *a, size_t n, uint32_t k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].key < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The line starting at off, if off is really the start of a line. */
static bool
line_from(const struct userdb_file *f, uint32_t off, struct userdb_span *line)
{
	const char *nl;

	if (off >= f->len || (off > 0 && f->data[off - 1] != '\n'))
		return false;
	nl = memchr(f->data + off, '\n', f->len - off);
	line->p = f->data + off;
	line->len = (nl ? (size_t)(nl - f->data) : f->len) - off;
	return true;
}

/* Does line match (name, or id when name is NULL)? */
static bool
line_matches(const struct userdb_file *f, struct userdb_span line, const char *name, uint32_t id)
{
	struct userdb_pwent pw;
	struct userdb_grent gr;

	if (f->kind == USERDB_PASSWD) {
		if (userdb_parse_pw(line.p, line.len, &pw) != 0)
			return false;
		return name ? userdb_span_eq(pw.name, name) : pw.uid == id;
	}
	if (userdb_parse_gr(line.p, line.len, &gr) != 0)
		return false;
	return name ? userdb_span_eq(gr.name, name) : gr.gid == id;
}

static int
lookup(const struct userdb_file *f, const char *name, uint32_t id, struct userdb_span *line)
{
	size_t pos = 0;

	if (f->data == NULL)
		return MESH_ERR_NOTFOUND;
	if (f->idx != NULL) {
		size_t n, i;
		const struct idx_ent *a = idx_section(f, name ? 1 : 0, &n);
		uint32_t key = name ? userdb_hash(name, strlen(name)) : id;

		/* file order among equal keys: the first line wins, as in files */
		for (i = idx_lower_bound(a, n, key); i < n && a[i].key == key; i++)
			if (line_from(f, a[i].off, line) && line_matches(f, *line, name, id))
				return MESH_OK;
		return MESH_ERR_NOTFOUND;
	}
	while (userdb_next(f, &pos, line) == 0)
		if (line_matches(f, *line, name, id))
			return MESH_OK;
	return MESH_ERR_NOTFOUND;
}

int
userdb_lookup_name(const struct userdb_file *f, const char *name, struct userdb_span *line)
{
	return lookup(f, name, 0, line);
}

int
userdb_lookup_id(const struct userdb_file *f, uint32_t id, struct userdb_span *line)
{
	return lookup(f, NULL, id, line);
}

int
userdb_next(const struct userdb_file *f, size_t *pos, struct userdb_span *line)
{
	size_t start, llen;

	if (f->data == NULL)
		return MESH_ERR_NOTFOUND;
	/* a re-mapped file may leave *pos mid-line: skip to the next line */
	if (*pos > 0 && *pos < f->len && f->data[*pos - 1] != '\n') {
		const char *nl = memchr(f->data + *pos, '\n', f->len - *pos);
		*pos = nl ? (size_t)(nl - f->data) + 1 : f->len;
	}
	while (line_at(f->data, f->len, pos, &start, &llen)) {
		struct userdb_pwent pw;
		struct userdb_grent gr;
		int r = f->kind == USERDB_PASSWD ? userdb_parse_pw(f->data + start, llen, &pw)
						 : userdb_parse_gr(f->data + start, llen, &gr);
		if (r == 0) {
			line->p = f->data + start;
			line->len = llen;
			return MESH_OK;
		}
	}
	return MESH_ERR_NOTFOUND;
}

int
userdb_groups_of(const struct userdb_file *f, const char *user, userdb_member_fn fn, void *ctx)
{
	struct userdb_span line;
	struct userdb_grent gr;
	size_t pos = 0;
	int r;

	if (f->kind != USERDB_GROUP || f->data == NULL)
		return 0;
	if (f->idx != NULL) {
		size_t n, i;
		const struct idx_ent *a = idx_section(f, 2, &n);
		uint32_t key = userdb_hash(user, strlen(user));

		for (i = idx_lower_bound(a, n, key); i < n && a[i].key == key; i++) {
			/* a group listing two hash-equal members appears twice: skip repeats */
			if (i > 0 && a[i - 1].key == key && a[i - 1].off == a[i].off)
				continue;
			if (!line_from(f, a[i].off, &line) ||
			    userdb_parse_gr(line.p, line.len, &gr) != 0 ||
			    !userdb_gr_has_member(&gr, user))
				continue;
			if ((r = fn(&gr, ctx)) != 0)
				return r;
		}
		return 0;
	}
	while (userdb_next(f, &pos, &line) == 0) {
		if (userdb_parse_gr(line.p, line.len, &gr) != 0 || !userdb_gr_has_member(&gr, user))
			continue;
		if ((r = fn(&gr, ctx)) != 0)
			return r;
	}
	return 0;
}

const char *
userdb_dir(void)
{
#ifdef MESH_TEST_BUILD
	const char *d = secure_getenv(USERDB_DIR_ENV);

	if (d != NULL && d[0] == '/')
		return d;
#endif
	return USERDB_DIR_DEFAULT;
}
