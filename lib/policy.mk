# lib/policy: the Tailscale-compatible SSH policy engine (parse, decide, sshTests).
lib_libmeshcore_a_SOURCES += \
	lib/policy.c lib/policy.h lib/policy_int.h \
	lib/policy_strtab.c lib/policy_decide.c lib/policy_sshtest.c

check_PROGRAMS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_policy

# meshctl policy commands against the example policies (no root needed).
TESTS += tests/integration/policy_cli.sh
EXTRA_DIST += tests/integration/policy_cli.sh \
	tests/data/policy/kb1193-ssh.hujson tests/data/policy/kb1193-ssh-flipped.hujson \
	tests/data/policy/kb1337-sshtests.hujson tests/data/policy/default.hujson \
	tests/data/policy/bad-selector.hujson tests/data/policy/hosts.hujson \
	tests/data/policy/netmap.json

# Fuzzing policy parsing: a libFuzzer binary with --enable-fuzzing (clang), and
# in every make check a replay of the corpus through the same entry point.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_policy
# the parser's own sources are built into the target so libFuzzer sees their coverage
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c lib/policy.c lib/policy_strtab.c \
	lib/policy_decide.c lib/policy_sshtest.c lib/hujson.c lib/error.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_LDADD = $(MESHCORE_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_policy_replay
tests_fuzz_fuzz_policy_replay_SOURCES = tests/fuzz/fuzz_policy.c tests/fuzz/replay.c
tests_fuzz_fuzz_policy_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/policy"'
tests_fuzz_fuzz_policy_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_policy_replay_LDADD = $(MESHCORE_LIBS)
TESTS += tests/fuzz/fuzz_policy_replay
EXTRA_DIST += tests/fuzz/corpus/policy

# The policy file format.
dist_man_MANS += man/meshssh-policy.5
