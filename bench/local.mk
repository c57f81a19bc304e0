# bench: see Makefile.am
# Netmap load + verify for 10,000 nodes, whois per lookup (run by hand from a
# build without sanitizers: bench/bench_netmap).
noinst_PROGRAMS += bench/bench_netmap
bench_bench_netmap_SOURCES = bench/bench_netmap.c
bench_bench_netmap_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
bench_bench_netmap_LDADD = $(MESHCORE_LIBS)

# Policy evaluation per decision, 1,000 rules and 10,000 nodes, against a
# string-matching anchor: bench/bench_policy [DECISIONS]
noinst_PROGRAMS += bench/bench_policy
bench_bench_policy_SOURCES = bench/bench_policy.c
bench_bench_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_bench_policy_LDADD = $(MESHCORE_LIBS)

# meshsshd against OpenSSH's sshd (run by hand as root: bench/bench_sshd.sh BUILDDIR)
EXTRA_DIST += bench/bench_sshd.sh
