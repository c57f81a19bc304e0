/*
 * A WireGuard peer: its static key, handshake, up to three sessions
 * (previous, current, next), endpoint, timers, counters and the packets
 * waiting for a handshake.  Session rotation follows the protocol: an
 * initiator uses a new session at once; a responder keeps it as "next" until
 * the initiator's first data packet confirms it.
 */
#ifndef MESH_PEER_H
#define MESH_PEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "cookie.h"
#include "messages.h"
#include "noise.h"
#include "timers.h"

#define WG_MAX_STAGED_PACKETS 128 /* packets queued per peer while no session */
/* receiver indices a peer can hold at once (handshake + three sessions) and one new */
#define WG_PEER_INDICES_MAX 8

struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t len; /* 0: unknown */
};

struct wg_staged {
	uint8_t *buf;
	size_t len;
};

struct wg_peer {
	struct wg_peer *next_peer;
	uint8_t public_key[WG_KEY_LEN];
	uint8_t psk[WG_KEY_LEN];
	struct noise_handshake hs;
	struct cookie_maker cookie;
	struct noise_keypair previous, current, next;
	struct wg_endpoint endpoint;
	struct wg_timers timers;
	uint16_t persistent_keepalive_s;
	uint64_t rx_bytes, tx_bytes;
	struct timespec last_handshake; /* wall clock, for UAPI */
	uint64_t last_initiation_ms;	/* monotonic; 0 = never */
	bool sent_lastminute_handshake;
	struct wg_staged staged[WG_MAX_STAGED_PACKETS];
	unsigned nstaged;
	bool in_netmap; /* mark for netmap reconciliation */
	/* receiver indices this peer registered in the device's index table */
	uint32_t indices[WG_PEER_INDICES_MAX];
	unsigned nindices;
};

struct wg_peer *wg_peer_new(const uint8_t public_key[WG_KEY_LEN]);
void wg_peer_free(struct wg_peer *p);
/* Install a new session: initiator -> current, responder -> next. */
void wg_peer_install_session(struct wg_peer *p, const struct noise_keypair *kp);
/* A packet arrived on "next": it becomes current. */
void wg_peer_confirm_next(struct wg_peer *p);
/* Does the handshake or a session of p use receiver index idx? */
bool wg_peer_holds_index(const struct wg_peer *p, uint32_t idx);
/* Wipe every session and the pending handshake. */
void wg_peer_zero_keys(struct wg_peer *p);
/* Queue a packet until a session exists (drops the oldest when full). */
int wg_peer_stage(struct wg_peer *p, const uint8_t *buf, size_t len);
void wg_peer_drop_staged(struct wg_peer *p);
/* Bytes of an endpoint for the cookie (address || port). */
size_t wg_endpoint_cookie_source(const struct wg_endpoint *e, uint8_t out[COOKIE_SOURCE_MAX]);
bool wg_endpoint_equal(const struct wg_endpoint *a, const struct wg_endpoint *b);
/* "192.0.2.1:51820" / "[2001:db8::1]:51820" */
const char *wg_endpoint_format(const struct wg_endpoint *e, char *buf, size_t len);
/* Parse the same forms (numeric only); 0 or MESH_ERR_PARSE. */
int wg_endpoint_parse(const char *s, struct wg_endpoint *e);

#endif
