#!/bin/bash
# sshd_paramiko: runs sshd_paramiko.py (paramiko, a second SSH client) in the
# client namespace against the server under test; its TAP is this test's.
. "$(dirname "$0")/lib.sh"
"$E2E_PYTHON" -c 'import paramiko' 2>/dev/null || e2e_cannot_run "python3-paramiko is not installed"
e2e_setup
timeout -k 5 300 ip netns exec "$E2E_NS_C" env \
	E2E_HOST="$E2E_SRV_ADDR4" E2E_PORT="$E2E_SSH_PORT" E2E_USER="$E2E_USER" E2E_OTHER="$E2E_OTHER" \
	E2E_MODE="$E2E_SERVER" E2E_HOSTKEY="$E2E_HOSTKEY_PUB" E2E_KEY="$E2E_TMP/id_ed25519" \
	E2E_HOME="$E2E_HOME" E2E_CLI_NODE="$E2E_CLI_NODE" E2E_CLI_LOGIN="$E2E_CLI_LOGIN" \
	"$E2E_PYTHON" "$top_srcdir/tests/integration/sshd_paramiko.py"
status=$?
[ "$status" -eq 0 ] || { echo "not ok - sshd_paramiko.py exited $status"; echo "1..0"; }
exit 0
