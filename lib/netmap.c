/*
 * Netmap parsing, validation and lookups.  The document is parsed with
 * jansson; every field is checked, every reference resolved and every
 * uniqueness rule enforced before the object is handed out.  Errors name the
 * field by path ("nodes[3].key") and position (line:col via jsonpos).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <jansson.h>

#include "jsonpos.h"
#include "keys.h"
#include "netmap.h"
#include "netmap_fields.h"

#define NM_PATH_MAX    4       /* nodes[3].addresses[1] */
#define NM_LIST_MAX    64      /* addresses, endpoints, tags, groups, host keys per entry */
#define NM_ENTRIES_MAX 1000000 /* nodes or users in one netmap */
#define NM_V4_LEN      4
#define NM_V6_LEN      16

struct netmap_index_entry {
	struct netmap_addr addr; /* 17 bytes, no padding: compared with memcmp */
	uint32_t node;		 /* index into nodes */
	uint32_t pos;		 /* index into that node's addrs, for errors */
};

struct nm_parser {
	const char *buf;
	size_t len;
	struct mesh_error *err;
	struct jsonpos_step path[NM_PATH_MAX];
	size_t depth;
	struct netmap *nm;
};

/* Checks a string value; NULL if fine, else why not. */
typedef const char *(*nm_check_fn)(const char *s);

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

static int nm_fail(struct nm_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record "PATH: message" at the position of the current path's value. */
static int
nm_fail(struct nm_parser *p, int code, const char *fmt, ...)
{
	char where[96], msg[MESH_ERROR_TEXT_MAX];
	unsigned line = 0, col = 0;
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nm_path_format(p, where, sizeof(where));
	if (jsonpos_locate(p->buf, p->len, p->path, p->depth, &line, &col) != 0)
		line = col = 0;
	if (where[0] == '\0')
		return mesh_error_set(p->err, code, line, col, "%s", msg);
	return mesh_error_set(p->err, code, line, col, "%s: %s", where, msg);
}

static int
nm_nomem(struct nm_parser *p)
{
	return mesh_error_set(p->err, MESH_ERR_NOMEM, 0, 0, "out of memory");
}

static int
nm_strdup(struct nm_parser *p, const char *s, char **out)
{
	if ((*out = strdup(s)) == NULL)
		return nm_nomem(p);
	return MESH_OK;
}

/* Refuse members of obj not in allowed (NULL-terminated). */
static int
nm_check_members(struct nm_parser *p, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach (obj, key, v) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			int r;

			nm_push_key(p, key);
			r = nm_fail(p, MESH_ERR_PARSE, "unknown field");
			nm_pop(p);
			return r;
		}
	}
	return MESH_OK;
}

/*
 * String member key of obj into *out (NULL if absent and optional), checked
 * by check.
 */
static int
nm_string(struct nm_parser *p, json_t *obj, const char *key, bool required, nm_check_fn check,
    const char **out)
{
	json_t *v = json_object_get(obj, key);
	const char *why;
	int r = MESH_OK;

	*out = NULL;
	if (v == NULL) {
		if (required)
			return nm_fail(p, MESH_ERR_PARSE, "missing field \"%s\"", key);
		return MESH_OK;
	}
	nm_push_key(p, key);
	if (!json_is_string(v))
		r = nm_fail(p, MESH_ERR_PARSE, "must be a string");
	else if (check && (why = check(json_string_value(v))) != NULL)
		r = nm_fail(p, MESH_ERR_INVALID, "\"%s\": %s", json_string_value(v), why);
	else
		*out = json_string_value(v);
	nm_pop(p);
	return r;
}

/* Array member key of obj (NULL if absent and optional), at most max entries. */
static int
nm_array(struct nm_parser *p, json_t *obj, const char *key, bool required, size_t min, size_t max,
    json_t **out)
{
	json_t *v = json_object_get(obj, key);
	int r = MESH_OK;

	*out = NULL;
	if (v == NULL) {
		if (required)
			return nm_fail(p, MESH_ERR_PARSE, "missing field \"%s\"", key);
		return MESH_OK;
	}
	nm_push_key(p, key);
	if (!json_is_array(v))
		r = nm_fail(p, MESH_ERR_PARSE, "must be an array");
	else if (json_array_size(v) < min)
		r = nm_fail(p, MESH_ERR_INVALID, "must not be empty");
	else if (json_array_size(v) > max)
		r = nm_fail(p, MESH_ERR_RANGE, "more than %zu entries", max);
	else
		*out = v;
	nm_pop(p);
	return r;
}

