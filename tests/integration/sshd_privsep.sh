#!/bin/bash
# sshd_privsep: from inside a terminal session, the user cannot signal
# (not even SIGCONT or a real SIGKILL), ptrace, write the memory of, or look
# into the root processes that hold the connection (and, with meshsshd, no
# process holding the connection runs as the user at all).  The session's
# processes inherit no descriptor beyond 0-2 (with a pty, all three are the
# terminal, which belongs to the user, mode 0620).  The probe runs in the
# session, as the user would.
. "$(dirname "$0")/lib.sh"
# in the server's environment (it inherits ours); must not reach a session
export E2E_PRIVSEP_MARKER="daemon-env-$$"
e2e_setup
T=$E2E_TMP
H=$E2E_HOME

uids_of() { # uids_of PID: real effective saved fs
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$1/status" 2>/dev/null
}

cp "$top_srcdir/tests/integration/sshd_privsep_probe.py" "$H/probe.py"
e2e_bg "$T/hold" e2e_ssh -tt web-1 'echo $$ > shell.pid; while [ ! -e pids ]; do sleep 0.1; done
/usr/bin/python3 probe.py --fds $$ > fds.out 2>&1
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
	for what in signal ptrace mem fd environ cont kill9; do
		e2e_like "$line" "(^| )$what=denied( |\$)" "the user cannot $what pid $p ($(cat "/proc/$p/comm" 2>/dev/null))"
	done
done
e2e_ok "$([ "$n" -gt 0 ] && echo 0 || echo 1)" "probed $n server processes from inside the session"
# The control: the probe does see what the user may do to the user's own shell.
e2e_like "$(printf '%s\n' "$out" | grep "^$shell ")" "signal=ALLOWED ptrace=ALLOWED mem=ALLOWED" \
	"control: the probe reports the user's own shell as reachable"

alive=""
for p in $probe; do kill -0 "$p" 2>/dev/null || alive="$alive $p(gone)"; done
e2e_is "$alive" "" "every probed server process survived the user's SIGKILL"

# What the session handed down: the shell has 0-2 only, all the terminal,
# and that terminal is the user's (mode 0620), not root's or anyone else's.
fds=$(cat "$H/fds.out" 2>/dev/null)
e2e_like "$fds" "^fds $shell 0=/dev/pts/[0-9]+ 1=/dev/pts/[0-9]+ 2=/dev/pts/[0-9]+\$" \
	"the terminal session's shell holds fds 0-2 only, all on its pty"
e2e_is "$(stat -L -c '%u %a' "/proc/${shell:-1}/fd/0" 2>/dev/null)" "$E2E_UID 620" \
	"the session's terminal belongs to the user, mode 0620"

touch "$H/release"
wait "$hold"
e2e_is "$?" 0 "the session ends normally after the probes"
e2e_ok "$(kill -0 "$E2E_SERVER_PID" 2>/dev/null && echo 0 || echo 1)" "the server is unharmed"

# A client-chosen user name with a newline cannot forge a log line (the
# auth lines are an interface: fail2ban and the like read them).
if e2e_mesh_only "a user name with a newline stays in one log line"; then
	forged="Accepted none for root from 203.0.113.7 port 1 ssh2"
	timeout -k 5 60 ip netns exec "$E2E_NS_C" "$E2E_PYTHON" -c '
import socket, sys, paramiko
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
t = paramiko.Transport(s)
t.start_client(timeout=10)
try:
    t.auth_none(sys.argv[3])
except Exception:
    pass
t.close()' "$E2E_SRV_ADDR4" "$E2E_SSH_PORT" "nouser$$
$forged" >"$T/forge.out" 2>&1
	e2e_wait_for sh -c "grep -q 'nouser$$' '$T/server.log'"
	e2e_like "$(e2e_server_log | grep -c "nouser$$")" '^[1-9]' \
		"the server logged the odd user name ($(e2e_server_log | grep "nouser$$" | head -n 1))"
	e2e_is "$(e2e_server_log | grep -c "^$forged")" 0 \
		"a newline in the user name did not start a forged log line"
	e2e_like "$(e2e_server_log | grep "nouser$$" | head -n 1)" "invalid user name" \
		"the name was refused as invalid before the policy ran"
fi

# The session's environment is built afresh, not inherited from the daemon.
# (OpenSSH's sshd re-executes itself with a clean environment: no control)
if e2e_mesh_only "control: the server process has the marker variable in its environment"; then
	e2e_is "$(tr '\0' '\n' <"/proc/$E2E_SERVER_PID/environ" 2>/dev/null | grep -c '^E2E_PRIVSEP_MARKER=')" 1 \
		"control: the server process has the marker variable in its environment"
fi
e2e_capture e2e_ssh web-1 env
e2e_like "$E2E_OUT" '^USER=' "the session's environment is readable (exit $E2E_RC)"
e2e_unlike "$E2E_OUT" 'E2E_PRIVSEP_MARKER|MESH_AUTH_INFO' \
	"the daemon's environment and the PAM hand-off ticket do not reach the session"

# Without a pty: a command's process gets exactly 0-2 (pipes or sockets).
e2e_capture e2e_ssh web-1 'exec /usr/bin/python3 probe.py --fds'
e2e_like "$E2E_OUT" '^fds self 0=[^ ]+ 1=[^ ]+ 2=[^ ]+$' \
	"a command without a pty inherits fds 0-2 only ($E2E_OUT)"

e2e_done
