/*
 * TUN segmentation offload, the pure part: with IFF_VNET_HDR and
 * TUNSETOFFLOAD (TSO4, TSO6, CSUM) the kernel hands meshd a whole TCP send
 * of up to 64 KiB as one packet behind a virtio_net_hdr, with the checksum
 * left to us.  tun_gso_segment() cuts such a packet into the MTU-sized TCP
 * segments the kernel would have sent (headers copied, IPv4 length, id and
 * checksum, IPv6 payload length, TCP sequence number, flags and checksum
 * per segment), and finishes the checksum of a packet that only needs one.
 * One read then replaces dozens, and the segments leave as one UDP GSO
 * send.  No I/O; the self-test in tests/unit/test_wg_tun_gso.c checks every
 * segment against an independent checksum and the reassembled payload.
 */
#ifndef MESH_TUN_GSO_H
#define MESH_TUN_GSO_H

#include <stddef.h>
#include <stdint.h>

#define TUN_VNET_HDR_LEN 10 /* struct virtio_net_hdr */
#define TUN_SEGMENT_MAX	 65535

/* Called per finished IP packet (seg is reused by the next call). */
typedef void (*tun_gso_emit_fn)(void *ctx, const uint8_t *pkt, size_t len);

/*
 * buf[0..len) is a virtio_net_hdr and an IP packet as read from the TUN
 * device.  Emits the packet, checksummed, or its segments; scratch holds one
 * segment (TUN_SEGMENT_MAX bytes).  Returns the number of packets emitted,
 * or a negative mesh_err for a malformed packet (nothing emitted).
 */
int tun_gso_segment(uint8_t *buf, size_t len, uint8_t *scratch, tun_gso_emit_fn emit, void *ctx);

/* RFC 1071 sum of buf folded into 16 bits, starting from sum (not complemented). */
uint32_t tun_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t tun_csum_fold(uint32_t sum);
/* Sum of the TCP pseudo-header of the IPv4 or IPv6 packet ip for tcplen bytes of TCP. */
uint32_t tun_tcp_pseudo_sum(const uint8_t *ip, int v6, size_t tcplen);

#endif
