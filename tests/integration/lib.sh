# shellcheck shell=bash
# tests/integration/lib.sh: fixtures for meshsshd's end-to-end tests.
#
# Sourced by tests/integration/sshd_*.sh.  It builds, per test run, two
# network namespaces (client and server) joined by a veth pair, runs a
# WireGuard tunnel in each, configured with `wg set` from the test netmap's
# keys and addresses:
#
#   MESHSSH_E2E_TUNNEL=meshd (default)     $top_builddir/mesh/meshd
#   MESHSSH_E2E_TUNNEL=wireguard-go        Debian's wireguard-go
#
# creates two local accounts visible only to the server (an
# overlay on /etc in the server's mount namespace holds its passwd, group,
# shadow, gshadow and motd), and starts the server under test on the
# server's mesh addresses:
#
#   MESHSSH_E2E_SERVER=meshsshd (default)  $top_builddir/sshd/meshsshd
#   MESHSSH_E2E_SERVER=openssh             /usr/sbin/sshd with a public key,
#                                          to validate the tests themselves;
#                                          mesh-only checks are skipped.
#
# Every name (namespace, interface <= 15 chars, UAPI socket, temp dir, user)
# carries a per-run id, so tests run in parallel.  utmp, wtmp and lastlog are
# per-run files bind-mounted over the system ones inside the server's mount
# namespace.  (Not /etc/netns: a file bind-mounted over /etc/passwd vanishes
# from the namespace when anything on the host renames a new /etc/passwd
# into place, as useradd does.)  The EXIT trap kills what the run started, by PID, then deletes
# the namespaces and files.  A test that cannot run skips outside CI and
# fails under CI=true.
#
# Output is TAP: e2e_ok/e2e_is/e2e_like/e2e_skip print one line each and
# e2e_done prints the plan.

set -u
exec </dev/null

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir/build}"
E2E_SERVER=${MESHSSH_E2E_SERVER:-meshsshd}
E2E_TUNNEL=${MESHSSH_E2E_TUNNEL:-meshd}
E2E_MESHD=${MESHD:-$top_builddir/mesh/meshd}
E2E_MESHSSHD=${MESHSSHD:-$top_builddir/sshd/meshsshd}
E2E_MESHCTL=${MESHCTL:-$top_builddir/ctl/meshctl}
E2E_SFTP_SERVER=/usr/lib/openssh/sftp-server
E2E_PYTHON=/usr/bin/python3 # Debian's, which has paramiko

# Hang guards: a client that does not return within this many seconds is
# killed and its assertion fails.  They are not timing assertions.
E2E_CLIENT_TIMEOUT_S=${E2E_CLIENT_TIMEOUT_S:-120}
E2E_BG_TIMEOUT_S=${E2E_BG_TIMEOUT_S:-600}
E2E_READY_TIMEOUT_S=20
E2E_POLL_INTERVAL_S=0.1

# The test mesh: 100.64.0.0/10 and fd7a:115c:a1e0::/48 like Tailscale.
E2E_SRV_NODE=web-1
E2E_SRV_ADDR4=100.64.0.1
E2E_SRV_ADDR6=fd7a:115c:a1e0::1
E2E_CLI_NODE=laptop
E2E_CLI_LOGIN=alice@example.com
E2E_CLI_ADDR4=100.64.0.7
E2E_CLI_ADDR6=fd7a:115c:a1e0::7
# Routed through the tunnel to the server, but in no node of the netmap.
E2E_STRANGER_ADDR4=100.64.0.99
E2E_STRANGER_ADDR6=fd7a:115c:a1e0::99
E2E_UNDERLAY_CLI=192.0.2.1
E2E_UNDERLAY_SRV=192.0.2.2
E2E_WG_PORT=51820
E2E_SSH_PORT=22

E2E_N=0
E2E_FAILED=0
E2E_PIDS=""
E2E_TMP=""
E2E_NS_C=""
E2E_NS_S=""

# ---------------------------------------------------------------- TAP

e2e_diag() { # print each argument line as a TAP comment
	printf '%s\n' "$@" | sed 's/^/# /'
}

