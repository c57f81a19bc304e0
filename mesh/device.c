/*
 * Device state: identity, peers, allowed IPs, and the timer sweep (see
 * device.h).  Peers are a list for iteration (timers, UAPI), and two hash
 * tables find them on the packet path: by receiver index and by key.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "device.h"
#include "error.h"

#define MS_PER_SEC 1000

int
wg_device_init(struct wg_device *dev, const struct wg_device_io *io)
{
	memset(dev, 0, sizeof(*dev));
	allowedips_init(&dev->allowed);
	wg_peertable_init(&dev->by_key);
	wg_peertable_init(&dev->by_index);
	dev->mtu = WG_DEFAULT_MTU;
	dev->io = *io;
	if ((dev->tx = calloc(WG_TX_BATCH, sizeof(*dev->tx))) == NULL)
		return MESH_ERR_NOMEM;
	return 0;
}

void
wg_device_destroy(struct wg_device *dev)
{
	struct wg_peer *p, *next;

	for (p = dev->peers; p; p = next) {
		next = p->next_peer;
		wg_peer_free(p);
	}
	dev->peers = NULL;
	allowedips_free(&dev->allowed);
	wg_peertable_free(&dev->by_key);
	wg_peertable_free(&dev->by_index);
	free(dev->tx);
	dev->tx = NULL;
	noise_identity_wipe(&dev->id);
	sodium_memzero(&dev->cookie, sizeof(dev->cookie));
}

int
wg_device_set_private_key(struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	struct wg_peer *p;
	int r;

	if ((r = noise_identity_set(&dev->id, key)) != 0)
		return r;
	cookie_checker_init(&dev->cookie, dev->id.public_key);
	for (p = dev->peers; p; p = p->next_peer) {
		/* sessions under the old key are void */
		wg_peer_zero_keys(p);
		(void)noise_handshake_init(&p->hs, &dev->id, p->public_key, p->psk);
	}
	return 0;
}

struct wg_peer *
wg_device_find_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	uint64_t h = wg_peertable_hash(&dev->by_key, key, WG_KEY_LEN);
	struct wg_peer *p;
	size_t cursor = 0;

	while ((p = wg_peertable_next(&dev->by_key, h, &cursor)) != NULL)
		if (sodium_memcmp(p->public_key, key, WG_KEY_LEN) == 0)
			return p;
	return NULL;
}

struct wg_peer *
wg_device_peer_by_index(struct wg_device *dev, uint32_t idx)
{
	size_t cursor = 0;

	/* wg_device_new_index keeps one entry per index */
	return wg_peertable_next(&dev->by_index, idx, &cursor);
}

/* Forget p's registered indices that neither its handshake nor a session uses. */
static void
prune_indices(struct wg_device *dev, struct wg_peer *p)
{
	unsigned i, kept = 0;

	for (i = 0; i < p->nindices; i++) {
		if (wg_peer_holds_index(p, p->indices[i]))
			p->indices[kept++] = p->indices[i];
		else
			(void)wg_peertable_remove(&dev->by_index, p->indices[i], p);
	}
	p->nindices = kept;
}

uint32_t
wg_device_new_index(struct wg_device *dev, struct wg_peer *p)
{
	uint32_t idx;

	prune_indices(dev, p);
	do
		idx = randombytes_random();
	while (idx == 0 || wg_device_peer_by_index(dev, idx) != NULL);
	/* a full list or no memory: the index works for sending, lookups drop its replies */
	if (p->nindices < WG_PEER_INDICES_MAX && wg_peertable_insert(&dev->by_index, idx, p) == 0)
		p->indices[p->nindices++] = idx;
	return idx;
}

struct wg_peer *
wg_device_add_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN])
{
	struct wg_peer *p = wg_device_find_peer(dev, key);

	if (p)
		return p;
	if (dev->id.has_private && sodium_memcmp(key, dev->id.public_key, WG_KEY_LEN) == 0)
		return NULL; /* ourselves */
	if ((p = wg_peer_new(key)) == NULL)
		return NULL;
	if (noise_handshake_init(&p->hs, &dev->id, key, NULL) != 0 ||
	    wg_peertable_insert(
		&dev->by_key, wg_peertable_hash(&dev->by_key, key, WG_KEY_LEN), p) != 0) {
		wg_peer_free(p);
		return NULL;
	}
	p->next_peer = dev->peers;
	dev->peers = p;
	dev->npeers++;
	return p;
}

void
wg_device_remove_peer(struct wg_device *dev, struct wg_peer *p)
{
	struct wg_peer **pp;
	unsigned i;

	for (pp = &dev->peers; *pp; pp = &(*pp)->next_peer)
		if (*pp == p) {
			*pp = p->next_peer;
			dev->npeers--;
			break;
		}
	allowedips_remove_peer(&dev->allowed, p);
	(void)wg_peertable_remove(
	    &dev->by_key, wg_peertable_hash(&dev->by_key, p->public_key, WG_KEY_LEN), p);
	for (i = 0; i < p->nindices; i++)
		(void)wg_peertable_remove(&dev->by_index, p->indices[i], p);
	wg_peer_free(p);
}

int
wg_device_set_psk(struct wg_device *dev, struct wg_peer *p, const uint8_t psk[WG_KEY_LEN])
{
	memcpy(p->psk, psk, WG_KEY_LEN);
	memcpy(p->hs.psk, psk, WG_KEY_LEN);
	(void)dev;
	return 0;
}

void
wg_device_set_keepalive(struct wg_device *dev, struct wg_peer *p, uint16_t seconds)
{
	bool was_off = p->persistent_keepalive_s == 0;

	p->persistent_keepalive_s = seconds;
	p->timers.persistent_interval_ms = (uint32_t)seconds * MS_PER_SEC;
	if (seconds == 0)
		p->timers.persistent_at = 0;
	else if (was_off && dev->id.has_private)
		wg_send_keepalive(dev, p); /* start talking now, as wg(8) documents */
}

uint64_t
wg_device_run_timers(struct wg_device *dev)
{
	uint64_t next = UINT64_MAX, n;
	struct wg_peer *p;
	unsigned fired;

	for (p = dev->peers; p; p = p->next_peer) {
		fired = timers_expire(&p->timers, dev->now_ms);
		if (fired & TIMER_RETRANSMIT_HANDSHAKE)
			wg_send_initiation(dev, p, true);
		if (fired & TIMER_GIVE_UP_HANDSHAKE)
			wg_peer_drop_staged(p);
		if (fired & (TIMER_SEND_KEEPALIVE | TIMER_PERSISTENT_KEEPALIVE))
			wg_send_keepalive(dev, p);
		if (fired & TIMER_NEW_HANDSHAKE)
			wg_send_initiation(dev, p, false);
		if (fired & TIMER_ZERO_KEYS)
			wg_peer_zero_keys(p);
		if ((n = timers_next(&p->timers)) < next)
			next = n;
	}
	return next;
}
