/*
 * The shipper (see ship.h): spool -> batches -> sinks, with cursors,
 * retry and backoff.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit.h"
#include "fileio.h"
#include "log.h"
#include "ship.h"
#include "sink.h"
#include "spool.h"

#define SHIP_CURSOR_FILE_MAX 4096
#define SHIP_CURSOR_ID_BYTES 8
#define SHIP_OVERFLOW_FILE   "overflow-reported"
#define SHIP_NS_PER_MS	     1000000ull

struct ship_sink {
	struct ship_sink_conf conf;
	const struct sink_ops *ops;
	void *state;
	struct spool_reader *reader;
	uint64_t cursor;    /* next spool seq to deliver (persisted) */
	uint64_t saved;	    /* cursor value on disk */
	uint64_t batch_end; /* seq after the last record read into the batch */
	struct spool_record *recs;
	size_t n, cap_recs;
	uint8_t *arena;
	size_t arena_len, arena_cap;
	bool pending; /* a batch waits to be (re)sent */
	bool idle;    /* the reader found nothing more */
	uint64_t next_try_ms;
	unsigned backoff_ms;
	uint64_t failures; /* consecutive */
	char cursor_path[PATH_MAX];
	char label[SINKSPEC_TARGET_MAX + 64];
};

struct ship {
	struct ship_conf conf;
	struct spool *spool;
	struct maudit *audit;
	struct ship_sink sinks[SHIP_MAX_SINKS];
	size_t nsinks;
	uint64_t overflow_reported;
	uint64_t next_sync_ms;
	char overflow_path[PATH_MAX];
};

static uint64_t
ship_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
ship_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000ull + (uint64_t)ts.tv_nsec / SHIP_NS_PER_MS;
}

static int
ship_read_counter(const char *path, uint64_t *out, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len;
	char *end;
	int r;

	*out = 0;
	r = mesh_file_read(path, SHIP_CURSOR_FILE_MAX, MESH_FILE_SECRET, &buf, &len, err);
	if (r == MESH_ERR_NOTFOUND) {
		mesh_error_clear(err);
		return MESH_OK;
	}
	if (r != 0)
		return r;
	errno = 0;
	*out = strtoull((const char *)buf, &end, 10);
	if (errno || end == (char *)buf || (*end != '\n' && *end != '\0'))
		r = mesh_error_set(err, MESH_ERR_PARSE, 1, 1, "%s: not a counter", path);
	free(buf);
	return r;
}

static int
ship_write_counter(const char *path, uint64_t v, const char *comment, struct mesh_error *err)
{
	char buf[SHIP_CURSOR_FILE_MAX];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n# %s\n", v, comment);

	if (n < 0 || n >= (int)sizeof(buf))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: too long", path);
	return mesh_file_write_atomic(path, buf, (size_t)n, 0600, err);
}

static int
ship_sink_init(
    struct ship *s, struct ship_sink *k, const struct ship_sink_conf *c, struct mesh_error *err)
{
	uint8_t id[SHIP_CURSOR_ID_BYTES];
	char canon[SINKSPEC_TARGET_MAX + 16], hex[2 * SHIP_CURSOR_ID_BYTES + 1];
	crypto_generichash_state st;
	uint8_t full[16];
	int r;

