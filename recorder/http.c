/*
 * HTTP for the Loki and HEC sinks and for reading recordings back from Loki:
 * libcurl with bounded timeouts, one reused connection per sink.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sink.h"

#define HTTP_RESPONSE_MAX_BYTES (64u * 1024u * 1024u)
#define HTTP_ERROR_BODY_CHARS	200

struct http {
	CURL *curl;
	struct sinkspec spec;
};

static size_t
http_collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct cast_buf *b = userdata;
	size_t n = size * nmemb;

	if (b->len + n > HTTP_RESPONSE_MAX_BYTES || cast_buf_append(b, ptr, n) != 0)
		return 0;
	return n;
}

int
http_new(const struct sinkspec *spec, struct http **out, struct mesh_error *err)
{
	static int inited;
	struct http *h;

	*out = NULL;
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return mesh_error_set(err, MESH_ERR_IO, 0, 0, "http: libcurl init failed");
		inited = 1;
	}
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->curl = curl_easy_init()) == NULL) {
		free(h);
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "http: out of memory");
	}
	h->spec = *spec;
	*out = h;
	return MESH_OK;
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

static int
http_do(struct http *h, const char *url, const char *const *headers, const char *body, size_t len,
    struct cast_buf *resp, struct mesh_error *err)
{
	struct curl_slist *hl = NULL, *n;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct cast_buf sink = {0};
	CURL *c = h->curl;
	CURLcode cc;
	long status = 0;
	int r = MESH_OK;

	if (resp == NULL)
		resp = &sink;
	for (; headers && *headers; headers++) {
		if ((n = curl_slist_append(hl, *headers)) == NULL) {
			r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "http: out of memory");
			goto out;
		}
		hl = n;
	}
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)SINK_HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SINK_HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "meshssh/" PACKAGE_VERSION);
	if (h->spec.ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, h->spec.ca_file);
	if (h->spec.cert_file[0]) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->spec.cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->spec.key_file);
	}
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		r = mesh_error_set(err,
		    cc == CURLE_OPERATION_TIMEDOUT ? MESH_ERR_TIMEOUT : MESH_ERR_IO, 0, 0, "%s: %s",
		    url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		int shown =
		    (int)(resp->len < HTTP_ERROR_BODY_CHARS ? resp->len : HTTP_ERROR_BODY_CHARS);

		r = mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0, "%s: HTTP %ld: %.*s", url, status,
		    shown, resp->p ? resp->p : "");
		goto out;
	}
	if (cast_buf_append(resp, "", 1) != 0) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "http: out of memory");
		goto out;
	}
	resp->len--; /* NUL-terminated, not counted */
out:
	curl_slist_free_all(hl);
	cast_buf_free(&sink);
	return r;
}

int
http_post(struct http *h, const char *url, const char *const *headers, const char *body, size_t len,
    struct mesh_error *err)
{
	return http_do(h, url, headers, body, len, NULL, err);
}

int
http_get(struct http *h, const char *url, struct cast_buf *out, struct mesh_error *err)
{
	out->len = 0;
	return http_do(h, url, NULL, NULL, 0, out, err);
}

int
http_escape(struct http *h, const char *s, struct cast_buf *out)
{
	char *e = curl_easy_escape(h->curl, s, 0);
	int r;

	if (e == NULL)
		return MESH_ERR_NOMEM;
	r = cast_buf_append(out, e, strlen(e));
	curl_free(e);
	return r;
}
