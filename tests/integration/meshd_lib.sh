# Shared by meshd's integration tests (sourced): TAP helpers, preconditions,
# two network namespaces joined by a veth pair, and a TCP transfer checker.
# Every name carries a per-run suffix; cleanup kills what was started by PID.

MESHD=${top_builddir:-$(pwd)}/mesh/meshd
PY=/usr/bin/python3
t_n=0
t_fail=0
t_pids=""
sfx=$(printf '%04x%02x' $(($$ % 65536)) $((RANDOM % 256)))

ok() { # ok COND_STATUS NAME
	t_n=$((t_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_n - $2"
	else
		echo "not ok $t_n - $2"
		t_fail=$((t_fail + 1))
	fi
}

# cannot_run REASON: skip outside CI, fail under CI
. "$(dirname "${BASH_SOURCE[0]:-$0}")/tap_lib.sh"

require() {
	[ "$(id -u)" = 0 ] || cannot_run "needs root (network namespaces)"
	[ -c /dev/net/tun ] || cannot_run "no /dev/net/tun"
	for tool in ip wg wireguard-go ping "$PY"; do
		command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed"
	done
	[ -x "$MESHD" ] || cannot_run "meshd not built at $MESHD"
}

spawn() { # spawn CMD... : run in background, remember PID
	"$@" &
	t_pids="$t_pids $!"
	last_pid=$!
}

cleanup() {
	local p
	for p in $t_pids; do kill "$p" 2>/dev/null; done
	for p in $t_pids; do wait "$p" 2>/dev/null; done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# netns_pair: namespaces $NA/$NB, veth 192.0.2.1 <-> 192.0.2.2
netns_pair() {
	NA=mda$sfx
	NB=mdb$sfx
	TMP=$(mktemp -d)
	trap cleanup EXIT
	ip netns add "$NA" && ip netns add "$NB" || cannot_run "ip netns add failed"
	ip link add va$sfx type veth peer name vb$sfx || cannot_run "veth failed"
	ip link set va$sfx netns "$NA"
	ip link set vb$sfx netns "$NB"
	ip -n "$NA" addr add 192.0.2.1/24 dev va$sfx
	ip -n "$NB" addr add 192.0.2.2/24 dev vb$sfx
	for ns in "$NA" "$NB"; do ip -n "$ns" link set lo up; done
	ip -n "$NA" link set va$sfx up
	ip -n "$NB" link set vb$sfx up
}

genkey() { # genkey NAME: $TMP/NAME.key (0600) and its public key on stdout
	(umask 077 && wg genkey >"$TMP/$1.key")
	wg pubkey <"$TMP/$1.key"
}

# start_meshd NS IFNAME KEYNAME ADDRESS/PREFIX [PORT]
start_meshd() {
	cat >"$TMP/$2.conf" <<EOC
Interface $2
PrivateKeyFile $TMP/$3.key
ListenPort ${5:-51820}
Address $4
${MESHD_EXTRA_CONF:-}
EOC
	spawn ip netns exec "$1" "$MESHD" -D -f "$TMP/$2.conf" 2>>"$TMP/meshd.log"
	wait_uapi "$2"
}

# start_wggo NS IFNAME KEYNAME ADDRESS/PREFIX [PORT]
start_wggo() {
	spawn ip netns exec "$1" wireguard-go -f "$2" >/dev/null 2>&1
	wait_uapi "$2"
	wg set "$2" private-key "$TMP/$3.key" listen-port "${5:-51820}"
	ip -n "$1" addr add "$4" dev "$2"
	ip -n "$1" link set "$2" up
}

wait_uapi() {
	local i
	for i in $(seq 1 100); do
		[ -S "/var/run/wireguard/$1.sock" ] && wg show "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# tcp_transfer FROM_NS TO_NS TO_ADDR BYTES: 0 if the sha256 on both sides match
tcp_transfer() {
	local port=$((20000 + RANDOM % 20000))
	head -c "$4" /dev/urandom >"$TMP/payload"
	ip netns exec "$2" "$PY" -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256()
while True:
    b = c.recv(65536)
    if not b: break
    h.update(b)
open(sys.argv[3], "w").write(h.hexdigest())
' "$3" "$port" "$TMP/received.sha" &
	local srv=$!
	t_pids="$t_pids $srv"
	sleep 0.3
	ip netns exec "$1" "$PY" -c '
import socket, sys, time
for i in range(50):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30); break
    except OSError: time.sleep(0.1)
c.sendall(open(sys.argv[3], "rb").read()); c.close()
' "$3" "$port" "$TMP/payload"
	wait $srv
	[ "$(sha256sum <"$TMP/payload" | cut -d' ' -f1)" = "$(cat "$TMP/received.sha" 2>/dev/null)" ]
}

# rx_packets NS IFNAME: packets meshd delivered into the kernel through TUN
rx_packets() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

pings() { # pings NS ADDR COUNT [ping args]: 0 if all answered
	local ns=$1 addr=$2 count=$3
	shift 3
	ip netns exec "$ns" ping -q -n -c "$count" -i 0.2 -W 2 "$@" "$addr" >/dev/null 2>&1
}

finish() {
	echo "1..$t_n"
	[ "$t_fail" -eq 0 ] || sed 's/^/# meshd: /' "$TMP/meshd.log" 2>/dev/null | tail -n 20
	[ "$t_fail" -eq 0 ]
}
