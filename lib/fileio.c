/*
 * Careful file I/O for root: O_NOFOLLOW, fstat checks, atomic replace.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int
mesh_file_check_fd(int fd, const char *path, unsigned flags, struct mesh_error *err)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mesh_error_set(err, MESH_ERR_PERM, 0, 0, "%s: not a regular file", path);
	if (flags & (MESH_FILE_TRUSTED | MESH_FILE_SECRET)) {
		if (st.st_uid != 0 && st.st_uid != geteuid())
			return mesh_error_set(err, MESH_ERR_PERM, 0, 0,
			    "%s: owned by uid %u, expected root", path, (unsigned)st.st_uid);
		if (st.st_mode & (S_IWGRP | S_IWOTH))
			return mesh_error_set(err, MESH_ERR_PERM, 0, 0,
			    "%s: mode %04o is group- or world-writable", path,
			    (unsigned)(st.st_mode & 07777));
	}
	if ((flags & MESH_FILE_SECRET) && (st.st_mode & (S_IRWXG | S_IRWXO)))
		return mesh_error_set(err, MESH_ERR_PERM, 0, 0,
		    "%s: mode %04o gives group or others access to a secret (want 0600)", path,
		    (unsigned)(st.st_mode & 07777));
	return MESH_OK;
}

int
mesh_file_read(const char *path, size_t max, unsigned flags, uint8_t **out, size_t *len,
    struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t cap = 0, used = 0;
	int fd, r;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mesh_error_set(err, errno == ENOENT ? MESH_ERR_NOTFOUND : MESH_ERR_IO, 0, 0,
		    "%s: %s", path, strerror(errno));
	if ((r = mesh_file_check_fd(fd, path, flags, err)) != 0)
		goto out;
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			uint8_t *nbuf;

			if (ncap > max + 1)
				ncap = max + 1;
			if (used + 1 >= ncap) {
				r = mesh_error_set(err, MESH_ERR_RANGE, 0, 0,
				    "%s: larger than %zu bytes", path, max);
				goto out;
			}
			if ((nbuf = realloc(buf, ncap)) == NULL) {
				r = mesh_error_set(
				    err, MESH_ERR_NOMEM, 0, 0, "%s: out of memory", path);
				goto out;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "%s: out of memory", path);
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
	r = MESH_OK;
out:
	free(buf);
	close(fd);
	return r;
}

int
mesh_file_write_atomic(
    const char *path, const void *buf, size_t len, mode_t mode, struct mesh_error *err)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const uint8_t *p = buf;
	int fd = -1, dfd, r;
	size_t off = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) != 0) {
		r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: chmod: %s", tmp, strerror(errno));
		goto fail;
	}
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: rename: %s", path, strerror(errno));
		goto fail;
	}
	/* make the rename itself durable */
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return MESH_OK;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int
mesh_file_ensure_parent(const char *path, mode_t mode, struct mesh_error *err)
{
	char copy[PATH_MAX], *dir;
	struct stat st;
	int fd, r = MESH_OK;

	if (snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", path);
	dir = dirname(copy);
	if (mkdir(dir, mode) != 0 && errno != EEXIST)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "mkdir %s: %s", dir, strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", dir, strerror(errno));
	if (fstat(fd, &st) != 0)
		r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "%s: %s", dir, strerror(errno));
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		r = mesh_error_set(err, MESH_ERR_PERM, 0, 0, "%s: owned by uid %u, expected root",
		    dir, (unsigned)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		r = mesh_error_set(err, MESH_ERR_PERM, 0, 0,
		    "%s: mode %04o is group- or world-writable", dir,
		    (unsigned)(st.st_mode & 07777));
	(void)close(fd);
	return r;
}
