/*
 * Home directories for provisioned accounts, created at first login from a
 * skeleton (/etc/skel) and owned by the user.  Runs as root: every step goes
 * through directory descriptors opened with O_NOFOLLOW, the home is made
 * with mkdir (so it never adopts something already there), filled while
 * still root-only, and handed to the user last.  libc only (pam_mesh.so).
 */
#ifndef MESH_HOMEDIR_H
#define MESH_HOMEDIR_H

#include <sys/types.h>

#include "error.h"

#define HOMEDIR_SKEL_DEFAULT "/etc/skel"
#define HOMEDIR_MODE	     0700
#define HOMEDIR_DEPTH_MAX    16 /* deepest skeleton tree copied */

/*
 * Create home for uid:gid from skel (NULL or missing skel: an empty home).
 * MESH_ERR_EXISTS if home already exists (left untouched), MESH_ERR_NOTFOUND
 * if its parent is missing, MESH_ERR_IO otherwise.
 */
int homedir_create(const char *home, const char *skel, uid_t uid, gid_t gid);

#endif
