/*
 * mac1, mac2 and cookie replies: a responder under load answers with a
 * cookie; the initiator's next message carries a mac2 the responder accepts;
 * the cookie is bound to the source address and expires with the secret.
 */
#include "config.h"

#include <sodium.h>

#include "cookie.h"
#include "error.h"
#include "tap.h"

int
main(void)
{
	struct cookie_checker chk;
	struct cookie_maker mk;
	uint8_t pub[32], msg[WG_INIT_LEN], reply[WG_COOKIE_LEN], nonce[24], secret[32];
	const uint8_t src[6] = {192, 0, 2, 1, 0xca, 0xfe}, other[6] = {192, 0, 2, 2, 0xca, 0xfe};
	uint64_t now = 1000000;

	if (sodium_init() < 0)
		return 1;
	memset(pub, 7, sizeof(pub));
	memset(nonce, 9, sizeof(nonce));
	memset(secret, 11, sizeof(secret));
	cookie_checker_init(&chk, pub);
	cookie_maker_init(&mk, pub);
	memset(msg, 0x42, sizeof(msg));
	wg_put_le32(msg, WG_MSG_INITIATION);
	wg_put_le32(msg + WG_INIT_OFF_SENDER, 0xabcdef01);

	cookie_add_macs(&mk, msg, sizeof(msg), now);
	is_int(cookie_validate(&chk, msg, sizeof(msg), src, sizeof(src), now), COOKIE_MAC1_OK,
	    "mac1 valid, no cookie yet");
	ok(sodium_is_zero(msg + WG_INIT_OFF_MAC2, 16), "mac2 zero without a cookie");
	msg[10] ^= 1;
	is_int(cookie_validate(&chk, msg, sizeof(msg), src, sizeof(src), now), COOKIE_MAC1_BAD,
	    "mac1 covers the message");
	msg[10] ^= 1;

	is_int(cookie_create_reply(
		   &chk, msg, sizeof(msg), src, sizeof(src), nonce, secret, now, reply),
	    0, "cookie reply");
	is_int(
	    wg_get_le32(reply + WG_COOKIE_OFF_RECEIVER), 0xabcdef01, "reply to the sender index");
	reply[40] ^= 1;
	is_int(cookie_consume_reply(&mk, reply, sizeof(reply), now), MESH_ERR_CRYPTO,
	    "tampered cookie reply refused");
	reply[40] ^= 1;
	is_int(cookie_consume_reply(&mk, reply, sizeof(reply), now), 0, "cookie reply consumed");
	is_int(cookie_consume_reply(&mk, reply, sizeof(reply), now), MESH_ERR_INVALID,
	    "a second reply to the same mac1 refused");

	cookie_add_macs(&mk, msg, sizeof(msg), now + 10);
	is_int(cookie_validate(&chk, msg, sizeof(msg), src, sizeof(src), now + 10), COOKIE_MAC2_OK,
	    "mac2 with the cookie accepted");
	is_int(cookie_validate(&chk, msg, sizeof(msg), other, sizeof(other), now + 10),
	    COOKIE_MAC1_OK, "cookie bound to the source address");
	is_int(cookie_validate(
		   &chk, msg, sizeof(msg), src, sizeof(src), now + WG_COOKIE_REFRESH_TIME_MS),
	    COOKIE_MAC1_OK, "cookie dies with the secret");
	cookie_add_macs(&mk, msg, sizeof(msg), now + WG_COOKIE_REFRESH_TIME_MS);
	ok(sodium_is_zero(msg + WG_INIT_OFF_MAC2, 16), "initiator stops using an old cookie");
	return tap_done();
}
