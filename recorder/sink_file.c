/*
 * The file sink: DIR/audit.jsonl (one audit event per line) and
 * DIR/SESSIONID.cast (one asciicast v2 file per session).  DIR is created
 * 0700 and files 0600 (recordings hold whatever was on the screen); links
 * are not followed.  A batch is written, then fsync'd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder.h"
#include "sink.h"

#define FILE_SINK_AUDIT_NAME "audit.jsonl"
#define FILE_SINK_OPEN_MAX   16

struct file_sink {
	char dir[SINKSPEC_TARGET_MAX];
	int dirfd;
	struct cast_buf buf;
};

static int
file_open(
    const struct sinkspec *spec, const struct sink_env *env, void **state, struct mesh_error *err)
{
	struct file_sink *f;
	struct stat st;

	(void)env;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "file sink: out of memory");
	(void)snprintf(f->dir, sizeof(f->dir), "%s", spec->target);
	if (mkdir(f->dir, 0700) != 0 && errno != EEXIST) {
		mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "file sink %s: mkdir: %s", f->dir, strerror(errno));
		free(f);
		return MESH_ERR_IO;
	}
	f->dirfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (f->dirfd < 0 || fstat(f->dirfd, &st) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		int e = f->dirfd < 0 ? MESH_ERR_IO : MESH_ERR_PERM;

		mesh_error_set(err, e, 0, 0, "file sink %s: %s", f->dir,
		    e == MESH_ERR_IO ? strerror(errno) : "not owned by root or writable by others");
		if (f->dirfd >= 0)
			close(f->dirfd);
		free(f);
		return e;
	}
	*state = f;
	return MESH_OK;
}

static int
file_write(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MESH_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return MESH_OK;
}

static int
file_fd(struct file_sink *f, const char *name, int fds[], char names[][48], int *nfd,
    struct mesh_error *err)
{
	int fd;

	for (int i = 0; i < *nfd; i++)
		if (strcmp(names[i], name) == 0)
			return fds[i];
	if (*nfd == FILE_SINK_OPEN_MAX) {
		/* many sessions in one batch: close the oldest after syncing it */
		(void)fsync(fds[0]);
		close(fds[0]);
		memmove(fds, fds + 1, sizeof(int) * (FILE_SINK_OPEN_MAX - 1));
		memmove(names, names + 1, sizeof(names[0]) * (FILE_SINK_OPEN_MAX - 1));
		(*nfd)--;
	}
	fd = openat(f->dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "file sink %s/%s: %s", f->dir, name, strerror(errno));
	fds[*nfd] = fd;
	(void)snprintf(names[*nfd], 48, "%s", name);
	(*nfd)++;
	return fd;
}

static int
file_send(void *state, const struct spool_record *recs, size_t n, struct mesh_error *err)
{
	struct file_sink *f = state;
	int fds[FILE_SINK_OPEN_MAX], nfd = 0, r = MESH_OK;
	char names[FILE_SINK_OPEN_MAX][48];

	for (size_t i = 0; i < n && r == MESH_OK; i++) {
		const struct spool_record *rec = &recs[i];
		char name[48];
		int fd;

		f->buf.len = 0;
		if (rec->kind == SPOOL_KIND_AUDIT) {
			(void)snprintf(name, sizeof(name), "%s", FILE_SINK_AUDIT_NAME);
			if (sink_audit_text(rec, &f->buf) != 0 ||
			    cast_buf_append(&f->buf, "\n", 1) != 0) {
				r = mesh_error_set(
				    err, MESH_ERR_NOMEM, 0, 0, "file sink: out of memory");
				break;
			}
		} else {
			char hex[REC_SESSION_ID_CHARS + 1];

			rec_id_to_hex(rec->stream, hex);
			(void)snprintf(name, sizeof(name), "%s.cast", hex);
			if (cast_buf_append(&f->buf, rec->data, rec->len) != 0) {
				r = mesh_error_set(
				    err, MESH_ERR_NOMEM, 0, 0, "file sink: out of memory");
				break;
			}
		}
		if ((fd = file_fd(f, name, fds, names, &nfd, err)) < 0) {
			r = fd;
			break;
		}
		if (file_write(fd, f->buf.p, f->buf.len) != 0)
			r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "file sink %s/%s: write: %s",
			    f->dir, name, strerror(errno));
	}
	for (int i = 0; i < nfd; i++) {
		if (r == MESH_OK && fsync(fds[i]) != 0)
			r = mesh_error_set(err, MESH_ERR_IO, 0, 0, "file sink %s: fsync: %s",
			    f->dir, strerror(errno));
		close(fds[i]);
	}
	return r;
}

static void
file_close(void *state)
{
	struct file_sink *f = state;

	if (f == NULL)
		return;
	if (f->dirfd >= 0)
		close(f->dirfd);
	cast_buf_free(&f->buf);
	free(f);
}

const struct sink_ops sink_file_ops = {
    .type = SINK_FILE,
    .open = file_open,
    .send = file_send,
    .close = file_close,
};
