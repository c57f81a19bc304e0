#!/bin/bash
# sshd_privsep: from inside a terminal session, the user cannot signal,
# ptrace, write the memory of, or look into the root processes that hold the
# connection (and, with meshsshd, no process holding the connection runs as
# the user at all).  The probe runs in the session, as the user would.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP
H=$E2E_HOME

uids_of() { # uids_of PID: real effective saved fs
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null
}

cp "$top_srcdir/tests/integration/sshd_privsep_probe.py" "$H/probe.py"
e2e_bg "$T/hold" e2e_ssh -tt web-1 'echo $$ > shell.pid; while [ ! -e pids ]; do sleep 0.1; done
/usr/bin/python3 probe.py $(cat pids) > probe.out 2>&1; touch probe.done
while [ ! -e release ]; do sleep 0.1; done'
hold=$E2E_BG_PID
e2e_wait_file "$H/shell.pid"
shell=$(cat "$H/shell.pid" 2>/dev/null)
e2e_like "$shell" '^[0-9]+$' "a terminal session is running (shell pid $shell)"

# Who holds the TCP connection, and which processes stand between the
# listener and the session's shell.
holders=$(ip netns exec "$E2E_NS_S" ss -Htnp state established "( sport = :$E2E_SSH_PORT )" |
	grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ')
ancestors=""
p=$(awk '/^PPid:/ { print $2 }' "/proc/${shell:-1}/status" 2>/dev/null)
while [ -n "$p" ] && [ "$p" -gt 1 ] && [ "$p" != "$E2E_SERVER_PID" ]; do
	ancestors="$ancestors $p"
	p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
done
e2e_like "$holders" '[0-9]' "the server processes holding the connection: $holders"
e2e_diag "ancestors of the shell below the listener:$ancestors"

targets=""
root_holders=0
user_owned=""
for p in $holders $ancestors; do
	u=" $(uids_of "$p") "
	case $u in *" 0 "*) root_holders=$((root_holders + 1)) ;; esac
	case $u in *" $E2E_UID "*) user_owned="$user_owned $p($(cat "/proc/$p/comm"))" ;; esac
	case " $targets " in *" $p "*) ;; *) targets="$targets $p" ;; esac
done
e2e_ok "$([ "$root_holders" -gt 0 ] && echo 0 || echo 1)" "a root process holds the session"
if e2e_mesh_only "no process holding the connection runs as the user"; then
	e2e_is "$user_owned" "" "no process holding the connection runs as the user"
fi

# Only root-owned targets when the server is OpenSSH (its privsep child runs
# as the user by design).
probe=""
for p in $targets; do
	u=" $(uids_of "$p") "
	case $u in *" $E2E_UID "*) e2e_is_mesh && probe="$probe $p" ;; *) probe="$probe $p" ;; esac
done
echo "$probe $shell" >"$H/pids"
e2e_wait_file "$H/probe.done"
out=$(cat "$H/probe.out" 2>/dev/null)
e2e_diag "$out"
n=0
for p in $probe; do
	line=$(printf '%s\n' "$out" | grep "^$p ")
	n=$((n + 1))
	for what in signal ptrace mem fd environ; do
		e2e_like "$line" "(^| )$what=denied( |\$)" "the user cannot $what pid $p ($(cat "/proc/$p/comm" 2>/dev/null))"
	done
done
e2e_ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "probed $n server processes from inside the session"
# The control: the probe does see what the user may do to the user's own shell.
e2e_like "$(printf '%s\n' "$out" | grep "^$shell ")" "signal=ALLOWED ptrace=ALLOWED mem=ALLOWED" \
	"control: the probe reports the user's own shell as reachable"

touch "$H/release"
wait "$hold"
e2e_is "$?" 0 "the session ends normally after the probes"
e2e_ok "$(kill -0 "$E2E_SERVER_PID" 2>/dev/null && echo 0 || echo 1)" "the server is unharmed"

e2e_done