e2e_ok() { # e2e_ok STATUS DESC: pass when STATUS is 0
	local status=$1
	shift
	E2E_N=$((E2E_N + 1))
	if [ "$status" -eq 0 ]; then
		echo "ok $E2E_N - $*"
	else
		echo "not ok $E2E_N - $*"
		E2E_FAILED=$((E2E_FAILED + 1))
	fi
	return "$status"
}

e2e_is() { # e2e_is GOT WANT DESC
	if [ "$1" = "$2" ]; then
		e2e_ok 0 "$3"
	else
		e2e_ok 1 "$3"
		e2e_diag "got:  '$1'" "want: '$2'"
		return 1
	fi
}

e2e_like() { # e2e_like GOT ERE DESC
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		e2e_ok 0 "$3"
	else
		e2e_ok 1 "$3"
		e2e_diag "got:  '$(printf '%s' "$1" | head -c 2000)'" "want match: /$2/"
		return 1
	fi
}

e2e_has() { # e2e_has GOT FIXED-STRING DESC
	case $1 in
	*"$2"*) e2e_ok 0 "$3" ;;
	*)
		e2e_ok 1 "$3"
		e2e_diag "got:  '$(printf '%s' "$1" | head -c 2000)'" "want to contain: '$2'"
		return 1
		;;
	esac
}

e2e_unlike() { # e2e_unlike GOT ERE DESC
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		e2e_ok 1 "$3"
		e2e_diag "got:  '$(printf '%s' "$1" | head -c 2000)'" "must not match: /$2/"
		return 1
	else
		e2e_ok 0 "$3"
	fi
}

e2e_skip() { # e2e_skip DESC REASON
	E2E_N=$((E2E_N + 1))
	echo "ok $E2E_N - $1 # SKIP $2"
}

e2e_is_mesh() { [ "$E2E_SERVER" = meshsshd ]; }

e2e_mesh_only() { # e2e_mesh_only DESC: true in mesh mode; else prints a skip
	e2e_is_mesh && return 0
	e2e_skip "$1" "mesh-specific check, server is $E2E_SERVER"
	return 1
}

e2e_done() {
	echo "1..$E2E_N"
	exit 0
}

# e2e_cannot_run REASON: skip outside CI, fail under CI (tap_lib.sh)
. "$(dirname "${BASH_SOURCE[0]:-$0}")/tap_lib.sh"
e2e_cannot_run() { tap_cannot_run "$@"; }

# ---------------------------------------------------------------- requirements

e2e_require() { # fail or skip unless the machine can run this suite
	local tool
	[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (network namespaces)"
	[ -c /dev/net/tun ] || e2e_cannot_run "no /dev/net/tun"
	for tool in ip wg wireguard-go ssh ssh-keygen setpriv nsenter timeout ss useradd; do
		command -v "$tool" >/dev/null 2>&1 || e2e_cannot_run "missing tool: $tool"
	done
	case $E2E_SERVER in
	openssh)
		[ -x /usr/sbin/sshd ] || e2e_cannot_run "missing /usr/sbin/sshd"
		;;
	meshsshd)
		[ -x "$E2E_MESHSSHD" ] || e2e_cannot_run "meshsshd not built: $E2E_MESHSSHD"
		[ -x "$E2E_MESHCTL" ] || e2e_cannot_run "meshctl not built: $E2E_MESHCTL"
		;;
	*)
		e2e_cannot_run "MESHSSH_E2E_SERVER must be meshsshd or openssh, not '$E2E_SERVER'"
		;;
	esac
	e2e_require_tunnel
	ip netns add "e2e-probe-$$" 2>/dev/null || e2e_cannot_run "cannot create network namespaces"
	ip netns del "e2e-probe-$$"
}

# ---------------------------------------------------------------- cleanup

e2e_track() { # e2e_track PID...: kill these at exit
	E2E_PIDS="$E2E_PIDS $*"
}

e2e_kill() { # e2e_kill PID...: TERM, then KILL what is left
	local pid tries
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		tries=0
		while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 30 ]; do
			sleep "$E2E_POLL_INTERVAL_S"
			tries=$((tries + 1))
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

