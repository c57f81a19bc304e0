/*
 * Host keys for meshsshd.  Keys are imported from memory read through
 * lib/fileio (owner and mode checked on the open descriptor), never by path,
 * so libssh does not open files as root on our behalf.
 */
#include "config.h"

#include <errno.h>
#include <libssh/libssh.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "hostkey.h"
#include "log.h"

#define SSHD_HOSTKEY_MAX_BYTES (64u * 1024u)
#define SSHD_PUBKEY_LINE_MAX   4096
#define SSHD_KEYDIR_MODE       0755

static int
sshd_hostkey_type(const char *path, enum ssh_keytypes_e *type, int *bits)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (strstr(base, "ed25519")) {
		*type = SSH_KEYTYPE_ED25519;
		*bits = 0;
	} else if (strstr(base, "ecdsa")) {
		*type = SSH_KEYTYPE_ECDSA_P256;
		*bits = SSHD_ECDSA_BITS;
	} else if (strstr(base, "rsa")) {
		*type = SSH_KEYTYPE_RSA;
		*bits = SSHD_RSA_BITS;
	} else {
		return MESH_ERR_UNSUPPORTED;
	}
	return MESH_OK;
}

static int
sshd_hostkey_generate(const char *path, struct mesh_error *err)
{
	enum ssh_keytypes_e type;
	char *priv = NULL, *pub = NULL, *pubpath = NULL, *dir = NULL, *slash;
	char line[SSHD_PUBKEY_LINE_MAX];
	ssh_key key = NULL;
	int bits, n, r;

	if (sshd_hostkey_type(path, &type, &bits) != 0)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
		    "host key %s is missing and its name does not say ed25519, ecdsa or rsa", path);
	if ((dir = strdup(path)) == NULL)
		return MESH_ERR_NOMEM;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, SSHD_KEYDIR_MODE) != 0 && errno != EEXIST) {
			r = mesh_error_set(
			    err, MESH_ERR_IO, 0, 0, "mkdir %s: %s", dir, strerror(errno));
			goto out;
		}
	}
	r = MESH_ERR_CRYPTO;
	if (ssh_pki_generate(type, bits, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &priv) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &pub) != SSH_OK) {
		mesh_error_set(err, r, 0, 0, "cannot generate host key %s", path);
		goto out;
	}
	n = snprintf(line, sizeof(line), "%s %s root@meshsshd\n", ssh_key_type_to_char(type), pub);
	if (n < 0 || (size_t)n >= sizeof(line) || asprintf(&pubpath, "%s.pub", path) < 0) {
		r = MESH_ERR_RANGE;
		goto out;
	}
	if ((r = mesh_file_write_atomic(path, priv, strlen(priv), 0600, err)) != 0 ||
	    (r = mesh_file_write_atomic(pubpath, line, (size_t)n, 0644, err)) != 0)
		goto out;
	log_info("generated %s host key %s", ssh_key_type_to_char(type), path);
	r = MESH_OK;
out:
	if (priv) {
		explicit_bzero(priv, strlen(priv));
		ssh_string_free_char(priv);
	}
	ssh_string_free_char(pub);
	ssh_key_free(key);
	free(pubpath);
	free(dir);
	return r;
}

int
sshd_hostkeys_load(const struct sshd_config *c, ssh_bind bind, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t i, len;
	int r;

	for (i = 0; i < c->nhost_keys; i++) {
		ssh_key key = NULL;
		struct stat st;

		if (lstat(c->host_keys[i], &st) != 0 && errno == ENOENT &&
		    (r = sshd_hostkey_generate(c->host_keys[i], err)) != 0)
			return r;
		if ((r = mesh_file_read(c->host_keys[i], SSHD_HOSTKEY_MAX_BYTES,
			 MESH_FILE_TRUSTED | MESH_FILE_SECRET, &buf, &len, err)) != 0)
			return r;
		r = ssh_pki_import_privkey_base64((const char *)buf, NULL, NULL, NULL, &key);
		explicit_bzero(buf, len);
		free(buf);
		if (r != SSH_OK)
			return mesh_error_set(err, MESH_ERR_PARSE, 0, 0,
			    "host key %s: not an OpenSSH private key", c->host_keys[i]);
		/* libssh takes ownership of the key. */
		if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, key) != SSH_OK) {
			ssh_key_free(key);
			return mesh_error_set(err, MESH_ERR_CRYPTO, 0, 0, "host key %s: %s",
			    c->host_keys[i], ssh_get_error(bind));
		}
	}
	return MESH_OK;
}
