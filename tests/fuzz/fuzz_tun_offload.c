/*
 * Fuzz target for the TUN offload code that sees peer-controlled bytes:
 * the input is split into packets (2-byte big-endian length, then the
 * packet) that go through the receive coalescer (mesh/tun_gro.c: decrypted
 * inner packets, chosen by an authenticated but possibly hostile peer), and
 * every coalesced write is cut again by the segmenter (mesh/tun_gso.c) as
 * the kernel would.  The first byte picks whether the input is instead one
 * TUN read (virtio_net_hdr + packet) for the segmenter alone.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tun_gro.h"
#include "tun_gso.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t scratch[TUN_SEGMENT_MAX];
static uint8_t copy[TUN_VNET_HDR_LEN + TUN_GRO_MAX_BYTES];

static void
sink(void *ctx, const uint8_t *pkt, size_t len)
{
	volatile uint8_t x = 0;

	(void)ctx;
	if (len)
		x = pkt[0] ^ pkt[len - 1];
	(void)x;
}

/* A coalesced write goes back through the segmenter. */
static void
resegment(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	memcpy(copy, buf, len);
	(void)tun_gso_segment(copy, len, scratch, sink, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tun_gro g;
	size_t off = 1, n;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (size - 1 <= sizeof(copy)) {
			memcpy(copy, data + 1, size - 1);
			(void)tun_gso_segment(copy, size - 1, scratch, sink, NULL);
		}
		return 0;
	}
	tun_gro_init(&g);
	while (off + 2 <= size) {
		n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		tun_gro_add(&g, data + off, n, resegment, NULL);
		off += n;
	}
	tun_gro_flush(&g, resegment, NULL);
	return 0;
}