/*
 * A list of checked, distinct strings (tags, groups, endpoints, host keys)
 * into a new char*[] that the caller owns.
 */
static int
nm_string_list(struct nm_parser *p, json_t *obj, const char *key, bool required, nm_check_fn check,
    char ***out, size_t *n)
{
	json_t *arr, *v;
	size_t i, j;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = nm_array(p, obj, key, required, required ? 1 : 0, NM_LIST_MAX, &arr)) != 0)
		return r;
	if (arr == NULL || json_array_size(arr) == 0)
		return MESH_OK;
	if ((*out = calloc(json_array_size(arr), sizeof(char *))) == NULL)
		return nm_nomem(p);
	nm_push_key(p, key);
	json_array_foreach (arr, i, v) {
		const char *s, *why;

		nm_push_index(p, i);
		if (!json_is_string(v)) {
			r = nm_fail(p, MESH_ERR_PARSE, "must be a string");
			goto fail;
		}
		s = json_string_value(v);
		if ((why = check(s)) != NULL) {
			r = nm_fail(p, MESH_ERR_INVALID, "\"%s\": %s", s, why);
			goto fail;
		}
		for (j = 0; j < i; j++)
			if (strcmp((*out)[j], s) == 0) {
				r = nm_fail(p, MESH_ERR_DUPLICATE, "\"%s\" is listed twice", s);
				goto fail;
			}
		if ((r = nm_strdup(p, s, &(*out)[i])) != 0)
			goto fail;
		*n = i + 1;
		nm_pop(p);
	}
	nm_pop(p);
	return MESH_OK;
fail:
	p->depth -= 2;
	return r;
}

static const char *
check_label(const char *s)
{
	return netmap_field_label(s) ? NULL
				     : "not a valid node name (lowercase DNS label: a-z, 0-9, '-')";
}

static const char *
check_domain(const char *s)
{
	return netmap_field_domain(s) ? NULL : "not a valid lowercase DNS domain";
}

static const char *
check_login(const char *s)
{
	return netmap_field_login(s) ? NULL : "not a valid login (want local@domain)";
}

static const char *
check_tag(const char *s)
{
	return netmap_field_tag(s) ? NULL : "not a valid tag (want \"tag:name\")";
}

static const char *
check_endpoint(const char *s)
{
	return netmap_field_endpoint(s) ? NULL : "not a valid endpoint (want HOST:PORT)";
}

static const char *
check_text(const char *s)
{
	return netmap_field_text(s) ? NULL : "empty, too long, or has control characters";
}

static const char *
check_host_key(const char *s)
{
	const char *why;

	return netmap_field_host_key(s, &why) ? NULL : why;
}

static const char *
check_key(const char *s)
{
	uint8_t key[KEYS_LEN];

	return keys_from_base64(s, key) == 0 ? NULL : "not a valid WireGuard key";
}

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

static int
nm_user(struct nm_parser *p, json_t *obj, struct netmap_user *u)
{
	static const char *const members[] = {"id", "login", "displayName", "groups", NULL};
	const char *id, *login, *display;
	int r;

	if (!json_is_object(obj))
		return nm_fail(p, MESH_ERR_PARSE, "must be an object");
	if ((r = nm_check_members(p, obj, members)) != 0 ||
	    (r = nm_string(p, obj, "id", true, check_text, &id)) != 0 ||
	    (r = nm_string(p, obj, "login", true, check_login, &login)) != 0 ||
	    (r = nm_string(p, obj, "displayName", false, check_text, &display)) != 0 ||
	    (r = nm_strdup(p, id, &u->id)) != 0 || (r = nm_strdup(p, login, &u->login)) != 0 ||
	    (display && (r = nm_strdup(p, display, &u->display_name)) != 0))
		return r;
	return nm_string_list(p, obj, "groups", false, check_text, &u->groups, &u->ngroups);
}

