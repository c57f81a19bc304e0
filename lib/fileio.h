/*
 * Files read or written by root: the owner and mode are checked on the open
 * descriptor (no check-then-open race), links are not followed, and writes go
 * to a temporary file in the same directory that is fsync'd and renamed over
 * the target, so readers see the old or the new content and never a mix.
 */
#ifndef MESH_FILEIO_H
#define MESH_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum {
	/* owner must be root or the effective uid; not group/world-writable */
	MESH_FILE_TRUSTED = 1 << 0,
	/* additionally no group/world access at all (private keys) */
	MESH_FILE_SECRET = 1 << 1,
};

/* Largest document meshssh reads in one piece (netmaps of 100k nodes fit). */
#define MESH_FILE_MAX_BYTES (256u * 1024u * 1024u)

/*
 * Read a whole regular file (at most max bytes) into a NUL-terminated buffer
 * that the caller frees.  Checks per flags.  Errors name the path in err.
 */
int mesh_file_read(const char *path, size_t max, unsigned flags, uint8_t **out, size_t *len,
    struct mesh_error *err);

/* Replace path atomically with buf (mode applied before the rename). */
int mesh_file_write_atomic(
    const char *path, const void *buf, size_t len, mode_t mode, struct mesh_error *err);

/*
 * The directory that will hold path (a state or cache file): created with
 * mode if it is missing (one level, like StateDirectory= would), then checked
 * to be a real directory owned by root or the effective uid and not group- or
 * world-writable.
 */
int mesh_file_ensure_parent(const char *path, mode_t mode, struct mesh_error *err);

/* Check owner/mode of an open descriptor per flags. */
int mesh_file_check_fd(int fd, const char *path, unsigned flags, struct mesh_error *err);

#endif
