/*
 * TCP forwarding.  Local forwarding (ssh -L, "direct-tcpip") connects from
 * the server to the requested host and port.  Remote forwarding (ssh -R,
 * "tcpip-forward") listens on loopback only, as sshd with GatewayPorts no,
 * and opens a "forwarded-tcpip" channel to the client per connection;
 * privileged ports only for root.  The listeners live in the
 * per-connection process and die with it.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit_glue.h"
#include "conn.h"
#include "log.h"

#define SSHD_FWD_CONNECT_TIMEOUT_MS 5000
#define SSHD_FWD_BACKLOG	    64
#define SSHD_PRIV_PORT_MAX	    1023
#define SSHD_PORT_MAX		    65535

struct sshd_fwd {
	struct sshd_fwd *next;
	struct sshd_conn *conn;
	int fd;
	char *req_host;	   /* as the client asked, for cancel and the channel open */
	unsigned req_port; /* as asked (0: pick one) */
	unsigned bound_port;
	bool cancelled; /* freed after the poll returns, never inside it */
};

int
sshd_fwd_connect(const char *host, unsigned port, int *out)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
	struct addrinfo *res = NULL, *ai;
	char portstr[8];
	int fd = -1, one = 1;

	if (port == 0 || port > SSHD_PORT_MAX)
		return MESH_ERR_INVALID;
	(void)snprintf(portstr, sizeof(portstr), "%u", port);
	if (getaddrinfo(host, portstr, &hints, &res) != 0)
		return MESH_ERR_NOTFOUND;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(
		    ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			p.fd = fd;
			p.events = POLLOUT;
			if (poll(&p, 1, SSHD_FWD_CONNECT_TIMEOUT_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
				break;
		}
		(void)close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return MESH_ERR_IO;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*out = fd;
	return MESH_OK;
}

static int
sshd_fwd_accept_cb(socket_t fd, int revents, void *userdata)
{
	struct sshd_fwd *f = userdata;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[SSHD_ADDR_MAX] = "127.0.0.1";
	unsigned port = 0;
	struct sshd_chan *ch;
	int cfd, one = 1;

	cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd < 0)
		return 0;
	(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		(void)inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		(void)inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		port = ntohs(sin6->sin6_port);
	}
	ch = sshd_chan_new(f->conn, SSHD_CHAN_TCP);
	if (ch == NULL || (ch->ch = ssh_channel_new(f->conn->session)) == NULL ||
	    (ch->fwd_host = strdup(f->req_host)) == NULL ||
	    (ch->orig_host = strdup(addr)) == NULL) {
		(void)close(cfd);
		if (ch)
			ch->dead = true;
		return 0;
	}
	ch->fwd_port = f->bound_port;
	ch->orig_port = port;
	ch->opening = true;
	ch->in_fd = ch->out_fd = cfd;
	ch->err_eof = true;
	ch->started = true;
	return 0;
}

/* Bind the loopback address for a request; only loopback is ever bound. */
static int
sshd_fwd_listen(const char *host, unsigned port, int *out, unsigned *bound)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		sin6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin->sin_port = htons((uint16_t)port);
		sl = sizeof(*sin);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return MESH_ERR_IO;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, SSHD_FWD_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		(void)close(fd);
		return MESH_ERR_IO;
	}
	*bound = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
					  : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*out = fd;
	return MESH_OK;
}

static void
sshd_fwd_free(struct sshd_fwd *f)
{
	sshd_audit_forward(f->conn, false, "remote", f->req_host, f->bound_port);
	(void)ssh_event_remove_fd(f->conn->event, f->fd);
	(void)close(f->fd);
	free(f->req_host);
	free(f);
}

static int
sshd_fwd_add(struct sshd_conn *c, const char *host, unsigned port, unsigned *bound)
{
	struct sshd_fwd *f;
	size_t n = 0;

	for (f = c->fwds; f; f = f->next)
		n += f->cancelled ? 0 : 1;
	if (n >= SSHD_MAX_FORWARDS)
		return MESH_ERR_RANGE;
	if (port > SSHD_PORT_MAX || (port != 0 && port <= SSHD_PRIV_PORT_MAX && c->uid != 0))
		return MESH_ERR_DENIED;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return MESH_ERR_NOMEM;
	f->conn = c;
	if ((f->req_host = strdup(host)) == NULL ||
	    sshd_fwd_listen(host, port, &f->fd, bound) != 0) {
		free(f->req_host);
		free(f);
		return MESH_ERR_IO;
	}
	f->req_port = port;
	f->bound_port = *bound;
	if (ssh_event_add_fd(c->event, f->fd, POLLIN, sshd_fwd_accept_cb, f) != SSH_OK) {
		(void)close(f->fd);
		free(f->req_host);
		free(f);
		return MESH_ERR_IO;
	}
	f->next = c->fwds;
	c->fwds = f;
	sshd_audit_forward(c, true, "remote", host, *bound);
	return MESH_OK;
}

static int
sshd_fwd_cancel(struct sshd_conn *c, const char *host, unsigned port)
{
	struct sshd_fwd *f;

	for (f = c->fwds; f; f = f->next) {
		if (!f->cancelled && strcmp(f->req_host, host) == 0 &&
		    (f->req_port == port || f->bound_port == port)) {
			f->cancelled = true;
			return MESH_OK;
		}
	}
	return MESH_ERR_NOTFOUND;
}

void
sshd_fwd_sweep(struct sshd_conn *c)
{
	struct sshd_fwd **pp = &c->fwds, *f;

	while ((f = *pp) != NULL) {
		if (f->cancelled) {
			*pp = f->next;
			sshd_fwd_free(f);
		} else {
			pp = &f->next;
		}
	}
}

void
sshd_fwd_close_all(struct sshd_conn *c)
{
	while (c->fwds) {
		struct sshd_fwd *f = c->fwds;

		c->fwds = f->next;
		sshd_fwd_free(f);
	}
}

int
sshd_fwd_global_request(struct sshd_conn *c, ssh_message msg)
{
	const char *host = ssh_message_global_request_address(msg);
	unsigned port = (unsigned)ssh_message_global_request_port(msg);
	unsigned bound = 0;
	int r;

	if (host == NULL)
		host = "";
	switch (ssh_message_subtype(msg)) {
	case SSH_GLOBAL_REQUEST_TCPIP_FORWARD:
		if (!c->authenticated)
			break;
		if (!(c->cfg->allow_tcp_forwarding & SSHD_FWD_REMOTE)) {
			log_info("refused remote forward %s:%u for %s: AllowTcpForwarding", host,
			    port, c->user);
			break;
		}
		r = sshd_fwd_add(c, host, port, &bound);
		if (r != 0) {
			log_info("remote forward %s:%u for %s refused: %s", host, port, c->user,
			    mesh_strerror(r));
			break;
		}
		log_verbose("remote forward listening on %s port %u for %s", host, bound, c->user);
		return ssh_message_global_request_reply_success(msg, (uint16_t)bound);
	case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
		if (sshd_fwd_cancel(c, host, port) != 0)
			break;
		return ssh_message_global_request_reply_success(msg, 0);
	case SSH_GLOBAL_REQUEST_KEEPALIVE:
		return ssh_message_global_request_reply_success(msg, 0);
	default:
		break;
	}
	return ssh_message_reply_default(msg);
}
