/*
 * Netmap parsing: a good netmap and its lookups (whois v4/v6/miss, names,
 * keys, users), and one case per refusal with its error code, position and
 * message, checking that a refused document leaves the current netmap as it
 * was.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "keys.h"
#include "netmap.h"
#include "netmap_fixture.h"
#include "tap.h"

static struct netmap *
parse(const char *text, struct mesh_error *err)
{
	struct netmap *nm = NULL;

	mesh_error_clear(err);
	if (netmap_parse((const uint8_t *)text, strlen(text), &nm, err) != 0)
		return NULL;
	return nm;
}

static const char *
whois_name(const struct netmap *nm, const char *addr)
{
	struct netmap_addr a;
	const struct netmap_node *n;

	if (netmap_addr_parse(addr, &a) != 0)
		return "(unparsable)";
	n = netmap_whois(nm, &a);
	return n ? n->name : NULL;
}

static void
test_good(const struct netmap *nm)
{
	const struct netmap_node *n;
	const struct netmap_user *u;
	uint8_t key[KEYS_LEN];
	char buf[NETMAP_ADDR_TEXT_MAX];

	is_int(nm->serial, 42, "serial");
	is_int(nm->expires, FIX_EXPIRES, "expires parsed from RFC 3339");
	is_str(nm->domain, "mesh.example.com", "domain");
	is_int(nm->nnodes, 3, "three nodes");
	is_int(nm->nusers, 2, "two users");
	is_str(nm->nodes[0].name, "web-1", "document order kept");
	is_int(nm->nodes[0].naddrs, 2, "web-1 has two addresses");
	is_int(nm->nodes[0].ntags, 2, "web-1 has two tags");
	ok(nm->nodes[0].owner == NULL && nm->nodes[0].user == NULL, "tagged node has no owner");
	is_str(nm->nodes[0].host_keys[0], FIX_HOST_KEY, "host key kept");
	is_str(nm->nodes[2].endpoints[0], "[2001:db8::1]:41641", "v6 endpoint");
	is_str(nm->nodes[2].owner, "alice@example.com", "owner");
	ok(nm->nodes[2].user == &nm->users[0], "owner linked to its user entry");
	is_str(nm->users[0].display_name, "Alice Liddell", "display name");
	is_int(nm->users[0].ngroups, 2, "groups");
	ok(nm->users[1].display_name == NULL, "display name optional");

	is_str(whois_name(nm, "100.64.0.1"), "web-1", "whois v4");
	is_str(whois_name(nm, "100.64.0.3"), "alice-laptop", "whois v4 other node");
	is_str(whois_name(nm, "fd7a:115c:a1e0::1"), "web-1", "whois v6");
	is_str(whois_name(nm, "fd7a:115c:a1e0::3"), "alice-laptop", "whois v6 other node");
	is_str(whois_name(nm, "::ffff:100.64.0.2"), "db-1", "whois v4-mapped v6 as v4");
	ok(whois_name(nm, "100.64.0.4") == NULL, "whois miss v4");
	ok(whois_name(nm, "fd7a:115c:a1e0::2") == NULL, "whois miss v6");
	ok(whois_name(nm, "192.0.2.1") == NULL, "an endpoint is not a mesh address");
	ok(netmap_whois(nm, NULL) == NULL, "whois NULL");

	n = netmap_node_by_name(nm, "db-1");
	ok(n && strcmp(n->name, "db-1") == 0, "node by name");
	ok(netmap_node_by_name(nm, "DB-1") == n, "node by name is case-insensitive");
	ok(netmap_node_by_name(nm, "db-1.mesh.example.com") == n, "node by FQDN");
	ok(netmap_node_by_name(nm, "db-1.mesh.example.com.") == n, "node by FQDN with dot");
	ok(netmap_node_by_name(nm, "db-1.other.example.com") == NULL, "other domain misses");
	ok(netmap_node_by_name(nm, "db-2") == NULL, "node by name miss");
	ok(keys_from_base64(FIX_KEY_LAPTOP, key) == 0, "fixture key decodes");
	n = netmap_node_by_key(nm, key);
	ok(n && strcmp(n->name, "alice-laptop") == 0, "node by key");
	key[0] ^= 1;
	ok(netmap_node_by_key(nm, key) == NULL, "node by key miss");
	u = netmap_user_by_login(nm, "bob@example.com");
	ok(u && strcmp(u->id, "idp|1002") == 0, "user by login");
	ok(netmap_user_by_id(nm, "idp|1001") == &nm->users[0], "user by id");
	ok(netmap_user_by_id(nm, "idp|9") == NULL, "user by id miss");
	ok(netmap_node_has_tag(&nm->nodes[0], "tag:web"), "has tag");
	ok(!netmap_node_has_tag(&nm->nodes[1], "tag:web"), "has no tag");
	ok(netmap_addr_format(&nm->nodes[0].addrs[1], buf, sizeof(buf)) == 0 &&
		strcmp(buf, "fd7a:115c:a1e0::1") == 0,
	    "addr format v6");
}

struct bad_case {
	const char *from, *to; /* replace the first occurrence */
	int code;
	unsigned line, col;
	const char *text;
};

