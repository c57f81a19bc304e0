# bench: see Makefile.am
EXTRA_DIST += bench/bench_sshd.sh
