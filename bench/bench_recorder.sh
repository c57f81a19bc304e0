#!/bin/bash
# Recorder benchmarks, each against its anchor in the same run:
#  1. bulk throughput through a pty session, recorded (spool only, and with
#     the shipper delivering to a file sink at the same time) vs the same
#     session unrecorded (target: >= 90%);
#  2. audit events per second: appended to the spool (maudit_emit, fsync per
#     event; and the bare append), and delivered by the shipper into the
#     Loki stand-in vs into a file sink;
#  3. the recording's bytes on disk per MiB of terminal output (spool and
#     delivered .cast), for text and for random (base64) output.
# Usage: bench/bench_recorder.sh [BUILD_DIR] (an optimised build without
# sanitizers; default: build-bench, configured and built if missing).
# Traffic stays on 127.0.0.1.  Needs root (the spool is root-only).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build-bench}
MIB=${BENCH_MIB:-256}
RUNS=${BENCH_RUNS:-3}
EVENTS=${BENCH_EVENTS:-20000}
if [ ! -x "$B/recorder/meshssh-shipper" ]; then
	mkdir -p "$B"
	(cd "$B" && { [ -f Makefile ] || "$top/configure" --quiet; } && make -s -j"$(nproc)" >/dev/null)
fi
make -s -C "$B" recorder/rec-sim bench/bench_recorder_events >/dev/null
SIM=$B/recorder/rec-sim
SHIP=$B/recorder/meshssh-shipper
T=$(mktemp -d /tmp/bench-rec.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
mibps() { awk -v m="$1" -v s="$2" 'BEGIN { printf "%.1f", m / s }'; }

# 1. throughput: MIB MiB of 79-column text lines through the pty
LINE=$(printf 'x%.0s' $(seq 1 78))
gen="yes '$LINE' | head -c $((MIB * 1024 * 1024))"
run() { # run MODE -> seconds
	local sp=$T/spool-$RANDOM t0 t1 sh=""
	case $1 in
	plain) t0=$(now); "$SIM" --no-record -- sh -c "$gen" >/dev/null; t1=$(now) ;;
	spool) t0=$(now); "$SIM" --spool "$sp" --spool-max $((4096 * 1024 * 1024)) -- sh -c "$gen" >/dev/null; t1=$(now) ;;
	ship)
		mkdir -m 700 "$sp"
		"$SHIP" --spool "$sp" --spool-max $((4096 * 1024 * 1024)) --recording-sink "file:$T/out-$RANDOM" --poll-ms 20 2>/dev/null &
		sh=$!
		t0=$(now); "$SIM" --spool "$sp" --spool-max $((4096 * 1024 * 1024)) -- sh -c "$gen" >/dev/null; t1=$(now)
		kill "$sh"; wait "$sh" 2>/dev/null || true ;;
	esac
	rm -rf "$sp" "$T"/out-*
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
best() { sort -n | head -n 1; }
declare -A secs
for mode in plain spool ship; do secs[$mode]=""; done
for i in $(seq 1 "$RUNS"); do
	for mode in plain spool ship; do secs[$mode]="${secs[$mode]} $(run $mode)"; done
done
for mode in plain spool ship; do
	secs[$mode]=$(echo "${secs[$mode]}" | tr ' ' '\n' | grep . | best)
done
echo "pty bulk, $MIB MiB of text, best of $RUNS:"
echo "  unrecorded (anchor)           $(mibps "$MIB" "${secs[plain]}") MiB/s"
echo "  recorded, spool only          $(mibps "$MIB" "${secs[spool]}") MiB/s   ratio $(ratio "${secs[plain]}" "${secs[spool]}")"
echo "  recorded, shipper running     $(mibps "$MIB" "${secs[ship]}") MiB/s   ratio $(ratio "${secs[plain]}" "${secs[ship]}")"

