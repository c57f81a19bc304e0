# lib: the netmap (signed node/user map), WireGuard keys, trusted signing keys.
lib_libmeshcore_a_SOURCES += \
	lib/keys.c lib/keys.h \
	lib/trust.c lib/trust.h \
	lib/jsonpos.c lib/jsonpos.h \
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
