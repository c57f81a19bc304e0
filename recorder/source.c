/*
 * Recordings read back from a file sink or from Loki (see source.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fileio.h"
#include "sink.h"
#include "source.h"

#define SOURCE_CAST_MAX_BYTES (1024u * 1024u * 1024u)
#define SOURCE_URL_MAX	      4096
#define CAST_TRUNCATED_HEADER "{\"version\":2,\"width\":80,\"height\":24,\"truncated\":true}"

struct rec_source {
	struct sinkspec spec;
	int64_t since_s;
	struct http *http;
	char base[SINKSPEC_TARGET_MAX];
};

struct cast_line {
	const char *p;
	size_t len;
	double t;
	size_t order;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct cast_line *x = a, *y = b;
	int c;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->len != y->len || (c = memcmp(x->p, y->p, x->len)) == 0)
		return x->order < y->order ? -1 : x->order > y->order;
	return x->order < y->order ? -1 : 1;
}

int
cast_normalize(const char *text, size_t len, struct cast_buf *out, struct mesh_error *err)
{
	struct cast_line *lines = NULL, hdr = {0};
	size_t n = 0, cap = 0, pos = 0;
	int r = MESH_OK;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *p = text + pos;

		pos += l + 1;
		if (l == 0)
			continue;
		if (p[0] == '{') {
			if (hdr.p == NULL) {
				hdr.p = p;
				hdr.len = l;
			}
			continue;
		}
		if (p[0] != '[') {
			r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0,
			    "recording: a line is neither a header nor an event");
			goto out;
		}
		if (n == cap) {
			struct cast_line *nl2;

			cap = cap ? cap * 2 : 256;
			if ((nl2 = realloc(lines, cap * sizeof(*lines))) == NULL) {
				r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
				goto out;
			}
			lines = nl2;
		}
		lines[n].p = p;
		lines[n].len = l;
		lines[n].t = strtod(p + 1, NULL);
		lines[n].order = n;
		n++;
	}
	if (hdr.p == NULL && n == 0) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "recording: no asciicast header");
		goto out;
	}
	if (hdr.p == NULL) {
		/* the start was dropped from a full spool (oldest first): say so */
		hdr.p = CAST_TRUNCATED_HEADER;
		hdr.len = strlen(CAST_TRUNCATED_HEADER);
	}
	if (n > 1)
		qsort(lines, n, sizeof(*lines), line_cmp);
	if (cast_buf_append(out, hdr.p, hdr.len) != 0 || cast_buf_append(out, "\n", 1) != 0) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		/* identical lines with the same time: a batch delivered twice */
		for (size_t j = i; j-- > 0 && lines[j].t == lines[i].t;)
			if (lines[j].len == lines[i].len &&
			    memcmp(lines[j].p, lines[i].p, lines[i].len) == 0) {
				dup = true;
				break;
			}
		if (dup)
			continue;
		if (cast_buf_append(out, lines[i].p, lines[i].len) != 0 ||
		    cast_buf_append(out, "\n", 1) != 0) {
			r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			goto out;
		}
	}
out:
	free(lines);
	return r;
}

static void
copy_str(char *dst, size_t cap, json_t *v)
{
	const char *s = json_string_value(v);

	(void)snprintf(dst, cap, "%s", s ? s : "");
}