t=$("$B/bench/bench_recorder_events" "$T/out-spool" --output "$MIB" | awk '{ print $4 }')
rm -rf "$T/out-spool"
echo "  the recorder alone (rec_output, 4 KiB reads, no pty): $(mibps "$MIB" "$t") MiB/s;"
echo "  expected recorded/unrecorded on an idle machine: $(awk -v p="${secs[plain]}" -v r="$t" 'BEGIN { printf "%.3f", p / (p + r) }') (pty time / (pty time + recorder time))"
echo "  CPU pressure now: $(head -n 1 /proc/pressure/cpu 2>/dev/null || echo unknown)"

# 2. audit events per second
sp=$T/ev-spool
t=$("$B/bench/bench_recorder_events" "$sp" 2000 --sync | awk '{ print $4 }')
echo "maudit_emit with a flush per event: $(awk -v s="$t" 'BEGIN { printf "%.0f", 2000 / s }') events/s"
rm -rf "$sp"
t=$("$B/bench/bench_recorder_events" "$sp" "$EVENTS" | awk '{ print $4 }')
echo "maudit_emit (the shipper flushes):  $(awk -v s="$t" -v n="$EVENTS" 'BEGIN { printf "%.0f", n / s }') events/s"
python3 "$top/tests/integration/rec_receiver.py" loki --port-file "$T/port" &
pids="$pids $!"
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
URL=http://127.0.0.1:$(cat "$T/port")
cp -a "$sp" "$sp-loki" # a shipper trims what its sinks have passed: one copy per run
t0=$(now)
"$SHIP" --spool "$sp" --spool-max $((1024 * 1024 * 1024)) --audit-sink "file:$T/evout" --once 2>/dev/null
t1=$(now)
tf=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
t0=$(now)
"$SHIP" --spool "$sp-loki" --spool-max $((1024 * 1024 * 1024)) --audit-sink "loki:$URL" --once 2>/dev/null
t1=$(now)
tl=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
got=$(curl -sf "$URL/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("received", 0))')
echo "shipper, $EVENTS audit events (batches of 1000):"
echo "  into a file sink (anchor)     $(awk -v s="$tf" -v n="$EVENTS" 'BEGIN { printf "%.0f", n / s }') events/s"
echo "  into the Loki stand-in        $(awk -v s="$tl" -v n="$EVENTS" 'BEGIN { printf "%.0f", n / s }') events/s   ratio $(ratio "$tf" "$tl")   (received $got)"
echo "  (the stand-in is a Python HTTP server; real Loki's ingest limit is not measured here)"

# 3. bytes on disk per MiB of terminal output
size_of() { du -sb "$1" | awk '{ print $1 }'; }
for kind in text random; do
	sp=$T/sz-$kind
	if [ $kind = text ]; then
		g="for i in \$(seq 1 40); do cat $top/man/meshssh-audit.5 $top/recorder/spool.c; done | head -c 16777216"
	else
		g="head -c 12582912 /dev/urandom | base64 -w 76 | head -c 16777216"
	fi
	"$SIM" --spool "$sp" --spool-max $((1024 * 1024 * 1024)) -- sh -c "$g" >"$T/seen-$kind"
	out=$(size_of "$T/seen-$kind")
	segs=$(cat "$sp"/seg-*.log | wc -c)
	"$SHIP" --spool "$sp" --spool-max $((1024 * 1024 * 1024)) --recording-sink "file:$T/cast-$kind" --once 2>/dev/null
	cast=$(cat "$T/cast-$kind"/*.cast | wc -c)
	echo "bytes per MiB of $kind output: spool $(awk -v a="$segs" -v b="$out" 'BEGIN { printf "%.0f", a / b * 1048576 }'), .cast $(awk -v a="$cast" -v b="$out" 'BEGIN { printf "%.0f", a / b * 1048576 }')   (ratio to output: $(ratio "$cast" "$out"))"
	rm -rf "$sp"
done
