/*
 * HMAC-BLAKE2s, KDF1/2/3, MAC and TAI64N against vectors computed by an
 * independent implementation (mesh/wg_vectors.py: Python hashlib + hmac).
 */
#include "config.h"

#include <stdint.h>

#include "kdf.h"
#include "tai64n.h"
#include "tap.h"
#include "test_wg_hex.h"

int
main(void)
{
	uint8_t key[32], big[200], out1[32], out2[32], out3[32];
	uint8_t ts[WG_TIMESTAMP_LEN], ts2[WG_TIMESTAMP_LEN];
	char hex[2 * 64 + 1];
	const char *ikm = "input key material";
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	wg_hmac(out1, key, sizeof(key), "WireGuard", 9);
	is_str(wg_test_hex(out1, 32, hex),
	    "5415924543576b3f5ee867c94e1aab70586d33b32fae3fccd2c635b3e1d7198d", "HMAC-BLAKE2s");
	{
		uint8_t longkey[100];

		for (i = 0; i < sizeof(longkey); i++)
			longkey[i] = (uint8_t)i;
		memset(big, 'x', sizeof(big));
		wg_hmac(out1, longkey, sizeof(longkey), big, sizeof(big));
		is_str(wg_test_hex(out1, 32, hex),
		    "834cd67f8ca0de35dfcdfff1510ae170f5850f5455aba1c085196c441d7ca7d9",
		    "HMAC-BLAKE2s with a key longer than the block is hashed first");
	}
	wg_kdf(out1, NULL, NULL, key, ikm, strlen(ikm));
	is_str(wg_test_hex(out1, 32, hex),
	    "93e2a65883e34ac95485f5d0aa4b09163a4e944dab8cf9406d3a138e362851c6", "KDF1");
	wg_kdf(out1, out2, NULL, key, ikm, strlen(ikm));
	is_str(wg_test_hex(out2, 32, hex),
	    "dd6fae42afdb2a41170f44dc5b885ec4cfd17c8dd324d38b390c548630dd0a83", "KDF2 second");
	wg_kdf(out1, out2, out3, key, ikm, strlen(ikm));
	is_str(wg_test_hex(out1, 32, hex),
	    "93e2a65883e34ac95485f5d0aa4b09163a4e944dab8cf9406d3a138e362851c6", "KDF3 first");
	is_str(wg_test_hex(out3, 32, hex),
	    "4125e0adfa9b7e736615e99dde6f3f0b64b949d8b480e82cab2e685dc286e45d", "KDF3 third");
	wg_kdf(out1, out2, NULL, key, NULL, 0);
	is_str(wg_test_hex(out1, 32, hex),
	    "7a38c34bf2b8738d7374ca77c44ecb309a11d2b2528304fa86052c365e722624",
	    "KDF2 of empty input (transport keys) first");
	is_str(wg_test_hex(out2, 32, hex),
	    "1a17621f346abdc520746a9fb64d8eb03231d674fc15687537b0780fd9c060fd",
	    "KDF2 of empty input second");
	memcpy(out3, key, sizeof(key));
	wg_kdf(out3, NULL, NULL, out3, ikm, strlen(ikm));
	is_str(wg_test_hex(out3, 32, hex),
	    "93e2a65883e34ac95485f5d0aa4b09163a4e944dab8cf9406d3a138e362851c6",
	    "KDF1 in place (chaining key updated over its own input)");
	wg_mac(out1, key, sizeof(key), "mac input", 9);
	is_str(wg_test_hex(out1, 16, hex), "cd15b4715680ff8852bf47f5e1381753",
	    "MAC = keyed BLAKE2s-128");

	tai64n_from_unix(ts, 1700000000, 123456789);
	is_str(wg_test_hex(ts, sizeof(ts), hex), "400000006553f10a07000000",
	    "TAI64N: label + seconds, nanoseconds whitened to 2^24");
	tai64n_from_unix(ts2, 1700000000, 123456789 + (1u << 24));
	ok(tai64n_after(ts2, ts), "a later TAI64N sorts after");
	ok(!tai64n_after(ts, ts2), "an earlier TAI64N does not");
	ok(!tai64n_after(ts, ts), "equal is not after (replayed initiation)");
	tai64n_from_unix(ts2, 1700000001, 0);
	ok(tai64n_after(ts2, ts), "next second sorts after any nanoseconds");
	return tap_done();
}
