/*
 * The receiving half: every datagram from the UDP socket is classified by
 * type and exact length, handshake messages must carry a valid mac1 (and,
 * under load, mac2), transport data must authenticate, pass the replay
 * window, and carry an inner source address that cryptokey routing assigns
 * to the very peer whose key decrypted it.  Anything else is dropped and
 * counted.  Decryption happens in place.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "device.h"
#include "log.h"

#define IPV4_HEADER_LEN	     20
#define IPV6_HEADER_LEN	     40
#define IPV4_OFF_TOTLEN	     2
#define IPV4_OFF_SRC	     12
#define IPV4_OFF_DST	     16
#define IPV6_OFF_PAYLOAD_LEN 4
#define IPV6_OFF_SRC	     8
#define IPV6_OFF_DST	     24
#define MS_PER_SEC	     1000

int
wg_ip_addr(const uint8_t *pkt, size_t len, bool source, const uint8_t **addr)
{
	if (len >= IPV4_HEADER_LEN && pkt[0] >> 4 == 4) {
		*addr = pkt + (source ? IPV4_OFF_SRC : IPV4_OFF_DST);
		return AF_INET;
	}
	if (len >= IPV6_HEADER_LEN && pkt[0] >> 4 == 6) {
		*addr = pkt + (source ? IPV6_OFF_SRC : IPV6_OFF_DST);
		return AF_INET6;
	}
	return 0;
}

size_t
wg_ip_len(const uint8_t *pkt, size_t len)
{
	size_t n;

	if (len >= IPV4_HEADER_LEN && pkt[0] >> 4 == 4)
		n = (size_t)pkt[IPV4_OFF_TOTLEN] << 8 | pkt[IPV4_OFF_TOTLEN + 1];
	else if (len >= IPV6_HEADER_LEN && pkt[0] >> 4 == 6)
		n = IPV6_HEADER_LEN +
		    ((size_t)pkt[IPV6_OFF_PAYLOAD_LEN] << 8 | pkt[IPV6_OFF_PAYLOAD_LEN + 1]);
	else
		return 0;
	return n <= len && n >= IPV4_HEADER_LEN ? n : 0;
}

/* Count handshakes per second; above the threshold we want cookies for a while. */
static bool
under_load(struct wg_device *dev)
{
	if (dev->now_ms - dev->load_window_start_ms >= MS_PER_SEC) {
		dev->load_window_start_ms = dev->now_ms;
		dev->load_count = 0;
	}
	if (++dev->load_count > WG_UNDER_LOAD_HANDSHAKES_PER_SEC)
		dev->load_last_busy_ms = dev->now_ms;
	return dev->force_under_load ||
	    (dev->load_last_busy_ms &&
		dev->now_ms - dev->load_last_busy_ms < WG_UNDER_LOAD_HOLD_MS);
}

/* mac1 must be valid; under load mac2 too, else a cookie reply.  true: go on. */
static bool
check_macs(struct wg_device *dev, const uint8_t *buf, size_t len, const struct wg_endpoint *from)
{
	uint8_t src[COOKIE_SOURCE_MAX];
	size_t srclen = wg_endpoint_cookie_source(from, src);
	enum cookie_result r;

	r = cookie_validate(&dev->cookie, buf, len, src, srclen, dev->now_ms);
	if (r == COOKIE_MAC1_BAD) {
		dev->stats.rx_dropped_bad_mac++;
		return false;
	}
	if (under_load(dev) && r != COOKIE_MAC2_OK) {
		wg_send_cookie_reply(dev, buf, len, from);
		return false;
	}
	return true;
}

static void
receive_initiation(
    struct wg_device *dev, const uint8_t *buf, size_t len, const struct wg_endpoint *from)
{
	struct noise_initiation in;
	struct wg_peer *p;

	if (!check_macs(dev, buf, len, from))
		return;
	if (noise_consume_initiation(&dev->id, buf, len, &in) != 0) {
		dev->stats.rx_dropped_auth++;
		return;
	}
	if ((p = wg_device_find_peer(dev, in.remote_static)) == NULL) {
		dev->stats.rx_dropped_unknown++;
		goto out;
	}
	if (noise_handshake_accept_initiation(&p->hs, &in) != 0) {
		dev->stats.rx_dropped_replay++;
		goto out;
	}
	p->endpoint = *from;
	p->rx_bytes += len;
	timers_any_packet_received(&p->timers);
	timers_any_packet_traversal(&p->timers, dev->now_ms);
	wg_send_response(dev, p);
out:
	sodium_memzero(&in, sizeof(in));
}

static void
handshake_done(struct wg_device *dev, struct wg_peer *p)
{
	timers_handshake_complete(&p->timers);
	p->last_handshake = dev->now_wall;
	p->sent_lastminute_handshake = false;
}

static void
receive_response(
    struct wg_device *dev, const uint8_t *buf, size_t len, const struct wg_endpoint *from)
{
	uint32_t idx = wg_get_le32(buf + WG_RESP_OFF_RECEIVER);
	struct noise_keypair kp;
	struct wg_peer *p;

