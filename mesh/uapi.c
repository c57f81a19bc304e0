/*
 * The cross-platform WireGuard UAPI (wireguard.com/xplatform): a unix socket
 * /var/run/wireguard/IFNAME.sock speaking "get=1" and "set=1" with key=value
 * lines, so wg(8) shows and configures meshd like any user-space WireGuard.
 * The socket is root-only (0600 in a 0755 directory).  A client gets
 * WG_UAPI_TIMEOUT_MS to send its request; the loop serves one at a time.
 * A "set" applies line by line, as wireguard-go does; the first bad line
 * stops it with errno=EINVAL.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <sodium.h>

#include "daemon.h"
#include "error.h"
#include "log.h"

#define UAPI_LINE_MAX	      512
#define UAPI_PROTOCOL_VERSION 1
#define UAPI_DIR_MODE	      0755
#define UAPI_SOCK_MODE	      0600
#define UAPI_BACKLOG	      8

int
uapi_listen(const char *ifname, char *path, size_t pathlen)
{
	struct sockaddr_un sun;
	int fd, n;

	if (mkdir(WG_UAPI_DIR, UAPI_DIR_MODE) < 0 && errno != EEXIST)
		return MESH_ERR_IO;
	n = snprintf(path, pathlen, "%s/%s.sock", WG_UAPI_DIR, ifname);
	if (n < 0 || (size_t)n >= pathlen || (size_t)n >= sizeof(sun.sun_path))
		return MESH_ERR_RANGE;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, (size_t)n + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return MESH_ERR_IO;
	/* a socket nobody answers on is stale (a crashed meshd): replace it */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_error("%s: in use by another process", path);
		close(fd);
		return MESH_ERR_EXISTS;
	}
	close(fd);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return MESH_ERR_IO;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, UAPI_SOCK_MODE) < 0 ||
	    listen(fd, UAPI_BACKLOG) < 0) {
		log_error("%s: %s", path, strerror(errno));
		close(fd);
		return MESH_ERR_IO;
	}
	return fd;
}

/* ---- rendering ---- */