int
cast_summarize(const char *text, size_t len, struct rec_summary *out)
{
	const char *nl = memchr(text, '\n', len);
	size_t hl = nl ? (size_t)(nl - text) : len, pos;
	json_t *h, *ev;

	memset(out, 0, sizeof(*out));
	if ((h = json_loadb(text, hl, 0, NULL)) == NULL || !json_is_object(h)) {
		json_decref(h);
		return MESH_ERR_PARSE;
	}
	copy_str(out->id, sizeof(out->id), json_object_get(h, "sessionID"));
	copy_str(out->src_node, sizeof(out->src_node), json_object_get(h, "srcNode"));
	copy_str(out->src_node_user, sizeof(out->src_node_user), json_object_get(h, "srcNodeUser"));
	copy_str(out->local_user, sizeof(out->local_user), json_object_get(h, "localUser"));
	copy_str(out->command, sizeof(out->command), json_object_get(h, "command"));
	out->timestamp = json_integer_value(json_object_get(h, "timestamp"));
	out->truncated = json_is_true(json_object_get(h, "truncated"));
	json_decref(h);
	for (pos = hl + 1; pos < len;) {
		const char *p = text + pos, *e = memchr(p, '\n', len - pos);
		size_t l = e ? (size_t)(e - p) : len - pos;

		pos += l + 1;
		if (l == 0)
			continue;
		out->events++;
		/* the exit event is rare and short: parse only candidates */
		if (l < 64 && memmem(p, l, "\"x\"", 3) && (ev = json_loadb(p, l, 0, NULL))) {
			const char *code = json_string_value(json_array_get(ev, 1));
			const char *st = json_string_value(json_array_get(ev, 2));

			if (code && strcmp(code, "x") == 0 && st) {
				out->complete = true;
				out->exit_status = atoi(st);
			}
			json_decref(ev);
		}
	}
	return MESH_OK;
}

int
rec_source_open(
    const struct sinkspec *spec, int64_t since_s, struct rec_source **out, struct mesh_error *err)
{
	struct rec_source *s;
	size_t tl;
	int r;

	*out = NULL;
	if (spec->type != SINK_FILE && spec->type != SINK_LOKI)
		return mesh_error_set(err, MESH_ERR_UNSUPPORTED, 0, 0,
		    "recordings can be read back from file: and loki: sinks, not %s:",
		    sinkspec_scheme(spec->type));
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	s->spec = *spec;
	s->since_s = since_s > 0 ? since_s : SOURCE_DEFAULT_SINCE_S;
	tl = strlen(spec->target);
	if (tl && spec->target[tl - 1] == '/')
		tl--;
	(void)snprintf(s->base, sizeof(s->base), "%.*s", (int)tl, spec->target);
	if (spec->type == SINK_LOKI && (r = http_new(spec, &s->http, err)) != 0) {
		free(s);
		return r;
	}
	*out = s;
	return MESH_OK;
}

void
rec_source_free(struct rec_source *s)
{
	if (s == NULL)
		return;
	http_free(s->http);
	free(s);
}

static bool
valid_id(const char *id)
{
	uint8_t b[16];

	return rec_id_from_hex(id, b) == 0;
}

static int
file_read_cast(struct rec_source *s, const char *id, struct cast_buf *out, struct mesh_error *err)
{
	char path[PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s.cast", s->base, id) >= (int)sizeof(path))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "path too long");
	if ((r = mesh_file_read(path, SOURCE_CAST_MAX_BYTES, MESH_FILE_TRUSTED, &buf, &len, err)) !=
	    0)
		return r;
	r = cast_normalize((const char *)buf, len, out, err);
	free(buf);
	return r;
}

static int
summary_cmp(const void *a, const void *b)
{
	const struct rec_summary *x = a, *y = b;

	if (x->timestamp != y->timestamp)
		return x->timestamp < y->timestamp ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int
push_summary(struct rec_summary **v, size_t *n, size_t *cap, const struct rec_summary *s)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct rec_summary *nv = realloc(*v, nc * sizeof(**v));

		if (nv == NULL)
			return MESH_ERR_NOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = *s;
	return MESH_OK;
}

static int
file_list(struct rec_source *s, struct rec_summary **out, size_t *n, struct mesh_error *err)
{
	struct rec_summary *v = NULL, sum;
	size_t cap = 0;
	struct cast_buf b = {0};
	struct dirent *de;
	DIR *d;
	int r = MESH_OK;

	if ((d = opendir(s->base)) == NULL)
		return mesh_error_set(err, errno == ENOENT ? MESH_ERR_NOTFOUND : MESH_ERR_IO, 0, 0,
		    "%s: %s", s->base, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		char id[REC_SESSION_ID_CHARS + 1];
		size_t l = strlen(de->d_name);

		if (l != REC_SESSION_ID_CHARS + 5 ||
		    strcmp(de->d_name + REC_SESSION_ID_CHARS, ".cast"))
			continue;
		memcpy(id, de->d_name, REC_SESSION_ID_CHARS);
		id[REC_SESSION_ID_CHARS] = '\0';
		if (!valid_id(id))
			continue;
		b.len = 0;
		if (file_read_cast(s, id, &b, err) != 0 || cast_summarize(b.p, b.len, &sum) != 0)
			continue; /* a damaged file does not hide the others */
		(void)snprintf(sum.id, sizeof(sum.id), "%s", id);
		if ((r = push_summary(&v, n, &cap, &sum)) != 0) {
			r = mesh_error_set(err, r, 0, 0, "out of memory");
			break;
		}
	}
	closedir(d);
	cast_buf_free(&b);
	mesh_error_clear(err);
	if (r != 0) {
		free(v);
		*n = 0;
		return r;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), summary_cmp);
	*out = v;
	return MESH_OK;
}

