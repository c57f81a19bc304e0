#!/bin/bash
# sshd_exec over Debian's wireguard-go instead of meshd: the end-to-end suite
# runs over meshd by default, and this keeps one run on the reference
# WireGuard data plane (meshsshd's trust in the source address must not
# depend on which WireGuard implementation carried the packets).
MESHSSH_E2E_TUNNEL=wireguard-go exec "$(dirname "$0")/sshd_exec.sh"
