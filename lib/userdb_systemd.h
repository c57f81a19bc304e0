/*
 * Optional export of the userdb as systemd userdb drop-in records, for hosts
 * whose nsswitch.conf uses "systemd" (nss-systemd(8), userdbctl(1)):
 * NAME.user and NAME.group JSON records, UID.user / GID.group symlinks to
 * them, and USER:GROUP.membership files, in a directory such as /run/userdb.
 *
 * Only files this module wrote (listed in DIR/.meshssh-userdb) are ever
 * replaced or removed; every file is replaced atomically.  Deprovisioned
 * accounts are exported with "locked": true.
 */
#ifndef MESH_USERDB_SYSTEMD_H
#define MESH_USERDB_SYSTEMD_H

#include <stddef.h>

#include "error.h"

#define USERDB_SYSTEMD_MANIFEST ".meshssh-userdb"
#define USERDB_SYSTEMD_SERVICE	"io.meshssh"

/*
 * Publish the accounts of passwd and group (userdb text, as rendered for
 * libnss_mesh) into dir, and remove records of ours that are gone.  sys
 * (group.system text, may be NULL) adds memberships only: those groups have
 * their record in another source.
 */
int userdb_systemd_publish(const char *dir, const char *passwd, size_t pwlen, const char *group,
    size_t grlen, const char *sys, size_t syslen, struct mesh_error *err);

#endif
