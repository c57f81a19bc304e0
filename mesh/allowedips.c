/*
 * Allowed-IPs trie (see allowedips.h).  One node per prefix bit: simple to
 * prove correct; lookups touch at most 32 or 128 nodes.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "error.h"

#define ADDR4_BITS     32
#define ADDR6_BITS     128
#define ADDR_MAX_BYTES 16

struct allowedips_node {
	struct allowedips_node *child[2];
	void *peer; /* non-NULL: a prefix ends here */
};

static unsigned
family_bits(int family)
{
	return family == AF_INET ? ADDR4_BITS : family == AF_INET6 ? ADDR6_BITS : 0;
}

static int
addr_bit(const uint8_t *addr, unsigned i)
{
	return (addr[i / 8] >> (7 - i % 8)) & 1;
}

void
allowedips_init(struct allowedips *t)
{
	t->root4 = t->root6 = NULL;
}

static void
node_free(struct allowedips_node *n)
{
	if (n == NULL)
		return;
	node_free(n->child[0]);
	node_free(n->child[1]);
	free(n);
}

void
allowedips_free(struct allowedips *t)
{
	node_free(t->root4);
	node_free(t->root6);
	allowedips_init(t);
}

int
allowedips_insert(struct allowedips *t, int family, const uint8_t *addr, unsigned cidr, void *peer)
{
	unsigned bits = family_bits(family), i;
	struct allowedips_node **np;

	if (bits == 0 || cidr > bits || peer == NULL)
		return MESH_ERR_INVALID;
	np = family == AF_INET ? &t->root4 : &t->root6;
	for (i = 0;; i++) {
		if (*np == NULL && (*np = calloc(1, sizeof(**np))) == NULL)
			return MESH_ERR_NOMEM;
		if (i == cidr)
			break;
		np = &(*np)->child[addr_bit(addr, i)];
	}
	(*np)->peer = peer;
	return 0;
}

void *
allowedips_lookup(const struct allowedips *t, int family, const uint8_t *addr)
{
	unsigned bits = family_bits(family), i;
	const struct allowedips_node *n;
	void *best = NULL;

	n = family == AF_INET ? t->root4 : family == AF_INET6 ? t->root6 : NULL;
	for (i = 0; n; i++) {
		if (n->peer)
			best = n->peer;
		if (i == bits)
			break;
		n = n->child[addr_bit(addr, i)];
	}
	return best;
}

/* Remove peer below *np; prune nodes left with neither prefix nor children. */
static void
node_remove_peer(struct allowedips_node **np, const void *peer)
{
	struct allowedips_node *n = *np;

	if (n == NULL)
		return;
	node_remove_peer(&n->child[0], peer);
	node_remove_peer(&n->child[1], peer);
	if (n->peer == peer)
		n->peer = NULL;
	if (n->peer == NULL && n->child[0] == NULL && n->child[1] == NULL) {
		free(n);
		*np = NULL;
	}
}

void
allowedips_remove_peer(struct allowedips *t, const void *peer)
{
	node_remove_peer(&t->root4, peer);
	node_remove_peer(&t->root6, peer);
}

static void
node_walk(const struct allowedips_node *n, int family, uint8_t *addr, unsigned depth,
    const void *peer, allowedips_walk_fn fn, void *ctx)
{
	int b;

	if (n == NULL)
		return;
	if (n->peer == peer)
		fn(family, addr, depth, ctx);
	for (b = 0; b < 2; b++) {
		if (n->child[b] == NULL)
			continue;
		if (b)
			addr[depth / 8] |= (uint8_t)(0x80 >> (depth % 8));
		node_walk(n->child[b], family, addr, depth + 1, peer, fn, ctx);
		addr[depth / 8] &= (uint8_t) ~(0x80 >> (depth % 8));
	}
}

void
allowedips_walk_peer(const struct allowedips *t, const void *peer, allowedips_walk_fn fn, void *ctx)
{
	uint8_t addr[ADDR_MAX_BYTES] = {0};

	node_walk(t->root4, AF_INET, addr, 0, peer, fn, ctx);
	memset(addr, 0, sizeof(addr));
	node_walk(t->root6, AF_INET6, addr, 0, peer, fn, ctx);
}

/* ---- self-test: the trie against a linear longest-prefix match ---- */

