/*
 * meshctl status and ping: the live tunnel as the operator sees it.
 * status asks meshd (or any WireGuard implementation) over the WireGuard
 * UAPI socket for its peers and names them from the verified netmap; ping
 * sends ICMP echo requests across the mesh to a node's mesh address and
 * reports the round-trip times.  Names come only from a netmap whose
 * signature verifies, so the operator is never told a wrong owner.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd_util.h"
#include "meshctl.h"
#include "netmap.h"
#include "trust.h"

#define STATUS_NETMAP_PATH    LOCALSTATEDIR "/lib/meshssh/netmap.json"
#define STATUS_TRUSTED_PATH   SYSCONFDIR "/meshssh/trusted-keys"
#define STATUS_INTERFACE      "mesh0"
#define STATUS_UAPI_DIR	      "/var/run/wireguard"
#define STATUS_PATH_MAX	      4096
#define UAPI_REPLY_MAX	      (16u * 1024u * 1024u) /* bytes */
#define UAPI_TIMEOUT_MS	      2000
#define WG_KEY_BYTES	      32
#define KEY_B64_LEN	      45 /* 44 characters and the NUL */
#define PING_COUNT_DEFAULT    3
#define PING_COUNT_MAX	      100000
#define PING_TIMEOUT_MS	      2000 /* per echo request */
#define PING_INTERVAL_MS      200  /* between requests after a reply */
#define PING_PAYLOAD_LEN      56   /* bytes after the 8-byte ICMP header, as ping(8) */
#define PING_PACKET_MAX	      2048
#define NS_PER_MS	      1000000
#define MS_PER_S	      1000
#define US_PER_MS	      1000.0
#define BYTES_PER_KIB	      1024.0
#define ADDR_COLUMN_WIDTH     16
#define ENDPOINT_COLUMN_WIDTH 22

/* ---------------------------------------------------------------- options */

struct status_opts {
	const char *netmap;
	const char *sig; /* NULL: netmap + ".sig" */
	const char *trusted;
	const char *interface;
	long count;
};

