/*
 * Constant-time-on-average peer lookups for the packet path: by receiver
 * index (every data packet, response and cookie reply names one of our
 * indices) and by static public key (every handshake initiation).  An open
 * addressing hash table with linear probing and backward-shift deletion, of
 * (64-bit hash, peer) entries; several entries may share a hash and the
 * caller confirms the match on the peer itself.  Receiver indices are our
 * own random numbers and hash as themselves; public keys hash with SipHash
 * (libsodium's crypto_shorthash) under a per-table random key, so nobody
 * can arrange collisions.  Self-test against a linear search:
 * wg_peertable_selftest().
 */
#ifndef MESH_PEERTABLE_H
#define MESH_PEERTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_PEERTABLE_MIN_SLOTS	     64 /* initial size, a power of two */
#define WG_PEERTABLE_SIPHASH_KEY_LEN 16

struct wg_peertable_slot {
	uint64_t hash;
	void *value; /* NULL: empty */
};

struct wg_peertable {
	struct wg_peertable_slot *slots;
	size_t cap; /* power of two, 0 before the first insert */
	size_t n;
	uint8_t key[WG_PEERTABLE_SIPHASH_KEY_LEN];
};

void wg_peertable_init(struct wg_peertable *t);
void wg_peertable_free(struct wg_peertable *t);
/* SipHash of bytes under the table's key. */
uint64_t wg_peertable_hash(const struct wg_peertable *t, const uint8_t *buf, size_t len);
/* Add (hash, value); value must not be NULL.  0 or MESH_ERR_NOMEM. */
int wg_peertable_insert(struct wg_peertable *t, uint64_t hash, void *value);
/* Remove the entry (hash, value) if present; returns whether it was. */
bool wg_peertable_remove(struct wg_peertable *t, uint64_t hash, const void *value);
/*
 * Iterate the values stored under hash: start with *cursor = 0; returns NULL
 * when there are no more.  The table must not change during an iteration.
 */
void *wg_peertable_next(const struct wg_peertable *t, uint64_t hash, size_t *cursor);
/* Returns 0 or the failing case number. */
int wg_peertable_selftest(void);

#endif
