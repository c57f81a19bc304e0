#!/bin/bash
# The live demo: two hosts (network namespaces) on a mesh carried by meshd,
# the project's own WireGuard tunnel, and a login with the stock OpenSSH
# client to meshsshd on web-1 — no key copied, no password.  Then a login the
# policy refuses, with the reason the client is shown.  Needs root; leaves
# nothing behind (namespaces, processes and files are removed at exit).
#
#   scripts/demo-mesh.sh BUILD_DIR
set -u
build=$(cd "${1:-.}" && pwd)
meshctl=$build/ctl/meshctl
meshd=$build/mesh/meshd
meshsshd=$build/sshd/meshsshd
id=$$
ns_l=demo-laptop-$id
ns_w=demo-web1-$id
pids=""
work=$(mktemp -d "/tmp/meshssh-demo-mesh.XXXXXX")
chmod 755 "$work"

cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	ip netns del "$ns_l" 2>/dev/null
	ip netns del "$ns_w" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
wait_for() { # wait_for SECONDS CMD...
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

[ "$(id -u)" -eq 0 ] || die "the live mesh demo needs root (network namespaces)"
for b in "$meshctl" "$meshd" "$meshsshd"; do [ -x "$b" ] || die "$b is not built"; done
cd "$work"

say "Two hosts: a laptop (alice's) and a server, web-1, joined by a plain Ethernet link"
ip netns add "$ns_l" && ip netns add "$ns_w" || die "cannot create network namespaces"
ip link add "dl$id" netns "$ns_l" type veth peer name "dw$id" netns "$ns_w" || die "veth failed"
ip -n "$ns_l" addr add 192.0.2.1/24 dev "dl$id"
ip -n "$ns_w" addr add 192.0.2.2/24 dev "dw$id"
for ns in "$ns_l" "$ns_w"; do ip -n "$ns" link set lo up; done
ip -n "$ns_l" link set "dl$id" up
ip -n "$ns_w" link set "dw$id" up
echo "laptop 192.0.2.1  <->  web-1 192.0.2.2"

say "The coordination side: a signing key and a signed netmap with both nodes"
"$meshctl" signing-key new --out signing.key >trusted-keys
"$meshctl" keygen >laptop.key && "$meshctl" keygen >web1.key
chmod 600 laptop.key web1.key
"$meshctl" netmap init netmap.json --domain example.com >/dev/null
"$meshctl" netmap add-node netmap.json laptop --key "$("$meshctl" pubkey <laptop.key)" \
	--addr 100.64.0.7 --addr fd7a:115c:a1e0::7 --owner alice@example.com \
	--endpoint 192.0.2.1:41641
# web-1's SSH host key is published in the netmap: clients check it without TOFU
ssh-keygen -q -t ed25519 -N '' -C web-1 -f ssh_host_ed25519_key
"$meshctl" netmap add-node netmap.json web-1 --key "$("$meshctl" pubkey <web1.key)" \
	--addr 100.64.0.1 --addr fd7a:115c:a1e0::1 --tag tag:server --endpoint 192.0.2.2:41641 \
	--host-key ssh_host_ed25519_key.pub
"$meshctl" netmap sign --key signing.key netmap.json

cat >policy.hujson <<'POLICY'
{
	"tagOwners": {"tag:server": ["alice@example.com"]},
	"ssh": [
		// people log in to servers as their own local user; never as root
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:server"],
		 "users": ["localpart:*@example.com"], "acceptEnv": ["LC_*"]},
	],
}
POLICY
"$meshctl" policy check --policy policy.hujson

say "meshd, the bundled WireGuard tunnel, on both hosts, configured from the netmap"
for node in laptop web-1; do
	ns=$ns_l; key=laptop.key; addr=100.64.0.7; ifn=mdl$id
	[ "$node" = web-1 ] && { ns=$ns_w; key=web1.key; addr=100.64.0.1; ifn=mdw$id; }
	cat >"meshd-$node.conf" <<CONF
Interface $ifn
PrivateKeyFile $work/$key
ListenPort 41641
NetmapFile $work/netmap.json
TrustedKeysFile $work/trusted-keys
NodeName $node
CONF
	# a private /var/lib: the serial state and the hosts file stay inside the demo
	ip netns exec "$ns" sh -c 'mount -t tmpfs demo-state /var/lib && exec "$@"' meshd \
		"$meshd" -D -f "meshd-$node.conf" >"meshd-$node.log" 2>&1 &
	pids="$pids $!"
done
wait_for 10 ip -n "$ns_l" addr show dev "mdl$id" >/dev/null || die "meshd did not come up: $(tail -3 meshd-laptop.log)"
wait_for 10 ip -n "$ns_w" addr show dev "mdw$id" >/dev/null || die "meshd did not come up: $(tail -3 meshd-web-1.log)"
ip -n "$ns_w" -br addr show dev "mdw$id"
wait_for 15 ip netns exec "$ns_l" ping -c1 -W1 100.64.0.1 >/dev/null ||
	die "no ping over the mesh: $(tail -3 meshd-laptop.log)"
