#!/bin/bash
# meshsshd on loopback with the stock OpenSSH client: sessions, pty, exit
# codes and signals, sftp, scp, forwarding, agent, multiplexing, the auth
# log lines, refusals, SIGHUP reload and LoginGraceTime.  Needs root and a
# test build (TestIdentity stands in for the netmap on loopback).
set -u
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
cannot() {
	if [ "${CI:-}" = true ]; then echo "not ok 1 - cannot run: $1"; exit 1; fi
	echo "1..0 # SKIP $1"; exit 0
}

[ "$(id -u)" = 0 ] || cannot "needs root"
command -v ssh >/dev/null && command -v sftp >/dev/null || cannot "no OpenSSH client"
D=${top_builddir:-.}/sshd/meshsshd
[ -x "$D" ] || cannot "no meshsshd at $D"

T=$(mktemp -d /tmp/meshsshd-lb.XXXXXX)
chmod 755 "$T"
U=msdt$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	wait 2>/dev/null
	userdel -r "$U" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
useradd -m -s /bin/bash "$U" >/dev/null 2>&1 || cannot "useradd failed"
usermod -p '*' "$U"

free_port() { echo $((20000 + (RANDOM * 7 + $$) % 40000)); }

# start_daemon NAME EXTRA-CONFIG-LINES: writes $T/NAME.conf, sets PORT_NAME, logs to $T/NAME.log
start_daemon() {
	local name=$1 extra=$2 port tries=0
	while :; do
		port=$(free_port)
		cat >"$T/$name.conf" <<CONF
ListenAddress 127.0.0.1:$port
HostKey $T/ssh_host_ed25519_key
HostKey $T/ssh_host_ecdsa_key
PidFile $T/$name.pid
TestUnboundListen yes
RecordingSpool $T/spool
RecordingShipper none
$extra
CONF
		"$D" -f "$T/$name.conf" -D >"$T/$name.log" 2>&1 &
		local pid=$!
		PIDS="$PIDS $pid"
		for _ in $(seq 50); do
			grep -q "Server listening" "$T/$name.log" && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if grep -q "Server listening" "$T/$name.log"; then
			eval "PORT_$name=$port PID_$name=$pid"
			return 0
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || return 1
	done
}

SO="-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=10"

# config check
printf 'Port 22\nNoSuchKeyword yes\n' >"$T/bad.conf"
out=$("$D" -t -f "$T/bad.conf" 2>&1)
check "-t rejects an unknown keyword, naming the line" '[ $? -ne 0 ] && echo "$out" | grep -q ":2:.*unknown keyword"'

start_daemon main "TestIdentity alice@example.com laptop
TestAcceptAll yes
LoginGraceTime 2" || cannot "meshsshd did not start: $(cat "$T/main.log")"
P=$PORT_main
S="ssh $SO -p $P $U@127.0.0.1"
check "-t accepts the running config" '"$D" -t -f "$T/main.conf"'
"$D" -T -f "$T/main.conf" >"$T/dump.conf" 2>"$T/dump.err"
check "-T prints the effective config with defaults filled in" \
	'grep -qx "listenaddress 127.0.0.1:$P" "$T/dump.conf" && grep -qx "maxsessions 10" "$T/dump.conf" &&
	grep -qx "recordingshipper none" "$T/dump.conf"'
chmod 600 "$T/dump.conf"
check "-T's output is itself a config that -T prints the same" \
	'"$D" -T -f "$T/dump.conf" 2>/dev/null | cmp -s - "$T/dump.conf"'
check "host keys generated: ed25519" '[ -s "$T/ssh_host_ed25519_key.pub" ] && [ "$(stat -c %a "$T/ssh_host_ed25519_key")" = 600 ]'
check "host keys generated: ecdsa" 'grep -q "^ecdsa-sha2-nistp256 " "$T/ssh_host_ecdsa_key.pub"'

