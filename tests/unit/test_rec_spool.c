/*
 * The durable spool: framing, append/read order, sequence numbers across
 * reopen, torn-tail recovery, the size bound (evict vs. refuse), trimming,
 * concurrent appenders, and the directory permission check.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "recorder/spool.h"
#include "tap.h"

static char dir[] = "/tmp/test_rec_spool.XXXXXX";
static char sdir[256];

static int
append(struct spool *s, uint8_t kind, const char *text, unsigned flags)
{
	struct spool_record rec = {.kind = kind, .time_ns = 42};

	rec.data = (const uint8_t *)text;
	rec.len = strlen(text);
	return spool_append(s, &rec, flags, NULL);
}

static int
count_from(struct spool *s, uint64_t from, uint64_t *first, uint64_t *last)
{
	struct spool_reader *r;
	struct spool_record rec;
	int n = 0;

	if (spool_reader_new(s, from, &r, NULL) != 0)
		return -1;
	while (spool_reader_next(r, &rec, NULL) == 0) {
		if (n == 0 && first)
			*first = rec.seq;
		if (last)
			*last = rec.seq;
		n++;
	}
	spool_reader_free(r);
	return n;
}

static void
test_framing(void)
{
	uint8_t buf[256], id[16];
	struct spool_record in = {.kind = SPOOL_KIND_CAST, .seq = 7, .subseq = 3, .time_ns = 99};
	struct spool_record out;
	size_t used = 0;
	long n;

	memset(id, 0xab, sizeof(id));
	memcpy(in.stream, id, 16);
	in.data = (const uint8_t *)"[0.1, \"o\", \"x\"]\n";
	in.len = strlen((const char *)in.data);
	n = spool_record_encode(&in, buf, sizeof(buf));
	is_int(n, SPOOL_RECORD_OVERHEAD_BYTES + in.len, "encode: header + payload + checksum");
	is_int(spool_record_decode(buf, (size_t)n, &out, &used), 0, "decode round trip");
	ok(out.seq == 7 && out.subseq == 3 && out.time_ns == 99 && out.kind == SPOOL_KIND_CAST &&
		memcmp(out.stream, id, 16) == 0 && out.len == in.len &&
		memcmp(out.data, in.data, in.len) == 0,
	    "decode: every field survives");
	is_int(spool_record_decode(buf, (size_t)n - 1, &out, &used), MESH_ERR_AGAIN,
	    "decode: a prefix is incomplete, not an error");
	buf[SPOOL_RECORD_HEADER_BYTES + 2] ^= 1;
	is_int(spool_record_decode(buf, (size_t)n, &out, &used), MESH_ERR_PARSE,
	    "decode: a flipped payload bit fails the checksum");
	is_int(spool_record_encode(&in, buf, 10), MESH_ERR_RANGE, "encode: short buffer refused");
	buf[SPOOL_RECORD_HEADER_BYTES + 2] ^= 1;
	n = spool_record_encode(&in, buf, sizeof(buf));
	ok(memcmp(buf, "MSR2", 4) == 0, "encode: an MSR2 record");
	buf[n - 1] ^= 0x80;
	is_int(spool_record_decode(buf, (size_t)n, &out, &used), MESH_ERR_PARSE,
	    "decode: a flipped checksum bit is caught");
	buf[n - 1] ^= 0x80;
	{
		/* a record an earlier meshsshd wrote: MSR1 and BLAKE2b, still read */
		uint8_t full[16];
		size_t body = SPOOL_RECORD_HEADER_BYTES + in.len;

		memcpy(buf, "MSR1", 4);
		crypto_generichash(full, sizeof(full), buf, body, NULL, 0);
		memcpy(buf + body, full, SPOOL_RECORD_CHECKSUM_BYTES);
		is_int(spool_record_decode(buf, (size_t)n, &out, &used), 0,
		    "decode: an MSR1 (BLAKE2b) record from an older spool");
		ok(out.len == in.len && memcmp(out.data, in.data, in.len) == 0,
		    "decode: the MSR1 record's payload");
		memcpy(buf + body, "\0\0\0\0\0\0\0\0", SPOOL_RECORD_CHECKSUM_BYTES);
		is_int(spool_record_decode(buf, (size_t)n, &out, &used), MESH_ERR_PARSE,
		    "decode: an MSR1 record with a wrong checksum is refused");
	}
}

