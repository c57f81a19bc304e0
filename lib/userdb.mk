# The userdb and mesh hosts readers (libc only).  Built twice: libuserdb.a
# with the sanitizers for unit tests and programs, and libuserdb_pic.la
# without them for the NSS and PAM modules, which are dlopen'ed by
# uninstrumented programs (getent, sshd, su).  Provisioning and the PAM
# hand-off writer need libsodium and live in libmeshcore.
USERDB_SOURCES = lib/userdb.c lib/userdb.h lib/hostsdb.c lib/hostsdb.h \
	lib/meshauth.c lib/meshauth.h lib/homedir.c lib/homedir.h
noinst_LIBRARIES += lib/libuserdb.a
lib_libuserdb_a_SOURCES = $(USERDB_SOURCES)
noinst_LTLIBRARIES += lib/libuserdb_pic.la
lib_libuserdb_pic_la_SOURCES = $(USERDB_SOURCES) lib/error.c lib/error.h
lib_libuserdb_pic_la_CFLAGS = $(WARN_CFLAGS) $(HARDEN_CFLAGS)
lib_libuserdb_pic_la_LDFLAGS =
lib_libmeshcore_a_SOURCES += lib/provision.c lib/provision.h \
	lib/userdb_systemd.c lib/userdb_systemd.h lib/hostsdb_publish.c
USERDB_LIBS = lib/libuserdb.a
# programs that provision (meshsshd, meshctl) read the userdb too
MESHCORE_LIBS += $(USERDB_LIBS)

check_PROGRAMS += tests/unit/test_userdb
tests_unit_test_userdb_SOURCES = tests/unit/test_userdb.c
tests_unit_test_userdb_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_userdb_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_userdb

check_PROGRAMS += tests/unit/test_userdb_auth
tests_unit_test_userdb_auth_SOURCES = tests/unit/test_userdb_auth.c
tests_unit_test_userdb_auth_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_userdb_auth_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_userdb_auth

check_PROGRAMS += tests/unit/test_provision
tests_unit_test_provision_SOURCES = tests/unit/test_provision.c
tests_unit_test_provision_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_provision_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_provision

# Integration tests: the modules through the real glibc and libpam.
check_PROGRAMS += tests/integration/nss_provision_helper
tests_integration_nss_provision_helper_SOURCES = tests/integration/nss_provision_helper.c
tests_integration_nss_provision_helper_CFLAGS = $(UNIT_CFLAGS)
tests_integration_nss_provision_helper_LDADD = $(UNIT_LDADD)
INTEGRATION_TESTS += tests/integration/nss_getent.sh

check_PROGRAMS += tests/integration/pam_helper
tests_integration_pam_helper_SOURCES = tests/integration/pam_helper.c
tests_integration_pam_helper_LDADD = $(PAM_LIBS)
INTEGRATION_TESTS += tests/integration/pam_mesh.sh
# the whole path: OpenSSH client, meshsshd provisioning, pam_mesh, libnss_mesh
INTEGRATION_TESTS += tests/integration/accounts_login.sh
# meshd publishes node names for the NSS module
INTEGRATION_TESTS += tests/integration/nss_hosts_meshd.sh
TESTS += tests/integration/nss_exports.sh
EXTRA_DIST += tests/integration/nss_exports.sh

# Fuzzing the userdb reader: a libFuzzer binary with --enable-fuzzing (clang),
# and in every make check a replay of the corpus through the same entry point.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_userdb
# the reader is compiled in (not linked from libuserdb.a) so libFuzzer sees its coverage
tests_fuzz_fuzz_userdb_SOURCES = tests/fuzz/fuzz_userdb.c lib/userdb.c lib/hostsdb.c
tests_fuzz_fuzz_userdb_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_userdb_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
endif
check_PROGRAMS += tests/fuzz/fuzz_userdb_replay
tests_fuzz_fuzz_userdb_replay_SOURCES = tests/fuzz/fuzz_userdb.c tests/fuzz/replay.c
tests_fuzz_fuzz_userdb_replay_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/userdb"'
tests_fuzz_fuzz_userdb_replay_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_userdb_replay_LDADD = $(MESHCORE_LIBS)
TESTS += tests/fuzz/fuzz_userdb_replay
EXTRA_DIST += tests/fuzz/corpus/userdb

dist_man_MANS += man/nss_mesh.8 man/pam_mesh.8 man/meshssh-userdb.5

# Benchmark helper (bench/bench_nss.sh): no sanitizers, it times glibc calls.
noinst_PROGRAMS += bench/bench_nss
bench_bench_nss_SOURCES = bench/bench_nss.c
bench_bench_nss_CFLAGS = $(WARN_CFLAGS) $(HARDEN_CFLAGS) -O2
bench_bench_nss_LDFLAGS =
bench_bench_nss_LDADD = lib/libuserdb_pic.la
EXTRA_DIST += bench/bench_nss.sh
EXTRA_DIST += tests/integration/nss_lib.sh
