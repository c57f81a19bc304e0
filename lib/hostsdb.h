/*
 * The mesh hosts file (/var/lib/meshssh/hosts): node names from the verified
 * netmap and their mesh addresses, one "ADDRESS NAME [NAME...]" line per
 * address, as in hosts(5).  meshd/meshsshd write it from the netmap they
 * trust (hostsdb_format); libnss_mesh.so.2 reads it for `hosts: files mesh
 * dns`, so `ssh web-1` works without DNS and the NSS module never links
 * jansson.  libc only; pure except hostsdb_path().  Format: man/nss_mesh.8.
 */
#ifndef MESH_HOSTSDB_H
#define MESH_HOSTSDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "netmap.h"

#define HOSTSDB_FILE	  "hosts"
#define HOSTSDB_NAMES_MAX 8   /* names per line */
#define HOSTSDB_NAME_MAX  253 /* a DNS name */

struct hostsdb_ent {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	const char *names[HOSTSDB_NAMES_MAX]; /* spans into the line */
	size_t name_lens[HOSTSDB_NAMES_MAX];
	size_t nnames;
};

/*
 * Render the hosts file for a netmap: every node's addresses with its name
 * and, if domain is non-NULL, "name.domain".  Caller frees *out.  Nodes whose
 * name is not a valid host name are left out (never a line that could
 * confuse a reader).
 */
int hostsdb_format(const struct netmap *nm, const char *domain, char **out, size_t *len);

/*
 * Write dir/hosts (dir NULL: userdb_dir()) for a verified netmap, with its
 * domain as the second name: root-owned 0644, temp+rename, untouched when
 * unchanged.  MESH_ERR_NOTFOUND if dir does not exist (it is not created).
 * Not in the libc-only reader: lib/hostsdb_publish.c, in libmeshcore.
 */
int hostsdb_publish(const struct netmap *nm, const char *dir, struct mesh_error *err);

/* Parse one line (no '\n').  MESH_ERR_PARSE for comments, blanks, junk. */
int hostsdb_parse_line(const char *line, size_t len, struct hostsdb_ent *e);

/* Does e carry name (case-insensitive, a trailing dot ignored)? */
bool hostsdb_ent_has_name(const struct hostsdb_ent *e, const char *name);

/* Is s a valid host name (letters, digits, '-', dots between labels)? */
bool hostsdb_name_valid(const char *s, size_t len);

#endif
