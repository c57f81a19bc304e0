/*
 * Writing netmaps: canonical JSON text, and the authoring edits behind
 * `meshctl netmap add-node` and friends.  An edit serialises the current
 * netmap, changes the JSON and parses the result again, so an edited netmap
 * passes exactly the checks a received one does, and the caller's netmap is
 * replaced only when it does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "keys.h"
#include "netmap.h"

#define NETMAP_JSON_INDENT 2

int
netmap_time_format(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return MESH_ERR_RANGE;
	return MESH_OK;
}

/* Set key to a new value; NULL (allocation failed) poisons the object. */
static int
nj_set(json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		return MESH_ERR_NOMEM;
	return MESH_OK;
}

static json_t *
nj_strings(char *const *list, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_string(list[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *
nj_user(const struct netmap_user *u)
{
	json_t *o = json_object();

	if (o == NULL || nj_set(o, "id", json_string(u->id)) != 0 ||
	    nj_set(o, "login", json_string(u->login)) != 0 ||
	    (u->display_name && nj_set(o, "displayName", json_string(u->display_name)) != 0) ||
	    (u->ngroups && nj_set(o, "groups", nj_strings(u->groups, u->ngroups)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
nj_addrs(const struct netmap_node *n)
{
	char text[NETMAP_ADDR_TEXT_MAX];
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < n->naddrs; i++)
		if (netmap_addr_format(&n->addrs[i], text, sizeof(text)) != 0 ||
		    json_array_append_new(arr, json_string(text)) != 0) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *
nj_node(const struct netmap_node *n)
{
	char key[KEYS_B64_LEN + 1];
	json_t *o = json_object();

	keys_to_base64(n->key, key);
	if (o == NULL || nj_set(o, "name", json_string(n->name)) != 0 ||
	    nj_set(o, "key", json_string(key)) != 0 || nj_set(o, "addresses", nj_addrs(n)) != 0 ||
	    (n->nendpoints &&
		nj_set(o, "endpoints", nj_strings(n->endpoints, n->nendpoints)) != 0) ||
	    (n->owner && nj_set(o, "owner", json_string(n->owner)) != 0) ||
	    (n->ntags && nj_set(o, "tags", nj_strings(n->tags, n->ntags)) != 0) ||
	    (n->nhost_keys &&
		nj_set(o, "hostKeys", nj_strings(n->host_keys, n->nhost_keys)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
nj_netmap(const struct netmap *nm)
{
	char when[32];
	json_t *o = json_object(), *nodes = json_array(), *users = json_array();
	size_t i;

	if (o == NULL || nodes == NULL || users == NULL ||
	    netmap_time_format(nm->expires, when, sizeof(when)) != 0)
		goto fail;
	for (i = 0; i < nm->nnodes; i++)
		if (json_array_append_new(nodes, nj_node(&nm->nodes[i])) != 0)
			goto fail;
	for (i = 0; i < nm->nusers; i++)
		if (json_array_append_new(users, nj_user(&nm->users[i])) != 0)
			goto fail;
	if (nj_set(o, "version", json_integer(NETMAP_VERSION)) != 0 ||
	    nj_set(o, "serial", json_integer((json_int_t)nm->serial)) != 0 ||
	    nj_set(o, "expires", json_string(when)) != 0 ||
	    (nm->domain && nj_set(o, "domain", json_string(nm->domain)) != 0))
		goto fail;
	/* set_new steals the references, also on failure */
	if (nj_set(o, "nodes", nodes) != 0) {
		nodes = NULL;
		goto fail;
	}
	if (nj_set(o, "users", users) != 0) {
		users = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(nodes);
	json_decref(users);
	json_decref(o);
	return NULL;
}

static int
nj_dump(json_t *j, char **out, size_t *len)
{
	char *text = json_dumps(j, JSON_INDENT(NETMAP_JSON_INDENT) | JSON_ENSURE_ASCII), *nl;
	size_t n;

	if (text == NULL)
		return MESH_ERR_NOMEM;
	n = strlen(text);
	if ((nl = realloc(text, n + 2)) == NULL) {
		free(text);
		return MESH_ERR_NOMEM;
	}
	nl[n] = '\n';
	nl[n + 1] = '\0';
	*out = nl;
	*len = n + 1;
	return MESH_OK;
}

int
netmap_to_json(const struct netmap *nm, char **out, size_t *len)
{
	json_t *j = nj_netmap(nm);
	int r;

	*out = NULL;
	if (j == NULL)
		return MESH_ERR_NOMEM;
	r = nj_dump(j, out, len);
	json_decref(j);
	return r;
}

/* Parse the edited document j and replace *nm with it on success. */
static int
nj_commit(struct netmap **nm, json_t *j, struct mesh_error *err)
{
	struct netmap *next = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	if ((r = nj_dump(j, &text, &len)) != 0)
		return mesh_error_set(err, r, 0, 0, "out of memory");
	if ((r = netmap_parse((const uint8_t *)text, len, &next, err)) == 0) {
		netmap_free(*nm);
		*nm = next;
	}
	free(text);
	return r;
}

/* Append v to the array named section of the serialised *nm and commit. */
static int
nj_append(struct netmap **nm, const char *section, json_t *v, struct mesh_error *err)
{
	json_t *j = nj_netmap(*nm);
	int r;

	if (j == NULL || v == NULL || json_array_append(json_object_get(j, section), v) != 0) {
		json_decref(j);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	r = nj_commit(nm, j, err);
	json_decref(j);
	return r;
}

int
netmap_add_node(struct netmap **nm, const struct netmap_node *node, struct mesh_error *err)
{
	json_t *v;
	int r;

	if (node->name != NULL && netmap_node_by_name(*nm, node->name) != NULL)
		return mesh_error_set(
		    err, MESH_ERR_EXISTS, 0, 0, "node \"%s\" already exists", node->name);
	v = nj_node(node);
	r = nj_append(nm, "nodes", v, err);
	json_decref(v);
	return r;
}

int
netmap_add_user(struct netmap **nm, const struct netmap_user *user, struct mesh_error *err)
{
	json_t *v;
	int r;

	if (user->login != NULL && netmap_user_by_login(*nm, user->login) != NULL)
		return mesh_error_set(
		    err, MESH_ERR_EXISTS, 0, 0, "user \"%s\" already exists", user->login);
	v = nj_user(user);
	r = nj_append(nm, "users", v, err);
	json_decref(v);
	return r;
}

int
netmap_remove_node(struct netmap **nm, const char *name, struct mesh_error *err)
{
	const struct netmap_node *n = netmap_node_by_name(*nm, name);
	json_t *j;
	int r;

	if (n == NULL)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0, "no node named \"%s\"", name);
	if ((j = nj_netmap(*nm)) == NULL ||
	    json_array_remove(json_object_get(j, "nodes"), (size_t)(n - (*nm)->nodes)) != 0) {
		json_decref(j);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	r = nj_commit(nm, j, err);
	json_decref(j);
	return r;
}
