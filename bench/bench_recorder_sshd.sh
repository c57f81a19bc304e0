#!/bin/bash
# bench_recorder_sshd: bulk throughput of a pty session through meshsshd,
# recorded vs the same session unrecorded, in one run.
#
# Three meshsshd instances in one fresh network namespace, reached over its
# loopback (mesh addresses on lo, as in bench/bench_sshd.sh): port 2022 has
# RecordSessions no (the anchor); port 2023 records into a spool that no
# shipper reads (the session's own cost); port 22 records with its shipper
# delivering to a file sink at the same time (what a server does).  The
# stock OpenSSH client asks for a pty (-tt) and the session prints
# BENCH_MIB MiB (default 256) of 79-column text lines; the client's output
# goes to /dev/null.  The servers take turns, BENCH_RUNS (default 5) runs
# each; the median of each is reported with the ratio recorded/unrecorded
# (target >= 0.90), and the recording's bytes on disk per MiB of output.
# Wall-clock throughput swings with the load of a shared machine, so each
# server also runs in its own cpuacct cgroup (v1) and the CPU seconds its
# processes (connection process, and the shipper for port 22) spent per run
# are reported too: that ratio is the recorder's cost, load or not.
#
#   bench/bench_recorder_sshd.sh [BUILDDIR]   (default: ./build-bench, an
#   optimised build without sanitizers, configured and built if missing)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
B=${1:-$top_srcdir/build-bench}
if [ ! -x "$B/sshd/meshsshd" ] || [ ! -x "$B/recorder/meshssh-shipper" ]; then
	mkdir -p "$B"
	(cd "$B" && { [ -f Makefile ] || "$top_srcdir/configure" --quiet; } &&
		make -s -j2 sshd/meshsshd recorder/meshssh-shipper ctl/meshctl >/dev/null) ||
		{
			echo "bench_recorder_sshd: build failed" >&2
			exit 1
		}
fi
top_builddir=$(cd "$B" && pwd)
export top_srcdir top_builddir
# shellcheck source=../tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

BENCH_MIB=${BENCH_MIB:-256}
BENCH_RUNS=${BENCH_RUNS:-5}
REC_PORT=22
PLAIN_PORT=2022
SPOOL_PORT=2023

