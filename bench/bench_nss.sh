#!/bin/sh
# getpwnam/getpwuid latency through glibc with 10,000 and 100,000 accounts:
# libnss_mesh.so.2 (mesh) against the files module with the same entries in
# /etc/passwd (the anchor) and Debian's libnss-cache (cache).  Each mode runs
# in a private mount namespace whose nsswitch.conf names only that module
# ("passwd: files" / "passwd: mesh" / "passwd: cache"); /etc/passwd and the
# cache files are bind-mounted there, the host's stay untouched.
# Usage: bench/bench_nss.sh BUILDDIR [COUNTS]   (root; libnss-cache installed)
set -eu
build=$(cd "${1:?usage: bench_nss.sh BUILDDIR [COUNTS]}" && pwd)
counts=${2:-"10000 100000"}
bin=$build/bench/bench_nss
module=$build/nsswitch/.libs/libnss_mesh.so
[ "$(id -u)" = 0 ] || { echo "bench_nss: needs root (mount namespace)" >&2; exit 1; }
[ -x "$bin" ] && [ -f "$module" ] || { echo "bench_nss: build first (make)" >&2; exit 1; }
[ -e /usr/lib/x86_64-linux-gnu/libnss_cache.so.2 ] || [ -e /lib/x86_64-linux-gnu/libnss_cache.so.2 ] ||
	ls /usr/lib/*/libnss_cache.so.2 >/dev/null 2>&1 || { echo "bench_nss: install libnss-cache" >&2; exit 1; }

tmp=$(mktemp -d /tmp/bench_nss.$$.XXXXXX)
created=""
cleanup() {
	for f in $created; do rm -f "$f"; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
chmod 755 "$tmp"
mkdir -m 755 "$tmp/lib"
ln -s "$module" "$tmp/lib/libnss_mesh.so.2"
# bind-mount targets for libnss-cache's fixed paths must exist: empty
# placeholders, removed at exit (no nsswitch.conf on the host names "cache")
for f in /etc/passwd.cache /etc/passwd.cache.ixname /etc/passwd.cache.ixuid; do
	if [ ! -e "$f" ]; then
		: >"$f"
		created="$created $f"
	fi
done

# run MODE N CALLS: one measurement in a namespace
run() {
	mode=$1 n=$2 calls=$3 d=$tmp/$1.$2
	printf 'passwd: %s\ngroup: files\n' "$mode" >"$d/nsswitch.conf"
	binds="mount --bind $d/nsswitch.conf /etc/nsswitch.conf"
	case $mode in
	files) binds="$binds && mount --bind $d/passwd /etc/passwd" ;;
	cache) binds="$binds && mount --bind $d/passwd.cache /etc/passwd.cache &&
		mount --bind $d/passwd.cache.ixname /etc/passwd.cache.ixname &&
		mount --bind $d/passwd.cache.ixuid /etc/passwd.cache.ixuid" ;;
	esac
	unshare -m -- sh -c "$binds && exec env MESH_USERDB_DIR=$d LD_LIBRARY_PATH=$tmp/lib $bin run $n $calls"
}

echo "# bench_nss: per-call latency in microseconds (median / p99), $(nproc) CPUs, $(uname -r)"
printf '%-8s %-6s %10s %10s %10s %10s %8s %8s\n' accounts module nam-med nam-p99 uid-med uid-p99 \
	nam-ratio uid-ratio
for n in $counts; do
	for mode in files mesh cache; do
		mkdir -m 755 "$tmp/$mode.$n"
	done
	"$bin" gen-files "$tmp/files.$n/passwd" "$n"
	"$bin" gen-mesh "$tmp/mesh.$n" "$n"
	"$bin" gen-cache "$tmp/cache.$n" "$n"
	# a linear scan of 100k lines costs milliseconds: fewer calls for files
	fcalls=$((20000000 / n))
	[ "$fcalls" -gt 20000 ] && fcalls=20000
	set -- $(run files "$n" "$fcalls")
	fn=$2 fu=$5
	printf '%-8s %-6s %10s %10s %10s %10s %8s %8s\n' "$n" files "$2" "$3" "$5" "$6" 1.00 1.00
	for mode in mesh cache; do
		set -- $(run "$mode" "$n" 20000)
		printf '%-8s %-6s %10s %10s %10s %10s %8s %8s\n' "$n" "$mode" "$2" "$3" "$5" "$6" \
			"$(awk -v a="$2" -v b="$fn" 'BEGIN { printf "%.2g", a / b }')" \
			"$(awk -v a="$5" -v b="$fu" 'BEGIN { printf "%.2g", a / b }')"
	done
	# the module alone, without glibc's dispatch (nsswitch.conf stat, nscd probe)
	set -- $(MESH_USERDB_DIR=$tmp/mesh.$n "$bin" direct "$module" "$n" 20000)
	printf '%-8s %-6s %10s %10s %10s %10s %8s %8s\n' "$n" direct "$2" "$3" "$5" "$6" - -
done
# glibc's own floor: files with a 30-line /etc/passwd (no mesh accounts)
mkdir -m 755 "$tmp/files.1" "$tmp/mesh.1" "$tmp/cache.1"
"$bin" gen-files "$tmp/files.1/passwd" 1
set -- $(run files 1 20000)
printf '%-8s %-6s %10s %10s %10s %10s %8s %8s\n' 1 floor "$2" "$3" "$5" "$6" - -
echo "# ratio = median of the module / median of files (lower is faster)"
echo "# direct = the module's functions called without glibc; floor = glibc + files, 1 account"
