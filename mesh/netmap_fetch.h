/*
 * Fetching the netmap and its detached signature over HTTPS (libcurl), in a
 * worker thread so that a slow or dead server never stalls the data plane.
 * Conditional: the document's ETag from the last accepted fetch goes out as
 * If-None-Match, and a 304 means nothing changed (the signature is then not
 * fetched at all).  Only https:// URLs are followed; the server certificate
 * is checked against the system's CAs or a given CA bundle.  Nothing here
 * trusts what it fetched: verification is the caller's (netmap_sync.c).
 *
 * The worker writes one byte to netmap_fetch_fd() when it is done; the event
 * loop then calls netmap_fetch_finish() for the result.
 */
#ifndef MESH_NETMAP_FETCH_H
#define MESH_NETMAP_FETCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define NETMAP_FETCH_CONNECT_TIMEOUT_MS 5000
#define NETMAP_FETCH_TIMEOUT_MS		30000
#define NETMAP_FETCH_SIG_MAX		1024 /* bytes of a signature file */
#define NETMAP_FETCH_ETAG_MAX		256  /* bytes of an ETag we keep */

enum netmap_fetch_status {
	NETMAP_FETCH_CHANGED,	   /* doc and sig hold a new document */
	NETMAP_FETCH_NOT_MODIFIED, /* 304 for our If-None-Match */
	NETMAP_FETCH_FAILED,	   /* err says why */
};

struct netmap_fetch_result {
	enum netmap_fetch_status status;
	uint8_t *doc, *sig; /* CHANGED: owned by the result */
	size_t doclen, siglen;
	char etag[NETMAP_FETCH_ETAG_MAX]; /* CHANGED: the document's ETag, "" if none */
	struct mesh_error err;		  /* FAILED */
};

struct netmap_fetch;

/* Call once in main() before any thread exists. */
int netmap_fetch_global_init(void);
void netmap_fetch_global_cleanup(void);

/* cafile may be "" (system CAs).  NULL if out of memory or a URL is not https://. */
struct netmap_fetch *netmap_fetch_new(
    const char *url, const char *sig_url, const char *cafile, struct mesh_error *err);
/* Cancels a running fetch and waits for the worker. */
void netmap_fetch_free(struct netmap_fetch *f);
/* Readable when a started fetch has finished. */
int netmap_fetch_fd(const struct netmap_fetch *f);
bool netmap_fetch_busy(const struct netmap_fetch *f);
/* Start a fetch with If-None-Match: etag ("" for unconditional); MESH_ERR_AGAIN if busy. */
int netmap_fetch_start(struct netmap_fetch *f, const char *etag);
/* Collect the finished fetch's result (MESH_ERR_AGAIN if none is ready). */
int netmap_fetch_finish(struct netmap_fetch *f, struct netmap_fetch_result *res);
void netmap_fetch_result_clear(struct netmap_fetch_result *res);

/* The same fetch, synchronously in the calling thread. */
void netmap_fetch_run(const char *url, const char *sig_url, const char *cafile, const char *etag,
    const atomic_int *cancel, struct netmap_fetch_result *res);

#endif
