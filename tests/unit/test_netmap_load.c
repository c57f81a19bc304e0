/*
 * Trusting a netmap: trusted-keys and signing-key files (syntax, owner and
 * mode), detached signatures (good, bad, untrusted signer, malformed),
 * rollback, expiry and the serial state file.  Every refusal leaves the
 * netmap in force untouched.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "netmap.h"
#include "netmap_fixture.h"
#include "tap.h"

#define NOW	   (FIX_EXPIRES - 3600)
#define NOBODY_UID 65534

static char dir[] = "/tmp/meshssh-test-netmap-XXXXXX";

static const char *
path(const char *name)
{
	static char buf[4][256];
	static int slot;

	slot = (slot + 1) % 4;
	(void)snprintf(buf[slot], sizeof(buf[slot]), "%s/%s", dir, name);
	return buf[slot];
}

static void
put(const char *name, const void *data, size_t len, mode_t mode)
{
	struct mesh_error err = {0};

	if (mesh_file_write_atomic(path(name), data, len, mode, &err) != 0)
		printf("# write %s: %s\n", name, err.text);
}

static void
put_str(const char *name, const char *s, mode_t mode)
{
	put(name, s, strlen(s), mode);
}

/* The netmap in force, checked after every refusal. */
static struct netmap *current;

static void
current_intact(const char *name)
{
	struct netmap_addr a;

	(void)netmap_addr_parse("100.64.0.1", &a);
	ok(current != NULL && current->serial == 42 &&
		netmap_whois(current, &a) == &current->nodes[0],
	    name);
}

/* netmap_load into a fresh pointer; on success it replaces current. */
static int
load(const char *doc, const char *sig, const struct trust_keys *tk, uint64_t last, int64_t now,
    struct mesh_error *err)
{
	struct netmap *nm = NULL;
	int r;

	mesh_error_clear(err);
	r = netmap_load(path(doc), path(sig), tk, last, now, &nm, err);
	ok((r == 0) == (nm != NULL), "netmap set exactly on success");
	if (r == 0) {
		netmap_free(current);
		current = nm;
	}
	return r;
}

static void
test_trusted_keys(const struct trust_signing_key *k1)
{
	struct trust_keys *tk = NULL;
	struct mesh_error err = {0};
	char pub[TRUST_PUBKEY_TEXT_MAX], text[512];

	trust_pubkey_format(k1->pub, pub);
	(void)snprintf(text, sizeof(text), "# meshssh signers\n\n%s ops laptop\n  %s\n", pub, pub);
	ok(trust_keys_parse((const uint8_t *)text, strlen(text), &tk, &err) == 0 && tk->nkeys == 1,
	    "trusted keys: comments, blanks, duplicate folded");
	ok(trust_keys_contains(tk, k1->pub), "trusted keys: contains");
	trust_keys_free(tk);

	(void)snprintf(text, sizeof(text), "# x\nssh-ed25519 %s\n", pub + 8);
	ok(trust_keys_parse((const uint8_t *)text, strlen(text), &tk, &err) == MESH_ERR_PARSE &&
		tk == NULL && err.line == 2 && err.col == 1,
	    "trusted keys: wrong algorithm refused at 2:1");
	(void)snprintf(text, sizeof(text), "ed25519 AAAA\n");
	ok(trust_keys_parse((const uint8_t *)text, strlen(text), &tk, &err) == MESH_ERR_PARSE &&
		err.line == 1 && err.col == 9 && strstr(err.text, "public key"),
	    "trusted keys: short key refused at 1:9");
	ok(trust_keys_parse((const uint8_t *)"ed25519\n", 8, &tk, &err) == MESH_ERR_PARSE,
	    "trusted keys: missing key refused");

	put_str("trusted-keys", text, 0644);
	(void)snprintf(text, sizeof(text), "%s\n", pub);
	put_str("trusted-keys", text, 0664);
	ok(trust_keys_load(path("trusted-keys"), &tk, &err) == MESH_ERR_PERM && tk == NULL,
	    "trusted keys: group-writable file refused");
	put_str("trusted-keys", text, 0644);
	if (geteuid() == 0) {
		ok(chown(path("trusted-keys"), NOBODY_UID, NOBODY_UID) == 0, "chown to nobody");
		ok(trust_keys_load(path("trusted-keys"), &tk, &err) == MESH_ERR_PERM &&
			strstr(err.text, "expected root"),
		    "trusted keys: file not owned by root refused");
		put_str("trusted-keys", text, 0644);
	} else {
		ok(1, "# SKIP not root: cannot chown");
		ok(1, "# SKIP not root: cannot chown");
	}
	ok(trust_keys_load(path("trusted-keys"), &tk, &err) == 0 && tk->nkeys == 1,
	    "trusted keys: load");
	trust_keys_free(tk);
	trust_keys_free(NULL);
}

