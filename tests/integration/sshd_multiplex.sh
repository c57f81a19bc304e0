#!/bin/bash
# sshd_multiplex: many channels on one connection (ControlMaster): parallel
# exec sessions, concurrent bulk transfers, sftp and scp through the
# master, all over a single TCP connection.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP
CM="-S $T/cm"

conns() { # established TCP connections to the server's ssh port
	ip netns exec "$E2E_NS_S" ss -Htn state established "( sport = :$E2E_SSH_PORT )" | wc -l
}

e2e_bg "$T/master" e2e_ssh -M $CM -N web-1
master=$E2E_BG_PID
e2e_wait_for e2e_ssh $CM -O check web-1
e2e_capture e2e_ssh $CM -O check web-1
e2e_is "$E2E_RC" 0 "the master connection is up"

# A channel held open while others come and go.
e2e_bg "$T/hold" e2e_ssh $CM web-1 'echo held > held; while [ ! -e release ]; do sleep 0.1; done; echo released'
hold=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/held"

pids=""
for i in 1 2 3 4 5 6 7 8 9 10; do
	e2e_ssh $CM web-1 "echo channel-\$((100+$i)); exit $i" >"$T/ch$i.out" 2>"$T/ch$i.err" &
	pids="$pids $!"
done
i=0
good=0
for p in $pids; do
	i=$((i + 1))
	wait "$p"
	rc=$?
	if [ "$rc" -eq "$i" ] && [ "$(cat "$T/ch$i.out")" = "channel-$((100 + i))" ]; then
		good=$((good + 1))
	else
		bad="${bad:-}session $i: exit $rc (want $i), out '$(cat "$T/ch$i.out")', err '$(head -c 300 "$T/ch$i.err")'
"
	fi
done
e2e_is "$good" 10 "10 parallel sessions on one connection: each its own output and exit status" ||
	e2e_diag "$bad"

head -c 16M /dev/urandom >"$T/a"
head -c 16M /dev/urandom >"$T/b"
cp "$T/b" "$E2E_HOME/b"
chown "$E2E_UID" "$E2E_HOME/b"
e2e_ssh $CM web-1 'cat > a' <"$T/a" &
up=$!
e2e_ssh $CM web-1 'cat b' >"$T/b.back" &
down=$!
wait "$up"
rc_up=$?
wait "$down"
rc_down=$?
e2e_is "$rc_up:$(e2e_sha256 "$E2E_HOME/a")" "0:$(e2e_sha256 "$T/a")" "concurrent upload on a shared connection is intact"
e2e_is "$rc_down:$(e2e_sha256 "$T/b.back")" "0:$(e2e_sha256 "$T/b")" "concurrent download on a shared connection is intact"

e2e_capture e2e_sftp -o ControlPath="$T/cm" -b - web-1 <<<"get b $T/b.sftp"
e2e_is "$E2E_RC:$(e2e_sha256 "$T/b.sftp" 2>/dev/null)" "0:$(e2e_sha256 "$T/b")" "sftp through the master"
e2e_capture e2e_scp -o ControlPath="$T/cm" "$T/a" web-1:a.scp
e2e_is "$E2E_RC:$(e2e_sha256 "$E2E_HOME/a.scp" 2>/dev/null)" "0:$(e2e_sha256 "$T/a")" "scp through the master"

e2e_is "$(conns)" 1 "all of it went over one TCP connection"

touch "$E2E_HOME/release"
wait "$hold"
e2e_is "$?:$(cat "$T/hold.out")" "0:released" "the long-lived channel outlived the others"

e2e_capture e2e_ssh $CM -O exit web-1
wait "$master"
e2e_ok "$(kill -0 "$master" 2>/dev/null && echo 1 || echo 0)" "ssh -O exit closes the master"
e2e_wait_for sh -c "[ \"\$(ip netns exec $E2E_NS_S ss -Htn state established '( sport = :$E2E_SSH_PORT )' | wc -l)\" -eq 0 ]"
e2e_is "$(conns)" 0 "and its connection"

e2e_done
