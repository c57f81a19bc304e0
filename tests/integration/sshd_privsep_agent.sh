#!/bin/bash
# sshd_privsep_agent: the forwarded agent's directory belongs to the user, so
# whatever root does there afterwards must not follow a link the user
# planted.  The user swaps the directory for a symlink to a root-only
# directory holding a file of the socket's name; when the connection ends,
# that file must survive (the server cleans up with the user's file-system
# rights, as OpenSSH's sshd does).
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

e2e_bg "$T/agent" e2e_in_client ssh-agent -D -a "$T/agent.sock"
e2e_wait_for test -S "$T/agent.sock"

victim=$T/victim
mkdir -m 0755 "$victim"
e2e_bg "$T/hold" e2e_ssh -A -o IdentityAgent="$T/agent.sock" web-1 \
	'echo "$SSH_AUTH_SOCK" > agent-path; while [ ! -e go ]; do sleep 0.1; done
d=$(dirname "$SSH_AUTH_SOCK"); mv "$d" "$d.moved" && ln -s "$(cat victim-path)" "$d" && echo swapped'
hold=$E2E_BG_PID
e2e_wait_file "$E2E_HOME/agent-path"
sock=$(cat "$E2E_HOME/agent-path" 2>/dev/null)
e2e_like "$sock" '^/tmp/ssh-[^/]+/agent\.[0-9]+$' "the session has a forwarded agent socket ($sock)"
conn=${sock##*agent.}
dir=$(dirname "${sock:-/nonexistent/x}")
echo precious >"$victim/$(basename "${sock:-x}")"
echo "$victim" >"$E2E_HOME/victim-path"
touch "$E2E_HOME/go"
wait "$hold"
e2e_has "$(cat "$T/hold.out" 2>/dev/null)" swapped "the user replaced the agent directory with a symlink"
e2e_wait_for sh -c "! kill -0 '${conn:-1}' 2>/dev/null"
e2e_ok "$(kill -0 "${conn:-1}" 2>/dev/null && echo 1 || echo 0)" "the connection process ($conn) has ended"
e2e_is "$(cat "$victim/$(basename "${sock:-x}")" 2>/dev/null)" precious \
	"root's clean-up did not follow the user's symlink into a root-only directory"
e2e_ok "$(kill -0 "$E2E_SERVER_PID" 2>/dev/null && echo 0 || echo 1)" "the server is unharmed"
# what the user left behind in /tmp (their moved directory and the link)
case $dir in /tmp/ssh-?*) rm -rf "$dir.moved" && rm -f "$dir" ;; esac

e2e_done
