/*
 * The WireGuard protocol's constants and wire formats, by name and unit.
 * Every number meshd uses in protocol logic is here; the values are the
 * whitepaper's (section 6, "Timers & Stateless UX") and must not change or
 * meshd stops interoperating.  A test build (MESH_TEST_BUILD) may shorten the
 * rekey timers through mesh_timers_scale so a rekey test runs in seconds.
 *
 * Messages are parsed and built through explicit offsets (little-endian
 * fields), never by casting packed structs over network bytes.
 */
#ifndef MESH_MESSAGES_H
#define MESH_MESSAGES_H

#include <stdint.h>

#define WG_KEY_LEN	    32 /* X25519 keys, symmetric keys, hashes */
#define WG_HASH_LEN	    32 /* BLAKE2s-256 */
#define WG_MAC_LEN	    16 /* keyed BLAKE2s-128 (mac1, mac2, cookie) */
#define WG_AEAD_TAG_LEN	    16 /* Poly1305 */
#define WG_TIMESTAMP_LEN    12 /* TAI64N */
#define WG_COOKIE_NONCE_LEN 24 /* XChaCha20-Poly1305 */

#define WG_CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define WG_IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define WG_LABEL_MAC1	"mac1----"
#define WG_LABEL_COOKIE "cookie--"

/* Message types (first byte; the next three are zero). */
enum wg_message_type {
	WG_MSG_INITIATION = 1,
	WG_MSG_RESPONSE = 2,
	WG_MSG_COOKIE_REPLY = 3,
	WG_MSG_TRANSPORT = 4,
};

/* Handshake initiation: type, sender, ephemeral, static, timestamp, mac1, mac2. */
#define WG_INIT_OFF_SENDER    4
#define WG_INIT_OFF_EPHEMERAL 8
#define WG_INIT_OFF_STATIC    40
#define WG_INIT_OFF_TIMESTAMP 88  /* 40 + 32 + 16 */
#define WG_INIT_OFF_MAC1      116 /* 88 + 12 + 16 */
#define WG_INIT_OFF_MAC2      132
#define WG_INIT_LEN	      148

/* Handshake response: type, sender, receiver, ephemeral, empty, mac1, mac2. */
#define WG_RESP_OFF_SENDER    4
#define WG_RESP_OFF_RECEIVER  8
#define WG_RESP_OFF_EPHEMERAL 12
#define WG_RESP_OFF_EMPTY     44
#define WG_RESP_OFF_MAC1      60
#define WG_RESP_OFF_MAC2      76
#define WG_RESP_LEN	      92

/* Cookie reply: type, receiver, nonce, encrypted cookie. */
#define WG_COOKIE_OFF_RECEIVER 4
#define WG_COOKIE_OFF_NONCE    8
#define WG_COOKIE_OFF_COOKIE   32
#define WG_COOKIE_LEN	       64

/* Transport data: type, receiver, counter, encrypted packet. */
#define WG_DATA_OFF_RECEIVER 4
#define WG_DATA_OFF_COUNTER  8
#define WG_DATA_OFF_PAYLOAD  16
#define WG_DATA_HEADER_LEN   16
#define WG_DATA_MIN_LEN	     (WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN) /* a keepalive */
#define WG_DATA_OVERHEAD     (WG_DATA_HEADER_LEN + WG_AEAD_TAG_LEN)
#define WG_PADDING_MULTIPLE  16 /* plaintext is padded to a multiple of this */

/* Counters. */
#define WG_REKEY_AFTER_MESSAGES	 (UINT64_C(1) << 60)
#define WG_REJECT_AFTER_MESSAGES (UINT64_MAX - (UINT64_C(1) << 13))
#define WG_REPLAY_WINDOW_BITS	 2048 /* counters older than this are refused */

/* Times, in milliseconds. */
#define WG_REKEY_AFTER_TIME_MS		120000
#define WG_REJECT_AFTER_TIME_MS		180000
#define WG_REKEY_ATTEMPT_TIME_MS	90000
#define WG_REKEY_TIMEOUT_MS		5000
#define WG_KEEPALIVE_TIMEOUT_MS		10000
#define WG_COOKIE_REFRESH_TIME_MS	120000
#define WG_REKEY_TIMEOUT_JITTER_MAX_MS	334 /* retries are spread over [0, this) */
#define WG_MAX_TIMER_HANDSHAKES		(WG_REKEY_ATTEMPT_TIME_MS / WG_REKEY_TIMEOUT_MS)
#define WG_HANDSHAKE_INITIATION_RATE_MS 50 /* at most one initiation per peer per 50 ms */
#define WG_ZERO_KEYS_AFTER_MS		(WG_REJECT_AFTER_TIME_MS * 3)

/* Load: more handshakes per second than this and mac2 (a cookie) is required. */
#define WG_UNDER_LOAD_HANDSHAKES_PER_SEC 500
#define WG_UNDER_LOAD_HOLD_MS		 1000 /* stay under load this long after the last burst */

/* Data plane sizes. */
#define WG_DEFAULT_MTU	1420
#define WG_MAX_PACKET	65535
#define WG_DEFAULT_PORT 51820

/* Little-endian field helpers; the protocol's integers are all little-endian. */
static inline uint32_t
wg_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void
wg_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint64_t
wg_get_le64(const uint8_t *p)
{
	return (uint64_t)wg_get_le32(p) | (uint64_t)wg_get_le32(p + 4) << 32;
}

static inline void
wg_put_le64(uint8_t *p, uint64_t v)
{
	wg_put_le32(p, (uint32_t)v);
	wg_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* The message header: type byte and three reserved zero bytes. */
static inline void
wg_put_type(uint8_t *p, enum wg_message_type t)
{
	wg_put_le32(p, (uint32_t)t);
}

#endif
