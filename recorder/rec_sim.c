/*
 * rec-sim: a stand-in for meshsshd's per-connection process, for tests and
 * benchmarks of the recorder before (and apart from) the SSH daemon.  It
 * runs a command on a pty (or on pipes with --no-pty), relays its output to
 * stdout and stdin to it, and records the session through exactly the calls
 * meshsshd makes (recorder/recorder.h), with the audit events a session
 * produces.
 *
 *   rec-sim --spool DIR [--host H] [--enforce] [--input] [--no-pty]
 *           [--no-record] [--user NAME] [--size COLSxROWS] [--resize COLSxROWS]
 *           [--src-node N] [--src-user U] [--ssh-user U] [--id-file FILE]
 *           [--spool-max BYTES] -- COMMAND [ARGS...]
 *
 * Exit status: the command's, or 255 when the session was refused or ended
 * because it could not be recorded (the message is on stderr, as the user
 * would see it).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "recorder.h"

#define SIM_BUF_BYTES	 65536
#define SIM_EXIT_REFUSED 255
#define SIM_DEFAULT_COLS 80
#define SIM_DEFAULT_ROWS 24

struct sim {
	struct rec_session *rec;
	struct maudit *audit;
	const char *cid;
	bool record;
	bool broken;
};

static uint64_t
now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
parse_size(const char *s, unsigned *cols, unsigned *rows)
{
	char x;

	if (sscanf(s, "%u%c%u", cols, &x, rows) != 3 || x != 'x' || !*cols || !*rows)
		return -1;
	return 0;
}

static void
sim_event(struct sim *sm, enum maudit_type t, const char *sid, int status, const char *user)
{
	struct maudit_event *ev;
	struct mesh_error err = {0};

	if (sm->audit == NULL || (ev = maudit_event_new(t)) == NULL)
		return;
	maudit_set_str(ev, "connectionID", sm->cid);
	maudit_set_str(ev, "sessionID", sid);
	if (t == MAUDIT_SESSION_START)
		maudit_set_str(ev, "localUser", user);
	else
		maudit_set_int(ev, "exitStatus", status);
	if (maudit_emit(sm->audit, ev, now_ns(CLOCK_REALTIME), NULL, &err) != 0)
		fprintf(stderr, "rec-sim: audit: %s\n", err.text);
}

static void
drop_to(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL || initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		fprintf(stderr, "rec-sim: cannot become %s\n", user);
		_exit(126);
	}
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"spool", required_argument, NULL, 's'},
	    {"spool-max", required_argument, NULL, 'm'},
	    {"host", required_argument, NULL, 'H'},
	    {"enforce", no_argument, NULL, 'e'},
	    {"input", no_argument, NULL, 'i'},
	    {"no-pty", no_argument, NULL, 'n'},
	    {"no-record", no_argument, NULL, 'N'},
	    {"user", required_argument, NULL, 'u'},
	    {"size", required_argument, NULL, 'z'},
	    {"resize", required_argument, NULL, 'R'},
	    {"src-node", required_argument, NULL, 'S'},
	    {"src-user", required_argument, NULL, 'U'},
	    {"ssh-user", required_argument, NULL, 'L'},
	    {"id-file", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct rec_conf rc = {.host = "sim-host"};
	struct cast_header h = {.width = SIM_DEFAULT_COLS, .height = SIM_DEFAULT_ROWS};
	struct sim sm = {.cid = NULL, .record = true};
	struct mesh_error err = {0};
	const char *user = NULL, *id_file = NULL, *resize = NULL;
	char cid[MAUDIT_ID_CHARS + 1], cmd[1024] = "";
	static const char *env[] = {"TERM=xterm-256color", NULL};
	bool pty = true, stdin_open = true;
	unsigned rcols = 0, rrows = 0;
	int c, master = -1, out_fd = -1, err_fd = -1, in_fd = -1, status = 0, r;
	int opipe[2], epipe[2], ipipe[2];
	uint8_t *buf;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			rc.spool_dir = optarg;
			break;
		case 'm':
			rc.spool_max_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'H':
			rc.host = optarg;
			break;
		case 'e':
			rc.enforce = true;
			break;
		case 'i':
			rc.record_input = true;
			break;
		case 'n':
			pty = false;
			break;
		case 'N':
			sm.record = false;
			break;
		case 'u':
			user = optarg;
			break;
		case 'z':
			if (parse_size(optarg, &h.width, &h.height) != 0)
				goto usage;
			break;
		case 'R':
			resize = optarg;
			if (parse_size(resize, &rcols, &rrows) != 0)
				goto usage;
			break;
		case 'S':
			h.src_node = optarg;
			break;
		case 'U':
			h.src_node_user = optarg;
			break;
		case 'L':
			h.ssh_user = optarg;
			break;
		case 'f':
			id_file = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || (sm.record && rc.spool_dir == NULL))
		goto usage;
	for (int i = optind; i < argc; i++) {
		size_t l = strlen(cmd);

		if (snprintf(cmd + l, sizeof(cmd) - l, "%s%s", i > optind ? " " : "", argv[i]) >=
		    (int)(sizeof(cmd) - l))
			break;
	}
	maudit_new_id(cid);
	sm.cid = cid;
	h.connection_id = cid;
	h.command = cmd;
	h.local_user = user ? user : "root";
	h.pty = pty;
	h.env = env;
	signal(SIGPIPE, SIG_IGN);

	if (sm.record) {
		if (maudit_open(rc.spool_dir, rc.spool_max_bytes, rc.host, &sm.audit, &err) != 0 &&
		    rc.enforce) {
			fprintf(stderr, "%s\nrec-sim: %s\n", rec_refusal_message(), err.text);
			return SIM_EXIT_REFUSED;
		}
		if (sm.audit)
			maudit_set_enforce(sm.audit, rc.enforce);
		r = rec_session_open(
		    &rc, &h, now_ns(CLOCK_REALTIME), now_ns(CLOCK_MONOTONIC), &sm.rec, &err);
		if (r != 0) {
			/* enforceRecorder: the session does not start */
			fprintf(stderr, "%s\nrec-sim: %s\n", rec_refusal_message(), err.text);
			maudit_free(sm.audit);
			return SIM_EXIT_REFUSED;
		}
		if (id_file) {
			FILE *f = fopen(id_file, "w");

			if (f) {
				fprintf(f, "%s\n", rec_session_id(sm.rec));
				fclose(f);
			}
		}
		sim_event(&sm, MAUDIT_SESSION_START, rec_session_id(sm.rec), 0, h.local_user);
	}

	if ((buf = malloc(SIM_BUF_BYTES)) == NULL)
		return 1;
	if (pty) {
		struct winsize ws = {
		    .ws_col = (unsigned short)h.width, .ws_row = (unsigned short)h.height};

		pid = forkpty(&master, NULL, NULL, &ws);
		out_fd = in_fd = master;
	} else {
		if (pipe(opipe) != 0 || pipe(epipe) != 0 || pipe(ipipe) != 0)
			return 1;
		pid = fork();
		if (pid == 0) {
			dup2(ipipe[0], 0);
			dup2(opipe[1], 1);
			dup2(epipe[1], 2);
			close(ipipe[0]);
			close(ipipe[1]);
			close(opipe[0]);
			close(opipe[1]);
			close(epipe[0]);
			close(epipe[1]);
		} else {
			close(ipipe[0]);
			close(opipe[1]);
			close(epipe[1]);
			out_fd = opipe[0];
			err_fd = epipe[0];
			in_fd = ipipe[1];
		}
	}
	if (pid < 0) {
		perror("rec-sim: fork");
		return 1;
	}
	if (pid == 0) {
		if (user)
			drop_to(user);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "rec-sim: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (resize && pty) {
		struct winsize ws = {
		    .ws_col = (unsigned short)rcols, .ws_row = (unsigned short)rrows};

		(void)ioctl(master, TIOCSWINSZ, &ws);
		if (sm.rec && rec_resize(sm.rec, now_ns(CLOCK_MONOTONIC), rcols, rrows) != 0)
			sm.broken = true;
	}
	while (!sm.broken && (out_fd >= 0 || err_fd >= 0)) {
		struct pollfd p[3] = {
		    {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			int *fd = i == 0 ? &out_fd : &err_fd;
			ssize_t n;

			if (*fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(*fd, buf, SIM_BUF_BYTES);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				if (*fd != in_fd)
					close(*fd);
				*fd = -1;
				continue;
			}
			/* record first: what the user sees has been recorded */
			if (sm.rec &&
			    (i == 0 ? rec_output(sm.rec, now_ns(CLOCK_MONOTONIC), buf, (size_t)n)
				    : rec_stderr(
					  sm.rec, now_ns(CLOCK_MONOTONIC), buf, (size_t)n)) != 0) {
				sm.broken = true;
				break;
			}
			(void)write_all(i == 0 ? 1 : 2, buf, (size_t)n);
		}
		if (p[2].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, buf, SIM_BUF_BYTES);

			if (n <= 0) {
				stdin_open = false;
				if (!pty && in_fd >= 0) {
					close(in_fd);
					in_fd = -1;
				}
			} else {
				if (sm.rec &&
				    rec_input(sm.rec, now_ns(CLOCK_MONOTONIC), buf, (size_t)n) != 0)
					sm.broken = true;
				if (in_fd >= 0)
					(void)write_all(in_fd, buf, (size_t)n);
			}
		}
	}
	if (sm.broken) {
		/* enforceRecorder: the recording broke mid-way; end the session */
		fprintf(stderr, "\r\n%s\r\n", rec_refusal_message());
		kill(pid, SIGHUP);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (sm.broken)
		status = SIM_EXIT_REFUSED;
	if (sm.rec) {
		if (rec_session_close(sm.rec, now_ns(CLOCK_MONOTONIC), status, &err) != 0 &&
		    rc.enforce) {
			fprintf(stderr, "rec-sim: %s\n", err.text);
			status = SIM_EXIT_REFUSED;
		}
		sim_event(&sm, MAUDIT_SESSION_END, rec_session_id(sm.rec), status, NULL);
	}
	rec_session_free(sm.rec);
	maudit_free(sm.audit);
	free(buf);
	return status;
usage:
	fprintf(stderr,
	    "usage: rec-sim --spool DIR [--enforce] [--input] [--no-pty] "
	    "[--user NAME] -- COMMAND [ARGS...]\n");
	return 2;
}