out=$($S 'echo hello; exit 7')
rc=$?
check "exec: output" '[ "$out" = hello ]'
check "exec: exit status" '[ $rc = 7 ]'
out=$($S 'echo out; echo err >&2' 2>"$T/err")
check "stdout and stderr are separate" '[ "$out" = out ] && [ "$(cat "$T/err")" = err ]'
out=$(seq 1 200000 | $S 'wc -l; cat >/dev/null; echo after-eof')
check "stdin, then EOF reaches the command" '[ "$(echo $out)" = "200000 after-eof" ]'
$S 'kill -TERM $$'
check "exit-signal: ssh exits 255 like with sshd" '[ $? = 255 ]'
out=$(yes | head -c 20000000 | $S 'head -c 10 >/dev/null; echo done')
check "command stops reading early: no hang, clean exit" '[ "$out" = done ]'

env=$($S env)
check "env: USER and LOGNAME" 'echo "$env" | grep -qx "USER=$U" && echo "$env" | grep -qx "LOGNAME=$U"'
check "env: HOME, SHELL, PATH, MAIL" 'echo "$env" | grep -qx "HOME=/home/$U" && echo "$env" | grep -qx "SHELL=/bin/bash" && echo "$env" | grep -q "^PATH=/usr/local/bin:" && echo "$env" | grep -qx "MAIL=/var/mail/$U"'
check "env: SSH_CONNECTION and SSH_CLIENT" 'echo "$env" | grep -q "^SSH_CONNECTION=127.0.0.1 [0-9]* 127.0.0.1 $P\$" && echo "$env" | grep -q "^SSH_CLIENT=127.0.0.1 [0-9]* $P\$"'
check "env: MESH_LOGIN and MESH_NODE" 'echo "$env" | grep -qx "MESH_LOGIN=alice@example.com" && echo "$env" | grep -qx "MESH_NODE=laptop"'
check "env: no SSH_TTY without a pty" '! echo "$env" | grep -q "^SSH_TTY="'
out=$(LC_MESHTEST=yes ssh $SO -o SendEnv=LC_MESHTEST -p $P $U@127.0.0.1 'echo $LC_MESHTEST')
check "env request accepted by acceptEnv" '[ "$out" = yes ]'

out=$(ssh -tt $SO -p $P $U@127.0.0.1 'tty; echo TERM=$TERM; echo SSH_TTY=$SSH_TTY; who' </dev/null 2>/dev/null | tr -d '\r')
check "pty: tty works" 'echo "$out" | grep -q "^/dev/pts/[0-9]*$"'
check "pty: TERM and SSH_TTY set" 'echo "$out" | grep -q "^TERM=." && echo "$out" | grep -q "^SSH_TTY=/dev/pts/"'
check "pty: the session is in utmp (who)" 'echo "$out" | grep -q "^$U *pts/"'
check "pty: wtmp has the login (last)" 'last -w "$U" 2>/dev/null | grep -q "^$U *pts/"'
out=$(ssh -tt $SO -p $P $U@127.0.0.1 'exit 5' </dev/null 2>/dev/null)
check "pty: exit status" '[ $? = 5 ]'

head -c 3000000 /dev/urandom >"$T/blob"
chmod 644 "$T/blob"
printf 'put %s up.bin\nget up.bin %s\n' "$T/blob" "$T/blob.sftp" | sftp $SO -P $P -b - $U@127.0.0.1 >/dev/null 2>&1
check "sftp put and get round-trip" 'cmp -s "$T/blob" "$T/blob.sftp"'
check "sftp wrote as the user" '[ "$(stat -c %U /home/$U/up.bin)" = "$U" ]'
scp $SO -P $P "$T/blob" $U@127.0.0.1:scp.bin && scp $SO -P $P $U@127.0.0.1:scp.bin "$T/blob.scp"
check "scp (sftp mode) both ways" 'cmp -s "$T/blob" "$T/blob.scp"'
scp -O $SO -P $P "$T/blob" $U@127.0.0.1:scp2.bin && scp -O $SO -P $P $U@127.0.0.1:scp2.bin "$T/blob.scp2"
check "scp (legacy mode) both ways" 'cmp -s "$T/blob" "$T/blob.scp2"'

