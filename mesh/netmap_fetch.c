/*
 * The netmap over HTTPS with libcurl (see netmap_fetch.h): one conditional
 * GET for the document, then a GET for its signature when it changed.  The
 * worker thread owns nothing but its result; the loop thread collects it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fileio.h"
#include "netmap_fetch.h"

#define HTTP_OK		  200
#define HTTP_NOT_MODIFIED 304
#define FETCH_MAX_REDIRS  5L
#define HTTPS_PREFIX	  "https://"

struct netmap_fetch {
	char *url, *sig_url, *cafile;
	char etag[NETMAP_FETCH_ETAG_MAX]; /* for the running fetch */
	int pipe[2];			  /* worker -> loop: "done" */
	pthread_t thread;
	bool running; /* a worker exists (not yet joined) */
	atomic_int cancel;
	struct netmap_fetch_result res;
};

/* A response body, capped. */
struct body {
	uint8_t *buf;
	size_t len, cap, max;
	bool too_big;
};

struct headers {
	char etag[NETMAP_FETCH_ETAG_MAX];
};

int
netmap_fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : MESH_ERR_IO;
}

void
netmap_fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

static size_t
body_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct body *b = ctx;
	size_t n = size * nmemb, ncap;
	uint8_t *nb;

	if (n > b->max - b->len) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(b->buf, ncap)) == NULL)
			return 0;
		b->buf = nb;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

/* Keep the last response's ETag (a redirect's headers come first). */
static size_t
header_line(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct headers *h = ctx;
	size_t n = size * nmemb, vlen;
	const char *v;
	static const char name[] = "etag:";

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		h->etag[0] = '\0';
	if (n <= sizeof(name) - 1 || strncasecmp(data, name, sizeof(name) - 1) != 0)
		return n;
	v = data + sizeof(name) - 1;
	vlen = n - (sizeof(name) - 1);
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	if (vlen < sizeof(h->etag)) {
		memcpy(h->etag, v, vlen);
		h->etag[vlen] = '\0';
	}
	return n;
}

static int
xfer_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const atomic_int *cancel = ctx;

	(void)dt, (void)dn, (void)ut, (void)un;
	return cancel && atomic_load(cancel) ? 1 : 0;
}