static int
nm_addresses(struct nm_parser *p, json_t *obj, struct netmap_node *n)
{
	json_t *arr, *v;
	size_t i;
	int r;

	if ((r = nm_array(p, obj, "addresses", true, 1, NM_LIST_MAX, &arr)) != 0)
		return r;
	if ((n->addrs = calloc(json_array_size(arr), sizeof(*n->addrs))) == NULL)
		return nm_nomem(p);
	nm_push_key(p, "addresses");
	json_array_foreach (arr, i, v) {
		const char *why;

		nm_push_index(p, i);
		if (!json_is_string(v))
			r = nm_fail(p, MESH_ERR_PARSE, "must be a string");
		else if ((why = check_addr(json_string_value(v))) != NULL)
			r = nm_fail(p, MESH_ERR_INVALID, "\"%s\": %s", json_string_value(v), why);
		else
			(void)netmap_addr_parse(json_string_value(v), &n->addrs[n->naddrs++]);
		nm_pop(p);
		if (r != 0)
			break;
	}
	nm_pop(p);
	return r;
}

static int
nm_node(struct nm_parser *p, json_t *obj, struct netmap_node *n)
{
	static const char *const members[] = {
	    "name", "key", "addresses", "endpoints", "owner", "tags", "hostKeys", NULL};
	const char *name, *key, *owner;
	int r;

	if (!json_is_object(obj))
		return nm_fail(p, MESH_ERR_PARSE, "must be an object");
	if ((r = nm_check_members(p, obj, members)) != 0 ||
	    (r = nm_string(p, obj, "name", true, check_label, &name)) != 0 ||
	    (r = nm_strdup(p, name, &n->name)) != 0 ||
	    (r = nm_string(p, obj, "key", true, check_key, &key)) != 0 ||
	    (r = nm_addresses(p, obj, n)) != 0 ||
	    (r = nm_string_list(
		 p, obj, "endpoints", false, check_endpoint, &n->endpoints, &n->nendpoints)) != 0 ||
	    (r = nm_string(p, obj, "owner", false, check_login, &owner)) != 0 ||
	    (r = nm_string_list(p, obj, "tags", false, check_tag, &n->tags, &n->ntags)) != 0 ||
	    (r = nm_string_list(
		 p, obj, "hostKeys", false, check_host_key, &n->host_keys, &n->nhost_keys)) != 0)
		return r;
	(void)keys_from_base64(key, n->key);
	if (owner != NULL && n->ntags > 0)
		return nm_fail(p, MESH_ERR_INVALID,
		    "a node has an owner or tags, not both (tagged nodes belong to no user)");
	if (owner == NULL && n->ntags == 0)
		return nm_fail(p, MESH_ERR_INVALID, "a node needs an owner or at least one tag");
	if (owner != NULL) {
		if ((n->user = netmap_user_by_login(p->nm, owner)) == NULL) {
			nm_push_key(p, "owner");
			r = nm_fail(p, MESH_ERR_INVALID, "owner \"%s\" is not in users", owner);
			nm_pop(p);
			return r;
		}
		if ((r = nm_strdup(p, owner, &n->owner)) != 0)
			return r;
	}
	return MESH_OK;
}

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

/* Report a duplicate: the later entry (index later in section) repeats what earlier has. */
static int
nm_duplicate(struct nm_parser *p, const char *section, size_t later, const char *field,
    size_t earlier, const char *what)
{
	nm_push_key(p, section);
	nm_push_index(p, later);
	nm_push_key(p, field);
	(void)nm_fail(
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
			(void)nm_fail(p, MESH_ERR_DUPLICATE,
			    "duplicate address (already used by nodes[%u] \"%s\")", a->node,
			    nm->nodes[a->node].name);
			p->depth -= 4;
			return MESH_ERR_DUPLICATE;
		}
	}
	return MESH_OK;
}

/* An array of n objects parsed by fn into *out (elements of sz bytes). */
static int
nm_section(struct nm_parser *p, json_t *arr, const char *key, size_t sz, void **out, size_t *n,
    int (*fn)(struct nm_parser *, json_t *, void *))
{
	json_t *v;
	size_t i;
	int r = MESH_OK;

	if (arr == NULL || json_array_size(arr) == 0)
		return MESH_OK;
	if ((*out = calloc(json_array_size(arr), sz)) == NULL)
		return nm_nomem(p);
	nm_push_key(p, key);
	json_array_foreach (arr, i, v) {
		nm_push_index(p, i);
		*n = i + 1; /* counted before parsing so that a failure frees what was set */
		r = fn(p, v, (char *)*out + i * sz);
		nm_pop(p);
		if (r != 0)
			break;
	}
	nm_pop(p);
	return r;
}

