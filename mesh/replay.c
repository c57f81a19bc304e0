/*
 * Replay window (see replay.h).  Internally counters are shifted by one so
 * that top == 0 means "nothing received".
 */
#include "config.h"

#include <string.h>

#include "replay.h"

void
replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

bool
replay_validate(struct replay_window *w, uint64_t counter)
{
	uint64_t c, word, top_word, i, n;
	uint64_t bit;

	if (counter >= WG_REJECT_AFTER_MESSAGES)
		return false;
	c = counter + 1;
	if (c + REPLAY_WINDOW_SIZE < w->top)
		return false; /* too old */
	word = c / REPLAY_WORD_BITS;
	if (c > w->top) {
		/* advance: clear the words between the old top and the new one */
		top_word = w->top / REPLAY_WORD_BITS;
		n = word - top_word;
		if (n > REPLAY_WORDS)
			n = REPLAY_WORDS;
		for (i = 1; i <= n; i++)
			w->bits[(top_word + i) % REPLAY_WORDS] = 0;
		w->top = c;
	}
	bit = UINT64_C(1) << (c % REPLAY_WORD_BITS);
	word %= REPLAY_WORDS;
	if (w->bits[word] & bit)
		return false;
	w->bits[word] |= bit;
	return true;
}

/* The cases of Linux's counter self-test, restated as (counter, expected). */
int
replay_selftest(void)
{
	struct replay_window w;
	const uint64_t ws = REPLAY_WINDOW_SIZE, lim = REPLAY_WINDOW_SIZE + 1;
	const uint64_t rej = WG_REJECT_AFTER_MESSAGES;
	struct {
		uint64_t n;
		bool want;
	} t[] = {
	    {0, true},
	    {1, true},
	    {1, false},
	    {9, true},
	    {8, true},
	    {7, true},
	    {7, false},
	    {lim, true},
	    {lim - 1, true},
	    {lim - 1, false},
	    {lim - 2, true},
	    {2, true},
	    {2, false},
	    {lim + 16, true},
	    {3, false},
	    {lim + 16, false},
	    {lim * 4, true},
	    {lim * 4 - (lim - 1), true},
	    {10, false},
	    {lim * 4 - lim, false},
	    {lim * 4 - (lim + 1), false},
	    {lim * 4 - (lim - 2), true},
	    {lim * 4 + 1 - lim, false},
	    {0, false},
	    {rej, false},
	    {rej - 1, true},
	    {rej, false},
	    {rej - 1, false},
	    {rej - 2, true},
	    {rej + 1, false},
	    {rej + 2, false},
	    {rej - 2, false},
	    {rej - 3, true},
	    {0, false},
	};
	size_t i;
	uint64_t j;

	replay_init(&w);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (replay_validate(&w, t[i].n) != t[i].want)
			return (int)i + 1;
	replay_init(&w);
	for (j = 1; j <= ws; j++)
		if (!replay_validate(&w, j))
			return 100;
	if (!replay_validate(&w, 0) || replay_validate(&w, 0))
		return 101;
	replay_init(&w);
	for (j = 2; j <= ws + 1; j++)
		if (!replay_validate(&w, j))
			return 102;
	if (!replay_validate(&w, 1) || replay_validate(&w, 0))
		return 103;
	replay_init(&w);
	for (j = ws + 1; j-- > 0;)
		if (!replay_validate(&w, j))
			return 104;
	replay_init(&w);
	for (j = ws + 2; j-- > 1;)
		if (!replay_validate(&w, j))
			return 105;
	if (replay_validate(&w, 0))
		return 106;
	return 0;
}