	if (!check_macs(dev, buf, len, from))
		return;
	p = wg_device_peer_by_index(dev, idx);
	if (p == NULL || p->hs.state != NOISE_HS_CREATED_INITIATION || p->hs.local_index != idx) {
		dev->stats.rx_dropped_unknown++;
		return;
	}
	if (noise_consume_response(&p->hs, &dev->id, buf, len) != 0 ||
	    noise_begin_session(&p->hs, &kp, dev->now_ms) != 0) {
		dev->stats.rx_dropped_auth++;
		return;
	}
	wg_peer_install_session(p, &kp);
	noise_keypair_wipe(&kp);
	dev->stats.handshakes++;
	p->endpoint = *from;
	p->rx_bytes += len;
	timers_any_packet_received(&p->timers);
	timers_any_packet_traversal(&p->timers, dev->now_ms);
	handshake_done(dev, p);
	timers_session_derived(&p->timers, dev->now_ms);
	wg_send_staged(dev, p, true);
}

static void
receive_cookie_reply(struct wg_device *dev, const uint8_t *buf, size_t len)
{
	uint32_t idx = wg_get_le32(buf + WG_COOKIE_OFF_RECEIVER);
	struct wg_peer *p;

	p = wg_device_peer_by_index(dev, idx);
	if (p && (p->hs.local_index != idx || p->hs.state == NOISE_HS_ZEROED))
		p = NULL;
	if (p == NULL || cookie_consume_reply(&p->cookie, buf, len, dev->now_ms) != 0)
		dev->stats.rx_dropped_auth++;
}

static struct noise_keypair *
find_keypair(struct wg_device *dev, uint32_t idx, struct wg_peer **peer)
{
	struct wg_peer *p = wg_device_peer_by_index(dev, idx);

	if ((*peer = p) == NULL)
		return NULL;
	if (p->current.valid && p->current.local_index == idx)
		return &p->current;
	if (p->next.valid && p->next.local_index == idx)
		return &p->next;
	if (p->previous.valid && p->previous.local_index == idx)
		return &p->previous;
	return NULL;
}

/* Initiator side of "keep keys fresh" on receive: rekey before the session dies. */
static void
keep_key_fresh_receive(struct wg_device *dev, struct wg_peer *p)
{
	const struct noise_keypair *kp = &p->current;
	uint64_t limit =
	    timers_scaled(WG_REJECT_AFTER_TIME_MS - WG_KEEPALIVE_TIMEOUT_MS - WG_REKEY_TIMEOUT_MS);

	if (kp->valid && kp->initiator && !p->sent_lastminute_handshake &&
	    dev->now_ms - kp->birth_ms > limit) {
		p->sent_lastminute_handshake = true;
		wg_send_initiation(dev, p, false);
	}
}

static void
receive_data(struct wg_device *dev, uint8_t *buf, size_t len, const struct wg_endpoint *from)
{
	struct noise_keypair *kp;
	struct wg_peer *p = NULL;
	uint8_t *plain = buf + WG_DATA_HEADER_LEN;
	const uint8_t *src;
	size_t plen, iplen;
	int family;

	kp = find_keypair(dev, wg_get_le32(buf + WG_DATA_OFF_RECEIVER), &p);
	if (kp == NULL) {
		dev->stats.rx_dropped_unknown++;
		return;
	}
	if (dev->now_ms - kp->birth_ms >= timers_scaled(WG_REJECT_AFTER_TIME_MS) ||
	    noise_open(kp->recv_key, buf, len, plain, &plen) != 0) {
		dev->stats.rx_dropped_auth++;
		return;
	}
	if (!replay_validate(&kp->replay, wg_get_le64(buf + WG_DATA_OFF_COUNTER))) {
		dev->stats.rx_dropped_replay++;
		return;
	}
	if (kp == &p->next) {
		wg_peer_confirm_next(p);
		handshake_done(dev, p);
		wg_send_staged(dev, p, false);
	}
	p->endpoint = *from; /* roaming: the last authenticated source wins */
	p->rx_bytes += len;
	keep_key_fresh_receive(dev, p);
	timers_any_packet_received(&p->timers);
	timers_any_packet_traversal(&p->timers, dev->now_ms);
	if (plen == 0)
		return; /* keepalive */
	if ((iplen = wg_ip_len(plain, plen)) == 0 ||
	    (family = wg_ip_addr(plain, iplen, true, &src)) == 0 ||
	    allowedips_lookup(&dev->allowed, family, src) != p) {
		dev->stats.rx_dropped_source++;
		return;
	}
	dev->io.tun_write(dev, plain, iplen);
	timers_data_received(&p->timers, dev->now_ms);
}

void
wg_device_receive(struct wg_device *dev, uint8_t *buf, size_t len, const struct wg_endpoint *from)
{
	if (len < 4 || !dev->id.has_private)
		return;
	switch (wg_get_le32(buf)) {
	case WG_MSG_INITIATION:
		if (len == WG_INIT_LEN)
			receive_initiation(dev, buf, len, from);
		return;
	case WG_MSG_RESPONSE:
		if (len == WG_RESP_LEN)
			receive_response(dev, buf, len, from);
		return;
	case WG_MSG_COOKIE_REPLY:
		if (len == WG_COOKIE_LEN)
			receive_cookie_reply(dev, buf, len);
		return;
	case WG_MSG_TRANSPORT:
		if (len >= WG_DATA_MIN_LEN)
			receive_data(dev, buf, len, from);
		return;
	default:
		dev->stats.rx_dropped_unknown++;
	}
}
