/*
 * The sending half of the protocol: handshake initiations and responses,
 * cookie replies, transport data and keepalives.  Output goes to the
 * device's transmit batch; encryption happens in place in the batch slot,
 * so a packet is copied once (from the TUN buffer into the slot).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "device.h"
#include "log.h"
#include "tai64n.h"

static uint32_t
send_jitter(void)
{
	return randombytes_uniform(WG_REKEY_TIMEOUT_JITTER_MAX_MS);
}

uint8_t *
wg_device_tx_slot(struct wg_device *dev, const struct wg_endpoint *to)
{
	if (dev->ntx == WG_TX_BATCH)
		dev->io.flush(dev);
	dev->tx[dev->ntx].to = *to;
	return dev->tx[dev->ntx].buf;
}

void
wg_device_tx_commit(struct wg_device *dev, size_t len)
{
	dev->tx[dev->ntx].len = len;
	dev->ntx++;
}

void
wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool is_retry)
{
	uint8_t eph[WG_KEY_LEN], ts[WG_TIMESTAMP_LEN], *msg;

	if (!dev->id.has_private || p->endpoint.len == 0)
		return;
	if (p->last_initiation_ms &&
	    dev->now_ms - p->last_initiation_ms < timers_scaled(WG_REKEY_TIMEOUT_MS))
		return; /* one initiation per REKEY_TIMEOUT */
	if (!is_retry)
		p->timers.handshake_attempts = 0;
	p->last_initiation_ms = dev->now_ms;
	randombytes_buf(eph, sizeof(eph));
	tai64n_from_unix(ts, dev->now_wall.tv_sec, (uint32_t)dev->now_wall.tv_nsec);
	msg = wg_device_tx_slot(dev, &p->endpoint);
	if (noise_create_initiation(&p->hs, &dev->id, ts, eph, wg_device_new_index(dev, p), msg) ==
	    0) {
		cookie_add_macs(&p->cookie, msg, WG_INIT_LEN, dev->now_ms);
		wg_device_tx_commit(dev, WG_INIT_LEN);
		p->tx_bytes += WG_INIT_LEN;
		timers_any_packet_traversal(&p->timers, dev->now_ms);
		timers_any_packet_sent(&p->timers);
		timers_handshake_initiated(&p->timers, dev->now_ms, send_jitter());
	}
	sodium_memzero(eph, sizeof(eph));
}

void
wg_send_response(struct wg_device *dev, struct wg_peer *p)
{
	uint8_t eph[WG_KEY_LEN], *msg;
	struct noise_keypair kp;

	randombytes_buf(eph, sizeof(eph));
	msg = wg_device_tx_slot(dev, &p->endpoint);
	if (noise_create_response(&p->hs, eph, wg_device_new_index(dev, p), msg) != 0)
		goto out;
	cookie_add_macs(&p->cookie, msg, WG_RESP_LEN, dev->now_ms);
	if (noise_begin_session(&p->hs, &kp, dev->now_ms) != 0)
		goto out;
	wg_peer_install_session(p, &kp);
	noise_keypair_wipe(&kp);
	wg_device_tx_commit(dev, WG_RESP_LEN);
	p->tx_bytes += WG_RESP_LEN;
	dev->stats.handshakes++;
	timers_any_packet_traversal(&p->timers, dev->now_ms);
	timers_any_packet_sent(&p->timers);
	timers_session_derived(&p->timers, dev->now_ms);
out:
	sodium_memzero(eph, sizeof(eph));
}

void
wg_send_cookie_reply(
    struct wg_device *dev, const uint8_t *msg, size_t len, const struct wg_endpoint *to)
{
	uint8_t nonce[WG_COOKIE_NONCE_LEN], secret[WG_HASH_LEN], src[COOKIE_SOURCE_MAX], *out;
	size_t srclen = wg_endpoint_cookie_source(to, src);

	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(secret, sizeof(secret));
	out = wg_device_tx_slot(dev, to);
	if (cookie_create_reply(
		&dev->cookie, msg, len, src, srclen, nonce, secret, dev->now_ms, out) == 0) {
		wg_device_tx_commit(dev, WG_COOKIE_LEN);
		dev->stats.cookies_sent++;
	}
	sodium_memzero(secret, sizeof(secret));
}

