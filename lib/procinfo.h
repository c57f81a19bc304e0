/*
 * Process ancestry from /proc, for the sudo SSO check (sshd/checksock.h):
 * pam_mesh finds its meshsshd connection and meshsshd verifies a caller by
 * the parent of a session leader.  The parser is pure; the comm field of
 * /proc/PID/stat may hold spaces and parentheses, so the fields after it are
 * found from the last ')'.  libc only (linked by pam_mesh.so and meshsshd).
 */
#ifndef MESH_PROCINFO_H
#define MESH_PROCINFO_H

#include <stddef.h>
#include <sys/types.h>

#define PROCINFO_STAT_MAX 1024 /* bytes of /proc/PID/stat read */

/* The ppid field of a /proc/PID/stat text: 0, or MESH_ERR_PARSE. */
int procinfo_parse_ppid(const char *buf, size_t len, pid_t *out);
/* The parent of pid: 0, MESH_ERR_NOTFOUND (no such process) or MESH_ERR_PARSE. */
int procinfo_parent(pid_t pid, pid_t *out);

#endif