e2e_cleanup() {
	local ns pids
	trap - EXIT INT TERM
	# shellcheck disable=SC2086
	[ -n "$E2E_PIDS" ] && e2e_kill $E2E_PIDS
	# Whatever is left inside our namespaces was started by this run.
	for ns in "$E2E_NS_C" "$E2E_NS_S"; do
		[ -n "$ns" ] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		# shellcheck disable=SC2086
		[ -n "$pids" ] && e2e_kill $pids
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		if [ "${E2E_KEEP:-0}" = 1 ] || { [ "$E2E_FAILED" -gt 0 ] && [ "${E2E_KEEP_FAILED:-0}" = 1 ]; }; then
			echo "# kept $E2E_TMP" >&2
		else
			rm -rf "$E2E_TMP"
		fi
	fi
}

# ---------------------------------------------------------------- running things

e2e_in_client() { # run a command as root in the client namespace
	ip netns exec "$E2E_NS_C" "$@"
}

e2e_in_server() { # run a command as root in the server's network and mount namespaces
	nsenter -t "$E2E_SERVER_PID" -m -n "$@"
}

e2e_as_user() { # e2e_as_user USER CMD...: run as USER in the server namespace
	local user=$1 gid
	shift
	gid=$(awk -F: -v u="$user" '$1 == u { print $4 }' "$E2E_TMP/etc-up/passwd")
	nsenter -t "$E2E_SERVER_PID" -m -n setpriv --reuid "$user" --regid "$gid" --init-groups \
		env -i HOME="$E2E_HOMES/$user" USER="$user" PATH=/usr/bin:/bin "$@"
}

e2e_ssh() { # ssh from the client namespace with the test ssh_config
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" \
		ip netns exec "$E2E_NS_C" ssh -F "$E2E_TMP/ssh_config" "$@"
}

e2e_scp() {
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" \
		ip netns exec "$E2E_NS_C" scp -F "$E2E_TMP/ssh_config" "$@"
}

e2e_sftp() {
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" \
		ip netns exec "$E2E_NS_C" sftp -F "$E2E_TMP/ssh_config" "$@"
}

e2e_capture() { # e2e_capture CMD...: sets E2E_RC, E2E_OUT, E2E_ERR
	"$@" >"$E2E_TMP/cap.out" 2>"$E2E_TMP/cap.err"
	E2E_RC=$?
	E2E_OUT=$(cat "$E2E_TMP/cap.out")
	E2E_ERR=$(cat "$E2E_TMP/cap.err")
	return 0
}

e2e_wait_for() { # e2e_wait_for CMD...: poll until CMD succeeds or the deadline
	local tries=0 max
	max=$(awk "BEGIN { print int($E2E_READY_TIMEOUT_S / $E2E_POLL_INTERVAL_S) }")
	until "$@" >/dev/null 2>&1; do
		tries=$((tries + 1))
		[ "$tries" -ge "$max" ] && return 1
		sleep "$E2E_POLL_INTERVAL_S"
	done
	return 0
}

e2e_listening() { # e2e_listening NS PORT: is a TCP socket listening there?
	[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]
}

e2e_sha256() { # e2e_sha256 FILE: print the hex digest only
	sha256sum "$1" | cut -d' ' -f1
}

e2e_server_log() { # the server's log so far
	cat "$E2E_TMP/server.log" 2>/dev/null
}

# ---------------------------------------------------------------- set-up

e2e_setup() { # the whole fixture: namespaces, tunnel, users, server, client config
	e2e_require
	E2E_ID=$(printf '%x%02x' $$ $((RANDOM % 256)))
	E2E_NS_C=e2e-c-$E2E_ID
	E2E_NS_S=e2e-s-$E2E_ID
	E2E_VETH_C=v2c$E2E_ID
	E2E_VETH_S=v2s$E2E_ID
	E2E_WG_C=e2c$E2E_ID
	E2E_WG_S=e2s$E2E_ID
	E2E_USER=e2eu$E2E_ID
	E2E_OTHER=e2eo$E2E_ID
	trap e2e_cleanup EXIT
	trap 'exit 1' INT TERM
	E2E_TMP=$(mktemp -d "/tmp/meshssh-e2e-$E2E_ID.XXXXXX") || e2e_cannot_run "mktemp failed"
	chmod 755 "$E2E_TMP" # the test users reach their homes through it
	E2E_HOMES=$E2E_TMP/home
	mkdir -p "$E2E_HOMES"
	e2e_setup_net || e2e_cannot_run "network set-up failed: $(tail -n 3 "$E2E_TMP/setup.log" | tr '\n' ' ')"
	e2e_setup_users || e2e_cannot_run "user set-up failed: $(tail -n 3 "$E2E_TMP/setup.log" | tr '\n' ' ')"
	e2e_setup_keys || e2e_cannot_run "key set-up failed: $(tail -n 3 "$E2E_TMP/setup.log" | tr '\n' ' ')"
	e2e_server_start || e2e_cannot_run "server did not start: $(tail -n 5 "$E2E_TMP/server.log" | tr '\n' ' ')"
}

