/*
 * Process ancestry from /proc (see procinfo.h).
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "procinfo.h"

int
procinfo_parse_ppid(const char *buf, size_t len, pid_t *out)
{
	char tmp[PROCINFO_STAT_MAX];
	char *p, *end;
	long v;

	if (len >= sizeof(tmp) || memchr(buf, '\0', len) != NULL)
		return MESH_ERR_PARSE;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	/* "pid (comm) state ppid ..." */
	if ((p = strrchr(tmp, ')')) == NULL || p[1] != ' ' || p[2] == '\0' || p[3] != ' ')
		return MESH_ERR_PARSE;
	p += 4;
	v = strtol(p, &end, 10);
	if (end == p || (*end != ' ' && *end != '\0' && *end != '\n') || v < 0)
		return MESH_ERR_PARSE;
	*out = (pid_t)v;
	return 0;
}

int
procinfo_parent(pid_t pid, pid_t *out)
{
	char path[64], buf[PROCINFO_STAT_MAX];
	ssize_t n;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return MESH_ERR_NOTFOUND;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return MESH_ERR_NOTFOUND;
	return procinfo_parse_ppid(buf, (size_t)n, out);
}
