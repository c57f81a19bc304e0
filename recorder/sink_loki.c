/*
 * The Grafana Loki sink: POST URL/loki/api/v1/push with a JSON body
 *   {"streams":[{"stream":{labels},"values":[["<unix ns>","<line>"],...]}]}
 * Labels: service_name="meshssh", host, kind="audit" | "recording", and for
 * recordings session="<session id>" (one stream per recording, so a
 * recording is read back with one selector).  The timestamp is the time the
 * record was spooled, so a retried batch is an exact duplicate that Loki
 * drops.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder.h"
#include "sink.h"

#define LOKI_PUSH_PATH	"/loki/api/v1/push"
#define LOKI_URL_MAX	(SINKSPEC_TARGET_MAX + 32)
#define LOKI_HEADER_MAX 200

struct loki_sink {
	struct http *http;
	char url[LOKI_URL_MAX];
	char tenant_header[LOKI_HEADER_MAX];
	char host[256];
	struct cast_buf line;
};

static int
loki_open(
    const struct sinkspec *spec, const struct sink_env *env, void **state, struct mesh_error *err)
{
	struct loki_sink *l;
	size_t tl = strlen(spec->target);
	int r;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "loki sink: out of memory");
	(void)snprintf(l->url, sizeof(l->url), "%.*s%s",
	    (int)(tl && spec->target[tl - 1] == '/' ? tl - 1 : tl), spec->target, LOKI_PUSH_PATH);
	if (spec->tenant[0])
		(void)snprintf(
		    l->tenant_header, sizeof(l->tenant_header), "X-Scope-OrgID: %s", spec->tenant);
	(void)snprintf(l->host, sizeof(l->host), "%s", env->host ? env->host : "");
	if ((r = http_new(spec, &l->http, err)) != 0) {
		free(l);
		return r;
	}
	*state = l;
	return MESH_OK;
}

/* The stream object for a record, created on first use. */
static json_t *
loki_stream(struct loki_sink *l, json_t *streams, json_t *by_key, const struct spool_record *rec)
{
	char key[REC_SESSION_ID_CHARS + 8];
	json_t *s, *labels;

	if (rec->kind == SPOOL_KIND_AUDIT)
		(void)snprintf(key, sizeof(key), "audit");
	else
		rec_id_to_hex(rec->stream, key);
	if ((s = json_object_get(by_key, key)) != NULL)
		return json_object_get(s, "values");
	labels = json_pack("{s:s, s:s, s:s}", "service_name", SINK_SERVICE_NAME, "host", l->host,
	    "kind", rec->kind == SPOOL_KIND_AUDIT ? "audit" : "recording");
	if (labels == NULL)
		return NULL;
	if (rec->kind == SPOOL_KIND_CAST &&
	    json_object_set_new(labels, "session", json_string(key)))
		goto fail;
	s = json_pack("{s:o, s:[]}", "stream", labels, "values");
	labels = NULL;
	if (s == NULL || json_array_append_new(streams, s) != 0 || json_object_set(by_key, key, s))
		return NULL;
	return json_object_get(s, "values");
fail:
	json_decref(labels);
	return NULL;
}

static int
loki_send(void *state, const struct spool_record *recs, size_t n, struct mesh_error *err)
{
	struct loki_sink *l = state;
	json_t *streams = json_array(), *by_key = json_object(), *body = NULL;
	const char *headers[3] = {"Content-Type: application/json", NULL, NULL};
	char *text = NULL;
	int r = MESH_ERR_NOMEM;

	if (streams == NULL || by_key == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct spool_record *rec = &recs[i];
		json_t *values = loki_stream(l, streams, by_key, rec);
		char ts[32];
		const char *line;
		size_t pos = 0, len;

		if (values == NULL)
			goto out;
		(void)snprintf(ts, sizeof(ts), "%" PRIu64, rec->time_ns);
		if (rec->kind == SPOOL_KIND_AUDIT) {
			if (sink_audit_text(rec, &l->line) != 0)
				goto out;
			if (json_array_append_new(
				values, json_pack("[s, s%]", ts, l->line.p, l->line.len)) != 0)
				goto out;
			continue;
		}
		while (sink_next_line(rec, &pos, &line, &len) == 0)
			if (json_array_append_new(values, json_pack("[s, s%]", ts, line, len)) != 0)
				goto out;
	}
	if ((body = json_pack("{s:O}", "streams", streams)) == NULL ||
	    (text = json_dumps(body, JSON_COMPACT)) == NULL)
		goto out;
	if (l->tenant_header[0])
		headers[1] = l->tenant_header;
	r = http_post(l->http, l->url, headers, text, strlen(text), err);
	goto done;
out:
	mesh_error_set(err, r, 0, 0, "loki sink: cannot build the push request");
done:
	free(text);
	json_decref(body);
	json_decref(streams);
	json_decref(by_key);
	return r;
}

static void
loki_close(void *state)
{
	struct loki_sink *l = state;

	if (l == NULL)
		return;
	http_free(l->http);
	cast_buf_free(&l->line);
	free(l);
}

const struct sink_ops sink_loki_ops = {
    .type = SINK_LOKI,
    .open = loki_open,
    .send = loki_send,
    .close = loki_close,
};
