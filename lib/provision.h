/*
 * Provisioning: give an IdP user (from the netmap) a real POSIX account on
 * this host, in the userdb that libnss_mesh.so.2 serves.  meshsshd calls
 * provision_ensure when the policy maps a login to a host user that does
 * not exist (`localpart:*@domain`); meshctl lists and removes accounts.
 *
 * Guarantees (man/meshssh-userdb.5):
 *  - keyed by the IdP's immutable user id, not the email: a renamed login
 *    keeps its account, a reused email does not inherit one;
 *  - the name is the login's local part made a valid POSIX name; if that
 *    name (or a group of that name) already exists in any NSS source or the
 *    userdb, a deterministic suffix "-XXXX" from the id is added: an
 *    existing local account is never taken over;
 *  - the uid starts at a point derived from the id (so it tends to be the
 *    same on every host of the fleet), probes upwards inside the range, and
 *    skips any uid or gid that any NSS source already knows; once given it
 *    never changes and is never given to anyone else (removed accounts stay
 *    as tombstones);
 *  - each account has a personal group (gid = uid) and the host groups the
 *    group map derives from its IdP groups;
 *  - allocation holds lckpwdf() and an flock on the userdb directory and
 *    publishes the new entries (atomic renames) before releasing them.
 */
#ifndef MESH_PROVISION_H
#define MESH_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "error.h"
#include "netmap.h"
#include "userdb.h"

#define PROVISION_UID_MIN_DEFAULT   70000u
#define PROVISION_UID_MAX_DEFAULT   99999u
#define PROVISION_HOME_BASE_DEFAULT "/home"
#define PROVISION_SHELL_DEFAULT	    "/bin/bash"
#define PROVISION_NOLOGIN_SHELL	    "/usr/sbin/nologin"
#define PROVISION_STATE_FILE	    "accounts"
#define PROVISION_LOCK_FILE	    ".lock"
#define PROVISION_GROUPS_MAX	    64
#define PROVISION_PATH_MAX	    256

struct provision_group_map {
	char *idp_group;  /* "admins" (a "group:" prefix is accepted and dropped) */
	char *host_group; /* "mesh-admins" or an existing group such as "docker" */
};

struct provision_conf {
	bool enabled;			    /* ProvisionUsers */
	uint32_t uid_min, uid_max;	    /* ProvisionUidRange MIN-MAX */
	char home_base[PROVISION_PATH_MAX]; /* ProvisionHomeBase */
	char shell[PROVISION_PATH_MAX];	    /* ProvisionShell */
	struct provision_group_map *map;    /* ProvisionGroupMap IDPGROUP HOSTGROUP */
	size_t nmap;
	char dir[PROVISION_PATH_MAX]; /* userdb directory; "" means userdb_dir() */
	bool use_lckpwdf;	      /* hold lckpwdf() while allocating (needs root) */
	/* ProvisionSystemdUserdb DIR: also export systemd userdb drop-ins ("" = no) */
	char systemd_userdb_dir[PROVISION_PATH_MAX];
};

struct provision_result {
	char name[USERDB_NAME_MAX + 1];
	uint32_t uid, gid;
	char home[2 * PROVISION_PATH_MAX];
	char shell[PROVISION_PATH_MAX];
	uint32_t groups[PROVISION_GROUPS_MAX]; /* supplementary gids */
	size_t ngroups;
	bool created; /* this call made the account */
};

/* One account as the state file keeps it (for meshctl). */
struct provision_account {
	uint32_t uid;
	char name[USERDB_NAME_MAX + 1];
	bool removed;
	char *id;
	char *login;
	char *groups; /* comma-separated host groups, "" if none */
};

void provision_conf_init(struct provision_conf *c);
void provision_conf_free(struct provision_conf *c);
int provision_conf_add_map(struct provision_conf *c, const char *idp_group, const char *host_group,
    struct mesh_error *err);
/*
 * Handle one meshsshd.conf line if it is a provisioning keyword
 * (ProvisionUsers, ProvisionUidRange, ProvisionHomeBase, ProvisionShell,
 * ProvisionGroupMap, ProvisionSystemdUserdb).  MESH_ERR_NOTFOUND if the keyword is not ours.
 */
int provision_conf_keyword(
    struct provision_conf *c, const struct conf_line *l, struct mesh_error *err);

/*
 * The local part of login made a POSIX name: lower case, [a-z0-9_-] with
 * '.' and '+' mapped to '_' / cut, starting with a letter or '_', at most
 * USERDB_NAME_MAX - 5 bytes (room for a suffix).  Pure.
 */
int provision_sanitize_name(const char *login, char *out, size_t outlen);

/* Find or create the account of user; fills r.  See the guarantees above. */
int provision_ensure(const struct provision_conf *c, const struct netmap_user *user,
    struct provision_result *r, struct mesh_error *err);

/*
 * Deprovision the account whose name, login or IdP id is key: it stays in
 * the userdb (files keep an owner name, the uid stays taken) with a locked
 * password, nologin shell and no supplementary groups; pam_mesh refuses it,
 * and provision_ensure refuses it (MESH_ERR_PERM, with a message saying so)
 * until provision_restore undoes the removal.
 */
int provision_remove(const struct provision_conf *c, const char *key, struct mesh_error *err);
int provision_restore(const struct provision_conf *c, const char *key, struct mesh_error *err);

/*
 * Is name an account of the userdb (active or removed)?  0 if so,
 * MESH_ERR_NOTFOUND if not (or no userdb), another error if unreadable.
 * meshsshd asks before it lets a login through localpart:*@domain use an
 * existing account: only a mesh account is re-checked by provision_ensure.
 */
int provision_lookup(const struct provision_conf *c, const char *name);

/* All accounts, in uid order.  Free with provision_accounts_free. */
int provision_list(const struct provision_conf *c, struct provision_account **out, size_t *n,
    struct mesh_error *err);
void provision_accounts_free(struct provision_account *a, size_t n);

#endif
