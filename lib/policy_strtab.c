/*
 * Interned strings for the compiled policy: each distinct login, tag, group
 * and host user gets a small index once, at parse time; a decision then looks
 * a name up once and compares indices.  Open addressing with linear probing,
 * FNV-1a hash, load factor at most one half.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define STRTAB_MIN_SLOTS 16u
#define FNV_OFFSET	 2166136261u
#define FNV_PRIME	 16777619u

static uint32_t
strtab_hash(const char *s, size_t len)
{
	uint32_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

static long
strtab_lookup(const struct pol_strtab *t, const char *s, size_t len, size_t *slot)
{
	size_t mask, i;
	uint32_t v;

	if (t->nslots == 0) {
		*slot = 0;
		return -1;
	}
	mask = t->nslots - 1;
	for (i = strtab_hash(s, len) & mask;; i = (i + 1) & mask) {
		v = t->slots[i];
		if (v == 0) {
			*slot = i;
			return -1;
		}
		if (strncmp(t->names[v - 1], s, len) == 0 && t->names[v - 1][len] == '\0') {
			*slot = i;
			return (long)(v - 1);
		}
	}
}

static int
strtab_grow(struct pol_strtab *t)
{
	size_t nslots = t->nslots ? t->nslots * 2 : STRTAB_MIN_SLOTS;
	uint32_t *slots;
	size_t i, j, mask = nslots - 1;

	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return MESH_ERR_NOMEM;
	for (i = 0; i < t->n; i++) {
		j = strtab_hash(t->names[i], strlen(t->names[i])) & mask;
		while (slots[j] != 0)
			j = (j + 1) & mask;
		slots[j] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = nslots;
	return 0;
}

int
pol_strtab_add(struct pol_strtab *t, const char *s, size_t len, uint32_t *idx)
{
	size_t slot;
	long found;
	char *copy;

	if ((found = strtab_lookup(t, s, len, &slot)) >= 0) {
		*idx = (uint32_t)found;
		return 0;
	}
	if ((t->n + 1) * 2 > t->nslots) {
		if (strtab_grow(t) != 0)
			return MESH_ERR_NOMEM;
		(void)strtab_lookup(t, s, len, &slot);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : STRTAB_MIN_SLOTS;
		char **names = realloc(t->names, cap * sizeof(*names));

		if (names == NULL)
			return MESH_ERR_NOMEM;
		t->names = names;
		t->cap = cap;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return MESH_ERR_NOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->names[t->n] = copy;
	t->slots[slot] = (uint32_t)(t->n + 1);
	*idx = (uint32_t)t->n++;
	return 0;
}

long
pol_strtab_find(const struct pol_strtab *t, const char *s)
{
	size_t slot;

	return strtab_lookup(t, s, strlen(s), &slot);
}

void
pol_strtab_free(struct pol_strtab *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
