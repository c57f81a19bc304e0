/*
 * Session recording: what meshsshd's root-owned per-connection process calls
 * while it relays a session, so the recording is never in anything the user
 * controls.  Each call formats asciicast v2 lines (recorder/asciicast.h) and
 * appends them to the durable spool (recorder/spool.h) at once: nothing is
 * buffered in memory, and a slow or dead sink never slows a keystroke
 * (shipping is another process, recorder/ship.h).
 *
 * Calls meshsshd makes (mono_ns: CLOCK_MONOTONIC; wall_ns: CLOCK_REALTIME):
 *
 *   rec_session_open(&conf, &info, wall_ns, mono_ns, &s, &err)
 *       before the shell or command starts.  Fails when the session cannot
 *       be recorded; with conf.enforce the session must then not start
 *       (tell the user rec_refusal_message()).  Without enforce it still
 *       returns a usable handle (recording disabled, recording.fail emitted).
 *   rec_output(s, mono_ns, buf, len)   every read from the pty master, or
 *                                      from the command's stdout
 *   rec_stderr(s, mono_ns, buf, len)   exec sessions without a pty
 *   rec_input(s, mono_ns, buf, len)    what the client sent (recorded only
 *                                      when conf.record_input)
 *   rec_resize(s, mono_ns, cols, rows) window-change requests
 *   rec_session_close(s, mono_ns, exit_status, &err); rec_session_free(s)
 *
 * rec_output/stderr/input/resize return 0, or a negative mesh_err when the
 * recording broke and conf.enforce is set: the caller then ends the session
 * with rec_refusal_message() on the channel's stderr.  Without enforce a
 * breakage is reported once as an audit event and the session goes on.
 */
#ifndef MESH_RECORDER_H
#define MESH_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asciicast.h"
#include "error.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#define REC_DEFAULT_SPOOL_DIR LOCALSTATEDIR "/spool/meshssh"
#define REC_SESSION_ID_CHARS  32   /* 16 random bytes, hex */
#define REC_CHUNK_MAX_BYTES   8192 /* bytes of terminal data per spool record */
/* enforceRecorder: a session starts only with this much room left in the spool */
#define REC_START_HEADROOM_BYTES (64u * 1024u)

struct rec_conf {
	const char *spool_dir;	  /* root-only directory (0700), created if missing */
	uint64_t spool_max_bytes; /* 0: SPOOL_DEFAULT_MAX_BYTES */
	bool enforce;		  /* enforceRecorder: fail closed */
	bool record_input;	  /* record what the user types ("i" events) */
	const char *host;	  /* this server's name, for the header and events */
};

struct rec_session;

/*
 * info: the asciicast header fields (session_id, host, timestamp and
 * input_recorded are filled in by the recorder).
 */
int rec_session_open(const struct rec_conf *conf, const struct cast_header *info, uint64_t wall_ns,
    uint64_t mono_ns, struct rec_session **out, struct mesh_error *err);
int rec_output(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len);
int rec_stderr(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len);
int rec_input(struct rec_session *s, uint64_t mono_ns, const void *buf, size_t len);
int rec_resize(struct rec_session *s, uint64_t mono_ns, unsigned cols, unsigned rows);
/* Flush, write the exit status ("x" event), make the recording durable. */
int rec_session_close(
    struct rec_session *s, uint64_t mono_ns, int exit_status, struct mesh_error *err);
void rec_session_free(struct rec_session *s);

/* The session id (32 hex characters) that names the recording. */
const char *rec_session_id(const struct rec_session *s);
/* Is the session still being recorded? */
bool rec_session_recording(const struct rec_session *s);
/* One line for the user when a session is refused or ended for want of recording. */
const char *rec_refusal_message(void);
/* One line for the user when an enforced recording broke mid-session. */
const char *rec_broken_message(void);

/* Hex of 16 bytes into out[33]; and back (0 or MESH_ERR_PARSE). */
void rec_id_to_hex(const uint8_t id[16], char *out);
int rec_id_from_hex(const char *hex, uint8_t id[16]);

#endif
