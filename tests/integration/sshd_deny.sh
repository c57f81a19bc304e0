#!/bin/bash
# sshd_deny: what is refused, and how.  A host user the policy does not
# grant, root, an unknown user, a source address that is no mesh node, and
# the underlay address are refused without running anything; meshsshd tells
# the client why in a banner and logs OpenSSH-style lines.  After every
# refusal a granted login still works.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP

deny_banner() { # deny_banner USER: the start of meshsshd's denial banner
	echo "meshsshd: access denied for $1 from $E2E_CLI_NODE ($E2E_CLI_LOGIN): "
}

for u in "$E2E_OTHER" root "nosuch$E2E_ID"; do
	e2e_capture e2e_ssh -l "$u" web-1 "touch /tmp/e2e-ran-$E2E_ID"
	e2e_is "$E2E_RC" 255 "user $u, not granted by the policy: ssh exits 255"
	e2e_ok "$([ -e "/tmp/e2e-ran-$E2E_ID" ] && echo 1 || echo 0)" "user $u: nothing ran"
	if e2e_mesh_only "user $u: the client is told why"; then
		e2e_has "$E2E_ERR" "$(deny_banner "$u")" "user $u: the client is told why"
		e2e_like "$(grep -F "$(deny_banner "$u")" "$T/cap.err" | head -n 1)" \
			"$(deny_banner "$u" | sed 's/[().]/\\&/g').+" "user $u: the banner gives a reason"
	fi
	if e2e_mesh_only "user $u: the server logs the refusal"; then
		e2e_wait_for grep -q "Refused $u from $E2E_CLI_ADDR4 port [0-9]*: ." "$T/server.log"
		e2e_like "$(e2e_server_log)" "Refused $u from $E2E_CLI_ADDR4 port [0-9]+: ." \
			"user $u: the server logs 'Refused USER from ADDR port N: REASON'"
	fi
done
rm -f "/tmp/e2e-ran-$E2E_ID"

# A source address routed through the tunnel but in no node of the netmap.
for a in "$E2E_STRANGER_ADDR4" "$E2E_STRANGER_ADDR6"; do
	if e2e_mesh_only "from $a (not a mesh node): refused"; then
		host=web-1
		case $a in *:*) host=web-1-v6 ;; esac
		e2e_capture e2e_ssh -b "$a" "$host" "touch /tmp/e2e-ran-$E2E_ID"
		e2e_ok "$([ "$E2E_RC" -eq 255 ] && [ ! -e "/tmp/e2e-ran-$E2E_ID" ] && echo 0 || echo 1)" \
			"from $a (not a mesh node): refused, nothing ran (exit $E2E_RC)"
		e2e_wait_for grep -qF "Connection closed: $a is not a mesh node" "$T/server.log"
		e2e_has "$(e2e_server_log)" "Connection closed: $a is not a mesh node" \
			"from $a: the server logs 'Connection closed: ADDR is not a mesh node'"
		got=$(e2e_in_client "$E2E_PYTHON" -c '
import socket, sys
src, dst, port = sys.argv[1:4]
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.bind((src, 0))
s.settimeout(30)
s.connect((dst, int(port)))
try:
    d = s.recv(64)
except socket.timeout:
    d = b"(no close)"
print(repr(d[:8]))
' "$a" "$(case $a in *:*) echo "$E2E_SRV_ADDR6" ;; *) echo "$E2E_SRV_ADDR4" ;; esac)" "$E2E_SSH_PORT" 2>&1)
		e2e_is "$got" "b''" "from $a: closed before any SSH byte is sent"
	fi
done

# The server's underlay address, outside the tunnel: nobody listens there.
e2e_capture e2e_ssh -o HostName="$E2E_UNDERLAY_SRV" -o HostKeyAlias=web-1 web-1 true
e2e_is "$E2E_RC" 255 "the underlay address ($E2E_UNDERLAY_SRV) is not served"
e2e_like "$E2E_ERR" "Connection refused" "the underlay address refuses the connection"

# /etc/nologin: a non-root login is refused with its text and nothing runs.
# meshsshd runs PAM's account stack when the policy has accepted the login,
# as sshd does with UsePAM yes (pam_nologin): the login is refused (ssh exits
# 255), forwarding-only connections too.  OpenSSH's sshd here has UsePAM no
# and checks the file itself when the session starts (status 254).
e2e_in_server sh -c "echo 'down for maintenance $E2E_ID' >/etc/nologin"
e2e_capture e2e_ssh web-1 "touch /tmp/e2e-ran-$E2E_ID"
if e2e_is_mesh; then
	e2e_is "$E2E_RC" 255 "/etc/nologin: the login is refused"
else
	e2e_is "$E2E_RC" 254 "/etc/nologin: the session ends with status 254"
fi
e2e_has "$E2E_ERR" "down for maintenance $E2E_ID" "/etc/nologin: the client reads its text"
e2e_ok "$([ -e "/tmp/e2e-ran-$E2E_ID" ] && echo 1 || echo 0)" "/etc/nologin: nothing ran"
if e2e_mesh_only "/etc/nologin: the reason is given and logged"; then
	e2e_has "$E2E_ERR" "access denied by PAM (account)" "/etc/nologin: the client is told PAM refused"
	e2e_wait_for grep -q "PAM: account: .* for $E2E_USER from $E2E_CLI_ADDR4" "$T/server.log"
	e2e_like "$(e2e_server_log)" "Refused $E2E_USER from $E2E_CLI_ADDR4 port [0-9]+: access denied by PAM \\(account\\)" \
		"/etc/nologin: the server logs the refusal as 'Refused USER ...'"
	# (a one-line greeter on the server's loopback: ssh -W prints it when the forward works)
	e2e_bg "$T/greeter" e2e_in_server "$E2E_PYTHON" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8089))
