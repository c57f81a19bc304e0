/*
 * WireGuard's per-peer timers (whitepaper 6.2-6.5) as a pure state machine:
 * protocol events move deadlines, and timers_expire() reports which timers
 * ran out at a given time.  No clock reads, no I/O; the jitter for handshake
 * retries is a parameter.  The device turns expirations into actions.
 *
 *   retransmit_handshake  REKEY_TIMEOUT (+jitter) after an initiation with no
 *                         response: send another, give up after
 *                         REKEY_ATTEMPT_TIME
 *   send_keepalive        KEEPALIVE_TIMEOUT after receiving data when we sent
 *                         nothing back
 *   new_handshake         KEEPALIVE + REKEY_TIMEOUT after sending data when
 *                         nothing came back
 *   zero_keys             3 * REJECT_AFTER_TIME after the last session began
 *   persistent_keepalive  every N seconds of silence, if configured
 *
 * A test build (MESH_TEST_BUILD) can divide all of these by
 * timers_test_divisor (env MESHD_TEST_TIMER_DIVISOR) so a rekey test runs in
 * seconds; release builds always use the protocol's values.
 */
#ifndef MESH_TIMERS_H
#define MESH_TIMERS_H

#include <stdbool.h>
#include <stdint.h>

enum timers_kind {
	TIMER_RETRANSMIT_HANDSHAKE = 1 << 0,
	TIMER_SEND_KEEPALIVE = 1 << 1,
	TIMER_NEW_HANDSHAKE = 1 << 2,
	TIMER_ZERO_KEYS = 1 << 3,
	TIMER_PERSISTENT_KEEPALIVE = 1 << 4,
	TIMER_GIVE_UP_HANDSHAKE = 1 << 5, /* reported instead of a retransmit */
};

struct wg_timers {
	uint64_t retransmit_at, keepalive_at, new_handshake_at, zero_keys_at, persistent_at;
	unsigned handshake_attempts;
	bool need_another_keepalive;
	uint32_t persistent_interval_ms; /* 0: off */
};

/* A protocol time constant after the test divisor (identity in release builds). */
uint64_t timers_scaled(uint64_t ms);
/* Set the divisor (test builds only; ignored otherwise). */
void timers_set_test_divisor(unsigned d);

void timers_init(struct wg_timers *t, uint32_t persistent_interval_ms);
void timers_data_sent(struct wg_timers *t, uint64_t now, uint32_t jitter_ms);
void timers_data_received(struct wg_timers *t, uint64_t now);
void timers_any_packet_sent(struct wg_timers *t);
void timers_any_packet_received(struct wg_timers *t);
void timers_any_packet_traversal(struct wg_timers *t, uint64_t now);
void timers_handshake_initiated(struct wg_timers *t, uint64_t now, uint32_t jitter_ms);
void timers_handshake_complete(struct wg_timers *t);
void timers_session_derived(struct wg_timers *t, uint64_t now);
/* Stop every timer (peer removed or keys zeroed). */
void timers_stop(struct wg_timers *t);
/* Earliest deadline, or UINT64_MAX if none. */
uint64_t timers_next(const struct wg_timers *t);
/*
 * Which timers expired at now (a mask of enum timers_kind).  Expired timers
 * are disarmed; a retransmit counts an attempt, or becomes GIVE_UP after
 * WG_MAX_TIMER_HANDSHAKES.  A re-armed keepalive is handled here too.
 */
unsigned timers_expire(struct wg_timers *t, uint64_t now);

#endif
