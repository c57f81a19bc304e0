/*
 * The syslog sink: RFC 5424 messages over TCP (RFC 6587) or TLS (RFC 5425),
 * octet-counting framing ("LEN SP MSG").  One message per audit event or
 * asciicast line:
 *   <86>1 2026-11-25T06:30:00.123456Z web-1 meshsshd - audit
 *       [meshssh@32473 seq="42"] {"v":1,"seq":42,"type":...}
 *   <86>1 ... meshsshd - asciicast [meshssh@32473 session="..." chunk="7"] [0.5, "o", "..."]
 * The connection (libcurl in connect-only mode, which does the TLS handshake
 * and verifies the server against ca=) is kept between batches.  Syslog has
 * no acknowledgement: before each batch the socket is checked for a close
 * by the server so a restarted collector is reconnected rather than written
 * into the void; what a collector loses while it dies is not detectable.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "audit.h"
#include "recorder.h"
#include "sink.h"

#define SYSLOG_SEND_TIMEOUT_MS 10000
#define SYSLOG_URL_MAX	       (SINKSPEC_HOST_MAX + 32)
#define SYSLOG_HOST_MAX	       255

struct syslog_sink {
	CURL *curl;
	bool connected;
	bool tls;
	struct sinkspec spec;
	char url[SYSLOG_URL_MAX];
	char host[SYSLOG_HOST_MAX + 1];
	struct cast_buf msg;
	struct cast_buf line;
};

static int
syslog_open(
    const struct sinkspec *spec, const struct sink_env *env, void **state, struct mesh_error *err)
{
	struct syslog_sink *s;
	bool v6 = strchr(spec->host, ':') != NULL;
	size_t i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "syslog sink: out of memory");
	s->spec = *spec;
	s->tls = spec->type == SINK_SYSLOG_TLS;
	(void)snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%u", s->tls ? "https" : "http",
	    v6 ? "[" : "", spec->host, v6 ? "]" : "", spec->port);
	/* RFC 5424 HOSTNAME: printable US-ASCII without spaces, or "-" */
	(void)snprintf(s->host, sizeof(s->host), "%s", env->host && env->host[0] ? env->host : "-");
	for (i = 0; s->host[i]; i++)
		if (s->host[i] <= ' ' || s->host[i] > '~')
			s->host[i] = '_';
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (s->curl = curl_easy_init()) == NULL) {
		free(s);
		return mesh_error_set(
		    err, MESH_ERR_NOMEM, 0, 0, "syslog sink: libcurl init failed");
	}
	*state = s;
	return MESH_OK;
}

static void
syslog_disconnect(struct syslog_sink *s)
{
	curl_easy_reset(s->curl); /* closes the connect-only connection */
	curl_easy_cleanup(s->curl);
	s->curl = curl_easy_init();
	s->connected = false;
}

static int
syslog_connect(struct syslog_sink *s, struct mesh_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *c = s->curl;
	CURLcode cc;

	if (c == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "syslog sink: out of memory");
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)SINK_HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (s->spec.ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, s->spec.ca_file);
	if (s->spec.cert_file[0]) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, s->spec.cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEY, s->spec.key_file);
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		mesh_error_set(err, MESH_ERR_IO, 0, 0, "syslog sink %s:%u: %s", s->spec.host,
		    s->spec.port, errbuf[0] ? errbuf : curl_easy_strerror(cc));
		syslog_disconnect(s);
		return MESH_ERR_IO;
	}
	s->connected = true;
	return MESH_OK;
}

