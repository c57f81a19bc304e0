/*
 * One way to fail: every function in meshssh returns 0 or a negative
 * mesh_err, and every value has a human message.  Parsers additionally fill a
 * struct mesh_error with where (file:line:column) and what went wrong, so the
 * operator sees one line that points at the problem.
 */
#ifndef MESH_ERROR_H
#define MESH_ERROR_H

#include <stddef.h>

enum mesh_err {
	MESH_OK = 0,
	MESH_ERR_NOMEM = -1,	    /* out of memory */
	MESH_ERR_IO = -2,	    /* read/write/open failed (errno kept by caller) */
	MESH_ERR_PARSE = -3,	    /* malformed input */
	MESH_ERR_INVALID = -4,	    /* well-formed but semantically invalid */
	MESH_ERR_SIGNATURE = -5,    /* signature does not verify */
	MESH_ERR_UNTRUSTED = -6,    /* signer not in the trusted keys */
	MESH_ERR_ROLLBACK = -7,	    /* serial lower than the last accepted */
	MESH_ERR_EXPIRED = -8,	    /* document past its expiry */
	MESH_ERR_DUPLICATE = -9,    /* duplicate key, address or name */
	MESH_ERR_NOTFOUND = -10,    /* no such entry */
	MESH_ERR_PERM = -11,	    /* file ownership or mode is unsafe */
	MESH_ERR_RANGE = -12,	    /* value or buffer out of range */
	MESH_ERR_UNSUPPORTED = -13, /* feature or selector not supported */
	MESH_ERR_DENIED = -14,	    /* policy says no */
	MESH_ERR_CRYPTO = -15,	    /* crypto library failure */
	MESH_ERR_TIMEOUT = -16,	    /* operation timed out */
	MESH_ERR_PROTOCOL = -17,    /* peer violated the protocol */
	MESH_ERR_AGAIN = -18,	    /* try again later (would block) */
	MESH_ERR_USAGE = -19,	    /* bad command-line usage */
	MESH_ERR_EXISTS = -20,	    /* already exists */
	MESH_ERR__LAST = -21,
};

/* Static message for a mesh_err; never NULL. */
const char *mesh_strerror(int err);

/* Where and why a parser failed.  line/col are 1-based; 0 means unknown. */
#define MESH_ERROR_TEXT_MAX 256
struct mesh_error {
	int code;
	unsigned line;
	unsigned col;
	char source[128]; /* file name or "<input>" */
	char text[MESH_ERROR_TEXT_MAX];
};

void mesh_error_clear(struct mesh_error *e);

/*
 * Record an error and return code (so callers can `return mesh_error_set(...)`).
 * e may be NULL.  The message is formatted like printf.
 */
int mesh_error_set(struct mesh_error *e, int code, unsigned line, unsigned col, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));

/* "SOURCE:LINE:COL: TEXT" (parts omitted when unknown) into buf; returns buf. */
const char *mesh_error_format(const struct mesh_error *e, char *buf, size_t len);

#endif