	k->conf = *c;
	k->ops = sink_ops_for(c->spec.type);
	if (k->ops == NULL || (c->what & (SHIP_AUDIT | SHIP_RECORDING)) == 0)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "shipper: bad sink");
	if ((r = sinkspec_format(&c->spec, canon, sizeof(canon))) != 0)
		return mesh_error_set(err, r, 0, 0, "shipper: sink name too long");
	(void)snprintf(k->label, sizeof(k->label), "%s%s %s",
	    c->what & SHIP_AUDIT ? "AuditSink" : "",
	    c->what & SHIP_RECORDING ? (c->what & SHIP_AUDIT ? "+RecordingSink" : "RecordingSink")
				     : "",
	    canon);
	/* the cursor is named after what the sink receives and where it is */
	crypto_generichash_init(&st, NULL, 0, sizeof(full));
	crypto_generichash_update(&st, (const uint8_t *)&c->what, sizeof(c->what));
	crypto_generichash_update(&st, (const uint8_t *)canon, strlen(canon));
	crypto_generichash_final(&st, full, sizeof(full));
	memcpy(id, full, sizeof(id));
	for (size_t i = 0; i < sizeof(id); i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", id[i]);
	if (snprintf(k->cursor_path, sizeof(k->cursor_path), "%s/cursor-%s", s->conf.spool_dir,
		hex) >= (int)sizeof(k->cursor_path))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "shipper: path too long");
	if ((r = ship_read_counter(k->cursor_path, &k->cursor, err)) != 0)
		return r;
	k->saved = k->cursor;
	k->batch_end = k->cursor;
	if ((r = spool_reader_new(s->spool, k->cursor, &k->reader, err)) != 0)
		return r;
	k->backoff_ms = s->conf.backoff_min_ms;
	log_debug("shipper: sink %s (%s%s) resumes at seq %" PRIu64, k->label,
	    c->what & SHIP_AUDIT ? "audit" : "", c->what & SHIP_RECORDING ? " recordings" : "",
	    k->cursor);
	return MESH_OK;
}

int
ship_new(const struct ship_conf *conf, struct ship **out, struct mesh_error *err)
{
	struct spool_opts so = {.dir = conf->spool_dir,
	    .max_bytes = conf->spool_max_bytes,
	    .flags = SPOOL_CREATE | SPOOL_RECOVER};
	struct ship *s;
	int r;

	*out = NULL;
	if (conf->nsinks > SHIP_MAX_SINKS)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "shipper: at most %d sinks", SHIP_MAX_SINKS);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "shipper: out of memory");
	s->conf = *conf;
	if (!s->conf.backoff_min_ms)
		s->conf.backoff_min_ms = SHIP_BACKOFF_MIN_MS;
	if (!s->conf.backoff_max_ms)
		s->conf.backoff_max_ms = SHIP_BACKOFF_MAX_MS;
	if (s->conf.backoff_max_ms < s->conf.backoff_min_ms)
		s->conf.backoff_max_ms = s->conf.backoff_min_ms;
	if (!s->conf.poll_ms)
		s->conf.poll_ms = SHIP_POLL_MS;
	if ((r = spool_open(&so, &s->spool, err)) != 0)
		goto fail;
	if ((r = maudit_open(conf->spool_dir, conf->spool_max_bytes, conf->host, &s->audit, err)) !=
	    0)
		goto fail;
	if (snprintf(s->overflow_path, sizeof(s->overflow_path), "%s/" SHIP_OVERFLOW_FILE,
		conf->spool_dir) >= (int)sizeof(s->overflow_path)) {
		r = mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "shipper: path too long");
		goto fail;
	}
	if ((r = ship_read_counter(s->overflow_path, &s->overflow_reported, err)) != 0)
		goto fail;
	for (size_t i = 0; i < conf->nsinks; i++) {
		if ((r = ship_sink_init(s, &s->sinks[i], &conf->sinks[i], err)) != 0)
			goto fail;
		s->nsinks++;
	}
	*out = s;
	return MESH_OK;
fail:
	ship_free(s);
	return r;
}

void
ship_free(struct ship *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nsinks; i++) {
		struct ship_sink *k = &s->sinks[i];

		if (k->state)
			k->ops->close(k->state);
		spool_reader_free(k->reader);
		free(k->recs);
		free(k->arena);
	}
	maudit_free(s->audit);
	spool_free(s->spool);
	free(s);
}

static bool
ship_wants(const struct ship_sink *k, uint8_t kind)
{
	return (kind == SPOOL_KIND_AUDIT && (k->conf.what & SHIP_AUDIT)) ||
	    (kind == SPOOL_KIND_CAST && (k->conf.what & SHIP_RECORDING));
}

