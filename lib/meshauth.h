/*
 * The hand-off of meshsshd's policy decision to pam_mesh.so, in the spirit
 * of OpenSSH's SSH_AUTH_INFO_0, but unforgeable by the client.
 *
 * When the policy accepts a connection, meshsshd (root) calls meshauth_issue:
 * it writes a one-time ticket, a root-only 0600 file named by a random id in
 * MESHAUTH_DIR, holding the user, the peer address and an expiry, and keyed
 * by a 256-bit random secret; it puts "MESH_AUTH_INFO_0=v1:ID:SECRET" into
 * the PAM environment (pam_putenv) before pam_acct_mgmt.  pam_mesh's account
 * step (meshauth_verify) accepts a mesh account only if that entry names a
 * ticket for this very user and PAM_RHOST that has not expired, with the
 * matching secret, and deletes the ticket (one use).  su, login or another
 * sshd never set it; a client cannot set it either: the PAM environment is
 * not the process environment, meshsshd refuses client "env" requests for
 * reserved names (meshauth_env_reserved), and pam_mesh's session step strips
 * the entry so it never reaches the user's shell.
 *
 * libc only (getrandom, explicit_bzero): linked by pam_mesh.so and meshsshd.
 */
#ifndef MESH_MESHAUTH_H
#define MESH_MESHAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MESHAUTH_ENV	     "MESH_AUTH_INFO_0"
#define MESHAUTH_ENV_PREFIX  "MESH_AUTH_INFO_"
#define MESHAUTH_VERSION     "v1"
#define MESHAUTH_DIR_DEFAULT RUNSTATEDIR "/meshssh/auth"
/* Test builds only: replaces MESHAUTH_DIR_DEFAULT (secure_getenv). */
#define MESHAUTH_DIR_ENV      "MESH_AUTH_DIR"
#define MESHAUTH_TTL_SEC      120 /* a ticket is good for this long after issue */
#define MESHAUTH_ID_BYTES     8
#define MESHAUTH_SECRET_BYTES 32
/* "MESH_AUTH_INFO_0=v1:" + 16 hex + ":" + 64 hex + NUL, rounded up */
#define MESHAUTH_ENV_MAX   128
#define MESHAUTH_RHOST_MAX 64

/*
 * Write a ticket for (user, rhost) valid until now + MESHAUTH_TTL_SEC into dir
 * (created 0700 if missing) and put "NAME=VALUE" for pam_putenv into env.
 */
int meshauth_issue(
    const char *dir, const char *user, const char *rhost, int64_t now, char *env, size_t envlen);

/*
 * Check value (the part after '=') for user and rhost at time now; on success
 * the ticket is consumed.  MESH_ERR_DENIED for a wrong user/peer/secret,
 * MESH_ERR_EXPIRED, MESH_ERR_NOTFOUND (no such ticket), MESH_ERR_PARSE (not
 * our format), MESH_ERR_PERM (ticket file not root-only).
 */
int meshauth_verify(
    const char *dir, const char *value, const char *user, const char *rhost, int64_t now);

/* Drop a ticket that will not be used (login failed before PAM). */
void meshauth_revoke(const char *dir, const char *value);

/* Remove tickets that expired before now; returns how many. */
int meshauth_sweep(const char *dir, int64_t now);

/* A ticket file's content: "v1 USER RHOST EXPIRES SECRETHEX\n". */
struct meshauth_ticket {
	char user[MESHAUTH_RHOST_MAX + 1];
	char rhost[MESHAUTH_RHOST_MAX + 1];
	int64_t expires;
	char secret[2 * MESHAUTH_SECRET_BYTES + 1]; /* lower-case hex */
};

/*
 * Parse a ticket file's bytes strictly (one line, single spaces, the fields
 * meshauth_issue writes and nothing else).  MESH_ERR_PARSE otherwise.  Pure;
 * the caller wipes t->secret.
 */
int meshauth_ticket_parse(const char *buf, size_t len, struct meshauth_ticket *t);

/* Is name (an environment variable name) reserved for the hand-off? */
bool meshauth_env_reserved(const char *name);

/* MESHAUTH_DIR_DEFAULT, or in a test build $MESH_AUTH_DIR. */
const char *meshauth_dir(void);

#endif
