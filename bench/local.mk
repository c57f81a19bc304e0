# bench: see Makefile.am

# Policy evaluation per decision, 1,000 rules and 10,000 nodes, against a
# string-matching anchor: bench/bench_policy [DECISIONS]
noinst_PROGRAMS += bench/bench_policy
bench_bench_policy_SOURCES = bench/bench_policy.c
bench_bench_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
bench_bench_policy_LDADD = $(MESHCORE_LIBS)