/* clang-format off */
static const struct bad_case bad_cases[] = {
	{"\"key\": \"8RY6", "\"key\": \"8RY!", MESH_ERR_INVALID, 7, 30,
	    "nodes[0].key: \"8RY!"},
	{"\"key\": \"8RY6vDGyA0PxnpqQ4jv32O6FKCjGTG1x64YXb4/bOCE=\"", "\"key\": \"abc=\"",
	    MESH_ERR_INVALID, 7, 30, "not a valid WireGuard key"},
	{FIX_KEY_DB1, FIX_KEY_WEB1, MESH_ERR_DUPLICATE, 12, 29,
	    "nodes[1].key: duplicate WireGuard key (already in nodes[0])"},
	{"\"100.64.0.2\"", "\"fd7a:115c:a1e0::1\"", MESH_ERR_DUPLICATE, 13, 20,
	    "nodes[1].addresses[0]: duplicate address (already used by nodes[0] \"web-1\")"},
	{"\"100.64.0.3\"", "\"100.64.0.1\"", MESH_ERR_DUPLICATE, 16, 20,
	    "nodes[2].addresses[0]: duplicate address"},
	{"\"db-1\"", "\"web-1\"", MESH_ERR_DUPLICATE, 12, 14,
	    "nodes[1].name: duplicate node name (already in nodes[0])"},
	{"\"db-1\"", "\"DB-1\"", MESH_ERR_INVALID, 12, 14, "nodes[1].name: \"DB-1\": not a valid"},
	{"\"db-1\"", "\"db_1\"", MESH_ERR_INVALID, 12, 14, "not a valid node name"},
	{"\"100.64.0.2\"", "\"100.64.0.2/32\"", MESH_ERR_INVALID, 13, 20,
	    "nodes[1].addresses[0]: \"100.64.0.2/32\": not an IPv4 or IPv6 address"},
	{"\"100.64.0.2\"", "\"::ffff:100.64.0.2\"", MESH_ERR_INVALID, 13, 20, "IPv4-mapped"},
	{"\"100.64.0.2\"", "\"0.0.0.0\"", MESH_ERR_INVALID, 13, 20, "unspecified"},
	{"[\"100.64.0.2\"]", "[]", MESH_ERR_INVALID, 13, 19,
	    "nodes[1].addresses: must not be empty"},
	{"\"tag:prod\"]},", "\"tag:prod\"], \"owner\": \"bob@example.com\"},", MESH_ERR_INVALID,
	    12, 5, "nodes[1]: a node has an owner or tags, not both"},
	{"\"tags\": [\"tag:prod\"]}", "\"tags\": []}", MESH_ERR_INVALID, 12, 5,
	    "nodes[1]: a node needs an owner or at least one tag"},
	{"\"owner\": \"alice@example.com\"", "\"owner\": \"carol@example.com\"", MESH_ERR_INVALID,
	    18, 15, "nodes[2].owner: owner \"carol@example.com\" is not in users"},
	{"\"owner\": \"alice@example.com\"", "\"owner\": \"alice\"", MESH_ERR_INVALID, 18, 15,
	    "not a valid login"},
	{"\"tag:web\"", "\"prod\"", MESH_ERR_INVALID, 10, 27,
	    "nodes[0].tags[1]: \"prod\": not a valid tag"},
	{"\"tag:web\"", "\"tag:prod\"", MESH_ERR_DUPLICATE, 10, 27, "listed twice"},
	{"\"192.0.2.1:41641\"", "\"192.0.2.1\"", MESH_ERR_INVALID, 9, 20,
	    "nodes[0].endpoints[0]: \"192.0.2.1\": not a valid endpoint"},
	{"\"192.0.2.1:41641\"", "\"192.0.2.1:70000\"", MESH_ERR_INVALID, 9, 20, "endpoint"},
	{"\"ssh-ed25519 AAAAC3", "\"ssh-ed448 AAAAC3", MESH_ERR_INVALID, 11, 19,
	    "unknown host key type"},
	{"\"ssh-ed25519 AAAAC3", "\"ssh-rsa AAAAC3", MESH_ERR_INVALID, 11, 19,
	    "not valid base64 of an SSH public key"},
	{"\"name\": \"web-1\",", "\"name\": \"web-1\", \"color\": 1,", MESH_ERR_PARSE, 7, 32,
	    "nodes[0].color: unknown field"},
	{"\"domain\"", "\"do\\nmain\"", MESH_ERR_PARSE, 5, 15, "do?main: unknown field"},
	{"\"tag:web\"", "\"tag:\\u001b[31mweb\"", MESH_ERR_INVALID, 10, 27,
	    "\"tag:?[31mweb\": not a valid tag"},
	{"\"version\": 1", "\"version\": 2", MESH_ERR_UNSUPPORTED, 2, 14,
	    "version: version 2 is not supported"},
	{"\"version\": 1,\n", "", MESH_ERR_PARSE, 1, 1, "missing field \"version\""},
	{"\"serial\": 42", "\"serial\": -1", MESH_ERR_PARSE, 3, 13, "serial: must be"},
	{"\"serial\": 42", "\"serial\": 4.2", MESH_ERR_PARSE, 3, 13, "serial: must be"},
	{"\"2027-01-15T08:00:00Z\"", "\"2027-02-30T08:00:00Z\"", MESH_ERR_PARSE, 4, 14,
	    "expires: must be an RFC 3339 time"},
	{"\"2027-01-15T08:00:00Z\"", "\"0227-01-15T08:00:00Z\"", MESH_ERR_PARSE, 4, 14,
	    "from 1970 to 9999"},
	{"\"2027-01-15T08:00:00Z\"", "253402300800", MESH_ERR_PARSE, 4, 14, "from 1970 to 9999"},
	{"\"mesh.example.com\"", "\"mesh..example.com\"", MESH_ERR_INVALID, 5, 13, "domain"},
	{"\"login\": \"bob@example.com\"", "\"login\": \"alice@example.com\"", MESH_ERR_DUPLICATE,
	    23, 33, "users[1].login: duplicate login (already in users[0])"},
	{"\"idp|1002\"", "\"idp|1001\"", MESH_ERR_DUPLICATE, 23, 12,
	    "users[1].id: duplicate user id"},
	{"\"idp|1002\"", "\"\"", MESH_ERR_INVALID, 23, 12, "users[1].id: \"\": empty"},
	{"\"groups\": [\"admins\", \"eng\"]", "\"groups\": \"admins\"", MESH_ERR_PARSE, 22, 48,
	    "users[0].groups: must be an array"},
	{"\"domain\": \"mesh.example.com\"",
	    "\"domain\": \"mesh.example.com\", \"domain\": \"x.example.com\"", MESH_ERR_PARSE, 5,
	    43, "domain: duplicate field"},
	{"\"Alice Liddell\"", "\"Alice \\u0000\"", MESH_ERR_PARSE, 22, 28,
	    "\\u0000 is not allowed"},
	{"\"Alice Liddell\"", "\"Alice \xff\"", MESH_ERR_PARSE, 22, 28, "invalid UTF-8"},
	{"\"Alice Liddell\"", "\"Alice \xed\xa0\x80\"", MESH_ERR_PARSE, 22, 28,
	    "invalid UTF-8"},
	{"\"Alice Liddell\"", "\"Alice \\ud800\"", MESH_ERR_PARSE, 22, 28,
	    "invalid surrogate pair"},
	{"\"Alice Liddell\"", "\"Alice\tLiddell\"", MESH_ERR_PARSE, 22, 27,
	    "control character in string"},
	{"\"tag:web\"]", "\"tag:web\",]", MESH_ERR_PARSE, 10, 37, "trailing comma"},
	{"\"serial\": 42", "\"serial\": 99999999999999999999", MESH_ERR_PARSE, 3, 13,
	    "serial: must be a non-negative integer"},
	{"  ],\n  \"users\"", "  ]\n  \"users\"", MESH_ERR_PARSE, 20, 0, "expected"},
	{"  ]\n}\n", "  ]\n}\n}", MESH_ERR_PARSE, 26, 1, "end of input expected"},
};
/* clang-format on */