e2e_require_tunnel() { # the tunnel chosen by MESHSSH_E2E_TUNNEL can run
	case $E2E_TUNNEL in
	meshd) [ -x "$E2E_MESHD" ] || e2e_cannot_run "meshd not built: $E2E_MESHD" ;;
	wireguard-go) ;;
	*) e2e_cannot_run "MESHSSH_E2E_TUNNEL must be meshd or wireguard-go, not '$E2E_TUNNEL'" ;;
	esac
}

e2e_tunnel_start() { # e2e_tunnel_start NS IFACE PRIVFILE: the tunnel daemon, UAPI socket ready
	local ns=$1 dev=$2 priv=$3 pid
	if [ "$E2E_TUNNEL" = meshd ]; then
		# Peers come from `wg set` below, as for wireguard-go: the test
		# needs an allowed address (the stranger) that no netmap node has.
		printf 'Interface %s\nPrivateKeyFile %s\nListenPort %s\n' \
			"$dev" "$priv" "$E2E_WG_PORT" >"$E2E_TMP/meshd-$dev.conf"
		ip netns exec "$ns" "$E2E_MESHD" -D -f "$E2E_TMP/meshd-$dev.conf" \
			>>"$E2E_TMP/wg-$dev.log" 2>&1 &
	else
		ip netns exec "$ns" wireguard-go -f "$dev" >>"$E2E_TMP/wg-$dev.log" 2>&1 &
	fi
	pid=$!
	e2e_track "$pid"
	e2e_wait_for test -S "/var/run/wireguard/$dev.sock"
}

e2e_wg_up() { # e2e_wg_up NS IFACE PRIVFILE PEERPUB PEER_ALLOWED PEER_ENDPOINT ADDR4 ADDR6 EXTRA4 EXTRA6
	local ns=$1 dev=$2 priv=$3 peer=$4 allowed=$5 endpoint=$6 a4=$7 a6=$8 x4=$9 x6=${10}
	e2e_tunnel_start "$ns" "$dev" "$priv" || return 1
	ip netns exec "$ns" wg set "$dev" private-key "$priv" listen-port "$E2E_WG_PORT" \
		peer "$peer" allowed-ips "$allowed" endpoint "$endpoint" persistent-keepalive 25 || return 1
	ip -n "$ns" addr add "$a4/32" dev "$dev" || return 1
	ip -n "$ns" addr add "$a6/128" dev "$dev" nodad || return 1
	if [ -n "$x4" ]; then
		ip -n "$ns" addr add "$x4/32" dev "$dev" || return 1
		ip -n "$ns" addr add "$x6/128" dev "$dev" nodad || return 1
	fi
	ip -n "$ns" link set "$dev" up || return 1
	ip -n "$ns" route add 100.64.0.0/10 dev "$dev" src "$a4" || return 1
	ip -n "$ns" -6 route add fd7a:115c:a1e0::/48 dev "$dev" src "$a6" || return 1
}