static void
test_append_read(void)
{
	struct spool_opts o = {.dir = sdir, .flags = SPOOL_CREATE};
	struct spool *s = NULL, *s2 = NULL;
	struct spool_reader *r = NULL;
	struct spool_record rec;
	struct spool_stats st;
	struct stat sb;
	char text[32];
	uint64_t first = 0, last = 0;

	is_int(spool_open(&o, &s, NULL), 0, "open creates the spool");
	ok(stat(sdir, &sb) == 0 && (sb.st_mode & 0777) == 0700, "spool directory is 0700");
	for (int i = 0; i < 10; i++) {
		(void)snprintf(text, sizeof(text), "record %d", i);
		if (append(s, i % 2 ? SPOOL_KIND_CAST : SPOOL_KIND_AUDIT, text,
			i % 2 ? 0 : SPOOL_ASSIGN_SUBSEQ) != 0)
			break;
	}
	is_int(count_from(s, 0, &first, &last), 10, "ten records read back");
	ok(first == 0 && last == 9, "sequence numbers 0..9");
	is_int(count_from(s, 6, &first, NULL), 4, "reading from seq 6 gives 4 records");
	is_int(first, 6, "and starts at 6");
	spool_stats(s, &st, NULL);
	is_int(st.next_audit_seq, 5, "five audit records got audit seq 0..4");
	/* a second handle (another process in real life) continues the sequence */
	is_int(spool_open(&o, &s2, NULL), 0, "second handle opens");
	is_int(append(s2, SPOOL_KIND_AUDIT, "from s2", SPOOL_ASSIGN_SUBSEQ), 0, "append via s2");
	is_int(append(s, SPOOL_KIND_AUDIT, "from s1", SPOOL_ASSIGN_SUBSEQ), 0, "append via s1");
	is_int(spool_reader_new(s, 10, &r, NULL), 0, "reader at 10");
	is_int(spool_reader_next(r, &rec, NULL), 0, "record 10");
	ok(rec.seq == 10 && rec.subseq == 5 && rec.len == 7 && memcmp(rec.data, "from s2", 7) == 0,
	    "s2's record is seq 10, audit seq 5");
	is_int(spool_reader_next(r, &rec, NULL), 0, "record 11");
	ok(rec.seq == 11 && rec.subseq == 6, "s1's record is seq 11, audit seq 6");
	is_int(spool_reader_next(r, &rec, NULL), MESH_ERR_NOTFOUND, "then nothing yet");
	append(s2, SPOOL_KIND_CAST, "late", 0);
	is_int(spool_reader_next(r, &rec, NULL), 0, "a later append becomes visible");
	spool_reader_free(r);
	spool_free(s2);
	spool_free(s);
}

static void
test_torn_tail(void)
{
	struct spool_opts o = {.dir = sdir, .flags = SPOOL_RECOVER};
	struct spool *s = NULL;
	struct spool_stats st;
	char path[300];
	int fd;
	uint64_t last = 0;

	/* a writer died mid-record (or power was lost): garbage past the valid end */
	(void)snprintf(path, sizeof(path), "%s/seg-0000000000000000.log", sdir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, "MSR1\002garbage", 12) == 12, "append a torn record");
	if (fd >= 0)
		close(fd);
	/* and the head lost its last update */
	is_int(spool_open(&o, &s, NULL), 0, "recovering open succeeds");
	spool_stats(s, &st, NULL);
	is_int(st.next_seq, 13, "next seq continues after the last whole record");
	is_int(count_from(s, 0, NULL, &last), 13, "all 13 whole records are still there");
	is_int(append(s, SPOOL_KIND_AUDIT, "after recovery", SPOOL_ASSIGN_SUBSEQ), 0,
	    "append after recovery");
	is_int(count_from(s, 13, NULL, NULL), 1, "the new record reads back");
	spool_free(s);
}

