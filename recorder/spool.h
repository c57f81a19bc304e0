/*
 * The durable spool: every audit event and recording chunk is appended here
 * first, then shipped to the sinks by the shipper (recorder/ship.h).
 *
 * Layout (a root-only directory, 0700, files 0600):
 *   lock            flock(2) target: appenders and trimmers take it exclusively
 *   head            one page, mmap'd: current segment, tail offset, next sequence
 *                   numbers; updated under the lock after each append
 *   seg-%016x.log   segments of framed records, appended in order
 *
 * A record is a 56-byte header (magic, kind, length, spool sequence, kind
 * sub-sequence, wall-clock ns, 16-byte stream id), the payload, and an 8-byte
 * SipHash-2-4 checksum over header and payload ("MSR2"; "MSR1" records with
 * a BLAKE2b checksum are still read).  The valid part of the current
 * segment is [0, head.tail): a writer that dies mid-write leaves bytes past
 * the tail that the next writer overwrites; spool_open(SPOOL_RECOVER) after a
 * power loss rescans the last segment and drops a torn tail.
 *
 * Durability: each append is one pwrite() under the lock, so a killed
 * process never loses an appended record (it is in the page cache).  Power
 * loss is covered by spool_sync() (fdatasync of every segment written since
 * the last sync, msync of the head), which the shipper calls every
 * SPOOL_SYNC_INTERVAL_MS, outside any session's path, and the recorder at
 * the end of a session.
 *
 * Size bound: at most max_bytes in segments.  When full, an append with
 * SPOOL_NO_EVICT fails with MESH_ERR_RANGE (enforceRecorder: the session is
 * refused or ended); otherwise the oldest whole segment is deleted, shipped
 * or not, and the number of records lost is counted (spool_stats).
 *
 * Processes must not share a struct spool across fork(): flock(2) locks
 * belong to the open file description, so each process calls spool_open().
 */
#ifndef MESH_SPOOL_H
#define MESH_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define SPOOL_STREAM_ID_BYTES	    16
#define SPOOL_RECORD_HEADER_BYTES   56
#define SPOOL_RECORD_CHECKSUM_BYTES 8
#define SPOOL_RECORD_OVERHEAD_BYTES (SPOOL_RECORD_HEADER_BYTES + SPOOL_RECORD_CHECKSUM_BYTES)
#define SPOOL_RECORD_MAX_BYTES	    (1024u * 1024u)
#define SPOOL_DEFAULT_SEGMENT_BYTES (4u * 1024u * 1024u)
#define SPOOL_DEFAULT_MAX_BYTES	    (256ull * 1024u * 1024u)
#define SPOOL_MIN_MAX_BYTES	    (1024u * 1024u)
#define SPOOL_MIN_SEGMENT_BYTES	    (64u * 1024u)
#define SPOOL_SEGMENTS_PER_SPOOL    8 /* default segment: max_bytes / 8, at most 4 MiB */
#define SPOOL_SYNC_INTERVAL_MS	    1000

enum spool_kind {
	SPOOL_KIND_AUDIT = 1, /* one audit event (JSON object without "seq") */
	SPOOL_KIND_CAST = 2,  /* asciicast v2 lines of one recording (stream = session id) */
};

enum {
	SPOOL_RECOVER = 1 << 0, /* open: rescan the last segment, drop a torn tail */
	SPOOL_CREATE = 1 << 1,	/* open: create the directory (0700) if missing */
};

enum {
	SPOOL_NO_EVICT = 1 << 0,      /* append: fail with MESH_ERR_RANGE rather than evict */
	SPOOL_ASSIGN_SUBSEQ = 1 << 1, /* append: subseq = next audit sequence number */
};

struct spool_record {
	uint64_t seq;	  /* spool-wide, consecutive unless records were evicted */
	uint64_t subseq;  /* audit: audit sequence; cast: chunk number in the session */
	uint64_t time_ns; /* wall clock (ns since the epoch) when appended */
	uint8_t kind;	  /* enum spool_kind */
	uint8_t stream[SPOOL_STREAM_ID_BYTES];
	const uint8_t *data;
	size_t len;
};

struct spool_opts {
	const char *dir;
	uint64_t max_bytes;	/* 0: SPOOL_DEFAULT_MAX_BYTES */
	uint64_t segment_bytes; /* 0: max_bytes / 8, within [64 KiB, 4 MiB] */
	unsigned flags;		/* SPOOL_RECOVER, SPOOL_CREATE */
};

struct spool_stats {
	uint64_t first_seq; /* oldest record still held (== next_seq when empty) */
	uint64_t next_seq;
	uint64_t next_audit_seq;
	uint64_t bytes;
	uint64_t max_bytes;
	uint64_t evicted_records; /* lost to the oldest-first policy, since creation */
	uint64_t segments;
};

struct spool;
struct spool_reader;

/* Pure: encode rec into out (cap bytes); returns bytes written or a negative mesh_err. */
long spool_record_encode(const struct spool_record *rec, uint8_t *out, size_t cap);
/*
 * Pure: decode one record at buf[0..len).  0 and *used on success (rec->data
 * points into buf); MESH_ERR_AGAIN when buf holds only a prefix of a record;
 * MESH_ERR_PARSE when the bytes are not a valid record.
 */
int spool_record_decode(const uint8_t *buf, size_t len, struct spool_record *rec, size_t *used);

int spool_open(const struct spool_opts *opts, struct spool **out, struct mesh_error *err);
void spool_free(struct spool *s);

/*
 * Append one record (kind, stream, subseq, time_ns, data/len are taken from
 * rec; seq and, with SPOOL_ASSIGN_SUBSEQ, subseq are assigned and written
 * back).  MESH_ERR_RANGE when the spool is full (see above) or the record is
 * larger than SPOOL_RECORD_MAX_BYTES.
 */
int spool_append(struct spool *s, struct spool_record *rec, unsigned flags, struct mesh_error *err);
/* Make everything appended so far survive a power loss. */
int spool_sync(struct spool *s, struct mesh_error *err);
/* Delete whole segments whose records all have seq < below_seq (shipped everywhere). */
int spool_trim(struct spool *s, uint64_t below_seq, struct mesh_error *err);
int spool_stats(struct spool *s, struct spool_stats *st, struct mesh_error *err);

/* Read records in order, from the first with seq >= from_seq. */
int spool_reader_new(
    struct spool *s, uint64_t from_seq, struct spool_reader **out, struct mesh_error *err);
/*
 * Next record (valid until the next call): 0, or MESH_ERR_NOTFOUND when
 * nothing more has been appended yet (call again later).  Evicted records are
 * skipped: the sequence jumps.
 */
int spool_reader_next(struct spool_reader *r, struct spool_record *rec, struct mesh_error *err);
/* Position the reader again at the first record with seq >= from_seq. */
int spool_reader_seek(struct spool_reader *r, uint64_t from_seq, struct mesh_error *err);
void spool_reader_free(struct spool_reader *r);

#endif
