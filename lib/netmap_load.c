/*
 * Trusting a netmap: detached signature first (nothing untrusted is parsed),
 * then structure, then serial (rollback) and expiry.  Also the small state
 * file that remembers the last accepted serial across restarts.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "netmap.h"

#define NETMAP_SIG_FILE_MAX	1024u /* signature file, bytes */
#define NETMAP_SERIAL_FILE_MAX	64u   /* "18446744073709551615\n" fits */
#define NETMAP_SERIAL_FILE_MODE 0644
#define NETMAP_TIME_TEXT_MAX	32

static void
netmap_error_source(struct mesh_error *err, const char *path)
{
	if (err != NULL)
		(void)snprintf(err->source, sizeof(err->source), "%s", path);
}

int
netmap_verify_signature(const uint8_t *doc, size_t len, const uint8_t *sig, size_t siglen,
    const struct trust_keys *trusted, struct mesh_error *err)
{
	return trust_verify(NETMAP_SIG_CONTEXT, doc, len, sig, siglen, trusted, NULL, err);
}

int
netmap_check_fresh(
    const struct netmap *nm, uint64_t last_serial, int64_t now, struct mesh_error *err)
{
	char when[NETMAP_TIME_TEXT_MAX];

	if (nm->serial < last_serial)
		return mesh_error_set(err, MESH_ERR_ROLLBACK, 0, 0,
		    "netmap serial %" PRIu64 " is lower than the last accepted %" PRIu64
		    " (rollback)",
		    nm->serial, last_serial);
	if (now >= nm->expires) {
		if (netmap_time_format(nm->expires, when, sizeof(when)) != 0)
			(void)snprintf(when, sizeof(when), "%" PRId64, nm->expires);
		return mesh_error_set(err, MESH_ERR_EXPIRED, 0, 0,
		    "netmap serial %" PRIu64 " expired at %s", nm->serial, when);
	}
	return MESH_OK;
}

int
netmap_load(const char *path, const char *sigpath, const struct trust_keys *trusted,
    uint64_t last_serial, int64_t now, struct netmap **out, struct mesh_error *err)
{
	uint8_t *doc = NULL, *sig = NULL;
	size_t len = 0, siglen = 0;
	struct netmap *nm = NULL;
	int r;

	*out = NULL;
	netmap_error_source(err, ""); /* file errors name their path themselves */
	/*
	 * No owner/mode check on the document and its signature: their
	 * integrity comes from the signature, and the trust anchor (the
	 * trusted-keys file) is checked by trust_keys_load().
	 */
	if ((r = mesh_file_read(path, MESH_FILE_MAX_BYTES, 0, &doc, &len, err)) != 0 ||
	    (r = mesh_file_read(sigpath, NETMAP_SIG_FILE_MAX, 0, &sig, &siglen, err)) != 0)
		goto out;
	netmap_error_source(err, sigpath);
	if ((r = netmap_verify_signature(doc, len, sig, siglen, trusted, err)) != 0)
		goto out;
	netmap_error_source(err, path);
	if ((r = netmap_parse(doc, len, &nm, err)) != 0 ||
	    (r = netmap_check_fresh(nm, last_serial, now, err)) != 0)
		goto out;
	*out = nm;
	nm = NULL;
out:
	netmap_free(nm);
	free(doc);
	free(sig);
	return r;
}

int
netmap_serial_read(const char *statepath, uint64_t *serial, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	char *end;
	int r;

	*serial = 0;
	r = mesh_file_read(statepath, NETMAP_SERIAL_FILE_MAX, MESH_FILE_TRUSTED, &buf, &len, err);
	if (r == MESH_ERR_NOTFOUND) {
		mesh_error_clear(err);
		return MESH_OK;
	}
	if (r != 0)
		return r;
	errno = 0;
	if (len == 0 || buf[0] < '0' || buf[0] > '9' ||
	    (*serial = strtoull((const char *)buf, &end, 10), errno != 0) ||
	    (*end != '\0' && strcmp(end, "\n") != 0)) {
		*serial = 0;
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "%s: not a serial number", statepath);
	}
	free(buf);
	return r;
}

int
netmap_serial_write(const char *statepath, uint64_t serial, struct mesh_error *err)
{
	char buf[NETMAP_SERIAL_FILE_MAX];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", serial);
	int r;

	if (n < 0 || (size_t)n >= sizeof(buf))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "serial too long");
	if ((r = mesh_file_ensure_parent(statepath, NETMAP_STATE_DIR_MODE, err)) != 0)
		return r;
	return mesh_file_write_atomic(statepath, buf, (size_t)n, NETMAP_SERIAL_FILE_MODE, err);
}

int
netmap_load_tracked(const char *path, const char *sigpath, const struct trust_keys *trusted,
    const char *statepath, int64_t now, struct netmap **out, struct mesh_error *err)
{
	struct netmap *nm = NULL;
	uint64_t last;
	int r;

	*out = NULL;
	if ((r = netmap_serial_read(statepath, &last, err)) != 0 ||
	    (r = netmap_load(path, sigpath, trusted, last, now, &nm, err)) != 0)
		return r;
	if (nm->serial > last && (r = netmap_serial_write(statepath, nm->serial, err)) != 0) {
		netmap_free(nm);
		return r;
	}
	*out = nm;
	return MESH_OK;
}
