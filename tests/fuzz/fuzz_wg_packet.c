/*
 * Fuzz meshd's packet parsing: every input is one UDP datagram handed to
 * wg_device_receive() of a device with a fixed key and one peer (with a
 * session), and also one TUN packet handed to wg_device_send_ip().  Output
 * goes to stubs.  Crashes, sanitizer reports and leaks are the findings.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "device.h"
#include "fuzz_wg_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[WG_KEY_LEN], peer_pub[WG_KEY_LEN], buf[WG_MAX_PACKET];
	const uint8_t net[4] = {10, 0, 0, 0};
	struct wg_device dev;
	struct wg_endpoint from;
	struct wg_peer *p;

	if (size > sizeof(buf) || sodium_init() < 0)
		return 0;
	memset(key, 1, sizeof(key));
	memset(peer_pub, 9, sizeof(peer_pub));
	if (wg_device_init(&dev, &fuzz_wg_io) != 0)
		return 0;
	dev.now_ms = 1000000;
	(void)wg_device_set_private_key(&dev, key);
	if ((p = wg_device_add_peer(&dev, peer_pub)) != NULL) {
		(void)allowedips_insert(&dev.allowed, AF_INET, net, 8, p);
		(void)wg_endpoint_parse("192.0.2.1:51820", &p->endpoint);
		p->current.valid = true;
		p->current.local_index = 0x01020304;
		p->current.birth_ms = dev.now_ms;
	}
	(void)wg_endpoint_parse("192.0.2.7:4242", &from);
	memcpy(buf, data, size);
	wg_device_receive(&dev, buf, size, &from);
	wg_device_send_ip(&dev, data, size);
	(void)wg_device_run_timers(&dev);
	wg_device_destroy(&dev);
	return 0;
}
