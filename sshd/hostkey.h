/*
 * Host keys: each HostKey file is read (root-owned, mode 0600 or stricter)
 * and handed to libssh; a missing file whose name says ed25519, ecdsa or rsa
 * is generated first (private key 0600 by temp+rename, ".pub" next to it).
 */
#ifndef MESH_SSHD_HOSTKEY_H
#define MESH_SSHD_HOSTKEY_H

#include <libssh/server.h>

#include "error.h"
#include "sshd_config.h"

#define SSHD_RSA_BITS	3072
#define SSHD_ECDSA_BITS 256

/* Generate missing keys and import every key into bind. */
int sshd_hostkeys_load(const struct sshd_config *c, ssh_bind bind, struct mesh_error *err);

#endif
