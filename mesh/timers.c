/*
 * Per-peer timers (see timers.h).  A deadline of 0 means "not armed".
 */
#include "config.h"

#include <string.h>

#include "messages.h"
#include "timers.h"

static unsigned timers_divisor = 1;

uint64_t
timers_scaled(uint64_t ms)
{
	return ms / timers_divisor;
}

void
timers_set_test_divisor(unsigned d)
{
#ifdef MESH_TEST_BUILD
	timers_divisor = d ? d : 1;
#else
	(void)d;
#endif
}

void
timers_init(struct wg_timers *t, uint32_t persistent_interval_ms)
{
	memset(t, 0, sizeof(*t));
	t->persistent_interval_ms = persistent_interval_ms;
}

void
timers_data_sent(struct wg_timers *t, uint64_t now, uint32_t jitter_ms)
{
	if (t->new_handshake_at == 0)
		t->new_handshake_at =
		    now + timers_scaled(WG_KEEPALIVE_TIMEOUT_MS + WG_REKEY_TIMEOUT_MS) + jitter_ms;
}

void
timers_data_received(struct wg_timers *t, uint64_t now)
{
	if (t->keepalive_at == 0)
		t->keepalive_at = now + timers_scaled(WG_KEEPALIVE_TIMEOUT_MS);
	else
		t->need_another_keepalive = true;
}

void
timers_any_packet_sent(struct wg_timers *t)
{
	t->keepalive_at = 0;
}

void
timers_any_packet_received(struct wg_timers *t)
{
	t->new_handshake_at = 0;
}

void
timers_any_packet_traversal(struct wg_timers *t, uint64_t now)
{
	if (t->persistent_interval_ms)
		t->persistent_at = now + t->persistent_interval_ms;
}

void
timers_handshake_initiated(struct wg_timers *t, uint64_t now, uint32_t jitter_ms)
{
	t->retransmit_at = now + timers_scaled(WG_REKEY_TIMEOUT_MS) + jitter_ms;
}

void
timers_handshake_complete(struct wg_timers *t)
{
	t->retransmit_at = 0;
	t->handshake_attempts = 0;
}

void
timers_session_derived(struct wg_timers *t, uint64_t now)
{
	t->zero_keys_at = now + timers_scaled(WG_ZERO_KEYS_AFTER_MS);
}

void
timers_stop(struct wg_timers *t)
{
	t->retransmit_at = t->keepalive_at = t->new_handshake_at = 0;
	t->zero_keys_at = t->persistent_at = 0;
	t->handshake_attempts = 0;
	t->need_another_keepalive = false;
}

static uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

uint64_t
timers_next(const struct wg_timers *t)
{
	uint64_t n = earliest(earliest(t->retransmit_at, t->keepalive_at),
	    earliest(earliest(t->new_handshake_at, t->zero_keys_at), t->persistent_at));

	return n ? n : UINT64_MAX;
}

static bool
due(uint64_t *at, uint64_t now)
{
	if (*at == 0 || *at > now)
		return false;
	*at = 0;
	return true;
}

unsigned
timers_expire(struct wg_timers *t, uint64_t now)
{
	unsigned fired = 0;

	if (due(&t->retransmit_at, now)) {
		if (t->handshake_attempts >= WG_MAX_TIMER_HANDSHAKES) {
			fired |= TIMER_GIVE_UP_HANDSHAKE;
			t->keepalive_at = 0;
			t->handshake_attempts = 0;
			if (t->zero_keys_at == 0)
				t->zero_keys_at = now + timers_scaled(WG_ZERO_KEYS_AFTER_MS);
		} else {
			t->handshake_attempts++;
			fired |= TIMER_RETRANSMIT_HANDSHAKE;
		}
	}
	if (due(&t->keepalive_at, now)) {
		fired |= TIMER_SEND_KEEPALIVE;
		if (t->need_another_keepalive) {
			t->need_another_keepalive = false;
			t->keepalive_at = now + timers_scaled(WG_KEEPALIVE_TIMEOUT_MS);
		}
	}
	if (due(&t->new_handshake_at, now))
		fired |= TIMER_NEW_HANDSHAKE;
	if (due(&t->zero_keys_at, now))
		fired |= TIMER_ZERO_KEYS;
	if (due(&t->persistent_at, now))
		fired |= TIMER_PERSISTENT_KEEPALIVE;
	return fired;
}
