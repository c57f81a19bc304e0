/*
 * Coalescing TCP segments for the TUN device (see tun_gro.h).
 */
#include "config.h"

#include <linux/virtio_net.h>
#include <string.h>

#include "tun_gro.h"

#define IPV4_HDR      20 /* only option-less IPv4 headers coalesce */
#define IPV6_HDR      40
#define TCP_MIN_HDR   20
#define IPPROTO_TCP_V 6
#define TCP_ACK	      0x10
#define TCP_PSH	      0x08
#define TCP_CSUM_AT   16

/* What a segment looks like, if it may coalesce at all. */
struct seg {
	bool v6;
	size_t iphl, hl, plen;
	uint32_t seq;
	uint8_t flags;
};

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static bool
seg_parse(const uint8_t *pkt, size_t len, struct seg *s)
{
	const uint8_t *tcp;
	size_t tcphl;

	if (len < IPV4_HDR)
		return false;
	if (pkt[0] == 0x45) {
		/* no options, no fragment (DF allowed), TCP, length as stated */
		if (pkt[9] != IPPROTO_TCP_V || (rd16(pkt + 6) & 0x3fff) != 0 ||
		    (size_t)rd16(pkt + 2) != len)
			return false;
		s->v6 = false;
		s->iphl = IPV4_HDR;
	} else if (pkt[0] >> 4 == 6) {
		if (len < IPV6_HDR || pkt[6] != IPPROTO_TCP_V ||
		    (size_t)rd16(pkt + 4) + IPV6_HDR != len)
			return false;
		s->v6 = true;
		s->iphl = IPV6_HDR;
	} else {
		return false;
	}
	if (len < s->iphl + TCP_MIN_HDR)
		return false;
	tcp = pkt + s->iphl;
	tcphl = (size_t)(tcp[12] >> 4) * 4;
	s->hl = s->iphl + tcphl;
	s->flags = tcp[13];
	if (tcphl < TCP_MIN_HDR || len <= s->hl || (s->flags & ~(TCP_ACK | TCP_PSH)) != 0 ||
	    !(s->flags & TCP_ACK))
		return false;
	s->plen = len - s->hl;
	s->seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
	return true;
}

/* Same flow: addresses and ports. */
static bool
same_flow(const struct tun_gro_flow *f, const uint8_t *pkt, const struct seg *s)
{
	const uint8_t *p = f->buf + TUN_VNET_HDR_LEN;

	if (f->v6 != s->v6)
		return false;
	if (s->v6)
		return memcmp(p + 8, pkt + 8, 32) == 0 && memcmp(p + 40, pkt + 40, 4) == 0;
	return memcmp(p + 12, pkt + 12, 8) == 0 && memcmp(p + 20, pkt + 20, 4) == 0;
}

/* Does pkt continue f exactly? */
static bool
continues(const struct tun_gro_flow *f, const uint8_t *pkt, const struct seg *s)
{
	const uint8_t *p = f->buf + TUN_VNET_HDR_LEN, *ft = p + f->iphl, *st = pkt + s->iphl;

	if (f->closed || s->seq != f->next_seq || s->hl != f->hl || s->plen > f->mss ||
	    f->len + s->plen > TUN_GRO_MAX_BYTES)
		return false;
	/* IPv4: TOS, DF, TTL; IPv6: version, class, label, hop limit */
	if (s->v6 ? memcmp(p, pkt, 4) != 0 || p[7] != pkt[7]
		  : p[1] != pkt[1] || p[6] != pkt[6] || p[8] != pkt[8])
		return false;
	/* ACK number, window, options */
	return memcmp(ft + 8, st + 8, 4) == 0 && memcmp(ft + 14, st + 14, 2) == 0 &&
	    memcmp(ft + TCP_MIN_HDR, st + TCP_MIN_HDR, s->hl - s->iphl - TCP_MIN_HDR) == 0;
}

