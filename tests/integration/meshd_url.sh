#!/bin/bash
# meshd with NetmapURL: an HTTPS server on loopback inside node a's namespace
# (python3 http.server + ssl, a throwaway CA made here by openssl) serves the
# signed netmap.  First fetch applied and cached; refreshes are conditional
# and answered 304; a new signed netmap adding a node, changing a node's mesh
# address (peer allowed IPs on a, own address on b) and removing a node is
# applied; a tampered one and an unreachable server change nothing; the
# serial survives a restart, so an older signed netmap is refused after it.
. "$(dirname "$0")/meshd_lib.sh"
MESHCTL=${top_builddir:-$(pwd)}/ctl/meshctl
HTTPS_PY=${top_srcdir:-$(dirname "$0")/../..}/tests/integration/meshd_https.py
[ "$(id -u)" = 0 ] || cannot_run "needs root (network namespaces)"
[ -c /dev/net/tun ] || cannot_run "no /dev/net/tun"
for tool in ip wg ping openssl "$PY"; do
	command -v "$tool" >/dev/null 2>&1 || cannot_run "$tool not installed"
done
[ -x "$MESHD" ] && [ -x "$MESHCTL" ] || cannot_run "meshd/meshctl not built"
[ -r "$HTTPS_PY" ] || cannot_run "missing $HTTPS_PY"
netns_pair

WAIT_STEPS=200 # polls of 0.1 s before a wait gives up (a hang guard, not a timing assertion)
wait_until() { # wait_until CMD...: 0 once CMD succeeds
	local i
	for i in $(seq 1 $WAIT_STEPS); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# --- keys, CA and server certificate
(umask 077 && for n in a b c; do "$MESHCTL" keygen >"$TMP/$n.key"; done)
for n in a b c; do eval "pub_$n=\$(\"\$MESHCTL\" pubkey <\"\$TMP/\$n.key\")"; done
"$MESHCTL" signing-key new --out "$TMP/signing.key" >"$TMP/trusted-keys"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=meshd test CA $sfx" -keyout "$TMP/ca.key" -out "$TMP/ca.pem" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=127.0.0.1" -keyout "$TMP/srv.key" -out "$TMP/srv.csr" &&
		printf 'subjectAltName=IP:127.0.0.1\n' >"$TMP/san.ext" &&
		openssl x509 -req -in "$TMP/srv.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
			-CAcreateserial -days 1 -extfile "$TMP/san.ext" -out "$TMP/srv.pem"
} >"$TMP/openssl.log" 2>&1
ok $? "a throwaway CA and a server certificate for 127.0.0.1"

