/*
 * Channels: session (shell, exec, subsystem, with or without pty), TCP
 * forwardings and agent connections all move bytes the same way.  Output
 * from a child or socket is read only while the client's window has room,
 * so the SSH window is the back-pressure; input for a child is buffered up
 * to SSHD_CHAN_INBUF_MAX and the rest is left in libssh, which then stops
 * growing our window.  Nothing here blocks.
 *
 * libssh calls the callbacks from inside ssh_event_dopoll(); they only move
 * bytes and set flags.  Registering fds, closing them and ending channels
 * happen in sshd_chan_update(), after the poll returns.
 *
 * Shell and exec sessions are recorded here, in this root process: every
 * read from the pty master or the command's stdout/stderr is appended to the
 * spool (recorder/recorder.h) before it is sent to the client, so what the
 * client saw is in the recording.  With enforceRecorder a session that
 * cannot be recorded is refused (a message on stderr, exit status 255), and
 * one whose recording breaks is ended the same way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit_glue.h"
#include "conn.h"
#include "login.h"
#include "log.h"
#include "meshauth.h"
#include "recorder.h"
#include "utmp.h"

#define SSHD_TERM_MAX 64
#define SSHD_NS_PER_S 1000000000ULL
/* exit-status of a session refused or ended for want of recording */
#define SSHD_EXIT_NO_RECORDING 255
#define SSHD_EXIT_SIGNAL_BASE  128 /* exitStatus of a session killed by a signal: 128 + signal */
#define SSHD_REC_DEFAULT_COLS  80  /* asciicast size of a session without a pty */
#define SSHD_REC_DEFAULT_ROWS  24
#define SSHD_SESSION_ID_BYTES  16
#define SSHD_CHAN_FILLS_MAX    32 /* reads gathered into one buffer before it is sent */

static uint8_t sshd_chan_iobuf[SSHD_CHAN_READ_MAX];

