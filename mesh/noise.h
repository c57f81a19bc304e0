/*
 * The WireGuard handshake, Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, exactly as
 * the whitepaper (5.4.2-5.4.6) constructs it, and transport data sealing.
 * Pure: the clock (TAI64N timestamp, milliseconds), ephemeral randomness and
 * indices are parameters; no I/O and no globals.  mac1/mac2 are added and
 * checked by cookie.h, not here.  Every intermediate key is wiped; a
 * handshake's secrets are wiped once the session keys are derived.
 *
 * Flow, initiator I and responder R:
 *   I: noise_handshake_init, noise_create_initiation          -> msg 1
 *   R: noise_consume_initiation (finds the sender's static key), caller maps
 *      it to a peer, noise_handshake_accept_initiation (timestamp must grow),
 *      noise_create_response                                   -> msg 2
 *   I: noise_consume_response
 *   both: noise_begin_session -> a keypair for transport data.
 */
#ifndef MESH_NOISE_H
#define MESH_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"
#include "replay.h"

struct noise_identity {
	uint8_t private_key[WG_KEY_LEN];
	uint8_t public_key[WG_KEY_LEN];
	bool has_private;
};

enum noise_hs_state {
	NOISE_HS_ZEROED = 0,
	NOISE_HS_CREATED_INITIATION,
	NOISE_HS_CONSUMED_INITIATION,
	NOISE_HS_CREATED_RESPONSE,
	NOISE_HS_CONSUMED_RESPONSE,
};

/* Per-peer handshake state. */
struct noise_handshake {
	enum noise_hs_state state;
	uint8_t remote_static[WG_KEY_LEN];
	uint8_t precomputed_ss[WG_KEY_LEN]; /* DH(our static, their static) */
	uint8_t psk[WG_KEY_LEN];
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
	uint8_t ephemeral_private[WG_KEY_LEN];
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint8_t latest_timestamp[WG_TIMESTAMP_LEN]; /* newest accepted initiation */
	uint32_t local_index;
	uint32_t remote_index;
};

/* What a valid initiation told us, before we know which peer sent it. */
struct noise_initiation {
	uint32_t sender_index;
	uint8_t remote_static[WG_KEY_LEN];
	uint8_t remote_ephemeral[WG_KEY_LEN];
	uint8_t timestamp[WG_TIMESTAMP_LEN];
	uint8_t hash[WG_HASH_LEN];
	uint8_t chaining_key[WG_HASH_LEN];
};

/* Transport keys of one session. */
struct noise_keypair {
	bool valid;
	bool initiator;
	uint8_t send_key[WG_KEY_LEN];
	uint8_t recv_key[WG_KEY_LEN];
	uint64_t send_counter; /* next counter to use */
	struct replay_window replay;
	uint32_t local_index;
	uint32_t remote_index;
	uint64_t birth_ms;
};

/* Set the private key (public key derived); 0 or MESH_ERR_INVALID. */
int noise_identity_set(struct noise_identity *id, const uint8_t private_key[WG_KEY_LEN]);
/* Derive the X25519 public key for a private key. */
int noise_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);
void noise_identity_wipe(struct noise_identity *id);

/* Prepare hs for a peer (psk may be NULL = all zeros); keeps the latest timestamp. */
int noise_handshake_init(struct noise_handshake *hs, const struct noise_identity *id,
    const uint8_t remote_static[WG_KEY_LEN], const uint8_t *psk);
/* Forget an in-flight handshake (keeps peer keys and the latest timestamp). */
void noise_handshake_clear(struct noise_handshake *hs);

int noise_create_initiation(struct noise_handshake *hs, const struct noise_identity *id,
    const uint8_t timestamp[WG_TIMESTAMP_LEN], const uint8_t ephemeral_private[WG_KEY_LEN],
    uint32_t local_index, uint8_t msg[WG_INIT_LEN]);
int noise_consume_initiation(
    const struct noise_identity *id, const uint8_t *msg, size_t len, struct noise_initiation *out);
/* Adopt a consumed initiation for this peer; MESH_ERR_PROTOCOL if replayed (old timestamp). */
int noise_handshake_accept_initiation(struct noise_handshake *hs, struct noise_initiation *in);
int noise_create_response(struct noise_handshake *hs, const uint8_t ephemeral_private[WG_KEY_LEN],
    uint32_t local_index, uint8_t msg[WG_RESP_LEN]);
int noise_consume_response(
    struct noise_handshake *hs, const struct noise_identity *id, const uint8_t *msg, size_t len);
/* Derive transport keys from a finished handshake (and wipe it). */
int noise_begin_session(struct noise_handshake *hs, struct noise_keypair *kp, uint64_t now_ms);
void noise_keypair_wipe(struct noise_keypair *kp);

/*
 * Transport data: out gets header + AEAD(plain) (len + WG_DATA_OVERHEAD bytes).
 * The caller pads plain to WG_PADDING_MULTIPLE and picks the counter.
 */
int noise_seal(const uint8_t key[WG_KEY_LEN], uint32_t receiver_index, uint64_t counter,
    const uint8_t *plain, size_t len, uint8_t *out);
/* Decrypt msg (a whole transport message) into out; *outlen = plaintext length. */
int noise_open(
    const uint8_t key[WG_KEY_LEN], const uint8_t *msg, size_t len, uint8_t *out, size_t *outlen);

#endif
