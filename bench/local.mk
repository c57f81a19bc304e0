# bench: see Makefile.am
# Netmap load + verify for 10,000 nodes, whois per lookup (run by hand from a
# build without sanitizers: bench/bench_netmap).
noinst_PROGRAMS += bench/bench_netmap
bench_bench_netmap_SOURCES = bench/bench_netmap.c
bench_bench_netmap_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
bench_bench_netmap_LDADD = $(MESHCORE_LIBS)
