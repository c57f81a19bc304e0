# librecorder, in two parts so that meshsshd links no HTTP or sink code:
#  - librecorder_core: asciicast recording, audit events, the durable spool
#    and the sink-spec parser (pure); meshsshd's processes link only this.
#  - librecorder_sinks: the shipper and its sinks (file, Loki, Splunk HEC,
#    syslog over TCP/TLS; libcurl) and the readers behind meshctl recordings.
# Internal and static.  See recorder/README.md.
noinst_LIBRARIES += recorder/librecorder_core.a recorder/librecorder_sinks.a
recorder_librecorder_core_a_SOURCES = \
	recorder/asciicast.c recorder/asciicast.h \
	recorder/audit.c recorder/audit.h \
	recorder/spool.c recorder/spool.h \
	recorder/recorder.c recorder/recorder.h \
	recorder/sinkspec.c recorder/sinkspec.h
recorder_librecorder_core_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
recorder_librecorder_sinks_a_SOURCES = \
	recorder/sink.c recorder/sink.h \
	recorder/sink_file.c recorder/sink_loki.c recorder/sink_hec.c recorder/sink_syslog.c \
	recorder/http.c \
	recorder/ship.c recorder/ship.h \
	recorder/source.c recorder/source.h
recorder_librecorder_sinks_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS) $(CURL_CFLAGS)
RECORDER_CORE_LIBS = recorder/librecorder_core.a $(MESHCORE_LIBS)
RECORDER_LIBS = recorder/librecorder_sinks.a recorder/librecorder_core.a $(CURL_LIBS) $(MESHCORE_LIBS)
EXTRA_DIST += recorder/README.md

sbin_PROGRAMS += recorder/meshssh-shipper
recorder_meshssh_shipper_SOURCES = recorder/shipper.c
recorder_meshssh_shipper_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
recorder_meshssh_shipper_LDADD = $(RECORDER_LIBS)

# The session simulator that tests and benchmarks drive (stands in for meshsshd).
check_PROGRAMS += recorder/rec-sim
recorder_rec_sim_SOURCES = recorder/rec_sim.c
recorder_rec_sim_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
recorder_rec_sim_LDADD = $(RECORDER_LIBS) $(UTIL_LIBS)

dist_man_MANS += man/meshssh-audit.5 man/meshssh-shipper.8

# Unit tests
REC_UNIT_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir) $(CURL_CFLAGS)
REC_UNIT_LDADD = $(RECORDER_LIBS)
check_PROGRAMS += tests/unit/test_rec_spool tests/unit/test_rec_cast tests/unit/test_rec_audit
tests_unit_test_rec_spool_SOURCES = tests/unit/test_rec_spool.c
tests_unit_test_rec_spool_CFLAGS = $(REC_UNIT_CFLAGS)
tests_unit_test_rec_spool_LDADD = $(REC_UNIT_LDADD)
tests_unit_test_rec_cast_SOURCES = tests/unit/test_rec_cast.c
tests_unit_test_rec_cast_CFLAGS = $(REC_UNIT_CFLAGS)
tests_unit_test_rec_cast_LDADD = $(REC_UNIT_LDADD)
tests_unit_test_rec_audit_SOURCES = tests/unit/test_rec_audit.c
tests_unit_test_rec_audit_CFLAGS = $(REC_UNIT_CFLAGS)
tests_unit_test_rec_audit_LDADD = $(REC_UNIT_LDADD)
TESTS += tests/unit/test_rec_spool tests/unit/test_rec_cast tests/unit/test_rec_audit

# Integration tests (root; real asciinema, rsyslog; Loki/HEC stand-ins in rec_receiver.py)
INTEGRATION_TESTS += tests/integration/rec_file.sh tests/integration/rec_loki.sh \
	tests/integration/rec_syslog.sh tests/integration/rec_hec.sh tests/integration/rec_spool_full.sh
EXTRA_DIST += tests/integration/rec_lib.sh tests/integration/rec_receiver.py

# Fuzzing what the spool reads back from disk: a libFuzzer binary with
# --enable-fuzzing (clang), and a corpus replay in every make check.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_spool
# the parsers themselves are built into the target so libFuzzer sees their coverage
tests_fuzz_fuzz_spool_SOURCES = tests/fuzz/fuzz_spool.c recorder/spool.c recorder/sink.c \
	recorder/source.c recorder/asciicast.c
tests_fuzz_fuzz_spool_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spool_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_spool_LDADD = $(RECORDER_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_spool_replay
tests_fuzz_fuzz_spool_replay_SOURCES = tests/fuzz/fuzz_spool.c tests/fuzz/replay.c
tests_fuzz_fuzz_spool_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/spool"'
tests_fuzz_fuzz_spool_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_spool_replay_LDADD = $(RECORDER_LIBS)
TESTS += tests/fuzz/fuzz_spool_replay
EXTRA_DIST += tests/fuzz/corpus/spool

# Benchmarks (bench/bench_recorder.sh drives them; not run by make check)
noinst_PROGRAMS += bench/bench_recorder_events
bench_bench_recorder_events_SOURCES = bench/bench_recorder_events.c
bench_bench_recorder_events_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
bench_bench_recorder_events_LDADD = $(RECORDER_LIBS)
EXTRA_DIST += bench/bench_recorder.sh bench/bench_recorder_sshd.sh
