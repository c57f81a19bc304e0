/*
 * The UDP socket that carries WireGuard messages: one dual-stack IPv6
 * socket (IPv4 peers appear as v4-mapped addresses and are stored as plain
 * IPv4 endpoints), or IPv4 only where the host has no IPv6.  Datagrams move
 * in batches with recvmmsg/sendmmsg.  Where the kernel has them, UDP GSO
 * sends a run of same-sized datagrams to one peer as one message that the
 * kernel (or the NIC) splits, and UDP GRO lets the kernel hand us datagrams
 * of one flow coalesced; over veth a GSO message crosses namespaces whole.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon.h"
#include "error.h"
#include "log.h"

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void
udp_tune(int fd)
{
	int size = WG_SOCKET_BUFFER_BYTES;

	/* FORCE variants work as root past net.core.[rw]mem_max */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* Which offloads the kernel accepts on fd. */
static void
udp_offloads(struct udp_sock *s, int fd)
{
	int on = 1, off = 0;

	s->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on)) == 0;
	/* a socket-wide segment size of 0 is the default; accepted means GSO exists */
	s->gso = setsockopt(fd, SOL_UDP, UDP_SEGMENT, &off, sizeof(off)) == 0;
}

int
udp_open(struct udp_sock *s, uint16_t port, bool offload)
{
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int fd, off = 0;

	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_port = htons(port);
	a6.sin6_addr = in6addr_any;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 &&
	    (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0 ||
		bind(fd, (struct sockaddr *)&a6, sizeof(a6)) < 0)) {
		if (errno == EADDRINUSE) {
			log_error("UDP port %u: %s", port, strerror(errno));
			close(fd);
			return MESH_ERR_IO;
		}
		close(fd);
		fd = -1;
	}
	if (fd >= 0) {
		s->v6 = true;
	} else {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		a4.sin_port = htons(port);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a4, sizeof(a4)) < 0) {
			log_error("UDP port %u: %s", port, strerror(errno));
			if (fd >= 0)
				close(fd);
			return MESH_ERR_IO;
		}
		s->v6 = false;
	}
	udp_tune(fd);
	s->gso = s->gro = false;
	if (offload)
		udp_offloads(s, fd);
	if (getsockname(fd, (struct sockaddr *)&got, &glen) == 0)
		port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
						       : ((struct sockaddr_in *)&got)->sin_port);
	s->fd = fd;
	s->port = port;
	return 0;
}

void
udp_close(struct udp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* An endpoint as the socket wants it (v4 -> v4-mapped on a v6 socket). */
static socklen_t
udp_dest(const struct udp_sock *s, const struct wg_endpoint *e, struct sockaddr_in6 *out)
{
	if (!s->v6 || e->addr.sa.sa_family == AF_INET6) {
		memcpy(out, &e->addr, e->len);
		return e->len;
	}
	memset(out, 0, sizeof(*out));
	out->sin6_family = AF_INET6;
	out->sin6_port = e->addr.in4.sin_port;
	memcpy(out->sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix));
	memcpy(out->sin6_addr.s6_addr + 12, &e->addr.in4.sin_addr, 4);
	return sizeof(*out);
}

/* One control message for UDP_SEGMENT. */
union udp_gso_cmsg {
	char buf[CMSG_SPACE(sizeof(uint16_t))];
	struct cmsghdr align;
};

/*
 * slots[i..) as one message: with GSO, the following datagrams to the same
 * endpoint of the same size (the last may be shorter) join it.  Returns
 * the index after the message.
 */
static size_t
udp_gather(const struct udp_sock *s, struct wg_tx_slot *slots, size_t i, size_t n, struct msghdr *h,
    struct iovec *iov, union udp_gso_cmsg *ctl)
{
	size_t j = i + 1, seg = slots[i].len, total = seg;
	struct cmsghdr *cm;
	uint16_t size;

	iov[i].iov_base = slots[i].buf;
	iov[i].iov_len = slots[i].len;
	while (s->gso && j < n && j - i < WG_GSO_MAX_SEGMENTS && slots[j].len <= seg &&
	    total + slots[j].len <= WG_GSO_MAX_BYTES &&
	    wg_endpoint_equal(&slots[j].to, &slots[i].to)) {
		iov[j].iov_base = slots[j].buf;
		iov[j].iov_len = slots[j].len;
		total += slots[j].len;
		if (slots[j++].len < seg)
			break; /* a short datagram ends a GSO run */
	}
	h->msg_iov = &iov[i];
	h->msg_iovlen = j - i;
	if (j - i > 1) {
		size = (uint16_t)seg;
		h->msg_control = ctl->buf;
		h->msg_controllen = sizeof(ctl->buf);
		cm = CMSG_FIRSTHDR(h);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(size));
		memcpy(CMSG_DATA(cm), &size, sizeof(size));
	}
	return j;
}

