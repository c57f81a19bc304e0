#!/bin/sh
# meshctl's netmap workflow end to end: signing key, authoring, signing,
# verification and its refusals (tamper, untrusted signer, rollback, unsafe
# key files), whois, and known-hosts output that ssh-keygen -F reads.
# Exit codes: 0 ok, 1 failed check, 2 usage.
set -u
meshctl=$top_builddir/ctl/meshctl
dir=$(mktemp -d "${TMPDIR:-/tmp}/meshctl-netmap.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
cd "$dir" || exit 1
n=0
fail=0
check() { # check NAME STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		[ -s err ] && sed 's/^/#   /' err
		fail=1
	fi
}
run() { # run WANT-EXIT ARGS...: meshctl with stdout in out, stderr in err
	want=$1
	shift
	"$meshctl" "$@" >out 2>err
	got=$?
	[ "$got" -eq "$want" ] || {
		echo "#   meshctl $*: exit $got, want $want"
		return 1
	}
}
one_line() { [ "$(wc -l <err)" -eq 1 ] && grep -q "$1" err; }

run 0 signing-key new --out signing.key && grep -q '^ed25519 [A-Za-z0-9+/]\{43\}=$' out
check "signing-key new prints a trusted-keys line" $?
cp out trusted-keys
chmod 644 trusted-keys
[ "$(stat -c %a signing.key)" = 600 ]
check "signing key is mode 0600" $?
run 1 signing-key new --out signing.key && one_line "exists"
check "signing-key new keeps an existing key" $?
run 0 signing-key public signing.key && cmp -s out trusted-keys
check "signing-key public prints the same line" $?

run 0 netmap init netmap.json --domain mesh.example.com
check "netmap init" $?
ssh-keygen -q -t ed25519 -N '' -C root@web-1 -f hostkey >/dev/null 2>&1
k1=$("$meshctl" keygen | "$meshctl" pubkey)
k2=$("$meshctl" keygen | "$meshctl" pubkey)
run 0 netmap add-node netmap.json web-1 --key "$k1" --addr 100.64.0.1 \
	--addr fd7a:115c:a1e0::1 --tag tag:prod --endpoint 192.0.2.1:41641 --host-key hostkey.pub
check "add-node tagged with a host key" $?
run 0 netmap add-node netmap.json alice-laptop --key "$k2" --addr 100.64.0.2 \
	--owner alice@example.com && grep -q "created user alice@example.com" out
check "add-node --owner creates the missing user" $?
run 0 netmap add-user netmap.json bob@example.com --id idp-1002 --name "Bob" --group eng
check "add-user" $?
grep -q '"serial": 4' netmap.json
check "every edit raised the serial (1 -> 4)" $?

cp netmap.json before.json
run 1 netmap add-node netmap.json db-1 --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
	--addr 100.64.0.1 --tag tag:db && one_line 'duplicate address (already used by nodes\[0\] "web-1")'
check "duplicate address refused with one line" $?
run 1 netmap add-node netmap.json db-1 --key "$k1" --addr 100.64.0.9 --tag tag:db &&
	one_line "duplicate WireGuard key"
check "duplicate key refused" $?
run 1 netmap add-node netmap.json Db_1 --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
	--addr 100.64.0.9 --tag tag:db && one_line "not a valid node name"
check "invalid node name refused" $?
run 1 netmap add-node netmap.json db-1 --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
	--addr 100.64.0.9 --tag tag:db --owner bob@example.com && one_line "owner or tags, not both"
check "owner and tags refused" $?
run 1 netmap add-user netmap.json bob@example.com && one_line "already exists"
check "duplicate user refused" $?
cmp -s before.json netmap.json
check "refused edits left the file unchanged" $?
run 2 netmap add-node netmap.json db-1 --addr 100.64.0.9 --tag tag:db
check "add-node without --key is a usage error (exit 2)" $?
run 2 netmap frobnicate
check "unknown command is a usage error (exit 2)" $?

run 0 netmap sign --key signing.key netmap.json && [ -s netmap.json.sig ]
check "netmap sign writes netmap.json.sig" $?
run 0 netmap verify --trusted trusted-keys netmap.json &&
	grep -q "ok: serial 4, 2 nodes, 2 users" out
check "netmap verify accepts it" $?

run 0 whois --netmap netmap.json --trusted trusted-keys 100.64.0.2 &&
	grep -q "^node: alice-laptop$" out && grep -q "^owner: alice@example.com$" out
check "whois v4 names the node and owner" $?
run 0 whois --netmap netmap.json --trusted trusted-keys fd7a:115c:a1e0::1 &&
	grep -q "^node: web-1$" out && grep -q "^tags: tag:prod$" out
check "whois v6 names the tagged node" $?
run 1 whois --netmap netmap.json --trusted trusted-keys 100.64.0.77 && one_line "no node"
check "whois of an unknown address fails" $?
run 2 whois --netmap netmap.json --trusted trusted-keys not-an-address
check "whois of a non-address is a usage error" $?

run 0 known-hosts --netmap netmap.json --trusted trusted-keys web-1 &&
	grep -q "^web-1,web-1.mesh.example.com,100.64.0.1,fd7a:115c:a1e0::1 $(cut -d' ' -f1,2 hostkey.pub)$" out
check "known-hosts prints names and addresses with the host key" $?
cp out known_hosts
for h in web-1 web-1.mesh.example.com 100.64.0.1 fd7a:115c:a1e0::1; do
	ssh-keygen -F "$h" -f known_hosts >/dev/null 2>&1
	check "ssh-keygen -F $h finds the key in known-hosts output" $?
done
run 0 known-hosts --netmap netmap.json --trusted trusted-keys WEB-1.mesh.example.com &&
	cmp -s out known_hosts
check "known-hosts by FQDN in another case" $?
run 1 known-hosts --netmap netmap.json --trusted trusted-keys db-9
check "known-hosts for an unknown host fails" $?

# refusals of verification
sed 's/100.64.0.2/100.64.0.3/' netmap.json >tampered.json
cp netmap.json.sig tampered.json.sig
run 1 netmap verify --trusted trusted-keys tampered.json && one_line "bad signature"
check "tampered netmap refused" $?
"$meshctl" signing-key new --out other.key >/dev/null 2>&1
run 0 netmap sign --key other.key --out other.sig netmap.json
check "sign with another key to another file" $?
run 1 netmap verify --trusted trusted-keys --sig other.sig netmap.json &&
	one_line "signed by an untrusted key"
check "untrusted signer refused" $?
echo 99 >state
run 1 netmap verify --trusted trusted-keys --state state netmap.json &&
	one_line "netmap serial 4 is lower than the last accepted 99 (rollback)"
check "rollback refused against the state file" $?
chmod 664 trusted-keys
run 1 netmap verify --trusted trusted-keys netmap.json && one_line "group- or world-writable"
check "group-writable trusted-keys refused" $?
chmod 644 trusted-keys
chmod 644 signing.key
run 1 netmap sign --key signing.key netmap.json && one_line "want 0600"
check "signing key readable by others refused" $?
chmod 600 signing.key
printf '{"version":1,"serial":9,"expires":0,"nodes":[]}\n' >old.json
run 1 netmap sign --key signing.key old.json && one_line "expired"
check "an expired netmap is not signed" $?

run 0 netmap remove-node netmap.json alice-laptop &&
	run 0 netmap sign --key signing.key netmap.json &&
	run 0 netmap verify --trusted trusted-keys netmap.json && grep -q "serial 5, 1 nodes" out
check "remove-node, sign, verify" $?
run 1 netmap remove-node netmap.json alice-laptop && one_line "no node named"
check "removing a missing node fails" $?

echo "1..$n"
exit $fail