s.listen(4)
open("'"$T/greeter.ready"'", "w").close()
while True:
    c, _ = s.accept()
    c.sendall(b"greeter-hello\n")
    c.close()
'
	e2e_wait_file "$T/greeter.ready"
	e2e_capture e2e_ssh -W 127.0.0.1:8089 web-1 </dev/null
	e2e_ok "$(echo "$E2E_OUT" | grep -q greeter-hello && echo 1 || echo 0)" \
		"/etc/nologin: a forwarding-only connection (ssh -W) is refused too"
fi
e2e_in_server rm -f /etc/nologin
if e2e_mesh_only "without /etc/nologin the same ssh -W carries the forward"; then
	e2e_capture e2e_ssh -W 127.0.0.1:8089 web-1 </dev/null
	e2e_has "$E2E_OUT" "greeter-hello" "without /etc/nologin the same ssh -W carries the forward"
fi
rm -f "/tmp/e2e-ran-$E2E_ID"

e2e_capture e2e_ssh web-1 'echo still-$((1+1))'
e2e_is "$E2E_OUT:$E2E_RC" "still-2:0" "after the refusals a granted login works"
e2e_ok "$(kill -0 "$E2E_SERVER_PID" 2>/dev/null && echo 0 || echo 1)" "the server is still running"
if e2e_is_mesh; then
	e2e_wait_for grep -q "Accepted none for $E2E_USER from $E2E_CLI_ADDR4 port" "$T/server.log"
	e2e_like "$(e2e_server_log)" \
		"Accepted none for $E2E_USER from $E2E_CLI_ADDR4 port [0-9]+ ssh2 \\(mesh $E2E_CLI_LOGIN node $E2E_CLI_NODE\\)" \
		"the server logs 'Accepted none for USER from ADDR port N ssh2 (mesh LOGIN node NODE)'"
else
	e2e_like "$(e2e_server_log)" "Accepted publickey for $E2E_USER from $E2E_CLI_ADDR4 port [0-9]+ ssh2" \
		"the server logs 'Accepted publickey for USER from ADDR port N ssh2'"
fi

e2e_done
