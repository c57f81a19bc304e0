/*
 * Audit events: one JSON object per event, schema in man/meshssh-audit.5.
 *
 * Every event gets a random unique "id" (128 bits, UUID text form) when it is
 * emitted and a monotonic "seq" when it is appended to the spool (the spool's
 * audit counter, under the spool lock, so it is gapless across every process
 * of the server and across restarts; a consumer that sees a jump knows events
 * were lost, one that sees a repeat drops the duplicate).  "seq" is stored in
 * the spool record, and the shipper adds it to the object it delivers.
 *
 * Usage (any process that opened its own struct maudit):
 *   struct maudit_event *ev = maudit_event_new(MAUDIT_SESSION_END);
 *   maudit_set_str(ev, "connectionID", cid);
 *   maudit_set_int(ev, "exitStatus", 0);
 *   maudit_emit(a, ev, wall_ns, NULL, &err);   // consumes ev
 */
#ifndef MESH_AUDIT_H
#define MESH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MAUDIT_SCHEMA_VERSION 1
#define MAUDIT_ID_CHARS	      36 /* 8-4-4-4-12 hex */

enum maudit_type {
	MAUDIT_CONNECTION_ACCEPT = 0, /* "connection.accept" */
	MAUDIT_CONNECTION_REFUSE,     /* "connection.refuse": reason */
	MAUDIT_POLICY_DECISION,	      /* "policy.decision": action, rule */
	MAUDIT_PROVISION,	      /* "provision": localUser, uid */
	MAUDIT_SESSION_START,	      /* "session.start": sessionID, localUser */
	MAUDIT_SESSION_END,	      /* "session.end": sessionID, exitStatus */
	MAUDIT_FORWARD_OPEN,	      /* "forward.open": direction, target */
	MAUDIT_FORWARD_CLOSE,	      /* "forward.close": direction, target */
	MAUDIT_SFTP_START,	      /* "sftp.start": sessionID */
	MAUDIT_SFTP_END,	      /* "sftp.end": sessionID */
	MAUDIT_RECORDING_START,	      /* "recording.start": sessionID */
	MAUDIT_RECORDING_FAIL,	      /* "recording.fail": sessionID, reason, enforced */
	MAUDIT_SPOOL_OVERFLOW,	      /* "spool.overflow": droppedRecords */
	MAUDIT_CHECK_START,	      /* "check.start": SSO check began (issuer, service) */
	MAUDIT_CHECK_PASS,	      /* "check.pass": subject */
	MAUDIT_CHECK_FAIL,	      /* "check.fail": reason, subject when known */
	MAUDIT_CHECK_TIMEOUT,	      /* "check.timeout": reason (device code expired) */
	MAUDIT_TYPE_COUNT,
};

struct maudit;
struct maudit_event;

/* "session.end" for MAUDIT_SESSION_END; NULL when out of range. */
const char *maudit_type_name(enum maudit_type t);
/* Reverse of maudit_type_name; -1 if unknown. */
int maudit_type_parse(const char *name);

struct maudit_event *maudit_event_new(enum maudit_type t);
void maudit_event_free(struct maudit_event *ev);
int maudit_set_str(struct maudit_event *ev, const char *key, const char *val);
int maudit_set_int(struct maudit_event *ev, const char *key, int64_t val);
int maudit_set_bool(struct maudit_event *ev, const char *key, bool val);
/* NULL-terminated list of strings as a JSON array. */
int maudit_set_strv(struct maudit_event *ev, const char *key, const char *const *vals);

/*
 * Pure: the event as one JSON line (no "seq", that is the spool's) with the
 * common fields "v", "type", "id", "time" (RFC 3339, UTC, ns) and "host".
 * Fails with MESH_ERR_INVALID when a field the schema requires is missing.
 * *out is malloc'd and NUL-terminated.
 */
int maudit_event_format(const struct maudit_event *ev, const char *id, uint64_t wall_ns,
    const char *host, char **out, size_t *len, struct mesh_error *err);

/* Random event id (UUID version 4 text) into buf[MAUDIT_ID_CHARS + 1]. */
void maudit_new_id(char *buf);

/* Open the audit emitter on a spool directory (created 0700 if missing). */
int maudit_open(const char *spool_dir, uint64_t spool_max_bytes, const char *host,
    struct maudit **out, struct mesh_error *err);
void maudit_free(struct maudit *a);
/*
 * With enforce (enforceRecorder), a full spool makes maudit_emit fail with
 * MESH_ERR_RANGE; without it the oldest spooled records are dropped (and
 * counted, see spool.h) to make room.
 */
void maudit_set_enforce(struct maudit *a, bool enforce);
/*
 * Flush the spool to disk after every event (off by default: the shipper
 * flushes the spool every SPOOL_SYNC_INTERVAL_MS, outside the connection's
 * path; a killed process never loses an appended event either way).
 */
void maudit_set_sync(struct maudit *a, bool sync);
/*
 * Append ev to the spool (consumes ev).  *seq_out (may
 * be NULL) gets the event's audit sequence number.
 */
int maudit_emit(struct maudit *a, struct maudit_event *ev, uint64_t wall_ns, uint64_t *seq_out,
    struct mesh_error *err);

/* Format a wall-clock time as RFC 3339 with nanoseconds in UTC. */
int maudit_time_format(uint64_t wall_ns, char *buf, size_t len);

#endif
