#!/bin/sh
# meshctl policy check / policy test / explain against the example policies
# in tests/data/policy: exit codes, the one line per failed sshTests
# assertion, error lines with file:line:col, and explain's verdicts.
# Needs no root and no network.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MESHCTL="$top_builddir/ctl/meshctl"
DATA="$top_srcdir/tests/data/policy"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/policy_cli.$$.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	fail=1
	echo "not ok $n - $1"
	[ -s "$TMP/out" ] && sed 's/^/#   out: /' "$TMP/out"
	[ -s "$TMP/err" ] && sed 's/^/#   err: /' "$TMP/err"
	return 0
}
# run WANT_RC DESCRIPTION -- meshctl args...: checks the exit code
run() {
	want=$1
	what=$2
	shift 3
	"$MESHCTL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$what (exit $want)"; else not_ok "$what: exit $rc, want $want"; fi
}
# expect FILE DESCRIPTION TEXT: FILE has a line that is exactly TEXT
expect_line() {
	if grep -qxF -- "$3" "$TMP/$1"; then ok "$2"; else not_ok "$2: no line '$3'"; fi
}
expect_lines() {
	got=$(wc -l <"$TMP/$1")
	if [ "$got" -eq "$3" ]; then ok "$2"; else not_ok "$2: $got lines, want $3"; fi
}

if [ ! -x "$MESHCTL" ]; then
	echo "not ok 1 - cannot run: $MESHCTL not built"
	echo "1..1"
	exit 1
fi

# The documented examples pass their own sshTests.
for f in kb1193-ssh default kb1337-sshtests; do
	run 0 "policy check $f" -- policy check --policy "$DATA/$f.hujson"
	run 0 "policy test $f" -- policy test --policy "$DATA/$f.hujson"
	if grep -q ': [0-9]* assertions passed, 0 failed$' "$TMP/out" && [ ! -s "$TMP/err" ]; then
		ok "$f: summary says 0 failed, nothing on stderr"
	else
		not_ok "$f: summary"
	fi
done
run 0 "policy test kb1193 (--policy=FILE form)" -- policy test --policy="$DATA/kb1193-ssh.hujson"
expect_line out "kb1193: 25 assertions" \
	"$DATA/kb1193-ssh.hujson: 25 assertions passed, 0 failed"

