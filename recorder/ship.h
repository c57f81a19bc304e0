/*
 * The shipper: reads the spool and delivers records to the sinks, outside
 * every session's path (its own process, meshssh-shipper, started by
 * meshsshd).  Per sink: a reader at the sink's cursor, batches of at most
 * SHIP_BATCH_MAX_RECORDS / SHIP_BATCH_MAX_BYTES, retry of the same batch with
 * exponential backoff (backoff_min_ms doubling to backoff_max_ms) while the
 * sink fails, and a cursor file (next spool sequence to deliver, replaced
 * atomically after each delivered batch) so a restart resumes where it
 * stopped.  Delivery is at least once; a duplicate can only follow a crash
 * between a sink's acknowledgement and the cursor write, and carries the
 * same event id / seq / timestamp so consumers (and Loki) drop it.
 *
 * Segments every sink has passed are deleted (spool_trim).  When the spool
 * dropped records to make room (oldest first), the shipper emits one
 * "spool.overflow" audit event with the count.
 */
#ifndef MESH_SHIP_H
#define MESH_SHIP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sinkspec.h"

#define SHIP_BATCH_MAX_RECORDS 1000
#define SHIP_BATCH_MAX_BYTES   (1024u * 1024u)
#define SHIP_BACKOFF_MIN_MS    250
#define SHIP_BACKOFF_MAX_MS    30000
#define SHIP_POLL_MS	       100
#define SHIP_MAX_SINKS	       16

enum {
	SHIP_AUDIT = 1 << 0,	 /* AuditSink */
	SHIP_RECORDING = 1 << 1, /* RecordingSink */
};

struct ship_sink_conf {
	struct sinkspec spec;
	unsigned what; /* SHIP_AUDIT | SHIP_RECORDING */
};

struct ship_conf {
	const char *spool_dir;
	uint64_t spool_max_bytes;
	const char *host;
	const struct ship_sink_conf *sinks;
	size_t nsinks;
	unsigned backoff_min_ms; /* 0: defaults above */
	unsigned backoff_max_ms;
	unsigned poll_ms;
};

struct ship;

int ship_new(const struct ship_conf *conf, struct ship **out, struct mesh_error *err);
void ship_free(struct ship *s);
/*
 * One round at time now_ms (monotonic): every sink that is due gets one batch.
 * *wait_ms: how long the caller may sleep before the next round.  Returns the
 * number of records delivered (>= 0) or a negative mesh_err for a spool error.
 */
long ship_step(struct ship *s, uint64_t now_ms, unsigned *wait_ms);
/* Loop until *stop (e.g. set by SIGTERM); with once, until everything is delivered
 * or a sink fails. */
int ship_run(struct ship *s, volatile sig_atomic_t *stop, int once);

#endif
