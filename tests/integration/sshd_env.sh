#!/bin/bash
# sshd_env: the environment a session gets, as sshd sets it (USER, LOGNAME,
# HOME, SHELL, PATH, MAIL, SSH_CONNECTION, SSH_CLIENT, SSH_TTY), the
# caller's mesh identity (MESH_LOGIN, MESH_NODE), and client variables
# (SendEnv/SetEnv) filtered by the policy's acceptEnv (LC_*, MESH_TEST_*).
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

getvar() { # getvar NAME: from the env dump in $T/env
	sed -n "s/^$1=//p" "$T/env" | head -n 1
}

e2e_ssh web-1 env >"$T/env" 2>"$T/env.err"
e2e_is "$?" 0 "ssh web-1 env"
e2e_is "$(getvar USER)" "$E2E_USER" "USER is the host user"
e2e_is "$(getvar LOGNAME)" "$E2E_USER" "LOGNAME is the host user"
e2e_is "$(getvar HOME)" "$E2E_HOME" "HOME is the user's home"
e2e_is "$(getvar SHELL)" /bin/bash "SHELL is the user's login shell"
e2e_like ":$(getvar PATH):" ':/usr/bin:(.*:)?/bin:' "PATH has /usr/bin and /bin"
e2e_is "$(getvar MAIL)" "/var/mail/$E2E_USER" "MAIL is the user's mailbox"
conn=$(getvar SSH_CONNECTION)
e2e_like "$conn" "^$E2E_CLI_ADDR4 [0-9]+ $E2E_SRV_ADDR4 $E2E_SSH_PORT\$" \
	"SSH_CONNECTION is client address, port, server address, port"
port=$(echo "$conn" | cut -d' ' -f2)
e2e_is "$(getvar SSH_CLIENT)" "$E2E_CLI_ADDR4 $port $E2E_SSH_PORT" "SSH_CLIENT agrees with SSH_CONNECTION"
e2e_is "$(grep -c '^SSH_TTY=' "$T/env")" 0 "no SSH_TTY without a pty"
if e2e_mesh_only "MESH_LOGIN is the caller's login"; then
	e2e_is "$(getvar MESH_LOGIN)" "$E2E_CLI_LOGIN" "MESH_LOGIN is the caller's login"
fi
if e2e_mesh_only "MESH_NODE is the caller's node"; then
	e2e_is "$(getvar MESH_NODE)" "$E2E_CLI_NODE" "MESH_NODE is the caller's node"
fi

# acceptEnv: LC_* and MESH_TEST_* pass, everything else is dropped.
weird='a b=c;$(touch pwned)`id`'
e2e_in_client env LC_E2E="$weird" MESH_TEST_FOO=foo NOT_ACCEPTED=no \
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" ssh -F "$T/ssh_config" \
	-o SendEnv=LC_E2E -o SendEnv=MESH_TEST_FOO -o SendEnv=NOT_ACCEPTED \
	-o SetEnv="MESH_TEST_SET=set LD_PRELOAD=/nonexistent/e2e.so MESH_LOGIN=mallory@example.net MESH_NODE=evil" \
	web-1 env >"$T/env" 2>"$T/env.err"
e2e_is "$?" 0 "a session with SendEnv and SetEnv starts"
e2e_is "$(getvar LC_E2E)" "$weird" "SendEnv LC_E2E (acceptEnv LC_*) arrives verbatim"
e2e_is "$(getvar MESH_TEST_FOO)" foo "SendEnv MESH_TEST_FOO (acceptEnv MESH_TEST_*) arrives"
e2e_is "$(getvar MESH_TEST_SET)" set "SetEnv MESH_TEST_SET arrives"
e2e_is "$(grep -c '^NOT_ACCEPTED=' "$T/env")" 0 "a variable outside acceptEnv is dropped"
e2e_is "$(grep -c '^LD_PRELOAD=' "$T/env")" 0 "LD_PRELOAD from the client is dropped"
e2e_ok "$([ -e "$E2E_HOME/pwned" ] && echo 1 || echo 0)" "a variable's value is never evaluated by a shell"
if e2e_mesh_only "the client cannot set MESH_LOGIN"; then
	e2e_is "$(getvar MESH_LOGIN)" "$E2E_CLI_LOGIN" "the client cannot set MESH_LOGIN"
fi
if e2e_mesh_only "the client cannot set MESH_NODE"; then
	e2e_is "$(getvar MESH_NODE)" "$E2E_CLI_NODE" "the client cannot set MESH_NODE"
fi
e2e_is "$(getvar USER)" "$E2E_USER" "USER is unchanged by client variables"

# Over IPv6 the connection variables carry the v6 addresses.
e2e_ssh web-1-v6 env >"$T/env" 2>"$T/env.err"
e2e_like "$(getvar SSH_CONNECTION)" "^$E2E_CLI_ADDR6 [0-9]+ $E2E_SRV_ADDR6 $E2E_SSH_PORT\$" \
	"SSH_CONNECTION over IPv6"
if e2e_mesh_only "MESH_LOGIN over IPv6"; then
	e2e_is "$(getvar MESH_LOGIN)" "$E2E_CLI_LOGIN" "MESH_LOGIN over IPv6 (same node, v6 address)"
fi

e2e_done
