/*
 * Hex helpers for meshd's unit tests: vectors are written as the oracle
 * (mesh/wg_vectors.py) prints them.
 */
#ifndef MESH_TEST_WG_HEX_H
#define MESH_TEST_WG_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decode hex into out (at most cap bytes); returns the byte count or 0 on bad input. */
static inline size_t
wg_test_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	if (n > cap || strlen(hex) % 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Hex of buf into out (2 * len + 1 bytes). */
static inline const char *
wg_test_hex(const uint8_t *buf, size_t len, char *out)
{
	size_t i;

	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[i]);
	out[2 * len] = '\0';
	return out;
}

#endif