/* Options shared by status and ping; returns the first operand index or -1. */
static int
status_parse_opts(int argc, char **argv, struct status_opts *o)
{
	static const struct option opts[] = {
	    {"netmap", required_argument, NULL, 'n'},
	    {"sig", required_argument, NULL, 's'},
	    {"trusted", required_argument, NULL, 't'},
	    {"interface", required_argument, NULL, 'i'},
	    {"count", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	o->netmap = STATUS_NETMAP_PATH;
	o->sig = NULL;
	o->trusted = STATUS_TRUSTED_PATH;
	o->interface = STATUS_INTERFACE;
	o->count = PING_COUNT_DEFAULT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "n:s:t:i:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->netmap = optarg;
			break;
		case 's':
			o->sig = optarg;
			break;
		case 't':
			o->trusted = optarg;
			break;
		case 'i':
			o->interface = optarg;
			break;
		case 'c':
			errno = 0;
			o->count = strtol(optarg, &end, 10);
			if (errno || *end || o->count < 1 || o->count > PING_COUNT_MAX) {
				meshctl_err("--count: '%s' is not 1..%d", optarg, PING_COUNT_MAX);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	return optind;
}

/* The verified netmap, or NULL with the reason in err. */
static struct netmap *
status_load_netmap(const struct status_opts *o, struct mesh_error *err)
{
	struct trust_keys *tk = NULL;
	struct netmap *nm = NULL;
	char sig[STATUS_PATH_MAX];
	int n;

	n = o->sig ? snprintf(sig, sizeof(sig), "%s", o->sig)
		   : snprintf(sig, sizeof(sig), "%s.sig", o->netmap);
	if (n < 0 || (size_t)n >= sizeof(sig)) {
		mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: path too long", o->netmap);
		return NULL;
	}
	if (trust_keys_load(o->trusted, &tk, err) == 0)
		(void)netmap_load(o->netmap, sig, tk, 0, (int64_t)time(NULL), &nm, err);
	trust_keys_free(tk);
	return nm;
}

/* ---------------------------------------------------------------- status */

/* One peer as the UAPI "get" reply describes it. */
struct status_peer {
	uint8_t key[WG_KEY_BYTES];
	char endpoint[INET6_ADDRSTRLEN + 8];
	int64_t handshake_s;
	uint64_t rx, tx;
};

struct status_dev {
	uint8_t public_key[WG_KEY_BYTES];
	bool has_key;
	unsigned listen_port;
	struct status_peer *peers;
	size_t npeers;
};

/* Ask the UAPI socket "get=1"; *out is the NUL-terminated reply. */
static int
uapi_get(const char *ifname, char **out, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	static const char req[] = "get=1\n\n";
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd = -1, r = MESH_ERR_IO;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", STATUS_UAPI_DIR, ifname) >=
	    (int)sizeof(sun.sun_path)) {
		snprintf(why, whylen, "%s: interface name too long", ifname);
		return MESH_ERR_RANGE;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(why, whylen, "%s: %s (is meshd running?)", sun.sun_path, strerror(errno));
		goto out;
	}
	if (write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		snprintf(why, whylen, "%s: write: %s", sun.sun_path, strerror(errno));
		goto out;
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, UAPI_TIMEOUT_MS) <= 0) {
			snprintf(why, whylen, "%s: no answer", sun.sun_path);
			goto out;
		}
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (cap > UAPI_REPLY_MAX || (nb = realloc(buf, cap)) == NULL) {
				snprintf(why, whylen, "%s: reply too large", sun.sun_path);
				goto out;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) < 0) {
			snprintf(why, whylen, "%s: read: %s", sun.sun_path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
		buf[len] = '\0';
		/* the reply ends with an empty line after errno= */
		if (n == 0 || (len >= 2 && strcmp(buf + len - 2, "\n\n") == 0))
			break;
	}
	r = 0;
	*out = buf;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

static int
hex_key(const char *v, uint8_t key[WG_KEY_BYTES])
{
	size_t n = 0;

	if (sodium_hex2bin(key, WG_KEY_BYTES, v, strlen(v), NULL, &n, NULL) != 0 ||
	    n != WG_KEY_BYTES)
		return MESH_ERR_PARSE;
	return 0;
}

/* Parse the "get" reply (wg(8)'s cross-platform UAPI). */
static int
status_parse(char *reply, struct status_dev *dev, char *why, size_t whylen)
{
	struct status_peer *p = NULL, *np;
	uint8_t priv[WG_KEY_BYTES];
	char *line, *save = NULL, *eq;
	long long e = -1;

	memset(dev, 0, sizeof(*dev));
	for (line = strtok_r(reply, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq++ = '\0';
		if (strcmp(line, "errno") == 0) {
			e = strtoll(eq, NULL, 10);
		} else if (strcmp(line, "private_key") == 0) {
			if (hex_key(eq, priv) == 0) {
				crypto_scalarmult_base(dev->public_key, priv);
				dev->has_key = true;
			}
			sodium_memzero(priv, sizeof(priv));
			sodium_memzero(eq, strlen(eq));
		} else if (strcmp(line, "listen_port") == 0) {
			dev->listen_port = (unsigned)strtoul(eq, NULL, 10);
		} else if (strcmp(line, "public_key") == 0) {
			if ((np = realloc(dev->peers, (dev->npeers + 1) * sizeof(*np))) == NULL) {
				snprintf(why, whylen, "out of memory");
				return MESH_ERR_NOMEM;
			}
			dev->peers = np;
			p = &dev->peers[dev->npeers++];
			memset(p, 0, sizeof(*p));
			if (hex_key(eq, p->key) != 0) {
				snprintf(why, whylen, "UAPI: bad public_key");
				return MESH_ERR_PARSE;
			}
		} else if (p && strcmp(line, "endpoint") == 0) {
			snprintf(p->endpoint, sizeof(p->endpoint), "%s", eq);
		} else if (p && strcmp(line, "last_handshake_time_sec") == 0) {
			p->handshake_s = strtoll(eq, NULL, 10);
		} else if (p && strcmp(line, "rx_bytes") == 0) {
			p->rx = strtoull(eq, NULL, 10);
		} else if (p && strcmp(line, "tx_bytes") == 0) {
			p->tx = strtoull(eq, NULL, 10);
		}
	}
	if (e != 0) {
		snprintf(why, whylen, "UAPI: get failed (errno=%lld)", e);
		return MESH_ERR_PROTOCOL;
	}
	return 0;
}

static void
format_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)b;
	size_t u = 0;

	while (v >= BYTES_PER_KIB && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= BYTES_PER_KIB;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

static void
format_ago(int64_t then, int64_t now, char *buf, size_t len)
{
	int64_t d = now - then;

	if (then == 0)
		snprintf(buf, len, "never");
	else if (d < 0)
		snprintf(buf, len, "just now");
	else if (d < 60)
		snprintf(buf, len, "%llds ago", (long long)d);
	else if (d < 3600)
		snprintf(buf, len, "%lldm%llds ago", (long long)(d / 60), (long long)(d % 60));
	else
		snprintf(
		    buf, len, "%lldh%lldm ago", (long long)(d / 3600), (long long)(d % 3600 / 60));
}

static void
key_b64(const uint8_t key[WG_KEY_BYTES], char out[KEY_B64_LEN])
{
	sodium_bin2base64(out, KEY_B64_LEN, key, WG_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
}

static int
cmd_status(int argc, char **argv)
{
	struct status_opts o;
	struct status_dev dev = {0};
	struct mesh_error err = {0};
	struct netmap *nm = NULL;
	const struct netmap_node *n;
	char *reply = NULL, why[512], key[KEY_B64_LEN], addr[NETMAP_ADDR_TEXT_MAX];
	char hs[32], rx[32], tx[32];
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc = MESHCTL_EXIT_FAIL;

	if (status_parse_opts(argc, argv, &o) != argc)
		return meshctl_usage("status");
	if (uapi_get(o.interface, &reply, why, sizeof(why)) != 0 ||
	    status_parse(reply, &dev, why, sizeof(why)) != 0) {
		meshctl_err("status: %s", why);
		goto out;
	}
	if ((nm = status_load_netmap(&o, &err)) == NULL)
		meshctl_report("status: netmap (peers shown by key)", &err);
	key_b64(dev.public_key, key);
	n = nm && dev.has_key ? netmap_node_by_key(nm, dev.public_key) : NULL;
	printf("interface %s: node %s, key %s, port %u, %zu peers", o.interface, n ? n->name : "-",
	    dev.has_key ? key : "(none)", dev.listen_port, dev.npeers);
	if (nm)
		printf(", netmap serial %" PRIu64, nm->serial);
	printf("\n%-16s %-*s %-*s %-12s %10s %10s\n", "NODE", ADDR_COLUMN_WIDTH, "ADDRESS",
	    ENDPOINT_COLUMN_WIDTH, "ENDPOINT", "HANDSHAKE", "RX", "TX");
	for (i = 0; i < dev.npeers; i++) {
		const struct status_peer *p = &dev.peers[i];

		n = nm ? netmap_node_by_key(nm, p->key) : NULL;
		key_b64(p->key, key);
		if (!n || n->naddrs == 0 ||
		    netmap_addr_format(&n->addrs[0], addr, sizeof(addr)) != 0)
			snprintf(addr, sizeof(addr), "-");
		format_ago(p->handshake_s, now, hs, sizeof(hs));
		format_bytes(p->rx, rx, sizeof(rx));
		format_bytes(p->tx, tx, sizeof(tx));
		printf("%-16s %-*s %-*s %-12s %10s %10s\n", n ? n->name : key, ADDR_COLUMN_WIDTH,
		    addr, ENDPOINT_COLUMN_WIDTH, p->endpoint[0] ? p->endpoint : "-", hs, rx, tx);
	}
	rc = MESHCTL_EXIT_OK;
out:
	if (reply) {
		sodium_memzero(reply, strlen(reply));
		free(reply);
	}
	free(dev.peers);
	netmap_free(nm);
	return rc;
}

/* ---------------------------------------------------------------- ping */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * MS_PER_S * NS_PER_MS + (uint64_t)ts.tv_nsec;
}

/* RFC 1071 ones' complement sum (ICMPv4; the kernel does ICMPv6's). */
static uint16_t
inet_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct pinger {
	int fd;
	int family;
	struct sockaddr_storage to;
	socklen_t tolen;
	uint16_t id;
};

static int
pinger_open(struct pinger *pg, const struct netmap_addr *a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&pg->to;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&pg->to;

	memset(pg, 0, sizeof(*pg));
	pg->family = a->family;
	pg->id = (uint16_t)(getpid() & 0xffff);
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->bytes, 4);
		pg->tolen = sizeof(*sin);
		pg->fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->bytes, 16);
		pg->tolen = sizeof(*sin6);
		pg->fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	}
	return pg->fd < 0 ? MESH_ERR_IO : 0;
}

