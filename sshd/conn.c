/*
 * The per-connection process: key exchange, auth "none" decided by the mesh
 * identity and the policy, then the channel loop.  It is root, non-dumpable
 * and never runs user code (its children drop root first, login.h).
 * Before authentication it lives at most LoginGraceTime; TCP_QUICKACK is
 * re-armed before every poll because the OpenSSH client's back-to-back
 * small handshake packets would otherwise wait on delayed ACKs (40 ms each,
 * several per login).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit_glue.h"
#include "checksock.h"
#include "conn.h"
#include "fileio.h"
#include "log.h"
#include "meshauth.h"
#include "provision.h"
#include "sso.h"

#define SSHD_GRACE_ALARM_SLACK_S 5    /* SIGALRM backstop after LoginGraceTime */
#define SSHD_HOUSEKEEPING_MS	 1000 /* poll timeout once authenticated */
#define SSHD_BANNER_MAX_BYTES	 (64u * 1024u)
#define SSHD_MS_PER_S		 1000
#define SSHD_DISCONNECT_FLUSH_MS 2000

static int64_t
sshd_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * SSHD_MS_PER_S + ts.tv_nsec / 1000000;
}

static void
sshd_sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		*port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			(void)inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)len);
		else
			(void)inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		*port = ntohs(s4->sin_port);
		(void)inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	}
}

static void
sshd_conn_quickack(struct sshd_conn *c)
{
	int one = 1;

	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static void
sshd_conn_tcp_options(struct sshd_conn *c)
{
	int one = 1;

	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->cfg->client_alive_interval_s > 0) {
		/* liveness by TCP keepalive: a half-open client is noticed without help from it */
		int idle = (int)c->cfg->client_alive_interval_s;
		int cnt = (int)c->cfg->client_alive_count_max;
		unsigned tmo = (unsigned)(idle * (cnt + 1)) * SSHD_MS_PER_S;

		(void)setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo, sizeof(tmo));
	}
}

void
sshd_conn_send_banner(struct sshd_conn *c, const char *text, int flush_ms)
{
	ssh_string s = ssh_string_from_char(text);

	if (s == NULL)
		return;
	(void)ssh_send_issue_banner(c->session, s);
	ssh_string_free(s);
	if (flush_ms > 0)
		(void)ssh_blocking_flush(c->session, flush_ms);
}

static void
sshd_conn_config_banner(struct sshd_conn *c)
{
	struct mesh_error err;
	uint8_t *buf = NULL;
	size_t len;

	if (c->banner_sent || c->cfg->banner == NULL)
		return;
	c->banner_sent = true;
	mesh_error_clear(&err);
	if (mesh_file_read(
		c->cfg->banner, SSHD_BANNER_MAX_BYTES, MESH_FILE_TRUSTED, &buf, &len, &err) != 0) {
		log_warn("Banner %s: %s", c->cfg->banner, err.text);
		return;
	}
	sshd_conn_send_banner(c, (const char *)buf, 0);
	free(buf);
}