ip netns exec "$ns_l" ping -c 3 -i 0.2 100.64.0.1 | tail -n 2

say "web-1 has a local account 'alice' (seen only inside the demo) and runs meshsshd on its mesh address"
mkdir -p etc-up etc-work home root/etc
cp -p /etc/passwd /etc/group /etc/shadow /etc/gshadow root/etc/
# '*', not the locked '!': a locked account cannot log in through sshd either
useradd --prefix "$work/root" -M -d "$work/home/alice" -s /bin/bash -p '*' alice || die "useradd failed"
cp -p root/etc/passwd root/etc/group root/etc/shadow root/etc/gshadow etc-up/
uid=$(awk -F: '$1 == "alice" { print $3 ":" $4 }' etc-up/passwd)
mkdir -p home/alice && cp -r /etc/skel/. home/alice/ && chown -R "$uid" home/alice
echo "Welcome to web-1 (a meshssh demo host)" >etc-up/motd
cat >meshsshd.conf <<CONF
ListenAddress 100.64.0.1
ListenAddress fd7a:115c:a1e0::1
Port 22
Interface mdw$id
HostKey $work/ssh_host_ed25519_key
NetmapFile $work/netmap.json
TrustedKeysFile $work/trusted-keys
PolicyFile $work/policy.hujson
NodeName web-1
PidFile $work/meshsshd.pid
RecordSessions yes
RecordingSpool $work/spool
RecordingShipper $build/recorder/meshssh-shipper
RecordingSink file:$work/recordings
AuditSink file:$work/audit
CONF
ip netns exec "$ns_w" sh -c "mount -t overlay demo-etc -o lowerdir=/etc,upperdir='$work/etc-up',workdir='$work/etc-work' /etc && mount -t tmpfs demo-state /var/lib && mkdir -m 755 /var/lib/meshssh && exec \"\$@\"" \
	meshsshd "$meshsshd" -D -f meshsshd.conf >meshsshd.log 2>&1 &
pids="$pids $!"
wait_for 10 ip netns exec "$ns_w" sh -c 'ss -Hltn "sport = :22" | grep -q .' ||
	die "meshsshd did not start: $(tail -3 meshsshd.log)"
echo "meshsshd listening on 100.64.0.1:22 and [fd7a:115c:a1e0::1]:22 (mdw$id only)"

say "On the laptop: ssh alice@web-1 with the stock OpenSSH client (host key from the netmap, no TOFU)"
cat >ssh_config <<CONF
Host web-1
	HostName 100.64.0.1
	KnownHostsCommand $meshctl known-hosts --netmap $work/netmap.json --trusted $work/trusted-keys %H
	StrictHostKeyChecking yes
	UserKnownHostsFile /dev/null
	LogLevel INFO
CONF
echo '$ ssh alice@web-1 '"'"'id; echo "mesh login: $MESH_LOGIN from node $MESH_NODE"; echo "SSH_CONNECTION=$SSH_CONNECTION"'"'"
ip netns exec "$ns_l" ssh -F ssh_config alice@web-1 \
	'id; echo "mesh login: $MESH_LOGIN from node $MESH_NODE"; echo "SSH_CONNECTION=$SSH_CONNECTION"' ||
	die "login failed: $(tail -5 meshsshd.log)"

say "A login the policy does not grant: root on web-1"
echo '$ ssh root@web-1 true'
ip netns exec "$ns_l" ssh -F ssh_config root@web-1 true
echo "(ssh exited $?)"

say "web-1 recorded alice's session (asciicast v2) and audited every decision; the shipper delivered both"
wait_for 10 sh -c "'$meshctl' recordings list --source file:$work/recordings 2>/dev/null | grep -q alice" ||
	die "no recording arrived: $(tail -3 meshsshd.log)"
echo "$ meshctl recordings list --source file:recordings"
"$meshctl" recordings list --source "file:$work/recordings" | sed 's/^/  /'
rec=$("$meshctl" recordings list --source "file:$work/recordings" | awk '/alice/ { print $1; exit }')
echo "$ meshctl recordings export --source file:recordings -o session.cast $rec; asciinema cat session.cast"
"$meshctl" recordings export --source "file:$work/recordings" -o "$work/session.cast" "$rec" &&
	script -qec "asciinema cat '$work/session.cast'" /dev/null </dev/null | tr -d '\r' | sed 's/^/  /'
echo "audit events (type, with the rule for policy decisions):"
cat "$work"/audit/* 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        e = json.loads(line)
    except ValueError:
        continue
    print("  %-20s %s" % (e.get("type"), e.get("reason") or e.get("rule") or e.get("sshUser") or ""))
'

say "What web-1 logged"
grep -E "Accepted|Refused|not a mesh node" meshsshd.log | sed 's/^/  /'
say "Done: everything the demo started is being stopped and removed."