banner() { exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1; local l; read -r -t 5 l <&3; exec 3<&-; echo "$l"; }
LP=$(free_port)
ssh $SO -N -o ExitOnForwardFailure=yes -L "$LP:127.0.0.1:$P" -p $P $U@127.0.0.1 &
FP=$!
PIDS="$PIDS $FP"
for _ in $(seq 50); do banner $LP 2>/dev/null | grep -q '^SSH-2.0' && break; sleep 0.1; done
check "local forwarding (-L)" 'banner $LP | grep -q "^SSH-2.0"'
kill $FP
RP=$(free_port)
ssh $SO -N -o ExitOnForwardFailure=yes -R "$RP:127.0.0.1:$P" -p $P $U@127.0.0.1 &
FP=$!
PIDS="$PIDS $FP"
for _ in $(seq 50); do banner $RP 2>/dev/null | grep -q '^SSH-2.0' && break; sleep 0.1; done
check "remote forwarding (-R)" 'banner $RP | grep -q "^SSH-2.0"'
kill $FP
wait $FP 2>/dev/null
for _ in $(seq 50); do banner $RP >/dev/null 2>&1 || break; sleep 0.1; done
check "remote forward listener closed with the connection" '! banner $RP >/dev/null 2>&1'

eval "$(ssh-agent -s)" >/dev/null
ssh-keygen -q -t ed25519 -N '' -C meshtest-key -f "$T/agentkey"
ssh-add -q "$T/agentkey" 2>/dev/null
out=$(ssh -A $SO -p $P $U@127.0.0.1 'ssh-add -l; stat -c "%U %a" "$SSH_AUTH_SOCK" "$(dirname "$SSH_AUTH_SOCK")"')
check "agent forwarding (-A): keys visible" 'echo "$out" | grep -q meshtest-key'
check "agent socket and dir owned by the user, private" 'echo "$out" | grep -qx "$U 600" && echo "$out" | grep -qx "$U 700"'
ssh-agent -k >/dev/null 2>&1
unset SSH_AUTH_SOCK SSH_AGENT_PID

CM="-o ControlPath=$T/cm.%C -o ControlMaster=auto -o ControlPersist=20"
ssh $SO $CM -p $P $U@127.0.0.1 true
out=$(for i in 1 2 3; do ssh $SO $CM -p $P $U@127.0.0.1 "echo mux\$((1+$i))"; done)
check "multiplexed channels on one connection" '[ "$(echo $out)" = "mux2 mux3 mux4" ]'
pids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	ssh $SO $CM -p $P $U@127.0.0.1 "echo ch\$((100+$i)); exit $i" >"$T/par$i" 2>&1 &
	pids="$pids $!"
done
i=0
good=0
for p in $pids; do
	i=$((i + 1))
	wait "$p"
	[ $? = $i ] && [ "$(cat "$T/par$i")" = "ch$((100 + i))" ] && good=$((good + 1))
done
check "10 parallel channels: each its own output and exit status" '[ $good = 10 ]'
ssh $SO $CM -O exit -p $P $U@127.0.0.1 2>/dev/null

check "log: Accepted none line in OpenSSH style" 'grep -q "Accepted none for $U from 127.0.0.1 port [0-9]* ssh2 (mesh alice@example.com node laptop)" "$T/main.log"'
check "log: Disconnected line" 'grep -q "Disconnected from user $U 127.0.0.1 port [0-9]*" "$T/main.log"'

out=$(ssh -o ServerAliveInterval=1 -o ServerAliveCountMax=2 $SO -p $P $U@127.0.0.1 'sleep 4; echo alive')
check "client keepalives are answered (session outlives 2 missed-reply windows)" '[ "$out" = alive ]'

