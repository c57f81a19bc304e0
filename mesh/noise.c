/*
 * Noise_IKpsk2 handshake and transport AEAD (see noise.h).  Names follow the
 * whitepaper: C (chaining key), H (hash), mix_hash = H := HASH(H || data),
 * mix_key = C := KDF1(C, data), mix_dh = (C, k) := KDF2(C, DH(a, b)).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "error.h"
#include "kdf.h"
#include "noise.h"
#include "tai64n.h"

#define AEAD_NONCE_LEN 12

static void
mix_hash(uint8_t h[WG_HASH_LEN], const void *data, size_t len)
{
	wg_hash2(h, h, WG_HASH_LEN, data, len);
}

static void
mix_key(uint8_t ck[WG_HASH_LEN], const uint8_t *data, size_t len)
{
	wg_kdf(ck, NULL, NULL, ck, data, len);
}

/* (ck, key) := KDF2(ck, DH(priv, pub)); fails on a low-order point (all-zero result). */
static int
mix_dh(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN],
    const uint8_t pub[WG_KEY_LEN])
{
	uint8_t dh[WG_KEY_LEN];
	int r = 0;

	if (crypto_scalarmult(dh, priv, pub) != 0)
		r = MESH_ERR_CRYPTO;
	else
		wg_kdf(ck, key, NULL, ck, dh, sizeof(dh));
	sodium_memzero(dh, sizeof(dh));
	return r;
}

static void
mix_precomputed(uint8_t ck[WG_HASH_LEN], uint8_t key[WG_KEY_LEN], const uint8_t ss[WG_KEY_LEN])
{
	wg_kdf(ck, key, NULL, ck, ss, WG_KEY_LEN);
}

static void
aead_nonce(uint8_t nonce[AEAD_NONCE_LEN], uint64_t counter)
{
	memset(nonce, 0, 4);
	wg_put_le64(nonce + 4, counter);
}

/* out = AEAD(key, 0, in, H); H := HASH(H || out) */
static void
encrypt_and_hash(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[WG_KEY_LEN],
    uint8_t h[WG_HASH_LEN])
{
	uint8_t nonce[AEAD_NONCE_LEN];

	aead_nonce(nonce, 0);
	crypto_aead_chacha20poly1305_ietf_encrypt(
	    out, NULL, in, len, h, WG_HASH_LEN, NULL, nonce, key);
	mix_hash(h, out, len + WG_AEAD_TAG_LEN);
}

static int
decrypt_and_hash(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[WG_KEY_LEN],
    uint8_t h[WG_HASH_LEN])
{
	uint8_t nonce[AEAD_NONCE_LEN];

	aead_nonce(nonce, 0);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		out, NULL, NULL, in, len + WG_AEAD_TAG_LEN, h, WG_HASH_LEN, nonce, key) != 0)
		return MESH_ERR_CRYPTO;
	mix_hash(h, in, len + WG_AEAD_TAG_LEN);
	return 0;
}

/* C := HASH(CONSTRUCTION); H := HASH(HASH(C || IDENTIFIER) || responder static) */
static void
handshake_start(
    uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], const uint8_t responder_static[WG_KEY_LEN])
{
	wg_hash2(ck, WG_CONSTRUCTION, strlen(WG_CONSTRUCTION), NULL, 0);
	wg_hash2(h, ck, WG_HASH_LEN, WG_IDENTIFIER, strlen(WG_IDENTIFIER));
	mix_hash(h, responder_static, WG_KEY_LEN);
}

int
noise_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	return crypto_scalarmult_base(pub, priv) == 0 ? 0 : MESH_ERR_INVALID;
}

int
noise_identity_set(struct noise_identity *id, const uint8_t private_key[WG_KEY_LEN])
{
	noise_identity_wipe(id);
	if (sodium_is_zero(private_key, WG_KEY_LEN))
		return 0; /* no key: the device answers nothing */
	memcpy(id->private_key, private_key, WG_KEY_LEN);
	/* clamp as every WireGuard implementation stores it */
	id->private_key[0] &= 248;
	id->private_key[31] = (uint8_t)((id->private_key[31] & 127) | 64);
	if (noise_public_from_private(id->public_key, id->private_key) != 0) {
		noise_identity_wipe(id);
		return MESH_ERR_INVALID;
	}
	id->has_private = true;
	return 0;
}