int
udp_send_batch(struct udp_sock *s, struct wg_tx_slot *slots, size_t n)
{
	struct mmsghdr msgs[WG_TX_BATCH];
	struct iovec iov[WG_TX_BATCH];
	struct sockaddr_in6 to[WG_TX_BATCH];
	union udp_gso_cmsg ctl[WG_TX_BATCH];
	size_t i, m = 0, done = 0;
	int r;

	if (n > WG_TX_BATCH)
		n = WG_TX_BATCH;
	memset(msgs, 0, sizeof(msgs[0]) * n);
	memset(ctl, 0, sizeof(ctl[0]) * n);
	for (i = 0; i < n; m++) {
		msgs[m].msg_hdr.msg_name = &to[m];
		msgs[m].msg_hdr.msg_namelen = udp_dest(s, &slots[i].to, &to[m]);
		i = udp_gather(s, slots, i, n, &msgs[m].msg_hdr, iov, &ctl[m]);
	}
	while (done < m) {
		r = sendmmsg(s->fd, msgs + done, (unsigned)(m - done), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EIO && msgs[done].msg_hdr.msg_controllen && s->gso) {
				/* the egress device cannot checksum segments: stop using GSO */
				log_warn("UDP GSO refused by the kernel (%s); sending datagrams "
					 "one by one",
				    strerror(errno));
				s->gso = false;
			}
			/* a full socket buffer or an unreachable peer drops, as UDP does */
			done++;
			continue;
		}
		done += (size_t)r;
	}
	return (int)n;
}

static void
udp_source(const struct sockaddr_in6 *src, socklen_t len, struct wg_endpoint *e)
{
	memset(e, 0, sizeof(*e));
	if (src->sin6_family == AF_INET6 &&
	    memcmp(src->sin6_addr.s6_addr, v4mapped_prefix, sizeof(v4mapped_prefix)) == 0) {
		e->addr.in4.sin_family = AF_INET;
		e->addr.in4.sin_port = src->sin6_port;
		memcpy(&e->addr.in4.sin_addr, src->sin6_addr.s6_addr + 12, 4);
		e->len = sizeof(e->addr.in4);
		return;
	}
	if (len > sizeof(e->addr))
		len = sizeof(e->addr);
	memcpy(&e->addr, src, len);
	e->len = len;
}

/* The GRO segment size of a received message, or 0. */
static size_t
udp_gro_size(struct msghdr *h)
{
	struct cmsghdr *cm;
	int size;

	for (cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(size))) {
			memcpy(&size, CMSG_DATA(cm), sizeof(size));
			return size > 0 ? (size_t)size : 0;
		}
	return 0;
}

int
udp_recv_batch(struct udp_sock *s, uint8_t *bufs, size_t stride, size_t *lens, size_t *segs,
    struct wg_endpoint *from, size_t n)
{
	struct mmsghdr msgs[WG_RX_BATCH];
	struct iovec iov[WG_RX_BATCH];
	struct sockaddr_in6 src[WG_RX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[WG_RX_BATCH];
	int r, i;

	if (n > WG_RX_BATCH)
		n = WG_RX_BATCH;
	memset(msgs, 0, sizeof(msgs[0]) * n);
	for (i = 0; i < (int)n; i++) {
		iov[i].iov_base = bufs + (size_t)i * stride;
		iov[i].iov_len = stride;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &src[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(src[i]);
		if (s->gro) {
			msgs[i].msg_hdr.msg_control = ctl[i].buf;
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
	}
	r = recvmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : MESH_ERR_IO;
	for (i = 0; i < r; i++) {
		lens[i] = msgs[i].msg_len;
		if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			lens[i] = 0; /* larger than any valid message: dropped */
		segs[i] = s->gro ? udp_gro_size(&msgs[i].msg_hdr) : 0;
		if (segs[i] == 0 || segs[i] > lens[i])
			segs[i] = lens[i];
		udp_source(&src[i], msgs[i].msg_hdr.msg_namelen, &from[i]);
	}
	return r;
}