e2e_setup_net() {
	local k=$E2E_TMP/keys
	mkdir -m 700 "$k"
	{
		ip netns add "$E2E_NS_C" && ip netns add "$E2E_NS_S" &&
			ip link add "$E2E_VETH_C" netns "$E2E_NS_C" type veth \
				peer name "$E2E_VETH_S" netns "$E2E_NS_S" &&
			ip -n "$E2E_NS_C" addr add "$E2E_UNDERLAY_CLI/24" dev "$E2E_VETH_C" &&
			ip -n "$E2E_NS_S" addr add "$E2E_UNDERLAY_SRV/24" dev "$E2E_VETH_S" &&
			ip -n "$E2E_NS_C" link set lo up && ip -n "$E2E_NS_S" link set lo up &&
			ip -n "$E2E_NS_C" link set "$E2E_VETH_C" up &&
			ip -n "$E2E_NS_S" link set "$E2E_VETH_S" up &&
			(umask 077 && wg genkey >"$k/client.wg" && wg genkey >"$k/server.wg") &&
			wg pubkey <"$k/client.wg" >"$k/client.wg.pub" &&
			wg pubkey <"$k/server.wg" >"$k/server.wg.pub"
	} >>"$E2E_TMP/setup.log" 2>&1 || return 1
	E2E_WGPUB_C=$(cat "$k/client.wg.pub")
	E2E_WGPUB_S=$(cat "$k/server.wg.pub")
	# The client also holds a stranger address; the server's WireGuard
	# accepts it from the client's key, but the netmap names no node for it.
	{
		e2e_wg_up "$E2E_NS_C" "$E2E_WG_C" "$k/client.wg" "$E2E_WGPUB_S" \
			"$E2E_SRV_ADDR4/32,$E2E_SRV_ADDR6/128" "$E2E_UNDERLAY_SRV:$E2E_WG_PORT" \
			"$E2E_CLI_ADDR4" "$E2E_CLI_ADDR6" "$E2E_STRANGER_ADDR4" "$E2E_STRANGER_ADDR6" &&
			e2e_wg_up "$E2E_NS_S" "$E2E_WG_S" "$k/server.wg" "$E2E_WGPUB_C" \
				"$E2E_CLI_ADDR4/32,$E2E_CLI_ADDR6/128,$E2E_STRANGER_ADDR4/32,$E2E_STRANGER_ADDR6/128" \
				"$E2E_UNDERLAY_CLI:$E2E_WG_PORT" "$E2E_SRV_ADDR4" "$E2E_SRV_ADDR6" "" ""
	} >>"$E2E_TMP/setup.log" 2>&1 || return 1
	e2e_wait_for e2e_tunnel_up "$E2E_SRV_ADDR4" || return 1
	e2e_wait_for e2e_tunnel_up "$E2E_SRV_ADDR6" || return 1
}

e2e_tunnel_up() { # e2e_tunnel_up ADDR: does a TCP probe to ADDR get an answer?
	# Port 9 (discard) has no listener: "connection refused" is the server's
	# RST, which came back through the tunnel.
	ip netns exec "$E2E_NS_C" timeout 1 bash -c "exec 3<>/dev/tcp/$1/9" 2>&1 |
		grep -q 'Connection refused'
}

e2e_setup_users() { # two accounts, seen only by the server (the /etc overlay)
	local root=$E2E_TMP/etcroot etc=$E2E_TMP/etc-up f u
	mkdir -p "$root/etc" "$etc" "$E2E_TMP/etc-work" || return 1
	for f in passwd group shadow gshadow; do
		cp -p "/etc/$f" "$root/etc/$f" || return 1
	done
	for u in "$E2E_USER" "$E2E_OTHER"; do
		# '*', not the locked '!': OpenSSH refuses keys for locked accounts.
		useradd --prefix "$root" -M -d "$E2E_HOMES/$u" -s /bin/bash -p '*' "$u" \
			>>"$E2E_TMP/setup.log" 2>&1 || return 1
	done
	for f in passwd group shadow gshadow; do
		cp -p "$root/etc/$f" "$etc/$f" || return 1
	done
	for u in "$E2E_USER" "$E2E_OTHER"; do
		mkdir -m 755 "$E2E_HOMES/$u" &&
			cp -r /etc/skel/. "$E2E_HOMES/$u/" &&
			chown -R "$(awk -F: -v u="$u" '$1 == u { print $3 ":" $4 }' "$etc/passwd")" \
				"$E2E_HOMES/$u" || return 1
	done
	E2E_UID=$(awk -F: -v u="$E2E_USER" '$1 == u { print $3 }' "$etc/passwd")
	E2E_HOME=$E2E_HOMES/$E2E_USER
	E2E_MOTD="meshssh-e2e motd $E2E_ID"
	echo "$E2E_MOTD" >"$etc/motd"
	# Per-run login records, bind-mounted over the system's in the server.
	install -m 664 /dev/null "$E2E_TMP/utmp"
	install -m 664 /dev/null "$E2E_TMP/wtmp"
	install -m 664 /dev/null "$E2E_TMP/lastlog"
	[ -e /run/utmp ] || install -m 664 -g utmp /dev/null /run/utmp
}