static char *
replace_first(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t pre, len;
	char *out;

	if (at == NULL)
		return NULL;
	pre = (size_t)(at - text);
	len = strlen(text) - strlen(from) + strlen(to);
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(out, text, pre);
	memcpy(out + pre, to, strlen(to));
	strcpy(out + pre + strlen(to), at + strlen(from));
	return out;
}

static void
test_bad(const struct netmap *current)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char *doc = replace_first(fixture_netmap, c->from, c->to);
		struct mesh_error err = {0};
		struct netmap *nm;
		char name[128];

		(void)snprintf(name, sizeof(name), "bad %zu: %s", i, c->text);
		if (!ok(doc != NULL, name)) {
			printf("#   fixture has no \"%s\"\n", c->from);
			continue;
		}
		nm = parse(doc, &err);
		ok(nm == NULL, name);
		is_int(err.code, c->code, name);
		is_int(err.line, c->line, name);
		if (c->col)
			is_int(err.col, c->col, name);
		if (!ok(strstr(err.text, c->text) != NULL, name))
			printf("#   text: %s\n", err.text);
		ok(strchr(err.text, '\n') == NULL, "error is one line");
		/* the netmap in force is untouched */
		ok(current->serial == 42 && current->nnodes == 3 &&
			strcmp(whois_name(current, "100.64.0.2"), "db-1") == 0,
		    "current netmap unaffected");
		netmap_free(nm);
		free(doc);
	}
}

