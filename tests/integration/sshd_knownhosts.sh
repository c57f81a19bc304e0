#!/bin/bash
# sshd_knownhosts: host keys from the signed netmap instead of trust on first
# use.  `KnownHostsCommand meshctl known-hosts %H` with an empty known_hosts
# and StrictHostKeyChecking yes logs in; a netmap whose host key was changed
# without a trusted signature makes the client refuse the server.
. "$(dirname "$0")/lib.sh"
[ -x "$E2E_MESHCTL" ] || e2e_cannot_run "meshctl not built: $E2E_MESHCTL"
e2e_setup
T=$E2E_TMP
e2e_is_mesh || e2e_setup_netmap || e2e_cannot_run "cannot write the test netmap with meshctl"

kh() { # kh NETMAP: ssh options that take host keys from meshctl only
	echo "-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes"
	echo "-o KnownHostsCommand=$E2E_MESHCTL known-hosts --netmap $1 --sig $1.sig --trusted $T/trusted-keys %H"
}

e2e_capture "$E2E_MESHCTL" known-hosts --netmap "$T/netmap.json" --sig "$T/netmap.json.sig" \
	--trusted "$T/trusted-keys" "$E2E_SRV_NODE"
e2e_like "${E2E_OUT%% *}" "^$E2E_SRV_NODE(,[^ ]+)*,$E2E_SRV_ADDR4(,[^ ]+)?\$" \
	"meshctl known-hosts prints the node's names and addresses"
e2e_is "${E2E_OUT#* }" "$E2E_HOSTKEY_PUB" "and its host key"

mapfile -t opts < <(kh "$T/netmap.json")
# shellcheck disable=SC2086
e2e_capture e2e_ssh ${opts[0]} "${opts[1]}" web-1 'echo in-$((1+1))'
e2e_is "$E2E_OUT:$E2E_RC" "in-2:0" "KnownHostsCommand meshctl known-hosts: login without known_hosts"
# shellcheck disable=SC2086
e2e_capture e2e_ssh ${opts[0]} "${opts[1]}" web-1-v6 'echo in-$((2+2))'
e2e_is "$E2E_OUT:$E2E_RC" "in-4:0" "the same over the IPv6 mesh address"

# Someone swaps the host key in the netmap but cannot sign it.
ssh-keygen -q -t ed25519 -N '' -f "$T/evil_host_key"
sed "s|$(echo "$E2E_HOSTKEY_PUB" | cut -d' ' -f2)|$(cut -d' ' -f2 "$T/evil_host_key.pub")|" \
	"$T/netmap.json" >"$T/tampered.json"
cp "$T/netmap.json.sig" "$T/tampered.json.sig"
e2e_capture "$E2E_MESHCTL" known-hosts --netmap "$T/tampered.json" --sig "$T/tampered.json.sig" \
	--trusted "$T/trusted-keys" "$E2E_SRV_NODE"
e2e_ok "$([ "$E2E_RC" -ne 0 ] && [ -z "$E2E_OUT" ] && echo 0 || echo 1)" \
	"meshctl known-hosts prints nothing for a tampered netmap (exit $E2E_RC)"
mapfile -t opts < <(kh "$T/tampered.json")
# shellcheck disable=SC2086
e2e_capture e2e_ssh ${opts[0]} "${opts[1]}" web-1 "touch /tmp/e2e-ran-$E2E_ID"
e2e_ok "$([ "$E2E_RC" -eq 255 ] && [ ! -e "/tmp/e2e-ran-$E2E_ID" ] && echo 0 || echo 1)" \
	"with a tampered netmap the client refuses the server (exit $E2E_RC)"
e2e_like "$E2E_ERR" "bad signature" "and the user sees meshctl's reason (bad signature)"
rm -f "/tmp/e2e-ran-$E2E_ID"

e2e_done