static int
nm_user_cb(struct nm_parser *p, json_t *obj, void *u)
{
	return nm_user(p, obj, u);
}

static int
nm_node_cb(struct nm_parser *p, json_t *obj, void *n)
{
	return nm_node(p, obj, n);
}

static int
nm_header(struct nm_parser *p, json_t *root)
{
	static const char *const members[] = {
	    "version", "serial", "expires", "domain", "nodes", "users", NULL};
	struct netmap *nm = p->nm;
	json_t *v;
	const char *domain;
	int r;

	if ((r = nm_check_members(p, root, members)) != 0)
		return r;
	if ((v = json_object_get(root, "version")) == NULL)
		return nm_fail(p, MESH_ERR_PARSE, "missing field \"version\"");
	nm_push_key(p, "version");
	if (!json_is_integer(v))
		r = nm_fail(p, MESH_ERR_PARSE, "must be an integer");
	else if (json_integer_value(v) != NETMAP_VERSION)
		r = nm_fail(p, MESH_ERR_UNSUPPORTED, "version %lld is not supported (want %d)",
		    (long long)json_integer_value(v), NETMAP_VERSION);
	nm_pop(p);
	if (r != 0)
		return r;
	if ((v = json_object_get(root, "serial")) == NULL)
		return nm_fail(p, MESH_ERR_PARSE, "missing field \"serial\"");
	nm_push_key(p, "serial");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		r = nm_fail(p, MESH_ERR_PARSE, "must be a non-negative integer");
	else
		nm->serial = (uint64_t)json_integer_value(v);
	nm_pop(p);
	if (r != 0)
		return r;
	if ((v = json_object_get(root, "expires")) == NULL)
		return nm_fail(p, MESH_ERR_PARSE, "missing field \"expires\"");
	nm_push_key(p, "expires");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		nm->expires = (int64_t)json_integer_value(v);
	else if (!json_is_string(v) || !netmap_field_time(json_string_value(v), &nm->expires))
		r = nm_fail(p, MESH_ERR_PARSE,
		    "must be an RFC 3339 time (\"2026-12-01T00:00:00Z\") or unix seconds");
	nm_pop(p);
	if (r != 0)
		return r;
	if ((r = nm_string(p, root, "domain", false, check_domain, &domain)) != 0 ||
	    (domain && (r = nm_strdup(p, domain, &nm->domain)) != 0))
		return r;
	return MESH_OK;
}

int
netmap_parse(const uint8_t *buf, size_t len, struct netmap **out, struct mesh_error *err)
{
	struct nm_parser p = {(const char *)buf, len, err, {{0}}, 0, NULL};
	json_error_t jerr;
	json_t *root, *users, *nodes;
	int r;

	*out = NULL;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return mesh_error_set(err, MESH_ERR_PARSE, jerr.line > 0 ? (unsigned)jerr.line : 0,
		    jerr.column > 0 ? (unsigned)jerr.column : 0, "%s", jerr.text);
	if ((p.nm = calloc(1, sizeof(*p.nm))) == NULL) {
		r = nm_nomem(&p);
		goto out;
	}
	if (!json_is_object(root)) {
		r = nm_fail(&p, MESH_ERR_PARSE, "a netmap is a JSON object");
		goto out;
	}
	if ((r = nm_header(&p, root)) != 0 ||
	    (r = nm_array(&p, root, "users", false, 0, NM_ENTRIES_MAX, &users)) != 0 ||
	    (r = nm_array(&p, root, "nodes", true, 0, NM_ENTRIES_MAX, &nodes)) != 0 ||
	    (r = nm_section(&p, users, "users", sizeof(struct netmap_user), (void **)&p.nm->users,
		 &p.nm->nusers, nm_user_cb)) != 0 ||
	    (r = nm_index_users(&p)) != 0 ||
	    (r = nm_section(&p, nodes, "nodes", sizeof(struct netmap_node), (void **)&p.nm->nodes,
		 &p.nm->nnodes, nm_node_cb)) != 0 ||
	    (r = nm_index_nodes(&p)) != 0)
		goto out;
	*out = p.nm;
	p.nm = NULL;
out:
	netmap_free(p.nm);
	json_decref(root);
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
