#!/bin/bash
# sshd_agent: agent forwarding (ssh -A): the forwarded socket works (list,
# sign), belongs to the user in a private directory, is unreachable for
# another user, is gone when the session ends, and is absent without -A.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

ssh-keygen -q -t ed25519 -N '' -C "e2e agent key" -f "$T/agent_key"
fp=$(ssh-keygen -lf "$T/agent_key.pub" | cut -d' ' -f2)
e2e_bg "$T/agent" e2e_in_client ssh-agent -D -a "$T/agent.sock"
e2e_wait_for test -S "$T/agent.sock"
e2e_in_client env SSH_AUTH_SOCK="$T/agent.sock" ssh-add -q "$T/agent_key" 2>/dev/null
A="-A -o IdentityAgent=$T/agent.sock"

# shellcheck disable=SC2086
e2e_capture e2e_ssh $A web-1 'ssh-add -l'
e2e_has "$E2E_OUT" "256 $fp e2e agent key" "ssh -A: the remote side lists the client's agent key"

cp "$T/agent_key.pub" "$E2E_HOME/agent_key.pub"
# shellcheck disable=SC2086
e2e_capture e2e_ssh $A web-1 'ssh-add -T agent_key.pub && echo signed-$((1+1))'
e2e_is "$E2E_OUT:$E2E_RC" "signed-2:0" "ssh -A: the remote side signs with the forwarded agent"

# Hold a session open, then look at its socket from the server's side.
# shellcheck disable=SC2086
e2e_bg "$T/hold" e2e_ssh $A web-1 \
	'echo "$SSH_AUTH_SOCK" > agent-path; while [ ! -e release ]; do sleep 0.1; done'
hold=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/agent-path"
sock=$(cat "$E2E_HOME/agent-path" 2>/dev/null)
e2e_like "$sock" '^/' "SSH_AUTH_SOCK is set to an absolute path ($sock)"
e2e_is "$(stat -c '%F %u' "$sock" 2>/dev/null)" "socket $E2E_UID" "the agent socket belongs to the user"
e2e_like "$(stat -c '%a %u' "$(dirname "$sock")" 2>/dev/null)" "^700 $E2E_UID\$" \
	"the socket's directory is private to the user (700)"
e2e_capture e2e_as_user "$E2E_OTHER" env SSH_AUTH_SOCK="$sock" ssh-add -l
e2e_ok "$([ "$E2E_RC" -eq 2 ] && echo 0 || echo 1)" "another user cannot reach the agent (ssh-add exit $E2E_RC)"
e2e_capture e2e_as_user "$E2E_USER" env SSH_AUTH_SOCK="$sock" ssh-add -l
e2e_has "$E2E_OUT" "$fp" "the user reaches the agent from another process"
touch "$E2E_HOME/release"
wait "$hold"
e2e_wait_for sh -c "! test -e '$sock'"
e2e_ok "$([ -e "$sock" ] && echo 1 || echo 0)" "the agent socket is removed when the session ends"

# shellcheck disable=SC2086
e2e_capture e2e_ssh -a -o IdentityAgent="$T/agent.sock" web-1 'echo "SSH_AUTH_SOCK=${SSH_AUTH_SOCK-unset}"'
e2e_is "$E2E_OUT" "SSH_AUTH_SOCK=unset" "without -A there is no forwarded agent"

e2e_done
