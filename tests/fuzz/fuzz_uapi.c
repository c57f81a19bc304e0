/*
 * Fuzz target for meshd's UAPI "set" parser (mesh/uapi.c): any bytes as the
 * body of a set=1 request, applied to a device that holds a private key and
 * one peer, followed by a get=1 rendering.  The listen-port hook is a stub,
 * so nothing here touches a socket.  Invariants: the device stays
 * consistent (the peer count matches the list) and get always renders.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "daemon.h"
#include "fuzz_wg_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* meshd's real one rebinds the UDP socket; the parser only needs the value. */
int
meshd_set_listen_port(struct meshd *d, uint16_t port)
{
	d->dev.listen_port = port;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct meshd d;
	uint8_t key[WG_KEY_LEN];
	const uint8_t net[4] = {10, 0, 0, 0};
	struct wg_peer *p;
	size_t n = 0;
	char *get;

	if (sodium_init() < 0)
		return 0;
	memset(&d, 0, sizeof(d));
	if (wg_device_init(&d.dev, &fuzz_wg_io) != 0)
		return 0;
	memset(key, 1, sizeof(key));
	(void)wg_device_set_private_key(&d.dev, key);
	memset(key, 9, sizeof(key));
	if ((p = wg_device_add_peer(&d.dev, key)) != NULL)
		(void)allowedips_insert(&d.dev.allowed, AF_INET, net, 8, p);
	(void)uapi_set(&d, (const char *)data, size);
	for (p = d.dev.peers; p != NULL; p = p->next_peer)
		n++;
	if (n != d.dev.npeers)
		abort();
	if ((get = uapi_get(&d)) == NULL || strstr(get, "errno=0\n\n") == NULL)
		abort();
	free(get);
	wg_device_destroy(&d.dev);
	return 0;
}