static void
flow_write(struct tun_gro_flow *f, tun_gro_write_fn w, void *ctx)
{
	struct virtio_net_hdr h;
	uint8_t *p = f->buf + TUN_VNET_HDR_LEN;

	if (!f->used)
		return;
	memset(&h, 0, sizeof(h));
	if (f->nseg > 1) {
		if (f->v6) {
			wr16(p + 4, (uint16_t)(f->len - IPV6_HDR));
		} else {
			wr16(p + 2, (uint16_t)f->len);
			wr16(p + 10, 0);
			wr16(p + 10, (uint16_t)~tun_csum_fold(tun_csum_add(0, p, IPV4_HDR)));
		}
		/* the kernel finishes the checksum from the pseudo-header sum */
		wr16(p + f->iphl + TCP_CSUM_AT,
		    tun_csum_fold(tun_tcp_pseudo_sum(p, f->v6, f->len - f->iphl)));
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.gso_type = f->v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		h.hdr_len = (uint16_t)f->hl;
		h.gso_size = (uint16_t)f->mss;
		h.csum_start = (uint16_t)f->iphl;
		h.csum_offset = TCP_CSUM_AT;
	}
	memcpy(f->buf, &h, sizeof(h));
	w(ctx, f->buf, TUN_VNET_HDR_LEN + f->len);
	f->used = false;
}

static void
flow_start(struct tun_gro_flow *f, const uint8_t *pkt, size_t len, const struct seg *s)
{
	memcpy(f->buf + TUN_VNET_HDR_LEN, pkt, len);
	f->used = true;
	f->v6 = s->v6;
	f->len = len;
	f->iphl = s->iphl;
	f->hl = s->hl;
	f->mss = s->plen;
	f->nseg = 1;
	f->next_seq = s->seq + (uint32_t)s->plen;
	f->closed = (s->flags & TCP_PSH) != 0;
}

void
tun_gro_init(struct tun_gro *g)
{
	unsigned i;

	for (i = 0; i < TUN_GRO_FLOWS; i++)
		g->flows[i].used = false;
	g->next_victim = 0;
}

void
tun_gro_flush(struct tun_gro *g, tun_gro_write_fn w, void *ctx)
{
	unsigned i;

	for (i = 0; i < TUN_GRO_FLOWS; i++)
		flow_write(&g->flows[i], w, ctx);
}

void
tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_gro_write_fn w, void *ctx)
{
	static const uint8_t plain[TUN_VNET_HDR_LEN];
	struct tun_gro_flow *f, *free_slot = NULL;
	struct seg s;
	unsigned i;

	if (len > TUN_GRO_MAX_BYTES || !seg_parse(pkt, len, &s)) {
		/* written as is, after everything earlier */
		tun_gro_flush(g, w, ctx);
		if (len <= TUN_GRO_MAX_BYTES) {
			f = &g->flows[0];
			memcpy(f->buf, plain, sizeof(plain));
			memcpy(f->buf + TUN_VNET_HDR_LEN, pkt, len);
			w(ctx, f->buf, TUN_VNET_HDR_LEN + len);
		}
		return;
	}
	for (i = 0; i < TUN_GRO_FLOWS; i++) {
		f = &g->flows[i];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (!same_flow(f, pkt, &s))
			continue;
		if (!continues(f, pkt, &s)) {
			flow_write(f, w, ctx);
			flow_start(f, pkt, len, &s);
			return;
		}
		memcpy(f->buf + TUN_VNET_HDR_LEN + f->len, pkt + s.hl, s.plen);
		f->len += s.plen;
		f->nseg++;
		f->next_seq += (uint32_t)s.plen;
		if (s.flags & TCP_PSH) {
			f->buf[TUN_VNET_HDR_LEN + f->iphl + 13] |= TCP_PSH;
			f->closed = true;
		}
		if (s.plen < f->mss)
			f->closed = true;
		return;
	}
	if (!free_slot) {
		free_slot = &g->flows[g->next_victim];
		g->next_victim = (g->next_victim + 1) % TUN_GRO_FLOWS;
		flow_write(free_slot, w, ctx);
	}
	flow_start(free_slot, pkt, len, &s);
}