/* One GET; *code gets the HTTP status.  Fills err on transport failure. */
static int
fetch_get(const char *url, const char *cafile, const char *etag, const atomic_int *cancel,
    struct body *b, struct headers *h, long *code, struct mesh_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char inm[NETMAP_FETCH_ETAG_MAX + 32];
	CURL *c;
	CURLcode cr;
	int r = 0;

	if ((c = curl_easy_init()) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "%s: curl_easy_init failed", url);
	if (etag && etag[0]) {
		if (snprintf(inm, sizeof(inm), "If-None-Match: %s", etag) >= (int)sizeof(inm) ||
		    (hdrs = curl_slist_append(NULL, inm)) == NULL) {
			r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "%s: request header", url);
			goto out;
		}
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, FETCH_MAX_REDIRS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)NETMAP_FETCH_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)NETMAP_FETCH_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cafile && cafile[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "meshd/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, body_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)cancel);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if ((cr = curl_easy_perform(c)) != CURLE_OK) {
		if (b->too_big)
			r = mesh_error_set(
			    err, MESH_ERR_RANGE, 0, 0, "%s: larger than %zu bytes", url, b->max);
		else
			r = mesh_error_set(err,
			    cr == CURLE_OPERATION_TIMEDOUT ? MESH_ERR_TIMEOUT : MESH_ERR_IO, 0, 0,
			    "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(cr));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return r;
}

void
netmap_fetch_result_clear(struct netmap_fetch_result *res)
{
	free(res->doc);
	free(res->sig);
	memset(res, 0, sizeof(*res));
	res->status = NETMAP_FETCH_FAILED;
}

void
netmap_fetch_run(const char *url, const char *sig_url, const char *cafile, const char *etag,
    const atomic_int *cancel, struct netmap_fetch_result *res)
{
	struct body doc = {NULL, 0, 0, MESH_FILE_MAX_BYTES, false};
	struct body sig = {NULL, 0, 0, NETMAP_FETCH_SIG_MAX, false};
	struct headers h = {""}, hs = {""};
	long code = 0;

	netmap_fetch_result_clear(res);
	mesh_error_clear(&res->err);
	if (fetch_get(url, cafile, etag, cancel, &doc, &h, &code, &res->err) != 0)
		goto out;
	if (code == HTTP_NOT_MODIFIED && etag && etag[0]) {
		res->status = NETMAP_FETCH_NOT_MODIFIED;
		goto out;
	}
	if (code != HTTP_OK) {
		mesh_error_set(&res->err, MESH_ERR_IO, 0, 0, "%s: HTTP status %ld", url, code);
		goto out;
	}
	if (fetch_get(sig_url, cafile, NULL, cancel, &sig, &hs, &code, &res->err) != 0)
		goto out;
	if (code != HTTP_OK) {
		mesh_error_set(&res->err, MESH_ERR_IO, 0, 0, "%s: HTTP status %ld", sig_url, code);
		goto out;
	}
	res->status = NETMAP_FETCH_CHANGED;
	res->doc = doc.buf ? doc.buf : calloc(1, 1);
	res->doclen = doc.len;
	res->sig = sig.buf ? sig.buf : calloc(1, 1);
	res->siglen = sig.len;
	doc.buf = sig.buf = NULL;
	memcpy(res->etag, h.etag, sizeof(res->etag));
	if (res->doc == NULL || res->sig == NULL) {
		netmap_fetch_result_clear(res);
		mesh_error_set(&res->err, MESH_ERR_NOMEM, 0, 0, "%s: out of memory", url);
	}
out:
	free(doc.buf);
	free(sig.buf);
}

static void *
fetch_worker(void *arg)
{
	struct netmap_fetch *f = arg;
	char done = 1;

	netmap_fetch_run(f->url, f->sig_url, f->cafile, f->etag, &f->cancel, &f->res);
	(void)!write(f->pipe[1], &done, 1);
	return NULL;
}

static bool
is_https(const char *url)
{
	return strncasecmp(url, HTTPS_PREFIX, sizeof(HTTPS_PREFIX) - 1) == 0;
}

struct netmap_fetch *
netmap_fetch_new(const char *url, const char *sig_url, const char *cafile, struct mesh_error *err)
{
	struct netmap_fetch *f;

	if (!is_https(url) || !is_https(sig_url)) {
		mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "%s: only https:// URLs are fetched",
		    is_https(url) ? sig_url : url);
		return NULL;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		goto oom;
	f->pipe[0] = f->pipe[1] = -1;
	netmap_fetch_result_clear(&f->res);
	f->url = strdup(url);
	f->sig_url = strdup(sig_url);
	f->cafile = strdup(cafile ? cafile : "");
	if (!f->url || !f->sig_url || !f->cafile || pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		goto oom;
	return f;
oom:
	netmap_fetch_free(f);
	mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "netmap fetcher: %s", strerror(errno));
	return NULL;
}

void
netmap_fetch_free(struct netmap_fetch *f)
{
	if (!f)
		return;
	if (f->running) {
		atomic_store(&f->cancel, 1);
		pthread_join(f->thread, NULL);
	}
	netmap_fetch_result_clear(&f->res);
	if (f->pipe[0] >= 0)
		close(f->pipe[0]);
	if (f->pipe[1] >= 0)
		close(f->pipe[1]);
	free(f->url);
	free(f->sig_url);
	free(f->cafile);
	free(f);
}

int
netmap_fetch_fd(const struct netmap_fetch *f)
{
	return f->pipe[0];
}

bool
netmap_fetch_busy(const struct netmap_fetch *f)
{
	return f->running;
}

int
netmap_fetch_start(struct netmap_fetch *f, const char *etag)
{
	if (f->running)
		return MESH_ERR_AGAIN;
	if (snprintf(f->etag, sizeof(f->etag), "%s", etag ? etag : "") >= (int)sizeof(f->etag))
		f->etag[0] = '\0';
	atomic_store(&f->cancel, 0);
	if (pthread_create(&f->thread, NULL, fetch_worker, f) != 0)
		return MESH_ERR_IO;
	f->running = true;
	return 0;
}

int
netmap_fetch_finish(struct netmap_fetch *f, struct netmap_fetch_result *res)
{
	char done;

	if (!f->running || read(f->pipe[0], &done, 1) != 1)
		return MESH_ERR_AGAIN;
	pthread_join(f->thread, NULL);
	f->running = false;
	*res = f->res;
	memset(&f->res, 0, sizeof(f->res));
	f->res.status = NETMAP_FETCH_FAILED;
	return 0;
}
