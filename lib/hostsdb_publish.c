/*
 * Publishing the mesh hosts file (hostsdb.h) from a verified netmap: the
 * writer's half, kept out of the libc-only reader that libnss_mesh links.
 * meshsshd calls it whenever it loads a netmap (start and SIGHUP), meshd
 * whenever it applies one.  The file is written as root, 0644, by
 * temp+rename (lib/fileio.h), and left alone when its content would not
 * change, so readers' maps stay valid and two writers do not churn.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "hostsdb.h"
#include "userdb.h"

#define HOSTSDB_MODE	 0644
#define HOSTSDB_PATH_MAX 512

int
hostsdb_publish(const struct netmap *nm, const char *dir, struct mesh_error *err)
{
	char path[HOSTSDB_PATH_MAX], *text = NULL;
	uint8_t *old = NULL;
	size_t len, oldlen = 0;
	struct stat st;
	int r;

	if (dir == NULL)
		dir = userdb_dir();
	if (snprintf(path, sizeof(path), "%s/%s", dir, HOSTSDB_FILE) >= (int)sizeof(path))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", dir);
	/* the directory belongs to the package (or provisioning): never made here */
	if (stat(dir, &st) != 0)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0, "%s: not a directory", dir);
	if ((r = hostsdb_format(nm, nm->domain, &text, &len)) != 0)
		return mesh_error_set(err, r, 0, 0, "%s: %s", path, mesh_strerror(r));
	if (mesh_file_read(path, MESH_FILE_MAX_BYTES, MESH_FILE_TRUSTED, &old, &oldlen, err) == 0 &&
	    oldlen == len && memcmp(old, text, len) == 0 && stat(path, &st) == 0 &&
	    (st.st_mode & 07777) == HOSTSDB_MODE) {
		r = MESH_OK; /* unchanged */
		goto out;
	}
	mesh_error_clear(err);
	r = mesh_file_write_atomic(path, text, len, HOSTSDB_MODE, err);
out:
	free(old);
	free(text);
	return r;
}
