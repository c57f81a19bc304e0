/*
 * Home creation from a skeleton; see homedir.h.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "homedir.h"

#define COPY_CHUNK_BYTES 65536

static int
copy_file(int sfd_dir, int dfd_dir, const char *name, mode_t mode, uid_t uid, gid_t gid)
{
	char buf[COPY_CHUNK_BYTES];
	int in = -1, out = -1, r = MESH_ERR_IO;
	ssize_t n;

	in = openat(sfd_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (in < 0)
		goto done;
	out = openat(
	    dfd_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0)
		goto done;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		ssize_t off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto done;
		}
		while (off < n) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto done;
			off += w;
		}
	}
	if (fchown(out, uid, gid) != 0 || fchmod(out, mode & 0777) != 0)
		goto done;
	r = MESH_OK;
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return r;
}

/* Copy the contents of directory sfd into dfd (both already open). */
static int
copy_tree(int sfd, int dfd, uid_t uid, gid_t gid, int depth)
{
	struct dirent *de;
	DIR *d;
	int dup_fd, r = MESH_OK;

	if (depth > HOMEDIR_DEPTH_MAX)
		return MESH_OK;
	if ((dup_fd = dup(sfd)) < 0)
		return MESH_ERR_IO;
	if ((d = fdopendir(dup_fd)) == NULL) {
		close(dup_fd);
		return MESH_ERR_IO;
	}
	while ((de = readdir(d)) != NULL && r == MESH_OK) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			r = copy_file(sfd, dfd, de->d_name, st.st_mode, uid, gid);
		} else if (S_ISDIR(st.st_mode)) {
			int s2, d2;

			if (mkdirat(dfd, de->d_name, 0700) != 0) {
				r = MESH_ERR_IO;
				break;
			}
			s2 = openat(
			    sfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(
			    dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				r = MESH_ERR_IO;
			else
				r = copy_tree(s2, d2, uid, gid, depth + 1);
			if (r == MESH_OK &&
			    (fchown(d2, uid, gid) != 0 || fchmod(d2, st.st_mode & 0777) != 0))
				r = MESH_ERR_IO;
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(sfd, de->d_name, target, sizeof(target) - 1);

			if (n < 0)
				continue;
			target[n] = '\0';
			if (symlinkat(target, dfd, de->d_name) != 0 ||
			    fchownat(dfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
				r = MESH_ERR_IO;
		}
		/* devices, fifos, sockets in a skeleton are not copied */
	}
	closedir(d);
	return r;
}

int
homedir_create(const char *home, const char *skel, uid_t uid, gid_t gid)
{
	char parent[PATH_MAX];
	const char *base;
	int pfd = -1, hfd = -1, sfd = -1, r;
	size_t plen;

	if (home == NULL || home[0] != '/' || (base = strrchr(home, '/')) == NULL ||
	    base[1] == '\0' || strcmp(base + 1, ".") == 0 || strcmp(base + 1, "..") == 0)
		return MESH_ERR_INVALID;
	plen = base == home ? 1 : (size_t)(base - home);
	if (plen >= sizeof(parent))
		return MESH_ERR_RANGE;
	memcpy(parent, home, plen);
	parent[plen] = '\0';
	base++;
	pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? MESH_ERR_NOTFOUND : MESH_ERR_IO;
	if (mkdirat(pfd, base, HOMEDIR_MODE) != 0) {
		r = errno == EEXIST ? MESH_ERR_EXISTS : MESH_ERR_IO;
		goto out;
	}
	hfd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (hfd < 0) {
		r = MESH_ERR_IO;
		goto out;
	}
	if (skel != NULL &&
	    (sfd = open(skel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
	    (r = copy_tree(sfd, hfd, uid, gid, 0)) != 0)
		goto out;
	/* handed to the user only when complete */
	if (fchmod(hfd, HOMEDIR_MODE) != 0 || fchown(hfd, uid, gid) != 0) {
		r = MESH_ERR_IO;
		goto out;
	}
	r = MESH_OK;
out:
	if (sfd >= 0)
		close(sfd);
	if (hfd >= 0)
		close(hfd);
	close(pfd);
	return r;
}
