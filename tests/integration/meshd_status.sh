#!/bin/bash
# meshctl status and ping against two meshd in two namespaces, configured
# from a signed netmap and carrying bulk TCP both ways (UDP GSO/GRO): status
# names the peer from the netmap and shows its
# address, endpoint, handshake and bytes as the UAPI reports them; ping
# reaches a node by name or mesh address over IPv4 and IPv6; an unknown
# node, a node that does not answer, a missing meshd and an unverifiable
# netmap each give a clear one-line error and a failing exit status.
. "$(dirname "$0")/meshd_lib.sh"
MESHCTL=${top_builddir:-$(pwd)}/ctl/meshctl
[ "$(id -u)" = 0 ] || cannot_run "needs root (network namespaces)"
[ -c /dev/net/tun ] || cannot_run "no /dev/net/tun"
for tool in ip wg ping; do
	command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed"
done
[ -x "$MESHD" ] && [ -x "$MESHCTL" ] || cannot_run "meshd/meshctl not built"
netns_pair

(umask 077 && for n in a b c x; do "$MESHCTL" keygen >"$TMP/$n.key"; done)
for n in a b c x; do eval "pub_$n=\$(\"\$MESHCTL\" pubkey <\"\$TMP/\$n.key\")"; done
"$MESHCTL" signing-key new --out "$TMP/signing.key" >"$TMP/trusted-keys"
nm=$TMP/netmap.json
"$MESHCTL" netmap init "$nm" --domain example.com >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" na --key "$pub_a" --addr 100.64.0.7 \
		--addr fd7a:115c:a1e0::7 --tag tag:test --endpoint 192.0.2.1:41641 >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" nb --key "$pub_b" --addr 100.64.0.1 \
		--addr fd7a:115c:a1e0::1 --tag tag:test --endpoint 192.0.2.2:41641 >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" nc --key "$pub_c" --addr 100.64.0.3 --tag tag:test \
		--endpoint 192.0.2.3:41641 >/dev/null &&
	"$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null
ok $? "a signed netmap with na, nb and nc (nc never comes up)"

IA=msa$sfx
IB=msb$sfx
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
	wait_uapi "$ifn" || break
done
ok $? "both meshd start from the netmap"
for i in $(seq 1 50); do pings "$NA" 100.64.0.1 1 && break; done
ok $? "a and b reach each other"
# bulk both ways between two meshd: UDP GSO runs out, GRO-coalesced messages in
tcp_transfer "$NA" "$NB" 100.64.0.1 $((16 * 1024 * 1024))
ok $? "TCP 16 MiB a -> b between two meshd, sha256 matches"
tcp_transfer "$NB" "$NA" 100.64.0.7 $((16 * 1024 * 1024))
ok $? "TCP 16 MiB b -> a between two meshd, sha256 matches"

mc() { # mc ARGS...: meshctl in a's namespace with the test netmap; sets out, rc
	out=$(ip netns exec "$NA" "$MESHCTL" "$@" 2>&1)
	rc=$?
}
opts="--netmap $nm --trusted $TMP/trusted-keys"

mc status --interface "$IA" $opts
[ $rc = 0 ]
ok $? "meshctl status exits 0"
printf '%s\n' "$out" | head -n 1 | grep -q "interface $IA: node na, key $pub_a, port 41641, 2 peers"
ok $? "the header names this node from the netmap, with its key, port and peer count"
line_b=$(printf '%s\n' "$out" | grep '^nb ')
printf '%s\n' "$line_b" | grep -Eq '^nb +100\.64\.0\.1 +192\.0\.2\.2:41641 +[0-9]+s ago +[0-9.]+ [KM]?i?B +[0-9.]+ [KM]?i?B$'
ok $? "nb: mesh address, endpoint, a recent handshake and bytes"
printf '%s\n' "$line_b" | grep -Eq ' 0 B '
[ $? -ne 0 ]
ok $? "nb's received bytes are not zero after the pings"
printf '%s\n' "$out" | grep -Eq '^nc +100\.64\.0\.3 +192\.0\.2\.3:41641 +never '
ok $? "nc: never a handshake"
wg show "$IA" transfer | grep -q "^$pub_b	[1-9][0-9]*	[1-9][0-9]*$"
ok $? "wg show agrees that bytes moved to and from nb"

# a peer added by hand, not in the netmap, is shown by its key
wg set "$IA" peer "$pub_x" allowed-ips 100.64.0.50/32
mc status --interface "$IA" $opts
printf '%s\n' "$out" | grep -q "^$pub_x "
ok $? "a peer unknown to the netmap is shown by its key"
wg set "$IA" peer "$pub_x" remove

mc status --interface nosuch$sfx $opts
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
	printf '%s\n' "$out" | grep -q "nosuch$sfx.sock: .*is meshd running"
ok $? "status without a running meshd: exit 1 and one line naming the socket"

mc ping $opts nb
[ $rc = 0 ] && printf '%s\n' "$out" | grep -q "^pong from nb (100.64.0.1): seq=1 time=" &&
	printf '%s\n' "$out" | grep -q "^3 sent, 3 received, rtt min/avg/max = "
ok $? "meshctl ping nb: three replies over IPv4 with their round-trip times"
mc ping $opts --count 2 fd7a:115c:a1e0::1
[ $rc = 0 ] && printf '%s\n' "$out" | grep -q "^pong from nb (fd7a:115c:a1e0::1): seq=2" &&
	printf '%s\n' "$out" | grep -q "^2 sent, 2 received"
ok $? "meshctl ping by mesh address over IPv6 names the node"
mc ping $opts nosuchnode
[ $rc = 1 ] && [ "$out" = "meshctl: ping: nosuchnode: no such node in $nm" ]
ok $? "ping an unknown node: exit 1 and one clear line"
mc ping $opts 100.64.0.99
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "100.64.0.99: no node has this address"
ok $? "ping an address no node has: exit 1"
mc ping $opts --count 1 nc
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "^1 sent, 0 received$"
ok $? "ping a node that does not answer: exit 1, 0 received"

sed 's/100\.64\.0\.1"/100.64.0.9"/' "$nm" >"$TMP/tampered.json"
cp "$nm.sig" "$TMP/tampered.json.sig"
mc ping --netmap "$TMP/tampered.json" --trusted "$TMP/trusted-keys" nb
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "signature"
ok $? "ping refuses a netmap whose signature does not verify"
mc status --interface "$IA" --netmap "$TMP/tampered.json" --trusted "$TMP/trusted-keys"
[ $rc = 0 ] && printf '%s\n' "$out" | grep -q "^$pub_b " && ! printf '%s\n' "$out" | grep -q '^nb '
ok $? "status with an unverifiable netmap shows peers by key, never by a name from it"

finish