static int
syslog_wait(struct syslog_sink *s, short events, int timeout_ms)
{
	curl_socket_t fd;
	struct pollfd p;
	int n;

	if (curl_easy_getinfo(s->curl, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD)
		return -1;
	p.fd = fd;
	p.events = events;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	return n;
}

/* Has the collector closed the connection (restart)?  Drains anything it sent. */
static bool
syslog_peer_closed(struct syslog_sink *s)
{
	char buf[256];
	size_t got;
	CURLcode cc;

	while (syslog_wait(s, POLLIN, 0) > 0) {
		cc = curl_easy_recv(s->curl, buf, sizeof(buf), &got);
		if (cc == CURLE_AGAIN)
			return false;
		if (cc != CURLE_OK || got == 0)
			return true;
	}
	return false;
}

static int
syslog_write(struct syslog_sink *s, const char *p, size_t len, struct mesh_error *err)
{
	while (len > 0) {
		size_t sent = 0;
		CURLcode cc = curl_easy_send(s->curl, p, len, &sent);

		if (cc == CURLE_AGAIN) {
			if (syslog_wait(s, POLLOUT, SYSLOG_SEND_TIMEOUT_MS) <= 0)
				return mesh_error_set(err, MESH_ERR_TIMEOUT, 0, 0,
				    "syslog sink %s:%u: send timed out", s->spec.host,
				    s->spec.port);
			continue;
		}
		if (cc != CURLE_OK)
			return mesh_error_set(err, MESH_ERR_IO, 0, 0, "syslog sink %s:%u: %s",
			    s->spec.host, s->spec.port, curl_easy_strerror(cc));
		p += sent;
		len -= sent;
	}
	return MESH_OK;
}

/* Append one framed RFC 5424 message to s->msg. */
static int
syslog_frame(struct syslog_sink *s, const struct spool_record *rec, const char *body, size_t blen)
{
	char when[64], head[600], len[24];
	char hex[REC_SESSION_ID_CHARS + 1];
	int n, m;

	if (maudit_time_format(rec->time_ns - rec->time_ns % 1000, when, sizeof(when)) != 0)
		return MESH_ERR_RANGE;
	/* RFC 5424 allows at most 6 fractional digits: drop the last 3 of 9 */
	memmove(when + 26, when + 29, strlen(when + 29) + 1);
	if (rec->kind == SPOOL_KIND_AUDIT)
		n = snprintf(head, sizeof(head),
		    "<%d>1 %s %s meshsshd - audit [" SINK_SYSLOG_SD_ID " seq=\"%" PRIu64 "\"] ",
		    SINK_SYSLOG_PRI, when, s->host, rec->subseq);
	else {
		rec_id_to_hex(rec->stream, hex);
		n = snprintf(head, sizeof(head),
		    "<%d>1 %s %s meshsshd - asciicast [" SINK_SYSLOG_SD_ID
		    " session=\"%s\" chunk=\"%" PRIu64 "\"] ",
		    SINK_SYSLOG_PRI, when, s->host, hex, rec->subseq);
	}
	if (n < 0 || n >= (int)sizeof(head))
		return MESH_ERR_RANGE;
	m = snprintf(len, sizeof(len), "%zu ", (size_t)n + blen);
	if (m < 0 || m >= (int)sizeof(len))
		return MESH_ERR_RANGE;
	if (cast_buf_append(&s->msg, len, (size_t)m) != 0 ||
	    cast_buf_append(&s->msg, head, (size_t)n) != 0 ||
	    cast_buf_append(&s->msg, body, blen) != 0)
		return MESH_ERR_NOMEM;
	return MESH_OK;
}

static int
syslog_send(void *state, const struct spool_record *recs, size_t n, struct mesh_error *err)
{
	struct syslog_sink *s = state;
	int r;

	s->msg.len = 0;
	for (size_t i = 0; i < n; i++) {
		const struct spool_record *rec = &recs[i];
		const char *line;
		size_t pos = 0, len;

		if (rec->kind == SPOOL_KIND_AUDIT) {
			if (sink_audit_text(rec, &s->line) != 0)
				return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			if ((r = syslog_frame(s, rec, s->line.p, s->line.len)) != 0)
				return mesh_error_set(err, r, 0, 0, "syslog sink: cannot frame");
			continue;
		}
		while (sink_next_line(rec, &pos, &line, &len) == 0)
			if ((r = syslog_frame(s, rec, line, len)) != 0)
				return mesh_error_set(err, r, 0, 0, "syslog sink: cannot frame");
	}
	if (s->connected && syslog_peer_closed(s))
		syslog_disconnect(s);
	if (!s->connected && (r = syslog_connect(s, err)) != 0)
		return r;
	if ((r = syslog_write(s, s->msg.p, s->msg.len, err)) != 0) {
		syslog_disconnect(s);
		return r;
	}
	return MESH_OK;
}

static void
syslog_close(void *state)
{
	struct syslog_sink *s = state;

	if (s == NULL)
		return;
	if (s->curl)
		curl_easy_cleanup(s->curl);
	cast_buf_free(&s->msg);
	cast_buf_free(&s->line);
	free(s);
}

const struct sink_ops sink_syslog_ops = {
    .type = SINK_SYSLOG,
    .open = syslog_open,
    .send = syslog_send,
    .close = syslog_close,
};