static void
test_variants(void)
{
	struct mesh_error err = {0};
	struct netmap *nm;
	char *doc;

	doc = replace_first(fixture_netmap, "\"2027-01-15T08:00:00Z\"", "1800000000");
	nm = parse(doc, &err);
	ok(nm && nm->expires == FIX_EXPIRES, "expires as unix seconds");
	netmap_free(nm);
	free(doc);
	doc = replace_first(
	    fixture_netmap, "\"2027-01-15T08:00:00Z\"", "\"2027-01-15T09:30:00.25+01:30\"");
	nm = parse(doc, &err);
	ok(nm && nm->expires == FIX_EXPIRES, "expires with offset and fraction");
	netmap_free(nm);
	free(doc);
	nm = parse("{\"version\":1,\"serial\":0,\"expires\":0,\"nodes\":[]}", &err);
	ok(nm && nm->nnodes == 0 && nm->nusers == 0, "empty netmap parses");
	ok(netmap_whois(nm, &(struct netmap_addr){AF_INET, {100, 64, 0, 1}}) == NULL,
	    "whois on empty netmap");
	ok(netmap_node_by_name(nm, "x") == NULL && netmap_user_by_login(nm, "a@b") == NULL,
	    "lookups on empty netmap");
	netmap_free(nm);
	doc = replace_first(fixture_netmap, "\"Alice Liddell\"",
	    "\"Al\\u00efce \\ud83d\\ude00 \\\"A\\\" \\/ \\\\\"");
	nm = parse(doc, &err);
	ok(nm &&
		strcmp(nm->users[0].display_name,
		    "Al\xc3\xaf"
		    "ce \xf0\x9f\x98\x80 \"A\" / \\") == 0,
	    "string escapes and surrogate pairs decode to UTF-8");
	netmap_free(nm);
	free(doc);
	nm = parse("[]", &err);
	ok(nm == NULL && err.code == MESH_ERR_PARSE && strstr(err.text, "JSON object"),
	    "top level must be an object");
	nm = parse("", &err);
	ok(nm == NULL && err.code == MESH_ERR_PARSE, "empty input refused");
	netmap_free(NULL);
	ok(1, "netmap_free(NULL) is a no-op");
}

static void
test_roundtrip(const struct netmap *nm)
{
	struct mesh_error err = {0};
	struct netmap *again;
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;

	ok(netmap_to_json(nm, &text, &len) == 0, "to_json");
	again = text ? parse(text, &err) : NULL;
	ok(again != NULL, "to_json output parses");
	if (again == NULL)
		printf("#   %s\n", err.text);
	ok(again && netmap_to_json(again, &text2, &len2) == 0 && len == len2 &&
		memcmp(text, text2, len) == 0,
	    "to_json is stable");
	ok(again && again->expires == nm->expires && again->serial == nm->serial &&
		again->nnodes == nm->nnodes && again->nusers == nm->nusers,
	    "round trip keeps serial, expiry and counts");
	ok(again && strcmp(whois_name(again, "fd7a:115c:a1e0::3"), "alice-laptop") == 0,
	    "round trip keeps addresses");
	netmap_free(again);
	free(text);
	free(text2);
}

int
main(void)
{
	struct mesh_error err = {0};
	struct netmap *nm = parse(fixture_netmap, &err);

	if (!ok(nm != NULL, "fixture parses")) {
		printf("#   %u:%u: %s\n", err.line, err.col, err.text);
		return tap_done();
	}
	test_good(nm);
	test_bad(nm);
	test_variants();
	test_roundtrip(nm);
	netmap_free(nm);
	return tap_done();
}
