/*
 * The netmap: which WireGuard key, mesh addresses and owner each node has,
 * and who the users are.  Contract 1 of DESIGN.md; file format in
 * man/meshssh-netmap.5.
 *
 * A netmap is trusted only when a detached Ed25519 signature by a key in the
 * trusted-keys file verifies, its serial is not lower than the last accepted
 * one, and it has not expired.  Parsing and verification are pure functions
 * (time and the last serial are parameters); a failure leaves the caller's
 * current netmap untouched.
 *
 * whois is a binary search over a sorted address index: O(log n).
 */
#ifndef MESH_NETMAP_H
#define MESH_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NETMAP_KEY_LEN 32 /* WireGuard (X25519) public key */

/* A mesh address: v4 (4 bytes used) or v6 (16 bytes). */
struct netmap_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct netmap_user {
	char *id;	    /* immutable IdP user id ("sub"); never reused */
	char *login;	    /* alice@example.com */
	char *display_name; /* may be NULL */
	char **groups;	    /* IdP groups, e.g. "admins" */
	size_t ngroups;
};

struct netmap_node {
	char *name; /* web-1; unique */
	uint8_t key[NETMAP_KEY_LEN];
	struct netmap_addr *addrs; /* mesh addresses; unique across the netmap */
	size_t naddrs;
	char **endpoints; /* "host:port" / "[v6]:port" UDP endpoints */
	size_t nendpoints;
	char *owner;			/* owner login; NULL for a tagged node */
	const struct netmap_user *user; /* owner's user entry, NULL if tagged */
	char **tags;			/* "tag:prod" */
	size_t ntags;
	char **host_keys; /* "ssh-ed25519 AAAA..." lines */
	size_t nhost_keys;
};

struct netmap_index_entry; /* private: sorted address -> node */

struct netmap {
	uint64_t serial;
	int64_t expires; /* unix seconds */
	struct netmap_node *nodes;
	size_t nnodes;
	struct netmap_user *users;
	size_t nusers;
	struct netmap_index_entry *index; /* private */
	size_t nindex;
};

#endif
