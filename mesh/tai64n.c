/*
 * TAI64N encoding and ordering (see tai64n.h).
 */
#include "config.h"

#include <string.h>

#include "tai64n.h"

void
tai64n_from_unix(uint8_t out[WG_TIMESTAMP_LEN], int64_t unix_sec, uint32_t nsec)
{
	uint64_t s = TAI64_LABEL + (uint64_t)unix_sec;
	uint32_t n = nsec - nsec % TAI64N_WHITENER_NS;
	int i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(s >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(n >> (24 - 8 * i));
}

bool
tai64n_after(const uint8_t a[WG_TIMESTAMP_LEN], const uint8_t b[WG_TIMESTAMP_LEN])
{
	return memcmp(a, b, WG_TIMESTAMP_LEN) > 0;
}