static int
pinger_send(struct pinger *pg, uint16_t seq)
{
	uint8_t pkt[8 + PING_PAYLOAD_LEN];
	uint16_t ck;
	size_t i;

	memset(pkt, 0, sizeof(pkt));
	pkt[0] = pg->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	pkt[4] = (uint8_t)(pg->id >> 8);
	pkt[5] = (uint8_t)pg->id;
	pkt[6] = (uint8_t)(seq >> 8);
	pkt[7] = (uint8_t)seq;
	for (i = 8; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)i;
	if (pg->family == AF_INET) {
		ck = inet_checksum(pkt, sizeof(pkt));
		pkt[2] = (uint8_t)(ck >> 8);
		pkt[3] = (uint8_t)ck;
	}
	return sendto(pg->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&pg->to, pg->tolen) ==
		(ssize_t)sizeof(pkt)
	    ? 0
	    : MESH_ERR_IO;
}

/* Is buf (from from) our echo reply with this seq? */
static bool
pinger_is_reply(const struct pinger *pg, const uint8_t *buf, size_t len,
    const struct sockaddr_storage *from, uint16_t seq)
{
	const uint8_t *icmp = buf;
	size_t ihl;

	if (pg->family == AF_INET) {
		const struct sockaddr_in *f = (const struct sockaddr_in *)from;
		const struct sockaddr_in *t = (const struct sockaddr_in *)&pg->to;

		if (len < 20 || (ihl = (size_t)(buf[0] & 0x0f) * 4) < 20 || len < ihl + 8 ||
		    f->sin_addr.s_addr != t->sin_addr.s_addr)
			return false;
		icmp = buf + ihl;
		len -= ihl;
		if (icmp[0] != ICMP_ECHOREPLY)
			return false;
	} else {
		const struct sockaddr_in6 *f = (const struct sockaddr_in6 *)from;
		const struct sockaddr_in6 *t = (const struct sockaddr_in6 *)&pg->to;

		if (len < 8 || memcmp(&f->sin6_addr, &t->sin6_addr, 16) != 0 ||
		    icmp[0] != ICMP6_ECHO_REPLY)
			return false;
	}
	return (uint16_t)(icmp[4] << 8 | icmp[5]) == pg->id &&
	    (uint16_t)(icmp[6] << 8 | icmp[7]) == seq;
}

