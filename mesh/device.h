/*
 * A WireGuard device: our identity, the peers, cryptokey routing, and the
 * protocol logic between the TUN side (plaintext IP packets) and the UDP
 * side (WireGuard messages).  The protocol part (send.c, receive.c) sees the
 * world only through struct wg_device_io and dev->now_ms, so it runs
 * unchanged under the event loop (device.c), in unit tests and under the
 * fuzzer.  Single-threaded: the event loop owns the device.
 */
#ifndef MESH_DEVICE_H
#define MESH_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "allowedips.h"
#include "cookie.h"
#include "noise.h"
#include "peer.h"
#include "peertable.h"

#define WG_TX_BATCH    64   /* datagrams per sendmmsg */
#define WG_TX_SLOT_LEN 2048 /* one encrypted datagram (MTU <= WG_MAX_MTU) */
#define WG_MAX_MTU     (WG_TX_SLOT_LEN - WG_DATA_OVERHEAD - WG_PADDING_MULTIPLE)
#define WG_MIN_MTU     576

struct wg_device;

/* Where the protocol's output goes. */
struct wg_device_io {
	/* Send the queued datagrams (dev->tx); the queue is empty afterwards. */
	void (*flush)(struct wg_device *dev);
	/* Deliver a decrypted, authenticated IP packet to the TUN side. */
	void (*tun_write)(struct wg_device *dev, const uint8_t *pkt, size_t len);
	void *ctx;
};

struct wg_tx_slot {
	struct wg_endpoint to;
	size_t len;
	uint8_t buf[WG_TX_SLOT_LEN];
};

struct wg_stats {
	uint64_t rx_dropped_bad_mac, rx_dropped_auth, rx_dropped_replay, rx_dropped_source;
	uint64_t rx_dropped_unknown, tx_dropped_no_peer, cookies_sent, handshakes;
};

struct wg_device {
	struct noise_identity id;
	struct cookie_checker cookie;
	struct wg_peer *peers;
	size_t npeers;
	struct wg_peertable by_key;   /* SipHash(public key) -> peer */
	struct wg_peertable by_index; /* receiver index -> peer */
	struct allowedips allowed;
	uint16_t listen_port;
	unsigned mtu;
	uint64_t now_ms;	  /* monotonic clock, set by the caller per event */
	struct timespec now_wall; /* wall clock, for TAI64N and UAPI */
	struct wg_tx_slot *tx;	  /* WG_TX_BATCH slots */
	size_t ntx;
	struct wg_device_io io;
	/* load estimate for cookies: handshakes in the current second */
	uint64_t load_window_start_ms, load_last_busy_ms;
	unsigned load_count;
	bool force_under_load; /* test knob */
	struct wg_stats stats;
};

int wg_device_init(struct wg_device *dev, const struct wg_device_io *io);
void wg_device_destroy(struct wg_device *dev);
int wg_device_set_private_key(struct wg_device *dev, const uint8_t key[WG_KEY_LEN]);

struct wg_peer *wg_device_find_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN]);
/* The peer that registered receiver index idx, or NULL (the caller checks what uses it). */
struct wg_peer *wg_device_peer_by_index(struct wg_device *dev, uint32_t idx);
/* A fresh random receiver index for p, unique on this device, registered. */
uint32_t wg_device_new_index(struct wg_device *dev, struct wg_peer *p);
/* Add (or return the existing) peer. */
struct wg_peer *wg_device_add_peer(struct wg_device *dev, const uint8_t key[WG_KEY_LEN]);
void wg_device_remove_peer(struct wg_device *dev, struct wg_peer *p);
int wg_device_set_psk(struct wg_device *dev, struct wg_peer *p, const uint8_t psk[WG_KEY_LEN]);
void wg_device_set_keepalive(struct wg_device *dev, struct wg_peer *p, uint16_t seconds);

/* A packet from the TUN side: encrypt to its peer or stage it for a handshake. */
void wg_device_send_ip(struct wg_device *dev, const uint8_t *pkt, size_t len);
/* A datagram from the UDP side (decrypted in place). */
void wg_device_receive(
    struct wg_device *dev, uint8_t *buf, size_t len, const struct wg_endpoint *from);
/* Run expired timers; returns the next deadline (UINT64_MAX if none). */
uint64_t wg_device_run_timers(struct wg_device *dev);

/* Internal to send.c/receive.c. */
uint8_t *wg_device_tx_slot(struct wg_device *dev, const struct wg_endpoint *to);
void wg_device_tx_commit(struct wg_device *dev, size_t len);
void wg_send_initiation(struct wg_device *dev, struct wg_peer *p, bool is_retry);
void wg_send_keepalive(struct wg_device *dev, struct wg_peer *p);
/* Send queued packets; with none queued, a keepalive if asked (confirms a new session). */
void wg_send_staged(struct wg_device *dev, struct wg_peer *p, bool keepalive_if_empty);
void wg_send_response(struct wg_device *dev, struct wg_peer *p);
void wg_send_cookie_reply(
    struct wg_device *dev, const uint8_t *msg, size_t len, const struct wg_endpoint *to);
/* Inner IP source or destination address: family and pointer into pkt, or 0. */
int wg_ip_addr(const uint8_t *pkt, size_t len, bool source, const uint8_t **addr);
/* Length of the IP packet per its header (without WireGuard padding), or 0. */
size_t wg_ip_len(const uint8_t *pkt, size_t len);

#endif