static void
test_signing_key_file(void)
{
	struct trust_signing_key k, k2;
	struct mesh_error err = {0};
	char *text = NULL;
	size_t len = 0;

	ok(trust_signing_key_generate(&k) == 0, "signing key generated");
	ok(trust_signing_key_format(&k, &text, &len) == 0 &&
		strncmp(text, "ed25519-secret ", 15) == 0,
	    "signing key formatted");
	put("signing.key", text, len, 0600);
	ok(trust_signing_key_load(path("signing.key"), &k2, &err) == 0 &&
		memcmp(k.pub, k2.pub, sizeof(k.pub)) == 0 &&
		memcmp(k.secret, k2.secret, sizeof(k.secret)) == 0,
	    "signing key round trip");
	put("signing.key", text, len, 0640);
	ok(trust_signing_key_load(path("signing.key"), &k2, &err) == MESH_ERR_PERM,
	    "signing key readable by group refused");
	put("signing.key", text, len, 0644);
	ok(trust_signing_key_load(path("signing.key"), &k2, &err) == MESH_ERR_PERM &&
		strstr(err.text, "0600"),
	    "signing key readable by others refused");
	put_str("signing.key", "ed25519-secret AAAA\n", 0600);
	ok(trust_signing_key_load(path("signing.key"), &k2, &err) == MESH_ERR_PARSE &&
		strstr(err.text, "AAAA") == NULL,
	    "malformed signing key refused without echoing it");
	trust_text_free(text, len);
	trust_signing_key_wipe(&k);
	trust_signing_key_wipe(&k2);
}

static char *
sign(const char *doc, size_t len, const struct trust_signing_key *k, size_t *siglen)
{
	char *sig = NULL;

	if (trust_sign(NETMAP_SIG_CONTEXT, (const uint8_t *)doc, len, k, &sig, siglen) != 0)
		return NULL;
	return sig;
}

