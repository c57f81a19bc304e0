/*
 * The check cache: a small array of (owner, node, host user, checked,
 * until).  Lookups are linear; a host sees a few hundred distinct triples at
 * most within a checkPeriod, and the bound keeps the worst case small.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <jansson.h>

#include "checkcache.h"
#include "fileio.h"

#define CHECKCACHE_FORMAT_VERSION 1

struct cc_entry {
	char *owner;
	char *node;
	char *host_user;
	int64_t checked;
	int64_t until;
};

struct checkcache {
	struct cc_entry *v;
	size_t n;
	size_t cap;
};

struct checkcache *
checkcache_new(void)
{
	return calloc(1, sizeof(struct checkcache));
}

static void
entry_clear(struct cc_entry *e)
{
	free(e->owner);
	free(e->node);
	free(e->host_user);
	memset(e, 0, sizeof(*e));
}

void
checkcache_free(struct checkcache *cache)
{
	if (cache == NULL)
		return;
	for (size_t i = 0; i < cache->n; i++)
		entry_clear(&cache->v[i]);
	free(cache->v);
	free(cache);
}

size_t
checkcache_count(const struct checkcache *cache)
{
	return cache ? cache->n : 0;
}

static bool
field_ok(const char *s)
{
	return s != NULL && *s != '\0' && strlen(s) <= CHECKCACHE_FIELD_MAX;
}

static struct cc_entry *
find(const struct checkcache *cache, const char *owner, const char *node, const char *host_user)
{
	for (size_t i = 0; i < cache->n; i++) {
		struct cc_entry *e = &cache->v[i];

		if (strcmp(e->owner, owner) == 0 && strcmp(e->node, node) == 0 &&
		    strcmp(e->host_user, host_user) == 0)
			return e;
	}
	return NULL;
}

static void
remove_at(struct checkcache *cache, size_t i)
{
	entry_clear(&cache->v[i]);
	cache->v[i] = cache->v[cache->n - 1];
	memset(&cache->v[cache->n - 1], 0, sizeof(cache->v[0]));
	cache->n--;
}

static bool
entry_good(const struct cc_entry *e, int64_t now, int64_t period_s)
{
	int64_t stored = e->until - e->checked;
	int64_t p = period_s < stored ? period_s : stored;

	return period_s > 0 && e->checked <= now && now < e->checked + p;
}

static int
insert(struct checkcache *cache, const char *owner, const char *node, const char *host_user,
    int64_t checked, int64_t until)
{
	struct cc_entry *e = find(cache, owner, node, host_user), ne = {0};

	if (e != NULL) {
		e->checked = checked;
		e->until = until;
		return 0;
	}
	if (cache->n == CHECKCACHE_MAX_ENTRIES) {
		size_t victim = 0;

		for (size_t i = 1; i < cache->n; i++)
			if (cache->v[i].until < cache->v[victim].until)
				victim = i;
		remove_at(cache, victim);
	}
	if (cache->n == cache->cap) {
		size_t cap = cache->cap ? cache->cap * 2 : 16;
		struct cc_entry *v = realloc(cache->v, cap * sizeof(*v));

		if (v == NULL)
			return MESH_ERR_NOMEM;
		cache->v = v;
		cache->cap = cap;
	}
	ne.owner = strdup(owner);
	ne.node = strdup(node);
	ne.host_user = strdup(host_user);
	if (!ne.owner || !ne.node || !ne.host_user) {
		entry_clear(&ne);
		return MESH_ERR_NOMEM;
	}
	ne.checked = checked;
	ne.until = until;
	cache->v[cache->n++] = ne;
	return 0;
}

int
checkcache_add(struct checkcache *cache, const char *owner, const char *node, const char *host_user,
    int64_t now, int64_t period_s)
{
	if (!field_ok(owner) || !field_ok(node) || !field_ok(host_user))
		return MESH_ERR_INVALID;
	if (period_s <= 0)
		return 0;
	if (period_s > CHECKCACHE_MAX_PERIOD_S)
		period_s = CHECKCACHE_MAX_PERIOD_S;
	return insert(cache, owner, node, host_user, now, now + period_s);
}

bool
checkcache_valid(const struct checkcache *cache, const char *owner, const char *node,
    const char *host_user, int64_t now, int64_t period_s)
{
	const struct cc_entry *e;

	if (cache == NULL || !field_ok(owner) || !field_ok(node) || !field_ok(host_user))
		return false;
	e = find(cache, owner, node, host_user);
	return e != NULL && entry_good(e, now, period_s);
}

int
checkcache_forget(
    struct checkcache *cache, const char *owner, const char *node, const char *host_user)
{
	struct cc_entry *e;

	if (!field_ok(owner) || !field_ok(node) || !field_ok(host_user))
		return MESH_ERR_NOTFOUND;
	if ((e = find(cache, owner, node, host_user)) == NULL)
		return MESH_ERR_NOTFOUND;
	remove_at(cache, (size_t)(e - cache->v));
	return 0;
}

size_t
checkcache_expire(struct checkcache *cache, int64_t now)
{
	size_t gone = 0, i = 0;

	while (i < cache->n) {
		if (cache->v[i].until <= now) {
			remove_at(cache, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

int
checkcache_serialize(
    const struct checkcache *cache, int64_t now, char **out, struct mesh_error *err)
{
	json_t *root = NULL, *arr = json_array();
	int r = MESH_ERR_NOMEM;

	*out = NULL;
	if (arr == NULL)
		goto out;
	for (size_t i = 0; i < cache->n; i++) {
		const struct cc_entry *e = &cache->v[i];
		json_t *o;

		if (!entry_good(e, now, CHECKCACHE_MAX_PERIOD_S))
			continue;
		o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "owner", e->owner, "node", e->node,
		    "user", e->host_user, "checked", (json_int_t)e->checked, "until",
		    (json_int_t)e->until);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	root = json_pack("{s:i, s:O}", "version", CHECKCACHE_FORMAT_VERSION, "entries", arr);
	if (root == NULL || (*out = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;
	r = 0;
out:
	if (r < 0)
		mesh_error_set(err, r, 0, 0, "check cache: out of memory");
	json_decref(arr);
	json_decref(root);
	return r;
}

int
checkcache_parse(
    struct checkcache *cache, const uint8_t *buf, size_t len, int64_t now, struct mesh_error *err)
{
	json_error_t jerr;
	json_t *root, *arr, *o;
	size_t i;
	int r = 0;

	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return mesh_error_set(err, MESH_ERR_PARSE, (unsigned)jerr.line,
		    (unsigned)jerr.column, "check cache: %s", jerr.text);
	if (json_integer_value(json_object_get(root, "version")) != CHECKCACHE_FORMAT_VERSION ||
	    !json_is_array(arr = json_object_get(root, "entries"))) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 1, 1, "check cache: unknown format");
		goto out;
	}
	json_array_foreach (arr, i, o) {
		const char *owner = NULL, *node = NULL, *user = NULL;
		json_int_t checked = 0, until = 0;
		struct cc_entry e;

		if (json_unpack(o, "{s:s, s:s, s:s, s:I, s:I !}", "owner", &owner, "node", &node,
			"user", &user, "checked", &checked, "until", &until) != 0 ||
		    !field_ok(owner) || !field_ok(node) || !field_ok(user) || until <= checked ||
		    until - checked > CHECKCACHE_MAX_PERIOD_S) {
			r = mesh_error_set(
			    err, MESH_ERR_PARSE, 0, 0, "check cache: bad entry %zu", i);
			goto out;
		}
		e.checked = (int64_t)checked;
		e.until = (int64_t)until;
		if (!entry_good(&e, now, CHECKCACHE_MAX_PERIOD_S))
			continue; /* expired, or from a clock ahead of ours */
		if ((r = insert(cache, owner, node, user, e.checked, e.until)) < 0) {
			mesh_error_set(err, r, 0, 0, "check cache: out of memory");
			goto out;
		}
	}