# SIGHUP reloads without dropping a running session
$S 'sleep 2; echo survived' >"$T/survive" &
SP=$!
sleep 0.5
kill -HUP "$PID_main"
wait $SP
check "SIGHUP keeps running sessions" '[ "$(cat "$T/survive")" = survived ]'
check "SIGHUP logged as a reload" 'grep -q "reloaded configuration" "$T/main.log"'
check "serves new connections after SIGHUP" '[ "$($S echo again)" = again ]'

# LoginGraceTime: a client that never speaks is dropped
exec 4<>"/dev/tcp/127.0.0.1/$P"
for _ in $(seq 100); do grep -q "Timeout before authentication" "$T/main.log" && break; sleep 0.1; done
check "LoginGraceTime drops a silent client" 'grep -q "Timeout before authentication for 127.0.0.1" "$T/main.log"'
exec 4<&-

# MaxStartups 1: a second unauthenticated connection is dropped, then served again
start_daemon crowd "TestIdentity alice@example.com laptop
TestAcceptAll yes
MaxStartups 1
LoginGraceTime 30" || cannot "MaxStartups meshsshd did not start"
exec 6<>"/dev/tcp/127.0.0.1/$PORT_crowd"
for _ in $(seq 50); do grep -q "Connection from 127.0.0.1" "$T/crowd.log" && break; sleep 0.1; done
ssh $SO -p $PORT_crowd $U@127.0.0.1 true 2>/dev/null
rc=$?
check "MaxStartups: connection past the limit refused" '[ $rc = 255 ] && grep -q "drop connection #1 from \[127.0.0.1\]:[0-9]* past MaxStartups" "$T/crowd.log"'
exec 6<&-
for _ in $(seq 50); do [ "$(ssh $SO -p $PORT_crowd $U@127.0.0.1 echo back 2>/dev/null)" = back ] && break; sleep 0.2; done
check "MaxStartups: served again once the silent client left" '[ "$(ssh $SO -p $PORT_crowd $U@127.0.0.1 echo back)" = back ]'

# policy refusal: banner to the client, log line with the rule
start_daemon deny "TestIdentity alice@example.com laptop" || cannot "second meshsshd did not start"
ssh -o LogLevel=INFO $SO -p $PORT_deny $U@127.0.0.1 true 2>"$T/deny.err"
rc=$?
check "refused: ssh exits 255" '[ $rc = 255 ]'
check "refused: client sees the denial banner" 'grep -q "meshsshd: access denied for $U from laptop (alice@example.com): " "$T/deny.err"'
cat "$T/deny.err" | sed "s/^/# client: /"
check "refused: log names the rule (or none)" 'grep -q "Refused $U from 127.0.0.1 port [0-9]*: .*(no rule)" "$T/deny.log"'

# real netmaps: whois of 127.0.0.1 from a signed netmap (meshctl builds it)
MC=${top_builddir:-.}/ctl/meshctl
make_netmap() { # DIR LAPTOP-ADDR
	mkdir -p "$1"
	"$MC" signing-key new --out "$1/sign.key" >"$1/trusted-keys" &&
	"$MC" netmap init "$1/netmap.json" >/dev/null &&
	"$MC" netmap add-node "$1/netmap.json" laptop --key "$("$MC" keygen | "$MC" pubkey)" \
		--addr "$2" --owner bob@example.com >/dev/null &&
	"$MC" netmap add-node "$1/netmap.json" server --key "$("$MC" keygen | "$MC" pubkey)" \
		--addr 127.0.0.2 --tag tag:server >/dev/null &&
	"$MC" netmap sign --key "$1/sign.key" "$1/netmap.json" >/dev/null
}
if [ -x "$MC" ] && make_netmap "$T/nm1" 127.0.0.1 && make_netmap "$T/nm2" 127.0.0.3; then
	cat >"$T/policy.hujson" <<'POLICY'
{
	// bob may log in to servers as any non-root user; root needs a check
	"tagOwners": {"tag:server": ["bob@example.com"]},
	"ssh": [
		{"action": "check", "src": ["bob@example.com"], "dst": ["tag:server"], "users": ["root"]},
		{"action": "accept", "src": ["bob@example.com"], "dst": ["tag:server"],
		 "users": ["autogroup:nonroot"], "acceptEnv": ["LC_MESH*"]},
	],
}
POLICY
	start_daemon member "NetmapFile $T/nm1/netmap.json