static void
test_load(const struct trust_signing_key *k1, const struct trust_signing_key *k2)
{
	struct trust_keys tk = {0};
	uint8_t keys[1][TRUST_PUBKEY_LEN];
	struct mesh_error err = {0};
	size_t len = strlen(fixture_netmap), siglen = 0;
	char *sig, *doc, *bad;
	uint64_t serial = 0;
	struct stat st;

	memcpy(keys[0], k1->pub, TRUST_PUBKEY_LEN);
	tk.keys = keys;
	tk.nkeys = 1;
	sig = sign(fixture_netmap, len, k1, &siglen);
	ok(sig != NULL && strncmp(sig, "ed25519 ", 8) == 0, "signed");
	put("netmap.json", fixture_netmap, len, 0644);
	put("netmap.json.sig", sig, siglen, 0644);
	ok(netmap_verify_signature(
	       (const uint8_t *)fixture_netmap, len, (const uint8_t *)sig, siglen, &tk, &err) == 0,
	    "signature verifies");
	is_int(load("netmap.json", "netmap.json.sig", &tk, 42, NOW, &err), 0,
	    "load: good netmap at the same serial");
	current_intact("loaded netmap in force");
	is_int(trust_verify("meshssh-other-v1", (const uint8_t *)fixture_netmap, len,
		   (const uint8_t *)sig, siglen, &tk, NULL, &err),
	    MESH_ERR_SIGNATURE, "signature does not verify under another context");

	/* one changed byte */
	doc = strdup(fixture_netmap);
	doc[strstr(doc, "100.64.0.2") - doc + 9] = '9';
	put("netmap.json", doc, len, 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_SIGNATURE,
	    "load: tampered netmap refused");
	ok(strstr(err.text, "bad signature") && strcmp(err.source, path("netmap.json.sig")) == 0,
	    "tamper error names the signature file");
	current_intact("tampered netmap leaves the old one in force");

	/* signed by a key that is not trusted */
	put("netmap.json", fixture_netmap, len, 0644);
	free(sig);
	sig = sign(fixture_netmap, len, k2, &siglen);
	put("netmap.json.sig", sig, siglen, 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_UNTRUSTED,
	    "load: unknown signer refused");
	ok(strstr(err.text, "signed by an untrusted key (ed25519 ") != NULL, "untrusted key named");
	current_intact("untrusted netmap leaves the old one in force");

	/* malformed signature files */
	put_str("netmap.json.sig", "ed25519 AAAA BBBB\n", 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_PARSE,
	    "load: malformed signature refused");
	put_str("netmap.json.sig", "", 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_PARSE,
	    "load: empty signature refused");
	free(sig);
	sig = sign(fixture_netmap, len, k1, &siglen);
	bad = malloc(siglen + 8);
	memcpy(bad, sig, siglen);
	memcpy(bad + siglen, "extra\n", 6);
	put("netmap.json.sig", bad, siglen + 6, 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_PARSE,
	    "load: text after the signature refused");
	free(bad);
	is_int(load("netmap.json", "no-such.sig", &tk, 0, NOW, &err), MESH_ERR_NOTFOUND,
	    "load: missing signature file");
	current_intact("missing signature leaves the old one in force");

	/* rollback and expiry */
	put("netmap.json.sig", sig, siglen, 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 43, NOW, &err), MESH_ERR_ROLLBACK,
	    "load: lower serial refused");
	is_str(err.text, "netmap serial 42 is lower than the last accepted 43 (rollback)",
	    "rollback message");
	current_intact("rollback leaves the old one in force");
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, FIX_EXPIRES, &err), MESH_ERR_EXPIRED,
	    "load: expired netmap refused");
	is_str(err.text, "netmap serial 42 expired at 2027-01-15T08:00:00Z", "expiry message");
	current_intact("expired netmap leaves the old one in force");

	/* a signed but malformed netmap */
	free(doc);
	doc = strdup(fixture_netmap);
	memcpy(strstr(doc, "\"db-1\""), "\"DB-1\"", 6);
	free(sig);
	sig = sign(doc, len, k1, &siglen);
	put("netmap.json", doc, len, 0644);
	put("netmap.json.sig", sig, siglen, 0644);
	is_int(load("netmap.json", "netmap.json.sig", &tk, 0, NOW, &err), MESH_ERR_INVALID,
	    "load: signed but malformed netmap refused");
	ok(err.line == 12 && strcmp(err.source, path("netmap.json")) == 0,
	    "malformed error names the netmap file and line");
	current_intact("malformed netmap leaves the old one in force");

	/* the serial state file */
	put("netmap.json", fixture_netmap, len, 0644);
	free(sig);
	sig = sign(fixture_netmap, len, k1, &siglen);
	put("netmap.json.sig", sig, siglen, 0644);
	ok(netmap_serial_read(path("netmap.serial"), &serial, &err) == 0 && serial == 0,
	    "missing serial state reads as 0");
	{
		struct netmap *nm = NULL;

		ok(netmap_load_tracked(path("netmap.json"), path("netmap.json.sig"), &tk,
		       path("netmap.serial"), NOW, &nm, &err) == 0 &&
			nm != NULL,
		    "tracked load");
		netmap_free(nm);
		nm = NULL;
		ok(netmap_serial_read(path("netmap.serial"), &serial, &err) == 0 && serial == 42,
		    "tracked load recorded serial 42");
		ok(netmap_serial_write(path("netmap.serial"), 50, &err) == 0,
		    "serial state written");
		ok(netmap_load_tracked(path("netmap.json"), path("netmap.json.sig"), &tk,
		       path("netmap.serial"), NOW, &nm, &err) == MESH_ERR_ROLLBACK &&
			nm == NULL,
		    "tracked load refuses rollback across restarts");
		ok(netmap_serial_read(path("netmap.serial"), &serial, &err) == 0 && serial == 50,
		    "refused load keeps the recorded serial");
		put_str("netmap.serial", "12x\n", 0644);
		ok(netmap_serial_read(path("netmap.serial"), &serial, &err) == MESH_ERR_PARSE,
		    "garbage serial state refused");
		put_str("netmap.serial", "7\n", 0666);
		ok(netmap_serial_read(path("netmap.serial"), &serial, &err) == MESH_ERR_PERM,
		    "world-writable serial state refused");
		/* a state directory that does not exist yet is created, a loose one refused */
		ok(netmap_serial_write(path("state/netmap.serial"), 51, &err) == 0 &&
			netmap_serial_read(path("state/netmap.serial"), &serial, &err) == 0 &&
			serial == 51,
		    "missing state directory created");
		ok(stat(path("state"), &st) == 0 && (st.st_mode & 07777) == NETMAP_STATE_DIR_MODE,
		    "state directory mode 0755");
		(void)chmod(path("state"), 0777);
		ok(netmap_serial_write(path("state/netmap.serial"), 52, &err) == MESH_ERR_PERM &&
			strstr(err.text, "group- or world-writable") != NULL,
		    "world-writable state directory refused");
	}
	current_intact("the netmap in force survived every refusal");
	free(sig);
	free(doc);
}

int
main(void)
{
	struct trust_signing_key k1, k2;
	struct mesh_error err = {0};
	char cmd[300];

	if (mkdtemp(dir) == NULL) {
		printf("not ok 1 - mkdtemp\n1..1\n");
		return 1;
	}
	if (netmap_parse((const uint8_t *)fixture_netmap, strlen(fixture_netmap), &current, &err) !=
	    0) {
		printf("not ok 1 - fixture: %s\n1..1\n", err.text);
		return 1;
	}
	(void)trust_signing_key_generate(&k1);
	(void)trust_signing_key_generate(&k2);
	test_trusted_keys(&k1);
	test_signing_key_file();
	test_load(&k1, &k2);
	trust_signing_key_wipe(&k1);
	trust_signing_key_wipe(&k2);
	netmap_free(current);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
