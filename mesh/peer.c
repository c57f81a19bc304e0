/*
 * Peers and their sessions (see peer.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "peer.h"

struct wg_peer *
wg_peer_new(const uint8_t public_key[WG_KEY_LEN])
{
	struct wg_peer *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	memcpy(p->public_key, public_key, WG_KEY_LEN);
	cookie_maker_init(&p->cookie, public_key);
	timers_init(&p->timers, 0);
	return p;
}

void
wg_peer_free(struct wg_peer *p)
{
	if (p == NULL)
		return;
	wg_peer_drop_staged(p);
	sodium_memzero(p, sizeof(*p));
	free(p);
}

void
wg_peer_install_session(struct wg_peer *p, const struct noise_keypair *kp)
{
	if (kp->initiator) {
		/* a pending "next" was never confirmed: it is older than the new one */
		noise_keypair_wipe(&p->previous);
		if (p->next.valid) {
			p->previous = p->next;
			noise_keypair_wipe(&p->next);
			noise_keypair_wipe(&p->current);
		} else {
			p->previous = p->current;
		}
		p->current = *kp;
	} else {
		noise_keypair_wipe(&p->next);
		noise_keypair_wipe(&p->previous);
		p->next = *kp;
	}
}

void
wg_peer_confirm_next(struct wg_peer *p)
{
	if (!p->next.valid)
		return;
	noise_keypair_wipe(&p->previous);
	p->previous = p->current;
	p->current = p->next;
	noise_keypair_wipe(&p->next);
}

bool
wg_peer_holds_index(const struct wg_peer *p, uint32_t idx)
{
	return p->hs.local_index == idx || (p->current.valid && p->current.local_index == idx) ||
	    (p->previous.valid && p->previous.local_index == idx) ||
	    (p->next.valid && p->next.local_index == idx);
}

void
wg_peer_zero_keys(struct wg_peer *p)
{
	noise_keypair_wipe(&p->previous);
	noise_keypair_wipe(&p->current);
	noise_keypair_wipe(&p->next);
	noise_handshake_clear(&p->hs);
}

int
wg_peer_stage(struct wg_peer *p, const uint8_t *buf, size_t len)
{
	uint8_t *copy = malloc(len);

	if (copy == NULL)
		return MESH_ERR_NOMEM;
	memcpy(copy, buf, len);
	if (p->nstaged == WG_MAX_STAGED_PACKETS) {
		free(p->staged[0].buf);
		memmove(&p->staged[0], &p->staged[1], sizeof(p->staged[0]) * (p->nstaged - 1));
		p->nstaged--;
	}
	p->staged[p->nstaged].buf = copy;
	p->staged[p->nstaged].len = len;
	p->nstaged++;
	return 0;
}

void
wg_peer_drop_staged(struct wg_peer *p)
{
	unsigned i;

	for (i = 0; i < p->nstaged; i++)
		free(p->staged[i].buf);
	p->nstaged = 0;
}

size_t
wg_endpoint_cookie_source(const struct wg_endpoint *e, uint8_t out[COOKIE_SOURCE_MAX])
{
	if (e->addr.sa.sa_family == AF_INET) {
		memcpy(out, &e->addr.in4.sin_addr, 4);
		memcpy(out + 4, &e->addr.in4.sin_port, 2);
		return 6;
	}
	memcpy(out, &e->addr.in6.sin6_addr, 16);
	memcpy(out + 16, &e->addr.in6.sin6_port, 2);
	return 18;
}

bool
wg_endpoint_equal(const struct wg_endpoint *a, const struct wg_endpoint *b)
{
	if (a->len != b->len || a->addr.sa.sa_family != b->addr.sa.sa_family)
		return false;
	if (a->addr.sa.sa_family == AF_INET)
		return a->addr.in4.sin_port == b->addr.in4.sin_port &&
		    a->addr.in4.sin_addr.s_addr == b->addr.in4.sin_addr.s_addr;
	return a->addr.in6.sin6_port == b->addr.in6.sin6_port &&
	    memcmp(&a->addr.in6.sin6_addr, &b->addr.in6.sin6_addr, 16) == 0;
}

const char *
wg_endpoint_format(const struct wg_endpoint *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;

	if (e->len == 0)
		n = snprintf(buf, len, "(none)");
	else if (e->addr.sa.sa_family == AF_INET)
		n = snprintf(buf, len, "%s:%u",
		    inet_ntop(AF_INET, &e->addr.in4.sin_addr, a, sizeof(a)),
		    ntohs(e->addr.in4.sin_port));
	else
		n = snprintf(buf, len, "[%s]:%u",
		    inet_ntop(AF_INET6, &e->addr.in6.sin6_addr, a, sizeof(a)),
		    ntohs(e->addr.in6.sin6_port));
	if (n < 0 || (size_t)n >= len)
		snprintf(buf, len, "?");
	return buf;
}

int
wg_endpoint_parse(const char *s, struct wg_endpoint *e)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(e, 0, sizeof(*e));
	colon = strrchr(s, ':');
	if (colon == NULL)
		return MESH_ERR_PARSE;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return MESH_ERR_PARSE;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || colon[1] == '\0' || port > 65535)
		return MESH_ERR_PARSE;
	if (inet_pton(AF_INET, host, &e->addr.in4.sin_addr) == 1) {
		e->addr.in4.sin_family = AF_INET;
		e->addr.in4.sin_port = htons((uint16_t)port);
		e->len = sizeof(e->addr.in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &e->addr.in6.sin6_addr) == 1) {
		e->addr.in6.sin6_family = AF_INET6;
		e->addr.in6.sin6_port = htons((uint16_t)port);
		e->len = sizeof(e->addr.in6);
		return 0;
	}
	return MESH_ERR_PARSE;
}
