#!/bin/sh
# meshctl keygen/pubkey agree byte for byte with wireguard-tools' wg
# genkey/pubkey, in both directions, and both refuse malformed keys.
set -u
meshctl=$top_builddir/ctl/meshctl
. "$top_srcdir/tests/integration/tap_lib.sh"
if ! command -v wg >/dev/null 2>&1; then
	tap_cannot_run "wg (wireguard-tools) is not installed"
fi
n=0
fail=0
check() { # check NAME CONDITION-STATUS
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		fail=1
	fi
}
rounds=10
i=0
while [ $i -lt $rounds ]; do
	k=$(wg genkey)
	a=$(printf '%s\n' "$k" | wg pubkey)
	b=$(printf '%s\n' "$k" | "$meshctl" pubkey)
	[ -n "$a" ] && [ "$a" = "$b" ]
	check "wg genkey #$i: meshctl pubkey = wg pubkey ($a)" $?
	k=$("$meshctl" keygen)
	a=$(printf '%s\n' "$k" | wg pubkey)
	b=$(printf '%s\n' "$k" | "$meshctl" pubkey)
	[ -n "$a" ] && [ "$a" = "$b" ] && [ ${#k} -eq 44 ]
	check "meshctl keygen #$i: wg accepts it and agrees ($a)" $?
	i=$((i + 1))
done
# without a trailing newline, as `wg pubkey` accepts too
k=$(wg genkey)
a=$(printf '%s' "$k" | wg pubkey)
b=$(printf '%s' "$k" | "$meshctl" pubkey)
[ "$a" = "$b" ]
check "key without a newline" $?
for bad in garbage "$(wg genkey | cut -c1-43)" "$(wg genkey)$(wg genkey)"; do
	printf '%s\n' "$bad" | wg pubkey >/dev/null 2>&1
	w=$?
	err=$(printf '%s\n' "$bad" | "$meshctl" pubkey 2>&1 >/dev/null)
	m=$?
	[ $w -ne 0 ] && [ $m -eq 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]
	check "malformed key refused by both, one-line error (${bad%"${bad#?????}"}...)" $?
done
echo "1..$n"
exit $fail