TrustedKeysFile $T/nm1/trusted-keys
PolicyFile $T/policy.hujson
NodeName server" || cannot "netmap meshsshd did not start: $(cat "$T/member.log")"
	out=$(ssh $SO -p $PORT_member $U@127.0.0.1 'echo $MESH_LOGIN $MESH_NODE')
	check "netmap whois: identity from the signed netmap" '[ "$out" = "bob@example.com laptop" ]'
	check "netmap whois: Accepted line names login and node" 'grep -q "Accepted none for $U from 127.0.0.1 port [0-9]* ssh2 (mesh bob@example.com node laptop)" "$T/member.log"'
	out=$(LC_MESHX=1 LC_OTHER=2 ssh $SO -o SendEnv=LC_MESHX -o SendEnv=LC_OTHER -p $PORT_member $U@127.0.0.1 'echo "${LC_MESHX:-unset} ${LC_OTHER:-unset}"')
	check "policy acceptEnv filters env requests" '[ "$out" = "1 unset" ]'
	ssh -o LogLevel=INFO $SO -p $PORT_member root@127.0.0.1 true 2>"$T/check.err"
	check "policy check rule: clear denial, SSO not configured" '[ $? = 255 ] && grep -q "meshsshd: access denied for root from laptop (bob@example.com): SSO check is not configured" "$T/check.err"'
	check "policy check rule: log names rule 0" 'grep -q "Refused root from 127.0.0.1 port [0-9]*: SSO check is not configured.*(rule 0)" "$T/member.log"'
	ssh -o LogLevel=INFO $SO -p $PORT_member nosuchuser$$@127.0.0.1 true 2>"$T/nouser.err"
	check "unknown host user: refused with a reason" '[ $? = 255 ] && grep -q "access denied for nosuchuser$$ .*no such user" "$T/nouser.err"'

	start_daemon stranger "NetmapFile $T/nm2/netmap.json
TrustedKeysFile $T/nm2/trusted-keys
PolicyFile $T/policy.hujson
NodeName server" || cannot "third meshsshd did not start"
	exec 5<>"/dev/tcp/127.0.0.1/$PORT_stranger"
	line=""
	read -r -t 5 line <&5
	exec 5<&-
	check "non-mesh source: closed before any SSH banner" '[ -z "$line" ]'
	check "non-mesh source: logged" 'grep -q "Connection closed: 127.0.0.1 is not a mesh node" "$T/stranger.log"'

	# a netmap signed by an untrusted key is refused at start with a clear error
	cp "$T/nm1/trusted-keys" "$T/nm2/other-trusted"
	printf 'NetmapFile %s\nTrustedKeysFile %s\nPolicyFile %s\nNodeName server\n' "$T/nm2/netmap.json" "$T/nm2/other-trusted" "$T/policy.hujson" >"$T/untrusted.conf"
	out=$("$D" -t -f "$T/untrusted.conf" 2>&1)
	check "netmap signed by an untrusted key: refused" '[ $? -ne 0 ] && echo "$out" | grep -qi "netmap"'

	# SIGHUP with a broken netmap keeps the running one
	cp "$T/nm1/netmap.json" "$T/nm1/netmap.good"
	echo garbage >>"$T/nm1/netmap.json"
	kill -HUP "$PID_member"
	for _ in $(seq 50); do grep -q "reload failed" "$T/member.log" && break; sleep 0.1; done
	check "SIGHUP with a bad netmap: reload refused" 'grep -q "reload failed" "$T/member.log"'
	out=$(ssh $SO -p $PORT_member $U@127.0.0.1 'echo $MESH_NODE')
	check "SIGHUP with a bad netmap: the last good one stays in force" '[ "$out" = laptop ]'
else
	nok "meshctl could not build test netmaps"
fi

echo "1..$n"
exit $fail
