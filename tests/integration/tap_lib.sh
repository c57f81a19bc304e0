# shellcheck shell=sh
# TAP pieces shared by every integration test and test library (sourced;
# POSIX sh).  A test that cannot run on this machine says so once: outside CI
# it is skipped ("1..0 # SKIP reason"); under CI=true it fails ("not ok 1 -
# cannot run: reason"), so nothing is ever skipped silently in CI.
tap_cannot_run() { # tap_cannot_run REASON...
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - cannot run: $*"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}
cannot_run() { tap_cannot_run "$@"; }