void
noise_identity_wipe(struct noise_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

int
noise_handshake_init(struct noise_handshake *hs, const struct noise_identity *id,
    const uint8_t remote_static[WG_KEY_LEN], const uint8_t *psk)
{
	uint8_t ts[WG_TIMESTAMP_LEN];

	memcpy(ts, hs->latest_timestamp, sizeof(ts));
	sodium_memzero(hs, sizeof(*hs));
	memcpy(hs->latest_timestamp, ts, sizeof(ts));
	memcpy(hs->remote_static, remote_static, WG_KEY_LEN);
	if (psk)
		memcpy(hs->psk, psk, WG_KEY_LEN);
	if (id->has_private &&
	    crypto_scalarmult(hs->precomputed_ss, id->private_key, remote_static) != 0)
		return MESH_ERR_INVALID; /* low-order public key */
	return 0;
}

void
noise_handshake_clear(struct noise_handshake *hs)
{
	hs->state = NOISE_HS_ZEROED;
	sodium_memzero(hs->hash, sizeof(hs->hash));
	sodium_memzero(hs->chaining_key, sizeof(hs->chaining_key));
	sodium_memzero(hs->ephemeral_private, sizeof(hs->ephemeral_private));
	sodium_memzero(hs->remote_ephemeral, sizeof(hs->remote_ephemeral));
	hs->local_index = hs->remote_index = 0;
}

int
noise_create_initiation(struct noise_handshake *hs, const struct noise_identity *id,
    const uint8_t timestamp[WG_TIMESTAMP_LEN], const uint8_t ephemeral_private[WG_KEY_LEN],
    uint32_t local_index, uint8_t msg[WG_INIT_LEN])
{
	uint8_t key[WG_KEY_LEN];
	uint8_t *eph = msg + WG_INIT_OFF_EPHEMERAL;
	int r;

	if (!id->has_private)
		return MESH_ERR_INVALID;
	memset(msg, 0, WG_INIT_LEN);
	wg_put_type(msg, WG_MSG_INITIATION);
	wg_put_le32(msg + WG_INIT_OFF_SENDER, local_index);
	handshake_start(hs->chaining_key, hs->hash, hs->remote_static);

	memcpy(hs->ephemeral_private, ephemeral_private, WG_KEY_LEN);
	if ((r = noise_public_from_private(eph, hs->ephemeral_private)) != 0)
		goto out;
	mix_key(hs->chaining_key, eph, WG_KEY_LEN);
	mix_hash(hs->hash, eph, WG_KEY_LEN);

	if ((r = mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static)) != 0)
		goto out;
	encrypt_and_hash(msg + WG_INIT_OFF_STATIC, id->public_key, WG_KEY_LEN, key, hs->hash);

	mix_precomputed(hs->chaining_key, key, hs->precomputed_ss);
	encrypt_and_hash(msg + WG_INIT_OFF_TIMESTAMP, timestamp, WG_TIMESTAMP_LEN, key, hs->hash);

	hs->local_index = local_index;
	hs->state = NOISE_HS_CREATED_INITIATION;
out:
	sodium_memzero(key, sizeof(key));
	if (r != 0)
		noise_handshake_clear(hs);
	return r;
}

int
noise_consume_initiation(
    const struct noise_identity *id, const uint8_t *msg, size_t len, struct noise_initiation *out)
{
	uint8_t key[WG_KEY_LEN];
	const uint8_t *eph = msg + WG_INIT_OFF_EPHEMERAL;
	int r;

	memset(out, 0, sizeof(*out));
	if (!id->has_private)
		return MESH_ERR_INVALID;
	if (len != WG_INIT_LEN || wg_get_le32(msg) != WG_MSG_INITIATION)
		return MESH_ERR_PARSE;
	out->sender_index = wg_get_le32(msg + WG_INIT_OFF_SENDER);
	handshake_start(out->chaining_key, out->hash, id->public_key);

	memcpy(out->remote_ephemeral, eph, WG_KEY_LEN);
	mix_key(out->chaining_key, eph, WG_KEY_LEN);
	mix_hash(out->hash, eph, WG_KEY_LEN);

	if ((r = mix_dh(out->chaining_key, key, id->private_key, eph)) != 0)
		goto out;
	if ((r = decrypt_and_hash(
		 out->remote_static, msg + WG_INIT_OFF_STATIC, WG_KEY_LEN, key, out->hash)) != 0)
		goto out;

	if ((r = mix_dh(out->chaining_key, key, id->private_key, out->remote_static)) != 0)
		goto out;
	r = decrypt_and_hash(
	    out->timestamp, msg + WG_INIT_OFF_TIMESTAMP, WG_TIMESTAMP_LEN, key, out->hash);
out:
	sodium_memzero(key, sizeof(key));
	if (r != 0)
		sodium_memzero(out, sizeof(*out));
	return r;
}