e2e_setup_keys() { # host key, client key, known_hosts, ssh_config, netmap, policy
	local t=$E2E_TMP
	{
		ssh-keygen -q -t ed25519 -N '' -C "web-1 host key" -f "$t/ssh_host_ed25519_key" &&
			ssh-keygen -q -t ed25519 -N '' -C "e2e client" -f "$t/id_ed25519"
	} >>"$t/setup.log" 2>&1 || return 1
	E2E_HOSTKEY_PUB=$(cut -d' ' -f1,2 "$t/ssh_host_ed25519_key.pub")
	echo "$E2E_SRV_NODE,$E2E_SRV_ADDR4,$E2E_SRV_ADDR6 $E2E_HOSTKEY_PUB" >"$t/known_hosts"
	{
		echo "Host $E2E_SRV_NODE"
		echo "  HostName $E2E_SRV_ADDR4"
		echo "Host $E2E_SRV_NODE-v6"
		echo "  HostName $E2E_SRV_ADDR6"
		echo "  HostKeyAlias $E2E_SRV_NODE"
		echo "Host *"
		echo "  User $E2E_USER"
		echo "  Port $E2E_SSH_PORT"
		echo "  UserKnownHostsFile $t/known_hosts"
		echo "  GlobalKnownHostsFile /dev/null"
		echo "  StrictHostKeyChecking yes"
		echo "  CheckHostIP no"
		echo "  BatchMode yes"
		echo "  ConnectTimeout 20"
		echo "  LogLevel INFO" # the default; ERROR would hide the server's banner
		echo "  ControlMaster no"
		echo "  ControlPath none"
		echo "  IdentitiesOnly yes"
		echo "  IdentityAgent none"
		if e2e_is_mesh; then
			echo "  PubkeyAuthentication no"
		else
			echo "  IdentityFile $t/id_ed25519"
		fi
	} >"$t/ssh_config"
	cat >"$t/policy.hujson" <<EOF
// meshssh end-to-end test policy (HuJSON)
{
	"groups": {"group:eng": ["$E2E_CLI_LOGIN"]},
	"tagOwners": {"tag:server": ["$E2E_CLI_LOGIN"]},
	"ssh": [
		{
			"action": "accept",
			"src": ["group:eng"],
			"dst": ["tag:server"],
			"users": ["$E2E_USER"],
			"acceptEnv": ["LC_*", "MESH_TEST_*"],
		},
	],
}
EOF
	e2e_is_mesh || return 0
	e2e_setup_netmap
}

e2e_setup_netmap() { # signed netmap for meshsshd and meshctl known-hosts
	local t=$E2E_TMP m=$E2E_MESHCTL
	{
		"$m" signing-key new --out "$t/signing.key" >"$t/trusted-keys" &&
			"$m" netmap init "$t/netmap.json" &&
			"$m" netmap add-node "$t/netmap.json" "$E2E_SRV_NODE" --key "$E2E_WGPUB_S" \
				--addr "$E2E_SRV_ADDR4" --addr "$E2E_SRV_ADDR6" --tag tag:server \
				--endpoint "$E2E_UNDERLAY_SRV:$E2E_WG_PORT" \
				--host-key "$t/ssh_host_ed25519_key.pub" &&
			"$m" netmap add-node "$t/netmap.json" "$E2E_CLI_NODE" --key "$E2E_WGPUB_C" \
				--addr "$E2E_CLI_ADDR4" --addr "$E2E_CLI_ADDR6" --owner "$E2E_CLI_LOGIN" \
				--endpoint "$E2E_UNDERLAY_CLI:$E2E_WG_PORT" &&
			"$m" netmap sign --key "$t/signing.key" "$t/netmap.json"
	} >>"$t/setup.log" 2>&1
}

