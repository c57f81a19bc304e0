/*
 * WireGuard keys: base64 strictness and public keys that match
 * `wg genkey | wg pubkey` (vectors generated once with wireguard-tools).
 */
#include "config.h"

#include <string.h>

#include "keys.h"
#include "tap.h"

/* private -> public, from `wg genkey | tee k | wg pubkey` */
static const char *const wg_vectors[][2] = {
    {"kNerjpiOuo7vST2EqxIsVcGwUc1ZFzavgrKjvHNeW28=",
	"8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE="},
    {"gKKFHihO9Jhw0Lr2Tnpzd0Ey3Mi7YyI7xPVUigC+BE4=",
	"mHH0nUSsTPUf9vusPXD+hJxqIRF9kunQVYrtrRvcNRQ="},
    {"UGWnaIXoGKqJU9KEt71FPr9POKnH1gqg9fgAWDxwfHA=",
	"Znhobo0BrmPL9iEcUohNljvhzpW2lXA8JftR9wKLBlg="},
};

static const char *const bad_b64[] = {
    "", "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE", /* no padding */
    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE==",   /* too long */
    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCF=",    /* non-zero trailing bits */
    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4_bOCE=",    /* URL-safe alphabet */
    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOC==",    /* 31 bytes */
    " RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=",    /* space */
    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=\n",  /* newline */
};

int
main(void)
{
	uint8_t priv[KEYS_LEN], pub[KEYS_LEN], pub2[KEYS_LEN], k[KEYS_LEN];
	char text[KEYS_B64_LEN + 1];
	size_t i;

	for (i = 0; i < sizeof(wg_vectors) / sizeof(wg_vectors[0]); i++) {
		ok(keys_from_base64(wg_vectors[i][0], priv) == 0, "private key decodes");
		ok(keys_public_from_private(priv, pub) == 0, "public key derived");
		keys_to_base64(pub, text);
		is_str(text, wg_vectors[i][1], "public key matches wg pubkey");
		keys_to_base64(priv, text);
		is_str(text, wg_vectors[i][0], "base64 round trip");
	}
	for (i = 0; i < sizeof(bad_b64) / sizeof(bad_b64[0]); i++)
		is_int(keys_from_base64(bad_b64[i], k), MESH_ERR_PARSE, "malformed key refused");
	is_int(keys_from_base64(NULL, k), MESH_ERR_PARSE, "NULL refused");

	/* wg pubkey clamps: an unclamped scalar gives the clamped one's key */
	(void)keys_from_base64(wg_vectors[0][0], priv);
	(void)keys_public_from_private(priv, pub);
	priv[0] |= 7;
	priv[31] |= 128;
	ok(keys_public_from_private(priv, pub2) == 0 && keys_equal(pub, pub2),
	    "derivation clamps like wg");

	ok(keys_generate_private(priv) == 0, "generate");
	ok((priv[0] & 7) == 0 && (priv[31] & 128) == 0 && (priv[31] & 64) != 0,
	    "generated key is clamped");
	ok(keys_generate_private(k) == 0 && !keys_equal(priv, k), "two keys differ");
	ok(keys_public_from_private(priv, pub) == 0 && !keys_equal(priv, pub),
	    "public differs from private");
	return tap_done();
}
