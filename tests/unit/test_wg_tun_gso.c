/*
 * TUN offloads.  Segmentation (mesh/tun_gso.c): a TSO packet as the kernel
 * hands it over (virtio_net_hdr, one IPv4 or IPv6 header, one TCP header,
 * up to 64 KiB of payload) is cut into segments whose IP and TCP checksums
 * verify with an independent checksum built here from a pseudo-header
 * buffer, whose sequence numbers, lengths, ids and flags are those of the
 * segments the kernel would have sent, and whose payloads reassemble to
 * the original.  A packet that only needs its checksum gets it; malformed
 * packets emit nothing.  Coalescing (mesh/tun_gro.c): those segments join
 * into one GSO write that segments back into exactly them; a gap, PSH, a
 * changed ACK, another flow or a non-TCP packet end a run without
 * reordering anything within a flow.
 */
#include "config.h"

#include <linux/virtio_net.h>
#include <stdlib.h>
#include <string.h>

#include "tun_gro.h"
#include "tun_gso.h"
#include "tap.h"

#define MAX_SEGS 128
#define PAYLOAD	 3500
#define MSS	 1000

struct seen {
	uint8_t pkt[MAX_SEGS][2048];
	size_t len[MAX_SEGS];
	int n;
};

static void
collect(void *ctx, const uint8_t *pkt, size_t len)
{
	struct seen *s = ctx;

	if (s->n < MAX_SEGS && len <= sizeof(s->pkt[0])) {
		memcpy(s->pkt[s->n], pkt, len);
		s->len[s->n] = len;
	}
	s->n++;
}

