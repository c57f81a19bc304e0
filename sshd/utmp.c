/*
 * utmp/wtmp through glibc's utmpx API; lastlog by uid-indexed records in
 * /var/log/lastlog, which is only updated when it already exists (never
 * created, never followed through a link).
 */
#include "config.h"

#include <fcntl.h>
#include <lastlog.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

#include "log.h"
#include "utmp.h"

static const char *
sshd_utmp_line(const char *tty)
{
	return strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
}

static void
sshd_utmp_fill(struct utmpx *ut, const char *tty, pid_t pid)
{
	const char *line = sshd_utmp_line(tty);
	size_t l = strlen(line);
	struct timeval tv;

	memset(ut, 0, sizeof(*ut));
	ut->ut_pid = pid;
	(void)strncpy(ut->ut_line, line, sizeof(ut->ut_line));
	/* ut_id: the last characters of the line, as login and sshd do */
	(void)strncpy(ut->ut_id, l > sizeof(ut->ut_id) ? line + l - sizeof(ut->ut_id) : line,
	    sizeof(ut->ut_id));
	(void)gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

void
sshd_utmp_login(const char *tty, const char *user, const char *host, pid_t pid)
{
	struct utmpx ut;

	sshd_utmp_fill(&ut, tty, pid);
	ut.ut_type = USER_PROCESS;
	(void)strncpy(ut.ut_user, user, sizeof(ut.ut_user));
	(void)strncpy(ut.ut_host, host, sizeof(ut.ut_host));
	setutxent();
	if (pututxline(&ut) == NULL)
		log_debug_f("pututxline %s failed", tty);
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
}

void
sshd_utmp_logout(const char *tty, pid_t pid)
{
	struct utmpx ut;

	sshd_utmp_fill(&ut, tty, pid);
	ut.ut_type = DEAD_PROCESS;
	setutxent();
	(void)pututxline(&ut);
	endutxent();
	updwtmpx(_PATH_WTMP, &ut);
}

bool
sshd_lastlog_get(uid_t uid, char *buf, size_t len)
{
	struct lastlog ll;
	char when[64];
	time_t t;
	int fd = open(SSHD_LASTLOG_PATH, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = pread(fd, &ll, sizeof(ll), (off_t)uid * (off_t)sizeof(ll));
	(void)close(fd);
	if (n != (ssize_t)sizeof(ll) || ll.ll_time == 0)
		return false;
	t = (time_t)ll.ll_time;
	if (strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime(&t)) == 0)
		return false;
	if (ll.ll_host[0])
		(void)snprintf(buf, len, "Last login: %s from %.*s\r\n", when,
		    (int)sizeof(ll.ll_host), ll.ll_host);
	else
		(void)snprintf(buf, len, "Last login: %s\r\n", when);
	return true;
}

void
sshd_lastlog_put(uid_t uid, const char *tty, const char *host)
{
	struct lastlog ll;
	int fd = open(SSHD_LASTLOG_PATH, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return;
	memset(&ll, 0, sizeof(ll));
	ll.ll_time = (int32_t)time(NULL);
	/* fixed-width fields, not NUL-terminated when full (lastlog(8) format) */
	memcpy(ll.ll_line, sshd_utmp_line(tty), strnlen(sshd_utmp_line(tty), sizeof(ll.ll_line)));
	memcpy(ll.ll_host, host, strnlen(host, sizeof(ll.ll_host)));
	if (pwrite(fd, &ll, sizeof(ll), (off_t)uid * (off_t)sizeof(ll)) != (ssize_t)sizeof(ll))
		log_debug_f("lastlog write failed");
	(void)close(fd);
}
