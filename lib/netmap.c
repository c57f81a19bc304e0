/*
 * Netmap parsing, validation and lookups.  The document is read in one pass
 * with the JSON pull reader straight into the netmap structures; every field
 * is checked, every reference resolved and every uniqueness rule enforced
 * before the object is handed out.  Errors name the field by path
 * ("nodes[3].key") and position (line:col from the reader, or from jsonpos
 * for the checks that run after the whole document was read).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "jsonpos.h"
#include "jsonr.h"
#include "netmap.h"
#include "netmap_fields.h"

#define NM_PATH_MAX    4       /* nodes[3].addresses[1] */
#define NM_LIST_MAX    64      /* addresses, endpoints, tags, groups, host keys per entry */
#define NM_ENTRIES_MAX 1000000 /* nodes or users in one netmap */
/* 9999-12-31T23:59:59Z: expiries stay four-digit-year RFC 3339 times */
#define NM_EXPIRES_MAX	253402300799LL
#define NM_V4_LEN	4
#define NM_V6_LEN	16
#define NM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct netmap_index_entry {
	struct netmap_addr addr; /* 17 bytes, no padding: compared with memcmp */
	uint32_t node;		 /* index into nodes */
	uint32_t pos;		 /* index into that node's addrs, for errors */
};

struct nm_parser {
	struct jsonr jr;
	const char *buf; /* the whole document, for jsonpos after the fact */
	size_t len;
	struct mesh_error *err;
	struct jsonpos_step path[NM_PATH_MAX];
	size_t depth;
	unsigned line, col; /* where the value being read starts */
	struct netmap *nm;
};

/* How a string value is checked: ok() with a fixed reason, or explain(). */
struct nm_check {
	bool (*ok)(const char *s);
	const char *why;		       /* when ok() says no */
	const char *(*explain)(const char *s); /* instead of ok(): NULL if fine, else why not */
};

/*
 * One member of an object in the schema: parsed by its own function, or,
 * for the many plain ones, a checked string or list of distinct strings
 * stored at an offset in the object.
 */
struct nm_field {
	const char *name;
	enum { NM_FIELD_FN, NM_FIELD_STR, NM_FIELD_LIST } kind;
	int (*parse)(struct nm_parser *p, void *obj); /* NM_FIELD_FN */
	const struct nm_check *check;		      /* NM_FIELD_STR, NM_FIELD_LIST */
	size_t off;				      /* char * or char ** in obj */
	size_t count_off;			      /* NM_FIELD_LIST: its size_t count */
};
#define NM_FN(name, fn)                           \
	{                                         \
		name, NM_FIELD_FN, fn, NULL, 0, 0 \
	}
#define NM_STR(name, type, member, check)                                     \
	{                                                                     \
		name, NM_FIELD_STR, NULL, &(check), offsetof(type, member), 0 \
	}
#define NM_LIST(name, type, member, count, check)                                                  \
	{                                                                                          \
		name, NM_FIELD_LIST, NULL, &(check), offsetof(type, member), offsetof(type, count) \
	}

static int nm_str(struct nm_parser *p, const struct nm_check *check, char **out);
static int nm_list(struct nm_parser *p, const struct nm_check *check, char ***v, size_t *n);

static int
nm_field_parse(struct nm_parser *p, const struct nm_field *f, void *obj)
{
	char *base = obj;

	switch (f->kind) {
	case NM_FIELD_STR:
		return nm_str(p, f->check, (char **)(void *)(base + f->off));
	case NM_FIELD_LIST:
		return nm_list(p, f->check, (char ***)(void *)(base + f->off),
		    (size_t *)(void *)(base + f->count_off));
	case NM_FIELD_FN:
		break;
	}
	return f->parse(p, obj);
}

static void
nm_push_key(struct nm_parser *p, const char *key)
{
	p->path[p->depth].key = key;
	p->path[p->depth].index = 0;
	p->depth++;
}

static void
nm_push_index(struct nm_parser *p, size_t i)
{
	p->path[p->depth].key = NULL;
	p->path[p->depth].index = i;
	p->depth++;
}

static void
nm_pop(struct nm_parser *p)
{
	p->depth--;
}

/* Remember where the next value starts; returns its type. */
static enum jsonr_type
nm_mark(struct nm_parser *p)
{
	return jsonr_peek(&p->jr, &p->line, &p->col);
}