int
noise_handshake_accept_initiation(struct noise_handshake *hs, struct noise_initiation *in)
{
	if (sodium_memcmp(hs->remote_static, in->remote_static, WG_KEY_LEN) != 0)
		return MESH_ERR_INVALID;
	if (!tai64n_after(in->timestamp, hs->latest_timestamp))
		return MESH_ERR_PROTOCOL; /* replayed or reordered initiation */
	noise_handshake_clear(hs);
	memcpy(hs->latest_timestamp, in->timestamp, WG_TIMESTAMP_LEN);
	memcpy(hs->chaining_key, in->chaining_key, WG_HASH_LEN);
	memcpy(hs->hash, in->hash, WG_HASH_LEN);
	memcpy(hs->remote_ephemeral, in->remote_ephemeral, WG_KEY_LEN);
	hs->remote_index = in->sender_index;
	hs->state = NOISE_HS_CONSUMED_INITIATION;
	sodium_memzero(in, sizeof(*in));
	return 0;
}

/* The responder's and the initiator's common tail: psk and the empty payload key. */
static void
mix_psk(uint8_t ck[WG_HASH_LEN], uint8_t h[WG_HASH_LEN], const uint8_t psk[WG_KEY_LEN],
    uint8_t key[WG_KEY_LEN])
{
	uint8_t tau[WG_HASH_LEN];

	wg_kdf(ck, tau, key, ck, psk, WG_KEY_LEN);
	mix_hash(h, tau, sizeof(tau));
	sodium_memzero(tau, sizeof(tau));
}

int
noise_create_response(struct noise_handshake *hs, const uint8_t ephemeral_private[WG_KEY_LEN],
    uint32_t local_index, uint8_t msg[WG_RESP_LEN])
{
	uint8_t key[WG_KEY_LEN], dh[WG_KEY_LEN];
	uint8_t *eph = msg + WG_RESP_OFF_EPHEMERAL;
	int r = MESH_ERR_CRYPTO;

	if (hs->state != NOISE_HS_CONSUMED_INITIATION)
		return MESH_ERR_INVALID;
	memset(msg, 0, WG_RESP_LEN);
	wg_put_type(msg, WG_MSG_RESPONSE);
	wg_put_le32(msg + WG_RESP_OFF_SENDER, local_index);
	wg_put_le32(msg + WG_RESP_OFF_RECEIVER, hs->remote_index);

	memcpy(hs->ephemeral_private, ephemeral_private, WG_KEY_LEN);
	if (noise_public_from_private(eph, hs->ephemeral_private) != 0)
		goto out;
	mix_key(hs->chaining_key, eph, WG_KEY_LEN);
	mix_hash(hs->hash, eph, WG_KEY_LEN);

	if (crypto_scalarmult(dh, hs->ephemeral_private, hs->remote_ephemeral) != 0)
		goto out;
	mix_key(hs->chaining_key, dh, sizeof(dh));
	if (crypto_scalarmult(dh, hs->ephemeral_private, hs->remote_static) != 0)
		goto out;
	mix_key(hs->chaining_key, dh, sizeof(dh));

	mix_psk(hs->chaining_key, hs->hash, hs->psk, key);
	encrypt_and_hash(msg + WG_RESP_OFF_EMPTY, dh, 0, key, hs->hash);
	hs->local_index = local_index;
	hs->state = NOISE_HS_CREATED_RESPONSE;
	r = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(dh, sizeof(dh));
	if (r != 0)
		noise_handshake_clear(hs);
	return r;
}

int
noise_consume_response(
    struct noise_handshake *hs, const struct noise_identity *id, const uint8_t *msg, size_t len)
{
	uint8_t key[WG_KEY_LEN], dh[WG_KEY_LEN], ck[WG_HASH_LEN], h[WG_HASH_LEN];
	const uint8_t *eph = msg + WG_RESP_OFF_EPHEMERAL;
	int r = MESH_ERR_CRYPTO;

