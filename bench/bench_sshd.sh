#!/bin/bash
# bench_sshd: meshsshd against OpenSSH's sshd, side by side in one run.
#
# Both servers run in one fresh network namespace and are reached over its
# loopback device, which carries the mesh addresses (100.64.0.1 for the
# server, 100.64.0.7 for the client node "laptop"): no tunnel in the way, so
# the numbers are the servers'.  Same host key (Ed25519), same machine, same
# client (the stock OpenSSH ssh); sshd authenticates a public key, meshsshd
# the mesh identity with "none"; each negotiates its default key exchange.
#
#   set-up      `ssh host true`, hyperfine median of 30 runs (3 warm-ups)
#   bulk        BENCH_MIB MiB (default 512) up (stdin to `cat >/dev/null`) and
#               down (`head -c` to the client), chacha20-poly1305 (the
#               default) and aes128-gcm; median of 3, the servers taking
#               turns; MB/s = 10^6 bytes/s
#   sessions    BENCH_SESSIONS (default 200) concurrent idle exec sessions;
#               how many started, and the server's memory per session: the
#               summed VmRSS (and PSS) of every server process except the
#               listener, divided by the number of sessions
#
# Prints a markdown table with ratios meshsshd/sshd; a column that cannot be
# measured (meshsshd not built yet) reads "n/a".  Needs root.  Use a build
# configured without --enable-sanitizers: an ASan binary is flagged.
#
#   bench/bench_sshd.sh [BUILDDIR]      (default: ./build, or $top_builddir)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
top_builddir=$(cd "${1:-${top_builddir:-$top_srcdir/build}}" && pwd) || exit 1
export top_srcdir top_builddir
# shellcheck source=../tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"

BENCH_MIB=${BENCH_MIB:-512}
BENCH_SESSIONS=${BENCH_SESSIONS:-200}
BENCH_SETUP_RUNS=30
BENCH_BULK_RUNS=3
BENCH_BATCH=20 # sessions started at once, then waited for
SSHD_PORT=2222
MESH_PORT=22