/* "nodes[3].key" for the current path. */
static void
nm_path_format(const struct nm_parser *p, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < p->depth && off < len; i++) {
		if (p->path[i].key)
			n = snprintf(buf + off, len - off, "%s%s", i ? "." : "", p->path[i].key);
		else
			n = snprintf(buf + off, len - off, "[%zu]", p->path[i].index);
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

static int nm_failv(struct nm_parser *p, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static int
nm_failv(struct nm_parser *p, int code, const char *fmt, va_list ap)
{
	char where[96], msg[MESH_ERROR_TEXT_MAX];
	size_t i;
	int r;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	nm_path_format(p, where, sizeof(where));
	if (where[0] == '\0')
		r = mesh_error_set(p->err, code, p->line, p->col, "%s", msg);
	else
		r = mesh_error_set(p->err, code, p->line, p->col, "%s: %s", where, msg);
	/* keys and values are echoed: keep the message one printable line */
	for (i = 0; p->err != NULL && p->err->text[i] != '\0'; i++)
		if ((unsigned char)p->err->text[i] < 0x20 || p->err->text[i] == 0x7f)
			p->err->text[i] = '?';
	return r;
}

static int nm_fail(struct nm_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "PATH: message" at the value being read. */
static int
nm_fail(struct nm_parser *p, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = nm_failv(p, code, fmt, ap);
	va_end(ap);
	return r;
}

static int nm_fail_at_path(struct nm_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "PATH: message" at the value the path names (for checks after parsing). */
static int
nm_fail_at_path(struct nm_parser *p, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (jsonpos_locate(p->buf, p->len, p->path, p->depth, &p->line, &p->col) != 0)
		p->line = p->col = 0;
	va_start(ap, fmt);
	r = nm_failv(p, code, fmt, ap);
	va_end(ap);
	return r;
}

static int
nm_nomem(struct nm_parser *p)
{
	return mesh_error_set(p->err, MESH_ERR_NOMEM, 0, 0, "out of memory");
}

/* Make room for element i of an array of elements of sz bytes (zeroed). */
static int
nm_grow(struct nm_parser *p, void **arr, size_t *cap, size_t i, size_t sz)
{
	void *n;
	size_t ncap;

	if (i < *cap)
		return MESH_OK;
	ncap = *cap ? *cap * 2 : 4;
	if ((n = realloc(*arr, ncap * sz)) == NULL)
		return nm_nomem(p);
	memset((char *)n + *cap * sz, 0, (ncap - *cap) * sz);
	*arr = n;
	*cap = ncap;
	return MESH_OK;
}

/*
 * Read the object at the reader into obj, member by member; unknown and
 * repeated members are errors.  *seen gets a bit per member present.  On
 * return the error position is the object's '{' (for "missing field").
 */
static int
nm_object(struct nm_parser *p, const struct nm_field *f, size_t nf, void *obj, unsigned *seen)
{
	unsigned line, col;
	const char *key;
	size_t i, k;
	int r;

	*seen = 0;
	if (nm_mark(p) != JSONR_OBJECT)
		return nm_fail(p, MESH_ERR_PARSE, "must be an object");
	line = p->line;
	col = p->col;
	if ((r = jsonr_object_begin(&p->jr)) != 0)
		return r;
	for (i = 0; (r = jsonr_object_next(&p->jr, i, &key)) > 0; i++) {
		for (k = 0; k < nf && strcmp(f[k].name, key) != 0; k++)
			;
		nm_push_key(p, k < nf ? f[k].name : key);
		nm_mark(p);
		if (k == nf)
			r = nm_fail(p, MESH_ERR_PARSE, "unknown field");
		else if (*seen & (1u << k))
			r = nm_fail(p, MESH_ERR_PARSE, "duplicate field");
		else
			r = nm_field_parse(p, &f[k], obj);
		nm_pop(p);
		if (r != 0)
			return r;
		*seen |= 1u << k;
	}
	p->line = line;
	p->col = col;
	return r;
}

/* Member f[k] is required. */
static int
nm_require(struct nm_parser *p, unsigned seen, const struct nm_field *f, size_t nf)
{
	size_t k;

	for (k = 0; k < nf; k++)
		if (!(seen & (1u << k)))
			return nm_fail(p, MESH_ERR_PARSE, "missing field \"%s\"", f[k].name);
	return MESH_OK;
}

/* NULL if s passes check (or there is none), else why not. */
static const char *
nm_check_why(const struct nm_check *check, const char *s)
{
	if (check == NULL)
		return NULL;
	if (check->explain != NULL)
		return check->explain(s);
	return check->ok(s) ? NULL : check->why;
}

/* A string value checked by check, copied to *out. */
static int
nm_str(struct nm_parser *p, const struct nm_check *check, char **out)
{
	const char *s, *why;
	size_t len;
	int r;

	if (nm_mark(p) != JSONR_STRING)
		return nm_fail(p, MESH_ERR_PARSE, "must be a string");
	if ((r = jsonr_string(&p->jr, &s, &len)) != 0)
		return r;
	if ((why = nm_check_why(check, s)) != NULL)
		return nm_fail(p, MESH_ERR_INVALID, "\"%s\": %s", s, why);
	if ((*out = malloc(len + 1)) == NULL)
		return nm_nomem(p);
	memcpy(*out, s, len + 1);
	return MESH_OK;
}

/*
 * An array value: calls elem(p, i, ctx) for each element with the reader
 * at it and the path extended by [i].  At most max elements; min or more.
 */
static int
nm_array(struct nm_parser *p, size_t min, size_t max,
    int (*elem)(struct nm_parser *p, size_t i, void *ctx), void *ctx)
{
	unsigned line, col;
	size_t i;
	int r;

	if (nm_mark(p) != JSONR_ARRAY)
		return nm_fail(p, MESH_ERR_PARSE, "must be an array");
	line = p->line;
	col = p->col;
	if ((r = jsonr_array_begin(&p->jr)) != 0)
		return r;
	for (i = 0; (r = jsonr_array_next(&p->jr, i)) > 0; i++) {
		if (i >= max) {
			p->line = line;
			p->col = col;
			return nm_fail(p, MESH_ERR_RANGE, "more than %zu entries", max);
		}
		nm_push_index(p, i);
		nm_mark(p);
		r = elem(p, i, ctx);
		nm_pop(p);
		if (r != 0)
			return r;
	}
	if (r == 0 && i < min) {
		p->line = line;
		p->col = col;
		return nm_fail(p, MESH_ERR_INVALID, "must not be empty");
	}
	return r;
}

/* A list of checked, distinct strings. */
struct nm_list {
	const struct nm_check *check;
	char ***v;
	size_t *n;
	size_t cap;
};

static int
nm_list_elem(struct nm_parser *p, size_t i, void *ctx)
{
	struct nm_list *l = ctx;
	size_t j;
	int r;

	if ((r = nm_grow(p, (void **)l->v, &l->cap, i, sizeof(char *))) != 0 ||
	    (r = nm_str(p, l->check, &(*l->v)[i])) != 0)
		return r;
	*l->n = i + 1;
	for (j = 0; j < i; j++)
		if (strcmp((*l->v)[j], (*l->v)[i]) == 0)
			return nm_fail(p, MESH_ERR_DUPLICATE, "\"%s\" is listed twice", (*l->v)[i]);
	return MESH_OK;
}

static int
nm_list(struct nm_parser *p, const struct nm_check *check, char ***v, size_t *n)
{
	struct nm_list l = {check, v, n, 0};

	return nm_array(p, 0, NM_LIST_MAX, nm_list_elem, &l);
}

static const struct nm_check check_label = {
    netmap_field_label, "not a valid node name (lowercase DNS label: a-z, 0-9, '-')", NULL};
static const struct nm_check check_domain = {
    netmap_field_domain, "not a valid lowercase DNS domain", NULL};
static const struct nm_check check_login = {
    netmap_field_login, "not a valid login (want local@domain)", NULL};
static const struct nm_check check_tag = {
    netmap_field_tag, "not a valid tag (want \"tag:name\")", NULL};
static const struct nm_check check_endpoint = {
    netmap_field_endpoint, "not a valid endpoint (want HOST:PORT)", NULL};
static const struct nm_check check_text = {
    netmap_field_text, "empty, too long, or has control characters", NULL};

static const char *
explain_host_key(const char *s)
{
	const char *why;

	return netmap_field_host_key(s, &why) ? NULL : why;
}

static const struct nm_check check_host_key = {NULL, NULL, explain_host_key};

static const char *
check_addr(const char *s)
{
	struct netmap_addr a;
	static const uint8_t zero[NM_V6_LEN];

	if (netmap_addr_parse(s, &a) != 0)
		return "not an IPv4 or IPv6 address";
	if (memcmp(a.bytes, zero, sizeof(zero)) == 0)
		return "the unspecified address is not a mesh address";
	if (a.family == AF_INET6 && a.bytes[10] == 0xff && a.bytes[11] == 0xff &&
	    memcmp(a.bytes, zero, 10) == 0)
		return "write IPv4-mapped addresses as IPv4";
	return NULL;
}

/* node members */

static int
nm_node_key(struct nm_parser *p, void *obj)
{
	struct netmap_node *n = obj;
	const char *s;
	size_t len;
	int r;

	if (nm_mark(p) != JSONR_STRING)
		return nm_fail(p, MESH_ERR_PARSE, "must be a string");
	if ((r = jsonr_string(&p->jr, &s, &len)) != 0)
		return r;
	if (!netmap_field_wg_key(s, n->key))
		return nm_fail(p, MESH_ERR_INVALID, "\"%s\": not a valid WireGuard key", s);
	return MESH_OK;
}

struct nm_addrs {
	struct netmap_node *node;
	size_t cap;
};

static int
nm_addr_elem(struct nm_parser *p, size_t i, void *ctx)
{
	struct nm_addrs *a = ctx;
	const char *s, *why;
	size_t len;
	int r;

	if ((r = nm_grow(p, (void **)&a->node->addrs, &a->cap, i, sizeof(struct netmap_addr))) != 0)
		return r;
	if (nm_mark(p) != JSONR_STRING)
		return nm_fail(p, MESH_ERR_PARSE, "must be a string");
	if ((r = jsonr_string(&p->jr, &s, &len)) != 0)
		return r;
	if ((why = check_addr(s)) != NULL)
		return nm_fail(p, MESH_ERR_INVALID, "\"%s\": %s", s, why);
	(void)netmap_addr_parse(s, &a->node->addrs[i]);
	a->node->naddrs = i + 1;
	return MESH_OK;
}

static int
nm_node_addresses(struct nm_parser *p, void *obj)
{
	struct nm_addrs a = {obj, 0};

	return nm_array(p, 1, NM_LIST_MAX, nm_addr_elem, &a);
}

/* required members first */
static const struct nm_field nm_node_fields[] = {
    NM_STR("name", struct netmap_node, name, check_label),
    NM_FN("key", nm_node_key),
    NM_FN("addresses", nm_node_addresses),
    NM_LIST("endpoints", struct netmap_node, endpoints, nendpoints, check_endpoint),
    NM_STR("owner", struct netmap_node, owner, check_login),
    NM_LIST("tags", struct netmap_node, tags, ntags, check_tag),
    NM_LIST("hostKeys", struct netmap_node, host_keys, nhost_keys, check_host_key),
};
#define NM_NODE_REQUIRED 3

static int
nm_node(struct nm_parser *p, size_t i, void *ctx)
{
	struct netmap *nm = p->nm;
	size_t *cap = ctx;
	struct netmap_node *n;
	unsigned seen;
	int r;

	if ((r = nm_grow(p, (void **)&nm->nodes, cap, i, sizeof(*nm->nodes))) != 0)
		return r;
	nm->nnodes = i + 1; /* counted first so that a failure frees what was set */
	n = &nm->nodes[i];
	if ((r = nm_object(p, nm_node_fields, NM_ARRAY_LEN(nm_node_fields), n, &seen)) != 0 ||
	    (r = nm_require(p, seen, nm_node_fields, NM_NODE_REQUIRED)) != 0)
		return r;
	if (n->owner != NULL && n->ntags > 0)
		return nm_fail(p, MESH_ERR_INVALID,
		    "a node has an owner or tags, not both (tagged nodes belong to no user)");
	if (n->owner == NULL && n->ntags == 0)
		return nm_fail(p, MESH_ERR_INVALID, "a node needs an owner or at least one tag");
	return MESH_OK;
}

/* user members */

static const struct nm_field nm_user_fields[] = {
    NM_STR("id", struct netmap_user, id, check_text),
    NM_STR("login", struct netmap_user, login, check_login),
    NM_STR("displayName", struct netmap_user, display_name, check_text),
    NM_LIST("groups", struct netmap_user, groups, ngroups, check_text),
};
#define NM_USER_REQUIRED 2

static int
nm_user(struct nm_parser *p, size_t i, void *ctx)
{
	struct netmap *nm = p->nm;
	size_t *cap = ctx;
	unsigned seen;
	int r;

	if ((r = nm_grow(p, (void **)&nm->users, cap, i, sizeof(*nm->users))) != 0)
		return r;
	nm->nusers = i + 1;
	if ((r = nm_object(
		 p, nm_user_fields, NM_ARRAY_LEN(nm_user_fields), &nm->users[i], &seen)) != 0)
		return r;
	return nm_require(p, seen, nm_user_fields, NM_USER_REQUIRED);
}

/* top-level members */

static int
nm_top_int(struct nm_parser *p, long long *v)
{
	int is_int, r;

	if (nm_mark(p) != JSONR_NUMBER)
		return nm_fail(p, MESH_ERR_PARSE, "must be an integer");
	if ((r = jsonr_number(&p->jr, v, &is_int)) != 0)
		return r;
	if (!is_int)
		return nm_fail(p, MESH_ERR_PARSE, "must be an integer");
	return MESH_OK;
}

static int
nm_top_version(struct nm_parser *p, void *obj)
{
	long long v;
	int r;

	(void)obj;
	if ((r = nm_top_int(p, &v)) != 0)
		return r;
	if (v != NETMAP_VERSION)
		return nm_fail(p, MESH_ERR_UNSUPPORTED, "version %lld is not supported (want %d)",
		    v, NETMAP_VERSION);
	return MESH_OK;
}

static int
nm_top_serial(struct nm_parser *p, void *obj)
{
	long long v;
	int r;

	if ((r = nm_top_int(p, &v)) != 0 && r != MESH_ERR_PARSE)
		return r;
	if (r != 0 || v < 0)
		return nm_fail(p, MESH_ERR_PARSE, "must be a non-negative integer");
	((struct netmap *)obj)->serial = (uint64_t)v;
	return MESH_OK;
}

static int
nm_top_expires(struct nm_parser *p, void *obj)
{
	struct netmap *nm = obj;
	enum jsonr_type t = nm_mark(p);
	const char *s;
	long long v = -1;
	size_t len;
	int is_int = 0, r;

	if (t == JSONR_NUMBER) {
		if ((r = jsonr_number(&p->jr, &v, &is_int)) != 0)
			return r;
		if (is_int && v >= 0 && v <= NM_EXPIRES_MAX) {
			nm->expires = (int64_t)v;
			return MESH_OK;
		}
	} else if (t == JSONR_STRING) {
		if ((r = jsonr_string(&p->jr, &s, &len)) != 0)
			return r;
		if (netmap_field_time(s, &nm->expires) && nm->expires >= 0 &&
		    nm->expires <= NM_EXPIRES_MAX)
			return MESH_OK;
	}
	return nm_fail(p, MESH_ERR_PARSE,
	    "must be an RFC 3339 time (\"2026-12-01T00:00:00Z\") or unix seconds, "
	    "from 1970 to 9999");
}

static int
nm_top_nodes(struct nm_parser *p, void *obj)
{
	size_t cap = 0;

	(void)obj;
	return nm_array(p, 0, NM_ENTRIES_MAX, nm_node, &cap);
}

static int
nm_top_users(struct nm_parser *p, void *obj)
{
	size_t cap = 0;

	(void)obj;
	return nm_array(p, 0, NM_ENTRIES_MAX, nm_user, &cap);
}

static const struct nm_field nm_top_fields[] = {
    NM_FN("version", nm_top_version),
    NM_FN("serial", nm_top_serial),
    NM_FN("expires", nm_top_expires),
    NM_FN("nodes", nm_top_nodes),
    NM_STR("domain", struct netmap, domain, check_domain),
    NM_FN("users", nm_top_users),
};
#define NM_TOP_REQUIRED 4

static int
cmp_addr_entry(const void *a, const void *b)
{
	const struct netmap_index_entry *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	if (c != 0)
		return c;
	return x->node != y->node ? (x->node < y->node ? -1 : 1) : (x->pos < y->pos ? -1 : 1);
}

static int
cmp_ptr(const void *x, const void *y)
{
	return x < y ? -1 : x > y;
}

static int
cmp_node_name(const void *a, const void *b)
{
	const struct netmap_node *x = *(const struct netmap_node *const *)a;
	const struct netmap_node *y = *(const struct netmap_node *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : cmp_ptr(x, y);
}

static int
cmp_node_key(const void *a, const void *b)
{
	const struct netmap_node *x = *(const struct netmap_node *const *)a;
	const struct netmap_node *y = *(const struct netmap_node *const *)b;
	int c = memcmp(x->key, y->key, NETMAP_KEY_LEN);

	return c ? c : cmp_ptr(x, y);
}

static int
cmp_user_login(const void *a, const void *b)
{
	const struct netmap_user *x = *(const struct netmap_user *const *)a;
	const struct netmap_user *y = *(const struct netmap_user *const *)b;
	int c = strcmp(x->login, y->login);

	return c ? c : cmp_ptr(x, y);
}

static int
cmp_user_id(const void *a, const void *b)
{
	const struct netmap_user *x = *(const struct netmap_user *const *)a;
	const struct netmap_user *y = *(const struct netmap_user *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : cmp_ptr(x, y);
}

/* A sorted array of pointers to n elements of size sz at base. */
static int
nm_sorted(struct nm_parser *p, const void *base, size_t n, size_t sz,
    int (*cmp)(const void *, const void *), const void ***out)
{
	size_t i;

	if (n == 0)
		return MESH_OK;
	if ((*out = calloc(n, sizeof(void *))) == NULL)
		return nm_nomem(p);
	for (i = 0; i < n; i++)
		(*out)[i] = (const char *)base + i * sz;
	qsort(*out, n, sizeof(void *), cmp);
	return MESH_OK;
}

/* Report a duplicate: entry later of section repeats what entry earlier has. */
static int
nm_duplicate(struct nm_parser *p, const char *section, size_t later, const char *field,
    size_t earlier, const char *what)
{
	nm_push_key(p, section);
	nm_push_index(p, later);
	nm_push_key(p, field);
	(void)nm_fail_at_path(
	    p, MESH_ERR_DUPLICATE, "duplicate %s (already in %s[%zu])", what, section, earlier);
	p->depth -= 3;
	return MESH_ERR_DUPLICATE;
}

static int
nm_index_users(struct nm_parser *p)
{
	struct netmap *nm = p->nm;
	size_t i;
	int r;

	if ((r = nm_sorted(p, nm->users, nm->nusers, sizeof(*nm->users), cmp_user_login,
		 (const void ***)&nm->users_by_login)) != 0 ||
	    (r = nm_sorted(p, nm->users, nm->nusers, sizeof(*nm->users), cmp_user_id,
		 (const void ***)&nm->users_by_id)) != 0)
		return r;
	for (i = 1; i < nm->nusers; i++) {
		const struct netmap_user *a = nm->users_by_login[i - 1], *b = nm->users_by_login[i];
		const struct netmap_user *c = nm->users_by_id[i - 1], *d = nm->users_by_id[i];

		if (strcmp(a->login, b->login) == 0)
			return nm_duplicate(p, "users", (size_t)(b - nm->users), "login",
			    (size_t)(a - nm->users), "login");
		if (strcmp(c->id, d->id) == 0)
			return nm_duplicate(p, "users", (size_t)(d - nm->users), "id",
			    (size_t)(c - nm->users), "user id");
	}
	return MESH_OK;
}

/* Every owner is a user. */
static int
nm_link_owners(struct nm_parser *p)
{
	struct netmap *nm = p->nm;
	size_t i;
	int r;

	for (i = 0; i < nm->nnodes; i++) {
		struct netmap_node *n = &nm->nodes[i];

		if (n->owner == NULL || (n->user = netmap_user_by_login(nm, n->owner)) != NULL)
			continue;
		nm_push_key(p, "nodes");
		nm_push_index(p, i);
		nm_push_key(p, "owner");
		r = nm_fail_at_path(p, MESH_ERR_INVALID, "owner \"%s\" is not in users", n->owner);
		p->depth -= 3;
		return r;
	}
	return MESH_OK;
}

static int
nm_index_nodes(struct nm_parser *p)
{
	struct netmap *nm = p->nm;
	size_t i, j, k = 0;
	int r;

	if ((r = nm_sorted(p, nm->nodes, nm->nnodes, sizeof(*nm->nodes), cmp_node_name,
		 (const void ***)&nm->by_name)) != 0 ||
	    (r = nm_sorted(p, nm->nodes, nm->nnodes, sizeof(*nm->nodes), cmp_node_key,
		 (const void ***)&nm->by_key)) != 0)
		return r;
	for (i = 1; i < nm->nnodes; i++) {
		const struct netmap_node *a = nm->by_name[i - 1], *b = nm->by_name[i];
		const struct netmap_node *c = nm->by_key[i - 1], *d = nm->by_key[i];

		if (strcmp(a->name, b->name) == 0)
			return nm_duplicate(p, "nodes", (size_t)(b - nm->nodes), "name",
			    (size_t)(a - nm->nodes), "node name");
		if (memcmp(c->key, d->key, NETMAP_KEY_LEN) == 0)
			return nm_duplicate(p, "nodes", (size_t)(d - nm->nodes), "key",
			    (size_t)(c - nm->nodes), "WireGuard key");
	}
	for (i = 0; i < nm->nnodes; i++)
		nm->nindex += nm->nodes[i].naddrs;
	if (nm->nindex == 0)
		return MESH_OK;
	if ((nm->index = calloc(nm->nindex, sizeof(*nm->index))) == NULL)
		return nm_nomem(p);
	for (i = 0; i < nm->nnodes; i++)
		for (j = 0; j < nm->nodes[i].naddrs; j++, k++) {
			nm->index[k].addr = nm->nodes[i].addrs[j];
			nm->index[k].node = (uint32_t)i;
			nm->index[k].pos = (uint32_t)j;
		}
	qsort(nm->index, nm->nindex, sizeof(*nm->index), cmp_addr_entry);
	for (i = 1; i < nm->nindex; i++) {
		const struct netmap_index_entry *a = &nm->index[i - 1], *b = &nm->index[i];

		if (memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0) {
			nm_push_key(p, "nodes");
			nm_push_index(p, b->node);
			nm_push_key(p, "addresses");
			nm_push_index(p, b->pos);
			(void)nm_fail_at_path(p, MESH_ERR_DUPLICATE,
			    "duplicate address (already used by nodes[%u] \"%s\")", a->node,
			    nm->nodes[a->node].name);
			p->depth -= 4;
			return MESH_ERR_DUPLICATE;
		}
	}
	return MESH_OK;
}

int
netmap_parse(const uint8_t *buf, size_t len, struct netmap **out, struct mesh_error *err)
{
	struct nm_parser p;
	unsigned seen;
	int r;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	jsonr_init(&p.jr, buf, len, err);
	p.buf = (const char *)buf;
	p.len = len;
	p.err = err;
	if ((p.nm = calloc(1, sizeof(*p.nm))) == NULL) {
		r = nm_nomem(&p);
		goto out;
	}
	if (nm_mark(&p) != JSONR_OBJECT) {
		r = nm_fail(&p, MESH_ERR_PARSE, "a netmap is a JSON object");
		goto out;
	}
	if ((r = nm_object(&p, nm_top_fields, NM_ARRAY_LEN(nm_top_fields), p.nm, &seen)) != 0 ||
	    (r = jsonr_end(&p.jr)) != 0 ||
	    (r = nm_require(&p, seen, nm_top_fields, NM_TOP_REQUIRED)) != 0 ||
	    (r = nm_index_users(&p)) != 0 || (r = nm_link_owners(&p)) != 0 ||
	    (r = nm_index_nodes(&p)) != 0)
		goto out;
	*out = p.nm;
	p.nm = NULL;
out:
	jsonr_fini(&p.jr);
	netmap_free(p.nm);
	return r;
}

int
netmap_new(struct netmap **out)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return MESH_ERR_NOMEM;
	return MESH_OK;
}

static void
nm_free_list(char **list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		free(list[i]);
	free(list);
}

void
netmap_free(struct netmap *nm)
{
	size_t i;

	if (nm == NULL)
		return;
	for (i = 0; i < nm->nnodes; i++) {
		struct netmap_node *n = &nm->nodes[i];

		free(n->name);
		free(n->addrs);
		nm_free_list(n->endpoints, n->nendpoints);
		free(n->owner);
		nm_free_list(n->tags, n->ntags);
		nm_free_list(n->host_keys, n->nhost_keys);
	}
	for (i = 0; i < nm->nusers; i++) {
		free(nm->users[i].id);
		free(nm->users[i].login);
		free(nm->users[i].display_name);
		nm_free_list(nm->users[i].groups, nm->users[i].ngroups);
	}
	free(nm->nodes);
	free(nm->users);
	free(nm->domain);
	free(nm->index);
	free(nm->by_name);
	free(nm->by_key);
	free(nm->users_by_login);
	free(nm->users_by_id);
	free(nm);
}

const struct netmap_node *
netmap_whois(const struct netmap *nm, const struct netmap_addr *addr)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	struct netmap_addr key;
	size_t lo = 0, hi;

	if (nm == NULL || addr == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.family = addr->family;
	if (addr->family == AF_INET) {
		memcpy(key.bytes, addr->bytes, NM_V4_LEN);
	} else if (addr->family == AF_INET6 && memcmp(addr->bytes, v4mapped, 12) == 0) {
		key.family = AF_INET;
		memcpy(key.bytes, addr->bytes + 12, NM_V4_LEN);
	} else if (addr->family == AF_INET6) {
		memcpy(key.bytes, addr->bytes, NM_V6_LEN);
	} else {
		return NULL;
	}
	hi = nm->nindex;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(&nm->index[mid].addr, &key, sizeof(key));

		if (c == 0)
			return &nm->nodes[nm->index[mid].node];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Binary search over a sorted pointer array; cmp(key, element). */
static const void *
nm_search(const void *const *arr, size_t n, const void *key,
    int (*cmp)(const void *key, const void *elem))
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(key, arr[mid]);

		if (c == 0)
			return arr[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
key_node_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct netmap_node *)elem)->name);
}

static int
key_node_key(const void *key, const void *elem)
{
	return memcmp(key, ((const struct netmap_node *)elem)->key, NETMAP_KEY_LEN);
}

static int
key_user_login(const void *key, const void *elem)
{
	return strcmp(key, ((const struct netmap_user *)elem)->login);
}

static int
key_user_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct netmap_user *)elem)->id);
}