static uint64_t
sshd_chan_clock_ns(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * SSHD_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/*
 * Enforced recording broke: nothing more is relayed, the user's processes
 * are killed and the channel ends with a message and exit status 255.
 */
static void
sshd_chan_rec_end(struct sshd_chan *ch)
{
	if (ch->rec_ended)
		return;
	ch->rec_ended = true;
	ch->end_msg = rec_broken_message();
	ch->out_eof = ch->err_eof = true;
	ch->inlen = ch->pending_in = 0;
	ch->in_shut = true;
	log_error("session %s of %s: the recording failed; ending the session (enforceRecorder)",
	    ch->session_id, ch->conn->user ? ch->conn->user : "?");
	/* the session leader (setsid in the child) and its process group */
	if (ch->child > 0 && !ch->exited) {
		(void)kill(-ch->child, SIGKILL);
		(void)kill(ch->child, SIGKILL);
	}
}

/* Record bytes about to go to the client (code 'o' or 'e'); false: drop them, session ended. */
static bool
sshd_chan_rec_out(struct sshd_chan *ch, bool is_err, const uint8_t *buf, size_t n)
{
	uint64_t now = sshd_chan_clock_ns(CLOCK_MONOTONIC);
	int r = is_err ? rec_stderr(ch->rec, now, buf, n) : rec_output(ch->rec, now, buf, n);

	if (r == 0)
		return true;
	sshd_chan_rec_end(ch);
	return false;
}

static void
sshd_chan_rec_in(struct sshd_chan *ch, const void *buf, size_t n)
{
	if (ch->rec != NULL && n > 0 &&
	    rec_input(ch->rec, sshd_chan_clock_ns(CLOCK_MONOTONIC), buf, n) != 0)
		sshd_chan_rec_end(ch);
}

/* The session's exit status for the recording and session.end; -1 if it did not exit. */
static int
sshd_chan_exit_status(const struct sshd_chan *ch)
{
	if (ch->rec_refused || ch->rec_ended)
		return SSHD_EXIT_NO_RECORDING;
	if (!ch->exited)
		return -1;
	if (WIFEXITED(ch->wstatus))
		return WEXITSTATUS(ch->wstatus);
	if (WIFSIGNALED(ch->wstatus))
		return SSHD_EXIT_SIGNAL_BASE + WTERMSIG(ch->wstatus);
	return -1;
}

/* End of a started session: close its recording, then session.end or sftp.end. */
static void
sshd_chan_session_end(struct sshd_chan *ch)
{
	char buf[MESH_ERROR_TEXT_MAX + 64];
	struct mesh_error err;
	int status = sshd_chan_exit_status(ch);

	if (ch->kind != SSHD_CHAN_SESSION || !ch->audited_start || ch->audited_end)
		return;
	ch->audited_end = true;
	if (ch->rec != NULL) {
		mesh_error_clear(&err);
		if (rec_session_close(ch->rec, sshd_chan_clock_ns(CLOCK_MONOTONIC), status, &err) !=
		    0)
			log_error("session %s: closing the recording: %s", ch->session_id,
			    mesh_error_format(&err, buf, sizeof(buf)));
		rec_session_free(ch->rec);
		ch->rec = NULL;
	}
	if (ch->sftp)
		sshd_audit_sftp(ch->conn, false, ch->session_id);
	else
		sshd_audit_session(ch->conn, false, ch->session_id, NULL, ch->pty, status);
}

void
sshd_chan_audit_forward(struct sshd_chan *ch, const char *host, unsigned port)
{
	free(ch->fwd_audit_host);
	if ((ch->fwd_audit_host = strdup(host)) == NULL)
		return;
	ch->fwd_audit_port = port;
	sshd_audit_forward(ch->conn, true, "local", host, port);
}

struct sshd_chan *
sshd_chan_new(struct sshd_conn *c, enum sshd_chan_kind kind)
{
	struct sshd_chan *ch = calloc(1, sizeof(*ch));
	size_t i;

	if (ch == NULL)
		return NULL;
	if ((ch->inbuf = malloc(SSHD_CHAN_INBUF_MAX)) == NULL) {
		free(ch);
		return NULL;
	}
	ch->conn = c;
	ch->kind = kind;
	ch->in_fd = ch->out_fd = ch->err_fd = ch->ptm = ch->pts = ch->status_fd = -1;
	for (i = 0; i < SSHD_CHAN_FDS; i++)
		ch->watched_fd[i] = -1;
	sshd_env_init(&ch->client_env);
	ch->next = c->chans;
	c->chans = ch;
	return ch;
}

static void
sshd_chan_unwatch(struct sshd_chan *ch, int fd)
{
	size_t i;

	for (i = 0; i < SSHD_CHAN_FDS; i++) {
		if (ch->watched_fd[i] != fd || fd < 0)
			continue;
		(void)ssh_event_remove_fd(ch->conn->event, fd);
		ch->watched_fd[i] = -1;
		ch->watched_ev[i] = 0;
	}
}

static void
sshd_chan_close_fd(struct sshd_chan *ch, int *fdp)
{
	int fd = *fdp;

	if (fd < 0)
		return;
	if (ch->in_fd == fd)
		ch->in_fd = -1;
	if (ch->out_fd == fd)
		ch->out_fd = -1;
	if (ch->err_fd == fd)
		ch->err_fd = -1;
	if (ch->ptm == fd)
		ch->ptm = -1;
	if (ch->status_fd == fd)
		ch->status_fd = -1;
	*fdp = -1;
	sshd_chan_unwatch(ch, fd);
	(void)close(fd);
}

void
sshd_chan_free(struct sshd_chan *ch)
{
	struct sshd_chan **pp;

	if (ch == NULL)
		return;
	for (pp = &ch->conn->chans; *pp; pp = &(*pp)->next)
		if (*pp == ch) {
			*pp = ch->next;
			break;
		}
	sshd_chan_session_end(ch);
	/* the terminal goes with the channel: the login record too (the reaper drops the child) */
	if (ch->pty && ch->child > 0 && !ch->exited && ch->tty[0])
		sshd_utmp_logout(ch->tty, ch->child);
	if (ch->fwd_audit_host != NULL)
		sshd_audit_forward(
		    ch->conn, false, "local", ch->fwd_audit_host, ch->fwd_audit_port);
	free(ch->fwd_audit_host);
	sshd_chan_close_fd(ch, &ch->status_fd);
	sshd_chan_close_fd(ch, &ch->err_fd);
	sshd_chan_close_fd(ch, &ch->out_fd);
	sshd_chan_close_fd(ch, &ch->in_fd);
	sshd_chan_close_fd(ch, &ch->ptm);
	if (ch->pts >= 0)
		(void)close(ch->pts);
	if (ch->ch)
		ssh_channel_free(ch->ch);
	free(ch->term);
	free(ch->fwd_host);
	free(ch->orig_host);
	sshd_env_clear(&ch->client_env);
	free(ch->inbuf);
	free(ch);
}

/*
 * Fill iobuf (up to room) with reads from fd: a pty master hands out a few
 * KiB a read, and one fill is then one recorder append and one packet.
 * Returns the bytes read; *again when fd had no more, *eof at its end.
 */
static size_t
sshd_chan_fill(int fd, size_t room, bool *again, bool *eof)
{
	size_t got = 0;
	int i;

	for (i = 0; i < SSHD_CHAN_FILLS_MAX && got < room; i++) {
		ssize_t n = read(fd, sshd_chan_iobuf + got, room - got);

		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			*again = true;
		else
			*eof = true; /* 0, EIO (pty slave gone) or a real error */
		break;
	}
	return got;
}

/* Child/socket -> client, while the client's window has room. */
static void
sshd_chan_read_out(struct sshd_chan *ch, int fd, bool is_err, bool drain)
{
	bool *eof = is_err ? &ch->err_eof : &ch->out_eof;
	int i;

	for (i = 0; i < SSHD_CHAN_READS_PER_WAKE && !*eof; i++) {
		uint32_t win = ssh_channel_window_size(ch->ch);
		bool again = false;
		size_t n;
		int w;

		if (win == 0)
			return;
		n = sshd_chan_fill(
		    fd, win < sizeof(sshd_chan_iobuf) ? win : sizeof(sshd_chan_iobuf), &again, eof);
		if (n > 0) {
			/* recorded before the client sees it */
			if (ch->rec != NULL && !sshd_chan_rec_out(ch, is_err, sshd_chan_iobuf, n))
				return;
			w = is_err ? ssh_channel_write_stderr(ch->ch, sshd_chan_iobuf, (uint32_t)n)
				   : ssh_channel_write(ch->ch, sshd_chan_iobuf, (uint32_t)n);
			if (w == SSH_ERROR) {
				*eof = true;
				ch->dead = true;
			}
		}
		if (again) {
			if (drain)
				*eof = true;
			return;
		}
	}
}

/* Buffered client data -> child/socket. */
static void
sshd_chan_flush_in(struct sshd_chan *ch)
{
	while (ch->inlen > 0 && ch->in_fd >= 0 && !ch->in_shut) {
		ssize_t n = write(ch->in_fd, ch->inbuf, ch->inlen);

		if (n > 0) {
			memmove(ch->inbuf, ch->inbuf + n, ch->inlen - (size_t)n);
			ch->inlen -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* the reader is gone: what the client still sends is dropped */
		ch->inlen = 0;
		ch->in_shut = true;
	}
}

/* The session's process ended with wait status st (from its pidfd or the connection's reaper). */
void
sshd_chan_child_exited(struct sshd_chan *ch, int st)
{
	if (ch->exited)
		return;
	if (ch->pty && ch->tty[0])
		sshd_utmp_logout(ch->tty, ch->child);
	ch->wstatus = st;
	ch->exited = true;
	ch->child = 0;
}

static void
sshd_chan_read_status(struct sshd_chan *ch)
{
	int st;
	pid_t r;

	/* the pidfd stays watched until sshd_chan_update: a late POLLIN must not rewait */
	if (ch->exited || ch->child <= 0)
		return;
	while ((r = waitpid(ch->child, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == ch->child)
		sshd_chan_child_exited(ch, st);
	else if (r < 0) /* not ours to wait for any more: it cannot have run */
		sshd_chan_child_exited(ch, SSHD_EXIT_SETUP_FAILED << 8);
}

static int
sshd_chan_fd_cb(socket_t fd, int revents, void *userdata)
{
	struct sshd_chan *ch = userdata;

	if (ch->dead)
		return 0;
	if (fd == ch->status_fd && (revents & (POLLIN | POLLHUP | POLLERR)))
		sshd_chan_read_status(ch);
	if (fd == ch->out_fd && !ch->out_eof && (revents & (POLLIN | POLLHUP | POLLERR)))
		sshd_chan_read_out(ch, fd, false, false);
	if (fd == ch->err_fd && !ch->err_eof && (revents & (POLLIN | POLLHUP | POLLERR)))
		sshd_chan_read_out(ch, fd, true, false);
	if (fd == ch->in_fd && (revents & (POLLOUT | POLLERR)))
		sshd_chan_flush_in(ch);
	return 0;
}

static int
sshd_chan_data_cb(ssh_session s, ssh_channel c, void *data, uint32_t len, int is_stderr, void *ud)
{
	struct sshd_chan *ch = ud;
	size_t take;

	if (is_stderr || ch->in_shut || ch->client_eof) {
		ch->pending_in = 0;
		return (int)len;
	}
	take = SSHD_CHAN_INBUF_MAX - ch->inlen;
	if (take > len)
		take = len;
	sshd_chan_rec_in(ch, data, take);
	if (ch->in_shut) { /* the recording broke: the session is over */
		ch->pending_in = 0;
		return (int)len;
	}
	memcpy(ch->inbuf + ch->inlen, data, take);
	ch->inlen += take;
	ch->pending_in = len - take;
	sshd_chan_flush_in(ch);
	return (int)take;
}

static void
sshd_chan_eof_cb(ssh_session s, ssh_channel c, void *ud)
{
	struct sshd_chan *ch = ud;

	ch->client_eof = true;
}

static void
sshd_chan_close_cb(ssh_session s, ssh_channel c, void *ud)
{
	struct sshd_chan *ch = ud;

	ch->client_eof = true;
	ch->client_closed = true;
}

static int
sshd_chan_pty_cb(
    ssh_session s, ssh_channel c, const char *term, int cols, int rows, int px, int py, void *ud)
{
	struct sshd_chan *ch = ud;
	char name[SSHD_TTY_MAX];
	int fl;

	if (ch->started || ch->pty || strlen(term) >= SSHD_TERM_MAX)
		return -1;
	if (!ch->conn->cfg->permit_tty) {
		log_info("pty request for %s refused: PermitTTY no", ch->conn->user);
		return -1;
	}
	ch->ws.ws_col = (unsigned short)cols;
	ch->ws.ws_row = (unsigned short)rows;
	ch->ws.ws_xpixel = (unsigned short)px;
	ch->ws.ws_ypixel = (unsigned short)py;
	if (openpty(&ch->ptm, &ch->pts, name, NULL, &ch->ws) != 0) {
		log_error("openpty: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(ch->ptm, F_SETFD, FD_CLOEXEC);
	(void)fcntl(ch->pts, F_SETFD, FD_CLOEXEC);
	fl = fcntl(ch->ptm, F_GETFL);
	(void)fcntl(ch->ptm, F_SETFL, fl | O_NONBLOCK);
	(void)snprintf(ch->tty, sizeof(ch->tty), "%s", name);
	if ((ch->term = strdup(term)) == NULL)
		return -1;
	ch->pty = true;
	return 0;
}

static int
sshd_chan_winch_cb(ssh_session s, ssh_channel c, int cols, int rows, int px, int py, void *ud)
{
	struct sshd_chan *ch = ud;

	if (!ch->pty || ch->ptm < 0)
		return -1;
	ch->ws.ws_col = (unsigned short)cols;
	ch->ws.ws_row = (unsigned short)rows;
	ch->ws.ws_xpixel = (unsigned short)px;
	ch->ws.ws_ypixel = (unsigned short)py;
	if (ch->rec != NULL &&
	    rec_resize(
		ch->rec, sshd_chan_clock_ns(CLOCK_MONOTONIC), (unsigned)cols, (unsigned)rows) != 0)
		sshd_chan_rec_end(ch);
	return ioctl(ch->ptm, TIOCSWINSZ, &ch->ws) == 0 ? 0 : -1;
}

static int
sshd_chan_env_cb(ssh_session s, ssh_channel c, const char *name, const char *value, void *ud)
{
	struct sshd_chan *ch = ud;
	const char *const *pats = (const char *const *)ch->conn->decision.accept_env;

	if (ch->started || ch->client_env.n >= SSHD_ENV_MAX_VARS ||
	    strlen(value) >= SSHD_ENV_VALUE_MAX || meshauth_env_reserved(name) ||
	    !sshd_env_accepted(pats, name)) {
		log_debug("refused env %s from client", name);
		return -1;
	}
	return sshd_env_set(&ch->client_env, name, value) == 0 ? 0 : -1;
}

static void
sshd_chan_signal_cb(ssh_session s, ssh_channel c, const char *signal, void *ud)
{
	struct sshd_chan *ch = ud;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcmp(abbrev, signal) == 0)
			break;
	}
	if (sig >= NSIG || ch->child <= 0 || ch->exited)
		return;
	log_debug("channel signal %s to pid %ld", signal, (long)ch->child);
	/* the user's process: the connection process is root, so it may */
	(void)kill(ch->child, sig);
}

static void
sshd_chan_agent_cb(ssh_session s, ssh_channel c, void *ud)
{
	struct sshd_chan *ch = ud;

	if (!ch->conn->cfg->allow_agent_forwarding) {
		log_info(
		    "agent forwarding for %s refused: AllowAgentForwarding no", ch->conn->user);
		return;
	}
	if (!ch->started && sshd_agent_start(ch->conn) == 0)
		ch->agent_req = true;
}

static int
sshd_pipe_nb(int p[2], int our_end)
{
	int fl;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	fl = fcntl(p[our_end], F_GETFL);
	return fcntl(p[our_end], F_SETFL, fl | O_NONBLOCK);
}

/*
 * Open the session's recording.  Fails only with enforceRecorder, when the
 * session must not start; without it a broken recorder leaves a session
 * that is not recorded (and a recording.fail event).
 */
static int
sshd_chan_rec_open(struct sshd_chan *ch, const char *command)
{
	struct sshd_conn *c = ch->conn;
	const struct sshd_config *cfg = c->cfg;
	struct mesh_error err;
	struct rec_conf rc;
	struct cast_header h;
	int r;

	if (!sshd_rec_wanted(
		cfg->rec.record_sessions, c->decision.recorder, c->decision.enforce_recorder)) {
		uint8_t id[SSHD_SESSION_ID_BYTES];

		/* only RecordSessions no gets here with enforceRecorder */
		if (c->decision.enforce_recorder) {
			log_error(
			    "session of %s refused: enforceRecorder, and RecordSessions is no",
			    c->user);
			return MESH_ERR_DENIED;
		}
		randombytes_buf(id, sizeof(id));
		rec_id_to_hex(id, ch->session_id);
		return MESH_OK;
	}
	memset(&rc, 0, sizeof(rc));
	rc.spool_dir = cfg->rec.spool_dir ? cfg->rec.spool_dir : REC_DEFAULT_SPOOL_DIR;
	rc.spool_max_bytes = cfg->rec.spool_max;
	rc.enforce = c->decision.enforce_recorder;
	rc.record_input = cfg->rec.record_input;
	rc.host = sshd_audit_host(cfg);
	memset(&h, 0, sizeof(h));
	h.width = ch->pty ? ch->ws.ws_col : SSHD_REC_DEFAULT_COLS;
	h.height = ch->pty ? ch->ws.ws_row : SSHD_REC_DEFAULT_ROWS;
	h.src_node = c->id.node;
	h.src_node_user = c->id.login;
	h.ssh_user = c->user;
	h.local_user = c->user;
	h.connection_id = sshd_audit_conn_id();
	h.command = command;
	h.pty = ch->pty;
	sshd_audit_enforce(c, rc.enforce);
	mesh_error_clear(&err);
	r = rec_session_open(&rc, &h, sshd_chan_clock_ns(CLOCK_REALTIME),
	    sshd_chan_clock_ns(CLOCK_MONOTONIC), &ch->rec, &err);
	if (r != 0) {
		log_error("session of %s refused (enforceRecorder): cannot record: %s", c->user,
		    err.text[0] ? err.text : mesh_strerror(r));
		ch->rec = NULL;
		return r;
	}
	(void)snprintf(ch->session_id, sizeof(ch->session_id), "%s", rec_session_id(ch->rec));
	if (!rec_session_recording(ch->rec)) {
		/* not enforced: the session goes on unrecorded (recording.fail is out) */
		log_error("session %s of %s is not recorded", ch->session_id, c->user);
		rec_session_free(ch->rec);
		ch->rec = NULL;
	}
	return MESH_OK;
}

/* A session that does not start: success to the request, then the message and exit status. */
static void
sshd_chan_refuse_start(struct sshd_chan *ch, int status)
{
	ch->started = true;
	ch->exited = true;
	ch->wstatus = status << 8;
	ch->out_eof = ch->err_eof = true;
	ch->in_shut = true;
}

/* Refused for want of a recording: 255 and the recorder's message. */
static void
sshd_chan_refuse_unrecorded(struct sshd_chan *ch)
{
	ch->rec_refused = true;
	ch->end_msg = rec_refusal_message();
	sshd_chan_refuse_start(ch, SSHD_EXIT_NO_RECORDING);
}

/* Refused by PAM (account or session): 254 and what PAM said */
static void
sshd_chan_refuse(struct sshd_chan *ch, const char *why)
{
	ch->end_msg = why;
	sshd_chan_refuse_start(ch, SSHD_EXIT_SETUP_FAILED);
}

static int
sshd_chan_start_session(struct sshd_chan *ch, const char *command, const char *what)
{
	struct sshd_conn *c = ch->conn;
	const struct sshd_config *cfg = c->cfg;
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	struct sshd_spawn sp;
	pid_t pid;
	int r = -1, pidfd = -1;

	if (ch->started || !c->authenticated)
		return -1;
	if (ch->sftp) {
		uint8_t id[SSHD_SESSION_ID_BYTES];

		randombytes_buf(id, sizeof(id));
		rec_id_to_hex(id, ch->session_id);
	} else if (sshd_chan_rec_open(ch, command) != 0) {
		sshd_chan_refuse_unrecorded(ch);
		return 0;
	}
	if (cfg->use_pam && sshd_pam_session(&c->pam, ch->pty ? ch->tty : NULL) != 0) {
		sshd_chan_refuse(ch, c->pam.say);
		r = 0;
		goto out;
	}
	if (!ch->pty &&
	    (sshd_pipe_nb(in, 1) != 0 || sshd_pipe_nb(out, 0) != 0 || sshd_pipe_nb(err, 0) != 0))
		goto out;
	memset(&sp, 0, sizeof(sp));
	sp.user = c->user;
	sp.uid = c->uid;
	sp.gid = c->gid;
	sp.home = c->home;
	sp.shell = c->shell;
	sp.command = command;
	sp.rhost = c->client_addr;
	sp.tty = ch->pty ? ch->tty : NULL;
	sp.print_motd = cfg->print_motd;
	sp.print_last_log = cfg->print_last_log;
	if (sp.tty && command == NULL && !c->pam.msgs_shown) {
		/* PAM's messages go to the connection's first interactive session */
		sp.msgs = c->pam.msgs;
		sp.msglen = c->pam.msglen;
		c->pam.msgs_shown = true;
	}
	sp.motd_shown = c->pam.pamh && pam_getenv(c->pam.pamh, "MOTD_SHOWN");
	sp.env.user = c->user;
	sp.env.home = c->home;
	sp.env.shell = c->shell;
	sp.env.uid = c->uid;
	sp.env.tty = sp.tty;
	sp.env.term = ch->term;
	sp.env.client_addr = c->client_addr;
	sp.env.client_port = c->client_port;
	sp.env.server_addr = c->server_addr;
	sp.env.server_port = c->server_port;
	sp.env.mesh_login = c->id.login;
	sp.env.mesh_node = c->id.node;
	sp.env.auth_sock = ch->agent_req ? c->agent_path : NULL;
	sp.env.client = &ch->client_env;
	sp.env.pam_env = c->pam.env;
	sp.fd_in = ch->pty ? ch->pts : in[0];
	sp.fd_out = ch->pty ? ch->pts : out[1];
	sp.fd_err = ch->pty ? ch->pts : err[1];
	pid = sshd_login_spawn(&sp);
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		goto out;
	}
	/* its end wakes the event loop through a pidfd (a zombie's works too) */
	if ((pidfd = pidfd_open(pid, 0)) < 0) { /* always close-on-exec */
		log_error("pidfd_open %ld: %s", (long)pid, strerror(errno));
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		goto out;
	}
	log_verbose("Starting session: %s%s%s for %s from %s port %u", what, ch->pty ? " on " : "",
	    ch->pty ? ch->tty + 5 : "", c->user, c->client_addr, c->client_port);
	ch->child = pid;
	ch->started = true;
	ch->audited_start = true;
	if (ch->sftp)
		sshd_audit_sftp(c, true, ch->session_id);
	else
		sshd_audit_session(c, true, ch->session_id, command, ch->pty, 0);
	ch->status_fd = pidfd;
	if (ch->pty) {
		(void)close(ch->pts);
		ch->pts = -1;
		ch->in_fd = ch->out_fd = ch->ptm;
		ch->err_eof = true;
	} else {
		ch->in_fd = in[1];
		ch->out_fd = out[0];
		ch->err_fd = err[0];
		in[1] = out[0] = err[0] = -1;
	}
	r = 0;
out:
	if (r != 0 && ch->rec != NULL) {
		rec_session_free(ch->rec);
		ch->rec = NULL;
	}
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			(void)close(in[i]);
		if (out[i] >= 0)
			(void)close(out[i]);
		if (err[i] >= 0)
			(void)close(err[i]);
	}
	return r;
}

static int
sshd_chan_shell_cb(ssh_session s, ssh_channel c, void *ud)
{
	return sshd_chan_start_session(ud, NULL, "shell");
}

static int
sshd_chan_exec_cb(ssh_session s, ssh_channel c, const char *command, void *ud)
{
	return sshd_chan_start_session(ud, command, "command");
}

static int
sshd_chan_subsystem_cb(ssh_session s, ssh_channel c, const char *subsystem, void *ud)
{
	struct sshd_chan *ch = ud;

	if (strcmp(subsystem, "sftp") != 0) {
		log_info("subsystem request for %s by user %s failed, subsystem not found",
		    subsystem, ch->conn->user ? ch->conn->user : "?");
		return -1;
	}
	ch->sftp = true;
	return sshd_chan_start_session(ch, ch->conn->cfg->sftp_server, "subsystem sftp");
}

void
sshd_chan_set_callbacks(struct sshd_chan *ch)
{
	memset(&ch->cb, 0, sizeof(ch->cb));
	ch->cb.userdata = ch;
	ch->cb.channel_data_function = sshd_chan_data_cb;
	ch->cb.channel_eof_function = sshd_chan_eof_cb;
	ch->cb.channel_close_function = sshd_chan_close_cb;
	if (ch->kind == SSHD_CHAN_SESSION) {
		ch->cb.channel_pty_request_function = sshd_chan_pty_cb;
		ch->cb.channel_pty_window_change_function = sshd_chan_winch_cb;
		ch->cb.channel_env_request_function = sshd_chan_env_cb;
		ch->cb.channel_shell_request_function = sshd_chan_shell_cb;
		ch->cb.channel_exec_request_function = sshd_chan_exec_cb;
		ch->cb.channel_subsystem_request_function = sshd_chan_subsystem_cb;
		ch->cb.channel_signal_function = sshd_chan_signal_cb;
		ch->cb.channel_auth_agent_req_function = sshd_chan_agent_cb;
	}
	ssh_callbacks_init(&ch->cb);
	(void)ssh_set_channel_callbacks(ch->ch, &ch->cb);
}

void
sshd_chan_start_io(struct sshd_chan *ch, int in_fd, int out_fd, int err_fd)
{
	ch->in_fd = in_fd;
	ch->out_fd = out_fd;
	ch->err_fd = err_fd;
	ch->err_eof = err_fd < 0;
	ch->started = true;
}

/* Register exactly the wanted poll events for each of the channel's fds. */
static void
sshd_chan_watch(struct sshd_chan *ch)
{
	int fds[SSHD_CHAN_FDS] = {ch->status_fd, ch->out_fd, ch->err_fd, ch->in_fd};
	short want[SSHD_CHAN_FDS] = {0, 0, 0, 0};
	bool win = !ch->opening && ch->ch && ssh_channel_window_size(ch->ch) > 0;
	size_t i, j;

	if (ch->status_fd >= 0)
		want[0] = POLLIN;
	if (ch->out_fd >= 0 && !ch->out_eof && win)
		want[1] = POLLIN;
	if (ch->err_fd >= 0 && !ch->err_eof && win)
		want[2] = POLLIN;
	if (ch->in_fd >= 0 && !ch->in_shut && ch->inlen > 0)
		want[3] = POLLOUT;
	/* merge masks of the same fd (pty master, socket) */
	for (i = 0; i < SSHD_CHAN_FDS; i++)
		for (j = i + 1; j < SSHD_CHAN_FDS; j++)
			if (fds[i] >= 0 && fds[j] == fds[i]) {
				want[i] |= want[j];
				fds[j] = -1;
			}
	/* drop watches of fds no longer wanted or changed */
	for (i = 0; i < SSHD_CHAN_FDS; i++) {
		int wfd = ch->watched_fd[i];
		bool keep = false;

		if (wfd < 0)
			continue;
		for (j = 0; j < SSHD_CHAN_FDS; j++)
			if (fds[j] == wfd && want[j] == ch->watched_ev[i])
				keep = true;
		if (!keep)
			sshd_chan_unwatch(ch, wfd);
	}
	for (j = 0; j < SSHD_CHAN_FDS; j++) {
		bool have = false;
		size_t slot = SSHD_CHAN_FDS;

		if (fds[j] < 0 || want[j] == 0)
			continue;
		for (i = 0; i < SSHD_CHAN_FDS; i++) {
			if (ch->watched_fd[i] == fds[j])
				have = true;
			if (ch->watched_fd[i] < 0 && slot == SSHD_CHAN_FDS)
				slot = i;
		}
		if (have || slot == SSHD_CHAN_FDS)
			continue;
		if (ssh_event_add_fd(ch->conn->event, fds[j], want[j], sshd_chan_fd_cb, ch) ==
		    SSH_OK) {
			ch->watched_fd[slot] = fds[j];
			ch->watched_ev[slot] = want[j];
		}
	}
}

static void
sshd_chan_send_exit(struct sshd_chan *ch)
{
	if (ch->rec_refused || ch->rec_ended) {
		(void)ssh_channel_request_send_exit_status(ch->ch, SSHD_EXIT_NO_RECORDING);
	} else if (WIFEXITED(ch->wstatus)) {
		(void)ssh_channel_request_send_exit_status(ch->ch, WEXITSTATUS(ch->wstatus));
	} else if (WIFSIGNALED(ch->wstatus)) {
		const char *name = sigabbrev_np(WTERMSIG(ch->wstatus));

		(void)ssh_channel_request_send_exit_signal(
		    ch->ch, name ? name : "KILL", WCOREDUMP(ch->wstatus) ? 1 : 0, "", "");
	}
}

/* Pull what libssh still holds for the child once our buffer has room. */
static void
sshd_chan_pull_in(struct sshd_chan *ch)
{
	while (ch->pending_in > 0 && ch->inlen < SSHD_CHAN_INBUF_MAX) {
		size_t room = SSHD_CHAN_INBUF_MAX - ch->inlen;
		size_t want = ch->pending_in < room ? ch->pending_in : room;
		int n;

		if (ch->in_shut) {
			want = ch->pending_in < sizeof(sshd_chan_iobuf) ? ch->pending_in
									: sizeof(sshd_chan_iobuf);
			n = ssh_channel_read_nonblocking(
			    ch->ch, sshd_chan_iobuf, (uint32_t)want, 0);
		} else {
			n = ssh_channel_read_nonblocking(
			    ch->ch, ch->inbuf + ch->inlen, (uint32_t)want, 0);
		}
		if (n <= 0) {
			ch->pending_in = 0;
			break;
		}
		if (!ch->in_shut) {
			sshd_chan_rec_in(ch, ch->inbuf + ch->inlen, (size_t)n);
			ch->inlen += ch->in_shut ? 0 : (size_t)n;
		}
		ch->pending_in -= (size_t)n;
		sshd_chan_flush_in(ch);
	}
}

void
sshd_chan_update(struct sshd_chan *ch)
{
	if (ch->opening) {
		int rc = ch->kind == SSHD_CHAN_AGENT
		    ? ssh_channel_open_auth_agent(ch->ch)
		    : ssh_channel_open_reverse_forward(ch->ch, ch->fwd_host, (int)ch->fwd_port,
			  ch->orig_host, (int)ch->orig_port);

		if (rc == SSH_AGAIN)
			return;
		ch->opening = false;
		if (rc != SSH_OK) {
			ch->dead = true;
			return;
		}
		sshd_chan_set_callbacks(ch);
	}
	if (ch->dead)
		return;
	sshd_chan_pull_in(ch);
	sshd_chan_flush_in(ch);

	/* client finished sending: the child sees EOF once our buffer is drained */
	if (ch->client_eof && ch->inlen == 0 && ch->pending_in == 0 && ch->in_fd >= 0 &&
	    !ch->in_shut && !ch->pty) {
		ch->in_shut = true;
		if (ch->in_fd == ch->out_fd)
			(void)shutdown(ch->in_fd, SHUT_WR);
		else
			sshd_chan_close_fd(ch, &ch->in_fd);
	}
	if (ch->kind == SSHD_CHAN_SESSION && ch->exited && ch->pty && !ch->out_eof)
		sshd_chan_read_out(ch, ch->out_fd, false, true);
	if (ch->out_eof && ch->out_fd >= 0 && ch->out_fd != ch->in_fd)
		sshd_chan_close_fd(ch, &ch->out_fd);
	if (ch->err_eof && ch->err_fd >= 0)
		sshd_chan_close_fd(ch, &ch->err_fd);
	if (ch->exited && ch->status_fd >= 0)
		sshd_chan_close_fd(ch, &ch->status_fd);

	if (ch->end_msg && !ch->end_msg_sent && !ch->client_closed) {
		const char *msg = ch->end_msg;

		ch->end_msg_sent = true;
		(void)ssh_channel_write_stderr(ch->ch, msg, (uint32_t)strlen(msg));
		(void)ssh_channel_write_stderr(ch->ch, ch->pty ? "\r\n" : "\n", ch->pty ? 2 : 1);
	}
	if (!ch->close_sent && !ch->client_closed) {
		bool done;

		if (ch->kind == SSHD_CHAN_SESSION)
			done = ch->exited && ch->out_eof && ch->err_eof;
		else
			done = ch->out_eof && ch->in_shut && ch->inlen == 0;
		if (ch->out_eof && ch->err_eof && !ch->eof_sent &&
		    (ch->kind != SSHD_CHAN_SESSION || ch->exited)) {
			(void)ssh_channel_send_eof(ch->ch);
			ch->eof_sent = true;
		}
		if (done) {
			sshd_chan_session_end(ch);
			if (ch->kind == SSHD_CHAN_SESSION)
				sshd_chan_send_exit(ch);
			(void)ssh_channel_close(ch->ch);
			ch->close_sent = true;
		}
	}
	if (ch->client_closed) {
		if (!ch->close_sent) {
			(void)ssh_channel_close(ch->ch);
			ch->close_sent = true;
		}
		ch->dead = true;
		return;
	}
	sshd_chan_watch(ch);
}
