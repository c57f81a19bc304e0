/*
 * Netmap field syntax, one table per kind of value: what is accepted and
 * what is refused (node names, domains, logins, tags, endpoints, text, SSH
 * host keys, RFC 3339 times).
 */
#include "config.h"

#include <string.h>

#include "keys.h"
#include "netmap_fields.h"
#include "tap.h"

#define ED25519 "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h17"
#define ECDSA                                                                                      \
	"ecdsa-sha2-nistp256 "                                                                     \
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOEeSkTEpQCy3BIJmHZWKMVuhKgpSNcE8agt" \
	"xhjRBbtLUVTEVt06vAqqVNfwRO5sS4/OaZSN1o3DzQUVSguoKCk="
#define RSA                                                                                        \
	"ssh-rsa "                                                                                 \
	"AAAAB3NzaC1yc2EAAAADAQABAAAAgQDXyHUzUw2c/"                                                \
	"Im1XzLyo2lf0EHofrwl2srrXcxekmzNWpP2vPr38ycXsQWMKczHYocx3wlZBzi4hbAvKI3sjCFO9YeTEgcIQxYGu" \
	"/QRwwYeZZNjn80YcE7guqPyoKyleMT8ZFC4/gxEyYgAfxpW4pa+1qm6RwXpTmKJcpVhuPzreQ=="

struct field_case {
	bool (*check)(const char *s);
	const char *s;
	bool want;
};

static bool
host_key(const char *s)
{
	const char *why;

	return netmap_field_host_key(s, &why);
}

static bool
time_ok(const char *s)
{
	int64_t t;

	return netmap_field_time(s, &t);
}

