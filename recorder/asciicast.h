/*
 * asciicast v2 lines: the header object and the [time, code, data] events
 * that asciinema and asciinema-player play.  Pure: time is a parameter.
 *
 * Terminal output is bytes; asciicast data is a JSON string, i.e. UTF-8.  A
 * multi-byte character split across two reads is carried to the next event
 * of the same code, so valid UTF-8 output is reproduced byte for byte;
 * invalid bytes become U+FFFD (as asciinema's own recorder does).
 *
 * Codes: "o" output (pty, or stdout of an exec session), "i" input, "r"
 * resize ("COLSxROWS"), and two extensions that players ignore: "e" stderr of
 * an exec session without a pty, "x" exit status (as in asciicast v3).
 */
#ifndef MESH_ASCIICAST_H
#define MESH_ASCIICAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define CAST_VERSION	    2
#define CAST_UTF8_CARRY_MAX 3
#define CAST_NS_PER_SEC	    UINT64_C(1000000000)

/* Header fields; Tailscale's names where they mean the same (see DESIGN.md). */
struct cast_header {
	unsigned width, height;
	int64_t timestamp; /* unix seconds at session start */
	const char *session_id;
	const char *host; /* this server */
	const char *src_node;
	const char *src_node_id;
	const char *src_node_user;
	const char *src_node_user_id;
	const char *const *src_node_tags; /* NULL-terminated, may be NULL */
	const char *ssh_user;		  /* user name the client asked for */
	const char *local_user;		  /* host account the session runs as */
	const char *connection_id;
	const char *command;	/* NULL or "" for a login shell */
	const char *const *env; /* NULL-terminated "NAME=value", may be NULL */
	bool pty;
	bool input_recorded;
};

/* A growable byte buffer for formatted lines. */
struct cast_buf {
	char *p;
	size_t len, cap;
};

struct cast_writer {
	uint64_t start_ns; /* monotonic time of the session start */
	uint8_t carry[3][CAST_UTF8_CARRY_MAX];
	size_t carry_len[3]; /* per code: o, e, i */
};

void cast_buf_free(struct cast_buf *b);
int cast_buf_append(struct cast_buf *b, const void *p, size_t len);

/* Header object as one line ending in '\n', appended to out. */
int cast_header_format(const struct cast_header *h, struct cast_buf *out);

void cast_writer_init(struct cast_writer *w, uint64_t start_ns);
/* One event line for code 'o', 'e' or 'i' with buf[0..len), appended to out
 * (nothing when all bytes are carried). */
int cast_event_format(struct cast_writer *w, uint64_t now_ns, char code, const uint8_t *buf,
    size_t len, struct cast_buf *out);
/* Flush carried bytes (as U+FFFD) at the end of a session. */
int cast_flush(struct cast_writer *w, uint64_t now_ns, struct cast_buf *out);
int cast_resize_format(
    struct cast_writer *w, uint64_t now_ns, unsigned cols, unsigned rows, struct cast_buf *out);
int cast_exit_format(struct cast_writer *w, uint64_t now_ns, int status, struct cast_buf *out);

/* Append s[0..len) as a JSON string literal (with quotes), UTF-8 validated. */
int cast_json_string(struct cast_buf *out, const uint8_t *s, size_t len);

#endif