/* Plain RFC 1071 over one contiguous buffer: 0 when the data checks out. */
static uint16_t
check_sum(const uint8_t *b, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i < len; i++)
		s += i % 2 ? b[i] : (uint32_t)b[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TCP checksum of a segment, verified with a pseudo-header laid out in memory. */
static int
tcp_ok(const uint8_t *ip, size_t len, int v6)
{
	static uint8_t buf[4096];
	size_t iphl = v6 ? 40 : (size_t)(ip[0] & 15) * 4, tl = len - iphl, p;

	memset(buf, 0, sizeof(buf));
	if (v6) {
		memcpy(buf, ip + 8, 32);
		buf[34] = (uint8_t)(tl >> 8);
		buf[35] = (uint8_t)tl;
		buf[39] = 6;
		p = 40;
	} else {
		memcpy(buf, ip + 12, 8);
		buf[9] = 6;
		buf[10] = (uint8_t)(tl >> 8);
		buf[11] = (uint8_t)tl;
		p = 12;
	}
	memcpy(buf + p, ip + iphl, tl);
	return check_sum(buf, p + tl) == 0;
}

/* A TSO packet: virtio header, IP, TCP (seq 1000, PSH|FIN|ACK|CWR), payload i & 0xff. */
static size_t
make_tso(uint8_t *buf, int v6, size_t payload, uint16_t mss)
{
	struct virtio_net_hdr h;
	uint8_t *ip = buf + TUN_VNET_HDR_LEN, *tcp;
	size_t iphl = v6 ? 40 : 20, i;

	memset(&h, 0, sizeof(h));
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
	h.hdr_len = (uint16_t)(iphl + 20);
	h.gso_size = mss;
	h.csum_start = (uint16_t)iphl;
	h.csum_offset = 16;
	memcpy(buf, &h, sizeof(h));
	memset(ip, 0, iphl + 20);
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((20 + payload) >> 8);
		ip[5] = (uint8_t)(20 + payload);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd, ip[23] = 1;  /* fd00::1 */
		ip[24] = 0xfd, ip[39] = 2; /* fd00::2 */
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((40 + payload) >> 8);
		ip[3] = (uint8_t)(40 + payload);
		ip[4] = 0x12, ip[5] = 0x34; /* id */
		ip[8] = 64;
		ip[9] = 6;
		ip[12] = 100, ip[13] = 64, ip[15] = 7; /* 100.64.0.7 */
		ip[16] = 100, ip[17] = 64, ip[19] = 1; /* 100.64.0.1 */
	}
	tcp = ip + iphl;
	tcp[0] = 0x30, tcp[1] = 0x39; /* 12345 */
	tcp[2] = 0x00, tcp[3] = 0x16; /* 22 */
	tcp[7] = 0xe8, tcp[6] = 0x03; /* seq 1000 */
	tcp[12] = 5 << 4;
	tcp[13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
	tcp[14] = 0xff;
	for (i = 0; i < payload; i++)
		tcp[20 + i] = (uint8_t)i;
	return TUN_VNET_HDR_LEN + iphl + 20 + payload;
}

static uint32_t
seq_of(const uint8_t *tcp)
{
	return (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
}

static void
check_family(int v6)
{
	static uint8_t buf[TUN_VNET_HDR_LEN + 65536], scratch[TUN_SEGMENT_MAX];
	static struct seen s;
	size_t len = make_tso(buf, v6, PAYLOAD, MSS), iphl = v6 ? 40 : 20, off = 0;
	int i, n, ok_ip = 1, ok_tcp = 1, ok_seq = 1, ok_flags = 1, ok_data = 1, ok_id = 1;
	const char *fam = v6 ? "IPv6" : "IPv4";
	char name[128];

	memset(&s, 0, sizeof(s));
	n = tun_gso_segment(buf, len, scratch, collect, &s);
	snprintf(name, sizeof(name), "%s: 3500 bytes at MSS 1000 -> 4 segments", fam);
	ok(n == 4 && s.n == 4, name);
	for (i = 0; i < s.n && i < 4; i++) {
		const uint8_t *ip = s.pkt[i], *tcp = ip + iphl;
		size_t want = i < 3 ? MSS : PAYLOAD - 3 * MSS;
		size_t iplen =
		    v6 ? 40 + ((size_t)ip[4] << 8 | ip[5]) : ((size_t)ip[2] << 8 | ip[3]);

		if (iplen != iphl + 20 + want || s.len[i] != iplen ||
		    (!v6 && check_sum(ip, 20) != 0))
			ok_ip = 0;
		if (!v6 && ((size_t)ip[4] << 8 | ip[5]) != 0x1234u + (size_t)i)
			ok_id = 0;
		if (!tcp_ok(ip, s.len[i], v6))
			ok_tcp = 0;
		if (seq_of(tcp) != 1000u + (uint32_t)off)
			ok_seq = 0;
		if ((tcp[13] & 0x01) != (i == 3) || ((tcp[13] & 0x08) != 0) != (i == 3) ||
		    ((tcp[13] & 0x80) != 0) != (i == 0) || !(tcp[13] & 0x10))
			ok_flags = 0;
		for (size_t k = 0; k < want; k++)
			if (tcp[20 + k] != (uint8_t)(off + k))
				ok_data = 0;
		off += want;
	}
	snprintf(name, sizeof(name), "%s: each segment's IP length%s", fam,
	    v6 ? "" : " and header checksum");
	ok(ok_ip, name);
	if (!v6)
		ok(ok_id, "IPv4: ids count up from the packet's");
	snprintf(name, sizeof(name), "%s: each segment's TCP checksum verifies", fam);
	ok(ok_tcp, name);
	snprintf(name, sizeof(name), "%s: sequence numbers advance by the payload", fam);
	ok(ok_seq, name);
	snprintf(name, sizeof(name), "%s: FIN/PSH only on the last, CWR only on the first", fam);
	ok(ok_flags, name);
	snprintf(name, sizeof(name), "%s: the payloads reassemble to the original", fam);
	ok(ok_data && off == PAYLOAD, name);
}

/* Writes of the coalescer: virtio header and packet as they would reach the TUN device. */
struct writes {
	uint8_t buf[16][TUN_VNET_HDR_LEN + 65536];
	size_t len[16];
	int n;
};

static void
record(void *ctx, const uint8_t *buf, size_t len)
{
	struct writes *w = ctx;

	if (w->n < 16) {
		memcpy(w->buf[w->n], buf, len);
		w->len[w->n] = len;
	}
	w->n++;
}

/* Segments of a TSO packet (v6 or v4, payload bytes) into s. */
static void
segments(struct seen *s, int v6, size_t payload)
{
	static uint8_t buf[TUN_VNET_HDR_LEN + 65536], scratch[TUN_SEGMENT_MAX];
	size_t len = make_tso(buf, v6, payload, MSS);

	memset(s, 0, sizeof(*s));
	(void)tun_gso_segment(buf, len, scratch, collect, s);
}

static void
check_gro_roundtrip(int v6)
{
	static struct seen s, back;
	static struct writes w;
	static struct tun_gro g;
	static uint8_t scratch[TUN_SEGMENT_MAX];
	struct virtio_net_hdr h;
	char name[128];
	int i, same = 1;

	segments(&s, v6, PAYLOAD);
	/* a bulk stream has no FIN and PSH only at the end of a send */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	for (i = 0; i < s.n; i++)
		s.pkt[i][(v6 ? 40 : 20) + 13] &= (uint8_t)~0x81; /* no FIN, no CWR */
	/* (the coalescer leaves the TCP checksum to the kernel: the stale ones do not matter) */
	for (i = 0; i < s.n; i++)
		tun_gro_add(&g, s.pkt[i], s.len[i], record, &w);
	tun_gro_flush(&g, record, &w);
	snprintf(name, sizeof(name), "%s: four segments of one flow leave in one write",
	    v6 ? "IPv6" : "IPv4");
	ok(w.n == 1, name);
	memcpy(&h, w.buf[0], sizeof(h));
	snprintf(name, sizeof(name),
	    "%s: as GSO TCP, gso_size the MSS, checksum left to the kernel", v6 ? "IPv6" : "IPv4");
	ok(h.gso_type == (v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4) &&
		h.gso_size == MSS && h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM &&
		h.csum_start == (v6 ? 40 : 20) && h.csum_offset == 16 &&
		h.hdr_len == (v6 ? 60 : 40) &&
		w.len[0] == TUN_VNET_HDR_LEN + (v6 ? 60 : 40) + PAYLOAD,
	    name);
	/* segmenting the write again gives back the segments (flags of the last aside) */
	memset(&back, 0, sizeof(back));
	ok(tun_gso_segment(w.buf[0], w.len[0], scratch, collect, &back) == s.n && back.n == s.n,
	    "segmenting the coalesced write gives as many segments");
	for (i = 0; i < s.n && i < back.n; i++)
		if (back.len[i] != s.len[i] ||
		    memcmp(back.pkt[i] + (v6 ? 40 : 20) + 20, s.pkt[i] + (v6 ? 40 : 20) + 20,
			s.len[i] - (v6 ? 60 : 40)) != 0 ||
		    seq_of(back.pkt[i] + (v6 ? 40 : 20)) != seq_of(s.pkt[i] + (v6 ? 40 : 20)) ||
		    !tcp_ok(back.pkt[i], back.len[i], v6))
			same = 0;
	snprintf(name, sizeof(name),
	    "%s: ... with the same sequence numbers, payloads and valid checksums",
	    v6 ? "IPv6" : "IPv4");
	ok(same, name);
	if (!v6)
		ok(check_sum(w.buf[0] + TUN_VNET_HDR_LEN, 20) == 0,
		    "IPv4: the coalesced header's checksum verifies");
}

static void
check_gro_boundaries(void)
{
	static struct seen s, t;
	static struct writes w;
	static struct tun_gro g;
	uint8_t udp[28];
	int i;

	segments(&s, 0, PAYLOAD);
	for (i = 0; i < s.n; i++)
		s.pkt[i][20 + 13] &= (uint8_t)~0x89; /* plain ACK segments */

	/* a gap: segments 0,1 then 3 */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	tun_gro_add(&g, s.pkt[0], s.len[0], record, &w);
	tun_gro_add(&g, s.pkt[1], s.len[1], record, &w);
	tun_gro_add(&g, s.pkt[3], s.len[3], record, &w);
	tun_gro_flush(&g, record, &w);
	ok(w.n == 2 && w.len[0] == TUN_VNET_HDR_LEN + 40 + 2 * MSS &&
		w.len[1] == TUN_VNET_HDR_LEN + s.len[3],
	    "a sequence gap ends the run; the two writes keep their order");

	/* PSH on the second ends the run after it */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	s.pkt[1][20 + 13] |= 0x08;
	for (i = 0; i < 3; i++)
		tun_gro_add(&g, s.pkt[i], s.len[i], record, &w);
	tun_gro_flush(&g, record, &w);
	ok(w.n == 2 && w.len[0] == TUN_VNET_HDR_LEN + 40 + 2 * MSS &&
		(w.buf[0][TUN_VNET_HDR_LEN + 20 + 13] & 0x08),
	    "PSH ends a run and is kept on the coalesced packet");
	s.pkt[1][20 + 13] &= (uint8_t)~0x08;

	/* another ACK number does not merge */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	s.pkt[1][20 + 11] ^= 1;
	for (i = 0; i < 2; i++)
		tun_gro_add(&g, s.pkt[i], s.len[i], record, &w);
	tun_gro_flush(&g, record, &w);
	ok(w.n == 2, "a changed ACK number starts a new packet");
	s.pkt[1][20 + 11] ^= 1;

	/* two flows interleaved: each coalesced */
	memcpy(&t, &s, sizeof(t));
	for (i = 0; i < t.n; i++)
		t.pkt[i][20 + 1] ^= 1; /* another source port */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	for (i = 0; i < 3; i++) {
		tun_gro_add(&g, s.pkt[i], s.len[i], record, &w);
		tun_gro_add(&g, t.pkt[i], t.len[i], record, &w);
	}
	tun_gro_flush(&g, record, &w);
	ok(w.n == 2 && w.len[0] == TUN_VNET_HDR_LEN + 40 + 3 * MSS &&
		w.len[1] == TUN_VNET_HDR_LEN + 40 + 3 * MSS,
	    "two interleaved flows are coalesced each");

	/* a UDP packet writes what is pending first */
	memset(udp, 0, sizeof(udp));
	udp[0] = 0x45, udp[3] = sizeof(udp), udp[9] = 17;
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	tun_gro_add(&g, s.pkt[0], s.len[0], record, &w);
	tun_gro_add(&g, s.pkt[1], s.len[1], record, &w);
	tun_gro_add(&g, udp, sizeof(udp), record, &w);
	ok(w.n == 2 && w.len[1] == TUN_VNET_HDR_LEN + sizeof(udp) &&
		memcmp(w.buf[1] + TUN_VNET_HDR_LEN, udp, sizeof(udp)) == 0 &&
		w.buf[1][1] == VIRTIO_NET_HDR_GSO_NONE,
	    "a non-TCP packet is written after the pending run, as it came");
	tun_gro_flush(&g, record, &w);
	ok(w.n == 2, "nothing left after it");

	/* a single segment goes out as itself */
	memset(&w, 0, sizeof(w));
	tun_gro_init(&g);
	tun_gro_add(&g, s.pkt[0], s.len[0], record, &w);
	tun_gro_flush(&g, record, &w);
	ok(w.n == 1 && w.len[0] == TUN_VNET_HDR_LEN + s.len[0] && w.buf[0][1] == 0 &&
		memcmp(w.buf[0] + TUN_VNET_HDR_LEN, s.pkt[0], s.len[0]) == 0,
	    "a lone segment is written unchanged with an empty virtio header");
}

int
main(void)
{
	static uint8_t buf[TUN_VNET_HDR_LEN + 65536], scratch[TUN_SEGMENT_MAX];
	static struct seen s;
	struct virtio_net_hdr h;
	size_t len;
	uint32_t pseudo;
	uint8_t *ip = buf + TUN_VNET_HDR_LEN;

	check_family(0);
	check_family(1);
	check_gro_roundtrip(0);
	check_gro_roundtrip(1);
	check_gro_boundaries();

	/* a single packet with CHECKSUM_PARTIAL: the pseudo-header sum is in the field */
	len = make_tso(buf, 0, 100, MSS);
	memcpy(&h, buf, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	memcpy(buf, &h, sizeof(h));
	pseudo = (100u << 8 | 64u) + 7u + (100u << 8 | 64u) + 1u + 6u + 120u;
	while (pseudo >> 16)
		pseudo = (pseudo & 0xffff) + (pseudo >> 16);
	ip[20 + 16] = (uint8_t)(pseudo >> 8);
	ip[20 + 17] = (uint8_t)pseudo;
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, len, scratch, collect, &s) == 1 && s.n == 1 &&
		s.len[0] == len - TUN_VNET_HDR_LEN,
	    "a non-TSO packet is emitted whole");
	ok(tcp_ok(s.pkt[0], s.len[0], 0), "and its partial TCP checksum is finished");

	/* without NEEDS_CSUM a packet passes untouched */
	h.flags = 0;
	memcpy(buf, &h, sizeof(h));
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, len, scratch, collect, &s) == 1 &&
		memcmp(s.pkt[0], ip, s.len[0]) == 0,
	    "a packet with its checksum done passes untouched");

	/* malformed: nothing emitted */
	len = make_tso(buf, 0, PAYLOAD, 0);
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, len, scratch, collect, &s) < 0 && s.n == 0, "gso_size 0 refused");
	len = make_tso(buf, 0, PAYLOAD, MSS);
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, TUN_VNET_HDR_LEN + 30, scratch, collect, &s) < 0 && s.n == 0,
	    "a TSO packet cut inside the TCP header refused");
	ip[12 + 20] = 15 << 4; /* TCP header longer than the packet's headers allow */
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, TUN_VNET_HDR_LEN + 50, scratch, collect, &s) < 0 && s.n == 0,
	    "a TCP data offset past the end refused");
	len = make_tso(buf, 0, PAYLOAD, MSS);
	ip[9] = 17; /* UDP */
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, len, scratch, collect, &s) < 0 && s.n == 0,
	    "a TCPv4 TSO packet that is not TCP refused");
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, 5, scratch, collect, &s) < 0 && s.n == 0,
	    "shorter than the virtio header refused");
	len = make_tso(buf, 0, 100, MSS);
	memcpy(&h, buf, sizeof(h));
	h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	h.csum_start = 200;
	memcpy(buf, &h, sizeof(h));
	memset(&s, 0, sizeof(s));
	ok(tun_gso_segment(buf, len, scratch, collect, &s) < 0 && s.n == 0,
	    "a checksum offset past the packet refused");
	return tap_done();
}