/* Wait for the reply to seq until deadline; 0 and *rtt_ns, or MESH_ERR_TIMEOUT. */
static int
pinger_wait(struct pinger *pg, uint16_t seq, uint64_t sent, uint64_t *rtt_ns)
{
	uint8_t buf[PING_PACKET_MAX];
	struct sockaddr_storage from;
	socklen_t fl;
	struct pollfd pfd = {pg->fd, POLLIN, 0};
	uint64_t deadline = sent + (uint64_t)PING_TIMEOUT_MS * NS_PER_MS, t;
	ssize_t n;

	while ((t = now_ns()) < deadline) {
		if (poll(&pfd, 1, (int)((deadline - t) / NS_PER_MS) + 1) <= 0)
			continue;
		fl = sizeof(from);
		if ((n = recvfrom(pg->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) < 0)
			continue;
		if (pinger_is_reply(pg, buf, (size_t)n, &from, seq)) {
			*rtt_ns = now_ns() - sent;
			return 0;
		}
	}
	return MESH_ERR_TIMEOUT;
}

/* The node's first address of the wanted family, else its first. */
static const struct netmap_addr *
ping_target(const struct netmap_node *n)
{
	size_t i;

	for (i = 0; i < n->naddrs; i++)
		if (n->addrs[i].family == AF_INET)
			return &n->addrs[i];
	return n->naddrs ? &n->addrs[0] : NULL;
}

static int
cmd_ping(int argc, char **argv)
{
	struct status_opts o;
	struct mesh_error err = {0};
	struct netmap *nm = NULL;
	const struct netmap_node *n;
	const struct netmap_addr *a;
	struct netmap_addr direct;
	struct pinger pg = {-1, 0, {0}, 0, 0};
	char addr[NETMAP_ADDR_TEXT_MAX];
	uint64_t sent, rtt, min = UINT64_MAX, max = 0, sum = 0;
	long i, got = 0;
	int first, rc = MESHCTL_EXIT_FAIL;

	if ((first = status_parse_opts(argc, argv, &o)) < 0 || first != argc - 1)
		return meshctl_usage("ping");
	if ((nm = status_load_netmap(&o, &err)) == NULL) {
		meshctl_report("ping", &err);
		goto out;
	}
	/* A node name, or a mesh address that a node has. */
	if (netmap_addr_parse(argv[first], &direct) == 0) {
		if ((n = netmap_whois(nm, &direct)) == NULL) {
			meshctl_err(
			    "ping: %s: no node has this address in %s", argv[first], o.netmap);
			goto out;
		}
		a = &direct;
	} else {
		if ((n = netmap_node_by_name(nm, argv[first])) == NULL) {
			meshctl_err("ping: %s: no such node in %s", argv[first], o.netmap);
			goto out;
		}
		if ((a = ping_target(n)) == NULL) {
			meshctl_err("ping: %s: the node has no mesh address", n->name);
			goto out;
		}
	}
	(void)netmap_addr_format(a, addr, sizeof(addr));
	if (pinger_open(&pg, a) != 0) {
		meshctl_err("ping: ICMP socket: %s (needs root or CAP_NET_RAW)", strerror(errno));
		goto out;
	}
	printf("PING %s (%s) over the mesh\n", n->name, addr);
	for (i = 0; i < o.count; i++) {
		uint16_t seq = (uint16_t)(i + 1);

		if (i > 0)
			usleep(PING_INTERVAL_MS * (useconds_t)US_PER_MS);
		sent = now_ns();
		if (pinger_send(&pg, seq) != 0) {
			printf("seq=%u: send failed: %s\n", seq, strerror(errno));
			continue;
		}
		if (pinger_wait(&pg, seq, sent, &rtt) != 0) {
			printf("seq=%u: no reply within %d ms\n", seq, PING_TIMEOUT_MS);
			continue;
		}
		got++;
		sum += rtt;
		min = rtt < min ? rtt : min;
		max = rtt > max ? rtt : max;
		printf("pong from %s (%s): seq=%u time=%.3f ms\n", n->name, addr, seq,
		    (double)rtt / NS_PER_MS);
	}
	printf("%ld sent, %ld received", o.count, got);
	if (got)
		printf(", rtt min/avg/max = %.3f/%.3f/%.3f ms", (double)min / NS_PER_MS,
		    (double)sum / (double)got / NS_PER_MS, (double)max / NS_PER_MS);
	printf("\n");
	rc = got ? MESHCTL_EXIT_OK : MESHCTL_EXIT_FAIL;
out:
	if (pg.fd >= 0)
		close(pg.fd);
	netmap_free(nm);
	return rc;
}

const struct meshctl_cmd meshctl_cmds_status[] = {
    {"status", "[--interface IF] [--netmap FILE] [--sig FILE] [--trusted FILE]",
	"peers of the running tunnel: node, address, endpoint, last handshake, bytes", cmd_status},
    {"ping", "[--count N] [--netmap FILE] [--sig FILE] [--trusted FILE] NODE|ADDRESS",
	"ICMP echo across the mesh to a node's mesh address; round-trip times", cmd_ping},
    {NULL, NULL, NULL, NULL},
};