# The flipped copy differs from the original in that one assertion only...
if diff "$DATA/kb1193-ssh.hujson" "$DATA/kb1193-ssh-flipped.hujson" | grep '^[<>]' | grep -v '^[<>] //' |
	tr -d '\t' >"$TMP/diff" && [ "$(cat "$TMP/diff")" = '< "accept": ["root", "ubuntu"],
< "deny":   ["postgres"],
> "accept": ["root", "ubuntu", "postgres"],' ]; then
	ok "flipped file differs by one assertion"
else
	not_ok "flipped file differs by more than one assertion"
fi
# ...and fails with exactly one clear line for it.
run 1 "policy test on the flipped assertion fails" -- policy test --policy "$DATA/kb1193-ssh-flipped.hujson"
expect_lines err "one stderr line for one failed assertion" 1
expect_line err "the line names file:line:col, test, src, dst, user, expected, got and why" \
	"meshctl: $DATA/kb1193-ssh-flipped.hujson:73:33: sshTests[0]: alice@example.com -> tag:prod as \"postgres\": expected accept, got deny: ssh[1] (line 29) lets alice@example.com reach tag:prod, but not as \"postgres\""
expect_line out "summary counts 24 passed, 1 failed" \
	"$DATA/kb1193-ssh-flipped.hujson: 24 assertions passed, 1 failed"

# A bad selector is refused with file:line:col and the path to it.
run 1 "policy check rejects an unknown autogroup" -- policy check --policy "$DATA/bad-selector.hujson"
expect_line err "error line points at ssh[2].users[1]" \
	"meshctl: $DATA/bad-selector.hujson:11:23: ssh[2].users[1]: unsupported selector \"autogroup:foo\": users takes host account names, root, autogroup:nonroot or localpart:*@domain"
run 1 "policy test refuses to run tests of an invalid policy" -- policy test --policy "$DATA/bad-selector.hujson"
if [ ! -s "$TMP/out" ]; then ok "nothing on stdout for an invalid policy"; else not_ok "stdout not empty"; fi

# Bad input does not change what worked before: a missing file, broken JSON.
run 1 "missing policy file" -- policy check --policy "$TMP/nope.hujson"
expect_line err "missing file is named" \
	"meshctl: $TMP/nope.hujson: No such file or directory"
printf '{\n  "ssh": [\n    {"action": "accept",,}\n  ]\n}\n' >"$TMP/broken.hujson"
run 1 "broken JSON" -- policy check --policy "$TMP/broken.hujson"
if grep -q "^meshctl: $TMP/broken.hujson:3:" "$TMP/err"; then ok "broken JSON error has file:3:col"; else not_ok "broken JSON position"; fi
run 0 "the good policy still checks after the bad ones" -- policy check --policy "$DATA/kb1193-ssh.hujson"
expect_line out "policy check summary" "$DATA/kb1193-ssh.hujson: ok: 6 ssh rules, 8 sshTests"

# explain: which rule decides and why; exit 0 allowed, 1 denied.
P="$DATA/kb1193-ssh.hujson"
run 0 "explain: SRE to prod as root" -- explain --policy "$P" alice@example.com tag:prod root
expect_line out "decision accept" "decision: accept"
expect_line out "rule ssh[1] with its line" "rule: ssh[1] ($P line 28)"
expect_line out "recorder listed" "recorder: tag:recorder"
expect_line out "recorder enforced" "enforce recorder: yes"
run 0 "explain: dev to prod as viewer" -- explain --policy "$P" carl@example.com tag:prod viewer
expect_line out "check decision" "decision: check"
expect_line out "check period 1h" "check period: 1h"
run 0 "explain: break glass is checked every login" -- explain --policy "$P" alice@example.com tag:logging root
expect_line out "checkPeriod always" "check period: every login"
run 0 "explain: localpart" -- explain --policy "$P" carl@example.com tag:dev carl
expect_line out "localpart account may be provisioned" "host account: may be provisioned (localpart)"
expect_line out "acceptEnv listed" "acceptEnv: GIT_EDITOR GIT_COMMIT_* CUSTOM_VAR_V?"
run 0 "explain: own node via autogroup:self" -- explain --policy "$P" carl@example.com autogroup:self root
expect_line out "self is a check" "decision: check"
run 1 "explain: dev as someone else" -- explain --policy "$P" carl@example.com tag:dev dana
expect_line out "reject" "decision: reject"
expect_line out "reason names the rule that matched but for the user" \
	"reason: ssh[2] (line 37) lets carl@example.com reach tag:dev, but not as \"dana\""
run 1 "explain: tag to another's node" -- explain --policy "$P" tag:monitoring carl@example.com root
expect_line out "no rule" "reason: no ssh rule lets tag:monitoring reach carl@example.com"
run 1 "explain: a host needs a netmap" -- explain --policy "$P" alice@example.com web-1 root
expect_line err "clear error for an unresolvable host" \
	"meshctl: explain: dst: \"web-1\" names a host: give a netmap to resolve it"

# With a netmap, sshTests and explain resolve hosts, addresses and node names.
N="$DATA/netmap.json"
H="$DATA/hosts.hujson"
run 1 "hosts in sshTests need a netmap" -- policy test --policy "$H"
expect_line err "unresolvable host gets a clear line at its position" \
	"meshctl: $H:28:40: sshTests[0]: dst www: \"www\" names a host: give a netmap to resolve it"
run 0 "policy test --netmap resolves hosts, addresses and node names" -- policy test --policy "$H" --netmap "$N"
expect_line out "all ten pass" "$H: 10 assertions passed, 0 failed"
run 1 "with the netmap, web-2 is prod and logging: monitoring reaches a prod node" -- \
	policy test --policy "$P" --netmap "$N"
expect_line err "the failing deny names the real nodes" \
	"meshctl: $P:101:13: sshTests[5]: tag:monitoring -> tag:prod as \"monitor\": expected deny, got accept: ssh[4] (line 53) lets mon-1 (tag:monitoring) reach web-2 (tag:prod) as \"monitor\" via users entry \"monitor\""
run 0 "explain node to node" -- explain --netmap "$N" --policy "$P" carl-laptop carl-desktop root
expect_line out "own node: check by ssh[0]" "rule: ssh[0] ($P line 21)"
expect_line out "period in hours" "check period: 12h"
run 0 "explain by address" -- explain --netmap "$N" --policy "$P" alice-laptop 100.64.0.2 root
expect_line out "break glass applies to web-2 (logging)" "rule: ssh[5] ($P line 60)"
run 1 "explain: unknown node" -- explain --netmap "$N" --policy "$P" alice-laptop web-9 root
expect_line err "unknown node named" "meshctl: explain: dst: no node in the netmap is \"web-9\""
printf '{"version": 1, "nodes": [' >"$TMP/bad-netmap.json"
run 1 "a broken netmap is refused" -- explain --netmap "$TMP/bad-netmap.json" --policy "$P" a b c
if grep -q "^meshctl: $TMP/bad-netmap.json:" "$TMP/err"; then ok "broken netmap error names the file"; else not_ok "broken netmap error"; fi

# Usage errors exit 2.
run 2 "explain with two arguments" -- explain --policy "$P" alice@example.com tag:prod
run 2 "unknown option" -- policy test --bogus
run 2 "--policy without a file" -- policy check --policy
run 2 "extra argument to policy check" -- policy check extra

echo "1..$n"
exit $fail