/* Read the next batch into k->recs (copies: the reader's buffer is reused). */
static int
ship_fill(struct ship_sink *k, struct mesh_error *err)
{
	struct spool_record rec;
	size_t i;
	int r;

	k->n = 0;
	k->arena_len = 0;
	k->idle = false;
	while (k->n < SHIP_BATCH_MAX_RECORDS && k->arena_len < SHIP_BATCH_MAX_BYTES) {
		r = spool_reader_next(k->reader, &rec, err);
		if (r == MESH_ERR_NOTFOUND) {
			k->idle = true;
			break;
		}
		if (r != 0)
			return r;
		k->batch_end = rec.seq + 1;
		if (!ship_wants(k, rec.kind))
			continue;
		if (k->n == k->cap_recs) {
			size_t nc = k->cap_recs ? 2 * k->cap_recs : 64;
			struct spool_record *nr = realloc(k->recs, nc * sizeof(*nr));

			if (nr == NULL)
				return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			k->recs = nr;
			k->cap_recs = nc;
		}
		if (k->arena_len + rec.len > k->arena_cap) {
			size_t nc = k->arena_cap ? k->arena_cap : 65536;
			uint8_t *na;

			while (nc < k->arena_len + rec.len)
				nc *= 2;
			if ((na = realloc(k->arena, nc)) == NULL)
				return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
			k->arena = na;
			k->arena_cap = nc;
		}
		memcpy(k->arena + k->arena_len, rec.data, rec.len);
		k->recs[k->n] = rec;
		k->recs[k->n].data = (const uint8_t *)(uintptr_t)k->arena_len; /* fixed below */
		k->arena_len += rec.len;
		k->n++;
	}
	for (i = 0; i < k->n; i++)
		k->recs[i].data = k->arena + (uintptr_t)k->recs[i].data;
	return MESH_OK;
}

static void
ship_save_cursor(struct ship_sink *k)
{
	struct mesh_error e = {0};

	if (k->cursor == k->saved)
		return;
	if (ship_write_counter(k->cursor_path, k->cursor, k->label, &e) != 0) {
		log_error("shipper: cannot save the cursor of %s: %s", k->label, e.text);
		return;
	}
	k->saved = k->cursor;
}

static void
ship_failed(struct ship *s, struct ship_sink *k, uint64_t now_ms, const struct mesh_error *e)
{
	k->failures++;
	if (k->failures == 1 || (k->failures & (k->failures - 1)) == 0)
		log_warn("shipper: %s: %s (attempt %" PRIu64 ", retrying in %u ms)", k->label,
		    e->text[0] ? e->text : mesh_strerror(e->code), k->failures, k->backoff_ms);
	k->next_try_ms = now_ms + k->backoff_ms;
	k->backoff_ms = k->backoff_ms >= s->conf.backoff_max_ms / 2 ? s->conf.backoff_max_ms
								    : k->backoff_ms * 2;
}

/* One batch for one sink: delivered records, 0, or a negative spool error. */
static long
ship_sink_step(struct ship *s, struct ship_sink *k, uint64_t now_ms)
{
	struct mesh_error e = {0};
	long n;
	int r;

	if (k->pending && now_ms < k->next_try_ms)
		return 0;
	if (!k->pending) {
		if ((r = ship_fill(k, &e)) != 0) {
			log_error("shipper: reading the spool for %s: %s", k->label, e.text);
			return r;
		}
		if (k->n == 0) {
			k->cursor = k->batch_end;
			ship_save_cursor(k);
			return 0;
		}
		k->pending = true;
		if (now_ms < k->next_try_ms)
			return 0;
	}
	if (k->state == NULL &&
	    (r = k->ops->open(
		 &k->conf.spec, &(struct sink_env){.host = s->conf.host}, &k->state, &e)) != 0) {
		k->state = NULL;
		ship_failed(s, k, now_ms, &e);
		return 0;
	}
	if ((r = k->ops->send(k->state, k->recs, k->n, &e)) != 0) {
		if (e.code == 0)
			e.code = r;
		ship_failed(s, k, now_ms, &e);
		return 0;
	}
	if (k->failures)
		log_info("shipper: %s: delivered again after %" PRIu64 " failed attempts", k->label,
		    k->failures);
	k->failures = 0;
	k->backoff_ms = s->conf.backoff_min_ms;
	k->next_try_ms = 0;
	k->pending = false;
	n = (long)k->n;
	k->cursor = k->batch_end;
	ship_save_cursor(k);
	return n;
}

