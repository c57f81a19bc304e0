#!/bin/bash
# Tunnel benchmark in one run: TCP throughput (iperf3, 5 s) and ping latency
# across meshd<->meshd, wireguard-go<->wireguard-go and the bare veth between
# two network namespaces; CPU seconds of the tunnel processes per Gbit moved.
# Ratios are against wireguard-go (the anchor) and the bare veth.
#   bench/bench_wg.sh [BUILDDIR]   (root; needs iperf3, wireguard-go, wg)
top_builddir=$(cd "${1:-build}" && pwd)
. "$(dirname "$0")/../tests/integration/meshd_lib.sh"
require
command -v iperf3 >/dev/null || cannot_run "iperf3 not installed"
netns_pair
SECS=5
genkey a >/dev/null
genkey b >/dev/null
PA=$(wg pubkey <"$TMP/a.key")
PB=$(wg pubkey <"$TMP/b.key")

cpu_ticks() { # utime+stime of the given PIDs' processes (clock ticks)
	local t=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
	done
	echo $t
}

measure() { # measure NAME DST_ADDR PIDS...: prints "NAME gbit ping_ms cpu_s_per_gbit"
	local name=$1 dst=$2
	shift 2
	local srv c0 c1 gbit lat hz
	hz=$(getconf CLK_TCK)
	ip netns exec "$NB" iperf3 -s -1 -B "$dst" >/dev/null 2>&1 &
	srv=$!
	sleep 0.5
	c0=$(cpu_ticks "$@")
	gbit=$(ip netns exec "$NA" iperf3 -c "$dst" -t $SECS -J 2>/dev/null |
		"$PY" -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
	c1=$(cpu_ticks "$@")
	wait $srv
	lat=$(ip netns exec "$NA" ping -q -n -c 20 -i 0.05 "$dst" | awk -F/ '/rtt/ {print $5}')
	echo "$name $gbit $lat $(awk -v c=$((c1 - c0)) -v hz="$hz" -v g="$gbit" -v s=$SECS \
		'BEGIN { if (g > 0 && c > 0) printf "%.2f", (c / hz) / (g * s); else print "-" }')"
}

results=$(mktemp)
measure veth 192.0.2.2 >>"$results"

# meshd <-> meshd (UDP GSO/GRO and TUN TSO where the kernel has them)
start_meshd "$NA" ma$sfx a 10.98.0.1/24
pa=$(pgrep -f "meshd -D -f $TMP/ma$sfx.conf" | head -1)
start_meshd "$NB" mb$sfx b 10.98.0.2/24
pb=$(pgrep -f "meshd -D -f $TMP/mb$sfx.conf" | head -1)
wg set ma$sfx peer "$PB" allowed-ips 10.98.0.2/32 endpoint 192.0.2.2:51820
wg set mb$sfx peer "$PA" allowed-ips 10.98.0.1/32 endpoint 192.0.2.1:51820
ip netns exec "$NA" ping -q -c 2 10.98.0.2 >/dev/null
measure meshd 10.98.0.2 $pa $pb >>"$results"

# meshd <-> meshd without offloads (the same build, Offload no)
MESHD_EXTRA_CONF="Offload no"
start_meshd "$NA" na$sfx a 10.96.0.1/24 51822
na=$(pgrep -f "meshd -D -f $TMP/na$sfx.conf" | head -1)
start_meshd "$NB" nb$sfx b 10.96.0.2/24 51822
nb=$(pgrep -f "meshd -D -f $TMP/nb$sfx.conf" | head -1)
unset MESHD_EXTRA_CONF
wg set na$sfx peer "$PB" allowed-ips 10.96.0.2/32 endpoint 192.0.2.2:51822
wg set nb$sfx peer "$PA" allowed-ips 10.96.0.1/32 endpoint 192.0.2.1:51822
ip netns exec "$NA" ping -q -c 2 10.96.0.2 >/dev/null
measure meshd-no-offload 10.96.0.2 $na $nb >>"$results"

# wireguard-go <-> wireguard-go
start_wggo "$NA" ga$sfx a 10.97.0.1/24 51821
ga=$(pgrep -f "wireguard-go -f ga$sfx" | head -1)
start_wggo "$NB" gb$sfx b 10.97.0.2/24 51821
gb=$(pgrep -f "wireguard-go -f gb$sfx" | head -1)
wg set ga$sfx peer "$PB" allowed-ips 10.97.0.2/32 endpoint 192.0.2.2:51821
wg set gb$sfx peer "$PA" allowed-ips 10.97.0.1/32 endpoint 192.0.2.1:51821
ip netns exec "$NA" ping -q -c 2 10.97.0.2 >/dev/null
measure wireguard-go 10.97.0.2 $ga $gb >>"$results"

awk 'NR == FNR { g[$1] = $2; next } { r[FNR] = $0 }
END {
	printf "%-16s %10s %10s %14s %10s %10s\n", "path", "Gbit/s", "ping ms", "CPU s/Gbit", "x wg-go", "x veth"
	for (i = 1; i in r; i++) {
		split(r[i], f, " ")
		printf "%-16s %10s %10s %14s %10.2f %10.3f\n", f[1], f[2], f[3], f[4],
		    g["wireguard-go"] ? f[2] / g["wireguard-go"] : 0, g["veth"] ? f[2] / g["veth"] : 0
	}
}' "$results" "$results"
rm -f "$results"
