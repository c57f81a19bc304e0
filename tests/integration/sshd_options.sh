#!/bin/bash
# sshd_options: the operator's sshd_config switches, with the stock client:
# AllowTcpForwarding no refuses -W/-L (direct-tcpip) and -R (tcpip-forward),
# AllowAgentForwarding no leaves SSH_AUTH_SOCK unset under -A, PermitTTY no
# refuses the pty (the command still runs), MaxSessions 1 refuses a second
# session on one connection (ControlMaster) until the first ends.
# (The session channel's refusal has the generic reason: libssh 0.10 offers
# no other.)  The same
# lines go to OpenSSH's sshd in openssh mode, so each check is sshd's
# behaviour too.
opts='AllowTcpForwarding no
AllowAgentForwarding no
PermitTTY no
MaxSessions 1'
E2E_MESHSSHD_EXTRA_CONF=$opts
E2E_SSHD_EXTRA_CONF=$opts
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

# A plain login still works.
e2e_capture e2e_ssh web-1 'echo ok-$((1+1))'
e2e_is "$E2E_OUT:$E2E_RC" "ok-2:0" "a command runs with the switches set"

# AllowTcpForwarding no: stdio forwarding (direct-tcpip) and a remote forward.
e2e_capture e2e_ssh -W "127.0.0.1:$E2E_SSH_PORT" web-1 </dev/null
e2e_is "$E2E_RC" 255 "AllowTcpForwarding no: ssh -W fails"
e2e_has "$E2E_ERR" "administratively prohibited" "AllowTcpForwarding no: the open is refused"
e2e_capture e2e_ssh -o ExitOnForwardFailure=yes -R 127.0.0.1:0:127.0.0.1:9 web-1 true
e2e_is "$E2E_RC" 255 "AllowTcpForwarding no: ssh -R with ExitOnForwardFailure fails"
e2e_has "$E2E_ERR" "remote port forwarding failed" "AllowTcpForwarding no: the client says why"
if e2e_mesh_only "AllowTcpForwarding no: the server logs the refusals"; then
	e2e_wait_for grep -q "refused remote forward" "$T/server.log"
	e2e_like "$(e2e_server_log)" "refused local port forward to 127\\.0\\.0\\.1 port $E2E_SSH_PORT for $E2E_USER" \
		"AllowTcpForwarding no: the local forward's refusal is logged"
	e2e_like "$(e2e_server_log)" "refused remote forward 127\\.0\\.0\\.1:0 for $E2E_USER" \
		"AllowTcpForwarding no: the remote forward's refusal is logged"
fi

# AllowAgentForwarding no: -A with a running agent gives no socket.
e2e_bg "$T/agent" e2e_in_client ssh-agent -D -a "$T/agent.sock"
e2e_wait_for test -S "$T/agent.sock"
e2e_capture e2e_ssh -A -o IdentityAgent="$T/agent.sock" web-1 'echo "[${SSH_AUTH_SOCK:-}]"'
e2e_is "$E2E_OUT:$E2E_RC" "[]:0" "AllowAgentForwarding no: no SSH_AUTH_SOCK under -A"

# PermitTTY no: the pty request fails, the command runs without one.
# (-tt makes the client give up: it exits 255, as against sshd)
e2e_capture e2e_ssh -tt web-1 'tty' </dev/null
e2e_is "$E2E_RC" 255 "PermitTTY no: ssh -tt ends with 255"
e2e_has "$E2E_ERR" "PTY allocation request failed" "PermitTTY no: the client is told"
if e2e_mesh_only "PermitTTY no: the server logs the refusal"; then
	e2e_like "$(e2e_server_log)" "pty request for $E2E_USER refused: PermitTTY no" \
		"PermitTTY no: the server logs the refusal"
fi

# MaxSessions 1: a second session through one master is refused.
CM="-S $T/cm"
e2e_bg "$T/master" e2e_ssh -M $CM -N web-1
master=$E2E_BG_PID
e2e_wait_for e2e_ssh $CM -O check web-1
e2e_bg "$T/first" e2e_ssh $CM web-1 'echo held > held; while [ ! -e release ]; do sleep 0.1; done'
first=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/held"
# (the client then falls back to a connection of its own, where it runs)
e2e_capture e2e_ssh $CM web-1 "echo second"
e2e_has "$E2E_ERR" "Session open refused by peer" \
	"MaxSessions 1: the master's connection refuses a second session"
if e2e_mesh_only "MaxSessions 1: the server logs the refusal"; then
	e2e_like "$(e2e_server_log)" "no more sessions for $E2E_USER \\(MaxSessions 1\\)" \
		"MaxSessions 1: the server logs the refusal"
fi
touch "$E2E_HOME/release"
e2e_wait_for sh -c "! kill -0 $first 2>/dev/null"
e2e_capture e2e_ssh $CM web-1 'echo third'
e2e_is "$E2E_OUT:$E2E_RC" "third:0" "MaxSessions 1: after the first ends, a new session starts"
e2e_unlike "$E2E_ERR" "refused" "MaxSessions 1: ... on the master's connection"
e2e_ssh $CM -O exit web-1 >/dev/null 2>&1
e2e_kill "$master"

e2e_done
