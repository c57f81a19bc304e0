# lib: the netmap (signed node/user map), WireGuard keys, trusted signing keys.
lib_libmeshcore_a_SOURCES += \
	lib/keys.c lib/keys.h \
	lib/trust.c lib/trust.h \
	lib/jsonpos.c lib/jsonpos.h \
	lib/jsonr.c lib/jsonr.h \
	lib/netmap.c lib/netmap.h \
	lib/netmap_fields.c lib/netmap_fields.h \
	lib/netmap_json.c \
	lib/netmap_load.c

# Unit tests of the netmap module.
EXTRA_DIST += tests/unit/netmap_fixture.h
check_PROGRAMS += tests/unit/test_netmap
tests_unit_test_netmap_SOURCES = tests/unit/test_netmap.c
tests_unit_test_netmap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netmap_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_netmap

check_PROGRAMS += tests/unit/test_netmap_load
tests_unit_test_netmap_load_SOURCES = tests/unit/test_netmap_load.c
tests_unit_test_netmap_load_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netmap_load_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_netmap_load

check_PROGRAMS += tests/unit/test_keys
tests_unit_test_keys_SOURCES = tests/unit/test_keys.c
tests_unit_test_keys_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_keys_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_keys

# Fuzzing the netmap and HuJSON parsers: libFuzzer binaries with
# --enable-fuzzing (clang), and in every make check a replay of the corpus
# through the same entry points.
EXTRA_DIST += tests/fuzz/corpus/netmap tests/fuzz/corpus/hujson
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_netmap tests/fuzz/fuzz_hujson
tests_fuzz_fuzz_netmap_SOURCES = tests/fuzz/fuzz_netmap.c
tests_fuzz_fuzz_netmap_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_netmap_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_netmap_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_hujson_SOURCES = tests/fuzz/fuzz_hujson.c
tests_fuzz_fuzz_hujson_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_hujson_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_hujson_LDADD = $(MESHCORE_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_netmap_replay tests/fuzz/fuzz_hujson_replay
tests_fuzz_fuzz_netmap_replay_SOURCES = tests/fuzz/fuzz_netmap.c tests/fuzz/replay.c
tests_fuzz_fuzz_netmap_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/netmap"'
tests_fuzz_fuzz_netmap_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_netmap_replay_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_hujson_replay_SOURCES = tests/fuzz/fuzz_hujson.c tests/fuzz/replay.c
tests_fuzz_fuzz_hujson_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/hujson"'
tests_fuzz_fuzz_hujson_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_hujson_replay_LDADD = $(MESHCORE_LIBS)
TESTS += tests/fuzz/fuzz_netmap_replay tests/fuzz/fuzz_hujson_replay

# meshctl end to end (needs ssh-keygen), and key compatibility with wg.
TESTS += tests/integration/meshctl_netmap.sh
EXTRA_DIST += tests/integration/meshctl_netmap.sh
INTEGRATION_TESTS += tests/integration/wg_pubkey.sh

check_PROGRAMS += tests/unit/test_netmap_fields
tests_unit_test_netmap_fields_SOURCES = tests/unit/test_netmap_fields.c
tests_unit_test_netmap_fields_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netmap_fields_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_netmap_fields

check_PROGRAMS += tests/unit/test_jsonr
tests_unit_test_jsonr_SOURCES = tests/unit/test_jsonr.c
tests_unit_test_jsonr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jsonr_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_jsonr
