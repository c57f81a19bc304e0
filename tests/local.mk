# Unit tests (C, TAP) link libmeshcore directly; integration tests are shell
# scripts that drive real clients and servers in network namespaces.
EXTRA_DIST += tests/unit/tap.h
UNIT_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/unit $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
UNIT_LDADD = $(MESHCORE_LIBS)

check_PROGRAMS += tests/unit/test_hujson
tests_unit_test_hujson_SOURCES = tests/unit/test_hujson.c
tests_unit_test_hujson_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hujson_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_hujson

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_conf

# Man pages: lint every page in man/.
TESTS += tests/man_lint.sh
EXTRA_DIST += tests/man_lint.sh

check_PROGRAMS += tests/unit/test_log
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test_log