/* GET base + path?query, parse JSON, check "status":"success". */
static int
loki_get(
    struct rec_source *s, const char *path, const char *query, json_t **out, struct mesh_error *err)
{
	char url[SOURCE_URL_MAX];
	struct cast_buf body = {0};
	const char *status;
	json_t *j;
	int r;

	*out = NULL;
	if (snprintf(url, sizeof(url), "%s%s?%s", s->base, path, query) >= (int)sizeof(url))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "loki: URL too long");
	if ((r = http_get(s->http, url, &body, err)) != 0)
		goto out;
	j = json_loadb(body.p ? body.p : "", body.len, 0, NULL);
	status = json_string_value(json_object_get(j, "status"));
	if (j == NULL || status == NULL || strcmp(status, "success") != 0) {
		json_decref(j);
		r = mesh_error_set(
		    err, MESH_ERR_PROTOCOL, 0, 0, "loki %s: unexpected response", path);
		goto out;
	}
	*out = j;
out:
	cast_buf_free(&body);
	return r;
}

/* Every line of one session's stream, in Loki's order, appended to lines. */
static int
loki_session_lines(struct rec_source *s, const char *id, uint64_t now_ns, size_t limit,
    struct cast_buf *lines, struct mesh_error *err)
{
	uint64_t start = now_ns - (uint64_t)s->since_s * 1000000000ull;
	struct cast_buf q = {0}, sel = {0};
	int r = MESH_OK;

	if (!valid_id(id))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "\"%s\" is not a recording id (32 hex characters)", id);
	{
		char s1[160];

		(void)snprintf(s1, sizeof(s1),
		    "{service_name=\"" SINK_SERVICE_NAME "\",kind=\"recording\",session=\"%s\"}",
		    id);
		if (http_escape(s->http, s1, &sel) != 0 || cast_buf_append(&sel, "", 1) != 0)
			return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	}
	for (;;) {
		char qs[SOURCE_URL_MAX];
		json_t *j, *res, *st, *vals, *v;
		size_t i, k, got = 0;
		uint64_t last = start;

		if (snprintf(qs, sizeof(qs),
			"query=%s&start=%" PRIu64 "&end=%" PRIu64 "&limit=%zu&direction=forward",
			sel.p, start, now_ns, limit) >= (int)sizeof(qs)) {
			r = mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "loki: query too long");
			break;
		}
		if ((r = loki_get(s, "/loki/api/v1/query_range", qs, &j, err)) != 0)
			break;
		res = json_object_get(json_object_get(j, "data"), "result");
		json_array_foreach (res, i, st) {
			vals = json_object_get(st, "values");
			json_array_foreach (vals, k, v) {
				const char *ts = json_string_value(json_array_get(v, 0));
				const char *line = json_string_value(json_array_get(v, 1));
				uint64_t t = ts ? strtoull(ts, NULL, 10) : 0;

				if (line == NULL)
					continue;
				got++;
				if (t > last)
					last = t;
				if (cast_buf_append(lines, line, strlen(line)) != 0 ||
				    cast_buf_append(lines, "\n", 1) != 0) {
					json_decref(j);
					r = mesh_error_set(
					    err, MESH_ERR_NOMEM, 0, 0, "out of memory");
					goto out;
				}
			}
		}
		json_decref(j);
		if (got < limit)
			break;
		/* a full page: go on from the last timestamp (it repeats; normalising drops it) */
		start = last > start ? last : start + 1;
	}
