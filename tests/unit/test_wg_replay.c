/*
 * The replay window's self-test (the Linux counter cases) plus the
 * properties meshd relies on: one acceptance per counter, a window of
 * WG_REPLAY_WINDOW_BITS - 64, out-of-order delivery inside the window.
 */
#include "config.h"

#include "replay.h"
#include "tap.h"

int
main(void)
{
	struct replay_window w;
	uint64_t i;
	int accepted = 0;

	is_int(replay_selftest(), 0, "replay window self-test");
	replay_init(&w);
	ok(replay_validate(&w, 5000), "first counter");
	ok(!replay_validate(&w, 5000), "replay refused");
	ok(replay_validate(&w, 5000 - REPLAY_WINDOW_SIZE), "oldest in the window accepted");
	ok(!replay_validate(&w, 5000 - REPLAY_WINDOW_SIZE - 1), "one older refused");
	replay_init(&w);
	for (i = 0; i < 3000; i += 2)
		accepted += replay_validate(&w, i);
	for (i = 1; i < 3000; i += 2)
		accepted += replay_validate(&w, i);
	/* top is 2999: odd counters from 2999 - REPLAY_WINDOW_SIZE = 1015 up are inside */
	is_int(accepted, 1500 + (2999 - 1015) / 2 + 1, "late odd counters: only those inside");
	ok(!replay_validate(&w, WG_REJECT_AFTER_MESSAGES), "REJECT_AFTER_MESSAGES refused");
	return tap_done();
}
