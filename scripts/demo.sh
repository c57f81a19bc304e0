#!/bin/sh
# The embedded default: a small tailnet signed, verified and asked who may
# log in where.  Runs from a build directory (argument 1), as any user, and
# leaves nothing behind.
set -eu
build=$(cd "${1:-.}" && pwd)
meshctl="$build/ctl/meshctl"
work=$(mktemp -d "${TMPDIR:-/tmp}/meshssh-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

say() { printf '\n== %s\n' "$*"; }

say "A signing key for the netmap (the coordination side keeps it; servers trust its public half)"
"$meshctl" signing-key new --out signing.key >trusted-keys
cat trusted-keys

say "Four nodes: two laptops owned by people, two tagged servers"
"$meshctl" netmap init netmap.json --domain example.com
for n in alice-laptop:alice@example.com:100.64.0.1 bob-laptop:bob@example.com:100.64.0.2; do
	name=${n%%:*}; rest=${n#*:}; owner=${rest%%:*}; addr=${rest#*:}
	"$meshctl" netmap add-node netmap.json "$name" --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
		--addr "$addr" --owner "$owner"
done
"$meshctl" netmap add-node netmap.json web-1 --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
	--addr 100.64.0.10 --addr fd7a:115c:a1e0::10 --tag tag:web
"$meshctl" netmap add-node netmap.json db-1 --key "$("$meshctl" keygen | "$meshctl" pubkey)" \
	--addr 100.64.0.20 --tag tag:prod
"$meshctl" netmap sign --key signing.key netmap.json
"$meshctl" netmap verify --trusted trusted-keys --state serial.state netmap.json

say "Tampering is caught: one byte changed after signing"
sed 's/100.64.0.20/100.64.0.21/' netmap.json >tampered.json
cp netmap.json.sig tampered.json.sig
"$meshctl" netmap verify --trusted trusted-keys tampered.json || echo "(refused, as it must be)"

say "Whois: the tunnel says who sent a packet from 100.64.0.1"
"$meshctl" whois --netmap netmap.json --trusted trusted-keys 100.64.0.1

say "The policy (Tailscale syntax, unchanged)"
cat >policy.hujson <<'POLICY'
{
	"groups": {"group:admins": ["alice@example.com"]},
	"tagOwners": {"tag:web": ["group:admins"], "tag:prod": ["group:admins"]},
	"ssh": [
		// everyone may log in to web servers as their own local user
		{"action": "accept", "src": ["autogroup:member"], "dst": ["tag:web"],
		 "users": ["localpart:*@example.com"]},
		// admins reach production, after re-proving who they are to the IdP
		{"action": "check", "src": ["group:admins"], "dst": ["tag:prod"],
		 "users": ["autogroup:nonroot", "root"], "checkPeriod": "12h"},
	],
	"sshTests": [
		{"src": "alice@example.com", "dst": ["tag:web"], "accept": ["alice"], "deny": ["root", "bob"]},
		{"src": "bob@example.com", "dst": ["tag:prod"], "deny": ["bob", "root"]},
		{"src": "alice@example.com", "dst": ["tag:prod"], "check": ["root"]},
	],
}
POLICY
sed -n '1,200p' policy.hujson
"$meshctl" policy check --policy policy.hujson
"$meshctl" policy test --policy policy.hujson

say "Who may log in where"
for src in alice-laptop bob-laptop; do
	for dst in web-1 db-1; do
		for user in alice bob root; do
			printf '%-13s -> %-6s as %-6s ' "$src" "$dst" "$user"
			"$meshctl" explain --netmap netmap.json --policy policy.hujson \
				"$src" "$dst" "$user" 2>&1 | head -n 1 || true
		done
	done
done