	if (len != WG_RESP_LEN || wg_get_le32(msg) != WG_MSG_RESPONSE)
		return MESH_ERR_PARSE;
	if (hs->state != NOISE_HS_CREATED_INITIATION ||
	    wg_get_le32(msg + WG_RESP_OFF_RECEIVER) != hs->local_index)
		return MESH_ERR_INVALID;
	/* work on copies: a forged response must not disturb the pending handshake */
	memcpy(ck, hs->chaining_key, sizeof(ck));
	memcpy(h, hs->hash, sizeof(h));
	mix_key(ck, eph, WG_KEY_LEN);
	mix_hash(h, eph, WG_KEY_LEN);
	if (crypto_scalarmult(dh, hs->ephemeral_private, eph) != 0)
		goto out;
	mix_key(ck, dh, sizeof(dh));
	if (crypto_scalarmult(dh, id->private_key, eph) != 0)
		goto out;
	mix_key(ck, dh, sizeof(dh));
	mix_psk(ck, h, hs->psk, key);
	if ((r = decrypt_and_hash(dh, msg + WG_RESP_OFF_EMPTY, 0, key, h)) != 0)
		goto out;
	memcpy(hs->chaining_key, ck, sizeof(ck));
	memcpy(hs->hash, h, sizeof(h));
	memcpy(hs->remote_ephemeral, eph, WG_KEY_LEN);
	hs->remote_index = wg_get_le32(msg + WG_RESP_OFF_SENDER);
	hs->state = NOISE_HS_CONSUMED_RESPONSE;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(h, sizeof(h));
	return r;
}

int
noise_begin_session(struct noise_handshake *hs, struct noise_keypair *kp, uint64_t now_ms)
{
	uint8_t first[WG_KEY_LEN], second[WG_KEY_LEN];

	if (hs->state != NOISE_HS_CONSUMED_RESPONSE && hs->state != NOISE_HS_CREATED_RESPONSE)
		return MESH_ERR_INVALID;
	noise_keypair_wipe(kp);
	wg_kdf(first, second, NULL, hs->chaining_key, NULL, 0);
	kp->initiator = hs->state == NOISE_HS_CONSUMED_RESPONSE;
	memcpy(kp->send_key, kp->initiator ? first : second, WG_KEY_LEN);
	memcpy(kp->recv_key, kp->initiator ? second : first, WG_KEY_LEN);
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;
	kp->birth_ms = now_ms;
	kp->valid = true;
	replay_init(&kp->replay);
	noise_handshake_clear(hs);
	sodium_memzero(first, sizeof(first));
	sodium_memzero(second, sizeof(second));
	return 0;
}

void
noise_keypair_wipe(struct noise_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

int
noise_seal(const uint8_t key[WG_KEY_LEN], uint32_t receiver_index, uint64_t counter,
    const uint8_t *plain, size_t len, uint8_t *out)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	wg_put_type(out, WG_MSG_TRANSPORT);
	wg_put_le32(out + WG_DATA_OFF_RECEIVER, receiver_index);
	wg_put_le64(out + WG_DATA_OFF_COUNTER, counter);
	aead_nonce(nonce, counter);
	if (crypto_aead_chacha20poly1305_ietf_encrypt(
		out + WG_DATA_OFF_PAYLOAD, NULL, plain, len, NULL, 0, NULL, nonce, key) != 0)
		return MESH_ERR_CRYPTO;
	return 0;
}

int
noise_open(
    const uint8_t key[WG_KEY_LEN], const uint8_t *msg, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t nonce[AEAD_NONCE_LEN];

	if (len < WG_DATA_MIN_LEN || wg_get_le32(msg) != WG_MSG_TRANSPORT)
		return MESH_ERR_PARSE;
	aead_nonce(nonce, wg_get_le64(msg + WG_DATA_OFF_COUNTER));
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, msg + WG_DATA_OFF_PAYLOAD,
		len - WG_DATA_OFF_PAYLOAD, NULL, 0, nonce, key) != 0)
		return MESH_ERR_CRYPTO;
	*outlen = len - WG_DATA_OVERHEAD;
	return 0;
}
