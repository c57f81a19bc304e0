/*
 * Audit events: a typed builder, a pure formatter that checks the schema's
 * required fields, and the emitter that appends to the spool.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "audit.h"
#include "spool.h"

#define AUDIT_REQUIRED_MAX 4
#define AUDIT_HOST_MAX	   256

struct maudit_event {
	enum maudit_type type;
	json_t *fields;
};

struct maudit {
	struct spool *spool;
	bool no_evict;
	bool sync;
	char host[AUDIT_HOST_MAX];
};

static const struct {
	const char *name;
	const char *required[AUDIT_REQUIRED_MAX];
} audit_schema[MAUDIT_TYPE_COUNT] = {
    [MAUDIT_CONNECTION_ACCEPT] = {"connection.accept", {"connectionID", "srcAddr", "srcNode"}},
    [MAUDIT_CONNECTION_REFUSE] = {"connection.refuse", {"srcAddr", "reason"}},
    [MAUDIT_POLICY_DECISION] = {"policy.decision", {"connectionID", "action", "rule", "sshUser"}},
    [MAUDIT_PROVISION] = {"provision", {"localUser", "uid"}},
    [MAUDIT_SESSION_START] = {"session.start", {"connectionID", "sessionID", "localUser"}},
    [MAUDIT_SESSION_END] = {"session.end", {"connectionID", "sessionID", "exitStatus"}},
    [MAUDIT_FORWARD_OPEN] = {"forward.open", {"connectionID", "direction", "target"}},
    [MAUDIT_FORWARD_CLOSE] = {"forward.close", {"connectionID", "direction", "target"}},
    [MAUDIT_SFTP_START] = {"sftp.start", {"connectionID", "sessionID"}},
    [MAUDIT_SFTP_END] = {"sftp.end", {"connectionID", "sessionID"}},
    [MAUDIT_RECORDING_START] = {"recording.start", {"sessionID"}},
    [MAUDIT_RECORDING_FAIL] = {"recording.fail", {"sessionID", "reason", "enforced"}},
    [MAUDIT_SPOOL_OVERFLOW] = {"spool.overflow", {"droppedRecords"}},
    [MAUDIT_CHECK_START] = {"check.start", {"localUser", "service", "issuer"}},
    [MAUDIT_CHECK_PASS] = {"check.pass", {"localUser", "service", "subject"}},
    [MAUDIT_CHECK_FAIL] = {"check.fail", {"localUser", "service", "reason"}},
    [MAUDIT_CHECK_TIMEOUT] = {"check.timeout", {"localUser", "service", "reason"}},
};

/* Keys the formatter owns; a caller may not set them. */
static const char *const audit_reserved[] = {"v", "type", "id", "time", "host", "seq", NULL};

const char *
maudit_type_name(enum maudit_type t)
{
	if ((int)t < 0 || t >= MAUDIT_TYPE_COUNT)
		return NULL;
	return audit_schema[t].name;
}

int
maudit_type_parse(const char *name)
{
	for (int i = 0; i < MAUDIT_TYPE_COUNT; i++)
		if (strcmp(audit_schema[i].name, name) == 0)
			return i;
	return -1;
}