/* clang-format off */
static const struct field_case cases[] = {
	{netmap_field_label, "web-1", true},
	{netmap_field_label, "a", true},
	{netmap_field_label, "123", true},
	{netmap_field_label, "", false},
	{netmap_field_label, "-web", false},
	{netmap_field_label, "web-", false},
	{netmap_field_label, "Web", false},
	{netmap_field_label, "web.1", false},
	{netmap_field_label, "web_1", false},
	{netmap_field_label, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true},
	{netmap_field_label, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	{netmap_field_domain, "mesh.example.com", true},
	{netmap_field_domain, "example", true},
	{netmap_field_domain, "mesh..example.com", false},
	{netmap_field_domain, ".example.com", false},
	{netmap_field_domain, "example.com.", false},
	{netmap_field_domain, "Example.com", false},
	{netmap_field_login, "alice@example.com", true},
	{netmap_field_login, "a.b+c_d-e@example.com", true},
	{netmap_field_login, "alice@github", true},
	{netmap_field_login, "Alice@Example.COM", true},
	{netmap_field_login, "alice", false},
	{netmap_field_login, "@example.com", false},
	{netmap_field_login, "alice@", false},
	{netmap_field_login, "alice@@example.com", false},
	{netmap_field_login, "a@b@example.com", false},
	{netmap_field_login, "al ice@example.com", false},
	{netmap_field_login, "alice@exa_mple.com", false},
	{netmap_field_tag, "tag:prod", true},
	{netmap_field_tag, "tag:Prod-2", true},
	{netmap_field_tag, "tag:", false},
	{netmap_field_tag, "tag:2prod", false},
	{netmap_field_tag, "tag:pr_od", false},
	{netmap_field_tag, "prod", false},
	{netmap_field_tag, "group:prod", false},
	{netmap_field_endpoint, "192.0.2.1:41641", true},
	{netmap_field_endpoint, "[2001:db8::1]:41641", true},
	{netmap_field_endpoint, "host.example.net:1", true},
	{netmap_field_endpoint, "192.0.2.1:65535", true},
	{netmap_field_endpoint, "192.0.2.1:65536", false},
	{netmap_field_endpoint, "192.0.2.1:0", false},
	{netmap_field_endpoint, "192.0.2.1:041641", false},
	{netmap_field_endpoint, "192.0.2.1", false},
	{netmap_field_endpoint, "2001:db8::1:41641", false},
	{netmap_field_endpoint, "[2001:db8::1]41641", false},
	{netmap_field_endpoint, "[192.0.2.1]:41641", false},
	{netmap_field_endpoint, "192.0.2.256:41641", false},
	{netmap_field_endpoint, ":41641", false},
	{netmap_field_endpoint, "host_1:41641", false},
	{netmap_field_text, "Alice Liddell", true},
	{netmap_field_text, "", false},
	{netmap_field_text, "a\tb", false},
	{netmap_field_text, "a\x7f", false},
	{host_key, ED25519, true},
	{host_key, ECDSA, true},
	{host_key, RSA, true},
	{host_key, ED25519 " root@host", false},
	{host_key, "ssh-ed25519", false},
	{host_key, "ssh-ed25519 ", false},
	{host_key, "ssh-dss AAAAB3NzaC1kc3M=", false},
	{host_key, "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h17", false},
	{host_key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h1", false},
	{host_key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIp+OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h17==", false},
	{host_key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIp-OUEJTtAU1Cu9lOXu8nRgeGzoQ7TpaI+fzxJQ3h17", false},
	{host_key, "ssh-ed25519 AAAAC3Nz", false},
	{host_key, "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOEeSkTEpQCy3BIJmHZWKMVuhKgpSNcE8agtxhjRBbtLUVTEVt06vAqqVNfwRO5sS4/OaZSN1o3DzQUVSguoKCl=", false},
	{time_ok, "2026-12-01T00:00:00Z", true},
	{time_ok, "2026-12-01t00:00:00z", true},
	{time_ok, "2024-02-29T23:59:60Z", true},
	{time_ok, "2026-12-01T00:00:00.123456+05:30", true},
	{time_ok, "2025-02-29T00:00:00Z", false},
	{time_ok, "2026-12-01T00:00:00", false},
	{time_ok, "2026-12-01 00:00:00Z", false},
	{time_ok, "2026-13-01T00:00:00Z", false},
	{time_ok, "2026-12-01T24:00:00Z", false},
	{time_ok, "2026-12-01T00:00:00.Z", false},
	{time_ok, "2026-12-01T00:00:00+0530", false},
	{time_ok, "26-12-01T00:00:00Z", false},
};
/* clang-format on */

int
main(void)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[160];

		(void)snprintf(name, sizeof(name), "%s \"%.60s\"",
		    cases[i].want ? "accept" : "refuse", cases[i].s);
		ok(cases[i].check(cases[i].s) == cases[i].want, name);
	}
	{
		static const char *const bad_keys[] = {
		    "",
		    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE",
		    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE==",
		    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCF=",
		    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4_bOCE=",
		    "8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOC==",
		    " RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=",
		};
		uint8_t k1[32], k2[32];

		ok(netmap_field_wg_key("8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=", k1) &&
			keys_from_base64("8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=", k2) == 0 &&
			memcmp(k1, k2, sizeof(k1)) == 0,
		    "public key decodes as keys_from_base64 does");
		for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
			ok(!netmap_field_wg_key(bad_keys[i], k1), "malformed public key refused");
	}
	ok(netmap_field_time("1970-01-01T00:00:00Z", &t) && t == 0, "epoch");
	ok(netmap_field_time("2027-01-15T08:00:00Z", &t) && t == 1800000000,
	    "2027-01-15T08:00:00Z");
	ok(netmap_field_time("2027-01-15T09:30:00+01:30", &t) && t == 1800000000,
	    "positive offset");
	ok(netmap_field_time("2027-01-15T06:00:00-02:00", &t) && t == 1800000000,
	    "negative offset");
	ok(netmap_field_time("2000-02-29T00:00:00Z", &t) && t == 951782400, "leap day 2000");
	ok(netmap_field_time("1969-12-31T23:59:59Z", &t) && t == -1, "before the epoch");
	return tap_done();
}
