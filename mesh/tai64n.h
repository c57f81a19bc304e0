/*
 * TAI64N timestamps for handshake initiations: 8 bytes big-endian seconds
 * with the TAI64 label (2^62 + 10 leap seconds, as WireGuard implementations
 * use it) and 4 bytes big-endian nanoseconds.  Nanoseconds are rounded down to
 * a multiple of 2^24 ns (~16.8 ms), as wireguard-go and Linux do, so the
 * timestamp does not leak a fine-grained clock.  Pure: time is a parameter.
 */
#ifndef MESH_TAI64N_H
#define MESH_TAI64N_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"

#define TAI64_LABEL	   UINT64_C(0x400000000000000a)
#define TAI64N_WHITENER_NS 0x1000000u /* 2^24 ns */

void tai64n_from_unix(uint8_t out[WG_TIMESTAMP_LEN], int64_t unix_sec, uint32_t nsec);
/* Is a strictly after b?  (Big-endian, so a byte comparison.) */
bool tai64n_after(const uint8_t a[WG_TIMESTAMP_LEN], const uint8_t b[WG_TIMESTAMP_LEN]);

#endif
