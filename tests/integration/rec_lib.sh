# Shared helpers for the recorder's integration tests (sourced, not run).
# TAP output, a per-run temp dir cleaned by a trap, processes killed by PID.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
REC_SIM=$top_builddir/recorder/rec-sim
SHIPPER=$top_builddir/recorder/meshssh-shipper
MESHCTL=$top_builddir/ctl/meshctl
RECEIVER=$top_srcdir/tests/integration/rec_receiver.py
n=0
failed=0
pids=""

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check NAME CMD...
	local name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# cannot_run REASON: skip outside CI, fail in CI
. "$top_srcdir/tests/integration/tap_lib.sh"
need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || cannot_run "$c is not installed"
	done
}
[ "$(id -u)" = 0 ] || cannot_run "needs root (spool ownership, runuser)"
[ -x "$REC_SIM" ] && [ -x "$SHIPPER" ] && [ -x "$MESHCTL" ] || cannot_run "build rec-sim, meshssh-shipper and meshctl first"

T=$(mktemp -d /tmp/rec-test.XXXXXX)
chmod 0755 "$T"
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

bg() { # bg CMD...: start in the background, remember the PID in $last_pid
	"$@" &
	last_pid=$!
	pids="$pids $last_pid"
}
stop() { # stop PID
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	pids=$(echo "$pids" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}
wait_for() { # wait_for TRIES CMD...: poll every 0.1 s
	local tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}
# What asciinema plays: `asciinema cat` needs a terminal, so give it one with
# script(1) and send its stdout to a file, byte for byte.
cast_cat() { # cast_cat CAST OUT
	script -qec "asciinema cat '$1' > '$2'" /dev/null >/dev/null 2>&1 </dev/null
}
start_receiver() { # start_receiver MODE NAME [PORT] [ARGS...] -> $port, $last_pid
	local mode=$1 name=$2 p=${3:-0}
	shift 3 2>/dev/null || shift $#
	rm -f "$T/$name.port"
	bg python3 "$RECEIVER" "$mode" --port "$p" --port-file "$T/$name.port" \
		--state "$T/$name.state" "$@"
	wait_for 100 test -s "$T/$name.port" || return 1
	port=$(cat "$T/$name.port")
}
finish() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}
