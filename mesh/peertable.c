/*
 * Hash table of (hash, peer) entries (see peertable.h).  The load factor
 * stays at or below one half, so probe sequences are short; deletion shifts
 * later entries of the same run back instead of leaving tombstones.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "peertable.h"

#define LOAD_NUM 1 /* grow when n + 1 > cap * LOAD_NUM / LOAD_DEN */
#define LOAD_DEN 2

void
wg_peertable_init(struct wg_peertable *t)
{
	memset(t, 0, sizeof(*t));
	randombytes_buf(t->key, sizeof(t->key));
}

void
wg_peertable_free(struct wg_peertable *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
	sodium_memzero(t->key, sizeof(t->key));
}

uint64_t
wg_peertable_hash(const struct wg_peertable *t, const uint8_t *buf, size_t len)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h;

	crypto_shorthash(out, buf, len, t->key);
	memcpy(&h, out, sizeof(h));
	return h;
}

static size_t
home_slot(const struct wg_peertable *t, uint64_t hash)
{
	/* fold the high bits in: receiver indices are 32-bit */
	return (size_t)((hash ^ (hash >> 32)) & (t->cap - 1));
}

static void
place(struct wg_peertable_slot *slots, size_t cap, const struct wg_peertable_slot *e, size_t home)
{
	size_t i = home;

	while (slots[i].value != NULL)
		i = (i + 1) & (cap - 1);
	slots[i] = *e;
}

static int
grow(struct wg_peertable *t)
{
	size_t ncap = t->cap ? t->cap * 2 : WG_PEERTABLE_MIN_SLOTS, i, ocap = t->cap;
	struct wg_peertable_slot *ns = calloc(ncap, sizeof(*ns)), *os = t->slots;

	if (ns == NULL)
		return MESH_ERR_NOMEM;
	t->slots = ns;
	t->cap = ncap;
	for (i = 0; i < ocap; i++)
		if (os[i].value)
			place(ns, ncap, &os[i], home_slot(t, os[i].hash));
	free(os);
	return 0;
}

int
wg_peertable_insert(struct wg_peertable *t, uint64_t hash, void *value)
{
	struct wg_peertable_slot e = {hash, value};
	int r;

	if (value == NULL)
		return MESH_ERR_INVALID;
	if ((t->n + 1) * LOAD_DEN > t->cap * LOAD_NUM && (r = grow(t)) != 0)
		return r;
	place(t->slots, t->cap, &e, home_slot(t, hash));
	t->n++;
	return 0;
}

bool
wg_peertable_remove(struct wg_peertable *t, uint64_t hash, const void *value)
{
	size_t mask = t->cap - 1, i, j, home;

	if (t->cap == 0)
		return false;
	for (i = home_slot(t, hash); t->slots[i].value; i = (i + 1) & mask)
		if (t->slots[i].hash == hash && t->slots[i].value == value)
			break;
	if (t->slots[i].value == NULL)
		return false;
	/* backward shift: move later entries whose home is not in (i, j] into the hole */
	for (j = (i + 1) & mask; t->slots[j].value; j = (j + 1) & mask) {
		home = home_slot(t, t->slots[j].hash);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].value = NULL;
	t->slots[i].hash = 0;
	t->n--;
	return true;
}

void *
wg_peertable_next(const struct wg_peertable *t, uint64_t hash, size_t *cursor)
{
	size_t mask = t->cap - 1, i;

	if (t->cap == 0)
		return NULL;
	for (; *cursor < t->cap; (*cursor)++) {
		i = (home_slot(t, hash) + *cursor) & mask;
		if (t->slots[i].value == NULL)
			return NULL;
		if (t->slots[i].hash == hash) {
			(*cursor)++;
			return t->slots[i].value;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- self-test */

#define SELFTEST_VALUES 512
#define SELFTEST_ROUNDS 20000
#define SELFTEST_HASHES 300 /* fewer hashes than values: shared hashes happen */

static size_t
count_linear(const uint64_t *hashes, void *const *values, size_t n, uint64_t h, const void *v)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (values[i] && hashes[i] == h && (v == NULL || values[i] == v))
			c++;
	return c;
}

int
wg_peertable_selftest(void)
{
	static char objs[SELFTEST_VALUES];
	uint64_t hashes[SELFTEST_VALUES];
	void *values[SELFTEST_VALUES];
	struct wg_peertable t;
	size_t round, k, cursor, found;
	uint64_t h;
	void *v;
	int rc = 0;

	wg_peertable_init(&t);
	memset(values, 0, sizeof(values));
	memset(hashes, 0, sizeof(hashes));
	for (round = 0; round < SELFTEST_ROUNDS && rc == 0; round++) {
		k = randombytes_uniform(SELFTEST_VALUES);
		if (values[k] == NULL) {
			hashes[k] =
			    randombytes_uniform(SELFTEST_HASHES) * UINT64_C(0x9e3779b97f4a7c15);
			values[k] = &objs[k];
			if (wg_peertable_insert(&t, hashes[k], values[k]) != 0)
				rc = 1;
		} else {
			if (!wg_peertable_remove(&t, hashes[k], values[k]))
				rc = 2;
			values[k] = NULL;
			if (wg_peertable_remove(&t, hashes[k], &objs[k]))
				rc = 3;
		}
		/* every live entry is found, each hash yields exactly its values */
		h = hashes[randombytes_uniform(SELFTEST_VALUES)];
		for (cursor = 0, found = 0; (v = wg_peertable_next(&t, h, &cursor)) != NULL;) {
			found++;
			if (count_linear(hashes, values, SELFTEST_VALUES, h, v) != 1)
				rc = 4;
		}
		if (found != count_linear(hashes, values, SELFTEST_VALUES, h, NULL))
			rc = 5;
	}
	for (k = 0; k < SELFTEST_VALUES && rc == 0; k++)
		if (values[k] && !wg_peertable_remove(&t, hashes[k], values[k]))
			rc = 6;
	if (rc == 0 && t.n != 0)
		rc = 7;
	wg_peertable_free(&t);
	return rc;
}
