/*
 * The receive-side replay window for transport counters (RFC 6479 style, as
 * WireGuard uses it): a 2048-bit ring of 64-bit words; a counter is accepted
 * once, and only if it is not more than WG_REPLAY_WINDOW_BITS - 64 behind the
 * highest accepted one.  Called only after a packet authenticated, so an
 * attacker cannot move the window.  Pure; self-test in replay_selftest().
 */
#ifndef MESH_REPLAY_H
#define MESH_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

#define REPLAY_WORD_BITS   64
#define REPLAY_WORDS	   (WG_REPLAY_WINDOW_BITS / REPLAY_WORD_BITS)
#define REPLAY_WINDOW_SIZE (WG_REPLAY_WINDOW_BITS - REPLAY_WORD_BITS) /* usable, in counters */

struct replay_window {
	uint64_t top; /* highest accepted counter + 1; 0 = none yet */
	uint64_t bits[REPLAY_WORDS];
};

void replay_init(struct replay_window *w);
/* Accept counter (true) and remember it, or refuse a replay / too old / too big. */
bool replay_validate(struct replay_window *w, uint64_t counter);
/* Exercise the window against its rules; returns 0 or the failing case number. */
int replay_selftest(void);

#endif
