/*
 * The handshake and transport messages byte for byte against an independent
 * implementation of the whitepaper (mesh/wg_vectors.py, Python
 * 'cryptography'), with fixed static, ephemeral and preshared keys; then the
 * failure cases: tampering, replayed initiations, wrong indices, low-order keys.
 */
#include "config.h"

#include <stdint.h>

#include <sodium.h>

#include "cookie.h"
#include "error.h"
#include "noise.h"
#include "tai64n.h"
#include "tap.h"
#include "test_wg_hex.h"

#define V_INIT                                                                                     \
	"01000000443322115dfedd3b6bd47f6fa28ee15d969d5bb0ea53774d488bdaf9df1c6e0124b3ef220a26599f" \
	"b"                                                                                        \
	"2188bb723276fc173af67616c817fc32fd04d686d87ec152fac10eed2bda3bb3b6f1eded6977684082284d81" \
	"7f"                                                                                       \
	"b46b3a99b6be3bd273ed6533c68635663c21c99296e34deaf1c8fe94fa4a2254a3a56cb996456ae5b324a000" \
	"0"                                                                                        \
	"0000000000000000000000000000"
#define V_RESP                                                                                     \
	"020000008877665544332211ac01b2209e86354fb853237b5de0f4fab13c7fcbf433a61c019369617fecf10b" \
	"5"                                                                                        \
	"176a1060259947cb4f5a7beef58df6998fda57eb8180ee4cc29d2d2438663810000000000000000000000000" \
	"0000000"
#define V_KEY_I "a18cc809fd05b6b5f99644cf506f89dce368c2f54a9dbeb9a384f36c274317ef"
#define V_KEY_R "b1aa1b797d3a45da97552b8084ade493aa767f15af95854bc86557f6dacd851d"
#define V_DATA                                                                                     \
	"04000000887766550700000000000000a92a92e90e3e91550cca08688658e57f82eb56057fc9c0d7aa653421" \
	"cd"                                                                                       \
	"14b094"

struct side {
	struct noise_identity id;
	struct noise_handshake hs;
	struct cookie_maker cm;
	struct noise_keypair kp;
};