# ---------------------------------------------------------------- servers

e2e_write_sshd_config() {
	local t=$E2E_TMP
	mkdir -p "$t/authorized_keys"
	cp "$t/id_ed25519.pub" "$t/authorized_keys/$E2E_USER"
	cp "$t/id_ed25519.pub" "$t/authorized_keys/$E2E_OTHER"
	cp "$t/id_ed25519.pub" "$t/authorized_keys/root"
	cat >"$t/sshd_config" <<EOF
# OpenSSH's sshd as the reference server of the end-to-end suite.
# A test's own lines first: for sshd the first value of a keyword wins.
${E2E_SSHD_EXTRA_CONF:-}
ListenAddress $E2E_SRV_ADDR4
ListenAddress $E2E_SRV_ADDR6
Port $E2E_SSH_PORT
HostKey $t/ssh_host_ed25519_key
PidFile $t/server.pid
AuthorizedKeysFile $t/authorized_keys/%u
StrictModes no
UsePAM no
PermitRootLogin no
AllowUsers $E2E_USER
AcceptEnv LC_* MESH_TEST_*
Subsystem sftp $E2E_SFTP_SERVER
PrintMotd yes
PrintLastLog no
AllowAgentForwarding yes
AllowTcpForwarding yes
X11Forwarding no
LogLevel VERBOSE
EOF
}

e2e_rec_conf() { # per-run recording spool, sinks and shipper (never the system's)
	echo "RecordingSpool $E2E_TMP/spool"
	echo "RecordingShipper $top_builddir/recorder/meshssh-shipper"
	echo "AuditSink file:$E2E_TMP/sink"
	echo "RecordingSink file:$E2E_TMP/sink"
}

e2e_write_meshsshd_config() {
	local t=$E2E_TMP
	# The test accounts are local ones: the PAM stack of OpenSSH's sshd,
	# without pam_mesh (not installed here).
	mkdir -p "$t/etc-up/pam.d"
	cat >"$t/etc-up/pam.d/meshsshd" <<EOF
# meshsshd under test (tests/integration/lib.sh)
account    required     pam_nologin.so
@include common-account
session    optional     pam_loginuid.so
@include common-session
session    required     pam_limits.so
session    required     pam_env.so
EOF
	cat >"$t/meshsshd.conf" <<EOF
# meshsshd under test
ListenAddress $E2E_SRV_ADDR4
ListenAddress $E2E_SRV_ADDR6
Port $E2E_SSH_PORT
Interface $E2E_WG_S
HostKey $t/ssh_host_ed25519_key
NetmapFile $t/netmap.json
TrustedKeysFile $t/trusted-keys
PolicyFile $t/policy.hujson
NodeName $E2E_SRV_NODE
PidFile $t/server.pid
LogLevel DEBUG
SftpServer $E2E_SFTP_SERVER
${E2E_REC_CONF-$(e2e_rec_conf)}
${E2E_MESHSSHD_EXTRA_CONF:-}
EOF
}

e2e_server_start() { # start the server under test in the server namespace
	local t=$E2E_TMP binds
	# The test accounts and motd, then per-run login records.
	binds="mount -t overlay e2e-etc -o lowerdir=/etc,upperdir='$t/etc-up',workdir='$t/etc-work' /etc &&"
	binds="$binds mount --bind '$t/utmp' /run/utmp && mount --bind '$t/wtmp' /var/log/wtmp &&"
	binds="$binds mount --bind '$t/lastlog' /var/log/lastlog &&"
	if e2e_is_mesh; then
		e2e_write_meshsshd_config
		# A test may define e2e_server_prepare to add files, config lines and
		# mounts (E2E_SERVER_BINDS: "CMD && ...") before the server starts.
		if declare -F e2e_server_prepare >/dev/null; then
			e2e_server_prepare || return 1
		fi
		binds="$binds ${E2E_SERVER_BINDS:-}"
		# shellcheck disable=SC2086
		ip netns exec "$E2E_NS_S" sh -c "$binds exec \"\$@\"" meshsshd \
			"$E2E_MESHSSHD" -f "$t/meshsshd.conf" -D ${E2E_MESHSSHD_FLAGS:-} \
			>"$t/server.log" 2>&1 &
	else
		e2e_write_sshd_config
		mkdir -p /run/sshd
		ip netns exec "$E2E_NS_S" sh -c "$binds exec \"\$@\"" sshd \
			/usr/sbin/sshd -D -e -f "$t/sshd_config" >"$t/server.log" 2>&1 &
	fi
	E2E_SERVER_PID=$!
	e2e_track "$E2E_SERVER_PID"
	e2e_wait_for e2e_listening "$E2E_NS_S" "$E2E_SSH_PORT" || return 1
	kill -0 "$E2E_SERVER_PID" 2>/dev/null
}