die() {
	echo "bench_recorder_sshd: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
for tool in ip ssh ssh-keygen nsenter wg; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
nm "$E2E_MESHSSHD" 2>/dev/null | grep -q __asan_init && echo "# warning: meshsshd is an ASan build"

E2E_ID=$(printf 'r%x%02x' $$ $((RANDOM % 256)))
E2E_NS_S=benchrec-$E2E_ID
E2E_NS_C=""
E2E_USER=bru$E2E_ID
E2E_OTHER=bro$E2E_ID
E2E_WG_S=lo
CG_ROOT=/sys/fs/cgroup/cpuacct
CGS=""
bench_cleanup() {
	local cg
	e2e_cleanup
	for cg in $CGS; do rmdir "$cg" 2>/dev/null; done
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM
E2E_TMP=$(mktemp -d "/tmp/meshssh-benchrec-$E2E_ID.XXXXXX") || die "mktemp failed"
chmod 755 "$E2E_TMP"
T=$E2E_TMP
E2E_HOMES=$T/home
mkdir -p "$E2E_HOMES"
{
	ip netns add "$E2E_NS_S" &&
		ip -n "$E2E_NS_S" link set lo up &&
		for a in "$E2E_SRV_ADDR4" "$E2E_CLI_ADDR4"; do ip -n "$E2E_NS_S" addr add "$a/32" dev lo || exit 1; done &&
		for a in "$E2E_SRV_ADDR6" "$E2E_CLI_ADDR6"; do ip -n "$E2E_NS_S" addr add "$a/128" dev lo nodad || exit 1; done
} >>"$T/setup.log" 2>&1 || die "namespace set-up failed: $(tail -n 3 "$T/setup.log")"
e2e_setup_users || die "user set-up failed: $(tail -n 3 "$T/setup.log")"
E2E_WGPUB_S=$(wg genkey | wg pubkey)
E2E_WGPUB_C=$(wg genkey | wg pubkey)
e2e_setup_keys || die "key set-up failed: $(tail -n 3 "$T/setup.log")"

binds="mount -t overlay e2e-etc -o lowerdir=/etc,upperdir='$T/etc-up',workdir='$T/etc-work' /etc &&"
binds="$binds mount --bind '$T/utmp' /run/utmp && mount --bind '$T/wtmp' /var/log/wtmp &&"
binds="$binds mount --bind '$T/lastlog' /var/log/lastlog"
[ -e /run/utmp ] || install -m 664 -g utmp /dev/null /run/utmp
ip netns exec "$E2E_NS_S" sh -c "$binds && exec sleep 86400" >>"$T/setup.log" 2>&1 &
anchor=$!
e2e_track "$anchor"
e2e_wait_for nsenter -t "$anchor" -m grep -q "^$E2E_USER:" /etc/passwd || die "mount namespace set-up failed"
in_ns() { nsenter -t "$anchor" -m -n "$@"; }

start_server() { # start_server NAME PORT EXTRA-CONF
	local name=$1 port=$2 pid
	E2E_SSH_PORT=$port
	E2E_MESHSSHD_EXTRA_CONF=$3
	e2e_write_meshsshd_config
	sed -i "s/^LogLevel .*/LogLevel INFO/; s|^PidFile .*|PidFile $T/$name.pid|" "$T/meshsshd.conf"
	mv "$T/meshsshd.conf" "$T/$name.conf"
	nsenter -t "$anchor" -m -n "$E2E_MESHSSHD" -f "$T/$name.conf" -D >"$T/$name.log" 2>&1 &
	pid=$!
	e2e_track "$pid"
	if [ -d "$CG_ROOT" ] && mkdir "$CG_ROOT/meshssh-bench-$E2E_ID-$name" 2>/dev/null; then
		CGS="$CGS $CG_ROOT/meshssh-bench-$E2E_ID-$name"
		echo "$pid" >"$CG_ROOT/meshssh-bench-$E2E_ID-$name/cgroup.procs"
	fi
	e2e_wait_for e2e_listening "$E2E_NS_S" "$port" || die "meshsshd ($name) did not start: $(tail -n 3 "$T/$name.log")"
}
cpu_ns() { cat "$CG_ROOT/meshssh-bench-$E2E_ID-$1/cpuacct.usage" 2>/dev/null || echo 0; }
# (RecordSessions yes: the bench's policy names no recorder, so "policy",
# the default, would record nothing)
start_server rec "$REC_PORT" "RecordSessions yes"
start_server plain "$PLAIN_PORT" "RecordSessions no
RecordingSpool $T/spool-plain
RecordingShipper none"
start_server spool "$SPOOL_PORT" "RecordSessions yes
RecordingSpool $T/spool-only
RecordingSpoolMaxSize $((8 * 1024 * 1024 * 1024))
RecordingShipper none"

cat >"$T/bench_config" <<EOF
Host rec plain spool
  HostName $E2E_SRV_ADDR4
  BindAddress $E2E_CLI_ADDR4
  User $E2E_USER
  UserKnownHostsFile $T/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  HostKeyAlias web-1
  BatchMode yes
  IdentitiesOnly yes
  IdentityAgent none
  PubkeyAuthentication no
  ControlMaster no
  ControlPath none
  Compression no
  LogLevel ERROR
Host rec
  Port $REC_PORT
Host plain
  Port $PLAIN_PORT
Host spool
  Port $SPOOL_PORT
EOF
SSH="ssh -F $T/bench_config"
LINE=$(printf 'x%.0s' $(seq 1 78))
GEN="yes $LINE | head -c $((BENCH_MIB * 1048576))"

once() { # once HOST: seconds for the bulk pty session; its server's CPU seconds to $T/c-HOST
	local t0 t1 c0 c1
	c0=$(cpu_ns "$1")
	t0=$(date +%s%N)
	in_ns $SSH -tt "$1" "$GEN" </dev/null >/dev/null || return 1
	t1=$(date +%s%N)
	sleep 0.2 # the connection process exits after the client
	c1=$(cpu_ns "$1")
	awk -v ns=$((c1 - c0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }' >>"$T/c-$1"
	awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

: >"$T/t-rec"
: >"$T/t-plain"
: >"$T/t-spool"
: >"$T/c-rec"
: >"$T/c-plain"
: >"$T/c-spool"
for _ in $(seq "$BENCH_RUNS"); do
	for h in plain spool rec; do
		v=$(once "$h") && echo "$v" >>"$T/t-$h"
	done
	rm -rf "$T/spool-only" # the spool-only server's spool would only grow
done
tp=$(median <"$T/t-plain")
ts=$(median <"$T/t-spool")
tr=$(median <"$T/t-rec")
[ -n "$tp" ] && [ -n "$ts" ] && [ -n "$tr" ] || die "a run failed: $(tail -n 3 "$T"/*.log)"
spool_bytes=$(du -sb "$T/spool" | awk '{ print $1 }')
sink_bytes=$(du -sb "$T/sink" 2>/dev/null | awk '{ print $1 }')
echo "pty bulk through meshsshd, $BENCH_MIB MiB of text, median of $BENCH_RUNS (runs alternate):"
echo "| session | MiB/s | ratio |"
echo "| --- | --- | --- |"
echo "| unrecorded (RecordSessions no, anchor) | $(awk -v m="$BENCH_MIB" -v s="$tp" 'BEGIN { printf "%.1f", m / s }') | 1.00 |"
echo "| recorded, spool only (no shipper running) | $(awk -v m="$BENCH_MIB" -v s="$ts" 'BEGIN { printf "%.1f", m / s }') | $(awk -v a="$tp" -v b="$ts" 'BEGIN { printf "%.2f", a / b }') |"
echo "| recorded, shipper delivering to a file sink | $(awk -v m="$BENCH_MIB" -v s="$tr" 'BEGIN { printf "%.1f", m / s }') | $(awk -v a="$tp" -v b="$tr" 'BEGIN { printf "%.2f", a / b }') |"
cp=$(median <"$T/c-plain")
cs=$(median <"$T/c-spool")
cr=$(median <"$T/c-rec")
if [ "$CGS" != "" ]; then
	echo "server CPU seconds per session (cpuacct, median):"
	echo "| session | CPU s | × unrecorded | recorder's CPU per MiB |"
	echo "| --- | --- | --- | --- |"
	echo "| unrecorded (anchor) | $cp | 1.00 | |"
	echo "| recorded, spool only | $cs | $(awk -v a="$cs" -v b="$cp" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$cs" -v b="$cp" -v m="$BENCH_MIB" 'BEGIN { printf "%.1f ms", (a - b) / m * 1000 }') |"
	echo "| recorded, with the shipper's CPU | $cr | $(awk -v a="$cr" -v b="$cp" 'BEGIN { printf "%.2f", a / b }') | $(awk -v a="$cr" -v b="$cp" -v m="$BENCH_MIB" 'BEGIN { printf "%.1f ms", (a - b) / m * 1000 }') |"
fi
echo "recording on disk after $BENCH_RUNS sessions: spool $spool_bytes bytes (not yet shipped), file sink ${sink_bytes:-0} bytes"
# A bench whose sessions were not recorded measures nothing: say so loudly.
[ $(((${sink_bytes:-0} + spool_bytes) / 1048576)) -ge $((BENCH_RUNS * BENCH_MIB)) ] ||
	echo "bench_recorder_sshd: WARNING: less on disk than the sessions' output: they were not (all) recorded" >&2
echo "  = $(awk -v a="$sink_bytes" -v b="$spool_bytes" -v n="$BENCH_RUNS" -v m="$BENCH_MIB" 'BEGIN { printf "%.2f", (a + b) / (n * m * 1048576) }') bytes per byte of output"
echo "# seconds per run: unrecorded $(tr '\n' ' ' <"$T/t-plain")| spool only $(tr '\n' ' ' <"$T/t-spool")| shipper $(tr '\n' ' ' <"$T/t-rec")"
echo "# server CPU s per run: unrecorded $(tr '\n' ' ' <"$T/c-plain")| spool only $(tr '\n' ' ' <"$T/c-spool")| shipper $(tr '\n' ' ' <"$T/c-rec")"
echo "# CPU pressure now: $(head -n 1 /proc/pressure/cpu 2>/dev/null || echo unknown)"
