/*
 * meshctl key commands: WireGuard keys (keygen, pubkey; byte-compatible with
 * `wg genkey` and `wg pubkey`) and netmap signing keys (signing-key new,
 * signing-key public).  Private keys are wiped as soon as they are printed
 * or written.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd_util.h"
#include "fileio.h"
#include "keys.h"
#include "meshctl.h"
#include "trust.h"

#define SIGNING_KEY_MODE 0600
/* wg pubkey reads one key: 44 characters and a newline */
#define PUBKEY_INPUT_MAX (KEYS_B64_LEN + 2)

static int
cmd_keygen(int argc, char **argv)
{
	uint8_t priv[KEYS_LEN];
	char text[KEYS_B64_LEN + 1];
	int r;

	(void)argv;
	if (argc != 1)
		return meshctl_usage("keygen");
	if (keys_generate_private(priv) != 0) {
		meshctl_err("keygen: libsodium failed to initialise");
		return MESHCTL_EXIT_FAIL;
	}
	keys_to_base64(priv, text);
	r = printf("%s\n", text) < 0 || fflush(stdout) != 0;
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(text, sizeof(text));
	if (r) {
		meshctl_err("keygen: cannot write the key");
		return MESHCTL_EXIT_FAIL;
	}
	return MESHCTL_EXIT_OK;
}

static int
cmd_pubkey(int argc, char **argv)
{
	char in[PUBKEY_INPUT_MAX + 2], text[KEYS_B64_LEN + 1];
	uint8_t priv[KEYS_LEN], pub[KEYS_LEN];
	size_t n;
	int r = MESHCTL_EXIT_FAIL;

	(void)argv;
	if (argc != 1)
		return meshctl_usage("pubkey");
	n = fread(in, 1, sizeof(in) - 1, stdin);
	in[n] = '\0';
	/* like wg: one key, optionally followed by a newline, nothing more */
	if (n > 0 && in[n - 1] == '\n')
		in[--n] = '\0';
	if (n > 0 && in[n - 1] == '\r')
		in[--n] = '\0';
	if (keys_from_base64(in, priv) != 0) {
		meshctl_err(
		    "pubkey: stdin is not a WireGuard private key (44 characters of base64)");
		goto out;
	}
	if (keys_public_from_private(priv, pub) != 0) {
		meshctl_err("pubkey: cannot derive the public key");
		goto out;
	}
	keys_to_base64(pub, text);
	printf("%s\n", text);
	r = MESHCTL_EXIT_OK;
out:
	sodium_memzero(in, sizeof(in));
	sodium_memzero(priv, sizeof(priv));
	return r;
}

static int
cmd_signing_key_new(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	struct trust_signing_key key;
	struct mesh_error err = {0};
	char pub[TRUST_PUBKEY_TEXT_MAX];
	const char *out = NULL;
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int c, force = 0, r = MESHCTL_EXIT_FAIL;

	optind = 0;
	while ((c = getopt_long(argc, argv, "o:f", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'f')
			force = 1;
		else
			return meshctl_usage("signing-key new");
	}
	if (out == NULL || optind != argc)
		return meshctl_usage("signing-key new");
	if (!force && lstat(out, &st) == 0) {
		meshctl_err("signing-key new: %s exists (use --force to replace it)", out);
		return MESHCTL_EXIT_FAIL;
	}
	if (trust_signing_key_generate(&key) != 0 ||
	    trust_signing_key_format(&key, &text, &len) != 0) {
		meshctl_err("signing-key new: cannot generate a key");
		goto out;
	}
	if (mesh_file_write_atomic(out, text, len, SIGNING_KEY_MODE, &err) != 0) {
		meshctl_report("signing-key new", &err);
		goto out;
	}
	trust_pubkey_format(key.pub, pub);
	/* the line to append to the trusted-keys file */
	printf("%s\n", pub);
	r = MESHCTL_EXIT_OK;
out:
	trust_text_free(text, len);
	trust_signing_key_wipe(&key);
	return r;
}

static int
cmd_signing_key_public(int argc, char **argv)
{
	struct trust_signing_key key;
	struct mesh_error err = {0};
	char pub[TRUST_PUBKEY_TEXT_MAX];

	if (argc != 2)
		return meshctl_usage("signing-key public");
	if (trust_signing_key_load(argv[1], &key, &err) != 0) {
		meshctl_report("signing-key public", &err);
		trust_signing_key_wipe(&key);
		return MESHCTL_EXIT_FAIL;
	}
	trust_pubkey_format(key.pub, pub);
	trust_signing_key_wipe(&key);
	printf("%s\n", pub);
	return MESHCTL_EXIT_OK;
}

const struct meshctl_cmd meshctl_cmds_keys[] = {
    {"keygen", "", "print a new WireGuard private key (like wg genkey)", cmd_keygen},
    {"pubkey", "< PRIVATE-KEY", "print the public key of a private key (like wg pubkey)",
	cmd_pubkey},
    {"signing-key new", "--out FILE [--force]",
	"create a netmap signing key (mode 0600); print its trusted-keys line",
	cmd_signing_key_new},
    {"signing-key public", "FILE", "print the trusted-keys line of a signing key",
	cmd_signing_key_public},
    {NULL, NULL, NULL, NULL},
};
