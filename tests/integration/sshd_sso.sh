#!/bin/bash
# sshd_sso: the SSO check end to end.  The stock OpenSSH client logs in over
# the mesh (lib.sh's namespaces) to a policy rule with "action": "check";
# meshsshd runs its OIDC helper (meshssh-sso) against a real OpenID provider
# (glewlwyd, oidc_lib.sh) started inside the server's namespace; the test
# reads the URL and user code the client printed (the auth banner), approves
# the code at the IdP as a browser would, and the login completes and runs a
# command.  Cases, each with the client-visible message and an audit event
# in the recording spool: success; the check cached within checkPeriod (no
# prompt) and asked again after it; wrong person (bob approves the code on
# alice's node); the device code expiring unapproved (an IdP instance whose
# codes live IDP_SHORT_EXPIRY_S); the IdP down (stopped: a clear error) and
# silent (accepts TCP, never answers: bounded by OIDCTimeout, no hang); a
# passed check kept in OIDCCheckCacheFile across a restart; and
# meshsshd -t reaching the discovery document through the helper.  sudo:
# with pam_mesh.so's `check` option real sudo in an SSH session shows the URL
# and code, runs the command after approval and refuses bob's approval;
# pamtester shows that a non-root caller cannot reach meshsshd, that outside
# a meshsshd session the module ignores, and that another user than the
# session's is refused.
# A token with a bad signature, a wrong iss/aud, or an expired token are
# covered at the library level (tests/unit/test_oidc.c, oidc_device.sh:
# glewlwyd cannot be made to sign badly); the helper runs that same code.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/oidc_lib.sh
. "$top_srcdir/tests/integration/oidc_lib.sh"

E2E_SSO_HELPER=$top_builddir/sshd/meshssh-sso
[ "$E2E_SERVER" = meshsshd ] || e2e_cannot_run "the SSO check is meshsshd's"
[ -x "$E2E_SSO_HELPER" ] || e2e_cannot_run "meshssh-sso not built: $E2E_SSO_HELPER"
why=$(idp_have) || e2e_cannot_run "$why"

# The IdP listens inside the server's namespace; its port is fixed before
# the namespace exists (the config names it), any port is free there.
IDP_PORT=$((20000 + RANDOM % 20000))
IDP_BH_PORT=$((IDP_PORT + 1))
IDP_HOST_DIR=$(mktemp -d "/tmp/e2e-idp-$$.XXXXXX")
chmod 755 "$IDP_HOST_DIR"
REC_SPOOL=$IDP_HOST_DIR/spool
OIDC_TIMEOUT_S=3
export MESHSSH_SSO_HELPER=$E2E_SSO_HELPER
CHECK_DIR=$IDP_HOST_DIR/check # meshsshd's sudo check sockets (test build: MESH_CHECK_DIR)
export MESH_CHECK_DIR=$CHECK_DIR
PAM_MODULE=$top_builddir/pam/.libs/pam_mesh.so
export E2E_MESHSSHD_EXTRA_CONF="RecordingSpool $REC_SPOOL
OIDCIssuer https://127.0.0.1:$IDP_PORT/api/oidc
OIDCClientID meshsshd
OIDCCABundle $IDP_HOST_DIR/tls.pem
OIDCTimeout $OIDC_TIMEOUT_S
OIDCCheckCacheFile $IDP_HOST_DIR/checks.json"
e2e_setup
BH_PID=
sso_cleanup() {
	[ -n "$BH_PID" ] && kill "$BH_PID" 2>/dev/null
	idp_stop
	e2e_cleanup
	rm -rf "$IDP_HOST_DIR"
}
trap sso_cleanup EXIT

IDP_NETNS=$E2E_NS_S
idp_start "$IDP_HOST_DIR" >"$E2E_TMP/idp.log" 2>&1 ||
	e2e_cannot_run "glewlwyd: $(tail -n 3 "$E2E_TMP/idp.log" | tr '\n' ' ')"

