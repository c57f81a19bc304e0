/*
 * The generic HTTP JSON sink in Splunk's HTTP Event Collector format: POST
 * URL (e.g. https://splunk:8088/services/collector/event) with
 * "Authorization: Splunk TOKEN" and a body of concatenated event objects
 *   {"time":1700000000.123456,"host":H,"source":"meshsshd",
 *    "sourcetype":"meshssh:audit","event":{...audit event...}}
 *   {"time":...,"sourcetype":"meshssh:asciicast",
 *    "fields":{"session":ID,"chunk":N},"event":"<asciicast line>"}
 * The token is read from token=FILE (root-owned, 0600) once at start.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "fileio.h"
#include "recorder.h"
#include "sink.h"

#define HEC_TOKEN_MAX_BYTES 512
#define HEC_HEADER_MAX	    (HEC_TOKEN_MAX_BYTES + 32)

struct hec_sink {
	struct http *http;
	char url[SINKSPEC_TARGET_MAX];
	char auth[HEC_HEADER_MAX];
	char host[256];
	struct cast_buf body;
	struct cast_buf line;
};

static int
hec_open(
    const struct sinkspec *spec, const struct sink_env *env, void **state, struct mesh_error *err)
{
	struct hec_sink *h;
	uint8_t *tok = NULL;
	size_t len = 0;
	int r;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "hec sink: out of memory");
	(void)snprintf(h->url, sizeof(h->url), "%s", spec->target);
	(void)snprintf(h->host, sizeof(h->host), "%s", env->host ? env->host : "");
	if (spec->token_file[0]) {
		if ((r = mesh_file_read(spec->token_file, HEC_TOKEN_MAX_BYTES, MESH_FILE_SECRET,
			 &tok, &len, err)) != 0)
			goto fail;
		while (len && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' '))
			len--;
		(void)snprintf(h->auth, sizeof(h->auth), "Authorization: Splunk %.*s", (int)len,
		    (const char *)tok);
		sodium_memzero(tok, len);
		free(tok);
	}
	if ((r = http_new(spec, &h->http, err)) != 0)
		goto fail;
	*state = h;
	return MESH_OK;
fail:
	sodium_memzero(h->auth, sizeof(h->auth));
	free(h);
	return r;
}

static int
hec_event(struct hec_sink *h, const struct spool_record *rec, json_t *event, const char *type)
{
	json_t *o;
	char *s;
	char hex[REC_SESSION_ID_CHARS + 1];
	int r = MESH_ERR_NOMEM;

	o = json_pack("{s:f, s:s, s:s, s:s, s:o}", "time", (double)rec->time_ns / 1e9, "host",
	    h->host, "source", "meshsshd", "sourcetype", type, "event", event);
	if (o == NULL)
		return MESH_ERR_NOMEM;
	if (rec->kind == SPOOL_KIND_CAST) {
		rec_id_to_hex(rec->stream, hex);
		json_t *f = json_object();

		if (f == NULL || json_object_set_new(f, "session", json_string(hex)) ||
		    json_object_set_new(f, "chunk", json_integer((json_int_t)rec->subseq)) ||
		    json_object_set_new(o, "fields", f))
			goto out;
	}
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	r = cast_buf_append(&h->body, s, strlen(s));
	free(s);
out:
	json_decref(o);
	return r;
}

static int
hec_send(void *state, const struct spool_record *recs, size_t n, struct mesh_error *err)
{
	struct hec_sink *h = state;
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};

	h->body.len = 0;
	for (size_t i = 0; i < n; i++) {
		const struct spool_record *rec = &recs[i];
		const char *line;
		size_t pos = 0, len;

		if (rec->kind == SPOOL_KIND_AUDIT) {
			json_t *ev;

			h->line.len = 0;
			if (sink_render_audit(rec, &h->line) != 0)
				ev = json_stringn((const char *)rec->data, rec->len);
			else
				ev = json_loadb(h->line.p, h->line.len, 0, NULL);
			if (ev == NULL || hec_event(h, rec, ev, "meshssh:audit") != 0)
				return mesh_error_set(
				    err, MESH_ERR_NOMEM, 0, 0, "hec sink: cannot build an event");
			continue;
		}
		while (sink_next_line(rec, &pos, &line, &len) == 0) {
			json_t *ev = json_stringn(line, len);

			if (ev == NULL || hec_event(h, rec, ev, "meshssh:asciicast") != 0)
				return mesh_error_set(
				    err, MESH_ERR_NOMEM, 0, 0, "hec sink: cannot build an event");
		}
	}
	if (h->auth[0])
		headers[1] = h->auth;
	return http_post(h->http, h->url, headers, h->body.p, h->body.len, err);
}

static void
hec_close(void *state)
{
	struct hec_sink *h = state;

	if (h == NULL)
		return;
	http_free(h->http);
	sodium_memzero(h->auth, sizeof(h->auth));
	cast_buf_free(&h->body);
	cast_buf_free(&h->line);
	free(h);
}

const struct sink_ops sink_hec_ops = {
    .type = SINK_HEC,
    .open = hec_open,
    .send = hec_send,
    .close = hec_close,
};