const struct netmap_node *
netmap_node_by_name(const struct netmap *nm, const char *name)
{
	char buf[NETMAP_DOMAIN_MAX + 2];
	size_t len, i, dlen;

	if (nm == NULL || name == NULL || (len = strlen(name)) >= sizeof(buf))
		return NULL;
	for (i = 0; i < len; i++)
		buf[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	if (nm->domain != NULL && (dlen = strlen(nm->domain)) + 1 < len &&
	    buf[len - dlen - 1] == '.' && strcmp(buf + len - dlen, nm->domain) == 0)
		buf[len - dlen - 1] = '\0';
	return nm_search((const void *const *)nm->by_name, nm->nnodes, buf, key_node_name);
}

const struct netmap_node *
netmap_node_by_key(const struct netmap *nm, const uint8_t key[NETMAP_KEY_LEN])
{
	if (nm == NULL || key == NULL)
		return NULL;
	return nm_search((const void *const *)nm->by_key, nm->nnodes, key, key_node_key);
}

const struct netmap_user *
netmap_user_by_login(const struct netmap *nm, const char *login)
{
	if (nm == NULL || login == NULL)
		return NULL;
	return nm_search(
	    (const void *const *)nm->users_by_login, nm->nusers, login, key_user_login);
}

const struct netmap_user *
netmap_user_by_id(const struct netmap *nm, const char *id)
{
	if (nm == NULL || id == NULL)
		return NULL;
	return nm_search((const void *const *)nm->users_by_id, nm->nusers, id, key_user_id);
}

bool
netmap_node_has_tag(const struct netmap_node *node, const char *tag)
{
	size_t i;

	for (i = 0; node != NULL && tag != NULL && i < node->ntags; i++)
		if (strcmp(node->tags[i], tag) == 0)
			return true;
	return false;
}

int
netmap_addr_parse(const char *s, struct netmap_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return MESH_ERR_PARSE;
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return MESH_OK;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = AF_INET6;
		return MESH_OK;
	}
	memset(out, 0, sizeof(*out));
	return MESH_ERR_PARSE;
}

int
netmap_addr_format(const struct netmap_addr *a, char *buf, size_t len)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->bytes, buf, (socklen_t)len) == NULL)
		return MESH_ERR_RANGE;
	return MESH_OK;
}
