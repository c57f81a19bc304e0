/*
 * Login records for terminal sessions, as sshd writes them: utmp (who),
 * wtmp (last) and lastlog ("Last login: ... from ...").
 */
#ifndef MESH_SSHD_UTMP_H
#define MESH_SSHD_UTMP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SSHD_LASTLOG_PATH "/var/log/lastlog"

void sshd_utmp_login(const char *tty, const char *user, const char *host, pid_t pid);
void sshd_utmp_logout(const char *tty, pid_t pid);
/* "Last login: Mon Nov 24 10:00:00 2026 from 100.64.0.7" into buf; false when none. */
bool sshd_lastlog_get(uid_t uid, char *buf, size_t len);
void sshd_lastlog_put(uid_t uid, const char *tty, const char *host);

#endif
