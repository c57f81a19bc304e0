#!/bin/bash
# The mesh hosts file from meshd: meshd applies a signed netmap and writes
# the hosts file (lib/hostsdb.h, root 0644, temp+rename) into the userdb
# directory (MESH_USERDB_DIR, a test build); getent through the real glibc
# with libnss_mesh.so.2 resolves the node names, with the netmap's domain;
# a SIGHUP with a node added publishes it, a netmap with a bad signature
# changes nothing.
. "$(dirname "$0")/meshd_lib.sh"
MESHCTL=${top_builddir:-$(pwd)}/ctl/meshctl
MODULE=${top_builddir:-$(pwd)}/nsswitch/.libs/libnss_mesh.so
require
[ -x "$MESHCTL" ] && [ -f "$MODULE" ] || cannot_run "meshctl or libnss_mesh not built"
grep -q 'define MESH_TEST_BUILD 1' "${top_builddir:-.}/config.h" || cannot_run "needs --enable-test-build"
unshare -m true 2>/dev/null || cannot_run "unshare -m not permitted here"
netns_pair

db=$TMP/db
mkdir -m 755 "$db" "$TMP/lib"
chmod 755 "$TMP"
ln -s "$MODULE" "$TMP/lib/libnss_mesh.so.2"
printf 'passwd: files\ngroup: files\nhosts: files mesh\n' >"$TMP/nsswitch.conf"
# ns CMD...: CMD with hosts: files mesh and the built module
ns() {
	unshare -m -- sh -c 'mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"' sh \
		"$TMP/nsswitch.conf" env MESH_USERDB_DIR="$db" LD_LIBRARY_PATH="$TMP/lib" "$@" 2>/dev/null
}

genkey a >"$TMP/a.pub"
nm=$TMP/netmap.json
"$MESHCTL" signing-key new --out "$TMP/signing.key" >"$TMP/trusted-keys"
"$MESHCTL" netmap init "$nm" --domain mesh.example >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" "na$sfx" --key "$(cat "$TMP/a.pub")" \
		--addr 100.64.0.7 --addr fd7a:115c:a1e0::7 --tag tag:test >/dev/null &&
	"$MESHCTL" netmap add-node "$nm" "nb$sfx" --key "$(wg genkey | wg pubkey)" \
		--addr 100.64.0.1 --addr fd7a:115c:a1e0::1 --tag tag:test --endpoint 192.0.2.2:41641 >/dev/null &&
	"$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null
ok $? "a signed netmap with two nodes and a domain"

IA=mha$sfx
cat >"$TMP/a.conf" <<EOC
Interface $IA
PrivateKeyFile $TMP/a.key
ListenPort 41641
NetmapFile $nm
TrustedKeysFile $TMP/trusted-keys
NodeName na$sfx
EOC
spawn ip netns exec "$NA" env MESH_USERDB_DIR="$db" "$MESHD" -D -f "$TMP/a.conf" 2>>"$TMP/meshd.log"
pid_a=$last_pid
for i in $(seq 1 100); do
	[ -s "$db/hosts" ] && break
	sleep 0.1
done
test -s "$db/hosts"
ok $? "meshd wrote the hosts file when it applied the netmap"
test "$(stat -c '%u %a' "$db/hosts")" = "0 644"
ok $? "hosts file: root, 0644"
grep -qx "100.64.0.1 nb$sfx nb$sfx.mesh.example" "$db/hosts"
ok $? "a line per address, with the domain name"
ns getent ahostsv4 "nb$sfx" | grep -q '^100\.64\.0\.1 '
ok $? "getent ahostsv4 nb (through glibc and libnss_mesh)"
ns getent ahostsv6 "NB$sfx.mesh.example." | grep -q '^fd7a:115c:a1e0::1 '
ok $? "getent ahostsv6 of the FQDN, any case, trailing dot"
ns getent hosts 100.64.0.7 | grep -q "na$sfx"
ok $? "reverse lookup"
! ns getent ahostsv4 "nc$sfx" >/dev/null
ok $? "a node not yet in the netmap does not resolve"

# a node added: SIGHUP publishes it
ino=$(stat -c %i "$db/hosts")
"$MESHCTL" netmap add-node "$nm" "nc$sfx" --key "$(wg genkey | wg pubkey)" --addr 100.64.0.9 --tag tag:test >/dev/null &&
	"$MESHCTL" netmap sign --key "$TMP/signing.key" "$nm" >/dev/null
kill -HUP "$pid_a"
for i in $(seq 1 100); do
	grep -q "nc$sfx" "$db/hosts" 2>/dev/null && break
	sleep 0.1
done
ns getent ahostsv4 "nc$sfx" | grep -q '^100\.64\.0\.9 '
ok $? "after SIGHUP the new node resolves"
test "$(stat -c %i "$db/hosts")" != "$ino"
ok $? "the file was replaced (rename), not rewritten in place"

# a netmap with a bad signature: nothing changes
cp "$db/hosts" "$TMP/hosts.before"
"$MESHCTL" netmap add-node "$nm" "nd$sfx" --key "$(wg genkey | wg pubkey)" --addr 100.64.0.10 --tag tag:test >/dev/null
kill -HUP "$pid_a"
for i in $(seq 1 50); do
	grep -q "not applied" "$TMP/meshd.log" && break
	sleep 0.1
done
cmp -s "$db/hosts" "$TMP/hosts.before"
ok $? "an unsigned netmap leaves the hosts file as it was"
! ns getent ahostsv4 "nd$sfx" >/dev/null
ok $? "its new node does not resolve"

echo "1..$t_n"
[ "$t_fail" -eq 0 ]
