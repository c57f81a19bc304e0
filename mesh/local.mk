# meshd: the bundled user-space WireGuard tunnel.  The protocol core (pure:
# handshake, cookies, replay window, allowed-IPs, timers) is a convenience
# library that the unit tests and the fuzz target link directly; the daemon
# adds TUN, UDP, the UAPI socket and the event loop.
noinst_LIBRARIES += mesh/libwg.a
mesh_libwg_a_SOURCES = \
	mesh/messages.h \
	mesh/kdf.c mesh/kdf.h \
	mesh/tai64n.c mesh/tai64n.h \
	mesh/replay.c mesh/replay.h \
	mesh/allowedips.c mesh/allowedips.h \
	mesh/noise.c mesh/noise.h \
	mesh/cookie.c mesh/cookie.h \
	mesh/peertable.c mesh/peertable.h
mesh_libwg_a_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(LIBB2_CFLAGS)
WG_LIBS = mesh/libwg.a $(LIBB2_LIBS) $(SODIUM_LIBS)
WG_TEST_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/mesh $(LIBB2_CFLAGS)
EXTRA_DIST += mesh/wg_vectors.py tests/unit/test_wg_hex.h

check_PROGRAMS += tests/unit/test_wg_kdf tests/unit/test_wg_noise tests/unit/test_wg_replay \
	tests/unit/test_wg_allowedips tests/unit/test_wg_cookie
TESTS += tests/unit/test_wg_kdf tests/unit/test_wg_noise tests/unit/test_wg_replay \
	tests/unit/test_wg_allowedips tests/unit/test_wg_cookie
tests_unit_test_wg_kdf_SOURCES = tests/unit/test_wg_kdf.c
tests_unit_test_wg_kdf_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_kdf_LDADD = $(WG_LIBS) $(UNIT_LDADD)
tests_unit_test_wg_noise_SOURCES = tests/unit/test_wg_noise.c
tests_unit_test_wg_noise_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_noise_LDADD = $(WG_LIBS) $(UNIT_LDADD)
tests_unit_test_wg_replay_SOURCES = tests/unit/test_wg_replay.c
tests_unit_test_wg_replay_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_replay_LDADD = $(WG_LIBS) $(UNIT_LDADD)
tests_unit_test_wg_allowedips_SOURCES = tests/unit/test_wg_allowedips.c
tests_unit_test_wg_allowedips_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_allowedips_LDADD = $(WG_LIBS) $(UNIT_LDADD)
tests_unit_test_wg_cookie_SOURCES = tests/unit/test_wg_cookie.c
tests_unit_test_wg_cookie_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_cookie_LDADD = $(WG_LIBS) $(UNIT_LDADD)
check_PROGRAMS += tests/unit/test_wg_peertable
TESTS += tests/unit/test_wg_peertable
tests_unit_test_wg_peertable_SOURCES = tests/unit/test_wg_peertable.c
tests_unit_test_wg_peertable_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_peertable_LDADD = $(WG_LIBS) $(UNIT_LDADD)
check_PROGRAMS += tests/unit/test_wg_tun_gso
TESTS += tests/unit/test_wg_tun_gso
tests_unit_test_wg_tun_gso_SOURCES = tests/unit/test_wg_tun_gso.c
tests_unit_test_wg_tun_gso_CFLAGS = $(WG_TEST_CFLAGS)
tests_unit_test_wg_tun_gso_LDADD = $(WG_LIBS) $(UNIT_LDADD)

# The protocol's send/receive halves and device state are pure of I/O too
# (output goes through struct wg_device_io), so the fuzz target links them.
mesh_libwg_a_SOURCES += \
	mesh/timers.c mesh/timers.h \
	mesh/peer.c mesh/peer.h \
	mesh/device.c mesh/device.h \
	mesh/send.c mesh/receive.c

mesh_libwg_a_SOURCES += mesh/tun_gso.c mesh/tun_gso.h mesh/tun_gro.c mesh/tun_gro.h

sbin_PROGRAMS += mesh/meshd
mesh_meshd_SOURCES = mesh/meshd.c mesh/daemon.h mesh/tun.c mesh/udp.c mesh/loop.c \
	mesh/uapi.c mesh/meshd_config.c mesh/meshd_config.h \
	mesh/netmap_sync.c mesh/netmap_sync.h mesh/netmap_fetch.c mesh/netmap_fetch.h
mesh_meshd_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(LIBB2_CFLAGS) $(CURL_CFLAGS) -pthread
mesh_meshd_LDFLAGS = $(AM_LDFLAGS) -pthread
mesh_meshd_LDADD = $(WG_LIBS) $(MESHCORE_LIBS) $(CURL_LIBS)

# Integration: meshd against wireguard-go in network namespaces (root).
INTEGRATION_TESTS += tests/integration/meshd_interop.sh
INTEGRATION_TESTS += tests/integration/meshd_netmap.sh
INTEGRATION_TESTS += tests/integration/meshd_url.sh
INTEGRATION_TESTS += tests/integration/meshd_status.sh
EXTRA_DIST += tests/integration/meshd_https.py
# meshsshd's end-to-end suite runs over meshd (tests/integration/lib.sh);
# this one keeps a run over wireguard-go.
INTEGRATION_TESTS += tests/integration/sshd_exec_wggo.sh
EXTRA_DIST += tests/integration/meshd_lib.sh
EXTRA_DIST += bench/bench_wg.sh
dist_man_MANS += man/meshd.8 man/meshd.conf.5
systemdunit_DATA += mesh/meshd.service
EXTRA_DIST += mesh/meshd.service

# Fuzz: datagrams into wg_device_receive, packets into wg_device_send_ip.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_wg_packet
tests_fuzz_fuzz_wg_packet_SOURCES = tests/fuzz/fuzz_wg_packet.c
tests_fuzz_fuzz_wg_packet_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/mesh -fsanitize=fuzzer
tests_fuzz_fuzz_wg_packet_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_wg_packet_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_wg_packet_replay
tests_fuzz_fuzz_wg_packet_replay_SOURCES = tests/fuzz/fuzz_wg_packet.c tests/fuzz/replay.c
tests_fuzz_fuzz_wg_packet_replay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mesh \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/wg_packet"'
tests_fuzz_fuzz_wg_packet_replay_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_wg_packet_replay_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
TESTS += tests/fuzz/fuzz_wg_packet_replay
EXTRA_DIST += tests/fuzz/corpus/wg_packet

# Fuzz: peer-chosen inner packets into the TUN coalescer and back through the segmenter.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_tun_offload
tests_fuzz_fuzz_tun_offload_SOURCES = tests/fuzz/fuzz_tun_offload.c
tests_fuzz_fuzz_tun_offload_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/mesh -fsanitize=fuzzer
tests_fuzz_fuzz_tun_offload_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_tun_offload_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
endif
check_PROGRAMS += tests/fuzz/fuzz_tun_offload_replay
tests_fuzz_fuzz_tun_offload_replay_SOURCES = tests/fuzz/fuzz_tun_offload.c tests/fuzz/replay.c
tests_fuzz_fuzz_tun_offload_replay_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mesh \
	-DFUZZ_CORPUS_DIR='"$(abs_top_srcdir)/tests/fuzz/corpus/tun_offload"'
tests_fuzz_fuzz_tun_offload_replay_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_tun_offload_replay_LDADD = $(WG_LIBS) $(MESHCORE_LIBS)
TESTS += tests/fuzz/fuzz_tun_offload_replay
EXTRA_DIST += tests/fuzz/corpus/tun_offload
