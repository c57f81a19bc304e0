/*
 * Session recording: asciicast lines appended to the spool as they happen.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "audit.h"
#include "log.h"
#include "recorder.h"
#include "spool.h"

struct rec_session {
	struct spool *spool;
	struct maudit *audit;
	struct cast_writer w;
	struct cast_buf line;
	uint8_t id[SPOOL_STREAM_ID_BYTES];
	char id_hex[REC_SESSION_ID_CHARS + 1];
	char connection_id[128];
	uint64_t chunk;	   /* next chunk number (spool subseq) */
	uint64_t wall0_ns; /* wall clock at open */
	uint64_t mono0_ns; /* monotonic clock at open */
	bool enforce;
	bool record_input;
	bool recording; /* false once broken (without enforce) */
	bool failed_reported;
};

const char *
rec_refusal_message(void)
{
	return "meshsshd: this session must be recorded and the recorder is not available; "
	       "session refused";
}

const char *
rec_broken_message(void)
{
	return "meshsshd: the recording of this session failed and it must be recorded; "
	       "session ended";
}

void
rec_id_to_hex(const uint8_t id[16], char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[id[i] >> 4];
		out[2 * i + 1] = hex[id[i] & 15];
	}
	out[32] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
rec_id_from_hex(const char *hex, uint8_t id[16])
{
	if (strlen(hex) != 32)
		return MESH_ERR_PARSE;
	for (int i = 0; i < 16; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return MESH_ERR_PARSE;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return MESH_OK;
}

const char *
rec_session_id(const struct rec_session *s)
{
	return s->id_hex;
}

bool
rec_session_recording(const struct rec_session *s)
{
	return s->recording;
}

static uint64_t
rec_wall(const struct rec_session *s, uint64_t mono_ns)
{
	return s->wall0_ns + (mono_ns > s->mono0_ns ? mono_ns - s->mono0_ns : 0);
}

/* Report a breakage once; returns what the caller of rec_* should return. */
static int
rec_broken(struct rec_session *s, uint64_t mono_ns, int code, const char *why)
{
	struct maudit_event *ev;
	struct mesh_error e = {0};

	if (!s->failed_reported) {
		s->failed_reported = true;
		log_error("recorder: session %s: recording failed: %s%s", s->id_hex, why,
		    s->enforce ? " (enforced: ending the session)" : "");
		if (s->audit && (ev = maudit_event_new(MAUDIT_RECORDING_FAIL)) != NULL) {
			maudit_set_str(ev, "sessionID", s->id_hex);
			maudit_set_str(ev, "connectionID", s->connection_id);
			maudit_set_str(ev, "reason", why);
			maudit_set_bool(ev, "enforced", s->enforce);
			if (maudit_emit(s->audit, ev, rec_wall(s, mono_ns), NULL, &e) != 0)
				log_error("recorder: session %s: cannot emit recording.fail: %s",
				    s->id_hex, e.text);
		}
	}
	s->recording = false;
	return s->enforce ? code : MESH_OK;
}

/* Append the formatted line buffer as one record. */
static int
rec_flush_line(struct rec_session *s, uint64_t mono_ns)
{
	struct spool_record rec = {0};
	struct mesh_error e = {0};
	int r;

	if (s->line.len == 0)
		return MESH_OK;
	rec.kind = SPOOL_KIND_CAST;
	rec.subseq = s->chunk;
	rec.time_ns = rec_wall(s, mono_ns);
	memcpy(rec.stream, s->id, sizeof(s->id));
	rec.data = (const uint8_t *)s->line.p;
	rec.len = s->line.len;
	r = spool_append(s->spool, &rec, s->enforce ? SPOOL_NO_EVICT : 0, &e);
	s->line.len = 0;
	if (r != 0)
		return rec_broken(s, mono_ns, r, e.text);
	s->chunk++;
	/* no flush here: the shipper syncs the spool every SPOOL_SYNC_INTERVAL_MS,
	 * so a slow disk never stalls the session */
	return MESH_OK;
}

static int
rec_data(struct rec_session *s, uint64_t mono_ns, char code, const uint8_t *p, size_t len)
{
	int r;

	if (!s->recording)
		return s->enforce && s->failed_reported ? MESH_ERR_IO : MESH_OK;
	while (len > 0) {
		size_t n = len < REC_CHUNK_MAX_BYTES ? len : REC_CHUNK_MAX_BYTES;

		if ((r = cast_event_format(&s->w, mono_ns, code, p, n, &s->line)) != 0)
			return rec_broken(s, mono_ns, r, "cannot format an event");
		if ((r = rec_flush_line(s, mono_ns)) != 0 || !s->recording)
			return r;
		p += n;
		len -= n;
	}
	return MESH_OK;
}

int
rec_output(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len)
{
	return rec_data(s, mono_ns, 'o', buf, len);
}

int
rec_stderr(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len)
{
	return rec_data(s, mono_ns, 'e', buf, len);
}

int
rec_input(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len)
{
	if (!s->record_input)
		return MESH_OK;
	return rec_data(s, mono_ns, 'i', buf, len);
}

int
rec_resize(struct rec_session *s, uint64_t mono_ns, unsigned cols, unsigned rows)
{
	int r;

	if (!s->recording)
		return s->enforce && s->failed_reported ? MESH_ERR_IO : MESH_OK;
	if ((r = cast_resize_format(&s->w, mono_ns, cols, rows, &s->line)) != 0)
		return rec_broken(s, mono_ns, r, "cannot format an event");
	return rec_flush_line(s, mono_ns);
}

int
rec_session_open(const struct rec_conf *conf, const struct cast_header *info, uint64_t wall_ns,
    uint64_t mono_ns, struct rec_session **out, struct mesh_error *err)
{
	struct spool_opts so = {
	    .dir = conf->spool_dir, .max_bytes = conf->spool_max_bytes, .flags = SPOOL_CREATE};
	struct cast_header h = *info;
	struct rec_session *s;
	struct maudit_event *ev;
	int r;

	*out = NULL;
	if (sodium_init() < 0)
		return mesh_error_set(
		    err, MESH_ERR_CRYPTO, 0, 0, "recorder: libsodium init failed");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "recorder: out of memory");
	randombytes_buf(s->id, sizeof(s->id));
	rec_id_to_hex(s->id, s->id_hex);
	(void)snprintf(s->connection_id, sizeof(s->connection_id), "%s",
	    info->connection_id ? info->connection_id : "");
	s->enforce = conf->enforce;
	s->record_input = conf->record_input;
	s->wall0_ns = wall_ns;
	s->mono0_ns = mono_ns;
	cast_writer_init(&s->w, mono_ns);
	s->recording = true;

	if ((r = maudit_open(conf->spool_dir, conf->spool_max_bytes, conf->host, &s->audit, err)) !=
	    0)
		goto fail;
	maudit_set_enforce(s->audit, conf->enforce);
	if ((r = spool_open(&so, &s->spool, err)) != 0)
		goto fail;
	if (conf->enforce) {
		struct spool_stats st;

		if ((r = spool_stats(s->spool, &st, err)) != 0)
			goto fail;
		if (st.bytes + REC_START_HEADROOM_BYTES > st.max_bytes) {
			r = mesh_error_set(err, MESH_ERR_RANGE, 0, 0,
			    "spool %s is full (%" PRIu64 " of %" PRIu64
			    " bytes not yet shipped): is the sink reachable?",
			    conf->spool_dir, st.bytes, st.max_bytes);
			goto fail;
		}
	}
	h.session_id = s->id_hex;
	h.host = conf->host;
	h.timestamp = (int64_t)(wall_ns / CAST_NS_PER_SEC);
	h.input_recorded = conf->record_input;
	if ((r = cast_header_format(&h, &s->line)) != 0) {
		mesh_error_set(err, r, 0, 0, "recorder: cannot format the asciicast header: %s",
		    mesh_strerror(r));
		goto fail;
	}
	{
		struct spool_record rec = {0};

		rec.kind = SPOOL_KIND_CAST;
		rec.subseq = s->chunk;
		rec.time_ns = wall_ns;
		memcpy(rec.stream, s->id, sizeof(s->id));
		rec.data = (const uint8_t *)s->line.p;
		rec.len = s->line.len;
		r = spool_append(s->spool, &rec, conf->enforce ? SPOOL_NO_EVICT : 0, err);
		s->line.len = 0;
		if (r != 0)
			goto fail;
		s->chunk++;
	}
	if ((ev = maudit_event_new(MAUDIT_RECORDING_START)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "recorder: out of memory");
		goto fail;
	}
	maudit_set_str(ev, "sessionID", s->id_hex);
	maudit_set_str(ev, "connectionID", s->connection_id);
	maudit_set_bool(ev, "enforced", conf->enforce);
	maudit_set_bool(ev, "inputRecorded", conf->record_input);
	if ((r = maudit_emit(s->audit, ev, wall_ns, NULL, err)) != 0)
		goto fail;
	*out = s;
	return MESH_OK;
fail:
	if (conf->enforce) {
		/* refused: still an audit event when the audit stream is writable */
		(void)rec_broken(s, mono_ns, r, err && err->text[0] ? err->text : mesh_strerror(r));
		rec_session_free(s);
		return r;
	}
	/* not enforced: the session goes on unrecorded, and that is an audit event */
	(void)rec_broken(s, mono_ns, r, err && err->text[0] ? err->text : mesh_strerror(r));
	*out = s;
	return MESH_OK;
}

int
rec_session_close(struct rec_session *s, uint64_t mono_ns, int exit_status, struct mesh_error *err)
{
	int r = MESH_OK;

	if (!s->recording)
		return s->enforce && s->failed_reported
		    ? mesh_error_set(err, MESH_ERR_IO, 0, 0, "recorder: recording had failed")
		    : MESH_OK;
	if ((r = cast_flush(&s->w, mono_ns, &s->line)) != 0 ||
	    (r = cast_exit_format(&s->w, mono_ns, exit_status, &s->line)) != 0)
		return mesh_error_set(err, r, 0, 0, "recorder: cannot format the end");
	if ((r = rec_flush_line(s, mono_ns)) != 0)
		return mesh_error_set(err, r, 0, 0, "recorder: cannot record the end");
	if (s->recording && (r = spool_sync(s->spool, err)) != 0)
		return r;
	s->recording = false;
	return MESH_OK;
}

void
rec_session_free(struct rec_session *s)
{
	if (s == NULL)
		return;
	spool_free(s->spool);
	maudit_free(s->audit);
	cast_buf_free(&s->line);
	free(s);
}