out:
	cast_buf_free(&q);
	cast_buf_free(&sel);
	return r;
}

static int
loki_list(struct rec_source *s, uint64_t now_ns, struct rec_summary **out, size_t *n,
    struct mesh_error *err)
{
	uint64_t start = now_ns - (uint64_t)s->since_s * 1000000000ull;
	struct rec_summary *v = NULL, sum;
	struct cast_buf lines = {0}, norm = {0};
	char qs[128];
	size_t cap = 0, i;
	json_t *j, *ids, *id;
	int r;

	(void)snprintf(qs, sizeof(qs), "start=%" PRIu64 "&end=%" PRIu64, start, now_ns);
	if ((r = loki_get(s, "/loki/api/v1/label/session/values", qs, &j, err)) != 0)
		return r;
	ids = json_object_get(j, "data");
	json_array_foreach (ids, i, id) {
		const char *sid = json_string_value(id);

		if (sid == NULL || !valid_id(sid))
			continue;
		lines.len = norm.len = 0;
		if ((r = loki_session_lines(s, sid, now_ns, SOURCE_LOKI_PAGE_LINES, &lines, err)) !=
		    0)
			break;
		if (cast_normalize(lines.p, lines.len, &norm, err) != 0 ||
		    cast_summarize(norm.p, norm.len, &sum) != 0)
			continue;
		(void)snprintf(sum.id, sizeof(sum.id), "%s", sid);
		if ((r = push_summary(&v, n, &cap, &sum)) != 0) {
			r = mesh_error_set(err, r, 0, 0, "out of memory");
			break;
		}
	}
	json_decref(j);
	cast_buf_free(&lines);
	cast_buf_free(&norm);
	if (r != 0) {
		free(v);
		*n = 0;
		return r;
	}
	mesh_error_clear(err);
	if (*n)
		qsort(v, *n, sizeof(*v), summary_cmp);
	*out = v;
	return MESH_OK;
}

int
rec_source_list(struct rec_source *s, uint64_t now_ns, struct rec_summary **out, size_t *n,
    struct mesh_error *err)
{
	*out = NULL;
	*n = 0;
	if (s->spec.type == SINK_FILE)
		return file_list(s, out, n, err);
	return loki_list(s, now_ns, out, n, err);
}

int
rec_source_export(struct rec_source *s, const char *id, uint64_t now_ns, struct cast_buf *out,
    struct mesh_error *err)
{
	struct cast_buf lines = {0};
	int r;

	if (!valid_id(id))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "\"%s\" is not a recording id (32 hex characters)", id);
	if (s->spec.type == SINK_FILE)
		return file_read_cast(s, id, out, err);
	if ((r = loki_session_lines(s, id, now_ns, SOURCE_LOKI_PAGE_LINES, &lines, err)) == 0) {
		if (lines.len == 0)
			r = mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
			    "recording %s: not found in %s", id, s->base);
		else
			r = cast_normalize(lines.p, lines.len, out, err);
	}
	cast_buf_free(&lines);
	return r;
}