static void
test_bounds(void)
{
	char d2[300], big[30000];
	struct spool_opts o = {.dir = d2,
	    .flags = SPOOL_CREATE,
	    .max_bytes = SPOOL_MIN_MAX_BYTES,
	    .segment_bytes = 128 * 1024};
	struct spool *s = NULL;
	struct spool_stats st;
	int i, r = 0;
	uint64_t first = 0;

	(void)snprintf(d2, sizeof(d2), "%s/bounded", dir);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(spool_open(&o, &s, NULL), 0, "open a 1 MiB spool with 128 KiB segments");
	for (i = 0; i < 100 && (r = append(s, SPOOL_KIND_CAST, big, SPOOL_NO_EVICT)) == 0; i++)
		;
	is_int(r, MESH_ERR_RANGE, "without eviction a full spool refuses the append");
	ok(i >= 30 && i <= 35, "after about 1 MiB of records");
	spool_stats(s, &st, NULL);
	ok(st.bytes <= SPOOL_MIN_MAX_BYTES, "the spool stays within its bound");
	is_int(append(s, SPOOL_KIND_CAST, big, 0), 0, "with eviction the append succeeds");
	spool_stats(s, &st, NULL);
	ok(st.evicted_records >= 1, "and the dropped records are counted");
	is_int(count_from(s, 0, &first, NULL), (int)(st.next_seq - st.evicted_records),
	    "the reader skips the evicted gap");
	is_int(first, st.evicted_records, "oldest first: what remains starts after the dropped");
	is_int(spool_trim(s, st.next_seq, NULL), 0, "trim everything delivered");
	spool_stats(s, &st, NULL);
	ok(st.segments == 1, "only the current segment remains");
	is_int(append(s, SPOOL_KIND_CAST, big, SPOOL_NO_EVICT), 0, "room again after trimming");
	spool_free(s);
}

static void
test_concurrent(void)
{
	char d3[300];
	struct spool_opts o = {.dir = d3, .flags = SPOOL_CREATE, .segment_bytes = 65536};
	struct spool *s = NULL;
	struct spool_reader *r;
	struct spool_record rec;
	int n = 0, ordered = 1, status, okc = 1;
	uint64_t expect = 0, audit_max = 0;
	enum { WRITERS = 4, EACH = 2000 };

	(void)snprintf(d3, sizeof(d3), "%s/concurrent", dir);
	spool_open(&o, &s, NULL);
	spool_free(s);
	for (int w = 0; w < WRITERS; w++) {
		if (fork() == 0) {
			struct spool *c = NULL;
			char text[64];

			if (spool_open(&o, &c, NULL) != 0)
				_exit(1);
			for (int i = 0; i < EACH; i++) {
				(void)snprintf(text, sizeof(text), "writer %d record %d", w, i);
				if (append(c, SPOOL_KIND_AUDIT, text, SPOOL_ASSIGN_SUBSEQ) != 0)
					_exit(1);
			}
			spool_free(c);
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		wait(&status);
		okc &= WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	ok(okc, "four processes appended 2000 records each");
	spool_open(&o, &s, NULL);
	spool_reader_new(s, 0, &r, NULL);
	while (spool_reader_next(r, &rec, NULL) == 0) {
		ordered &= rec.seq == expect && rec.subseq == expect;
		expect++;
		if (rec.subseq > audit_max)
			audit_max = rec.subseq;
		n++;
	}
	is_int(n, WRITERS * EACH, "every record is there once, across segments");
	ok(ordered, "seq and audit seq are gapless and in order");
	spool_reader_free(r);
	spool_free(s);
}

static void
test_perms(void)
{
	char d4[300];
	struct spool_opts o = {.dir = d4};
	struct spool *s = NULL;
	struct mesh_error e = {0};

	(void)snprintf(d4, sizeof(d4), "%s/open", dir);
	mkdir(d4, 0755);
	is_int(spool_open(&o, &s, &e), MESH_ERR_PERM, "a spool readable by others is refused");
	ok(strstr(e.text, "want root and 0700") != NULL, "with a message saying why");
	chmod(d4, 0700);
	is_int(spool_open(&o, &s, NULL), 0, "0700 is accepted");
	spool_free(s);
	spool_free(NULL);
	spool_reader_free(NULL);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(sdir, sizeof(sdir), "%s/spool", dir);
	test_framing();
	test_append_read();
	test_torn_tail();
	test_bounds();
	test_concurrent();
	test_perms();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return tap_done();
}
