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
 * Usage (any process that opened its own struct audit):
 *   struct audit_event *ev = audit_event_new(AUDIT_SESSION_END);
 *   audit_set_str(ev, "connectionID", cid);
 *   audit_set_int(ev, "exitStatus", 0);
 *   audit_emit(a, ev, wall_ns, NULL, &err);   // consumes ev
 */
#ifndef MESH_AUDIT_H
#define MESH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define AUDIT_SCHEMA_VERSION 1
#define AUDIT_ID_CHARS	     36 /* 8-4-4-4-12 hex */

enum audit_type {
	AUDIT_CONNECTION_ACCEPT = 0, /* "connection.accept" */
	AUDIT_CONNECTION_REFUSE,     /* "connection.refuse": reason */
	AUDIT_POLICY_DECISION,	     /* "policy.decision": action, rule */
	AUDIT_PROVISION,	     /* "provision": localUser, uid */
	AUDIT_SESSION_START,	     /* "session.start": sessionID, localUser */
	AUDIT_SESSION_END,	     /* "session.end": sessionID, exitStatus */
	AUDIT_FORWARD_OPEN,	     /* "forward.open": direction, target */
	AUDIT_FORWARD_CLOSE,	     /* "forward.close": direction, target */
	AUDIT_SFTP_START,	     /* "sftp.start": sessionID */
	AUDIT_SFTP_END,		     /* "sftp.end": sessionID */
	AUDIT_RECORDING_START,	     /* "recording.start": sessionID */
	AUDIT_RECORDING_FAIL,	     /* "recording.fail": sessionID, reason, enforced */
	AUDIT_SPOOL_OVERFLOW,	     /* "spool.overflow": droppedRecords */
	AUDIT_CHECK_START,	     /* "check.start": SSO check began (issuer, service) */
	AUDIT_CHECK_PASS,	     /* "check.pass": subject */
	AUDIT_CHECK_FAIL,	     /* "check.fail": reason, subject when known */
	AUDIT_CHECK_TIMEOUT,	     /* "check.timeout": reason (device code expired) */
	AUDIT_TYPE_COUNT,
};

struct audit;
struct audit_event;

/* "session.end" for AUDIT_SESSION_END; NULL when out of range. */
const char *audit_type_name(enum audit_type t);
/* Reverse of audit_type_name; -1 if unknown. */
int audit_type_parse(const char *name);

struct audit_event *audit_event_new(enum audit_type t);
void audit_event_free(struct audit_event *ev);
int audit_set_str(struct audit_event *ev, const char *key, const char *val);
int audit_set_int(struct audit_event *ev, const char *key, int64_t val);
int audit_set_bool(struct audit_event *ev, const char *key, bool val);
/* NULL-terminated list of strings as a JSON array. */
int audit_set_strv(struct audit_event *ev, const char *key, const char *const *vals);

/*
 * Pure: the event as one JSON line (no "seq", that is the spool's) with the
 * common fields "v", "type", "id", "time" (RFC 3339, UTC, ns) and "host".
 * Fails with MESH_ERR_INVALID when a field the schema requires is missing.
 * *out is malloc'd and NUL-terminated.
 */
int audit_event_format(const struct audit_event *ev, const char *id, uint64_t wall_ns,
    const char *host, char **out, size_t *len, struct mesh_error *err);

/* Random event id (UUID version 4 text) into buf[AUDIT_ID_CHARS + 1]. */
void audit_new_id(char *buf);

/* Open the audit emitter on a spool directory (created 0700 if missing). */
int audit_open(const char *spool_dir, uint64_t spool_max_bytes, const char *host,
    struct audit **out, struct mesh_error *err);
void audit_free(struct audit *a);
/*
 * With enforce (enforceRecorder), a full spool makes audit_emit fail with
 * MESH_ERR_RANGE; without it the oldest spooled records are dropped (and
 * counted, see spool.h) to make room.
 */
void audit_set_enforce(struct audit *a, bool enforce);
/*
 * Flush the spool to disk after every event (off by default: the shipper
 * flushes the spool every SPOOL_SYNC_INTERVAL_MS, outside the connection's
 * path; a killed process never loses an appended event either way).
 */
void audit_set_sync(struct audit *a, bool sync);
/*
 * Append ev to the spool (consumes ev).  *seq_out (may
 * be NULL) gets the event's audit sequence number.
 */
int audit_emit(struct audit *a, struct audit_event *ev, uint64_t wall_ns, uint64_t *seq_out,
    struct mesh_error *err);

/* Format a wall-clock time as RFC 3339 with nanoseconds in UTC. */
int audit_time_format(uint64_t wall_ns, char *buf, size_t len);

#endif
