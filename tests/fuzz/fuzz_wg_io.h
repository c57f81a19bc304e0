/*
 * Output stubs for fuzz targets that drive a WireGuard device
 * (mesh/device.h): datagrams and TUN packets are dropped, so a target
 * exercises the protocol and parsers without any I/O.
 */
#ifndef MESH_FUZZ_WG_IO_H
#define MESH_FUZZ_WG_IO_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"

static void
fuzz_wg_flush(struct wg_device *dev)
{
	dev->ntx = 0;
}

static void
fuzz_wg_tun_write(struct wg_device *dev, const uint8_t *pkt, size_t len)
{
	(void)dev;
	(void)pkt;
	(void)len;
}

static const struct wg_device_io fuzz_wg_io = {fuzz_wg_flush, fuzz_wg_tun_write, NULL};

#endif