#define SELFTEST_PREFIXES 400
#define SELFTEST_LOOKUPS  20000

struct selftest_prefix {
	int family;
	uint8_t addr[ADDR_MAX_BYTES];
	unsigned cidr;
	void *peer;
};

static bool
prefix_match(const struct selftest_prefix *p, const uint8_t *addr)
{
	unsigned i;

	for (i = 0; i < p->cidr; i++)
		if (addr_bit(p->addr, i) != addr_bit(addr, i))
			return false;
	return true;
}

static void *
linear_lookup(const struct selftest_prefix *ps, size_t n, int family, const uint8_t *addr)
{
	const struct selftest_prefix *best = NULL;
	size_t i, j;

	/* a later insert of an identical prefix replaces the earlier one */
	for (i = 0; i < n; i++) {
		if (ps[i].family != family || !prefix_match(&ps[i], addr))
			continue;
		for (j = i + 1; j < n; j++)
			if (ps[j].family == family && ps[j].cidr == ps[i].cidr &&
			    prefix_match(&ps[j], ps[i].addr))
				break;
		if (j < n || ps[i].peer == NULL)
			continue;
		if (best == NULL || ps[i].cidr > best->cidr)
			best = &ps[i];
	}
	return best ? best->peer : NULL;
}

/* Deterministic xorshift so the self-test is reproducible. */
static uint32_t
selftest_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
selftest_addr(uint32_t *s, int family, uint8_t *addr)
{
	unsigned i, n = family == AF_INET ? 4 : 16;

	memset(addr, 0, ADDR_MAX_BYTES);
	/* a small address space makes overlapping prefixes common */
	for (i = 0; i < n; i++)
		addr[i] = i < 2 ? (uint8_t)(selftest_rand(s) % 4) : (uint8_t)selftest_rand(s);
}

int
allowedips_selftest(void)
{
	static struct selftest_prefix ps[SELFTEST_PREFIXES];
	static char peers[8];
	struct allowedips t;
	uint8_t addr[ADDR_MAX_BYTES];
	uint32_t seed = 0x9e3779b9;
	int family, rc = 0;
	size_t i;

	allowedips_init(&t);
	for (i = 0; i < SELFTEST_PREFIXES; i++) {
		family = selftest_rand(&seed) & 1 ? AF_INET : AF_INET6;
		ps[i].family = family;
		selftest_addr(&seed, family, ps[i].addr);
		ps[i].cidr = selftest_rand(&seed) % (family_bits(family) + 1);
		ps[i].peer = &peers[selftest_rand(&seed) % sizeof(peers)];
		if (allowedips_insert(&t, family, ps[i].addr, ps[i].cidr, ps[i].peer) != 0) {
			rc = 1;
			goto out;
		}
	}
	for (i = 0; i < SELFTEST_LOOKUPS; i++) {
		family = selftest_rand(&seed) & 1 ? AF_INET : AF_INET6;
		selftest_addr(&seed, family, addr);
		if (i % 2) {
			family = ps[i % SELFTEST_PREFIXES].family;
			memcpy(addr, ps[i % SELFTEST_PREFIXES].addr, ADDR_MAX_BYTES);
		}
		if (allowedips_lookup(&t, family, addr) !=
		    linear_lookup(ps, SELFTEST_PREFIXES, family, addr)) {
			rc = 2;
			goto out;
		}
	}
	/* removing one peer must leave the others' answers intact */
	allowedips_remove_peer(&t, &peers[3]);
	for (i = 0; i < SELFTEST_PREFIXES; i++)
		if (ps[i].peer == &peers[3])
			ps[i].peer = NULL;
	for (i = 0; i < SELFTEST_LOOKUPS; i++) {
		family = ps[i % SELFTEST_PREFIXES].family;
		memcpy(addr, ps[i % SELFTEST_PREFIXES].addr, ADDR_MAX_BYTES);
		addr[family == AF_INET ? 3 : 15] ^= (uint8_t)selftest_rand(&seed);
		if (allowedips_lookup(&t, family, addr) !=
		    linear_lookup(ps, SELFTEST_PREFIXES, family, addr)) {
			rc = 3;
			goto out;
		}
	}
out:
	allowedips_free(&t);
	return rc;
}
