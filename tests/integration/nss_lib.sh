# shellcheck shell=sh
# tests/integration/nss_lib.sh: TAP helpers for the NSS and PAM module tests
# (nss_*.sh, pam_*.sh).  t NAME CMD... is one assertion; cannot REASON skips
# outside CI and fails under CI=true; nss_done prints the plan and exits.
n=0
fail=0
t() {
	name=$1
	shift
	n=$((n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		fail=1
	fi
}
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/integration/tap_lib.sh"
cannot() { tap_cannot_run "$@"; }
# Root, a mount namespace and a test build (path overrides) are needed.
nss_require_root_ns() {
	[ "$(id -u)" = 0 ] || cannot "needs root for a mount namespace"
	command -v unshare >/dev/null || cannot "unshare not installed"
	grep -q 'define MESH_TEST_BUILD 1' "$top_builddir/config.h" || cannot "needs --enable-test-build"
	unshare -m true 2>/dev/null || cannot "unshare -m not permitted here"
}
nss_done() {
	echo "1..$n"
	exit $fail
}
