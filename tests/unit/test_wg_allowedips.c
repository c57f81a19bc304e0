/*
 * Allowed-IPs trie: the randomized self-test against a linear search, and
 * the cryptokey-routing cases meshd depends on.
 */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "allowedips.h"
#include "tap.h"

static void *
look4(struct allowedips *t, const char *s)
{
	uint8_t a[4];

	inet_pton(AF_INET, s, a);
	return allowedips_lookup(t, AF_INET, a);
}

static void *
look6(struct allowedips *t, const char *s)
{
	uint8_t a[16];

	inet_pton(AF_INET6, s, a);
	return allowedips_lookup(t, AF_INET6, a);
}

static int
ins(struct allowedips *t, int family, const char *s, unsigned cidr, void *peer)
{
	uint8_t a[16];

	inet_pton(family, s, a);
	return allowedips_insert(t, family, a, cidr, peer);
}

static int walked;
static char walked_text[128];

static void
walk_fn(int family, const uint8_t *addr, unsigned cidr, void *ctx)
{
	char buf[64];
	size_t n = strlen(walked_text);

	(void)ctx;
	inet_ntop(family, addr, buf, sizeof(buf));
	snprintf(walked_text + n, sizeof(walked_text) - n, "%s%s/%u", n ? " " : "", buf, cidr);
	walked++;
}

int
main(void)
{
	struct allowedips t;
	char a, b, c;

	is_int(allowedips_selftest(), 0, "trie self-test against linear longest-prefix match");
	allowedips_init(&t);
	is_int(ins(&t, AF_INET, "10.0.0.0", 8, &a), 0, "insert /8");
	is_int(ins(&t, AF_INET, "10.1.2.99", 24, &b), 0, "insert /24 with host bits");
	is_int(ins(&t, AF_INET, "10.1.2.3", 32, &c), 0, "insert /32");
	is_int(ins(&t, AF_INET6, "fd7a:115c:a1e0::", 48, &a), 0, "insert v6 /48");
	is_int(ins(&t, AF_INET6, "fd7a:115c:a1e0::5", 128, &b), 0, "insert v6 /128");
	ok(look4(&t, "10.1.2.3") == &c, "longest match /32");
	ok(look4(&t, "10.1.2.4") == &b, "then /24");
	ok(look4(&t, "10.200.0.1") == &a, "then /8");
	ok(look4(&t, "11.0.0.1") == NULL, "outside: no peer (packet dropped)");
	ok(look6(&t, "fd7a:115c:a1e0::5") == &b, "v6 /128");
	ok(look6(&t, "fd7a:115c:a1e0::6") == &a, "v6 /48");
	ok(look6(&t, "fd7a:115c:a1e1::6") == NULL, "v6 outside");
	is_int(ins(&t, AF_INET, "10.1.2.0", 24, &c), 0, "re-insert /24 for another peer");
	ok(look4(&t, "10.1.2.4") == &c, "the later owner wins");
	walked = 0;
	allowedips_walk_peer(&t, &c, walk_fn, NULL);
	is_str(walked_text, "10.1.2.0/24 10.1.2.3/32", "walk lists a peer's prefixes");
	allowedips_remove_peer(&t, &c);
	ok(look4(&t, "10.1.2.3") == &a, "removed peer no longer matches");
	ok(look6(&t, "fd7a:115c:a1e0::5") == &b, "other peers untouched");
	is_int(ins(&t, AF_INET, "0.0.0.0", 0, &b), 0, "default route");
	ok(look4(&t, "192.0.2.1") == &b, "default route matches everything");
	is_int(ins(&t, AF_INET, "10.0.0.0", 33, &b), -4, "cidr > 32 refused");
	allowedips_free(&t);
	return tap_done();
}