out:
	json_decref(root);
	return r;
}

int
checkcache_load(struct checkcache *cache, const char *path, int64_t now, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	r = mesh_file_read(path, CHECKCACHE_FILE_MAX_BYTES, MESH_FILE_SECRET, &buf, &len, err);
	if (r == MESH_ERR_NOTFOUND || (r == MESH_ERR_IO && errno == ENOENT)) {
		mesh_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	r = checkcache_parse(cache, buf, len, now, err);
	if (r < 0 && err != NULL && err->source[0] == '\0')
		snprintf(err->source, sizeof(err->source), "%s", path);
	free(buf);
	return r;
}

int
checkcache_save(
    const struct checkcache *cache, const char *path, int64_t now, struct mesh_error *err)
{
	char *text = NULL;
	int r;

	if ((r = checkcache_serialize(cache, now, &text, err)) < 0)
		return r;
	r = mesh_file_write_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return r;
}

bool
checkcache_file_valid(const char *path, const char *owner, const char *node, const char *host_user,
    int64_t now, int64_t period_s)
{
	struct checkcache *c = checkcache_new();
	bool ok = false;

	if (c != NULL && checkcache_load(c, path, now, NULL) == 0)
		ok = checkcache_valid(c, owner, node, host_user, now, period_s);
	checkcache_free(c);
	return ok;
}

int
checkcache_file_record(const char *path, const char *owner, const char *node, const char *host_user,
    int64_t now, int64_t period_s, struct mesh_error *err)
{
	struct checkcache *c = NULL;
	char lock[4096];
	int fd = -1, n, r;

	n = snprintf(lock, sizeof(lock), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lock))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", path);
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", lock, strerror(errno));
	if ((r = mesh_file_check_fd(fd, lock, MESH_FILE_SECRET, err)) < 0)
		goto out;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = mesh_error_set(
			    err, MESH_ERR_IO, 0, 0, "%s: lock: %s", lock, strerror(errno));
			goto out;
		}
	}
	if ((c = checkcache_new()) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	if ((r = checkcache_load(c, path, now, err)) < 0)
		goto out;
	if ((r = checkcache_add(c, owner, node, host_user, now, period_s)) < 0) {
		mesh_error_set(err, r, 0, 0, "check cache: cannot add entry");
		goto out;
	}
	r = checkcache_save(c, path, now, err);
out:
	checkcache_free(c);
	if (fd >= 0)
		close(fd); /* releases the lock */
	return r;
}