# --- netmaps: serial 1..N, each edit signed
nm=$TMP/work.json
sign() { "$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null; }
publish() { # publish: the work netmap becomes the served one (signature first)
	cp "$nm.sig" "$TMP/www/netmap.json.sig.tmp" && cp "$nm" "$TMP/www/netmap.json.tmp" &&
		mv "$TMP/www/netmap.json.sig.tmp" "$TMP/www/netmap.json.sig" &&
		mv "$TMP/www/netmap.json.tmp" "$TMP/www/netmap.json"
}
mkdir -p "$TMP/www" "$TMP/srvstate" "$TMP/state"
"$MESHCTL" netmap init "$nm" --domain example.com >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" na --key "$pub_a" --addr 100.64.0.7 \
		--addr fd7a:115c:a1e0::7 --tag tag:test --endpoint 192.0.2.1:41641 >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" nb --key "$pub_b" --addr 100.64.0.1 \
		--addr fd7a:115c:a1e0::1 --tag tag:test --endpoint 192.0.2.2:41641 >/dev/null &&
	sign && publish && cp "$nm" "$TMP/b.json" && cp "$nm.sig" "$TMP/b.json.sig"
ok $? "a signed netmap with nodes na and nb is published"
serial() { sed -n 's/^ *"serial": *\([0-9]*\).*/\1/p' "$1"; }

port=$((20000 + RANDOM % 20000))
spawn ip netns exec "$NA" "$PY" "$HTTPS_PY" 127.0.0.1 "$port" "$TMP/www" "$TMP/srv.pem" \
	"$TMP/srv.key" "$TMP/srvstate" 2>"$TMP/https.log"
srv_pid=$last_pid
wait_until test -s "$TMP/srvstate/counts"
ok $? "the HTTPS netmap server runs in a's namespace"
count() { sed -n "s/^$1 //p" "$TMP/srvstate/counts"; }

IA=mua$sfx
IB=mub$sfx
cat >"$TMP/a.conf" <<EOC
Interface $IA
PrivateKeyFile $TMP/a.key
ListenPort 41641
NetmapURL https://127.0.0.1:$port/netmap.json
NetmapCAFile $TMP/ca.pem
NetmapRefresh 1
NetmapCache $TMP/state/netmap.json
NetmapStateFile $TMP/state/netmap.serial
TrustedKeysFile $TMP/trusted-keys
NodeName na
LogLevel DEBUG
EOC
cat >"$TMP/b.conf" <<EOC
Interface $IB
PrivateKeyFile $TMP/b.key
ListenPort 41641
NetmapFile $TMP/b.json
NetmapStateFile $TMP/b.serial
TrustedKeysFile $TMP/trusted-keys
NodeName nb
EOC

# A plain-HTTP URL is a configuration error, reported on one line.
sed "s|^NetmapURL https|NetmapURL http|" "$TMP/a.conf" >"$TMP/bad.conf"
out=$(ip netns exec "$NA" "$MESHD" -D -f "$TMP/bad.conf" 2>&1)
[ $? -ne 0 ] && [ "$(printf '%s\n' "$out" | grep -c 'not an https:// URL')" = 1 ]
ok $? "NetmapURL http://... is refused with one line"

start_a() {
	spawn ip netns exec "$NA" "$MESHD" -D -f "$TMP/a.conf" 2>>"$TMP/meshd.log"
	pid_a=$last_pid
	wait_uapi "$IA"
}
start_a
spawn ip netns exec "$NB" "$MESHD" -D -f "$TMP/b.conf" 2>>"$TMP/meshd-b.log"
pid_b=$last_pid
wait_uapi "$IB"
ok $? "meshd a (NetmapURL) and b (NetmapFile) start"

has_peer() { wg show "$IA" peers | grep -qx "$1"; }
allowed_is() { wg show "$IA" allowed-ips | grep -q "^$1	$2\$"; }
wait_until has_peer "$pub_b"
ok $? "the first fetch makes nb a peer of a"
allowed_is "$pub_b" "100.64.0.1/32 fd7a:115c:a1e0::1/128"
ok $? "nb's mesh addresses are its allowed IPs"
wait_until pings "$NA" 100.64.0.1 1
ok $? "ping a -> b over the mesh"
cmp -s "$TMP/state/netmap.json" "$TMP/www/netmap.json" &&
	cmp -s "$TMP/state/netmap.json.sig" "$TMP/www/netmap.json.sig"
ok $? "the verified netmap and signature are cached at NetmapCache"
[ "$(cat "$TMP/state/netmap.serial")" = "$(serial "$nm")" ]
ok $? "the accepted serial is recorded in NetmapStateFile"

not_modified_at_least() { [ "$(count not_modified)" -ge "$1" ]; }
wait_until not_modified_at_least 2
ok $? "refreshes send If-None-Match and get 304 Not Modified"
[ "$(grep -c 'netmap serial .* applied' "$TMP/meshd.log")" = 1 ]
ok $? "an unchanged netmap is not applied again"

# --- a new node
"$MESHCTL" netmap add-node "$nm" nc --key "$pub_c" --addr 100.64.0.3 --tag tag:test \
	--endpoint 192.0.2.3:41641 >/dev/null && sign && publish
wait_until has_peer "$pub_c"
ok $? "a new signed netmap adding nc: nc becomes a peer"
allowed_is "$pub_c" "100.64.0.3/32"
ok $? "nc's allowed IP is its mesh address"

# --- nb's mesh address changes: a updates nb's allowed IPs, b its own address
"$MESHCTL" netmap remove-node "$nm" nb >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" nb --key "$pub_b" --addr 100.64.0.2 \
		--addr fd7a:115c:a1e0::2 --tag tag:test --endpoint 192.0.2.2:41641 >/dev/null &&
	sign && publish && cp "$nm" "$TMP/b.json" && cp "$nm.sig" "$TMP/b.json.sig" &&
	kill -HUP "$pid_b"
wait_until allowed_is "$pub_b" "100.64.0.2/32 fd7a:115c:a1e0::2/128"
ok $? "nb's new mesh address replaces its allowed IPs on a"
wait_until sh -c "ip -n $NB addr show dev $IB | grep -q 'inet 100.64.0.2/10'"
ok $? "b takes its new own v4 address from the netmap"
ip -n "$NB" addr show dev "$IB" | grep -q "fd7a:115c:a1e0::2/48" &&
	! ip -n "$NB" addr show dev "$IB" | grep -q "fd7a:115c:a1e0::1/48"
ok $? "b's own v6 address is replaced, the old one removed"
wait_until pings "$NA" 100.64.0.2 1 && pings "$NA" fd7a:115c:a1e0::2 1
ok $? "ping a -> b at its new addresses"
! pings "$NA" 100.64.0.1 1 -W 1
ok $? "b's old address is no longer routed to b"

# --- a node removed
"$MESHCTL" netmap remove-node "$nm" nc >/dev/null && sign && publish
good_serial=$(serial "$nm")
cp "$nm" "$TMP/good.json"
cp "$nm.sig" "$TMP/good.json.sig"
wait_until sh -c "! wg show $IA peers | grep -qx '$pub_c'"
ok $? "a new signed netmap without nc removes the peer"

# --- tampered: a document that does not match its signature changes nothing
before=$(grep -c "netmap not applied" "$TMP/meshd.log")
sed 's/100\.64\.0\.2"/100.64.0.9"/' "$TMP/good.json" >"$TMP/www/netmap.json.tmp" &&
	mv "$TMP/www/netmap.json.tmp" "$TMP/www/netmap.json"
refusals_above() { [ "$(grep -c "netmap not applied" "$TMP/meshd.log")" -gt "$1" ]; }
wait_until refusals_above "$before"
ok $? "a tampered netmap is refused"
grep "netmap not applied" "$TMP/meshd.log" | tail -n 1 | grep -q "signature"
ok $? "the refusal names the signature"
nreq=$(count requests)
requests_above() { [ "$(count requests)" -ge "$1" ]; }
wait_until requests_above $((nreq + 4)) # two more refreshes (document + signature each)
[ "$(grep -c "netmap not applied" "$TMP/meshd.log")" = $((before + 1)) ]
ok $? "the same refused netmap served again is logged once"
allowed_is "$pub_b" "100.64.0.2/32 fd7a:115c:a1e0::2/128" && pings "$NA" 100.64.0.2 1
ok $? "after the tampered netmap the old peers and addresses stay in force"
[ "$(cat "$TMP/state/netmap.serial")" = "$good_serial" ] &&
	cmp -s "$TMP/state/netmap.json" "$TMP/good.json"
ok $? "the tampered netmap reaches neither the state file nor the cache"

# --- restart: the serial survives, an older signed netmap is a rollback
kill "$pid_a"
wait "$pid_a" 2>/dev/null
cp "$TMP/b.json" "$TMP/www/netmap.json.tmp" # signed, but an older serial than the cache
cp "$TMP/b.json.sig" "$TMP/www/netmap.json.sig"
mv "$TMP/www/netmap.json.tmp" "$TMP/www/netmap.json"
# b.json is the address-change netmap: nc existed then, but its serial is lower.
# First without the cache: only the state file knows the serial.
mv "$TMP/state/netmap.json" "$TMP/cache.json"
mv "$TMP/state/netmap.json.sig" "$TMP/cache.json.sig"
: >"$TMP/meshd.log"
start_a
wait_until grep -q "rollback" "$TMP/meshd.log"
ok $? "after a restart without a cache an older signed netmap is refused as a rollback"
[ -z "$(wg show "$IA" peers)" ]
ok $? "and nothing of it is applied"
kill "$pid_a"
wait "$pid_a" 2>/dev/null
mv "$TMP/cache.json" "$TMP/state/netmap.json"
mv "$TMP/cache.json.sig" "$TMP/state/netmap.json.sig"
: >"$TMP/meshd.log"
start_a
wait_until grep -q "rollback" "$TMP/meshd.log"
ok $? "restarted with its cache, the older netmap is refused again"
wait_until has_peer "$pub_b" && allowed_is "$pub_b" "100.64.0.2/32 fd7a:115c:a1e0::2/128" &&
	! has_peer "$pub_c"
ok $? "the restarted meshd runs the cached netmap, not the older one"
wait_until pings "$NA" 100.64.0.2 1
ok $? "ping a -> b after the restart"

# --- the server goes away: a logged fetch error, nothing changes
kill "$srv_pid"
wait "$srv_pid" 2>/dev/null
wait_until grep -q "netmap not fetched" "$TMP/meshd.log"
ok $? "an unreachable netmap server is logged"
has_peer "$pub_b" && pings "$NA" 100.64.0.2 1
ok $? "and the mesh keeps working"

finish