struct maudit_event *
maudit_event_new(enum maudit_type t)
{
	struct maudit_event *ev;

	if (maudit_type_name(t) == NULL || (ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->type = t;
	if ((ev->fields = json_object()) == NULL) {
		free(ev);
		return NULL;
	}
	return ev;
}

void
maudit_event_free(struct maudit_event *ev)
{
	if (ev == NULL)
		return;
	json_decref(ev->fields);
	free(ev);
}

static int
audit_set(struct maudit_event *ev, const char *key, json_t *v)
{
	if (ev == NULL || v == NULL) {
		json_decref(v);
		return MESH_ERR_INVALID;
	}
	for (const char *const *k = audit_reserved; *k; k++)
		if (strcmp(*k, key) == 0) {
			json_decref(v);
			return MESH_ERR_INVALID;
		}
	return json_object_set_new(ev->fields, key, v) == 0 ? MESH_OK : MESH_ERR_NOMEM;
}

int
maudit_set_str(struct maudit_event *ev, const char *key, const char *val)
{
	if (val == NULL)
		return MESH_OK;
	return audit_set(ev, key, json_string(val));
}

int
maudit_set_int(struct maudit_event *ev, const char *key, int64_t val)
{
	return audit_set(ev, key, json_integer(val));
}

int
maudit_set_bool(struct maudit_event *ev, const char *key, bool val)
{
	return audit_set(ev, key, json_boolean(val));
}

int
maudit_set_strv(struct maudit_event *ev, const char *key, const char *const *vals)
{
	json_t *a = json_array();

	if (a == NULL)
		return MESH_ERR_NOMEM;
	for (; vals && *vals; vals++)
		if (json_array_append_new(a, json_string(*vals)) != 0) {
			json_decref(a);
			return MESH_ERR_INVALID;
		}
	return audit_set(ev, key, a);
}

int
maudit_time_format(uint64_t wall_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	char day[32];
	int n;

	if (gmtime_r(&secs, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return MESH_ERR_RANGE;
	n = snprintf(buf, len, "%s.%09" PRIu64 "Z", day, wall_ns % UINT64_C(1000000000));
	return n < 0 || (size_t)n >= len ? MESH_ERR_RANGE : MESH_OK;
}

void
maudit_new_id(char *buf)
{
	uint8_t b[16];
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	randombytes_buf(b, sizeof(b));
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hex[b[i] >> 4];
		buf[o++] = hex[b[i] & 15];
	}
	buf[o] = '\0';
}

int
maudit_event_format(const struct maudit_event *ev, const char *id, uint64_t wall_ns,
    const char *host, char **out, size_t *len, struct mesh_error *err)
{
	json_t *o = NULL;
	char when[64];
	const char *key;
	json_t *v;
	char *s;
	int r = MESH_ERR_NOMEM;

	*out = NULL;
	*len = 0;
	for (int i = 0; i < AUDIT_REQUIRED_MAX && audit_schema[ev->type].required[i]; i++)
		if (json_object_get(ev->fields, audit_schema[ev->type].required[i]) == NULL)
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "audit: %s event without the required field \"%s\"",
			    audit_schema[ev->type].name, audit_schema[ev->type].required[i]);
	if (maudit_time_format(wall_ns, when, sizeof(when)) != 0)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "audit: time out of range");
	if ((o = json_object()) == NULL)
		goto out;
	if (json_object_set_new(o, "v", json_integer(MAUDIT_SCHEMA_VERSION)) ||
	    json_object_set_new(o, "type", json_string(audit_schema[ev->type].name)) ||
	    json_object_set_new(o, "id", json_string(id)) ||
	    json_object_set_new(o, "time", json_string(when)) ||
	    json_object_set_new(o, "host", json_string(host ? host : "")))
		goto out;
	json_object_foreach (ev->fields, key, v) {
		if (json_object_set(o, key, v))
			goto out;
	}
	if ((s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		goto out;
	*out = s;
	*len = strlen(s);
	r = MESH_OK;
out:
	json_decref(o);
	if (r != 0)
		mesh_error_set(err, r, 0, 0, "audit: out of memory");
	return r;
}

int
maudit_open(const char *spool_dir, uint64_t spool_max_bytes, const char *host, struct maudit **out,
    struct mesh_error *err)
{
	struct spool_opts so = {
	    .dir = spool_dir, .max_bytes = spool_max_bytes, .flags = SPOOL_CREATE};
	struct maudit *a;
	int r;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "audit: out of memory");
	(void)snprintf(a->host, sizeof(a->host), "%s", host ? host : "");
	if ((r = spool_open(&so, &a->spool, err)) != 0) {
		free(a);
		return r;
	}
	*out = a;
	return MESH_OK;
}

void
maudit_set_enforce(struct maudit *a, bool enforce)
{
	a->no_evict = enforce;
}

void
maudit_set_sync(struct maudit *a, bool sync)
{
	a->sync = sync;
}

void
maudit_free(struct maudit *a)
{
	if (a == NULL)
		return;
	spool_free(a->spool);
	free(a);
}

int
maudit_emit(struct maudit *a, struct maudit_event *ev, uint64_t wall_ns, uint64_t *seq_out,
    struct mesh_error *err)
{
	struct spool_record rec = {0};
	char id[MAUDIT_ID_CHARS + 1];
	char *line = NULL;
	size_t len;
	int r;

	if (ev == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "audit: out of memory");
	maudit_new_id(id);
	if ((r = maudit_event_format(ev, id, wall_ns, a->host, &line, &len, err)) != 0)
		goto out;
	rec.kind = SPOOL_KIND_AUDIT;
	rec.time_ns = wall_ns;
	rec.data = (const uint8_t *)line;
	rec.len = len;
	if ((r = spool_append(a->spool, &rec,
		 SPOOL_ASSIGN_SUBSEQ | (a->no_evict ? SPOOL_NO_EVICT : 0), err)) != 0)
		goto out;
	if (seq_out)
		*seq_out = rec.subseq;
	if (a->sync)
		r = spool_sync(a->spool, err);
out:
	free(line);
	maudit_event_free(ev);
	return r;
}
