/*
 * Sinks: where the shipper delivers spooled records.  One small vtable per
 * kind (file, Loki, Splunk HEC, syslog over TCP or TLS); the shipper knows
 * nothing about their formats.  send() delivers a batch or fails as a whole;
 * the shipper retries a failed batch with backoff, so a sink must tolerate a
 * batch it has partly seen before (Loki drops exact duplicates itself; the
 * other formats carry the event id and seq so a consumer can).
 *
 * Rendering helpers are pure and shared: sink_render_audit() turns a spooled
 * audit record into the delivered JSON object text (adding "seq"); a cast
 * record's payload is one or more asciicast lines.
 */
#ifndef MESH_SINK_H
#define MESH_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "asciicast.h"
#include "error.h"
#include "sinkspec.h"
#include "spool.h"

#define SINK_HTTP_CONNECT_TIMEOUT_MS 5000
#define SINK_HTTP_TIMEOUT_MS	     30000
#define SINK_SYSLOG_PRI		     86 /* facility authpriv (10) * 8 + severity info (6) */
#define SINK_SYSLOG_SD_ID	     "meshssh@32473" /* RFC 5612 example enterprise number */
#define SINK_SERVICE_NAME	     "meshssh"

struct sink_env {
	const char *host; /* this server's name */
};

struct sink_ops {
	enum sink_type type;
	int (*open)(const struct sinkspec *spec, const struct sink_env *env, void **state,
	    struct mesh_error *err);
	int (*send)(void *state, const struct spool_record *recs, size_t n, struct mesh_error *err);
	void (*close)(void *state);
};

const struct sink_ops *sink_ops_for(enum sink_type t);

extern const struct sink_ops sink_file_ops;
extern const struct sink_ops sink_loki_ops;
extern const struct sink_ops sink_hec_ops;
extern const struct sink_ops sink_syslog_ops;

/* Audit record -> JSON object text with "seq" (appended to out). */
int sink_render_audit(const struct spool_record *rec, struct cast_buf *out);
/* out = the audit record as delivered: rendered with "seq", or as spooled if
 * it is not what our emitter writes.  0 or MESH_ERR_NOMEM. */
int sink_audit_text(const struct spool_record *rec, struct cast_buf *out);
/* Iterate the lines of a cast record: each line and its length; 0 while there are more. */
int sink_next_line(const struct spool_record *rec, size_t *pos, const char **line, size_t *len);

/* HTTP through libcurl (recorder/http.c). */
struct http;
int http_new(const struct sinkspec *spec, struct http **out, struct mesh_error *err);
void http_free(struct http *h);
/* POST body to url with extra headers (NULL-terminated); 2xx is success. */
int http_post(struct http *h, const char *url, const char *const *headers, const char *body,
    size_t len, struct mesh_error *err);
/* GET url; the response body (NUL-terminated) into out. */
int http_get(struct http *h, const char *url, struct cast_buf *out, struct mesh_error *err);
/* Escape for a URL query component into out. */
int http_escape(struct http *h, const char *s, struct cast_buf *out);

#endif