# ---------------------------------------------------------------- helpers for tests

e2e_bg() { # e2e_bg NAME CMD...: CMD in the background, output in NAME.out/.err; sets E2E_BG_PID
	local name=$1
	shift
	# The wrappers are shell functions: expand them so that $! is the
	# process itself, not a subshell that would leave it behind when killed.
	case $1 in
	e2e_ssh)
		shift
		set -- timeout -k 5 "$E2E_BG_TIMEOUT_S" ip netns exec "$E2E_NS_C" \
			ssh -F "$E2E_TMP/ssh_config" "$@"
		;;
	e2e_in_client)
		shift
		set -- ip netns exec "$E2E_NS_C" "$@"
		;;
	e2e_in_server)
		shift
		set -- nsenter -t "$E2E_SERVER_PID" -m -n "$@"
		;;
	esac
	"$@" >"$name.out" 2>"$name.err" &
	E2E_BG_PID=$!
	e2e_track "$E2E_BG_PID"
}

e2e_wait_file() { # e2e_wait_file FILE [ERE]: until FILE exists (and matches)
	if [ $# -ge 2 ]; then
		e2e_wait_for grep -Eq -- "$2" "$1"
	else
		e2e_wait_for test -s "$1"
	fi
}

# ---------------------------------------------------------------- terminal sessions

# A scripted terminal session through tests/integration/sshd_pty_driver.py:
#   e2e_pty_new; e2e_pty_step expect 'ERE' 'what it proves'; ...
#   e2e_pty_run NAME ROWS COLS SSH-ARGS...   (one TAP line per described step)
# Sets E2E_PTY_EXIT to ssh's exit status.
e2e_pty_new() {
	: >"$E2E_TMP/pty.steps"
}

e2e_pty_step() { # e2e_pty_step VERB ARG [DESCRIPTION]
	printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >>"$E2E_TMP/pty.steps"
}

e2e_pty_run() {
	local name=$1 rows=$2 cols=$3 status desc
	shift 3
	timeout -k 5 "$E2E_CLIENT_TIMEOUT_S" ip netns exec "$E2E_NS_C" \
		env TERM=xterm-256color "$E2E_PYTHON" "$top_srcdir/tests/integration/sshd_pty_driver.py" \
		"$rows" "$cols" "$E2E_TMP/$name.transcript" -- \
		ssh -F "$E2E_TMP/ssh_config" "$@" <"$E2E_TMP/pty.steps" >"$E2E_TMP/$name.drv" 2>&1
	E2E_PTY_EXIT=$(sed -n 's/^exit //p' "$E2E_TMP/$name.drv")
	while IFS="$(printf '\t')" read -r status desc; do
		case $status in
		ok) [ -n "$desc" ] && e2e_ok 0 "$desc" ;;
		FAIL | notrun)
			[ -n "$desc" ] && e2e_ok 1 "$desc ($status)"
			[ "$status" = FAIL ] &&
				e2e_diag "transcript tail ($name):" "$(tail -c 600 "$E2E_TMP/$name.transcript" | tr -d '\r')"
			;;
		esac
	done <"$E2E_TMP/$name.drv"
	if [ -z "$E2E_PTY_EXIT" ]; then
		e2e_ok 1 "the pty driver ran to the end ($name)"
		e2e_diag "driver: $(tail -n 5 "$E2E_TMP/$name.drv")"
	fi
	return 0
}