static int
sshd_conn_set_user(struct sshd_conn *c, const struct passwd *pw)
{
	free(c->user);
	free(c->home);
	free(c->shell);
	c->user = strdup(pw->pw_name);
	c->home = strdup(pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : "/");
	c->shell = strdup(pw->pw_shell && pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	return c->user && c->home && c->shell ? MESH_OK : MESH_ERR_NOMEM;
}

static void
sshd_conn_refuse(struct sshd_conn *c, const char *user, const char *reason, int rule)
{
	char text[SSHD_REASON_MAX * 3];
	char rulestr[32];

	if (rule >= 0)
		(void)snprintf(rulestr, sizeof(rulestr), "rule %d", rule);
	else
		(void)snprintf(rulestr, sizeof(rulestr), "no rule");
	log_info("Refused %s from %s port %u: %s (%s)", user, c->client_addr, c->client_port,
	    reason, rulestr);
	(void)snprintf(text, sizeof(text), "meshsshd: access denied for %s from %s (%s): %s\n",
	    user, c->id.node, c->id.login, reason);
	sshd_conn_send_banner(c, text, 0);
	/*
	 * The OpenSSH client hides banners below LogLevel INFO but always shows
	 * a disconnect reason: end the connection with the same words.
	 */
	text[strcspn(text, "\n")] = '\0';
	(void)ssh_session_set_disconnect_message(c->session, text);
	c->refused = true;
	sshd_audit_refuse(c, user, reason);
}

/*
 * A host account for the caller's IdP user (localpart:*@domain, ProvisionUsers
 * yes): created at the first login, and at every later one re-checked against
 * the netmap (groups follow the IdP; a deprovisioned account is refused, and
 * why goes to *why).
 */
static struct passwd *
sshd_conn_provision(
    struct sshd_conn *c, const char *user, struct passwd *pw, char *why, size_t whylen)
{
	static struct provision_result res;
	const struct netmap_user *nu = sshd_authz_user(c->authz, &c->id);
	struct mesh_error err;
	char buf[MESH_ERROR_TEXT_MAX + 256];
	unsigned int grace;
	int r;

	if (nu == NULL) {
		(void)snprintf(why, whylen, "%s has no user entry in the netmap", c->id.login);
		return NULL;
	}
	mesh_error_clear(&err);
	memset(&res, 0, sizeof(res));
	/* lckpwdf() inside uses alarm() and cancels the login grace timer: re-arm it */
	grace = alarm(0);
	r = provision_ensure(&c->cfg->prov, nu, &res, &err);
	if (grace)
		(void)alarm(grace);
	if (r != 0) {
		log_error("provisioning %s for %s: %s", user, c->id.login,
		    mesh_error_format(&err, buf, sizeof(buf)));
		(void)snprintf(why, whylen, "%s",
		    err.code == MESH_ERR_PERM ? err.text
					      : "the host account cannot be provisioned");
		return NULL;
	}
	if (res.created)
		log_info("provisioned account %s (uid %u) for %s", res.name, res.uid, c->id.login);
	sshd_audit_provision(c, res.name, res.uid, res.created);
	memset(pw, 0, sizeof(*pw));
	pw->pw_name = res.name;
	pw->pw_uid = res.uid;
	pw->pw_gid = res.gid;
	pw->pw_dir = res.home;
	pw->pw_shell = res.shell;
	return pw;
}

static int
sshd_conn_auth_none(ssh_session session, const char *user, void *userdata)
{
	struct sshd_conn *c = userdata;
	struct sshd_decision d;
	struct passwd *pw, prov_pw;
	char reason[SSHD_REASON_MAX * 2];

	sshd_conn_config_banner(c);
	if (c->authenticated)
		return SSH_AUTH_DENIED;
	if (++c->auth_failures > SSHD_MAX_AUTH_TRIES) {
		log_info("Disconnecting %s port %u: too many authentication failures",
		    c->client_addr, c->client_port);
		ssh_disconnect(session);
		return SSH_AUTH_DENIED;
	}
	if (!sshd_user_name_valid(user)) {
		sshd_conn_refuse(c, user, "invalid user name", -1);
		return SSH_AUTH_DENIED;
	}
	if (sshd_authz_decide(c->authz, &c->id, user, &d) != 0) {
		sshd_conn_refuse(c, user, "policy evaluation failed", -1);
		return SSH_AUTH_DENIED;
	}
	sshd_audit_decision(c, user, &d, NULL);
	if (d.action == SSHD_CHECK) {
		if (sshd_sso_check(c, user, d.check_period_s, reason, sizeof(reason)) != 0) {
			sshd_conn_refuse(c, user, reason, d.rule);
			sshd_decision_clear(&d);
			return SSH_AUTH_DENIED;
		}
		d.action = SSHD_ACCEPT;
	}
	if (d.action != SSHD_ACCEPT) {
		sshd_conn_refuse(c, user, d.reason, d.rule);
		sshd_decision_clear(&d);
		return SSH_AUTH_DENIED;
	}
	pw = getpwnam(user);
	/* a local account of that name is used as it is; a mesh one is the caller's own */
	if (d.via_localpart && c->cfg->prov.enabled &&
	    (pw == NULL || provision_lookup(&c->cfg->prov, user) == 0)) {
		reason[0] = '\0';
		pw = sshd_conn_provision(c, user, &prov_pw, reason, sizeof(reason));
		if (pw == NULL) {
			sshd_conn_refuse(c, user, reason, d.rule);
			sshd_decision_clear(&d);
			return SSH_AUTH_DENIED;
		}
	}
	if (pw == NULL) {
		(void)snprintf(reason, sizeof(reason), "no such user on this host");
		log_info("Invalid user %s from %s port %u", user, c->client_addr, c->client_port);
		sshd_conn_refuse(c, user, reason, d.rule);
		sshd_decision_clear(&d);
		return SSH_AUTH_DENIED;
	}
	if (d.via_nonroot && pw->pw_uid == 0) {
		sshd_conn_refuse(c, user, "autogroup:nonroot does not include root", d.rule);
		sshd_decision_clear(&d);
		return SSH_AUTH_DENIED;
	}
	if (sshd_conn_set_user(c, pw) != 0) {
		sshd_decision_clear(&d);
		return SSH_AUTH_DENIED;
	}
	if (c->cfg->use_pam) {
		const char *service = SSHD_PAM_SERVICE;

#ifdef MESH_TEST_BUILD
		if (c->cfg->test_pam_service)
			service = c->cfg->test_pam_service;
#endif
		if (sshd_pam_account(&c->pam, service, c->user, c->client_addr) != 0) {
			/* what the modules said first (pam_nologin: the file), then why */
			if (c->pam.msglen)
				sshd_conn_send_banner(c, c->pam.msgs, 0);
			sshd_conn_refuse(c, user, c->pam.why, d.rule);
			sshd_decision_clear(&d);
			return SSH_AUTH_DENIED;
		}
	}
	sshd_decision_clear(&c->decision);
	c->decision = d;
	c->authenticated = true;
	alarm(0);
	if (c->startup_fd >= 0) {
		(void)close(c->startup_fd);
		c->startup_fd = -1;
	}
	log_info("Accepted none for %s from %s port %u ssh2 (mesh %s node %s)", c->user,
	    c->client_addr, c->client_port, c->id.login, c->id.node);
	(void)sshd_checksock_open(c); /* sudo's SSO check door, when OIDC is configured */
	return SSH_AUTH_SUCCESS;
}

static ssh_channel
sshd_conn_open_session(ssh_session session, void *userdata)
{
	struct sshd_conn *c = userdata;
	struct sshd_chan *ch;
	unsigned open = 0;

	if (!c->authenticated)
		return NULL;
	for (ch = c->chans; ch; ch = ch->next)
		if (ch->kind == SSHD_CHAN_SESSION && !ch->dead)
			open++;
	if (open >= c->cfg->max_sessions) {
		/* sshd's words; the client reads "open failed: administratively prohibited" */
		log_info("error: no more sessions for %s (MaxSessions %u)", c->user,
		    c->cfg->max_sessions);
		return NULL;
	}
	if ((ch = sshd_chan_new(c, SSHD_CHAN_SESSION)) == NULL)
		return NULL;
	if ((ch->ch = ssh_channel_new(session)) == NULL) {
		ch->dead = true;
		return NULL;
	}
	sshd_chan_set_callbacks(ch);
	return ch->ch;
}

static void
sshd_conn_global_request(ssh_session session, ssh_message msg, void *userdata)
{
	(void)sshd_fwd_global_request(userdata, msg);
}

/* Requests libssh's callbacks do not cover: direct-tcpip (ssh -L). */
static int
sshd_conn_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct sshd_conn *c = userdata;
	struct sshd_chan *ch;
	const char *host;
	unsigned port;
	int fd;

	if (ssh_message_type(msg) == SSH_REQUEST_AUTH) {
		if (ssh_message_subtype(msg) != SSH_AUTH_METHOD_NONE)
			return 1; /* the default reply: failure */
		if (sshd_conn_auth_none(session, ssh_message_auth_user(msg), c) ==
		    SSH_AUTH_SUCCESS) {
			(void)ssh_message_auth_reply_success(msg, 0);
			return 0;
		}
		/* refused: no failure reply; the disconnect with the reason follows */
		return c->refused ? 0 : 1;
	}
	if (!c->authenticated || ssh_message_type(msg) != SSH_REQUEST_CHANNEL_OPEN ||
	    ssh_message_subtype(msg) != SSH_CHANNEL_DIRECT_TCPIP)
		return 1;
	host = ssh_message_channel_request_open_destination(msg);
	port = (unsigned)ssh_message_channel_request_open_destination_port(msg);
	if (!(c->cfg->allow_tcp_forwarding & SSHD_FWD_LOCAL)) {
		log_info("refused local port forward to %s port %u for %s: AllowTcpForwarding",
		    host ? host : "?", port, c->user);
		return 1;
	}
	if (host == NULL || sshd_fwd_connect(host, port, &fd) != 0) {
		log_info(
		    "direct-tcpip to %s port %u for %s failed", host ? host : "?", port, c->user);
		return 1;
	}
	ch = sshd_chan_new(c, SSHD_CHAN_TCP);
	if (ch == NULL || (ch->ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		(void)close(fd);
		if (ch)
			ch->dead = true;
		return 0;
	}
	log_debug("direct-tcpip to %s port %u for %s", host, port, c->user);
	sshd_chan_set_callbacks(ch);
	sshd_chan_start_io(ch, fd, fd, -1);
	sshd_chan_audit_forward(ch, host, port);
	return 0;
}

/* Reap children: a session's ends its channel; the rest (sudo check servers) are dropped. */
static void
sshd_conn_reap(struct sshd_conn *c)
{
	struct sshd_chan *ch;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (ch = c->chans; ch; ch = ch->next)
			if (ch->kind == SSHD_CHAN_SESSION && ch->child == pid) {
				sshd_chan_child_exited(ch, st);
				break;
			}
}

static void
sshd_conn_cleanup(struct sshd_conn *c)
{
	sshd_checksock_close(c);
	while (c->chans)
		sshd_chan_free(c->chans);
	sshd_pam_logout(&c->pam);
	sshd_fwd_close_all(c);
	sshd_agent_stop(c);
	if (c->session) {
		/*
		 * libssh writes the disconnect only if the socket is known writable
		 * and closes right after: flush something first so that it is, and
		 * a refusal's reason reaches the client.
		 */
		if (c->refused && ssh_send_ignore(c->session, "") == SSH_OK)
			(void)ssh_blocking_flush(c->session, SSHD_DISCONNECT_FLUSH_MS);
		ssh_disconnect(c->session);
	}
	if (c->event) {
		if (c->session)
			(void)ssh_event_remove_session(c->event, c->session);
		ssh_event_free(c->event);
	}
	if (c->session)
		ssh_free(c->session);
	sshd_decision_clear(&c->decision);
	free(c->user);
	free(c->home);
	free(c->shell);
}

static bool
sshd_conn_closed(const struct sshd_conn *c)
{
	return (ssh_get_status(c->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

static int
sshd_conn_setup(struct sshd_conn *c)
{
	c->session = ssh_new();
	c->event = ssh_event_new();
	if (c->session == NULL || c->event == NULL) {
		log_error("out of memory for a session");
		return MESH_ERR_NOMEM;
	}
	memset(&c->server_cb, 0, sizeof(c->server_cb));
	c->server_cb.userdata = c;
	c->server_cb.channel_open_request_session_function = sshd_conn_open_session;
	ssh_callbacks_init(&c->server_cb);
	memset(&c->cb, 0, sizeof(c->cb));
	c->cb.userdata = c;
	c->cb.global_request_function = sshd_conn_global_request;
	ssh_callbacks_init(&c->cb);
	if (ssh_bind_accept_fd(c->bind, c->session, c->fd) != SSH_OK) {
		log_error("%s port %u: %s", c->client_addr, c->client_port, ssh_get_error(c->bind));
		return MESH_ERR_PROTOCOL;
	}
	(void)ssh_set_server_callbacks(c->session, &c->server_cb);
	(void)ssh_set_callbacks(c->session, &c->cb);
	ssh_set_message_callback(c->session, sshd_conn_message, c);
	/* "none" is always tried first; publickey is only listed so a denial has a method */
	ssh_set_auth_methods(c->session, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_blocking(c->session, 0);
	/* the first call sets up libssh's poll context, which the event then takes over */
	if (ssh_handle_key_exchange(c->session) == SSH_ERROR) {
		log_info("kex failed for %s port %u: %s", c->client_addr, c->client_port,
		    ssh_get_error(c->session));
		return MESH_ERR_PROTOCOL;
	}
	if (ssh_event_add_session(c->event, c->session) != SSH_OK) {
		log_error("%s port %u: cannot poll the session", c->client_addr, c->client_port);
		return MESH_ERR_NOMEM;
	}
	return MESH_OK;
}

static void
sshd_conn_loop(struct sshd_conn *c)
{
	int64_t deadline = sshd_now_ms() + (int64_t)c->cfg->login_grace_s * SSHD_MS_PER_S;
	bool kex_done = false;

	for (;;) {
		struct sshd_chan *ch, *next;
		int timeout = SSHD_HOUSEKEEPING_MS;

		if (!kex_done) {
			int rc = ssh_handle_key_exchange(c->session);

			if (rc == SSH_OK) {
				kex_done = true;
			} else if (rc != SSH_AGAIN) {
				log_info("kex failed for %s port %u: %s", c->client_addr,
				    c->client_port, ssh_get_error(c->session));
				return;
			}
		}
		if (!c->authenticated) {
			int64_t left = deadline - sshd_now_ms();

			if (left <= 0 || c->cfg->login_grace_s == 0) {
				if (c->cfg->login_grace_s == 0)
					deadline = INT64_MAX;
				else {
					log_info("Timeout before authentication for %s port %u",
					    c->client_addr, c->client_port);
					return;
				}
			} else if (left < timeout) {
				timeout = (int)left;
			}
		}
		sshd_conn_quickack(c);
		if (ssh_event_dopoll(c->event, timeout) == SSH_ERROR && sshd_conn_closed(c))
			break;
		for (ch = c->chans; ch; ch = next) {
			next = ch->next;
			sshd_chan_update(ch);
		}
		for (ch = c->chans; ch; ch = next) {
			next = ch->next;
			if (ch->dead)
				sshd_chan_free(ch);
		}
		sshd_fwd_sweep(c);
		sshd_conn_reap(c);
		if (sshd_conn_closed(c) || c->refused)
			break;
	}
	if (c->authenticated)
		log_info("Disconnected from user %s %s port %u", c->user, c->client_addr,
		    c->client_port);
	else
		log_info(
		    "Connection closed by %s port %u [preauth]", c->client_addr, c->client_port);
}

void
sshd_conn_run(const struct sshd_config *cfg, const struct sshd_authz *authz, ssh_bind bind, int fd,
    const struct sshd_identity *id, int startup_fd)
{
	struct sshd_conn c;
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.authz = authz;
	c.bind = bind;
	c.fd = fd;
	c.startup_fd = startup_fd;
	c.agent_fd = -1;
	c.id = *id;
	c.decision.rule = -1;
	(void)prctl(PR_SET_DUMPABLE, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	if (cfg->login_grace_s > 0)
		alarm((unsigned)cfg->login_grace_s + SSHD_GRACE_ALARM_SLACK_S);
	sl = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		sshd_sockaddr_str(&ss, c.client_addr, sizeof(c.client_addr), &c.client_port);
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		sshd_sockaddr_str(&ss, c.server_addr, sizeof(c.server_addr), &c.server_port);
	sshd_conn_tcp_options(&c);
	sshd_audit_accept(&c);
	if (sshd_conn_setup(&c) == 0)
		sshd_conn_loop(&c);
	sshd_conn_cleanup(&c);
	sshd_audit_close();
	_exit(0);
}
