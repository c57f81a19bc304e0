#!/bin/bash
# meshd configured only from a signed netmap: two namespaces, peers and mesh
# addresses taken from the netmap, ping over IPv4 and IPv6, a netmap with a
# bad signature changes nothing, and a SIGHUP reload removes a dropped node.
. "$(dirname "$0")/meshd_lib.sh"
MESHCTL=${top_builddir:-$(pwd)}/ctl/meshctl
[ "$(id -u)" = 0 ] || cannot_run "needs root (network namespaces)"
[ -c /dev/net/tun ] || cannot_run "no /dev/net/tun"
for tool in ip wg ping; do
	command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed"
done
[ -x "$MESHD" ] && [ -x "$MESHCTL" ] || cannot_run "meshd/meshctl not built"
netns_pair

(umask 077 && "$MESHCTL" keygen >"$TMP/a.key" && "$MESHCTL" keygen >"$TMP/b.key")
"$MESHCTL" signing-key new --out "$TMP/signing.key" >"$TMP/trusted-keys"
nm=$TMP/netmap.json
"$MESHCTL" netmap init "$nm" --domain example.com >/dev/null
"$MESHCTL" netmap add-node "$nm" na --key "$("$MESHCTL" pubkey <"$TMP/a.key")" \
	--addr 100.64.0.7 --addr fd7a:115c:a1e0::7 --tag tag:test --endpoint 192.0.2.1:41641 >/dev/null
"$MESHCTL" netmap add-node "$nm" nb --key "$("$MESHCTL" pubkey <"$TMP/b.key")" \
	--addr 100.64.0.1 --addr fd7a:115c:a1e0::1 --tag tag:test --endpoint 192.0.2.2:41641 >/dev/null
"$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null
ok $? "a signed netmap with two nodes"

IA=mna$sfx
IB=mnb$sfx
for n in a b; do
	ifn=$IA ns=$NA
	[ $n = b ] && { ifn=$IB ns=$NB; }
	cat >"$TMP/$n.conf" <<EOC
Interface $ifn
PrivateKeyFile $TMP/$n.key
ListenPort 41641
NetmapFile $nm
NetmapStateFile $TMP/$n.serial
TrustedKeysFile $TMP/trusted-keys
NodeName n$n
EOC
	spawn ip netns exec "$ns" "$MESHD" -D -f "$TMP/$n.conf" 2>>"$TMP/meshd.log"
	eval "pid_$n=$last_pid"
	wait_uapi "$ifn"
done
ok $? "both meshd start from the netmap"

for i in $(seq 1 50); do
	ip -n "$NA" addr show dev "$IA" 2>/dev/null | grep -q 100.64.0.7/10 && break
	sleep 0.1
done
ip -n "$NA" addr show dev "$IA" | grep -q "inet 100.64.0.7/10"
ok $? "own v4 mesh address from the netmap, /10"
ip -n "$NA" addr show dev "$IA" | grep -q "inet6 fd7a:115c:a1e0::7/48"
ok $? "own v6 mesh address from the netmap, /48"
wg show "$IA" allowed-ips | grep -q "100.64.0.1/32 fd7a:115c:a1e0::1/128"
ok $? "the other node is a peer with its mesh addresses as allowed IPs"
wg show "$IA" endpoints | grep -q "192.0.2.2:41641"
ok $? "the peer's endpoint is its first netmap endpoint"
pings "$NA" 100.64.0.1 3
ok $? "ping over the mesh, IPv4"
pings "$NB" fd7a:115c:a1e0::7 3
ok $? "ping over the mesh, IPv6"

# a netmap whose signature does not verify changes nothing
cp "$nm" "$TMP/good.json"
"$MESHCTL" netmap remove-node "$nm" nb >/dev/null 2>&1 ||
	sed -i 's/"serial": *\([0-9]*\)/"serial": 99\1/' "$nm"
kill -HUP "$pid_a"
sleep 0.5
[ "$(wg show "$IA" peers | wc -l)" = 1 ] && pings "$NA" 100.64.0.1 2
ok $? "an unsigned change is refused; the peer stays"
grep -q "netmap not applied" "$TMP/meshd.log"
ok $? "the refusal is logged"

# a signed netmap without nb: SIGHUP removes the peer
cp "$TMP/good.json" "$nm"
"$MESHCTL" netmap remove-node "$nm" nb >/dev/null &&
	"$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null
kill -HUP "$pid_a"
sleep 0.5
[ -z "$(wg show "$IA" peers)" ]
ok $? "SIGHUP with nb removed from the netmap removes the peer"

finish
