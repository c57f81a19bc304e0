/*
 * TUN receive coalescing, the pure part: the TCP segments that one batch of
 * UDP receives decrypts are joined, per flow, into one packet of up to
 * 64 KiB that goes to the TUN device in one write behind a virtio_net_hdr
 * asking the kernel to treat it as the segments it stands for (GSO, with
 * the checksum left to the kernel), as a NIC's GRO would.  Only segments
 * that continue a flow exactly merge: same addresses, ports, ACK, window,
 * TCP options, TTL and TOS, the next sequence number, no flag but ACK
 * (PSH ends a packet), every segment but the last of the first one's size.
 * Anything else is written as it came, after what is pending, so nothing
 * is reordered within a flow.  Packets reach this code only after
 * WireGuard's allowed-IPs check, so a flow never mixes peers.
 */
#ifndef MESH_TUN_GRO_H
#define MESH_TUN_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tun_gso.h"

#define TUN_GRO_FLOWS	  8	/* flows coalesced at once */
#define TUN_GRO_MAX_BYTES 65535 /* one coalesced IP packet */

struct tun_gro_flow {
	bool used, closed, v6;
	size_t len;	 /* IP packet bytes in pkt */
	size_t iphl, hl; /* IP header, IP + TCP headers */
	size_t mss;	 /* payload of the first segment */
	unsigned nseg;
	uint32_t next_seq;
	uint8_t buf[TUN_VNET_HDR_LEN + TUN_GRO_MAX_BYTES]; /* virtio_net_hdr, then the packet */
};

struct tun_gro {
	struct tun_gro_flow flows[TUN_GRO_FLOWS];
	unsigned next_victim;
};

/* Write buf[0..len) (a virtio_net_hdr and an IP packet) to the TUN device. */
typedef void (*tun_gro_write_fn)(void *ctx, const uint8_t *buf, size_t len);

void tun_gro_init(struct tun_gro *g);
/* One decrypted IP packet; may write earlier ones. */
void tun_gro_add(struct tun_gro *g, const uint8_t *pkt, size_t len, tun_gro_write_fn w, void *ctx);
/* Write everything pending. */
void tun_gro_flush(struct tun_gro *g, tun_gro_write_fn w, void *ctx);

#endif
