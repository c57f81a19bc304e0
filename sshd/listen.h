/*
 * Listening sockets: only mesh addresses (ListenAddress, or every address
 * on the mesh Interface), each socket bound to the interface with
 * SO_BINDTODEVICE so a packet that did not come through the tunnel never
 * reaches us.  Binding specific addresses lets OpenSSH's sshd keep port 22
 * on the other interfaces.
 */
#ifndef MESH_SSHD_LISTEN_H
#define MESH_SSHD_LISTEN_H

#include <stddef.h>

#include "error.h"
#include "sshd_config.h"

#define SSHD_LISTEN_MAX	    32
#define SSHD_LISTEN_BACKLOG 128

/* Open every socket; on error none stays open and err says which address failed. */
int sshd_listen_open(
    const struct sshd_config *c, int *fds, size_t max, size_t *n, struct mesh_error *err);
void sshd_listen_close(int *fds, size_t *n);

#endif