int
main(void)
{
	uint8_t k1[32], k2[32], e1[32], e2[32], psk[32], ts[WG_TIMESTAMP_LEN];
	uint8_t init[WG_INIT_LEN], resp[WG_RESP_LEN], data[64], plain[64], lowpub[32] = {0};
	char hex[2 * WG_INIT_LEN + 1];
	struct side a, b;
	struct noise_initiation in;
	size_t plen;

	if (sodium_init() < 0)
		return 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	memset(e1, 3, sizeof(e1));
	memset(e2, 4, sizeof(e2));
	memset(psk, 5, sizeof(psk));
	is_int(noise_identity_set(&a.id, k1), 0, "initiator identity");
	is_int(noise_identity_set(&b.id, k2), 0, "responder identity");
	is_int(noise_handshake_init(&a.hs, &a.id, b.id.public_key, psk), 0, "initiator peer");
	is_int(noise_handshake_init(&b.hs, &b.id, a.id.public_key, psk), 0, "responder peer");
	cookie_maker_init(&a.cm, b.id.public_key);
	cookie_maker_init(&b.cm, a.id.public_key);

	/* e1/e2 are clamped by X25519 itself, as the oracle clamps them */
	tai64n_from_unix(ts, 1700000000, 0);
	is_int(noise_create_initiation(&a.hs, &a.id, ts, e1, 0x11223344, init), 0,
	    "create initiation");
	cookie_add_macs(&a.cm, init, sizeof(init), 0);
	is_str(wg_test_hex(init, sizeof(init), hex), V_INIT, "initiation matches the oracle");

	is_int(noise_consume_initiation(&b.id, init, sizeof(init), &in), 0, "consume initiation");
	ok(memcmp(in.remote_static, a.id.public_key, 32) == 0, "responder learns initiator key");
	is_int(in.sender_index, 0x11223344, "sender index");
	is_int(noise_handshake_accept_initiation(&b.hs, &in), 0, "accept initiation");
	is_int(noise_create_response(&b.hs, e2, 0x55667788, resp), 0, "create response");
	cookie_add_macs(&b.cm, resp, sizeof(resp), 0);
	is_str(wg_test_hex(resp, sizeof(resp), hex), V_RESP, "response matches the oracle");
	is_int(noise_consume_response(&a.hs, &a.id, resp, sizeof(resp)), 0, "consume response");
	is_int(noise_begin_session(&a.hs, &a.kp, 1000), 0, "initiator keys");
	is_int(noise_begin_session(&b.hs, &b.kp, 1000), 0, "responder keys");
	is_str(wg_test_hex(a.kp.send_key, 32, hex), V_KEY_I, "initiator send key = oracle T_i");
	is_str(wg_test_hex(a.kp.recv_key, 32, hex), V_KEY_R, "initiator recv key = oracle T_r");
	ok(memcmp(a.kp.send_key, b.kp.recv_key, 32) == 0, "keys pair up");
	ok(a.kp.initiator && !b.kp.initiator, "roles");
	is_int(a.kp.remote_index, 0x55667788, "initiator sends to responder index");
	is_int(b.kp.remote_index, 0x11223344, "responder sends to initiator index");
	ok(sodium_is_zero(a.hs.chaining_key, 32) && sodium_is_zero(a.hs.ephemeral_private, 32),
	    "handshake secrets wiped after the session began");

	is_int(noise_seal(a.kp.send_key, a.kp.remote_index, 7, (const uint8_t *)"hello wireguard!",
		   16, data),
	    0, "seal transport");
	is_str(wg_test_hex(data, 16 + 16 + 16, hex), V_DATA, "transport data matches the oracle");
	is_int(noise_open(b.kp.recv_key, data, 48, plain, &plen), 0, "open transport");
	is_int(plen, 16, "plaintext length");
	ok(memcmp(plain, "hello wireguard!", 16) == 0, "plaintext");
	data[20] ^= 1;
	is_int(noise_open(b.kp.recv_key, data, 48, plain, &plen), MESH_ERR_CRYPTO,
	    "tampered transport refused");
	data[20] ^= 1;
	data[8] ^= 1;
	is_int(noise_open(b.kp.recv_key, data, 48, plain, &plen), MESH_ERR_CRYPTO,
	    "counter is authenticated (it is the nonce)");
	is_int(noise_open(b.kp.recv_key, data, 20, plain, &plen), MESH_ERR_PARSE,
	    "short transport refused");

	/* replayed initiation: same timestamp is refused */
	is_int(noise_consume_initiation(&b.id, init, sizeof(init), &in), 0,
	    "replayed initiation still decrypts");
	is_int(noise_handshake_accept_initiation(&b.hs, &in), MESH_ERR_PROTOCOL,
	    "replayed initiation refused by timestamp");
	init[WG_INIT_OFF_STATIC + 3] ^= 0x80;
	is_int(noise_consume_initiation(&b.id, init, sizeof(init), &in), MESH_ERR_CRYPTO,
	    "tampered static refused");
	is_int(noise_consume_initiation(&b.id, init, sizeof(init) - 1, &in), MESH_ERR_PARSE,
	    "short initiation refused");

	/* a fresh handshake with a later timestamp is accepted */
	tai64n_from_unix(ts, 1700000001, 0);
	is_int(noise_create_initiation(&a.hs, &a.id, ts, e1, 0x99, init), 0, "second initiation");
	is_int(noise_consume_initiation(&b.id, init, sizeof(init), &in), 0, "consume second");
	is_int(noise_handshake_accept_initiation(&b.hs, &in), 0, "later timestamp accepted");
	is_int(noise_create_response(&b.hs, e2, 0x77, resp), 0, "second response");
	wg_put_le32(resp + WG_RESP_OFF_RECEIVER, 0x98);
	is_int(noise_consume_response(&a.hs, &a.id, resp, sizeof(resp)), MESH_ERR_INVALID,
	    "response to another index refused");
	wg_put_le32(resp + WG_RESP_OFF_RECEIVER, 0x99);
	resp[WG_RESP_OFF_EMPTY] ^= 1;
	is_int(noise_consume_response(&a.hs, &a.id, resp, sizeof(resp)), MESH_ERR_CRYPTO,
	    "tampered response refused");
	is_int(a.hs.state, NOISE_HS_CREATED_INITIATION, "a forged response leaves the handshake");
	resp[WG_RESP_OFF_EMPTY] ^= 1;
	is_int(noise_consume_response(&a.hs, &a.id, resp, sizeof(resp)), 0,
	    "the genuine response still completes");
	is_int(noise_handshake_init(&a.hs, &a.id, lowpub, NULL), MESH_ERR_INVALID,
	    "low-order peer key refused");
	noise_identity_wipe(&a.id);
	noise_identity_wipe(&b.id);
	return tap_done();
}
