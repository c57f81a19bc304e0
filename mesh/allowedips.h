/*
 * Cryptokey routing: which peer owns an inner address.  A binary trie per
 * address family; lookup returns the peer of the longest matching prefix.
 * Used in both directions: on send to choose the peer for a destination, on
 * receive to drop a packet whose inner source does not belong to the peer
 * that sent it (what makes a source address trustworthy for meshsshd).
 * Insert masks host bits, so 10.0.0.7/24 is stored as 10.0.0.0/24.
 * Self-test against a linear longest-prefix search: allowedips_selftest().
 */
#ifndef MESH_ALLOWEDIPS_H
#define MESH_ALLOWEDIPS_H

#include <stddef.h>
#include <stdint.h>

struct allowedips_node;

struct allowedips {
	struct allowedips_node *root4;
	struct allowedips_node *root6;
};

void allowedips_init(struct allowedips *t);
void allowedips_free(struct allowedips *t);
/* family AF_INET (4 bytes) or AF_INET6 (16 bytes); a later insert of the same prefix wins. */
int allowedips_insert(
    struct allowedips *t, int family, const uint8_t *addr, unsigned cidr, void *peer);
void *allowedips_lookup(const struct allowedips *t, int family, const uint8_t *addr);
/* Forget every prefix that routes to peer. */
void allowedips_remove_peer(struct allowedips *t, const void *peer);
/* Call fn for every prefix of peer (addr bytes in network order). */
typedef void (*allowedips_walk_fn)(int family, const uint8_t *addr, unsigned cidr, void *ctx);
void allowedips_walk_peer(
    const struct allowedips *t, const void *peer, allowedips_walk_fn fn, void *ctx);
/* Returns 0 or the failing case number. */
int allowedips_selftest(void);

#endif
