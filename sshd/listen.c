/*
 * Opening meshsshd's listeners.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"

static bool
sshd_listen_bound(const struct sshd_config *c)
{
#ifdef MESH_TEST_BUILD
	return !c->test_unbound;
#else
	(void)c;
	return true;
#endif
}

static int
sshd_listen_one(const struct sshd_config *c, const struct sockaddr *sa, socklen_t sl, int *out,
    struct mesh_error *err)
{
	char name[INET6_ADDRSTRLEN];
	int fd, one = 1;
	unsigned port;

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		(void)inet_ntop(AF_INET6, &s6->sin6_addr, name, sizeof(name));
		port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		(void)inet_ntop(AF_INET, &s4->sin_addr, name, sizeof(name));
		port = ntohs(s4->sin_port);
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (sshd_listen_bound(c) &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->interface,
		(socklen_t)strlen(c->interface)) != 0) {
		int e = errno;

		(void)close(fd);
		return mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "bind to interface %s: %s", c->interface, strerror(e));
	}
	if (bind(fd, sa, sl) != 0 || listen(fd, SSHD_LISTEN_BACKLOG) != 0) {
		int e = errno;

		(void)close(fd);
		return mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "listen on %s port %u: %s", name, port, strerror(e));
	}
	log_info("Server listening on %s port %u%s%s.", name, port,
	    sshd_listen_bound(c) ? " on " : "", sshd_listen_bound(c) ? c->interface : "");
	*out = fd;
	return MESH_OK;
}

static int
sshd_listen_addr(
    const struct sshd_config *c, const char *host, uint16_t port, int *out, struct mesh_error *err)
{
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};

	if (inet_pton(AF_INET, host, &s4.sin_addr) == 1)
		return sshd_listen_one(c, (struct sockaddr *)&s4, sizeof(s4), out, err);
	if (inet_pton(AF_INET6, host, &s6.sin6_addr) == 1) {
		if (IN6_IS_ADDR_LINKLOCAL(&s6.sin6_addr))
			s6.sin6_scope_id = if_nametoindex(c->interface);
		return sshd_listen_one(c, (struct sockaddr *)&s6, sizeof(s6), out, err);
	}
	return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "\"%s\" is not an address", host);
}

void
sshd_listen_close(int *fds, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		(void)close(fds[i]);
	*n = 0;
}

int
sshd_listen_open(
    const struct sshd_config *c, int *fds, size_t max, size_t *n, struct mesh_error *err)
{
	struct ifaddrs *ifa = NULL, *i;
	size_t k;
	int r = MESH_OK;

	*n = 0;
	if (c->nlisten > 0) {
		for (k = 0; k < c->nlisten && r == 0; k++) {
			if (*n >= max)
				break;
			r = sshd_listen_addr(c, c->listen[k].host,
			    c->listen[k].port ? c->listen[k].port : c->port, &fds[*n], err);
			if (r == 0)
				(*n)++;
		}
		goto out;
	}
	if (getifaddrs(&ifa) != 0)
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "getifaddrs: %s", strerror(errno));
	for (i = ifa; i && r == 0 && *n < max; i = i->ifa_next) {
		char host[INET6_ADDRSTRLEN];

		if (i->ifa_addr == NULL || strcmp(i->ifa_name, c->interface) != 0)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			(void)inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
			    host, sizeof(host));
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			(void)inet_ntop(AF_INET6, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			    host, sizeof(host));
		else
			continue;
		r = sshd_listen_addr(c, host, c->port, &fds[*n], err);
		if (r == 0)
			(*n)++;
	}
	freeifaddrs(ifa);
	if (r == 0 && *n == 0)
		r = mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
		    "no address on interface %s (is the mesh up?)", c->interface);
out:
	if (r != 0)
		sshd_listen_close(fds, n);
	return r;
}
