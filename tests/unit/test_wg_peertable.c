/*
 * The peer lookup tables (mesh/peertable.c) and their use by the device:
 * the randomized self-test against a linear search, shared hashes, removal
 * in the middle of a probe run, and a device with many peers that finds
 * each by key and by the receiver index of its handshake.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "device.h"
#include "peertable.h"
#include "tap.h"

#define MANY_PEERS 1000

static void
noop_flush(struct wg_device *dev)
{
	dev->ntx = 0;
}

static void
noop_tun(struct wg_device *dev, const uint8_t *pkt, size_t len)
{
	(void)dev, (void)pkt, (void)len;
}

int
main(void)
{
	struct wg_device_io io = {noop_flush, noop_tun, NULL};
	static struct wg_device dev;
	static uint8_t keys[MANY_PEERS][WG_KEY_LEN];
	static struct wg_peer *peers[MANY_PEERS];
	static uint32_t idx[MANY_PEERS];
	struct wg_peertable t;
	int a, b, c, i, ok_all;
	size_t cursor;
	void *v1, *v2, *v3;

	if (sodium_init() < 0)
		return 1;
	is_int(wg_peertable_selftest(), 0, "randomized self-test against a linear search");

	wg_peertable_init(&t);
	ok(wg_peertable_next(&t, 7, &(size_t){0}) == NULL, "an empty table finds nothing");
	/* three entries under one hash, one in the middle removed */
	ok(wg_peertable_insert(&t, 7, &a) == 0 && wg_peertable_insert(&t, 7, &b) == 0 &&
		wg_peertable_insert(&t, 7 + WG_PEERTABLE_MIN_SLOTS, &c) == 0,
	    "insert three entries into one probe run");
	ok(wg_peertable_remove(&t, 7, &a), "remove the first of the run");
	cursor = 0;
	v1 = wg_peertable_next(&t, 7, &cursor);
	v2 = wg_peertable_next(&t, 7, &cursor);
	ok(v1 == &b && v2 == NULL, "the rest of the run is still found under its hash");
	cursor = 0;
	v3 = wg_peertable_next(&t, 7 + WG_PEERTABLE_MIN_SLOTS, &cursor);
	ok(v3 == &c, "an entry displaced into the run is found after the removal");
	ok(!wg_peertable_remove(&t, 7, &a), "removing twice finds nothing");
	ok(wg_peertable_insert(&t, 1, NULL) != 0, "a NULL value is refused");
	wg_peertable_free(&t);

	/* a device with many peers */
	ok(wg_device_init(&dev, &io) == 0, "device init");
	for (i = 0, ok_all = 1; i < MANY_PEERS; i++) {
		randombytes_buf(keys[i], WG_KEY_LEN);
		if ((peers[i] = wg_device_add_peer(&dev, keys[i])) == NULL)
			ok_all = 0;
	}
	ok(ok_all && dev.npeers == MANY_PEERS, "1000 peers added");
	for (i = 0, ok_all = 1; i < MANY_PEERS; i++)
		if (wg_device_find_peer(&dev, keys[i]) != peers[i] ||
		    wg_device_add_peer(&dev, keys[i]) != peers[i])
			ok_all = 0;
	ok(ok_all, "each is found by its key, and adding it again returns it");
	for (i = 0, ok_all = 1; i < MANY_PEERS; i++) {
		idx[i] = wg_device_new_index(&dev, peers[i]);
		peers[i]->hs.local_index = idx[i]; /* as noise_create_initiation does */
	}
	for (i = 0; i < MANY_PEERS; i++)
		if (wg_device_peer_by_index(&dev, idx[i]) != peers[i])
			ok_all = 0;
	ok(ok_all, "each is found by its receiver index");
	for (i = 0, ok_all = 1; i < 50; i++) {
		uint32_t again = wg_device_new_index(&dev, peers[0]);

		peers[0]->hs.local_index = again;
		if (peers[0]->nindices > 2)
			ok_all = 0;
	}
	ok(ok_all, "a peer's indices no longer in use are pruned as new ones are made");
	ok(wg_device_peer_by_index(&dev, idx[0]) == NULL, "an old handshake's index is forgotten");
	for (i = 0; i < MANY_PEERS; i += 2)
		wg_device_remove_peer(&dev, peers[i]);
	for (i = 0, ok_all = 1; i < MANY_PEERS; i++) {
		struct wg_peer *want = i % 2 ? peers[i] : NULL;

		if (wg_device_find_peer(&dev, keys[i]) != want ||
		    (i > 0 && wg_device_peer_by_index(&dev, idx[i]) != want))
			ok_all = 0;
	}
	ok(ok_all, "after removing half, the removed are gone by key and index, the rest found");
	is_int((int)dev.by_key.n, MANY_PEERS / 2, "the key table holds one entry per peer");
	wg_device_destroy(&dev);
	return tap_done();
}
