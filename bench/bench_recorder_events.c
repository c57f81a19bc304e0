/*
 * bench_recorder_events SPOOL N [--sync|--bare]: append N audit events to a
 * spool as fast as maudit_emit allows and print "events N seconds S";
 * --sync flushes after every event (maudit_set_sync), --bare formats and
 * appends without maudit_emit's id.
 * bench_recorder_events SPOOL --output MIB: the recorder alone, no pty:
 * MIB MiB of terminal text through rec_output in 4 KiB reads, printing
 * "output MIB seconds S" (the CPU cost a recorded session adds).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../recorder/audit.h"
#include "../recorder/recorder.h"
#include "../recorder/spool.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define BENCH_READ_BYTES 4096

static int
bench_output(const char *dir, long mib)
{
	struct rec_conf rc = {.spool_dir = dir, .spool_max_bytes = 1ull << 34, .host = "bench"};
	struct cast_header h = {.width = 80, .height = 24};
	struct rec_session *rs = NULL;
	struct mesh_error err = {0};
	char buf[BENCH_READ_BYTES];
	double t0;
	long n = mib * 1024 * 1024 / BENCH_READ_BYTES;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)((i % 80) == 79 ? '\n' : 'a' + (char)(i % 26));
	if (rec_session_open(&rc, &h, 1, 1, &rs, &err) != 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	t0 = now_s();
	for (long i = 0; i < n; i++)
		if (rec_output(rs, (uint64_t)i * 1000, buf, sizeof(buf)) != 0)
			return 1;
	rec_session_close(rs, (uint64_t)n * 1000, 0, &err);
	printf("output %ld seconds %.3f\n", mib, now_s() - t0);
	rec_session_free(rs);
	return 0;
}

int
main(int argc, char **argv)
{
	struct mesh_error err = {0};
	struct maudit *a = NULL;
	struct spool *s = NULL;
	struct spool_opts so = {.flags = SPOOL_CREATE, .max_bytes = 1ull << 30};
	long n;
	int nosync;
	double t0;

	if (argc < 3)
		return 2;
	if (argc > 3 && strcmp(argv[2], "--output") == 0)
		return bench_output(argv[1], strtol(argv[3], NULL, 10));
	n = strtol(argv[2], NULL, 10);
	nosync = argc > 3 && strcmp(argv[3], "--bare") == 0;
	so.dir = argv[1];
	if (maudit_open(argv[1], 1ull << 30, "bench", &a, &err) != 0 ||
	    spool_open(&so, &s, &err) != 0) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	maudit_set_sync(a, argc > 3 && strcmp(argv[3], "--sync") == 0);
	t0 = now_s();
	for (long i = 0; i < n; i++) {
		struct maudit_event *ev = maudit_event_new(MAUDIT_POLICY_DECISION);
		char cid[32];
		int r;

		(void)snprintf(cid, sizeof(cid), "conn-%ld", i);
		maudit_set_str(ev, "connectionID", cid);
		maudit_set_str(ev, "action", "accept");
		maudit_set_int(ev, "rule", 3);
		maudit_set_str(ev, "sshUser", "alice");
		maudit_set_str(ev, "localUser", "alice");
		if (nosync) {
			struct spool_record rec = {
			    .kind = SPOOL_KIND_AUDIT, .time_ns = (uint64_t)i};
			char *line;
			size_t len;

			r = maudit_event_format(ev, "00000000-0000-4000-8000-000000000000", 1,
			    "bench", &line, &len, &err);
			if (r == 0) {
				rec.data = (const uint8_t *)line;
				rec.len = len;
				r = spool_append(s, &rec, SPOOL_ASSIGN_SUBSEQ, &err);
				free(line);
			}
			maudit_event_free(ev);
		} else
			r = maudit_emit(a, ev, (uint64_t)i, NULL, &err);
		if (r != 0) {
			fprintf(stderr, "%s\n", err.text);
			return 1;
		}
	}
	printf("events %ld seconds %.3f\n", n, now_s() - t0);
	spool_free(s);
	maudit_free(a);
	return 0;
}
