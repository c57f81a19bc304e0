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
	tests/data/policy/bad-selector.hujson
