# libmeshoidc: the SSO check (OIDC device flow client, ID token verification,
# check cache).  Separate from libmeshcore so only meshsshd (and its tests)
# pull in libcurl and cjose.
noinst_LIBRARIES += lib/libmeshoidc.a
lib_libmeshoidc_a_SOURCES = \
	lib/oidc.h lib/oidc_conf.c lib/oidc_proto.c lib/oidc_jwt.c lib/oidc_audit.c \
	lib/oidc_client.c lib/oidc_check.c \
	lib/checkcache.c lib/checkcache.h
lib_libmeshoidc_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(CJOSE_CFLAGS) $(JANSSON_CFLAGS) \
	$(SODIUM_CFLAGS)
OIDC_LIBS = lib/libmeshoidc.a $(MESHCORE_LIBS) $(CURL_LIBS) $(CJOSE_LIBS) $(JANSSON_LIBS) \
	$(SODIUM_LIBS)
# Only the OIDC* keyword parsing and the check cache (no libcurl, no cjose):
# what meshsshd links; the OIDC client runs in sshd/meshssh-sso.
OIDC_CONF_LIBS = lib/libmeshoidc.a $(MESHCORE_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS)
OIDC_CFLAGS = $(CURL_CFLAGS) $(CJOSE_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)

check_PROGRAMS += tests/unit/test_oidc
tests_unit_test_oidc_SOURCES = tests/unit/test_oidc.c
tests_unit_test_oidc_CFLAGS = $(UNIT_CFLAGS) $(OIDC_CFLAGS)
tests_unit_test_oidc_LDADD = $(OIDC_LIBS)
TESTS += tests/unit/test_oidc

check_PROGRAMS += tests/unit/test_checkcache
tests_unit_test_checkcache_SOURCES = tests/unit/test_checkcache.c
tests_unit_test_checkcache_CFLAGS = $(UNIT_CFLAGS) $(OIDC_CFLAGS)
tests_unit_test_checkcache_LDADD = $(OIDC_LIBS)
TESTS += tests/unit/test_checkcache

# Integration: a real OpenID provider (glewlwyd) on loopback drives lib/oidc
# through oidc_probe, which runs the flow the way meshsshd does.
check_PROGRAMS += tests/integration/oidc_probe
tests_integration_oidc_probe_SOURCES = tests/integration/oidc_probe.c
tests_integration_oidc_probe_CFLAGS = $(AM_CFLAGS) $(OIDC_CFLAGS)
tests_integration_oidc_probe_LDADD = $(OIDC_LIBS)
INTEGRATION_TESTS += tests/integration/oidc_device.sh
EXTRA_DIST += tests/integration/oidc_lib.sh
dist_man_MANS += man/meshssh-oidc.7

# Fuzzing what the IdP sends (and the check cache file): a libFuzzer binary
# with --enable-fuzzing (clang), and a corpus replay in every make check.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_jwt
# the parsers are compiled in (not linked from the library) so they carry
# the fuzzer's coverage instrumentation
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz_jwt.c lib/oidc_proto.c lib/oidc_jwt.c \
	lib/checkcache.c
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) $(OIDC_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_jwt_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_jwt_LDADD = $(MESHCORE_LIBS) $(CJOSE_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_jwt_replay
tests_fuzz_fuzz_jwt_replay_SOURCES = tests/fuzz/fuzz_jwt.c tests/fuzz/replay.c
tests_fuzz_fuzz_jwt_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/jwt"'
tests_fuzz_fuzz_jwt_replay_CFLAGS = $(AM_CFLAGS) $(OIDC_CFLAGS)
tests_fuzz_fuzz_jwt_replay_LDADD = $(OIDC_LIBS)
TESTS += tests/fuzz/fuzz_jwt_replay
EXTRA_DIST += tests/fuzz/corpus/jwt

# End to end: the stock OpenSSH client, meshsshd's check rule, its
# meshssh-sso helper and glewlwyd in the server's namespace.
INTEGRATION_TESTS += tests/integration/sshd_sso.sh

# Process ancestry for the sudo check: pam_mesh.so (libuserdb_pic) and
# meshsshd (libuserdb via MESHCORE_LIBS) both use it.
USERDB_SOURCES += lib/procinfo.c lib/procinfo.h