die() {
	echo "bench_sshd: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (network namespace)"
for tool in ip ssh ssh-keygen hyperfine nsenter wg; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
have_mesh=1
[ -x "$E2E_MESHSSHD" ] && [ -x "$E2E_MESHCTL" ] || have_mesh=0

# ---------------------------------------------------------------- set-up

E2E_ID=$(printf 'b%x%02x' $$ $((RANDOM % 256)))
E2E_NS_S=bench-$E2E_ID
E2E_NS_C=""
E2E_USER=bnu$E2E_ID
E2E_OTHER=bno$E2E_ID
E2E_WG_S=lo
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM
E2E_TMP=$(mktemp -d "/tmp/meshssh-bench-$E2E_ID.XXXXXX") || die "mktemp failed"
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
E2E_SERVER=openssh
e2e_setup_keys || die "key set-up failed: $(tail -n 3 "$T/setup.log")"
if [ "$have_mesh" = 1 ]; then
	e2e_setup_netmap || die "netmap set-up failed: $(tail -n 3 "$T/setup.log")"
fi

# Both servers share one mount namespace (the /etc overlay with the bench
# accounts, the per-run login records), held by an anchor process.
binds="mount -t overlay e2e-etc -o lowerdir=/etc,upperdir='$T/etc-up',workdir='$T/etc-work' /etc &&"
binds="$binds mount --bind '$T/utmp' /run/utmp && mount --bind '$T/wtmp' /var/log/wtmp &&"
binds="$binds mount --bind '$T/lastlog' /var/log/lastlog"
[ -e /run/utmp ] || install -m 664 -g utmp /dev/null /run/utmp
ip netns exec "$E2E_NS_S" sh -c "$binds && exec sleep 86400" >>"$T/setup.log" 2>&1 &
anchor=$!
e2e_track "$anchor"
e2e_wait_for nsenter -t "$anchor" -m grep -q "^$E2E_USER:" /etc/passwd || die "mount namespace set-up failed"

# (Background jobs call nsenter directly, so that $! is the process itself.)
in_ns() { # run in the bench namespace (network and mounts)
	nsenter -t "$anchor" -m -n "$@"
}

E2E_SSH_PORT=$SSHD_PORT
e2e_write_sshd_config
sed -i 's/^LogLevel .*/LogLevel INFO/' "$T/sshd_config"
echo "MaxStartups 400:30:500" >>"$T/sshd_config"
mkdir -p /run/sshd
nsenter -t "$anchor" -m -n /usr/sbin/sshd -D -e -f "$T/sshd_config" >"$T/sshd.log" 2>&1 &
sshd_pid=$!
e2e_track "$sshd_pid"
e2e_wait_for e2e_listening "$E2E_NS_S" "$SSHD_PORT" || die "sshd did not start: $(tail -n 3 "$T/sshd.log")"

mesh_pid=""
if [ "$have_mesh" = 1 ]; then
	E2E_SSH_PORT=$MESH_PORT
	E2E_MESHSSHD_EXTRA_CONF="MaxStartups 400:30:500"
	e2e_write_meshsshd_config
	sed -i 's/^LogLevel .*/LogLevel INFO/' "$T/meshsshd.conf"
	nsenter -t "$anchor" -m -n "$E2E_MESHSSHD" -f "$T/meshsshd.conf" -D >"$T/meshsshd.log" 2>&1 &
	mesh_pid=$!
	e2e_track "$mesh_pid"
	if ! e2e_wait_for e2e_listening "$E2E_NS_S" "$MESH_PORT"; then
		echo "bench_sshd: meshsshd did not start: $(tail -n 3 "$T/meshsshd.log")" >&2
		have_mesh=0
	fi
fi

cat >"$T/bench_config" <<EOF
Host sshd mesh
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
  ControlMaster no
  ControlPath none
  Compression no
Host sshd
  Port $SSHD_PORT
  IdentityFile $T/id_ed25519
Host mesh
  Port $MESH_PORT
  PubkeyAuthentication no
EOF
SSH="ssh -F $T/bench_config"

# ---------------------------------------------------------------- measurements

declare -A R # R[metric,server] = value

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

measure_setup() { # both servers in one hyperfine run
	local cmds=("$SSH sshd true") names=(sshd) i
	[ "$have_mesh" = 1 ] && cmds+=("$SSH mesh true") && names+=(mesh)
	in_ns hyperfine -N --style none --warmup 3 --runs "$BENCH_SETUP_RUNS" \
		--export-json "$T/setup.json" "${cmds[@]}" >"$T/hyperfine.log" 2>&1 ||
		{
			echo "bench_sshd: hyperfine failed: $(tail -n 3 "$T/hyperfine.log")" >&2
			return
		}
	for i in "${!names[@]}"; do
		R[setup,${names[$i]}]=$("$E2E_PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][int(sys.argv[2])]
print("%.1f" % (r["median"] * 1000))' "$T/setup.json" "$i")
	done
	for i in "${!names[@]}"; do
		R[kex,${names[$i]}]=$(in_ns $SSH -v "${names[$i]}" true 2>&1 | tr -d '\r' | sed -n 's/^debug1: kex: algorithm: //p' | head -n 1)
	done
}

bulk_once() { # bulk_once HOST CIPHER up|down: prints MB/s
	local host=$1 cipher=$2 dir=$3 t0 t1 rc
	t0=$(date +%s%N)
	if [ "$dir" = up ]; then
		head -c "${BENCH_MIB}M" /dev/zero | in_ns $SSH -c "$cipher" "$host" 'cat > /dev/null'
		rc=$?
	else
		in_ns $SSH -c "$cipher" "$host" "head -c ${BENCH_MIB}M /dev/zero" | cat >/dev/null
		rc=${PIPESTATUS[0]}
	fi
	t1=$(date +%s%N)
	[ "$rc" -eq 0 ] || return 1
	awk -v b=$((BENCH_MIB * 1048576)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f\n", b / (ns / 1e9) / 1e6 }'
}

measure_bulk() { # alternate the servers run by run: load from elsewhere hits both alike
	local cipher tag dir i v server servers=sshd
	[ "$have_mesh" = 1 ] && servers="sshd mesh"
	for cipher in chacha20-poly1305@openssh.com aes128-gcm@openssh.com; do
		tag=${cipher%%-*}
		for dir in up down; do
			for server in $servers; do : >"$T/bulk-$server"; done
			for i in $(seq "$BENCH_BULK_RUNS"); do
				for server in $servers; do
					v=$(bulk_once "$server" "$cipher" "$dir") && echo "$v" >>"$T/bulk-$server"
				done
			done
			for server in $servers; do
				[ -s "$T/bulk-$server" ] && R[$dir-$tag,$server]=$(median <"$T/bulk-$server")
			done
		done
	done
}

server_pids() { # server_pids LISTENER_PID EXE: every process of EXE but the listener
	local p
	for p in $(ip netns pids "$E2E_NS_S"); do
		[ "$p" = "$1" ] && continue
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$2" ] && echo "$p"
	done
}

measure_sessions() { # measure_sessions SERVER HOST LISTENER_PID EXE
	local server=$1 host=$2 listener=$3 exe=$4 i b pids="" up rss pss p
	mkdir -p "$T/sess-$server"
	for ((i = 1; i <= BENCH_SESSIONS; i++)); do
		# shellcheck disable=SC2086
		nsenter -t "$anchor" -m -n $SSH "$host" 'echo up; exec sleep 86400' >"$T/sess-$server/$i" 2>&1 &
		pids="$pids $!"
		if [ $((i % BENCH_BATCH)) -eq 0 ] || [ "$i" -eq "$BENCH_SESSIONS" ]; then
			for ((b = i - (i - 1) % BENCH_BATCH; b <= i; b++)); do
				e2e_wait_for grep -q '^up$' "$T/sess-$server/$b"
			done
		fi
	done
	up=$(grep -lx up "$T/sess-$server"/* 2>/dev/null | wc -l)
	R[sessions,$server]="$up/$BENCH_SESSIONS"
	rss=0
	pss=0
	for p in $(server_pids "$listener" "$exe"); do
		rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
		pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
	done
	R[procs,$server]=$(server_pids "$listener" "$exe" | wc -l)
	# Where it goes: the listener's children (sshd's monitors, meshsshd's
	# connection processes) and the rest (sshd's unprivileged children,
	# meshsshd's sessions' own processes), mean VmRSS / Pss in KiB.
	for p in $(server_pids "$listener" "$exe"); do
		printf '%s %s %s\n' "$([ "$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)" = "$listener" ] && echo child || echo grandchild)" \
			"$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)" \
			"$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)"
		[ -n "${BENCH_SMAPS_DIR:-}" ] && cp "/proc/$p/smaps" "$BENCH_SMAPS_DIR/$server.$p.smaps" 2>/dev/null
	done | awk -v s="$server" '{ n[$1]++; r[$1] += $2; q[$1] += $3 }
		END { for (k in n) printf "bench_sshd: %s %s processes: %d, mean RSS %.0f KiB, PSS %.0f KiB\n", s, k, n[k], r[k] / n[k], q[k] / n[k] }' >&2
	if [ "$up" -gt 0 ]; then
		R[rss,$server]=$(awk -v k="$rss" -v n="$up" 'BEGIN { printf "%.2f", k / n / 1024 }')
		R[pss,$server]=$(awk -v k="$pss" -v n="$up" 'BEGIN { printf "%.2f", k / n / 1024 }')
	fi
	# shellcheck disable=SC2086
	e2e_kill $pids
	# The sessions' sleeps outlive their clients; end them before the next run.
	for p in $(ip netns pids "$E2E_NS_S"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] &&
			[ "$(awk '/^Uid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$E2E_UID" ] &&
			kill -KILL "$p" 2>/dev/null
	done
	for ((i = 0; i < 300; i++)); do
		[ -z "$(server_pids "$listener" "$exe")" ] && break
		sleep 0.1
	done
}

# BENCH_ONLY=sessions: the memory measurement alone (a quick look)
if [ "${BENCH_ONLY:-}" != sessions ]; then
	measure_setup
	measure_bulk
fi
measure_sessions sshd sshd "$sshd_pid" /usr/sbin/sshd
[ "$have_mesh" = 1 ] && measure_sessions mesh mesh "$mesh_pid" "$(readlink -f "$E2E_MESHSSHD")"

# ---------------------------------------------------------------- report

ratio() { # ratio A B: A/B with two decimals, or n/a
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
		if (a == "" || b == "" || a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a";
		else printf "%.2f\n", a / b }'
}

row() { # row LABEL METRIC [noratio]
	local s=${R[$2,sshd]:-n/a} m=${R[$2,mesh]:-n/a} r
	if [ "${3:-}" = noratio ]; then r="—"; else r=$(ratio "$m" "$s"); fi
	echo "| $1 | $s | $m | $r |"
}

asan=""
if [ "$have_mesh" = 1 ] && ldd "$E2E_MESHSSHD" 2>/dev/null | grep -q libasan; then
	asan=" **(meshsshd built with ASan: not representative)**"
fi
echo "bench_sshd: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, loopback in one network namespace,"
echo "bench_sshd: OpenSSH $(ssh -V 2>&1 | cut -d, -f1), meshsshd: $([ "$have_mesh" = 1 ] && echo "$E2E_MESHSSHD" || echo "not available")$asan"
echo
echo "| measure | sshd | meshsshd | meshsshd/sshd |"
echo "| --- | ---: | ---: | ---: |"
row "set-up + \`true\`, median of $BENCH_SETUP_RUNS (ms)" setup
row "key exchange negotiated" kex noratio
row "upload ${BENCH_MIB} MiB, chacha20-poly1305 (MB/s)" up-chacha20
row "download ${BENCH_MIB} MiB, chacha20-poly1305 (MB/s)" down-chacha20
row "upload ${BENCH_MIB} MiB, aes128-gcm (MB/s)" up-aes128
row "download ${BENCH_MIB} MiB, aes128-gcm (MB/s)" down-aes128
row "$BENCH_SESSIONS concurrent idle sessions started" sessions noratio
row "server processes for them" procs noratio
row "server RSS per idle session (MiB)" rss
row "server PSS per idle session (MiB)" pss
