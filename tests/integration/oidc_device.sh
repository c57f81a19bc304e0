#!/bin/sh
# The SSO check against a real OpenID provider (glewlwyd on loopback, TLS):
# lib/oidc discovers it, runs the device authorization grant, the test
# completes the person's side through glewlwyd's HTTP API like a browser,
# and the probe verifies the ID token and matches it with the node owner.
# Cases: discovery (with and without the CA bundle), success, wrong person,
# device code expired, IdP silent (bounded by OIDCTimeout) and refusing,
# check cached within checkPeriod and asked again after it, audit events.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-.}
PROBE="$builddir/tests/integration/oidc_probe"
# shellcheck source=tests/integration/oidc_lib.sh
. "$srcdir/tests/integration/oidc_lib.sh"

# shellcheck source=tests/integration/tap_lib.sh
. "$srcdir/tests/integration/tap_lib.sh"

why=$(idp_have) || cannot_run "$why"
[ -x "$PROBE" ] || cannot_run "$PROBE not built"
command -v timeout >/dev/null || cannot_run "timeout(1) missing"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/oidc_device.XXXXXX")
PROBE_PID=
BH_PID=
cleanup() {
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null
	[ -n "$BH_PID" ] && kill "$BH_PID" 2>/dev/null
	idp_stop
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

idp_start "$TMP" >"$TMP/start.log" 2>&1 || cannot_run "glewlwyd: $(cat "$TMP/start.log")"

n=0
check() { # check RC NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}
has() { # has FILE PATTERN: fixed-string grep, quoting the file on failure
	grep -qF -- "$2" "$1" && return 0
	echo "# expected '$2' in $1:" && sed 's/^/#   /' "$1"
	return 1
}

# Every probe run is bounded: no case can hang the suite.
PROBE_BOUND_S=60
probe() {
	timeout "$PROBE_BOUND_S" "$PROBE" -c "$IDP_CLIENT" -a "$IDP_CA" "$@"
}
# flow_bg NAME ARGS...: start a device flow in the background
flow_bg() {
	name=$1
	shift
	probe -A "$TMP/$name.audit" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	PROBE_PID=$!
}
# wait_code NAME: the user code the probe shows, once it shows it
wait_code() {
	i=0
	while ! grep -q 'enter the code ' "$TMP/$1.out" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$PROBE_PID" 2>/dev/null; then
			sed 's/^/#   /' "$TMP/$1.out" "$TMP/$1.err" >&2
			return 1
		fi
		sleep 0.1
	done
	sed -n 's/.*enter the code \([^ )]*\).*/\1/p' "$TMP/$1.out"
}
flow_wait() {
	wait "$PROBE_PID"
	rc=$?
	PROBE_PID=
	return $rc
}

# --- discovery (what meshsshd -t does) --------------------------------------
probe -d -i "$IDP_ISSUER" >"$TMP/d1.out" 2>&1
check $? "discovery with the CA bundle succeeds"
has "$TMP/d1.out" "token_endpoint=$IDP_ISSUER/token"
check $? "discovery finds the token endpoint"

# (a long OIDCTimeout: only the TLS verdict is under test here)
timeout "$PROBE_BOUND_S" "$PROBE" -d -t 45 -c "$IDP_CLIENT" -i "$IDP_ISSUER" >"$TMP/d2.out" 2>&1
rc=$?
[ $rc -eq 1 ] && has "$TMP/d2.out" "error: TLS with identity provider"
check $? "discovery without the CA bundle fails on TLS with a clear error"

probe -d -i "$IDP_URL/api/nosuch" >"$TMP/d3.out" 2>&1
rc=$?
[ $rc -eq 1 ] && has "$TMP/d3.out" "error: discovery $IDP_URL/api/nosuch/.well-known"
check $? "discovery of a wrong issuer path fails naming the URL"

# --- success ------------------------------------------------------------------
flow_bg ok -i "$IDP_ISSUER" -o alice@example.com
code=$(wait_code ok)
check $? "flow started: the probe shows a user code ($code)"
has "$TMP/ok.out" "go to $IDP_ISSUER/device and enter the code $code"
check $? "flow shows the verification URL and the code"
has "$TMP/ok.out" "Open $IDP_ISSUER/device?code=$code"
check $? "the person is told which URL to open"
idp_approve alice "$code"
check $? "alice logs in at the IdP and approves the code"
flow_wait
check $? "the check passes"
has "$TMP/ok.out" "ok identity=alice@example.com subject="
check $? "the verified ID token names alice@example.com"
has "$TMP/ok.audit" '"type":"check.start"'
check $? "audit: check started"
grep '"type":"check.pass"' "$TMP/ok.audit" | grep -q '"subject":"[^"]'
check $? "audit: check passed, with the IdP's subject"

# --- key rotation: the token is signed with a key the client has not seen ----------
flow_bg rot -i "$IDP_ISSUER" -o alice@example.com
code=$(wait_code rot)
check $? "flow started with the IdP's current keys fetched"
old_kid=$(curl -s --cacert "$IDP_CA" "$IDP_ISSUER/jwks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0].get("kid"))')
idp_rotate_key
new_kid=$(curl -s --cacert "$IDP_CA" "$IDP_ISSUER/jwks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["keys"][0].get("kid"))')
[ -n "$new_kid" ] && [ "$new_kid" != "$old_kid" ]
check $? "the IdP rotated its signing key ($old_kid -> $new_kid)"
idp_approve alice "$code"
flow_wait
has "$TMP/rot.out" "ok identity=alice@example.com"
check $? "the token signed with the new key verifies after a JWKS refetch"
has "$TMP/rot.err" "refetching $IDP_ISSUER/jwks"
check $? "the refetch on the unknown kid is logged"

# --- confidential client (OIDCClientSecretFile) -----------------------------------
timeout "$PROBE_BOUND_S" "$PROBE" -a "$IDP_CA" -i "$IDP_ISSUER" -c "$IDP_SECRET_CLIENT" \
	-o alice@example.com </dev/null >"$TMP/nosecret.out" 2>&1
rc=$?
[ $rc -eq 1 ] && has "$TMP/nosecret.out" "error: device authorization: identity provider"
check $? "a confidential client without its secret is refused by the IdP"
flow_bg sec -c "$IDP_SECRET_CLIENT" -s "$TMP/client-secret" -i "$IDP_ISSUER" -o alice@example.com
code=$(wait_code sec) && idp_approve alice "$code" oidc "$IDP_SECRET_CLIENT" && flow_wait
check $? "with OIDCClientSecretFile the confidential client's check passes"
chmod 644 "$TMP/client-secret"
probe -d -c "$IDP_SECRET_CLIENT" -s "$TMP/client-secret" -i "$IDP_ISSUER" >"$TMP/sec2.out" 2>&1
rc=$?
[ $rc -eq 1 ] && has "$TMP/sec2.out" "client-secret"
check $? "a world-readable client secret file is refused"
chmod 600 "$TMP/client-secret"

# --- wrong person ---------------------------------------------------------------
flow_bg bob -i "$IDP_ISSUER" -o alice@example.com
code=$(wait_code bob)
check $? "flow for alice's node started"
idp_approve bob "$code"
check $? "bob approves the code meant for alice"
flow_wait
rc=$?
[ $rc -eq 1 ] &&
	has "$TMP/bob.out" "error: sso: the identity provider says you are bob@example.com, but this node belongs to alice@example.com"
check $? "bob on alice's node is denied with a clear message"
grep '"type":"check.fail"' "$TMP/bob.audit" | grep -q '"subject":"[^"]'
check $? "audit: check failed, with bob's subject"

# --- device code expires unapproved ---------------------------------------------
flow_bg exp -i "$IDP_SHORT_ISSUER" -o alice@example.com
code=$(wait_code exp)
check $? "flow with a short-lived code started"
flow_wait
rc=$?
[ $rc -eq 1 ] && has "$TMP/exp.out" "expired"
check $? "an unapproved code ends in 'expired'"
has "$TMP/exp.audit" '"type":"check.timeout"'
check $? "audit: check timed out"

# --- IdP down -------------------------------------------------------------------
# A listener that never answers: TCP connects, no HTTP ever comes back.
bhport=$(idp_free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True); time.sleep(300)' "$bhport" >"$TMP/bh.out" &
BH_PID=$!
i=0
until grep -q ready "$TMP/bh.out" 2>/dev/null || [ $i -gt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
probe -d -t 2 -i "https://127.0.0.1:$bhport/api/oidc" >"$TMP/down.out" 2>&1
rc=$?
[ $rc -eq 1 ] && has "$TMP/down.out" "error: identity provider did not answer within 2s"
check $? "a silent IdP fails with a clear error within OIDCTimeout, not a hang (rc=$rc)"
kill "$BH_PID" 2>/dev/null
wait "$BH_PID" 2>/dev/null
BH_PID=

flow_bg refused -t 2 -i "https://127.0.0.1:$bhport/api/oidc" -o alice@example.com
flow_wait
rc=$?
[ $rc -eq 1 ] && has "$TMP/refused.out" "error: cannot reach identity provider"
check $? "a stopped IdP fails with 'cannot reach' (rc=$rc)"
grep '"type":"check.fail"' "$TMP/refused.audit" | grep 'cannot reach' |
	grep -q "\"issuer\":\"https://127.0.0.1:$bhport/api/oidc\""
check $? "audit: failed check carries the reason and the issuer"

# --- check cache across connections ---------------------------------------------
PERIOD=3600
flow_bg c1 -i "$IDP_ISSUER" -o alice@example.com -C "$TMP/checks.json" -P $PERIOD
code=$(wait_code c1) && idp_approve alice "$code" && flow_wait
check $? "first connection: check passes and is stored"
st=$(stat -c %a "$TMP/checks.json" 2>/dev/null)
[ "$st" = 600 ]
check $? "check cache file has mode 0600 (got $st)"
probe -i "$IDP_ISSUER" -o alice@example.com -C "$TMP/checks.json" -P $PERIOD >"$TMP/c2.out" 2>&1 &&
	has "$TMP/c2.out" "cached" && ! grep -q 'enter the code' "$TMP/c2.out"
check $? "second connection within checkPeriod: no new check"
probe -i "$IDP_ISSUER" -o bob@example.com -C "$TMP/checks.json" -P $PERIOD \
	</dev/null >"$TMP/c3.out" 2>&1 &
PROBE_PID=$!
i=0
until grep -q 'enter the code' "$TMP/c3.out" 2>/dev/null || [ $i -gt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
grep -q 'enter the code' "$TMP/c3.out"
check $? "another owner is not covered by alice's check"
kill "$PROBE_PID" 2>/dev/null
wait "$PROBE_PID" 2>/dev/null
PROBE_PID=
# checkPeriod 2s, and more than that since alice's check (which passed
# under a 1h rule: a shortened rule applies at once)
sleep 3
flow_bg c4 -i "$IDP_ISSUER" -o alice@example.com -C "$TMP/checks.json" -P 2
code=$(wait_code c4)
check $? "after checkPeriod the check is asked again"
idp_approve alice "$code" && flow_wait
check $? "the renewed check passes"

echo "1..$n"
