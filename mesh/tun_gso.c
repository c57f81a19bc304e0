/*
 * Cutting TSO packets from the TUN device into TCP segments (see tun_gso.h).
 * The header fields are read and written byte by byte in network order; no
 * cast of packet memory to a struct, so alignment and length are explicit.
 */
#include "config.h"

#include <linux/virtio_net.h>
#include <string.h>

#include "error.h"
#include "tun_gso.h"

#define IPV4_MIN_HDR	20
#define IPV6_HDR	40
#define TCP_MIN_HDR	20
#define IPPROTO_TCP_NUM 6
#define TCP_FLAG_FIN	0x01
#define TCP_FLAG_PSH	0x08
#define TCP_FLAG_CWR	0x80
#define TCP_OFF_SEQ	4
#define TCP_OFF_FLAGS	13
#define TCP_OFF_CSUM	16
#define IPV4_OFF_LEN	2
#define IPV4_OFF_ID	4
#define IPV4_OFF_CSUM	10
#define IPV4_OFF_SRC	12
#define IPV6_OFF_PLEN	4
#define IPV6_OFF_SRC	8

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint32_t
tun_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		s += (uint32_t)buf[len - 1] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
tun_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t
tun_tcp_pseudo_sum(const uint8_t *ip, int v6, size_t tcplen)
{
	uint8_t tail[4] = {0, 0, 0, IPPROTO_TCP_NUM};
	uint32_t s;

	if (v6) {
		/* addresses, upper-layer length as 32 bits, 3 zero bytes, next header */
		s = tun_csum_add(0, ip + IPV6_OFF_SRC, 32);
		s = tun_csum_add(
		    s, (const uint8_t[4]){0, 0, (uint8_t)(tcplen >> 8), (uint8_t)tcplen}, 4);
		return tun_csum_add(s, tail, sizeof(tail));
	}
	s = tun_csum_add(0, ip + IPV4_OFF_SRC, 8);
	return tun_csum_add(
	    s, (const uint8_t[4]){0, IPPROTO_TCP_NUM, (uint8_t)(tcplen >> 8), (uint8_t)tcplen}, 4);
}

/* A packet that only needs its checksum finished (CHECKSUM_PARTIAL). */
static int
finish_csum(const struct virtio_net_hdr *h, uint8_t *pkt, size_t len)
{
	size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;

	if (start >= len || at + 2 > len)
		return MESH_ERR_PARSE;
	/* the field holds the pseudo-header sum: sum everything from start, complement */
	put16(pkt + at, (uint16_t)~tun_csum_fold(tun_csum_add(0, pkt + start, len - start)));
	return 0;
}

int
tun_gso_segment(uint8_t *buf, size_t len, uint8_t *scratch, tun_gso_emit_fn emit, void *ctx)
{
	struct virtio_net_hdr h;
	uint8_t *pkt = buf + TUN_VNET_HDR_LEN, *tcp;
	size_t plen, iphl, tcphl, hl, off, seg, mss, n = 0;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;
	int v6, r;

	if (len < TUN_VNET_HDR_LEN + 1)
		return MESH_ERR_PARSE;
	memcpy(&h, buf, sizeof(h));
	plen = len - TUN_VNET_HDR_LEN;
	if ((h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_NONE) {
		if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    (r = finish_csum(&h, pkt, plen)) != 0)
			return r;
		emit(ctx, pkt, plen);
		return 1;
	}
	v6 = (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV6;
	if (!v6 && (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV4)
		return MESH_ERR_UNSUPPORTED;
	/* headers as the packet states them, checked against its length */
	if (v6) {
		if (plen < IPV6_HDR + TCP_MIN_HDR || pkt[0] >> 4 != 6 || pkt[6] != IPPROTO_TCP_NUM)
			return MESH_ERR_PARSE;
		iphl = IPV6_HDR;
	} else {
		if (plen < IPV4_MIN_HDR + TCP_MIN_HDR || pkt[0] >> 4 != 4 ||
		    pkt[9] != IPPROTO_TCP_NUM)
			return MESH_ERR_PARSE;
		iphl = (size_t)(pkt[0] & 0x0f) * 4;
	}
	tcp = pkt + iphl;
	if (iphl < IPV4_MIN_HDR || plen < iphl + TCP_MIN_HDR)
		return MESH_ERR_PARSE;
	tcphl = (size_t)(tcp[12] >> 4) * 4;
	hl = iphl + tcphl;
	mss = h.gso_size;
	if (tcphl < TCP_MIN_HDR || plen < hl || mss == 0 || hl + mss > TUN_SEGMENT_MAX)
		return MESH_ERR_PARSE;
	seq = get32(tcp + TCP_OFF_SEQ);
	flags = tcp[TCP_OFF_FLAGS];
	id = v6 ? 0 : get16(pkt + IPV4_OFF_ID);
	for (off = hl; off < plen || (off == hl && plen == hl); off += seg) {
		uint8_t *s = scratch, *st = scratch + iphl;
		uint32_t sum;

		seg = plen - off < mss ? plen - off : mss;
		memcpy(s, pkt, hl);
		memcpy(s + hl, pkt + off, seg);
		if (v6) {
			put16(s + IPV6_OFF_PLEN, (uint16_t)(tcphl + seg));
		} else {
			put16(s + IPV4_OFF_LEN, (uint16_t)(hl + seg));
			put16(s + IPV4_OFF_ID, (uint16_t)(id + n));
			put16(s + IPV4_OFF_CSUM, 0);
			put16(
			    s + IPV4_OFF_CSUM, (uint16_t)~tun_csum_fold(tun_csum_add(0, s, iphl)));
		}
		put32(st + TCP_OFF_SEQ, seq + (uint32_t)(off - hl));
		st[TCP_OFF_FLAGS] = flags;
		if (off + seg < plen)
			st[TCP_OFF_FLAGS] &= (uint8_t) ~(TCP_FLAG_FIN | TCP_FLAG_PSH);
		if (n > 0)
			st[TCP_OFF_FLAGS] &= (uint8_t)~TCP_FLAG_CWR;
		put16(st + TCP_OFF_CSUM, 0);
		sum = tun_tcp_pseudo_sum(s, v6, tcphl + seg);
		sum = tun_csum_add(sum, st, tcphl + seg);
		put16(st + TCP_OFF_CSUM, (uint16_t)~tun_csum_fold(sum));
		emit(ctx, s, hl + seg);
		n++;
		if (seg == 0)
			break;
	}
	return (int)n;
}
