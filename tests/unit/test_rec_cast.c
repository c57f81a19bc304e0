/*
 * asciicast v2 formatting: escaping, UTF-8 split across reads, invalid
 * bytes, resize/exit events, the header's field names, and normalising a
 * recording read back out of order with duplicates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "recorder/asciicast.h"
#include "recorder/source.h"
#include "tap.h"

#define MS 1000000ull

static char *
line(struct cast_buf *b)
{
	static char s[4096];

	(void)snprintf(s, sizeof(s), "%.*s", (int)b->len, b->p ? b->p : "");
	b->len = 0;
	return s;
}

/* Decode the data of every event line in b (as asciinema would) and concatenate. */
static char *
decoded(struct cast_buf *b)
{
	static char s[4096];
	size_t o = 0, pos = 0;

	while (pos < b->len) {
		const char *p = b->p + pos, *nl = memchr(p, '\n', b->len - pos);
		size_t l = (size_t)(nl - p);
		json_t *ev = json_loadb(p, l, 0, NULL);
		const char *d = json_string_value(json_array_get(ev, 2));

		if (d && o + strlen(d) < sizeof(s)) {
			memcpy(s + o, d, strlen(d));
			o += strlen(d);
		}
		json_decref(ev);
		pos += l + 1;
	}
	s[o] = '\0';
	b->len = 0;
	return s;
}

