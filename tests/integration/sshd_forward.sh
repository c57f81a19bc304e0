#!/bin/bash
# sshd_forward: TCP forwarding with the stock client over `ssh -N`: local
# (-L, direct-tcpip) and remote (-R, tcpip-forward) forwards carrying 8 MiB
# each way with a half-close in the middle, a remote forward added and
# cancelled through a ControlMaster (cancel-tcpip-forward), a dynamic remote
# port, a refused privileged port, and a connection to a closed port that
# leaves the forward working.
. "$(dirname "$0")/lib.sh"
e2e_setup
T=$E2E_TMP
HELPER="$E2E_PYTHON $top_srcdir/tests/integration/sshd_tcp_helper.py"

head -c 8M /dev/urandom >"$T/to-server"
head -c 8M /dev/urandom >"$T/to-client"
want="$(e2e_sha256 "$T/to-server") $(e2e_sha256 "$T/to-client")"
want_r="$(e2e_sha256 "$T/to-client") $(e2e_sha256 "$T/to-server")"

# A service in each namespace, on loopback only: reachable through a forward.
e2e_bg "$T/srv-s" e2e_in_server $HELPER serve 127.0.0.1 8080 "$T/to-client" "$T/ready-s"
e2e_bg "$T/srv-c" e2e_in_client $HELPER serve 127.0.0.1 8081 "$T/to-server" "$T/ready-c"
e2e_wait_file "$T/ready-s" && e2e_wait_file "$T/ready-c" ||
	e2e_diag "helper servers not ready: $(cat "$T/srv-s.err" "$T/srv-c.err")"

client_in() { # client_in NS PORT FILE: one conversation; prints the two digests
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" ip netns exec "$1" $HELPER client 127.0.0.1 "$2" "$3"
}

# -L with -N
e2e_bg "$T/L" e2e_ssh -N -o ExitOnForwardFailure=yes -L 127.0.0.1:9080:127.0.0.1:8080 web-1
L_pid=$E2E_BG_PID
e2e_wait_for e2e_listening "$E2E_NS_C" 9080
e2e_is "$(client_in "$E2E_NS_C" 9080 "$T/to-server")" "$want" \
	"ssh -L: 8 MiB each way through direct-tcpip, half-close passed on"
e2e_capture client_in "$E2E_NS_C" 9080 "$T/to-server"
e2e_is "$E2E_OUT" "$want" "ssh -L: a second connection through the same forward"

# Two at once.
client_in "$E2E_NS_C" 9080 "$T/to-server" >"$T/par1" 2>&1 &
p1=$!
client_in "$E2E_NS_C" 9080 "$T/to-server" >"$T/par2" 2>&1 &
p2=$!
wait $p1 $p2
e2e_is "$(cat "$T/par1"):$(cat "$T/par2")" "$want:$want" "ssh -L: two concurrent connections"

# A forward to a closed port fails that connection only.
e2e_bg "$T/Lx" e2e_ssh -N -o ExitOnForwardFailure=yes -L 127.0.0.1:9079:127.0.0.1:1 web-1
Lx_pid=$E2E_BG_PID
e2e_wait_for e2e_listening "$E2E_NS_C" 9079
e2e_capture client_in "$E2E_NS_C" 9079 "$T/to-server"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "ssh -L to a closed port: the local connection fails"
e2e_ok "$(kill -0 "$Lx_pid" 2>/dev/null && echo 0 || echo 1)" "and ssh -N stays up"
e2e_kill "$Lx_pid"
e2e_ok "$(kill -0 "$L_pid" 2>/dev/null && echo 0 || echo 1)" "ssh -N -L is still running after its connections"
e2e_kill "$L_pid"

# -R with -N
e2e_bg "$T/R" e2e_ssh -N -o ExitOnForwardFailure=yes -R 127.0.0.1:9081:127.0.0.1:8081 web-1
R_pid=$E2E_BG_PID
e2e_wait_for e2e_listening "$E2E_NS_S" 9081
e2e_ok "$(e2e_listening "$E2E_NS_S" 9081 && echo 0 || echo 1)" "ssh -R: the server listens on 127.0.0.1:9081"
e2e_like "$(ip netns exec "$E2E_NS_S" ss -Hltnp 'sport = :9081')" "127\.0\.0\.1:9081" \
	"ssh -R: the remote listener is bound to loopback only"
e2e_is "$(client_in "$E2E_NS_S" 9081 "$T/to-client")" "$want_r" \
	"ssh -R: 8 MiB each way through forwarded-tcpip, half-close passed on"
e2e_kill "$R_pid"
e2e_wait_for sh -c "! ip netns exec $E2E_NS_S ss -Hltn 'sport = :9081' | grep -q ."
e2e_ok "$(e2e_listening "$E2E_NS_S" 9081 && echo 1 || echo 0)" "ssh -R: the listener goes with the connection"

# tcpip-forward and cancel-tcpip-forward on one master connection.
e2e_bg "$T/M" e2e_ssh -M -S "$T/cm" -N web-1
M_pid=$E2E_BG_PID
e2e_wait_for e2e_ssh -S "$T/cm" -O check web-1
e2e_capture e2e_ssh -S "$T/cm" -O forward -R 127.0.0.1:9082:127.0.0.1:8081 web-1
e2e_wait_for e2e_listening "$E2E_NS_S" 9082
e2e_is "$(client_in "$E2E_NS_S" 9082 "$T/to-client")" "$want_r" "ssh -O forward -R: traffic through the added forward"
e2e_capture e2e_ssh -S "$T/cm" -O cancel -R 127.0.0.1:9082:127.0.0.1:8081 web-1
e2e_is "$E2E_RC" 0 "ssh -O cancel -R: the server accepts cancel-tcpip-forward"
e2e_wait_for sh -c "! ip netns exec $E2E_NS_S ss -Hltn 'sport = :9082' | grep -q ."
e2e_ok "$(e2e_listening "$E2E_NS_S" 9082 && echo 1 || echo 0)" "ssh -O cancel -R: the server stops listening"
e2e_capture client_in "$E2E_NS_S" 9082 "$T/to-client"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "ssh -O cancel -R: connections are refused afterwards"

e2e_capture e2e_ssh -S "$T/cm" -O forward -R 127.0.0.1:0:127.0.0.1:8081 web-1
dyn=$(printf '%s' "$E2E_OUT" | grep -Eo '^[0-9]+$' | head -n 1)
e2e_like "$dyn" '^[0-9]+$' "ssh -R with port 0: the server allocates a port ($dyn)"
e2e_is "$(client_in "$E2E_NS_S" "${dyn:-0}" "$T/to-client")" "$want_r" "traffic through the allocated port"

# A user cannot make the server listen on a privileged port.
e2e_capture e2e_ssh -S "$T/cm" -O forward -R 127.0.0.1:81:127.0.0.1:8081 web-1
e2e_ok "$(e2e_listening "$E2E_NS_S" 81 && echo 1 || echo 0)" "ssh -R to port 81 as a user: nothing listens there"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && echo 0 || echo 1)" "ssh -R to port 81 as a user: the request is refused"
e2e_capture e2e_ssh -S "$T/cm" -O exit web-1
wait "$M_pid" 2>/dev/null
e2e_ok "$(kill -0 "$M_pid" 2>/dev/null && echo 1 || echo 0)" "ssh -O exit ends the master"

e2e_done