static bool
keypair_usable(const struct wg_device *dev, const struct noise_keypair *kp)
{
	return kp->valid && dev->now_ms - kp->birth_ms < timers_scaled(WG_REJECT_AFTER_TIME_MS) &&
	    kp->send_counter < WG_REJECT_AFTER_MESSAGES;
}

/* Initiator side of "keep keys fresh": rekey after time or messages. */
static void
keep_key_fresh_send(struct wg_device *dev, struct wg_peer *p)
{
	const struct noise_keypair *kp = &p->current;

	if (kp->valid && kp->initiator &&
	    (kp->send_counter > WG_REKEY_AFTER_MESSAGES ||
		dev->now_ms - kp->birth_ms > timers_scaled(WG_REKEY_AFTER_TIME_MS)))
		wg_send_initiation(dev, p, false);
}

/* Encrypt one packet (len 0: keepalive) to p's current session; false if none. */
static bool
send_data(struct wg_device *dev, struct wg_peer *p, const uint8_t *pkt, size_t len)
{
	struct noise_keypair *kp = &p->current;
	size_t padded = len;
	uint8_t *msg;

	if (!keypair_usable(dev, kp) || p->endpoint.len == 0)
		return false;
	if (len <= dev->mtu) {
		padded = (len + WG_PADDING_MULTIPLE - 1) & ~(size_t)(WG_PADDING_MULTIPLE - 1);
		if (padded > dev->mtu)
			padded = dev->mtu;
	}
	if (padded + WG_DATA_OVERHEAD > WG_TX_SLOT_LEN)
		return true; /* larger than any MTU we allow: drop */
	msg = wg_device_tx_slot(dev, &p->endpoint);
	if (len)
		memcpy(msg + WG_DATA_HEADER_LEN, pkt, len);
	memset(msg + WG_DATA_HEADER_LEN + len, 0, padded - len);
	if (noise_seal(kp->send_key, kp->remote_index, kp->send_counter++, msg + WG_DATA_HEADER_LEN,
		padded, msg) != 0)
		return true;
	wg_device_tx_commit(dev, padded + WG_DATA_OVERHEAD);
	p->tx_bytes += padded + WG_DATA_OVERHEAD;
	timers_any_packet_traversal(&p->timers, dev->now_ms);
	timers_any_packet_sent(&p->timers);
	if (len)
		timers_data_sent(&p->timers, dev->now_ms, send_jitter());
	keep_key_fresh_send(dev, p);
	return true;
}

void
wg_send_keepalive(struct wg_device *dev, struct wg_peer *p)
{
	if (!send_data(dev, p, NULL, 0))
		wg_send_initiation(dev, p, false);
}

void
wg_send_staged(struct wg_device *dev, struct wg_peer *p, bool keepalive_if_empty)
{
	unsigned i;

	if (p->nstaged == 0) {
		if (keepalive_if_empty)
			(void)send_data(dev, p, NULL, 0);
		return;
	}
	if (!keypair_usable(dev, &p->current))
		return;
	for (i = 0; i < p->nstaged; i++)
		(void)send_data(dev, p, p->staged[i].buf, p->staged[i].len);
	wg_peer_drop_staged(p);
}

void
wg_device_send_ip(struct wg_device *dev, const uint8_t *pkt, size_t len)
{
	const uint8_t *dst;
	struct wg_peer *p;
	int family;

	if ((family = wg_ip_addr(pkt, len, false, &dst)) == 0 ||
	    (p = allowedips_lookup(&dev->allowed, family, dst)) == NULL) {
		dev->stats.tx_dropped_no_peer++;
		return;
	}
	if (send_data(dev, p, pkt, len))
		return;
	(void)wg_peer_stage(p, pkt, len);
	wg_send_initiation(dev, p, false);
}