static void
test_events(void)
{
	struct cast_writer w;
	struct cast_buf b = {0};
	const uint8_t euro[] = {0xe2, 0x82, 0xac}; /* U+20AC */

	cast_writer_init(&w, 1000 * MS);
	cast_event_format(&w, 1500 * MS, 'o', (const uint8_t *)"hi\r\n", 4, &b);
	is_str(line(&b), "[0.500000, \"o\", \"hi\\r\\n\"]\n", "output event with time and escapes");
	cast_event_format(&w, 2000 * MS, 'o', (const uint8_t *)"\x1b[1m\"q\"\\\t\x7f", 10, &b);
	is_str(line(&b), "[1.000000, \"o\", \"\\u001b[1m\\\"q\\\"\\\\\\t\x7f\"]\n",
	    "ESC, quotes, backslash and tab are escaped");
	cast_event_format(&w, 999 * MS, 'o', (const uint8_t *)"x", 1, &b);
	is_str(line(&b), "[0.000000, \"o\", \"x\"]\n", "a time before the start clamps to 0");
	/* a character split across two reads */
	cast_event_format(&w, 3000 * MS, 'o', euro, 1, &b);
	is_int(b.len, 0, "a lone lead byte is carried, nothing emitted");
	cast_event_format(&w, 3000 * MS, 'o', euro + 1, 1, &b);
	is_int(b.len, 0, "still incomplete after two bytes");
	cast_event_format(&w, 3100 * MS, 'o', (const uint8_t *)"\xac ok", 4, &b);
	is_str(decoded(&b), "\xe2\x82\xac ok", "the character is whole in the next event");
	cast_event_format(&w, 3200 * MS, 'o', (const uint8_t *)"a\xe2\x82", 3, &b);
	cast_event_format(&w, 3300 * MS, 'o', (const uint8_t *)"\xac", 1, &b);
	is_str(decoded(&b), "a\xe2\x82\xac", "split after other text: byte for byte");
	cast_event_format(&w, 3400 * MS, 'o', (const uint8_t *)"\xff\xc0\x80z", 4, &b);
	is_str(decoded(&b), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz", "invalid bytes become U+FFFD");
	cast_event_format(&w, 3500 * MS, 'o', (const uint8_t *)"\xed\xa0\x80", 3, &b);
	ok(strstr(decoded(&b), "\xef\xbf\xbd") != NULL, "an encoded surrogate is invalid");
	cast_event_format(&w, 3600 * MS, 'e', (const uint8_t *)"\xe2", 1, &b);
	cast_event_format(&w, 3600 * MS, 'o', (const uint8_t *)"o", 1, &b);
	is_str(line(&b), "[2.600000, \"o\", \"o\"]\n", "carry is per stream: stdout unaffected");
	cast_flush(&w, 4000 * MS, &b);
	is_str(line(&b), "[3.000000, \"e\", \"\xef\xbf\xbd\"]\n",
	    "flush turns a dangling stderr byte into U+FFFD");
	cast_resize_format(&w, 4000 * MS, 132, 43, &b);
	is_str(line(&b), "[3.000000, \"r\", \"132x43\"]\n", "resize event");
	cast_exit_format(&w, 5000 * MS, 2, &b);
	is_str(line(&b), "[4.000000, \"x\", \"2\"]\n", "exit event");
	is_int(cast_event_format(&w, 0, 'q', (const uint8_t *)"x", 1, &b), MESH_ERR_INVALID,
	    "unknown code refused");
	cast_buf_free(&b);
}

static void
test_header(void)
{
	static const char *tags[] = {"tag:prod", "tag:web", NULL};
	static const char *env[] = {"TERM=xterm", "LANG=C.UTF-8", "bogus", NULL};
	struct cast_header h = {.width = 80,
	    .height = 24,
	    .timestamp = 1700000000,
	    .session_id = "0123456789abcdef0123456789abcdef",
	    .host = "web-1",
	    .src_node = "laptop",
	    .src_node_id = "n123",
	    .src_node_user = "alice@example.com",
	    .src_node_user_id = "u9",
	    .src_node_tags = tags,
	    .ssh_user = "alice",
	    .local_user = "alice",
	    .connection_id = "c-1",
	    .command = "ls -l",
	    .env = env,
	    .pty = true};
	struct cast_buf b = {0};
	json_t *o;

	is_int(cast_header_format(&h, &b), 0, "header formats");
	ok(b.len > 0 && b.p[b.len - 1] == '\n' && memchr(b.p, '\n', b.len) == b.p + b.len - 1,
	    "header is one line");
	o = json_loadb(b.p, b.len, 0, NULL);
	ok(o != NULL, "header is JSON");
	is_int(json_integer_value(json_object_get(o, "version")), 2, "version 2");
	is_int(json_integer_value(json_object_get(o, "width")), 80, "width");
	is_int(json_integer_value(json_object_get(o, "timestamp")), 1700000000, "timestamp");
	is_str(json_string_value(json_object_get(o, "srcNode")), "laptop", "srcNode");
	is_str(json_string_value(json_object_get(o, "srcNodeID")), "n123", "srcNodeID");
	is_str(json_string_value(json_object_get(o, "srcNodeUser")), "alice@example.com",
	    "srcNodeUser");
	is_str(json_string_value(json_object_get(o, "srcNodeUserID")), "u9", "srcNodeUserID");
	is_int(json_array_size(json_object_get(o, "srcNodeTags")), 2, "srcNodeTags");
	is_str(json_string_value(json_object_get(o, "sshUser")), "alice", "sshUser");
	is_str(json_string_value(json_object_get(o, "localUser")), "alice", "localUser");
	is_str(json_string_value(json_object_get(o, "connectionID")), "c-1", "connectionID");
	is_str(json_string_value(json_object_get(o, "command")), "ls -l", "command");
	is_str(json_string_value(json_object_get(json_object_get(o, "env"), "LANG")), "C.UTF-8",
	    "env as an object");
	is_int(json_object_size(json_object_get(o, "env")), 2, "malformed env entries skipped");
	is_str(json_string_value(json_object_get(o, "sessionID")),
	    "0123456789abcdef0123456789abcdef", "sessionID");
	json_decref(o);
	b.len = 0;
	h.command = "bad \xff";
	is_int(cast_header_format(&h, &b), MESH_ERR_INVALID, "a non-UTF-8 field is refused");
	cast_buf_free(&b);
}

static void
test_normalize(void)
{
	const char *in = "[0.2, \"o\", \"b\"]\n"
			 "{\"version\":2,\"width\":80,\"height\":24}\n"
			 "[0.1, \"o\", \"a\"]\n"
			 "[0.2, \"o\", \"b\"]\n"
			 "[0.3, \"x\", \"0\"]\n"
			 "[0.1, \"o\", \"a\"]\n";
	struct cast_buf out = {0};
	struct rec_summary sum;
	struct mesh_error e = {0};

	is_int(cast_normalize(in, strlen(in), &out, &e), 0, "normalise");
	is_str(line(&out),
	    "{\"version\":2,\"width\":80,\"height\":24}\n[0.1, \"o\", \"a\"]\n[0.2, \"o\", "
	    "\"b\"]\n[0.3, \"x\", \"0\"]\n",
	    "header first, events by time, duplicates dropped");
	is_int(cast_normalize("", 0, &out, &e), MESH_ERR_PARSE, "empty: refused");
	is_int(cast_normalize("[0.1, \"o\", \"a\"]\n", 16, &out, &e), 0,
	    "no header (start dropped): accepted");
	is_str(line(&out),
	    "{\"version\":2,\"width\":80,\"height\":24,\"truncated\":true}\n[0.1, "
	    "\"o\", \"a\"]\n",
	    "with a stand-in header marked truncated");
	out.len = 0;
	cast_normalize(in, strlen(in), &out, &e);
	is_int(cast_summarize(out.p, out.len, &sum), 0, "summarise");
	ok(sum.complete && sum.exit_status == 0 && sum.events == 3, "summary: complete, 3 events");
	cast_buf_free(&out);
}

/*
 * The escaper's sixteen- (SSE2) and eight-bytes-at-a-time fast paths against
 * its byte-at-a-time path (inputs shorter than eight bytes): every ASCII byte
 * value, at every offset of a 40-byte run of plain text (two blocks of
 * sixteen and a tail).
 */
static void
test_escape_fast_path(void)
{
	enum { RUN = 40 };
	int bad = 0;

	for (int c = 0; c < 0x80; c++) {
		for (int pos = 0; pos < RUN; pos++) {
			uint8_t buf[RUN];
			struct cast_buf whole = {0}, parts = {0}, one = {0};

			memset(buf, 'a' + pos % 26, sizeof(buf));
			buf[pos] = (uint8_t)c;
			if (cast_json_string(&whole, buf, sizeof(buf)) != 0)
				bad++;
			for (int k = 0; k < RUN; k++) {
				one.len = 0;
				if (cast_json_string(&one, buf + k, 1) != 0 ||
				    cast_buf_append(&parts, one.p + 1, one.len - 2) != 0)
					bad++;
			}
			if (whole.len != parts.len + 2 ||
			    memcmp(whole.p + 1, parts.p, parts.len) != 0)
				bad++;
			cast_buf_free(&whole);
			cast_buf_free(&parts);
			cast_buf_free(&one);
		}
	}
	is_int(
	    bad, 0, "fast escaping = byte-by-byte escaping for every ASCII byte at every offset");
	/* a two-byte UTF-8 character at every offset: kept whole, never split by a block */
	bad = 0;
	for (int pos = 0; pos < RUN - 1; pos++) {
		uint8_t buf[RUN];
		char want[RUN + 3];
		struct cast_buf out = {0};

		memset(buf, 'x', sizeof(buf));
		buf[pos] = 0xc3;
		buf[pos + 1] = 0xa9; /* U+00E9 */
		want[0] = '"';
		memcpy(want + 1, buf, sizeof(buf));
		want[RUN + 1] = '"';
		if (cast_json_string(&out, buf, sizeof(buf)) != 0 || out.len != RUN + 2 ||
		    memcmp(out.p, want, RUN + 2) != 0)
			bad++;
		cast_buf_free(&out);
	}
	is_int(bad, 0, "a UTF-8 character at every offset of the block paths is kept as is");
}

int
main(void)
{
	test_events();
	test_header();
	test_normalize();
	test_escape_fast_path();
	return tap_done();
}