# The policy: alice's group may log in as E2E_USER after a check that stays
# good for an hour, and as E2E_OTHER after one that lasts 2 seconds.
cat >"$E2E_TMP/policy.hujson" <<EOF
{
	"groups": {"group:eng": ["$E2E_CLI_LOGIN"]},
	"tagOwners": {"tag:server": ["$E2E_CLI_LOGIN"]},
	"ssh": [
		{"action": "check", "src": ["group:eng"], "dst": ["tag:server"],
		 "users": ["$E2E_USER"], "checkPeriod": "1h"},
		{"action": "check", "src": ["group:eng"], "dst": ["tag:server"],
		 "users": ["$E2E_OTHER"], "checkPeriod": "2s"},
		{"action": "check", "src": ["group:eng"], "dst": ["tag:server"],
		 "users": ["root"], "checkPeriod": "1h"},
	],
}
EOF
reloads=0
server_reload() { # SIGHUP, then wait for the reload line
	reloads=$((reloads + 1))
	kill -HUP "$E2E_SERVER_PID"
	e2e_wait_for sh -c "[ \$(grep -c 'reloaded configuration' '$E2E_TMP/server.log') -ge $reloads ]"
}
server_reload || e2e_cannot_run "meshsshd did not reload the check policy"

spool_text() { cat "$REC_SPOOL"/seg-*.log 2>/dev/null | tr -c '[:print:]\n' '\n'; }
# audit_has TYPE ERE DESC: an event of TYPE whose line matches ERE
audit_has() {
	local got
	got=$(spool_text | grep -o "{[^{}]*\"type\":\"$1\"[^{}]*}" | grep -E -- "$2")
	e2e_ok "$([ -n "$got" ] && echo 0 || echo 1)" "$3" ||
		e2e_diag "audit events: $(spool_text | grep -o '"type":"check[^"]*"' | sort | uniq -c | tr '\n' ' ')"
}
audit_count() { spool_text | grep -o "\"type\":\"$1\"" | wc -l; }

# login NAME USER CMD: ssh in the background; its banner lands in NAME.err
login() { # login NAME USER [SSH-OPTION] CMD
	local name=$1 user=$2
	shift 2
	if [ $# -eq 2 ]; then
		e2e_bg "$E2E_TMP/$name" e2e_ssh "$1" -l "$user" web-1 "$2"
	else
		e2e_bg "$E2E_TMP/$name" e2e_ssh -l "$user" web-1 "$1"
	fi
	LOGIN_PID=$E2E_BG_PID
}
# code_of NAME: the user code from the banner, once the client printed it
code_of() {
	e2e_wait_for grep -q 'enter the code ' "$E2E_TMP/$1.err" || return 1
	sed -n 's/.*enter the code \([^ )]*\).*/\1/p' "$E2E_TMP/$1.err" | head -n 1
}
# code_of_out NAME: the same from stdout (ssh -tt, PAM conversations)
code_of_out() {
	e2e_wait_for grep -q 'enter the code ' "$E2E_TMP/$1.out" || return 1
	sed -n 's/.*enter the code \([^ )]*\).*/\1/p' "$E2E_TMP/$1.out" | tr -d '\r' | head -n 1
}
login_wait() { # login_wait: ssh's exit status
	wait "$LOGIN_PID"
}

# --- meshsshd -t: the helper reaches the discovery document ------------------------
e2e_capture e2e_in_server env MESHSSH_SSO_HELPER="$E2E_SSO_HELPER" "$E2E_MESHSSHD" -t -f "$E2E_TMP/meshsshd.conf"
e2e_is "$E2E_RC" 0 "meshsshd -t passes with the IdP up" || e2e_diag "$E2E_ERR"
e2e_has "$E2E_ERR" "issuer https://127.0.0.1:$IDP_PORT/api/oidc reachable" "meshsshd -t reports the issuer reachable"
sed "s|^OIDCIssuer .*|OIDCIssuer https://127.0.0.1:$IDP_PORT/api/nosuch|" "$E2E_TMP/meshsshd.conf" >"$E2E_TMP/bad.conf"
e2e_capture e2e_in_server env MESHSSH_SSO_HELPER="$E2E_SSO_HELPER" "$E2E_MESHSSHD" -t -f "$E2E_TMP/bad.conf"
e2e_is "$E2E_RC" 1 "meshsshd -t fails for an issuer without a discovery document"
e2e_has "$E2E_ERR" "discovery https://127.0.0.1:$IDP_PORT/api/nosuch/.well-known" "... naming the discovery URL"

# --- success ------------------------------------------------------------------------
login ok "$E2E_USER" 'echo sso-login-ok; id -un'
code=$(code_of ok)
e2e_ok $? "the client shows the user code from the banner ($code)" ||
	e2e_diag "$(cat "$E2E_TMP/ok.err")" "$(e2e_server_log | tail -n 20)"
e2e_has "$(cat "$E2E_TMP/ok.err")" "Open https://127.0.0.1:$IDP_PORT/api/oidc/device?code=$code" \
	"the banner carries the verification URL"
idp_approve alice "$code" >"$E2E_TMP/approve.log" 2>&1
e2e_ok $? "alice approves the code at the IdP" || e2e_diag "$(cat "$E2E_TMP/approve.log")"
login_wait
e2e_is $? 0 "after approval the login completes" || e2e_diag "$(cat "$E2E_TMP/ok.err")" "$(e2e_server_log | tail -n 20)"
e2e_is "$(cat "$E2E_TMP/ok.out")" "sso-login-ok
$E2E_USER" "the command runs as the host user"
audit_has check.start "\"localUser\":\"$E2E_USER\".*\"service\":\"ssh\"" "audit: check.start for the login"
audit_has check.pass '"subject":"[^"]+"' "audit: check.pass with the IdP's subject"
e2e_like "$(e2e_server_log)" "SSO check passed for $E2E_CLI_LOGIN \(node $E2E_CLI_NODE\) as $E2E_USER" \
	"the server logs the passed check"

# --- cached within checkPeriod --------------------------------------------------------
e2e_capture e2e_ssh -l "$E2E_USER" web-1 'echo cached-ok'
e2e_is "$E2E_RC" 0 "a second login within checkPeriod (1h) succeeds" || e2e_diag "$E2E_ERR"
e2e_is "$E2E_OUT" cached-ok "... and runs its command"
e2e_unlike "$E2E_ERR" 'enter the code' "... without any prompt"
e2e_is "$(audit_count check.start)" 1 "... and without starting a check"
e2e_like "$(e2e_server_log)" "SSO check for $E2E_CLI_LOGIN \(node $E2E_CLI_NODE\) as $E2E_USER still valid" \
	"the server logs the cached check"

# --- OIDCCheckCacheFile: the listener stores passed checks; they survive a restart ----
e2e_is "$(stat -c %a "$IDP_HOST_DIR/checks.json" 2>/dev/null)" 600 "the listener wrote the check cache file, mode 0600"
e2e_has "$(cat "$IDP_HOST_DIR/checks.json" 2>/dev/null)" "$E2E_CLI_LOGIN" "... holding alice's check"
e2e_kill "$E2E_SERVER_PID"
e2e_server_start
e2e_ok $? "meshsshd restarts" || e2e_diag "$(e2e_server_log | tail -n 5)"
reloads=0
e2e_capture e2e_ssh -l "$E2E_USER" web-1 'echo after-restart'
e2e_is "$E2E_OUT" after-restart "after a restart the stored check still lets the login in"
e2e_unlike "$E2E_ERR" 'enter the code' "... without any prompt"

# --- asked again after checkPeriod ----------------------------------------------------
login p1 "$E2E_OTHER" 'echo p1'
code=$(code_of p1) && idp_approve alice "$code" >/dev/null 2>&1 && login_wait
e2e_ok $? "a login under a 2s checkPeriod passes its check"
sleep 3 # past the 2s checkPeriod
login p2 "$E2E_OTHER" 'echo p2'
code=$(code_of p2)
e2e_ok $? "after checkPeriod the next login is asked again ($code)"
idp_approve alice "$code" >/dev/null 2>&1 && login_wait
e2e_ok $? "... and passes after approval"
e2e_is "$(cat "$E2E_TMP/p2.out")" p2 "... running its command"

# --- wrong person ----------------------------------------------------------------------
# (E2E_OTHER: its 2s check from above has lapsed, so a new flow starts)
sleep 3
login bob "$E2E_OTHER" 'echo must-not-run'
code=$(code_of bob)
e2e_ok $? "a check for alice's node starts ($code)"
idp_approve bob "$code" >"$E2E_TMP/approve.log" 2>&1
e2e_ok $? "bob approves the code meant for alice" || e2e_diag "$(cat "$E2E_TMP/approve.log")"
login_wait
e2e_is $? 255 "bob's approval does not log in"
e2e_has "$(cat "$E2E_TMP/bob.err")" "the identity provider says you are bob@example.com, but this node belongs to alice@example.com" \
	"the client is told who the IdP says they are"
e2e_unlike "$(cat "$E2E_TMP/bob.out")" must-not-run "no command ran"
audit_has check.fail '"subject":"[^"]+".*"reason":"[^"]*bob@example.com' "audit: check.fail with bob's subject and the reason"

# --- sudo: pam_mesh.so's auth step asks meshsshd for a fresh check -------------------
# The server's /etc (its overlay) gets a sudo stack with pam_mesh as the only
# auth module, a sudoers entry for E2E_USER (one try), and a pamtester
# service with the same auth line; and one whose pam_mesh falls through
# (PAM_IGNORE) to pam_permit outside a meshsshd session.
e2e_in_server sh -c "
cat >/etc/pam.d/sudo <<EOP
auth    required $PAM_MODULE check socket_dir=$CHECK_DIR timeout=60
account required pam_permit.so
session required pam_permit.so
EOP
cp /etc/pam.d/sudo /etc/pam.d/meshsso-test
cat >/etc/pam.d/meshsso-ignore <<EOP
auth    [success=done ignore=ignore default=die] $PAM_MODULE check socket_dir=$CHECK_DIR
auth    required pam_permit.so
account required pam_permit.so
EOP
printf 'Defaults passwd_tries=1\n$E2E_USER ALL=(ALL) ALL\n' >/etc/sudoers.d/meshsso
chmod 440 /etc/sudoers.d/meshsso" >"$E2E_TMP/sudo-setup.log" 2>&1
e2e_ok $? "the server gets a sudo PAM stack with pam_mesh.so check" || e2e_diag "$(cat "$E2E_TMP/sudo-setup.log")"

if command -v sudo >/dev/null 2>&1; then
	starts=$(audit_count check.start)
	login sudo "$E2E_USER" -tt 'sudo -k; sudo id -un; echo sudo-rc=$?'
	code=$(code_of_out sudo)
	e2e_ok $? "sudo in an SSH session shows the URL and code through PAM ($code)" ||
		e2e_diag "$(cat "$E2E_TMP/sudo.out")" "$(e2e_server_log | tail -n 20)"
	idp_approve alice "$code" >/dev/null 2>&1
	login_wait
	out=$(tr -d '\r' <"$E2E_TMP/sudo.out")
	e2e_ok "$(printf '%s\n' "$out" | grep -qx root && echo 0 || echo 1)" \
		"after approval sudo runs the command as root" || e2e_diag "$out"
	e2e_has "$out" "sudo-rc=0" "... and sudo exits 0"
	audit_has check.start '"service":"sudo"' "audit: check.start for sudo"
	audit_has check.pass '"service":"sudo".*"subject":"[^"]+"|"subject":"[^"]+".*"service":"sudo"' \
		"audit: check.pass for sudo with the subject"

	login sudobob "$E2E_USER" -tt 'sudo -k; sudo id -un; echo sudo-rc=$?'
	code=$(code_of_out sudobob)
	e2e_ok $? "a second sudo asks again (no cache for sudo) ($code)"
	idp_approve bob "$code" >/dev/null 2>&1
	login_wait
	out=$(tr -d '\r' <"$E2E_TMP/sudobob.out")
	e2e_has "$out" "SSO check failed: sso: the identity provider says you are bob@example.com" \
		"sudo approved by bob fails with the reason" || e2e_diag "$out"
	e2e_ok "$(printf '%s\n' "$out" | grep -qx root && echo 1 || echo 0)" "... and runs nothing as root"
	e2e_has "$out" "sudo-rc=1" "... sudo exits 1"
else
	e2e_skip "sudo with pam_mesh.so check" "sudo not installed"
fi

if command -v pamtester >/dev/null 2>&1; then
	e2e_capture e2e_ssh -l "$E2E_USER" web-1 "pamtester meshsso-test $E2E_USER authenticate"
	e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "pamtester as the user (not root) cannot ask meshsshd"
	e2e_has "$E2E_OUT$E2E_ERR" "cannot reach meshsshd for this session (Permission denied)" \
		"... with a clear message"

	e2e_capture e2e_in_server pamtester meshsso-ignore root authenticate
	e2e_is "$E2E_RC" 0 "outside a meshsshd session pam_mesh check returns PAM_IGNORE (the stack goes on)" ||
		e2e_diag "$E2E_OUT" "$E2E_ERR"

	# root's own login is a check rule too: approve it, then pamtester as root
	# (-tt: pamtester's stdout to a terminal is line-buffered, so the code shows at once)
	login rootlogin root -tt "pamtester -v meshsso-test root authenticate; echo rc=\$?; pamtester meshsso-test $E2E_USER authenticate; echo rc2=\$?"
	code=$(code_of rootlogin) && idp_approve alice "$code" >/dev/null 2>&1
	e2e_ok $? "root's login check approved"
	code=$(code_of_out rootlogin)
	e2e_ok $? "pamtester (root, in the session) shows the URL and code ($code)" ||
		e2e_diag "$(cat "$E2E_TMP/rootlogin.out" "$E2E_TMP/rootlogin.err")"
	idp_approve alice "$code" >/dev/null 2>&1
	login_wait
	out=$(cat "$E2E_TMP/rootlogin.out" "$E2E_TMP/rootlogin.err")
	e2e_has "$out" "successfully authenticated" "pamtester authenticates after approval" || e2e_diag "$out"
	e2e_has "$out" "rc=0" "... exit 0"
	e2e_has "$out" "$E2E_USER is not the user of this SSH session" \
		"asking for another user than the session's is refused"
	e2e_has "$out" "rc2=1" "... and fails"
else
	e2e_skip "pamtester with pam_mesh.so check" "pamtester not installed"
fi

# --- the device code expires unapproved ----------------------------------------------
sed -i "s|^OIDCIssuer .*|OIDCIssuer https://127.0.0.1:$IDP_PORT/api/oidcshort|" "$E2E_TMP/meshsshd.conf"
server_reload
e2e_ok $? "meshsshd reloads with the short-lived-code issuer"
login exp "$E2E_OTHER" 'echo must-not-run'
code=$(code_of exp)
e2e_ok $? "a check with a ${IDP_SHORT_EXPIRY_S}s code starts ($code)"
login_wait
e2e_is $? 255 "nobody approves: the login is denied"
e2e_like "$(cat "$E2E_TMP/exp.err")" 'SSO check failed: .*expired' "the client is told the code expired"
audit_has check.timeout '"reason":"[^"]*expired' "audit: check.timeout"

# --- the IdP is silent: accepts TCP, never answers ------------------------------------
ip netns exec "$E2E_NS_S" python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
print("ready", flush=True); time.sleep(600)' "$IDP_BH_PORT" >"$E2E_TMP/bh.out" 2>&1 &
BH_PID=$!
e2e_wait_file "$E2E_TMP/bh.out" ready
sed -i "s|^OIDCIssuer .*|OIDCIssuer https://127.0.0.1:$IDP_BH_PORT/api/oidc|" "$E2E_TMP/meshsshd.conf"
server_reload
login silent "$E2E_OTHER" 'echo must-not-run'
login_wait
e2e_is $? 255 "a silent IdP: the login is denied (bounded by OIDCTimeout, no hang)"
e2e_like "$(cat "$E2E_TMP/silent.err")" "SSO check failed: .*did not answer within ${OIDC_TIMEOUT_S}s" \
	"the client is told the IdP did not answer"
audit_has check.fail "\"reason\":\"[^\"]*did not answer" "audit: check.fail for the silent IdP"
kill "$BH_PID" 2>/dev/null
wait "$BH_PID" 2>/dev/null
BH_PID=

# --- the IdP is down -------------------------------------------------------------------
sed -i "s|^OIDCIssuer .*|OIDCIssuer https://127.0.0.1:$IDP_PORT/api/oidc|" "$E2E_TMP/meshsshd.conf"
server_reload
idp_stop
login down "$E2E_OTHER" 'echo must-not-run'
login_wait
e2e_is $? 255 "IdP down: the login is denied"
e2e_like "$(cat "$E2E_TMP/down.err")" 'SSO check failed: .*cannot reach identity provider' \
	"the client is told the IdP cannot be reached"
audit_has check.fail '"reason":"[^"]*cannot reach' "audit: check.fail for the unreachable IdP"
e2e_capture e2e_in_server env MESHSSH_SSO_HELPER="$E2E_SSO_HELPER" "$E2E_MESHSSHD" -t -f "$E2E_TMP/meshsshd.conf"
e2e_is "$E2E_RC" 1 "meshsshd -t fails while the IdP is down"

e2e_done
