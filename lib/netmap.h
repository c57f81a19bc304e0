/*
 * The netmap: which WireGuard key, mesh addresses and owner each node has,
 * and who the users are.  Contract 1 of DESIGN.md; file format in
 * man/meshssh-netmap.5.
 *
 * A netmap is trusted only when a detached Ed25519 signature by a key in the
 * trusted-keys file verifies, its serial is not lower than the last accepted
 * one, and it has not expired.  Parsing and verification are pure functions
 * (time and the last serial are parameters); a failure leaves the caller's
 * current netmap untouched: every function that produces a netmap builds a
 * new object and hands it over only when everything passed.
 *
 * Lookups (whois by address, node by name or key, user by login or id) are
 * binary searches over sorted indexes built at parse time: O(log n).
 */
#ifndef MESH_NETMAP_H
#define MESH_NETMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "trust.h"

#define NETMAP_KEY_LEN 32 /* WireGuard (X25519) public key */
#define NETMAP_VERSION 1  /* the "version" this code reads and writes */
/* Domain separation for netmap signatures (see trust.h). */
#define NETMAP_SIG_CONTEXT "meshssh-netmap-v1"
/* Longest text netmap_addr_format() writes, with the NUL. */
#define NETMAP_ADDR_TEXT_MAX 46

/* A mesh address: v4 (4 bytes used, the rest zero) or v6 (16 bytes). */
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
	char *name; /* web-1; a lowercase DNS label, unique */
	uint8_t key[NETMAP_KEY_LEN];
	struct netmap_addr *addrs; /* mesh addresses; unique across the netmap */
	size_t naddrs;
	char **endpoints; /* "host:port" / "[v6]:port" UDP endpoints */
	size_t nendpoints;
	char *owner;			/* owner login; NULL for a tagged node */
	const struct netmap_user *user; /* owner's user entry, NULL if tagged */
	char **tags;			/* "tag:prod" */
	size_t ntags;
	char **host_keys; /* "ssh-ed25519 AAAA..." (type and base64, no comment) */
	size_t nhost_keys;
};

struct netmap_index_entry; /* private: sorted address -> node */

struct netmap {
	uint64_t serial;
	int64_t expires; /* unix seconds */
	char *domain;	 /* "example.com" or NULL */
	struct netmap_node *nodes;
	size_t nnodes;
	struct netmap_user *users;
	size_t nusers;
	/* private, sorted lookup indexes */
	struct netmap_index_entry *index;
	size_t nindex;
	const struct netmap_node **by_name;
	const struct netmap_node **by_key;
	const struct netmap_user **users_by_login;
	const struct netmap_user **users_by_id;
};

/*
 * Parse and validate a netmap document (strict JSON).  Structural and
 * semantic checks only: no signature, serial or expiry check.  Errors are one
 * line with line:col and the field, e.g. "12:7: nodes[3].key: not a valid
 * WireGuard key" (set err->source to the file name first to get it prefixed).
 */
int netmap_parse(const uint8_t *buf, size_t len, struct netmap **out, struct mesh_error *err);
void netmap_free(struct netmap *nm);

/* An empty netmap (serial 0, no nodes or users) for authoring. */
int netmap_new(struct netmap **out);

/* Detached signature over doc by a trusted key (MESH_ERR_SIGNATURE/UNTRUSTED/PARSE). */
int netmap_verify_signature(const uint8_t *doc, size_t len, const uint8_t *sig, size_t siglen,
    const struct trust_keys *trusted, struct mesh_error *err);
/* Serial not below last_serial (MESH_ERR_ROLLBACK), now before expiry (MESH_ERR_EXPIRED). */
int netmap_check_fresh(
    const struct netmap *nm, uint64_t last_serial, int64_t now, struct mesh_error *err);

/*
 * Everything: read path and sigpath, verify the signature (before parsing
 * anything), parse, check serial and expiry.  *out is set only on success.
 */
int netmap_load(const char *path, const char *sigpath, const struct trust_keys *trusted,
    uint64_t last_serial, int64_t now, struct netmap **out, struct mesh_error *err);

/* Mode of the state directory created for the serial file or the cache. */
#define NETMAP_STATE_DIR_MODE 0755

/*
 * Rollback protection across restarts: the last accepted serial lives in a
 * state file (e.g. /var/lib/meshssh/netmap.serial; root-owned, decimal).  A
 * missing file reads as 0.  netmap_load_tracked() loads against it and
 * records a higher serial before handing the netmap over; if the serial
 * cannot be recorded the netmap is refused.
 */
int netmap_serial_read(const char *statepath, uint64_t *serial, struct mesh_error *err);
int netmap_serial_write(const char *statepath, uint64_t serial, struct mesh_error *err);
int netmap_load_tracked(const char *path, const char *sigpath, const struct trust_keys *trusted,
    const char *statepath, int64_t now, struct netmap **out, struct mesh_error *err);

/* The node that owns addr, or NULL.  IPv4-mapped IPv6 is looked up as IPv4. */
const struct netmap_node *netmap_whois(const struct netmap *nm, const struct netmap_addr *addr);
/* By name: "web-1", "Web-1" or "web-1.<domain>" (case-insensitive). */
const struct netmap_node *netmap_node_by_name(const struct netmap *nm, const char *name);
const struct netmap_node *netmap_node_by_key(
    const struct netmap *nm, const uint8_t key[NETMAP_KEY_LEN]);
const struct netmap_user *netmap_user_by_login(const struct netmap *nm, const char *login);
const struct netmap_user *netmap_user_by_id(const struct netmap *nm, const char *id);
bool netmap_node_has_tag(const struct netmap_node *node, const char *tag);

/* "100.64.0.1" or "fd7a:115c:a1e0::1" (no prefix, no zone). MESH_ERR_PARSE if not. */
int netmap_addr_parse(const char *s, struct netmap_addr *out);
/* Into buf (NETMAP_ADDR_TEXT_MAX bytes suffice). */
int netmap_addr_format(const struct netmap_addr *a, char *buf, size_t len);
/* RFC 3339 UTC ("2026-12-01T00:00:00Z") into buf (at least 32 bytes). */
int netmap_time_format(int64_t t, char *buf, size_t len);

/* Canonical JSON text of nm (two-space indent, trailing newline); caller frees. */
int netmap_to_json(const struct netmap *nm, char **out, size_t *len);

/*
 * Authoring.  Each edit builds a new, fully validated netmap and replaces *nm
 * only on success (the old one is freed then); on failure *nm is unchanged.
 * The node's user pointer is ignored; the owner must exist (see
 * netmap_add_user).  Serial and expiry are left alone: set nm->serial and
 * nm->expires yourself.
 */
int netmap_add_node(struct netmap **nm, const struct netmap_node *node, struct mesh_error *err);
int netmap_remove_node(struct netmap **nm, const char *name, struct mesh_error *err);
int netmap_add_user(struct netmap **nm, const struct netmap_user *user, struct mesh_error *err);

#endif