/* Report records the spool dropped to make room, once, as an audit event. */
static void
ship_check_overflow(struct ship *s)
{
	struct spool_stats st;
	struct maudit_event *ev;
	struct mesh_error e = {0};

	if (spool_stats(s->spool, &st, &e) != 0 || st.evicted_records <= s->overflow_reported)
		return;
	if ((ev = maudit_event_new(MAUDIT_SPOOL_OVERFLOW)) == NULL)
		return;
	maudit_set_int(ev, "droppedRecords", (int64_t)(st.evicted_records - s->overflow_reported));
	maudit_set_int(ev, "totalDroppedRecords", (int64_t)st.evicted_records);
	maudit_set_str(ev, "policy", "oldest-first");
	if (maudit_emit(s->audit, ev, ship_wall_ns(), NULL, &e) != 0) {
		log_error("shipper: cannot report the spool overflow: %s", e.text);
		return;
	}
	log_warn("shipper: spool full: %" PRIu64 " records were dropped (oldest first)",
	    st.evicted_records - s->overflow_reported);
	s->overflow_reported = st.evicted_records;
	if (ship_write_counter(s->overflow_path, s->overflow_reported, "overflow reported", &e) !=
	    0)
		log_error("shipper: %s", e.text);
}

long
ship_step(struct ship *s, uint64_t now_ms, unsigned *wait_ms)
{
	uint64_t min_cursor = UINT64_MAX, wake = UINT64_MAX;
	struct mesh_error e = {0};
	long total = 0, n;

	ship_check_overflow(s);
	if (now_ms >= s->next_sync_ms) {
		/* power-loss durability for everything appended, off the sessions' path */
		if (spool_sync(s->spool, &e) != 0)
			log_error("shipper: %s", e.text);
		s->next_sync_ms = now_ms + SPOOL_SYNC_INTERVAL_MS;
	}
	for (size_t i = 0; i < s->nsinks; i++) {
		struct ship_sink *k = &s->sinks[i];

		if ((n = ship_sink_step(s, k, now_ms)) < 0)
			return n;
		total += n;
		if (k->cursor < min_cursor)
			min_cursor = k->cursor;
		if (k->pending && k->next_try_ms > now_ms && k->next_try_ms < wake)
			wake = k->next_try_ms;
		else if (!k->idle && !k->pending)
			wake = now_ms; /* more to read right away */
	}
	if (s->nsinks && min_cursor != UINT64_MAX && spool_trim(s->spool, min_cursor, &e) != 0)
		log_error("shipper: %s", e.text);
	if (wake == UINT64_MAX || wake - now_ms > s->conf.poll_ms)
		*wait_ms = s->conf.poll_ms;
	else
		*wait_ms = (unsigned)(wake - now_ms);
	return total;
}

static bool
ship_done(const struct ship *s)
{
	for (size_t i = 0; i < s->nsinks; i++)
		if (s->sinks[i].pending || !s->sinks[i].idle)
			return false;
	return true;
}

int
ship_run(struct ship *s, volatile sig_atomic_t *stop, int once)
{
	unsigned wait_ms = 0;
	long n;

	while (!*stop) {
		if ((n = ship_step(s, ship_mono_ms(), &wait_ms)) < 0)
			return (int)n;
		if (once) {
			for (size_t i = 0; i < s->nsinks; i++)
				if (s->sinks[i].failures)
					return MESH_ERR_IO;
			if (ship_done(s))
				return MESH_OK;
		}
		if (wait_ms) {
			struct timespec ts = {
			    .tv_sec = wait_ms / 1000, .tv_nsec = (long)(wait_ms % 1000) * 1000000L};

			(void)nanosleep(&ts, NULL);
		}
	}
	return MESH_OK;
}