struct uapi_buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void ub_printf(struct uapi_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ub_printf(struct uapi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *ns;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if (b->s && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((ns = realloc(b->s, b->cap * 2 + (size_t)n + 1)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = ns;
		b->cap = b->cap * 2 + (size_t)n + 1;
	}
}

static void
ub_hex(struct uapi_buf *b, const char *key, const uint8_t *bytes, size_t len)
{
	char hex[2 * WG_KEY_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), bytes, len);
	ub_printf(b, "%s=%s\n", key, hex);
	sodium_memzero(hex, sizeof(hex));
}

static void
ub_allowed_ip(int family, const uint8_t *addr, unsigned cidr, void *ctx)
{
	char a[INET6_ADDRSTRLEN];

	ub_printf(ctx, "allowed_ip=%s/%u\n", inet_ntop(family, addr, a, sizeof(a)), cidr);
}

char *
uapi_get(struct meshd *d)
{
	struct uapi_buf b = {NULL, 0, 0, false};
	struct wg_peer *p;
	char ep[INET6_ADDRSTRLEN + 8];

	if (d->dev.id.has_private)
		ub_hex(&b, "private_key", d->dev.id.private_key, WG_KEY_LEN);
	ub_printf(&b, "listen_port=%u\n", d->dev.listen_port);
	for (p = d->dev.peers; p; p = p->next_peer) {
		ub_hex(&b, "public_key", p->public_key, WG_KEY_LEN);
		if (!sodium_is_zero(p->psk, WG_KEY_LEN))
			ub_hex(&b, "preshared_key", p->psk, WG_KEY_LEN);
		ub_printf(&b, "protocol_version=%d\n", UAPI_PROTOCOL_VERSION);
		if (p->endpoint.len) {
			wg_endpoint_format(&p->endpoint, ep, sizeof(ep));
			ub_printf(&b, "endpoint=%s\n", ep);
		}
		ub_printf(&b, "last_handshake_time_sec=%lld\nlast_handshake_time_nsec=%ld\n",
		    (long long)p->last_handshake.tv_sec, (long)p->last_handshake.tv_nsec);
		ub_printf(&b, "tx_bytes=%llu\nrx_bytes=%llu\n", (unsigned long long)p->tx_bytes,
		    (unsigned long long)p->rx_bytes);
		ub_printf(&b, "persistent_keepalive_interval=%u\n", p->persistent_keepalive_s);
		allowedips_walk_peer(&d->dev.allowed, p, ub_allowed_ip, &b);
	}
	ub_printf(&b, "errno=0\n\n");
	if (b.failed) {
		if (b.s)
			sodium_memzero(b.s, b.cap);
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- parsing "set" ---- */

static int
parse_key(const char *hex, uint8_t out[WG_KEY_LEN])
{
	size_t n;

	if (strlen(hex) != 2 * WG_KEY_LEN ||
	    sodium_hex2bin(out, WG_KEY_LEN, hex, strlen(hex), NULL, &n, NULL) != 0 ||
	    n != WG_KEY_LEN)
		return -1;
	return 0;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out > max ? -1 : 0;
}

static int
parse_allowed_ip(const char *s, int *family, uint8_t addr[16], unsigned *cidr)
{
	char buf[INET6_ADDRSTRLEN + 4];
	char *slash;
	unsigned long c;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	if (slash == NULL)
		c = *family == AF_INET ? 32 : 128;
	else if (parse_uint(slash, *family == AF_INET ? 32 : 128, &c) != 0)
		return -1;
	*cidr = (unsigned)c;
	return 0;
}

struct uapi_set_state {
	struct wg_peer *peer;
	bool peer_skip; /* update_only for a peer that does not exist */
	uint8_t pending_key[WG_KEY_LEN];
	bool pending; /* public_key seen, peer not created yet */
};

/* Create the peer named by the last public_key line, unless update_only. */
static int
set_materialize(struct meshd *d, struct uapi_set_state *st)
{
	if (!st->pending)
		return 0;
	st->pending = false;
	if ((st->peer = wg_device_add_peer(&d->dev, st->pending_key)) == NULL)
		return EINVAL;
	return 0;
}

static int
set_line(struct meshd *d, struct uapi_set_state *st, const char *key, const char *val)
{
	uint8_t k[WG_KEY_LEN];
	uint8_t addr[16];
	unsigned long u;
	unsigned cidr;
	int family, r = 0;

	if (strcmp(key, "public_key") == 0) {
		if ((r = set_materialize(d, st)) != 0)
			return r;
		if (parse_key(val, k) != 0)
			return EINVAL;
		st->peer = wg_device_find_peer(&d->dev, k);
		st->peer_skip = false;
		if (st->peer == NULL) {
			memcpy(st->pending_key, k, WG_KEY_LEN);
			st->pending = true;
		}
		return 0;
	}
	if (strcmp(key, "update_only") == 0) {
		if (st->pending) {
			st->pending = false;
			st->peer_skip = true;
		}
		return 0;
	}
	if ((r = set_materialize(d, st)) != 0)
		return r;
	if (st->peer == NULL && !st->peer_skip) {
		/* interface keys */
		if (strcmp(key, "private_key") == 0) {
			if (parse_key(val, k) != 0)
				return EINVAL;
			r = wg_device_set_private_key(&d->dev, k) ? EINVAL : 0;
			sodium_memzero(k, sizeof(k));
			return r;
		}
		if (strcmp(key, "listen_port") == 0) {
			if (parse_uint(val, 65535, &u) != 0)
				return EINVAL;
			return meshd_set_listen_port(d, (uint16_t)u) ? EADDRINUSE : 0;
		}
		if (strcmp(key, "fwmark") == 0)
			return parse_uint(val, UINT32_MAX, &u) ? EINVAL : 0;
		if (strcmp(key, "replace_peers") == 0) {
			while (d->dev.peers)
				wg_device_remove_peer(&d->dev, d->dev.peers);
			return 0;
		}
		return EINVAL;
	}
	if (st->peer_skip)
		return 0;
	if (strcmp(key, "remove") == 0) {
		wg_device_remove_peer(&d->dev, st->peer);
		st->peer = NULL;
		st->peer_skip = true;
		return 0;
	}
	if (strcmp(key, "preshared_key") == 0) {
		if (parse_key(val, k) != 0)
			return EINVAL;
		wg_device_set_psk(&d->dev, st->peer, k);
		sodium_memzero(k, sizeof(k));
		return 0;
	}
	if (strcmp(key, "endpoint") == 0)
		return wg_endpoint_parse(val, &st->peer->endpoint) ? EINVAL : 0;
	if (strcmp(key, "persistent_keepalive_interval") == 0) {
		if (parse_uint(val, 65535, &u) != 0)
			return EINVAL;
		wg_device_set_keepalive(&d->dev, st->peer, (uint16_t)u);
		return 0;
	}
	if (strcmp(key, "replace_allowed_ips") == 0) {
		allowedips_remove_peer(&d->dev.allowed, st->peer);
		return 0;
	}
	if (strcmp(key, "allowed_ip") == 0) {
		if (parse_allowed_ip(val, &family, addr, &cidr) != 0)
			return EINVAL;
		return allowedips_insert(&d->dev.allowed, family, addr, cidr, st->peer) ? ENOMEM
											: 0;
	}
	if (strcmp(key, "protocol_version") == 0)
		return strcmp(val, "1") == 0 ? 0 : EINVAL;
	return EINVAL;
}

int
uapi_set(struct meshd *d, const char *req, size_t len)
{
	struct uapi_set_state st;
	char line[UAPI_LINE_MAX];
	const char *p = req, *end = req + len, *nl;
	char *eq;
	size_t n;
	int r = 0;

	memset(&st, 0, sizeof(st));
	while (p < end && r == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == 0)
			break;
		if (n >= sizeof(line)) {
			r = EINVAL;
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		if ((eq = strchr(line, '=')) == NULL) {
			r = EINVAL;
			break;
		}
		*eq = '\0';
		r = set_line(d, &st, line, eq + 1);
		sodium_memzero(line, sizeof(line));
	}
	if (r == 0)
		r = set_materialize(d, &st);
	sodium_memzero(&st, sizeof(st));
	return r;
}

/* ---- one client ---- */

static int
read_request(int fd, char *buf, size_t cap, size_t *len)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t n;

	*len = 0;
	while (*len < cap) {
		/* a request ends with an empty line */
		if (*len >= 2 && buf[*len - 1] == '\n' && buf[*len - 2] == '\n')
			return 0;
		if (poll(&pfd, 1, WG_UAPI_TIMEOUT_MS) <= 0)
			return -1;
		if ((n = read(fd, buf + *len, cap - *len)) <= 0)
			return *len ? 0 : -1;
		*len += (size_t)n;
	}
	return -1;
}

static void
write_all(int fd, const char *s, size_t len)
{
	ssize_t n;

	while (len) {
		if ((n = write(fd, s, len)) <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

void
uapi_serve_client(struct meshd *d, int fd)
{
	char *buf = malloc(WG_UAPI_MAX_REQUEST), reply[32], *get;
	size_t len;
	int r;

	if (buf == NULL || read_request(fd, buf, WG_UAPI_MAX_REQUEST, &len) != 0)
		goto out;
	if (len >= 6 && memcmp(buf, "get=1\n", 6) == 0) {
		if ((get = uapi_get(d)) != NULL) {
			write_all(fd, get, strlen(get));
			sodium_memzero(get, strlen(get));
			free(get);
		}
	} else if (len >= 6 && memcmp(buf, "set=1\n", 6) == 0) {
		r = uapi_set(d, buf + 6, len - 6);
		snprintf(reply, sizeof(reply), "errno=%d\n\n", r);
		write_all(fd, reply, strlen(reply));
	} else {
		snprintf(reply, sizeof(reply), "errno=%d\n\n", EINVAL);
		write_all(fd, reply, strlen(reply));
	}
out:
	if (buf) {
		sodium_memzero(buf, WG_UAPI_MAX_REQUEST);
		free(buf);
	}
}
