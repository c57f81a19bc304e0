# Fuzz targets for the parsers without one elsewhere: configuration files
# (lib/conf, meshsshd.conf with its record/provision/OIDC keywords,
# meshd.conf), the JSON pull reader, meshd's UAPI "set" request, the PAM
# hand-off ticket, provisioning's names and state file, and the login's host
# user name as the policy sees it.  With
# --enable-fuzzing (clang) each is a libFuzzer binary; in every make check its
# corpus in tests/fuzz/corpus/NAME is replayed through replay.c.  The parser
# sources are compiled into each target so libFuzzer sees their coverage.
FUZZ_CONFIG_SOURCES = tests/fuzz/fuzz_config.c lib/conf.c sshd/sshd_config.c \
	sshd/record_conf.c mesh/meshd_config.c
FUZZ_CONFIG_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/sshd -I$(top_srcdir)/mesh \
	-I$(top_srcdir)/recorder $(OIDC_CFLAGS)
FUZZ_CONFIG_LIBS = recorder/librecorder_core.a $(OIDC_LIBS)
FUZZ_UAPI_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/mesh $(SODIUM_CFLAGS) $(LIBB2_CFLAGS)

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_config tests/fuzz/fuzz_jsonr tests/fuzz/fuzz_uapi \
	tests/fuzz/fuzz_meshauth tests/fuzz/fuzz_provision tests/fuzz/fuzz_policy_user
tests_fuzz_fuzz_config_SOURCES = $(FUZZ_CONFIG_SOURCES)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CONFIG_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = $(FUZZ_CONFIG_LIBS)
tests_fuzz_fuzz_jsonr_SOURCES = tests/fuzz/fuzz_jsonr.c lib/jsonr.c
tests_fuzz_fuzz_jsonr_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_jsonr_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_jsonr_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_uapi_SOURCES = tests/fuzz/fuzz_uapi.c mesh/uapi.c
tests_fuzz_fuzz_uapi_CFLAGS = $(FUZZ_UAPI_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_uapi_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_uapi_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
tests_fuzz_fuzz_meshauth_SOURCES = tests/fuzz/fuzz_meshauth.c lib/meshauth.c
tests_fuzz_fuzz_meshauth_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_meshauth_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_meshauth_LDADD = $(MESHCORE_LIBS)
# includes lib/provision.c to reach its static state-file parser
tests_fuzz_fuzz_provision_SOURCES = tests/fuzz/fuzz_provision.c
tests_fuzz_fuzz_provision_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_provision_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_provision_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_policy_user_SOURCES = tests/fuzz/fuzz_policy_user.c
tests_fuzz_fuzz_policy_user_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_user_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_user_LDADD = $(MESHCORE_LIBS)
endif

check_PROGRAMS += tests/fuzz/fuzz_config_replay tests/fuzz/fuzz_jsonr_replay \
	tests/fuzz/fuzz_uapi_replay tests/fuzz/fuzz_meshauth_replay \
	tests/fuzz/fuzz_provision_replay tests/fuzz/fuzz_policy_user_replay
TESTS += tests/fuzz/fuzz_config_replay tests/fuzz/fuzz_jsonr_replay \
	tests/fuzz/fuzz_uapi_replay tests/fuzz/fuzz_meshauth_replay \
	tests/fuzz/fuzz_provision_replay tests/fuzz/fuzz_policy_user_replay
EXTRA_DIST += tests/fuzz/corpus/config tests/fuzz/corpus/jsonr tests/fuzz/corpus/uapi \
	tests/fuzz/corpus/meshauth tests/fuzz/corpus/provision tests/fuzz/corpus/policy_user
tests_fuzz_fuzz_config_replay_SOURCES = $(FUZZ_CONFIG_SOURCES) tests/fuzz/replay.c
tests_fuzz_fuzz_config_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/config"'
tests_fuzz_fuzz_config_replay_CFLAGS = $(FUZZ_CONFIG_CFLAGS)
tests_fuzz_fuzz_config_replay_LDADD = $(FUZZ_CONFIG_LIBS)
tests_fuzz_fuzz_jsonr_replay_SOURCES = tests/fuzz/fuzz_jsonr.c tests/fuzz/replay.c
tests_fuzz_fuzz_jsonr_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/jsonr"'
tests_fuzz_fuzz_jsonr_replay_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_jsonr_replay_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_uapi_replay_SOURCES = tests/fuzz/fuzz_uapi.c mesh/uapi.c tests/fuzz/replay.c
tests_fuzz_fuzz_uapi_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/uapi"'
tests_fuzz_fuzz_uapi_replay_CFLAGS = $(FUZZ_UAPI_CFLAGS)
tests_fuzz_fuzz_uapi_replay_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
tests_fuzz_fuzz_meshauth_replay_SOURCES = tests/fuzz/fuzz_meshauth.c tests/fuzz/replay.c
tests_fuzz_fuzz_meshauth_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/meshauth"'
tests_fuzz_fuzz_meshauth_replay_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_meshauth_replay_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_provision_replay_SOURCES = tests/fuzz/fuzz_provision.c tests/fuzz/replay.c
tests_fuzz_fuzz_provision_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/provision"'
tests_fuzz_fuzz_provision_replay_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_fuzz_fuzz_provision_replay_LDADD = $(MESHCORE_LIBS)
tests_fuzz_fuzz_policy_user_replay_SOURCES = tests/fuzz/fuzz_policy_user.c tests/fuzz/replay.c
tests_fuzz_fuzz_policy_user_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/policy_user"'
tests_fuzz_fuzz_policy_user_replay_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_policy_user_replay_LDADD = $(MESHCORE_LIBS)
EXTRA_DIST += tests/fuzz/fuzz_wg_io.h
